import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { deciding, merge, recorded, summaryOf } from '../../audit/access-summary';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { DATE_RULE, DATE_TIME_RULE, isCalendarDate, parseDateTime } from '../../data/field-values';
import { GatewayRequest } from '../gateway-request';
import { AppConfig } from '../../config/app-config';
import { DataQualityService } from '../../logistics/data-quality.service';
import { PolicyService } from '../../policy/policy.service';
import { ApiEnvelope, ApiProblems } from './api-docs';

const MAX_WINDOW_S = 366 * 86400;

/** Governance: how well each partner's pushes arrive (docs/api-guide-carriers.md, Data quality). */
@ApiTags('governance')
@Controller('api/v1/partners')
export class DataQualityController {
  constructor(
    private readonly quality: DataQualityService,
    private readonly policies: PolicyService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  @Get(':id/data-quality')
  @Roles('governance')
  @ApiOperation({
    summary: "A partner's push data quality over a window: accepted, refused (by code), duplicate, late and out-of-order rates, and freshness per data set",
  })
  @ApiQuery({ name: 'window', required: false, description: 'ISO 8601 duration back from now (or from `until`), e.g. P7D, PT12H; default P7D' })
  @ApiQuery({ name: 'since', required: false, description: 'ISO 8601 timestamp; instead of window' })
  @ApiQuery({ name: 'until', required: false, description: 'ISO 8601 timestamp; default now' })
  @ApiEnvelope(
    {
      type: 'object',
      description: 'Counts and rates per data set over the window (docs/api-guide-carriers.md, Data quality)',
      properties: { partnerKind: { type: 'string' } },
    },
    {
      meta: { type: 'object', properties: { generatedAt: { type: 'string', format: 'date-time' }, lateAfterHours: { type: 'number' } } },
      description: 'The report',
    },
  )
  @ApiProblems(404)
  async get(@Req() req: GatewayRequest, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    const asked = summaryOf({ actions: ['read'], subjects: ['DataQuality'], resourceIds: [id] });
    const { partner, report } = await recorded(
      req.gateway!.audit,
      deciding(asked, async () => {
        const { since, until, duration } = parseWindow(query);
        const partner = await this.policies.partner(id);
        if (!partner) throw GatewayError.notFound('Partner', id);
        const report = await this.quality.report(id, since, until, duration);
        return { partner, report, summary: merge(asked, summaryOf({ rowCount: 1 })) };
      }),
    );
    return {
      data: { ...report, partnerKind: partner.kind },
      meta: { generatedAt: new Date().toISOString(), lateAfterHours: this.config.DATA_QUALITY_LATE_AFTER_HOURS },
    };
  }
}

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** `window=P7D` (default) or `since=<timestamp>`, either up to `until` (default now). */
export function parseWindow(query: Record<string, unknown>): { since: Date; until: Date; duration: string | null } {
  const unknown = Object.keys(query).filter((k) => !['window', 'since', 'until'].includes(k));
  if (unknown.length > 0) throw GatewayError.validation(unknown.map((k) => `unknown query parameter '${k}'`));
  for (const k of ['window', 'since', 'until'])
    if (query[k] !== undefined && typeof query[k] !== 'string') throw GatewayError.validation([`${k} must be given once`]);
  if (query.window !== undefined && query.since !== undefined) throw GatewayError.validation(['give window or since, not both']);
  const until = query.until !== undefined ? timestamp(query.until as string, 'until') : new Date();
  if (query.since !== undefined) {
    const since = timestamp(query.since as string, 'since');
    if (since > until) throw GatewayError.validation(['since must not be after until']);
    return { since, until, duration: null };
  }
  const duration = (query.window as string | undefined) ?? 'P7D';
  const m = DURATION.exec(duration);
  if (!m || duration === 'P' || duration.endsWith('T')) throw GatewayError.validation(['window must be an ISO 8601 duration such as P7D, P1W or PT12H']);
  const [w, d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0));
  const seconds = w * 7 * 86400 + d * 86400 + h * 3600 + min * 60 + s;
  if (seconds <= 0 || seconds > MAX_WINDOW_S) throw GatewayError.validation(['window must be longer than 0 and at most P366D']);
  return { since: new Date(until.getTime() - seconds * 1000), until, duration };
}

/** An RFC 3339 date-time with offset, or a calendar date (its 00:00 UTC). */
function timestamp(value: string, name: string): Date {
  const stored = isCalendarDate(value) ? `${value}T00:00:00.000Z` : parseDateTime(value);
  if (stored === null) throw GatewayError.validation([`${name} must be ${DATE_TIME_RULE}, or ${DATE_RULE}`]);
  return new Date(stored);
}
