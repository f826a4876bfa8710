import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AggregateService } from '../../access/aggregate.service';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { filterValue } from '../../data/field-values';
import { SubjectName } from '../../data/subjects';
import { GatewayRequest } from '../gateway-request';
import { RestAdapter } from './rest-adapter';
import { ApiEnvelope, ApiProblems, PurposeHeader } from './api-docs';

const GROUPS = () =>
  ApiEnvelope(
    { type: 'object', description: 'One group: its groupBy fields and measures (e.g. sum_forecastQty)', additionalProperties: true },
    { list: true, meta: 'AggregateMeta', description: 'One row per group of at least minGroupSize rows' },
  );

const RESERVED = new Set(['groupBy', 'measures']);

/** Aggregate-only sharing: `GET /api/v1/<resource>/aggregate?groupBy=a,b&measures=sum:f` (registered before the `/:id` routes). */
@ApiTags('aggregates')
@Roles('partner', 'admin')
@Controller('api/v1')
export class AggregatesController {
  constructor(
    private readonly rest: RestAdapter,
    private readonly aggregates: AggregateService,
  ) {}

  @Get('demand-signals/aggregate')
  @ApiOperation({ summary: 'Group totals of demand signals your policy shares as aggregates only; groups under its minGroupSize are left out and counted' })
  @ApiQuery({ name: 'groupBy', required: true, example: 'region,periodStart' })
  @ApiQuery({ name: 'measures', required: false, example: 'sum:forecastQty,avg:forecastQty' })
  @PurposeHeader()
  @GROUPS()
  @ApiProblems(404)
  demand(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    return this.run(req, 'DemandSignal', query);
  }

  @Get('capacity-signals/aggregate')
  @ApiOperation({ summary: 'Group totals of capacity signals (aggregate-only sharing)' })
  @ApiQuery({ name: 'groupBy', required: true, example: 'site,periodStart' })
  @ApiQuery({ name: 'measures', required: false, example: 'sum:availableQty' })
  @PurposeHeader()
  @GROUPS()
  @ApiProblems(404)
  capacity(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    return this.run(req, 'CapacitySignal', query);
  }

  @Get('shipments/aggregate')
  @ApiOperation({ summary: 'Group totals of shipments (aggregate-only sharing)' })
  @ApiQuery({ name: 'groupBy', required: true, example: 'carrierId,destination' })
  @ApiQuery({ name: 'measures', required: false, example: 'sum:quantity' })
  @PurposeHeader()
  @GROUPS()
  @ApiProblems(404)
  shipments(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    return this.run(req, 'Shipment', query);
  }

  private async run(req: GatewayRequest, subject: SubjectName, query: Record<string, unknown>) {
    const list = (name: string): string[] => {
      const v = query[name];
      if (v === undefined) return [];
      if (typeof v !== 'string') throw GatewayError.validation([`${name} must be given once, as a comma-separated list`]);
      return v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    };
    const filters: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const [field, raw] of Object.entries(query)) {
      if (RESERVED.has(field)) continue;
      if (typeof raw !== 'string') {
        problems.push(`filter '${field}' must be given once`);
        continue;
      }
      const typed = filterValue(subject, field, raw);
      if ('problem' in typed) problems.push(typed.problem);
      else filters[field] = typed.value;
    }
    if (problems.length > 0) throw GatewayError.validation(problems);
    const { rows, meta } = await this.rest.recorded(
      req,
      this.aggregates.aggregate(this.rest.caller(req), subject, { groupBy: list('groupBy'), measures: list('measures'), filters }),
    );
    return { data: rows, meta };
  }
}
