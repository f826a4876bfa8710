import { readPolicyDocuments } from '../bootstrap/bootstrap.service';
import { validatePolicyDocument } from '../policy/policy-validator';
import { parseArgs } from './args';

/** `npm run -s policy:check [-- --dir policies]`: validates every policy document without a server. */
function main(): number {
  const dir = parseArgs(process.argv.slice(2)).dir ?? process.env.POLICIES_DIR ?? './policies';
  const docs = readPolicyDocuments(dir);
  if (docs.length === 0) {
    process.stderr.write(`no policy documents in ${dir}\n`);
    return 1;
  }
  let bad = 0;
  for (const { file, raw } of docs) {
    const v = validatePolicyDocument(raw);
    if (v.ok) process.stdout.write(`ok    ${file}\n`);
    else {
      bad++;
      process.stdout.write(`FAIL  ${file}\n${v.problems.map((p) => `      ${p.path}: ${p.message}`).join('\n')}\n`);
    }
  }
  process.stdout.write(`${docs.length - bad} valid, ${bad} invalid\n`);
  return bad === 0 ? 0 : 1;
}

process.exit(main());
