import { AGREEMENT_STATUSES } from '../../agreements/agreement-status';
import type { SchemaObject } from '@nestjs/swagger';
import { ERROR_CODES } from '../../common/gateway-error';
import { FieldSpec, SUBJECT_NAMES, SUBJECTS, SubjectName } from '../../data/subjects';
import { demoCapacitySignals, demoDemandSignals, demoShipmentEvents, demoShipments } from '../../demo/demo-data';
import { MAX_PUSH_EVENTS } from '../../logistics/shipment-event-batch';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/webhook-queue';

/**
 * Named schemas of the OpenAPI document (components.schemas), referenced by ApiEnvelope('Name') and
 * ApiProblems. Row schemas come from the subject catalog, the one list of fields a policy may name;
 * their examples are demo rows (src/demo/demo-data.ts).
 */
const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
const str: SchemaObject = { type: 'string' };
const strings: SchemaObject = { type: 'array', items: { type: 'string' } };

function fieldSchema(spec: FieldSpec): SchemaObject {
  const base: SchemaObject =
    spec.type === 'integer'
      ? { type: 'integer', format: 'int32' }
      : spec.type === 'number'
        ? { type: 'number' }
        : spec.type === 'date'
          ? { type: 'string', format: 'date' }
          : spec.type === 'timestamp'
            ? { type: 'string', format: 'date-time' }
            : spec.type === 'enum'
              ? { type: 'string', enum: [...spec.values!] }
              : { type: 'string', ...(spec.maxLength !== undefined ? { maxLength: spec.maxLength } : {}) };
  return spec.nullable ? nullable(base) : base;
}

/** A query filter value: the field's type without null. */
export function filterSchema(spec: FieldSpec): SchemaObject {
  const { nullable: _, maxLength: __, ...schema } = fieldSchema(spec);
  return schema;
}

const DEMO_ROWS: Record<SubjectName, object> = {
  DemandSignal: demoDemandSignals[0],
  CapacitySignal: demoCapacitySignals[0],
  Shipment: demoShipments[0],
  ShipmentEvent: demoShipmentEvents[0],
};

function rowSchema(subject: SubjectName): SchemaObject {
  return {
    type: 'object',
    description: `A ${subject} row: only the fields your policy lets you read (and asked for with ?fields=) are present.`,
    properties: Object.fromEntries(Object.entries(SUBJECTS[subject].fields).map(([name, spec]) => [name, fieldSchema(spec)])),
    example: DEMO_ROWS[subject],
  };
}

export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'RFC 9457 problem details; `code` is stable and machine-readable. Some codes add members (`errors`, `fields`, `purposes`, `currentVersion`, `limit`, `retryAfterSeconds`).',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', format: 'uri', example: 'https://gateway.local/problems/validation-failed' },
    title: { type: 'string', example: 'Validation failed' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string', example: "unknown query parameter or field 'colour'" },
    code: { type: 'string', enum: [...ERROR_CODES], example: 'VALIDATION_FAILED' },
    instance: { type: 'string', example: '/api/v1/demand-signals' },
    errors: { ...strings, description: 'VALIDATION_FAILED: each problem found' },
    fields: { ...strings, description: 'FORBIDDEN_FIELDS: the fields refused' },
  },
};

const AUDIT_EVENT: SchemaObject = {
  type: 'object',
  description: 'One audited access (docs/audit.md), with its place in the hash chain.',
  required: [
    'id',
    'seq',
    'at',
    'requestId',
    'actor',
    'transport',
    'operation',
    'action',
    'subject',
    'resourceIds',
    'purpose',
    'decision',
    'status',
    'code',
    'reason',
    'fieldsReturned',
    'fieldsDenied',
    'rowCount',
    'policyVersion',
    'ruleIds',
    'agreementIds',
    'latencyMs',
    'prevHash',
    'hash',
  ],
  properties: {
    id: str,
    seq: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    requestId: str,
    actor: { type: 'object', required: ['sub', 'partnerId', 'roles'], properties: { sub: nullable(str), partnerId: nullable(str), roles: strings } },
    transport: str,
    operation: { type: 'string', example: 'GET /api/v1/demand-signals' },
    action: nullable(str),
    subject: nullable(str),
    resourceIds: strings,
    purpose: nullable(str),
    decision: { type: 'string', enum: ['allow', 'partial', 'deny', 'error'] },
    status: { type: 'integer' },
    code: nullable(str),
    reason: nullable(str),
    fieldsReturned: strings,
    fieldsDenied: strings,
    rowCount: { type: 'integer' },
    policyVersion: nullable({ type: 'integer' }),
    ruleIds: strings,
    agreementIds: { ...strings, description: 'The agreements the deciding rules rest on' },
    latencyMs: nullable({ type: 'number' }),
    prevHash: str,
    hash: str,
  },
};

const POLICY_RULE: SchemaObject = {
  type: 'object',
  description: 'A rule (docs/policy-language.md); further members as the language defines them',
  required: ['id', 'action', 'subject'],
  additionalProperties: true,
  properties: {
    id: str,
    action: { oneOf: [str, strings] },
    subject: str,
    fields: strings,
    conditions: { type: 'object', additionalProperties: true, description: 'Row conditions (MongoDB-style operators; placeholders as written)' },
    purposes: strings,
    inverted: { type: 'boolean' },
    reason: str,
    validFrom: { type: 'string', description: 'ISO 8601 date or date-time: the rule applies from this instant' },
    validUntil: { type: 'string', description: 'ISO 8601 date or date-time: the rule applies until just before this instant' },
    agreement: { type: 'string', description: 'The agreement the rule rests on' },
    transform: { type: 'object', additionalProperties: true, description: 'Fields granted as a coarser value' },
  },
};

const AUDIT_EVENT_RULES: SchemaObject = {
  type: 'object',
  description:
    'The rules an audit event names (ruleIds), as the policy version recorded in the event wrote them; none when the event names no rules or no version.',
  required: ['eventId', 'partnerId', 'policyVersion', 'rules', 'ruleIdsNotFound'],
  properties: {
    eventId: str,
    partnerId: nullable({ type: 'string', description: 'The partner whose policy judged the request; null for callers acting for no partner' }),
    policyVersion: nullable({ type: 'integer', description: 'The version recorded in the event' }),
    rules: { type: 'array', items: { $ref: '#/components/schemas/PolicyRule' }, description: 'In the order of the policy document (later rules win)' },
    ruleIdsNotFound: { ...strings, description: 'Ids the event names that the stored version does not hold' },
  },
};

const POLICY_DOCUMENT: SchemaObject = {
  type: 'object',
  description: 'The policy document (same shape as policies/*.yaml; docs/policy-language.md)',
  required: ['partner', 'rules'],
  additionalProperties: true,
  properties: {
    partner: {
      type: 'object',
      required: ['id', 'name', 'kind'],
      additionalProperties: true,
      properties: { id: str, name: str, kind: str, attributes: { type: 'object', additionalProperties: true } },
    },
    approval: { type: 'string', enum: ['required', 'none'] },
    rules: { type: 'array', items: { $ref: '#/components/schemas/PolicyRule' } },
  },
};

const POLICY_VERSION: SchemaObject = {
  type: 'object',
  required: ['partnerId', 'version', 'author', 'createdAt', 'note', 'document'],
  properties: {
    partnerId: { type: 'string', example: 'supplier-northwind' },
    version: { type: 'integer', example: 1 },
    author: nullable(str),
    createdAt: { type: 'string', format: 'date-time' },
    note: nullable(str),
    document: POLICY_DOCUMENT,
  },
};

const VERSION_SUMMARY: SchemaObject = {
  type: 'object',
  required: [
    'version',
    'author',
    'createdAt',
    'note',
    'state',
    'approvedBy',
    'baseVersion',
    'decidedBy',
    'decidedAt',
    'decisionReason',
    'inForce',
    'documentHash',
  ],
  properties: {
    version: { type: 'integer' },
    author: nullable(str),
    createdAt: { type: 'string', format: 'date-time' },
    note: nullable(str),
    state: { type: 'string', enum: ['active', 'proposed', 'rejected', 'withdrawn'], example: 'active' },
    approvedBy: nullable({ type: 'string', description: 'The officer who approved it (four eyes)' }),
    baseVersion: nullable({ type: 'integer', description: 'The version in force when it was made' }),
    decidedBy: nullable(str),
    decidedAt: nullable({ type: 'string', format: 'date-time' }),
    decisionReason: nullable(str),
    inForce: { type: 'boolean' },
    documentHash: str,
  },
};

const WEBHOOK_EVENTS: SchemaObject = { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] }, minItems: 1 };
const WEBHOOK_ENDPOINT: SchemaObject = {
  type: 'object',
  description: 'A webhook endpoint of yours (contract section 11)',
  required: ['id', 'url', 'events', 'description', 'purpose', 'enabled', 'status', 'disabledReason', 'disabledAt', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    url: { type: 'string', example: 'https://hooks.northwind.example/gateway' },
    events: WEBHOOK_EVENTS,
    description: { type: 'string', nullable: true },
    purpose: { type: 'string', description: 'Deliveries are judged under this purpose' },
    enabled: { type: 'boolean' },
    status: { type: 'string', enum: ['active', 'disabled'] },
    disabledReason: { type: 'string', nullable: true },
    disabledAt: { type: 'string', nullable: true },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
};
const WEBHOOK_ENDPOINT_WITH_SECRET: SchemaObject = {
  ...WEBHOOK_ENDPOINT,
  required: [...WEBHOOK_ENDPOINT.required!, 'secret'],
  properties: { ...WEBHOOK_ENDPOINT.properties, secret: { type: 'string', example: 'whsec_…', description: 'Shown once: keep it to verify signatures' } },
};
const WEBHOOK_DELIVERY: SchemaObject = {
  type: 'object',
  description: 'One delivery of an event to one of your endpoints',
  required: [
    'id',
    'eventType',
    'subject',
    'recordId',
    'status',
    'attempts',
    'nextAttemptAt',
    'lastAttemptAt',
    'lastStatus',
    'lastError',
    'occurredAt',
    'createdAt',
    'settledAt',
  ],
  properties: {
    id: { type: 'string', description: 'Also the webhook-id header' },
    eventType: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] },
    subject: { type: 'string' },
    recordId: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed', 'skipped', 'cancelled'] },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'string', nullable: true },
    lastAttemptAt: { type: 'string', nullable: true },
    lastStatus: { type: 'integer', nullable: true },
    lastError: { type: 'string', nullable: true },
    occurredAt: { type: 'string' },
    createdAt: { type: 'string' },
    settledAt: { type: 'string', nullable: true },
  },
};

export const API_SCHEMAS: Record<string, SchemaObject> = {
  Problem: PROBLEM_SCHEMA,
  ...Object.fromEntries(SUBJECT_NAMES.map((s) => [s, rowSchema(s)])),
  ReadMeta: {
    type: 'object',
    description: 'How the answer was judged: the fields returned, those withheld on some rows, the policy version and purpose, and the next page.',
    required: ['nextCursor', 'fields', 'redactedFields', 'policyVersion', 'purpose'],
    properties: {
      nextCursor: nullable({ type: 'string', description: 'Pass as ?cursor= for the next page; null on the last page' }),
      fields: { ...strings, example: ['id', 'sku', 'periodStart', 'forecastQty'] },
      redactedFields: { ...strings, description: 'Fields left out of some rows (granted on some rows only)' },
      policyVersion: nullable({ type: 'integer', example: 1 }),
      purpose: nullable({ type: 'string', example: 'replenishment-planning' }),
    },
  },
  WriteMeta: {
    type: 'object',
    description: 'The policy version and purpose that judged the write.',
    properties: { policyVersion: nullable({ type: 'integer' }), purpose: nullable(str) },
  },
  CountMeta: {
    type: 'object',
    properties: { count: { type: 'integer' }, nextCursor: nullable({ type: 'string', description: 'Present on paged lists' }) },
  },
  EmptyMeta: { type: 'object', description: 'Nothing to add' },
  BatchResult: {
    type: 'object',
    required: ['results'],
    properties: {
      results: {
        type: 'array',
        maxItems: MAX_PUSH_EVENTS,
        items: {
          type: 'object',
          required: ['index', 'outcome'],
          properties: {
            index: { type: 'integer' },
            eventId: nullable(str),
            outcome: { type: 'string', enum: ['accepted', 'refused', 'duplicate'] },
            code: nullable({ type: 'string', description: 'refused: the code the single-event route would give; duplicate: DUPLICATE' }),
            message: nullable(str),
          },
        },
      },
    },
  },
  BatchMeta: {
    type: 'object',
    properties: {
      total: { type: 'integer' },
      accepted: { type: 'integer' },
      refused: { type: 'integer' },
      duplicate: { type: 'integer' },
      policyVersion: nullable({ type: 'integer' }),
      purpose: nullable(str),
    },
  },
  AuditEvent: AUDIT_EVENT,
  AuditEventRules: AUDIT_EVENT_RULES,
  CheckpointKeySet: {
    type: 'object',
    description: 'A JSON Web Key Set (RFC 7517): the public keys audit checkpoints are verified with',
    required: ['keys'],
    properties: {
      keys: {
        type: 'array',
        items: {
          type: 'object',
          required: ['kty', 'kid', 'alg', 'use'],
          additionalProperties: true,
          properties: {
            kty: { type: 'string', enum: ['RSA', 'EC', 'OKP'] },
            kid: str,
            alg: { type: 'string', enum: ['RS256', 'ES256', 'EdDSA'] },
            use: { type: 'string', enum: ['sig'] },
            n: str,
            e: str,
            crv: str,
            x: str,
            y: str,
          },
        },
      },
    },
  },
  PolicyRule: POLICY_RULE,
  PolicyVersion: POLICY_VERSION,
  PolicyVersionSummary: VERSION_SUMMARY,
  DecisionMeta: {
    type: 'object',
    properties: { version: { type: 'integer' }, inForce: nullable({ type: 'integer', description: 'The version in force, if any' }) },
  },
  Agreement: {
    type: 'object',
    description: 'A data-sharing agreement (docs/governance-guide.md, "Agreements"); `dependents` only for governance.',
    required: [
      'id',
      'partnerId',
      'title',
      'terms',
      'status',
      'revision',
      'purposes',
      'subjects',
      'validFrom',
      'validUntil',
      'createdBy',
      'createdAt',
      'updatedAt',
      'history',
    ],
    properties: {
      id: str,
      partnerId: str,
      title: str,
      terms: str,
      status: { type: 'string', enum: [...AGREEMENT_STATUSES] },
      revision: { type: 'integer' },
      purposes: { type: 'array', items: str },
      subjects: { type: 'array', items: str },
      validFrom: str,
      validUntil: str,
      createdBy: str,
      createdAt: str,
      updatedAt: str,
      history: {
        type: 'array',
        items: {
          type: 'object',
          required: ['at', 'by', 'role', 'action', 'revision'],
          properties: {
            at: str,
            by: str,
            role: { type: 'string', enum: ['governance', 'partner'] },
            action: { type: 'string', enum: ['offered', 'accepted', 'declined', 'terminated', 'revised'] },
            revision: { type: 'integer' },
            note: nullable(str),
          },
        },
      },
      dependents: {
        type: 'array',
        description: 'The partners and rules that rest on it',
        items: { type: 'object', required: ['partnerId', 'ruleIds'], properties: { partnerId: str, ruleIds: strings } },
      },
    },
  },
  WebhookEndpoint: WEBHOOK_ENDPOINT,
  WebhookEndpointWithSecret: WEBHOOK_ENDPOINT_WITH_SECRET,
  WebhookDelivery: WEBHOOK_DELIVERY,
  ShadowReport: {
    type: 'object',
    description: 'What a candidate policy in shadow would have answered differently (counts, field names and rule ids; never a value of partner data)',
    required: ['partnerId', 'since', 'evaluated', 'differing', 'operations'],
    properties: {
      partnerId: str,
      since: { type: 'string', format: 'date-time', description: 'When the shadow started' },
      author: str,
      documentHash: { type: 'string', description: 'sha256 of the candidate document' },
      policyVersion: nullable({ type: 'integer', description: 'The version in force it is compared with' }),
      sampleRate: { type: 'number', minimum: 0, maximum: 1, description: 'SHADOW_SAMPLE_RATE: the share of requests evaluated' },
      evaluated: { type: 'integer', description: 'Requests evaluated' },
      differing: { type: 'integer', description: 'Requests the candidate would have answered differently' },
      errors: { type: 'integer', description: 'Evaluations that failed (logged; never part of an answer)' },
      notCompared: {
        type: 'array',
        description:
          'Subjects whose rules (in force or candidate) condition on fields that may not be counted by: requests those rules judge are not compared, since counts under chosen conditions would read the values out',
        items: { type: 'object', required: ['subject', 'fields'], properties: { subject: str, fields: strings } },
      },
      operations: {
        type: 'array',
        items: {
          type: 'object',
          required: ['operation', 'rowsGained', 'rowsLost', 'fieldsGained', 'fieldsLost'],
          properties: {
            operation: { type: 'string', example: 'read DemandSignal' },
            evaluated: { type: 'integer' },
            differing: { type: 'integer' },
            rowsGained: { type: 'integer', description: 'Rows the candidate would have answered besides' },
            rowsLost: { type: 'integer', description: 'Rows answered that the candidate would not have answered' },
            fieldsGained: { ...strings, description: 'Fields the candidate would have returned on rows where they were withheld' },
            fieldsLost: { ...strings, description: 'Fields returned that the candidate would have withheld' },
            ruleIds: { ...strings, description: "The candidate's rules behind the rows and fields that differ" },
          },
        },
      },
    },
  },
  AggregateMeta: {
    type: 'object',
    properties: {
      minGroupSize: nullable({ type: 'integer' }),
      suppressedGroups: { type: 'integer', description: 'Groups under minGroupSize, left out' },
      policyVersion: nullable({ type: 'integer' }),
      purpose: nullable(str),
    },
  },
};
