import { EntityManager } from 'typeorm';
import { countAgreements, insertAgreement } from '../policy/agreements.table';
import { partnerExists } from '../policy/policies.table';

interface DemoAgreement {
  id: string;
  partnerId: string;
  title: string;
  terms: string;
  purposes: string[];
  subjects: string[];
  accepted: boolean;
}

const ALL = ['DemandSignal', 'CapacitySignal', 'Shipment', 'ShipmentEvent'];

/**
 * One agreement per demo partner, accepted; Globex also has an offer not yet accepted, on which the
 * rule `inbound-delivery-locations` of policies/customer-globex.yaml rests (the README tour accepts it).
 */
export const DEMO_AGREEMENTS: DemoAgreement[] = [
  {
    id: 'agr-northwind-supply',
    partnerId: 'supplier-northwind',
    title: 'Supply planning data exchange',
    purposes: ['replenishment-planning', 'capacity-planning'],
    subjects: ALL,
    accepted: true,
    terms: 'Demand and shipment data are shared for replenishment and capacity planning only; no onward disclosure.',
  },
  {
    id: 'agr-acme-supply',
    partnerId: 'supplier-acme',
    title: 'Supply planning data exchange',
    purposes: ['replenishment-planning', 'capacity-planning'],
    subjects: ALL,
    accepted: true,
    terms: 'Demand and shipment data are shared for replenishment and capacity planning only; no onward disclosure.',
  },
  {
    id: 'agr-northstar-carriage',
    partnerId: 'carrier-northstar',
    title: 'Carriage and tracking',
    purposes: ['shipment-execution'],
    subjects: ALL,
    accepted: true,
    terms: 'Shipment data are shared to execute and track the carriage; routing plans stay the carrier\u2019s own.',
  },
  {
    id: 'agr-swiftlog-carriage',
    partnerId: 'carrier-swiftlog',
    title: 'Carriage and tracking',
    purposes: ['shipment-execution'],
    subjects: ALL,
    accepted: true,
    terms: 'Shipment data are shared to execute and track the carriage; routing plans stay the carrier\u2019s own.',
  },
  {
    id: 'agr-globex-deliveries',
    partnerId: 'customer-globex',
    title: 'Delivery tracking',
    purposes: ['delivery-tracking'],
    subjects: ['Shipment', 'ShipmentEvent'],
    accepted: true,
    terms: 'Milestones of inbound deliveries are shared for delivery tracking only.',
  },
  {
    id: 'agr-globex-locations',
    partnerId: 'customer-globex',
    title: 'Live location of inbound deliveries',
    purposes: ['delivery-tracking'],
    subjects: ['Shipment'],
    accepted: false,
    terms: 'The last known location of inbound deliveries is shared for delivery tracking only, and not kept after delivery.',
  },
];

/** Inserts the demo agreements of the demo partners present, when there are no agreements yet; returns how many. */
export async function seedDemoAgreements(m: EntityManager, now = Date.now()): Promise<number> {
  if ((await countAgreements(m)) > 0) return 0;
  const at = new Date(now).toISOString();
  const until = new Date(now + 2 * 365 * 86_400_000).toISOString();
  let n = 0;
  for (const a of DEMO_AGREEMENTS) {
    if (!(await partnerExists(m, a.partnerId))) continue;
    const history = [{ at, by: 'seed:demo', role: 'governance', action: 'offered', revision: 1 }];
    if (a.accepted) history.push({ at, by: 'seed:demo', role: 'partner', action: 'accepted', revision: 1 });
    await insertAgreement(m, {
      id: a.id,
      partnerId: a.partnerId,
      title: a.title,
      terms: a.terms,
      purposes: JSON.stringify(a.purposes),
      subjects: JSON.stringify(a.subjects),
      validFrom: at,
      validUntil: until,
      state: a.accepted ? 'accepted' : 'offered',
      revision: 1,
      createdBy: 'seed:demo',
      createdAt: at,
      updatedAt: at,
      history: JSON.stringify(history),
    });
    n++;
  }
  return n;
}
