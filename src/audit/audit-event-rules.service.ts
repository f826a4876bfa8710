import { Injectable } from '@nestjs/common';
import { PolicyRule } from '../policy/policy-document';
import { PolicyService } from '../policy/policy.service';
import { AuditQueryService } from './audit-query.service';

/** The rules that decided one audited request, as that request's policy version wrote them. */
export interface AuditEventRules {
  eventId: string;
  /** The partner whose policy judged the request (the caller's partner); null for callers acting for no partner. */
  partnerId: string | null;
  policyVersion: number | null;
  /** The rules the event names, in the order of the policy document (later rules win). */
  rules: PolicyRule[];
  /** Ids the event names that the stored version does not hold (none, unless the store was altered). */
  ruleIdsNotFound: string[];
}

/**
 * Reads the rules behind an audit event from the policy version recorded in the event, never the
 * version in force: what decided then stays readable after the policy changes. Auditors read this
 * without access to the policy API.
 */
@Injectable()
export class AuditEventRulesService {
  constructor(
    private readonly queries: AuditQueryService,
    private readonly policies: PolicyService,
  ) {}

  /** 404 for an unknown event; no rules when the event names none or no policy version. */
  async rulesOf(eventId: string): Promise<AuditEventRules> {
    const event = await this.queries.get(eventId);
    const answer: AuditEventRules = {
      eventId: event.id,
      partnerId: event.actor.partnerId,
      policyVersion: event.policyVersion,
      rules: [],
      ruleIdsNotFound: [],
    };
    if (event.actor.partnerId === null || event.policyVersion === null || event.ruleIds.length === 0) return answer;
    const version = await this.policies.loadVersion(event.actor.partnerId, event.policyVersion);
    const named = new Set(event.ruleIds);
    answer.rules = (version?.document.rules ?? []).filter((rule) => named.has(rule.id));
    const found = new Set(answer.rules.map((rule) => rule.id));
    answer.ruleIdsNotFound = event.ruleIds.filter((id) => !found.has(id));
    return answer;
  }
}
