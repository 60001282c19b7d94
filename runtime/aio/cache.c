/* functools.lru_cache and functools.cache over colored functions.
 *
 * The cache is functools' own (its maxsize, typed, cache_info(),
 * cache_clear()), but what it calls and keeps is not the colored
 * function's coroutine, which could be awaited once only: the rewrite
 * turns `@lru_cache(...)` above a colored def into
 * `@__pyrun__.cached(lru_cache(...))`, which gives the cache a MemoCall in
 * place of the face. Calling that makes a Memo: an awaitable that runs the
 * function the first time it is awaited and gives the same result to every
 * later await. The cache keeps Memos by arguments, as it would keep
 * results, and the whole is a face again, awaited by transformed code and
 * waited for by anything else.
 *
 * As with CPython, a call that raises keeps nothing: the Memo runs the
 * function again when next awaited. Two calls with the same arguments
 * that overlap (a recursion, two tasks) both run it, as two threads would
 * under CPython; the first to finish gives the cached value. */
#include "helpers.h"

typedef struct {
    PyObject_HEAD
    PyObject *face;   /* the colored function */
    PyObject *args;
    PyObject *kwargs; /* or NULL */
    PyObject *value;  /* once done, the result; NULL before */
} Memo;

typedef struct {
    PyObject_HEAD
    PyObject *face;
} MemoCall;

/* ---- Memo --------------------------------------------------------------- */

static int
memo_traverse(Memo *m, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)m));
    Py_VISIT(m->face);
    Py_VISIT(m->args);
    Py_VISIT(m->kwargs);
    Py_VISIT(m->value);
    return 0;
}

static int
memo_clear(Memo *m)
{
    Py_CLEAR(m->face);
    Py_CLEAR(m->args);
    Py_CLEAR(m->kwargs);
    Py_CLEAR(m->value);
    return 0;
}

static void
memo_dealloc(Memo *m)
{
    PyTypeObject *type = Py_TYPE((PyObject *)m);
    PyObject_GC_UnTrack(m);
    memo_clear(m);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(m);
    Py_DECREF(type);
}

/* The call's result, kept unless another run of it finished first. */
static step_result
memo_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    Memo *m = (Memo *)s->o[0];
    if (value == NULL) {
        return pyrun_step_await_slot(s, 1, out);
    }
    if (m->value == NULL) {
        m->value = Py_NewRef(value);
    }
    *out = Py_NewRef(value);
    return STEP_DONE;
}

static PyObject *
memo_await(Memo *m)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)m));
    if (st == NULL) {
        return NULL;
    }
    if (m->value != NULL) {
        return pyrun_ready(st, m->value);
    }
    PyObject *r = pyrun_call_maybe(st, m->face, m->args, m->kwargs);
    if (r == NULL) {
        return NULL;
    }
    pyrun_step *s = pyrun_step_new(st, memo_next, NULL);
    if (s == NULL) {
        Py_DECREF(r);
        return NULL;
    }
    s->o[0] = Py_NewRef((PyObject *)m);
    s->o[1] = r;
    return (PyObject *)s;
}

static PyType_Slot memo_slots[] = {
    {Py_tp_dealloc, memo_dealloc},
    {Py_tp_traverse, memo_traverse},
    {Py_tp_clear, memo_clear},
    {Py_am_await, memo_await},
    {0, NULL},
};

static PyType_Spec memo_spec = {
    .name = "pyrun.Memo",
    .basicsize = sizeof(Memo),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = memo_slots,
};

int
pyrun_is_memo(pyrun_state *st, PyObject *obj)
{
    return Py_TYPE(obj) == st->memo_type;
}

/* ---- MemoCall: what the cache calls -------------------------------------- */

static int
memo_call_traverse(MemoCall *c, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)c));
    Py_VISIT(c->face);
    return 0;
}

static int
memo_call_clear(MemoCall *c)
{
    Py_CLEAR(c->face);
    return 0;
}

static void
memo_call_dealloc(MemoCall *c)
{
    PyTypeObject *type = Py_TYPE((PyObject *)c);
    PyObject_GC_UnTrack(c);
    memo_call_clear(c);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(c);
    Py_DECREF(type);
}

static PyObject *
memo_call_call(MemoCall *c, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)c));
    if (st == NULL) {
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->memo_type, Py_tp_alloc);
    Memo *m = (Memo *)alloc(st->memo_type, 0);
    if (m != NULL) {
        m->face = Py_NewRef(c->face);
        m->args = Py_NewRef(args);
        m->kwargs = kwargs && PyDict_Size(kwargs) > 0 ? PyDict_Copy(kwargs) : NULL;
        if (kwargs && PyDict_Size(kwargs) > 0 && m->kwargs == NULL) {
            Py_CLEAR(m);
        }
    }
    return (PyObject *)m;
}

/* As the function it stands for, to functools.update_wrapper and
 * inspect; its __wrapped__ is the face, so that inspect.signature of the
 * cached function finds the def's parameters. */
static PyObject *
memo_call_getattro(MemoCall *c, PyObject *name)
{
    if (PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, "__wrapped__") == 0) {
        return Py_NewRef(c->face);
    }
    return PyObject_GetAttr(c->face, name);
}

static PyType_Slot memo_call_slots[] = {
    {Py_tp_dealloc, memo_call_dealloc},
    {Py_tp_traverse, memo_call_traverse},
    {Py_tp_clear, memo_call_clear},
    {Py_tp_call, memo_call_call},
    {Py_tp_getattro, memo_call_getattro},
    {0, NULL},
};

static PyType_Spec memo_call_spec = {
    .name = "pyrun.MemoCall",
    .basicsize = sizeof(MemoCall),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = memo_call_slots,
};

/* ---- cached(decorator) --------------------------------------------------- */

/* functools.cache, functools.lru_cache, or the decorator that
 * lru_cache(maxsize=...) makes: what pyrun knows how to feed Memos. */
static int
is_caching_decorator(PyObject *decorator)
{
    PyObject *functools = pyrun_import("functools");
    PyObject *cache = functools ? PyObject_GetAttrString(functools, "cache") : NULL;
    PyObject *lru_cache = cache ? PyObject_GetAttrString(functools, "lru_cache") : NULL;
    int known = lru_cache != NULL && (decorator == cache || decorator == lru_cache);
    Py_XDECREF(functools);
    Py_XDECREF(cache);
    Py_XDECREF(lru_cache);
    if (lru_cache == NULL) {
        return -1;
    }
    if (known) {
        return 1;
    }
    PyObject *module = PyObject_GetAttrString(decorator, "__module__");
    PyObject *qualname = module ? PyObject_GetAttrString(decorator, "__qualname__") : NULL;
    known = qualname && PyUnicode_Check(module) && PyUnicode_Check(qualname) &&
            PyUnicode_CompareWithASCIIString(module, "functools") == 0 &&
            PyUnicode_CompareWithASCIIString(qualname, "lru_cache.<locals>.decorating_function") == 0;
    Py_XDECREF(module);
    Py_XDECREF(qualname);
    PyErr_Clear();
    return known;
}

/* self: (module, decorator). Applied to a face: the cache over a MemoCall,
 * as a face; to anything else: as written. */
static PyObject *
cached_apply(PyObject *self, PyObject *fn)
{
    PyObject *module = PyTuple_GetItem(self, 0);
    PyObject *decorator = PyTuple_GetItem(self, 1);
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    int known = pyrun_is_face(st, fn) ? is_caching_decorator(decorator) : 0;
    if (known <= 0) {
        return known < 0 ? NULL : PyObject_CallOneArg_compat(decorator, fn);
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->memo_call_type, Py_tp_alloc);
    MemoCall *c = (MemoCall *)alloc(st->memo_call_type, 0);
    if (c == NULL) {
        return NULL;
    }
    c->face = Py_NewRef(fn);
    PyObject *wrapper = PyObject_CallOneArg_compat(decorator, (PyObject *)c);
    Py_DECREF(c);
    if (wrapper == NULL) {
        return NULL;
    }
    PyObject *face = pyrun_helper_face(module, wrapper);
    Py_DECREF(wrapper);
    return face;
}

static PyMethodDef cached_apply_def = {"cached", cached_apply, METH_O, NULL};

/* cached(decorator): the decorator, made to cache a colored function's
 * results rather than its coroutines. */
PyObject *
pyrun_helper_cached(PyObject *module, PyObject *decorator)
{
    PyObject *self = PyTuple_Pack(2, module, decorator);
    PyObject *apply = self ? PyCFunction_New(&cached_apply_def, self) : NULL;
    Py_XDECREF(self);
    return apply;
}

int
pyrun_cache_register(PyObject *module, pyrun_state *st)
{
    st->memo_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &memo_spec, NULL);
    st->memo_call_type = st->memo_type ? (PyTypeObject *)PyType_FromModuleAndSpec(module, &memo_call_spec, NULL) : NULL;
    return st->memo_call_type == NULL ? -1 : 0;
}
