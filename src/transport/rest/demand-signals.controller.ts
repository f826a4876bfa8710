import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { GovernedWriteService } from '../../access/governed-write.service';
import { Roles } from '../../auth/auth.decorators';
import { GatewayRequest } from '../gateway-request';
import { ApiEnvelope, ApiProblems, IdempotencyHeader, ListQueries, PurposeHeader } from './api-docs';
import { CreateDemandSignalDto } from './dto/demand-signal.dto';
import { RestAdapter } from './rest-adapter';

@ApiTags('demand signals')
@Roles('partner', 'admin')
@Controller('api/v1/demand-signals')
export class DemandSignalsController {
  constructor(
    private readonly rest: RestAdapter,
    private readonly writes: GovernedWriteService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Demand signals your policy shares with you, with the fields it grants' })
  @ListQueries('id,sku,periodStart,forecastQty', 'DemandSignal')
  @ApiEnvelope('DemandSignal', { list: true })
  list(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    return this.rest.list(req, 'DemandSignal', query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One demand signal you may read' })
  @PurposeHeader()
  @ApiEnvelope('DemandSignal')
  @ApiProblems(404)
  get(@Req() req: GatewayRequest, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.rest.get(req, 'DemandSignal', id, query);
  }

  @Post()
  @ApiOperation({ summary: 'Load a demand signal (the orchestrator)' })
  @PurposeHeader()
  @IdempotencyHeader()
  @ApiEnvelope('DemandSignal', { status: 201, meta: 'WriteMeta', description: 'Created: the fields you may read of the row written' })
  @ApiProblems(409, 422)
  async create(@Req() req: GatewayRequest, @Body() body: CreateDemandSignalDto, @Res({ passthrough: true }) res: Response) {
    return this.rest.send(req, res, this.writes.create(this.rest.caller(req), 'DemandSignal', { ...body }, 'POST /demand-signals'));
  }
}
