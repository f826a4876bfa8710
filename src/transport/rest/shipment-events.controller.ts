import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ShipmentEventsService } from '../../logistics/shipment-events.service';
import { batchItems, MAX_PUSH_EVENTS } from '../../logistics/shipment-event-batch';
import { Roles } from '../../auth/auth.decorators';
import { GatewayRequest } from '../gateway-request';
import { SHIPMENT_STATUSES } from '../../data/subjects';
import { ApiEnvelope, ApiProblems, IdempotencyHeader, PurposeHeader } from './api-docs';
import { validatedItems } from './dto/push-items';
import { RestAdapter } from './rest-adapter';

/** Many tracking events in one request, each judged alone (docs/api-guide-carriers.md). */
@ApiTags('logistics pushes')
@Roles('partner', 'admin')
@Controller('api/v1')
export class ShipmentEventsController {
  constructor(
    private readonly rest: RestAdapter,
    private readonly events: ShipmentEventsService,
  ) {}

  // Express 5 reads `:batch` as a parameter; the backslash keeps it literal.
  @Post('shipment-events\\:batch')
  @HttpCode(200)
  @ApiOperation({
    summary: `Record up to ${MAX_PUSH_EVENTS} tracking events at once; each is judged alone`,
    description:
      'Answers 200 with one result per event, in order: accepted, refused (with the code the single-event route would give) or duplicate (its eventId was already recorded by your partner). Accepted events commit together with one audit event. More than 1,000 events: 413 PAYLOAD_TOO_LARGE.',
  })
  @PurposeHeader()
  @IdempotencyHeader()
  @ApiEnvelope('BatchResult', { meta: 'BatchMeta', description: 'One result per event, in order' })
  @ApiProblems(422)
  @ApiBody({
    schema: {
      type: 'object',
      required: ['events'],
      properties: {
        events: {
          type: 'array',
          minItems: 1,
          maxItems: MAX_PUSH_EVENTS,
          items: {
            type: 'object',
            required: ['shipmentId', 'status', 'occurredAt'],
            properties: {
              eventId: { type: 'string', example: 'swift-7781', description: 'Your own id, unique per partner: a resent event is a duplicate' },
              shipmentId: { type: 'string', example: 'shp-0001' },
              status: { type: 'string', enum: [...SHIPMENT_STATUSES] },
              occurredAt: { type: 'string', format: 'date-time' },
              location: { type: 'string' },
              note: { type: 'string' },
              temperatureC: { type: 'number' },
            },
          },
        },
      },
    },
  })
  async batch(@Req() req: GatewayRequest, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    return this.rest.send(
      req,
      res,
      this.events.recordShipmentEvents(this.rest.caller(req), 'batch', body, (b) => validatedItems(batchItems(b)), 'POST /shipment-events:batch'),
    );
  }
}
