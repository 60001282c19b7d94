/* threading.local for threads that are tasks.
 *
 * CPython's _thread._local keys each thread's attributes by the OS thread,
 * and every thread pyrun runs is a task on the one OS thread: with it, all
 * threads would share one set of attributes. This type keys them by the
 * threading.Thread the running task is (by the OS thread outside threads),
 * and does what _thread._local does: a new thread starts with no
 * attributes, and a subclass's __init__ runs again, with the constructor's
 * arguments, the first time a thread touches the object.
 *
 * The attributes of the thread that touched the object last are its
 * __dict__; the others wait in `dicts`. While no thread runs, that is
 * always the main program's, and an access costs one dict size check more
 * than a plain object's. pyrun puts it in place of threading.local when it
 * loads, under _thread._local's name, so that a program without threads
 * sees what it sees on plain Pyodide. */
#include "coop.h"

#include <pythread.h>
#include <stddef.h>
#include <structmember.h> /* T_PYSSIZET, READONLY */

typedef struct {
    PyObject_HEAD
    PyObject *module;  /* pyrun, for its state */
    PyObject *dicts;   /* dict: thread -> its attributes, but the loaded one's */
    PyObject *owner;   /* the thread whose attributes are in dict */
    PyObject *args;    /* what the constructor got, for __init__ in each thread */
    PyObject *kwargs;
    PyObject *dict;
    PyObject *weakrefs;
} Local;

/* Who is running: the threading.Thread of the task, or the OS thread. */
static PyObject *
thread_key(Local *self)
{
    pyrun_state *st = pyrun_get_state(self->module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *thread = pyrun_coop_current_thread(st);
    if (thread != NULL || PyErr_Occurred()) {
        return thread;
    }
    return PyLong_FromUnsignedLong(PyThread_get_thread_ident());
}

static int
has_own_init(PyTypeObject *type)
{
    return PyType_GetSlot(type, Py_tp_init) != PyType_GetSlot(&PyBaseObject_Type, Py_tp_init);
}

/* Puts the running thread's attributes in __dict__; a thread new to the
 * object gets new ones, and the subclass's __init__. */
static int
load(Local *self)
{
    PyObject *key = thread_key(self);
    if (key == NULL) {
        return -1;
    }
    int same = PyObject_RichCompareBool(key, self->owner, Py_EQ);
    if (same != 0) {
        Py_DECREF(key);
        return same < 0 ? -1 : 0;
    }
    if (self->dict == NULL) {
        self->dict = PyDict_New();
    }
    if (self->dict == NULL || PyDict_SetItem(self->dicts, self->owner, self->dict) < 0) {
        Py_DECREF(key);
        return -1;
    }
    PyObject *mine = PyDict_GetItemWithError(self->dicts, key);
    int fresh = mine == NULL;
    if (fresh && PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    mine = fresh ? PyDict_New() : Py_NewRef(mine);
    if (mine == NULL) {
        Py_DECREF(key);
        return -1;
    }
    if (!fresh && PyDict_DelItem(self->dicts, key) < 0) {
        Py_DECREF(mine);
        Py_DECREF(key);
        return -1;
    }
    Py_SETREF(self->dict, mine);
    Py_SETREF(self->owner, key);
    if (fresh && has_own_init(Py_TYPE((PyObject *)self))) {
        PyObject *init = PyObject_GetAttrString((PyObject *)self, "__init__");
        PyObject *r = init ? PyObject_Call(init, self->args, self->kwargs) : NULL;
        Py_XDECREF(init);
        if (r == NULL) {
            return -1;
        }
        Py_DECREF(r);
    }
    return 0;
}

static PyObject *
local_getattro(PyObject *self, PyObject *name)
{
    return load((Local *)self) < 0 ? NULL : PyObject_GenericGetAttr(self, name);
}

static int
local_setattro(PyObject *self, PyObject *name, PyObject *value)
{
    return load((Local *)self) < 0 ? -1 : PyObject_GenericSetAttr(self, name, value);
}

static PyObject *
local_get_dict(PyObject *self, void *closure)
{
    return load((Local *)self) < 0 ? NULL : PyObject_GenericGetDict(self, closure);
}

static PyObject *
local_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if ((PyTuple_Size(args) > 0 || (kwargs != NULL && PyDict_Size(kwargs) > 0)) && !has_own_init(type)) {
        PyErr_SetString(PyExc_TypeError, "Initialization arguments are not supported");
        return NULL;
    }
    /* pyrun's module, from the first class in the MRO that is this one */
    PyObject *mro = PyObject_GetAttrString((PyObject *)type, "__mro__");
    PyObject *module = NULL;
    for (Py_ssize_t i = 0; mro != NULL && module == NULL && i < PyTuple_Size(mro); i++) {
        PyObject *base = PyTuple_GetItem(mro, i);
        if (PyType_GetSlot((PyTypeObject *)base, Py_tp_new) == (void *)local_new) {
            module = PyType_GetModule((PyTypeObject *)base);
        }
        PyErr_Clear();
    }
    Py_XDECREF(mro);
    if (module == NULL) {
        PyErr_SetString(PyExc_TypeError, "threading.local: pyrun's base class is not in the MRO");
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    Local *self = (Local *)alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->module = Py_NewRef(module);
    self->dicts = PyDict_New();
    self->dict = PyDict_New();
    self->args = Py_NewRef(args);
    self->kwargs = kwargs ? PyDict_Copy(kwargs) : PyDict_New();
    self->owner = thread_key(self);
    if (self->dicts == NULL || self->dict == NULL || self->kwargs == NULL || self->owner == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int
local_traverse(Local *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)self));
    Py_VISIT(self->module);
    Py_VISIT(self->dicts);
    Py_VISIT(self->owner);
    Py_VISIT(self->args);
    Py_VISIT(self->kwargs);
    Py_VISIT(self->dict);
    return 0;
}

static int
local_clear(Local *self)
{
    Py_CLEAR(self->module);
    Py_CLEAR(self->dicts);
    Py_CLEAR(self->owner);
    Py_CLEAR(self->args);
    Py_CLEAR(self->kwargs);
    Py_CLEAR(self->dict);
    return 0;
}

static void
local_dealloc(Local *self)
{
    PyTypeObject *type = Py_TYPE((PyObject *)self);
    PyObject_GC_UnTrack(self);
    if (self->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    local_clear(self);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(self);
    Py_DECREF(type);
}

static PyMemberDef local_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(Local, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(Local, weakrefs), READONLY, NULL},
    {NULL},
};

static PyGetSetDef local_getset[] = {
    {"__dict__", local_get_dict, NULL, "the running thread's attributes", NULL},
    {NULL},
};

static PyType_Slot local_slots[] = {
    {Py_tp_new, local_new},
    {Py_tp_dealloc, local_dealloc},
    {Py_tp_traverse, local_traverse},
    {Py_tp_clear, local_clear},
    {Py_tp_getattro, local_getattro},
    {Py_tp_setattro, local_setattro},
    {Py_tp_members, local_members},
    {Py_tp_getset, local_getset},
    {Py_tp_doc, "Thread-local data"},
    {0, NULL},
};

/* _thread._local's name: what a program printing type(threading.local())
 * sees on plain Pyodide. */
static PyType_Spec local_spec = {
    .name = "_thread._local",
    .basicsize = sizeof(Local),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = local_slots,
};

int
pyrun_local_init(PyObject *module, pyrun_state *st)
{
    (void)st;
    /* asyncio's record of the running loop is a threading.local of the OS
     * thread, which every task shares: it keeps the real one */
    PyObject *events = pyrun_import("asyncio.events");
    PyObject *type = events ? PyType_FromModuleAndSpec(module, &local_spec, NULL) : NULL;
    PyObject *threading = type ? pyrun_import("threading") : NULL;
    Py_XDECREF(events);
    int rc = threading ? PyObject_SetAttrString(threading, "local", type) : -1;
    Py_XDECREF(threading);
    Py_XDECREF(type);
    return rc;
}
