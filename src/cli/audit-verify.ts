import { readFileSync } from 'node:fs';
import { readCheckpoint } from '../audit/audit-checkpoint';
import { verifyChain } from '../audit/audit-verifier';
import { loadOrCreateSigningKey, localKeyResolver } from '../auth/key-store';
import { parseArgs } from './args';
import { openDataSource } from './cli-data-source';

/**
 * `npm run -s audit:verify [-- --from N --to N --checkpoint <jws or @file>]`: verifies the audit
 * chain straight from the database, prints the result as JSON, exits 1 on a break (for cron).
 */
async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const { ds, config, sql } = await openDataSource();
  try {
    const query = (text: string, params: unknown[]) => ds.query(text, params);
    let range = { from: args.from ? Number(args.from) : undefined, to: args.to ? Number(args.to) : undefined };
    let checkpoint: { seq: number; hash: string } | null = null;
    if (args.checkpoint) {
      const jws = args.checkpoint.startsWith('@') ? readFileSync(args.checkpoint.slice(1), 'utf8').trim() : args.checkpoint;
      // Checkpoints are signed with the gateway's own key (DATA_DIR/keys), whatever verifies tokens.
      const keys = localKeyResolver([(await loadOrCreateSigningKey(config.DATA_DIR)).publicJwk]);
      checkpoint = await readCheckpoint(jws, keys);
      range = { from: 1, to: checkpoint.seq };
    }
    const result = await verifyChain(query, sql, range);
    let ok = result.ok;
    const out: Record<string, unknown> = { ...result };
    if (checkpoint) {
      const matches = result.ok && result.checked === checkpoint.seq && result.head === checkpoint.hash;
      out.checkpoint = { seq: checkpoint.seq, ok: matches };
      if (!matches && result.ok) Object.assign(out, { ok: false, reason: 'checkpoint-mismatch', brokenSeq: Math.min(result.checked + 1, checkpoint.seq) });
      ok = ok && matches;
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return ok ? 0 : 1;
  } finally {
    await ds.destroy();
  }
}

main().then((code) => process.exit(code), (e: Error) => {
  process.stderr.write(`audit verification failed to run: ${e.message}\n`);
  process.exit(2);
});
