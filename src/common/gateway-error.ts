/**
 * Every refusal the gateway gives has a stable machine-readable code. Transports map
 * these to problem+json (REST) or to GraphQL errors with extensions.code. The OpenAPI document's
 * `code` enum is built from this list.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'FORBIDDEN_ROLE',
  'FORBIDDEN_FIELDS',
  'OUT_OF_SCOPE',
  'NOT_FOUND',
  'PURPOSE_REQUIRED',
  'PURPOSE_CONFLICT',
  'PARTNER_SUSPENDED',
  'NO_POLICY',
  'VALIDATION_FAILED',
  'POLICY_INVALID',
  'INVALID_CURSOR',
  'CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
  'VERSION_CONFLICT',
  'METHOD_NOT_ALLOWED',
  'UNSUPPORTED_MEDIA_TYPE',
  'PRECONDITION_FAILED',
  'PRECONDITION_REQUIRED',
  'PROPOSAL_STALE',
  'TRANSPARENCY_DISABLED',
  'SUBSCRIPTION_LIMIT',
  'SUBSCRIPTION_BUDGET_EXCEEDED',
  'CLIENT_ABORTED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface GatewayErrorOptions {
  detail?: string;
  /** Extra members of the problem document (e.g. `fields`, `purposes`, `problems`). */
  extra?: Record<string, unknown>;
}

export class GatewayError extends Error {
  readonly detail: string;
  readonly extra: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly title: string,
    options: GatewayErrorOptions = {},
  ) {
    super(options.detail ?? title);
    this.detail = options.detail ?? title;
    this.extra = options.extra ?? {};
  }

  static notFound(subject: string, id: string): GatewayError {
    return new GatewayError(404, 'NOT_FOUND', 'Not found', { detail: `${subject} '${id}' was not found.` });
  }

  static forbiddenFields(fields: string[], action: string, subject: string): GatewayError {
    return new GatewayError(403, 'FORBIDDEN_FIELDS', 'Forbidden fields', {
      detail: `Your policy does not let you ${action} ${fields.map((f) => `'${f}'`).join(', ')} of ${subject}.`,
      extra: { fields },
    });
  }

  static validation(errors: string[]): GatewayError {
    return new GatewayError(400, 'VALIDATION_FAILED', 'Validation failed', { detail: errors.join('; '), extra: { errors } });
  }

  static unavailable(detail = 'The gateway cannot record this access right now; no data was returned.'): GatewayError {
    return new GatewayError(503, 'SERVICE_UNAVAILABLE', 'Service unavailable', { detail });
  }
}
