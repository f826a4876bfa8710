/**
 * The console's view of the gateway's answers. Every shape comes from the generated typed client
 * (client/schema.d.ts, `npm run client:generate`): the named schemas, and the answers and bodies a
 * route declares inline, so a change of the public API shows up here at compile time. The
 * declarations live with the gateway (src/transport/rest/api-schemas.ts and the controllers).
 */
import type { components, paths } from '../../../client/schema';

type Schemas = components['schemas'];

/** The JSON body a route answers with 200, for answers declared inline rather than as a named schema. */
type Answer<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer A } } } } ? A : never;
/** The JSON body a route takes. */
type RequestBody<P extends keyof paths, M extends 'put' | 'post'> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** A policy document (same shape as policies/*.yaml). */
export type PolicyDocument = Schemas['PolicyVersion']['document'];
/** `GET /api/v1/policies` and `/api/v1/policies/:partnerId`. */
export type PolicyView = Schemas['PolicyVersion'];
/** `GET /api/v1/policies/:partnerId/versions`. */
export type VersionSummary = Schemas['PolicyVersionSummary'];
/** `GET /api/v1/audit-events` and `/api/v1/me/access-log`. */
export type AuditEvent = Schemas['AuditEvent'];
/** `GET /api/v1/audit-events/:id/rules`: the rules an event names, as its policy version wrote them. */
export type AuditEventRules = Schemas['AuditEventRules'];
export type PolicyRule = Schemas['PolicyRule'];

export const SUBJECTS = ['DemandSignal', 'CapacitySignal', 'Shipment', 'ShipmentEvent'] as const;
export type Subject = (typeof SUBJECTS)[number];
export const isSubject = (s: string): s is Subject => (SUBJECTS as readonly string[]).includes(s);
export const ACTIONS = ['read', 'create', 'update'] as const;

/** `GET /api/v1/agreements/:id` and `/api/v1/me/agreements` (contract section 14); `dependents` only for governance. */
export type Agreement = Schemas['Agreement'];
export type AgreementStatus = Agreement['status'];
export type AgreementHistoryEntry = Agreement['history'][number];
/** `POST /api/v1/agreements/:id/revisions`: only the terms that change, and a note. */
export type AgreementRevision = RequestBody<'/api/v1/agreements/{id}/revisions', 'post'>;

/** `GET /api/v1/access-matrix`: one row per partner, subject, action and purpose. */
export type AccessMatrixRow = Answer<'/api/v1/access-matrix', 'get'>['data'][number];

/** `GET /api/v1/me`: the partner's own view of its rights. */
export type Me = NonNullable<Answer<'/api/v1/me', 'get'>['data']>;

export const WEBHOOK_EVENTS = ['shipment.updated', 'demand.updated', 'capacity.updated'] as const;

/** `GET /api/v1/me/webhooks`; register and rotate-secret answer it with its `secret` (shown once). */
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookEndpointWithSecret = Schemas['WebhookEndpointWithSecret'];
/** `GET /api/v1/me/webhooks/:id/deliveries`. */
export type WebhookDelivery = Schemas['WebhookDelivery'];
