/* time.sleep(s) as transformed code awaits it: a loop timer and a future,
 * so the event loop runs other tasks and JS timers meanwhile and no CPU is
 * used. The arguments are checked as time.sleep checks them. */
#include "helpers.h"

#include <math.h>

typedef struct {
    PyObject_HEAD
    PyObject *future;
    PyObject *timer;
    int state; /* 0 not started, 1 waiting, 2 over */
} Sleep;

static int
sleep_traverse(Sleep *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)self));
    Py_VISIT(self->future);
    Py_VISIT(self->timer);
    return 0;
}

static void
cancel_timer(Sleep *self)
{
    if (self->timer != NULL) {
        PyObject *r = PyObject_CallMethod(self->timer, "cancel", NULL);
        if (r == NULL) {
            PyErr_Clear();
        }
        Py_XDECREF(r);
        Py_CLEAR(self->timer);
    }
}

static int
sleep_clear(Sleep *self)
{
    Py_CLEAR(self->future);
    Py_CLEAR(self->timer);
    return 0;
}

static void
sleep_dealloc(Sleep *self)
{
    PyTypeObject *type = Py_TYPE((PyObject *)self);
    PyObject_GC_UnTrack(self);
    cancel_timer(self);
    sleep_clear(self);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(self);
    Py_DECREF(type);
}

static PyObject *
sleep_next(Sleep *self)
{
    if (self->state == 0) {
        self->state = 1;
        if (PyObject_SetAttrString(self->future, "_asyncio_future_blocking", Py_True) < 0) {
            return NULL;
        }
        return Py_NewRef(self->future); /* what Future.__await__ yields */
    }
    self->state = 2;
    cancel_timer(self);
    /* result() raises CancelledError if the sleep was cancelled */
    PyObject *r = self->future ? PyObject_CallMethod(self->future, "result", NULL) : Py_NewRef(Py_None);
    Py_CLEAR(self->future);
    if (r == NULL) {
        return NULL;
    }
    pyrun_set_stop(Py_None);
    Py_DECREF(r);
    return NULL;
}

static PyObject *
sleep_send(Sleep *self, PyObject *arg)
{
    return sleep_next(self);
}

static PyObject *
sleep_throw(Sleep *self, PyObject *args)
{
    self->state = 2;
    cancel_timer(self);
    if (self->future != NULL) {
        PyObject *r = PyObject_CallMethod(self->future, "cancel", NULL);
        Py_XDECREF(r);
        PyErr_Clear();
        Py_CLEAR(self->future);
    }
    PyObject *type, *value = NULL, *tb = NULL;
    if (!PyArg_UnpackTuple(args, "throw", 1, 3, &type, &value, &tb)) {
        return NULL;
    }
    if (PyExceptionInstance_Check(type)) {
        PyErr_SetObject((PyObject *)Py_TYPE(type), type);
    }
    else {
        PyErr_SetObject(type, value);
    }
    return NULL;
}

static PyObject *
sleep_close(Sleep *self, PyObject *Py_UNUSED(ignored))
{
    self->state = 2;
    cancel_timer(self);
    Py_CLEAR(self->future);
    Py_RETURN_NONE;
}

static PyObject *
return_self(PyObject *self)
{
    return Py_NewRef(self);
}

static PyMethodDef sleep_methods[] = {
    {"send", (PyCFunction)sleep_send, METH_O, NULL},
    {"throw", (PyCFunction)sleep_throw, METH_VARARGS, NULL},
    {"close", (PyCFunction)sleep_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot sleep_slots[] = {
    {Py_tp_dealloc, sleep_dealloc},
    {Py_tp_traverse, sleep_traverse},
    {Py_tp_clear, sleep_clear},
    {Py_tp_iter, return_self},
    {Py_tp_iternext, sleep_next},
    {Py_am_await, return_self},
    {Py_tp_methods, sleep_methods},
    {0, NULL},
};

static PyType_Spec sleep_spec = {
    .name = "pyrun.Sleep",
    .basicsize = sizeof(Sleep),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = sleep_slots,
};

int
pyrun_sleep_register(PyObject *module, pyrun_state *st)
{
    st->sleep_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &sleep_spec, NULL);
    return st->sleep_type == NULL ? -1 : 0;
}

/* The seconds argument as time.sleep reads it. */
static int
sleep_seconds(PyObject *arg, double *out)
{
    if (!PyFloat_Check(arg) && !PyLong_Check(arg) && !PyObject_HasAttrString(arg, "__float__") &&
        !PyObject_HasAttrString(arg, "__index__")) {
        PyObject *name = PyType_GetName(Py_TYPE(arg));
        if (name != NULL) {
            PyErr_Format(PyExc_TypeError, "'%U' object cannot be interpreted as an integer", name);
            Py_DECREF(name);
        }
        return -1;
    }
    double secs = PyFloat_AsDouble(arg);
    if (secs == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    if (isnan(secs)) {
        PyErr_SetString(PyExc_ValueError, "Invalid value NaN (not a number)");
        return -1;
    }
    if (secs < 0) {
        PyErr_SetString(PyExc_ValueError, "sleep length must be non-negative");
        return -1;
    }
    *out = secs;
    return 0;
}

/* sleep(secs): awaitable */
PyObject *
pyrun_helper_sleep(PyObject *module, PyObject *arg)
{
    pyrun_state *st = pyrun_get_state(module);
    double secs;
    if (st == NULL || sleep_seconds(arg, &secs) < 0) {
        return NULL;
    }
    if (secs == 0) {
        return pyrun_yield_once(st);
    }
    PyObject *loop = PyObject_CallNoArgs(st->get_running_loop);
    PyObject *future = loop ? PyObject_CallMethod(loop, "create_future", NULL) : NULL;
    PyObject *set_result = future ? PyObject_GetAttrString(future, "set_result") : NULL;
    PyObject *timer = set_result ? PyObject_CallMethod(loop, "call_later", "dOOO", secs,
                                                        st->set_result_unless_cancelled, future,
                                                        Py_None)
                                 : NULL;
    Py_XDECREF(set_result);
    Py_XDECREF(loop);
    if (timer == NULL) {
        Py_XDECREF(future);
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->sleep_type, Py_tp_alloc);
    Sleep *self = (Sleep *)alloc(st->sleep_type, 0);
    if (self == NULL) {
        PyObject *r = PyObject_CallMethod(timer, "cancel", NULL);
        Py_XDECREF(r);
        Py_DECREF(timer);
        Py_DECREF(future);
        return NULL;
    }
    self->future = future;
    self->timer = timer;
    return (PyObject *)self;
}
