import { PolicyDocument } from '../policy/policy-document';
import { runPolicyTests } from '../governance/policy-tests';
import { validatePolicyDocument } from '../policy/policy-validator';
import { readArgs, run } from './cli';
import { policyPaths, readPolicyFiles } from './policy-files';

const USAGE = `usage: npm run -s policy:test [-- <file or folder>...] [--dir <folder>]

Runs each policy document's own tests (its tests: section), as opa test does. Each path is a YAML
file or a folder of *.yaml/*.yml files; none given: POLICIES_DIR, else ./policies. Exit 0: all
passed; 1: a failure, an invalid document or none found; 2: bad arguments.`;

/** `npm run -s policy:test [-- paths...]`: runs every document's own tests, as `opa test` does; non-zero on a failure. */
function main(): number {
  const { values, positionals } = readArgs({ name: 'policy:test', usage: USAGE, options: { dir: { type: 'string' } }, positionals: true });
  const paths = policyPaths(positionals, values.dir);
  const docs = readPolicyFiles(paths);
  if (docs.length === 0) {
    process.stderr.write(`no policy documents in ${paths.join(', ')}\n`);
    return 1;
  }
  let passed = 0;
  let failed = 0;
  for (const { file, raw, error } of docs) {
    const v = error === undefined ? validatePolicyDocument(raw) : null;
    if (!v?.ok) {
      failed++;
      process.stdout.write(`FAIL  ${file}: ${v ? `invalid document (${v.problems.length} problem(s); run policy:check)` : `not YAML: ${error}`}\n`);
      continue;
    }
    for (const r of runPolicyTests(raw as PolicyDocument)) {
      if (r.passed) passed++;
      else failed++;
      process.stdout.write(`${r.passed ? 'PASS' : 'FAIL'}  ${file}: ${r.name}\n${r.failures.map((f) => `      ${f}\n`).join('')}`);
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

run('policy:test', main, 1);
