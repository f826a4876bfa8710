import { TestGateway } from '../support/test-app';

export const SWIFTLOG = { roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' };
export const NORTHSTAR = { roles: ['partner'], partner: 'carrier-northstar', purpose: 'shipment-execution' };
export const GOVERNANCE = { roles: ['governance'], sub: 'officer@orchestrator' };

export async function bearer(gw: TestGateway, who: Parameters<TestGateway['token']>[0]): Promise<string> {
  return `Bearer ${await gw.token(who)}`;
}

export async function shipmentRow(gw: TestGateway, id: string) {
  const [row] = await gw.query<Record<string, unknown>>('SELECT status, last_location, last_event_at, temperature_c, updated_at FROM shipments WHERE id = ?', [
    id,
  ]);
  return {
    status: row.status,
    lastLocation: row.last_location,
    lastEventAt: row.last_event_at,
    temperatureC: row.temperature_c === null ? null : Number(row.temperature_c),
  };
}

export async function eventsRecordedBy(gw: TestGateway, partner: string, clientIds: string[]) {
  if (clientIds.length === 0) return [];
  return gw.query<Record<string, unknown>>(
    `SELECT id, shipment_id, status, occurred_at, location, client_event_id, temperature_c FROM shipment_events
     WHERE recorded_by = ? AND client_event_id IN (${clientIds.map(() => '?').join(',')}) ORDER BY client_event_id`,
    [partner, ...clientIds],
  );
}

export function parseJsonList(value: unknown): string[] {
  return typeof value === 'string' ? JSON.parse(value) : (value as string[]);
}

/** SSCC of a demo shipment, as the gateway stores it. */
export async function ssccOf(gw: TestGateway, id: string): Promise<string> {
  const [row] = await gw.query<{ sscc: string }>('SELECT sscc FROM shipments WHERE id = ?', [id]);
  return row.sscc;
}
