import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { recorded } from '../../audit/access-summary';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Actor, AgreementsService } from '../../agreements/agreements.service';
import { AGREEMENT_STATUSES } from '../../agreements/agreement-status';
import { Roles } from '../../auth/auth.decorators';
import { GatewayRequest } from '../gateway-request';
import { ApiAnswer, ApiEnvelope, ApiProblems } from './api-docs';
import { onlyParams } from './query-params';

const ONE = { type: 'object', required: ['data'], properties: { data: { $ref: '#/components/schemas/Agreement' } } };
const AgreementAnswer = (description: string, status = 200) => ApiAnswer('application/json', ONE, { description, status });
const AgreementList = () => ApiEnvelope('Agreement', { list: true, meta: 'CountMeta', description: 'The agreements' });

const AGREEMENT_BODY = {
  type: 'object',
  required: ['partnerId', 'title', 'terms', 'purposes', 'subjects', 'validUntil'],
  properties: {
    id: { type: 'string', description: 'optional; generated when left out' },
    partnerId: { type: 'string' },
    title: { type: 'string' },
    terms: { type: 'string' },
    purposes: { type: 'array', items: { type: 'string' } },
    subjects: { type: 'array', items: { type: 'string', enum: ['DemandSignal', 'CapacitySignal', 'Shipment', 'ShipmentEvent'] } },
    validFrom: { type: 'string', format: 'date-time', description: 'default: now' },
    validUntil: { type: 'string', format: 'date-time' },
  },
};
const NOTE_BODY = { required: false, schema: { type: 'object', properties: { note: { type: 'string' } } } };

function actorOf(req: GatewayRequest, role: Actor['role']): Actor {
  const p = req.gateway!.principal!;
  return { sub: p.sub, role, partnerId: p.partnerId ?? null };
}

/** Governance: data-sharing agreements (docs/governance-guide.md, "Agreements"). */
@ApiTags('governance')
@Controller('api/v1/agreements')
export class AgreementsController {
  constructor(private readonly agreements: AgreementsService) {}

  @Post()
  @Roles('governance')
  @ApiOperation({ summary: 'Offer an agreement to a partner (status offered); 404 for an unknown partner; 400 VALIDATION_FAILED naming each field at fault' })
  @ApiBody({ schema: AGREEMENT_BODY })
  @AgreementAnswer('The agreement, offered', 201)
  @ApiProblems(404, 409)
  async offer(@Req() req: GatewayRequest, @Body() body: unknown) {
    const audit = req.gateway!.audit;
    const { data } = await recorded(audit, this.agreements.offer(actorOf(req, 'governance'), body, audit));
    return { data };
  }

  @Get()
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'Agreements, optionally of one partner, in one status, or expiring within n days' })
  @ApiQuery({ name: 'partnerId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: AGREEMENT_STATUSES })
  @ApiQuery({ name: 'expiringWithinDays', required: false, description: 'active or accepted agreements whose validUntil falls within n days' })
  @AgreementList()
  async list(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    const filter = onlyParams(query, ['partnerId', 'status', 'expiringWithinDays']);
    const { data } = await recorded(req.gateway!.audit, this.agreements.list(filter));
    return { data, meta: { count: data.length } };
  }

  @Get(':id')
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'One agreement, its history, and the partners and rules that rest on it (`dependents`)' })
  @AgreementAnswer('The agreement')
  @ApiProblems(404)
  async get(@Req() req: GatewayRequest, @Param('id') id: string) {
    const { data } = await recorded(req.gateway!.audit, this.agreements.get(id));
    return { data };
  }

  @Post(':id/terminate')
  @HttpCode(200)
  @Roles('governance')
  @ApiOperation({ summary: 'End an agreement (or withdraw an offer) at once; rules naming it stop granting on the next request, on every replica' })
  @ApiBody(NOTE_BODY)
  @AgreementAnswer('The agreement, terminated')
  @ApiProblems(404, 409)
  async terminate(@Req() req: GatewayRequest, @Param('id') id: string, @Body() body: unknown) {
    const audit = req.gateway!.audit;
    const { data } = await recorded(audit, this.agreements.transition(actorOf(req, 'governance'), id, 'terminate', emptyToNull(body), audit));
    return { data };
  }

  @Post(':id/revisions')
  @HttpCode(201)
  @Roles('governance')
  @ApiOperation({ summary: 'Amend the terms: a new revision, offered again; the partner must accept it again (its rules stop granting until then)' })
  @ApiBody({ schema: { type: 'object', properties: { ...AGREEMENT_BODY.properties, note: { type: 'string' } } } })
  @AgreementAnswer('The new revision, offered', 201)
  @ApiProblems(404, 409)
  async revise(@Req() req: GatewayRequest, @Param('id') id: string, @Body() body: unknown) {
    const audit = req.gateway!.audit;
    const { data } = await recorded(audit, this.agreements.revise(actorOf(req, 'governance'), id, body, audit));
    return { data };
  }
}

/** A partner's own agreements. */
@ApiTags('me')
@Roles('partner')
@Controller('api/v1/me/agreements')
export class MyAgreementsController {
  constructor(private readonly agreements: AgreementsService) {}

  @Get()
  @ApiOperation({ summary: 'Your agreements, with their status and history' })
  @AgreementList()
  async list(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    const { data } = await recorded(req.gateway!.audit, this.agreements.listForPartner(req.gateway!.principal!.partnerId!));
    return { data, meta: { count: data.length } };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your agreements' })
  @AgreementAnswer('The agreement')
  @ApiProblems(404)
  async get(@Req() req: GatewayRequest, @Param('id') id: string) {
    const {
      data: { dependents: _dependents, ...data },
    } = await recorded(req.gateway!.audit, this.agreements.get(id, actorOf(req, 'partner')));
    return { data };
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept an offered agreement (or revision): the rules resting on it grant from its validFrom' })
  @ApiBody(NOTE_BODY)
  @AgreementAnswer('The agreement, accepted')
  @ApiProblems(404, 409)
  async accept(@Req() req: GatewayRequest, @Param('id') id: string, @Body() body: unknown) {
    const audit = req.gateway!.audit;
    const { data } = await recorded(audit, this.agreements.transition(actorOf(req, 'partner'), id, 'accept', emptyToNull(body), audit));
    return { data };
  }

  @Post(':id/decline')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decline an offered agreement' })
  @ApiBody(NOTE_BODY)
  @AgreementAnswer('The agreement, declined')
  @ApiProblems(404, 409)
  async decline(@Req() req: GatewayRequest, @Param('id') id: string, @Body() body: unknown) {
    const audit = req.gateway!.audit;
    const { data } = await recorded(audit, this.agreements.transition(actorOf(req, 'partner'), id, 'decline', emptyToNull(body), audit));
    return { data };
  }

  @Post(':id/terminate')
  @HttpCode(200)
  @ApiOperation({ summary: 'End an agreement at once' })
  @ApiBody(NOTE_BODY)
  @AgreementAnswer('The agreement, terminated')
  @ApiProblems(404, 409)
  async terminate(@Req() req: GatewayRequest, @Param('id') id: string, @Body() body: unknown) {
    const audit = req.gateway!.audit;
    const { data } = await recorded(audit, this.agreements.transition(actorOf(req, 'partner'), id, 'terminate', emptyToNull(body), audit));
    return { data };
  }
}

/** A POST with no body arrives as {}: the same as no note. */
function emptyToNull(body: unknown): unknown {
  return body && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0 ? null : body;
}
