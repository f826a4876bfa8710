import { applyDecorators, Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { summaryOf } from '../../audit/access-summary';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { GatewayRequest } from '../gateway-request';
import { AuditService } from '../../audit/audit.service';
import { AuditFilter, AuditQueryService } from '../../audit/audit-query.service';
import { AuditEventRulesService } from '../../audit/audit-event-rules.service';
import { CSV_COLUMNS, toCsvLine } from '../../audit/audit-event.view';
import { ApiAnswer, ApiEnvelope, ApiProblems } from './api-docs';

const VERIFY_RESULT = {
  type: 'object',
  required: ['ok', 'checked', 'head', 'headSeq', 'from', 'to'],
  properties: {
    ok: { type: 'boolean' },
    checked: { type: 'integer' },
    head: { type: 'string', nullable: true },
    headSeq: { type: 'integer' },
    from: { type: 'integer' },
    to: { type: 'integer' },
    brokenSeq: { type: 'integer' },
    reason: { type: 'string', enum: ['hash-mismatch', 'broken-link', 'gap', 'head-mismatch', 'checkpoint-mismatch'] },
    detail: { type: 'string' },
    checkpoint: { type: 'object', properties: { seq: { type: 'integer' }, ok: { type: 'boolean' } } },
  },
};

const ACTIVITY = {
  type: 'object',
  required: ['data', 'meta'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['bucket', 'partnerId', 'requests', 'refusals'],
        properties: {
          bucket: { type: 'string', format: 'date-time', description: 'Start of the hour or day (UTC)' },
          partnerId: { type: 'string', nullable: true, description: 'The caller’s partner; null for callers acting for no partner' },
          requests: { type: 'integer' },
          refusals: { type: 'integer', description: 'Events with decision deny' },
        },
      },
    },
    meta: {
      type: 'object',
      required: ['bucket', 'from', 'to'],
      properties: {
        bucket: { type: 'string', enum: ['hour', 'day'] },
        from: { type: 'string', format: 'date-time' },
        to: { type: 'string', format: 'date-time' },
      },
    },
  },
};

const CHECKPOINT = {
  type: 'object',
  required: ['data', 'meta'],
  properties: {
    data: {
      type: 'object',
      required: ['checkpoint', 'seq', 'hash', 'at'],
      properties: {
        checkpoint: {
          type: 'string',
          description: 'Compact JWS (typ audit-checkpoint+jws) of { seq, hash, at }, signed with the checkpoint key (its public half: GET checkpoint-keys)',
        },
        seq: { type: 'integer' },
        hash: { type: 'string' },
        at: { type: 'string', format: 'date-time' },
      },
    },
    meta: { type: 'object' },
  },
};

const FILTER_KEYS = ['partnerId', 'sub', 'subject', 'decision', 'from', 'to', 'resourceId', 'field'];

/** The filters (FILTER_KEYS) the list and the export take alike. */
function ApiAuditFilters() {
  return applyDecorators(
    ApiQuery({ name: 'partnerId', required: false }),
    ApiQuery({ name: 'sub', required: false }),
    ApiQuery({ name: 'subject', required: false }),
    ApiQuery({ name: 'decision', required: false, enum: ['allow', 'partial', 'deny', 'error'] }),
    ApiQuery({ name: 'from', required: false, description: 'RFC 3339 date-time or YYYY-MM-DD, inclusive' }),
    ApiQuery({ name: 'to', required: false, description: 'RFC 3339 date-time or YYYY-MM-DD, exclusive' }),
    ApiQuery({ name: 'resourceId', required: false, description: 'Events that addressed or returned this record, refused ones included' }),
    ApiQuery({ name: 'field', required: false, description: 'Events that returned or were denied this field' }),
  );
}

/** The auditor's API (docs/audit.md). The auditor's own reads are audited like any other. */
@ApiTags('audit')
@Roles('auditor')
@Controller('api/v1/audit-events')
export class AuditController {
  constructor(
    private readonly queries: AuditQueryService,
    private readonly audit: AuditService,
    private readonly eventRules: AuditEventRulesService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Audit events, oldest first, filtered; page with meta.nextCursor' })
  @ApiAuditFilters()
  @ApiQuery({ name: 'limit', required: false, description: 'default 100, at most 1000' })
  @ApiQuery({ name: 'cursor', required: false, description: 'meta.nextCursor of the previous page' })
  @ApiEnvelope('AuditEvent', { list: true, meta: 'CountMeta', description: 'A page of events, oldest first' })
  async list(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    const filter = parseFilter(query, ['limit', 'cursor']);
    const limit = parseLimit(query.limit);
    const { data, nextCursor } = await this.queries.list(filter, limit, query.cursor as string | undefined);
    this.note(
      req,
      data.length,
      data.map((e) => e.id),
    );
    return { data, meta: { nextCursor, count: data.length } };
  }

  @Get('export')
  @ApiOperation({ summary: 'Stream every matching event as CSV or NDJSON' })
  @ApiQuery({ name: 'format', required: true, enum: ['csv', 'ndjson'], description: 'csv or ndjson' })
  @ApiAuditFilters()
  @ApiAnswer({ 'text/csv': { type: 'string' }, 'application/x-ndjson': { type: 'string' } }, null, {
    description: 'Every matching event: CSV (format=csv), or one JSON event per line (format=ndjson)',
  })
  async export(@Req() req: GatewayRequest, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const format = query.format;
    if (format !== 'csv' && format !== 'ndjson') throw GatewayError.validation(['format must be csv or ndjson']);
    const filter = parseFilter(query, ['format']);
    this.queries.assertFilter(filter);
    const record = req.gateway!.audit;
    record.operation = 'GET /api/v1/audit-events/export';
    record.add(summaryOf({ actions: ['read'], subjects: ['AuditEvent'], reason: `export ${format} ${JSON.stringify(filter)}` }));
    // The export's own event is committed before the first byte leaves.
    await this.audit.commit(record, 200);
    res.status(200);
    res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    res.setHeader('Content-Disposition', `attachment; filename="audit-events.${format}"`);
    if (format === 'csv') await write(res, `${CSV_COLUMNS.join(',')}\n`);
    for await (const page of this.queries.stream(filter)) {
      const chunk = page.map((e) => (format === 'csv' ? toCsvLine(e) : JSON.stringify(e))).join('\n') + '\n';
      if (!(await write(res, chunk))) return;
    }
    res.end();
  }

  @Get('verify')
  @ApiOperation({ summary: 'Verify the hash chain (whole, or a from/to seq range, or up to a signed checkpoint)' })
  @ApiQuery({ name: 'from', required: false, description: 'First seq' })
  @ApiQuery({ name: 'to', required: false, description: 'Last seq' })
  @ApiQuery({ name: 'checkpoint', required: false, description: 'A signed checkpoint (audit:checkpoint)' })
  @ApiAnswer('application/json', VERIFY_RESULT, { description: 'Whether the chain holds, how many events were checked, and the first break' })
  async verify(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    const range = { from: optionalSeq(query.from, 'from'), to: optionalSeq(query.to, 'to') };
    const result = await this.queries.verify(range, typeof query.checkpoint === 'string' ? query.checkpoint : undefined);
    this.note(req, result.checked, []);
    return result;
  }

  @Get('activity')
  @ApiOperation({ summary: 'Requests and refusals per partner and hour or day (default: the last 7 days by day, or 24 hours by hour)' })
  @ApiQuery({ name: 'bucket', required: false, enum: ['hour', 'day'], description: 'default day' })
  @ApiQuery({ name: 'partnerId', required: false })
  @ApiQuery({ name: 'sub', required: false })
  @ApiQuery({ name: 'subject', required: false })
  @ApiQuery({ name: 'decision', required: false, enum: ['allow', 'partial', 'deny', 'error'] })
  @ApiQuery({ name: 'from', required: false, description: 'RFC 3339 date-time or YYYY-MM-DD, inclusive' })
  @ApiQuery({
    name: 'to',
    required: false,
    description: 'RFC 3339 date-time or YYYY-MM-DD, exclusive; default now. At most 31 days of hours or 400 days of days',
  })
  @ApiQuery({ name: 'resourceId', required: false })
  @ApiQuery({ name: 'field', required: false })
  @ApiAnswer('application/json', ACTIVITY, { description: 'One row per bucket and partner that had events, oldest first' })
  @ApiProblems(400)
  async activity(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    const bucket = query.bucket ?? 'day';
    if (bucket !== 'hour' && bucket !== 'day') throw GatewayError.validation(['bucket must be hour or day']);
    const filter = parseFilter(query, ['bucket']);
    const { data, from, to } = await this.queries.activity(filter, bucket);
    this.note(req, data.length, []);
    return { data, meta: { bucket, from, to } };
  }

  @Get('checkpoint')
  @ApiOperation({ summary: 'The chain head signed with the checkpoint key (as npm run audit:checkpoint); verify later with GET /verify?checkpoint=' })
  @ApiAnswer('application/json', CHECKPOINT, { description: 'The signed checkpoint and what it states' })
  async checkpoint(@Req() req: GatewayRequest) {
    const data = await this.queries.checkpoint();
    this.note(req, 1, []);
    return { data, meta: {} };
  }

  @Get('checkpoint-keys')
  @ApiOperation({
    summary: 'The public keys checkpoints verify against: the key every replica shares (AUDIT_CHECKPOINT_KEY_FILE), else this replica’s embedded key',
  })
  @ApiAnswer('application/json', 'CheckpointKeySet', { description: 'A JSON Web Key Set (RFC 7517) of the checkpoint key’s public half' })
  async checkpointKeys(@Req() req: GatewayRequest) {
    const keys = await this.queries.checkpointKeys();
    this.note(req, keys.keys.length, []);
    return keys;
  }

  @Get(':id')
  @ApiOperation({ summary: 'One audit event' })
  @ApiEnvelope('AuditEvent', { meta: 'EmptyMeta', description: 'The event' })
  @ApiProblems(404)
  async get(@Req() req: GatewayRequest, @Param('id') id: string) {
    const event = await this.queries.get(id);
    this.note(req, 1, [id]);
    return { data: event, meta: {} };
  }

  @Get(':id/rules')
  @ApiOperation({
    summary: 'The rules that decided an event, as written in the policy version the event records (never the version in force)',
  })
  @ApiEnvelope('AuditEventRules', { meta: 'EmptyMeta', description: 'The rules the event names; none when it names no rules or no policy version' })
  @ApiProblems(404)
  async rules(@Req() req: GatewayRequest, @Param('id') id: string) {
    const data = await this.eventRules.rulesOf(id);
    this.note(req, data.rules.length, [id]);
    return { data, meta: {} };
  }

  private note(req: GatewayRequest, rows: number, ids: string[]): void {
    const record = req.gateway!.audit;
    record.add(summaryOf({ actions: ['read'], subjects: ['AuditEvent'], rowCount: rows, resourceIds: ids.slice(0, 1000) }));
  }
}

function write(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

export function parseFilter(query: Record<string, unknown>, extra: string[]): AuditFilter {
  const unknown = Object.keys(query).filter((k) => !FILTER_KEYS.includes(k) && !extra.includes(k));
  if (unknown.length > 0) throw GatewayError.validation(unknown.map((k) => `unknown query parameter '${k}'`));
  const filter: AuditFilter = {};
  for (const k of FILTER_KEYS) {
    const v = query[k];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw GatewayError.validation([`${k} must be given once`]);
    // No event holds one (the log stores NUL as \0), and PostgreSQL cannot compare with it.
    if (v.includes('\u0000')) throw GatewayError.validation([`${k} must not contain the NUL character (U+0000)`]);
    (filter as Record<string, string>)[k] = v;
  }
  return filter;
}

export function parseLimit(value: unknown): number {
  if (value === undefined) return 100;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1) throw GatewayError.validation(['limit must be a whole number of at least 1']);
  return Math.min(n, 1000);
}

function optionalSeq(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw GatewayError.validation([`${name} must be a seq number of at least 1`]);
  return n;
}
