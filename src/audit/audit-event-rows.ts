/**
 * The shapes the audit tables' module (audit-events.table.ts) reads and answers: stored rows, the
 * chain head, the criteria of auditors' queries. No SQL here.
 */

/** An event as stored (snake_case columns, as `SELECT *` gives it on both stores); audit-event.view.ts reads it. */
export type AuditEventRow = Record<string, unknown>;

/** The chain head: seq and hash of the last event appended. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** What an auditor filters events by (values already validated). */
export interface AuditFilter {
  partnerId?: string;
  sub?: string;
  subject?: string;
  decision?: string;
  /** at >= from, at < to (stored ISO text). */
  from?: string;
  to?: string;
  /** Events that addressed or returned this record (refusals included). */
  resourceId?: string;
  /** Events that returned or were denied this field. */
  field?: string;
}

/** The events an auditor's query selects, after a seq. */
export interface AuditEventCriteria extends AuditFilter {
  afterSeq: number;
}

/** Requests and refusals (decision deny) of one partner in one period (`period`: the first 13 or 10 characters of `at`). */
export interface ActivityCount {
  period: string;
  partnerId: string | null;
  requests: number;
  refusals: number;
}

/** SQL text with `?` placeholders and its parameters, as another table's owner exports it. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** The reads that verifying the chain and taking a checkpoint need. */
export interface AuditChainReader {
  head(): Promise<ChainHead | null>;
  /** The stored hash of one event, null when it is missing. */
  eventHash(seq: number): Promise<string | null>;
  /** Events from..to (inclusive) in seq order, at most `limit`. */
  events(from: number, to: number, limit: number): Promise<AuditEventRow[]>;
}

export interface PartnerUsageQuery {
  /** The partner whose records were read; reads by the owner itself do not count. */
  ownerId: string;
  /** at >= from, at < to. */
  from: string;
  to: string;
  /** Per subject of the partner's records: the fields whose return counts (names from the data model). */
  fields: Record<string, readonly string[]>;
  /** Parent subject → child subject: a read of a parent record that names the child subject counts as a read of the child (a shipment's tracking events). */
  children?: Record<string, string>;
}

/** How many audited reads by `partnerId` (the reader) on `day` returned `field` of the owner's records of `subject`. */
export interface PartnerUsageRow {
  partnerId: string;
  subject: string;
  field: string;
  day: string;
  count: number;
}
