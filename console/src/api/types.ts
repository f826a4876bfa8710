/**
 * The console's view of the gateway's answers. Every shape with a named schema in the OpenAPI
 * document comes from the generated typed client (client/schema.d.ts, `npm run client:generate`),
 * so a change of the public API shows up here at compile time. The declarations live with the
 * gateway (src/transport/rest/api-schemas.ts).
 */
import type { components } from '../../../client/schema';

type Schemas = components['schemas'];

/** A policy document (same shape as policies/*.yaml). */
export type PolicyDocument = Schemas['PolicyVersion']['document'];
/** `GET /api/v1/policies` and `/api/v1/policies/:partnerId`. */
export type PolicyView = Schemas['PolicyVersion'];
/** `GET /api/v1/policies/:partnerId/versions`. */
export type VersionSummary = Schemas['PolicyVersionSummary'];
/** `GET /api/v1/audit/events` and `/api/v1/me/audit-events`. */
export type AuditEvent = Schemas['AuditEvent'];
/** `GET /api/v1/audit-events/:id/rules`: the rules an event names, as its policy version wrote them. */
export type AuditEventRules = Schemas['AuditEventRules'];
export type PolicyRule = Schemas['PolicyRule'];

/** The envelope of a paged list (its `meta` varies by route; this is the part the console reads). */
export interface Page<T> {
  data: T[];
  meta: { nextCursor: string | null; count: number };
}

export const SUBJECTS = ['DemandSignal', 'CapacitySignal', 'Shipment', 'ShipmentEvent'] as const;
export const ACTIONS = ['read', 'create', 'update'] as const;

/** `GET /api/v1/agreements/:id` and `/api/v1/me/agreements` (contract section 14); `dependents` only for governance. */
export type Agreement = Schemas['Agreement'];
export type AgreementStatus = Agreement['status'];
export type AgreementHistoryEntry = Agreement['history'][number];

export const WEBHOOK_EVENTS = ['shipment.updated', 'demand.updated', 'capacity.updated'] as const;

/** `GET /api/v1/me/webhooks`; register and rotate-secret answer it with its `secret` (shown once). */
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookEndpointWithSecret = Schemas['WebhookEndpointWithSecret'];
/** `GET /api/v1/me/webhooks/:id/deliveries`. */
export type WebhookDelivery = Schemas['WebhookDelivery'];
