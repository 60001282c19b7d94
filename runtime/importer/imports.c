/* `import` when the imported module's body blocks: the body is awaited.
 *
 * Each part of a dotted name is imported in turn, parents first, as
 * importlib does: a module already in sys.modules is taken as it is
 * (partially initialised, in a circular import); otherwise its spec is
 * found through sys.meta_path, the module created and put in sys.modules,
 * its body run and, when it awaits, awaited; on failure it is removed
 * again; the parent package gets it as an attribute. Another Task
 * importing the same module meanwhile waits for it, as importlib's module
 * locks make it wait. Errors carry CPython's messages. */
#include "importer.h"

#include "../aio/helpers.h"

enum { MODE_TOP, MODE_LEAF, MODE_FROM, MODE_STAR, MODE_DUNDER };
enum { START, AWAIT_BODY, AWAIT_OTHER };
/* Step slots */
enum { S_PARTS, S_MODULE, S_SPEC, S_WANTED, S_OPTIONAL, S_TARGET };

typedef struct {
    int mode;
    PyObject *absolute; /* the module the statement names */
    PyObject *top;      /* its first part, for MODE_TOP/DUNDER */
} plan;

/* ---- names --------------------------------------------------------------- */

/* The package relative imports start from, as importlib computes it from
 * the importing module's globals. */
static PyObject *
calling_package(void)
{
    PyObject *globals = PyEval_GetGlobals();
    if (globals == NULL) {
        Py_RETURN_NONE;
    }
    PyObject *package = PyDict_GetItemString(globals, "__package__");
    if (package != NULL && PyUnicode_Check(package)) {
        return Py_NewRef(package);
    }
    PyObject *spec = PyDict_GetItemString(globals, "__spec__");
    if (spec != NULL && spec != Py_None) {
        return PyObject_GetAttrString(spec, "parent");
    }
    PyObject *name = PyDict_GetItemString(globals, "__name__");
    if (name == NULL || !PyUnicode_Check(name)) {
        Py_RETURN_NONE;
    }
    if (PyDict_GetItemString(globals, "__path__") != NULL) {
        return Py_NewRef(name);
    }
    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), -1);
    return dot >= 0 ? PyUnicode_Substring(name, 0, dot) : PyUnicode_FromString("");
}

/* The absolute name for `name` imported `level` dots up. */
static PyObject *
absolute_name(PyObject *name, long level)
{
    if (level <= 0) {
        if (PyUnicode_GetLength(name) == 0) {
            PyErr_SetString(PyExc_ValueError, "Empty module name");
            return NULL;
        }
        return Py_NewRef(name);
    }
    PyObject *package = calling_package();
    if (package == NULL) {
        return NULL;
    }
    if (package == Py_None || PyUnicode_GetLength(package) == 0) {
        Py_DECREF(package);
        PyErr_SetString(PyExc_ImportError, "attempted relative import with no known parent package");
        return NULL;
    }
    PyObject *base = package;
    for (long i = 1; i < level; i++) {
        Py_ssize_t dot = PyUnicode_FindChar(base, '.', 0, PyUnicode_GetLength(base), -1);
        if (dot < 0) {
            Py_DECREF(base);
            PyErr_SetString(PyExc_ImportError, "attempted relative import beyond top-level package");
            return NULL;
        }
        Py_SETREF(base, PyUnicode_Substring(base, 0, dot));
        if (base == NULL) {
            return NULL;
        }
    }
    if (PyUnicode_GetLength(name) == 0) {
        return base;
    }
    PyObject *full = PyUnicode_FromFormat("%U.%U", base, name);
    Py_DECREF(base);
    return full;
}

/* ["a", "a.b", "a.b.c"] */
static PyObject *
parts_of(PyObject *absolute)
{
    PyObject *parts = PyList_New(0);
    Py_ssize_t n = PyUnicode_GetLength(absolute);
    for (Py_ssize_t i = 0; parts && i <= n; i++) {
        if (i < n && PyUnicode_ReadChar(absolute, i) != '.') {
            continue;
        }
        PyObject *prefix = PyUnicode_Substring(absolute, 0, i);
        if (prefix == NULL || PyList_Append(parts, prefix) < 0) {
            Py_XDECREF(prefix);
            Py_CLEAR(parts);
            break;
        }
        Py_DECREF(prefix);
    }
    return parts;
}

static PyObject *
parent_of(PyObject *name)
{
    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), -1);
    return dot >= 0 ? PyUnicode_Substring(name, 0, dot) : NULL;
}

/* ---- one module ------------------------------------------------------------ */

static PyObject *
current_task(void)
{
    PyObject *asyncio = pyrun_import("asyncio");
    PyObject *task = asyncio ? PyObject_CallMethod(asyncio, "current_task", NULL) : NULL;
    Py_XDECREF(asyncio);
    return task;
}

static void
resolve_in_flight(pyrun_state *st, PyObject *name)
{
    PyObject *entry = PyDict_GetItemWithError(st->in_flight, name);
    if (entry != NULL) {
        Py_INCREF(entry);
        PyDict_DelItem(st->in_flight, name);
        PyObject *future = PyTuple_GetItem(entry, 1);
        PyObject *done = PyObject_CallMethod(future, "done", NULL);
        if (done == Py_False) {
            PyObject *r = PyObject_CallMethod(future, "set_result", "O", Py_None);
            Py_XDECREF(r);
        }
        Py_XDECREF(done);
        Py_DECREF(entry);
    }
    PyErr_Clear();
}

static void
set_initializing(PyObject *spec, int value)
{
    if (spec != NULL && spec != Py_None &&
        PyObject_SetAttrString(spec, "_initializing", value ? Py_True : Py_False) < 0) {
        PyErr_Clear();
    }
}

/* After a failure: the module leaves sys.modules, as importlib does. Keeps
 * the pending exception. */
static void
abandon(pyrun_state *st, PyObject *name, PyObject *module, PyObject *spec)
{
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyObject *modules = PyImport_GetModuleDict();
    PyObject *present = PyDict_GetItemWithError(modules, name);
    if (present != NULL && present == module) {
        PyDict_DelItem(modules, name);
    }
    set_initializing(spec, 0);
    resolve_in_flight(st, name);
    PyErr_Clear();
    PyErr_Restore(t, v, tb);
}

/* The module is initialised: its parent gets it as an attribute. */
static int
finish(pyrun_state *st, PyObject *name, PyObject *spec)
{
    set_initializing(spec, 0);
    resolve_in_flight(st, name);
    PyObject *module = PyDict_GetItemWithError(PyImport_GetModuleDict(), name);
    if (module == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_ImportError, "Loaded module %U not found in sys.modules", name);
        }
        return -1;
    }
    PyObject *parent_name = parent_of(name);
    if (parent_name != NULL) {
        PyObject *parent = PyDict_GetItemWithError(PyImport_GetModuleDict(), parent_name);
        Py_ssize_t dot = PyUnicode_GetLength(parent_name);
        PyObject *child = PyUnicode_Substring(name, dot + 1, PyUnicode_GetLength(name));
        if (parent != NULL && child != NULL && PyObject_SetAttr(parent, child, module) < 0) {
            PyErr_Clear();
        }
        Py_XDECREF(child);
        Py_DECREF(parent_name);
    }
    return PyErr_Occurred() ? -1 : 0;
}

static int
not_found(PyObject *name)
{
    PyObject *msg;
    PyObject *parent_name = parent_of(name);
    PyObject *parent = parent_name ? PyDict_GetItemWithError(PyImport_GetModuleDict(), parent_name) : NULL;
    if (parent != NULL && !PyObject_HasAttrString(parent, "__path__")) {
        msg = PyUnicode_FromFormat("No module named %R; %R is not a package", name, parent_name);
    }
    else {
        msg = PyUnicode_FromFormat("No module named %R", name);
    }
    Py_XDECREF(parent_name);
    if (msg != NULL) {
        PyObject *exc = PyObject_CallFunctionObjArgs(PyExc_ModuleNotFoundError, msg, NULL);
        if (exc != NULL && PyObject_SetAttrString(exc, "name", name) == 0) {
            PyErr_SetObject(PyExc_ModuleNotFoundError, exc);
        }
        Py_XDECREF(exc);
        Py_DECREF(msg);
    }
    return -1;
}

/* Starts importing `name`: 0 done, 1 its body must be awaited (*awaitable
 * set, module and spec kept in the step), -1 failed (exception set). */
static int
start_import(pyrun_state *st, pyrun_step *s, PyObject *name, PyObject **awaitable)
{
    PyObject *util = pyrun_import("importlib.util");
    PyObject *spec = util ? PyObject_CallMethod(util, "find_spec", "O", name) : NULL;
    if (spec == NULL) {
        Py_XDECREF(util);
        /* a parent that is not a package */
        if (PyErr_ExceptionMatches(PyExc_ModuleNotFoundError)) {
            PyErr_Clear();
            return not_found(name);
        }
        return -1;
    }
    if (spec == Py_None) {
        Py_DECREF(spec);
        Py_DECREF(util);
        return not_found(name);
    }
    PyObject *module = PyObject_CallMethod(util, "module_from_spec", "O", spec);
    Py_DECREF(util);
    PyObject *loop = module ? PyObject_CallNoArgs(st->get_running_loop) : NULL;
    PyObject *future = loop ? PyObject_CallMethod(loop, "create_future", NULL) : NULL;
    PyObject *task = future ? current_task() : NULL;
    PyObject *entry = task ? PyTuple_Pack(2, task, future) : NULL;
    Py_XDECREF(loop);
    Py_XDECREF(future);
    Py_XDECREF(task);
    if (entry == NULL || PyDict_SetItem(PyImport_GetModuleDict(), name, module) < 0 ||
        PyDict_SetItem(st->in_flight, name, entry) < 0) {
        Py_XDECREF(entry);
        Py_XDECREF(module);
        Py_DECREF(spec);
        return -1;
    }
    Py_DECREF(entry);
    set_initializing(spec, 1);
    PyObject *loader = PyObject_GetAttrString(spec, "loader");
    int rc = loader ? 0 : -1;
    if (rc == 0 && Py_TYPE(loader) == st->loader_type) {
        PyObject *code = pyrun_loader_code(st, loader, name);
        PyObject *r = code ? pyrun_exec_module_code(code, PyModule_GetDict(module)) : NULL;
        Py_XDECREF(code);
        if (r == NULL) {
            rc = -1;
        }
        else if ((PyObject *)Py_TYPE(r) == st->coroutine_type) {
            Py_XSETREF(s->o[S_MODULE], Py_NewRef(module));
            Py_XSETREF(s->o[S_SPEC], Py_NewRef(spec));
            *awaitable = r;
            rc = 1;
        }
        else {
            Py_DECREF(r);
        }
    }
    else if (rc == 0 && loader != Py_None) {
        PyObject *r = PyObject_CallMethod(loader, "exec_module", "O", module);
        rc = r ? 0 : -1;
        Py_XDECREF(r);
    }
    Py_XDECREF(loader);
    if (rc < 0) {
        abandon(st, name, module, spec);
    }
    else if (rc == 0 && finish(st, name, spec) < 0) {
        rc = -1;
    }
    Py_DECREF(module);
    Py_DECREF(spec);
    return rc;
}

/* ---- results --------------------------------------------------------------- */

/* `from module import name` for one name, with CPython's error. */
static PyObject *
import_name_from(PyObject *module, PyObject *name)
{
    PyObject *v = PyObject_GetAttr(module, name);
    if (v != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return v;
    }
    PyErr_Clear();
    PyObject *pkgname = PyObject_GetAttrString(module, "__name__");
    if (pkgname != NULL && PyUnicode_Check(pkgname)) {
        PyObject *full = PyUnicode_FromFormat("%U.%U", pkgname, name);
        v = full ? PyDict_GetItemWithError(PyImport_GetModuleDict(), full) : NULL;
        Py_XDECREF(full);
        if (v != NULL) {
            Py_DECREF(pkgname);
            return Py_NewRef(v);
        }
    }
    PyErr_Clear();
    if (pkgname == NULL || !PyUnicode_Check(pkgname)) {
        Py_XSETREF(pkgname, PyUnicode_FromString("<unknown module name>"));
    }
    PyObject *path = PyModule_Check(module) ? PyModule_GetFilenameObject(module) : NULL;
    PyObject *msg;
    if (path == NULL || !PyUnicode_Check(path)) {
        PyErr_Clear();
        Py_CLEAR(path);
        msg = PyUnicode_FromFormat("cannot import name %R from %R (unknown location)", name, pkgname);
    }
    else {
        PyObject *spec = PyObject_GetAttrString(module, "__spec__");
        PyObject *init = spec && spec != Py_None ? PyObject_GetAttrString(spec, "_initializing") : NULL;
        int initializing = init != NULL && PyObject_IsTrue(init) > 0;
        PyErr_Clear();
        Py_XDECREF(spec);
        Py_XDECREF(init);
        msg = PyUnicode_FromFormat(initializing ? "cannot import name %R from partially initialized module "
                                                  "%R (most likely due to a circular import) (%S)"
                                                : "cannot import name %R from %R (%S)",
                                   name, pkgname, path);
    }
    if (msg != NULL) {
        PyErr_SetImportError(msg, pkgname, path);
        /* Python 3.12+ uses it to suggest a close name */
        PyObject *t, *e, *tb;
        PyErr_Fetch(&t, &e, &tb);
        PyErr_NormalizeException(&t, &e, &tb);
        if (e != NULL && PyObject_SetAttrString(e, "name_from", name) < 0) {
            PyErr_Clear();
        }
        PyErr_Restore(t, e, tb);
        Py_DECREF(msg);
    }
    Py_XDECREF(pkgname);
    Py_XDECREF(path);
    return NULL;
}

static int
import_star_into(PyObject *module, PyObject *globals)
{
    PyObject *all = PyObject_GetAttrString(module, "__all__");
    PyObject *names;
    int skip_private = 0;
    if (all == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
            return -1;
        }
        PyErr_Clear();
        PyObject *dict = PyObject_GetAttrString(module, "__dict__");
        names = dict ? PyMapping_Keys(dict) : NULL;
        Py_XDECREF(dict);
        skip_private = 1;
    }
    else {
        names = PySequence_List(all);
        Py_DECREF(all);
    }
    if (names == NULL) {
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(names); i++) {
        PyObject *n = PyList_GetItem(names, i);
        if (skip_private && PyUnicode_Check(n) && PyUnicode_GetLength(n) > 0 && PyUnicode_ReadChar(n, 0) == '_') {
            continue;
        }
        PyObject *v = PyObject_GetAttr(module, n);
        rc = v && PyDict_SetItem(globals, n, v) == 0 ? 0 : -1;
        Py_XDECREF(v);
    }
    Py_DECREF(names);
    return rc;
}

/* What the statement gets once every part is imported. */
static step_result
complete(pyrun_step *s, const plan *p, PyObject **out)
{
    PyObject *modules = PyImport_GetModuleDict();
    PyObject *leaf = PyDict_GetItemWithError(modules, p->absolute);
    if (leaf == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_ModuleNotFoundError, "No module named %R", p->absolute);
        }
        return STEP_ERROR;
    }
    switch (p->mode) {
    case MODE_TOP:
    case MODE_DUNDER: {
        PyObject *wanted = s->o[S_WANTED];
        if (p->mode == MODE_DUNDER && wanted != NULL && PyObject_IsTrue(wanted)) {
            *out = Py_NewRef(leaf);
            return STEP_DONE;
        }
        PyObject *top_name = p->mode == MODE_DUNDER && s->o[S_TARGET] ? s->o[S_TARGET] : p->top;
        PyObject *top = PyDict_GetItemWithError(modules, top_name);
        if (top == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, top_name);
            }
            return STEP_ERROR;
        }
        *out = Py_NewRef(top);
        return STEP_DONE;
    }
    case MODE_LEAF:
        *out = Py_NewRef(leaf);
        return STEP_DONE;
    case MODE_FROM: {
        PyObject *wanted = s->o[S_WANTED];
        PyObject *values = PyTuple_New(PyTuple_Size(wanted));
        for (Py_ssize_t i = 0; values && i < PyTuple_Size(wanted); i++) {
            PyObject *v = import_name_from(leaf, PyTuple_GetItem(wanted, i));
            if (v == NULL) {
                Py_CLEAR(values);
                break;
            }
            PyTuple_SetItem(values, i, v);
        }
        *out = values;
        return values ? STEP_DONE : STEP_ERROR;
    }
    case MODE_STAR:
        if (import_star_into(leaf, s->o[S_TARGET]) < 0) {
            return STEP_ERROR;
        }
        *out = Py_NewRef(Py_None);
        return STEP_DONE;
    }
    return STEP_ERROR;
}

/* `from pkg import sub`: names that are no attribute of a package are
 * tried as submodules, as importlib's _handle_fromlist does. */
static int
add_fromlist_submodules(pyrun_step *s, const plan *p)
{
    PyObject *wanted = s->o[S_WANTED];
    PyObject *leaf = PyDict_GetItemWithError(PyImport_GetModuleDict(), p->absolute);
    if (leaf == NULL || wanted == NULL || !PyObject_HasAttrString(leaf, "__path__")) {
        return PyErr_Occurred() ? -1 : 0;
    }
    for (Py_ssize_t i = 0; i < PyTuple_Size(wanted); i++) {
        PyObject *name = PyTuple_GetItem(wanted, i);
        if (!PyUnicode_Check(name) || PyUnicode_CompareWithASCIIString(name, "*") == 0 ||
            PyObject_HasAttr(leaf, name)) {
            continue;
        }
        PyObject *sub = PyUnicode_FromFormat("%U.%U", p->absolute, name);
        int rc = sub && PyList_Append(s->o[S_PARTS], sub) == 0 && PySet_Add(s->o[S_OPTIONAL], sub) == 0 ? 0 : -1;
        Py_XDECREF(sub);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* ---- the step -------------------------------------------------------------- */

/* The step's bookkeeping: in its slots, S_PARTS the names to import (the
 * statement's own parts first, then fromlist submodules), S_WANTED the
 * names of a from-import or __import__'s fromlist, S_OPTIONAL submodules
 * that may be missing, S_TARGET the globals of a star import or the name
 * __import__ returns; s->i the part under way; s->phase packs the number
 * of own parts, the mode and the state. */
static Py_ssize_t
own_parts(pyrun_step *s)
{
    return (Py_ssize_t)(s->phase >> 8);
}

static int
step_mode(pyrun_step *s)
{
    return (int)((s->phase >> 4) & 0xF);
}

static int
step_state(pyrun_step *s)
{
    return s->phase & 0xF;
}

static void
set_state(pyrun_step *s, int state)
{
    s->phase = (s->phase & ~0xF) | state;
}

static step_result
import_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    PyObject *parts = s->o[S_PARTS];
    Py_ssize_t own = own_parts(s);
    plan p = {.mode = step_mode(s), .absolute = PyList_GetItem(parts, own - 1), .top = PyList_GetItem(parts, 0)};
    if (step_state(s) == AWAIT_BODY) {
        if (finish(st, PyList_GetItem(parts, s->i), s->o[S_SPEC]) < 0) {
            return STEP_ERROR;
        }
        Py_CLEAR(s->o[S_MODULE]);
        Py_CLEAR(s->o[S_SPEC]);
        s->i++;
    }
    set_state(s, START);
    for (;;) {
        if (s->i == own && s->o[S_WANTED] != NULL && PySet_Size(s->o[S_OPTIONAL]) == 0 &&
            (p.mode == MODE_FROM || p.mode == MODE_DUNDER)) {
            if (add_fromlist_submodules(s, &p) < 0) {
                return STEP_ERROR;
            }
        }
        if (s->i >= PyList_Size(parts)) {
            return complete(s, &p, out);
        }
        PyObject *name = PyList_GetItem(parts, s->i);
        PyObject *present = PyDict_GetItemWithError(PyImport_GetModuleDict(), name);
        if (present != NULL) {
            /* being imported by another Task: wait for it, as importlib's
             * module lock would; in this Task it is a circular import */
            PyObject *entry = PyDict_GetItemWithError(st->in_flight, name);
            PyObject *task = entry ? current_task() : NULL;
            int other = entry && task && PyTuple_GetItem(entry, 0) != task;
            Py_XDECREF(task);
            if (other) {
                PyObject *asyncio = pyrun_import("asyncio");
                *out = asyncio ? PyObject_CallMethod(asyncio, "shield", "O", PyTuple_GetItem(entry, 1)) : NULL;
                Py_XDECREF(asyncio);
                set_state(s, AWAIT_OTHER);
                return *out ? STEP_AWAIT : STEP_ERROR;
            }
            if (PyErr_Occurred()) {
                return STEP_ERROR;
            }
            s->i++;
            continue;
        }
        if (PyErr_Occurred()) {
            return STEP_ERROR;
        }
        PyObject *awaitable = NULL;
        int r = start_import(st, s, name, &awaitable);
        if (r < 0) {
            int optional = PySet_Contains(s->o[S_OPTIONAL], name) > 0;
            if (optional && PyErr_ExceptionMatches(PyExc_ModuleNotFoundError)) {
                PyErr_Clear(); /* not a submodule: import_name_from will say */
                s->i++;
                continue;
            }
            return STEP_ERROR;
        }
        if (r == 1) {
            set_state(s, AWAIT_BODY);
            *out = awaitable;
            return STEP_AWAIT;
        }
        s->i++;
    }
}

static step_result
import_error(pyrun_step *s, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st != NULL && step_state(s) == AWAIT_BODY) {
        abandon(st, PyList_GetItem(s->o[S_PARTS], s->i), s->o[S_MODULE], s->o[S_SPEC]);
        Py_CLEAR(s->o[S_MODULE]);
        Py_CLEAR(s->o[S_SPEC]);
    }
    return STEP_ERROR;
}

static PyObject *
import_step(pyrun_state *st, int mode, PyObject *absolute, PyObject *wanted, PyObject *target)
{
    PyObject *parts = parts_of(absolute);
    PyObject *optional = parts ? PySet_New(NULL) : NULL;
    pyrun_step *s = optional ? pyrun_step_new(st, import_next, import_error) : NULL;
    if (s == NULL) {
        Py_XDECREF(parts);
        Py_XDECREF(optional);
        return NULL;
    }
    s->phase = (int)((PyList_Size(parts) << 8) | (mode << 4) | START);
    s->o[S_PARTS] = parts;
    s->o[S_OPTIONAL] = optional;
    s->o[S_WANTED] = Py_XNewRef(wanted);
    s->o[S_TARGET] = Py_XNewRef(target);
    return (PyObject *)s;
}

/* ---- the helpers ------------------------------------------------------------- */

/* The fast path, as CPython's own import takes it: a module already in
 * sys.modules and done initialising is what the statement gets, with
 * nothing to await. Borrowed; NULL when the full import must run (or on
 * error). */
static PyObject *
already_loaded(pyrun_state *st, PyObject *name)
{
    PyObject *module = PyDict_GetItemWithError(PyImport_GetModuleDict(), name);
    if (module == NULL || module == Py_None) {
        return NULL;
    }
    PyObject *spec = PyObject_GetAttr(module, st->str_spec);
    if (spec == NULL) {
        PyErr_Clear();
        return module;
    }
    PyObject *initializing = spec != Py_None ? PyObject_GetAttr(spec, st->str_initializing) : NULL;
    int busy = initializing != NULL && initializing != Py_False && PyObject_IsTrue(initializing) > 0;
    if (initializing == NULL) {
        PyErr_Clear();
    }
    Py_DECREF(spec);
    Py_XDECREF(initializing);
    return busy ? NULL : module;
}

/* New reference; `name` itself when it has no dot. */
static PyObject *
top_of(PyObject *name)
{
    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), 1);
    if (dot < 0) {
        return Py_NewRef(name);
    }
    return PyUnicode_Substring(name, 0, dot);
}

/* What `import name` binds when name is loaded: the top package.
 * Borrowed; NULL (no error) when the full import must run. */
static PyObject *
fast_top(pyrun_state *st, PyObject *name)
{
    PyObject *leaf = already_loaded(st, name);
    if (leaf == NULL) {
        return NULL;
    }
    PyObject *top_name = top_of(name);
    PyObject *top = top_name == name ? leaf : top_name ? already_loaded(st, top_name) : NULL;
    Py_XDECREF(top_name);
    return top;
}

/* What `from absolute import names` binds when absolute is loaded and
 * every name is already an attribute (no submodule left to import): a
 * tuple, new reference; NULL (no error) otherwise. */
static PyObject *
fast_from(pyrun_state *st, PyObject *absolute, PyObject *names)
{
    PyObject *loaded = already_loaded(st, absolute);
    if (loaded == NULL || !PyTuple_Check(names)) {
        return NULL;
    }
    PyObject *values = PyTuple_New(PyTuple_Size(names));
    for (Py_ssize_t i = 0; values != NULL && i < PyTuple_Size(names); i++) {
        PyObject *v = PyObject_GetAttr(loaded, PyTuple_GetItem(names, i));
        if (v == NULL) {
            if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
                PyErr_Clear(); /* maybe a submodule: the full import decides */
            }
            Py_CLEAR(values);
            break;
        }
        PyTuple_SetItem(values, i, v);
    }
    return values;
}

static PyObject *
str_arg(PyObject *name, const char *helper)
{
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "%s() argument must be str", helper);
        return NULL;
    }
    return name;
}

PyObject *
pyrun_import_awaitable(pyrun_state *st, PyObject *name)
{
    return import_step(st, MODE_TOP, name, NULL, NULL);
}

/* Transformed code tries these first: a module already imported costs one
 * call, no await, as a plain import costs CPython:
 *   a = __pyrun__.loaded('a.b') or await __pyrun__.import_('a.b')
 * Each gives None when the full import must run. */

/* loaded(name): `import a.b` -> the top package, or None */
PyObject *
pyrun_helper_loaded(PyObject *module, PyObject *name)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL || str_arg(name, "loaded") == NULL) {
        return NULL;
    }
    PyObject *top = fast_top(st, name);
    return top ? Py_NewRef(top) : PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
}

/* loaded_leaf(name): `import a.b as z` -> a.b, or None */
PyObject *
pyrun_helper_loaded_leaf(PyObject *module, PyObject *name)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL || str_arg(name, "loaded_leaf") == NULL) {
        return NULL;
    }
    PyObject *leaf = already_loaded(st, name);
    return leaf ? Py_NewRef(leaf) : PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
}

/* loaded_from(module, names, level) -> the values, or None */
PyObject *
pyrun_helper_loaded_from(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *name, *names;
    long level;
    if (st == NULL || !PyArg_ParseTuple(args, "UO!l:loaded_from", &name, &PyTuple_Type, &names, &level)) {
        return NULL;
    }
    PyObject *absolute = absolute_name(name, level);
    PyObject *values = absolute ? fast_from(st, absolute, names) : NULL;
    Py_XDECREF(absolute);
    return values ? values : PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
}

/* import_(name): `import a.b` -> the top package */
PyObject *
pyrun_helper_import(PyObject *module, PyObject *name)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL || str_arg(name, "import_") == NULL) {
        return NULL;
    }
    PyObject *top = fast_top(st, name);
    if (top != NULL || PyErr_Occurred()) {
        return top ? pyrun_ready(st, top) : NULL;
    }
    return import_step(st, MODE_TOP, name, NULL, NULL);
}

/* import_leaf(name): `import a.b as z` -> a.b */
PyObject *
pyrun_helper_import_leaf(PyObject *module, PyObject *name)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL || str_arg(name, "import_leaf") == NULL) {
        return NULL;
    }
    PyObject *leaf = already_loaded(st, name);
    if (leaf != NULL || PyErr_Occurred()) {
        return leaf ? pyrun_ready(st, leaf) : NULL;
    }
    return import_step(st, MODE_LEAF, name, NULL, NULL);
}

/* import_from(module, names, level) -> the values, in order */
PyObject *
pyrun_helper_import_from(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *name, *names;
    long level;
    if (st == NULL || !PyArg_ParseTuple(args, "UO!l:import_from", &name, &PyTuple_Type, &names, &level)) {
        return NULL;
    }
    PyObject *absolute = absolute_name(name, level);
    if (absolute == NULL) {
        return NULL;
    }
    PyObject *values = fast_from(st, absolute, names);
    PyObject *r = values ? pyrun_ready(st, values)
                  : PyErr_Occurred() ? NULL
                                     : import_step(st, MODE_FROM, absolute, names, NULL);
    Py_XDECREF(values);
    Py_DECREF(absolute);
    return r;
}

/* import_star(module, level): `from m import *` into the caller's globals */
PyObject *
pyrun_helper_import_star(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *name;
    long level;
    if (st == NULL || !PyArg_ParseTuple(args, "Ul:import_star", &name, &level)) {
        return NULL;
    }
    PyObject *globals = PyEval_GetGlobals();
    if (globals == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "import * outside of a module");
        return NULL;
    }
    PyObject *absolute = absolute_name(name, level);
    PyObject *r = absolute ? import_step(st, MODE_STAR, absolute, NULL, globals) : NULL;
    Py_XDECREF(absolute);
    return r;
}

/* import_module(name, package=None): importlib.import_module */
PyObject *
pyrun_helper_import_module(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"name", "package", NULL};
    pyrun_state *st = pyrun_get_state(module);
    PyObject *name, *package = Py_None;
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwargs, "U|O:import_module", kwlist, &name, &package)) {
        return NULL;
    }
    PyObject *absolute;
    if (PyUnicode_GetLength(name) > 0 && PyUnicode_ReadChar(name, 0) == '.') {
        PyObject *util = pyrun_import("importlib.util");
        absolute = util ? PyObject_CallMethod(util, "resolve_name", "OO", name, package) : NULL;
        Py_XDECREF(util);
    }
    else {
        absolute = Py_NewRef(name);
    }
    PyObject *r = absolute ? import_step(st, MODE_LEAF, absolute, NULL, NULL) : NULL;
    Py_XDECREF(absolute);
    return r;
}

/* dunder_import(name, globals=None, locals=None, fromlist=(), level=0) */
PyObject *
pyrun_helper_dunder_import(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"name", "globals", "locals", "fromlist", "level", NULL};
    pyrun_state *st = pyrun_get_state(module);
    PyObject *name, *globals = Py_None, *locals = Py_None, *fromlist = Py_None;
    long level = 0;
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwargs, "U|OOOl:__import__", kwlist, &name, &globals,
                                                   &locals, &fromlist, &level)) {
        return NULL;
    }
    PyObject *absolute = absolute_name(name, level);
    PyObject *wanted = absolute && fromlist != Py_None ? PySequence_Tuple(fromlist) : NULL;
    if (absolute == NULL || (fromlist != Py_None && wanted == NULL)) {
        Py_XDECREF(absolute);
        return NULL;
    }
    /* without a fromlist, __import__ returns the first part named: the
     * top package, or for a relative name the module just below its base */
    PyObject *top = NULL;
    if (level > 0) {
        Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), 1);
        Py_ssize_t cut = dot >= 0 ? PyUnicode_GetLength(name) - dot : 0;
        top = PyUnicode_Substring(absolute, 0, PyUnicode_GetLength(absolute) - cut);
        if (top == NULL) {
            Py_DECREF(absolute);
            Py_XDECREF(wanted);
            return NULL;
        }
    }
    PyObject *r = import_step(st, MODE_DUNDER, absolute, wanted, top);
    Py_XDECREF(top);
    Py_XDECREF(absolute);
    Py_XDECREF(wanted);
    return r;
}
