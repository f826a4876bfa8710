/**
 * The catalog of governed subjects: every field a policy may name, its type,
 * and which fields the gateway itself maintains (never written by a caller).
 */
export type FieldType = 'string' | 'number' | 'integer' | 'date' | 'timestamp' | 'enum';

export interface FieldSpec {
  type: FieldType;
  values?: readonly string[];
  nullable?: boolean;
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

const str: FieldSpec = { type: 'string' };
const optStr: FieldSpec = { type: 'string', nullable: true };
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
      id: str, sku: str, productFamily: optStr, site: str, region: str, periodStart: date,
      forecastQty: int, orderedQty: { type: 'integer', nullable: true }, unitPrice: optNum,
      customerName: optStr, marginPct: optNum, updatedAt: ts,
    },
    systemFields: ['updatedAt'],
  },
  CapacitySignal: {
    name: 'CapacitySignal',
    table: 'capacity_signals',
    fields: {
      id: str, supplierId: str, site: str, sku: str, periodStart: date, availableQty: int,
      committedQty: { type: 'integer', nullable: true }, leadTimeDays: { type: 'integer', nullable: true },
      riskLevel: { type: 'enum', values: RISK_LEVELS }, riskNotes: optStr, unitCost: optNum, updatedAt: ts,
    },
    systemFields: ['updatedAt'],
  },
  Shipment: {
    name: 'Shipment',
    table: 'shipments',
    fields: {
      id: str, reference: str, carrierId: str, shipperId: str, origin: str, destination: str,
      sku: str, quantity: int, status: { type: 'enum', values: SHIPMENT_STATUSES }, eta: optTs,
      lastLocation: optStr, lastEventAt: optTs, temperatureC: optNum, sscc: optStr,
      freightCost: optNum, routingPlan: optStr, updatedAt: ts,
    },
    systemFields: ['updatedAt'],
    defaults: { status: 'planned' },
  },
  ShipmentEvent: {
    name: 'ShipmentEvent',
    table: 'shipment_events',
    fields: {
      id: str, shipmentId: str, status: { type: 'enum', values: SHIPMENT_STATUSES }, occurredAt: ts,
      location: optStr, note: optStr, recordedBy: str,
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
