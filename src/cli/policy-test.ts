import { readPolicyDocuments } from '../bootstrap/bootstrap.service';
import { PolicyDocument } from '../policy/policy-document';
import { runPolicyTests } from '../governance/policy-tests';
import { validatePolicyDocument } from '../policy/policy-validator';
import { parseArgs } from './args';

/** `npm run -s policy:test [-- --dir policies]`: runs every document's own tests, as `opa test` does; non-zero on a failure. */
function main(): number {
  const dir = parseArgs(process.argv.slice(2)).dir ?? process.env.POLICIES_DIR ?? './policies';
  let passed = 0;
  let failed = 0;
  for (const { file, raw } of readPolicyDocuments(dir)) {
    const v = validatePolicyDocument(raw);
    if (!v.ok) {
      failed++;
      process.stdout.write(`FAIL  ${file}: invalid document (${v.problems.length} problem(s); run policy:check)\n`);
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

process.exit(main());
