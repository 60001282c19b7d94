/* The AST transform: blocking calls become awaits, and code that reaches
 * them becomes async. See transform/model.h for how it works. */
#ifndef PYRUN_TRANSFORM_H
#define PYRUN_TRANSFORM_H

#include "../pyrun.h"

/* Could this source reach a blocking primitive at all? (Textual, cheap;
 * errs on the side of yes.) extra_names: more names that trigger (a set,
 * or NULL). */
int pyrun_may_block(PyObject *source, PyObject *extra_names);

/* Rewrites `tree` (an ast.Module) in place. Returns a new reference to the
 * tree, or to None when nothing needed rewriting; *notes gets the list of
 * what was rewritten and why. `may_await`: top-level await is allowed. */
PyObject *pyrun_transform_tree(pyrun_state *st, PyObject *tree, PyObject *filename, int may_await,
                               PyObject **notes, PyObject **colored);
/* The same from source (bytes or str), parsing only when needed.
 * *colored (may be NULL) gets the set of (name, first line) of the defs
 * made async. */
PyObject *pyrun_transform_source(pyrun_state *st, PyObject *source, PyObject *filename,
                                 int may_await, PyObject **notes, PyObject **colored);

/* Compile a program for running: transformed when it can block, else
 * exactly as compile() would. Colored code objects are registered. */
PyObject *pyrun_compile_program(pyrun_state *st, PyObject *source, PyObject *filename, int may_await);

void pyrun_transform_state_clear(pyrun_state *st);
int pyrun_transform_state_traverse(pyrun_state *st, visitproc visit, void *arg);

#endif
