/* Builtins over items or callables that may block.
 *
 * Items come from async iterators (colored generators, sys.stdin) or from
 * plain iterables adapted by aiter(); callables (key=, map's function...)
 * may return colored coroutines, which are awaited. map, filter and
 * enumerate stay lazy, as async iterators; sorted, min, max, any, all,
 * next, reduce and list.sort are awaitables with the builtins' results and
 * errors. */
#include "helpers.h"

/* ---- AsyncIter: aiter, map, filter, enumerate, stdin lines -------------- */

typedef enum {
    AI_SYNC, AI_STDIN, AI_MAP, AI_FILTER, AI_ENUMERATE, AI_FACE_NEXT,
    /* itertools */
    AI_STARMAP, AI_FILTERFALSE, AI_TAKEWHILE, AI_DROPWHILE, AI_ACCUMULATE,
    /* an __iter__ that blocks (not a generator): source is its awaitable,
     * fn the async iterator of what it returned, once it has */
    AI_LATE
} ai_mode;

typedef struct {
    PyObject_HEAD
    ai_mode mode;
    PyObject *source; /* sync iterator, async iterator, or tuple of them */
    PyObject *fn;     /* map's and filter's function; AI_FACE_NEXT: the iterator's __next__;
                       * AI_ENUMERATE: the next count */
    PyObject *returned; /* AI_SYNC over a generator: what it returned, once ended */
    PyObject *total;  /* AI_ACCUMULATE: the running total, NULL before the first; or its initial */
    int state;        /* AI_TAKEWHILE: ended; AI_DROPWHILE: done dropping; AI_ACCUMULATE: initial given */
} AsyncIter;

static int
ai_traverse(AsyncIter *a, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)a));
    Py_VISIT(a->source);
    Py_VISIT(a->fn);
    Py_VISIT(a->returned);
    Py_VISIT(a->total);
    return 0;
}

static int
ai_clear(AsyncIter *a)
{
    Py_CLEAR(a->source);
    Py_CLEAR(a->fn);
    Py_CLEAR(a->returned);
    Py_CLEAR(a->total);
    return 0;
}

static void
ai_dealloc(AsyncIter *a)
{
    PyTypeObject *type = Py_TYPE((PyObject *)a);
    PyObject_GC_UnTrack(a);
    ai_clear(a);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(a);
    Py_DECREF(type);
}

static PyObject *
anext_of(PyObject *ait)
{
    return PyObject_CallMethod(ait, "__anext__", NULL);
}

/* An awaitable that raises StopAsyncIteration when awaited. */
static step_result
stop_async(pyrun_step *s, PyObject *value, PyObject **out)
{
    PyErr_SetNone(PyExc_StopAsyncIteration);
    return STEP_ERROR;
}

enum { MAP_ITEMS, MAP_AIT, MAP_FN };

/* zip(..., strict=True) when a source ends: the first may end only if
 * every other does too (they are pulled to see), a later one only
 * together with the first. ValueError as zip words it. */
static step_result
zip_strict_error(pyrun_step *s, PyObject **out)
{
    PyObject *sources = s->o[MAP_AIT];
    if (!PyErr_ExceptionMatches(PyExc_StopAsyncIteration)) {
        return STEP_ERROR;
    }
    Py_ssize_t ended = s->i - 1; /* the source just pulled */
    if (s->phase == 3 || ended == 0) {
        s->phase = 3; /* checking that the others are done too */
        if (s->i < PyTuple_Size(sources)) {
            PyErr_Clear();
            *out = anext_of(PyTuple_GetItem(sources, s->i++));
            return *out ? STEP_AWAIT : STEP_ERROR;
        }
        return STEP_ERROR; /* all ended together */
    }
    PyErr_Clear();
    if (ended == 1) {
        PyErr_SetString(PyExc_ValueError, "zip() argument 2 is shorter than argument 1");
    }
    else {
        PyErr_Format(PyExc_ValueError, "zip() argument %zd is shorter than arguments 1-%zd", ended + 1, ended);
    }
    return STEP_ERROR;
}

/* map: pull one item from each source in turn, then call fn on them. */
static step_result
map_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    PyObject *sources = s->o[MAP_AIT];
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (s->phase == 3) { /* zip strict: a later source gave an item after the first ended */
        Py_ssize_t longer = s->i - 1;
        if (longer == 1) {
            PyErr_SetString(PyExc_ValueError, "zip() argument 2 is longer than argument 1");
        }
        else {
            PyErr_Format(PyExc_ValueError, "zip() argument %zd is longer than arguments 1-%zd", longer + 1, longer);
        }
        return STEP_ERROR;
    }
    if (s->phase == 1) { /* fn's result */
        *out = Py_NewRef(value);
        return STEP_DONE;
    }
    if (value != NULL && PyList_Append(s->o[MAP_ITEMS], value) < 0) {
        return STEP_ERROR;
    }
    if (s->i < PyTuple_Size(sources)) {
        *out = anext_of(PyTuple_GetItem(sources, s->i++));
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    PyObject *args = PyList_AsTuple(s->o[MAP_ITEMS]);
    if (s->o[MAP_FN] == NULL) { /* zip */
        *out = args;
        return args ? STEP_DONE : STEP_ERROR;
    }
    *out = args ? pyrun_call_maybe(st, s->o[MAP_FN], args, NULL) : NULL;
    Py_XDECREF(args);
    s->phase = 1;
    return *out ? STEP_AWAIT : STEP_ERROR;
}

enum { FILTER_AIT, FILTER_FN, FILTER_ITEM };

static step_result
filter_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value != NULL && s->phase == 0) {
        /* an item: test it */
        Py_XSETREF(s->o[FILTER_ITEM], Py_NewRef(value));
        s->phase = 1;
        if (s->o[FILTER_FN] == Py_None) {
            *out = pyrun_ready(st, value);
        }
        else {
            PyObject *args = PyTuple_Pack(1, value);
            *out = args ? pyrun_call_maybe(st, s->o[FILTER_FN], args, NULL) : NULL;
            Py_XDECREF(args);
        }
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    if (value != NULL) {
        int keep = PyObject_IsTrue(value);
        if (keep < 0) {
            return STEP_ERROR;
        }
        if (keep) {
            *out = Py_NewRef(s->o[FILTER_ITEM]);
            return STEP_DONE;
        }
    }
    s->phase = 0;
    *out = anext_of(s->o[FILTER_AIT]);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

/* ---- an __iter__ that blocks --------------------------------------------- */

static PyObject *aiter_of_iterator(pyrun_state *st, PyObject *it);

/* What __iter__ returned must be an iterator, as iter() checks. */
static int
check_iterator(PyObject *it)
{
    if (PyIter_Check(it)) {
        return 0;
    }
    PyObject *name = PyType_GetName(Py_TYPE(it));
    if (name != NULL) {
        PyErr_Format(PyExc_TypeError, "iter() returned non-iterator of type '%U'", name);
        Py_DECREF(name);
    }
    return -1;
}

/* First step of an AI_LATE: __iter__'s result, then its first item. */
static step_result
late_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    AsyncIter *a = (AsyncIter *)s->o[0];
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value == NULL) {
        *out = Py_NewRef(a->source);
        return STEP_AWAIT;
    }
    if (s->phase++ == 1) {
        *out = Py_NewRef(value); /* the first item */
        return STEP_DONE;
    }
    if (check_iterator(value) < 0) {
        return STEP_ERROR;
    }
    a->fn = aiter_of_iterator(st, value);
    *out = a->fn ? anext_of(a->fn) : NULL;
    return *out ? STEP_AWAIT : STEP_ERROR;
}

/* ---- itertools ---------------------------------------------------------- */

enum { IT_SELF, IT_ITEM };

/* starmap(f, it): f(*item) */
static step_result
starmap_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    AsyncIter *a = (AsyncIter *)s->o[IT_SELF];
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value == NULL) {
        *out = anext_of(a->source);
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    if (s->phase++ == 1) {
        *out = Py_NewRef(value);
        return STEP_DONE;
    }
    PyObject *args = PySequence_Tuple(value);
    *out = args ? pyrun_call_maybe(st, a->fn, args, NULL) : NULL;
    Py_XDECREF(args);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

/* filterfalse, takewhile, dropwhile: an item, then what the predicate
 * says of it (phase 1), until an item is given or the end is reached. */
static step_result
predicate_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    AsyncIter *a = (AsyncIter *)s->o[IT_SELF];
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value != NULL && s->phase == 0) {
        if (a->mode == AI_DROPWHILE && a->state) {
            *out = Py_NewRef(value); /* done dropping: every item passes */
            return STEP_DONE;
        }
        Py_XSETREF(s->o[IT_ITEM], Py_NewRef(value));
        s->phase = 1;
        PyObject *args = PyTuple_Pack(1, value);
        *out = a->fn == Py_None ? pyrun_ready(st, value)
               : args           ? pyrun_call_maybe(st, a->fn, args, NULL)
                                : NULL;
        Py_XDECREF(args);
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    if (value != NULL) {
        int truth = PyObject_IsTrue(value);
        if (truth < 0) {
            return STEP_ERROR;
        }
        int give = a->mode == AI_FILTERFALSE ? !truth : a->mode == AI_TAKEWHILE ? truth : !truth;
        if (a->mode == AI_TAKEWHILE && !truth) {
            a->state = 1;
            PyErr_SetNone(PyExc_StopAsyncIteration);
            return STEP_ERROR;
        }
        if (a->mode == AI_DROPWHILE && give) {
            a->state = 1;
        }
        if (give) {
            *out = Py_NewRef(s->o[IT_ITEM]);
            return STEP_DONE;
        }
    }
    s->phase = 0;
    *out = anext_of(a->source);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

/* accumulate(it, func, initial=): the initial value, if any, then each
 * running total, func(total, item) (plain + when func is None). */
static step_result
accumulate_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    AsyncIter *a = (AsyncIter *)s->o[IT_SELF];
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value == NULL) {
        if (a->state) { /* the initial value comes first */
            a->state = 0;
            *out = Py_NewRef(a->total);
            return STEP_DONE;
        }
        *out = anext_of(a->source);
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    if (s->phase == 1 || a->total == NULL) {
        /* the new total */
        Py_XSETREF(a->total, Py_NewRef(value));
        *out = Py_NewRef(value);
        return STEP_DONE;
    }
    s->phase = 1;
    if (a->fn == Py_None) {
        PyObject *sum = PyNumber_Add(a->total, value);
        *out = sum ? pyrun_maybe_steal(st, sum) : NULL;
    }
    else {
        PyObject *args = PyTuple_Pack(2, a->total, value);
        *out = args ? pyrun_call_maybe(st, a->fn, args, NULL) : NULL;
        Py_XDECREF(args);
    }
    return *out ? STEP_AWAIT : STEP_ERROR;
}

static step_result
enumerate_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        *out = anext_of(s->o[0]);
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    *out = PyTuple_Pack(2, s->o[1], value);
    return *out ? STEP_DONE : STEP_ERROR;
}

/* An item from a __next__ that blocks: its coroutine awaited, and the
 * StopIteration it let out (carried as a value, PEP 479) the end. */
static step_result
face_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out);
    }
    if (pyrun_reraise_stopped(st, value) < 0) {
        if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
            PyErr_Clear();
            PyErr_SetNone(PyExc_StopAsyncIteration);
        }
        return STEP_ERROR;
    }
    *out = Py_NewRef(value);
    return STEP_DONE;
}

static step_result
stdin_line_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value == NULL) {
        *out = pyrun_stdin_readline_awaitable(st, -1);
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    if (PyUnicode_GetLength(value) == 0) {
        PyErr_SetNone(PyExc_StopAsyncIteration);
        return STEP_ERROR;
    }
    *out = Py_NewRef(value);
    return STEP_DONE;
}

static PyObject *
ai_anext(AsyncIter *a)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)a));
    if (st == NULL) {
        return NULL;
    }
    pyrun_step *s;
    switch (a->mode) {
    case AI_SYNC: {
        /* sent None rather than next(): a generator's return value is kept,
         * for `x = yield from gen` in a generator that blocks */
        PyObject *item = NULL;
        PySendResult sent = PyIter_Send(a->source, Py_None, &item);
        if (sent == PYGEN_NEXT) {
            PyObject *r = pyrun_ready(st, item);
            Py_DECREF(item);
            return r;
        }
        if (sent == PYGEN_ERROR) {
            return NULL;
        }
        Py_XSETREF(a->returned, item);
        return (PyObject *)pyrun_step_new(st, stop_async, NULL);
    }
    case AI_STDIN:
        return (PyObject *)pyrun_step_new(st, stdin_line_next, NULL);
    case AI_FACE_NEXT: {
        /* looked up at each step, as the interpreter does: it may have
         * been replaced or deleted meanwhile */
        PyObject *next = PyObject_GetAttrString((PyObject *)Py_TYPE(a->source), "__next__");
        if (next == NULL) {
            PyObject *name = PyErr_ExceptionMatches(PyExc_AttributeError) ? PyType_GetName(Py_TYPE(a->source)) : NULL;
            if (name != NULL) {
                PyErr_Format(PyExc_TypeError, "'%U' object is not an iterator", name);
                Py_DECREF(name);
            }
            return NULL;
        }
        Py_SETREF(a->fn, next);
        PyObject *args = PyTuple_Pack(1, a->source);
        PyObject *coro = args ? pyrun_call_maybe(st, a->fn, args, NULL) : NULL;
        Py_XDECREF(args);
        if (coro == NULL && PyErr_ExceptionMatches(PyExc_StopIteration)) {
            PyErr_Clear(); /* a plain __next__ now */
            PyErr_SetNone(PyExc_StopAsyncIteration);
        }
        s = coro ? pyrun_step_new(st, face_next, NULL) : NULL;
        if (s == NULL) {
            Py_XDECREF(coro);
            return NULL;
        }
        s->o[0] = coro;
        return (PyObject *)s;
    }
    case AI_MAP:
        s = pyrun_step_new(st, map_next, a->state ? zip_strict_error : NULL);
        if (s == NULL) {
            return NULL;
        }
        s->o[MAP_ITEMS] = PyList_New(0);
        s->o[MAP_AIT] = Py_NewRef(a->source);
        s->o[MAP_FN] = Py_XNewRef(a->fn);
        if (s->o[MAP_ITEMS] == NULL) {
            Py_DECREF(s);
            return NULL;
        }
        return (PyObject *)s;
    case AI_FILTER:
        s = pyrun_step_new(st, filter_next, NULL);
        if (s != NULL) {
            s->o[FILTER_AIT] = Py_NewRef(a->source);
            s->o[FILTER_FN] = Py_NewRef(a->fn);
        }
        return (PyObject *)s;
    case AI_LATE:
        if (a->fn != NULL) {
            return anext_of(a->fn);
        }
        if (a->state++) {
            PyErr_SetString(PyExc_RuntimeError, "the iterator is still being made by its __iter__");
            return NULL;
        }
        s = pyrun_step_new(st, late_next, NULL);
        if (s != NULL) {
            s->o[0] = Py_NewRef((PyObject *)a);
        }
        return (PyObject *)s;
    case AI_STARMAP:
    case AI_FILTERFALSE:
    case AI_TAKEWHILE:
    case AI_DROPWHILE:
    case AI_ACCUMULATE:
        if (a->mode == AI_TAKEWHILE && a->state) {
            return (PyObject *)pyrun_step_new(st, stop_async, NULL);
        }
        s = pyrun_step_new(st, a->mode == AI_STARMAP      ? starmap_next
                               : a->mode == AI_ACCUMULATE ? accumulate_next
                                                          : predicate_next,
                           NULL);
        if (s != NULL) {
            s->o[IT_SELF] = Py_NewRef((PyObject *)a);
        }
        return (PyObject *)s;
    case AI_ENUMERATE: {
        /* the count is a->fn: this item's, then the next one's */
        PyObject *one = PyLong_FromLong(1);
        PyObject *next = one ? PyNumber_Add(a->fn, one) : NULL;
        Py_XDECREF(one);
        s = next ? pyrun_step_new(st, enumerate_next, NULL) : NULL;
        if (s == NULL) {
            Py_XDECREF(next);
            return NULL;
        }
        s->o[0] = Py_NewRef(a->source);
        s->o[1] = a->fn; /* moved */
        a->fn = next;
        return (PyObject *)s;
    }
    }
    return NULL;
}

/* Code pyrun does not rewrite may iterate one too (a, *rest = map(f, xs),
 * g(*it), `x in it`): each item is then waited for synchronously. */
static PyObject *
ai_next(AsyncIter *a)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)a));
    PyObject *aw = st ? ai_anext(a) : NULL;
    PyObject *what = aw ? PyUnicode_FromString("an iterator over items that block") : NULL;
    if (what == NULL) {
        Py_XDECREF(aw);
        return NULL;
    }
    PyObject *r = pyrun_wait_synchronously(
        st, aw, what, "items that block, iterated by code that pyrun does not rewrite, cannot be awaited");
    Py_DECREF(what);
    if (r == NULL && PyErr_ExceptionMatches(PyExc_StopAsyncIteration)) {
        PyErr_Clear();
    }
    return r;
}

static PyType_Slot ai_slots[] = {
    {Py_tp_dealloc, ai_dealloc},
    {Py_tp_traverse, ai_traverse},
    {Py_tp_clear, ai_clear},
    {Py_am_aiter, pyrun_return_self},
    {Py_am_anext, ai_anext},
    {Py_tp_iter, pyrun_return_self},
    {Py_tp_iternext, ai_next},
    {0, NULL},
};

static PyType_Spec ai_spec = {
    .name = "pyrun.AsyncIterator",
    .basicsize = sizeof(AsyncIter),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = ai_slots,
};

int
pyrun_iterate_register(PyObject *module, pyrun_state *st)
{
    st->aiter_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &ai_spec, NULL);
    return st->aiter_type == NULL ? -1 : 0;
}

static PyObject *
ai_new(pyrun_state *st, ai_mode mode, PyObject *source, PyObject *fn)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->aiter_type, Py_tp_alloc);
    AsyncIter *a = (AsyncIter *)alloc(st->aiter_type, 0);
    if (a == NULL) {
        return NULL;
    }
    a->mode = mode;
    a->source = Py_XNewRef(source);
    a->fn = Py_XNewRef(fn);
    return (PyObject *)a;
}

/* For an iterator whose __next__ blocks, the async iterator that awaits
 * it; NULL without an exception for any other. */
static PyObject *
face_next_aiter(pyrun_state *st, PyObject *it)
{
    PyObject *next = PyObject_GetAttrString((PyObject *)Py_TYPE(it), "__next__");
    if (next == NULL) {
        PyErr_Clear(); /* not an iterator: iter() or next() says so */
        return NULL;
    }
    PyObject *a = pyrun_is_face(st, next) ? ai_new(st, AI_FACE_NEXT, it, next) : NULL;
    Py_DECREF(next);
    return a;
}

/* What a colored __iter__ gives, called on obj: the awaitable of its
 * result, or the async generator of a generator method; NULL without an
 * exception for any other __iter__. */
static PyObject *
blocking_iter_call(pyrun_state *st, PyObject *obj)
{
    PyObject *method = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__iter__");
    if (method == NULL) {
        PyErr_Clear(); /* iter() says what is wrong */
        return NULL;
    }
    PyObject *r = NULL;
    if (pyrun_is_face(st, method)) {
        PyObject *args = PyTuple_Pack(1, obj);
        r = args ? pyrun_face_call_async(st, method, args, NULL) : NULL;
        Py_XDECREF(args);
    }
    Py_DECREF(method);
    return r;
}

/* The async iterator for any iterable: its own __aiter__, async lines for
 * the host's stdin, an __iter__ that blocks awaited, otherwise its plain
 * iterator adapted. */
static PyObject *
to_aiter(pyrun_state *st, PyObject *iterable)
{
    if (pyrun_sync_gen_async(st, iterable) != NULL) {
        return Py_NewRef(iterable); /* a colored generator: async iterable itself */
    }
    if (PyObject_HasAttrString(iterable, "__aiter__")) {
        return PyObject_CallMethod(iterable, "__aiter__", NULL);
    }
    if (pyrun_is_host_stdin(st, iterable)) {
        return ai_new(st, AI_STDIN, NULL, NULL);
    }
    PyObject *late = blocking_iter_call(st, iterable);
    if (late != NULL && (PyObject *)Py_TYPE(late) == st->async_gen_type) {
        return late; /* a generator method that blocks */
    }
    if (late != NULL || PyErr_Occurred()) {
        PyObject *a = late ? ai_new(st, AI_LATE, late, NULL) : NULL;
        Py_XDECREF(late);
        return a;
    }
    PyObject *it = PyObject_GetIter(iterable);
    if (it == NULL) {
        return NULL;
    }
    PyObject *a = aiter_of_iterator(st, it);
    Py_DECREF(it);
    return a;
}

/* The async iterator over an iterator: a colored generator's own, one
 * that awaits a __next__ that blocks, or the iterator adapted. */
static PyObject *
aiter_of_iterator(pyrun_state *st, PyObject *it)
{
    Py_INCREF(it);
    PyObject *agen = pyrun_sync_gen_async(st, it);
    if (agen != NULL) {
        /* __iter__ is a generator method that blocks */
        Py_INCREF(agen);
        Py_DECREF(it);
        return agen;
    }
    PyObject *a = face_next_aiter(st, it);
    if (a == NULL && !PyErr_Occurred()) {
        a = ai_new(st, AI_SYNC, it, NULL);
    }
    Py_DECREF(it);
    return a;
}

PyObject *
pyrun_stop_async(pyrun_state *st)
{
    return (PyObject *)pyrun_step_new(st, stop_async, NULL);
}

/* returned(it): after `async for` over aiter(X) has ended, what X
 * returned, as the value of `yield from X`. */
PyObject *
pyrun_helper_returned(PyObject *module, PyObject *it)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *value = pyrun_delegate_returned(st, it);
    if (value == NULL && !PyErr_Occurred()) {
        value = pyrun_sync_gen_returned(st, it);
    }
    if (value != NULL || PyErr_Occurred()) {
        return value;
    }
    if (Py_TYPE(it) == st->aiter_type && ((AsyncIter *)it)->mode == AI_SYNC &&
        ((AsyncIter *)it)->returned != NULL) {
        return Py_NewRef(((AsyncIter *)it)->returned);
    }
    Py_RETURN_NONE;
}

PyObject *
pyrun_helper_aiter(PyObject *module, PyObject *iterable)
{
    pyrun_state *st = pyrun_get_state(module);
    return st ? to_aiter(st, iterable) : NULL;
}

/* ---- the builtins themselves, where nothing blocks ------------------------ */

/* The transform makes these lazy builtins pyrun's where the analysis
 * says their items or function may block; at run time they may not (the
 * same code also runs over plain lists). Then the builtin's own iterator
 * is given, of the builtin's own type (picklable, with its repr and
 * __length_hint__), over the iterators already made. */

static int
is_plain_source(pyrun_state *st, PyObject *ait)
{
    return Py_TYPE(ait) == st->aiter_type && ((AsyncIter *)ait)->mode == AI_SYNC;
}

/* A callable whose call cannot give a colored coroutine: a builtin, a
 * builtin type, a plain function or a method of one (colored ones are
 * faces), but none that pyrun calls in an async form (str, time.sleep). */
static int
is_plain_callable(pyrun_state *st, PyObject *fn)
{
    if (fn != NULL && pyrun_call_is_special(st, fn)) {
        return 0;
    }
    if (fn == NULL || fn == Py_None || PyCFunction_Check(fn) || (PyObject *)Py_TYPE(fn) == st->function_type) {
        return 1;
    }
    if (PyType_Check(fn)) {
        return !PyType_HasFeature((PyTypeObject *)fn, Py_TPFLAGS_HEAPTYPE);
    }
    if ((PyObject *)Py_TYPE(fn) == st->method_type) {
        PyObject *func = PyObject_GetAttrString(fn, "__func__");
        int plain = func != NULL && (PyObject *)Py_TYPE(func) == st->function_type;
        Py_XDECREF(func);
        PyErr_Clear();
        return plain;
    }
    return 0;
}

static const char *const BUILTIN_OF[] = {
    [AI_MAP] = "map", [AI_FILTER] = "filter", [AI_ENUMERATE] = "enumerate",
    [AI_STARMAP] = "starmap", [AI_FILTERFALSE] = "filterfalse", [AI_TAKEWHILE] = "takewhile",
    [AI_DROPWHILE] = "dropwhile", [AI_ACCUMULATE] = "accumulate",
};

/* a (stolen), or the builtin's iterator when none of it can block. */
static PyObject *
plain_if_possible(pyrun_state *st, PyObject *ai)
{
    AsyncIter *a = (AsyncIter *)ai;
    if (ai == NULL) {
        return NULL;
    }
    int zip = a->mode == AI_MAP && a->fn == NULL;
    PyObject *sources = PyTuple_Check(a->source) ? a->source : NULL;
    Py_ssize_t n = sources ? PyTuple_Size(sources) : 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!is_plain_source(st, sources ? PyTuple_GetItem(sources, i) : a->source)) {
            return ai;
        }
    }
    if (a->mode != AI_ENUMERATE && !is_plain_callable(st, a->fn)) {
        return ai;
    }
    /* (fn, *iterators), (iterator, count), (iterator[, fn]) */
    int fn_first = !zip && a->mode != AI_ENUMERATE && a->mode != AI_ACCUMULATE;
    int fn_after = a->mode == AI_ENUMERATE || (a->mode == AI_ACCUMULATE && a->fn != Py_None);
    PyObject *args = PyTuple_New(n + fn_first + fn_after);
    for (Py_ssize_t i = 0; args != NULL && i < n; i++) {
        AsyncIter *src = (AsyncIter *)(sources ? PyTuple_GetItem(sources, i) : a->source);
        PyTuple_SetItem(args, i + fn_first, Py_NewRef(src->source));
    }
    if (args != NULL && (fn_first || fn_after)) {
        PyTuple_SetItem(args, fn_first ? 0 : n, Py_NewRef(a->fn));
    }
    /* zip's strict=True, accumulate's initial= */
    int keyword = (zip || a->mode == AI_ACCUMULATE) && a->state;
    PyObject *kwargs = !keyword || args == NULL ? NULL
                       : zip                    ? Py_BuildValue("{sO}", "strict", Py_True)
                                                : Py_BuildValue("{sO}", "initial", a->total);
    const char *name = zip ? "zip" : BUILTIN_OF[a->mode];
    PyObject *module = args && (kwargs || !keyword) ? pyrun_import(a->mode >= AI_STARMAP ? "itertools" : "builtins")
                                                    : NULL;
    PyObject *fn = module ? PyObject_GetAttrString(module, name) : NULL;
    PyObject *r = fn ? PyObject_Call(fn, args, kwargs) : NULL;
    Py_XDECREF(module);
    Py_XDECREF(fn);
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    Py_DECREF(ai);
    return r;
}

/* map(fn, *iterables) */
PyObject *
pyrun_helper_map(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (PyTuple_Size(args) < 2) {
        PyErr_SetString(PyExc_TypeError, "map() must have at least two arguments.");
        return NULL;
    }
    Py_ssize_t n = PyTuple_Size(args) - 1;
    PyObject *sources = PyTuple_New(n);
    for (Py_ssize_t i = 0; sources && i < n; i++) {
        PyObject *a = to_aiter(st, PyTuple_GetItem(args, i + 1));
        if (a == NULL) {
            Py_CLEAR(sources);
            break;
        }
        PyTuple_SetItem(sources, i, a);
    }
    PyObject *r = sources ? ai_new(st, AI_MAP, sources, PyTuple_GetItem(args, 0)) : NULL;
    Py_XDECREF(sources);
    return plain_if_possible(st, r);
}

static step_result
iter_made(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out);
    }
    if (check_iterator(value) < 0) {
        return STEP_ERROR;
    }
    *out = Py_NewRef(value);
    return STEP_DONE;
}

/* Awaitable of iter(iterable), with an __iter__ that blocks awaited: the
 * iterator itself, as iter() gives it (its items are awaited where it is
 * consumed). iter(callable, sentinel) is the builtin's. */
PyObject *
pyrun_helper_iter(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *late = PyTuple_Size(args) == 1 ? blocking_iter_call(st, PyTuple_GetItem(args, 0)) : NULL;
    if (late != NULL && (PyObject *)Py_TYPE(late) != st->async_gen_type) {
        pyrun_step *s = pyrun_step_new(st, iter_made, NULL);
        if (s == NULL) {
            Py_DECREF(late);
            return NULL;
        }
        s->o[0] = late;
        return (PyObject *)s;
    }
    Py_XDECREF(late); /* a generator method's: made again by iter(), as a pyrun generator */
    if (PyErr_Occurred()) {
        return NULL;
    }
    PyObject *builtins = pyrun_import("builtins");
    PyObject *iter = builtins ? PyObject_GetAttrString(builtins, "iter") : NULL;
    PyObject *r = iter ? PyObject_Call(iter, args, NULL) : NULL;
    Py_XDECREF(builtins);
    Py_XDECREF(iter);
    return pyrun_maybe_steal(st, r);
}

/* zip(*iterables, strict=False): map's pulling, one item of each in
 * turn, made a tuple. */
PyObject *
pyrun_helper_zip(PyObject *module, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    static char *kwlist[] = {"strict", NULL};
    PyObject *empty = PyTuple_New(0);
    int strict = 0;
    int ok = empty && PyArg_ParseTupleAndKeywords(empty, kwargs, "|p:zip", kwlist, &strict);
    Py_XDECREF(empty);
    if (!ok) {
        return NULL;
    }
    Py_ssize_t n = PyTuple_Size(args);
    PyObject *sources = PyTuple_New(n);
    for (Py_ssize_t i = 0; sources && i < n; i++) {
        PyObject *a = to_aiter(st, PyTuple_GetItem(args, i));
        if (a == NULL) {
            Py_CLEAR(sources);
            break;
        }
        PyTuple_SetItem(sources, i, a);
    }
    PyObject *r = sources ? ai_new(st, AI_MAP, sources, NULL) : NULL;
    Py_XDECREF(sources);
    if (r != NULL) {
        ((AsyncIter *)r)->state = strict;
    }
    return plain_if_possible(st, r);
}

/* filter(fn, iterable) */
PyObject *
pyrun_helper_filter(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *fn, *iterable;
    if (st == NULL || !PyArg_ParseTuple(args, "OO:filter", &fn, &iterable)) {
        return NULL;
    }
    PyObject *a = to_aiter(st, iterable);
    PyObject *r = a ? ai_new(st, AI_FILTER, a, fn) : NULL;
    Py_XDECREF(a);
    return plain_if_possible(st, r);
}

/* starmap(fn, iterable), filterfalse/takewhile/dropwhile(predicate, iterable) */
static PyObject *
itertool(PyObject *module, PyObject *args, ai_mode mode, const char *format)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *fn, *iterable;
    if (st == NULL || !PyArg_ParseTuple(args, format, &fn, &iterable)) {
        return NULL;
    }
    PyObject *a = to_aiter(st, iterable);
    PyObject *r = a ? ai_new(st, mode, a, fn) : NULL;
    Py_XDECREF(a);
    return plain_if_possible(st, r);
}

PyObject *
pyrun_helper_starmap(PyObject *module, PyObject *args)
{
    return itertool(module, args, AI_STARMAP, "OO:starmap");
}

PyObject *
pyrun_helper_filterfalse(PyObject *module, PyObject *args)
{
    return itertool(module, args, AI_FILTERFALSE, "OO:filterfalse");
}

PyObject *
pyrun_helper_takewhile(PyObject *module, PyObject *args)
{
    return itertool(module, args, AI_TAKEWHILE, "OO:takewhile");
}

PyObject *
pyrun_helper_dropwhile(PyObject *module, PyObject *args)
{
    return itertool(module, args, AI_DROPWHILE, "OO:dropwhile");
}

/* accumulate(iterable, func=None, *, initial=None) */
PyObject *
pyrun_helper_accumulate(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"iterable", "func", "initial", NULL};
    pyrun_state *st = pyrun_get_state(module);
    PyObject *iterable, *fn = Py_None, *initial = Py_None;
    if (st == NULL ||
        !PyArg_ParseTupleAndKeywords(args, kwargs, "O|O$O:accumulate", kwlist, &iterable, &fn, &initial)) {
        return NULL;
    }
    PyObject *a = to_aiter(st, iterable);
    AsyncIter *r = a ? (AsyncIter *)ai_new(st, AI_ACCUMULATE, a, fn) : NULL;
    Py_XDECREF(a);
    if (r != NULL && initial != Py_None) {
        r->total = Py_NewRef(initial);
        r->state = 1;
    }
    return plain_if_possible(st, (PyObject *)r);
}

/* enumerate(iterable, start=0) */
PyObject *
pyrun_helper_enumerate(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"iterable", "start", NULL};
    pyrun_state *st = pyrun_get_state(module);
    PyObject *iterable, *start = NULL;
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:enumerate", kwlist, &iterable, &start)) {
        return NULL;
    }
    /* any int, as enumerate counts (past sys.maxsize too) */
    PyObject *count = start ? PyNumber_Index(start) : PyLong_FromLong(0);
    PyObject *a = count ? to_aiter(st, iterable) : NULL;
    PyObject *r = a ? ai_new(st, AI_ENUMERATE, a, count) : NULL;
    Py_XDECREF(a);
    Py_XDECREF(count);
    return plain_if_possible(st, r);
}

/* ---- consumers ------------------------------------------------------------ */

/* Slots shared by consumers: o[0] the async iterator, o[1] the key or
 * function, o[2] items, o[3] keys, o[4] the current item. */
enum { C_AIT, C_FN, C_ITEMS, C_KEYS, C_ITEM, C_EXTRA };
/* FINISHING: awaiting the builtin's own call over what was collected,
 * replayed (aio/replay.c), as comparisons may reach colored code. */
enum { PULLING, KEYING, FINISHING };

static step_result
pull(pyrun_step *s, PyObject **out)
{
    s->phase = PULLING;
    *out = anext_of(s->o[C_AIT]);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

/* Error hook of consumers: the end of the items is not an error. */
typedef step_result (*end_fn)(pyrun_step *s, PyObject **out);

static step_result
consumer_error(pyrun_step *s, PyObject **out, end_fn end)
{
    if (s->phase == PULLING && PyErr_ExceptionMatches(PyExc_StopAsyncIteration)) {
        PyErr_Clear();
        return end(s, out);
    }
    return STEP_ERROR;
}

static pyrun_step *
consumer(pyrun_state *st, PyObject *iterable, PyObject *fn, step_next_fn next, step_error_fn error)
{
    PyObject *a = to_aiter(st, iterable);
    if (a == NULL) {
        return NULL;
    }
    pyrun_step *s = pyrun_step_new(st, next, error);
    if (s == NULL) {
        Py_DECREF(a);
        return NULL;
    }
    s->o[C_AIT] = a;
    s->o[C_FN] = Py_XNewRef(fn);
    s->o[C_ITEMS] = PyList_New(0);
    s->o[C_KEYS] = PyList_New(0);
    if (s->o[C_ITEMS] == NULL || s->o[C_KEYS] == NULL) {
        Py_DECREF(s);
        return NULL;
    }
    return s;
}

/* any / all: s->i is 1 for any, 0 for all. */
static step_result
truth_end(pyrun_step *s, PyObject **out)
{
    *out = PyBool_FromLong(!s->i);
    return STEP_DONE;
}

static step_result
truth_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value != NULL) {
        int t = PyObject_IsTrue(value);
        if (t < 0) {
            return STEP_ERROR;
        }
        if (t == s->i) {
            *out = PyBool_FromLong(s->i);
            return STEP_DONE;
        }
    }
    return pull(s, out);
}

static step_result
truth_error(pyrun_step *s, PyObject **out)
{
    return consumer_error(s, out, truth_end);
}

static PyObject *
truth(PyObject *module, PyObject *iterable, int is_any)
{
    pyrun_state *st = pyrun_get_state(module);
    pyrun_step *s = st ? consumer(st, iterable, NULL, truth_next, truth_error) : NULL;
    if (s != NULL) {
        s->i = is_any;
    }
    return (PyObject *)s;
}

PyObject *
pyrun_helper_any(PyObject *module, PyObject *iterable)
{
    return truth(module, iterable, 1);
}

PyObject *
pyrun_helper_all(PyObject *module, PyObject *iterable)
{
    return truth(module, iterable, 0);
}

/* unpack(iterable, n): its items as a list, for `a, b = it` (n targets:
 * n + 1 items at most, so that unpacking then fails as it would) or
 * `a, *rest = it` and g(*it) (n < 0: all of them). */
static step_result
unpack_end(pyrun_step *s, PyObject **out)
{
    *out = Py_NewRef(s->o[C_ITEMS]);
    return STEP_DONE;
}

static step_result
unpack_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value != NULL && PyList_Append(s->o[C_ITEMS], value) < 0) {
        return STEP_ERROR;
    }
    if (s->i >= 0 && PyList_Size(s->o[C_ITEMS]) > s->i) {
        return unpack_end(s, out);
    }
    return pull(s, out);
}

static step_result
unpack_error(pyrun_step *s, PyObject **out)
{
    return consumer_error(s, out, unpack_end);
}

PyObject *
pyrun_helper_unpack(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *iterable;
    Py_ssize_t n;
    if (st == NULL || !PyArg_ParseTuple(args, "On:unpack", &iterable, &n)) {
        return NULL;
    }
    pyrun_step *s = consumer(st, iterable, NULL, unpack_next, unpack_error);
    if (s != NULL) {
        s->i = n;
    }
    return (PyObject *)s;
}

/* contains(x, iterable): `x in it`, pulling items until one equals x
 * (x first, as `in` evaluates it first). */
static step_result
contains_end(pyrun_step *s, PyObject **out)
{
    *out = Py_NewRef(Py_False);
    return STEP_DONE;
}

static step_result
contains_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value != NULL) {
        /* as `in` compares: identity first, then == */
        int eq = value == s->o[C_FN] ? 1 : PyObject_RichCompareBool(value, s->o[C_FN], Py_EQ);
        if (eq < 0) {
            return STEP_ERROR;
        }
        if (eq) {
            *out = Py_NewRef(Py_True);
            return STEP_DONE;
        }
    }
    return pull(s, out);
}

static step_result
contains_error(pyrun_step *s, PyObject **out)
{
    return consumer_error(s, out, contains_end);
}

/* bool() of what a __contains__ that blocks returned, as `in` gives it */
static step_result
truth_of(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out);
    }
    int truth = PyObject_IsTrue(value);
    if (truth < 0) {
        return STEP_ERROR;
    }
    *out = Py_NewRef(truth ? Py_True : Py_False);
    return STEP_DONE;
}

PyObject *
pyrun_helper_contains(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *iterable, *x;
    if (st == NULL || !PyArg_ParseTuple(args, "OO:contains", &x, &iterable)) {
        return NULL;
    }
    /* `in` asks __contains__ first, and iterates only without one */
    PyObject *method = PyObject_GetAttrString((PyObject *)Py_TYPE(iterable), "__contains__");
    if (method == NULL) {
        PyErr_Clear();
    }
    else if (pyrun_is_face(st, method)) {
        PyObject *call_args = PyTuple_Pack(2, iterable, x);
        PyObject *coro = call_args ? pyrun_face_call_async(st, method, call_args, NULL) : NULL;
        Py_XDECREF(call_args);
        pyrun_step *s = coro ? pyrun_step_new(st, truth_of, NULL) : NULL;
        Py_DECREF(method);
        if (s == NULL) {
            Py_XDECREF(coro);
            return NULL;
        }
        s->o[0] = coro;
        return (PyObject *)s;
    }
    else {
        Py_DECREF(method);
        if (PyList_CheckExact(iterable) || PyTuple_CheckExact(iterable)) {
            /* its items' __eq__ may block: searched as list_contains does */
            return pyrun_operators_search(st, iterable, x);
        }
        int found = PySequence_Contains(iterable, x);
        return found < 0 ? NULL : pyrun_ready(st, found ? Py_True : Py_False);
    }
    return (PyObject *)consumer(st, iterable, x, contains_next, contains_error);
}

/* next(it[, default]): resolves to the item, or the default. Exhaustion
 * without a default resolves to the EXHAUSTED marker, which
 * check_next() turns into StopIteration in the caller's frame (an
 * awaitable cannot raise StopIteration: that is how it returns). */
static step_result
next_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pull(s, out);
    }
    *out = Py_NewRef(value);
    return STEP_DONE;
}

static step_result
next_end(pyrun_step *s, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    PyObject *returned = st ? pyrun_sync_gen_returned(st, s->o[C_AIT]) : NULL;
    if (returned == NULL && PyErr_Occurred()) {
        return STEP_ERROR;
    }
    PyObject *exhausted = returned && returned != Py_None ? PyObject_GetAttrString(st->helpers, "EXHAUSTED") : NULL;
    if (exhausted != NULL && exhausted == s->o[C_EXTRA]) {
        /* no default: StopIteration with what the generator returned */
        PyObject *exc = PyObject_CallOneArg_compat(PyExc_StopIteration, returned);
        PyObject *module = exc ? PyType_GetModule(Py_TYPE((PyObject *)s)) : NULL;
        *out = module ? pyrun_helper_stopped(module, exc) : NULL;
        Py_XDECREF(exc);
    }
    else {
        *out = Py_NewRef(s->o[C_EXTRA]);
    }
    Py_XDECREF(exhausted);
    Py_XDECREF(returned);
    return *out ? STEP_DONE : STEP_ERROR;
}

static step_result
next_error(pyrun_step *s, PyObject **out)
{
    return consumer_error(s, out, next_end);
}

PyObject *
pyrun_helper_next(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *it, *dflt = NULL;
    if (st == NULL || !PyArg_UnpackTuple(args, "next", 1, 2, &it, &dflt)) {
        return NULL;
    }
    /* an async iterator, an iterator whose __next__ blocks, or a plain one */
    PyObject *ait = PyObject_HasAttrString(it, "__anext__") ? Py_NewRef(it) : face_next_aiter(st, it);
    if (ait == NULL && PyErr_Occurred()) {
        return NULL;
    }
    if (ait == NULL) {
        PyObject *item = PyIter_Next(it);
        if (item == NULL && !PyErr_Occurred()) {
            item = dflt ? Py_NewRef(dflt) : PyObject_GetAttrString(st->helpers, "EXHAUSTED");
        }
        return pyrun_maybe_steal(st, item);
    }
    pyrun_step *s = pyrun_step_new(st, next_next, next_error);
    if (s == NULL) {
        Py_XDECREF(ait);
        return NULL;
    }
    s->o[C_AIT] = ait;
    s->o[C_EXTRA] = dflt ? Py_NewRef(dflt) : PyObject_GetAttrString(st->helpers, "EXHAUSTED");
    if (s->o[C_EXTRA] == NULL) {
        Py_DECREF(s);
        return NULL;
    }
    return (PyObject *)s;
}

/* resume(g, method, *args): g.send(v), g.throw(...) or g.close() where g
 * may be a generator that blocks. Resolves to what it yields next (None
 * for close), or, once it ends, to what check_next() raises in the
 * caller: StopIteration with what it returned. */
static step_result
resume_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        s->phase = PULLING;
        *out = Py_NewRef(s->o[C_FN]);
        return STEP_AWAIT;
    }
    *out = Py_NewRef(value);
    return STEP_DONE;
}

static step_result
resume_error(pyrun_step *s, PyObject **out)
{
    step_result r = next_error(s, out);
    if (r == STEP_ERROR) {
        pyrun_rename_ignored_exit();
    }
    return r;
}

PyObject *
pyrun_helper_resume(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *g = PyTuple_Size(args) >= 2 ? PyTuple_GetItem(args, 0) : NULL;
    PyObject *method = g ? PyTuple_GetItem(args, 1) : NULL;
    if (method == NULL || !PyUnicode_Check(method)) {
        PyErr_SetString(PyExc_TypeError, "resume(generator, method, *args)");
        return NULL;
    }
    PyObject *rest = PyTuple_GetSlice(args, 2, PyTuple_Size(args));
    if (rest == NULL) {
        return NULL;
    }
    PyObject *r = NULL;
    if (pyrun_sync_gen_async(st, g) != NULL) {
        int close = PyUnicode_CompareWithASCIIString(method, "close") == 0;
        int throw = PyUnicode_CompareWithASCIIString(method, "throw") == 0;
        PyObject *agen = pyrun_sync_gen_async(st, g);
        PyObject *frame = throw ? PyObject_GetAttrString(agen, "ag_frame") : NULL;
        if (frame == Py_None) {
            r = pyrun_raise_thrown(rest); /* as a finished generator does */
        }
        else if (!throw || frame != NULL) {
            PyObject *aw = pyrun_sync_gen_resume(st, g, close ? "aclose" : throw ? "athrow" : "asend", rest);
            pyrun_step *s = aw ? pyrun_step_new(st, resume_next, resume_error) : NULL;
            if (s != NULL) {
                s->o[C_AIT] = Py_NewRef(g);
                s->o[C_FN] = Py_NewRef(aw);
                s->o[C_EXTRA] = close ? Py_NewRef(Py_None) : PyObject_GetAttrString(st->helpers, "EXHAUSTED");
                if (s->o[C_EXTRA] == NULL) {
                    Py_CLEAR(s);
                }
            }
            Py_XDECREF(aw);
            r = (PyObject *)s;
        }
        Py_XDECREF(frame);
    }
    else {
        /* a plain generator after all: resumed here */
        PyObject *fn = PyObject_GetAttr(g, method);
        PyObject *value = fn ? PyObject_Call(fn, rest, NULL) : NULL;
        Py_XDECREF(fn);
        if (value == NULL && PyErr_ExceptionMatches(PyExc_StopIteration)) {
            PyObject *type, *exc, *tb;
            PyErr_Fetch(&type, &exc, &tb);
            PyErr_NormalizeException(&type, &exc, &tb);
            if (exc != NULL && tb != NULL) {
                PyException_SetTraceback(exc, tb);
            }
            value = exc ? pyrun_helper_stopped(module, exc) : NULL;
            Py_XDECREF(type);
            Py_XDECREF(exc);
            Py_XDECREF(tb);
        }
        r = pyrun_maybe_steal(st, value);
    }
    Py_DECREF(rest);
    return r;
}

/* Collect items and, with a key function, their keys (awaited if
 * colored). `end` gets them all. */
static step_result finished(pyrun_step *s, PyObject *value, PyObject **out);

static step_result
collect_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (s->phase == FINISHING) {
        return finished(s, value, out);
    }
    if (value != NULL && s->phase == PULLING) {
        if (PyList_Append(s->o[C_ITEMS], value) < 0) {
            return STEP_ERROR;
        }
        if (s->o[C_FN] != NULL && s->o[C_FN] != Py_None) {
            PyObject *args = PyTuple_Pack(1, value);
            *out = args ? pyrun_call_maybe(st, s->o[C_FN], args, NULL) : NULL;
            Py_XDECREF(args);
            s->phase = KEYING;
            return *out ? STEP_AWAIT : STEP_ERROR;
        }
    }
    else if (value != NULL && PyList_Append(s->o[C_KEYS], value) < 0) {
        return STEP_ERROR;
    }
    return pull(s, out);
}

/* What the collected items are finished with, once the builtin's call
 * over them is done. */
typedef enum { F_LIST, F_ORDER, F_SORT, F_INDEX } finish_kind;

/* Awaits builtins.<name>(*args, **kwargs) replayed (steals args and
 * kwargs); o[C_ITEM] keeps what its result is finished with. */
static step_result
finish_with(pyrun_step *s, const char *name, PyObject *args, PyObject *kwargs, finish_kind kind, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    PyObject *builtins = st && args ? pyrun_import("builtins") : NULL;
    PyObject *fn = builtins ? PyObject_GetAttrString(builtins, name) : NULL;
    *out = fn ? pyrun_replay_call(st, fn, args, kwargs, NULL) : NULL;
    Py_XDECREF(builtins);
    Py_XDECREF(fn);
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    s->phase = FINISHING;
    Py_XSETREF(s->o[C_ITEM], PyLong_FromLong(kind));
    return *out && s->o[C_ITEM] ? STEP_AWAIT : STEP_ERROR;
}

/* The order of the items by their keys: sorted(range(n),
 * key=keys.__getitem__, reverse=r), stable as sorted is. */
static step_result
finish_by_keys(pyrun_step *s, const char *name, int reverse, finish_kind kind, PyObject **out)
{
    PyObject *builtins = pyrun_import("builtins");
    PyObject *range = builtins ? PyObject_CallMethod(builtins, "range", "n", PyList_Size(s->o[C_ITEMS])) : NULL;
    PyObject *getter = range ? PyObject_GetAttrString(s->o[C_KEYS], "__getitem__") : NULL;
    PyObject *args = getter ? PyTuple_Pack(1, range) : NULL;
    PyObject *kwargs = NULL;
    if (args != NULL) {
        kwargs = kind == F_INDEX ? Py_BuildValue("{sO}", "key", getter)
                                 : Py_BuildValue("{sOsO}", "key", getter, "reverse", reverse ? Py_True : Py_False);
    }
    Py_XDECREF(builtins);
    Py_XDECREF(range);
    Py_XDECREF(getter);
    if (kwargs == NULL) {
        Py_XDECREF(args);
        return STEP_ERROR;
    }
    return finish_with(s, name, args, kwargs, kind, out);
}

/* The items in `order` (a list of indices). */
static PyObject *
items_in_order(pyrun_step *s, PyObject *order)
{
    PyObject *result = PyList_New(PyList_Size(order));
    for (Py_ssize_t i = 0; result && i < PyList_Size(order); i++) {
        Py_ssize_t j = PyLong_AsSsize_t(PyList_GetItem(order, i));
        PyList_SetItem(result, i, Py_NewRef(PyList_GetItem(s->o[C_ITEMS], j)));
    }
    return result;
}

static step_result
finished(pyrun_step *s, PyObject *value, PyObject **out)
{
    finish_kind kind = (finish_kind)PyLong_AsLong(s->o[C_ITEM]);
    switch (kind) {
    case F_LIST:
        *out = Py_NewRef(value);
        return STEP_DONE;
    case F_ORDER:
        *out = items_in_order(s, value);
        return *out ? STEP_DONE : STEP_ERROR;
    case F_SORT: {
        PyObject *ordered = items_in_order(s, value);
        PyObject *all = ordered ? PySlice_New(NULL, NULL, NULL) : NULL;
        int rc = all ? PyObject_SetItem(s->o[C_EXTRA], all, ordered) : -1;
        Py_XDECREF(all);
        Py_XDECREF(ordered);
        *out = rc < 0 ? NULL : Py_NewRef(Py_None);
        return *out ? STEP_DONE : STEP_ERROR;
    }
    case F_INDEX:
        *out = Py_XNewRef(PyList_GetItem(s->o[C_ITEMS], PyLong_AsSsize_t(value)));
        return *out ? STEP_DONE : STEP_ERROR;
    }
    return STEP_ERROR;
}

/* sorted: s->i is reverse. */
static step_result
sorted_end(pyrun_step *s, PyObject **out)
{
    if (s->o[C_FN] != NULL && s->o[C_FN] != Py_None) {
        return finish_by_keys(s, "sorted", (int)s->i, F_ORDER, out);
    }
    PyObject *args = PyTuple_Pack(1, s->o[C_ITEMS]);
    PyObject *kwargs = args ? Py_BuildValue("{sO}", "reverse", s->i ? Py_True : Py_False) : NULL;
    if (kwargs == NULL) {
        Py_XDECREF(args);
        return STEP_ERROR;
    }
    return finish_with(s, "sorted", args, kwargs, F_LIST, out);
}

static step_result
sorted_error(pyrun_step *s, PyObject **out)
{
    return consumer_error(s, out, sorted_end);
}

PyObject *
pyrun_helper_sorted(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"iterable", "key", "reverse", NULL};
    pyrun_state *st = pyrun_get_state(module);
    PyObject *iterable, *key = Py_None;
    int reverse = 0;
    if (st == NULL ||
        !PyArg_ParseTupleAndKeywords(args, kwargs, "O|$Op:sorted", kwlist, &iterable, &key, &reverse)) {
        return NULL;
    }
    pyrun_step *s = consumer(st, iterable, key, collect_next, sorted_error);
    if (s != NULL) {
        s->i = reverse;
    }
    return (PyObject *)s;
}

/* min / max: s->i is 1 for max. */
static step_result
extreme_end(pyrun_step *s, PyObject **out)
{
    const char *name = s->i ? "max" : "min";
    if (PyList_Size(s->o[C_ITEMS]) == 0 && s->o[C_EXTRA] != NULL) {
        *out = Py_NewRef(s->o[C_EXTRA]);
        return STEP_DONE;
    }
    if (PyList_Size(s->o[C_ITEMS]) == 0) {
        /* the builtin's own error for an empty iterable */
        PyObject *empty = PyList_New(0);
        PyObject *args = empty ? PyTuple_Pack(1, empty) : NULL;
        Py_XDECREF(empty);
        return finish_with(s, name, args, NULL, F_LIST, out);
    }
    if (s->o[C_FN] != NULL && s->o[C_FN] != Py_None) {
        return finish_by_keys(s, name, 0, F_INDEX, out);
    }
    return finish_with(s, name, PyTuple_Pack(1, s->o[C_ITEMS]), NULL, F_LIST, out);
}

static step_result
extreme_error(pyrun_step *s, PyObject **out)
{
    return consumer_error(s, out, extreme_end);
}

static PyObject *
extreme(PyObject *module, PyObject *args, PyObject *kwargs, int is_max)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *key = kwargs ? PyDict_GetItemString(kwargs, "key") : NULL;
    PyObject *dflt = kwargs ? PyDict_GetItemString(kwargs, "default") : NULL;
    PyObject *iterable = PyTuple_Size(args) == 1 ? Py_NewRef(PyTuple_GetItem(args, 0)) : Py_NewRef(args);
    pyrun_step *s = consumer(st, iterable, key, collect_next, extreme_error);
    Py_DECREF(iterable);
    if (s != NULL) {
        s->i = is_max;
        s->o[C_EXTRA] = Py_XNewRef(dflt);
    }
    return (PyObject *)s;
}

PyObject *
pyrun_helper_min(PyObject *module, PyObject *args, PyObject *kwargs)
{
    return extreme(module, args, kwargs, 0);
}

PyObject *
pyrun_helper_max(PyObject *module, PyObject *args, PyObject *kwargs)
{
    return extreme(module, args, kwargs, 1);
}

/* reduce(fn, iterable[, initial]): o[C_ITEM] the accumulator; s->i says
 * whether there is one yet. */
static step_result
reduce_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value != NULL && s->phase == PULLING) {
        if (!s->i) {
            s->o[C_ITEM] = Py_NewRef(value);
            s->i = 1;
            return pull(s, out);
        }
        PyObject *args = PyTuple_Pack(2, s->o[C_ITEM], value);
        *out = args ? pyrun_call_maybe(st, s->o[C_FN], args, NULL) : NULL;
        Py_XDECREF(args);
        s->phase = KEYING;
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    if (value != NULL) {
        Py_XSETREF(s->o[C_ITEM], Py_NewRef(value));
    }
    return pull(s, out);
}

static step_result
reduce_end(pyrun_step *s, PyObject **out)
{
    if (!s->i) {
        PyErr_SetString(PyExc_TypeError, "reduce() of empty iterable with no initial value");
        return STEP_ERROR;
    }
    *out = Py_NewRef(s->o[C_ITEM]);
    return STEP_DONE;
}

static step_result
reduce_error(pyrun_step *s, PyObject **out)
{
    return consumer_error(s, out, reduce_end);
}

PyObject *
pyrun_helper_reduce(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *fn, *iterable, *initial = NULL;
    if (st == NULL || !PyArg_UnpackTuple(args, "reduce", 2, 3, &fn, &iterable, &initial)) {
        return NULL;
    }
    pyrun_step *s = consumer(st, iterable, fn, reduce_next, reduce_error);
    if (s != NULL && initial != NULL) {
        s->o[C_ITEM] = Py_NewRef(initial);
        s->i = 1;
    }
    return (PyObject *)s;
}

/* list.sort(key=..., reverse=...): keys awaited, then the list reordered
 * in place, stably. */
static step_result
sort_end(pyrun_step *s, PyObject **out)
{
    return finish_by_keys(s, "sorted", (int)s->i, F_SORT, out);
}

static step_result
sort_error(pyrun_step *s, PyObject **out)
{
    return consumer_error(s, out, sort_end);
}

PyObject *
pyrun_helper_sort(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"list", "key", "reverse", NULL};
    pyrun_state *st = pyrun_get_state(module);
    PyObject *list, *key = Py_None;
    int reverse = 0;
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwargs, "O|$Op:sort", kwlist, &list, &key, &reverse)) {
        return NULL;
    }
    if (key == Py_None) {
        /* the items' own comparisons, replayed on the list as it was */
        PyObject *sort = PyObject_GetAttrString(list, "sort");
        PyObject *none = sort ? PyTuple_New(0) : NULL;
        PyObject *kw = none ? Py_BuildValue("{sO}", "reverse", reverse ? Py_True : Py_False) : NULL;
        PyObject *r = kw ? pyrun_replay_call(st, sort, none, kw, list) : NULL;
        Py_XDECREF(sort);
        Py_XDECREF(none);
        Py_XDECREF(kw);
        return r;
    }
    PyObject *snapshot = PySequence_List(list);
    pyrun_step *s = snapshot ? consumer(st, snapshot, key, collect_next, sort_error) : NULL;
    Py_XDECREF(snapshot);
    if (s != NULL) {
        s->i = reverse;
        s->o[C_EXTRA] = Py_NewRef(list);
    }
    return (PyObject *)s;
}
