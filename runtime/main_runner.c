/* MainRunner: the coroutine-like object an asyncio Task drives to run
 * __main__'s code.
 *
 * For `-m pkg.mod` it first awaits the import of pkg, whose body may
 * block, and only then finds and compiles pkg.mod, as runpy does.
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

#include "aio/awaitable.h"
#include "importer/importer.h"

#include <stddef.h>

typedef struct {
    PyObject_HEAD
    PyObject *code;    /* module code, until the first step evaluates it */
    PyObject *globals; /* __main__.__dict__ */
    PyObject *coro;    /* what top-level-await code evaluated to, or the
                          import awaited before the program is prepared */
    PyObject *kind;    /* while preparing: _run_main's kind (str) and target */
    PyObject *target;
    PyObject *importing; /* the package being imported before preparing */
    PyObject *awaited; /* future the program is blocked on */
    PyObject *relay;   /* future the Task is blocked on instead */
    PyObject *wake;    /* callback: awaited done -> relay done */
    PyObject *interrupted; /* KeyboardInterrupt to report once tasks are cancelled */
    PyObject *before;  /* set: tasks that were pending when the program started */
    int interrupt_pending;
    pyrun_run_mode mode;
    int draining;      /* the code is done; waiting for the tasks it left */
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
    Py_VISIT(self->interrupted);
    Py_VISIT(self->before);
    Py_VISIT(self->kind);
    Py_VISIT(self->target);
    Py_VISIT(self->importing);
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
    Py_CLEAR(self->interrupted);
    Py_CLEAR(self->before);
    Py_CLEAR(self->kind);
    Py_CLEAR(self->target);
    Py_CLEAR(self->importing);
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

/* Ends with `value` (stolen) as the Task's result. */
static PyObject *
finish_with(MainRunner *self, PyObject *value)
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

static PyObject *
finish(MainRunner *self, int status)
{
    return finish_with(self, PyLong_FromLong(status));
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

/* A step once the code is done: wait for one leftover task at a time until
 * none is left. Ctrl-C cancels them all and, once they have unwound, ends
 * the program with a KeyboardInterrupt raised where one of them was. */
static PyObject *
drain_step(MainRunner *self)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)self));
    if (st == NULL) {
        return NULL;
    }
    PyObject *left = pyrun_leftover_tasks(st, self->before);
    if (left == NULL) {
        return finish(self, pyrun_report_exit());
    }
    if (self->interrupt_pending) {
        self->interrupt_pending = 0;
        if (self->interrupted == NULL) {
            PyObject *where = pyrun_task_to_blame(st, left);
            self->interrupted = where != NULL ? pyrun_interrupt_in_task(where)
                                              : PyObject_CallNoArgs(PyExc_KeyboardInterrupt);
        }
        if (self->interrupted == NULL || pyrun_cancel_tasks(left) < 0) {
            Py_DECREF(left);
            return finish(self, pyrun_report_exit());
        }
    }
    if (PyList_Size(left) == 0) {
        Py_DECREF(left);
        if (self->interrupted != NULL) {
            PyErr_SetObject(PyExc_KeyboardInterrupt, self->interrupted);
            Py_CLEAR(self->interrupted);
            return finish(self, pyrun_report_exit());
        }
        return finish(self, PYRUN_EXIT_OK);
    }
    PyObject *next = Py_NewRef(PyList_GetItem(left, 0));
    Py_DECREF(left);
    if (PyObject_SetAttrString(next, "_asyncio_future_blocking", Py_True) < 0) {
        Py_DECREF(next);
        return finish(self, pyrun_report_exit());
    }
    return relay_yield(self, next);
}

static PyObject *
start_draining(MainRunner *self)
{
    self->draining = 1;
    Py_CLEAR(self->coro);
    Py_CLEAR(self->globals);
    return drain_step(self);
}

/* The code ran to its end. A program then waits for the tasks it left;
 * under -i, and at the prompt, they run on beside the prompt. */
static PyObject *
code_done(MainRunner *self)
{
    switch (self->mode) {
    case PYRUN_RUN_PROGRAM:
        return start_draining(self);
    case PYRUN_RUN_INSPECT:
        return finish(self, PYRUN_EXIT_OK);
    default:
        return finish_with(self, Py_NewRef(Py_None));
    }
}

/* The code raised (the exception is set): reported as python3 reports
 * it. A line at the prompt ends the session only with SystemExit, whose
 * status is then the result; otherwise the result is None. */
static PyObject *
code_failed(MainRunner *self)
{
    switch (self->mode) {
    case PYRUN_RUN_PROGRAM:
        return finish(self, pyrun_report_exit());
    case PYRUN_RUN_INSPECT:
        return finish(self, pyrun_report_traceback());
    default: {
        int exiting = PyErr_ExceptionMatches(PyExc_SystemExit);
        int status = pyrun_report_exit();
        return exiting ? finish(self, status) : finish_with(self, Py_NewRef(Py_None));
    }
    }
}

/* runpy ignores an ImportError of the package it imports first when it
 * is about that package itself (not found): finding the module then says
 * so. Any other stays an error of the program. */
static int
package_import_error_is_benign(PyObject *package)
{
    if (!PyErr_ExceptionMatches(PyExc_ImportError)) {
        return 0;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *name = value ? PyObject_GetAttrString(value, "name") : NULL;
    int benign = 0;
    if (name != NULL && PyUnicode_Check(name)) {
        PyObject *prefix = PyUnicode_FromFormat("%U.", name);
        benign = PyUnicode_Compare(name, package) == 0 ||
                 (prefix && PyUnicode_Tailmatch(package, prefix, 0, PY_SSIZE_T_MAX, -1) == 1);
        Py_XDECREF(prefix);
    }
    Py_XDECREF(name);
    PyErr_Clear();
    if (benign) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
    }
    else {
        PyErr_Restore(type, value, tb);
    }
    return benign;
}

/* Plans and compiles the program, or starts the import it needs first:
 * 1 ready to go on (code set, or coro the import), 0 ended (*status), -1
 * error. */
static int
prepare(MainRunner *self, pyrun_state *st, int *status)
{
    const char *kind = PyUnicode_AsUTF8AndSize(self->kind, NULL);
    if (kind == NULL) {
        return -1;
    }
    PyObject *code = NULL, *globals = NULL, *package = NULL, *ended = NULL;
    int rc = pyrun_prepare_main(st, kind, self->target, self->importing, &code, &globals, &package, &ended);
    Py_CLEAR(self->importing);
    if (rc == 0) {
        *status = (int)PyLong_AsLong(ended);
        Py_DECREF(ended);
        return 0;
    }
    if (rc == 2) {
        self->coro = pyrun_import_awaitable(st, package);
        self->importing = package;
        return self->coro ? 1 : -1;
    }
    if (rc == 1) {
        self->code = code;
        self->globals = globals;
        Py_CLEAR(self->kind);
        Py_CLEAR(self->target);
    }
    return rc;
}

/* Evaluates the module code: 1 it awaits (coro set), 0 it is done, -1
 * it raised. */
static int
evaluate(MainRunner *self, pyrun_state *st)
{
    PyObject *code = self->code;
    self->code = NULL;
    PyObject *result = NULL;
    PyObject *pending = pyrun_pending_tasks(st);
    self->before = pending ? PySet_New(pending) : NULL;
    Py_XDECREF(pending);
    if (self->before != NULL) {
        if (self->interrupt_pending) {
            PyErr_SetNone(PyExc_KeyboardInterrupt);
        }
        else {
            result = PyEval_EvalCode(code, self->globals, self->globals);
        }
    }
    Py_DECREF(code);
    if (result == NULL) {
        return -1;
    }
    if ((PyObject *)Py_TYPE(result) != st->coroutine_type) {
        Py_DECREF(result);
        return 0;
    }
    self->coro = result;
    return 1;
}

/* One step of the program: the first prepares and evaluates the module
 * code, later ones resume what it awaits, with `exc` thrown in when
 * given. */
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
    if (self->draining) {
        /* The code is over, so there is nothing to throw `exc` into; Ctrl-C
         * comes as interrupt_pending. */
        Py_XDECREF(awaited);
        return drain_step(self);
    }
    PyObject *thrown = Py_XNewRef(exc);
    PyObject *yielded = NULL;
    int status = PYRUN_EXIT_OK;

    for (;;) {
        if (self->coro == NULL) {
            int rc;
            if (self->kind != NULL) {
                rc = prepare(self, st, &status);
                if (rc == 0) {
                    Py_XDECREF(awaited);
                    Py_XDECREF(thrown);
                    return finish(self, status);
                }
            }
            else {
                rc = evaluate(self, st);
                if (rc == 0) {
                    Py_XDECREF(awaited);
                    Py_XDECREF(thrown);
                    return code_done(self);
                }
            }
            if (rc < 0) {
                goto failed;
            }
            if (self->coro == NULL) {
                continue; /* prepared: evaluate now */
            }
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
        Py_CLEAR(awaited);
        if (thrown == NULL && self->interrupt_pending) {
            self->interrupt_pending = 0;
            thrown = PyObject_CallNoArgs(PyExc_KeyboardInterrupt);
            if (thrown == NULL) {
                goto failed;
            }
        }
        int returned = 0;
        if (thrown != NULL) {
            yielded = PyObject_CallMethod(self->coro, "throw", "O", thrown);
            Py_CLEAR(thrown);
            if (yielded == NULL && PyErr_ExceptionMatches(PyExc_StopIteration)) {
                PyErr_Clear();
                returned = 1;
            }
        }
        else {
            PySendResult sent = PyIter_Send(self->coro, Py_None, &yielded);
            if (sent == PYGEN_RETURN) {
                Py_CLEAR(yielded);
                returned = 1;
            }
        }
        if (yielded != NULL) {
            return relay_yield(self, yielded);
        }
        Py_CLEAR(self->coro);
        if (self->kind != NULL) {
            /* the package is imported, or failed in a way runpy ignores */
            if (returned || package_import_error_is_benign(self->importing)) {
                continue;
            }
            goto failed;
        }
        if (returned) {
            return code_done(self);
        }
        goto failed;
    }

failed:
    Py_XDECREF(awaited);
    Py_XDECREF(thrown);
    return code_failed(self);
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
    PyObject *exc = pyrun_thrown_exception(args);
    if (exc == NULL) {
        return NULL;
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

int
pyrun_main_runner_stalled(PyObject *runner)
{
    MainRunner *self = (MainRunner *)runner;
    pyrun_state *st = pyrun_state_from_type(Py_TYPE(runner));
    PyObject *threads = st ? pyrun_threads_waiting(st) : NULL;
    if (threads != NULL && (self->done || self->draining) && !self->interrupted && PyUnicode_GetLength(threads) > 0) {
        /* threads left waiting for each other: CPython would hang there */
        PyObject *message = PyUnicode_FromFormat(
            "the program's threads are stuck, each waiting for what none of the others will do: %U", threads);
        Py_DECREF(threads);
        if (message != NULL) {
            PyErr_SetObject(PyExc_RuntimeError, message);
            Py_DECREF(message);
        }
        return pyrun_report_exit();
    }
    if (self->done || self->draining) {
        /* What is left waits for what will never come, as a page or Node
         * would leave it. */
        Py_XDECREF(threads);
        return self->interrupted ? PYRUN_EXIT_INTERRUPT : PYRUN_EXIT_OK;
    }
    PyObject *message = threads == NULL ? NULL
                        : PyUnicode_GetLength(threads) == 0
                            ? PyUnicode_FromString(
                                  "the program is stuck: it awaits something that nothing left running can complete")
                            : PyUnicode_FromFormat("the program is stuck: it awaits something that nothing left "
                                                   "running can complete, and so do its threads: %U",
                                                   threads);
    PyObject *exc = message ? PyObject_CallOneArg_compat(PyExc_RuntimeError, message) : NULL;
    Py_XDECREF(threads);
    Py_XDECREF(message);
    if (exc == NULL || (self->coro != NULL && pyrun_raised_where_suspended(exc, self->coro) < 0)) {
        Py_XDECREF(exc);
        return pyrun_report_exit();
    }
    PyErr_SetObject(PyExc_RuntimeError, exc);
    Py_DECREF(exc);
    return pyrun_report_exit();
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

static MainRunner *
runner_alloc(pyrun_state *st)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->main_runner_type, Py_tp_alloc);
    MainRunner *self = (MainRunner *)alloc(st->main_runner_type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->wake = PyCFunction_New(&wake_def, (PyObject *)self);
    if (self->wake == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return self;
}

PyObject *
pyrun_main_runner_after_import(pyrun_state *st, const char *kind, PyObject *target, PyObject *package)
{
    MainRunner *self = runner_alloc(st);
    if (self == NULL) {
        return NULL;
    }
    self->kind = PyUnicode_FromString(kind);
    self->target = Py_NewRef(target);
    self->coro = self->kind ? pyrun_import_awaitable(st, package) : NULL;
    self->importing = Py_NewRef(package);
    if (self->coro == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

PyObject *
pyrun_main_runner_new(pyrun_state *st, PyObject *code, PyObject *globals)
{
    MainRunner *self = runner_alloc(st);
    if (self != NULL) {
        self->code = Py_NewRef(code);
        self->globals = Py_NewRef(globals);
    }
    return (PyObject *)self;
}

void
pyrun_main_runner_set_mode(PyObject *runner, pyrun_run_mode mode)
{
    ((MainRunner *)runner)->mode = mode;
}
