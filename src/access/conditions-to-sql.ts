import { rulesToCondition } from '@casl/ability/extra';
import { columnOf } from '../data/column-name';
import { SUBJECTS, SubjectName } from '../data/subjects';
import { Dialect } from '../database/database.service';
import { isRelativeTime, relativeMarker, TimeKind } from '../policy/relative-time';

/** Collects bind parameters for one query (TypeORM named parameters). */
export class ParamBag {
  readonly params: Record<string, unknown> = {};
  private next = 0;

  constructor(private readonly prefix = 'p') {}

  bind(value: unknown): string {
    const name = `${this.prefix}${this.next++}`;
    this.params[name] = value;
    return `:${name}`;
  }

  bindList(values: unknown[]): string {
    const name = `${this.prefix}${this.next++}`;
    this.params[name] = values;
    return `(:...${name})`;
  }
}

interface RuleLike {
  inverted: boolean;
  conditions?: unknown;
}

/**
 * Translates the rules that decide an action on a subject (highest priority first, as
 * `ability.rulesFor` gives them) into one SQL boolean expression, or null when no row can match.
 *
 * Every fragment is two-valued (never SQL NULL), so NOT and the null semantics agree with
 * CASL's in-memory matcher (with the gateway's null-safe compare): null equals only null, is never
 * less or greater than a value, and `$ne`/`$nin` match null.
 */
export function rulesToSql(rules: readonly RuleLike[], subject: SubjectName, dialect: Dialect, alias: string, bag: ParamBag): string | null {
  return rulesToCondition(
    rules as never,
    (rule: RuleLike) => {
      const sql = conditionsToSql(rule.conditions as Record<string, unknown>, subject, dialect, alias, bag);
      return rule.inverted ? `NOT ${sql}` : sql;
    },
    {
      and: (parts: string[]) => (parts.length === 0 ? '(1=1)' : `(${parts.join(' AND ')})`),
      or: (parts: string[]) => `(${parts.join(' OR ')})`,
      empty: () => '(1=1)',
    },
  );
}

/** One rule's conditions: every field condition must hold (AND). */
export function conditionsToSql(conditions: Record<string, unknown>, subject: SubjectName, dialect: Dialect, alias: string, bag: ParamBag): string {
  const parts: string[] = [];
  for (const [field, condition] of Object.entries(conditions ?? {})) {
    const spec = SUBJECTS[subject].fields[field];
    if (!spec) throw new Error(`unknown field ${subject}.${field} in a compiled rule`);
    const column = valueColumn(subject, field, dialect, alias);
    const textual = spec.type !== 'number' && spec.type !== 'integer';
    const operators = isOperatorObject(condition) ? Object.entries(condition) : [['$eq', condition] as [string, unknown]];
    for (const [op, value] of operators) {
      // Relative time is bound as a marker, resolved to the instant of each query (subject-rows.table.ts).
      const bound = isRelativeTime(value) ? relativeMarker(value as string, spec.type as TimeKind) : value;
      parts.push(operatorToSql(op, bound, column, textual, dialect, bag));
    }
  }
  return parts.length === 0 ? '(1=1)' : `(${parts.join(' AND ')})`;
}

/**
 * The column as compared with a bound value. On PostgreSQL a numeric column is compared as
 * `double precision`: a parameter takes the column's type, so an `integer` column compared with
 * 1.5 or 3000000000 (values a policy or a filter may name, and CASL compares as numbers) would be
 * an error ("invalid input syntax for type integer"), not a comparison. Every 32-bit integer is
 * exact as a double, so the comparison is the same as in JavaScript. SQLite compares INTEGER and
 * REAL numerically already.
 */
export function valueColumn(subject: SubjectName, field: string, dialect: Dialect, alias: string): string {
  const column = `${alias}.${columnOf(field)}`;
  const type = SUBJECTS[subject].fields[field]?.type;
  return dialect === 'postgres' && (type === 'number' || type === 'integer') ? `CAST(${column} AS double precision)` : column;
}

function operatorToSql(op: string, value: unknown, column: string, textual: boolean, dialect: Dialect, bag: ParamBag): string {
  switch (op) {
    case '$eq':
      return eq(column, value, bag);
    case '$ne':
      return `NOT ${eq(column, value, bag)}`;
    case '$in':
      return within(column, value as unknown[], bag);
    case '$nin':
      return `NOT ${within(column, value as unknown[], bag)}`;
    case '$lt':
      return compare(column, '<', value, textual, dialect, bag);
    case '$lte':
      return compare(column, '<=', value, textual, dialect, bag);
    case '$gt':
      return compare(column, '>', value, textual, dialect, bag);
    case '$gte':
      return compare(column, '>=', value, textual, dialect, bag);
    default:
      throw new Error(`operator ${op} has no SQL translation`);
  }
}

function eq(column: string, value: unknown, bag: ParamBag): string {
  if (value === null || value === undefined) return `(${column} IS NULL)`;
  return `(${column} IS NOT NULL AND ${column} = ${bag.bind(value)})`;
}

function within(column: string, values: unknown[], bag: ParamBag): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  const hasNull = present.length !== values.length;
  const inList = present.length === 0 ? '(1=0)' : `(${column} IS NOT NULL AND ${column} IN ${bag.bindList(present)})`;
  return hasNull ? `(${column} IS NULL OR ${inList})` : inList;
}

function compare(column: string, sqlOp: string, value: unknown, textual: boolean, dialect: Dialect, bag: ParamBag): string {
  if (value === null || value === undefined) return '(1=0)';
  // Code-point order (= UTF-8 byte order), as the in-memory matcher compares strings (nullSafeCompare);
  // PostgreSQL would otherwise use the database's collation. SQLite's BINARY already is byte order.
  const left = textual && dialect === 'postgres' ? `${column} COLLATE "C"` : column;
  return `(${column} IS NOT NULL AND ${left} ${sqlOp} ${bag.bind(value)})`;
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).every((k) => k.startsWith('$'));
}
