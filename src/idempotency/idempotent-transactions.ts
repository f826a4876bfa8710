import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Caller } from '../access/caller';
import { selectRows } from '../access/subject-rows.table';
import { normalize } from '../access/row-judge';
import { allColumnsOf } from '../access/row-values';
import { ReplayRights, WriteResult, WriteTransactions, WriteWork } from '../access/write-transactions';
import { AccessSummary, carry, deciding, merge, summaryOf } from '../audit/access-summary';
import { AuditService } from '../audit/audit.service';
import { GatewayError } from '../common/gateway-error';
import { DatabaseService } from '../database/database.service';
import { IdempotencyService } from './idempotency.service';
import { idempotencyScope, judgeReplay } from './replay-judge';

/**
 * Runs a write with its audit event in one transaction. With an Idempotency-Key, a replay
 * returns the first answer, judged again under the policy in force (replay-judge.ts), and
 * writes nothing but its own audit event.
 */
@Injectable()
export class IdempotentTransactions extends WriteTransactions {
  constructor(
    private readonly db: DatabaseService,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
  ) {
    super();
  }

  async run(caller: Caller, route: string, body: Record<string, unknown>, rights: ReplayRights, decided: AccessSummary, work: WriteWork): Promise<WriteResult> {
    const key = caller.idempotencyKey;
    const scope = idempotencyScope(caller, route);
    const hash = this.idempotency.hashRequest(body);
    if (key) {
      const replay = await deciding(decided, () => this.replay(caller, scope, key, hash, rights, decided));
      if (replay) return replay;
    }
    // What the write decided once its work is done: in its event, or carried by its error if it then fails.
    let done = decided;
    try {
      const { result, summary } = await this.audit.changeWithEvent(caller.audit, decided, async (m) => {
        const r = await work(m);
        done = merge(decided, r.summary);
        const alongside = key ? (t: EntityManager) => this.idempotency.save(t, scope, key, hash, r.status, r.body) : undefined;
        return { result: r, status: r.status, summary: done, alongside };
      });
      return { ...result, summary, replayed: false };
    } catch (error) {
      // A concurrent duplicate with the same key may have committed meanwhile: its effect can make
      // this one fail (a unique violation, or a refusal such as 409 "already exists"). Answer it.
      // (The error already carries what the write decided: `done` once its work was done.)
      if (key) {
        const replay = await deciding(done, () => this.replay(caller, scope, key, hash, rights, done));
        if (replay) return replay;
      }
      throw error;
    }
  }

  private async replay(caller: Caller, scope: string, key: string, hash: string, rights: ReplayRights, decided: AccessSummary): Promise<WriteResult | null> {
    const prior = await this.db.read((m) => this.idempotency.find(m, scope, key));
    if (!prior) return null;
    if (prior.requestHash !== hash) {
      throw new GatewayError(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused', {
        detail: 'This Idempotency-Key was used for a different request; use a new key.',
      });
    }
    const first = JSON.parse(prior.body) as WriteResult['body'];
    const id = first.data && typeof first.data.id === 'string' ? first.data.id : null;
    // A refusal of the replay carries this part; the caller adds what the write decided before it.
    const replayed = summaryOf({ reason: 'idempotent replay: nothing written', replacesReason: true, resourceIds: id ? [id] : [] });
    const current =
      rights.answerIsRow && id
        ? ((await this.db.read((m) => selectRows(m, rights.subject, allColumnsOf(rights.subject), 't.id = :id', { id })))[0] ?? null)
        : null;
    const judged = (() => {
      try {
        return judgeReplay(caller, rights, this.db.dialect, first, current && normalize(rights.subject, current));
      } catch (error) {
        throw carry(error, replayed);
      }
    })();
    return { status: prior.status, body: judged.body, summary: merge(decided, merge(replayed, judged.summary)), replayed: true };
  }
}
