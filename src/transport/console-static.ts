import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/** The built console (`npm run build -w console`, run by `npm start`). */
export const CONSOLE_DIST = join(__dirname, '..', '..', 'console', 'dist');

/** Routes under /console answered by the gateway itself, not by the built files. */
const GATEWAY_ROUTES = new Set(['/settings.json', '/demo-token']);

/**
 * Serves the console at /console: its built files, index.html for any other page of the single-page
 * app, and a strict Content-Security-Policy on these pages only (the API answers JSON; Swagger UI
 * needs inline script). Without a build, /console answers 503 saying how to make one.
 */
export function consoleMiddleware(oidcIssuer: string | undefined, dist = CONSOLE_DIST) {
  const connect = ["'self'"];
  if (oidcIssuer) connect.push(new URL(oidcIssuer).origin);
  const csp = helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      // Mantine and CodeMirror set styles at run time; no script runs from an inline source.
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: connect,
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });
  const files = express.static(dist, { index: false, redirect: false, fallthrough: true, maxAge: 0 });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (GATEWAY_ROUTES.has(req.path)) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    csp(req, res, () => {
      const index = join(dist, 'index.html');
      if (!existsSync(index)) {
        res
          .status(503)
          .type('html')
          .send(
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>' +
              '<body><h1>The console is not built</h1><p>Run <code>npm run build -w console</code> (or <code>npm start</code>, which builds it) and reload this page.</p></body></html>',
          );
        return;
      }
      files(req, res, () => {
        // Built assets have hashed names; a missing one is a 404, not the app.
        if (req.path.startsWith('/assets/')) return next();
        res.setHeader('Cache-Control', 'no-store');
        res.sendFile(index);
      });
    });
  };
}
