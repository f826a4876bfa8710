/** An event as captured, with what the store indexes for the standard queries (epcis-store.ts). */
export interface CapturedEpcisEvent {
  /** The event exactly as sent. */
  event: Record<string, unknown>;
  /** The @context entries of its document beyond EPCIS's own (the prefixes of its extensions). */
  context: unknown[];
  eventId: string;
  type: string;
  /** eventTime in UTC, milliseconds, Z. */
  eventTime: string;
  bizStep: string | null;
  disposition: string | null;
  readPoint: string | null;
  bizLocation: string | null;
  /** [kind, value]: epc, parentID, childEPC, inputEPC, outputEPC, quantity (epcClass), bizTransaction (`<type URI> <value>`). */
  terms: Array<[string, string]>;
  /** The declaration time when the event is an error declaration. */
  declaredAt: string | null;
  /** No shipment status follows from it: it is kept, and a temperature it reports recorded, without a status change. */
  statusless: boolean;
  /** It changes nothing on the shipment (no status, no temperature, or an error declaration): it is only kept. */
  keepOnly: boolean;
}
