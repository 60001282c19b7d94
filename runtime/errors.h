/* pyrun.TransformError and pyrun.InternalError (see errors.c). */
#ifndef PYRUN_ERRORS_H
#define PYRUN_ERRORS_H

#include "pyrun.h"

int pyrun_errors_register(PyObject *module, pyrun_state *st);

/* Called with the exception the transform of `filename` raised, working
 * on `line` (0: unknown): turns what is a bug of pyrun's into
 * InternalError, and a recursion limit hit into TransformError. Leaves
 * answers about the program (SyntaxError...) as they are, unless
 * `output_broken`: the transform's output does not compile while the
 * program does, which is always pyrun's bug. */
void pyrun_transform_failed(pyrun_state *st, PyObject *filename, long line, int output_broken);

/* Is this exception pyrun.InternalError? Reported as one line, status 1. */
int pyrun_is_internal_error(PyObject *exc_type);

#endif
