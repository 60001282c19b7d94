/* Faces: colored functions as code pyrun does not rewrite sees them.
 *
 * A colored def that the interpreter or a library may call directly (a
 * dunder such as __str__, a property getter, a def behind a decorator
 * pyrun cannot see through, a callable handed to a C function) is wrapped
 * in a face. Transformed code reaches the async function behind it and
 * awaits it. A synchronous call of the face itself:
 *   - from the host, with no Python code running (a JS event handler or
 *     timer), starts it as a Task: that is what an event handler needs;
 *   - otherwise waits for it synchronously (aio/wait_sync.c: JSPI, or the
 *     coroutine driven right there, or pyrun.BlockingError in strict mode),
 *     instead of returning a coroutine nobody awaits. */
#include "helpers.h"

typedef struct {
    PyObject_HEAD
    PyObject *fn;   /* the async function */
    PyObject *self; /* bound instance, or NULL */
} Face;

static int
face_traverse(Face *f, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)f));
    Py_VISIT(f->fn);
    Py_VISIT(f->self);
    return 0;
}

static int
face_clear(Face *f)
{
    Py_CLEAR(f->fn);
    Py_CLEAR(f->self);
    return 0;
}

static void
face_dealloc(Face *f)
{
    PyTypeObject *type = Py_TYPE((PyObject *)f);
    PyObject_GC_UnTrack(f);
    face_clear(f);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(f);
    Py_DECREF(type);
}

static PyObject *
face_make(pyrun_state *st, PyObject *fn, PyObject *self)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->face_type, Py_tp_alloc);
    Face *f = (Face *)alloc(st->face_type, 0);
    if (f != NULL) {
        f->fn = Py_NewRef(fn);
        f->self = Py_XNewRef(self);
    }
    return (PyObject *)f;
}

/* The coroutine: fn(self?, *args, **kwargs). */
static PyObject *
face_coroutine(Face *f, PyObject *args, PyObject *kwargs)
{
    if (f->self == NULL) {
        return PyObject_Call(f->fn, args, kwargs);
    }
    PyObject *all = PyTuple_New(PyTuple_Size(args) + 1);
    if (all == NULL) {
        return NULL;
    }
    PyTuple_SetItem(all, 0, Py_NewRef(f->self));
    for (Py_ssize_t i = 0; i < PyTuple_Size(args); i++) {
        PyTuple_SetItem(all, i + 1, Py_NewRef(PyTuple_GetItem(args, i)));
    }
    PyObject *r = PyObject_Call(f->fn, all, kwargs);
    Py_DECREF(all);
    return r;
}

PyObject *
pyrun_face_call_async(pyrun_state *st, PyObject *callable, PyObject *args, PyObject *kwargs)
{
    if (Py_TYPE(callable) != st->face_type) {
        return NULL;
    }
    return face_coroutine((Face *)callable, args, kwargs);
}

static const char CALLED_FROM_C[] =
    "code that pyrun does not rewrite, such as the interpreter calling a special method or a "
    "library calling back, cannot be made async";
static const char CANNOT_AWAIT[] =
    "this code runs synchronously (a class body, or a lambda inside a comprehension) and cannot "
    "be made async";

static PyObject *
face_name(Face *f)
{
    PyObject *qual = PyObject_GetAttrString(f->fn, "__qualname__");
    if (qual == NULL) {
        PyErr_Clear();
        return PyUnicode_FromString("a function");
    }
    PyObject *name = PyUnicode_FromFormat("%U()", qual);
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
    PyObject *coro = face_coroutine(f, args, kwargs);
    if (coro == NULL) {
        return NULL;
    }
    if (PyEval_GetFrame() == NULL) {
        /* Called by the host with no Python running: an event handler. */
        PyObject *loop = PyObject_CallNoArgs(st->get_running_loop);
        PyObject *task = loop ? PyObject_CallMethod(loop, "create_task", "O", coro) : NULL;
        Py_XDECREF(loop);
        Py_DECREF(coro);
        return task;
    }
    PyObject *what = face_name(f);
    if (what == NULL) {
        Py_DECREF(coro);
        return NULL;
    }
    PyObject *r = pyrun_wait_synchronously(st, coro, what, CALLED_FROM_C);
    Py_DECREF(what);
    return r;
}

static PyObject *
face_descr_get(Face *f, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None || f->self != NULL) {
        return Py_NewRef((PyObject *)f);
    }
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)f));
    return st ? face_make(st, f->fn, obj) : NULL;
}

/* Everything else a function has (__name__, __doc__, __wrapped__...) is
 * the wrapped function's. */
static PyObject *
face_getattro(Face *f, PyObject *name)
{
    PyObject *r = PyObject_GenericGetAttr((PyObject *)f, name);
    if (r != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return r;
    }
    PyErr_Clear();
    return PyObject_GetAttr(f->fn, name);
}

static PyObject *
face_async(Face *f, void *closure)
{
    if (f->self == NULL) {
        return Py_NewRef(f->fn);
    }
    PyObject *types = PyImport_ImportModule("types");
    PyObject *m = types ? PyObject_CallMethod(types, "MethodType", "OO", f->fn, f->self) : NULL;
    Py_XDECREF(types);
    return m;
}

static PyObject *
face_repr(Face *f)
{
    return PyUnicode_FromFormat("<pyrun face of %R>", f->fn);
}

static PyObject *
face_richcompare(Face *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || Py_TYPE(b) != Py_TYPE((PyObject *)a)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    Face *fb = (Face *)b;
    int eq = a->fn == fb->fn && a->self == fb->self;
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t
face_hash(Face *f)
{
    Py_hash_t h = PyObject_Hash(f->fn);
    return h == -1 ? -1 : h ^ (Py_hash_t)(size_t)f->self;
}

static PyGetSetDef face_getset[] = {
    {"__pyrun_async__", (getter)face_async, NULL, "the async function behind this face", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot face_slots[] = {
    {Py_tp_dealloc, face_dealloc},
    {Py_tp_traverse, face_traverse},
    {Py_tp_clear, face_clear},
    {Py_tp_call, face_call},
    {Py_tp_descr_get, face_descr_get},
    {Py_tp_getattro, face_getattro},
    {Py_tp_getset, face_getset},
    {Py_tp_repr, face_repr},
    {Py_tp_richcompare, face_richcompare},
    {Py_tp_hash, face_hash},
    {0, NULL},
};

static PyType_Spec face_spec = {
    .name = "pyrun.Face",
    .basicsize = sizeof(Face),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = face_slots,
};

int
pyrun_face_register(PyObject *module, pyrun_state *st)
{
    st->face_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &face_spec, NULL);
    if (st->face_type == NULL) {
        return -1;
    }
    st->blocking_error = PyErr_NewExceptionWithDoc(
        "pyrun.BlockingError",
        "Code that blocks was reached where pyrun cannot make the caller wait.", PyExc_RuntimeError,
        NULL);
    return st->blocking_error == NULL ? -1 : PyModule_AddObjectRef(module, "BlockingError", st->blocking_error);
}

/* face(fn): decorator and wrapper of colored callables */
PyObject *
pyrun_helper_face(PyObject *module, PyObject *fn)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (Py_TYPE(fn) == st->face_type) {
        return Py_NewRef(fn);
    }
    return face_make(st, fn, NULL);
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
