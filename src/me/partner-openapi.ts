import { FieldSpec, SUBJECTS, SubjectName } from '../data/subjects';
import { CompiledPolicy } from '../policy/policy-compiler';
import { Action } from '../policy/policy-document';
import { ActionView, SubjectsView } from './partner-view';

type Json = Record<string, unknown>;

/** A REST operation on partner data and the rights it needs (every pair must be granted). */
interface DataOperation {
  method: 'get' | 'post' | 'patch';
  path: string;
  summary: string;
  needs: Array<[SubjectName, Action]>;
  kind: 'list' | 'get' | 'create' | 'update' | 'events' | 'record-event' | 'batch' | 'epcis-capture' | 'epcis-events';
  subject: SubjectName;
}

const RESOURCE: Partial<Record<SubjectName, string>> = { DemandSignal: 'demand-signals', CapacitySignal: 'capacity-signals', Shipment: 'shipments' };

/** The REST surface of partner data (contract sections 5 and 9), by the rights each operation needs. */
export const DATA_OPERATIONS: DataOperation[] = [
  ...(['DemandSignal', 'CapacitySignal', 'Shipment'] as const).flatMap((subject): DataOperation[] => {
    const base = `/api/v1/${RESOURCE[subject]}`;
    const ops: DataOperation[] = [
      { method: 'get', path: base, summary: `${subject} rows your policy lets you read`, needs: [[subject, 'read']], kind: 'list', subject },
      { method: 'get', path: `${base}/{id}`, summary: `One ${subject}`, needs: [[subject, 'read']], kind: 'get', subject },
      { method: 'post', path: base, summary: `Create a ${subject}`, needs: [[subject, 'create']], kind: 'create', subject },
    ];
    if (subject !== 'DemandSignal')
      ops.push({ method: 'patch', path: `${base}/{id}`, summary: `Update a ${subject}`, needs: [[subject, 'update']], kind: 'update', subject });
    return ops;
  }),
  {
    method: 'get',
    path: '/api/v1/shipments/{id}/events',
    summary: 'Tracking events of a shipment you may read',
    needs: [
      ['Shipment', 'read'],
      ['ShipmentEvent', 'read'],
    ],
    kind: 'events',
    subject: 'ShipmentEvent',
  },
  {
    method: 'post',
    path: '/api/v1/shipments/{id}/events',
    summary: 'Record a tracking event on a shipment you may update',
    needs: [
      ['Shipment', 'update'],
      ['ShipmentEvent', 'create'],
    ],
    kind: 'record-event',
    subject: 'ShipmentEvent',
  },
  {
    method: 'post',
    path: '/api/v1/shipment-events:batch',
    summary: 'Record up to 1,000 tracking events at once; each is judged alone',
    needs: [
      ['Shipment', 'update'],
      ['ShipmentEvent', 'create'],
    ],
    kind: 'batch',
    subject: 'ShipmentEvent',
  },
  {
    method: 'post',
    path: '/api/v1/epcis/capture',
    summary: 'Capture an EPCIS 2.0 EPCISDocument (all five event types, kept as captured)',
    needs: [
      ['Shipment', 'update'],
      ['ShipmentEvent', 'create'],
    ],
    kind: 'epcis-capture',
    subject: 'ShipmentEvent',
  },
  {
    method: 'get',
    path: '/api/v1/epcis/events',
    summary: 'EPCIS 2.0 simple event query (or a shipment history with shipmentId alone), as an EPCISQueryDocument',
    needs: [
      ['Shipment', 'read'],
      ['ShipmentEvent', 'read'],
    ],
    kind: 'epcis-events',
    subject: 'ShipmentEvent',
  },
];

/** The partner's own operations, callable whatever the policy grants (transparency switches aside). */
const OWN_OPERATIONS: Array<{ path: string; summary: string; text?: boolean; needs?: 'accessLog' | 'dataAccess' }> = [
  { path: '/api/v1/me', summary: 'Your own view: partner, purposes, limits, quota and what your policy grants' },
  { path: '/api/v1/me/openapi.json', summary: 'This document' },
  { path: '/api/v1/me/schema.graphql', summary: 'The GraphQL SDL of your view', text: true },
  { path: '/api/v1/me/access-log', summary: 'Your own audit events', needs: 'accessLog' },
  { path: '/api/v1/me/data-access', summary: "Other partners' audited reads of the records you contributed, per day", needs: 'dataAccess' },
];

export interface PartnerDocumentInput {
  policy: CompiledPolicy;
  partner: { id: string; name: string };
  purpose: string;
  subjects: SubjectsView;
  transparency: { accessLog: boolean; dataAccess: boolean };
}

/**
 * An OpenAPI 3.1 document of one partner's view: only the operations its compiled policy lets it
 * call under the purpose in use, and in their schemas only the fields it may read (answers, query
 * filters) or write (bodies). Types come from the subject catalog.
 */
export function partnerOpenApi(input: PartnerDocumentInput): Json {
  const { subjects } = input;
  const rights = (s: SubjectName, a: Action): ActionView | undefined => subjects[s]?.[a];
  const paths: Record<string, Json> = {};
  const schemas: Record<string, Json> = { Problem: problemSchema(), ReadMeta: readMetaSchema() };
  const addOp = (path: string, method: string, op: Json) => ((paths[path] ??= {})[method] = op);

  for (const op of DATA_OPERATIONS) {
    if (!op.needs.every(([s, a]) => rights(s, a))) continue;
    addOp(op.path, op.method, dataOperation(op, rights, schemas, input.policy));
  }
  for (const own of OWN_OPERATIONS) {
    if (own.needs && !input.transparency[own.needs]) continue;
    addOp(own.path, 'get', {
      summary: own.summary,
      tags: ['me'],
      parameters: [purposeHeader()],
      security: [{ bearer: [] }],
      responses: {
        200: own.text
          ? { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } }
          : {
              description: 'OK',
              content: { 'application/json': { schema: { type: 'object', required: ['data'], properties: { data: {}, meta: { type: 'object' } } } } },
            },
        ...errorResponses(),
      },
    });
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `Partner data gateway: the view of ${input.partner.name}`,
      version: `policy-${input.policy.version ?? 0}`,
      description: `What partner '${input.partner.id}' may call under purpose '${input.purpose}' (policy version ${input.policy.version}). Send the purpose in the X-Purpose header or the token's purpose claim.`,
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas,
    },
  };
}

function dataOperation(
  op: DataOperation,
  rights: (s: SubjectName, a: Action) => ActionView | undefined,
  schemas: Record<string, Json>,
  policy: CompiledPolicy,
): Json {
  const subject = op.subject;
  const params: Json[] = [purposeHeader()];
  if (op.path.includes('{id}')) params.push({ name: 'id', in: 'path', required: true, schema: { type: 'string' } });
  const out: Json = { summary: op.summary, tags: [subject], security: [{ bearer: [] }] };
  const readSchema = (s: SubjectName) => ensure(schemas, s, () => rowSchema(s, rights(s, 'read')!));
  const write = (kind: 'create' | 'update') =>
    ensure(schemas, `${subject}${kind === 'create' ? 'Create' : 'Update'}Body`, () =>
      bodySchema(subject, rights(subject, kind)!, kind, pinnedFields(policy, subject)),
    );
  const one = (s: SubjectName) => envelope(ref(readSchema(s)), false);
  switch (op.kind) {
    case 'list':
    case 'events': {
      const readable = rights(subject, 'read')!.fields.map((f) => f.field);
      params.push(
        { name: 'fields', in: 'query', required: false, description: `Comma-separated, any of: ${readable.join(', ')}`, schema: { type: 'string' } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } },
        { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
        ...readable.map((f) => ({
          name: f,
          in: 'query',
          required: false,
          description: `Equality filter on ${f}`,
          schema: filterType(SUBJECTS[subject].fields[f]),
        })),
      );
      out.responses = {
        200: { description: 'OK', content: { 'application/json': { schema: envelope(ref(readSchema(subject)), true) } } },
        ...errorResponses(),
      };
      break;
    }
    case 'get':
      params.push({ name: 'fields', in: 'query', required: false, schema: { type: 'string' } });
      out.responses = { 200: { description: 'OK', content: { 'application/json': { schema: one(subject) } } }, ...errorResponses() };
      break;
    case 'create':
    case 'update':
      params.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } });
      out.requestBody = { required: true, content: { 'application/json': { schema: ref(write(op.kind)) } } };
      out.responses = {
        [op.kind === 'create' ? 201 : 200]: { description: 'OK', content: { 'application/json': { schema: envelopeOf(subject, rights) } } },
        ...errorResponses(),
      };
      break;
    case 'record-event': {
      params.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } });
      const body = ensure(schemas, 'ShipmentEventBody', () => eventBodySchema(rights));
      out.requestBody = { required: true, content: { 'application/json': { schema: ref(body) } } };
      out.responses = {
        201: { description: 'Recorded', content: { 'application/json': { schema: envelopeOf('ShipmentEvent', rights) } } },
        ...errorResponses(),
      };
      break;
    }
    case 'batch': {
      const body = eventBodySchema(rights);
      (body.properties as Json).shipmentId = { type: 'string' };
      body.required = [...(body.required as string[]), 'shipmentId'];
      out.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['events'],
              additionalProperties: false,
              properties: { events: { type: 'array', maxItems: 1000, items: body } },
            },
          },
        },
      };
      out.responses = {
        200: { description: 'One result per event, in order', content: { 'application/json': { schema: batchResultSchema() } } },
        ...errorResponses(),
      };
      break;
    }
    case 'epcis-capture':
      out.requestBody = {
        required: true,
        content: {
          'application/json': { schema: { type: 'object', description: 'An EPCIS 2.0 EPCISDocument (JSON-LD)' } },
          'application/ld+json': { schema: { type: 'object' } },
        },
      };
      out.responses = {
        200: { description: 'One result per event, in order', content: { 'application/json': { schema: batchResultSchema() } } },
        ...errorResponses(),
      };
      break;
    case 'epcis-events':
      params.push({ name: 'shipmentId', in: 'query', required: true, schema: { type: 'string' } });
      out.responses = { 200: { description: 'An EPCISQueryDocument', content: { 'application/json': { schema: { type: 'object' } } } }, ...errorResponses() };
      break;
  }
  out.parameters = params;
  return out;
}

/** A write answers with the fields the caller may read of the row written. */
function envelopeOf(subject: SubjectName, rights: (s: SubjectName, a: Action) => ActionView | undefined): Json {
  const read = rights(subject, 'read');
  return envelope(read ? { $ref: `#/components/schemas/${subject}` } : { type: 'object', properties: { id: { type: 'string' } } }, false);
}

function ensure(schemas: Record<string, Json>, name: string, make: () => Json): string {
  schemas[name] ??= make();
  return name;
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

function envelope(item: Json, list: boolean): Json {
  return {
    type: 'object',
    required: ['data', 'meta'],
    properties: { data: list ? { type: 'array', items: item } : item, meta: list ? ref('ReadMeta') : { type: 'object' } },
  };
}

/** The readable fields of a subject; a field granted on some rows only may be left out of a row. */
function rowSchema(subject: SubjectName, read: ActionView): Json {
  const properties: Json = {};
  for (const f of read.fields) {
    properties[f.field] = {
      ...typeOf(SUBJECTS[subject].fields[f.field], true),
      description: f.rows === 'all' ? 'On every row you may read' : 'Only on some rows you may read (left out of the others)',
    };
  }
  return { type: 'object', additionalProperties: false, properties };
}

function bodySchema(subject: SubjectName, view: ActionView, kind: 'create' | 'update', pinned: Set<string>): Json {
  const spec = SUBJECTS[subject];
  const writable = view.fields.map((f) => f.field).filter((f) => !spec.systemFields.includes(f) && (kind === 'create' || f !== 'id'));
  const properties: Json = {};
  for (const f of writable) properties[f] = typeOf(spec.fields[f], Boolean(spec.fields[f].nullable));
  const schema: Json = { type: 'object', additionalProperties: false, properties };
  if (kind === 'create') {
    const required = writable.filter((f) => f !== 'id' && !spec.fields[f].nullable && !(spec.defaults && f in spec.defaults) && !pinned.has(f));
    if (required.length > 0) schema.required = required;
  } else schema.minProperties = 1;
  return schema;
}

/** Fields the create conditions pin to one value: the gateway fills them in when left out (as the write path does). */
function pinnedFields(policy: CompiledPolicy, subject: SubjectName): Set<string> {
  const rules = policy.ability.rulesFor('create', subject).filter((r) => !r.inverted && r.conditions);
  if (rules.length !== 1) return new Set();
  return new Set(
    Object.entries(rules[0].conditions as Record<string, unknown>)
      .filter(([, c]) => c === null || typeof c !== 'object' || '$eq' in c)
      .map(([f]) => f),
  );
}

function eventBodySchema(rights: (s: SubjectName, a: Action) => ActionView | undefined): Json {
  const spec = SUBJECTS.ShipmentEvent;
  const create = rights('ShipmentEvent', 'create')!
    .fields.map((f) => f.field)
    .filter((f) => !spec.systemFields.includes(f));
  const properties: Json = { eventId: { type: 'string', description: 'Your own event id, unique per partner' } };
  for (const f of create) properties[f] = typeOf(spec.fields[f], Boolean(spec.fields[f].nullable));
  if (rights('Shipment', 'update')?.fields.some((f) => f.field === 'temperatureC'))
    properties.temperatureC = typeOf(SUBJECTS.Shipment.fields.temperatureC, true);
  return { type: 'object', additionalProperties: false, required: ['status', 'occurredAt'].filter((f) => f in properties), properties };
}

function typeOf(spec: FieldSpec, nullable: boolean): Json {
  const base: Json =
    spec.type === 'integer'
      ? { type: 'integer' }
      : spec.type === 'number'
        ? { type: 'number' }
        : spec.type === 'date'
          ? { type: 'string', format: 'date' }
          : spec.type === 'timestamp'
            ? { type: 'string', format: 'date-time' }
            : spec.type === 'enum'
              ? { type: 'string', enum: [...spec.values!] }
              : { type: 'string' };
  if (!nullable) return base;
  return { ...base, type: [base.type, 'null'], ...(base.enum ? { enum: [...(base.enum as string[]), null] } : {}) };
}

function filterType(spec: FieldSpec): Json {
  return typeOf(spec, false);
}

function purposeHeader(): Json {
  return {
    name: 'X-Purpose',
    in: 'header',
    required: false,
    description: "The purpose of the request (or the token's purpose claim)",
    schema: { type: 'string' },
  };
}

function errorResponses(): Json {
  const problem = { content: { 'application/problem+json': { schema: ref('Problem') } } };
  return {
    400: { description: 'Bad request (VALIDATION_FAILED, PURPOSE_REQUIRED, ...)', ...problem },
    401: { description: 'Missing or invalid token', ...problem },
    403: { description: 'Refused by your policy (FORBIDDEN, FORBIDDEN_FIELDS, ...)', ...problem },
    429: { description: 'Over your requests per minute', ...problem },
  };
}

function problemSchema(): Json {
  return {
    type: 'object',
    required: ['type', 'title', 'status', 'code'],
    properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string' } },
  };
}

function readMetaSchema(): Json {
  return {
    type: 'object',
    properties: {
      nextCursor: { type: ['string', 'null'] },
      fields: { type: 'array', items: { type: 'string' } },
      redactedFields: { type: 'array', items: { type: 'string' } },
      policyVersion: { type: ['integer', 'null'] },
      purpose: { type: ['string', 'null'] },
    },
  };
}

function batchResultSchema(): Json {
  return {
    type: 'object',
    properties: {
      data: {
        type: 'object',
        properties: {
          results: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                index: { type: 'integer' },
                eventId: { type: ['string', 'null'] },
                outcome: { type: 'string', enum: ['accepted', 'refused', 'duplicate'] },
                code: { type: ['string', 'null'] },
                message: { type: ['string', 'null'] },
              },
            },
          },
        },
      },
      meta: { type: 'object' },
    },
  };
}
