import { Body, Controller, Get, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { GovernedWriteService } from '../../access/governed-write.service';
import { Roles } from '../../auth/auth.decorators';
import { GatewayRequest } from '../gateway-request';
import { ApiEnvelope, ApiProblems, IdempotencyHeader, ListQueries, PurposeHeader } from './api-docs';
import { CreateCapacitySignalDto, UpdateCapacitySignalDto } from './dto/capacity-signal.dto';
import { RestAdapter, nonEmpty } from './rest-adapter';

@ApiTags('capacity signals')
@Roles('partner', 'admin')
@Controller('api/v1/capacity-signals')
export class CapacitySignalsController {
  constructor(
    private readonly rest: RestAdapter,
    private readonly writes: GovernedWriteService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Capacity and risk signals your policy lets you read' })
  @ListQueries('id,sku,availableQty,riskLevel', 'CapacitySignal')
  @ApiEnvelope('CapacitySignal', { list: true })
  list(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    return this.rest.list(req, 'CapacitySignal', query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One capacity signal you may read' })
  @PurposeHeader()
  @ApiEnvelope('CapacitySignal')
  @ApiProblems(404)
  get(@Req() req: GatewayRequest, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.rest.get(req, 'CapacitySignal', id, query);
  }

  @Post()
  @ApiOperation({ summary: 'Publish a capacity and risk signal (suppliers: their own)' })
  @PurposeHeader()
  @IdempotencyHeader()
  @ApiEnvelope('CapacitySignal', { status: 201, meta: 'WriteMeta', description: 'Created: the fields you may read of the row written' })
  @ApiProblems(409, 422)
  async create(@Req() req: GatewayRequest, @Body() body: CreateCapacitySignalDto, @Res({ passthrough: true }) res: Response) {
    return this.rest.send(req, res, this.writes.create(this.rest.caller(req), 'CapacitySignal', { ...body }, 'POST /capacity-signals'));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update your capacity and risk signal' })
  @PurposeHeader()
  @IdempotencyHeader()
  @ApiEnvelope('CapacitySignal', { meta: 'WriteMeta', description: 'Updated: the fields you may read of the row' })
  @ApiProblems(404, 422)
  async update(@Req() req: GatewayRequest, @Param('id') id: string, @Body() body: UpdateCapacitySignalDto, @Res({ passthrough: true }) res: Response) {
    return this.rest.send(req, res, this.writes.update(this.rest.caller(req), 'CapacitySignal', id, nonEmpty(body), `PATCH /capacity-signals/${id}`));
  }
}
