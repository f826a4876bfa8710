import { statusOf } from './cbv';
import { epcisEventHash, preHashString } from './event-hash';
import { epcisDocumentProblems, epcisEventProblems } from './epcis-validator';
import { gs1CheckDigit, ssccFromEpc } from './gs1';

describe('GS1 SSCC from EPCs', () => {
  it('reads the URN and the Digital Link forms to the same 18 digits, with the check digit', () => {
    expect(gs1CheckDigit('10614141123456789')).toBe('7');
    expect(ssccFromEpc('urn:epc:id:sscc:0614141.1000000101')).toBe('106141410000001016');
    expect(ssccFromEpc('https://id.gs1.org/00/106141410000001016')).toBe('106141410000001016');
    expect(ssccFromEpc('https://resolver.example.com/gs1/00/106141410000001016?linkType=all')).toBe('106141410000001016');
    expect(ssccFromEpc('https://id.gs1.org/00/106141410000001017')).toBeNull();
    expect(ssccFromEpc('urn:epc:id:sscc:0614141.100000010')).toBeNull();
    expect(ssccFromEpc('urn:epc:id:sgtin:0614141.107346.2018')).toBeNull();
  });
});

describe('CBV bizStep / disposition → shipment status', () => {
  it.each([
    ['shipping', undefined, 'picked_up'],
    ['shipping', 'in_transit', 'picked_up'],
    ['urn:epcglobal:cbv:bizstep:departing', undefined, 'in_transit'],
    ['https://ref.gs1.org/cbv/BizStep-arriving', 'in_transit', 'in_transit'],
    ['cbv:BizStep-receiving', 'in_progress', 'delivered'],
    ['holding', 'in_transit', 'delayed'],
    ['transporting', 'delayed', 'delayed'],
    ['departing', 'damaged', 'exception'],
    [undefined, 'in_transit', 'in_transit'],
    ['sensor_reporting', 'urn:epcglobal:cbv:disp:in_transit', 'in_transit'],
    ['inspecting', 'active', null],
    ['https://example.com/steps/custom', undefined, null],
  ])('%s + %s → %s', (bizStep, disposition, status) => {
    expect(statusOf(bizStep, disposition)).toBe(status);
  });
});

describe('CBV 2.0-style event hash', () => {
  const event = {
    type: 'ObjectEvent',
    eventTime: '2026-03-05T08:30:00.000+01:00',
    eventTimeZoneOffset: '+01:00',
    action: 'OBSERVE',
    epcList: ['urn:epc:id:sscc:0614141.1000000101', 'https://id.gs1.org/00/106141410000002013'],
    bizStep: 'departing',
    readPoint: { id: 'urn:epc:id:sgln:0614141.00777.0' },
    sensorElementList: [{ sensorReport: [{ type: 'gs1:Temperature', value: 4.5, uom: 'CEL' }] }],
  };

  it('writes the documented pre-hash string', () => {
    expect(preHashString(event)).toBe(
      'eventType=ObjectEventeventTime=2026-03-05T07:30:00.000ZeventTimeZoneOffset=+01:00' +
        'epcListepc=https://id.gs1.org/00/106141410000001016epc=https://id.gs1.org/00/106141410000002013action=OBSERVE' +
        'bizStep=https://ref.gs1.org/cbv/BizStep-departingreadPointid=urn:epc:id:sgln:0614141.00777.0' +
        'sensorElementListsensorElementsensorReporttype=gs1:Temperaturevalue=4.5uom=CEL',
    );
    expect(epcisEventHash(event)).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
  });

  it('does not depend on key order, list order, time zone, EPC or CBV notation, eventID or recordTime', () => {
    const same = {
      sensorElementList: [{ sensorReport: [{ uom: 'CEL', value: 4.5, type: 'gs1:Temperature' }] }],
      readPoint: { id: 'urn:epc:id:sgln:0614141.00777.0' },
      bizStep: 'urn:epcglobal:cbv:bizstep:departing',
      action: 'OBSERVE',
      epcList: ['urn:epc:id:sscc:0614141.1000000201', 'https://id.gs1.org/00/106141410000001016'],
      eventTimeZoneOffset: '+01:00',
      eventTime: '2026-03-05T07:30:00Z',
      type: 'ObjectEvent',
      recordTime: '2026-03-05T07:31:00Z',
    };
    expect(epcisEventHash(same)).toBe(epcisEventHash(event));
    expect(epcisEventHash({ ...event, bizStep: 'arriving' })).not.toBe(epcisEventHash(event));
  });
});

describe('EPCIS document schema subset', () => {
  it('accepts a minimal document and names the problems of a bad one', () => {
    const doc = {
      '@context': 'https://ref.gs1.org/standards/epcis/epcis-context.jsonld',
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: '2026-03-05T07:30:00Z',
      epcisBody: { eventList: [] },
    };
    expect(epcisDocumentProblems(doc)).toEqual([]);
    const event = { type: 'ObjectEvent', eventTime: '2026-03-05T07:30:00Z', eventTimeZoneOffset: '+1', action: 'ADD' };
    expect(epcisDocumentProblems({ ...doc, creationDate: 'today', epcisBody: { eventList: [event] } })).toEqual([
      'creationDate: must match format "date-time"',
    ]);
    expect(epcisEventProblems(event, 'epcisBody.eventList[0]')).toEqual([
      'epcisBody.eventList[0].eventTimeZoneOffset: must match pattern "^[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)$"',
    ]);
  });
});
