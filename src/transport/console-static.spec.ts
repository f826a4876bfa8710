import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { consoleMiddleware } from './console-static';

describe('console static files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-dist-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const app = () => {
    const a = express();
    a.use('/console', consoleMiddleware(undefined, dir));
    a.use((_req, res) => {
      res.status(404).send('gateway 404');
    });
    return a;
  };

  it('answers 503 saying how to build when there is no build', async () => {
    const res = await request(app()).get('/console/partners').expect(503);
    expect(res.text).toContain('npm run build -w console');
  });

  it('serves index.html for any page, built files as they are, with a CSP that allows no inline script', async () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    const page = await request(app()).get('/console/policy/supplier-northwind').expect(200);
    expect(page.text).toContain('id="root"');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    await request(app()).get('/console').expect(200);
    await request(app())
      .get('/console/assets/app.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await request(app()).get('/console/assets/missing.js').expect(404);
    // The gateway's own routes under /console are left to it.
    await request(app()).get('/console/settings.json').expect(404, 'gateway 404');
  });
});
