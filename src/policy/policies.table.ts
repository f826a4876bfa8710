import { EntityManager } from 'typeorm';
import { isPostgres, positional } from '../database/positional-sql';

export const TABLES = ['partners', 'policy_versions', 'policy_decisions'] as const;

/** A partner: who it is, whether it may call, and which policy version and agreements revision are in force. */
export interface PartnerRow {
  id: string;
  name: string;
  kind: string;
  status: 'active' | 'suspended';
  /** The policy version in force (0: none yet); the version row holds the document. */
  policyVersion: number;
  /** Moves with every change to the partner's agreements. */
  agreementsRevision: number;
  createdAt: string;
  updatedAt: string;
}

/** An immutable version of one partner's policy document. */
export interface PolicyVersionRow {
  partnerId: string;
  version: number;
  document: string;
  documentHash: string;
  author: string;
  createdAt: string;
  note: string | null;
  /** As stored: in force at once (`active`) or `proposed`; what became of a proposal is its decision. */
  state: 'active' | 'proposed';
  /** The version in force when this one was made (0: none); null for proposals made before it was recorded. */
  baseVersion: number | null;
}

export type ProposalDecision = 'approved' | 'rejected' | 'withdrawn';

/** What became of one proposed version: decided once, never changed. */
export interface PolicyDecisionRow {
  partnerId: string;
  version: number;
  decision: ProposalDecision;
  decidedBy: string;
  decidedAt: string;
  reason: string | null;
}

const PARTNER_COLUMNS = 'id, name, kind, status, policy_version, agreements_revision, created_at, updated_at';
const VERSION_COLUMNS = 'partner_id, version, document, document_hash, author, created_at, note, state, base_version';
const DECISION_COLUMNS = 'partner_id, version, decision, decided_by, decided_at, reason';

type Raw = Record<string, unknown>;

function nullableNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function partnerOf(r: Raw): PartnerRow {
  return {
    id: r.id as string,
    name: r.name as string,
    kind: r.kind as string,
    status: r.status as PartnerRow['status'],
    policyVersion: Number(r.policy_version),
    agreementsRevision: Number(r.agreements_revision),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

function versionOf(r: Raw): PolicyVersionRow {
  return {
    partnerId: r.partner_id as string,
    version: Number(r.version),
    document: r.document as string,
    documentHash: r.document_hash as string,
    author: r.author as string,
    createdAt: r.created_at as string,
    note: (r.note as string | null) ?? null,
    state: r.state as PolicyVersionRow['state'],
    baseVersion: nullableNumber(r.base_version),
  };
}

function decisionOf(r: Raw): PolicyDecisionRow {
  return {
    partnerId: r.partner_id as string,
    version: Number(r.version),
    decision: r.decision as ProposalDecision,
    decidedBy: r.decided_by as string,
    decidedAt: r.decided_at as string,
    reason: (r.reason as string | null) ?? null,
  };
}

// --- partners

/** The partner, or undefined when it is not known. */
export async function findPartner(m: EntityManager, partnerId: string): Promise<PartnerRow | undefined> {
  const rows: Raw[] = await m.query(positional(m, `SELECT ${PARTNER_COLUMNS} FROM partners WHERE id = ?`), [partnerId]);
  return rows[0] ? partnerOf(rows[0]) : undefined;
}

/** What the judgement of a request needs of a partner (the hot path: three columns), or undefined. */
export async function findStanding(
  m: EntityManager,
  partnerId: string,
): Promise<Pick<PartnerRow, 'status' | 'policyVersion' | 'agreementsRevision'> | undefined> {
  const rows: Raw[] = await m.query(positional(m, 'SELECT status, policy_version, agreements_revision FROM partners WHERE id = ?'), [partnerId]);
  const r = rows[0];
  return r
    ? { status: r.status as PartnerRow['status'], policyVersion: Number(r.policy_version), agreementsRevision: Number(r.agreements_revision) }
    : undefined;
}

export async function partnerExists(m: EntityManager, partnerId: string): Promise<boolean> {
  const rows: unknown[] = await m.query(positional(m, 'SELECT 1 AS one FROM partners WHERE id = ?'), [partnerId]);
  return rows.length > 0;
}

/** Every partner, by id. */
export async function listPartners(m: EntityManager): Promise<PartnerRow[]> {
  const rows: Raw[] = await m.query(`SELECT ${PARTNER_COLUMNS} FROM partners ORDER BY id ASC`);
  return rows.map(partnerOf);
}

/** The version in force of the partner, its row locked for the change (PostgreSQL; SQLite has one writer at a time), or undefined. */
export async function lockPartner(m: EntityManager, partnerId: string): Promise<{ policyVersion: number } | undefined> {
  const lock = isPostgres(m) ? ' FOR UPDATE' : '';
  const rows: Raw[] = await m.query(positional(m, `SELECT policy_version FROM partners WHERE id = ?${lock}`), [partnerId]);
  return rows[0] ? { policyVersion: Number(rows[0].policy_version) } : undefined;
}

export async function insertPartner(m: EntityManager, p: PartnerRow): Promise<void> {
  await m.query(positional(m, `INSERT INTO partners (${PARTNER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), [
    p.id,
    p.name,
    p.kind,
    p.status,
    p.policyVersion,
    p.agreementsRevision,
    p.createdAt,
    p.updatedAt,
  ]);
}

/** Puts a version in force, with the name and kind its document gives the partner. */
export async function setVersionInForce(
  m: EntityManager,
  partnerId: string,
  change: { name: string; kind: string; policyVersion: number; updatedAt: string },
): Promise<void> {
  await m.query(positional(m, 'UPDATE partners SET name = ?, kind = ?, policy_version = ?, updated_at = ? WHERE id = ?'), [
    change.name,
    change.kind,
    change.policyVersion,
    change.updatedAt,
    partnerId,
  ]);
}

/** Counts one more change to the partner's agreements, so compiled policies keyed by the revision are judged again. */
export async function countAgreementChange(m: EntityManager, partnerId: string): Promise<void> {
  await m.query(positional(m, 'UPDATE partners SET agreements_revision = agreements_revision + 1 WHERE id = ?'), [partnerId]);
}

/**
 * Two columns for a data read's own statement: the partner's version in force (null when it is
 * suspended or unknown) and its agreements revision, for the partner id bound to the named
 * parameter `:param`; so a read checks in one statement that it was judged by the policy in force.
 */
export function inForceColumns(param: string, versionAlias: string, revisionAlias: string): string[] {
  return [
    `(SELECT policy_version FROM partners WHERE id = :${param} AND status = 'active') AS "${versionAlias}"`,
    `(SELECT agreements_revision FROM partners WHERE id = :${param}) AS "${revisionAlias}"`,
  ];
}

// --- policy_versions

export async function findVersion(m: EntityManager, partnerId: string, version: number): Promise<PolicyVersionRow | undefined> {
  const rows: Raw[] = await m.query(positional(m, `SELECT ${VERSION_COLUMNS} FROM policy_versions WHERE partner_id = ? AND version = ?`), [partnerId, version]);
  return rows[0] ? versionOf(rows[0]) : undefined;
}

/** Every version of a partner, newest first. */
export async function listVersions(m: EntityManager, partnerId: string): Promise<PolicyVersionRow[]> {
  const rows: Raw[] = await m.query(positional(m, `SELECT ${VERSION_COLUMNS} FROM policy_versions WHERE partner_id = ? ORDER BY version DESC`), [partnerId]);
  return rows.map(versionOf);
}

/** The highest version number stored for a partner (0: none). */
export async function latestVersionNumber(m: EntityManager, partnerId: string): Promise<number> {
  const rows: Array<{ v: unknown }> = await m.query(positional(m, 'SELECT MAX(version) AS v FROM policy_versions WHERE partner_id = ?'), [partnerId]);
  return Number(rows[0]?.v ?? 0);
}

export async function insertVersion(m: EntityManager, v: PolicyVersionRow): Promise<void> {
  await m.query(positional(m, `INSERT INTO policy_versions (${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), [
    v.partnerId,
    v.version,
    v.document,
    v.documentHash,
    v.author,
    v.createdAt,
    v.note,
    v.state,
    v.baseVersion,
  ]);
}

// --- policy_decisions

export async function findDecision(m: EntityManager, partnerId: string, version: number): Promise<PolicyDecisionRow | undefined> {
  const rows: Raw[] = await m.query(positional(m, `SELECT ${DECISION_COLUMNS} FROM policy_decisions WHERE partner_id = ? AND version = ?`), [
    partnerId,
    version,
  ]);
  return rows[0] ? decisionOf(rows[0]) : undefined;
}

export async function listDecisions(m: EntityManager, partnerId: string): Promise<PolicyDecisionRow[]> {
  const rows: Raw[] = await m.query(positional(m, `SELECT ${DECISION_COLUMNS} FROM policy_decisions WHERE partner_id = ?`), [partnerId]);
  return rows.map(decisionOf);
}

export async function recordDecision(m: EntityManager, d: PolicyDecisionRow): Promise<void> {
  await m.query(positional(m, `INSERT INTO policy_decisions (${DECISION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`), [
    d.partnerId,
    d.version,
    d.decision,
    d.decidedBy,
    d.decidedAt,
    d.reason,
  ]);
}
