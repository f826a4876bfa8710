import fc from 'fast-check';
import { fieldsOf, SUBJECTS } from '../../../src/data/subjects';
import { PolicyDocument, PolicyRule } from '../../../src/policy/policy-document';
import { domainOf, INTEGERS, NUMBERS, NUL_PROBE, PARTNER_POOL, READ_SUBJECTS, ReadSubject, TEXT } from './no-leak-data';

/** Random policy documents in the whole policy language (as the validator accepts it). */

export const PURPOSES = ['p-a', 'p-b', 'p-c'];
/** A request purpose: one the rules name, or one none does (only purpose-free rules apply). */
export const REQUEST_PURPOSES = [...PURPOSES, 'p-z'];
/** Stands for a partner id made up for one case (no row names it). */
export const FRESH = '<fresh>';

const LONG_AGO = '2019-01-01T00:00:00Z';
const PAST = '2020-06-30T12:00:00Z';
const FUTURE = '2099-01-01T00:00:00Z';
const FAR_FUTURE = '2100-01-01T00:00:00Z';

export interface Attributes {
  s: string;
  list: (string | null)[];
  n: number;
  nums: (number | null)[];
  nil: null;
}

const TEXT_ANY = [...new Set([...TEXT, '2026-01-01', '2026-02-01', '2026-01-01T00:00:00.000Z', 'SKU-1000'])];
const NUM_ANY = [...INTEGERS, ...NUMBERS, 1.5, 3e9];

export const attributesArb: fc.Arbitrary<Attributes> = fc.record({
  s: fc.constantFrom(...TEXT_ANY),
  list: fc.array(fc.option(fc.constantFrom(...TEXT_ANY), { nil: null, freq: 6 }), { maxLength: 4 }),
  n: fc.constantFrom(...NUM_ANY),
  nums: fc.array(fc.option(fc.constantFrom(...NUM_ANY), { nil: null, freq: 6 }), { maxLength: 4 }),
  nil: fc.constant(null),
});

type Op = 'plain' | '$eq' | '$ne' | '$in' | '$nin' | '$gt' | '$gte' | '$lt' | '$lte';
const NULLABLE_OPS: Op[] = ['plain', '$eq', '$ne'];
const LIST_OPS: Op[] = ['$in', '$nin'];
const ORDER_OPS: Op[] = ['$gt', '$gte', '$lt', '$lte'];

/** One value for a single-value operator on a field: from the data, a probe, null or a placeholder. */
function singleValue(subject: ReadSubject, field: string, op: Op): fc.Arbitrary<unknown> {
  const d = domainOf(subject, field);
  const probes = d.probes.filter((p) => p !== NUL_PROBE);
  const options: fc.WeightedArbitrary<unknown>[] = [{ weight: 40, arbitrary: fc.constantFrom(...d.data) }];
  if (probes.length > 0) options.push({ weight: 10, arbitrary: fc.constantFrom(...probes) });
  // Rarely a value the database cannot hold: the validator must refuse the document.
  if (d.probes.includes(NUL_PROBE)) options.push({ weight: 1, arbitrary: fc.constant(NUL_PROBE) });
  const nullOk = NULLABLE_OPS.includes(op);
  if (nullOk) options.push({ weight: 10, arbitrary: fc.constant(null) });
  if (d.kind === 'text') {
    // Whole placeholders take the attribute's value; embedded ones are spliced in as text.
    options.push({
      weight: 10,
      arbitrary: fc.constantFrom('${partner.id}', '${partner.attributes.s}', 'SKU-${partner.attributes.n}', '${partner.attributes.s}0'),
    });
    if (nullOk) options.push({ weight: 5, arbitrary: fc.constant('${partner.attributes.nil}') });
  }
  if (d.kind === 'integer' || d.kind === 'number') {
    options.push({ weight: 10, arbitrary: fc.constant('${partner.attributes.n}') });
    if (nullOk) options.push({ weight: 5, arbitrary: fc.constant('${partner.attributes.nil}') });
  }
  return fc.oneof(...options);
}

function listValue(subject: ReadSubject, field: string): fc.Arbitrary<unknown> {
  const d = domainOf(subject, field);
  const probes = d.probes.filter((p) => p !== NUL_PROBE);
  const item = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...d.data) },
    { weight: probes.length > 0 ? 1 : 0, arbitrary: probes.length > 0 ? fc.constantFrom(...probes) : fc.constant(d.data[0]) },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  const options: fc.WeightedArbitrary<unknown>[] = [{ weight: 6, arbitrary: fc.array(item, { maxLength: 5 }) }];
  if (d.kind === 'text') options.push({ weight: 2, arbitrary: fc.constant('${partner.attributes.list}') });
  if (d.kind === 'integer' || d.kind === 'number') options.push({ weight: 2, arbitrary: fc.constant('${partner.attributes.nums}') });
  return fc.oneof(...options);
}

/** A field's condition: a plain value, or an object of one or two operators. */
function fieldCondition(subject: ReadSubject, field: string): fc.Arbitrary<unknown> {
  const ops: Op[] = ['$eq', '$ne', ...LIST_OPS, ...ORDER_OPS];
  const opValue = (op: Op) => (LIST_OPS.includes(op) ? listValue(subject, field) : singleValue(subject, field, op));
  return fc.oneof(
    { weight: 2, arbitrary: singleValue(subject, field, 'plain') },
    {
      weight: 5,
      arbitrary: fc
        .uniqueArray(fc.constantFrom(...ops), { minLength: 1, maxLength: 2 })
        .chain((chosen) => fc.tuple(...chosen.map(opValue)).map((values) => Object.fromEntries(chosen.map((op, i) => [op, values[i]])))),
    },
  );
}

function conditionsArb(subject: ReadSubject): fc.Arbitrary<Record<string, unknown>> {
  // Fields that rows vary on most are the interesting ones, but every field may be named.
  return fc
    .uniqueArray(fc.constantFrom(...fieldsOf(subject)), { minLength: 1, maxLength: 3 })
    .chain((fields) => fc.tuple(...fields.map((f) => fieldCondition(subject, f))).map((conds) => Object.fromEntries(fields.map((f, i) => [f, conds[i]]))));
}

type Validity = 'always' | 'expired' | 'future' | 'window';

export interface RuleDraft {
  subject: ReadSubject;
  action: PolicyRule['action'];
  fields?: string[];
  conditions?: Record<string, unknown>;
  inverted: boolean;
  purposes?: string[];
  validity: Validity;
}

function ruleArb(main: ReadSubject): fc.Arbitrary<RuleDraft> {
  const others = READ_SUBJECTS.filter((s) => s !== main);
  const subjectArb = fc.oneof({ weight: 8, arbitrary: fc.constant(main) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
  const invertedArb = fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  // Inverted rules mostly take fields away on some rows: that is where field rights depend on the row.
  return fc.tuple(subjectArb, invertedArb).chain(([subject, inverted]) =>
    fc.record(
      {
        subject: fc.constant(subject),
        action: fc.oneof(
          { weight: 6, arbitrary: fc.constant<PolicyRule['action']>('read') },
          { weight: 2, arbitrary: fc.constantFrom<PolicyRule['action']>(['read', 'update'], ['create', 'read']) },
          { weight: 1, arbitrary: fc.constantFrom<PolicyRule['action']>('update', 'create') },
        ),
        fields: fc.option(fc.subarray(fieldsOf(subject), { minLength: 1 }), { nil: undefined, freq: inverted ? 4 : 2 }),
        conditions: fc.option(conditionsArb(subject), { nil: undefined, freq: inverted ? 5 : 3 }),
        inverted: fc.constant(inverted),
        purposes: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.subarray(PURPOSES, { minLength: 1 }) }),
        validity: fc.oneof(
          { weight: 12, arbitrary: fc.constant<Validity>('always') },
          { weight: 1, arbitrary: fc.constantFrom<Validity>('expired', 'future', 'window') },
        ),
      },
      { requiredKeys: ['subject', 'action', 'inverted', 'validity'] },
    ),
  );
}

export interface CaseDraft {
  subject: ReadSubject;
  partner: string;
  kind: PolicyDocument['partner']['kind'];
  attributes: Attributes;
  maxPageSize?: number;
  rules: RuleDraft[];
  purpose: string;
  restLimit?: number;
  graphqlFirst?: number;
  filter: { field: string; pick: number; probe: boolean };
}

const pageSize = fc.oneof(
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) },
  { weight: 4, arbitrary: fc.integer({ min: 5, max: 60 }) },
  { weight: 2, arbitrary: fc.constant(undefined) },
);

export function caseArb(): fc.Arbitrary<CaseDraft> {
  return fc.constantFrom(...READ_SUBJECTS).chain((subject) =>
    fc.record(
      {
        subject: fc.constant(subject),
        partner: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...PARTNER_POOL) }, { weight: 1, arbitrary: fc.constant(FRESH) }),
        kind: fc.constantFrom<PolicyDocument['partner']['kind']>('supplier', 'logistics', 'customer', 'other'),
        attributes: attributesArb,
        maxPageSize: fc.constantFrom(undefined, undefined, 7, 25, 500),
        rules: fc.oneof(
          { weight: 1, arbitrary: fc.constant<RuleDraft[]>([]) },
          { weight: 12, arbitrary: fc.array(ruleArb(subject), { minLength: 1, maxLength: 6 }) },
        ),
        purpose: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...PURPOSES) },
          { weight: 1, arbitrary: fc.constantFrom(...REQUEST_PURPOSES.filter((p) => !PURPOSES.includes(p))) },
        ),
        restLimit: pageSize,
        graphqlFirst: pageSize,
        filter: fc.record({ field: fc.constantFrom(...fieldsOf(subject)), pick: fc.nat(), probe: fc.boolean() }),
      },
      { requiredKeys: ['subject', 'partner', 'kind', 'attributes', 'rules', 'purpose', 'filter'] },
    ),
  );
}

/** The document a case puts in force (what the validator accepts: condition fields readable, etc.). */
export function documentOf(draft: CaseDraft, partnerId: string): PolicyDocument {
  const rules: PolicyRule[] = draft.rules.map((r, i) => {
    const rule: PolicyRule = { id: `r${i}`, action: r.action, subject: r.subject };
    if (r.fields) rule.fields = [...r.fields];
    if (r.conditions) rule.conditions = r.conditions;
    const reads = (Array.isArray(r.action) ? r.action : [r.action]).includes('read');
    if (rule.fields && rule.conditions && !r.inverted && reads) {
      for (const f of Object.keys(rule.conditions)) if (!rule.fields.includes(f)) rule.fields.push(f);
    }
    if (r.inverted) {
      rule.inverted = true;
      rule.reason = `taken away by r${i}`;
    }
    if (r.purposes) rule.purposes = [...r.purposes];
    if (r.validity === 'expired') {
      rule.validFrom = LONG_AGO;
      rule.validUntil = PAST;
    }
    if (r.validity === 'future') rule.validFrom = FUTURE;
    if (r.validity === 'window') {
      rule.validFrom = PAST;
      rule.validUntil = FAR_FUTURE;
    }
    return rule;
  });
  const doc: PolicyDocument = {
    partner: { id: partnerId, name: `No-leak ${partnerId}`, kind: draft.kind, attributes: { ...draft.attributes } },
    limits: { requestsPerMinute: 1_000_000, ...(draft.maxPageSize ? { maxPageSize: draft.maxPageSize } : {}) },
    rules,
  };
  // What the gateway stores and compiles is the JSON it was sent.
  return JSON.parse(JSON.stringify(doc)) as PolicyDocument;
}

export function isNumericField(subject: ReadSubject, field: string): boolean {
  const t = SUBJECTS[subject].fields[field].type;
  return t === 'integer' || t === 'number';
}
