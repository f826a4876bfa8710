import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AccessSummary, deciding, merge, summaryOf, touched } from '../audit/access-summary';
import { AuditRecord } from '../audit/audit-record';
import { AuditService } from '../audit/audit.service';
import { GatewayError } from '../common/gateway-error';
import { DatabaseService } from '../database/database.service';
import { AgreementRow, findAgreement, findAgreements, insertAgreement, listAgreements, lockAgreement, updateAgreement } from '../policy/agreements.table';
import { countAgreementChange, partnerExists } from '../policy/policies.table';
import { PolicyService } from '../policy/policy.service';
import { AgreementTerms, parseNewAgreement, parseRevision } from './agreement-input';
import { AGREEMENT_STATUSES, AgreementStatus, statusAt } from './agreement-status';

export interface AgreementHistoryEntry {
  at: string;
  by: string;
  role: 'governance' | 'partner';
  action: 'offered' | 'accepted' | 'declined' | 'terminated' | 'revised';
  revision: number;
  note?: string | null;
  /** On `revised`: the terms the revision replaced. */
  previous?: AgreementTerms;
}

export interface AgreementView extends AgreementTerms {
  id: string;
  partnerId: string;
  status: AgreementStatus;
  revision: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  history: AgreementHistoryEntry[];
}

export interface Actor {
  sub: string;
  role: 'governance' | 'partner';
  /** The partner a partner token acts for. */
  partnerId?: string | null;
}

type Transition = 'accept' | 'decline' | 'terminate';

/** From which statuses each transition may be taken; anything else is 409 CONFLICT. */
const ALLOWED: Record<Transition, AgreementStatus[]> = {
  accept: ['offered'],
  decline: ['offered'],
  terminate: ['offered', 'accepted', 'active'],
};
const DONE: Record<Transition, AgreementRow['state']> = { accept: 'accepted', decline: 'declined', terminate: 'terminated' };
const PAST: Record<Transition, AgreementHistoryEntry['action']> = { accept: 'accepted', decline: 'declined', terminate: 'terminated' };

/**
 * The agreement lifecycle (docs/governance-guide.md): governance offers, amends and terminates; the
 * partner accepts, declines or terminates. Each change commits with its audit event and moves the
 * partner's agreements revision, so every replica judges the partner's next request by it.
 */
@Injectable()
export class AgreementsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly audit: AuditService,
    private readonly policies: PolicyService,
  ) {}

  async offer(actor: Actor, body: unknown, record: AuditRecord): Promise<Step<AgreementView>> {
    const input = parseNewAgreement(body);
    const id = input.id ?? `agr-${randomUUID().slice(0, 8)}`;
    return this.audited(
      record,
      acting('create', id),
      input.partnerId,
      async (m) => {
        if (!(await partnerExists(m, input.partnerId)))
          throw new GatewayError(404, 'NOT_FOUND', 'Not found', { detail: `Partner '${input.partnerId}' was not found.`, extra: { fields: ['partnerId'] } });
        if (await findAgreement(m, id)) {
          throw new GatewayError(409, 'CONFLICT', 'Conflict', {
            detail: `Agreement '${id}' already exists; amend it with POST /api/v1/agreements/${id}/revisions.`,
          });
        }
        const now = new Date().toISOString();
        const row: AgreementRow = {
          id,
          partnerId: input.partnerId,
          title: input.title,
          terms: input.terms,
          purposes: JSON.stringify(input.purposes),
          subjects: JSON.stringify(input.subjects),
          validFrom: input.validFrom,
          validUntil: input.validUntil,
          state: 'offered',
          revision: 1,
          createdBy: actor.sub,
          createdAt: now,
          updatedAt: now,
          history: JSON.stringify([{ at: now, by: actor.sub, role: actor.role, action: 'offered', revision: 1 } satisfies AgreementHistoryEntry]),
        };
        await insertAgreement(m, row);
        return row;
      },
      (a) => `agreement ${a.id} offered to ${a.partnerId} (revision 1)`,
      201,
    );
  }

  /** Governance: a new revision with amended terms, offered again (the partner must accept it again). */
  async revise(actor: Actor, id: string, body: unknown, record: AuditRecord): Promise<Step<AgreementView>> {
    const opened = acting('update', id);
    const existing = await deciding(opened, () => this.mustFind(id));
    return this.audited(
      record,
      opened,
      existing.partnerId,
      async (m) => {
        const row = await this.lock(m, id);
        const status = statusAt(row);
        if (status === 'declined' || status === 'terminated') {
          throw new GatewayError(409, 'CONFLICT', 'Conflict', {
            detail: `Agreement '${id}' is ${status}; offer a new agreement instead.`,
            extra: { agreementStatus: status },
          });
        }
        const previous = termsOf(row);
        const { terms, note } = parseRevision(body, previous);
        const now = new Date().toISOString();
        const revision = row.revision + 1;
        const history = [
          ...historyOf(row),
          { at: now, by: actor.sub, role: actor.role, action: 'revised', revision, note, previous } satisfies AgreementHistoryEntry,
        ];
        const changed = {
          title: terms.title,
          terms: terms.terms,
          purposes: JSON.stringify(terms.purposes),
          subjects: JSON.stringify(terms.subjects),
          validFrom: terms.validFrom,
          validUntil: terms.validUntil,
          state: 'offered' as const,
          revision,
          updatedAt: now,
          history: JSON.stringify(history),
        };
        await updateAgreement(m, id, changed);
        return { ...row, ...changed };
      },
      (a) => `agreement ${a.id}: revision ${a.revision} offered to ${a.partnerId}; the partner must accept it again`,
      201,
    );
  }

  /** A transition by governance (terminate) or by the partner (accept, decline, terminate). */
  async transition(actor: Actor, id: string, to: Transition, body: unknown, record: AuditRecord): Promise<Step<AgreementView>> {
    const opened = acting(to, id);
    const { note, existing } = await deciding(opened, async () => ({ note: noteOf(body), existing: await this.mustFind(id, actor) }));
    return this.audited(
      record,
      opened,
      existing.partnerId,
      async (m) => {
        const row = await this.lock(m, id);
        const status = statusAt(row);
        if (!ALLOWED[to].includes(status)) {
          throw new GatewayError(409, 'CONFLICT', 'Conflict', {
            detail: `Agreement '${id}' is ${status}; it can be ${PAST[to]} only when ${ALLOWED[to].join(' or ')}.`,
            extra: { agreementStatus: status },
          });
        }
        const now = new Date().toISOString();
        const history = [
          ...historyOf(row),
          { at: now, by: actor.sub, role: actor.role, action: PAST[to], revision: row.revision, note } satisfies AgreementHistoryEntry,
        ];
        const changed = { state: DONE[to], updatedAt: now, history: JSON.stringify(history) };
        await updateAgreement(m, id, changed);
        return { ...row, ...changed };
      },
      (a) => `agreement ${a.id} (revision ${a.revision}) ${PAST[to]} by ${actor.role} ${actor.sub}`,
    );
  }

  async list(filter: { partnerId?: string; status?: string; expiringWithinDays?: string }): Promise<Step<AgreementView[]>> {
    const opened = touched('read', 'Agreement');
    return deciding(opened, () => this.listBy(filter, opened));
  }

  private async listBy(filter: { partnerId?: string; status?: string; expiringWithinDays?: string }, opened: AccessSummary): Promise<Step<AgreementView[]>> {
    const problems: string[] = [];
    if (filter.status !== undefined && !AGREEMENT_STATUSES.includes(filter.status as AgreementStatus))
      problems.push(`status must be one of ${AGREEMENT_STATUSES.join(', ')}`);
    const days = filter.expiringWithinDays === undefined ? null : Number(filter.expiringWithinDays);
    if (days !== null && (!Number.isFinite(days) || days < 0 || days > 3650 || filter.expiringWithinDays!.trim() === ''))
      problems.push('expiringWithinDays must be a number of days from 0 to 3650');
    if (problems.length > 0) throw GatewayError.validation(problems);
    const rows = await this.db.read((m) => listAgreements(m, filter.partnerId || undefined));
    const now = Date.now();
    const out = rows
      .map((r) => viewOf(r, now))
      .filter((a) => {
        if (filter.status !== undefined && a.status !== filter.status) return false;
        // Expiring soon: still in force (or accepted and about to start) and ending within the window.
        if (days !== null) return (a.status === 'active' || a.status === 'accepted') && Date.parse(a.validUntil) <= now + days * 86_400_000;
        return true;
      });
    return { data: out, summary: merge(opened, summaryOf({ resourceIds: out.map((a) => a.id), rowCount: out.length })) };
  }

  /** One agreement with the partners and rules that rest on it (rules naming it in the policies in force). */
  async get(id: string, actor?: Actor): Promise<Step<AgreementView & { dependents: Array<{ partnerId: string; ruleIds: string[] }> }>> {
    const opened = summaryOf({ actions: ['read'], subjects: ['Agreement'], resourceIds: [id] });
    return deciding(opened, async () => {
      const row = await this.mustFind(id, actor);
      // The row is counted once found, before its dependents are looked up.
      const found = merge(opened, summaryOf({ rowCount: 1 }));
      return { data: { ...viewOf(row, Date.now()), dependents: await deciding(found, () => this.dependents(id)) }, summary: found };
    });
  }

  async listForPartner(partnerId: string): Promise<Step<AgreementView[]>> {
    return this.list({ partnerId });
  }

  /** Rules of the policies in force naming an agreement, by partner. */
  async dependents(id: string): Promise<Array<{ partnerId: string; ruleIds: string[] }>> {
    const out: Array<{ partnerId: string; ruleIds: string[] }> = [];
    for (const p of await this.policies.listInForce()) {
      const ruleIds = p.document.rules.filter((r) => r.agreement === id).map((r) => r.id);
      if (ruleIds.length > 0) out.push({ partnerId: p.partnerId, ruleIds });
    }
    return out;
  }

  /** Agreements by id (the validator of policy documents at PUT time). */
  async findMany(ids: string[]): Promise<Map<string, AgreementView>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.read((m) => findAgreements(m, ids));
    const now = Date.now();
    return new Map(rows.map((r) => [r.id, viewOf(r, now)]));
  }

  /** A partner sees only its own agreements: another's is 404, exactly as one that does not exist. */
  private async mustFind(id: string, actor?: Actor): Promise<AgreementRow> {
    const row = await this.db.read((m) => findAgreement(m, id));
    if (!row || (actor?.role === 'partner' && row.partnerId !== actor.partnerId)) throw GatewayError.notFound('Agreement', id);
    return row;
  }

  private async lock(m: EntityManager, id: string): Promise<AgreementRow> {
    const row = await lockAgreement(m, id);
    if (!row) throw GatewayError.notFound('Agreement', id);
    return row;
  }

  /**
   * The change, the partner's agreements revision and the audit event, in one transaction: the
   * event holds the request's record and this step's complete summary, which is returned too.
   */
  private async audited(
    record: AuditRecord,
    opened: AccessSummary,
    partnerId: string,
    change: (m: EntityManager) => Promise<AgreementRow>,
    describe: (a: AgreementRow) => string,
    /** The answer's status, which the event records: 201 for an offer and a revision (both create). */
    status: 200 | 201 = 200,
  ): Promise<Step<AgreementView>> {
    const { result, summary } = await this.audit.changeWithEvent(record, opened, async (m) => {
      const row = await change(m);
      await countAgreementChange(m, partnerId);
      return { result: row, status, summary: merge(opened, summaryOf({ rowCount: 1, reason: describe(row) })) };
    });
    return { data: viewOf(result, Date.now()), summary };
  }
}

/** What an agreement step answers, with its summary for the audit event. */
export interface Step<T> {
  data: T;
  summary: AccessSummary;
}

/** An action on one agreement, which the event names among its resources and its agreements. */
function acting(action: string, id: string): AccessSummary {
  return summaryOf({ actions: [action], subjects: ['Agreement'], resourceIds: [id], agreementIds: [id] });
}

function noteOf(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  if (typeof body !== 'object' || Array.isArray(body)) throw GatewayError.validation(['the body must be a JSON object, e.g. { "note": "…" }']);
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => k !== 'note');
  if (unknown.length > 0) throw GatewayError.validation(unknown.map((k) => `${k} is not accepted here; only note`));
  if (b.note === undefined || b.note === null) return null;
  if (typeof b.note !== 'string' || b.note.length > 1000) throw GatewayError.validation(['note must be a string of at most 1000 characters']);
  return b.note;
}

function historyOf(row: AgreementRow): AgreementHistoryEntry[] {
  return JSON.parse(row.history) as AgreementHistoryEntry[];
}

function termsOf(row: AgreementRow): AgreementTerms {
  return {
    title: row.title,
    terms: row.terms,
    purposes: JSON.parse(row.purposes) as string[],
    subjects: JSON.parse(row.subjects) as string[],
    validFrom: row.validFrom,
    validUntil: row.validUntil,
  };
}

export function viewOf(row: AgreementRow, now: number): AgreementView {
  return {
    id: row.id,
    partnerId: row.partnerId,
    ...termsOf(row),
    status: statusAt(row, now),
    revision: row.revision,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    history: historyOf(row),
  };
}
