import { EntityManager } from 'typeorm';
import { isPostgres, positional } from '../database/positional-sql';

/**
 * The agreements table. It sits with the policy capability, which compiles the accepted agreements
 * into every partner's policy; the lifecycle (src/agreements) builds on it.
 */
export const TABLES = ['agreements'] as const;

/** A data-sharing agreement with one partner; `state` is what was decided, its status also depends on the clock. */
export interface AgreementRow {
  id: string;
  partnerId: string;
  title: string;
  terms: string;
  /** JSON text: string[]. */
  purposes: string;
  /** JSON text: string[]. */
  subjects: string;
  validFrom: string;
  validUntil: string;
  state: 'offered' | 'accepted' | 'declined' | 'terminated';
  revision: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** JSON text: the agreement's history, oldest first. */
  history: string;
}

/** What the policy compiler needs of an accepted agreement. */
export type AcceptedAgreementRow = Pick<AgreementRow, 'id' | 'purposes' | 'subjects' | 'validFrom' | 'validUntil'>;

/** The columns a revision or a transition may change. */
export type AgreementChange = Partial<Omit<AgreementRow, 'id' | 'partnerId' | 'createdBy' | 'createdAt'>>;

const COLUMNS = 'id, partner_id, title, terms, purposes, subjects, valid_from, valid_until, state, revision, created_by, created_at, updated_at, history';

const COLUMN_OF: Record<keyof AgreementChange, string> = {
  title: 'title',
  terms: 'terms',
  purposes: 'purposes',
  subjects: 'subjects',
  validFrom: 'valid_from',
  validUntil: 'valid_until',
  state: 'state',
  revision: 'revision',
  updatedAt: 'updated_at',
  history: 'history',
};

type Raw = Record<string, unknown>;

function agreementOf(r: Raw): AgreementRow {
  return {
    id: r.id as string,
    partnerId: r.partner_id as string,
    title: r.title as string,
    terms: r.terms as string,
    purposes: r.purposes as string,
    subjects: r.subjects as string,
    validFrom: r.valid_from as string,
    validUntil: r.valid_until as string,
    state: r.state as AgreementRow['state'],
    revision: Number(r.revision),
    createdBy: r.created_by as string,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
    history: r.history as string,
  };
}

export async function findAgreement(m: EntityManager, id: string): Promise<AgreementRow | undefined> {
  const rows: Raw[] = await m.query(positional(m, `SELECT ${COLUMNS} FROM agreements WHERE id = ?`), [id]);
  return rows[0] ? agreementOf(rows[0]) : undefined;
}

/** The agreement, its row locked for the change (PostgreSQL; SQLite has one writer at a time), or undefined. */
export async function lockAgreement(m: EntityManager, id: string): Promise<AgreementRow | undefined> {
  const lock = isPostgres(m) ? ' FOR UPDATE' : '';
  const rows: Raw[] = await m.query(positional(m, `SELECT ${COLUMNS} FROM agreements WHERE id = ?${lock}`), [id]);
  return rows[0] ? agreementOf(rows[0]) : undefined;
}

/** The agreements with these ids that exist (in no particular order). */
export async function findAgreements(m: EntityManager, ids: string[]): Promise<AgreementRow[]> {
  if (ids.length === 0) return [];
  const rows: Raw[] = await m.query(positional(m, `SELECT ${COLUMNS} FROM agreements WHERE id IN (${ids.map(() => '?').join(', ')})`), ids);
  return rows.map(agreementOf);
}

/** Every agreement, or a partner's, by id. */
export async function listAgreements(m: EntityManager, partnerId?: string): Promise<AgreementRow[]> {
  const rows: Raw[] = partnerId
    ? await m.query(positional(m, `SELECT ${COLUMNS} FROM agreements WHERE partner_id = ? ORDER BY id ASC`), [partnerId])
    : await m.query(`SELECT ${COLUMNS} FROM agreements ORDER BY id ASC`);
  return rows.map(agreementOf);
}

/** A partner's accepted agreements (declined, terminated and open offers left out; periods are the compiler's to check). */
export async function findAcceptedAgreements(m: EntityManager, partnerId: string): Promise<AcceptedAgreementRow[]> {
  const rows: Raw[] = await m.query(
    positional(m, "SELECT id, purposes, subjects, valid_from, valid_until FROM agreements WHERE partner_id = ? AND state = 'accepted'"),
    [partnerId],
  );
  return rows.map((r) => ({
    id: r.id as string,
    purposes: r.purposes as string,
    subjects: r.subjects as string,
    validFrom: r.valid_from as string,
    validUntil: r.valid_until as string,
  }));
}

export async function countAgreements(m: EntityManager): Promise<number> {
  const rows: Array<{ n: unknown }> = await m.query('SELECT COUNT(*) AS n FROM agreements');
  return Number(rows[0]?.n ?? 0);
}

export async function insertAgreement(m: EntityManager, a: AgreementRow): Promise<void> {
  await m.query(positional(m, `INSERT INTO agreements (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), [
    a.id,
    a.partnerId,
    a.title,
    a.terms,
    a.purposes,
    a.subjects,
    a.validFrom,
    a.validUntil,
    a.state,
    a.revision,
    a.createdBy,
    a.createdAt,
    a.updatedAt,
    a.history,
  ]);
}

/** Writes the changed columns of one agreement. */
export async function updateAgreement(m: EntityManager, id: string, change: AgreementChange): Promise<void> {
  const keys = (Object.keys(change) as Array<keyof AgreementChange>).filter((k) => change[k] !== undefined);
  if (keys.length === 0) return;
  await m.query(positional(m, `UPDATE agreements SET ${keys.map((k) => `${COLUMN_OF[k]} = ?`).join(', ')} WHERE id = ?`), [...keys.map((k) => change[k]), id]);
}
