import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/auth.decorators';
import { GatewayError } from '../common/gateway-error';
import { GatewayRequest } from '../common/gateway-request';
import { DatabaseService } from '../database/database.service';
import { GovernanceService, SimulateRequest } from './governance.service';
import { PolicyAdministration } from './policy-administration.service';
import { PolicyVersionEntity } from './policy-version.entity';
import { PolicyInForce, PolicyService } from './policy.service';

/** Governance: policies as versioned data (docs/governance-guide.md). Only governance officers change them. */
@ApiTags('governance')
@Controller('api/v1')
export class PolicyController {
  constructor(
    private readonly policies: PolicyService,
    private readonly admin: PolicyAdministration,
    private readonly governance: GovernanceService,
    private readonly db: DatabaseService,
  ) {}

  @Get('policies')
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'Every partner policy in force' })
  async list(@Req() req: GatewayRequest) {
    const all = await this.policies.listInForce();
    note(req, 'read', all.map((p) => p.partnerId));
    return { data: all.map(view), meta: { count: all.length } };
  }

  @Get('policies/:partnerId')
  @Roles('governance', 'admin')
  @ApiOperation({ summary: "A partner's policy in force, with its version" })
  async get(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string) {
    note(req, 'read', [partnerId]);
    const p = await this.mustExist(partnerId);
    return { data: view(p), meta: { version: p.version } };
  }

  @Get('policies/:partnerId/versions')
  @Roles('governance', 'admin')
  @ApiOperation({ summary: "Every version of a partner's policy, newest first, with author, time and state" })
  async versions(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string) {
    note(req, 'read', [partnerId]);
    const rows = await this.db.read((m) => m.find(PolicyVersionEntity, { where: { partnerId }, order: { version: 'DESC' } }));
    if (rows.length === 0) throw GatewayError.notFound('Policy', partnerId);
    const current = await this.policies.inForceOrNull(partnerId);
    req.gateway!.audit.rowCount = rows.length;
    return {
      data: rows.map((v) => ({
        version: v.version, author: v.author, createdAt: v.createdAt, note: v.note, state: v.state, approvedBy: v.approvedBy,
        inForce: v.version === current?.version, documentHash: v.documentHash,
      })),
      meta: { inForce: current?.version ?? null },
    };
  }

  @Get('policies/:partnerId/versions/:version')
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'One version of a policy, with its document' })
  async version(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Param('version') version: string) {
    note(req, 'read', [partnerId]);
    const p = await this.policies.loadVersion(partnerId, versionNumber(version));
    if (!p) throw GatewayError.notFound('PolicyVersion', `${partnerId}@${version}`);
    return { data: view(p), meta: { version: p.version } };
  }

  @Put('policies/:partnerId')
  @HttpCode(200)
  @Roles('governance')
  @ApiOperation({ summary: 'Put a new version (validated, its own tests run; in force at once, or proposed when approval is required)' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you edited; 409 if another was put in force meanwhile' })
  @ApiBody({ description: 'The policy document as JSON (same shape as policies/*.yaml); optional top-level `note`', schema: { type: 'object' } })
  async put(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Body() body: unknown, @Headers('if-match') ifMatch?: string) {
    const { note: changeNote, document } = splitNote(body);
    const result = await this.admin.put(req, partnerId, document, changeNote, parseIfMatch(ifMatch));
    const p = await this.policies.loadVersion(partnerId, result.version);
    return { data: view(p!), meta: { version: result.version, previousVersion: result.previous, state: result.state } };
  }

  @Post('policies/:partnerId/rollback')
  @HttpCode(200)
  @Roles('governance')
  @ApiOperation({ summary: 'Put an earlier version back in force, as a new version equal to it' })
  @ApiBody({ schema: { type: 'object', properties: { version: { type: 'integer' }, note: { type: 'string' } }, required: ['version'] } })
  async rollback(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Body() body: { version?: unknown; note?: unknown }) {
    if (!Number.isInteger(body?.version) || (body.version as number) < 1) throw GatewayError.validation(['version must be a version number']);
    const result = await this.admin.rollback(req, partnerId, body.version as number, typeof body.note === 'string' ? body.note : null);
    const p = await this.policies.loadVersion(partnerId, result.version);
    return { data: view(p!), meta: { version: result.version, previousVersion: result.previous, rolledBackTo: body.version } };
  }

  @Post('policies/:partnerId/versions/:version/approve')
  @HttpCode(200)
  @Roles('governance')
  @ApiOperation({ summary: 'Approve a proposed version (four eyes): another officer than its author puts it in force' })
  async approve(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Param('version') version: string) {
    const result = await this.admin.approve(req, partnerId, versionNumber(version));
    const p = await this.policies.loadVersion(partnerId, result.version);
    return { data: view(p!), meta: { version: result.version, previousVersion: result.previous, approvedBy: req.gateway!.principal!.sub } };
  }

  @Post('policies/:partnerId/simulate')
  @HttpCode(200)
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'What a draft (or the version in force) allows, field by field, with the deciding rules and the effect on stored rows' })
  @ApiBody({ schema: { type: 'object', properties: { document: { type: 'object' }, action: { type: 'string' }, subject: { type: 'string' }, purpose: { type: 'string' }, record: { type: 'object' } }, required: ['action', 'subject', 'purpose'] } })
  async simulate(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Body() body: SimulateRequest) {
    note(req, 'simulate', [partnerId]);
    return { data: await this.governance.simulate(partnerId, body ?? ({} as SimulateRequest)), meta: {} };
  }

  @Post('policies/:partnerId/diff')
  @HttpCode(200)
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'Field by field what changes between two versions, or between a draft and the version in force' })
  @ApiBody({ schema: { type: 'object', properties: { document: { type: 'object' }, from: { type: 'integer' }, to: { type: 'integer' } } } })
  async diff(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Body() body: { document?: unknown; from?: unknown; to?: unknown }) {
    note(req, 'simulate', [partnerId]);
    const current = await this.mustExist(partnerId);
    const load = async (v: unknown, name: string) => {
      if (!Number.isInteger(v)) throw GatewayError.validation([`${name} must be a version number`]);
      const p = await this.policies.loadVersion(partnerId, v as number);
      if (!p) throw GatewayError.notFound('PolicyVersion', `${partnerId}@${v}`);
      return p.document;
    };
    const from = body?.from !== undefined ? await load(body.from, 'from') : current.document;
    const to = body?.document !== undefined ? this.governance.checkDraft(body.document, partnerId, { runTests: false }) : body?.to !== undefined ? await load(body.to, 'to') : current.document;
    return { data: await this.governance.diff(partnerId, from, to), meta: {} };
  }

  @Get('access-matrix')
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'Who can see what: partner × subject × action × purpose → fields, for every policy in force' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  async accessMatrix(@Req() req: GatewayRequest, @Res({ passthrough: true }) res: Response, @Query('format') format?: string) {
    if (format !== undefined && format !== 'json' && format !== 'csv') throw GatewayError.validation(['format must be json or csv']);
    const rows = await this.governance.accessMatrix();
    note(req, 'read', [...new Set(rows.map((r) => r.partnerId))]);
    if (format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      return ['partnerId,subject,action,purpose,rows,fields', ...rows.map((r) => [r.partnerId, r.subject, r.action, r.purpose, r.rows, r.fields.join(' ')].join(','))].join('\n') + '\n';
    }
    return { data: rows, meta: { count: rows.length } };
  }

  private async mustExist(partnerId: string): Promise<PolicyInForce> {
    const p = await this.policies.inForceOrNull(partnerId);
    if (!p) throw GatewayError.notFound('Policy', partnerId);
    return p;
  }
}

function note(req: GatewayRequest, action: string, ids: string[]): void {
  const record = req.gateway!.audit;
  record.touch(action, 'Policy');
  for (const id of ids) record.resourceIds.add(id);
  record.rowCount = ids.length;
}

export function view(p: PolicyInForce) {
  return { partnerId: p.partnerId, version: p.version, author: p.author, createdAt: p.createdAt, note: p.note, document: p.document };
}

function versionNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw GatewayError.validation(['version must be a version number']);
  return Number(value);
}

function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/^W\//, '').replace(/"/g, ''));
  if (!Number.isInteger(n) || n < 0) throw GatewayError.validation(['If-Match must be a policy version number']);
  return n;
}

/** A PUT body may carry a change `note` beside the document. */
function splitNote(body: unknown): { note: string | null; document: unknown } {
  if (body && typeof body === 'object' && !Array.isArray(body) && Object.prototype.hasOwnProperty.call(body, 'note')) {
    const { note: n, ...document } = body as Record<string, unknown>;
    if (n !== undefined && n !== null && typeof n !== 'string') throw GatewayError.validation(['note must be a string']);
    return { note: (n as string | null) ?? null, document };
  }
  return { note: null, document: body };
}
