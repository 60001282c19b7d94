/* `yield from X` in a generator that blocks, which became an async
 * generator: async generators have no `yield from`, so the transform
 * spells out PEP 380's expansion with awaits, over a Delegate:
 *
 *     D = __pyrun__.delegate(X)
 *     item = await D.send(None)         # StopAsyncIteration: X is done
 *     ... sent = yield item; item = await D.send(sent), or D.throw(exc)
 *     for an exception thrown in, D.close() for GeneratorExit ...
 *     RESULT = __pyrun__.returned(D)
 *
 * X may be a generator that blocks (a pyrun generator: its async side is
 * resumed and awaited), one of pyrun's async iterators (map over a colored
 * function...: items only), or anything iterable (a plain generator, sent
 * to and thrown into synchronously, as `yield from` would). What X
 * returned is kept for the value of the `yield from`. */
#include "helpers.h"

typedef struct {
    PyObject_HEAD
    PyObject *sub;      /* the pyrun generator, pyrun async iterator, or iterator */
    PyObject *returned; /* once X has ended: what it returned */
    int async_items;    /* sub is one of pyrun's async iterators */
} Delegate;

static int
delegate_traverse(Delegate *d, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)d));
    Py_VISIT(d->sub);
    Py_VISIT(d->returned);
    return 0;
}

static int
delegate_clear(Delegate *d)
{
    Py_CLEAR(d->sub);
    Py_CLEAR(d->returned);
    return 0;
}

static void
delegate_dealloc(Delegate *d)
{
    PyTypeObject *type = Py_TYPE((PyObject *)d);
    PyObject_GC_UnTrack(d);
    delegate_clear(d);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(d);
    Py_DECREF(type);
}

/* An iterator's step, as an awaitable: its item, or StopAsyncIteration
 * once it has returned (the value kept). */
static PyObject *
sync_result(pyrun_state *st, Delegate *d, PySendResult sent, PyObject *result)
{
    if (sent == PYGEN_ERROR) {
        return NULL;
    }
    if (sent == PYGEN_RETURN) {
        Py_XSETREF(d->returned, result);
        return pyrun_stop_async(st);
    }
    PyObject *r = pyrun_ready(st, result);
    Py_DECREF(result);
    return r;
}

/* A sync iterator's method call ending in StopIteration: its value kept. */
static PyObject *
sync_call_result(pyrun_state *st, Delegate *d, PyObject *result)
{
    if (result != NULL) {
        PyObject *r = pyrun_ready(st, result);
        Py_DECREF(result);
        return r;
    }
    if (!PyErr_ExceptionMatches(PyExc_StopIteration)) {
        return NULL;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *v = value ? PyObject_GetAttrString(value, "value") : NULL;
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    if (v == NULL) {
        return NULL;
    }
    Py_XSETREF(d->returned, v);
    return pyrun_stop_async(st);
}

/* send(value): the next item X gives, awaitable */
static PyObject *
delegate_send(Delegate *d, PyObject *value)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)d));
    if (st == NULL) {
        return NULL;
    }
    PyObject *args = PyTuple_Pack(1, value);
    PyObject *aw = args ? pyrun_sync_gen_resume(st, d->sub, "asend", args) : NULL;
    Py_XDECREF(args);
    if (aw != NULL || PyErr_Occurred()) {
        return aw;
    }
    if (d->async_items && value == Py_None) {
        return PyObject_CallMethod(d->sub, "__anext__", NULL);
    }
    if (d->async_items) {
        /* what sending to a map or filter object says */
        PyObject *name = PyType_GetName(Py_TYPE(d->sub));
        if (name != NULL) {
            PyErr_Format(PyExc_AttributeError, "'%U' object has no attribute 'send'", name);
            Py_DECREF(name);
        }
        return NULL;
    }
    PyObject *result = NULL;
    PySendResult sent = PyIter_Send(d->sub, value, &result);
    return sync_result(st, d, sent, result);
}

/* throw(exc): X's answer to the exception thrown into the generator, or
 * the exception itself when X cannot take it */
static PyObject *
delegate_throw(Delegate *d, PyObject *exc)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)d));
    if (st == NULL) {
        return NULL;
    }
    PyObject *args = PyTuple_Pack(1, exc);
    PyObject *aw = args ? pyrun_sync_gen_resume(st, d->sub, "athrow", args) : NULL;
    Py_XDECREF(args);
    if (aw != NULL || PyErr_Occurred()) {
        return aw;
    }
    PyObject *throw = d->async_items ? NULL : PyObject_GetAttrString(d->sub, "throw");
    if (throw == NULL) {
        if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_AttributeError)) {
            return NULL; /* its __getattr__ failing: that error */
        }
        PyErr_Clear();
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        return NULL;
    }
    PyObject *result = PyObject_CallOneArg_compat(throw, exc);
    Py_DECREF(throw);
    return sync_call_result(st, d, result);
}

/* close(): X closed, when the generator is (GeneratorExit) */
static PyObject *
delegate_close(Delegate *d, PyObject *Py_UNUSED(ignored))
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)d));
    if (st == NULL) {
        return NULL;
    }
    PyObject *none = PyTuple_New(0);
    PyObject *aw = none ? pyrun_sync_gen_resume(st, d->sub, "aclose", none) : NULL;
    Py_XDECREF(none);
    if (aw != NULL || PyErr_Occurred()) {
        return aw;
    }
    PyObject *close = d->async_items ? NULL : PyObject_GetAttrString(d->sub, "close");
    if (close == NULL) {
        if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_WriteUnraisable(d->sub); /* as generator.close() reports it */
        }
        PyErr_Clear();
        return pyrun_ready(st, Py_None);
    }
    PyObject *r = PyObject_CallNoArgs(close);
    Py_DECREF(close);
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    return pyrun_ready(st, Py_None);
}

PyObject *
pyrun_delegate_returned(pyrun_state *st, PyObject *obj)
{
    if (Py_TYPE(obj) != st->delegate_type) {
        return NULL;
    }
    Delegate *d = (Delegate *)obj;
    PyObject *value = pyrun_sync_gen_returned(st, d->sub);
    if (value != NULL || PyErr_Occurred()) {
        return value;
    }
    return Py_NewRef(d->returned ? d->returned : Py_None);
}

static PyMethodDef delegate_methods[] = {
    {"send", (PyCFunction)delegate_send, METH_O, NULL},
    {"throw", (PyCFunction)delegate_throw, METH_O, NULL},
    {"close", (PyCFunction)delegate_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot delegate_slots[] = {
    {Py_tp_dealloc, delegate_dealloc},
    {Py_tp_traverse, delegate_traverse},
    {Py_tp_clear, delegate_clear},
    {Py_tp_methods, delegate_methods},
    {0, NULL},
};

static PyType_Spec delegate_spec = {
    .name = "pyrun.Delegate",
    .basicsize = sizeof(Delegate),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = delegate_slots,
};

/* delegate(X): what `yield from X` delegates to; iter(X)'s TypeError for
 * what is not iterable */
PyObject *
pyrun_helper_delegate(PyObject *module, PyObject *sub)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if ((PyObject *)Py_TYPE(sub) == st->coroutine_type) {
        /* the generator was a plain one in the program */
        PyErr_SetString(PyExc_TypeError, "cannot 'yield from' a coroutine object in a non-coroutine generator");
        return NULL;
    }
    int async_items = Py_TYPE(sub) == st->aiter_type;
    PyObject *it = pyrun_sync_gen_async(st, sub) != NULL || async_items ? Py_NewRef(sub) : PyObject_GetIter(sub);
    if (it == NULL) {
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->delegate_type, Py_tp_alloc);
    Delegate *d = (Delegate *)alloc(st->delegate_type, 0);
    if (d == NULL) {
        Py_DECREF(it);
        return NULL;
    }
    d->sub = it;
    d->async_items = async_items;
    return (PyObject *)d;
}

int
pyrun_delegate_register(PyObject *module, pyrun_state *st)
{
    st->delegate_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &delegate_spec, NULL);
    return st->delegate_type == NULL ? -1 : 0;
}
