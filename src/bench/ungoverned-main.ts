import 'reflect-metadata';
// First, as in main.ts: tracing's instrumentations hook http, express, pg and graphql before they load.
import '../observability/tracing';
import { serveGateway } from '../bootstrap/serve-gateway';
import { compileUngoverned } from './ungoverned-module';

/**
 * `node dist/bench/ungoverned-main.js`: the benchmark-only ungoverned gateway, started by
 * `npm run bench` beside the governed one (dist/main.js). Same settings, same server, same drain;
 * refused in production and off loopback (ungoverned-module.ts).
 */
serveGateway(async () => (await compileUngoverned()).createNestApplication({ bodyParser: false }));
