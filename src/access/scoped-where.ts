import { columnOf } from '../data/column-name';
import { SubjectName } from '../data/subjects';
import { Dialect } from '../database/database.service';
import { valueColumn } from './conditions-to-sql';
import { SubjectPlan } from './subject-plans';

/** What a read asks for beyond the caller's scope: typed equality filters, one id, rows after a cursor's id, rows up to an id. */
export interface ReadNarrowing {
  filters: ReadonlyArray<readonly [string, unknown]>;
  id?: string | null;
  after?: string | null;
  upTo?: string | null;
}

/**
 * The WHERE of a governed read as a list of conditions joined by AND: the plan's row scope, then each
 * filter, which only matches rows on which the caller may see the filtered field (the field's scope).
 * Live reads and shadow evaluations build their queries here, so both select by the same rules.
 */
export function scopedWhere(
  plan: SubjectPlan,
  subject: SubjectName,
  dialect: Dialect,
  narrowing: ReadNarrowing,
): { where: string[]; params: Record<string, unknown> } {
  if (!plan.rowScope) throw new Error(`no read scope for ${subject}`);
  const where = [plan.rowScope.sql];
  const params: Record<string, unknown> = { ...plan.rowScope.params };
  narrowing.filters.forEach(([field, value], i) => {
    const fieldScope = plan.fieldScopes.get(field);
    if (fieldScope) {
      where.push(fieldScope.sql);
      Object.assign(params, fieldScope.params);
    }
    if (value === null) where.push(`t.${columnOf(field)} IS NULL`);
    else {
      where.push(`${valueColumn(subject, field, dialect, 't')} = :q${i}`);
      params[`q${i}`] = value;
    }
  });
  if (narrowing.id !== undefined && narrowing.id !== null) {
    where.push('t.id = :id');
    params.id = narrowing.id;
  }
  if (narrowing.after !== undefined && narrowing.after !== null) {
    where.push('t.id > :after');
    params.after = narrowing.after;
  }
  if (narrowing.upTo !== undefined && narrowing.upTo !== null) {
    where.push('t.id <= :upTo');
    params.upTo = narrowing.upTo;
  }
  return { where, params };
}
