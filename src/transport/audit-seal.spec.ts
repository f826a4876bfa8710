import express, { Response } from 'express';
import request from 'supertest';
import { AuditRecord } from '../audit/audit-record';
import { AuditService } from '../audit/audit.service';
import { sealAnswer, SealDialect } from './audit-seal';

const DIALECT: SealDialect = {
  refusal: () => ({ code: 'REFUSED', message: 'refused' }),
  unavailable: () => ({ contentType: 'application/problem+json; charset=utf-8', body: '{"code":"SERVICE_UNAVAILABLE"}' }),
};

/** The audit service's commit, as the seal uses it: `fail` makes every commit fail, as a store that cannot write. */
function auditLog(fail: boolean) {
  const commits: Array<{ requestId: string; status: number; at: number }> = [];
  let clock = 0;
  const audit = {
    async commit(record: AuditRecord, status: number) {
      await new Promise((r) => setTimeout(r, 20));
      commits.push({ requestId: record.requestId, status, at: ++clock });
      if (fail) {
        record.markCommitFailed();
        throw new Error('the store cannot write');
      }
      record.markCommitted();
    },
  } as unknown as AuditService;
  return { audit, commits, tick: () => ++clock };
}

function app(audit: AuditService, handler: (res: Response, record: AuditRecord) => void) {
  const server = express();
  server.get('/r', (_req, res) => {
    const record = new AuditRecord('req-1', 'rest', 'GET /r');
    sealAnswer(audit, record, res, DIALECT);
    handler(res, record);
  });
  return server;
}

describe('sealAnswer', () => {
  it('sends the answer only once its event is committed', async () => {
    const log = auditLog(false);
    let sentAt = 0;
    const server = app(log.audit, (res) => {
      res.on('finish', () => (sentAt = log.tick()));
      res.status(200).json({ data: [1, 2] });
    });
    const answer = await request(server).get('/r').expect(200);
    expect(answer.body).toEqual({ data: [1, 2] });
    expect(log.commits).toEqual([{ requestId: 'req-1', status: 200, at: 1 }]);
    expect(sentAt).toBe(2);
  });

  it('answers 503 without the data or the headers that described it when the event cannot be written', async () => {
    const log = auditLog(true);
    const server = app(log.audit, (res) => {
      res.setHeader('X-Request-Id', 'req-1');
      res.setHeader('Link', '</r?cursor=secret>; rel="next"');
      res.setHeader('X-Policy-Version', '7');
      res.status(200).json({ data: ['withheld'] });
    });
    const answer = await request(server).get('/r').expect(503);
    expect(answer.text).toBe('{"code":"SERVICE_UNAVAILABLE"}');
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(answer.headers['x-request-id']).toBe('req-1');
    expect(answer.headers).not.toHaveProperty('link');
    expect(answer.headers).not.toHaveProperty('x-policy-version');
    expect(answer.headers).not.toHaveProperty('etag');
  });

  it('records a refusal that reached the answer unrecorded, and commits once however often the answer ends', async () => {
    const log = auditLog(false);
    let record: AuditRecord | undefined;
    const server = app(log.audit, (res, r) => {
      record = r;
      res.status(405).end('no');
      res.end('again');
    });
    const answer = await request(server).get('/r').expect(405);
    expect(answer.text).toBe('no');
    // A second commit would land after the answer: give it the time to.
    await new Promise((r) => setTimeout(r, 60));
    expect(log.commits.map((c) => c.status)).toEqual([405]);
    expect(record!.failureCode).toBe('REFUSED');
  });

  it('does not try again after a step whose commit failed answers its 503', async () => {
    const log = auditLog(true);
    const server = app(log.audit, (res, record) => {
      // As sendProblem does: its commit fails, then it answers 503 through the sealed end.
      log.audit.commit(record, 403).catch(() => res.status(503).end('unavailable'));
    });
    const answer = await request(server).get('/r').expect(503);
    expect(answer.text).toBe('unavailable');
    await new Promise((r) => setTimeout(r, 60));
    expect(log.commits.map((c) => c.status)).toEqual([403]);
  });
});
