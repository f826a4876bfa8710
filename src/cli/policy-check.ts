import { validatePolicyDocument } from '../policy/policy-validator';
import { readArgs, run } from './cli';
import { policyPaths, readPolicyFiles } from './policy-files';

const USAGE = `usage: npm run -s policy:check [-- <file or folder>...] [--dir <folder>]

Validates policy documents without a server. Each path is a YAML file or a folder of *.yaml/*.yml
files; none given: POLICIES_DIR, else ./policies. Exit 0: all valid; 1: an invalid document or none
found; 2: bad arguments (e.g. a path that does not exist).`;

/** `npm run -s policy:check [-- paths...]`: validates every policy document without a server. */
function main(): number {
  const { values, positionals } = readArgs({ name: 'policy:check', usage: USAGE, options: { dir: { type: 'string' } }, positionals: true });
  const paths = policyPaths(positionals, values.dir);
  const docs = readPolicyFiles(paths);
  if (docs.length === 0) {
    process.stderr.write(`no policy documents in ${paths.join(', ')}\n`);
    return 1;
  }
  let bad = 0;
  for (const { file, raw, error } of docs) {
    const v = error === undefined ? validatePolicyDocument(raw) : { ok: false as const, problems: [{ path: '(file)', message: `not YAML: ${error}` }] };
    if (v.ok) process.stdout.write(`ok    ${file}\n`);
    else {
      bad++;
      process.stdout.write(`FAIL  ${file}\n${v.problems.map((p) => `      ${p.path}: ${p.message}`).join('\n')}\n`);
    }
  }
  process.stdout.write(`${docs.length - bad} valid, ${bad} invalid\n`);
  return bad === 0 ? 0 : 1;
}

run('policy:check', main, 1);
