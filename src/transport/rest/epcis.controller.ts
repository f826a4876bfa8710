import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { EpcisEventsService } from '../../logistics/epcis/epcis-events.service';
import { ShipmentEventsService } from '../../logistics/shipment-events.service';
import { Roles } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { GatewayRequest } from '../gateway-request';
import { epcisItems } from '../../logistics/epcis/epcis-capture';
import { EPCIS_ANSWER_HEADERS, epcisQueryDocument, epcisStoredQueryDocument } from '../../logistics/epcis/epcis-query';
import { isStandardQuery, parseEpcisQuery } from '../../logistics/epcis/epcis-query-params';
import { ApiAnswer, ApiEnvelope, ApiProblems, IdempotencyHeader, PurposeHeader } from './api-docs';
import { validatedItems } from './dto/push-items';
import { parseListQuery, RestAdapter } from './rest-adapter';

/** EPCIS 2.0 capture and query (docs/api-guide-carriers.md) over the same enforcement path as every other write and read. */
const EPCIS_QUERY_DOCUMENT = {
  type: 'object',
  required: ['type', 'epcisBody'],
  properties: {
    '@context': {},
    type: { type: 'string', enum: ['EPCISQueryDocument'] },
    schemaVersion: { type: 'string' },
    creationDate: { type: 'string', format: 'date-time' },
    epcisBody: {
      type: 'object',
      properties: {
        queryResults: {
          type: 'object',
          properties: {
            queryName: { type: 'string' },
            resultsBody: { type: 'object', properties: { eventList: { type: 'array', items: { type: 'object' } } } },
          },
        },
      },
    },
  },
};

const EPCIS_DOCUMENT_HEADERS = {
  Link: { description: 'The next page: <…>; rel="next"', schema: { type: 'string' } },
  'GS1-EPCIS-Version': { description: 'The EPCIS version of the answer', schema: { type: 'string' } },
  'X-Policy-Version': { description: 'The policy version that judged the read', schema: { type: 'string' } },
};

@ApiTags('logistics pushes')
@Roles('partner', 'admin')
@Controller('api/v1/epcis')
export class EpcisController {
  constructor(
    private readonly rest: RestAdapter,
    private readonly trackingEvents: ShipmentEventsService,
    private readonly epcis: EpcisEventsService,
  ) {}

  @Post('capture')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Capture an EPCIS 2.0 EPCISDocument (JSON-LD): events of the five EPCIS types, error declarations included',
    description:
      'Each event is kept as captured, linked to the shipments whose SSCC is in its EPC lists or parentID (urn:epc:id:sscc:… or GS1 Digital Link …/00/<sscc>) or whose reference is in its bizTransactionList, and becomes a tracking event of each, judged alone like a batch item. The event id is its eventID, else its CBV 2.0 event hash (ni:///sha-256;…?ver=CBV2.0). A document whose envelope does not match the EPCIS 2.0 schema is 400 VALIDATION_FAILED naming each problem; an invalid event is refused alone with its path; more than 1,000 events is 413.',
  })
  @PurposeHeader()
  @IdempotencyHeader()
  @ApiEnvelope('BatchResult', { meta: 'BatchMeta', description: 'One result per ObjectEvent, in order' })
  @ApiProblems(422)
  @ApiBody({ description: 'An EPCISDocument (content type application/ld+json or application/json)', schema: { type: 'object' } })
  async capture(@Req() req: GatewayRequest, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    return this.rest.send(
      req,
      res,
      this.trackingEvents.recordShipmentEvents(this.rest.caller(req), 'epcis', body, (b) => validatedItems(epcisItems(b)), 'POST /epcis/capture'),
    );
  }

  @Get('events')
  @ApiOperation({
    summary: 'EPCIS 2.0 simple event query over the events you captured, as an EPCISQueryDocument (application/ld+json)',
    description:
      'Standard query parameters (eventType, GE_/LT_eventTime, GE_/LT_recordTime, EQ_bizStep, EQ_disposition, EQ_readPoint, EQ_bizLocation, EQ_eventID, ' +
      'MATCH_epc, MATCH_anyEPC, MATCH_parentID, MATCH_inputEPC, MATCH_outputEPC, MATCH_epcClass, EQ_bizTransaction_<type>, perPage, nextPageToken; ' +
      'several values joined by | match any) select among the events kept as captured that concern shipments you may read; a further page is ' +
      'announced in a Link header (rel="next"). With shipmentId alone (and limit, cursor) the answer is that shipment\'s tracking history written ' +
      'as EPCIS, each event limited to the fields you may read (docs/api-guide-carriers.md).',
  })
  @PurposeHeader()
  @ApiQuery({ name: 'shipmentId', required: false, description: 'A shipment: its tracking history written as EPCIS', example: 'shp-0001' })
  @ApiQuery({ name: 'limit', required: false, description: 'Page size (with shipmentId)', schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({ name: 'cursor', required: false, description: 'From the Link header of the previous page (with shipmentId)' })
  @ApiQuery({ name: 'perPage', required: false, description: 'Page size of a standard query', schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({ name: 'nextPageToken', required: false, description: 'From the Link header of the previous page of a standard query' })
  @ApiAnswer('application/ld+json', EPCIS_QUERY_DOCUMENT, { description: 'An EPCISQueryDocument', headers: EPCIS_DOCUMENT_HEADERS })
  @ApiProblems(404)
  async events(@Req() req: GatewayRequest, @Query() query: Record<string, unknown>, @Res({ passthrough: true }) res: Response) {
    if (isStandardQuery(query)) {
      const q = parseEpcisQuery(query);
      const answer = await this.rest.recorded(req, this.epcis.query(this.rest.caller(req), q));
      this.answerHeaders(res, answer.policyVersion);
      if (answer.nextPageToken) {
        const next = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) if (k !== 'nextPageToken') next.append(k, String(one));
        next.set('nextPageToken', answer.nextPageToken);
        res.setHeader('Link', `</api/v1/epcis/events?${next.toString()}>; rel="next"`);
      }
      return epcisStoredQueryDocument(answer.events, answer.contexts);
    }
    const { filters, fields, limit, cursor } = parseListQuery('ShipmentEvent', query);
    const { shipmentId, ...others } = filters;
    const { shipment, rows, meta, readings } = await this.rest.recorded(
      req,
      this.trackingEvents.shipmentEventsWithContext(this.rest.caller(req), shipmentId as string, {
        fields,
        filters: others,
        limit,
        cursor,
        ungranted: 'refuse',
      }),
    );
    if (meta.nextCursor) {
      const next = new URLSearchParams({ ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])), cursor: meta.nextCursor });
      res.setHeader('Link', `</api/v1/epcis/events?${next.toString()}>; rel="next"`);
    }
    this.answerHeaders(res, meta.policyVersion);
    return epcisQueryDocument(shipment, rows, readings);
  }

  @Get('events/:eventID')
  @ApiOperation({
    summary: 'One event you captured, by its eventID (URL-encoded), as an EPCISQueryDocument (application/ld+json)',
    description:
      'The eventID it was captured with, or the CBV 2.0 event hash (ni:///sha-256;…?ver=CBV2.0) it was kept under. 404 when there is none among the events you may read.',
  })
  @PurposeHeader()
  @ApiParam({ name: 'eventID', description: 'The eventID, URL-encoded' })
  @ApiAnswer('application/ld+json', EPCIS_QUERY_DOCUMENT, { description: 'An EPCISQueryDocument holding the event', headers: EPCIS_DOCUMENT_HEADERS })
  @ApiProblems(404)
  async event(@Req() req: GatewayRequest, @Param('eventID') eventID: string, @Res({ passthrough: true }) res: Response) {
    const q = parseEpcisQuery({ EQ_eventID: eventID });
    q.eventIds = [eventID];
    const answer = await this.rest.recorded(req, this.epcis.query(this.rest.caller(req), q));
    if (answer.events.length === 0) throw new GatewayError(404, 'NOT_FOUND', 'Not found', { detail: `No event '${eventID}' among the events you may read.` });
    this.answerHeaders(res, answer.policyVersion);
    return epcisStoredQueryDocument(answer.events, answer.contexts);
  }

  private answerHeaders(res: Response, policyVersion: number | null): void {
    for (const [name, value] of Object.entries(EPCIS_ANSWER_HEADERS)) res.setHeader(name, value);
    if (policyVersion !== null) res.setHeader('X-Policy-Version', String(policyVersion));
  }
}
