/* asyncio.run and the event-loop idioms, awaited on the one running loop.
 *
 * asyncio.run(coro) keeps CPython's semantics: coro runs in a Task of its
 * own (with its own copy of the context), its result is returned and its
 * exception propagates; tasks it started that are still pending at the end
 * are cancelled and waited for, and their errors reported, as asyncio.run
 * does; Ctrl-C cancels it and then raises KeyboardInterrupt. */
#include "helpers.h"

enum { RUN_TASK, RUN_MARK, RUN_LOOP, RUN_CANCELLED, RUN_EXC, RUN_RESULT };
/* RUN_CANCELLED holds, until the end, the tasks that existed before the
 * run (for Pythons without Task.get_context). */
enum { PHASE_MAIN, PHASE_DRAIN, PHASE_REAP };

/* Does this pending task belong to the run marked `mark`? Tasks created
 * inside a run copy its context, which carries the mark. Python 3.11 has
 * no Task.get_context: there, the tasks that did not exist before. */
static int
started_by(pyrun_step *s, PyObject *task, PyObject *marker, PyObject *before)
{
    PyObject *ctx = PyObject_CallMethod(task, "get_context", NULL);
    if (ctx == NULL) {
        PyErr_Clear();
        int existed = before ? PySet_Contains(before, task) : 1;
        return existed < 0 ? -1 : !existed;
    }
    PyObject *m = PyObject_CallMethod(ctx, "get", "OO", marker, Py_None);
    Py_DECREF(ctx);
    if (m == NULL) {
        return -1;
    }
    int mine = m == s->o[RUN_MARK];
    Py_DECREF(m);
    return mine;
}

/* Cancel what the run left pending; return a gather() to wait for, or
 * NULL with *none set when there is nothing. */
static PyObject *
cancel_leftovers(pyrun_state *st, pyrun_step *s, int *none)
{
    *none = 0;
    PyObject *tasks = PyObject_CallFunctionObjArgs(st->all_tasks, s->o[RUN_LOOP], NULL);
    PyObject *list = tasks ? PySequence_List(tasks) : NULL;
    Py_XDECREF(tasks);
    PyObject *before = s->o[RUN_CANCELLED];
    s->o[RUN_CANCELLED] = NULL;
    PyObject *cancelled = list ? PyList_New(0) : NULL;
    if (cancelled == NULL) {
        Py_XDECREF(list);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_Size(list); i++) {
        PyObject *t = PyList_GetItem(list, i);
        if (t == s->o[RUN_TASK]) {
            continue;
        }
        int mine = started_by(s, t, st->run_marker, before);
        if (mine < 0) {
            goto error;
        }
        if (!mine) {
            continue;
        }
        PyObject *done = PyObject_CallMethod(t, "done", NULL);
        int is_done = done ? PyObject_IsTrue(done) : -1;
        Py_XDECREF(done);
        if (is_done < 0) {
            goto error;
        }
        if (is_done) {
            continue;
        }
        PyObject *r = PyObject_CallMethod(t, "cancel", NULL);
        if (r == NULL || PyList_Append(cancelled, t) < 0) {
            Py_XDECREF(r);
            goto error;
        }
        Py_DECREF(r);
    }
    Py_DECREF(list);
    Py_XDECREF(before);
    if (PyList_Size(cancelled) == 0) {
        Py_DECREF(cancelled);
        *none = 1;
        return NULL;
    }
    s->o[RUN_CANCELLED] = cancelled;
    PyObject *args = PyList_AsTuple(cancelled);
    PyObject *kwargs = args ? Py_BuildValue("{sO}", "return_exceptions", Py_True) : NULL;
    PyObject *g = kwargs ? PyObject_Call(st->gather, args, kwargs) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    return g;
error:
    Py_DECREF(list);
    Py_XDECREF(before);
    Py_DECREF(cancelled);
    return NULL;
}

/* As asyncio's _cancel_all_tasks: errors of cancelled tasks go to the
 * loop's exception handler. */
static int
report_leftovers(pyrun_step *s)
{
    PyObject *cancelled = s->o[RUN_CANCELLED];
    for (Py_ssize_t i = 0; cancelled && i < PyList_Size(cancelled); i++) {
        PyObject *t = PyList_GetItem(cancelled, i);
        PyObject *was = PyObject_CallMethod(t, "cancelled", NULL);
        int is = was ? PyObject_IsTrue(was) : -1;
        Py_XDECREF(was);
        if (is < 0) {
            return -1;
        }
        if (is) {
            continue;
        }
        PyObject *exc = PyObject_CallMethod(t, "exception", NULL);
        if (exc == NULL) {
            return -1;
        }
        if (exc != Py_None) {
            PyObject *context = Py_BuildValue("{sssOsO}", "message",
                                              "unhandled exception during asyncio.run() shutdown",
                                              "exception", exc, "task", t);
            PyObject *r = context ? PyObject_CallMethod(s->o[RUN_LOOP], "call_exception_handler", "O",
                                                        context)
                                  : NULL;
            Py_XDECREF(context);
            if (r == NULL) {
                Py_DECREF(exc);
                return -1;
            }
            Py_DECREF(r);
        }
        Py_DECREF(exc);
    }
    return 0;
}

static step_result
run_finish(pyrun_step *s, PyObject **out)
{
    if (report_leftovers(s) < 0) {
        return STEP_ERROR;
    }
    PyObject *exc = s->o[RUN_EXC];
    if (exc != NULL) {
        PyObject *tb = PyException_GetTraceback(exc);
        PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), Py_NewRef(exc), tb);
        return STEP_ERROR;
    }
    *out = Py_NewRef(s->o[RUN_RESULT] ? s->o[RUN_RESULT] : Py_None);
    return STEP_DONE;
}

static step_result
run_drain(pyrun_state *st, pyrun_step *s, PyObject **out)
{
    int none;
    PyObject *g = cancel_leftovers(st, s, &none);
    if (g != NULL) {
        s->phase = PHASE_REAP;
        *out = g;
        return STEP_AWAIT;
    }
    return none ? run_finish(s, out) : STEP_ERROR;
}

static step_result
run_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    switch (s->phase) {
    case PHASE_MAIN:
        if (value == NULL) {
            *out = Py_NewRef(s->o[RUN_TASK]);
            return STEP_AWAIT;
        }
        Py_XSETREF(s->o[RUN_RESULT], Py_NewRef(value));
        s->phase = PHASE_DRAIN;
        return run_drain(st, s, out);
    case PHASE_DRAIN:
        /* the main task, cancelled after an interruption, has finished */
        return run_drain(st, s, out);
    default:
        return run_finish(s, out);
    }
}

static int
task_is_done(PyObject *task)
{
    PyObject *done = PyObject_CallMethod(task, "done", NULL);
    int r = done ? PyObject_IsTrue(done) : -1;
    Py_XDECREF(done);
    return r;
}

static step_result
run_error(pyrun_step *s, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(v, tb);
    }
    Py_XDECREF(t);
    Py_XDECREF(tb);
    if (s->phase == PHASE_MAIN) {
        int done = task_is_done(s->o[RUN_TASK]);
        if (done < 0) {
            Py_XDECREF(v);
            return STEP_ERROR;
        }
        if (!done) {
            /* Thrown in from outside (Ctrl-C, or the caller cancelled):
             * as asyncio.run, cancel the main task, wait for it, then
             * raise what interrupted. */
            Py_XSETREF(s->o[RUN_EXC], v);
            PyObject *r = PyObject_CallMethod(s->o[RUN_TASK], "cancel", NULL);
            if (r == NULL) {
                return STEP_ERROR;
            }
            Py_DECREF(r);
            s->phase = PHASE_DRAIN;
            *out = Py_NewRef(s->o[RUN_TASK]);
            return STEP_AWAIT;
        }
        /* the main coroutine raised */
        Py_XSETREF(s->o[RUN_EXC], v);
        s->phase = PHASE_DRAIN;
        return run_drain(st, s, out);
    }
    if (s->phase == PHASE_DRAIN) {
        /* the interrupted main task ended with its cancellation */
        Py_XDECREF(v);
        return run_drain(st, s, out);
    }
    Py_XSETREF(s->o[RUN_EXC], v);
    return run_finish(s, out);
}

/* run(main, *, debug=None, loop_factory=None) */
static PyObject *
run_awaitable(pyrun_state *st, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"main", "debug", "loop_factory", NULL};
    PyObject *main, *debug = Py_None, *loop_factory = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$OO:run", kwlist, &main, &debug, &loop_factory)) {
        return NULL;
    }
    PyObject *is_coro = PyObject_CallOneArg_compat(st->iscoroutine, main);
    int ok = is_coro ? PyObject_IsTrue(is_coro) : -1;
    Py_XDECREF(is_coro);
    if (ok <= 0) {
        if (ok == 0) {
            PyErr_Format(PyExc_ValueError, "a coroutine was expected, got %R", main);
        }
        return NULL;
    }
    PyObject *loop = PyObject_CallNoArgs(st->get_running_loop);
    PyObject *mark = loop ? PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type) : NULL;
    PyObject *context = mark ? PyObject_CallNoArgs(st->copy_context) : NULL;
    PyObject *set = context ? PyObject_GetAttrString(st->run_marker, "set") : NULL;
    PyObject *r = set ? PyObject_CallMethod(context, "run", "OO", set, mark) : NULL;
    Py_XDECREF(set);
    Py_XDECREF(r);
    PyObject *task = NULL;
    if (r != NULL) {
        PyObject *cargs = PyTuple_Pack(1, main);
        PyObject *ckw = cargs ? Py_BuildValue("{sO}", "context", context) : NULL;
        PyObject *create = ckw ? PyObject_GetAttrString(loop, "create_task") : NULL;
        task = create ? PyObject_Call(create, cargs, ckw) : NULL;
        Py_XDECREF(cargs);
        Py_XDECREF(ckw);
        Py_XDECREF(create);
    }
    Py_XDECREF(context);
    PyObject *tasks = task ? PyObject_CallFunctionObjArgs(st->all_tasks, loop, NULL) : NULL;
    PyObject *before = tasks ? PySet_New(tasks) : NULL;
    Py_XDECREF(tasks);
    if (before != NULL && PySet_Discard(before, task) < 0) {
        Py_CLEAR(before);
    }
    pyrun_step *s = before ? pyrun_step_new(st, run_next, run_error) : NULL;
    if (s == NULL) {
        Py_XDECREF(loop);
        Py_XDECREF(mark);
        Py_XDECREF(task);
        Py_XDECREF(before);
        return NULL;
    }
    s->o[RUN_CANCELLED] = before;
    s->o[RUN_TASK] = task;
    s->o[RUN_MARK] = mark;
    s->o[RUN_LOOP] = loop;
    return (PyObject *)s;
}

/* run(fn, main, ...): fn is what the program called, looked up as the call
 * ran; asyncio.run itself awaits main with its semantics, anything else
 * is called. */
PyObject *
pyrun_helper_run(PyObject *module, PyObject *all, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (PyTuple_Size(all) < 1) {
        PyErr_SetString(PyExc_TypeError, "run(fn, *args)");
        return NULL;
    }
    PyObject *fn = PyTuple_GetItem(all, 0);
    PyObject *args = PyTuple_GetSlice(all, 1, PyTuple_Size(all));
    if (args == NULL) {
        return NULL;
    }
    PyObject *r = fn == st->original_run ? run_awaitable(st, args, kwargs) : pyrun_call_maybe(st, fn, args, kwargs);
    Py_DECREF(args);
    return r;
}

static step_result
await_then_return(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        *out = Py_NewRef(s->o[0]);
        return STEP_AWAIT;
    }
    *out = Py_NewRef(value);
    return STEP_DONE;
}

static int
is_event_loop(PyObject *obj)
{
    PyObject *events = pyrun_import("asyncio.events");
    PyObject *base = events ? PyObject_GetAttrString(events, "AbstractEventLoop") : NULL;
    Py_XDECREF(events);
    int r = base ? PyObject_IsInstance(obj, base) : -1;
    Py_XDECREF(base);
    return r;
}

/* run_until_complete(loop, future) */
PyObject *
pyrun_helper_run_until_complete(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *loop, *fut;
    if (st == NULL || !PyArg_ParseTuple(args, "OO:run_until_complete", &loop, &fut)) {
        return NULL;
    }
    int is_loop = is_event_loop(loop);
    if (is_loop < 0) {
        return NULL;
    }
    if (!is_loop) {
        /* a method of that name on something else */
        PyObject *method = PyObject_GetAttrString(loop, "run_until_complete");
        PyObject *one = method ? PyTuple_Pack(1, fut) : NULL;
        PyObject *r = one ? pyrun_call_maybe(st, method, one, NULL) : NULL;
        Py_XDECREF(method);
        Py_XDECREF(one);
        return r;
    }
    PyObject *future = PyObject_CallFunctionObjArgs(st->ensure_future, fut, NULL);
    pyrun_step *s = future ? pyrun_step_new(st, await_then_return, NULL) : NULL;
    if (s == NULL) {
        Py_XDECREF(future);
        return NULL;
    }
    s->o[0] = future;
    return (PyObject *)s;
}

/* run_forever(loop): waits until stop_loop(loop) */
PyObject *
pyrun_helper_run_forever(PyObject *module, PyObject *loop)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *running = PyObject_CallNoArgs(st->get_running_loop);
    PyObject *future = running ? PyObject_CallMethod(running, "create_future", NULL) : NULL;
    Py_XDECREF(running);
    if (future == NULL || PyDict_SetItem(st->stop_futures, loop, future) < 0) {
        Py_XDECREF(future);
        return NULL;
    }
    pyrun_step *s = pyrun_step_new(st, await_then_return, NULL);
    if (s == NULL) {
        Py_DECREF(future);
        return NULL;
    }
    s->o[0] = future;
    return (PyObject *)s;
}

PyObject *
pyrun_helper_stop_loop(PyObject *module, PyObject *loop)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *future = PyDict_GetItemWithError(st->stop_futures, loop);
    if (future != NULL) {
        Py_INCREF(future);
        if (PyDict_DelItem(st->stop_futures, loop) < 0) {
            Py_DECREF(future);
            return NULL;
        }
        PyObject *r = PyObject_CallMethod(future, "set_result", "O", Py_None);
        Py_DECREF(future);
        if (r == NULL) {
            return NULL;
        }
        Py_DECREF(r);
        Py_RETURN_NONE;
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    return PyObject_CallMethod(loop, "stop", NULL);
}

/* new_event_loop(): everything runs on the one running loop. */
PyObject *
pyrun_helper_new_event_loop(PyObject *module, PyObject *unused)
{
    pyrun_state *st = pyrun_get_state(module);
    return st ? PyObject_CallNoArgs(st->get_running_loop) : NULL;
}

/* close_loop(loop): closing the running loop would end everything */
PyObject *
pyrun_helper_close_loop(PyObject *module, PyObject *loop)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *running = PyObject_CallNoArgs(st->get_running_loop);
    if (running == NULL) {
        PyErr_Clear();
    }
    int same = running == loop;
    Py_XDECREF(running);
    if (same) {
        Py_RETURN_NONE;
    }
    return PyObject_CallMethod(loop, "close", NULL);
}
