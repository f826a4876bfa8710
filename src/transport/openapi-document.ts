import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ResponseObject } from '@nestjs/swagger';
import { API_SCHEMAS } from './rest/api-schemas';
import { PROBLEM_STATUSES, RETRY_AFTER } from './rest/api-docs';

const TAGS: Array<[string, string]> = [
  ['demand signals', 'Demand the orchestrator shares: each partner sees the rows and fields its policy grants for the purpose given'],
  ['capacity signals', 'Capacity and risk signals suppliers publish'],
  ['shipments', 'Shipments and their tracking events, for the partners that carry, ship or receive them'],
  ['aggregates', 'Group totals of a subject a policy shares as aggregates only; groups under the minimum group size are left out and counted'],
  ['logistics pushes', 'Carriers push many tracking events at once: an event batch or an EPCIS 2.0 capture; and read them as EPCIS'],
  ['me', "A partner's own view: what its policy grants, its own OpenAPI and GraphQL surface, its access log and who read its data"],
  ['webhooks', "A partner's webhook endpoints: signed notices of changes to the rows its policy lets it read, and their delivery history"],
  ['audit', 'The hash-chained audit log, for auditors'],
  ['governance', 'Policies as versioned data (four eyes), data-sharing agreements, simulation, access matrix and push data quality, for governance officers'],
  ['identity', 'Public keys of the embedded token issuer'],
  ['operations', 'Liveness and readiness probes'],
];

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/** Rate-limit headers on every answer to a partner token (RFC 9331 draft fields). */
const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': { description: 'Requests per minute your policy allows (partner tokens)', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the current window (partner tokens)', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets (partner tokens)', schema: { type: 'integer' } },
  'RateLimit-Policy': { description: 'The quota policy, e.g. `120;w=60` (partner tokens)', schema: { type: 'string' } },
} as const;

/**
 * The OpenAPI document served at /docs-json. The controllers describe what is their own (success
 * answers, and the refusals only they give: 404, 409, 412, 422, 428); `complete` adds what every
 * operation under /api/v1 shares, so no operation can leave it out: bearer security, the refusals
 * any request may meet (400, 401, 403, 429, 503; 413 and 415 when it takes a body) and the rate-limit
 * headers.
 */
export function buildOpenApiDocument(app: INestApplication, serverUrl = '/'): OpenAPIObject {
  let builder = new DocumentBuilder()
    .setTitle('Partner data gateway')
    .setDescription(
      'Governed partner data sharing: every answer is scoped by your policy and audited before it leaves. ' +
        'Answers are `{ data, meta }`; errors are application/problem+json with a stable `code`. ' +
        'Start with the typed client in client/ (docs/api-guide.md).',
    )
    .setVersion('1')
    .setContact('Gateway operations', 'https://gateway.local/support', 'gateway-operations@gateway.local')
    .setLicense('Proprietary: partner use under the data-sharing agreement', 'https://gateway.local/terms')
    .addServer(serverUrl, 'This gateway')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'A JWT from your identity provider (or the embedded issuer): roles, partner_id, optional purpose',
      },
      'bearer',
    );
  for (const [name, description] of TAGS) builder = builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  return complete(document);
}

function complete(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = { ...API_SCHEMAS, ...document.components.schemas };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of operationsOf(item)) {
      if (!path.startsWith('/api/v1')) {
        operation.security = [];
        continue;
      }
      operation.security = [{ bearer: [] }];
      // A parameter declared without a type is text (typed clients would otherwise see `unknown`).
      for (const parameter of (operation.parameters ?? []) as Array<{ schema?: unknown; $ref?: string }>)
        if (!parameter.$ref && !parameter.schema) parameter.schema = { type: 'string' };
      const shared = [400, 401, 403, 429, 503, ...(operation.requestBody ? [413, 415] : [])];
      for (const status of shared) {
        const existing = operation.responses[status] as ResponseObject | undefined;
        operation.responses[status] = {
          description: existing?.description && existing.content ? existing.description : PROBLEM_STATUSES[status],
          ...(status === 429 ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
          content: PROBLEM,
        };
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        const r = response as ResponseObject;
        if (!r.content && !/^2/.test(status)) r.content = PROBLEM;
        if (/^2/.test(status) || status === '429') r.headers = { ...RATE_LIMIT_HEADERS, ...r.headers };
      }
    }
    for (const operation of operationsOf(item)) {
      // An operation without its own description states its summary and every answer it documents.
      operation.description ??= `${operation.summary ?? ''}${operation.summary ? '. ' : ''}Answers ${Object.keys(operation.responses).join(', ')}.`;
    }
  }
  return document;
}

function operationsOf(item: OpenAPIObject['paths'][string]): OperationObject[] {
  return (['get', 'put', 'post', 'patch', 'delete'] as const).map((m) => item[m]).filter((o): o is OperationObject => o !== undefined);
}
