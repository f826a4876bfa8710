import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { Caller } from '../../access/caller';
import { AccessSummary, recorded } from '../../audit/access-summary';
import { callerOf } from '../caller-of';
import { GovernedDataService, GovernedRow, ReadMeta } from '../../access/governed-data.service';
import { WriteResult } from '../../access/write-transactions';
import { ShipmentEventsService } from '../../logistics/shipment-events.service';
import { GatewayError } from '../../common/gateway-error';
import { GatewayRequest } from '../gateway-request';
import { SUBJECTS, SubjectName } from '../../data/subjects';

const RESERVED = new Set(['fields', 'limit', 'cursor']);

/** Turns REST requests into calls of the governed data service and its results into envelopes. */
@Injectable()
export class RestAdapter {
  constructor(
    private readonly data: GovernedDataService,
    private readonly events: ShipmentEventsService,
  ) {}

  caller(req: GatewayRequest): Caller {
    return callerOf(req);
  }

  async list(req: GatewayRequest, subject: SubjectName, query: Record<string, unknown>) {
    const { rows, meta } = await this.recorded(req, this.data.list(this.caller(req), subject, { ...parseListQuery(subject, query), ungranted: 'refuse' }));
    return envelope(
      rows.map((r) => r.values),
      meta,
    );
  }

  async get(req: GatewayRequest, subject: SubjectName, id: string, query: Record<string, unknown>) {
    const unknown = Object.keys(query).filter((k) => k !== 'fields');
    if (unknown.length > 0) throw GatewayError.validation(unknown.map((k) => `unknown query parameter '${k}'`));
    const { row, meta } = await this.recorded(req, this.data.get(this.caller(req), subject, id, { fields: parseFields(query.fields), ungranted: 'refuse' }));
    return envelope(row.values, meta);
  }

  async listEvents(req: GatewayRequest, shipmentId: string, query: Record<string, unknown>) {
    const { rows, meta } = await this.recorded(
      req,
      this.events.listShipmentEvents(this.caller(req), shipmentId, {
        ...parseListQuery('ShipmentEvent', query),
        ungranted: 'refuse',
      }),
    );
    return envelope(
      rows.map((r) => r.values),
      meta,
    );
  }

  /** Records a governed step in the request's audit record (the summary it returns, or the one its error carries). */
  recorded<T extends { summary: AccessSummary }>(req: GatewayRequest, step: Promise<T>): Promise<T> {
    return recorded(req.gateway!.audit, step);
  }

  /** Records a write and sends its answer with the status of its first execution (a replay says so in a header). */
  async send(req: GatewayRequest, res: Response, write: Promise<WriteResult>): Promise<WriteResult['body']> {
    const result = await this.recorded(req, write);
    res.status(result.status);
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return result.body;
  }
}

function envelope(data: unknown, meta: ReadMeta) {
  return { data, meta };
}

export type RestRows = GovernedRow[];

function parseFields(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw GatewayError.validation(['fields must be given once, as a comma-separated list']);
  const fields = value
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (fields.length === 0) throw GatewayError.validation(['fields names no field']);
  return fields;
}

/** `?fields=a,b&limit=50&cursor=…&<field>=<value>…`: anything else is an equality filter on a field. */
export function parseListQuery(subject: SubjectName, query: Record<string, unknown>) {
  const errors: string[] = [];
  let limit: number | undefined;
  if (query.limit !== undefined) {
    limit = typeof query.limit === 'string' && /^\d{1,6}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (!Number.isInteger(limit) || limit < 1) errors.push('limit must be a whole number of at least 1');
  }
  if (query.cursor !== undefined && (typeof query.cursor !== 'string' || query.cursor.length > 512)) errors.push('cursor must be given once');
  const filters: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (RESERVED.has(key)) continue;
    if (typeof raw !== 'string') {
      errors.push(`filter '${key}' must be given once, as field=value`);
      continue;
    }
    const spec = SUBJECTS[subject].fields[key];
    if (!spec) {
      errors.push(`unknown query parameter or field '${key}'`);
      continue;
    }
    if (spec.type === 'integer' || spec.type === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) errors.push(`filter '${key}' must be a number`);
      else filters[key] = n;
    } else {
      // Dates, date-times and text are checked as stored by the governed read (src/data/field-values.ts),
      // once the policy says the caller may read and filter by the field at all.
      filters[key] = raw;
    }
  }
  if (errors.length > 0) throw GatewayError.validation(errors);
  return { fields: parseFields(query.fields), filters, limit, cursor: query.cursor as string | undefined };
}

/** A PATCH must change something; DTO instances become plain objects for the service. */
export function nonEmpty(body: object): Record<string, unknown> {
  const plain = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
  if (Object.keys(plain).length === 0) throw GatewayError.validation(['the body names no field to change']);
  return plain;
}
