import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { indentOnInput, syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';
import { Diagnostic, linter, lintGutter } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine } from '@codemirror/view';
import { useEffect, useRef } from 'react';

export interface EditorProblem {
  from: number;
  to: number;
  line: number;
  path: string;
  message: string;
}

/**
 * CodeMirror 6 with YAML; `check` (the server's validator, reached through the API) runs after each
 * pause in typing and its problems are shown inline at their lines.
 */
export function YamlEditor({ initial, onChange, check, label }: {
  initial: string;
  onChange: (text: string) => void;
  check: (text: string) => Promise<EditorProblem[]>;
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const latest = useRef({ onChange, check });
  latest.current = { onChange, check };

  useEffect(() => {
    const view = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: initial,
        extensions: [
          lineNumbers(),
          history(),
          highlightActiveLine(),
          indentOnInput(),
          syntaxHighlighting(defaultHighlightStyle),
          yaml(),
          lintGutter(),
          linter(async (v): Promise<Diagnostic[]> => {
            const problems = await latest.current.check(v.state.doc.toString());
            const max = v.state.doc.length;
            return problems.map((p) => ({ from: Math.min(p.from, max), to: Math.min(Math.max(p.to, p.from), max), severity: 'error', message: p.path ? `${p.path}: ${p.message}` : p.message }));
          }, { delay: 500 }),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          EditorView.updateListener.of((u) => { if (u.docChanged) latest.current.onChange(u.state.doc.toString()); }),
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true', tabindex: '0' }),
        ],
      }),
    });
    latest.current.onChange(initial);
    return () => view.destroy();
    // The editor is created once per document loaded; later text lives in the editor itself.
  }, [initial]);

  return <div className="editor" ref={host} />;
}
