import type { Server } from 'node:http';
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { DocumentNode, Kind, OperationDefinitionNode, parse, specifiedRules, validate } from 'graphql';
import { SignJWT } from 'jose';
import { AppModule } from '../src/app.module';
import { loadOrCreateSigningKey } from '../src/auth/key-store';
import { DocumentLimits, limitRules } from '../src/transport/graphql/graphql-limits';
import { configureApp } from '../src/transport/configure-app';

/**
 * `npx ts-node --transpile-only scripts/graphql-worst-case.ts`
 * The costliest documents to refuse under the default limits (2,000 tokens, depth 8, 30 aliases,
 * cost 20,000): for each, the selections the limit walk visits, the time graphql-js validation
 * (every rule) takes in-process, and the time a production gateway takes to answer the refusal
 * over HTTP. Medians of repeated runs; printed, not asserted.
 */
const LIMITS = { maxDepth: 8, maxAliases: 30, maxCost: 20000 };
const RUNS = 30;

function exponential(type: string, levels: number, times: number, leaf: string): string {
  const fragments = [`fragment F0 on ${type} { ${leaf} }`];
  for (let i = 1; i <= levels; i++) fragments.push(`fragment F${i} on ${type} { ${` ...F${i - 1}`.repeat(times)} }`);
  return fragments.join(' ');
}

const CANDIDATES: Array<[string, string]> = [
  ['90 fragments, each spreading the one below 8 times (8^90 selections)', `query { ...F90 } ${exponential('Query', 90, 8, '__typename')}`],
  [
    '12 fragments, each spreading the one below 4 times, data fields (under 1 KB)',
    `query { shipments(first: 1) { nodes { ...F12 } } } ${exponential('Shipment', 12, 4, 'id status')}`,
  ],
  [
    '1,980 selections within the limits, the cost limit passed by the last one',
    `query { ${'__typename '.repeat(1980)} z: shipments(first: 100000) { pageInfo { hasNextPage } } }`,
  ],
  [
    '120 fragments of one list field each (every pair compared for overlap), the cost limit passed by the last selection',
    `query { ${Array.from({ length: 120 }, (_, i) => `...F${i}`).join(' ')} z: shipments(first: 100000) { pageInfo { hasNextPage } } } ${Array.from({ length: 120 }, (_, i) => `fragment F${i} on Query { shipments { nodes { id } } }`).join(' ')}`,
  ],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gql-worst-'));
  const app = await NestFactory.create(
    AppModule.register({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      HOST: '127.0.0.1',
      JWT_ISSUER: 'https://gateway.bench',
      JWT_AUDIENCE: 'bench',
      METRICS_TOKEN: 'x'.repeat(32),
    }),
    { bodyParser: false, logger: false },
  );
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}/graphql`;
  const key = await loadOrCreateSigningKey(dataDir);
  const token = await new SignJWT({ roles: ['partner'], partner_id: 'carrier-swiftlog', purpose: 'shipment-execution' })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setSubject('bench')
    .setIssuer('https://gateway.bench')
    .setAudience('bench')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key.privateKey);
  const schema = app.get(GraphQLSchemaHost).schema;
  const rules = [...specifiedRules, ...limitRules(LIMITS)];

  console.log(`${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model.trim()}`);
  for (const [name, source] of CANDIDATES) {
    const document: DocumentNode = parse(source, { maxTokens: 2000 });
    const walker = new DocumentLimits(document, LIMITS);
    const exceeded = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION).map((o) => walker.check(o))[0];
    const validation: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      validate(schema, parse(source, { maxTokens: 2000 }), rules);
      validation.push(ms(t));
    }
    const http: number[] = [];
    let answer = '';
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: source }),
      });
      const body = (await res.json()) as { errors?: Array<{ message?: string; extensions?: { code?: string; limit?: string } }> };
      http.push(ms(t));
      answer = `${res.status} ${body.errors?.map((e) => `${e.extensions?.code}${e.extensions?.limit ? `/${e.extensions.limit}` : ` (${e.message})`}`).join(', ')}`;
    }
    console.log(
      `- ${name}: ${Buffer.byteLength(source)} bytes, ${walker.visits} selections visited, refused on ${exceeded?.limit ?? 'nothing'}; validation (parse + every rule) median ${median(validation).toFixed(2)} ms (max ${Math.max(...validation).toFixed(2)}); HTTP answer ${answer}, median ${median(http).toFixed(2)} ms (max ${Math.max(...http).toFixed(2)})`,
    );
  }
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}

void main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
