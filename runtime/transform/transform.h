/* The AST transform: blocking calls become awaits, and code that reaches
 * them becomes async. See transform/model.h for how it works. */
#ifndef PYRUN_TRANSFORM_H
#define PYRUN_TRANSFORM_H

#include "../pyrun.h"

/* Could this source reach a blocking primitive at all? (Textual, cheap;
 * errs on the side of yes.) extra_names: more names that trigger (a set,
 * or NULL). */
int pyrun_may_block(PyObject *source, PyObject *extra_names);

/* Transforms a program: the module given and every user module it
 * imports, found with `resolver` (callable: dotted name -> None, or
 * (filename, source, is_package)), analysed together so coloring crosses
 * modules. Returns a list, root first, of (name, filename, source, tree or
 * None when untouched, notes). */
PyObject *pyrun_transform_program(pyrun_state *st, PyObject *source, PyObject *filename, PyObject *name,
                                  PyObject *package, PyObject *resolver);
/* Compiles one element of that list. */
PyObject *pyrun_compile_result(pyrun_state *st, PyObject *result);
/* The root of such a program (the main script): its tree, or None when
 * untouched. */
PyObject *pyrun_transform_source(pyrun_state *st, PyObject *source, PyObject *filename,
                                 int may_await, PyObject **notes);

/* Compile a program's entry (run as __main__; `package` for its relative
 * imports, None for a script): transformed when something in its program
 * blocks, else exactly as compile() would. The program's other user
 * modules are compiled and cached for their imports. */
PyObject *pyrun_compile_program(pyrun_state *st, PyObject *source, PyObject *filename, PyObject *package);

void pyrun_transform_state_clear(pyrun_state *st);
int pyrun_transform_state_traverse(pyrun_state *st, visitproc visit, void *arg);

#endif
