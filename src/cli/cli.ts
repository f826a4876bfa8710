import { parseArgs, ParseArgsConfig } from 'node:util';

/** A bad argument: the CLI prints one line and exits 2. */
export class UsageError extends Error {}

export interface CliSpec<O extends NonNullable<ParseArgsConfig['options']>> {
  /** The npm script, e.g. `audit:verify`. */
  name: string;
  /** Usage and description, printed by --help. */
  usage: string;
  options: O;
  positionals?: boolean;
}

type Values<O> = { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string };

/**
 * The operator CLIs' one way to read arguments: node's parseArgs, strict (an unknown flag or a
 * missing value is an error), `--name value` and `--name=value` (a negative number must use the
 * latter: `--ttl=-600`). `--help`/`-h` prints the usage and exits 0; a bad argument exits 2 with a
 * one-line message on stderr.
 */
export function readArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  spec: CliSpec<O>,
  argv: string[] = process.argv.slice(2),
): { values: Values<O>; positionals: string[] } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: spec.positionals ?? false,
    });
  } catch (error) {
    // A request for help wins over whatever else is wrong on the line.
    if (argv.includes('--help') || argv.includes('-h')) printUsage(spec);
    usageExit(spec.name, (error as Error).message.split('\n')[0].replace(/\. To specify .*$/, ''));
  }
  if (parsed.values.help) printUsage(spec);
  return { values: parsed.values as Values<O>, positionals: parsed.positionals };
}

/** A whole number from an option, or a UsageError naming it. */
export function intValue(name: string, raw: string | undefined, { min }: { min?: number } = {}): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`--${name} must be a whole number (got ${JSON.stringify(raw)})`);
  const n = Number(raw);
  if (min !== undefined && n < min) throw new UsageError(`--${name} must be at least ${min} (got ${n})`);
  return n;
}

/**
 * Runs a CLI's main: its result is the exit code. A UsageError exits 2, any other failure exits
 * `failureCode`; either way with one line on stderr, never a stack trace.
 */
export function run(name: string, main: () => Promise<number> | number, failureCode = 1, failurePrefix = 'failed'): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        if (error instanceof UsageError) usageExit(name, error.message);
        process.stderr.write(`${name} ${failurePrefix}: ${oneLine(error)}\n`);
        process.exit(failureCode);
      },
    );
}

function printUsage(spec: CliSpec<NonNullable<ParseArgsConfig['options']>>): never {
  process.stdout.write(`${spec.usage.trim()}\n`);
  process.exit(0);
}

function usageExit(name: string, message: string): never {
  process.stderr.write(`${name}: ${message}; see --help\n`);
  process.exit(2);
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}
