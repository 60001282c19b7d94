/* Faces: how colored functions look to code that does not await them.
 *
 * Every def the transform makes async is wrapped in a face, its innermost
 * decorator. Transformed code reaches the async function behind it
 * (__pyrun__.call, the face's __pyrun_async__) and awaits it. Anything
 * else that calls it, the interpreter (a special method, a property), a
 * library (a key function, a callback, lru_cache), a decorator, or code
 * pyrun could not follow, gets what the plain function would give:
 *   - a coroutine is waited for right there (aio/wait_sync.c: JSPI, or
 *     driven synchronously), or, called by the host with no Python
 *     running (a JS event handler or timer), started as a Task;
 *   - an async generator (a colored generator function) comes back as a
 *     pyrun generator, iterated synchronously the same way.
 * A face binds as its function does (methods, classmethods), and reads as
 * it (__name__, __doc__, __wrapped__...). */
#include "helpers.h"
#include <structmember.h> /* T_PYSSIZET, READONLY */
#include <string.h>

typedef struct {
    PyObject_HEAD
    PyObject *fn;     /* the async function, a bound method of one, or a classmethod of one */
    PyObject *parent; /* for a face made by binding: the face it was bound from */
    PyObject *code;   /* __code__ as a plain function's would read, made on first use */
    PyObject *weakrefs;
    /* a lambda that blocks where no async def can stand for it: its body
     * is an async generator expression of one item (see lambda_face) */
    int once;
} Face;

typedef struct {
    PyObject_HEAD
    PyObject *agen; /* the async generator */
    PyObject *weakrefs;
    /* A colored generator that returns a value keeps it in a local of its
     * frame (an async generator cannot return one; see the transform):
     * its frame, held across the last step, still has it. */
    int returns;
    PyObject *frame;
} SyncGen;

static int
face_traverse(Face *f, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)f));
    Py_VISIT(f->fn);
    Py_VISIT(f->parent);
    Py_VISIT(f->code);
    return 0;
}

static int
face_clear(Face *f)
{
    Py_CLEAR(f->fn);
    Py_CLEAR(f->parent);
    Py_CLEAR(f->code);
    return 0;
}

static void
face_dealloc(Face *f)
{
    PyTypeObject *type = Py_TYPE((PyObject *)f);
    PyObject_GC_UnTrack(f);
    if (f->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)f);
    }
    face_clear(f);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(f);
    Py_DECREF(type);
}

static PyObject *
face_make(pyrun_state *st, PyObject *fn)
{
    PyTypeObject *kind = Py_TYPE(fn);
    PyTypeObject *type = (PyObject *)kind == st->method_type                        ? st->method_face_type
                         : PyType_GetFlags(kind) & Py_TPFLAGS_METHOD_DESCRIPTOR ? st->function_face_type
                                                                                : st->face_type;
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    Face *f = (Face *)alloc(type, 0);
    if (f != NULL) {
        f->fn = Py_NewRef(fn);
    }
    return (PyObject *)f;
}

static int is_async_generator(pyrun_state *st, PyObject *obj);
static PyObject *first_item(pyrun_state *st, PyObject *agen);

/* What calling the function behind a face gave, as the async side's
 * result: a once-lambda's generator expression becomes the awaitable of
 * its item. */
static PyObject *
face_result(pyrun_state *st, Face *f, PyObject *r)
{
    if (r != NULL && f->once && is_async_generator(st, r)) {
        PyObject *item = first_item(st, r);
        Py_DECREF(r);
        return item;
    }
    return r;
}

static int
is_awaitable_result(pyrun_state *st, PyObject *r)
{
    return (PyObject *)Py_TYPE(r) == st->coroutine_type || pyrun_is_memo(st, r) || pyrun_is_step(st, r);
}

int
pyrun_is_face(pyrun_state *st, PyObject *obj)
{
    PyTypeObject *type = Py_TYPE(obj);
    return type == st->function_face_type || type == st->face_type || type == st->method_face_type;
}

PyObject *
pyrun_face_call_async(pyrun_state *st, PyObject *callable, PyObject *args, PyObject *kwargs)
{
    if (!pyrun_is_face(st, callable)) {
        return NULL;
    }
    PyObject *r = face_result(st, (Face *)callable, PyObject_Call(((Face *)callable)->fn, args, kwargs));
    if (r == NULL || is_awaitable_result(st, r) || is_async_generator(st, r)) {
        return r;
    }
    /* a plain result: the function was given plain code (f.__code__ = ...) */
    return pyrun_maybe_steal(st, r);
}

/* Driven from plain code, the async generator is a generator: it takes no
 * event loop's hooks, whose finalizer would close it later, in a task,
 * where a generator closes at once (its frame cleared, say). An async
 * generator takes its hooks at its first asend(), athrow() or aclose():
 * one made here, with none installed, and dropped unstarted. Only before
 * 3.13: from 3.13 on, clearing a suspended frame is an error, and an
 * asend() dropped unstarted a warning. */
static int
agen_without_hooks(PyObject *agen)
{
    PyObject *sys = pyrun_import("sys");
    PyObject *saved = sys ? PyObject_CallMethod(sys, "get_asyncgen_hooks", NULL) : NULL;
    PyObject *unset = saved ? PyObject_CallMethod(sys, "set_asyncgen_hooks", "OO", Py_None, Py_None) : NULL;
    PyObject *probe = unset ? PyObject_CallMethod(agen, "asend", "O", Py_None) : NULL;
    int rc = probe != NULL ? 0 : -1;
    if (unset != NULL) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyObject *restored = PyObject_CallMethod(sys, "set_asyncgen_hooks", "OO", PyTuple_GetItem(saved, 0),
                                                 PyTuple_GetItem(saved, 1));
        if (restored == NULL) {
            rc = -1;
            Py_XDECREF(type);
            Py_XDECREF(value);
            Py_XDECREF(tb);
        }
        else {
            PyErr_Restore(type, value, tb);
        }
        Py_XDECREF(restored);
    }
    Py_XDECREF(probe);
    Py_XDECREF(unset);
    Py_XDECREF(saved);
    Py_XDECREF(sys);
    return rc;
}

static PyObject *
sync_gen_make(pyrun_state *st, PyObject *agen)
{
    if (Py_Version < 0x030D0000 && agen_without_hooks(agen) < 0) {
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->sync_gen_type, Py_tp_alloc);
    SyncGen *g = (SyncGen *)alloc(st->sync_gen_type, 0);
    if (g == NULL) {
        return NULL;
    }
    g->agen = Py_NewRef(agen);
    PyObject *code = PyObject_GetAttrString(agen, "ag_code");
    PyObject *names = code ? PyObject_GetAttrString(code, "co_varnames") : NULL;
    PyObject *local = names ? PyUnicode_FromString(PYRUN_RETURNED_LOCAL) : NULL;
    g->returns = local ? PySequence_Contains(names, local) : -1;
    Py_XDECREF(code);
    Py_XDECREF(names);
    Py_XDECREF(local);
    if (g->returns < 0) {
        Py_DECREF(g);
        return NULL;
    }
    return (PyObject *)g;
}

static int
is_async_generator(pyrun_state *st, PyObject *obj)
{
    return (PyObject *)Py_TYPE(obj) == st->async_gen_type;
}

static const char CALLED_FROM_C[] =
    "code that pyrun does not rewrite, such as the interpreter calling a special method or a "
    "library calling back, cannot be made async";
static const char CANNOT_AWAIT[] =
    "this code runs synchronously (a class body, a generator lambda where no async def can "
    "stand for it, or a generator that is awaited: types.coroutine, __await__) and cannot be made async";
static const char ITERATED_SYNC[] =
    "a generator that blocks, iterated by code that pyrun does not rewrite, cannot be made async";

static PyObject *
qualname_of(PyObject *obj, const char *suffix)
{
    PyObject *qual = PyObject_GetAttrString(obj, "__qualname__");
    if (qual == NULL) {
        PyErr_Clear();
        return PyUnicode_FromString("a function");
    }
    PyObject *name = PyUnicode_FromFormat("%U%s", qual, suffix);
    Py_DECREF(qual);
    return name;
}

static PyObject *
face_call(Face *f, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)f));
    if (st == NULL) {
        return NULL;
    }
    PyObject *r = face_result(st, f, PyObject_Call(f->fn, args, kwargs));
    if (r == NULL) {
        return NULL;
    }
    if (is_async_generator(st, r)) {
        Py_SETREF(r, sync_gen_make(st, r));
        return r;
    }
    if (!is_awaitable_result(st, r)) {
        return r;
    }
    int deferred = pyrun_defer_hook(st, f->fn, r);
    if (deferred != 0) {
        Py_DECREF(r);
        return deferred < 0 ? NULL : Py_NewRef(Py_None);
    }
    if (PyEval_GetFrame() == NULL && !st->exiting) {
        /* Called by the host with no Python running: an event handler.
         * (atexit's callbacks, run by _finish, are waited for.) */
        PyObject *loop = PyObject_CallNoArgs(st->get_running_loop);
        PyObject *task = NULL;
        if (loop != NULL && pyrun_is_memo(st, r)) {
            task = PyObject_CallFunctionObjArgs(st->ensure_future, r, NULL);
        }
        else if (loop != NULL) {
            task = PyObject_CallMethod(loop, "create_task", "O", r);
        }
        Py_XDECREF(loop);
        Py_DECREF(r);
        return task;
    }
    /* named "qualname()" only if a message needs it */
    PyObject *result = pyrun_wait_synchronously(st, r, f->fn, CALLED_FROM_C);
    if (pyrun_reraise_stopped(st, result) < 0) {
        Py_CLEAR(result); /* the StopIteration the plain function raised */
    }
    return result;
}

/* Binding binds the function behind the face, and the result is a face. */
static PyObject *
face_descr_get(Face *f, PyObject *obj, PyObject *type)
{
    descrgetfunc get = (descrgetfunc)PyType_GetSlot(Py_TYPE(f->fn), Py_tp_descr_get);
    if (get == NULL) {
        return Py_NewRef((PyObject *)f);
    }
    PyObject *bound = get(f->fn, obj == Py_None ? NULL : obj, type);
    if (bound == NULL || bound == f->fn) {
        Py_XDECREF(bound);
        return bound ? Py_NewRef((PyObject *)f) : NULL;
    }
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)f));
    PyObject *face = st ? face_make(st, bound) : NULL;
    Py_DECREF(bound);
    if (face != NULL) {
        ((Face *)face)->parent = Py_NewRef((PyObject *)f);
        ((Face *)face)->once = f->once;
    }
    return face;
}

/* __code__ as the user's own def would have it: the same code, flagged as
 * a plain function (or a generator), so that introspection (inspect's
 * iscoroutinefunction, which mock.patch and others ask) sees what the
 * program wrote, not what pyrun made of it. One view per code object, as
 * every function made by one def shares its __code__. */
static PyObject *
code_view(pyrun_state *st, PyObject *code)
{
    PyObject *known = PyObject_GetItem(st->plain_codes, code);
    if (known != NULL || !PyErr_ExceptionMatches(PyExc_KeyError)) {
        return known;
    }
    PyErr_Clear();
    PyObject *flags = PyObject_GetAttrString(code, "co_flags");
    long v = flags ? PyLong_AsLong(flags) : -1;
    Py_XDECREF(flags);
    if (v == -1 && PyErr_Occurred()) {
        return NULL;
    }
    long plain = v & ~(CO_COROUTINE_FLAG | CO_ASYNC_GENERATOR_FLAG);
    if (v & CO_ASYNC_GENERATOR_FLAG) {
        plain |= CO_GENERATOR_FLAG;
    }
    PyObject *replace = PyObject_GetAttrString(code, "replace");
    PyObject *args = replace ? PyTuple_New(0) : NULL;
    PyObject *kwargs = args ? Py_BuildValue("{sl}", "co_flags", plain) : NULL;
    PyObject *view = kwargs ? PyObject_Call(replace, args, kwargs) : NULL;
    Py_XDECREF(replace);
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    /* view -> weakly the code, so that the code alone keeps both alive */
    PyObject *ref = view ? PyWeakref_NewRef(code, NULL) : NULL;
    if (ref == NULL || PyObject_SetItem(st->plain_codes, code, view) < 0 ||
        PyObject_SetItem(st->async_codes, view, ref) < 0) {
        Py_CLEAR(view);
    }
    Py_XDECREF(ref);
    return view;
}

static PyObject *
face_code(Face *f)
{
    if (f->code == NULL) {
        pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)f));
        PyObject *code = st ? PyObject_GetAttrString(f->fn, "__code__") : NULL;
        f->code = code ? code_view(st, code) : NULL;
        Py_XDECREF(code);
    }
    return Py_XNewRef(f->code);
}

/* What a face answers itself; every other attribute (__name__, __doc__,
 * __module__, __dict__, __wrapped__...) is its function's, so that
 * functools.wraps, doctest and friends see the user's def. */
static PyObject *
face_getattro(Face *f, PyObject *name)
{
    if (PyUnicode_Check(name)) {
        if (PyUnicode_CompareWithASCIIString(name, "__class__") == 0) {
            /* isinstance(f, types.FunctionType), as for the user's def */
            return PyObject_GetAttr(f->fn, name);
        }
        if (PyUnicode_CompareWithASCIIString(name, "__code__") == 0) {
            return face_code(f);
        }
        if (PyUnicode_CompareWithASCIIString(name, "__func__") == 0 && f->parent != NULL) {
            return Py_NewRef(f->parent); /* bound.__func__ is Class.method */
        }
        if (PyUnicode_CompareWithASCIIString(name, "__pyrun_async__") == 0 ||
            PyUnicode_CompareWithASCIIString(name, "__reduce__") == 0 ||
            PyUnicode_CompareWithASCIIString(name, "__reduce_ex__") == 0 ||
            PyUnicode_CompareWithASCIIString(name, "__get__") == 0 ||
            PyUnicode_CompareWithASCIIString(name, "__call__") == 0) {
            return PyObject_GenericGetAttr((PyObject *)f, name);
        }
    }
    PyObject *r = PyObject_GetAttr(f->fn, name);
    if (r != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return r;
    }
    PyErr_Clear();
    return PyObject_GenericGetAttr((PyObject *)f, name);
}

/* Pickled and copied as the user's def would be: by its qualified name
 * (a bound one: its object's attribute). */
static PyObject *
face_reduce(Face *f, PyObject *Py_UNUSED(ignored))
{
    PyObject *self = PyObject_GetAttrString(f->fn, "__self__");
    if (self == NULL) {
        PyErr_Clear();
        return PyObject_GetAttrString(f->fn, "__qualname__");
    }
    PyObject *name = PyObject_GetAttrString(f->fn, "__name__");
    PyObject *builtins = name ? pyrun_import("builtins") : NULL;
    PyObject *getattr = builtins ? PyObject_GetAttrString(builtins, "getattr") : NULL;
    PyObject *r = getattr ? Py_BuildValue("(O(OO))", getattr, self, name) : NULL;
    Py_XDECREF(getattr);
    Py_XDECREF(builtins);
    Py_XDECREF(name);
    Py_DECREF(self);
    return r;
}

static int
face_setattro(Face *f, PyObject *name, PyObject *value)
{
    if (value != NULL && PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, "__code__") == 0) {
        /* another face's __code__ stands for the async code behind it */
        pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)f));
        PyObject *ref = st ? PyObject_GetItem(st->async_codes, value) : NULL;
        PyObject *code = ref ? PyWeakref_GetObject(ref) : NULL;
        if (ref == NULL) {
            PyErr_Clear();
        }
        int rc = PyObject_SetAttr(f->fn, name, code && code != Py_None ? code : value);
        Py_XDECREF(ref);
        if (rc == 0) {
            Py_CLEAR(f->code);
        }
        return rc;
    }
    /* f.attr = x on a function sets its attribute (it has a __dict__) */
    return PyObject_SetAttr(f->fn, name, value);
}

static PyObject *
face_async(Face *f, void *closure)
{
    return Py_NewRef(f->fn);
}

static PyObject *
face_repr(Face *f)
{
    return PyObject_Repr(f->fn);
}

static PyObject *
face_richcompare(Face *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || Py_TYPE(b) != Py_TYPE((PyObject *)a)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    return PyObject_RichCompare(a->fn, ((Face *)b)->fn, op);
}

static Py_hash_t
face_hash(Face *f)
{
    return PyObject_Hash(f->fn);
}

/* Its function's attributes also for lookups that pass by getattr
 * (object.__getattribute__, as pydoc reads __doc__; getattr_static). */
static PyObject *
face_forwarded(Face *f, void *name)
{
    return PyObject_GetAttrString(f->fn, (const char *)name);
}

static int
face_forward_set(Face *f, PyObject *value, void *name)
{
    return PyObject_SetAttrString(f->fn, (const char *)name, value);
}

static PyGetSetDef face_getset[] = {
    {"__pyrun_async__", (getter)face_async, NULL, "the async function behind this face", NULL},
    {"__doc__", (getter)face_forwarded, (setter)face_forward_set, NULL, "__doc__"},
    {"__name__", (getter)face_forwarded, (setter)face_forward_set, NULL, "__name__"},
    {"__qualname__", (getter)face_forwarded, (setter)face_forward_set, NULL, "__qualname__"},
    {"__module__", (getter)face_forwarded, (setter)face_forward_set, NULL, "__module__"},
    {"__dict__", (getter)face_forwarded, (setter)face_forward_set, NULL, "__dict__"},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef face_methods[] = {
    {"__reduce__", (PyCFunction)face_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

/* type(f)(code, globals, ...), as code that copies a function does: the
 * function type's constructor, for a face reads as a function. Given a
 * face's __code__, the copy is made of the async code behind it, and is a
 * face too: a plain function of that code would give a coroutine. */
static PyObject *
face_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_state_from_type(type);
    PyObject *code = st && PyTuple_Size(args) > 0 ? PyTuple_GetItem(args, 0) : NULL;
    PyObject *ref = code ? PyObject_GetItem(st->async_codes, code) : NULL;
    PyObject *async_code = ref ? PyWeakref_GetObject(ref) : NULL; /* borrowed */
    if (ref == NULL) {
        PyErr_Clear(); /* some other code: a plain function */
    }
    PyObject *types = st ? pyrun_import("types") : NULL;
    PyObject *function_type = types ? PyObject_GetAttrString(types, "FunctionType") : NULL;
    PyObject *fn = NULL;
    if (function_type != NULL && async_code != NULL && async_code != Py_None) {
        PyObject *first = PyTuple_Pack(1, async_code);
        PyObject *rest = first ? PyTuple_GetSlice(args, 1, PyTuple_Size(args)) : NULL;
        PyObject *with = rest ? PySequence_Concat(first, rest) : NULL;
        Py_XDECREF(first);
        PyObject *async_fn = with ? PyObject_Call(function_type, with, kwargs) : NULL;
        fn = async_fn ? face_make(st, async_fn) : NULL;
        Py_XDECREF(async_fn);
        Py_XDECREF(with);
        Py_XDECREF(rest);
    }
    else if (function_type != NULL) {
        fn = PyObject_Call(function_type, args, kwargs);
    }
    Py_XDECREF(ref);
    Py_XDECREF(function_type);
    Py_XDECREF(types);
    return fn;
}

/* weakref.ref(f) works as on the plain function */
static PyMemberDef face_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(Face, weakrefs), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot face_slots[] = {
    {Py_tp_new, face_new},
    {Py_tp_dealloc, face_dealloc},
    {Py_tp_traverse, face_traverse},
    {Py_tp_clear, face_clear},
    {Py_tp_call, face_call},
    {Py_tp_descr_get, face_descr_get},
    {Py_tp_getattro, face_getattro},
    {Py_tp_setattro, face_setattro},
    {Py_tp_getset, face_getset},
    {Py_tp_methods, face_methods},
    {Py_tp_repr, face_repr},
    {Py_tp_richcompare, face_richcompare},
    {Py_tp_hash, face_hash},
    {Py_tp_members, face_members},
    {0, NULL},
};

static PyType_Spec face_spec = {
    .name = "function", /* as type() of the plain function prints it */
    .basicsize = sizeof(Face),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = face_slots,
};

/* The face of a function (or of another method descriptor, like
 * lru_cache's wrapper) binds as the function binds, so it is also a
 * method descriptor: `obj.method(...)`, and the interpreter's own
 * lookups of special methods (__del__, __eq__...), call it with the
 * instance first instead of binding it, and see the face itself (as the
 * class attribute) where CPython sees the function. */
static PyType_Spec function_face_spec = {
    .name = "function",
    .basicsize = sizeof(Face),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .slots = face_slots,
};

/* The face of a bound method is a "method", and binds as a method binds
 * on this Python: not at all on 3.11, so that classmethod(obj.method)
 * binds it as CPython binds the method; as itself where the method type
 * has __get__ (3.13 and later). */
#define METHOD_FACE_SLOTS \
    {Py_tp_new, face_new}, {Py_tp_dealloc, face_dealloc}, {Py_tp_traverse, face_traverse}, \
        {Py_tp_clear, face_clear}, {Py_tp_call, face_call}, {Py_tp_getattro, face_getattro}, \
        {Py_tp_setattro, face_setattro}, {Py_tp_getset, face_getset}, {Py_tp_methods, face_methods}, \
        {Py_tp_repr, face_repr}, {Py_tp_richcompare, face_richcompare}, {Py_tp_hash, face_hash}, \
        {Py_tp_members, face_members}

static PyType_Slot method_face_slots[] = {METHOD_FACE_SLOTS, {0, NULL}};
static PyType_Slot binding_method_face_slots[] = {METHOD_FACE_SLOTS, {Py_tp_descr_get, face_descr_get}, {0, NULL}};

static PyType_Spec method_face_spec = {
    .name = "method",
    .basicsize = sizeof(Face),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = method_face_slots,
};

/* ---- generators of colored generator functions, iterated synchronously - */

static int
gen_traverse(SyncGen *g, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)g));
    Py_VISIT(g->agen);
    Py_VISIT(g->frame);
    return 0;
}

static int
gen_clear(SyncGen *g)
{
    Py_CLEAR(g->agen);
    Py_CLEAR(g->frame);
    return 0;
}

static int gen_refuse_reentry(SyncGen *g);
static int agen_just_started(PyObject *agen);

/* Before each step of a generator that returns a value: its frame. */
static int
gen_watch(SyncGen *g)
{
    if (!g->returns) {
        return 0;
    }
    PyObject *frame = PyObject_GetAttrString(g->agen, "ag_frame");
    if (frame == NULL) {
        return -1;
    }
    if (frame == Py_None) {
        Py_DECREF(frame);
        return 0;
    }
    Py_XSETREF(g->frame, frame);
    return 0;
}

/* What the generator returned once finished (None if nothing). */
static PyObject *
gen_returned(SyncGen *g)
{
    if (g->frame == NULL) {
        Py_RETURN_NONE;
    }
    PyObject *locals = PyObject_GetAttrString(g->frame, "f_locals");
    PyObject *value = locals ? PyMapping_GetItemString(locals, PYRUN_RETURNED_LOCAL) : NULL;
    Py_XDECREF(locals);
    if (value == NULL && PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return value;
}

/* StopIteration, with the value the generator returned if any. */
static void
gen_set_stop(SyncGen *g)
{
    PyObject *value = gen_returned(g);
    if (value == NULL) {
        return;
    }
    if (value == Py_None) {
        PyErr_SetNone(PyExc_StopIteration);
    }
    else {
        PyObject *exc = PyObject_CallOneArg_compat(PyExc_StopIteration, value);
        if (exc != NULL) {
            PyErr_SetObject(PyExc_StopIteration, exc);
            Py_DECREF(exc);
        }
    }
    Py_DECREF(value);
}

PyObject *
pyrun_sync_gen_resume(pyrun_state *st, PyObject *obj, const char *method, PyObject *args)
{
    if (Py_TYPE(obj) != st->sync_gen_type) {
        return NULL;
    }
    SyncGen *g = (SyncGen *)obj;
    if (gen_refuse_reentry(g) < 0 || gen_watch(g) < 0) {
        return NULL;
    }
    if (strcmp(method, "asend") == 0 && PyTuple_Size(args) == 1 && PyTuple_GetItem(args, 0) != Py_None &&
        agen_just_started(g->agen)) {
        /* as the generator the program wrote says it */
        PyErr_SetString(PyExc_TypeError, "can't send non-None value to a just-started generator");
        return NULL;
    }
    PyObject *fn = PyObject_GetAttrString(g->agen, method);
    PyObject *r = fn ? PyObject_Call(fn, args, NULL) : NULL;
    Py_XDECREF(fn);
    return r;
}

PyObject *
pyrun_sync_gen_returned(pyrun_state *st, PyObject *obj)
{
    if (Py_TYPE(obj) != st->sync_gen_type) {
        return NULL;
    }
    return gen_returned((SyncGen *)obj);
}

static void gen_finalize(SyncGen *g);

static void
gen_dealloc(SyncGen *g)
{
    PyTypeObject *type = Py_TYPE((PyObject *)g);
    PyObject_GC_UnTrack(g);
    if (g->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)g);
    }
    gen_finalize(g);
    gen_clear(g);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(g);
    Py_DECREF(type);
}

/* Resumed from inside itself, a generator raises ValueError (an async
 * generator, RuntimeError): -1 with that set. */
static int
gen_refuse_reentry(SyncGen *g)
{
    PyObject *running = PyObject_GetAttrString(g->agen, "ag_running");
    int busy = running ? PyObject_IsTrue(running) : -1;
    Py_XDECREF(running);
    if (busy > 0) {
        PyErr_SetString(PyExc_ValueError, "generator already executing");
    }
    return busy == 0 ? 0 : -1;
}

/* A generator that yields when closed (or thrown GeneratorExit) is said
 * to be a generator, as the program wrote it. */
void
pyrun_rename_ignored_exit(void)
{
    if (!PyErr_ExceptionMatches(PyExc_RuntimeError)) {
        return;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *text = value ? PyObject_Str(value) : NULL;
    int ignored = text && PyUnicode_CompareWithASCIIString(text, "async generator ignored GeneratorExit") == 0;
    Py_XDECREF(text);
    PyErr_Clear();
    if (ignored) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        PyErr_SetString(PyExc_RuntimeError, "generator ignored GeneratorExit");
    }
    else {
        PyErr_Restore(type, value, tb);
    }
}

/* One step of the async generator, waited for here: its value, or NULL
 * (StopIteration set for its end, as a generator ends). */
static PyObject *
gen_step(SyncGen *g, PyObject *awaitable)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)g));
    if (st == NULL || awaitable == NULL) {
        Py_XDECREF(awaitable);
        return NULL;
    }
    if (gen_refuse_reentry(g) < 0 || gen_watch(g) < 0) {
        Py_DECREF(awaitable);
        return NULL;
    }
    PyObject *what = qualname_of(g->agen, "()");
    PyObject *r = what ? pyrun_wait_synchronously(st, awaitable, what, ITERATED_SYNC) : NULL;
    if (what == NULL) {
        Py_DECREF(awaitable);
    }
    Py_XDECREF(what);
    if (r == NULL && PyErr_ExceptionMatches(PyExc_StopAsyncIteration)) {
        PyErr_Clear();
        gen_set_stop(g);
    }
    else if (r == NULL) {
        pyrun_rename_ignored_exit();
    }
    return r;
}

static PyObject *
gen_next(SyncGen *g)
{
    PyObject *r = gen_step(g, PyObject_CallMethod(g->agen, "__anext__", NULL));
    if (r == NULL && !g->returns && PyErr_ExceptionMatches(PyExc_StopIteration)) {
        PyErr_Clear(); /* tp_iternext ends without an exception (or with the value returned) */
    }
    return r;
}

/* Not yet started: not running, not suspended, not finished (3.12+ says
 * suspended; before it, the frame is still at its first instruction). */
static int
agen_just_started(PyObject *agen)
{
    PyObject *frame = PyObject_GetAttrString(agen, "ag_frame");
    PyObject *running = frame ? PyObject_GetAttrString(agen, "ag_running") : NULL;
    PyObject *suspended = running ? PyObject_GetAttrString(agen, "ag_suspended") : NULL;
    PyObject *lasti = NULL;
    if (running != NULL && suspended == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        lasti = frame == Py_None ? NULL : PyObject_GetAttrString(frame, "f_lasti");
    }
    int started = frame == NULL || running == NULL || frame == Py_None || running == Py_True;
    if (!started) {
        started = suspended ? suspended == Py_True : !(lasti && PyLong_Check(lasti) && PyLong_AsLong(lasti) <= 0);
    }
    Py_XDECREF(frame);
    Py_XDECREF(running);
    Py_XDECREF(suspended);
    Py_XDECREF(lasti);
    PyErr_Clear();
    return !started;
}

static PyObject *
gen_send(SyncGen *g, PyObject *value)
{
    if (value != Py_None && agen_just_started(g->agen)) {
        /* as the generator the program wrote says it */
        PyErr_SetString(PyExc_TypeError, "can't send non-None value to a just-started generator");
        return NULL;
    }
    return gen_step(g, PyObject_CallMethod(g->agen, "asend", "(O)", value));
}

static PyObject *
gen_throw(SyncGen *g, PyObject *args)
{
    PyObject *frame = PyObject_GetAttrString(g->agen, "ag_frame");
    int finished = frame == Py_None;
    Py_XDECREF(frame);
    PyErr_Clear();
    if (finished) {
        return pyrun_raise_thrown(args); /* as a finished generator does */
    }
    PyObject *athrow = PyObject_GetAttrString(g->agen, "athrow");
    PyObject *aw = athrow ? PyObject_Call(athrow, args, NULL) : NULL;
    Py_XDECREF(athrow);
    return gen_step(g, aw);
}

static PyObject *
gen_close(SyncGen *g, PyObject *Py_UNUSED(ignored))
{
    PyObject *r = gen_step(g, PyObject_CallMethod(g->agen, "aclose", NULL));
    if (r == NULL && PyErr_ExceptionMatches(PyExc_StopIteration)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return r;
}

/* As a generator is closed when it is collected, so is the async one it
 * stands for, when nothing else holds it (transformed code iterating it
 * through `async for` does). */
static void
gen_finalize(SyncGen *g)
{
    /* called from dealloc: nothing may take a reference to g */
    if (g->agen == NULL || Py_REFCNT(g->agen) > 1) {
        return;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *frame = PyObject_GetAttrString(g->agen, "ag_frame");
    if (frame != NULL && frame != Py_None) {
        PyObject *r = gen_close(g, NULL);
        if (r == NULL) {
            PyErr_WriteUnraisable(NULL); /* not g: nothing may take it now */
        }
        Py_XDECREF(r);
    }
    Py_XDECREF(frame);
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
}

static PyObject *
gen_repr(SyncGen *g)
{
    PyObject *qual = PyObject_GetAttrString(g->agen, "__qualname__");
    PyObject *r = qual ? PyUnicode_FromFormat("<generator object %U at %p>", qual, (void *)g) : NULL;
    Py_XDECREF(qual);
    return r;
}

/* A generator's gi_frame, gi_running... are the async generator's
 * ag_frame, ag_running... (gen_getset); the rest (__name__...) is its too. */
static PyObject *
gen_getattro(SyncGen *g, PyObject *name)
{
    if (PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, "__class__") == 0) {
        /* isinstance(g, types.GeneratorType), as for a plain generator */
        PyObject *types = pyrun_import("types");
        PyObject *cls = types ? PyObject_GetAttrString(types, "GeneratorType") : NULL;
        Py_XDECREF(types);
        return cls;
    }
    PyObject *r = PyObject_GenericGetAttr((PyObject *)g, name);
    if (r != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return r;
    }
    PyErr_Clear();
    return PyObject_GetAttr(g->agen, name);
}

static PyObject *
gen_async_attr(SyncGen *g, void *async_name)
{
    return PyObject_GetAttrString(g->agen, (const char *)async_name);
}

/* the same code object as the generator function's __code__ */
static PyObject *
gen_code(SyncGen *g, void *closure)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)g));
    PyObject *code = st ? PyObject_GetAttrString(g->agen, "ag_code") : NULL;
    PyObject *view = code ? code_view(st, code) : NULL;
    Py_XDECREF(code);
    return view;
}

/* Async generators have no ag_suspended before 3.12: paused at a yield
 * is a frame that has started and is not running. */
static PyObject *
gen_suspended(SyncGen *g, void *closure)
{
    PyObject *r = PyObject_GetAttrString(g->agen, "ag_suspended");
    if (r != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return r;
    }
    PyErr_Clear();
    PyObject *frame = PyObject_GetAttrString(g->agen, "ag_frame");
    PyObject *running = frame && frame != Py_None ? PyObject_GetAttrString(g->agen, "ag_running") : NULL;
    PyObject *lasti = running == Py_False ? PyObject_GetAttrString(frame, "f_lasti") : NULL;
    long at = lasti ? PyLong_AsLong(lasti) : 0;
    int failed = PyErr_Occurred() != NULL;
    Py_XDECREF(frame);
    Py_XDECREF(running);
    Py_XDECREF(lasti);
    return failed ? NULL : PyBool_FromLong(at > 0);
}

static PyObject *
gen_async(SyncGen *g, void *closure)
{
    return Py_NewRef(g->agen);
}

/* `async for` over it, in transformed code, is over its async side; the
 * loop holds this object, so that when the loop is left the async
 * generator is closed then, as a generator would be. */
static PyObject *
gen_async_next(SyncGen *g)
{
    if (gen_refuse_reentry(g) < 0 || gen_watch(g) < 0) {
        return NULL;
    }
    return PyObject_CallMethod(g->agen, "__anext__", NULL);
}

static PyMethodDef gen_methods[] = {
    {"send", (PyCFunction)gen_send, METH_O, NULL},
    {"throw", (PyCFunction)gen_throw, METH_VARARGS, NULL},
    {"close", (PyCFunction)gen_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef gen_getset[] = {
    {"__pyrun_async__", (getter)gen_async, NULL, "the async generator behind this generator", NULL},
    {"gi_frame", (getter)gen_async_attr, NULL, NULL, "ag_frame"},
    {"gi_running", (getter)gen_async_attr, NULL, NULL, "ag_running"},
    {"gi_code", (getter)gen_code, NULL, NULL, NULL},
    {"gi_yieldfrom", (getter)gen_async_attr, NULL, NULL, "ag_await"},
    {"gi_suspended", (getter)gen_suspended, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef gen_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(SyncGen, weakrefs), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot gen_slots[] = {
    {Py_tp_members, gen_members},
    {Py_am_aiter, pyrun_return_self},
    {Py_am_anext, gen_async_next},
    {Py_tp_dealloc, gen_dealloc},
    {Py_tp_traverse, gen_traverse},
    {Py_tp_clear, gen_clear},
    {Py_tp_iter, pyrun_return_self},
    {Py_tp_iternext, gen_next},
    {Py_tp_methods, gen_methods},
    {Py_tp_getset, gen_getset},
    {Py_tp_getattro, gen_getattro},
    {Py_tp_repr, gen_repr},
    {0, NULL},
};

static PyType_Spec gen_spec = {
    .name = "generator",
    .basicsize = sizeof(SyncGen),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = gen_slots,
};

PyObject *
pyrun_sync_gen_wrap(pyrun_state *st, PyObject *agen)
{
    return sync_gen_make(st, agen);
}

PyObject *
pyrun_sync_gen_async(pyrun_state *st, PyObject *obj)
{
    return Py_TYPE(obj) == st->sync_gen_type ? ((SyncGen *)obj)->agen : NULL;
}

int
pyrun_face_register(PyObject *module, pyrun_state *st)
{
    st->face_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &face_spec, NULL);
    st->function_face_type =
        st->face_type ? (PyTypeObject *)PyType_FromModuleAndSpec(module, &function_face_spec, NULL) : NULL;
    if (PyType_GetSlot((PyTypeObject *)st->method_type, Py_tp_descr_get) != NULL) {
        method_face_spec.slots = binding_method_face_slots;
    }
    st->method_face_type = st->function_face_type
                               ? (PyTypeObject *)PyType_FromModuleAndSpec(module, &method_face_spec, NULL)
                               : NULL;
    st->sync_gen_type =
        st->method_face_type ? (PyTypeObject *)PyType_FromModuleAndSpec(module, &gen_spec, NULL) : NULL;
    PyObject *types = st->sync_gen_type ? pyrun_import("types") : NULL;
    st->async_gen_type = types ? PyObject_GetAttrString(types, "AsyncGeneratorType") : NULL;
    Py_XDECREF(types);
    if (st->async_gen_type == NULL) {
        return -1;
    }
    st->blocking_error = PyErr_NewExceptionWithDoc(
        "pyrun.BlockingError",
        "Code that blocks was reached where pyrun cannot make the caller wait.", PyExc_RuntimeError,
        NULL);
    return st->blocking_error == NULL ? -1 : PyModule_AddObjectRef(module, "BlockingError", st->blocking_error);
}

/* aclose(iterator): what closing it gives to await (nothing to do for
 * an iterator that has no aclose) */
PyObject *
pyrun_helper_aclose(PyObject *module, PyObject *it)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *aclose = PyObject_GetAttrString(it, "aclose");
    if (aclose == NULL) {
        PyErr_Clear();
        return pyrun_ready(st, Py_None);
    }
    PyObject *r = PyObject_CallNoArgs(aclose);
    Py_DECREF(aclose);
    return r;
}

/* sync_iter(aiterable): its items for code that iterates synchronously */
PyObject *
pyrun_helper_sync_iter(PyObject *module, PyObject *aiterable)
{
    pyrun_state *st = pyrun_get_state(module);
    return st ? sync_gen_make(st, aiterable) : NULL;
}

/* face(fn): decorator and wrapper of colored callables */
PyObject *
pyrun_helper_face(PyObject *module, PyObject *fn)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (pyrun_is_face(st, fn)) {
        return Py_NewRef(fn);
    }
    /* its frames are a colored function's, for sys.settrace (aio/trace_filter.c) */
    PyObject *code = PyObject_GetAttrString(fn, "__code__");
    int rc = code ? pyrun_trace_mark_colored(st, code) : 0;
    Py_XDECREF(code);
    if (rc < 0 || (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_AttributeError))) {
        return NULL;
    }
    PyErr_Clear();
    return face_make(st, fn);
}

/* ---- lambdas that block where no async def can stand for them ---------- */

/* Awaiting a once-lambda's generator expression: its one item, the
 * lambda's value. The expression is then run to its end, so that no
 * unfinished async generator is left for the loop to close. */
static step_result
first_item_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (s->phase == 1) {
        s->o[1] = Py_NewRef(value); /* the item */
    }
    if (s->phase++ > 1) {
        PyErr_SetString(PyExc_RuntimeError, "a lambda's expression gave a second item");
        return STEP_ERROR;
    }
    *out = PyObject_CallMethod(s->o[0], "__anext__", NULL);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

/* The body raising StopIteration ends an async generator with
 * RuntimeError (PEP 479); the lambda raised StopIteration, and it is
 * carried out as a colored def carries it (rw_carry_stop_iteration). */
static step_result
first_item_error(pyrun_step *s, PyObject **out)
{
    if (s->phase == 2 && PyErr_ExceptionMatches(PyExc_StopAsyncIteration)) {
        PyErr_Clear();
        *out = Py_NewRef(s->o[1]);
        return STEP_DONE;
    }
    if (s->phase != 1 || !PyErr_ExceptionMatches(PyExc_RuntimeError)) {
        return STEP_ERROR;
    }
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    PyObject *cause = exc ? PyException_GetCause(exc) : NULL;
    if (cause == NULL || !PyErr_GivenExceptionMatches(cause, PyExc_StopIteration)) {
        Py_XDECREF(cause);
        PyErr_Restore(type, exc, tb);
        return STEP_ERROR;
    }
    Py_XDECREF(type);
    Py_XDECREF(exc);
    Py_XDECREF(tb);
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    *out = st ? pyrun_stopped_new(st, cause) : NULL;
    Py_DECREF(cause);
    return *out ? STEP_DONE : STEP_ERROR;
}

static PyObject *
first_item(pyrun_state *st, PyObject *agen)
{
    pyrun_step *s = pyrun_step_new(st, first_item_next, first_item_error);
    if (s != NULL) {
        s->o[0] = Py_NewRef(agen);
    }
    return (PyObject *)s;
}

/* A once-lambda's code, with its generator expression named as the
 * lambda, for tracebacks: the expression's frame is the one that runs the
 * body. Its frames wait as a colored function's do (trace_filter.c). */
static PyObject *
once_code(pyrun_state *st, PyObject *code)
{
    PyObject *known = PyObject_GetItem(st->once_codes, code);
    if (known != NULL || !PyErr_ExceptionMatches(PyExc_KeyError)) {
        return known;
    }
    PyErr_Clear();
    PyObject *consts = PyObject_GetAttrString(code, "co_consts");
    PyObject *name = consts ? PyObject_GetAttrString(code, "co_name") : NULL;
    PyObject *qualname = name ? PyObject_GetAttrString(code, "co_qualname") : NULL;
    PyObject *list = qualname ? PySequence_List(consts) : NULL;
    PyObject *fixed = NULL;
    for (Py_ssize_t i = 0; list != NULL && i < PyList_Size(list); i++) {
        PyObject *c = PyList_GetItem(list, i);
        if (Py_TYPE(c) != Py_TYPE(code)) {
            continue;
        }
        PyObject *replace = PyObject_GetAttrString(c, "replace");
        PyObject *empty = replace ? PyTuple_New(0) : NULL;
        PyObject *kw = empty ? Py_BuildValue("{sOsO}", "co_name", name, "co_qualname", qualname) : NULL;
        PyObject *gen = kw ? PyObject_Call(replace, empty, kw) : NULL;
        Py_XDECREF(replace);
        Py_XDECREF(empty);
        Py_XDECREF(kw);
        if (gen == NULL || pyrun_trace_mark_colored(st, gen) < 0 || PyList_SetItem(list, i, gen) < 0) {
            Py_CLEAR(list);
        }
        break;
    }
    PyObject *tuple = list ? PyList_AsTuple(list) : NULL;
    PyObject *replace = tuple ? PyObject_GetAttrString(code, "replace") : NULL;
    PyObject *empty = replace ? PyTuple_New(0) : NULL;
    PyObject *kw = empty ? Py_BuildValue("{sO}", "co_consts", tuple) : NULL;
    fixed = kw ? PyObject_Call(replace, empty, kw) : NULL;
    if (fixed != NULL && PyObject_SetItem(st->once_codes, code, fixed) < 0) {
        Py_CLEAR(fixed);
    }
    Py_XDECREF(consts);
    Py_XDECREF(name);
    Py_XDECREF(qualname);
    Py_XDECREF(list);
    Py_XDECREF(tuple);
    Py_XDECREF(replace);
    Py_XDECREF(empty);
    Py_XDECREF(kw);
    return fixed;
}

/* lambda_face(fn): the face of `lambda ...: (body for _ in (None,))`, the
 * form rw_lambda gives a lambda that blocks inside a comprehension, a
 * class body or another lambda. Called, it gives the body's value. */
PyObject *
pyrun_helper_lambda_face(PyObject *module, PyObject *fn)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *code = st ? PyObject_GetAttrString(fn, "__code__") : NULL;
    PyObject *fixed = code ? once_code(st, code) : NULL;
    int rc = fixed ? PyObject_SetAttrString(fn, "__code__", fixed) : -1;
    Py_XDECREF(code);
    Py_XDECREF(fixed);
    PyObject *face = rc == 0 ? face_make(st, fn) : NULL;
    if (face != NULL) {
        ((Face *)face)->once = 1;
    }
    return face;
}

/* block(awaitable, what): where code cannot await (a class body). */
PyObject *
pyrun_helper_block(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *awaitable, *what;
    if (st == NULL || !PyArg_ParseTuple(args, "OU:block", &awaitable, &what)) {
        return NULL;
    }
    return pyrun_wait_synchronously(st, Py_NewRef(awaitable), what, CANNOT_AWAIT);
}

/* unsupported(what): a construct the transform cannot make async, reached. */
PyObject *
pyrun_helper_unsupported(PyObject *module, PyObject *what)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st != NULL) {
        PyErr_Format(st->blocking_error, "pyrun cannot make %S async", what);
    }
    return NULL;
}
