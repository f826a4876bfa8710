import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { pageStatement } from '../src/access/page-statement';
import { planFor } from '../src/access/subject-plans';
import { readShapeOf } from '../src/access/read-shape';
import { columnOf } from '../src/data/column-name';
import { SUBJECTS, SubjectName } from '../src/data/subjects';
import { compilePolicy } from '../src/policy/policy-compiler';
import { PolicyDocument } from '../src/policy/policy-document';
import { TestGateway } from './support/test-app';

/**
 * A page costs the same however many rows the caller's scope holds: for every demo policy's read
 * scope, the page query reads index ranges in id order (no scan of the table, no sort of the scope).
 * The tables are grown well past the demo data so the planner has a real choice to make.
 */
const GROWTH = 6000;
const LIMIT = 101;
const SUBJECTS_READ: SubjectName[] = ['DemandSignal', 'CapacitySignal', 'Shipment'];
// Each plan check runs in the pass of its own database and shows as skipped in the other.
const onSqlite = process.env.DATABASE_URL ? it.skip : it;
const onPostgres = process.env.DATABASE_URL ? it : it.skip;

interface Case {
  name: string;
  subject: SubjectName;
  sql: string;
  params: Record<string, unknown>;
  seekValues: number;
  table: string;
}

function demoCases(dialect: 'sqlite' | 'postgres'): Case[] {
  const dir = join(__dirname, '..', 'policies');
  const cases: Case[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as PolicyDocument;
    const purposes = [...new Set(doc.rules.flatMap((r) => r.purposes ?? []))];
    for (const purpose of purposes) {
      for (const subject of SUBJECTS_READ) {
        const plan = planFor(compilePolicy(doc, 1, purpose), 'read', subject, dialect);
        if (!plan.rowScope) continue;
        const shape = readShapeOf(plan, subject, undefined);
        const seek = plan.seek ? { column: columnOf(plan.seek.field), values: plan.seek.values } : null;
        const statement = pageStatement(
          SUBJECTS[subject].table,
          shape.columns,
          `${plan.rowScope.sql} AND t.id > :after`,
          { ...plan.rowScope.params, after: '' },
          LIMIT,
          seek,
        );
        cases.push({
          name: `${doc.partner.id} / ${purpose} / ${subject}`,
          subject,
          ...statement,
          seekValues: plan.seek?.values.length ?? 0,
          table: SUBJECTS[subject].table,
        });
      }
    }
  }
  return cases;
}

describe('page plans: cost flat as the scope grows', () => {
  let gw: TestGateway;
  let cases: Case[];

  beforeAll(async () => {
    gw = await TestGateway.start();
    cases = demoCases(gw.dialect);
    // Grow every table with copies of its demo rows: the same scope values, many more rows in scope.
    for (const subject of SUBJECTS_READ) {
      const table = SUBJECTS[subject].table;
      const template = await gw.query(`SELECT * FROM ${table}`);
      const columns = Object.keys(template[0]);
      const placeholders = `(${columns.map(() => '?').join(', ')})`;
      for (let start = 0; start < GROWTH; start += 200) {
        const values: unknown[] = [];
        const rows: string[] = [];
        for (let i = start; i < Math.min(start + 200, GROWTH); i++) {
          const source = template[i % template.length];
          values.push(
            ...columns.map((c) => (c === 'id' ? `grow-${String(i).padStart(6, '0')}` : c === 'reference' ? `GROW-${i}` : c === 'sscc' ? null : source[c])),
          );
          rows.push(placeholders);
        }
        await gw.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.join(', ')}`, values);
      }
    }
    await gw.query('ANALYZE');
  }, 180_000);

  afterAll(() => gw?.stop());

  it('every demo read scope is served by a keyset index', () => {
    expect(cases.length).toBeGreaterThan(8);
    expect(cases.filter((c) => c.seekValues === 0).map((c) => c.name)).toEqual([]);
  });

  onSqlite('SQLite: each index range is searched, never a scan of the table or a sort of the scope', async () => {
    for (const c of cases) {
      const [text, values] = gw.dataSource.driver.escapeQueryWithParameters(c.sql, c.params);
      const plan = await gw.dataSource.query<Array<{ id: number; parent: number; detail: string }>>(`EXPLAIN QUERY PLAN ${text}`, values);
      const details = plan.map((p) => p.detail);
      const onTable = details.filter((d) => /\b(SCAN|SEARCH) t\b/.test(d));
      expect({ case: c.name, onTable }).toEqual({
        case: c.name,
        onTable: onTable.map(() => expect.stringMatching(new RegExp(`^SEARCH t USING INDEX idx_${c.table}_\\w+_id \\(\\w+=\\? AND id>\\?\\)$`))),
      });
      expect(onTable).toHaveLength(c.seekValues);
      // The only sorts allowed merge the branches' pages: each sorts one branch's page (a sibling
      // `SCAN b<n>` of at most LIMIT rows), never the table or the scope.
      const sorts = plan.filter((p) => p.detail.startsWith('USE TEMP B-TREE'));
      const sortsOfAPage = sorts.filter((sort) => plan.some((p) => p.parent === sort.parent && /^SCAN b\d+$/.test(p.detail)));
      if (c.seekValues === 1) expect({ case: c.name, sorts }).toEqual({ case: c.name, sorts: [] });
      else expect({ case: c.name, sorts: sorts.length }).toEqual({ case: c.name, sorts: sortsOfAPage.length });
    }
  });

  onPostgres('PostgreSQL: the rows read from the table are bounded by the page, not by the scope', async () => {
    for (const c of cases) {
      const [text, values] = gw.dataSource.driver.escapeQueryWithParameters(c.sql, c.params);
      const [
        {
          'QUERY PLAN': [root],
        },
      ] = await gw.dataSource.query<Array<{ 'QUERY PLAN': Array<{ Plan: PgPlan }> }>>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
      const scans = nodes(root.Plan).filter((n) => n['Relation Name'] === c.table);
      expect({ case: c.name, seq: scans.filter((n) => n['Node Type'] === 'Seq Scan').length }).toEqual({ case: c.name, seq: 0 });
      const read = scans.reduce((sum, n) => sum + n['Actual Rows'] * (n['Actual Loops'] ?? 1), 0);
      expect({ case: c.name, bounded: read <= c.seekValues * LIMIT }).toEqual({ case: c.name, bounded: true });
    }
  });
});

interface PgPlan {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops'?: number;
  Plans?: PgPlan[];
}

function nodes(plan: PgPlan): PgPlan[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}
