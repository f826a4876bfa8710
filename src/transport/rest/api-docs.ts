import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiQuery, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { SUBJECTS, SubjectName } from '../../data/subjects';
import { filterSchema } from './api-schemas';
import type { HeaderObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';

export const PurposeHeader = () =>
  ApiHeader({
    name: 'X-Purpose',
    required: false,
    description: 'Why you ask (e.g. replenishment-planning); required for partners unless the token carries a purpose claim',
    example: 'replenishment-planning',
  });

export const IdempotencyHeader = () =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Makes a retried write safe: a replay returns the first answer and writes nothing (422 IDEMPOTENCY_KEY_REUSED for another body)',
    example: 'order-7781-try',
  });

/**
 * Query of a list of partner rows. Filters are plain `field=value` pairs (e.g. ?sku=SKU-100), one per
 * field: they are described in the operation, not as a `filters` object, which a client would
 * serialise into a query the gateway refuses.
 */
export const ListQueries = (example: string, subject?: SubjectName, except: string[] = []) =>
  applyDecorators(
    PurposeHeader(),
    ...(subject
      ? Object.entries(SUBJECTS[subject].fields)
          .filter(([field]) => !except.includes(field))
          .map(([field, spec]) =>
            ApiQuery({
              name: field,
              required: false,
              description: `Only rows whose ${field} equals this value (a field you may read)`,
              schema: filterSchema(spec),
            }),
          )
      : []),
    ApiQuery({ name: 'fields', required: false, description: 'Comma-separated fields to return (default: every field you may read)', example }),
    ApiQuery({
      name: 'limit',
      required: false,
      description: "Page size (default 100, at most your policy's maxPageSize)",
      schema: { type: 'integer', minimum: 1 },
    }),
    ApiQuery({ name: 'cursor', required: false, description: 'meta.nextCursor of the previous page' }),
  );

/** A named schema (components.schemas, see api-schemas.ts), a DTO class, or an inline schema. */
export type ApiModel = string | Type<unknown> | SchemaObject;

function schemaOf(model: ApiModel): SchemaObject | ReferenceObject {
  if (typeof model === 'string') return { $ref: `#/components/schemas/${model}` };
  if (typeof model === 'function') return { $ref: getSchemaPath(model) };
  return model;
}

export interface EnvelopeOptions {
  /** `data` is an array of the model. */
  list?: boolean;
  /** Default 200. */
  status?: number;
  /** Schema of `meta` (default ReadMeta for reads of partner rows: give another for other answers). */
  meta?: ApiModel;
  description?: string;
  headers?: Record<string, HeaderObject>;
  example?: unknown;
  /** The same answer in other content types (e.g. text/csv when asked with ?format=csv). */
  alsoAs?: Record<string, ApiModel>;
}

/** A `{ data, meta }` answer: `data` is the model (or a list of it), `meta` is described. */
export function ApiEnvelope(model: ApiModel, options: EnvelopeOptions = {}) {
  const status = options.status ?? 200;
  const data = schemaOf(model);
  const schema: SchemaObject = {
    type: 'object',
    required: ['data', 'meta'],
    properties: { data: options.list ? { type: 'array', items: data } : data, meta: schemaOf(options.meta ?? 'ReadMeta') },
  };
  const decorators = [
    ApiResponse({
      status,
      description: options.description ?? (options.list ? 'A page of rows' : status === 201 ? 'Created' : 'The answer'),
      headers: options.headers,
      content: {
        'application/json': { schema, ...(options.example !== undefined ? { example: options.example } : {}) },
        ...Object.fromEntries(Object.entries(options.alsoAs ?? {}).map(([type, model]) => [type, { schema: schemaOf(model) }])),
      },
    }),
  ];
  if (typeof model === 'function') decorators.unshift(ApiExtraModels(model));
  return applyDecorators(...decorators);
}

/** A success answer that is not an envelope (a document, a report, text). */
export function ApiAnswer(
  contentType: string | Record<string, ApiModel>,
  schema: ApiModel | null,
  options: { status?: number; description: string; headers?: Record<string, HeaderObject> },
) {
  const types = typeof contentType === 'string' ? { [contentType]: schema! } : contentType;
  const content = Object.fromEntries(Object.entries(types).map(([type, model]) => [type, { schema: schemaOf(model) }]));
  return ApiResponse({ status: options.status ?? 200, description: options.description, headers: options.headers, content });
}

/** What each refusal status means here; the codes are those of ErrorCode (src/common/gateway-error.ts). */
export const PROBLEM_STATUSES: Record<number, string> = {
  400: 'Bad request: VALIDATION_FAILED, INVALID_CURSOR, PURPOSE_REQUIRED, PURPOSE_CONFLICT or POLICY_INVALID',
  401: 'Missing or invalid bearer token: UNAUTHENTICATED',
  403: 'Refused: FORBIDDEN_ROLE, FORBIDDEN, FORBIDDEN_FIELDS, OUT_OF_SCOPE, NO_POLICY, PARTNER_SUSPENDED or TRANSPARENCY_DISABLED',
  404: 'NOT_FOUND: no such record, or none you may see',
  409: 'CONFLICT (the id exists, or the state changed) or PROPOSAL_STALE',
  412: 'PRECONDITION_FAILED: If-Match does not name the version in force; nothing changed (`currentVersion`)',
  413: 'PAYLOAD_TOO_LARGE: the body is over the size limit, or holds too many events',
  415: 'UNSUPPORTED_MEDIA_TYPE: the body is in an encoding or charset the gateway does not read',
  422: 'IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was used with another request',
  428: 'PRECONDITION_REQUIRED: If-Match is required here; nothing changed',
  429: 'RATE_LIMITED: over your requests per minute; retry after Retry-After seconds',
  503: 'SERVICE_UNAVAILABLE: the access cannot be recorded or the store is unavailable; nothing was returned or changed',
};

export const RETRY_AFTER: HeaderObject = { description: 'Seconds to wait before retrying', schema: { type: 'integer' } };

/** problem+json answers of the given statuses (application/problem+json, schema Problem). */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_STATUSES[status] ?? 'Refused',
        headers: status === 429 ? { 'Retry-After': RETRY_AFTER } : undefined,
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      }),
    ),
  );
}

export const IF_MATCH_STATUSES = [412, 428];
