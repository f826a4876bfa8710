import { SubjectName } from './subjects';

/**
 * Fields indexed together with the id, as `(column, id)`: a row scope that is an equality or `$in`
 * on one of them reads a page as one index range per value, each already in id order, so a page
 * costs the same however many rows the scope holds. The entities carry them (catalog-entity.ts):
 * one added here is a generated migration (`npm run migration:generate`), as the first ones were the
 * migration `KeysetIndexes`; docs/policy-language.md lists which scope shapes they serve.
 */
export const KEYSET_FIELDS: Readonly<Record<SubjectName, readonly string[]>> = {
  DemandSignal: ['sku', 'region', 'site'],
  CapacitySignal: ['supplierId', 'sku'],
  Shipment: ['carrierId', 'shipperId', 'destination'],
  ShipmentEvent: [],
};
