import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The policy documents of a folder (`*.yaml`, `*.yml`), parsed, in file-name order; none when the folder is missing. */
export function readPolicyDocuments(dir: string): Array<{ file: string; raw: unknown }> {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch {
    return [];
  }
  return files.map((f) => {
    const file = join(dir, f);
    return { file, raw: parse(readFileSync(file, 'utf8'), { maxAliasCount: 50 }) as unknown };
  });
}
