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
}

export interface SubjectSpec {
  name: SubjectName;
  table: string;
  fields: Record<string, FieldSpec>;
  /** Set by the gateway on every write; a body naming them is refused as mass assignment. */
  systemFields: readonly string[];
  /** Values a created row takes for required fields the body leaves out. */
  defaults?: Readonly<Record<string, unknown>>;
}

export const SUBJECT_NAMES = ['DemandSignal', 'CapacitySignal', 'Shipment', 'ShipmentEvent'] as const;
export type SubjectName = (typeof SUBJECT_NAMES)[number];

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export const SHIPMENT_STATUSES = ['planned', 'picked_up', 'in_transit', 'delayed', 'delivered', 'exception'] as const;

/** Text of a varchar(n) column, or of a text column the gateway bounds. */
const str = (maxLength: number): FieldSpec => ({ type: 'string', maxLength });
const optStr = (maxLength: number): FieldSpec => ({ type: 'string', nullable: true, maxLength });
const ID = str(64);
const int: FieldSpec = { type: 'integer' };
const optNum: FieldSpec = { type: 'number', nullable: true };
const ts: FieldSpec = { type: 'timestamp' };
const optTs: FieldSpec = { type: 'timestamp', nullable: true };
const date: FieldSpec = { type: 'date' };

export const SUBJECTS: Record<SubjectName, SubjectSpec> = {
  DemandSignal: {
    name: 'DemandSignal',
    table: 'demand_signals',
    fields: {
      id: ID,
      sku: str(64),
      productFamily: optStr(128),
      site: str(64),
      region: str(64),
      periodStart: date,
      forecastQty: int,
      orderedQty: { type: 'integer', nullable: true },
      unitPrice: optNum,
      customerName: optStr(200),
      marginPct: optNum,
      updatedAt: ts,
    },
    systemFields: ['updatedAt'],
  },
  CapacitySignal: {
    name: 'CapacitySignal',
    table: 'capacity_signals',
    fields: {
      id: ID,
      supplierId: str(64),
      site: str(64),
      sku: str(64),
      periodStart: date,
      availableQty: int,
      committedQty: { type: 'integer', nullable: true },
      leadTimeDays: { type: 'integer', nullable: true },
      riskLevel: { type: 'enum', values: RISK_LEVELS },
      riskNotes: optStr(2000),
      unitCost: optNum,
      updatedAt: ts,
    },
    systemFields: ['updatedAt'],
  },
  Shipment: {
    name: 'Shipment',
    table: 'shipments',
    fields: {
      id: ID,
      reference: str(64),
      carrierId: str(64),
      shipperId: str(64),
      origin: str(128),
      destination: str(128),
      sku: str(64),
      quantity: int,
      status: { type: 'enum', values: SHIPMENT_STATUSES },
      eta: optTs,
      lastLocation: optStr(200),
      lastEventAt: optTs,
      temperatureC: optNum,
      sscc: optStr(18),
      freightCost: optNum,
      routingPlan: optStr(4000),
      updatedAt: ts,
    },
    systemFields: ['updatedAt'],
    defaults: { status: 'planned' },
  },
  ShipmentEvent: {
    name: 'ShipmentEvent',
    table: 'shipment_events',
    fields: {
      id: ID,
      shipmentId: str(64),
      status: { type: 'enum', values: SHIPMENT_STATUSES },
      occurredAt: ts,
      location: optStr(200),
      note: optStr(2000),
      recordedBy: str(64),
    },
    systemFields: ['id', 'shipmentId', 'recordedBy'],
  },
};

export function isSubjectName(value: unknown): value is SubjectName {
  return typeof value === 'string' && (SUBJECT_NAMES as readonly string[]).includes(value);
}

export function fieldsOf(subject: SubjectName): string[] {
  return Object.keys(SUBJECTS[subject].fields);
}
