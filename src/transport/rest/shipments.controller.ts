import { Body, Controller, Get, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { GovernedWriteService } from '../../access/governed-write.service';
import { ShipmentEventsService } from '../../logistics/shipment-events.service';
import { Roles } from '../../auth/auth.decorators';
import { GatewayRequest } from '../gateway-request';
import { ApiEnvelope, ApiProblems, IdempotencyHeader, ListQueries, PurposeHeader } from './api-docs';
import { CreateShipmentDto, RecordShipmentEventDto, UpdateShipmentDto } from './dto/shipment.dto';
import { RestAdapter, nonEmpty } from './rest-adapter';

@ApiTags('shipments')
@Roles('partner', 'admin')
@Controller('api/v1/shipments')
export class ShipmentsController {
  constructor(
    private readonly rest: RestAdapter,
    private readonly writes: GovernedWriteService,
    private readonly trackingEvents: ShipmentEventsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Shipments your policy lets you track' })
  @ListQueries('id,reference,status,eta', 'Shipment')
  @ApiEnvelope('Shipment', { list: true })
  list(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>) {
    return this.rest.list(req, 'Shipment', query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One shipment you may track' })
  @PurposeHeader()
  @ApiEnvelope('Shipment')
  @ApiProblems(404)
  get(@Req() req: GatewayRequest, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.rest.get(req, 'Shipment', id, query);
  }

  @Post()
  @ApiOperation({ summary: 'Create a shipment (the orchestrator)' })
  @PurposeHeader()
  @IdempotencyHeader()
  @ApiEnvelope('Shipment', { status: 201, meta: 'WriteMeta', description: 'Created: the fields you may read of the row written' })
  @ApiProblems(409, 422)
  async create(@Req() req: GatewayRequest, @Body() body: CreateShipmentDto, @Res({ passthrough: true }) res: Response) {
    return this.rest.send(req, res, this.writes.create(this.rest.caller(req), 'Shipment', { ...body }, 'POST /shipments'));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update status, ETA or location of a shipment you carry' })
  @PurposeHeader()
  @IdempotencyHeader()
  @ApiEnvelope('Shipment', { meta: 'WriteMeta', description: 'Updated: the fields you may read of the row' })
  @ApiProblems(404, 422)
  async update(@Req() req: GatewayRequest, @Param('id') id: string, @Body() body: UpdateShipmentDto, @Res({ passthrough: true }) res: Response) {
    return this.rest.send(req, res, this.writes.update(this.rest.caller(req), 'Shipment', id, nonEmpty(body), `PATCH /shipments/${id}`));
  }

  @Get(':id/events')
  @ApiOperation({ summary: 'Tracking events of a shipment you may read' })
  // The path names the shipment; an `id` filter would clash with the path parameter's name.
  @ListQueries('id,status,occurredAt,location', 'ShipmentEvent', ['id', 'shipmentId'])
  @ApiEnvelope('ShipmentEvent', { list: true })
  @ApiProblems(404)
  events(@Req() req: GatewayRequest, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.rest.listEvents(req, id, query);
  }

  @Post(':id/events')
  @ApiOperation({ summary: 'Record a tracking event on a shipment you carry (updates its status, location and lastEventAt)' })
  @PurposeHeader()
  @IdempotencyHeader()
  @ApiEnvelope('ShipmentEvent', { status: 201, meta: 'WriteMeta', description: 'Recorded: the fields you may read of the event' })
  @ApiProblems(404, 409, 422)
  async recordEvent(@Req() req: GatewayRequest, @Param('id') id: string, @Body() body: RecordShipmentEventDto, @Res({ passthrough: true }) res: Response) {
    return this.rest.send(req, res, this.trackingEvents.recordShipmentEvent(this.rest.caller(req), id, { ...body }, `POST /shipments/${id}/events`));
  }
}
