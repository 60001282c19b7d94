/* MainRunner: the coroutine-like object an asyncio Task drives to run
 * __main__'s code.
 *
 * It evaluates the module code on its first step; when the code used
 * top-level await, evaluation yields a coroutine that it then drives as
 * `await` would. Two things need it to stand between that coroutine and the
 * Task instead of handing the coroutine over directly:
 *
 *  - The program's end, whatever its cause, must become an exit status and
 *    never escape into the event loop: asyncio re-raises SystemExit and
 *    KeyboardInterrupt out of Task steps, which would surface in JS as an
 *    uncaught error.
 *  - Ctrl-C must land at whatever await the program is blocked on, as
 *    KeyboardInterrupt, like CPython's signal handler. So the Task is never
 *    parked on the program's own future but on a relay future that the
 *    runner can complete early; the program's future is left untouched. */
#include "pyrun.h"

#include <stddef.h>

typedef struct {
    PyObject_HEAD
    PyObject *code;    /* module code, until the first step evaluates it */
    PyObject *globals; /* __main__.__dict__ */
    PyObject *coro;    /* what top-level-await code evaluated to */
    PyObject *awaited; /* future the program is blocked on */
    PyObject *relay;   /* future the Task is blocked on instead */
    PyObject *wake;    /* callback: awaited done -> relay done */
    int interrupt_pending;
    int done;
} MainRunner;

static int
runner_traverse(MainRunner *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)self));
    Py_VISIT(self->code);
    Py_VISIT(self->globals);
    Py_VISIT(self->coro);
    Py_VISIT(self->awaited);
    Py_VISIT(self->relay);
    Py_VISIT(self->wake);
    return 0;
}

static int
runner_clear(MainRunner *self)
{
    Py_CLEAR(self->code);
    Py_CLEAR(self->globals);
    Py_CLEAR(self->coro);
    Py_CLEAR(self->awaited);
    Py_CLEAR(self->relay);
    Py_CLEAR(self->wake);
    return 0;
}

static void
runner_dealloc(MainRunner *self)
{
    PyTypeObject *type = Py_TYPE((PyObject *)self);
    PyObject_GC_UnTrack(self);
    runner_clear(self);
    freefunc tp_free = (freefunc)PyType_GetSlot(type, Py_tp_free);
    tp_free(self);
    Py_DECREF(type);
}

/* Stop listening to the program's future; the relay is spent. */
static void
detach(MainRunner *self)
{
    if (self->awaited != NULL) {
        PyObject *r = PyObject_CallMethod(self->awaited, "remove_done_callback",
                                          "O", self->wake);
        if (r == NULL) {
            PyErr_Clear();
        }
        Py_XDECREF(r);
        Py_CLEAR(self->awaited);
    }
    Py_CLEAR(self->relay);
}

static PyObject *
finish(MainRunner *self, int status)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)self));
    self->done = 1;
    detach(self);
    Py_CLEAR(self->coro);
    Py_CLEAR(self->code);
    Py_CLEAR(self->globals);
    if (st != NULL && st->main_runner == (PyObject *)self) {
        Py_CLEAR(st->main_runner);
    }
    PyObject *value = PyLong_FromLong(status);
    if (value == NULL) {
        return NULL;
    }
    PyObject *stop = PyObject_CallFunctionObjArgs(PyExc_StopIteration, value, NULL);
    Py_DECREF(value);
    if (stop != NULL) {
        PyErr_SetObject(PyExc_StopIteration, stop);
        Py_DECREF(stop);
    }
    return NULL;
}

/* Hand the Task a relay for the future the program yielded. */
static PyObject *
relay_yield(MainRunner *self, PyObject *yielded)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)self));
    if (yielded == Py_None || st == NULL) {
        return yielded;
    }
    PyObject *blocking = PyObject_GetAttrString(yielded, "_asyncio_future_blocking");
    if (blocking == NULL) {
        /* Not a future: let the Task report it as it would. */
        PyErr_Clear();
        return yielded;
    }
    int is_blocking = PyObject_IsTrue(blocking);
    Py_DECREF(blocking);
    if (is_blocking <= 0) {
        PyErr_Clear();
        return yielded;
    }
    PyObject *loop = PyObject_CallNoArgs(st->get_running_loop);
    if (loop == NULL) {
        goto error;
    }
    PyObject *relay = PyObject_CallMethod(loop, "create_future", NULL);
    Py_DECREF(loop);
    if (relay == NULL) {
        goto error;
    }
    if (PyObject_SetAttrString(relay, "_asyncio_future_blocking", Py_True) < 0) {
        Py_DECREF(relay);
        goto error;
    }
    PyObject *r = PyObject_CallMethod(yielded, "add_done_callback", "O", self->wake);
    if (r == NULL) {
        Py_DECREF(relay);
        goto error;
    }
    Py_DECREF(r);
    self->awaited = yielded;
    self->relay = Py_NewRef(relay);
    return relay;
error:
    Py_DECREF(yielded);
    return NULL;
}

/* One step of the program: the first evaluates the module code, later ones
 * resume the coroutine, with `exc` thrown in when given. */
static PyObject *
runner_step(MainRunner *self, PyObject *exc)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)self));
    if (st == NULL) {
        return NULL;
    }
    if (self->done) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited coroutine");
        return NULL;
    }
    PyObject *awaited = Py_XNewRef(self->awaited);
    detach(self);
    PyObject *thrown = Py_XNewRef(exc);
    PyObject *yielded = NULL;

    if (self->code != NULL) {
        PyObject *code = self->code;
        self->code = NULL;
        PyObject *result = NULL;
        if (self->interrupt_pending) {
            PyErr_SetNone(PyExc_KeyboardInterrupt);
        }
        else {
            result = PyEval_EvalCode(code, self->globals, self->globals);
        }
        Py_DECREF(code);
        if (result == NULL) {
            goto failed;
        }
        if ((PyObject *)Py_TYPE(result) != st->coroutine_type) {
            Py_DECREF(result);
            Py_XDECREF(awaited);
            Py_XDECREF(thrown);
            return finish(self, PYRUN_EXIT_OK);
        }
        self->coro = result;
    }

    if (thrown != NULL && awaited != NULL) {
        /* The Task was cancelled while parked on the relay: pass the
         * cancellation on to what the program awaits, as asyncio does. */
        PyObject *r = PyObject_CallMethod(awaited, "cancel", NULL);
        if (r == NULL) {
            PyErr_Clear();
        }
        Py_XDECREF(r);
    }
    if (thrown == NULL && self->interrupt_pending) {
        self->interrupt_pending = 0;
        thrown = PyObject_CallNoArgs(PyExc_KeyboardInterrupt);
        if (thrown == NULL) {
            goto failed;
        }
    }
    if (thrown != NULL) {
        yielded = PyObject_CallMethod(self->coro, "throw", "O", thrown);
        if (yielded == NULL) {
            if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
                PyErr_Clear();
                Py_XDECREF(awaited);
                Py_DECREF(thrown);
                return finish(self, PYRUN_EXIT_OK);
            }
            goto failed;
        }
    }
    else {
        PySendResult sent = PyIter_Send(self->coro, Py_None, &yielded);
        if (sent == PYGEN_ERROR) {
            goto failed;
        }
        if (sent == PYGEN_RETURN) {
            Py_DECREF(yielded);
            Py_XDECREF(awaited);
            return finish(self, PYRUN_EXIT_OK);
        }
    }
    Py_XDECREF(awaited);
    Py_XDECREF(thrown);
    return relay_yield(self, yielded);

failed:
    Py_XDECREF(awaited);
    Py_XDECREF(thrown);
    return finish(self, pyrun_report_exit());
}

static PyObject *
runner_iternext(MainRunner *self)
{
    return runner_step(self, NULL);
}

static PyObject *
runner_send(MainRunner *self, PyObject *value)
{
    (void)value; /* the Task only ever sends None */
    return runner_step(self, NULL);
}

static PyObject *
runner_throw(MainRunner *self, PyObject *args)
{
    PyObject *type, *value = NULL, *tb = NULL;
    if (!PyArg_UnpackTuple(args, "throw", 1, 3, &type, &value, &tb)) {
        return NULL;
    }
    PyObject *exc;
    if (PyExceptionInstance_Check(type)) {
        exc = Py_NewRef(type);
    }
    else if (value != NULL && value != Py_None && PyExceptionInstance_Check(value)) {
        exc = Py_NewRef(value);
    }
    else {
        exc = PyObject_CallNoArgs(type);
        if (exc == NULL) {
            return NULL;
        }
    }
    PyObject *r = runner_step(self, exc);
    Py_DECREF(exc);
    return r;
}

static PyObject *
runner_close(MainRunner *self, PyObject *Py_UNUSED(ignored))
{
    detach(self);
    self->done = 1;
    if (self->coro != NULL) {
        PyObject *r = PyObject_CallMethod(self->coro, "close", NULL);
        Py_CLEAR(self->coro);
        if (r == NULL) {
            return NULL;
        }
        Py_DECREF(r);
    }
    Py_RETURN_NONE;
}

static PyObject *
runner_self(PyObject *self)
{
    return Py_NewRef(self);
}

/* Done-callback on the program's future: wake the Task. */
static PyObject *
runner_wake(MainRunner *self, PyObject *Py_UNUSED(future))
{
    if (self->relay != NULL) {
        PyObject *relay = Py_NewRef(self->relay);
        Py_CLEAR(self->relay);
        PyObject *r = PyObject_CallMethod(relay, "set_result", "O", Py_None);
        Py_DECREF(relay);
        if (r == NULL) {
            return NULL;
        }
        Py_DECREF(r);
    }
    Py_RETURN_NONE;
}

static PyMethodDef wake_def = {"_wake", (PyCFunction)runner_wake, METH_O, NULL};

/* Deliver Ctrl-C: KeyboardInterrupt is thrown in at the program's current
 * await on its next step, which is made to happen now. */
int
pyrun_main_runner_interrupt(PyObject *runner)
{
    MainRunner *self = (MainRunner *)runner;
    if (self->done) {
        return 0;
    }
    self->interrupt_pending = 1;
    if (self->relay != NULL) {
        PyObject *relay = Py_NewRef(self->relay);
        Py_CLEAR(self->relay);
        PyObject *r = PyObject_CallMethod(relay, "set_result", "O", Py_None);
        Py_DECREF(relay);
        if (r == NULL) {
            return -1;
        }
        Py_DECREF(r);
    }
    return 1;
}

static PyMethodDef runner_methods[] = {
    {"send", (PyCFunction)runner_send, METH_O, NULL},
    {"throw", (PyCFunction)runner_throw, METH_VARARGS, NULL},
    {"close", (PyCFunction)runner_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot runner_slots[] = {
    {Py_tp_dealloc, runner_dealloc},
    {Py_tp_traverse, runner_traverse},
    {Py_tp_clear, runner_clear},
    {Py_tp_iter, runner_self},
    {Py_tp_iternext, runner_iternext},
    {Py_am_await, runner_self},
    {Py_tp_methods, runner_methods},
    {0, NULL},
};

static PyType_Spec runner_spec = {
    .name = "pyrun.MainRunner",
    .basicsize = sizeof(MainRunner),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = runner_slots,
};

int
pyrun_main_runner_register(PyObject *module, pyrun_state *st)
{
    st->main_runner_type =
        (PyTypeObject *)PyType_FromModuleAndSpec(module, &runner_spec, NULL);
    return st->main_runner_type == NULL ? -1 : 0;
}

PyObject *
pyrun_main_runner_new(pyrun_state *st, PyObject *code, PyObject *globals)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->main_runner_type, Py_tp_alloc);
    MainRunner *self = (MainRunner *)alloc(st->main_runner_type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->code = Py_NewRef(code);
    self->globals = Py_NewRef(globals);
    self->wake = PyCFunction_New(&wake_def, (PyObject *)self);
    if (self->wake == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}
