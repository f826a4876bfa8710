import { takeCheckpoint } from '../audit/audit-checkpoint';
import { chainReader } from '../audit/audit-events.table';
import { checkpointKeyOf } from '../audit/checkpoint-key';
import { readArgs, run } from './cli';
import { openDataSource } from './cli-data-source';

const USAGE = `usage: npm run -s audit:checkpoint

Prints the audit chain head (seq, hash, time) as a JWS signed with the checkpoint key: the key file of
AUDIT_CHECKPOINT_KEY_FILE when set (shared by every replica), else the gateway's key under DATA_DIR/keys.
Keep it elsewhere; npm run -s audit:verify -- --checkpoint @file later proves the chain up to it is unchanged.`;

/** `npm run -s audit:checkpoint`: prints the chain head (seq, hash) as a JWS signed with the checkpoint key. */
async function main(): Promise<number> {
  readArgs({ name: 'audit:checkpoint', usage: USAGE, options: {} });
  const { ds, config } = await openDataSource();
  try {
    const key = await checkpointKeyOf(config);
    const { checkpoint } = await takeCheckpoint(
      chainReader((work) => work(ds.manager)),
      key,
    );
    process.stdout.write(`${checkpoint}\n`);
    return 0;
  } finally {
    await ds.destroy();
  }
}

run('audit:checkpoint', main, 2);
