import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkTableAccess, schemaTables, Violation } from '../scripts/table-access-check';

/**
 * The table access rule (scripts/table-access-check.ts, run by `npm run check`) fails on each kind of
 * violation it exists for. Each case is a tiny source tree with one violation, type-checked against the
 * project's own node_modules; a tree that keeps the rule passes, so a check that reports everything
 * would fail here too.
 */
const ROOT = join(__dirname, '..');

type Tree = Record<string, string>;

function check(tree: Tree, tables: string[] = ['things', 'others']): Violation[] {
  const dir = mkdtempSync(join(tmpdir(), 'table-access-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true, experimentalDecorators: true, skipLibCheck: true },
        include: ['src/**/*'],
      }),
    );
    for (const [file, text] of Object.entries({ ...OWNERS, ...tree })) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    return checkTableAccess({ root: dir, tables });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const OWNERS: Tree = {
  'src/things/things.table.ts': `import { EntityManager } from 'typeorm';
import { ThingEntity } from './thing.entity';
export const TABLES = ['things'] as const;
export function allThings(m: EntityManager): Promise<unknown[]> {
  return m.query('SELECT id FROM things');
}
export function someThing(m: EntityManager): Promise<ThingEntity | null> {
  return m.findOne(ThingEntity, { where: { id: '1' } });
}
`,
  'src/things/thing.entity.ts': `import { Column, Entity, PrimaryColumn } from 'typeorm';
@Entity('things')
export class ThingEntity {
  @PrimaryColumn() id: string;
  @Column() name: string;
}
`,
  'src/others/others.table.ts': `import { EntityManager } from 'typeorm';
export const TABLES = ['others'] as const;
/** A fragment other modules compose into their statements. */
export const OTHER_IDS = 'SELECT id FROM others';
export function countOthers(m: EntityManager): Promise<unknown[]> {
  return m.query('SELECT COUNT(*) AS n FROM others');
}
`,
  'src/things/thing.service.ts': `import { EntityManager } from 'typeorm';
import { allThings } from './things.table';
export function list(m: EntityManager): Promise<unknown[]> {
  return allThings(m);
}
`,
};

const rules = (violations: Violation[]) => violations.map((v) => `${v.file} ${v.rule}`);

describe('the table access rule fails on each violation it exists for', () => {
  it('a tree whose statements are all in their tables’ modules passes', () => {
    expect(check({})).toEqual([]);
  });

  it('a call on the entity manager outside a table module', () => {
    const found = check({
      'src/things/thing.service.ts': `import { EntityManager } from 'typeorm';
export function list(m: EntityManager): Promise<unknown[]> {
  return m.query('SELECT 1');
}
`,
    });
    expect(rules(found)).toEqual(['src/things/thing.service.ts database-call-outside-table-module']);
  });

  it('a query builder outside a table module, reported once for its chain', () => {
    const found = check({
      'src/things/thing.service.ts': `import { DataSource } from 'typeorm';
export function list(ds: DataSource): Promise<unknown[]> {
  return ds.createQueryBuilder().select('1').from('x', 'x').getRawMany();
}
`,
    });
    expect(rules(found)).toEqual(['src/things/thing.service.ts database-call-outside-table-module']);
  });

  it('a pg pool outside a table module', () => {
    const found = check({
      'src/things/thing.service.ts': `import { Pool } from 'pg';
export async function count(pool: Pool): Promise<number> {
  return (await pool.query('SELECT 1')).rowCount ?? 0;
}
`,
    });
    expect(rules(found)).toEqual(['src/things/thing.service.ts database-call-outside-table-module']);
  });

  it("SQL naming a table in another table's module", () => {
    const found = check({
      'src/others/others.table.ts': `import { EntityManager } from 'typeorm';
export const TABLES = ['others'] as const;
export const OTHER_IDS = 'SELECT id FROM others';
export function countOthers(m: EntityManager): Promise<unknown[]> {
  return m.query(\`SELECT COUNT(*) AS n FROM others o JOIN things t ON t.id = o.id\`);
}
`,
    });
    expect(rules(found)).toEqual(['src/others/others.table.ts table-named-outside-owner']);
  });

  it('SQL text naming a table in a service, even when another module runs it', () => {
    const found = check({
      'src/things/thing.service.ts': `export const STATEMENT = 'UPDATE things SET name = ? WHERE id = ?';
`,
    });
    expect(rules(found)).toEqual(['src/things/thing.service.ts table-named-outside-owner']);
  });

  it('an entity imported outside the module that owns its table', () => {
    const found = check({
      'src/things/thing.service.ts': `import { ThingEntity } from './thing.entity';
export const name = (t: ThingEntity) => t.name;
`,
    });
    expect(rules(found)).toEqual(['src/things/thing.service.ts entity-outside-owner']);
  });

  it('a table no module owns', () => {
    expect(rules(check({}, ['things', 'others', 'strays']))).toEqual(['src unowned-table']);
  });

  it('a table two modules own', () => {
    const found = check({
      'src/things/more-things.table.ts': `export const TABLES = ['things'] as const;
`,
    });
    const twice = found.filter((v) => v.rule === 'table-owned-twice');
    expect(twice).toHaveLength(1);
    expect(twice[0].message).toMatch(/things is owned by src\/things\/(more-)?things\.table\.ts and by src\/things\/(more-)?things\.table\.ts/);
  });

  it('a table module that does not say what it owns', () => {
    const found = check({
      'src/things/loose.table.ts': `const tables = ['things'];
export const TABLES = tables;
`,
    });
    expect(rules(found)).toEqual(['src/things/loose.table.ts unowned-table']);
  });

  it('the schema the migrations build is the list it checks', async () => {
    const tables = await schemaTables();
    expect(tables).toEqual(expect.arrayContaining(['audit_events', 'audit_head', 'partners', 'shipments', 'webhook_deliveries']));
    expect(tables).not.toContain('migrations');
  });
});
