/**
 * Writes the gateway's OpenAPI document (GET /docs-json) to a file: the application is started in
 * this process on an empty SQLite database in a temporary folder and asked over HTTP, so the file is
 * exactly what a started gateway serves.
 *
 *   ts-node --transpile-only scripts/openapi-write.ts [out-file]   (default: temp/openapi.json)
 */
import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/transport/configure-app';

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'temp/openapi.json');
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-openapi-'));
  try {
    const app = await NestFactory.create(
      AppModule.register({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, DATABASE_URL: '', SEED_DEMO: 'false' }),
      { bodyParser: false, logger: false },
    );
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    const url = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/docs-json`;
    const answer = await fetch(url);
    if (!answer.ok) throw new Error(`GET /docs-json answered ${answer.status}`);
    const document = (await answer.json()) as unknown;
    await app.close();
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`wrote ${out}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
