import { Controller, Get, Header, Query, Req } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { OpenApiHost } from '../openapi-host';
import { withOwnOperations } from '../own-operations';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { recorded } from '../../audit/access-summary';
import { callerOf } from '../caller-of';
import { parseFilter, parseLimit } from './audit.controller';
import { Roles } from '../../auth/auth.decorators';
import { GatewayRequest } from '../gateway-request';
import { DATA_ACCESS_DEFAULT_DAYS, DATA_ACCESS_MAX_DAYS, MeService } from '../../me/me.service';
import { ApiAnswer, ApiEnvelope, PurposeHeader } from './api-docs';
import { onlyParams } from './query-params';

const FIELD_RIGHT = {
  type: 'object',
  properties: {
    field: { type: 'string', example: 'orderedQty' },
    rows: { type: 'string', enum: ['all', 'some'], description: 'all: on every row of the scope; some: only on some rows (left out of the others)' },
    ruleIds: { type: 'array', items: { type: 'string' } },
    reasons: { type: 'array', items: { type: 'string' } },
  },
};
const SUBJECTS_VIEW = {
  type: 'object',
  description: 'Subject → action (read | create | update) → { scope, fields }. Subjects and actions the policy does not grant are left out.',
  example: {
    DemandSignal: {
      read: { scope: 'sku is one of SKU-100, SKU-200', fields: [{ field: 'forecastQty', rows: 'all', ruleIds: ['demand-for-supplied-skus'], reasons: ['…'] }] },
    },
  },
  additionalProperties: {
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { scope: { type: 'string', description: 'The rows the action may touch, in words' }, fields: { type: 'array', items: FIELD_RIGHT } },
    },
  },
};
const ME_SCHEMA = {
  type: 'object',
  properties: {
    data: {
      type: 'object',
      properties: {
        partner: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' } } },
        purposes: { type: 'array', items: { type: 'string' }, description: 'Every purpose the policy names' },
        purpose: { type: 'string', nullable: true, description: "The purpose in use (X-Purpose or the token's claim); null when none" },
        policyVersion: { type: 'integer' },
        limits: { type: 'object', properties: { requestsPerMinute: { type: 'integer' }, maxPageSize: { type: 'integer' } } },
        quota: {
          type: 'object',
          properties: { remaining: { type: 'integer' }, resetSeconds: { type: 'integer' } },
          description: 'After counting this request',
        },
        transparency: { type: 'object', properties: { accessLog: { type: 'boolean' }, dataAccess: { type: 'boolean' } } },
        subjects: { ...SUBJECTS_VIEW, nullable: true, description: 'The view under the purpose in use; null when no purpose is given (see byPurpose)' },
        byPurpose: {
          type: 'array',
          description: 'One entry per purpose: the purpose in use only, or every purpose of the policy when none is given',
          items: { type: 'object', properties: { purpose: { type: 'string', nullable: true }, subjects: SUBJECTS_VIEW } },
        },
      },
    },
    meta: { type: 'object' },
  },
};

/** A partner's own view (contract section 10): what its policy grants, its surface, its audit trail. */
@ApiTags('me')
@Roles('partner')
@Controller('api/v1/me')
export class MeController {
  constructor(
    private readonly me: MeService,
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly openApiHost: OpenApiHost,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Your own view: partner, purposes, limits, quota, and per subject and action the fields your policy grants (all or some rows), why, and the row scope in words',
  })
  @PurposeHeader()
  @ApiAnswer('application/json', ME_SCHEMA, { description: 'Your view' })
  async view(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    const { view: data } = await recorded(req.gateway!.audit, this.me.view(callerOf(req), req.gateway!.quota));
    return { data, meta: { policyVersion: data.policyVersion, purpose: data.purpose } };
  }

  @Get('openapi.json')
  @ApiOperation({
    summary: 'An OpenAPI 3.1 document of only the operations, and in their schemas only the fields, your policy allows under the purpose in use',
  })
  @PurposeHeader()
  @ApiAnswer(
    'application/json',
    { type: 'object', required: ['openapi', 'paths'], properties: { openapi: { type: 'string' }, paths: { type: 'object' } } },
    { description: 'An OpenAPI 3.1 document' },
  )
  async openApi(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    const { document } = await recorded(req.gateway!.audit, this.me.openApi(callerOf(req)));
    return withOwnOperations(document, this.openApiHost.document);
  }

  @Get('schema.graphql')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'The GraphQL SDL of your view under the purpose in use: only the root fields and type fields you may use' })
  @PurposeHeader()
  @ApiAnswer('text/plain', { type: 'string' }, { description: 'GraphQL SDL' })
  async sdl(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    return (await recorded(req.gateway!.audit, this.me.sdl(callerOf(req), this.schemaHost.schema))).sdl;
  }

  @Get('access-log')
  @ApiOperation({
    summary:
      "Your partner's own audit events (fields, filters and paging as GET /api/v1/audit-events); 403 TRANSPARENCY_DISABLED when governance switched it off",
  })
  @ApiQuery({ name: 'sub', required: false })
  @ApiQuery({ name: 'subject', required: false })
  @ApiQuery({ name: 'decision', required: false, enum: ['allow', 'partial', 'deny', 'error'] })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601, inclusive' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601, exclusive' })
  @ApiQuery({ name: 'limit', required: false, description: 'default 100, at most 1000' })
  @ApiQuery({ name: 'cursor', required: false, description: 'meta.nextCursor of the previous page' })
  @ApiEnvelope('AuditEvent', { list: true, meta: 'CountMeta', description: 'A page of your own events, oldest first' })
  async accessLog(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    const filter = parseFilter(query, ['limit', 'cursor']);
    const limit = parseLimit(query.limit);
    const { data, nextCursor } = await recorded(req.gateway!.audit, this.me.accessLog(callerOf(req), filter, limit, query.cursor as string | undefined));
    return { data, meta: { nextCursor, count: data.length } };
  }

  @Get('data-access')
  @ApiOperation({
    summary:
      "Per day: which other partners' audited reads returned which fields of the records you contributed (capacity signals you supply, shipments you carry and their tracking events); counts, no values. 403 TRANSPARENCY_DISABLED when switched off",
  })
  @ApiQuery({ name: 'from', required: false, description: `ISO 8601, inclusive (default: ${DATA_ACCESS_DEFAULT_DAYS} days before to)` })
  @ApiQuery({ name: 'to', required: false, description: `ISO 8601, exclusive (default: now); at most ${DATA_ACCESS_MAX_DAYS} days after from` })
  @ApiAnswer(
    'application/json',
    {
      type: 'object',
      properties: {
        data: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              partnerId: { type: 'string' },
              subject: { type: 'string', enum: ['CapacitySignal', 'Shipment', 'ShipmentEvent'] },
              field: { type: 'string' },
              day: { type: 'string', format: 'date' },
              count: { type: 'integer', description: 'Audited reads that returned this field of at least one of your records' },
            },
          },
        },
        meta: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' }, count: { type: 'integer' } } },
      },
    },
    { description: 'Counts per partner, subject, field and day' },
  )
  async dataAccess(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    onlyParams(query, ['from', 'to']);
    const { rows, from, to } = await recorded(req.gateway!.audit, this.me.dataAccess(callerOf(req), { from: query.from, to: query.to }));
    return { data: rows, meta: { from, to, count: rows.length } };
  }
}
