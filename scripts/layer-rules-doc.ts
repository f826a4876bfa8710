/**
 * The "Rules" table of docs/architecture.md, written from .dependency-cruiser.cjs (each rule's name,
 * what it applies to and why), so the page states exactly what `npm run deps:check` enforces.
 *
 *   npm run -s docs:layers            rewrites the table between its markers
 *   npm run -s docs:layers -- --check exits 1 when the page differs from the rules
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
export const ARCHITECTURE = join(ROOT, 'docs', 'architecture.md');
const BEGIN = '<!-- layer-rules:begin (written by npm run -s docs:layers) -->';
const END = '<!-- layer-rules:end -->';

interface Rule {
  name: string;
  comment: string;
  from: { path?: string | string[]; pathNot?: string | string[]; orphan?: boolean };
  to: { path?: string | string[]; pathNot?: string | string[]; circular?: boolean };
  scope?: string;
}

const list = (p: string | string[] | undefined): string =>
  p === undefined ? '' : (Array.isArray(p) ? p : [p]).map((x) => `\`${x.replace(/\|/g, '\\|')}\``).join(', ');

function side(s: Rule['from'] | Rule['to'], what: 'from' | 'to'): string {
  const parts: string[] = [];
  if ('orphan' in s && s.orphan) parts.push('imported by nothing');
  if ('circular' in s && s.circular) parts.push('in a cycle');
  if (s.path !== undefined) parts.push(list(s.path));
  if (s.pathNot !== undefined) parts.push(`except ${list(s.pathNot)}`);
  return parts.join(' ') || (what === 'to' ? 'anything' : 'any module');
}

/** The table, one row per rule, in the configuration's order. */
export function rulesTable(): string {
  const config = createRequire(__filename)(join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: Rule[] };
  const rows = config.forbidden.map((r) => {
    const forbids = `${r.scope === 'folder' ? 'folders: ' : ''}${side(r.from, 'from')} → ${side(r.to, 'to')}`;
    return `| \`${r.name}\` | ${forbids} | ${r.comment} |`;
  });
  return [BEGIN, '| rule | forbids an import from → to | why |', '|---|---|---|', ...rows, END].join('\n');
}

/** The page with its table replaced by the one the rules give. */
export function withRulesTable(page: string): string {
  const begin = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/architecture.md lacks the markers ${BEGIN} … ${END}`);
  return page.slice(0, begin) + rulesTable() + page.slice(end + END.length);
}

if (require.main === module) {
  const page = readFileSync(ARCHITECTURE, 'utf8');
  const next = withRulesTable(page);
  if (process.argv.includes('--check')) {
    if (next !== page) {
      process.stderr.write('docs/architecture.md does not match .dependency-cruiser.cjs: run npm run -s docs:layers\n');
      process.exit(1);
    }
  } else if (next !== page) {
    writeFileSync(ARCHITECTURE, next);
  }
}
