/* time.sleep(s) as transformed code awaits it: a loop timer and a future,
 * so the event loop runs other tasks and JS timers meanwhile and no CPU is
 * used. The arguments are checked as time.sleep checks them. The timer is
 * armed when the sleep is first awaited: a sleep awaited where its caller
 * is driven synchronously (aio/wait_sync.c) blocks instead, as CPython's
 * does, through the host (host.sleep_sync) or time.sleep itself.
 *
 * Like time.sleep, it never returns early. Pyodide's loop runs timers of
 * 2 ms or less at once (scheduleCallback), and JS timers may fire a little
 * before their time; so short sleeps ask for a real timer, and a sleep
 * woken early waits again for the rest. "Early" is judged as a program
 * judges it, monotonic() - start < secs, not against start + secs: with a
 * coarse clock (a browser's) a wake exactly at start + secs would fail
 * the program's check by a rounding error. */
#include "helpers.h"

#include <math.h>

/* Pyodide turns shorter delays into an immediate callback. */
#define SHORTEST_TIMER 0.0021

typedef struct {
    PyObject_HEAD
    PyObject *loop;
    PyObject *future;
    PyObject *timer;
    double started; /* in time.monotonic(), the loops' clock */
    double seconds;
    int state;       /* 0 not started, 1 waiting, 2 over */
} Sleep;

static int
sleep_traverse(Sleep *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)self));
    Py_VISIT(self->loop);
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
    Py_CLEAR(self->loop);
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

/* A new future, resolved by a loop timer `delay` seconds from now. */
static int
arm(Sleep *self, pyrun_state *st, double delay)
{
    if (self->loop == NULL && (self->loop = PyObject_CallNoArgs(st->get_running_loop)) == NULL) {
        return -1;
    }
    PyObject *future = PyObject_CallMethod(self->loop, "create_future", NULL);
    if (future == NULL) {
        return -1;
    }
    PyObject *timer = PyObject_CallMethod(self->loop, "call_later", "dOOO", fmax(delay, SHORTEST_TIMER),
                                          st->set_result_unless_cancelled, future, Py_None);
    if (timer == NULL) {
        Py_DECREF(future);
        return -1;
    }
    Py_XSETREF(self->future, future);
    Py_XSETREF(self->timer, timer);
    return 0;
}

/* The future to yield, as Future.__await__ yields it. */
static PyObject *
wait_for_future(Sleep *self)
{
    self->state = 1;
    if (PyObject_SetAttrString(self->future, "_asyncio_future_blocking", Py_True) < 0) {
        return NULL;
    }
    return Py_NewRef(self->future);
}

/* Seconds still to sleep, or -1.0 with an exception set. */
static double
time_left(Sleep *self)
{
    double t = pyrun_monotonic();
    if (t < 0) {
        return -1.0;
    }
    double slept = t - self->started;
    return slept >= self->seconds ? 0.0 : fmax(self->seconds - slept, 1e-6);
}

/* One blocking sleep of `left` seconds: 0, or -1 with an exception
 * (KeyboardInterrupt when Ctrl-C ended it). */
static int
sleep_on_host(pyrun_state *st, double left)
{
    PyObject *r;
    if (PyObject_HasAttrString(st->host, "sleep_sync")) {
        /* true when a Ctrl-C woke it */
        r = PyObject_CallMethod(st->host, "sleep_sync", "d", left);
        int interrupted = r ? PyObject_IsTrue(r) : -1;
        Py_XDECREF(r);
        if (interrupted > 0) {
            PyErr_SetNone(PyExc_KeyboardInterrupt);
        }
        return interrupted == 0 ? 0 : -1;
    }
    r = PyObject_CallFunction(st->time_sleep, "d", left);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* The whole sleep, now, blocking the process: 0, or -1 with an exception
 * (KeyboardInterrupt when Ctrl-C ended it). */
static int
sleep_synchronously(Sleep *self, pyrun_state *st)
{
    if (pyrun_sync_strict_check(st, "time.sleep") < 0) {
        return -1;
    }
    double started = pyrun_monotonic();
    if (started < 0) {
        return -1;
    }
    /* again while a host's timer woke it early */
    for (;;) {
        double left = time_left(self);
        if (left < 0) {
            return -1;
        }
        if (left == 0) {
            break;
        }
        if (sleep_on_host(st, left) < 0) {
            return -1;
        }
    }
    double ended = pyrun_monotonic();
    if (ended < 0) {
        return -1;
    }
    st->sync_waited += ended - started;
    return 0;
}

static PyObject *
sleep_next(Sleep *self)
{
    if (self->state == 0) {
        pyrun_state *st = pyrun_get_state(PyType_GetModule(Py_TYPE((PyObject *)self)));
        if (st == NULL) {
            return NULL;
        }
        if (pyrun_sync_waiting(st)) {
            self->state = 2;
            if (sleep_synchronously(self, st) < 0) {
                return NULL;
            }
            pyrun_set_stop(Py_None);
            return NULL;
        }
        double left = time_left(self);
        if (left < 0 || arm(self, st, left) < 0) {
            return NULL;
        }
        return wait_for_future(self);
    }
    self->state = 2;
    cancel_timer(self);
    /* result() raises CancelledError if the sleep was cancelled */
    PyObject *r = self->future ? PyObject_CallMethod(self->future, "result", NULL) : Py_NewRef(Py_None);
    if (r == NULL) {
        Py_CLEAR(self->future);
        return NULL;
    }
    Py_DECREF(r);
    double left = self->future ? time_left(self) : 0.0;
    if (left < 0) {
        return NULL;
    }
    if (left > 0) {
        pyrun_state *st = pyrun_get_state(PyType_GetModule(Py_TYPE((PyObject *)self)));
        if (st == NULL || arm(self, st, left) < 0) {
            return NULL;
        }
        return wait_for_future(self);
    }
    Py_CLEAR(self->future);
    pyrun_set_stop(Py_None);
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
    return pyrun_raise_thrown(args);
}

static PyObject *
sleep_close(Sleep *self, PyObject *Py_UNUSED(ignored))
{
    self->state = 2;
    cancel_timer(self);
    Py_CLEAR(self->future);
    Py_RETURN_NONE;
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
    {Py_tp_iter, pyrun_return_self},
    {Py_tp_iternext, sleep_next},
    {Py_am_await, pyrun_return_self},
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

/* sleep(fn, secs): awaitable. fn is what the program called, looked up
 * as the call ran: the real time.sleep sleeps on the loop, anything else
 * (a replacement the program installed) is called. */
PyObject *
pyrun_helper_sleep(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "sleep(fn, secs)");
        return NULL;
    }
    if (args[0] != st->time_sleep || nargs != 2) {
        return pyrun_call_vector(st, args[0], args + 1, nargs - 1, NULL);
    }
    PyObject *arg = args[1];
    double secs;
    if (sleep_seconds(arg, &secs) < 0) {
        return NULL;
    }
    if (secs == 0) {
        return pyrun_yield_once(st);
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->sleep_type, Py_tp_alloc);
    Sleep *self = (Sleep *)alloc(st->sleep_type, 0);
    if (self == NULL) {
        return NULL;
    }
    double t = pyrun_monotonic();
    self->started = t;
    self->seconds = secs;
    if (t < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}
