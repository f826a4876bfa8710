import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { GovernedDataService } from '../../access/governed-data.service';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { GatewayRequest } from '../gateway-request';
import { epcisItems } from '../../logistics/epcis/epcis-capture';
import { epcisQueryDocument } from '../../logistics/epcis/epcis-query';
import { ApiAnswer, ApiEnvelope, ApiProblems, IdempotencyHeader, PurposeHeader } from './api-docs';
import { parseListQuery, RestAdapter } from './rest-adapter';

/** EPCIS 2.0 capture and query (docs/api-guide-carriers.md) over the same enforcement path as every other write and read. */
const EPCIS_QUERY_DOCUMENT = {
  type: 'object',
  required: ['type', 'epcisBody'],
  properties: {
    '@context': {}, type: { type: 'string', enum: ['EPCISQueryDocument'] }, schemaVersion: { type: 'string' }, creationDate: { type: 'string', format: 'date-time' },
    epcisBody: { type: 'object', properties: { queryResults: { type: 'object', properties: { queryName: { type: 'string' }, resultsBody: { type: 'object', properties: { eventList: { type: 'array', items: { type: 'object' } } } } } } } },
  },
};

@ApiTags('logistics pushes')
@Roles('partner', 'admin')
@Controller('api/v1/epcis')
export class EpcisController {
  constructor(private readonly rest: RestAdapter, private readonly data: GovernedDataService) {}

  @Post('capture')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Capture an EPCIS 2.0 EPCISDocument (JSON-LD) of ObjectEvents',
    description: 'Each ObjectEvent becomes a tracking event of the shipment whose SSCC is in its epcList (urn:epc:id:sscc:… or GS1 Digital Link …/00/<sscc>) or whose reference is in its bizTransactionList, judged alone like a batch item. The event id is its eventID, else its CBV 2.0 event hash (ni:///sha-256;…?ver=CBV2.0). A document that does not match the EPCIS 2.0 schema subset is 400 VALIDATION_FAILED naming each problem; more than 1,000 events is 413.',
  })
  @PurposeHeader() @IdempotencyHeader()
  @ApiEnvelope('BatchResult', { meta: 'BatchMeta', description: 'One result per ObjectEvent, in order' })
  @ApiProblems(422)
  @ApiBody({ description: 'An EPCISDocument (content type application/ld+json or application/json)', schema: { type: 'object' } })
  async capture(@Req() req: GatewayRequest, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    return this.rest.send(res, await this.data.recordShipmentEvents(this.rest.caller(req), 'epcis', body, epcisItems, 'POST /epcis/capture'));
  }

  @Get('events')
  @ApiOperation({
    summary: 'The events of a shipment you may read, as an EPCIS 2.0 EPCISQueryDocument',
    description: 'The answer is the EPCISQueryDocument itself (not wrapped in data/meta). Paged by limit and cursor; a further page is announced in a Link header (rel="next").',
  })
  @PurposeHeader()
  @ApiQuery({ name: 'shipmentId', required: true, description: 'The shipment', example: 'shp-0001' })
  @ApiQuery({ name: 'limit', required: false, description: 'Page size', schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({ name: 'cursor', required: false, description: 'From the Link header of the previous page' })
  @ApiAnswer('application/json', EPCIS_QUERY_DOCUMENT, { description: 'An EPCISQueryDocument', headers: {
    Link: { description: 'The next page: <…>; rel="next"', schema: { type: 'string' } },
    'X-Policy-Version': { description: 'The policy version that judged the read', schema: { type: 'string' } },
  } })
  @ApiProblems(404)
  async events(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>, @Res({ passthrough: true }) res: Response) {
    if (typeof query.shipmentId !== 'string' || query.shipmentId === '') throw GatewayError.validation(['shipmentId is required, once']);
    const { filters, fields, limit, cursor } = parseListQuery('ShipmentEvent', query);
    const { shipmentId, ...others } = filters;
    const { shipment, rows, meta, readings } = await this.data.shipmentEventsWithContext(this.rest.caller(req), shipmentId as string,
      { fields, filters: others, limit, cursor, ungranted: 'refuse' });
    if (meta.nextCursor) {
      const next = new URLSearchParams({ ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])), cursor: meta.nextCursor });
      res.setHeader('Link', `</api/v1/epcis/events?${next.toString()}>; rel="next"`);
    }
    if (meta.policyVersion !== null) res.setHeader('X-Policy-Version', String(meta.policyVersion));
    return epcisQueryDocument(shipment, rows, readings);
  }
}
