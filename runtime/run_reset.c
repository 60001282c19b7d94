/* Between two programs in one interpreter (a page's loadPyrun instance
 * runs many), the runtime forgets what the last one left in its own
 * state, so that the next starts as it would in a fresh interpreter: the
 * end of input it reached, text it read but did not consume, imports and
 * loop.stop() futures it left pending, and the rewritten code of its
 * modules (a file of the next program may have the same path, size and
 * modification time). The host resets the interpreter's state (sys.modules,
 * files...); see loader/browser/run-isolation.mjs. */
#include "pyrun.h"

/* _reset_run(): call between programs, never while one runs. */
static PyObject *
reset_run(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (st->main_runner != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_reset_run(): a program is running");
        return NULL;
    }
    PyObject *empty = PyUnicode_FromString("");
    if (empty == NULL) {
        return NULL;
    }
    Py_SETREF(st->stdin_pending, empty);
    st->stdin_eof = 0;
    st->jspi_possible = -1; /* a snapshot may be restored on another runtime */
    PyDict_Clear(st->stop_futures);
    PyDict_Clear(st->in_flight);
    PyDict_Clear(st->code_cache);
    if (pyrun_threads_reset(st) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef run_reset_methods[] = {
    {"_reset_run", reset_run, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

int
pyrun_run_reset_register(PyObject *module)
{
    return PyModule_AddFunctions(module, run_reset_methods);
}
