/* importlib.reload(module) in transformed code: `await __pyrun__.reload(m)`.
 *
 * importlib.reload does the finding and the bookkeeping; only the module's
 * body, which may block, must be awaited. While reload runs, the loader
 * hands the body over instead of waiting for it (st->deferred_bodies), and
 * the awaitable returned here runs it before giving back the module, so
 * the caller sees the same order of events as with CPython. */
#include "importer.h"

#include "../aio/helpers.h"

enum { R_MODULE, R_BODY };

static step_result
reload_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    (void)value;
    if (s->phase == 0 && s->o[R_BODY] != NULL) {
        s->phase = 1;
        *out = Py_NewRef(s->o[R_BODY]);
        return STEP_AWAIT;
    }
    *out = Py_NewRef(s->o[R_MODULE]);
    return STEP_DONE;
}

PyObject *
pyrun_helper_reload(PyObject *module, PyObject *target)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *importlib = pyrun_import("importlib");
    if (importlib == NULL) {
        return NULL;
    }
    PyObject *outer = st->deferred_bodies; /* a reload inside a reload's finding */
    st->deferred_bodies = PyList_New(0);
    if (st->deferred_bodies == NULL) {
        st->deferred_bodies = outer;
        Py_DECREF(importlib);
        return NULL;
    }
    PyObject *reloaded = PyObject_CallMethod(importlib, "reload", "O", target);
    Py_DECREF(importlib);
    PyObject *bodies = st->deferred_bodies;
    st->deferred_bodies = outer;
    pyrun_step *s = NULL;
    if (reloaded != NULL) {
        s = pyrun_step_new(st, reload_next, NULL);
        if (s != NULL) {
            s->o[R_MODULE] = Py_NewRef(reloaded);
            s->o[R_BODY] = PyList_Size(bodies) > 0 ? Py_NewRef(PyList_GetItem(bodies, 0)) : NULL;
        }
    }
    /* bodies not handed to the step (after a failure) are closed unrun */
    for (Py_ssize_t i = s != NULL ? 1 : 0; i < PyList_Size(bodies); i++) {
        PyObject *r = PyObject_CallMethod(PyList_GetItem(bodies, i), "close", NULL);
        if (r == NULL) {
            PyErr_Clear();
        }
        Py_XDECREF(r);
    }
    Py_DECREF(bodies);
    Py_XDECREF(reloaded);
    return (PyObject *)s;
}
