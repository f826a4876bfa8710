import { signCheckpoint } from '../audit/audit-checkpoint';
import { loadOrCreateSigningKey } from '../auth/key-store';
import { openDataSource } from './cli-data-source';

/** `npm run -s audit:checkpoint`: prints the chain head (seq, hash) as a JWS signed with the gateway key. */
async function main(): Promise<void> {
  const { ds, config, sql } = await openDataSource();
  try {
    const [head] = await ds.query(sql('SELECT seq, hash FROM audit_head WHERE id = ?'), [1]);
    const key = await loadOrCreateSigningKey(config.DATA_DIR);
    const jws = await signCheckpoint({ seq: Number(head.seq), hash: String(head.hash), at: new Date().toISOString() }, key);
    process.stdout.write(`${jws}\n`);
  } finally {
    await ds.destroy();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`checkpoint failed: ${e.message}\n`);
  process.exit(2);
});
