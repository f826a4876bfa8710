import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { callerOf } from '../caller-of';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/webhook-queue';
import { WebhooksService } from '../../webhooks/webhooks.service';
import { GatewayRequest } from '../gateway-request';
import { parseLimit } from './audit.controller';
import { ApiEnvelope, ApiProblems, PurposeHeader } from './api-docs';

const EVENTS = { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] }, minItems: 1 };
const ENDPOINT = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string', example: 'https://hooks.northwind.example/gateway' },
    events: EVENTS,
    description: { type: 'string', nullable: true },
    purpose: { type: 'string', description: 'Deliveries are judged under this purpose' },
    enabled: { type: 'boolean' },
    status: { type: 'string', enum: ['active', 'disabled'] },
    disabledReason: { type: 'string', nullable: true },
    disabledAt: { type: 'string', nullable: true },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
};
const WITH_SECRET = {
  ...ENDPOINT,
  properties: { ...ENDPOINT.properties, secret: { type: 'string', example: 'whsec_…', description: 'Shown once: keep it to verify signatures' } },
};
const DELIVERY = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'Also the webhook-id header' },
    eventType: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] },
    subject: { type: 'string' },
    recordId: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed', 'skipped', 'cancelled'] },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'string', nullable: true },
    lastAttemptAt: { type: 'string', nullable: true },
    lastStatus: { type: 'integer', nullable: true },
    lastError: { type: 'string', nullable: true },
    occurredAt: { type: 'string' },
    createdAt: { type: 'string' },
    settledAt: { type: 'string', nullable: true },
  },
};

/** A partner's webhook endpoints and their delivery history (contract section 11). */
@ApiTags('webhooks')
@Roles('partner')
@Controller('api/v1/me/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary:
      'Register an endpoint for event types; answers its secret once. The URL must not resolve to a loopback, link-local or private address, and must be https: in production',
  })
  @PurposeHeader()
  @ApiBody({
    schema: {
      type: 'object',
      required: ['url', 'events'],
      properties: { url: { type: 'string' }, events: EVENTS, description: { type: 'string' }, purpose: { type: 'string' } },
    },
  })
  @ApiEnvelope(WITH_SECRET, { status: 201, meta: 'EmptyMeta', description: 'The endpoint, with its secret (shown once)' })
  async create(@Req() req: GatewayRequest, @Body() body: unknown) {
    return { data: await this.webhooks.create(callerOf(req), body), meta: {} };
  }

  @Get()
  @ApiOperation({ summary: 'Your webhook endpoints (secrets are never shown again)' })
  @ApiEnvelope(ENDPOINT, { list: true, meta: 'CountMeta', description: 'Your endpoints' })
  async list(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    const data = await this.webhooks.list(callerOf(req));
    return { data, meta: { count: data.length } };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your webhook endpoints' })
  @ApiEnvelope(ENDPOINT, { meta: 'EmptyMeta', description: 'The endpoint' })
  @ApiProblems(404)
  async get(@Req() req: GatewayRequest, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    return { data: await this.webhooks.get(callerOf(req), id), meta: {} };
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change url, events, description, purpose, or enabled (enabling again clears the reason it was disabled)' })
  @PurposeHeader()
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        url: { type: 'string' },
        events: EVENTS,
        description: { type: 'string', nullable: true },
        purpose: { type: 'string' },
        enabled: { type: 'boolean' },
      },
    },
  })
  @ApiEnvelope(ENDPOINT, { meta: 'EmptyMeta', description: 'The endpoint, changed' })
  @ApiProblems(404)
  async update(@Req() req: GatewayRequest, @Param('id') id: string, @Body() body: unknown) {
    return { data: await this.webhooks.update(callerOf(req), id, body), meta: {} };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint with its delivery history' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404)
  async remove(@Req() req: GatewayRequest, @Param('id') id: string): Promise<void> {
    await this.webhooks.remove(callerOf(req), id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret, shown once; the old one stops signing at once' })
  @ApiEnvelope(WITH_SECRET, { meta: 'EmptyMeta', description: 'The endpoint, with its new secret (shown once)' })
  @ApiProblems(404)
  async rotate(@Req() req: GatewayRequest, @Param('id') id: string) {
    return { data: await this.webhooks.rotateSecret(callerOf(req), id), meta: {} };
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "The endpoint's deliveries, newest first: status, attempts, the last answer" })
  @ApiQuery({ name: 'limit', required: false, description: 'default 100, at most 1000' })
  @ApiEnvelope(DELIVERY, { list: true, meta: 'CountMeta', description: 'Deliveries, newest first' })
  @ApiProblems(404)
  async deliveries(@Req() req: GatewayRequest, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    onlyParams(query, ['limit']);
    const data = await this.webhooks.deliveries(callerOf(req), id, parseLimit(query.limit));
    return { data, meta: { count: data.length } };
  }
}

function onlyParams(query: Record<string, unknown>, allowed: string[]): void {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw GatewayError.validation(unknown.map((k) => `unknown query parameter '${k}'`));
}
