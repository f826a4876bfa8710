import { createHash } from 'node:crypto';
import { Caller } from '../access/caller';
import { permittedFields, planFor } from '../access/subject-plans';
import { ReplayRights } from '../access/write-transactions';
import { AccessSummary, merge, summaryOf } from '../audit/access-summary';
import { GatewayError } from '../common/gateway-error';
import { fieldsOf } from '../data/subjects';
import { Dialect } from '../database/database.service';

/**
 * The Idempotency-Key's scope: who sent it (partner, or subject for other callers), the route, and
 * a digest of the caller's subject and purpose. Another user of the same partner, or the same user
 * for another purpose, has keys of their own; a remembered answer is never theirs.
 */
export function idempotencyScope(caller: Caller, route: string): string {
  const owner = caller.principal.partnerId ?? `sub:${caller.principal.sub}`;
  const who = createHash('sha256')
    .update(`${caller.principal.sub}\u0000${caller.purpose ?? ''}`)
    .digest('base64url')
    .slice(0, 22);
  return `${owner}|${who}|${route}`;
}

/**
 * A replay is answered under the policy in force now, not the one the first answer was given
 * under: without the right to the action any more it gets the refusal a new request would, and
 * of the remembered row it returns only the fields the caller may read now (judged on the row as
 * stored now, or the remembered answer when the row is gone). Its summary says what the replay returns.
 */
export function judgeReplay(
  caller: Caller,
  rights: ReplayRights,
  dialect: Dialect,
  body: { data: Record<string, unknown>; meta: Record<string, unknown> },
  current: Record<string, unknown> | null,
): { body: { data: Record<string, unknown>; meta: Record<string, unknown> }; summary: AccessSummary } {
  const { policy, action, subject } = rights;
  if (!planFor(policy, action, subject, dialect).rowScope) {
    throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', { detail: `Your policy does not let you ${action} ${subject}.` });
  }
  const meta = { ...body.meta, policyVersion: policy.version, purpose: caller.purpose };
  const judged = summaryOf({ policyVersion: policy.version, ruleAgreements: policy.ruleAgreements });
  if (!rights.answerIsRow) return { body: { data: body.data, meta }, summary: judged };
  const readable = new Set(permittedFields(policy.ability, 'read', subject, current ?? body.data));
  const data: Record<string, unknown> = {};
  const returned: string[] = [];
  const denied: string[] = [];
  for (const f of fieldsOf(subject)) {
    if (!(f in body.data)) continue;
    if (readable.has(f)) {
      data[f] = body.data[f];
      returned.push(f);
    } else {
      denied.push(f);
    }
  }
  return { body: { data, meta }, summary: merge(judged, summaryOf({ fieldsReturned: returned, fieldsDenied: denied, rowCount: 1 })) };
}
