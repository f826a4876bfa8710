import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from './cli';

export interface PolicyFile {
  file: string;
  raw?: unknown;
  /** Set when the file is not YAML at all. */
  error?: string;
}

/**
 * The policy documents named on the command line: each path a file, or a folder whose *.yaml and
 * *.yml files are taken (sorted). A path that does not exist is an argument error.
 */
export function readPolicyFiles(paths: string[]): PolicyFile[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new UsageError(`no such file or folder: ${path}`);
    }
    if (isDir)
      files.push(
        ...readdirSync(path)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => join(path, f)),
      );
    else files.push(path);
  }
  return files.map((file) => {
    try {
      // The same reading as the gateway's seeding (DatabaseService bootstrap).
      return { file, raw: parse(readFileSync(file, 'utf8'), { maxAliasCount: 50 }) as unknown };
    } catch (e) {
      return { file, error: (e as Error).message.split('\n')[0] };
    }
  });
}

/** Positional paths, plus the older `--dir <folder>`; none: POLICIES_DIR, else ./policies. */
export function policyPaths(positionals: string[], dir: string | undefined): string[] {
  const paths = [...(dir !== undefined ? [dir] : []), ...positionals];
  return paths.length > 0 ? paths : [process.env.POLICIES_DIR || './policies'];
}
