/**
 * Demo data set seeded on an empty database (unless SEED_DEMO=false), matching the demo policies in
 * policies/*.yaml so that the demo partners' tokens return data at once.
 *
 * Field names are those of the API (docs/api-guide.md). Ids are strings, timestamps ISO 8601 UTC
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`), periodStart a date (`YYYY-MM-DD`), absent optional values null.
 * Everything is derived from fixed tables: no randomness, no clock.
 *
 * Partners referenced: supplier-northwind (SKU-100, SKU-200 at PLANT-DE-1), supplier-acme
 * (SKU-300, SKU-400 at PLANT-US-1), carrier-swiftlog, carrier-northstar, customer-globex
 * (delivery sites DC-US-EAST, DC-US-WEST). SKU-500 is sourced by the orchestrator itself.
 * DemandSignal rows in region EMEA-RESTRICTED (SKU-100) exercise Northwind's inverted rule.
 */

import type { CatalogRecord } from '../data/catalog-row';
import type { SubjectName } from '../data/subjects';

/** The rows' types come from the subject catalog: a field added there is a field here (nullable ones may be left out). */
export type DemoDemandSignal = CatalogRecord<'DemandSignal'>;
export type DemoCapacitySignal = CatalogRecord<'CapacitySignal'>;
export type DemoShipment = CatalogRecord<'Shipment'>;
export type DemoShipmentEvent = CatalogRecord<'ShipmentEvent'>;
export type DemoRiskLevel = DemoCapacitySignal['riskLevel'];
export type DemoShipmentStatus = DemoShipment['status'];

// ---------------------------------------------------------------------------------------------
// Helpers (ES5-only APIs, so the file compiles under any target)

function pad(value: number, width: number): string {
  let text = String(value);
  while (text.length < width) text = '0' + text;
  return text;
}

function demoId(prefix: string, n: number): string {
  return prefix + '-' + pad(n, 4);
}

/** ISO 8601 UTC timestamp, e.g. at(2025, 3, 4, 9, 30) → '2025-03-04T09:30:00.000Z'. */
function at(year: number, month: number, day: number, hour = 0, minute = 0): string {
  return new Date(Date.UTC(year, month - 1, day, hour, minute)).toISOString();
}

/** Adds hours to an ISO timestamp. */
function plusHours(iso: string, hours: number): string {
  return new Date(Date.parse(iso) + hours * 3600 * 1000).toISOString();
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** GS1 SSCC: extension digit + company prefix + serial reference (17 digits) + mod-10 check digit. */
function sscc(extensionDigit: number, companyPrefix: string, serialReference: string): string {
  const body = String(extensionDigit) + companyPrefix + serialReference;
  if (body.length !== 17) throw new Error('SSCC body must be 17 digits: ' + body);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = Number(body.charAt(body.length - 1 - i));
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return body + String((10 - (sum % 10)) % 10);
}

/** GS1's example company prefix, used for every demo logistic unit. */
const GS1_PREFIX = '0614141';

// ---------------------------------------------------------------------------------------------
// DemandSignal: 5 SKUs × 4 monthly periods × 2 markets = 40 rows, plus 3 EMEA-RESTRICTED rows.

interface SkuProfile {
  sku: string;
  productFamily: string;
  baseForecast: number;
  unitPrice: number;
  marginPct: number;
  /** The two markets the SKU sells in. */
  markets: [string, string];
}

interface Market {
  region: string;
  site: string;
  customerName: string;
  /** Volume factor and price factor relative to the SKU's base. */
  volume: number;
  price: number;
}

const MARKETS: Record<string, Market> = {
  EMEA: { region: 'EMEA', site: 'DC-EU-CENTRAL', customerName: 'Initech GmbH', volume: 1.0, price: 1.0 },
  AMER: { region: 'AMER', site: 'DC-US-EAST', customerName: 'Globex Corporation', volume: 1.3, price: 0.95 },
  APAC: { region: 'APAC', site: 'DC-APAC-SG', customerName: 'Umbrella Pacific Pte Ltd', volume: 0.8, price: 1.08 },
  'EMEA-RESTRICTED': {
    region: 'EMEA-RESTRICTED',
    site: 'DC-EU-SECURE',
    customerName: 'Bundeswehr Beschaffungsamt',
    volume: 0.25,
    price: 1.4,
  },
};

const SKU_PROFILES: SkuProfile[] = [
  { sku: 'SKU-100', productFamily: 'Drive Units', baseForecast: 1200, unitPrice: 84.5, marginPct: 22.5, markets: ['EMEA', 'AMER'] },
  { sku: 'SKU-200', productFamily: 'Drive Units', baseForecast: 800, unitPrice: 129.9, marginPct: 27.0, markets: ['EMEA', 'AMER'] },
  { sku: 'SKU-300', productFamily: 'Control Boards', baseForecast: 2400, unitPrice: 42.0, marginPct: 18.0, markets: ['AMER', 'APAC'] },
  { sku: 'SKU-400', productFamily: 'Control Boards', baseForecast: 600, unitPrice: 215.0, marginPct: 31.5, markets: ['EMEA', 'APAC'] },
  { sku: 'SKU-500', productFamily: 'Enclosures', baseForecast: 1500, unitPrice: 19.75, marginPct: 12.0, markets: ['AMER', 'APAC'] },
];

/** Monthly planning periods; the last one has no orders booked yet (orderedQty null). */
const DEMAND_PERIODS = ['2025-03-01', '2025-04-01', '2025-05-01', '2025-06-01'];

function demandRow(n: number, profile: SkuProfile, market: Market, periodIndex: number): DemoDemandSignal {
  const forecastQty = Math.round(profile.baseForecast * market.volume * (1 + 0.05 * periodIndex));
  // Orders run a little behind the forecast, and further behind the further out the period is.
  const orderedQty = periodIndex < DEMAND_PERIODS.length - 1 ? Math.round(forecastQty * (0.95 - 0.15 * periodIndex)) : null;
  return {
    id: demoId('ds', n),
    sku: profile.sku,
    productFamily: profile.productFamily,
    site: market.site,
    region: market.region,
    periodStart: DEMAND_PERIODS[periodIndex],
    forecastQty,
    orderedQty,
    unitPrice: round2(profile.unitPrice * market.price),
    customerName: market.customerName,
    marginPct: round2(profile.marginPct + (market.price - 1) * 20),
    updatedAt: at(2025, 2, 24, 6, 0 + (n % 60)),
  };
}

function buildDemandSignals(): DemoDemandSignal[] {
  const rows: DemoDemandSignal[] = [];
  for (const profile of SKU_PROFILES) {
    for (let p = 0; p < DEMAND_PERIODS.length; p++) {
      for (const region of profile.markets) {
        rows.push(demandRow(rows.length + 1, profile, MARKETS[region], p));
      }
    }
  }
  // The restricted EMEA programme buys SKU-100 only: Northwind sees its forecast, not its orders.
  for (let p = 0; p < 3; p++) {
    rows.push(demandRow(rows.length + 1, SKU_PROFILES[0], MARKETS['EMEA-RESTRICTED'], p));
  }
  return rows;
}

export const demoDemandSignals: DemoDemandSignal[] = buildDemandSignals();

// ---------------------------------------------------------------------------------------------
// CapacitySignal: each supplier × its 2 SKUs × 3 monthly periods = 12 rows.

interface CapacityProfile {
  supplierId: string;
  site: string;
  sku: string;
  availableQty: number;
  leadTimeDays: number;
  unitCost: number;
  /** Risk per period, with the supplier's note (null when there is nothing to say). */
  risk: Array<[DemoRiskLevel, string | null]>;
}

const CAPACITY_PERIODS = ['2025-03-01', '2025-04-01', '2025-05-01'];

const CAPACITY_PROFILES: CapacityProfile[] = [
  {
    supplierId: 'supplier-northwind',
    site: 'PLANT-DE-1',
    sku: 'SKU-100',
    availableQty: 2600,
    leadTimeDays: 14,
    unitCost: 51.2,
    risk: [
      ['low', null],
      ['medium', 'Line 2 maintenance window in week 16.'],
      ['low', null],
    ],
  },
  {
    supplierId: 'supplier-northwind',
    site: 'PLANT-DE-1',
    sku: 'SKU-200',
    availableQty: 1500,
    leadTimeDays: 21,
    unitCost: 74.9,
    risk: [
      ['medium', 'Bearing supplier on allocation.'],
      ['high', 'Bearing allocation cut by 30 %.'],
      ['critical', 'Single-source bearings unconfirmed for May.'],
    ],
  },
  {
    supplierId: 'supplier-acme',
    site: 'PLANT-US-1',
    sku: 'SKU-300',
    availableQty: 5200,
    leadTimeDays: 10,
    unitCost: 27.35,
    risk: [
      ['low', null],
      ['low', null],
      ['medium', 'Chip lead times lengthening.'],
    ],
  },
  {
    supplierId: 'supplier-acme',
    site: 'PLANT-US-1',
    sku: 'SKU-400',
    availableQty: 900,
    leadTimeDays: 35,
    unitCost: 139.0,
    risk: [
      ['high', 'Test rig capacity shared with a new programme.'],
      ['medium', 'Second test rig commissioned.'],
      ['low', null],
    ],
  },
];

function buildCapacitySignals(): DemoCapacitySignal[] {
  const rows: DemoCapacitySignal[] = [];
  for (const profile of CAPACITY_PROFILES) {
    for (let p = 0; p < CAPACITY_PERIODS.length; p++) {
      const [riskLevel, riskNotes] = profile.risk[p];
      const n = rows.length + 1;
      // Capacity shrinks with rising risk; commitments are firm for the nearer periods only.
      const riskFactor = riskLevel === 'critical' ? 0.5 : riskLevel === 'high' ? 0.75 : riskLevel === 'medium' ? 0.9 : 1;
      const availableQty = Math.round(profile.availableQty * riskFactor);
      rows.push({
        id: demoId('cap', n),
        supplierId: profile.supplierId,
        site: profile.site,
        sku: profile.sku,
        periodStart: CAPACITY_PERIODS[p],
        availableQty,
        committedQty: p < 2 ? Math.round(availableQty * (0.8 - 0.2 * p)) : null,
        leadTimeDays: profile.leadTimeDays + (riskLevel === 'high' || riskLevel === 'critical' ? 7 : 0),
        riskLevel,
        riskNotes,
        unitCost: profile.unitCost,
        updatedAt: at(2025, 2, 25, 8 + p, 15 + n),
      });
    }
  }
  return rows;
}

export const demoCapacitySignals: DemoCapacitySignal[] = buildCapacitySignals();

// ---------------------------------------------------------------------------------------------
// Shipments and their events. Each shipment's events follow its route up to its current status:
//   planned → (none) · picked_up → [picked_up] · in_transit → [picked_up, in_transit]
//   delayed → [picked_up, in_transit, delayed] · delivered → [picked_up, in_transit, delivered]
//   exception → [picked_up, exception]

interface ShipmentPlan {
  reference: string;
  carrierId: string;
  shipperId: string;
  origin: string;
  /** Where the goods are while in transit (hub, port, border). */
  via: string;
  destination: string;
  sku: string;
  quantity: number;
  status: DemoShipmentStatus;
  /** Pick-up (or, for planned shipments, planned pick-up) time. */
  pickupAt: string;
  transitHours: number;
  /** SSCC serial reference (9 digits) when the unit is SSCC-labelled. */
  ssccSerial: string | null;
  /** Reefer set point for cold-chain goods, null otherwise. */
  temperatureC: number | null;
  freightCost: number;
  note: string | null;
}

const ORIGIN_LOCATIONS: Record<string, string> = {
  'PLANT-DE-1': 'Stuttgart, DE',
  'PLANT-US-1': 'Columbus, OH, US',
  'DC-EU-CENTRAL': 'Frankfurt am Main, DE',
  'DC-US-EAST': 'Newark, NJ, US',
};

const DESTINATION_LOCATIONS: Record<string, string> = {
  'DC-US-EAST': 'Newark, NJ, US',
  'DC-US-WEST': 'Ontario, CA, US',
  'DC-EU-CENTRAL': 'Frankfurt am Main, DE',
};

const SHIPMENT_PLANS: ShipmentPlan[] = [
  {
    reference: 'ASN-2025-0101',
    carrierId: 'carrier-swiftlog',
    shipperId: 'supplier-northwind',
    origin: 'PLANT-DE-1',
    via: 'Port of Hamburg, DE',
    destination: 'DC-US-EAST',
    sku: 'SKU-100',
    quantity: 480,
    status: 'in_transit',
    pickupAt: at(2025, 2, 20, 7),
    transitHours: 336,
    ssccSerial: '000000101',
    temperatureC: null,
    freightCost: 6840.0,
    note: 'Loaded on MV Elbe Trader.',
  },
  {
    reference: 'ASN-2025-0102',
    carrierId: 'carrier-swiftlog',
    shipperId: 'supplier-northwind',
    origin: 'PLANT-DE-1',
    via: 'Munich hub, DE',
    destination: 'DC-EU-CENTRAL',
    sku: 'SKU-200',
    quantity: 240,
    status: 'delivered',
    pickupAt: at(2025, 2, 24, 6),
    transitHours: 30,
    ssccSerial: '000000102',
    temperatureC: null,
    freightCost: 920.5,
    note: 'Signed by J. Weber at dock 4.',
  },
  {
    reference: 'ASN-2025-0103',
    carrierId: 'carrier-northstar',
    shipperId: 'supplier-northwind',
    origin: 'PLANT-DE-1',
    via: 'Port of Rotterdam, NL',
    destination: 'DC-US-WEST',
    sku: 'SKU-100',
    quantity: 360,
    status: 'delayed',
    pickupAt: at(2025, 2, 18, 9),
    transitHours: 504,
    ssccSerial: '000000103',
    temperatureC: null,
    freightCost: 8125.75,
    note: 'Vessel held at anchor, berth congestion.',
  },
  {
    reference: 'ASN-2025-0104',
    carrierId: 'carrier-northstar',
    shipperId: 'supplier-northwind',
    origin: 'PLANT-DE-1',
    via: 'Leipzig hub, DE',
    destination: 'DC-EU-CENTRAL',
    sku: 'SKU-200',
    quantity: 120,
    status: 'planned',
    pickupAt: at(2025, 3, 6, 8),
    transitHours: 28,
    ssccSerial: null,
    temperatureC: null,
    freightCost: 610.0,
    note: null,
  },
  {
    reference: 'ASN-2025-0105',
    carrierId: 'carrier-northstar',
    shipperId: 'supplier-acme',
    origin: 'PLANT-US-1',
    via: 'Harrisburg, PA, US',
    destination: 'DC-US-EAST',
    sku: 'SKU-300',
    quantity: 1200,
    status: 'delivered',
    pickupAt: at(2025, 2, 25, 13),
    transitHours: 22,
    ssccSerial: '000000105',
    temperatureC: null,
    freightCost: 1480.0,
    note: 'Delivered complete, no damage.',
  },
  {
    reference: 'ASN-2025-0106',
    carrierId: 'carrier-northstar',
    shipperId: 'supplier-acme',
    origin: 'PLANT-US-1',
    via: 'Denver, CO, US',
    destination: 'DC-US-WEST',
    sku: 'SKU-300',
    quantity: 900,
    status: 'in_transit',
    pickupAt: at(2025, 3, 1, 10),
    transitHours: 70,
    ssccSerial: '000000106',
    temperatureC: null,
    freightCost: 2650.0,
    note: 'Team drivers, on schedule.',
  },
  {
    reference: 'ASN-2025-0107',
    carrierId: 'carrier-swiftlog',
    shipperId: 'supplier-acme',
    origin: 'PLANT-US-1',
    via: 'Indianapolis hub, IN, US',
    destination: 'DC-US-WEST',
    sku: 'SKU-400',
    quantity: 150,
    status: 'picked_up',
    pickupAt: at(2025, 3, 3, 15),
    transitHours: 72,
    ssccSerial: '000000107',
    temperatureC: null,
    freightCost: 1975.25,
    note: 'Sealed trailer, seal 448812.',
  },
  {
    reference: 'ASN-2025-0108',
    carrierId: 'carrier-swiftlog',
    shipperId: 'supplier-acme',
    origin: 'PLANT-US-1',
    via: 'Port of Baltimore, MD, US',
    destination: 'DC-EU-CENTRAL',
    sku: 'SKU-400',
    quantity: 200,
    status: 'exception',
    pickupAt: at(2025, 2, 21, 11),
    transitHours: 400,
    ssccSerial: '000000108',
    temperatureC: null,
    freightCost: 5390.0,
    note: 'Customs hold: commercial invoice missing HS code.',
  },
  {
    reference: 'ASN-2025-0109',
    carrierId: 'carrier-northstar',
    shipperId: 'supplier-acme',
    origin: 'PLANT-US-1',
    via: 'Pittsburgh, PA, US',
    destination: 'DC-US-EAST',
    sku: 'SKU-300',
    quantity: 600,
    status: 'planned',
    pickupAt: at(2025, 3, 7, 7),
    transitHours: 20,
    ssccSerial: null,
    temperatureC: null,
    freightCost: 1120.0,
    note: null,
  },
  {
    reference: 'TO-2025-0201',
    carrierId: 'carrier-swiftlog',
    shipperId: 'orchestrator',
    origin: 'DC-EU-CENTRAL',
    via: 'Port of Antwerp, BE',
    destination: 'DC-US-EAST',
    sku: 'SKU-500',
    quantity: 1000,
    status: 'in_transit',
    pickupAt: at(2025, 2, 26, 8),
    transitHours: 300,
    ssccSerial: '000000201',
    temperatureC: 4.0,
    freightCost: 7420.0,
    note: 'Reefer container, set point 4 C.',
  },
  {
    reference: 'TO-2025-0202',
    carrierId: 'carrier-northstar',
    shipperId: 'orchestrator',
    origin: 'DC-US-EAST',
    via: 'Memphis hub, TN, US',
    destination: 'DC-US-WEST',
    sku: 'SKU-500',
    quantity: 750,
    status: 'picked_up',
    pickupAt: at(2025, 3, 3, 9),
    transitHours: 96,
    ssccSerial: '000000202',
    temperatureC: 5.5,
    freightCost: 3310.0,
    note: 'Reefer pre-cooled, set point 5 C.',
  },
  {
    reference: 'TO-2025-0203',
    carrierId: 'carrier-swiftlog',
    shipperId: 'orchestrator',
    origin: 'DC-US-EAST',
    via: 'Port of Newark, NJ, US',
    destination: 'DC-EU-CENTRAL',
    sku: 'SKU-500',
    quantity: 500,
    status: 'planned',
    pickupAt: at(2025, 3, 8, 6),
    transitHours: 320,
    ssccSerial: null,
    temperatureC: 4.0,
    freightCost: 5100.0,
    note: null,
  },
  {
    reference: 'TO-2025-0204',
    carrierId: 'carrier-northstar',
    shipperId: 'orchestrator',
    origin: 'DC-US-EAST',
    via: 'Chicago hub, IL, US',
    destination: 'DC-US-WEST',
    sku: 'SKU-300',
    quantity: 400,
    status: 'picked_up',
    pickupAt: at(2025, 3, 4, 12),
    transitHours: 80,
    ssccSerial: null,
    temperatureC: null,
    freightCost: 2240.0,
    note: 'Picked up 2 h late, dock congestion.',
  },
  {
    reference: 'ASN-2025-0110',
    carrierId: 'carrier-swiftlog',
    shipperId: 'supplier-northwind',
    origin: 'PLANT-DE-1',
    via: 'Port of Bremerhaven, DE',
    destination: 'DC-US-EAST',
    sku: 'SKU-200',
    quantity: 160,
    status: 'planned',
    pickupAt: at(2025, 3, 10, 7),
    transitHours: 360,
    ssccSerial: null,
    temperatureC: null,
    freightCost: 4210.0,
    note: null,
  },
  {
    reference: 'ASN-2025-0111',
    carrierId: 'carrier-northstar',
    shipperId: 'supplier-acme',
    origin: 'PLANT-US-1',
    via: 'St. Louis hub, MO, US',
    destination: 'DC-US-WEST',
    sku: 'SKU-400',
    quantity: 90,
    status: 'planned',
    pickupAt: at(2025, 3, 11, 14),
    transitHours: 60,
    ssccSerial: null,
    temperatureC: null,
    freightCost: 1360.0,
    note: null,
  },
  {
    reference: 'ASN-2025-0112',
    carrierId: 'carrier-swiftlog',
    shipperId: 'supplier-northwind',
    origin: 'PLANT-DE-1',
    via: 'Nuremberg hub, DE',
    destination: 'DC-EU-CENTRAL',
    sku: 'SKU-100',
    quantity: 300,
    status: 'picked_up',
    pickupAt: at(2025, 3, 4, 5),
    transitHours: 26,
    ssccSerial: '000000112',
    temperatureC: null,
    freightCost: 780.0,
    note: 'Two pallets, stretch-wrapped.',
  },
];

/** The statuses a shipment's events pass through to reach its current status. */
const EVENT_PATHS: Record<DemoShipmentStatus, DemoShipmentStatus[]> = {
  planned: [],
  picked_up: ['picked_up'],
  in_transit: ['picked_up', 'in_transit'],
  delayed: ['picked_up', 'in_transit', 'delayed'],
  delivered: ['picked_up', 'in_transit', 'delivered'],
  exception: ['picked_up', 'exception'],
};

function eventLocation(plan: ShipmentPlan, status: DemoShipmentStatus): string {
  if (status === 'picked_up') return ORIGIN_LOCATIONS[plan.origin] || plan.origin;
  if (status === 'delivered') return DESTINATION_LOCATIONS[plan.destination] || plan.destination;
  return plan.via;
}

function eventTime(plan: ShipmentPlan, status: DemoShipmentStatus): string {
  switch (status) {
    case 'in_transit':
      return plusHours(plan.pickupAt, Math.round(plan.transitHours * 0.3));
    case 'delayed':
    case 'exception':
      return plusHours(plan.pickupAt, Math.round(plan.transitHours * 0.6));
    case 'delivered':
      return plusHours(plan.pickupAt, plan.transitHours);
    default:
      return plan.pickupAt;
  }
}

function eventNote(plan: ShipmentPlan, status: DemoShipmentStatus): string | null {
  // The shipment's note belongs to its latest event; earlier milestones carry none.
  return status === plan.status ? plan.note : null;
}

function buildShipmentsAndEvents(): { shipments: DemoShipment[]; events: DemoShipmentEvent[] } {
  const shipments: DemoShipment[] = [];
  const events: DemoShipmentEvent[] = [];
  for (const plan of SHIPMENT_PLANS) {
    const shipmentId = demoId('shp', shipments.length + 1);
    let last: DemoShipmentEvent | null = null;
    for (const status of EVENT_PATHS[plan.status]) {
      last = {
        id: demoId('evt', events.length + 1),
        shipmentId,
        status,
        occurredAt: eventTime(plan, status),
        location: eventLocation(plan, status),
        note: eventNote(plan, status),
        recordedBy: plan.carrierId,
      };
      events.push(last);
    }
    const plannedArrival = plusHours(plan.pickupAt, plan.transitHours);
    // A delayed shipment is re-promised two days later; an exception has no ETA until resolved.
    const eta = plan.status === 'exception' ? null : plan.status === 'delayed' ? plusHours(plannedArrival, 48) : plannedArrival;
    const orderedAt = plusHours(plan.pickupAt, -72);
    shipments.push({
      id: shipmentId,
      reference: plan.reference,
      carrierId: plan.carrierId,
      shipperId: plan.shipperId,
      origin: plan.origin,
      destination: plan.destination,
      sku: plan.sku,
      quantity: plan.quantity,
      status: plan.status,
      eta,
      lastLocation: last ? last.location : null,
      lastEventAt: last ? last.occurredAt : null,
      temperatureC: plan.temperatureC,
      sscc: plan.ssccSerial ? sscc(1, GS1_PREFIX, plan.ssccSerial) : null,
      freightCost: plan.freightCost,
      routingPlan:
        plan.origin +
        ' > ' +
        plan.via +
        ' > ' +
        plan.destination +
        '; lane ' +
        plan.carrierId.replace('carrier-', '').toUpperCase() +
        '-' +
        plan.reference.slice(-4) +
        ', ' +
        plan.transitHours +
        ' h planned',
      updatedAt: last ? last.occurredAt : orderedAt,
    });
  }
  return { shipments, events };
}

const shipmentData = buildShipmentsAndEvents();

export const demoShipments: DemoShipment[] = shipmentData.shipments;
export const demoShipmentEvents: DemoShipmentEvent[] = shipmentData.events;

/** The rows seeded, subject by subject: each tracking event recorded when it occurred. */
export const demoRowsToSeed: ReadonlyArray<readonly [SubjectName, ReadonlyArray<Record<string, unknown>>]> = [
  ['DemandSignal', demoDemandSignals],
  ['CapacitySignal', demoCapacitySignals],
  ['Shipment', demoShipments],
  ['ShipmentEvent', demoShipmentEvents.map((e) => ({ ...e, recordedAt: e.occurredAt, clientEventId: null, temperatureC: null }))],
];
