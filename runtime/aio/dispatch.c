/* functools.singledispatch and singledispatchmethod over colored functions.
 *
 * functools' dispatcher calls the implementation it picks from Python code
 * pyrun does not rewrite, so a colored implementation would only be
 * waited for there. The rewrite turns `@singledispatch` (and
 * `@singledispatchmethod`) into `@__pyrun__.dispatching(singledispatch)`:
 * the dispatcher is still functools' own (register, dispatch, registry),
 * but calls go through a Dispatch, which picks the implementation with
 * functools' dispatch() and, when it is colored, gives back its coroutine.
 * Wrapped in a face, that is awaited by transformed code and waited for by
 * anything else. Every attribute is the dispatcher's. */
#include "helpers.h"

typedef struct {
    PyObject_HEAD
    PyObject *target; /* singledispatch's function, or a singledispatchmethod */
    PyObject *obj;    /* a method's: the instance (or None) and class it was read through */
    PyObject *cls;
    PyObject *view;   /* a method's: what singledispatchmethod.__get__ gives, for its attributes */
    int bound;
} Dispatch;

typedef struct {
    PyObject_HEAD
    PyObject *method; /* the singledispatchmethod */
} DispatchMethod;

static int
dispatch_traverse(Dispatch *d, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)d));
    Py_VISIT(d->target);
    Py_VISIT(d->obj);
    Py_VISIT(d->cls);
    Py_VISIT(d->view);
    return 0;
}

static int
dispatch_clear(Dispatch *d)
{
    Py_CLEAR(d->target);
    Py_CLEAR(d->obj);
    Py_CLEAR(d->cls);
    Py_CLEAR(d->view);
    return 0;
}

static void
dispatch_dealloc(Dispatch *d)
{
    PyTypeObject *type = Py_TYPE((PyObject *)d);
    PyObject_GC_UnTrack(d);
    dispatch_clear(d);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(d);
    Py_DECREF(type);
}

/* The implementation for the first argument's class, as functools picks
 * it (bound to the instance for a method); NULL with the dispatcher's own
 * error when there is no argument. */
static PyObject *
implementation(Dispatch *d, PyObject *args)
{
    if (PyTuple_Size(args) == 0) {
        return NULL;
    }
    PyObject *dispatcher = d->bound ? PyObject_GetAttrString(d->target, "dispatcher") : Py_NewRef(d->target);
    PyObject *cls = dispatcher ? PyObject_GetAttrString(PyTuple_GetItem(args, 0), "__class__") : NULL;
    PyObject *impl = cls ? PyObject_CallMethod(dispatcher, "dispatch", "O", cls) : NULL;
    Py_XDECREF(dispatcher);
    Py_XDECREF(cls);
    if (impl != NULL && d->bound) {
        PyObject *method = PyObject_CallMethod(impl, "__get__", "OO", d->obj, d->cls);
        Py_SETREF(impl, method);
    }
    return impl;
}

static PyObject *
dispatch_call(Dispatch *d, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)d));
    if (st == NULL) {
        return NULL;
    }
    if (PyTuple_Size(args) == 0) {
        /* functools' own TypeError ("... requires at least 1 positional argument") */
        if (!d->bound) {
            return PyObject_Call(d->target, args, kwargs);
        }
        return PyObject_Call(d->view, args, kwargs);
    }
    PyObject *impl = implementation(d, args);
    if (impl == NULL) {
        return NULL;
    }
    /* a colored implementation's coroutine, for the face over this */
    PyObject *r = pyrun_face_call_async(st, impl, args, kwargs);
    if (r == NULL && !PyErr_Occurred()) {
        r = PyObject_Call(impl, args, kwargs);
    }
    Py_DECREF(impl);
    return r;
}

/* register, dispatch, registry, __name__, __doc__, __wrapped__,
 * __class__...: the dispatcher's (for a method, those of the function
 * singledispatchmethod.__get__ gives) */
static PyObject *
dispatch_getattro(Dispatch *d, PyObject *name)
{
    return PyObject_GetAttr(d->bound ? d->view : d->target, name);
}

static PyType_Slot dispatch_slots[] = {
    {Py_tp_dealloc, dispatch_dealloc},
    {Py_tp_traverse, dispatch_traverse},
    {Py_tp_clear, dispatch_clear},
    {Py_tp_call, dispatch_call},
    {Py_tp_getattro, dispatch_getattro},
    {0, NULL},
};

static PyType_Spec dispatch_spec = {
    .name = "pyrun.Dispatch",
    .basicsize = sizeof(Dispatch),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = dispatch_slots,
};

static PyObject *
dispatch_face(pyrun_state *st, PyObject *module, PyObject *target, PyObject *obj, PyObject *cls)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->dispatch_type, Py_tp_alloc);
    Dispatch *d = (Dispatch *)alloc(st->dispatch_type, 0);
    if (d == NULL) {
        return NULL;
    }
    d->target = Py_NewRef(target);
    d->bound = obj != NULL;
    d->obj = Py_XNewRef(obj);
    d->cls = Py_XNewRef(cls);
    d->view = d->bound ? PyObject_CallMethod(target, "__get__", "OO", obj, cls) : NULL;
    if (d->bound && d->view == NULL) {
        Py_DECREF(d);
        return NULL;
    }
    PyObject *face = pyrun_helper_face(module, (PyObject *)d);
    Py_DECREF(d);
    return face;
}

/* ---- singledispatchmethod ---------------------------------------------- */

static int
method_traverse(DispatchMethod *m, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)m));
    Py_VISIT(m->method);
    return 0;
}

static int
method_clear(DispatchMethod *m)
{
    Py_CLEAR(m->method);
    return 0;
}

static void
method_dealloc(DispatchMethod *m)
{
    PyTypeObject *type = Py_TYPE((PyObject *)m);
    PyObject_GC_UnTrack(m);
    method_clear(m);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(m);
    Py_DECREF(type);
}

/* Read through an instance or the class: the dispatching function
 * singledispatchmethod.__get__ gives, as a face. */
static PyObject *
method_get(DispatchMethod *m, PyObject *obj, PyObject *cls)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)m));
    PyObject *module = st ? PyType_GetModule(Py_TYPE((PyObject *)m)) : NULL;
    if (module == NULL) {
        return NULL;
    }
    return dispatch_face(st, module, m->method, obj ? obj : Py_None, cls ? cls : Py_None);
}

static PyObject *
method_getattro(DispatchMethod *m, PyObject *name)
{
    return PyObject_GetAttr(m->method, name);
}

static PyType_Slot method_slots[] = {
    {Py_tp_dealloc, method_dealloc},
    {Py_tp_traverse, method_traverse},
    {Py_tp_clear, method_clear},
    {Py_tp_descr_get, method_get},
    {Py_tp_getattro, method_getattro},
    {0, NULL},
};

static PyType_Spec method_spec = {
    .name = "pyrun.DispatchMethod",
    .basicsize = sizeof(DispatchMethod),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = method_slots,
};

/* ---- dispatching(decorator) --------------------------------------------- */

/* self: (module, decorator), applied to the function it decorates */
static PyObject *
dispatching_apply(PyObject *self, PyObject *fn)
{
    PyObject *module = PyTuple_GetItem(self, 0);
    pyrun_state *st = pyrun_get_state(module);
    PyObject *made = st ? PyObject_CallOneArg_compat(PyTuple_GetItem(self, 1), fn) : NULL;
    if (made == NULL) {
        return NULL;
    }
    PyObject *functools = pyrun_import("functools");
    PyObject *method_type = functools ? PyObject_GetAttrString(functools, "singledispatchmethod") : NULL;
    Py_XDECREF(functools);
    int is_method = method_type ? PyObject_IsInstance(made, method_type) : -1;
    Py_XDECREF(method_type);
    int is_function = is_method == 0 ? PyObject_HasAttrString(made, "dispatch") &&
                                           PyObject_HasAttrString(made, "registry")
                                     : 0;
    PyObject *out = NULL;
    if (is_method > 0) {
        allocfunc alloc = (allocfunc)PyType_GetSlot(st->dispatch_method_type, Py_tp_alloc);
        DispatchMethod *m = (DispatchMethod *)alloc(st->dispatch_method_type, 0);
        if (m != NULL) {
            m->method = Py_NewRef(made);
        }
        out = (PyObject *)m;
    }
    else if (is_function) {
        out = dispatch_face(st, module, made, NULL, NULL);
    }
    else if (is_method == 0) {
        out = Py_NewRef(made); /* someone else's singledispatch */
    }
    Py_DECREF(made);
    return out;
}

static PyMethodDef dispatching_apply_def = {"dispatching", dispatching_apply, METH_O, NULL};

/* dispatching(decorator): singledispatch or singledispatchmethod, made to
 * await the colored implementations it picks. */
PyObject *
pyrun_helper_dispatching(PyObject *module, PyObject *decorator)
{
    PyObject *self = PyTuple_Pack(2, module, decorator);
    PyObject *apply = self ? PyCFunction_New(&dispatching_apply_def, self) : NULL;
    Py_XDECREF(self);
    return apply;
}

int
pyrun_dispatch_register(PyObject *module, pyrun_state *st)
{
    st->dispatch_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &dispatch_spec, NULL);
    st->dispatch_method_type =
        st->dispatch_type ? (PyTypeObject *)PyType_FromModuleAndSpec(module, &method_spec, NULL) : NULL;
    return st->dispatch_method_type == NULL ? -1 : 0;
}
