/**
 * The conformance documents: written for this suite to the shapes of GS1's published EPCIS 2.0
 * JSON examples (each of the five event types, sensor data, Digital Link and EPC URN identifiers,
 * error declarations, extensions in the document, the body, readPoint and events).
 */
export const CONTEXT = ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld', { acme: 'https://ns.acme-logistics.example/epcis/' }];

export function epcisDocument(eventList: unknown[], extra: Record<string, unknown> = {}) {
  return {
    '@context': CONTEXT,
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: '2026-04-01T09:00:00.000+02:00',
    epcisBody: { eventList, 'acme:batchNote': 'conformance run' },
    ...extra,
  };
}

/** `106141410000002019` → `urn:epc:id:sscc:0614141.1000000201`. */
export function ssccUrn(sscc: string): string {
  return `urn:epc:id:sscc:${sscc.slice(1, 8)}.${sscc.charAt(0)}${sscc.slice(8, 17)}`;
}

export interface Units {
  reefer: string;
  asn: string;
  other: string;
}

export function conformanceEvents(u: Units) {
  return {
    /** An ObjectEvent of a departure: Digital Link SSCC, bizLocation, persistentDisposition, certificationInfo, extensions. */
    object: {
      type: 'ObjectEvent',
      eventID: 'urn:uuid:7d1f3a60-0c2e-4b8e-9a51-000000000001',
      eventTime: '2026-04-01T06:15:00.000+02:00',
      eventTimeZoneOffset: '+02:00',
      epcList: [`https://id.gs1.org/00/${u.reefer}`],
      action: 'OBSERVE',
      bizStep: 'departing',
      disposition: 'in_transit',
      persistentDisposition: { set: ['completeness_verified'], unset: ['completeness_inferred'] },
      readPoint: { id: 'https://id.gs1.org/414/4012345000016', 'acme:dock': 'D4' },
      bizLocation: { id: 'https://id.gs1.org/414/4012345000023' },
      bizTransactionList: [
        { type: 'bol', bizTransaction: 'urn:epcglobal:cbv:bt:4012345000009:BOL-88' },
        { type: 'po', bizTransaction: 'urn:epcglobal:cbv:bt:4012345000009:PO-17' },
      ],
      sourceList: [{ type: 'owning_party', source: 'https://id.gs1.org/417/4012345000009' }],
      destinationList: [{ type: 'owning_party', destination: 'https://id.gs1.org/417/4098765000004' }],
      certificationInfo: 'https://cert.acme-logistics.example/gdp/2026-117',
      'acme:driver': { name: 'R. Ortiz', licence: 'B-11' },
      'acme:seals': ['S-300', 'S-301', 'S-302'],
    },
    /** A sensor-only ObjectEvent (sensor_reporting, no status): temperature and humidity with metadata, bizRules, free-text uom. */
    sensor: {
      type: 'ObjectEvent',
      eventTime: '2026-04-01T07:00:00.000+02:00',
      eventTimeZoneOffset: '+02:00',
      epcList: [ssccUrn(u.reefer)],
      action: 'OBSERVE',
      bizStep: 'sensor_reporting',
      readPoint: { id: 'urn:epc:id:sgln:4012345.00001.0' },
      sensorElementList: [
        {
          sensorMetadata: {
            time: '2026-04-01T06:59:00.000+02:00',
            deviceID: 'urn:epc:id:giai:4012345.9001',
            deviceMetadata: 'https://id.gs1.org/8004/401234599001',
            rawData: 'https://sensors.acme-logistics.example/raw/9001',
            bizRules: 'https://rules.acme-logistics.example/cold-chain',
            'acme:firmware': '2.4.1',
          },
          sensorReport: [
            { type: 'gs1:Temperature', value: 3.7, uom: 'CEL', bizRules: 'https://rules.acme-logistics.example/2-8C' },
            { type: 'gs1:RelativeHumidity', value: 58, uom: 'A93' },
            { type: 'acme:DoorState', stringValue: 'closed', uom: 'door-state' },
          ],
        },
      ],
    },
    /** An inspecting event with a report of minimum and maximum temperature over a period. */
    inspecting: {
      type: 'ObjectEvent',
      eventTime: '2026-04-01T07:30:00.000+02:00',
      eventTimeZoneOffset: '+02:00',
      epcList: [`https://id.gs1.org/00/${u.reefer}`],
      action: 'OBSERVE',
      bizStep: 'inspecting',
      sensorElementList: [
        {
          sensorMetadata: { startTime: '2026-04-01T07:00:00.000+02:00', endTime: '2026-04-01T07:30:00.000+02:00' },
          sensorReport: [{ type: 'gs1:Temperature', minValue: 3.1, maxValue: 4.4, meanValue: 3.9, uom: 'CEL' }],
        },
      ],
    },
    /** An AggregationEvent packing the reefer unit onto a pallet SSCC's parent (the parent named by Digital Link). */
    aggregation: {
      type: 'AggregationEvent',
      eventID: 'urn:uuid:7d1f3a60-0c2e-4b8e-9a51-000000000002',
      eventTime: '2026-04-01T05:00:00.000+02:00',
      eventTimeZoneOffset: '+02:00',
      parentID: `https://id.gs1.org/00/${u.asn}`,
      childEPCs: [ssccUrn(u.reefer)],
      action: 'ADD',
      bizStep: 'packing',
      disposition: 'in_progress',
      readPoint: { id: 'urn:epc:id:sgln:4012345.00001.0' },
      childQuantityList: [{ epcClass: 'https://id.gs1.org/01/04012345000115', quantity: 40, uom: 'KGM' }],
    },
    /** A TransactionEvent tying the shipment to a purchase order. */
    transaction: {
      type: 'TransactionEvent',
      eventID: 'urn:uuid:7d1f3a60-0c2e-4b8e-9a51-000000000003',
      eventTime: '2026-04-01T04:00:00.000+02:00',
      eventTimeZoneOffset: '+02:00',
      bizTransactionList: [{ type: 'po', bizTransaction: 'urn:epcglobal:cbv:bt:4012345000009:PO-17' }],
      epcList: [ssccUrn(u.asn)],
      action: 'ADD',
      bizStep: 'accepting',
    },
    /** A TransformationEvent with the shipment's unit among its inputs. */
    transformation: {
      type: 'TransformationEvent',
      eventID: 'urn:uuid:7d1f3a60-0c2e-4b8e-9a51-000000000004',
      eventTime: '2026-04-01T03:00:00.000+02:00',
      eventTimeZoneOffset: '+02:00',
      inputEPCList: [`https://id.gs1.org/00/${u.asn}`],
      outputEPCList: ['https://id.gs1.org/01/04012345000122/21/7781'],
      outputQuantityList: [{ epcClass: 'https://id.gs1.org/01/04012345000139', quantity: 12.5, uom: 'KGM' }],
      transformationID: 'urn:uuid:0f000000-0000-4000-8000-000000000001',
      bizStep: 'commissioning',
      ilmd: { 'acme:lot': 'L-2026-04' },
    },
    /** An AssociationEvent of a tracker with the reefer unit. */
    association: {
      type: 'AssociationEvent',
      eventID: 'urn:uuid:7d1f3a60-0c2e-4b8e-9a51-000000000005',
      eventTime: '2026-04-01T05:30:00.000+02:00',
      eventTimeZoneOffset: '+02:00',
      parentID: 'urn:epc:id:giai:4012345.9001',
      childEPCs: [`https://id.gs1.org/00/${u.reefer}`],
      action: 'ADD',
      bizStep: 'assembling',
      readPoint: { id: 'urn:epc:id:sgln:4012345.00001.0' },
    },
    /** An event on a unit the capturing carrier does not carry. */
    foreign: {
      type: 'ObjectEvent',
      eventID: 'urn:uuid:7d1f3a60-0c2e-4b8e-9a51-000000000006',
      eventTime: '2026-04-01T08:00:00.000Z',
      eventTimeZoneOffset: '+00:00',
      epcList: [ssccUrn(u.other)],
      action: 'OBSERVE',
      bizStep: 'receiving',
    },
    /** A type outside EPCIS: refused alone. */
    custom: { type: 'acme:TelemetryEvent', eventTime: '2026-04-01T08:00:00.000Z', eventTimeZoneOffset: '+00:00', 'acme:reading': 1 },
    /** Invalid: no action, a bad offset. Refused alone, with its path. */
    invalid: { type: 'ObjectEvent', eventTime: '2026-04-01T08:00:00.000Z', eventTimeZoneOffset: '2h', epcList: [ssccUrn(u.reefer)] },
  };
}
