import { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AuditService } from '../audit/audit.service';
import { TokenVerifier } from '../auth/token-verifier.service';
import { GatewayRequest, matchedRoute } from './gateway-request';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { refuseUnreadBody } from './client-aborted';
import { graphqlGate } from './graphql/graphql-gate.middleware';
import { maxDocumentBytes } from './graphql/graphql-limits';
import { guardJsonBody, refuseInvalidUtf8, refuseNonJsonBody } from './json-body-guard';
import { buildOpenApiDocument } from './openapi-document';
import { OpenApiHost } from './openapi-host';
import { consoleMiddleware } from './console-static';
import { toGatewayError } from './problem';
import { requestContextMiddleware } from './request-context.middleware';
import { restAuditSeal } from './rest-audit-seal.middleware';
import { sendProblem } from './send-problem';

/** Routes (under /api/v1) whose bodies may be up to PUSH_BODY_LIMIT. */
const PUSH_PATHS = new Set(['/shipment-events:batch', '/epcis/capture']);

/**
 * Everything the HTTP side needs before routes: security headers, request context and token
 * verification, body parsing with its limit, the GraphQL gate, Swagger. Used by bootstrap/serve-gateway.ts and tests.
 */
export function configureApp(app: INestApplication): void {
  const config = app.get(AppConfig);
  const verifier = app.get(TokenVerifier);
  const audit = app.get(AuditService);
  const metrics = app.get(MetricsService);
  const http = app.getHttpAdapter().getInstance() as express.Express;
  http.disable('x-powered-by');
  http.set('trust proxy', false);
  http.set('query parser', 'simple');

  // Answers are JSON; a content security policy would only break the Swagger UI page.
  app.use(helmet({ contentSecurityPolicy: false }));
  if (config.CORS_ORIGINS) app.enableCors({ origin: config.CORS_ORIGINS.split(',').map((o) => o.trim()), credentials: false });

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Judged by the URL as received: inside a mounted handler (Apollo's) req.path is relative to its mount.
      const graphql = /^\/graphql(\/|\?|$)/i.test(req.originalUrl);
      const route = graphql ? '/graphql' : (matchedRoute(req) ?? 'unmatched');
      const labels = { transport: graphql ? 'graphql' : 'rest', route: `${req.method} ${route}`, status: String(res.statusCode) };
      metrics.httpDuration.observe(
        graphql ? { ...labels, operation_type: (req as GatewayRequest).gateway?.graphqlOperationType ?? 'unknown' } : labels,
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    // The connection closed before the answer was sent: the client is gone (see AuditService.commit).
    res.on('close', () => {
      const record = (req as GatewayRequest).gateway?.audit;
      if (record && !res.writableFinished) record.clientAborted = true;
    });
    next();
  });
  app.use('/api/v1', requestContextMiddleware(verifier, 'rest'));
  app.use('/graphql', requestContextMiddleware(verifier, 'graphql'));
  app.use('/console/demo-token', exactPath(requestContextMiddleware(verifier, 'rest')));
  // A REST answer leaves only after its audit event is committed (GraphQL's: graphqlGate and the audit plugin).
  app.use('/api/v1', restAuditSeal(audit));
  app.use('/console/demo-token', exactPath(restAuditSeal(audit)));
  app.use('/console', consoleMiddleware(config.OIDC_ISSUER));
  // Logistics pushes carry up to 1,000 events, so their bodies may be larger (PUSH_BODY_LIMIT); the
  // general parser below then leaves an already parsed body alone.
  const pushJson = express.json({ limit: config.PUSH_BODY_LIMIT, type: ['application/json', 'application/*+json'], verify: refuseInvalidUtf8 });
  app.use('/api/v1', (req: Request, res: Response, next: NextFunction) =>
    req.method === 'POST' && PUSH_PATHS.has(req.path) ? pushJson(req, res, next) : next(),
  );
  app.use(express.json({ limit: config.BODY_LIMIT, type: ['application/json', 'application/*+json'], verify: refuseInvalidUtf8 }));
  app.use(refuseUnreadBody);
  app.use('/api/v1', refuseNonJsonBody);
  app.use(guardJsonBody);
  app.use((err: unknown, req: GatewayRequest, res: Response, next: NextFunction) => {
    if (!err) return next();
    void sendProblem(audit, req, res, toGatewayError(err));
  });
  app.use('/graphql', graphqlGate(audit, maxDocumentBytes(config.GRAPHQL_MAX_TOKENS)));

  const document = buildOpenApiDocument(app);
  app.get(OpenApiHost).document = document;
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** A middleware mounted on a path that applies to that path alone, not to the paths under it. */
function exactPath(middleware: (req: GatewayRequest, res: Response, next: NextFunction) => unknown) {
  return (req: GatewayRequest, res: Response, next: NextFunction) => (req.path === '/' ? middleware(req, res, next) : next());
}
