import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { recorded } from '../../audit/access-summary';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { PolicyService } from '../../policy/policy.service';
import { ShadowService } from '../../shadow/shadow.service';
import { GatewayRequest, officerOf } from '../gateway-request';
import { ApiProblems } from './api-docs';
import { view } from './policy.controller';

const REPORT = { $ref: '#/components/schemas/ShadowReport' };

/** Shadow mode: a candidate policy judged beside the version in force on live requests (docs/governance-guide.md). */
@ApiTags('governance')
@Controller('api/v1/policies/:partnerId/shadow')
export class ShadowController {
  constructor(
    private readonly shadows: ShadowService,
    private readonly policies: PolicyService,
  ) {}

  @Put()
  @HttpCode(200)
  @Roles('governance')
  @ApiOperation({
    summary:
      "Run a candidate policy in shadow: the partner's live requests (REST and GraphQL) are judged by it too, after their answers, which it never changes; replaces a running shadow and its tallies",
  })
  @ApiBody({
    description: 'The candidate policy document as JSON (same shape as PUT /api/v1/policies/:partnerId), validated the same way',
    schema: { type: 'object' },
  })
  @ApiOkResponse({ description: 'The shadow, started (nothing counted yet)', content: { 'application/json': { schema: REPORT } } })
  @ApiProblems(404)
  async start(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Body() body: unknown) {
    return (await recorded(req.gateway!.audit, this.shadows.start(officerOf(req), partnerId, body))).report;
  }

  @Get()
  @Roles('governance')
  @ApiOperation({
    summary:
      'What the candidate would have answered differently since it started, summed over every replica: requests evaluated and differing, and per operation the rows and fields gained or lost (counts, field names and rule ids; no values)',
  })
  @ApiOkResponse({ description: 'The shadow report', content: { 'application/json': { schema: REPORT } } })
  @ApiProblems(404)
  async report(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string) {
    return (await recorded(req.gateway!.audit, this.shadows.report(partnerId))).report;
  }

  @Delete()
  @HttpCode(204)
  @Roles('governance')
  @ApiOperation({ summary: 'Stop the shadow; its tallies are dropped' })
  @ApiNoContentResponse({ description: 'Stopped' })
  @ApiProblems(404)
  async stop(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string): Promise<void> {
    await recorded(req.gateway!.audit, this.shadows.stop(officerOf(req), partnerId));
  }

  @Post('promote')
  @HttpCode(201)
  @Roles('governance')
  @ApiOperation({
    summary: 'Propose the candidate as a new version (pending: another officer approves it, four eyes); the shadow keeps running until stopped',
  })
  @ApiBody({ required: false, schema: { type: 'object', properties: { note: { type: 'string' } } } })
  @ApiCreatedResponse({
    description: 'The proposed version',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['data', 'meta'],
          properties: {
            data: { $ref: '#/components/schemas/PolicyVersion' },
            meta: {
              type: 'object',
              properties: {
                version: { type: 'integer' },
                previousVersion: { type: 'integer', nullable: true },
                state: { type: 'string', example: 'proposed' },
              },
            },
          },
        },
      },
    },
  })
  @ApiProblems(404)
  async promote(@Req() req: GatewayRequest, @Param('partnerId') partnerId: string, @Body() body: { note?: unknown } | undefined) {
    const note = body?.note;
    if (note !== undefined && note !== null && typeof note !== 'string') throw GatewayError.validation(['note must be a string']);
    const result = await recorded(req.gateway!.audit, this.shadows.promote(officerOf(req), partnerId, note ?? null));
    const p = await this.policies.loadVersion(partnerId, result.version);
    return { data: view(p!), meta: { version: result.version, previousVersion: result.previous, state: result.state } };
  }
}
