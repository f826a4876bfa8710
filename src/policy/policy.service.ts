import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { GatewayError } from '../common/gateway-error';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { AgreementContext, AgreementWindow, compilePolicy, CompiledPolicy, NO_AGREEMENTS } from './policy-compiler';
import { partnerPseudonymKey, pseudonymSecret } from './pseudonym-key';
import { PolicyDocument, purposesOf } from './policy-document';
import { validatePolicyDocument } from './policy-validator';
import { checkIfMatch, IfMatch } from './policy-etag';
import { findAcceptedAgreements } from './agreements.table';
import {
  findDecision,
  findPartner,
  findStanding,
  findVersion,
  insertPartner,
  insertVersion,
  latestVersionNumber,
  listDecisions,
  listPartners,
  listVersions,
  lockPartner,
  partnerExists,
  PolicyDecisionRow,
  PolicyVersionRow,
  recordDecision,
  setVersionInForce,
} from './policies.table';

export interface PolicyInForce {
  partnerId: string;
  version: number;
  document: PolicyDocument;
  author: string;
  createdAt: string;
  note: string | null;
  /** The partner's agreements as of `agreements.revision` (set when read for access; absent on a version read for governance). */
  agreements?: AgreementContext;
}

export interface VersionSummary {
  version: number;
  author: string;
  createdAt: string;
  note: string | null;
  /** `active` (in force at once, or approved), `proposed` (open), `rejected` or `withdrawn`. */
  state: 'active' | 'proposed' | 'rejected' | 'withdrawn';
  approvedBy: string | null;
  baseVersion: number | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  inForce: boolean;
  documentHash: string;
}

function stateOf(v: PolicyVersionRow, d: PolicyDecisionRow | undefined): VersionSummary['state'] {
  if (!d) return v.state;
  return d.decision === 'approved' ? 'active' : d.decision;
}

/**
 * Policies as data: versions live in the database, every request is judged by the version in force
 * (looked up, or, for reads, checked in the data query's own statement), so a change on any replica
 * holds from the next request; compiled abilities are cached per (partner, version, purpose).
 */
@Injectable()
export class PolicyService {
  private readonly logger = new Logger(PolicyService.name);
  private readonly documents = new Map<string, PolicyInForce>();
  private readonly compiled = new Map<string, CompiledPolicy>();

  constructor(
    private readonly db: DatabaseService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** The compiled policy a partner's request is judged by; fails closed. */
  async accessFor(partnerId: string, purpose: string | null, known?: PolicyInForce): Promise<{ policy: CompiledPolicy; document: PolicyDocument }> {
    const inForce = known?.partnerId === partnerId ? known : await this.inForce(partnerId);
    if (purpose === null) {
      const purposes = purposesOf(inForce.document);
      throw new GatewayError(400, 'PURPOSE_REQUIRED', 'Purpose required', {
        detail: `State the purpose of this request in the X-Purpose header (or the token's purpose claim). Your policy knows: ${purposes.join(', ') || '(none)'}.`,
        extra: { purposes },
      });
    }
    const agreements = inForce.agreements ?? NO_AGREEMENTS;
    const key = `${partnerId}\u0000${inForce.version}\u0000${purpose}\u0000${agreements.revision}`;
    let policy = this.compiled.get(key);
    if (!policy || policy.expiresAt <= Date.now()) {
      policy = compilePolicy(inForce.document, inForce.version, purpose, Date.now(), agreements);
      if (policy.transforms) policy.pseudonymKey = partnerPseudonymKey(pseudonymSecret(this.config.DATA_DIR, this.config.PSEUDONYM_KEY), partnerId);
      if (this.compiled.size > 10_000) this.compiled.clear();
      this.compiled.set(key, policy);
    }
    return { policy, document: inForce.document };
  }

  /** The document in force for a partner (403 when there is none or the partner is suspended). */
  async inForce(partnerId: string): Promise<PolicyInForce> {
    const row = await this.db.read((m) => findStanding(m, partnerId));
    if (!row) throw new GatewayError(403, 'NO_POLICY', 'Forbidden', { detail: `No policy is in force for partner '${partnerId}'.` });
    if (row.status !== 'active') throw new GatewayError(403, 'PARTNER_SUSPENDED', 'Forbidden', { detail: `Partner '${partnerId}' is suspended.` });
    const version = row.policyVersion;
    const revision = row.agreementsRevision;
    const cached = this.documents.get(partnerId);
    if (cached && cached.version === version && cached.agreements?.revision === revision) return cached;
    const loaded = cached && cached.version === version ? { ...cached } : await this.loadVersion(partnerId, version);
    if (!loaded) throw new GatewayError(403, 'NO_POLICY', 'Forbidden', { detail: `No policy is in force for partner '${partnerId}'.` });
    loaded.agreements = await this.agreementsOf(partnerId, revision);
    this.documents.set(partnerId, loaded);
    return loaded;
  }

  /**
   * A partner's accepted, not terminated agreements (src/agreements), for the policy compiler, which
   * checks their periods at each compilation; `revision` is the counter they were read under.
   */
  async agreementsOf(partnerId: string, revision: number): Promise<AgreementContext> {
    const rows = await this.db.read((m) => findAcceptedAgreements(m, partnerId));
    const windows = new Map<string, AgreementWindow>(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          purposes: JSON.parse(r.purposes) as string[],
          subjects: JSON.parse(r.subjects) as string[],
          validFrom: r.validFrom,
          validUntil: r.validUntil,
        },
      ]),
    );
    return { windows, revision };
  }

  /** The document in force with the partner's agreements as they stand (governance views: me, access matrix, simulate). */
  async inForceWithAgreements(partnerId: string): Promise<PolicyInForce | null> {
    const row = await this.db.read((m) => findPartner(m, partnerId));
    if (!row || row.policyVersion === 0) return null;
    const loaded = await this.loadVersion(partnerId, row.policyVersion);
    if (loaded) loaded.agreements = await this.agreementsOf(partnerId, row.agreementsRevision);
    return loaded;
  }

  /** The version this replica last saw in force for a partner, if any; not checked against the database. */
  lastSeen(partnerId: string): PolicyInForce | undefined {
    return this.documents.get(partnerId);
  }

  /** The document in force, or null when the partner has none (governance reads; never for data access). */
  async inForceOrNull(partnerId: string): Promise<PolicyInForce | null> {
    const row = await this.db.read((m) => findPartner(m, partnerId));
    if (!row || row.policyVersion === 0) return null;
    return this.loadVersion(partnerId, row.policyVersion);
  }

  async loadVersion(partnerId: string, version: number): Promise<PolicyInForce | null> {
    const v = await this.db.read((m) => findVersion(m, partnerId, version));
    if (!v) return null;
    return { partnerId, version, document: JSON.parse(v.document) as PolicyDocument, author: v.author, createdAt: v.createdAt, note: v.note };
  }

  /** A partner's name and kind, or null when it is not known. */
  async partner(partnerId: string): Promise<{ id: string; name: string; kind: string } | null> {
    const row = await this.db.read((m) => findPartner(m, partnerId));
    return row ? { id: row.id, name: row.name, kind: row.kind } : null;
  }

  async listInForce(): Promise<PolicyInForce[]> {
    const partners = await this.db.read((m) => listPartners(m));
    const out: PolicyInForce[] = [];
    for (const p of partners) {
      const v = await this.loadVersion(p.id, p.policyVersion);
      if (v) out.push(v);
    }
    return out;
  }

  /**
   * Stores a new immutable version inside the caller's transaction. In force at once, or, for a
   * proposal (four-eyes), only once another officer approves it. Creates the partner when new.
   * `governedBy` decides `propose` and `requireIfMatch` from the document in force, read under the
   * partner's lock, so a change is never judged by the rules of a version another change replaced.
   */
  async storeVersion(
    m: EntityManager,
    doc: PolicyDocument,
    partnerId: string,
    author: string,
    note: string | null,
    options: { ifMatch?: IfMatch; governedBy?: (inForce: PolicyDocument | undefined) => { propose: boolean; requireIfMatch: boolean } } = {},
  ): Promise<{ version: number; previous: number | null; state: 'active' | 'proposed'; inForce: number }> {
    const existing = await lockPartner(m, partnerId);
    const current = existing ? existing.policyVersion : 0;
    let governance = { propose: false, requireIfMatch: false };
    if (options.governedBy) {
      const inForce = current > 0 ? await findVersion(m, partnerId, current) : undefined;
      governance = options.governedBy(inForce ? (JSON.parse(inForce.document) as PolicyDocument) : undefined);
    }
    checkIfMatch(options.ifMatch, current, governance.requireIfMatch, partnerId);
    const version = (await latestVersionNumber(m, partnerId)) + 1;
    const now = new Date().toISOString();
    const text = JSON.stringify(doc);
    const state = governance.propose ? 'proposed' : 'active';
    await insertVersion(m, {
      partnerId,
      version,
      document: text,
      documentHash: createHash('sha256').update(text).digest('hex'),
      author,
      createdAt: now,
      note,
      state,
      baseVersion: current,
    });
    const inForce = state === 'active' ? version : current;
    if (existing) {
      if (state === 'active') await setVersionInForce(m, partnerId, { name: doc.partner.name, kind: doc.partner.kind, policyVersion: version, updatedAt: now });
    } else {
      await insertPartner(m, {
        id: partnerId,
        name: doc.partner.name,
        kind: doc.partner.kind,
        status: 'active',
        policyVersion: inForce,
        agreementsRevision: 0,
        createdAt: now,
        updatedAt: now,
      });
    }
    return { version, previous: current === 0 ? null : current, state, inForce };
  }

  /**
   * Puts a proposed version in force. The approver must not be its author, must name the version
   * in force (If-Match), and the proposal must have been made against that very version.
   */
  async approve(
    m: EntityManager,
    partnerId: string,
    version: number,
    approver: string,
    ifMatch: IfMatch | undefined,
  ): Promise<{ version: number; previous: number | null; inForce: number }> {
    const { row, current } = await this.openProposal(m, partnerId, version);
    // A partner's very first version has no version in force, and so no ETag, to name.
    checkIfMatch(ifMatch, current, current > 0, partnerId);
    if (row.baseVersion === null || row.baseVersion !== current) {
      throw new GatewayError(409, 'PROPOSAL_STALE', 'Proposal stale', {
        detail: `Version ${version} was proposed against version ${row.baseVersion ?? 'unknown'}, but version ${current} has come into force since; propose it again.`,
        extra: { baseVersion: row.baseVersion, currentVersion: current },
      });
    }
    if (row.author === approver) {
      throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', { detail: 'Four eyes: a version must be approved by another governance officer than its author.' });
    }
    const doc = JSON.parse(row.document) as PolicyDocument;
    const now = new Date().toISOString();
    await recordDecision(m, { partnerId, version, decision: 'approved', decidedBy: approver, decidedAt: now, reason: null });
    await setVersionInForce(m, partnerId, { name: doc.partner.name, kind: doc.partner.kind, policyVersion: version, updatedAt: now });
    return { version, previous: current === 0 ? null : current, inForce: version };
  }

  /**
   * Closes a proposal without putting it in force: `rejected` by another officer (with a reason),
   * or `withdrawn` by its author. Either is final.
   */
  async close(
    m: EntityManager,
    partnerId: string,
    version: number,
    officer: string,
    decision: 'rejected' | 'withdrawn',
    reason: string | null,
  ): Promise<{ version: number; previous: number | null; inForce: number }> {
    const { row, current } = await this.openProposal(m, partnerId, version);
    if (decision === 'rejected' && row.author === officer) {
      throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', { detail: 'Four eyes: another officer rejects a proposal; its author withdraws it.' });
    }
    if (decision === 'withdrawn' && row.author !== officer) {
      throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', { detail: `Only its author (${row.author}) withdraws a proposal; other officers reject it.` });
    }
    await recordDecision(m, { partnerId, version, decision, decidedBy: officer, decidedAt: new Date().toISOString(), reason });
    return { version, previous: current === 0 ? null : current, inForce: current };
  }

  /** Every version of a partner, newest first, with what became of each proposal. */
  async listVersions(partnerId: string): Promise<VersionSummary[]> {
    const [rows, decisions, current] = await Promise.all([
      this.db.read((m) => listVersions(m, partnerId)),
      this.db.read((m) => listDecisions(m, partnerId)),
      this.inForceOrNull(partnerId),
    ]);
    const byVersion = new Map(decisions.map((d) => [d.version, d]));
    return rows.map((v) => {
      const d = byVersion.get(v.version);
      return {
        version: v.version,
        author: v.author,
        createdAt: v.createdAt,
        note: v.note,
        state: stateOf(v, d),
        approvedBy: d?.decision === 'approved' ? d.decidedBy : null,
        baseVersion: v.baseVersion,
        decidedBy: d?.decidedBy ?? null,
        decidedAt: d?.decidedAt ?? null,
        decisionReason: d?.reason ?? null,
        inForce: v.version === current?.version,
        documentHash: v.documentHash,
      };
    });
  }

  /** A proposal still open (neither approved, rejected nor withdrawn), with the version in force. */
  private async openProposal(m: EntityManager, partnerId: string, version: number): Promise<{ row: PolicyVersionRow; current: number }> {
    const partner = await lockPartner(m, partnerId);
    const row = await findVersion(m, partnerId, version);
    if (!partner || !row) throw GatewayError.notFound('PolicyVersion', `${partnerId}@${version}`);
    const decided = await findDecision(m, partnerId, version);
    if (row.state !== 'proposed' || decided) {
      throw new GatewayError(409, 'CONFLICT', 'Conflict', {
        detail: `Version ${version} is ${stateOf(row, decided)}, not an open proposal.`,
        extra: { state: stateOf(row, decided) },
      });
    }
    return { row, current: partner.policyVersion };
  }

  /** Whether a change to this partner needs a second officer (the version in force or the draft asks for it). */
  approvalRequired(current: PolicyDocument | undefined, draft: PolicyDocument): boolean {
    return current?.approval === 'required' || draft.approval === 'required';
  }

  /** Validates and stores a version in force (the seed path; governance goes through GovernanceService first). */
  async putVersion(m: EntityManager, raw: unknown, partnerId: string, author: string, note: string | null, ifMatch?: IfMatch): Promise<number> {
    const result = validatePolicyDocument(raw, partnerId);
    if (!result.ok) {
      throw new GatewayError(400, 'POLICY_INVALID', 'Invalid policy document', {
        detail: `The document has ${result.problems.length} problem(s); the version in force stays.`,
        extra: { problems: result.problems },
      });
    }
    return (await this.storeVersion(m, result.document, partnerId, author, note, { ifMatch })).version;
  }

  /** Loads policies/*.yaml into an empty store as version 1; a partner already stored keeps its versions. */
  async seedFromDocuments(documents: Array<{ file: string; raw: unknown }>): Promise<number> {
    const problems: string[] = [];
    for (const { file, raw } of documents) {
      const r = validatePolicyDocument(raw);
      if (!r.ok) problems.push(`${file}:\n${r.problems.map((p) => `    ${p.path}: ${p.message}`).join('\n')}`);
    }
    if (problems.length > 0) throw new Error(`Invalid policy documents:\n  ${problems.join('\n  ')}`);
    let loaded = 0;
    for (const { raw } of documents) {
      const id = (raw as PolicyDocument).partner.id;
      await this.db.transaction(async (m) => {
        if (await partnerExists(m, id)) return;
        await this.putVersion(m, raw, id, 'seed:policies', 'loaded from policies/ at first start');
        loaded++;
      });
    }
    if (loaded > 0) this.logger.log(`loaded ${loaded} partner policies from ${this.config.POLICIES_DIR}`);
    return loaded;
  }
}
