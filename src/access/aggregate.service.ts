import { Injectable } from '@nestjs/common';
import { GatewayError } from '../common/gateway-error';
import { columnOf } from '../data/column-name';
import { fieldsOf, SUBJECTS, SubjectName } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { aggregateOf, ruleIdOf } from '../policy/policy-compiler';
import { AGGREGATE_ACTION, Measure, MEASURES } from '../policy/policy-document';
import { AccessSummary, carry, merge, summaryOf, touched } from '../audit/access-summary';
import { Caller } from './caller';
import { conditionsToSql, ParamBag, valueColumn } from './conditions-to-sql';
import { GovernedDataService } from './governed-data.service';
import { selectGroups } from './subject-rows.table';

export interface AggregateRequest {
  groupBy: string[];
  /** `sum:forecastQty`, `avg:forecastQty`, `count:orderedQty`, … */
  measures: string[];
  /** Equality filters on groupBy fields, values already typed. */
  filters: Record<string, unknown>;
}

export interface AggregateMeta {
  minGroupSize: number;
  suppressedGroups: number;
  policyVersion: number | null;
  purpose: string | null;
}

const SQL_OF: Record<Measure, string> = { count: 'COUNT', sum: 'SUM', avg: 'AVG', min: 'MIN', max: 'MAX' };

/**
 * Aggregate-only sharing (`action: aggregate` rules): group totals computed in SQL inside the
 * granting rule's row scope, with every group of fewer than minGroupSize rows left out (HAVING)
 * and only counted. The rule that grants every requested grouping and measure decides.
 */
@Injectable()
export class AggregateService {
  constructor(
    private readonly db: DatabaseService,
    private readonly data: GovernedDataService,
  ) {}

  async aggregate(
    caller: Caller,
    subject: SubjectName,
    request: AggregateRequest,
  ): Promise<{ rows: Record<string, unknown>[]; meta: AggregateMeta; summary: AccessSummary }> {
    const decided = { so: touched(AGGREGATE_ACTION, subject) };
    try {
      return await this.aggregateAs(caller, subject, request, decided);
    } catch (error) {
      throw carry(error, decided.so);
    }
  }

  /** The aggregate; `decided.so` grows with what is decided, for the error of a refusal to carry. */
  private async aggregateAs(caller: Caller, subject: SubjectName, request: AggregateRequest, decided: { so: AccessSummary }) {
    const all = fieldsOf(subject);
    const measures = request.measures.map((m) => parseMeasure(m));
    const bad = [
      ...request.groupBy.filter((f) => !all.includes(f)).map((f) => `unknown groupBy field '${f}' of ${subject}`),
      ...measures.flatMap((m, i) =>
        m === null
          ? [`measure '${request.measures[i]}' must be <count|sum|avg|min|max>:<field>`]
          : all.includes(m.field)
            ? []
            : [`unknown measure field '${m.field}' of ${subject}`],
      ),
      ...Object.keys(request.filters)
        .filter((f) => !all.includes(f))
        .map((f) => `unknown filter field '${f}' of ${subject}`),
    ];
    if (request.groupBy.length === 0) bad.push('groupBy names at least one field');
    if (bad.length > 0) throw GatewayError.validation(bad);
    const asked = measures as Array<{ measure: Measure; field: string }>;

    const { policy, summary: judged } = await this.data.policyOf(caller);
    decided.so = merge(decided.so, judged);
    const rules = policy.ability.rulesFor(AGGREGATE_ACTION, subject).filter((r) => !r.inverted && aggregateOf(r));
    if (rules.length === 0) {
      throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', {
        detail: `Your policy grants no aggregate of ${subject}${caller.purpose ? ` for purpose '${caller.purpose}'` : ''}.`,
      });
    }
    const groupable = new Set(rules.flatMap((r) => aggregateOf(r)!.groupBy));
    const filterFields = Object.keys(request.filters);
    const missing = (grant: NonNullable<ReturnType<typeof aggregateOf>>) => [
      ...request.groupBy.filter((f) => !grant.groupBy.includes(f)),
      ...filterFields.filter((f) => !grant.groupBy.includes(f)),
      ...asked.filter((m) => !(grant.measures[m.field] ?? []).includes(m.measure)).map((m) => `${m.measure}:${m.field}`),
    ];
    const rule = rules.find((r) => missing(aggregateOf(r)!).length === 0);
    if (!rule) {
      const ungranted = [
        ...new Set([
          ...request.groupBy.filter((f) => !groupable.has(f)),
          ...filterFields.filter((f) => !groupable.has(f)),
          ...asked.filter((m) => !rules.some((r) => (aggregateOf(r)!.measures[m.field] ?? []).includes(m.measure))).map((m) => `${m.measure}:${m.field}`),
        ]),
      ];
      const fields = ungranted.length > 0 ? ungranted : missing(aggregateOf(rules[0])!);
      throw new GatewayError(403, 'FORBIDDEN_FIELDS', 'Forbidden fields', {
        detail: `Your policy does not let you aggregate ${subject} by ${fields.map((f) => `'${f}'`).join(', ')}${ungranted.length > 0 ? '' : ' together'}.`,
        extra: { fields },
      });
    }
    const grant = aggregateOf(rule)!;
    const ruleId = ruleIdOf(rule);
    if (ruleId) decided.so = merge(decided.so, summaryOf({ ruleIds: [ruleId] }));

    const bag = new ParamBag('a');
    const where = [rule.conditions ? conditionsToSql(rule.conditions, subject, this.db.dialect, 't', bag) : '(1=1)'];
    const params: Record<string, unknown> = bag.params;
    filterFields.forEach((f, i) => {
      const value = request.filters[f];
      if (value === null) where.push(`t.${columnOf(f)} IS NULL`);
      else {
        where.push(`${valueColumn(subject, f, this.db.dialect, 't')} = :g${i}`);
        params[`g${i}`] = value;
      }
    });
    params.k = grant.minGroupSize;
    const groups = request.groupBy.map((f) => `t.${columnOf(f)}`);
    const select = [
      ...request.groupBy.map((f) => `t.${columnOf(f)} AS "${f}"`),
      'COUNT(*) AS "count"',
      ...asked.map(
        (m) =>
          `${SQL_OF[m.measure]}(${m.measure === 'count' ? `t.${columnOf(m.field)}` : valueColumn(subject, m.field, this.db.dialect, 't')}) AS "${m.measure}:${m.field}"`,
      ),
    ];
    const { groups: raw, suppressed: suppressedGroups } = await this.db.read((m) => selectGroups(m, subject, select, where.join(' AND '), groups, params));

    const rows = raw.map((r) => {
      const out: Record<string, unknown> = {};
      for (const f of request.groupBy) out[f] = numeric(subject, f) && r[f] !== null ? Number(r[f]) : (r[f] ?? null);
      out.count = Number(r.count);
      for (const m of asked) {
        const key = `${m.measure}:${m.field}`;
        const v = r[key];
        out[key] = v === null || v === undefined ? null : m.measure === 'count' || numeric(subject, m.field) ? Number(v) : v;
      }
      return out;
    });
    // One GraphQL operation may ask several aggregates (aliases): each one's grouping stays in the event,
    // so overlapping groupings in a request are as visible to governance as across requests.
    const grouping = `aggregate ${subject} by ${request.groupBy.join(',') || '(all)'}: ${rows.length} groups of at least ${grant.minGroupSize} rows, ${suppressedGroups} suppressed`;
    const done = summaryOf({ rowCount: rows.length, fieldsReturned: [...request.groupBy, ...asked.map((m) => m.field)], reason: grouping });
    return {
      summary: merge(decided.so, done),
      rows,
      meta: { minGroupSize: grant.minGroupSize, suppressedGroups, policyVersion: policy.version, purpose: caller.purpose },
    };
  }
}

function parseMeasure(text: string): { measure: Measure; field: string } | null {
  const [measure, field, extra] = text.split(':');
  if (extra !== undefined || !field || !MEASURES.includes(measure as Measure)) return null;
  return { measure: measure as Measure, field };
}

function numeric(subject: SubjectName, field: string): boolean {
  const type = SUBJECTS[subject].fields[field]?.type;
  return type === 'number' || type === 'integer';
}
