import { createHash } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { loadOrCreateSigningKey } from '../auth/key-store';
import { validateConfig } from '../config/app-config';
import { readArgs, run } from './cli';

/**
 * `npm run -s demo:carrier`: plays SwiftLog Freight (carrier-swiftlog) pushing the last 24 hours of
 * EPCIS 2.0 events for the shipments it carries, through the public HTTP API of a running gateway
 * (GATEWAY_URL, else http://localhost:$PORT, else http://localhost:3000), and prints what the
 * gateway accepted.
 *
 * The token is minted like `npm run -s token` does (the embedded key under DATA_DIR), so run it
 * from the directory the gateway runs in. Event ids are stable per UTC day: a second run on the
 * same day is answered with duplicates.
 *
 * Meanwhile Globex, the customer, watches the same shipments live (GraphQL subscription
 * `shipmentUpdated` over graphql-ws): it sees what its policy grants (status, ETA) and is told,
 * field by field, what is withheld (location, freight cost).
 */

const PARTNER = 'carrier-swiftlog';
const PURPOSE = 'shipment-execution';
const GS1_PREFIX = '0614141';

interface Shipment {
  id: string;
  reference: string;
  status: string;
  lastEventAt: string | null;
  origin: string;
  destination: string;
  sscc: string | null;
  temperatureC: number | null;
}

interface Step {
  hoursAgo: number;
  bizStep: string;
  disposition?: string;
  place: 'origin' | 'hub' | 'destination';
}

/** Four day routes; a shipment follows one by its number, so a rerun on the same day sends the same events. */
const DAY_ROUTES: Step[][] = [
  [
    { hoursAgo: 22, bizStep: 'shipping', disposition: 'in_transit', place: 'origin' },
    { hoursAgo: 20, bizStep: 'departing', disposition: 'in_transit', place: 'origin' },
    { hoursAgo: 12, bizStep: 'transporting', disposition: 'in_transit', place: 'hub' },
    { hoursAgo: 6, bizStep: 'arriving', disposition: 'in_transit', place: 'hub' },
  ],
  [
    { hoursAgo: 21, bizStep: 'departing', disposition: 'in_transit', place: 'origin' },
    { hoursAgo: 14, bizStep: 'arriving', disposition: 'in_transit', place: 'hub' },
    { hoursAgo: 10, bizStep: 'holding', place: 'hub' },
  ],
  [
    { hoursAgo: 18, bizStep: 'arriving', disposition: 'in_transit', place: 'hub' },
    { hoursAgo: 10, bizStep: 'departing', disposition: 'in_transit', place: 'hub' },
    { hoursAgo: 2, bizStep: 'receiving', place: 'destination' },
  ],
  [
    { hoursAgo: 16, bizStep: 'departing', disposition: 'in_transit', place: 'hub' },
    { hoursAgo: 5, bizStep: 'arriving', disposition: 'in_transit', place: 'destination' },
  ],
];

function routeOf(s: Shipment): Step[] {
  return DAY_ROUTES[Number(s.id.replace(/\D/g, '') || 0) % DAY_ROUTES.length];
}

const USAGE = `usage: npm run -s demo:carrier

Plays the carrier SwiftLog Freight pushing the last 24 hours of EPCIS 2.0 events for its shipments
through a running gateway, while the customer Globex watches them live over GraphQL, and prints what
the gateway accepted and what each side saw. Run it where the gateway runs (it mints its tokens with
the embedded key under DATA_DIR).
  GATEWAY_URL   the gateway's base URL; unset: http://localhost:$PORT, else http://localhost:3000`;

/** The gateway the demos talk to: GATEWAY_URL, else http://localhost:$PORT, else port 3000. */
function gatewayUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GATEWAY_URL) return env.GATEWAY_URL.replace(/\/+$/, '');
  return `http://localhost:${env.PORT || '3000'}`;
}

async function main(): Promise<number> {
  readArgs({ name: 'demo:carrier', usage: USAGE, options: {} });
  const base = gatewayUrl();
  const config = validateConfig(process.env, { serving: false });
  const key = await loadOrCreateSigningKey(config.DATA_DIR);
  const mint = (sub: string, partnerId: string, purpose: string) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ roles: ['partner'], partner_id: partnerId, purpose })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(config.JWT_ISSUER)
      .setAudience(config.JWT_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(key.privateKey);
  };
  const token = await mint('dispatch@swiftlog', PARTNER, PURPOSE);
  const watcher = await watchAs(base, await mint('tracking@globex', WATCHER.partnerId, WATCHER.purpose));
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/ld+json', Accept: 'application/json' };

  const list = await call(`${base}/api/v1/shipments?limit=1000&fields=id,reference,status,lastEventAt,origin,destination,sscc,temperatureC`, { headers });
  // Shipments delivered before this day are done; the others move.
  const dayStart = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  const shipments = (list.data as Shipment[]).filter((s) => s.status !== 'delivered' || (s.lastEventAt ?? '') >= dayStart);
  console.log(`${PARTNER}: ${shipments.length} shipments under way at ${base}`);

  const day = new Date().toISOString().slice(0, 10);
  const labels: string[] = [];
  const eventList = shipments.flatMap((s, n) =>
    routeOf(s).map((step, i) => {
      const at = new Date(Date.now() - step.hoursAgo * 3600 * 1000 - n * 60 * 1000);
      labels.push(`${s.id} ${s.reference.padEnd(13)} ${step.bizStep.padEnd(12)} ${at.toISOString()}`);
      return objectEvent(s, step, at, stableUuid(`${day}|${s.id}|${i}|${step.bizStep}`), i);
    }),
  );
  if (eventList.length === 0) {
    console.log('nothing to push');
    await watcher.close();
    return 0;
  }
  const answer = await call(`${base}/api/v1/epcis/capture`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      '@context': ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: new Date().toISOString(),
      epcisHeader: {},
      epcisBody: { eventList },
    }),
  });
  const results = (answer.data as { results: Array<{ index: number; outcome: string; code: string | null; message: string }> }).results;
  for (const r of results) {
    const mark = r.outcome === 'accepted' ? 'accepted ' : r.outcome === 'duplicate' ? 'duplicate' : 'refused  ';
    console.log(`  ${mark} ${labels[r.index]}${r.outcome === 'refused' ? `  ${r.code}: ${r.message}` : ''}`);
  }
  const meta = answer.meta as Record<string, number>;
  console.log(`${meta.accepted} accepted, ${meta.refused} refused, ${meta.duplicate} duplicate (of ${meta.total})`);

  const after = await call(`${base}/api/v1/shipments?limit=1000&fields=id,status,lastLocation,lastEventAt,temperatureC`, { headers });
  console.log('shipments now:');
  for (const s of after.data as Array<Record<string, unknown>>) {
    if (!shipments.some((x) => x.id === s.id)) continue;
    const temp = s.temperatureC === null ? '' : `  ${text(s.temperatureC)} °C`;
    console.log(`  ${text(s.id)} ${text(s.status).padEnd(10)} ${text(s.lastEventAt)}  ${text(s.lastLocation)}${temp}`);
  }

  // Live updates reach the subscriber a moment after the push commits.
  await new Promise((r) => setTimeout(r, 1500));
  await watcher.close();
  const seen = watcher.updates;
  console.log(`${WATCHER.partnerId} watched live: ${seen.length} update(s) of its shipments (shipmentUpdated)`);
  for (const u of seen.slice(-8)) {
    console.log(`  ${u.id} ${text(u.status).padEnd(10)} eta ${text(u.eta ?? '-')}${u.withheld.length ? `  withheld: ${u.withheld.join(', ')}` : ''}`);
  }
  if (seen.length === 0) console.log('  (none: Globex is the customer of none of the shipments that moved)');
  return 0;
}

const WATCHER = { partnerId: 'customer-globex', purpose: 'delivery-tracking' };

interface LiveUpdate {
  id: string;
  status: unknown;
  eta: unknown;
  withheld: string[];
}

/** A subscriber on graphql-ws, collecting what its policy lets it see of every shipment update. */
async function watchAs(base: string, token: string): Promise<{ updates: LiveUpdate[]; close(): Promise<void> }> {
  const updates: LiveUpdate[] = [];
  const client = createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  let started!: () => void;
  const ready = new Promise<void>((resolve) => {
    started = resolve;
  });
  client.on('connected', () => setTimeout(started, 300));
  client.on('closed', () => started());
  client.subscribe<{ shipmentUpdated: Record<string, unknown> | null }>(
    { query: 'subscription { shipmentUpdated { id status eta lastLocation freightCost } }' },
    {
      next: (result) => {
        const row = result.data?.shipmentUpdated;
        if (!row) return;
        const withheld = (result.errors ?? []).map((e) => text(e.extensions?.field ?? e.message));
        updates.push({ id: String(row.id), status: row.status, eta: row.eta, withheld });
      },
      error: (e) => console.error(`live updates stopped: ${JSON.stringify(e)}`),
      complete: () => undefined,
    },
  );
  await ready;
  return { updates, close: () => client.dispose() as Promise<void> };
}

/** One EPCIS ObjectEvent: the unit's SSCC (as URN or Digital Link, alternating) or else the shipment reference. */
function objectEvent(s: Shipment, step: Step, at: Date, eventID: string, i: number): Record<string, unknown> {
  const event: Record<string, unknown> = {
    type: 'ObjectEvent',
    eventID,
    eventTime: at.toISOString(),
    eventTimeZoneOffset: '+00:00',
    epcList: s.sscc ? [i % 2 === 0 ? `urn:epc:id:sscc:${GS1_PREFIX}.${s.sscc.charAt(0)}${s.sscc.slice(8, 17)}` : `https://id.gs1.org/00/${s.sscc}`] : [],
    action: 'OBSERVE',
    bizStep: step.bizStep,
    readPoint: { id: readPoint(s, step.place) },
  };
  if (step.disposition) event.disposition = step.disposition;
  if (!s.sscc) event.bizTransactionList = [{ type: 'desadv', bizTransaction: `urn:epcglobal:cbv:bt:${GS1_PREFIX}000005:${s.reference}` }];
  if (s.temperatureC !== null) {
    const drift = ((i * 37) % 10) / 10 - 0.3;
    event.sensorElementList = [
      {
        sensorMetadata: { time: at.toISOString(), deviceID: `urn:epc:id:giai:${GS1_PREFIX}.${s.id.replace(/\D/g, '')}` },
        sensorReport: [{ type: 'gs1:Temperature', value: Math.round((s.temperatureC + drift) * 10) / 10, uom: 'CEL' }],
      },
    ];
  }
  return event;
}

/** A GS1 SGLN read point per site: the origin and destination codes, or the shipment's hub. */
function readPoint(s: Shipment, place: Step['place']): string {
  const code = place === 'origin' ? s.origin : place === 'destination' ? s.destination : `HUB-${s.id}`;
  const digits = String(parseInt(createHash('sha256').update(code).digest('hex').slice(0, 8), 16) % 100000).padStart(5, '0');
  return `urn:epc:id:sgln:${GS1_PREFIX}.${digits}.0`;
}

function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.charAt(16), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function call(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new Error(`cannot reach the gateway at ${url} (${(e as Error).message}); start it with npm start or set GATEWAY_URL or PORT`);
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status} ${text(body.code ?? '')} ${text(body.detail ?? '')}`.trim());
  return body;
}

run('demo:carrier', main, 1);

/** A JSON value as one line of text. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}
