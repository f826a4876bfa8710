import type { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { AuditService } from '../audit/audit.service';
import { startupConnection } from '../database/connect-retry';
import { ShutdownState } from '../health/shutdown-state';
import { stopTracing } from '../observability/tracing';
import { configureApp } from '../transport/configure-app';
import { HttpDrain } from '../transport/http-drain';
import { isDatabaseUnavailable } from '../common/database-unavailable';

/**
 * Runs a gateway process: the app `create` builds is configured, listens with the server's
 * timeouts and drains on SIGTERM and SIGINT. A start that fails ends the process with one line.
 */
export function serveGateway(create: () => Promise<INestApplication>): void {
  listen(create).catch((error: Error) => {
    const { failedAttempts } = startupConnection;
    const why =
      failedAttempts > 0 && isDatabaseUnavailable(error)
        ? `the database cannot be reached after ${failedAttempts} attempt(s) (${error.message})`
        : error.message;
    process.stderr.write(`gateway failed to start: ${why}\n`);
    process.exit(1);
  });
}

async function listen(create: () => Promise<INestApplication>): Promise<void> {
  const app = await create();
  app.useLogger(app.get(Logger));
  app.flushLogs();
  configureApp(app);
  const config = app.get(AppConfig);
  const server = (await app.listen(config.PORT, config.HOST)) as Server;
  server.requestTimeout = config.REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(config.REQUEST_TIMEOUT_MS, 60_000);
  server.keepAliveTimeout = 5_000;
  const connections = new HttpDrain(server);
  const logger = app.get(Logger);
  logger.log(`gateway listening on http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT} (${config.databaseKind}); API docs at /docs`);

  // Drain, in this order: readiness turns false and every answer from now on closes its connection
  // (idle kept-alive connections close at once); after the drain delay the listener closes and the
  // answers in flight finish; then the pending audit events are committed; only then do the
  // database connections close. A stuck shutdown is cut short so an orchestrator's restart is never
  // blocked.
  let stopping = false;
  const drain = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.get(ShutdownState).draining = true;
    connections.start();
    logger.log(`${signal}: draining`);
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS).unref();
    await new Promise((r) => setTimeout(r, config.SHUTDOWN_DRAIN_DELAY_MS));
    try {
      // Not waiting for close's callback: it also waits for WebSocket connections, which app.close() ends.
      server.close();
      await connections.closed();
      await app.get(AuditService).close();
      await app.close();
      await stopTracing();
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void drain(signal));
}
