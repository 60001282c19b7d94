/* acm(cm): a context manager whose __enter__/__exit__ block, used with
 * `async with`. Each is called as `with` would; a colored one (a face) is
 * awaited, a plain one completes at once. A @contextmanager of a colored
 * generator is entered through its async side, with the semantics of
 * contextlib's own asynccontextmanager. */
#include "helpers.h"

typedef struct {
    PyObject_HEAD
    PyObject *cm;
    PyObject *exit; /* looked up on entry, as `with` does */
    int coop;       /* entered as a thread enters a lock (threads.c) */
} AsyncCM;

static int
acm_traverse(AsyncCM *a, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)a));
    Py_VISIT(a->cm);
    Py_VISIT(a->exit);
    return 0;
}

static int
acm_clear(AsyncCM *a)
{
    Py_CLEAR(a->cm);
    Py_CLEAR(a->exit);
    return 0;
}

static void
acm_dealloc(AsyncCM *a)
{
    PyTypeObject *type = Py_TYPE((PyObject *)a);
    PyObject_GC_UnTrack(a);
    acm_clear(a);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(a);
    Py_DECREF(type);
}

/* type(cm).<name>, as the with statement looks special methods up. */
static PyObject *
special(AsyncCM *a, const char *name)
{
    PyObject *m = PyObject_GetAttrString((PyObject *)Py_TYPE(a->cm), name);
    if (m == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        PyObject *tname = PyType_GetName(Py_TYPE(a->cm));
        if (tname != NULL) {
            PyErr_Format(PyExc_TypeError,
                         "'%U' object does not support the context manager protocol", tname);
            Py_DECREF(tname);
        }
    }
    return m;
}

static PyObject *
call_special(pyrun_state *st, PyObject *method, PyObject *args)
{
    return pyrun_call_maybe(st, method, args, NULL);
}

static PyObject *
acm_aenter(AsyncCM *a, PyObject *Py_UNUSED(ignored))
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)a));
    PyObject *coop = st ? pyrun_coop_enter(st, a->cm) : NULL;
    if (coop != NULL || st == NULL || PyErr_Occurred()) {
        a->coop = coop != NULL;
        return coop;
    }
    PyObject *enter = special(a, "__enter__");
    if (enter == NULL) {
        return NULL;
    }
    Py_XSETREF(a->exit, special(a, "__exit__"));
    PyObject *args = a->exit ? PyTuple_Pack(1, a->cm) : NULL;
    PyObject *r = args ? call_special(st, enter, args) : NULL;
    Py_XDECREF(args);
    Py_DECREF(enter);
    return r;
}

static PyObject *
acm_aexit(AsyncCM *a, PyObject *args)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)a));
    PyObject *t, *v, *tb;
    if (st == NULL || !PyArg_ParseTuple(args, "OOO:__aexit__", &t, &v, &tb)) {
        return NULL;
    }
    if (a->coop) {
        /* a lock, condition, semaphore or executor: released as a thread releases it */
        return pyrun_coop_exit(st, a->cm);
    }
    if (a->exit == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "__aexit__ before __aenter__");
        return NULL;
    }
    PyObject *all = PyTuple_Pack(4, a->cm, t, v, tb);
    PyObject *r = all ? call_special(st, a->exit, all) : NULL;
    Py_XDECREF(all);
    return r;
}

static PyMethodDef acm_methods[] = {
    {"__aenter__", (PyCFunction)acm_aenter, METH_NOARGS, NULL},
    {"__aexit__", (PyCFunction)acm_aexit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot acm_slots[] = {
    {Py_tp_dealloc, acm_dealloc},
    {Py_tp_traverse, acm_traverse},
    {Py_tp_clear, acm_clear},
    {Py_tp_methods, acm_methods},
    {0, NULL},
};

static PyType_Spec acm_spec = {
    .name = "pyrun.AsyncContextManager",
    .basicsize = sizeof(AsyncCM),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = acm_slots,
};

int
pyrun_cm_register(PyObject *module, pyrun_state *st)
{
    st->acm_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &acm_spec, NULL);
    return st->acm_type == NULL ? -1 : 0;
}

/* contextlib's _GeneratorContextManager over a pyrun generator: the same
 * over its async generator, as asynccontextmanager makes it. NULL (no
 * exception) for anything else. */
static PyObject *
async_generator_cm(pyrun_state *st, PyObject *cm)
{
    PyObject *tname = PyType_GetName(Py_TYPE(cm));
    int is_gcm = tname && PyUnicode_CompareWithASCIIString(tname, "_GeneratorContextManager") == 0;
    Py_XDECREF(tname);
    PyObject *gen = is_gcm ? PyObject_GetAttrString(cm, "gen") : NULL;
    PyErr_Clear();
    PyObject *agen = gen ? pyrun_sync_gen_async(st, gen) : NULL;
    if (agen == NULL) {
        Py_XDECREF(gen);
        return NULL;
    }
    PyObject *contextlib = pyrun_import("contextlib");
    PyObject *cls = contextlib ? PyObject_GetAttrString(contextlib, "_AsyncGeneratorContextManager") : NULL;
    PyObject *obj = cls ? PyObject_CallMethod((PyObject *)&PyBaseObject_Type, "__new__", "O", cls) : NULL;
    static const char *const fields[] = {"func", "args", "kwds"};
    int rc = obj ? PyObject_SetAttrString(obj, "gen", agen) : -1;
    for (size_t i = 0; rc == 0 && i < sizeof fields / sizeof fields[0]; i++) {
        /* the generator was made already: entering only deletes these */
        PyObject *v = PyObject_GetAttrString(cm, fields[i]);
        if (v == NULL) {
            PyErr_Clear();
            v = Py_NewRef(Py_None);
        }
        rc = PyObject_SetAttrString(obj, fields[i], v);
        Py_DECREF(v);
    }
    Py_XDECREF(contextlib);
    Py_XDECREF(cls);
    Py_DECREF(gen);
    if (rc < 0) {
        Py_CLEAR(obj);
    }
    return obj;
}

PyObject *
pyrun_helper_acm(PyObject *module, PyObject *cm)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *native = async_generator_cm(st, cm);
    if (native != NULL || PyErr_Occurred()) {
        return native;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->acm_type, Py_tp_alloc);
    AsyncCM *a = (AsyncCM *)alloc(st->acm_type, 0);
    if (a != NULL) {
        a->cm = Py_NewRef(cm);
    }
    return (PyObject *)a;
}
