/* threading.Barrier.wait() between threads that are tasks.
 *
 * The stdlib's Barrier keeps its state in plain attributes (_state: 0
 * filling, 1 draining, -1 resetting, -2 broken; _count: threads inside)
 * and waits on a Condition over a real lock, which one OS thread cannot
 * wait on. pyrun runs the same steps on that state, waiting where the
 * stdlib's wait() waits, woken through the barrier itself, so parties,
 * n_waiting, broken, reset() and abort() read and change what they do
 * under CPython. */
#include "coop.h"

enum { B_BARRIER, B_DEADLINE };
enum { FILLING = 0, DRAINING = 1, RESETTING = -1, BROKEN = -2 };
enum { ENTERING, WAITING, IN_ACTION };

static int
get_long(PyObject *barrier, const char *name, long *v)
{
    PyObject *o = PyObject_GetAttrString(barrier, name);
    *v = o ? PyLong_AsLong(o) : -1;
    Py_XDECREF(o);
    return *v == -1 && PyErr_Occurred() ? -1 : 0;
}

static int
set_long(PyObject *barrier, const char *name, long v)
{
    PyObject *o = PyLong_FromLong(v);
    int rc = o ? PyObject_SetAttrString(barrier, name, o) : -1;
    Py_XDECREF(o);
    return rc;
}

/* The state changed: everyone waiting on the barrier looks again. */
static int
set_state(pyrun_state *st, PyObject *barrier, long state)
{
    return set_long(barrier, "_state", state) < 0 ? -1 : pyrun_coop_wake(st, barrier, -1);
}

static step_result
broken_barrier(void)
{
    PyObject *threading = pyrun_import("threading");
    PyObject *type = threading ? PyObject_GetAttrString(threading, "BrokenBarrierError") : NULL;
    Py_XDECREF(threading);
    if (type != NULL) {
        PyErr_SetNone(type);
        Py_DECREF(type);
    }
    return STEP_ERROR;
}

/* What the stdlib's `finally` does when a thread leaves wait(): the last
 * one out of a draining or reset barrier lets it fill again. */
static int
leave(pyrun_state *st, PyObject *barrier)
{
    long count, state;
    if (get_long(barrier, "_count", &count) < 0 || set_long(barrier, "_count", count - 1) < 0 ||
        get_long(barrier, "_state", &state) < 0) {
        return -1;
    }
    if (count - 1 == 0 && (state == RESETTING || state == DRAINING)) {
        return set_state(st, barrier, FILLING);
    }
    return 0;
}

/* Leaves, then ends as rc says: the index, or the exception set. */
static step_result
leave_with(pyrun_state *st, pyrun_step *s, step_result rc, PyObject **out)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (leave(st, s->o[B_BARRIER]) < 0) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return STEP_ERROR;
    }
    PyErr_Restore(type, value, tb);
    if (rc == STEP_ERROR) {
        return STEP_ERROR;
    }
    *out = PyLong_FromSsize_t(s->i);
    return *out ? STEP_DONE : STEP_ERROR;
}

/* Inside, until the last one in releases the barrier (or it breaks, or
 * the timeout breaks it). */
static step_result
wait_release(pyrun_state *st, pyrun_step *s, long state, PyObject *value, PyObject **out)
{
    PyObject *barrier = s->o[B_BARRIER];
    if (state != FILLING) {
        return leave_with(st, s, state < 0 ? broken_barrier() : STEP_DONE, out);
    }
    double left = -1.0;
    if (s->o[B_DEADLINE] != NULL) {
        left = PyFloat_AsDouble(s->o[B_DEADLINE]) - pyrun_monotonic();
    }
    if (value == Py_False || (s->o[B_DEADLINE] != NULL && left <= 0)) {
        /* timed out: the barrier breaks for everyone */
        if (set_state(st, barrier, BROKEN) < 0) {
            return leave_with(st, s, STEP_ERROR, out);
        }
        return leave_with(st, s, broken_barrier(), out);
    }
    *out = pyrun_coop_signal(st, barrier, left);
    return *out ? STEP_AWAIT : leave_with(st, s, STEP_ERROR, out);
}

/* The action raised: the barrier breaks for everyone, and its exception
 * goes on from this thread's wait(). */
static step_result
break_with_error(pyrun_state *st, pyrun_step *s, PyObject **out)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (set_state(st, s->o[B_BARRIER], BROKEN) < 0) {
        PyErr_Clear();
    }
    PyErr_Restore(type, value, tb);
    return leave_with(st, s, STEP_ERROR, out);
}

static step_result
barrier_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    PyObject *barrier = s->o[B_BARRIER];
    long state, count, parties;
    if (st == NULL || get_long(barrier, "_state", &state) < 0) {
        return STEP_ERROR;
    }
    switch (s->phase) {
    case ENTERING:
        if (state == RESETTING || state == DRAINING) {
            *out = pyrun_coop_signal(st, barrier, -1.0);
            return *out ? STEP_AWAIT : STEP_ERROR;
        }
        if (state < 0) {
            return broken_barrier();
        }
        if (get_long(barrier, "_count", &count) < 0 || get_long(barrier, "_parties", &parties) < 0 ||
            set_long(barrier, "_count", count + 1) < 0) {
            return STEP_ERROR;
        }
        s->i = count;
        if (count + 1 == parties) {
            PyObject *action = PyObject_GetAttrString(barrier, "_action");
            int has = action ? PyObject_IsTrue(action) : -1;
            if (has < 0) {
                Py_XDECREF(action);
                return leave_with(st, s, STEP_ERROR, out);
            }
            if (has) {
                PyObject *none = PyTuple_New(0);
                s->phase = IN_ACTION;
                *out = none ? pyrun_call_maybe(st, action, none, NULL) : NULL;
                Py_XDECREF(none);
                Py_DECREF(action);
                if (*out == NULL) {
                    return break_with_error(st, s, out);
                }
                return STEP_AWAIT;
            }
            Py_DECREF(action);
            return leave_with(st, s, set_state(st, barrier, DRAINING) < 0 ? STEP_ERROR : STEP_DONE, out);
        }
        s->phase = WAITING;
        return wait_release(st, s, FILLING, NULL, out);
    case WAITING:
        return wait_release(st, s, state, value, out);
    default: /* the action ran: release everyone */
        return leave_with(st, s, set_state(st, barrier, DRAINING) < 0 ? STEP_ERROR : STEP_DONE, out);
    }
}

/* What was awaited raised: the action (which breaks the barrier, as the
 * stdlib's does), or a cancel while waiting. */
static step_result
barrier_error(pyrun_step *s, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL || s->phase == ENTERING) {
        return STEP_ERROR;
    }
    return s->phase == IN_ACTION ? break_with_error(st, s, out) : leave_with(st, s, STEP_ERROR, out);
}

PyObject *
pyrun_barrier_wait(pyrun_state *st, PyObject *barrier, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"timeout", NULL};
    PyObject *timeout = NULL, *deadline = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:wait", kwlist, &timeout)) {
        return NULL;
    }
    PyObject *own = NULL;
    if (timeout == NULL || timeout == Py_None) {
        own = PyObject_GetAttrString(barrier, "_timeout");
        if (own == NULL) {
            return NULL;
        }
        timeout = own;
    }
    int rc = pyrun_coop_deadline(timeout, 1, 0, &deadline);
    Py_XDECREF(own);
    pyrun_step *s = rc == 0 ? pyrun_step_new(st, barrier_next, barrier_error) : NULL;
    if (s == NULL) {
        Py_XDECREF(deadline);
        return NULL;
    }
    s->o[B_BARRIER] = Py_NewRef(barrier);
    s->o[B_DEADLINE] = deadline;
    s->phase = ENTERING;
    return (PyObject *)s;
}
