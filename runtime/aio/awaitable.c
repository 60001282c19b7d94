#include "awaitable.h"

void
pyrun_set_stop(PyObject *value)
{
    PyObject *stop = PyObject_CallFunctionObjArgs(PyExc_StopIteration, value ? value : Py_None, NULL);
    if (stop != NULL) {
        PyErr_SetObject(PyExc_StopIteration, stop);
        Py_DECREF(stop);
    }
}

PyObject *
pyrun_return_self(PyObject *self)
{
    return Py_NewRef(self);
}

PyObject *
pyrun_thrown_exception(PyObject *args)
{
    PyObject *type, *value = NULL, *tb = NULL;
    if (!PyArg_UnpackTuple(args, "throw", 1, 3, &type, &value, &tb)) {
        return NULL;
    }
    if (PyExceptionInstance_Check(type)) {
        return Py_NewRef(type);
    }
    if (value != NULL && PyExceptionInstance_Check(value)) {
        return Py_NewRef(value);
    }
    return value && value != Py_None ? PyObject_CallFunctionObjArgs(type, value, NULL) : PyObject_CallNoArgs(type);
}

PyObject *
pyrun_raise_thrown(PyObject *args)
{
    PyObject *exc = pyrun_thrown_exception(args);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* ---- Ready ------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    PyObject *value;
} Ready;

static void
ready_dealloc(Ready *self)
{
    PyTypeObject *type = Py_TYPE((PyObject *)self);
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->value);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(self);
    Py_DECREF(type);
}

static int
ready_traverse(Ready *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)self));
    Py_VISIT(self->value);
    return 0;
}

static PyObject *
ready_next(Ready *self)
{
    PyObject *v = self->value;
    self->value = NULL;
    pyrun_set_stop(v);
    Py_XDECREF(v);
    return NULL;
}

static PyObject *
ready_send(Ready *self, PyObject *arg)
{
    return ready_next(self);
}

/* The awaits of transformed code end here without a StopIteration (which a
 * trace function would see as an exception event). */
static PySendResult
ready_am_send(Ready *self, PyObject *arg, PyObject **result)
{
    *result = self->value ? self->value : Py_NewRef(Py_None);
    self->value = NULL;
    return PYGEN_RETURN;
}

static PyObject *
ready_throw(Ready *self, PyObject *args)
{
    Py_CLEAR(self->value);
    return pyrun_raise_thrown(args);
}

static PyObject *
ready_close(Ready *self, PyObject *Py_UNUSED(ignored))
{
    Py_CLEAR(self->value);
    Py_RETURN_NONE;
}

static PyMethodDef ready_methods[] = {
    {"send", (PyCFunction)ready_send, METH_O, NULL},
    {"throw", (PyCFunction)ready_throw, METH_VARARGS, NULL},
    {"close", (PyCFunction)ready_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot ready_slots[] = {
    {Py_tp_dealloc, ready_dealloc},
    {Py_tp_traverse, ready_traverse},
    {Py_tp_iter, pyrun_return_self},
    {Py_tp_iternext, ready_next},
    {Py_am_send, ready_am_send},
    {Py_am_await, pyrun_return_self},
    {Py_tp_methods, ready_methods},
    {0, NULL},
};

static PyType_Spec ready_spec = {
    .name = "pyrun.Ready",
    .basicsize = sizeof(Ready),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = ready_slots,
};

PyObject *
pyrun_ready(pyrun_state *st, PyObject *value)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->ready_type, Py_tp_alloc);
    Ready *r = (Ready *)alloc(st->ready_type, 0);
    if (r != NULL) {
        r->value = Py_NewRef(value);
    }
    return (PyObject *)r;
}

/* ---- YieldOnce: asyncio.sleep(0) --------------------------------------- */

typedef struct {
    PyObject_HEAD
    int yielded;
} YieldOnce;

static void
plain_dealloc(PyObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(self);
    Py_DECREF(type);
}

static PyObject *
yield_once_next(YieldOnce *self)
{
    if (!self->yielded) {
        self->yielded = 1;
        Py_RETURN_NONE; /* a bare yield: the Task runs again next turn */
    }
    pyrun_set_stop(Py_None);
    return NULL;
}

static PyObject *
yield_once_send(YieldOnce *self, PyObject *arg)
{
    return yield_once_next(self);
}

static PySendResult
yield_once_am_send(YieldOnce *self, PyObject *arg, PyObject **result)
{
    *result = Py_NewRef(Py_None);
    if (!self->yielded) {
        self->yielded = 1;
        return PYGEN_NEXT;
    }
    return PYGEN_RETURN;
}

static PyObject *
yield_once_throw(YieldOnce *self, PyObject *args)
{
    self->yielded = 1;
    return pyrun_raise_thrown(args);
}

static PyObject *
yield_once_close(YieldOnce *self, PyObject *Py_UNUSED(ignored))
{
    self->yielded = 1;
    Py_RETURN_NONE;
}

static PyMethodDef yield_once_methods[] = {
    {"send", (PyCFunction)yield_once_send, METH_O, NULL},
    {"throw", (PyCFunction)yield_once_throw, METH_VARARGS, NULL},
    {"close", (PyCFunction)yield_once_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot yield_once_slots[] = {
    {Py_tp_dealloc, plain_dealloc},
    {Py_tp_iter, pyrun_return_self},
    {Py_tp_iternext, yield_once_next},
    {Py_am_send, yield_once_am_send},
    {Py_am_await, pyrun_return_self},
    {Py_tp_methods, yield_once_methods},
    {0, NULL},
};

static PyType_Spec yield_once_spec = {
    .name = "pyrun.YieldOnce",
    .basicsize = sizeof(YieldOnce),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = yield_once_slots,
};

PyObject *
pyrun_yield_once(pyrun_state *st)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->yield_once_type, Py_tp_alloc);
    return alloc(st->yield_once_type, 0);
}

/* ---- Step ---------------------------------------------------------------- */

static int
step_traverse(pyrun_step *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)self));
    Py_VISIT(self->sub);
    for (int i = 0; i < STEP_SLOTS; i++) {
        Py_VISIT(self->o[i]);
    }
    return 0;
}

static int
step_clear(pyrun_step *self)
{
    Py_CLEAR(self->sub);
    for (int i = 0; i < STEP_SLOTS; i++) {
        Py_CLEAR(self->o[i]);
    }
    return 0;
}

static void
step_dealloc(pyrun_step *self)
{
    PyTypeObject *type = Py_TYPE((PyObject *)self);
    PyObject_GC_UnTrack(self);
    step_clear(self);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(self);
    Py_DECREF(type);
}

/* The iterator `await x` drives: coroutines directly, else __await__(). */
static PyObject *
await_iter(pyrun_state *st, PyObject *awaitable)
{
    if ((PyObject *)Py_TYPE(awaitable) == st->coroutine_type ||
        Py_TYPE(awaitable) == st->step_type || Py_TYPE(awaitable) == st->ready_type ||
        Py_TYPE(awaitable) == st->yield_once_type) {
        return Py_NewRef(awaitable);
    }
    PyObject *it = PyObject_CallMethod(awaitable, "__await__", NULL);
    if (it == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "object %R can't be used in 'await' expression", awaitable);
    }
    return it;
}

static PyObject *
step_finish(pyrun_step *self, PyObject *result)
{
    self->done = 1;
    step_clear(self);
    pyrun_set_stop(result);
    Py_DECREF(result);
    return NULL;
}

/* Run the continuation, the error hook, or both, until something yields. */
static PyObject *
step_advance(pyrun_step *self, PyObject *value, PyObject *exc)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)self));
    if (st == NULL) {
        return NULL;
    }
    if (self->done) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited coroutine");
        return NULL;
    }
    PyObject *carried = Py_XNewRef(value); /* result to hand to next() */
    int failed = 0;                        /* the awaited thing raised */
    if (exc != NULL && self->sub == NULL) {
        /* Thrown in while nothing is awaited: it happens here. */
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        failed = 1;
        exc = NULL;
    }
    for (;;) {
        if (failed || self->sub == NULL) {
            PyObject *out = NULL;
            step_result r;
            if (failed) {
                r = self->error ? self->error(self, &out) : STEP_ERROR;
            }
            else {
                r = self->next(self, carried, &out);
            }
            Py_CLEAR(carried);
            failed = 0;
            if (r == STEP_ERROR) {
                self->done = 1;
                step_clear(self);
                return NULL;
            }
            if (r == STEP_DONE) {
                return step_finish(self, out);
            }
            self->sub = await_iter(st, out);
            Py_DECREF(out);
            if (self->sub == NULL) {
                failed = 1;
                continue;
            }
        }
        PyObject *res = NULL;
        PySendResult sent;
        if (exc != NULL) {
            res = PyObject_CallMethod(self->sub, "throw", "O", exc);
            exc = NULL;
            if (res != NULL) {
                sent = PYGEN_NEXT;
            }
            else if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
                PyObject *t, *v, *tb;
                PyErr_Fetch(&t, &v, &tb);
                PyErr_NormalizeException(&t, &v, &tb);
                res = v ? PyObject_GetAttrString(v, "value") : Py_NewRef(Py_None);
                Py_XDECREF(t);
                Py_XDECREF(v);
                Py_XDECREF(tb);
                sent = res ? PYGEN_RETURN : PYGEN_ERROR;
            }
            else {
                sent = PYGEN_ERROR;
            }
        }
        else {
            sent = PyIter_Send(self->sub, Py_None, &res);
        }
        if (sent == PYGEN_NEXT) {
            return res;
        }
        Py_CLEAR(self->sub);
        if (sent == PYGEN_RETURN) {
            carried = res;
        }
        else {
            failed = 1;
        }
    }
}

static PyObject *
step_iternext(pyrun_step *self)
{
    return step_advance(self, NULL, NULL);
}

static PyObject *
step_send(pyrun_step *self, PyObject *arg)
{
    return step_advance(self, NULL, NULL);
}

static PySendResult
step_am_send(pyrun_step *self, PyObject *arg, PyObject **result)
{
    *result = step_advance(self, NULL, NULL);
    if (*result != NULL) {
        return PYGEN_NEXT;
    }
    if (!PyErr_ExceptionMatches(PyExc_StopIteration)) {
        return PYGEN_ERROR;
    }
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    *result = v ? PyObject_GetAttrString(v, "value") : Py_NewRef(Py_None);
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
    return *result ? PYGEN_RETURN : PYGEN_ERROR;
}

static PyObject *
step_throw(pyrun_step *self, PyObject *args)
{
    PyObject *exc = pyrun_thrown_exception(args);
    if (exc == NULL) {
        return NULL;
    }
    PyObject *r = step_advance(self, NULL, exc);
    Py_DECREF(exc);
    return r;
}

static PyObject *
step_close(pyrun_step *self, PyObject *Py_UNUSED(ignored))
{
    if (self->sub != NULL) {
        PyObject *r = PyObject_CallMethod(self->sub, "close", NULL);
        if (r == NULL) {
            PyErr_Clear();
        }
        Py_XDECREF(r);
    }
    self->done = 1;
    step_clear(self);
    Py_RETURN_NONE;
}

static PyMethodDef step_methods[] = {
    {"send", (PyCFunction)step_send, METH_O, NULL},
    {"throw", (PyCFunction)step_throw, METH_VARARGS, NULL},
    {"close", (PyCFunction)step_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

/* What it awaits, as a coroutine's cr_await tells: where a Task is stuck
 * can be followed through it (leftover_tasks.c). */
static PyObject *
step_awaiting(pyrun_step *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->sub ? self->sub : Py_None);
}

static PyGetSetDef step_getset[] = {
    {"cr_await", (getter)step_awaiting, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot step_slots[] = {
    {Py_tp_getset, step_getset},
    {Py_tp_dealloc, step_dealloc},
    {Py_tp_traverse, step_traverse},
    {Py_tp_clear, step_clear},
    {Py_tp_iter, pyrun_return_self},
    {Py_tp_iternext, step_iternext},
    {Py_am_send, step_am_send},
    {Py_am_await, pyrun_return_self},
    {Py_tp_methods, step_methods},
    {0, NULL},
};

static PyType_Spec step_spec = {
    .name = "pyrun.Step",
    .basicsize = sizeof(pyrun_step),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = step_slots,
};

pyrun_step *
pyrun_step_new(pyrun_state *st, step_next_fn next, step_error_fn error)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->step_type, Py_tp_alloc);
    pyrun_step *s = (pyrun_step *)alloc(st->step_type, 0);
    if (s != NULL) {
        s->next = next;
        s->error = error;
    }
    return s;
}

/* What transformed code awaits for the result of a call that may have been
 * colored: calls of faces are awaited through their async side
 * (calls.c), so anything else is a plain value. */
PyObject *
pyrun_maybe_steal(pyrun_state *st, PyObject *value)
{
    if (value == NULL) {
        return NULL;
    }
    PyObject *r = pyrun_ready(st, value);
    Py_DECREF(value);
    return r;
}

int
pyrun_awaitable_register(PyObject *module, pyrun_state *st)
{
    st->ready_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &ready_spec, NULL);
    st->yield_once_type = st->ready_type
                              ? (PyTypeObject *)PyType_FromModuleAndSpec(module, &yield_once_spec, NULL)
                              : NULL;
    st->step_type = st->yield_once_type
                        ? (PyTypeObject *)PyType_FromModuleAndSpec(module, &step_spec, NULL)
                        : NULL;
    return st->step_type == NULL ? -1 : 0;
}
