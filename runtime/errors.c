/* The two ways the transform itself can fail, as the user sees them.
 *
 *  - pyrun.TransformError (a SyntaxError): valid Python that pyrun cannot
 *    rewrite, such as code nested too deeply for the AST round trip. It is
 *    reported like a syntax error, at the user's file and line.
 *  - pyrun.InternalError (a BaseException, so that no `except Exception`
 *    of the program swallows it): a bug of pyrun's, caught where the
 *    transform returns. It ends the program with one line,
 *    "pyrun: internal error in the transform at FILE:LINE: ...", and
 *    status 1. */
#include "errors.h"

int
pyrun_errors_register(PyObject *module, pyrun_state *st)
{
    st->transform_error = PyErr_NewExceptionWithDoc(
        "pyrun.TransformError", "Valid Python that pyrun's transform cannot rewrite.", PyExc_SyntaxError, NULL);
    if (st->transform_error == NULL || PyModule_AddObjectRef(module, "TransformError", st->transform_error) < 0) {
        return -1;
    }
    st->internal_error = PyErr_NewExceptionWithDoc(
        "pyrun.InternalError", "A failure of pyrun itself, not of the program.", PyExc_BaseException, NULL);
    return st->internal_error == NULL ? -1 : PyModule_AddObjectRef(module, "InternalError", st->internal_error);
}

/* Exceptions that are answers about the program, not bugs of pyrun's. */
static int
is_expected(PyObject *exc_type, pyrun_state *st)
{
    return PyErr_GivenExceptionMatches(exc_type, PyExc_SyntaxError) ||
           PyErr_GivenExceptionMatches(exc_type, PyExc_ValueError) || /* null bytes, bad source */
           PyErr_GivenExceptionMatches(exc_type, PyExc_MemoryError) ||
           PyErr_GivenExceptionMatches(exc_type, PyExc_KeyboardInterrupt) ||
           PyErr_GivenExceptionMatches(exc_type, st->internal_error);
}

void
pyrun_transform_failed(pyrun_state *st, PyObject *filename, long line, int output_broken)
{
    PyObject *type = PyErr_Occurred();
    if (type == NULL || (!output_broken && is_expected(type, st))) {
        return;
    }
    PyObject *etype, *exc, *tb;
    PyErr_Fetch(&etype, &exc, &tb);
    PyErr_NormalizeException(&etype, &exc, &tb);
    Py_XDECREF(tb);
    Py_DECREF(etype);
    if (exc == NULL) {
        return;
    }
    const char *where = line > 0 ? ":" : "";
    PyObject *lineno = line > 0 ? PyUnicode_FromFormat("%ld", line) : PyUnicode_FromString("");
    if (lineno == NULL) {
        Py_DECREF(exc);
        return;
    }
    if (PyErr_GivenExceptionMatches((PyObject *)Py_TYPE(exc), PyExc_RecursionError)) {
        /* CPython compiles such code from its source; pyrun needs the AST */
        PyObject *where = line > 0 ? PyLong_FromLong(line) : Py_NewRef(Py_None);
        PyObject *args = where ? Py_BuildValue("(s(OOOO))",
                                               "nested too deeply for pyrun to rewrite (its AST round trip "
                                               "hit the recursion limit)",
                                               filename, where, Py_None, Py_None)
                               : NULL;
        Py_XDECREF(where);
        if (args != NULL) {
            PyErr_SetObject(st->transform_error, args);
            Py_DECREF(args);
        }
    }
    else {
        PyObject *name = PyType_GetName(Py_TYPE(exc));
        if (name != NULL) {
            PyErr_Format(st->internal_error, "internal error in the transform at %U%s%U: %U: %S", filename, where,
                         lineno, name, exc);
            Py_DECREF(name);
        }
    }
    Py_DECREF(lineno);
    Py_DECREF(exc);
}

int
pyrun_is_internal_error(PyObject *exc_type)
{
    if (exc_type == NULL) {
        return 0;
    }
    /* usually asked while that exception is set: keep it aside */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *name = PyUnicode_FromString("pyrun");
    PyObject *module = name ? PyImport_GetModule(name) : NULL;
    Py_XDECREF(name);
    pyrun_state *st = module ? (pyrun_state *)PyModule_GetState(module) : NULL;
    int is = st != NULL && st->internal_error != NULL &&
             PyErr_GivenExceptionMatches(exc_type, st->internal_error);
    Py_XDECREF(module);
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    return is;
}
