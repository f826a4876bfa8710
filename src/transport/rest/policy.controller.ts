import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { deciding, recorded, summaryOf } from '../../audit/access-summary';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { GatewayRequest, officerOf } from '../gateway-request';
import { GovernanceService, SimulateRequest } from '../../governance/governance.service';
import { PolicyAdministration } from '../../governance/policy-administration.service';
import { etagOf, parseIfMatch } from '../../policy/policy-etag';
import { ApiEnvelope, ApiProblems } from './api-docs';
import { PolicyInForce, PolicyService } from '../../policy/policy.service';
import { onlyParams } from './query-params';

const REASON_MAX = 1000;

const VERSION_META = { type: 'object', properties: { version: { type: 'integer' } } };
const CHANGE_META = {
  type: 'object',
  properties: {
    version: { type: 'integer' },
    previousVersion: { type: 'integer', nullable: true },
    state: { type: 'string', example: 'in-force' },
    baseVersion: { type: 'integer' },
    rolledBackTo: { type: 'integer' },
    approvedBy: { type: 'string' },
  },
};
const ACCESS_ROW = {
  type: 'object',
  properties: {
    partnerId: { type: 'string' },
    subject: { type: 'string' },
    action: { type: 'string' },
    purpose: { type: 'string' },
    rows: { type: 'string' },
    fields: { type: 'array', items: { type: 'string' } },
    fieldsOnSomeRows: { type: 'array', items: { type: 'string' } },
    agreementIds: { type: 'array', items: { type: 'string' } },
    transformedFields: {
      type: 'array',
      description: 'Read entries: fields some grant shares only transformed (a field may have several grants; the least transformed wins on a row)',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, transform: { type: 'string', example: 'round 100' }, ruleId: { type: 'string', nullable: true } },
      },
    },
    aggregates: {
      type: 'array',
      description: 'Aggregate entries: what each aggregate rule lets the partner group and measure',
      items: {
        type: 'object',
        properties: {
          ruleId: { type: 'string', nullable: true },
          groupBy: { type: 'array', items: { type: 'string' } },
          measures: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string', enum: ['count', 'sum', 'avg', 'min', 'max'] } } },
          minGroupSize: { type: 'integer' },
          conditions: { type: 'object', nullable: true, additionalProperties: true },
        },
      },
    },
    aggregateOnly: { type: 'boolean', description: 'Aggregate entries: no read rule of the purpose shares rows of the subject' },
  },
};

const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description:
    'The ETag of GET /api/v1/policies/:partnerId (the version in force you edited), e.g. "3"; also * or a list. ' +
    '412 PRECONDITION_FAILED if another version is in force; required (428 PRECONDITION_REQUIRED) where the version in force says `approval: required`',
};

/** Governance: policies as versioned data (docs/governance-guide.md). Only governance officers change them. */
@ApiTags('governance')
@Controller('api/v1')
export class PolicyController {
  constructor(
    private readonly policies: PolicyService,
    private readonly admin: PolicyAdministration,
    private readonly governance: GovernanceService,
  ) {}

  @Get('policies')
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'Every partner policy in force' })
  @ApiEnvelope('PolicyVersion', { list: true, meta: 'CountMeta', description: 'Every policy in force' })
  async list(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    const all = await this.policies.listInForce();
    note(
      req,
      'read',
      all.map((p) => p.partnerId),
    );
    return { data: all.map(view), meta: { count: all.length } };
  }

  @Get('policies/:partnerId')
  @Roles('governance', 'admin')
  @ApiOperation({ summary: "A partner's policy in force, with its version; its ETag is what If-Match takes on PUT, rollback and approve" })
  @ApiEnvelope('PolicyVersion', {
    meta: VERSION_META,
    description: 'The version in force',
    headers: { ETag: { description: 'The version in force as a strong entity tag, e.g. "3"', schema: { type: 'string' } } },
  })
  @ApiProblems(404)
  async get(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) res: Response,
    @Param('partnerId') partnerId: string,
    @Query() query: Record<string, unknown>,
  ) {
    onlyParams(query, []);
    note(req, 'read', [partnerId]);
    const p = await this.mustExist(partnerId);
    res.setHeader('ETag', etagOf(p.version));
    return { data: view(p), meta: { version: p.version } };
  }

  @Get('policies/:partnerId/versions')
  @Roles('governance', 'admin')
  @ApiOperation({ summary: "Every version of a partner's policy, newest first, with author, time and state" })
  @ApiEnvelope('PolicyVersionSummary', {
    list: true,
    meta: { type: 'object', properties: { inForce: { type: 'integer', nullable: true } } },
    description: 'Every version, newest first',
  })
  @ApiProblems(404)
  async versions(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    const asked = summaryOf({ actions: ['read'], subjects: ['Policy'], resourceIds: [partnerId], rowCount: 1 });
    const { rows } = await recorded(
      req.gateway!.audit,
      deciding(asked, async () => {
        const rows = await this.policies.listVersions(partnerId);
        if (rows.length === 0) throw GatewayError.notFound('Policy', partnerId);
        return { rows, summary: summaryOf({ ...asked, rowCount: rows.length }) };
      }),
    );
    return { data: rows, meta: { inForce: rows.find((v) => v.inForce)?.version ?? null } };
  }

  @Get('policies/:partnerId/versions/:version')
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'One version of a policy, with its document' })
  @ApiEnvelope('PolicyVersion', { meta: VERSION_META, description: 'The version' })
  @ApiProblems(404)
  async version(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Param('version') version: string, @Query() query: Record<string, unknown>) {
    onlyParams(query, []);
    note(req, 'read', [partnerId]);
    const p = await this.policies.loadVersion(partnerId, versionNumber(version));
    if (!p) throw GatewayError.notFound('PolicyVersion', `${partnerId}@${version}`);
    return { data: view(p), meta: { version: p.version } };
  }

  @Put('policies/:partnerId')
  @HttpCode(200)
  @Roles('governance')
  @ApiOperation({ summary: 'Put a new version (validated, its own tests run; in force at once, or proposed when approval is required)' })
  @ApiEnvelope('PolicyVersion', {
    meta: CHANGE_META,
    description: 'The version written (in force, or proposed)',
    headers: { ETag: { description: 'The version in force as a strong entity tag, e.g. "3"', schema: { type: 'string' } } },
  })
  @ApiHeader(IF_MATCH)
  @ApiPreconditionResponses()
  @ApiBody({
    description: 'The policy document as JSON (same shape as policies/*.yaml); optional top-level `note`',
    schema: { type: 'object', additionalProperties: true },
  })
  async put(@Req() req: GatewayRequest, @Res({ passthrough: true }) res: Response, @Param('partnerId') partnerId: string, @Body() body: unknown) {
    const precondition = parseIfMatch(ifMatchOf(req));
    const { note: changeNote, document } = splitNote(body);
    const result = await recorded(req.gateway!.audit, this.admin.put(officerOf(req), partnerId, document, changeNote, precondition));
    const p = await this.policies.loadVersion(partnerId, result.version);
    if (result.inForce > 0) res.setHeader('ETag', etagOf(result.inForce));
    return { data: view(p!), meta: { version: result.version, previousVersion: result.previous, state: result.state, baseVersion: result.previous ?? 0 } };
  }

  @Post('policies/:partnerId/rollback')
  @HttpCode(200)
  @Roles('governance')
  @ApiOperation({ summary: 'Put an earlier version back in force, as a new version equal to it' })
  @ApiEnvelope('PolicyVersion', {
    meta: CHANGE_META,
    description: 'The new version',
    headers: { ETag: { description: 'The version in force as a strong entity tag, e.g. "3"', schema: { type: 'string' } } },
  })
  @ApiProblems(404)
  @ApiHeader(IF_MATCH)
  @ApiPreconditionResponses()
  @ApiBody({ schema: { type: 'object', properties: { version: { type: 'integer' }, note: { type: 'string' } }, required: ['version'] } })
  async rollback(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) res: Response,
    @Param('partnerId') partnerId: string,
    @Body() body: { version?: unknown; note?: unknown },
  ) {
    const precondition = parseIfMatch(ifMatchOf(req));
    if (!Number.isInteger(body?.version) || (body.version as number) < 1) throw GatewayError.validation(['version must be a version number']);
    const result = await recorded(
      req.gateway!.audit,
      this.admin.rollback(officerOf(req), partnerId, body.version as number, typeof body.note === 'string' ? body.note : null, precondition),
    );
    const p = await this.policies.loadVersion(partnerId, result.version);
    if (result.inForce > 0) res.setHeader('ETag', etagOf(result.inForce));
    return { data: view(p!), meta: { version: result.version, previousVersion: result.previous, rolledBackTo: body.version, state: result.state } };
  }

  @Post('policies/:partnerId/versions/:version/approve')
  @HttpCode(200)
  @Roles('governance')
  @ApiOperation({
    summary: 'Approve a proposed version (four eyes): another officer than its author puts it in force, if it was proposed against the version still in force',
  })
  @ApiHeader({
    ...IF_MATCH,
    required: true,
    description:
      'The ETag of GET /api/v1/policies/:partnerId (the version in force you reviewed the proposal against): 428 without it, 412 if another is in force',
  })
  @ApiPreconditionResponses()
  @ApiEnvelope('PolicyVersion', {
    meta: CHANGE_META,
    description: 'The version now in force',
    headers: { ETag: { description: 'The version in force as a strong entity tag, e.g. "3"', schema: { type: 'string' } } },
  })
  @ApiProblems(404)
  @ApiResponse({
    status: 409,
    description:
      '`PROPOSAL_STALE`: another version came into force after the proposal was made; `CONFLICT`: the version is no open proposal (already approved, rejected or withdrawn)',
  })
  async approve(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) res: Response,
    @Param('partnerId') partnerId: string,
    @Param('version') version: string,
  ) {
    const n = versionNumber(version);
    const result = await recorded(req.gateway!.audit, this.admin.approve(officerOf(req), partnerId, n, parseIfMatch(ifMatchOf(req))));
    const p = await this.policies.loadVersion(partnerId, result.version);
    res.setHeader('ETag', etagOf(result.inForce));
    return { data: view(p!), meta: { version: result.version, previousVersion: result.previous, approvedBy: req.gateway!.principal!.sub } };
  }

  @Post('policies/:partnerId/versions/:version/reject')
  @HttpCode(200)
  @Roles('governance')
  @ApiOperation({ summary: 'Reject an open proposal (four eyes: another officer than its author), with a reason; it can no longer be approved' })
  @ApiEnvelope('PolicyVersionSummary', { meta: 'DecisionMeta', description: 'The version, now rejected' })
  @ApiProblems(404, 409)
  @ApiBody({ schema: { type: 'object', properties: { reason: { type: 'string', maxLength: REASON_MAX } }, required: ['reason'] } })
  @ApiResponse({ status: 409, description: '`CONFLICT`: the version is no open proposal' })
  async reject(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Param('version') version: string, @Body() body: { reason?: unknown }) {
    const n = versionNumber(version);
    const reason = reasonOf(body, true)!;
    const result = await recorded(req.gateway!.audit, this.admin.reject(officerOf(req), partnerId, n, reason));
    return { data: await this.decided(partnerId, result.version), meta: { version: result.version, inForce: result.inForce || null } };
  }

  @Post('policies/:partnerId/versions/:version/withdraw')
  @HttpCode(200)
  @Roles('governance')
  @ApiOperation({ summary: 'Withdraw your own open proposal (its author only); it can no longer be approved' })
  @ApiEnvelope('PolicyVersionSummary', { meta: 'DecisionMeta', description: 'The version, now withdrawn' })
  @ApiProblems(404)
  @ApiBody({ required: false, schema: { type: 'object', properties: { reason: { type: 'string', maxLength: REASON_MAX } } } })
  @ApiResponse({ status: 409, description: '`CONFLICT`: the version is no open proposal' })
  async withdraw(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Param('version') version: string, @Body() body: { reason?: unknown }) {
    const n = versionNumber(version);
    const reason = reasonOf(body, false);
    const result = await recorded(req.gateway!.audit, this.admin.withdraw(officerOf(req), partnerId, n, reason));
    return { data: await this.decided(partnerId, result.version), meta: { version: result.version, inForce: result.inForce || null } };
  }

  @Post('policies/:partnerId/simulate')
  @HttpCode(200)
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'What a draft (or the version in force) allows, field by field, with the deciding rules and the effect on stored rows' })
  @ApiEnvelope(
    {
      type: 'object',
      additionalProperties: true,
      description: 'Fields allowed and refused, the deciding rules, and the effect on stored rows (docs/governance-guide.md)',
    },
    { meta: 'EmptyMeta', description: 'The simulation' },
  )
  @ApiProblems(404)
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        document: { type: 'object', additionalProperties: true },
        action: { type: 'string', enum: ['read', 'create', 'update', 'aggregate'] },
        subject: { type: 'string' },
        purpose: { type: 'string' },
        record: { type: 'object', additionalProperties: true },
        withoutAgreements: { type: 'array', items: { type: 'string' } },
      },
      required: ['action', 'subject', 'purpose'],
    },
  })
  async simulate(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Body() body: SimulateRequest) {
    note(req, 'simulate', [partnerId]);
    return { data: await this.governance.simulate(partnerId, body ?? ({} as SimulateRequest)), meta: {} };
  }

  @Post('policies/:partnerId/diff')
  @HttpCode(200)
  @Roles('governance', 'admin')
  @ApiOperation({ summary: 'Field by field what changes between two versions, or between a draft and the version in force' })
  @ApiEnvelope(
    {
      type: 'object',
      additionalProperties: true,
      description:
        'changes: per purpose, subject and action the fields gained and lost, those with changed conditions, and the agreements the grants rest on before and after; rules: the rules added, removed or changed with their agreement; agreements: the status of each agreement named; impact: rows and fields per purpose and subject (docs/governance-guide.md)',
    },
    { meta: 'EmptyMeta', description: 'The difference' },
  )
  @ApiProblems(404)
  @ApiBody({
    schema: { type: 'object', properties: { document: { type: 'object', additionalProperties: true }, from: { type: 'integer' }, to: { type: 'integer' } } },
  })
  async diff(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Body() body: { document?: unknown; from?: unknown; to?: unknown }) {
    note(req, 'simulate', [partnerId]);
    const current = await this.mustExist(partnerId);
    const load = async (v: unknown, name: string) => {
      if (!Number.isInteger(v)) throw GatewayError.validation([`${name} must be a version number`]);
      const p = await this.policies.loadVersion(partnerId, v as number);
      if (!p) throw GatewayError.notFound('PolicyVersion', `${partnerId}@${String(v)}`);
      return p.document;
    };
    const from = body?.from !== undefined ? await load(body.from, 'from') : current.document;
    const to =
      body?.document !== undefined
        ? this.governance.checkDraft(body.document, partnerId, { runTests: false })
        : body?.to !== undefined
          ? await load(body.to, 'to')
          : current.document;
    return { data: await this.governance.diff(partnerId, from, to), meta: {} };
  }

  @Get('access-matrix')
  @Roles('governance', 'admin')
  @ApiOperation({
    summary:
      'Who can see what: partner × subject × action (read, create, update, aggregate) × purpose → fields, for every policy in force; `fieldsOnSomeRows` names those of `fields` that some rows in scope withhold, `transformedFields` those shared transformed, `aggregateOnly` subjects shared as totals only',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: 'json (default) or csv' })
  @ApiEnvelope(ACCESS_ROW, {
    list: true,
    meta: 'CountMeta',
    description: 'One row per partner, subject, action and purpose (format=json; as CSV with format=csv)',
    alsoAs: { 'text/csv': { type: 'string' } },
  })
  async accessMatrix(@Req() req: GatewayRequest, @Res({ passthrough: true }) res: Response, @Query() query: Record<string, unknown>) {
    const { format } = onlyParams(query, ['format']);
    if (format !== undefined && format !== 'json' && format !== 'csv') throw GatewayError.validation(['format must be json or csv']);
    const rows = await this.governance.accessMatrix();
    note(req, 'read', [...new Set(rows.map((r) => r.partnerId))]);
    if (format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      // New columns go last, so readers of the earlier columns by position keep working.
      return (
        [
          'partnerId,subject,action,purpose,rows,fields,fieldsOnSomeRows',
          ...rows.map((r) => [r.partnerId, r.subject, r.action, r.purpose, r.rows, r.fields.join(' '), r.fieldsOnSomeRows.join(' ')].join(',')),
        ].join('\n') + '\n'
      );
    }
    return { data: rows, meta: { count: rows.length } };
  }

  private async decided(partnerId: string, version: number) {
    return (await this.policies.listVersions(partnerId)).find((v) => v.version === version)!;
  }

  private async mustExist(partnerId: string): Promise<PolicyInForce> {
    const p = await this.policies.inForceOrNull(partnerId);
    if (!p) throw GatewayError.notFound('Policy', partnerId);
    return p;
  }
}

function note(req: GatewayRequest, action: string, ids: string[]): void {
  const record = req.gateway!.audit;
  record.add(summaryOf({ actions: [action], subjects: ['Policy'], resourceIds: ids, rowCount: ids.length }));
}

export function view(p: PolicyInForce) {
  return { partnerId: p.partnerId, version: p.version, author: p.author, createdAt: p.createdAt, note: p.note, document: p.document };
}

function versionNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw GatewayError.validation(['version must be a version number']);
  return Number(value);
}

/** A decision's reason: required for a rejection, optional for a withdrawal; at most REASON_MAX characters. */
function reasonOf(body: { reason?: unknown } | undefined, required: boolean): string | null {
  const r = body?.reason;
  if (r === undefined || r === null) {
    if (required) throw GatewayError.validation(['reason is required: say why the proposal is rejected']);
    return null;
  }
  if (typeof r !== 'string' || r.trim() === '' || r.length > REASON_MAX)
    throw GatewayError.validation([`reason must be a non-empty string of at most ${REASON_MAX} characters`]);
  return r;
}

/**
 * Read from the request rather than with @Headers('if-match'): that decorator would declare a second,
 * required `if-match` parameter in the OpenAPI document beside the documented `If-Match`.
 */
function ifMatchOf(req: GatewayRequest): string | undefined {
  return req.get('if-match');
}

function ApiPreconditionResponses() {
  return applyDecorators(ApiProblems(404, 409, 412, 428));
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
