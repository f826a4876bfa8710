import { columnOf } from '../data/column-name';
import { fieldsOf, SubjectName } from '../data/subjects';
import { SubjectPlan } from './subject-plans';

/** What a read of some fields under one plan selects and may return; the same for every such request. */
export interface ReadShape {
  /** The fields asked for, each once (all grantable fields when none were named). */
  requested: string[];
  /** Asked-for fields the subject does not have. */
  unknown: string[];
  /** Asked-for fields no rule of the plan grants on any row. */
  ungranted: string[];
  /** Asked-for fields some row could allow, in request order, and as a set. */
  readable: string[];
  selectable: ReadonlySet<string>;
  /** `t.column AS "field"` for the id, the readable fields and the fields the conditions read. */
  columns: string[];
  /** The readable fields in the subject's own order (the answer's meta.fields). */
  fieldsInOrder: string[];
}

const ALL_GRANTABLE = '\u0000all';
/** Field lists are the caller's choice (a GraphQL selection): only so many shapes are kept per plan. */
const SHAPES_PER_PLAN = 64;
const shapes = new WeakMap<SubjectPlan, Map<string, ReadShape>>();

/** The shape of a read under a plan, computed once per distinct field list. */
export function readShapeOf(plan: SubjectPlan, subject: SubjectName, fields: string[] | undefined): ReadShape {
  let perPlan = shapes.get(plan);
  if (!perPlan) shapes.set(plan, (perPlan = new Map<string, ReadShape>()));
  const key = fields ? JSON.stringify(fields) : ALL_GRANTABLE;
  let shape = perPlan.get(key);
  if (shape) return shape;
  shape = computeShape(plan, subject, fields);
  if (shape.unknown.length === 0 && perPlan.size < SHAPES_PER_PLAN) perPlan.set(key, shape);
  return shape;
}

function computeShape(plan: SubjectPlan, subject: SubjectName, fields: string[] | undefined): ReadShape {
  const all = fieldsOf(subject);
  const requested = fields ? [...new Set(fields)] : plan.grantable;
  const readable = requested.filter((f) => plan.grantable.includes(f));
  const selected = [...new Set(['id', ...readable, ...plan.conditionFields])];
  return {
    requested,
    unknown: requested.filter((f) => !all.includes(f)),
    ungranted: requested.filter((f) => !plan.grantable.includes(f)),
    readable,
    selectable: new Set(readable),
    columns: selected.map((f) => `t.${columnOf(f)} AS "${f}"`),
    fieldsInOrder: all.filter((f) => readable.includes(f)),
  };
}
