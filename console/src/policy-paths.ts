import { Document, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument } from 'yaml';
import type { EditorProblem } from './components/YamlEditor';

/** `rules[0].fields[2]`, `partner.attributes.skus`, `tests[name]` → the segments of that path. */
export function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(/^\d+$/.test(m[2]) ? Number(m[2]) : m[2]);
  }
  return out;
}

/** Where a problem's path is in the YAML text: the deepest node the path reaches (its key where it has one). */
export function locate(doc: Document, path: string): [number, number] {
  let node: unknown = doc.contents;
  let range: [number, number] = [0, 0];
  const set = (n: unknown) => {
    const r = (n as Node | null)?.range;
    if (r) range = [r[0], r[1]];
  };
  set(node);
  for (const seg of splitPath(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyRange = (pair.key as Node).range;
      const valueRange = (pair.value as Node | null)?.range;
      if (keyRange) range = [keyRange[0], valueRange ? valueRange[1] : keyRange[1]];
      node = pair.value;
    } else if (isSeq(node)) {
      let item: unknown;
      if (typeof seg === 'number') item = node.items[seg];
      // tests[<name>] names a test by its name
      else item = node.items.find((i) => isMap(i) && i.get('name') === seg);
      if (!item) break;
      set(item);
      node = item;
    } else break;
  }
  return range;
}

export interface ParsedDraft {
  /** The draft as the JSON object the API takes; undefined while `syntax` holds a problem. */
  value: Record<string, unknown> | undefined;
  doc: Document;
  lines: LineCounter;
  syntax: EditorProblem[];
}

export function parseDraft(text: string): ParsedDraft {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = doc.errors.map((e) => ({ from: e.pos[0], to: e.pos[1], line: lines.linePos(e.pos[0]).line, path: '', message: e.message.split('\n')[0] }));
  if (syntax.length) return { value: undefined, doc, lines, syntax };
  const value: unknown = doc.toJS();
  // The validator's own words for a draft that is no mapping (empty, a list, a single value).
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { value: undefined, doc, lines, syntax: [{ from: 0, to: text.length, line: 1, path: '', message: 'a policy document must be an object' }] };
  }
  return { value: value as Record<string, unknown>, doc, lines, syntax };
}

export function toEditorProblems(parsed: ParsedDraft, problems: { path: string; message: string }[]): EditorProblem[] {
  return problems.map((p) => {
    const [from, to] = locate(parsed.doc, p.path);
    return { from, to, line: parsed.lines.linePos(from).line, path: p.path, message: p.message };
  });
}
