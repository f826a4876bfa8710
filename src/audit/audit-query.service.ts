import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { JWK } from 'jose';
import { AppConfig } from '../config/app-config';
import { GatewayError } from '../common/gateway-error';
import { DATE_RULE, DATE_TIME_RULE, isCalendarDate, parseDateTime, textProblem } from '../data/field-values';
import { DatabaseService } from '../database/database.service';
import { CheckpointVerifyResult, readCheckpoint, SignedCheckpoint, takeCheckpoint, verifyToCheckpoint } from './audit-checkpoint';
import { CheckpointKey, checkpointKeyOf, checkpointKeyResolver, checkpointKeySet, readCheckpointKeyFile } from './checkpoint-key';
import { AuditEventView, toView } from './audit-event.view';
import { verifyChain, VerifyResult } from './audit-verifier';
import { AuditEventCriteria, AuditFilter } from './audit-event-rows';
import { chainReader, countActivity, findAuditEvent, findAuditEvents } from './audit-events.table';

export type { AuditFilter } from './audit-event-rows';

const DECISIONS = ['allow', 'partial', 'deny', 'error'];

export type ActivityBucket = 'hour' | 'day';

/** Requests and refusals (decision deny) of one partner in one hour or day; partnerId null: callers acting for no partner. */
export interface ActivityRow {
  bucket: string;
  partnerId: string | null;
  requests: number;
  refusals: number;
}

/** The longest range one activity answer covers, per bucket size: at most 744 hours or 400 days. */
const ACTIVITY_SPAN_MS: Record<ActivityBucket, number> = { hour: 31 * 24 * 3600_000, day: 400 * 24 * 3600_000 };

/** What auditors read: filtered pages, streamed exports, single events and chain verification. */
@Injectable()
export class AuditQueryService implements OnModuleInit {
  private key: Promise<CheckpointKey> | undefined;

  constructor(
    private readonly db: DatabaseService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** A shared checkpoint key file that cannot be used stops the start (one line naming the setting). */
  onModuleInit(): void {
    const file = this.config.AUDIT_CHECKPOINT_KEY_FILE;
    if (file) this.key = Promise.resolve(readCheckpointKeyFile(file));
  }

  async list(filter: AuditFilter, limit: number, cursor?: string): Promise<{ data: AuditEventView[]; nextCursor: string | null }> {
    const after = cursor ? decodeSeqCursor(cursor) : 0;
    const criteria = this.criteria(filter, after);
    const rows = await this.db.read((m) => findAuditEvents(m, criteria, limit + 1));
    const page = rows.slice(0, limit).map(toView);
    return { data: page, nextCursor: rows.length > limit ? encodeSeqCursor(page[page.length - 1].seq) : null };
  }

  /** Pages of events in seq order, for streaming exports at constant memory. */
  async *stream(filter: AuditFilter, pageSize = 1000): AsyncGenerator<AuditEventView[]> {
    let after = 0;
    for (;;) {
      const criteria = this.criteria(filter, after);
      const rows = await this.db.read((m) => findAuditEvents(m, criteria, pageSize));
      if (rows.length === 0) return;
      const views = rows.map(toView);
      yield views;
      after = views[views.length - 1].seq;
      if (rows.length < pageSize) return;
    }
  }

  /**
   * Requests and refusals per partner and hour or day, for the events the filter selects. `from`
   * defaults to 7 days (hour: 24 hours) before `to`, which defaults to now; a longer span than 31 days
   * of hours or 400 days of days is refused.
   */
  async activity(filter: AuditFilter, bucket: ActivityBucket): Promise<{ data: ActivityRow[]; from: string; to: string }> {
    const to = filter.to ? isoOrThrow(filter.to, 'to') : new Date().toISOString();
    const from = filter.from ? isoOrThrow(filter.from, 'from') : new Date(Date.parse(to) - (bucket === 'hour' ? 24 : 7 * 24) * 3600_000).toISOString();
    const span = Date.parse(to) - Date.parse(from);
    if (span <= 0) throw GatewayError.validation(['from must be before to']);
    if (span > ACTIVITY_SPAN_MS[bucket])
      throw GatewayError.validation([`a range of ${bucket === 'hour' ? 'hours spans at most 31 days' : 'days spans at most 400 days'}`]);
    const criteria = this.criteria({ ...filter, from, to }, 0);
    const counts = await this.db.read((m) => countActivity(m, criteria, bucket));
    const data = counts.map(({ period, partnerId, requests, refusals }) => ({
      bucket: `${period}${bucket === 'hour' ? ':00:00.000Z' : 'T00:00:00.000Z'}`,
      partnerId,
      requests,
      refusals,
    }));
    return { data, from, to };
  }

  /** The chain head now, signed with the checkpoint key: keep it elsewhere, verify against it later. */
  async checkpoint(): Promise<SignedCheckpoint> {
    return takeCheckpoint(this.chain, await this.checkpointKey());
  }

  /** The public key set checkpoints verify against (the shared key of AUDIT_CHECKPOINT_KEY_FILE, else this replica's embedded key). */
  async checkpointKeys(): Promise<{ keys: JWK[] }> {
    return checkpointKeySet(await this.checkpointKey());
  }

  /** Refuses a bad filter (400) before anything is committed or streamed. */
  assertFilter(filter: AuditFilter): void {
    this.criteria(filter, 0);
  }

  async get(id: string): Promise<AuditEventView> {
    const row = await this.db.read((m) => findAuditEvent(m, id));
    if (!row) throw GatewayError.notFound('AuditEvent', id);
    return toView(row);
  }

  async verify(range: { from?: number; to?: number }, checkpoint?: string): Promise<VerifyResult | CheckpointVerifyResult> {
    if (range.from !== undefined && range.to !== undefined && range.from > range.to) throw GatewayError.validation(['from must not be after to']);
    if (!checkpoint) return verifyChain(this.chain, range);
    let cp;
    try {
      cp = await readCheckpoint(checkpoint, checkpointKeyResolver(await this.checkpointKey()));
    } catch {
      throw GatewayError.validation(["checkpoint is not a checkpoint signed with this gateway's checkpoint key"]);
    }
    return verifyToCheckpoint(this.chain, cp);
  }

  private readonly chain = chainReader((work) => this.db.read(work));

  /** The shared key read at start, or the embedded key, created on first use. */
  private checkpointKey(): Promise<CheckpointKey> {
    // A failed read of the embedded key is tried again on the next call, not remembered.
    this.key ??= checkpointKeyOf(this.config).catch((e: Error) => {
      this.key = undefined;
      throw e;
    });
    return this.key;
  }

  /** The filter checked (400 on a bad value), as the criteria of the events it selects after `afterSeq`. */
  private criteria(filter: AuditFilter, afterSeq: number): AuditEventCriteria {
    const c: AuditEventCriteria = { afterSeq };
    if (filter.partnerId) c.partnerId = filter.partnerId;
    if (filter.sub) c.sub = filter.sub;
    if (filter.subject) c.subject = filter.subject;
    if (filter.decision) {
      if (!DECISIONS.includes(filter.decision)) throw GatewayError.validation([`decision must be one of ${DECISIONS.join(', ')}`]);
      c.decision = filter.decision;
    }
    if (filter.from) c.from = isoOrThrow(filter.from, 'from');
    if (filter.to) c.to = isoOrThrow(filter.to, 'to');
    if (filter.resourceId !== undefined) c.resourceId = textOrThrow(filter.resourceId, 'resourceId', 200);
    if (filter.field !== undefined) c.field = textOrThrow(filter.field, 'field', 128);
    return c;
  }
}

/** `from`/`to`: an RFC 3339 date-time, or a calendar date meaning its start (00:00 UTC). */
function isoOrThrow(value: string, name: string): string {
  const stored = isCalendarDate(value) ? `${value}T00:00:00.000Z` : parseDateTime(value);
  if (stored === null) throw GatewayError.validation([`${name} must be ${DATE_TIME_RULE}, or ${DATE_RULE}`]);
  return stored;
}

/** A filter value as the stored ids and names are (an id is recorded at up to 200 characters). */
function textOrThrow(value: string, name: string, max: number): string {
  const problem = textProblem(value, max, 1);
  if (problem) throw GatewayError.validation([`${name} ${problem}`]);
  return value;
}

export function encodeSeqCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ s: 'AuditEvent', k: seq })).toString('base64url');
}

export function decodeSeqCursor(cursor: string): number {
  try {
    const p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; k?: unknown };
    if (p.s === 'AuditEvent' && typeof p.k === 'number' && Number.isInteger(p.k) && p.k >= 0) return p.k;
  } catch {
    // fall through
  }
  throw new GatewayError(400, 'INVALID_CURSOR', 'Invalid cursor', { detail: 'The cursor is not one this gateway gave for this list.' });
}
