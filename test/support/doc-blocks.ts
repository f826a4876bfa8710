import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';

/** A shell block of a Markdown file, with the output block the doc shows right after it (if any). */
export interface DocBlock {
  file: string;
  line: number;
  code: string;
  /** `<!-- norun: reason -->` right before the fence: not run, and why. */
  norun?: string;
  expected?: { lang: 'json' | 'text'; line: number; text: string };
}

const FENCE = /^(\s*)```(\S*)[^\n]*$/;
const SHELL = new Set(['bash', 'sh', 'shell']);

export function extractBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const fences: Array<{ lang: string; line: number; indent: string; body: string[]; before: string[] }> = [];
  let i = 0;
  while (i < lines.length) {
    const open = FENCE.exec(lines[i]);
    if (!open) {
      i += 1;
      continue;
    }
    const start = i;
    const indent = open[1];
    const body: string[] = [];
    i += 1;
    while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) {
      body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i]);
      i += 1;
    }
    // What stands between the previous fence (or the start) and this one.
    const prevEnd = fences.length ? fences[fences.length - 1].line + fences[fences.length - 1].body.length + 1 : -1;
    fences.push({ lang: open[2], line: start, indent, body, before: lines.slice(prevEnd + 1, start) });
    i += 1;
  }
  const blocks: DocBlock[] = [];
  fences.forEach((f, n) => {
    if (!SHELL.has(f.lang)) return;
    const nonBlank = f.before.filter((l) => l.trim() !== '');
    const marker = nonBlank.length ? /^\s*<!--\s*norun:\s*(.+?)\s*-->\s*$/.exec(nonBlank[nonBlank.length - 1]) : null;
    const block: DocBlock = { file, line: f.line + 1, code: f.body.join('\n') };
    if (marker) block.norun = marker[1];
    const next = fences[n + 1];
    if (next && (next.lang === 'json' || next.lang === 'text') && next.before.every((l) => l.trim() === '')) {
      block.expected = { lang: next.lang, line: next.line + 1, text: next.body.join('\n') };
    }
    blocks.push(block);
  });
  return blocks;
}

/** Splits a stream of JSON texts (as `jq` writes them, pretty or compact) into values. */
export function parseJsonStream(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') {
        inString = false;
        if (depth === 0) {
          values.push(JSON.parse(text.slice(start, i + 1)));
          start = -1;
        }
      }
      continue;
    }
    if (/\s/.test(c)) {
      if (depth === 0 && start >= 0) {
        values.push(JSON.parse(text.slice(start, i)));
        start = -1;
      }
      continue;
    }
    if (start < 0) start = i;
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) {
        values.push(JSON.parse(text.slice(start, i + 1)));
        start = -1;
      }
    }
  }
  if (start >= 0) values.push(JSON.parse(text.slice(start)));
  return values;
}

/**
 * Whether `actual` is what the doc shows. "…" in an expected string stands for any text (a string
 * that is only "…" for any value: ids, times and counts that differ from run to run); objects must
 * have the same members, arrays the same length.
 */
export function mismatch(expected: unknown, actual: unknown, path = '$'): string | null {
  if (typeof expected === 'string' && expected.includes('…')) {
    if (expected === '…') return null;
    if (typeof actual !== 'string' || !ellipsisPattern(expected).test(actual)) {
      return `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    }
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    }
    for (let i = 0; i < expected.length; i += 1) {
      const m = mismatch(expected[i], actual[i], `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) {
      return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    }
    const e = Object.keys(expected).sort();
    const a = Object.keys(actual).sort();
    if (e.join() !== a.join()) return `${path}: expected members ${e.join(', ')}, got ${a.join(', ')}`;
    for (const k of e) {
      const m = mismatch((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], `${path}.${k}`);
      if (m) return m;
    }
    return null;
  }
  return Object.is(expected, actual) ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

/** Text output: line by line, "…" standing for any text within a line. */
export function textMismatch(expected: string, actual: string): string | null {
  const e = expected.replace(/\s+$/, '').split('\n');
  const a = actual.replace(/\r/g, '').replace(/\s+$/, '').split('\n');
  if (e.length !== a.length) return `expected ${e.length} lines, got ${a.length}:\n${actual}`;
  for (let i = 0; i < e.length; i += 1) {
    if (!ellipsisPattern(e[i]).test(a[i])) return `line ${i + 1}: expected ${JSON.stringify(e[i])}, got ${JSON.stringify(a[i])}`;
  }
  return null;
}

function ellipsisPattern(s: string): RegExp {
  return new RegExp(
    `^${s
      .split('…')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
}

/** Transpiles src/ (no type check) to `out`, so the CLIs and the gateway start without ts-node. */
export function transpileSources(srcDir: string, out: string): void {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    useDefineForClassFields: false,
    resolveJsonModule: true,
  };
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const target = join(out, relative(srcDir, path));
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        mkdirSync(dirname(target), { recursive: true });
        const js = ts.transpileModule(readFileSync(path, 'utf8'), { compilerOptions: options, fileName: path }).outputText;
        writeFileSync(target.replace(/\.ts$/, '.js'), js);
      } else if (entry.name.endsWith('.json')) {
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(path, target);
      }
    }
  };
  walk(srcDir);
}
