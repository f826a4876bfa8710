/**
 * CBV 2.0 vocabulary as the gateway reads it: business steps and dispositions, written as bare
 * words (`shipping`), CBV 1.x URNs (`urn:epcglobal:cbv:bizstep:shipping`), GS1 Web URIs
 * (`https://ref.gs1.org/cbv/BizStep-shipping`) or compact URIs (`cbv:BizStep-shipping`), and how
 * they map to the gateway's shipment statuses. docs/api-guide-carriers.md documents the mapping.
 */
export type ShipmentStatus = 'planned' | 'picked_up' | 'in_transit' | 'delayed' | 'delivered' | 'exception';

type Kind = 'BizStep' | 'Disp' | 'BTT' | 'SDT';
const URN_KIND: Record<Kind, string> = { BizStep: 'bizstep', Disp: 'disp', BTT: 'btt', SDT: 'sdt' };

/** The bare CBV word of a value (lower case), or null when it is not a CBV term (e.g. a private URI). */
export function cbvWord(value: unknown, kind: Kind): string | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  const patterns = [
    new RegExp(`^urn:epcglobal:cbv:${URN_KIND[kind]}:([a-z0-9_]+)$`, 'i'),
    new RegExp(`^https?://ref\\.gs1\\.org/cbv/${kind}-([a-z0-9_]+)$`, 'i'),
    new RegExp(`^(?:cbv|gs1):${kind}-([a-z0-9_]+)$`, 'i'),
    /^([a-z0-9_]+)$/i,
  ];
  for (const p of patterns) {
    const m = p.exec(v);
    if (m) return m[1].toLowerCase();
  }
  return null;
}

/** The canonical GS1 Web URI of a CBV term (used by the event hash); a non-CBV value stays as written. */
export function cbvUri(value: string, kind: Kind): string {
  const word = cbvWord(value, kind);
  return word === null ? value.trim() : `https://ref.gs1.org/cbv/${kind}-${word}`;
}

/** Business steps that mark a shipment milestone. */
export const BIZSTEP_STATUS: Readonly<Record<string, ShipmentStatus>> = {
  commissioning: 'planned',
  packing: 'planned',
  staging_outbound: 'planned',
  accepting: 'picked_up',
  loading: 'picked_up',
  shipping: 'picked_up',
  departing: 'in_transit',
  transporting: 'in_transit',
  in_transit: 'in_transit',
  arriving: 'in_transit',
  unloading: 'in_transit',
  holding: 'delayed',
  receiving: 'delivered',
};

/** Dispositions that say something about a shipment's state. `delayed` is not CBV; the gateway accepts it. */
export const DISPOSITION_STATUS: Readonly<Record<string, ShipmentStatus>> = {
  in_transit: 'in_transit',
  delayed: 'delayed',
  damaged: 'exception',
  destroyed: 'exception',
  stolen: 'exception',
  recalled: 'exception',
  expired: 'exception',
  non_conformant: 'exception',
  mismatch_instance: 'exception',
  mismatch_class: 'exception',
  mismatch_quantity: 'exception',
};

/**
 * The shipment status an event reports. An exception disposition (damaged, stolen, ...) or
 * `delayed` decides; otherwise the business step does (shipping + in_transit is a pick-up);
 * otherwise an `in_transit` disposition; otherwise none (the event is kept without a status change).
 */
export function statusOf(bizStep: unknown, disposition: unknown): ShipmentStatus | null {
  const disp = cbvWord(disposition, 'Disp');
  const fromDisposition = disp ? DISPOSITION_STATUS[disp] : undefined;
  if (fromDisposition && fromDisposition !== 'in_transit') return fromDisposition;
  const step = cbvWord(bizStep, 'BizStep');
  const fromStep = step ? BIZSTEP_STATUS[step] : undefined;
  return fromStep ?? fromDisposition ?? null;
}

/** How the gateway writes a status back as EPCIS (chosen so that capturing it again gives the same status). */
export const STATUS_EPCIS: Readonly<Record<ShipmentStatus, { bizStep?: string; disposition?: string }>> = {
  planned: { bizStep: 'staging_outbound' },
  picked_up: { bizStep: 'shipping', disposition: 'in_transit' },
  in_transit: { bizStep: 'transporting', disposition: 'in_transit' },
  delayed: { bizStep: 'holding', disposition: 'in_transit' },
  delivered: { bizStep: 'receiving' },
  exception: { disposition: 'non_conformant' },
};
