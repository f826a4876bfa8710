import { isCalendarDate } from '../data/field-values';
import { isSubjectName, SUBJECT_NAMES } from '../data/subjects';
import { GatewayError } from '../common/gateway-error';
import { ID_PATTERN } from '../common/partner-id';

const PURPOSE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const CREATE_KEYS = ['id', 'partnerId', 'title', 'terms', 'purposes', 'subjects', 'validFrom', 'validUntil'];
const REVISION_KEYS = ['title', 'terms', 'purposes', 'subjects', 'validFrom', 'validUntil', 'note'];

/** The terms of an agreement, as offered (validated). */
export interface AgreementTerms {
  title: string;
  terms: string;
  purposes: string[];
  subjects: string[];
  validFrom: string;
  validUntil: string;
}

export interface NewAgreement extends AgreementTerms {
  id: string | null;
  partnerId: string;
}

/** A 400 VALIDATION_FAILED naming each field at fault (`fields`) and saying why (`errors`). */
function refuse(problems: Array<[string, string]>): GatewayError {
  return new GatewayError(400, 'VALIDATION_FAILED', 'Validation failed', {
    detail: problems.map(([f, m]) => `${f} ${m}`).join('; '),
    extra: { errors: problems.map(([f, m]) => `${f} ${m}`), fields: [...new Set(problems.map(([f]) => f))] },
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** POST /agreements body → a new agreement; every problem named. */
export function parseNewAgreement(body: unknown, now = Date.now()): NewAgreement {
  if (!isObject(body)) throw refuse([['body', 'must be a JSON object']]);
  const problems: Array<[string, string]> = [];
  for (const k of Object.keys(body)) if (!CREATE_KEYS.includes(k)) problems.push([k, `is not a field of an agreement; allowed: ${CREATE_KEYS.join(', ')}`]);
  if (body.id !== undefined && (typeof body.id !== 'string' || !ID_PATTERN.test(body.id)))
    problems.push(['id', 'must be letters, digits, ".", "_" or "-" (at most 64)']);
  if (typeof body.partnerId !== 'string' || !ID_PATTERN.test(body.partnerId)) problems.push(['partnerId', 'is required: a partner id']);
  const terms = termsOf(body, null, problems, now);
  if (problems.length > 0) throw refuse(problems);
  return { id: (body.id as string | undefined) ?? null, partnerId: body.partnerId as string, ...terms! };
}

/** POST /agreements/:id/revisions body: the amended terms over the current ones. */
export function parseRevision(body: unknown, current: AgreementTerms, now = Date.now()): { terms: AgreementTerms; note: string | null } {
  if (!isObject(body)) throw refuse([['body', 'must be a JSON object']]);
  const problems: Array<[string, string]> = [];
  for (const k of Object.keys(body)) if (!REVISION_KEYS.includes(k)) problems.push([k, `cannot be amended; allowed: ${REVISION_KEYS.join(', ')}`]);
  if (body.note !== undefined && body.note !== null && (typeof body.note !== 'string' || body.note.length > 1000))
    problems.push(['note', 'must be a string of at most 1000 characters']);
  const terms = termsOf(body, current, problems, now);
  if (problems.length > 0) throw refuse(problems);
  return { terms: terms!, note: typeof body.note === 'string' ? body.note : null };
}

function termsOf(body: Record<string, unknown>, base: AgreementTerms | null, problems: Array<[string, string]>, now: number): AgreementTerms | null {
  const pick = <K extends keyof AgreementTerms>(k: K): unknown => (body[k] !== undefined ? body[k] : base?.[k]);
  const title = pick('title');
  if (typeof title !== 'string' || title.trim() === '' || title.length > 200)
    problems.push(['title', 'is required: a non-empty string of at most 200 characters']);
  const terms = pick('terms');
  if (typeof terms !== 'string' || terms.trim() === '' || terms.length > 20000)
    problems.push(['terms', 'is required: the text of the terms, at most 20000 characters']);
  const purposes = pick('purposes');
  if (!Array.isArray(purposes) || purposes.length === 0 || purposes.some((p) => typeof p !== 'string' || !PURPOSE.test(p))) {
    problems.push(['purposes', 'is required: a non-empty list of purposes (lower-case letters, digits, ".", "_" or "-")']);
  }
  const subjects = pick('subjects');
  if (!Array.isArray(subjects) || subjects.length === 0 || subjects.some((s) => !isSubjectName(s))) {
    problems.push(['subjects', `is required: a non-empty list of ${SUBJECT_NAMES.join(', ')}`]);
  }
  const from = instant(body.validFrom !== undefined ? body.validFrom : base ? base.validFrom : new Date(now).toISOString(), 'validFrom', problems);
  const until = instant(pick('validUntil'), 'validUntil', problems);
  if (from !== null && until !== null) {
    if (until <= from) problems.push(['validUntil', 'must be after validFrom (the period is inverted)']);
    else if (until <= now) problems.push(['validUntil', 'is in the past']);
  }
  if (problems.length > 0) return null;
  return {
    title: title as string,
    terms: terms as string,
    purposes: [...new Set(purposes as string[])],
    subjects: [...new Set(subjects as string[])],
    validFrom: new Date(from!).toISOString(),
    validUntil: new Date(until!).toISOString(),
  };
}

function instant(v: unknown, field: string, problems: Array<[string, string]>): number | null {
  // Date.parse rolls a day past the month's end over (2026-02-30 is 2 March): the day must exist.
  if (typeof v !== 'string' || !TIMESTAMP.test(v) || !isCalendarDate(v.slice(0, 10)) || Number.isNaN(Date.parse(v))) {
    problems.push([field, 'is required: an ISO 8601 date or timestamp']);
    return null;
  }
  return Date.parse(v);
}
