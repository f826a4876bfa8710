import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { recorded } from '../../audit/access-summary';
import { callerOf } from '../caller-of';
import { Roles } from '../../auth/auth.decorators';
import { WebhooksService } from '../../webhooks/webhooks.service';
import { GatewayRequest } from '../gateway-request';
import { parseLimit } from './audit.controller';
import { ApiEnvelope, ApiProblems, PurposeHeader } from './api-docs';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/webhook-queue';
import { onlyParams } from './query-params';

const EVENTS = { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] }, minItems: 1 };

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
  @ApiEnvelope('WebhookEndpointWithSecret', { status: 201, meta: 'EmptyMeta', description: 'The endpoint, with its secret (shown once)' })
  async create(@Req() req: GatewayRequest, @Body() body: unknown) {
    const { data } = await recorded(req.gateway!.audit, this.webhooks.create(callerOf(req), body));
    return { data, meta: {} };
  }

  @Get()
  @ApiOperation({ summary: 'Your webhook endpoints (secrets are never shown again)' })
  @ApiEnvelope('WebhookEndpoint', { list: true, meta: 'CountMeta', description: 'Your endpoints' })
  async list(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    const { data } = await recorded(req.gateway!.audit, this.webhooks.list(callerOf(req)));
    return { data, meta: { count: data.length } };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your webhook endpoints' })
  @ApiEnvelope('WebhookEndpoint', { meta: 'EmptyMeta', description: 'The endpoint' })
  @ApiProblems(404)
  async get(@Req() req: GatewayRequest, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    const { data } = await recorded(req.gateway!.audit, this.webhooks.get(callerOf(req), id));
    return { data, meta: {} };
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
  @ApiEnvelope('WebhookEndpoint', { meta: 'EmptyMeta', description: 'The endpoint, changed' })
  @ApiProblems(404)
  async update(@Req() req: GatewayRequest, @Param('id') id: string, @Body() body: unknown) {
    const { data } = await recorded(req.gateway!.audit, this.webhooks.update(callerOf(req), id, body));
    return { data, meta: {} };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint with its delivery history' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404)
  async remove(@Req() req: GatewayRequest, @Param('id') id: string): Promise<void> {
    await recorded(req.gateway!.audit, this.webhooks.remove(callerOf(req), id));
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret, shown once; the old one stops signing at once' })
  @ApiEnvelope('WebhookEndpointWithSecret', { meta: 'EmptyMeta', description: 'The endpoint, with its new secret (shown once)' })
  @ApiProblems(404)
  async rotate(@Req() req: GatewayRequest, @Param('id') id: string) {
    const { data } = await recorded(req.gateway!.audit, this.webhooks.rotateSecret(callerOf(req), id));
    return { data, meta: {} };
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "The endpoint's deliveries, newest first: status, attempts, the last answer" })
  @ApiQuery({ name: 'limit', required: false, description: 'default 100, at most 1000' })
  @ApiEnvelope('WebhookDelivery', { list: true, meta: 'CountMeta', description: 'Deliveries, newest first' })
  @ApiProblems(404)
  async deliveries(@Req() req: GatewayRequest, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    onlyParams(query, ['limit']);
    const { data } = await recorded(req.gateway!.audit, this.webhooks.deliveries(callerOf(req), id, parseLimit(query.limit)));
    return { data, meta: { count: data.length } };
  }
}
