import { ID_PATTERN } from '../common/partner-id';

/**
 * The catalog of governed subjects: every field a policy may name, its type,
 * and which fields the gateway itself maintains (never written by a caller).
 */
export type FieldType = 'string' | 'number' | 'integer' | 'date' | 'timestamp' | 'enum';

export interface FieldSpec {
  type: FieldType;
  values?: readonly string[];
  nullable?: boolean;
  /** Strings: at most this many characters (code points, as the databases count), the column's length. */
  maxLength?: number;
  /** Strings a caller writes: at least this many characters. */
  minLength?: number;
  /** Numbers a caller writes: at least this. */
  minimum?: number;
  /** Strings a caller writes: the whole value matches. */
  pattern?: RegExp;
  /** Whether a create body may carry the field, and must. Left out: a create never writes it. */
  create?: 'required' | 'optional';
  /** Whether an update body may carry the field. */
  update?: boolean;
  /** For the API documents (OpenAPI and GraphQL): what the field holds, when its name does not say it all. */
  description?: string;
  example?: string | number;
}

/** An index the subject's table carries besides its keyset indexes (src/data/keyset-indexes.ts). */
export interface IndexSpec {
  /** Fields (or stored-only columns), in index order. */
  fields: readonly string[];
  unique?: boolean;
  /** Left out: TypeORM's generated name (`IDX_` and a digest of the table and columns). */
  name?: string;
}

export interface SubjectSpec {
  name: SubjectName;
  table: string;
  fields: Record<string, FieldSpec>;
  /** Set by the gateway on every write; a body naming them is refused as mass assignment. */
  systemFields: readonly string[];
  /** Values a created row takes for required fields the body leaves out. */
  defaults?: Readonly<Record<string, unknown>>;
  /** Fields a create body may carry that are not governed fields of this subject (e.g. a tracking event's client id). */
  inputOnly?: Record<string, FieldSpec>;
  /** Columns the gateway keeps for its own work (receipt time, the client's event id): never answered, never named by a policy. */
  storedFields?: Record<string, FieldSpec>;
  /** The names of `storedFields`, derived from them. */
  storedOnly?: readonly string[];
  indexes?: readonly IndexSpec[];
}

export const SUBJECT_NAMES = ['DemandSignal', 'CapacitySignal', 'Shipment', 'ShipmentEvent'] as const;
export type SubjectName = (typeof SUBJECT_NAMES)[number];

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export const SHIPMENT_STATUSES = ['planned', 'picked_up', 'in_transit', 'delayed', 'delivered', 'exception'] as const;

/** What a helper's caller may add or override: never the type or the nullability, which row types are derived from. */
type FieldExtras = Partial<Omit<FieldSpec, 'type' | 'nullable'>>;

/** An id a caller may choose; generated when left out. */
const chosenId = (example: string): FieldSpec & { type: 'string' } => ({
  type: 'string',
  maxLength: 64,
  pattern: ID_PATTERN,
  create: 'optional',
  description: 'Generated when left out',
  example,
});
/** A required text column a caller writes (not empty). */
const text = (maxLength: number, example: string, extra: FieldExtras = {}): FieldSpec & { type: 'string' } => ({
  type: 'string',
  maxLength,
  minLength: 1,
  create: 'required',
  update: true,
  example,
  ...extra,
});
/** An optional text column a caller writes (not empty when given). */
const optText = (maxLength: number, example: string, extra: FieldExtras = {}): FieldSpec & { type: 'string'; nullable: true } => ({
  type: 'string',
  nullable: true,
  maxLength,
  minLength: 1,
  create: 'optional',
  update: true,
  example,
  ...extra,
});
const date = (example: string): FieldSpec & { type: 'date' } => ({ type: 'date', create: 'required', update: true, example });
const updatedAt = { type: 'timestamp' } as const satisfies FieldSpec;

/**
 * The catalog with its literal types kept (`as const`), so that row types can be derived from it
 * (catalog-row.ts); code reads it as `SUBJECTS`.
 */
const CATALOG = {
  DemandSignal: {
    name: 'DemandSignal',
    table: 'demand_signals',
    fields: {
      id: chosenId('ds-2001'),
      sku: text(64, 'SKU-100'),
      productFamily: optText(128, 'Drive units'),
      site: text(64, 'PLANT-DE-1'),
      region: text(64, 'EMEA'),
      periodStart: date('2026-12-01'),
      forecastQty: { type: 'integer', minimum: 0, create: 'required', update: true, example: 1200 },
      orderedQty: { type: 'integer', nullable: true, minimum: 0, create: 'optional', update: true, example: 800 },
      unitPrice: { type: 'number', nullable: true, minimum: 0, create: 'optional', update: true, example: 12.5 },
      customerName: optText(200, 'Contoso Retail'),
      marginPct: { type: 'number', nullable: true, create: 'optional', update: true, example: 18.2 },
      updatedAt,
    },
    systemFields: ['updatedAt'],
  },
  CapacitySignal: {
    name: 'CapacitySignal',
    table: 'capacity_signals',
    fields: {
      id: chosenId('cap-2001'),
      supplierId: text(64, 'supplier-northwind', { create: 'optional', description: "Defaults to the caller's partner id when its policy pins it" }),
      site: text(64, 'PLANT-DE-1'),
      sku: text(64, 'SKU-100'),
      periodStart: date('2026-12-01'),
      availableQty: { type: 'integer', minimum: 0, create: 'required', update: true, example: 5000 },
      committedQty: { type: 'integer', nullable: true, minimum: 0, create: 'optional', update: true, example: 3200 },
      leadTimeDays: { type: 'integer', nullable: true, minimum: 0, create: 'optional', update: true, example: 21 },
      riskLevel: { type: 'enum', values: RISK_LEVELS, create: 'required', update: true, example: 'medium' },
      riskNotes: optText(2000, 'Resin supply tight until Q1', { minLength: undefined }),
      unitCost: { type: 'number', nullable: true, minimum: 0, create: 'optional', update: true, example: 7.1 },
      updatedAt,
    },
    systemFields: ['updatedAt'],
  },
  Shipment: {
    name: 'Shipment',
    table: 'shipments',
    fields: {
      id: chosenId('shp-2001'),
      reference: text(64, 'PO-2026-0042'),
      carrierId: text(64, 'carrier-swiftlog'),
      shipperId: text(64, 'supplier-northwind'),
      origin: text(128, 'PLANT-DE-1'),
      destination: text(128, 'DC-US-EAST'),
      sku: text(64, 'SKU-100'),
      quantity: { type: 'integer', minimum: 1, create: 'required', update: true, example: 400 },
      status: { type: 'enum', values: SHIPMENT_STATUSES, create: 'optional', update: true, description: 'planned when left out', example: 'planned' },
      eta: { type: 'timestamp', nullable: true, create: 'optional', update: true, example: '2026-12-04T16:00:00.000Z' },
      lastLocation: optText(200, 'Hamburg hub'),
      lastEventAt: { type: 'timestamp', nullable: true, update: true, example: '2026-12-04T18:00:00.000Z' },
      temperatureC: { type: 'number', nullable: true, create: 'optional', update: true, example: 4.5 },
      sscc: optText(18, '106141411234567897', { minLength: undefined, pattern: /^\d{18}$/, description: 'GS1 SSCC, 18 digits' }),
      freightCost: { type: 'number', nullable: true, minimum: 0, create: 'optional', update: true, example: 1830 },
      routingPlan: optText(4000, 'A7 -> Hamburg -> sea', { minLength: undefined }),
      updatedAt,
    },
    systemFields: ['updatedAt'],
    defaults: { status: 'planned' },
    indexes: [{ fields: ['sscc'] }],
  },
  ShipmentEvent: {
    name: 'ShipmentEvent',
    table: 'shipment_events',
    fields: {
      id: { type: 'string', maxLength: 64 },
      shipmentId: { type: 'string', maxLength: 64 },
      status: { type: 'enum', values: SHIPMENT_STATUSES, create: 'required', example: 'in_transit' },
      occurredAt: { type: 'timestamp', create: 'required', example: '2026-12-02T09:30:00.000Z' },
      location: optText(200, 'Rotterdam port', { update: undefined }),
      note: optText(2000, 'Customs cleared', { update: undefined, minLength: undefined }),
      recordedBy: { type: 'string', maxLength: 64 },
    },
    systemFields: ['id', 'shipmentId', 'recordedBy'],
    storedFields: {
      /** When the gateway received the event. */
      recordedAt: { type: 'timestamp' },
      /** The pushing client's own id (batch eventId, EPCIS eventID or event hash): unique per partner. */
      clientEventId: { type: 'string', maxLength: 128, nullable: true },
      /** The temperature the event reported (it is applied to the shipment). */
      temperatureC: { type: 'number', nullable: true },
    },
    indexes: [{ fields: ['shipmentId', 'occurredAt'] }, { fields: ['recordedBy', 'clientEventId'], unique: true }],
    inputOnly: {
      eventId: {
        type: 'string',
        maxLength: 128,
        minLength: 1,
        create: 'optional',
        description: 'Your own event id, unique per partner: a resent event is refused as a duplicate',
        example: 'swift-7781',
      },
      temperatureC: {
        type: 'number',
        create: 'optional',
        description: 'Applied to the shipment (needs update right on its temperatureC)',
        example: 5.2,
      },
    },
  },
} as const satisfies Record<SubjectName, SubjectSpec>;

/** The catalog's literal types, for the row types of catalog-row.ts. */
export type Catalog = typeof CATALOG;

export const SUBJECTS: Record<SubjectName, SubjectSpec> = withStoredOnlyNames(CATALOG);

function withStoredOnlyNames(catalog: Record<SubjectName, SubjectSpec>): Record<SubjectName, SubjectSpec> {
  const subjects = {} as Record<SubjectName, SubjectSpec>;
  for (const name of SUBJECT_NAMES) subjects[name] = { ...catalog[name], storedOnly: Object.keys(catalog[name].storedFields ?? {}) };
  return subjects;
}

/** The fields a create or update body may carry, in catalog order (input-only fields last), each with whether a create must. */
export function writableFields(subject: SubjectName, action: 'create' | 'update'): Array<{ field: string; spec: FieldSpec; required: boolean }> {
  const { fields, inputOnly } = SUBJECTS[subject];
  return Object.entries({ ...fields, ...inputOnly })
    .filter(([, spec]) => (action === 'create' ? spec.create !== undefined : spec.update === true))
    .map(([field, spec]) => ({ field, spec, required: action === 'create' && spec.create === 'required' }));
}

export function isSubjectName(value: unknown): value is SubjectName {
  return typeof value === 'string' && (SUBJECT_NAMES as readonly string[]).includes(value);
}

export function fieldsOf(subject: SubjectName): string[] {
  return Object.keys(SUBJECTS[subject].fields);
}
