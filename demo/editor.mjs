// The demo's code editor: CodeMirror 6 with Python, bundled into
// build/demo/editor.js by `npm run build` (esbuild), so that the page
// loads one file and nothing from a network.
import { indentWithTab } from "@codemirror/commands";
import { python, pythonLanguage } from "@codemirror/lang-python";
import { indentUnit } from "@codemirror/language";
import { EditorState, StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView, keymap } from "@codemirror/view";
import { classHighlighter, highlightCode } from "@lezer/highlight";
import { basicSetup } from "codemirror";

// The line a traceback pointed at, highlighted until the text changes.
const jumpTo = StateEffect.define();
const jumpedLine = StateField.define({
  create: () => Decoration.none,
  update(lines, tr) {
    if (tr.docChanged) lines = Decoration.none;
    for (const effect of tr.effects) {
      if (effect.is(jumpTo)) lines = Decoration.set([Decoration.line({ class: "cm-jumped-line" }).range(effect.value)]);
    }
    return lines;
  },
  provide: (field) => EditorView.decorations.from(field),
});

function stateFor(doc, onChange) {
  return EditorState.create({
    doc,
    extensions: [
      basicSetup, // line numbers, bracket matching, indentation on Enter...
      python(),
      indentUnit.of("    "),
      keymap.of([indentWithTab]),
      jumpedLine,
      EditorView.updateListener.of((update) => {
        if (update.docChanged) onChange?.(update.state.doc.toString());
      }),
      EditorView.contentAttributes.of({ "aria-label": "code editor" }),
    ],
  });
}

/** An editor in `parent`: { view, text, setText(doc), jumpToLine(n) }. */
export function createEditor(parent, { doc = "", onChange } = {}) {
  const view = new EditorView({ parent, state: stateFor(doc, onChange) });
  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    setText(text) {
      view.setState(stateFor(text, onChange));
    },
    jumpToLine(number) {
      const line = view.state.doc.line(Math.min(Math.max(1, number), view.state.doc.lines));
      view.dispatch({
        selection: { anchor: line.from },
        effects: [jumpTo.of(line.from), EditorView.scrollIntoView(line.from, { y: "center" })],
      });
      view.focus();
    },
  };
}

/** Python source as lines of [text, CSS classes] pieces, for static views. */
export function highlightPython(code) {
  const lines = [[]];
  highlightCode(
    code,
    pythonLanguage.parser.parse(code),
    classHighlighter,
    (text, classes) => lines.at(-1).push([text, classes]),
    () => lines.push([]),
  );
  return lines;
}
