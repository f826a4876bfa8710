import { signCheckpoint } from '../audit/audit-checkpoint';
import { loadOrCreateSigningKey } from '../auth/key-store';
import { readArgs, run } from './cli';
import { openDataSource } from './cli-data-source';

const USAGE = `usage: npm run -s audit:checkpoint

Prints the audit chain head (seq, hash, time) as a JWS signed with the gateway's key (DATA_DIR/keys).
Keep it elsewhere; npm run -s audit:verify -- --checkpoint @file later proves the chain up to it is unchanged.`;

/** `npm run -s audit:checkpoint`: prints the chain head (seq, hash) as a JWS signed with the gateway key. */
async function main(): Promise<number> {
  readArgs({ name: 'audit:checkpoint', usage: USAGE, options: {} });
  const { ds, config, sql } = await openDataSource();
  try {
    const [head] = await ds.query<Array<{ seq: string | number; hash: string }>>(sql('SELECT seq, hash FROM audit_head WHERE id = ?'), [1]);
    const key = await loadOrCreateSigningKey(config.DATA_DIR);
    const jws = await signCheckpoint({ seq: Number(head.seq), hash: String(head.hash), at: new Date().toISOString() }, key);
    process.stdout.write(`${jws}\n`);
    return 0;
  } finally {
    await ds.destroy();
  }
}

run('audit:checkpoint', main, 2);
