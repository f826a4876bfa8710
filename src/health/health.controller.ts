import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Request, Response } from 'express';
import { AuditService } from '../audit/audit.service';
import { Public } from '../auth/auth.decorators';
import { GatewayError } from '../common/gateway-error';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { AuditWritableProbe } from './audit-writable.probe';
import { MetricsService } from '../observability/metrics.service';
import { ShutdownState } from './shutdown-state';

const HEALTH = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok', 'error'] }, info: { type: 'object' }, error: { type: 'object' }, details: { type: 'object' } },
};

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly typeorm: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly db: DatabaseService,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    private readonly auditWritable: AuditWritableProbe,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(ShutdownState) private readonly shutdown: ShutdownState,
  ) {}

  @Public()
  @Get('health/live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ description: 'Alive', schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready = database reachable, audit log writable, and not draining for shutdown. */
  @Public()
  @Get('health/ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: database reachable, audit log writable, not draining' })
  @ApiOkResponse({ description: 'Ready', schema: HEALTH })
  @ApiServiceUnavailableResponse({ description: 'Not ready (same shape, status error)', schema: HEALTH })
  ready() {
    return this.health.check([
      () => this.typeorm.pingCheck('database', { connection: this.db.dataSource, timeout: 1500 }),
      async () => {
        const indicator = this.indicators.check('audit');
        if (!this.audit.healthy) return indicator.down({ reason: 'recent audit flush failed' });
        const problem = await this.auditWritable.problem();
        return problem ? indicator.down({ reason: problem }) : indicator.up();
      },
      () => {
        const indicator = this.indicators.check('lifecycle');
        return this.shutdown.draining ? indicator.down({ reason: 'draining' }) : indicator.up();
      },
    ]);
  }

  @Public()
  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('Cache-Control', 'no-store')
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (this.config.METRICS_TOKEN && !sameSecret(req.headers.authorization, `Bearer ${this.config.METRICS_TOKEN}`)) {
      throw new GatewayError(401, 'UNAUTHENTICATED', 'Unauthenticated', { detail: "Metrics need the operator's bearer token." });
    }
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}

/** Compares digests, so the time taken says nothing about how much of the secret matched. */
function sameSecret(given: string | undefined, expected: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}
