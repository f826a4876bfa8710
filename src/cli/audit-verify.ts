import { readFileSync } from 'node:fs';
import { createLocalJWKSet, JSONWebKeySet } from 'jose';
import { readCheckpoint, verifyToCheckpoint } from '../audit/audit-checkpoint';
import { chainReader } from '../audit/audit-events.table';
import { verifyChain } from '../audit/audit-verifier';
import { checkpointKeyOf, checkpointKeyResolver } from '../audit/checkpoint-key';
import { KeyResolver } from '../auth/key-store';
import { intValue, readArgs, run, UsageError } from './cli';
import { openDataSource } from './cli-data-source';

const USAGE = `usage: npm run -s audit:verify [-- --from <seq>] [--to <seq>] [--checkpoint <jws or @file>] [--keys <file>]

Verifies the audit chain straight from the database (DATABASE_URL, else the SQLite file under
DATA_DIR) and prints the result as JSON. Exit 0: intact; 1: broken; 2: bad arguments or cannot run.
  --from <seq>          first event to check (default 1)
  --to <seq>            last event to check (default: the chain head); must not be past the head
  --checkpoint <jws>    a signed checkpoint (npm run -s audit:checkpoint), or @file holding one:
                        checks events 1..its seq and that the chain there ends at its hash
  --keys <file>         with --checkpoint: a JWKS file (as GET /api/v1/audit-events/checkpoint-keys
                        answers) to verify it with, instead of the checkpoint key of the settings
                        (AUDIT_CHECKPOINT_KEY_FILE, else DATA_DIR/keys)`;

/**
 * Verifies the audit chain straight from the database, prints the result as JSON, exits 1 on a
 * break (for cron). A range that does not lie within the chain is an argument error (exit 2):
 * neither an "ok" for events never checked nor a break that is not there.
 */
async function main(): Promise<number> {
  const { values: args } = readArgs({
    name: 'audit:verify',
    usage: USAGE,
    options: { from: { type: 'string' }, to: { type: 'string' }, checkpoint: { type: 'string' }, keys: { type: 'string' } },
  });
  const from = intValue('from', args.from, { min: 1 });
  const to = intValue('to', args.to, { min: 1 });
  if (from !== undefined && to !== undefined && from > to) throw new UsageError(`--from (${from}) is after --to (${to})`);
  if (args.checkpoint !== undefined && (from !== undefined || to !== undefined))
    throw new UsageError('--checkpoint checks events 1..its seq; give no --from/--to with it');
  if (args.keys !== undefined && args.checkpoint === undefined) throw new UsageError('--keys verifies a checkpoint; give --checkpoint with it');
  const publishedKeys = args.keys === undefined ? null : readKeySet(args.keys);
  let jws: string | null = null;
  if (args.checkpoint !== undefined) {
    try {
      jws = args.checkpoint.startsWith('@') ? readFileSync(args.checkpoint.slice(1), 'utf8').trim() : args.checkpoint;
    } catch (e) {
      throw new UsageError(`cannot read the checkpoint file ${args.checkpoint.slice(1)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  const { ds, config } = await openDataSource();
  try {
    const chain = chainReader((work) => work(ds.manager));
    const headSeq = (await chain.head())?.seq ?? 0;
    for (const [name, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (value !== undefined && value > headSeq) throw new UsageError(`--${name} ${value} is past the chain head (seq ${headSeq})`);
    }
    if (jws === null) {
      const result = await verifyChain(chain, { from, to });
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return result.ok ? 0 : 1;
    }
    const keys = publishedKeys ?? checkpointKeyResolver(await checkpointKeyOf(config));
    const checkpoint = await readCheckpoint(jws, keys).catch((e: Error) => {
      throw new UsageError(`the checkpoint does not verify: ${e.message}`);
    });
    const out = await verifyToCheckpoint(chain, checkpoint);
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return out.ok ? 0 : 1;
  } finally {
    await ds.destroy();
  }
}

/** A JWKS file, as the gateway publishes checkpoint keys. */
function readKeySet(file: string): KeyResolver {
  let set: JSONWebKeySet;
  try {
    set = JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet;
  } catch (e) {
    throw new UsageError(`cannot read the key set ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!Array.isArray(set?.keys) || set.keys.length === 0) throw new UsageError(`${file} is not a JSON Web Key Set with keys`);
  return createLocalJWKSet(set);
}

run('audit:verify', main, 2, 'could not run');
