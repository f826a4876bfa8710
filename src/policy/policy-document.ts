import { SubjectName } from '../data/subjects';
import type { FieldTransform } from './transforms';

export const ACTIONS = ['read', 'create', 'update'] as const;
export type Action = (typeof ACTIONS)[number];
export const PARTNER_KINDS = ['supplier', 'logistics', 'customer', 'other'] as const;
/** Aggregate-only sharing: a rule whose action is `aggregate` grants group totals, never rows. */
export const AGGREGATE_ACTION = 'aggregate';
export const MEASURES = ['count', 'sum', 'avg', 'min', 'max'] as const;
export type Measure = (typeof MEASURES)[number];
export const FIELD_OPERATORS = ['$eq', '$ne', '$in', '$nin', '$lt', '$lte', '$gt', '$gte'] as const;

export type Scalar = string | number | boolean | null;
export type AttributeValue = Scalar | Scalar[];

/** One partner's policy document (policies/<partner-id>.yaml, versioned in the database). */
export interface PolicyDocument {
  partner: {
    id: string;
    name: string;
    kind: (typeof PARTNER_KINDS)[number];
    attributes?: Record<string, AttributeValue>;
  };
  limits?: { requestsPerMinute?: number; maxPageSize?: number };
  /** `required`: a new version is in force only after a second governance officer approves it. */
  approval?: 'required' | 'none';
  /** What the partner may see of how its own data and requests are used (both default true). */
  transparency?: { accessLog?: boolean; dataAccess?: boolean };
  rules: PolicyRule[];
  tests?: PolicyTestCase[];
}

export interface PolicyRule {
  id: string;
  action: Action | Action[] | typeof AGGREGATE_ACTION;
  subject: SubjectName;
  fields?: string[];
  conditions?: Record<string, unknown>;
  purposes?: string[];
  inverted?: boolean;
  reason?: string;
  validFrom?: string;
  validUntil?: string;
  /** The id of the data-sharing agreement the rule rests on: it grants only while that agreement is active. */
  agreement?: string;
  /** Read grants only: the fields this rule grants as a coarser value (transforms.ts). */
  transform?: Record<string, FieldTransform>;
  /** `action: aggregate` only: the fields a partner may group by, the measures per field, the smallest group shown. */
  groupBy?: string[];
  measures?: Record<string, Measure[]>;
  minGroupSize?: number;
}

export interface PolicyTestCase {
  name: string;
  action: Action | typeof AGGREGATE_ACTION;
  subject: SubjectName;
  purpose?: string;
  record?: Record<string, unknown>;
  allowed?: string[];
  denied?: string[];
  /** Expect the record (or, with no record, some row) to be accessible at all. */
  expect?: 'allow' | 'deny';
  /** The instant the case is judged at (ISO 8601), so rules bound by validFrom/validUntil stay testable; default: now. */
  now?: string;
  /** Agreements the case judges as active; rules resting on any other agreement grant nothing in the case. */
  agreements?: string[];
  /** Read cases with a record: the value each field is read with (transforms applied). */
  values?: Record<string, Scalar>;
  /** Read cases with a record: the transform each field is read with, in words (`round 100`), or null for the stored value. */
  transforms?: Record<string, string | null>;
  /** Aggregate cases: the request (groupBy fields, `sum:forecastQty` measures) over `rows`, and the expected answer. */
  groupBy?: string[];
  measures?: string[];
  rows?: Array<Record<string, unknown>>;
  /** The groups answered (each with its groupBy fields, `count` and measures), in any order. */
  groups?: Array<Record<string, unknown>>;
  suppressedGroups?: number;
}

export interface PolicyProblem {
  path: string;
  message: string;
}

export const DEFAULT_LIMITS = { requestsPerMinute: 600, maxPageSize: 500 };

/** The partner's transparency switches, defaults filled in. */
export function transparencyOf(doc: PolicyDocument): { accessLog: boolean; dataAccess: boolean } {
  return { accessLog: doc.transparency?.accessLog ?? true, dataAccess: doc.transparency?.dataAccess ?? true };
}

export function actionsOf(rule: PolicyRule): Action[] {
  if (rule.action === AGGREGATE_ACTION) return [];
  return Array.isArray(rule.action) ? rule.action : [rule.action];
}

/** Every purpose some rule of the document names. */
export function purposesOf(doc: PolicyDocument): string[] {
  return [...new Set(doc.rules.flatMap((r) => r.purposes ?? []))].sort();
}
