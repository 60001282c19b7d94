/* The loader of user modules: it runs the transformed code, compiled once
 * per file version (path, mtime, size) together with the modules of its
 * program, and otherwise answers as the loader it replaces. */
#include "importer.h"

#include "../aio/helpers.h"
#include "../transform/transform.h"

typedef struct {
    PyObject_HEAD
    PyObject *inner; /* importlib's loader for this module (source file or zip) */
} Loader;

static int
loader_traverse(Loader *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)self));
    Py_VISIT(self->inner);
    return 0;
}

static int
loader_clear(Loader *self)
{
    Py_CLEAR(self->inner);
    return 0;
}

static void
loader_dealloc(Loader *self)
{
    PyTypeObject *type = Py_TYPE((PyObject *)self);
    PyObject_GC_UnTrack(self);
    loader_clear(self);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(self);
    Py_DECREF(type);
}

/* (mtime_ns, size) of a file, through Python (no C stat: see the toolchain
 * notes on time_t); None for a module inside a zip archive, which does not
 * change under a running program. */
static PyObject *
file_stamp(PyObject *path)
{
    PyObject *os = pyrun_import("os");
    PyObject *st = os ? PyObject_CallMethod(os, "stat", "O", path) : NULL;
    Py_XDECREF(os);
    if (st == NULL) {
        if (PyErr_ExceptionMatches(PyExc_OSError)) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        return NULL;
    }
    PyObject *mtime = PyObject_GetAttrString(st, "st_mtime_ns");
    PyObject *size = mtime ? PyObject_GetAttrString(st, "st_size") : NULL;
    Py_DECREF(st);
    PyObject *stamp = size ? PyTuple_Pack(2, mtime, size) : NULL;
    Py_XDECREF(mtime);
    Py_XDECREF(size);
    return stamp;
}

static int
cache_store(pyrun_state *st, PyObject *path, PyObject *stamp, PyObject *code)
{
    PyObject *entry = PyTuple_Pack(2, stamp, code);
    int rc = entry ? PyDict_SetItem(st->code_cache, path, entry) : -1;
    Py_XDECREF(entry);
    return rc;
}

PyObject *
pyrun_compile_and_cache(pyrun_state *st, PyObject *results)
{
    PyObject *root = NULL;
    for (Py_ssize_t i = 0; i < PyList_Size(results); i++) {
        PyObject *result = PyList_GetItem(results, i);
        PyObject *code = pyrun_compile_result(st, result);
        if (i == 0) {
            root = code;
            if (code == NULL) {
                return NULL;
            }
            continue;
        }
        /* another module of the program: ready for when it is imported;
         * one that fails will report it then */
        PyObject *path = PyTuple_GetItem(result, 1);
        PyObject *stamp = code ? file_stamp(path) : NULL;
        if (stamp == NULL || cache_store(st, path, stamp, code) < 0) {
            PyErr_Clear();
        }
        Py_XDECREF(stamp);
        Py_XDECREF(code);
    }
    return root;
}

PyObject *
pyrun_loader_code(pyrun_state *st, PyObject *loader, PyObject *fullname)
{
    PyObject *inner = ((Loader *)loader)->inner;
    PyObject *path = PyObject_CallMethod(inner, "get_filename", "O", fullname);
    PyObject *stamp = path ? file_stamp(path) : NULL;
    if (stamp == NULL) {
        Py_XDECREF(path);
        return NULL;
    }
    PyObject *cached = PyDict_GetItemWithError(st->code_cache, path);
    if (cached != NULL) {
        int same = PyObject_RichCompareBool(PyTuple_GetItem(cached, 0), stamp, Py_EQ);
        if (same != 0) {
            PyObject *code = same > 0 ? Py_NewRef(PyTuple_GetItem(cached, 1)) : NULL;
            Py_DECREF(path);
            Py_DECREF(stamp);
            return code;
        }
    }
    PyObject *code = NULL, *source = NULL, *package = NULL, *results = NULL;
    if (PyErr_Occurred()) {
        goto done;
    }
    source = PyObject_CallMethod(inner, "get_data", "O", path);
    PyObject *is_package = source ? PyObject_CallMethod(inner, "is_package", "O", fullname) : NULL;
    if (is_package == NULL) {
        goto done;
    }
    if (PyObject_IsTrue(is_package)) {
        package = Py_NewRef(fullname);
    }
    else {
        Py_ssize_t dot = PyUnicode_FindChar(fullname, '.', 0, PyUnicode_GetLength(fullname), -1);
        package = dot >= 0 ? PyUnicode_Substring(fullname, 0, dot) : PyUnicode_FromString("");
    }
    Py_DECREF(is_package);
    results = package ? pyrun_transform_program(st, source, path, fullname, package, st->module_resolver)
                      : NULL;
    code = results ? pyrun_compile_and_cache(st, results) : NULL;
    if (code != NULL && cache_store(st, path, stamp, code) < 0) {
        Py_CLEAR(code);
    }
done:
    Py_DECREF(path);
    Py_DECREF(stamp);
    Py_XDECREF(source);
    Py_XDECREF(package);
    Py_XDECREF(results);
    return code;
}

PyObject *
pyrun_exec_module_code(PyObject *code, PyObject *globals)
{
    /* As exec() does, which importlib runs module code with: the namespace
     * names its builtins. */
    int has = PyDict_GetItemString(globals, "__builtins__") != NULL;
    if (!has && PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0) {
        return NULL;
    }
    return PyEval_EvalCode(code, globals, globals);
}

static PyObject *
loader_create_module(PyObject *self, PyObject *spec)
{
    Py_RETURN_NONE; /* the default module object */
}

/* A plain (not awaited) import of a user module: its body runs now. A body
 * that awaits can only be waited for through JSPI. */
static PyObject *
loader_exec_module(PyObject *self, PyObject *module)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE(self));
    PyObject *name = st ? PyObject_GetAttrString(module, "__name__") : NULL;
    PyObject *code = name ? pyrun_loader_code(st, self, name) : NULL;
    if (code == NULL) {
        Py_XDECREF(name);
        return NULL;
    }
    PyObject *r = pyrun_exec_module_code(code, PyModule_GetDict(module));
    Py_DECREF(code);
    if (r != NULL && (PyObject *)Py_TYPE(r) == st->coroutine_type && st->deferred_bodies != NULL) {
        /* __pyrun__.reload awaits it once importlib.reload returns */
        int rc = PyList_Append(st->deferred_bodies, r);
        Py_SETREF(r, rc < 0 ? NULL : Py_NewRef(Py_None));
    }
    if (r != NULL && (PyObject *)Py_TYPE(r) == st->coroutine_type) {
        PyObject *what = PyUnicode_FromFormat("the body of module %R", name);
        Py_SETREF(r, what ? pyrun_wait_synchronously(
                                st, r, what,
                                "this import is not awaited (code that pyrun does not rewrite, or "
                                "an import pyrun could not see), so it cannot wait for the module")
                          : NULL);
        Py_XDECREF(what);
    }
    Py_DECREF(name);
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    Py_RETURN_NONE;
}

static PyObject *
loader_get_code(PyObject *self, PyObject *fullname)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE(self));
    return st ? pyrun_loader_code(st, self, fullname) : NULL;
}

/* get_source, get_filename, is_package, get_data, get_resource_reader...:
 * those of the loader it replaces. */
static PyObject *
loader_getattro(Loader *self, PyObject *name)
{
    PyObject *r = PyObject_GenericGetAttr((PyObject *)self, name);
    if (r != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return r;
    }
    PyErr_Clear();
    return PyObject_GetAttr(self->inner, name);
}

static PyObject *
loader_repr(Loader *self)
{
    return PyUnicode_FromFormat("<pyrun loader for %R>", self->inner);
}

static PyMethodDef loader_methods[] = {
    {"create_module", loader_create_module, METH_O, NULL},
    {"exec_module", loader_exec_module, METH_O, NULL},
    {"get_code", loader_get_code, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot loader_slots[] = {
    {Py_tp_dealloc, loader_dealloc},
    {Py_tp_traverse, loader_traverse},
    {Py_tp_clear, loader_clear},
    {Py_tp_getattro, loader_getattro},
    {Py_tp_repr, loader_repr},
    {Py_tp_methods, loader_methods},
    {0, NULL},
};

static PyType_Spec loader_spec = {
    .name = "pyrun.Loader",
    .basicsize = sizeof(Loader),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = loader_slots,
};

int
pyrun_loader_register(PyObject *module, pyrun_state *st)
{
    st->loader_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &loader_spec, NULL);
    return st->loader_type == NULL ? -1 : 0;
}

PyObject *
pyrun_loader_new(pyrun_state *st, PyObject *inner)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->loader_type, Py_tp_alloc);
    Loader *self = (Loader *)alloc(st->loader_type, 0);
    if (self != NULL) {
        self->inner = Py_NewRef(inner);
    }
    return (PyObject *)self;
}

PyObject *
pyrun_loader_unwrap(pyrun_state *st, PyObject *loader)
{
    if (Py_TYPE(loader) == st->loader_type) {
        return Py_NewRef(((Loader *)loader)->inner);
    }
    return Py_NewRef(loader);
}
