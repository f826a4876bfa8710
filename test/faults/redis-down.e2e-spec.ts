import Redis from 'ioredis';
import { FaultGateway } from '../support/fault-gateway';
import { PrivateRedis } from '../support/private-redis';

const PREFIX = `faults-${process.pid}:`;
const PARTNER = 'quota-faults';
const LIMIT = 4;

/**
 * Redis configured but down: the gateway goes on with per-replica quotas (said in a metric and one
 * log line) instead of answering 503 to every partner, and counts in Redis again once it returns.
 */
describe('faults: Redis down', () => {
  let redis: PrivateRedis;
  let gw: FaultGateway;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // The embedded store: this fault is about Redis alone.
    gw = await FaultGateway.start({ DATABASE_URL: '', REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX, LOG_LEVEL: 'info' });
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
    await redis?.stop();
  });

  const metric = async (name: string): Promise<number | null> => {
    const text = await (await fetch(`${gw.process.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : null;
  };
  const hitsInRedis = async (): Promise<number> => {
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      return Number((await client.get(`{${PREFIX}partner:${PARTNER}:partner}:hits`)) ?? 0);
    } finally {
      client.disconnect();
    }
  };

  it('goes on with per-replica quotas while Redis is down, says so, and shares quotas again once it is back', async () => {
    const gov = await gw.token({ roles: ['governance'] }, 'officer');
    const doc = {
      partner: { id: PARTNER, name: 'Quota faults', kind: 'other' },
      limits: { requestsPerMinute: LIMIT },
      rules: [{ id: 'r', action: 'read', subject: 'DemandSignal', fields: ['id'], purposes: ['p'] }],
    };
    expect((await gw.call(`/api/v1/policies/${PARTNER}`, gov, { method: 'PUT', body: JSON.stringify(doc) })).status).toBe(200);
    const partner = await gw.token({ roles: ['partner'], partner_id: PARTNER, purpose: 'p' });
    const other = await gw.token({ roles: ['partner'], partner_id: 'supplier-acme', purpose: 'replenishment-planning' });
    const read = (token: string) => gw.call('/api/v1/demand-signals?limit=1', token);

    // Redis up: the quota is counted there.
    expect((await read(partner)).status).toBe(200);
    expect(await hitsInRedis()).toBe(1);

    await redis.kill();
    const down: Array<{ status: number; ms: number }> = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const started = Date.now();
      const { status } = await read(partner);
      down.push({ status, ms: Date.now() - started });
    }
    for (let i = 0; i < 4; i++) {
      const started = Date.now();
      const { status } = await read(other);
      down.push({ status, ms: Date.now() - started });
    }
    const statuses = down.map((d) => d.status);
    expect(statuses.filter((s) => s === 503)).toEqual([]);
    // The partner's quota still holds, on this replica's own count.
    expect(statuses.slice(0, LIMIT + 2)).toEqual([...Array(LIMIT).fill(200), 429, 429]);
    expect(statuses.slice(LIMIT + 2)).toEqual([200, 200, 200, 200]);
    expect(await metric('gateway_rate_limit_fallback')).toBe(1);
    expect(await metric('gateway_rate_limit_fallback_requests_total')).toBeGreaterThanOrEqual(down.length);
    expect((await fetch(`${gw.process.url}/health/ready`)).status).toBe(200);

    const restartedAt = Date.now();
    await redis.up();
    let recoveredMs = -1;
    for (let i = 0; i < 300; i++) {
      expect((await read(other)).status).toBe(200);
      if ((await metric('gateway_rate_limit_fallback')) === 0) {
        recoveredMs = Date.now() - restartedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    // Shared again: the count is in the (restarted, empty) Redis.
    expect((await read(partner)).status).toBe(200);
    expect(await hitsInRedis()).toBe(1);

    expect(await metric('gateway_rate_limit_fallback')).toBe(0);

    const sorted = down.map((d) => d.ms).sort((a, b) => a - b);
    process.stdout.write(
      `redis-down: answers while down ${JSON.stringify(statuses)}, median ${sorted[Math.floor(sorted.length / 2)]} ms, ` +
        `max ${sorted[sorted.length - 1]} ms; shared quotas back ${recoveredMs} ms after Redis restarted\n`,
    );

    const lines = gw.process.log.split('\n').filter((l) => l.trim() !== '');
    // Only JSON log lines (no plain-text "Unhandled error event" from a client library).
    expect(lines.filter((l) => !isJson(l))).toEqual([]);
    expect(lines.filter((l) => /per-replica quotas/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /shared quotas resumed/.test(l))).toHaveLength(1);
  });
});

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
