import { hasLoneSurrogate, isCalendarDate } from '../data/field-values';
import { FieldSpec, isSubjectName, SUBJECT_NAMES, SUBJECTS, SubjectName } from '../data/subjects';
import { lookupPlaceholder, unresolvedPlaceholders } from './placeholders';
import { isRelativeTime, looksRelative } from './relative-time';
import { transformProblems } from './transforms';
import { ACTIONS, AGGREGATE_ACTION, FIELD_OPERATORS, MEASURES, PARTNER_KINDS, PolicyDocument, PolicyProblem, PolicyRule } from './policy-document';
import { ID_PATTERN } from '../common/partner-id';

const TOP_KEYS = ['partner', 'limits', 'approval', 'transparency', 'rules', 'tests'];
const PARTNER_KEYS = ['id', 'name', 'kind', 'attributes'];
const RULE_KEYS = [
  'id',
  'action',
  'subject',
  'fields',
  'conditions',
  'purposes',
  'inverted',
  'reason',
  'validFrom',
  'validUntil',
  'agreement',
  'transform',
  'groupBy',
  'measures',
  'minGroupSize',
];
const TEST_KEYS = [
  'name',
  'action',
  'subject',
  'purpose',
  'record',
  'allowed',
  'denied',
  'expect',
  'now',
  'agreements',
  'values',
  'transforms',
  'groupBy',
  'measures',
  'rows',
  'groups',
  'suppressedGroups',
];
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const PURPOSE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export type ValidationResult = { ok: true; document: PolicyDocument } | { ok: false; problems: PolicyProblem[] };

/**
 * Checks a policy document against the language: every problem is reported with its path,
 * so an officer can fix them all at once. Nothing partial is ever accepted.
 */
export function validatePolicyDocument(raw: unknown, expectedPartnerId?: string): ValidationResult {
  const problems: PolicyProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  findForbiddenKeys(raw, '', add);
  findNulCharacters(raw, '', add);
  if (!isObject(raw)) return { ok: false, problems: [{ path: '', message: 'a policy document must be an object' }] };
  unknownKeys(raw, TOP_KEYS, '', add);

  const partner = raw.partner;
  if (!isObject(partner)) add('partner', 'is required and must be an object with id, name and kind');
  else {
    unknownKeys(partner, PARTNER_KEYS, 'partner', add);
    if (typeof partner.id !== 'string' || !ID_PATTERN.test(partner.id)) add('partner.id', 'must be an id of letters, digits, ".", "_" or "-" (at most 64)');
    else if (expectedPartnerId !== undefined && partner.id !== expectedPartnerId)
      add('partner.id', `must equal the partner in the path ('${expectedPartnerId}'), got '${partner.id}'`);
    if (typeof partner.name !== 'string' || partner.name.trim() === '' || partner.name.length > 200)
      add('partner.name', 'is required (a non-empty string of at most 200 characters)');
    if (!PARTNER_KINDS.includes(partner.kind as never)) add('partner.kind', `must be one of ${PARTNER_KINDS.join(', ')}`);
    if (partner.attributes !== undefined) {
      if (!isObject(partner.attributes)) add('partner.attributes', 'must be an object');
      else
        for (const [k, v] of Object.entries(partner.attributes)) {
          if (!/^[A-Za-z0-9_]+$/.test(k)) add(`partner.attributes.${k}`, 'attribute names are letters, digits and "_"');
          if (!isScalar(v) && !(Array.isArray(v) && v.every(isScalar))) add(`partner.attributes.${k}`, 'must be a string, number, boolean or a list of them');
        }
    }
  }

  if (raw.limits !== undefined) {
    if (!isObject(raw.limits)) add('limits', 'must be an object');
    else {
      unknownKeys(raw.limits, ['requestsPerMinute', 'maxPageSize'], 'limits', add);
      intIn(raw.limits.requestsPerMinute, 1, 1_000_000, 'limits.requestsPerMinute', add);
      intIn(raw.limits.maxPageSize, 1, 1000, 'limits.maxPageSize', add);
    }
  }
  if (raw.approval !== undefined && raw.approval !== 'required' && raw.approval !== 'none') add('approval', "must be 'required' or 'none'");
  if (raw.transparency !== undefined) {
    if (!isObject(raw.transparency)) add('transparency', 'must be an object with accessLog and/or dataAccess (true or false)');
    else {
      unknownKeys(raw.transparency, ['accessLog', 'dataAccess'], 'transparency', add);
      for (const key of ['accessLog', 'dataAccess']) {
        const v = raw.transparency[key];
        if (v !== undefined && typeof v !== 'boolean') add(`transparency.${key}`, 'must be true or false');
      }
    }
  }

  if (!Array.isArray(raw.rules)) add('rules', 'is required and must be a list');
  else {
    const seen = new Set<string>();
    const docForPlaceholders = isObject(partner) ? (partner as never) : null;
    raw.rules.forEach((rule, i) => validateRule(rule, `rules[${i}]`, seen, docForPlaceholders, add));
  }

  if (raw.tests !== undefined) {
    if (!Array.isArray(raw.tests)) add('tests', 'must be a list');
    else raw.tests.forEach((t, i) => validateTest(t, `tests[${i}]`, add));
  }

  return problems.length > 0 ? { ok: false, problems } : { ok: true, document: raw as unknown as PolicyDocument };
}

function validateRule(rule: unknown, path: string, seen: Set<string>, partner: PolicyDocument['partner'] | null, add: (p: string, m: string) => void): void {
  if (!isObject(rule)) return add(path, 'must be an object');
  unknownKeys(rule, RULE_KEYS, path, add);
  if (typeof rule.id !== 'string' || !ID_PATTERN.test(rule.id)) add(`${path}.id`, 'is required (letters, digits, ".", "_" or "-")');
  else if (seen.has(rule.id)) add(`${path}.id`, `'${rule.id}' is used by another rule`);
  else seen.add(rule.id);

  const actions = Array.isArray(rule.action) ? rule.action : [rule.action];
  if (actions.length === 0) add(`${path}.action`, 'names no action');
  const aggregate = rule.action === AGGREGATE_ACTION;
  if (!aggregate && Array.isArray(rule.action) && rule.action.includes(AGGREGATE_ACTION))
    add(`${path}.action`, 'aggregate is an action of its own: write it alone, in a rule of its own');
  actions.forEach((a, j) => {
    if (a === AGGREGATE_ACTION) return;
    if (!ACTIONS.includes(a as never)) {
      const where = Array.isArray(rule.action) ? `${path}.action[${j}]` : `${path}.action`;
      add(where, `unknown action ${JSON.stringify(a)}; use ${[...ACTIONS, AGGREGATE_ACTION].join(', ')}${suggest(String(a), [...ACTIONS, AGGREGATE_ACTION])}`);
    }
  });

  let subject: SubjectName | null = null;
  if (!isSubjectName(rule.subject))
    add(`${path}.subject`, `unknown subject ${JSON.stringify(rule.subject)}; use ${SUBJECT_NAMES.join(', ')}${suggest(String(rule.subject), SUBJECT_NAMES)}`);
  else subject = rule.subject;

  if (rule.fields !== undefined) {
    if (!Array.isArray(rule.fields) || rule.fields.length === 0)
      add(`${path}.fields`, 'must be a non-empty list of field names (leave it out for every field)');
    else if (subject) rule.fields.forEach((f, j) => checkField(subject, f, `${path}.fields[${j}]`, add));
  }

  if (rule.conditions !== undefined) {
    if (!isObject(rule.conditions)) add(`${path}.conditions`, 'must be an object of field conditions');
    else if (subject) {
      validateConditions(subject, rule.conditions, `${path}.conditions`, partner, add);
      const readable = rule.fields as string[] | undefined;
      if (!rule.inverted && actions.includes('read') && Array.isArray(readable)) {
        for (const f of Object.keys(rule.conditions)) {
          if (f in SUBJECTS[subject].fields && !readable.includes(f)) {
            add(`${path}.conditions.${f}`, `the rule grants read but not of '${f}', which its condition uses; add '${f}' to fields`);
          }
        }
      }
    }
  }

  if (rule.purposes !== undefined) {
    if (!Array.isArray(rule.purposes) || rule.purposes.length === 0) add(`${path}.purposes`, 'must be a non-empty list (leave it out for every purpose)');
    else
      rule.purposes.forEach((p, j) => {
        if (typeof p !== 'string' || !PURPOSE.test(p)) add(`${path}.purposes[${j}]`, 'a purpose is lower-case letters, digits, ".", "_" or "-"');
      });
  }
  if (rule.inverted !== undefined && typeof rule.inverted !== 'boolean') add(`${path}.inverted`, 'must be true or false');
  if (rule.transform !== undefined) validateTransform(rule, actions, subject, path, add);
  validateAggregate(rule, aggregate, subject, path, add);
  if (rule.reason !== undefined && (typeof rule.reason !== 'string' || rule.reason.length > 500))
    add(`${path}.reason`, 'must be a string of at most 500 characters');
  const from = dateOf(rule.validFrom, `${path}.validFrom`, add);
  const until = dateOf(rule.validUntil, `${path}.validUntil`, add);
  if (from !== null && until !== null && from >= until) add(`${path}.validUntil`, 'must be after validFrom');
  // Whether the agreement exists and covers the rule needs the store: checked at PUT time (agreement-rules.ts), not here.
  if (rule.agreement !== undefined) {
    if (typeof rule.agreement !== 'string' || !ID_PATTERN.test(rule.agreement))
      add(`${path}.agreement`, 'must be the id of an agreement (letters, digits, ".", "_" or "-")');
    else if (rule.purposes === undefined) add(`${path}.purposes`, "a rule resting on an agreement names its purposes (within the agreement's)");
  }
}

function validateConditions(
  subject: SubjectName,
  conditions: Record<string, unknown>,
  path: string,
  partner: PolicyDocument['partner'] | null,
  add: (p: string, m: string) => void,
): void {
  for (const [field, cond] of Object.entries(conditions)) {
    const at = `${path}.${field}`;
    if (field.startsWith('$')) {
      add(at, `unknown operator '${field}' at the top of conditions; combine fields by listing them (AND) or by writing several rules (OR)`);
      continue;
    }
    const spec = SUBJECTS[subject].fields[field];
    if (!spec) {
      add(at, `unknown field '${field}' of ${subject}${suggest(field, Object.keys(SUBJECTS[subject].fields))}`);
      continue;
    }
    if (partner)
      for (const p of unresolvedPlaceholders({ partner }, cond)) {
        if (looksRelative(p.slice(2, -1)))
          add(
            at,
            `placeholder ${p} is not a relative time; write \${now}, \${now-P7D} or \${now+PT12H} (an ISO 8601 duration of at most 1000 years) as the whole value`,
          );
        else add(at, `placeholder ${p} does not resolve; use \${partner.id} or \${partner.attributes.<name>} of a declared attribute`);
      }
    checkRelativeTimes(spec, cond, at, add);
    if (isObject(cond)) {
      const ops = Object.entries(cond);
      if (ops.length === 0) add(at, 'names no operator');
      for (const [op, value] of ops) {
        if (!FIELD_OPERATORS.includes(op as never)) {
          add(`${at}.${op}`, `unknown operator '${op}'; use ${FIELD_OPERATORS.join(', ')}${suggest(op, FIELD_OPERATORS)}`);
          continue;
        }
        const resolved = resolveForCheck(value, partner);
        if (op === '$in' || op === '$nin') {
          if (!Array.isArray(resolved)) add(`${at}.${op}`, 'takes a list (or a placeholder of a list attribute)');
          else resolved.forEach((v, j) => checkValue(spec, v, `${at}.${op}[${j}]`, add));
        } else {
          if (Array.isArray(resolved)) add(`${at}.${op}`, `takes one value, not a list; use $in for a list`);
          else if (op === '$eq' || op === '$ne' ? false : resolved === null) add(`${at}.${op}`, 'cannot compare with null');
          else checkValue(spec, resolved, `${at}.${op}`, add);
        }
      }
    } else {
      const resolved = resolveForCheck(cond, partner);
      if (Array.isArray(resolved)) add(at, 'a list is not a value; write { $in: [...] }');
      else checkValue(spec, resolved, at, add);
    }
  }
}

/** An aggregate rule names what may be grouped and measured, and the smallest group shown; other rules name none of it. */
function validateAggregate(
  rule: Record<string, unknown>,
  aggregate: boolean,
  subject: SubjectName | null,
  path: string,
  add: (p: string, m: string) => void,
): void {
  if (!aggregate) {
    for (const key of ['groupBy', 'measures', 'minGroupSize'])
      if (rule[key] !== undefined) add(`${path}.${key}`, `belongs to rules with action: ${AGGREGATE_ACTION}`);
    return;
  }
  for (const key of ['fields', 'transform', 'inverted'])
    if (rule[key] !== undefined) add(`${path}.${key}`, `an aggregate rule grants groupBy and measures, not ${key}`);
  if (!Array.isArray(rule.groupBy) || rule.groupBy.length === 0) add(`${path}.groupBy`, 'is required: a non-empty list of the fields a partner may group by');
  else if (subject) rule.groupBy.forEach((f, j) => checkField(subject, f, `${path}.groupBy[${j}]`, add));
  if (!isObject(rule.measures)) add(`${path}.measures`, `is required: per field, a list of ${MEASURES.join(', ')}`);
  else if (subject)
    for (const [field, list] of Object.entries(rule.measures)) {
      const at = `${path}.measures.${field}`;
      const spec = SUBJECTS[subject].fields[field];
      if (!spec) {
        add(at, `unknown field '${field}' of ${subject}${suggest(field, Object.keys(SUBJECTS[subject].fields))}`);
        continue;
      }
      if (!Array.isArray(list) || list.length === 0) {
        add(at, `must be a non-empty list of ${MEASURES.join(', ')}`);
        continue;
      }
      const numeric = spec.type === 'number' || spec.type === 'integer';
      list.forEach((m, j) => {
        if (!MEASURES.includes(m as never)) add(`${at}[${j}]`, `unknown measure ${JSON.stringify(m)}; use ${MEASURES.join(', ')}`);
        else if ((m === 'sum' || m === 'avg') && !numeric) add(`${at}[${j}]`, `${String(m)} applies to numbers; the field is ${spec.type}`);
        else if ((m === 'min' || m === 'max') && !numeric && spec.type !== 'date' && spec.type !== 'timestamp')
          add(`${at}[${j}]`, `${String(m)} applies to numbers, dates and timestamps; the field is ${spec.type}`);
      });
    }
  if (!Number.isInteger(rule.minGroupSize) || (rule.minGroupSize as number) < 2 || (rule.minGroupSize as number) > 1_000_000) {
    add(`${path}.minGroupSize`, 'is required: a whole number of at least 2 (groups of fewer rows are left out)');
  }
}

/** Transforms belong to read grants, on fields the rule grants, each fitting its field's type. */
function validateTransform(
  rule: Record<string, unknown>,
  actions: unknown[],
  subject: SubjectName | null,
  path: string,
  add: (p: string, m: string) => void,
): void {
  const at = `${path}.transform`;
  if (!isObject(rule.transform) || Object.keys(rule.transform).length === 0) return add(at, 'must be an object of field transforms');
  if (rule.inverted === true) add(at, 'an inverted rule takes fields away; it cannot transform them');
  if (actions.length !== 1 || actions[0] !== 'read') add(at, "transforms apply to what a rule lets a partner read: the rule's action must be read alone");
  if (!subject) return;
  const granted = rule.fields;
  for (const [field, t] of Object.entries(rule.transform)) {
    const spec = SUBJECTS[subject].fields[field];
    if (!spec) {
      add(`${at}.${field}`, `unknown field '${field}' of ${subject}${suggest(field, Object.keys(SUBJECTS[subject].fields))}`);
      continue;
    }
    if (field === 'id') add(`${at}.${field}`, 'the id identifies a row; it cannot be transformed');
    else if (Array.isArray(granted) && !granted.includes(field)) add(`${at}.${field}`, `the rule does not grant '${field}'; add it to fields`);
    for (const m of transformProblems(spec, t)) add(`${at}.${field}`, m);
  }
}

const RELATIVE_OPERATORS = ['$lt', '$lte', '$gt', '$gte'];

/** Relative time compares dates and timestamps only, and only by order. */
function checkRelativeTimes(spec: FieldSpec, cond: unknown, at: string, add: (p: string, m: string) => void): void {
  const ops: Array<[string, unknown]> = isObject(cond) ? Object.entries(cond) : [['$eq', cond]];
  for (const [op, value] of ops) {
    const values = Array.isArray(value) ? value : [value];
    if (!values.some(isRelativeTime)) continue;
    const where = isObject(cond) ? `${at}.${op}` : at;
    if (spec.type !== 'date' && spec.type !== 'timestamp') add(where, `relative time applies to date and timestamp fields only; the field is ${spec.type}`);
    else if (!RELATIVE_OPERATORS.includes(op)) add(where, `relative time is compared with ${RELATIVE_OPERATORS.join(', ')}, not ${op}`);
  }
}

function resolveForCheck(value: unknown, partner: PolicyDocument['partner'] | null): unknown {
  if (typeof value !== 'string' || !partner) return value;
  const whole = /^\$\{([^}]+)\}$/.exec(value);
  if (!whole) return value;
  const found = lookupPlaceholder({ partner }, whole[1]);
  return found.found ? found.value : value;
}

function checkValue(spec: FieldSpec, value: unknown, path: string, add: (p: string, m: string) => void): void {
  if (value === null) return;
  const numeric = spec.type === 'number' || spec.type === 'integer';
  if (numeric && typeof value !== 'number') add(path, `must be a number (the field is numeric), got ${JSON.stringify(value)}`);
  if (!numeric && typeof value !== 'string') add(path, `must be a string, got ${JSON.stringify(value)}`);
  if (spec.type === 'enum' && typeof value === 'string' && !value.includes('${') && !spec.values!.includes(value)) {
    add(path, `must be one of ${spec.values!.join(', ')}${suggest(value, spec.values!)}`);
  }
}

function validateTest(test: unknown, path: string, add: (p: string, m: string) => void): void {
  if (!isObject(test)) return add(path, 'must be an object');
  unknownKeys(test, TEST_KEYS, path, add);
  if (typeof test.name !== 'string') add(`${path}.name`, 'is required');
  const aggregate = test.action === AGGREGATE_ACTION;
  if (!ACTIONS.includes(test.action as never) && !aggregate) add(`${path}.action`, `must be one of ${[...ACTIONS, AGGREGATE_ACTION].join(', ')}`);
  validateSharingTest(test, path, aggregate, add);
  if (!isSubjectName(test.subject)) add(`${path}.subject`, `must be one of ${SUBJECT_NAMES.join(', ')}`);
  else {
    for (const key of ['allowed', 'denied'] as const) {
      const list = test[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) add(`${path}.${key}`, 'must be a list of fields');
      else list.forEach((f, j) => checkField(test.subject as SubjectName, f, `${path}.${key}[${j}]`, add));
    }
    if (test.record !== undefined && !isObject(test.record)) add(`${path}.record`, 'must be an object');
    else if (isObject(test.record)) for (const f of Object.keys(test.record)) checkField(test.subject, f, `${path}.record.${f}`, add);
  }
  if (test.expect !== undefined && test.expect !== 'allow' && test.expect !== 'deny') add(`${path}.expect`, "must be 'allow' or 'deny'");
  dateOf(test.now, `${path}.now`, add);
  if (test.agreements !== undefined && (!Array.isArray(test.agreements) || test.agreements.some((a) => typeof a !== 'string')))
    add(`${path}.agreements`, 'must be a list of agreement ids');
}

/**
 * The keys of a test case about transforms (`values`, `transforms`: with a `record`, read only) and
 * about aggregates (`groupBy`, `measures`, `rows`, `groups`, `suppressedGroups`: action aggregate only).
 */
function validateSharingTest(test: Record<string, unknown>, path: string, aggregate: boolean, add: (p: string, m: string) => void): void {
  const subject = isSubjectName(test.subject) ? test.subject : null;
  for (const key of ['values', 'transforms'] as const) {
    const map = test[key];
    if (map === undefined) continue;
    if (test.action !== 'read' || !isObject(test.record)) add(`${path}.${key}`, 'applies to read cases with a record');
    if (!isObject(map)) add(`${path}.${key}`, 'must be an object of field: value');
    else if (subject) for (const f of Object.keys(map)) checkField(subject, f, `${path}.${key}.${f}`, add);
    if (key === 'transforms' && isObject(map))
      for (const [f, v] of Object.entries(map))
        if (v !== null && typeof v !== 'string') add(`${path}.transforms.${f}`, 'must be a transform in words (round 100) or null');
  }
  const aggregateKeys = ['groupBy', 'measures', 'rows', 'groups', 'suppressedGroups'].filter((k) => test[k] !== undefined);
  if (!aggregate) {
    for (const k of aggregateKeys) add(`${path}.${k}`, 'applies to aggregate cases only');
    return;
  }
  for (const k of ['record', 'allowed', 'denied', 'values', 'transforms']) if (test[k] !== undefined) add(`${path}.${k}`, 'does not apply to aggregate cases');
  if (!Array.isArray(test.groupBy) || test.groupBy.length === 0) add(`${path}.groupBy`, 'is required: a non-empty list of fields');
  else if (subject) test.groupBy.forEach((f, j) => checkField(subject, f, `${path}.groupBy[${j}]`, add));
  if (test.measures !== undefined) {
    if (!Array.isArray(test.measures)) add(`${path}.measures`, 'must be a list of <measure>:<field>');
    else
      test.measures.forEach((m, j) => {
        const [measure, field, extra] = typeof m === 'string' ? m.split(':') : [];
        if (extra !== undefined || !MEASURES.includes(measure as never) || !field) add(`${path}.measures[${j}]`, 'must be <count|sum|avg|min|max>:<field>');
        else if (subject) checkField(subject, field, `${path}.measures[${j}]`, add);
      });
  }
  if (test.rows !== undefined && (!Array.isArray(test.rows) || !test.rows.every(isObject))) add(`${path}.rows`, 'must be a list of records');
  if (test.groups !== undefined && (!Array.isArray(test.groups) || !test.groups.every(isObject))) add(`${path}.groups`, 'must be a list of groups');
  if (test.suppressedGroups !== undefined && !(Number.isInteger(test.suppressedGroups) && (test.suppressedGroups as number) >= 0))
    add(`${path}.suppressedGroups`, 'must be a whole number >= 0');
  if ((test.groups !== undefined || test.suppressedGroups !== undefined) && test.rows === undefined)
    add(`${path}.rows`, 'is required with groups or suppressedGroups');
}

function checkField(subject: SubjectName, f: unknown, path: string, add: (p: string, m: string) => void): void {
  const fields = Object.keys(SUBJECTS[subject].fields);
  if (typeof f !== 'string' || !fields.includes(f)) add(path, `unknown field '${String(f)}' of ${subject}${suggest(String(f), fields)}`);
}

function findForbiddenKeys(value: unknown, path: string, add: (p: string, m: string) => void): void {
  if (Array.isArray(value)) value.forEach((v, i) => findForbiddenKeys(v, `${path}[${i}]`, add));
  else if (value && typeof value === 'object') {
    for (const key of Object.getOwnPropertyNames(value)) {
      const at = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) add(at, `the key '${key}' is not allowed anywhere in a policy document`);
      else findForbiddenKeys((value as Record<string, unknown>)[key], at, add);
    }
  }
}

/**
 * U+0000 can be neither stored nor compared by PostgreSQL (text refuses it), so a condition value
 * holding it would fail every query of the partner instead of matching what CASL matches; a lone
 * surrogate reaches both databases as U+FFFD, so SQL would match other rows than CASL.
 */
function findNulCharacters(value: unknown, path: string, add: (p: string, m: string) => void): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) add(path, 'must not contain the NUL character (U+0000), which the database cannot store or compare');
    // Half a surrogate pair is no character: the drivers send U+FFFD for it, so SQL compares another
    // value than CASL does (a bound `$gte: "\uDFFF"` selects rows CASL then rejects).
    if (hasLoneSurrogate(value)) add(path, 'must not contain a lone UTF-16 surrogate (half of a character), which the database cannot compare as written');
  } else if (Array.isArray(value)) value.forEach((v, i) => findNulCharacters(v, `${path}[${i}]`, add));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) if (!FORBIDDEN_KEYS.has(key)) findNulCharacters(v, path ? `${path}.${key}` : key, add);
  }
}

function unknownKeys(obj: Record<string, unknown>, allowed: string[], path: string, add: (p: string, m: string) => void): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key) && !FORBIDDEN_KEYS.has(key))
      add(path ? `${path}.${key}` : key, `unknown key '${key}'; allowed: ${allowed.join(', ')}${suggest(key, allowed)}`);
  }
}

function intIn(value: unknown, min: number, max: number, path: string, add: (p: string, m: string) => void): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) add(path, `must be a whole number from ${min} to ${max}`);
}

function dateOf(value: unknown, path: string, add: (p: string, m: string) => void): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !ISO.test(value) || !isCalendarDate(value.slice(0, 10)) || Number.isNaN(Date.parse(value))) {
    add(path, 'must be an ISO 8601 date or date-time, e.g. 2026-12-31T23:59:59Z');
    return null;
  }
  return Date.parse(value);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

/** "; did you mean 'unitPrice'?" when a name is close to a known one. */
export function suggest(input: string, candidates: readonly string[]): string {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === input.toLowerCase() ? 0 : levenshtein(input.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? `; did you mean '${best}'?` : '';
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

export type { PolicyRule };
