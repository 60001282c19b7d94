/* Replay: a library function that calls back colored code, run without
 * blocking, with the same calls in the same order as CPython makes them.
 *
 * sorted() with a comparison (cmp_to_key) or a key whose objects compare
 * through colored code calls that code from C, deep inside its own loop,
 * where nothing can await. The call is run as an attempt instead: each
 * colored coroutine the library reaches there (through a face, a pyrun
 * generator, anything that would wait synchronously) is started at once.
 * One that finishes without waiting answers on the spot; one that would
 * wait stops the attempt with an exception of pyrun's, the coroutine is
 * awaited from the event loop, and the library function is called again
 * from the start. Every callback it already made is then answered from
 * the log, in order, without running again, so the library sees exactly
 * what it saw before, one answer further each time. Only functions that
 * depend on nothing but their arguments are run so (sorted, min, max,
 * list.sort on a copy restored before each attempt, and those of
 * REPLAYABLE below). Not copy.deepcopy: the callbacks it makes fill in
 * objects it made in that attempt (__setstate__, __deepcopy__'s memo).
 *
 * An attempt costs the answers logged so far: a call that waits n times
 * costs n^2/2 answers in all, a few microseconds each. Past REPLAY_BUDGET
 * answers, the rest of the call runs as any synchronous call of colored
 * code does (aio/wait_sync.c), so a huge sort finishes, blocking. */
#include "helpers.h"

#define REPLAY_BUDGET 2000000

typedef struct {
    PyObject_HEAD
    PyObject *log;     /* list of (True, value) / (False, exception, traceback) */
    Py_ssize_t pos;    /* answers given in this attempt */
    Py_ssize_t answered; /* answers given in all attempts */
    PyObject *pending; /* the iterator of a coroutine that stopped the attempt */
    PyObject *first;   /* what it yielded: the first thing its Task must see */
    int sync;          /* past the budget: callbacks wait synchronously */
} Replay;

typedef struct {
    PyObject_HEAD
    PyObject *it;    /* a coroutine's iterator, suspended at its first yield */
    PyObject *first; /* that yield, owed to whoever drives this */
} Resumed;

enum { R_FN, R_ARGS, R_KWARGS, R_SESSION, R_LIST, R_SNAPSHOT };

/* ---- the session ------------------------------------------------------- */

static int
replay_traverse(Replay *r, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)r));
    Py_VISIT(r->log);
    Py_VISIT(r->pending);
    Py_VISIT(r->first);
    return 0;
}

static int
replay_clear(Replay *r)
{
    Py_CLEAR(r->log);
    Py_CLEAR(r->pending);
    Py_CLEAR(r->first);
    return 0;
}

static void
replay_dealloc(Replay *r)
{
    PyTypeObject *type = Py_TYPE((PyObject *)r);
    PyObject_GC_UnTrack(r);
    replay_clear(r);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(r);
    Py_DECREF(type);
}

static PyType_Slot replay_slots[] = {
    {Py_tp_dealloc, replay_dealloc},
    {Py_tp_traverse, replay_traverse},
    {Py_tp_clear, replay_clear},
    {0, NULL},
};

static PyType_Spec replay_spec = {
    .name = "pyrun.Replay",
    .basicsize = sizeof(Replay),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = replay_slots,
};

/* Appends what the exception now set is, and leaves it set. */
static int
log_exception(Replay *r)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL) {
        PyException_SetTraceback(value, tb);
    }
    PyObject *entry = value ? PyTuple_Pack(3, Py_False, value, tb ? tb : Py_None) : NULL;
    int rc = entry ? PyList_Append(r->log, entry) : -1;
    Py_XDECREF(entry);
    if (rc == 0) {
        PyErr_Restore(type, value, tb);
        return 0;
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return -1;
}

static int
log_value(Replay *r, PyObject *value)
{
    PyObject *entry = PyTuple_Pack(2, Py_True, value);
    int rc = entry ? PyList_Append(r->log, entry) : -1;
    Py_XDECREF(entry);
    return rc;
}

/* The logged answer at r->pos: its value, or NULL with its exception set
 * again, with the traceback it had then. */
static PyObject *
answer(Replay *r)
{
    PyObject *entry = PyList_GetItem(r->log, r->pos++);
    if (++r->answered > REPLAY_BUDGET) {
        r->sync = 1;
    }
    if (PyTuple_GetItem(entry, 0) == Py_True) {
        return Py_NewRef(PyTuple_GetItem(entry, 1));
    }
    PyObject *exc = PyTuple_GetItem(entry, 1);
    PyObject *tb = PyTuple_GetItem(entry, 2);
    if (tb == Py_None) {
        tb = NULL;
    }
    PyException_SetTraceback(exc, tb ? tb : Py_None);
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), Py_NewRef(exc), Py_XNewRef(tb));
    return NULL;
}

static void
close_quietly(PyObject *awaitable)
{
    /* never started: closing it keeps "never awaited" from being said */
    PyObject *r = PyObject_CallMethod(awaitable, "close", NULL);
    if (r == NULL) {
        PyErr_Clear();
    }
    Py_XDECREF(r);
}

/* The iterator `await x` drives. */
static PyObject *
await_iter(pyrun_state *st, PyObject *awaitable)
{
    if ((PyObject *)Py_TYPE(awaitable) == st->coroutine_type) {
        return Py_NewRef(awaitable);
    }
    return PyObject_CallMethod(awaitable, "__await__", NULL);
}

int
pyrun_replay_wait(pyrun_state *st, PyObject *awaitable, PyObject **result)
{
    Replay *r = (Replay *)st->replay;
    if (r == NULL) {
        return 0;
    }
    if (r->pos < PyList_Size(r->log)) {
        close_quietly(awaitable);
        *result = answer(r);
        return 1;
    }
    if (r->sync || r->pending != NULL) {
        /* past the budget, or a second stop in one attempt (the library
         * swallowed the first): waited for synchronously, unlogged */
        return 0;
    }
    /* Its first step runs here, outside the session: what it calls is
     * not the library's doing. */
    st->replay = NULL;
    PyObject *it = await_iter(st, awaitable);
    PyObject *yielded = NULL;
    PySendResult sent = it ? PyIter_Send(it, Py_None, &yielded) : PYGEN_ERROR;
    st->replay = (PyObject *)r;
    if (sent == PYGEN_NEXT) {
        r->pending = it;
        r->first = yielded;
        PyErr_SetNone(st->replay_stop);
        *result = NULL;
        return 1;
    }
    Py_XDECREF(it);
    if (sent == PYGEN_RETURN) {
        *result = log_value(r, yielded) < 0 ? NULL : yielded;
        if (*result == NULL) {
            Py_DECREF(yielded);
        }
    }
    else {
        log_exception(r);
        *result = NULL;
    }
    r->pos++;
    return 1;
}

/* ---- Resumed: the stopped coroutine, driven on from its first yield ---- */

static int
resumed_traverse(Resumed *r, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)r));
    Py_VISIT(r->it);
    Py_VISIT(r->first);
    return 0;
}

static int
resumed_clear(Resumed *r)
{
    Py_CLEAR(r->it);
    Py_CLEAR(r->first);
    return 0;
}

static void
resumed_dealloc(Resumed *r)
{
    PyTypeObject *type = Py_TYPE((PyObject *)r);
    PyObject_GC_UnTrack(r);
    resumed_clear(r);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(r);
    Py_DECREF(type);
}

static PyObject *
resumed_send(Resumed *r, PyObject *value)
{
    if (r->first != NULL) {
        PyObject *first = r->first;
        r->first = NULL;
        return first;
    }
    if (r->it == NULL) {
        PyErr_SetNone(PyExc_StopIteration);
        return NULL;
    }
    PyObject *out = NULL;
    PySendResult sent = PyIter_Send(r->it, value, &out);
    if (sent == PYGEN_NEXT) {
        return out;
    }
    Py_CLEAR(r->it);
    if (sent == PYGEN_RETURN) {
        pyrun_set_stop(out);
        Py_DECREF(out);
    }
    return NULL;
}

static PyObject *
resumed_next(Resumed *r)
{
    return resumed_send(r, Py_None);
}

static PyObject *
resumed_throw(Resumed *r, PyObject *args)
{
    Py_CLEAR(r->first); /* thrown in at the yield the Task never saw */
    if (r->it == NULL) {
        return pyrun_raise_thrown(args);
    }
    PyObject *throw = PyObject_GetAttrString(r->it, "throw");
    PyObject *out = throw ? PyObject_Call(throw, args, NULL) : NULL;
    Py_XDECREF(throw);
    if (out == NULL) {
        Py_CLEAR(r->it);
    }
    return out;
}

static PyObject *
resumed_close(Resumed *r, PyObject *Py_UNUSED(ignored))
{
    Py_CLEAR(r->first);
    PyObject *out = r->it ? PyObject_CallMethod(r->it, "close", NULL) : Py_NewRef(Py_None);
    Py_CLEAR(r->it);
    return out;
}

static PyMethodDef resumed_methods[] = {
    {"send", (PyCFunction)resumed_send, METH_O, NULL},
    {"throw", (PyCFunction)resumed_throw, METH_VARARGS, NULL},
    {"close", (PyCFunction)resumed_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot resumed_slots[] = {
    {Py_tp_dealloc, resumed_dealloc},
    {Py_tp_traverse, resumed_traverse},
    {Py_tp_clear, resumed_clear},
    {Py_tp_iter, pyrun_return_self},
    {Py_tp_iternext, resumed_next},
    {Py_am_await, pyrun_return_self},
    {Py_tp_methods, resumed_methods},
    {0, NULL},
};

static PyType_Spec resumed_spec = {
    .name = "pyrun.Resumed",
    .basicsize = sizeof(Resumed),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = resumed_slots,
};

/* ---- the replayed call ------------------------------------------------- */

static step_result
attempt(pyrun_step *s, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    Replay *r = (Replay *)s->o[R_SESSION];
    if (s->o[R_LIST] != NULL) {
        /* an in-place call starts again from what it was given */
        PyObject *all = PySlice_New(NULL, NULL, NULL);
        int rc = all ? PyObject_SetItem(s->o[R_LIST], all, s->o[R_SNAPSHOT]) : -1;
        Py_XDECREF(all);
        if (rc < 0) {
            return STEP_ERROR;
        }
    }
    r->pos = 0;
    PyObject *outer = st->replay;
    st->replay = (PyObject *)r;
    PyObject *result = PyObject_Call(s->o[R_FN], s->o[R_ARGS], s->o[R_KWARGS]);
    st->replay = outer;
    if (r->pending != NULL) {
        /* stopped (or the stop was swallowed): await the coroutine */
        Py_XDECREF(result);
        PyErr_Clear();
        allocfunc alloc = (allocfunc)PyType_GetSlot(st->resumed_type, Py_tp_alloc);
        Resumed *resumed = (Resumed *)alloc(st->resumed_type, 0);
        if (resumed == NULL) {
            return STEP_ERROR;
        }
        resumed->it = r->pending;
        resumed->first = r->first;
        r->pending = NULL;
        r->first = NULL;
        *out = (PyObject *)resumed;
        return STEP_AWAIT;
    }
    if (result == NULL) {
        return STEP_ERROR;
    }
    *out = result;
    return STEP_DONE;
}

static step_result
replay_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value != NULL && log_value((Replay *)s->o[R_SESSION], value) < 0) {
        return STEP_ERROR;
    }
    return attempt(s, out);
}

/* The awaited callback raised: that is its answer. */
static step_result
replay_error(pyrun_step *s, PyObject **out)
{
    if (log_exception((Replay *)s->o[R_SESSION]) < 0) {
        return STEP_ERROR;
    }
    PyErr_Clear();
    return attempt(s, out);
}

PyObject *
pyrun_replay_call(pyrun_state *st, PyObject *fn, PyObject *args, PyObject *kwargs, PyObject *in_place)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->replay_type, Py_tp_alloc);
    Replay *r = (Replay *)alloc(st->replay_type, 0);
    if (r == NULL || (r->log = PyList_New(0)) == NULL) {
        Py_XDECREF((PyObject *)r);
        return NULL;
    }
    pyrun_step *s = pyrun_step_new(st, replay_next, replay_error);
    if (s == NULL) {
        Py_DECREF(r);
        return NULL;
    }
    s->o[R_SESSION] = (PyObject *)r;
    s->o[R_FN] = Py_NewRef(fn);
    s->o[R_ARGS] = Py_NewRef(args);
    s->o[R_KWARGS] = Py_XNewRef(kwargs);
    if (in_place != NULL) {
        s->o[R_LIST] = Py_NewRef(in_place);
        s->o[R_SNAPSHOT] = PySequence_List(in_place);
        if (s->o[R_SNAPSHOT] == NULL) {
            Py_DECREF(s);
            return NULL;
        }
    }
    return (PyObject *)s;
}

/* The library functions that call back and depend on nothing but their
 * arguments, so that an attempt can start over: the stdlib's callback
 * points the transform awaits through __pyrun__.replay. */
static const struct {
    const char *module, *name;
} REPLAYABLE[] = {
    {"re", "sub"},        {"re", "subn"},          {"json", "dumps"},        {"json", "loads"},
    {"heapq", "nsmallest"}, {"heapq", "nlargest"}, {"bisect", "bisect"},     {"bisect", "bisect_left"},
    {"bisect", "bisect_right"}, {"bisect", "insort"}, {"bisect", "insort_left"}, {"bisect", "insort_right"},
    {"builtins", "sum"},
};

static PyObject *
replayables(pyrun_state *st)
{
    if (st->replayables != NULL) {
        return st->replayables;
    }
    size_t n = sizeof REPLAYABLE / sizeof REPLAYABLE[0];
    PyObject *fns = PyTuple_New((Py_ssize_t)n + 1);
    for (size_t i = 0; fns != NULL && i < n; i++) {
        PyObject *m = pyrun_import(REPLAYABLE[i].module);
        PyObject *fn = m ? PyObject_GetAttrString(m, REPLAYABLE[i].name) : NULL;
        Py_XDECREF(m);
        if (fn == NULL) {
            Py_CLEAR(fns);
            break;
        }
        PyTuple_SetItem(fns, (Py_ssize_t)i, fn);
    }
    /* last: re.Pattern, whose sub and subn are replayed too */
    PyObject *re = fns ? pyrun_import("re") : NULL;
    PyObject *pattern = re ? PyObject_GetAttrString(re, "Pattern") : NULL;
    Py_XDECREF(re);
    if (pattern == NULL) {
        Py_XDECREF(fns);
        return NULL;
    }
    PyTuple_SetItem(fns, (Py_ssize_t)n, pattern);
    st->replayables = fns;
    return fns;
}

/* 1 when fn is one of those, 0 when not, -1 with an exception set. */
static int
is_replayable(pyrun_state *st, PyObject *fn)
{
    PyObject *fns = replayables(st);
    if (fns == NULL) {
        return -1;
    }
    Py_ssize_t n = PyTuple_Size(fns) - 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyTuple_GetItem(fns, i) == fn) {
            return 1;
        }
    }
    if (!PyCFunction_Check(fn)) {
        return 0;
    }
    PyObject *self = PyCFunction_GetSelf(fn); /* borrowed */
    if (self == NULL || (PyObject *)Py_TYPE(self) != PyTuple_GetItem(fns, n)) {
        return 0;
    }
    PyObject *name = PyObject_GetAttrString(fn, "__name__");
    int r = name == NULL ? -1
                         : PyUnicode_CompareWithASCIIString(name, "sub") == 0 ||
                               PyUnicode_CompareWithASCIIString(name, "subn") == 0;
    Py_XDECREF(name);
    return r;
}

PyObject *
pyrun_helper_replay(PyObject *module, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (PyTuple_Size(args) < 1) {
        PyErr_SetString(PyExc_TypeError, "replay() needs the function to call");
        return NULL;
    }
    PyObject *fn = PyTuple_GetItem(args, 0);
    PyObject *rest = PyTuple_GetSlice(args, 1, PyTuple_Size(args));
    int known = rest ? is_replayable(st, fn) : -1;
    if (known == 1 && PyTuple_Size(rest) > 0 && PyCFunction_Check(fn) && !PyList_Check(PyTuple_GetItem(rest, 0)) &&
        !PyTuple_Check(PyTuple_GetItem(rest, 0))) {
        /* sum() of an iterator: its items taken once, so that each attempt
         * sees them all */
        PyObject *name = PyObject_GetAttrString(fn, "__name__");
        int is_sum = name && PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, "sum") == 0;
        Py_XDECREF(name);
        PyObject *items = is_sum ? PySequence_List(PyTuple_GetItem(rest, 0)) : NULL;
        if (items != NULL) {
            PyTuple_SetItem(rest, 0, items); /* rest is a tuple of its own */
        }
        known = PyErr_Occurred() ? -1 : known;
    }
    PyObject *r = known < 0    ? NULL
                  : known == 1 ? pyrun_replay_call(st, fn, rest, kwargs, NULL)
                               : pyrun_call_maybe(st, fn, rest, kwargs);
    Py_XDECREF(rest);
    return r;
}

int
pyrun_replay_register(PyObject *module, pyrun_state *st)
{
    st->replay_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &replay_spec, NULL);
    st->resumed_type = st->replay_type ? (PyTypeObject *)PyType_FromModuleAndSpec(module, &resumed_spec, NULL) : NULL;
    /* a BaseException: `except Exception` in library code lets it through */
    st->replay_stop = st->resumed_type ? PyErr_NewException("pyrun._ReplayStop", PyExc_BaseException, NULL) : NULL;
    return st->replay_stop == NULL ? -1 : 0;
}
