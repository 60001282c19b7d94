/* Finding user modules: the meta-path finder, and the resolver the
 * transform uses to discover the modules a program imports without
 * importing them. Both ask importlib's PathFinder, so sys.path, packages,
 * namespace packages and its caches behave exactly as for CPython. */
#include "importer.h"

#include "../aio/helpers.h"

/* Found once, when pyrun starts: asking importlib.machinery during an
 * import would import importlib again, through this finder, when a
 * program has taken it out of sys.modules (test.support's
 * import_fresh_module does). */
static int
find_machinery(pyrun_state *st)
{
    PyObject *external = pyrun_import("_frozen_importlib_external");
    PyObject *zipimport = external ? pyrun_import("zipimport") : NULL;
    PyObject *source = zipimport ? PyObject_GetAttrString(external, "SourceFileLoader") : NULL;
    PyObject *zipped = source ? PyObject_GetAttrString(zipimport, "zipimporter") : NULL;
    st->source_loaders = zipped ? PyTuple_Pack(2, source, zipped) : NULL;
    st->path_finder = st->source_loaders ? PyObject_GetAttrString(external, "PathFinder") : NULL;
    Py_XDECREF(external);
    Py_XDECREF(zipimport);
    Py_XDECREF(source);
    Py_XDECREF(zipped);
    return st->path_finder == NULL ? -1 : 0;
}

static PyObject *
path_finder(pyrun_state *st)
{
    return Py_NewRef(st->path_finder);
}

static int
add_prefix(PyObject *set, PyObject *dir)
{
    if (dir == NULL || !PyUnicode_Check(dir) || PyUnicode_GetLength(dir) == 0) {
        return 0;
    }
    PyObject *slash = PyUnicode_FromString("/");
    PyObject *stripped = slash ? PyObject_CallMethod(dir, "rstrip", "O", slash) : NULL;
    PyObject *prefix = stripped ? PyUnicode_Concat(stripped, slash) : NULL;
    int rc = prefix ? PySet_Add(set, prefix) : -1;
    Py_XDECREF(slash);
    Py_XDECREF(stripped);
    Py_XDECREF(prefix);
    return rc;
}

/* Directories of the interpreter's own library: the stdlib (os.py's
 * directory, a zip under Pyodide) and the site-packages directories. */
static PyObject *
library_prefixes(void)
{
    PyObject *found = PySet_New(NULL);
    PyObject *os = found ? pyrun_import("os") : NULL;
    PyObject *os_file = os ? PyObject_GetAttrString(os, "__file__") : NULL;
    PyObject *os_path = os_file ? pyrun_import("os.path") : NULL;
    PyObject *stdlib = os_path ? PyObject_CallMethod(os_path, "dirname", "O", os_file) : NULL;
    int rc = stdlib ? add_prefix(found, stdlib) : -1;
    Py_XDECREF(os);
    Py_XDECREF(os_file);
    Py_XDECREF(os_path);
    Py_XDECREF(stdlib);
    PyObject *sysconfig = rc == 0 ? pyrun_import("sysconfig") : NULL;
    PyObject *paths = sysconfig ? PyObject_CallMethod(sysconfig, "get_paths", NULL) : NULL;
    Py_XDECREF(sysconfig);
    static const char *const keys[] = {"stdlib", "platstdlib", "purelib", "platlib"};
    for (size_t i = 0; paths && rc == 0 && i < sizeof keys / sizeof keys[0]; i++) {
        rc = add_prefix(found, PyDict_GetItemString(paths, keys[i]));
    }
    if (paths == NULL) {
        rc = -1;
    }
    Py_XDECREF(paths);
    PyObject *site = rc == 0 ? pyrun_import("site") : NULL;
    PyObject *sites = site ? PyObject_CallMethod(site, "getsitepackages", NULL) : NULL;
    PyObject *user = sites ? PyObject_CallMethod(site, "getusersitepackages", NULL) : NULL;
    if (sites != NULL && user == NULL) {
        PyErr_Clear(); /* a site module without user site-packages */
    }
    if (sites == NULL) {
        rc = -1;
    }
    for (Py_ssize_t i = 0; sites && rc == 0 && i < PyList_Size(sites); i++) {
        rc = add_prefix(found, PyList_GetItem(sites, i));
    }
    if (rc == 0 && user != NULL) {
        rc = add_prefix(found, user);
    }
    Py_XDECREF(site);
    Py_XDECREF(sites);
    Py_XDECREF(user);
    PyObject *prefixes = rc == 0 ? PySequence_Tuple(found) : NULL;
    Py_XDECREF(found);
    return prefixes;
}

/* Computed before the finder goes on sys.meta_path: the imports it makes
 * would otherwise come back through the finder and recurse. */
static int
ensure_library_prefixes(pyrun_state *st)
{
    if (st->library_prefixes == NULL) {
        st->library_prefixes = library_prefixes();
    }
    return st->library_prefixes == NULL ? -1 : 0;
}

int
pyrun_is_user_module(pyrun_state *st, PyObject *name, PyObject *filename)
{
    if (filename == NULL || !PyUnicode_Check(filename)) {
        return 0;
    }
    if (ensure_library_prefixes(st) < 0) {
        return -1;
    }
    int library = 0;
    for (Py_ssize_t i = 0; i < PyTuple_Size(st->library_prefixes) && !library; i++) {
        Py_ssize_t m = PyUnicode_Tailmatch(filename, PyTuple_GetItem(st->library_prefixes, i), 0,
                                           PY_SSIZE_T_MAX, -1);
        if (m < 0) {
            return -1;
        }
        library = (int)m;
    }
    if (!library) {
        return 1;
    }
    /* --transform-package NAME opts a library package in */
    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), 1);
    PyObject *top = dot >= 0 ? PyUnicode_Substring(name, 0, dot) : Py_NewRef(name);
    int opted = top ? PySet_Contains(st->transform_packages, top) : -1;
    Py_XDECREF(top);
    return opted;
}

/* Loaders whose modules pyrun can rewrite: those of .py files, on disk or
 * in a zip archive (Pyodide's stdlib). */
static int
is_source_loader(pyrun_state *st, PyObject *loader)
{
    return PyObject_IsInstance(loader, st->source_loaders);
}

/* A spec's submodule_search_locations as a plain list (None for a module).
 * A namespace package's are computed from its parent's, found in
 * sys.modules; the parent of one that is only being resolved is not there,
 * so its own list of directories (a private attribute) is used instead. */
static PyObject *
search_locations(PyObject *spec)
{
    PyObject *locations = PyObject_GetAttrString(spec, "submodule_search_locations");
    if (locations == NULL || locations == Py_None || PyList_Check(locations)) {
        return locations;
    }
    PyObject *list = PySequence_List(locations);
    if (list == NULL && PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyErr_Clear();
        PyObject *own = PyObject_GetAttrString(locations, "_path");
        list = own ? PySequence_List(own) : NULL;
        Py_XDECREF(own);
    }
    Py_DECREF(locations);
    return list;
}

/* PathFinder's spec for name, searching its parent package's locations;
 * None when there is none, NULL on error. */
static PyObject *
find_spec(pyrun_state *st, PyObject *name, int depth)
{
    if (depth > 64) {
        Py_RETURN_NONE;
    }
    PyObject *path = Py_NewRef(Py_None);
    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), -1);
    if (dot >= 0) {
        PyObject *parent = PyUnicode_Substring(name, 0, dot);
        PyObject *pspec = parent ? find_spec(st, parent, depth + 1) : NULL;
        Py_XDECREF(parent);
        if (pspec == NULL || pspec == Py_None) {
            Py_DECREF(path);
            return pspec;
        }
        Py_SETREF(path, search_locations(pspec));
        Py_DECREF(pspec);
        if (path == NULL) {
            return NULL;
        }
        if (path == Py_None) {
            return path; /* the parent is not a package */
        }
    }
    PyObject *finder = path_finder(st);
    PyObject *spec = finder ? PyObject_CallMethod(finder, "find_spec", "OO", name, path) : NULL;
    if (spec == NULL && finder != NULL && PyErr_ExceptionMatches(PyExc_KeyError)) {
        /* A namespace package inside one that is not imported: find_spec
         * builds its path from the parent module, which is not there yet.
         * The private step before that gives the same spec with a plain
         * list of directories. */
        PyErr_Clear();
        spec = PyObject_CallMethod(finder, "_get_spec", "OO", name, path);
        PyObject *loader = spec && spec != Py_None ? PyObject_GetAttrString(spec, "loader") : NULL;
        if (loader == Py_None) {
            PyObject *locations = PyObject_GetAttrString(spec, "submodule_search_locations");
            if (locations == NULL || locations == Py_None || PyObject_Length(locations) <= 0) {
                Py_SETREF(spec, locations ? Py_NewRef(Py_None) : NULL); /* not found */
            }
            Py_XDECREF(locations);
        }
        Py_XDECREF(loader);
        if (spec == NULL) {
            PyErr_Clear(); /* the import itself will say what is wrong */
            spec = Py_NewRef(Py_None);
        }
    }
    Py_XDECREF(finder);
    Py_DECREF(path);
    return spec;
}

static PyObject *
user_namespace(pyrun_state *st, PyObject *name, PyObject *locations)
{
    PyObject *iter = PyObject_GetIter(locations);
    PyObject *dir;
    int user = 0;
    while (iter != NULL && user == 0 && (dir = PyIter_Next(iter)) != NULL) {
        PyObject *slash = PyUnicode_FromFormat("%S/", dir);
        user = slash ? pyrun_is_user_module(st, name, slash) : -1;
        Py_XDECREF(slash);
        Py_DECREF(dir);
    }
    Py_XDECREF(iter);
    if (user < 0 || PyErr_Occurred()) {
        return NULL;
    }
    if (!user) {
        Py_RETURN_FALSE;
    }
    return Py_BuildValue("(Oy#O)", Py_None, "", (Py_ssize_t)0, Py_True);
}

PyObject *
pyrun_find_spec_quietly(pyrun_state *st, PyObject *name)
{
    return find_spec(st, name, 0);
}

/* A module the path finder does not know that exists all the same: in
 * sys.modules, or under a top-level name another meta-path finder serves
 * (Pyodide's `js`, for one). */
static int
found_elsewhere(pyrun_state *st, PyObject *name)
{
    PyObject *present = PyDict_GetItemWithError(PyImport_GetModuleDict(), name);
    if (present != NULL || PyErr_Occurred()) {
        return present != NULL ? 1 : -1;
    }
    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), 1);
    PyObject *top = dot >= 0 ? PyUnicode_Substring(name, 0, dot) : Py_NewRef(name);
    PyObject *meta_path = top ? PySys_GetObject("meta_path") : NULL;
    PyObject *path = meta_path ? path_finder(st) : NULL;
    PyObject *finders = path ? PySequence_List(meta_path) : NULL;
    int found = finders ? 0 : -1;
    for (Py_ssize_t i = 0; found == 0 && finders && i < PyList_Size(finders); i++) {
        PyObject *finder = PyList_GetItem(finders, i);
        if (finder == path || finder == st->finder || !PyObject_HasAttrString(finder, "find_spec")) {
            continue;
        }
        PyObject *spec = PyObject_CallMethod(finder, "find_spec", "OO", top, Py_None);
        if (spec == NULL) {
            PyErr_Clear(); /* a finder that fails here says nothing about `name` */
            continue;
        }
        found = spec != Py_None;
        Py_DECREF(spec);
    }
    Py_XDECREF(top);
    Py_XDECREF(path);
    Py_XDECREF(finders);
    return found;
}

/* The resolver: name -> (filename, source, is_package) for a user module,
 * with filename None for a namespace package; False for another module;
 * None for one that is nowhere to be found now. */
static PyObject *
resolve_user_module(PyObject *module, PyObject *name)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (!PyUnicode_Check(name)) {
        Py_RETURN_NONE;
    }
    PyObject *builtin_names = PySys_GetObject("builtin_module_names");
    int builtin = builtin_names ? PySequence_Contains(builtin_names, name) : 0;
    if (builtin != 0) {
        return builtin < 0 ? NULL : Py_NewRef(Py_False);
    }
    PyObject *spec = find_spec(st, name, 0);
    if (spec == NULL) {
        /* a parent that raises while being found: the import will say */
        PyErr_Clear();
        Py_RETURN_FALSE;
    }
    if (spec == Py_None) {
        Py_DECREF(spec);
        int elsewhere = found_elsewhere(st, name);
        return elsewhere < 0 ? NULL : Py_NewRef(elsewhere ? Py_False : Py_None);
    }
    PyObject *result = NULL;
    PyObject *loader = PyObject_GetAttrString(spec, "loader");
    PyObject *origin = loader ? PyObject_GetAttrString(spec, "origin") : NULL;
    PyObject *locations = origin ? search_locations(spec) : NULL;
    if (locations == NULL) {
        goto done;
    }
    if (origin == Py_None && locations != Py_None) {
        /* a namespace package: the user's when one of its parts is */
        result = user_namespace(st, name, locations);
        goto done;
    }
    int source = loader != Py_None ? is_source_loader(st, loader) : 0;
    int user = source > 0 ? pyrun_is_user_module(st, name, origin) : source;
    if (user < 0) {
        goto done;
    }
    if (!user) {
        result = Py_NewRef(Py_False);
        goto done;
    }
    PyObject *data = PyObject_CallMethod(loader, "get_data", "O", origin);
    if (data == NULL) {
        PyErr_Clear(); /* its import will say why */
        result = Py_NewRef(Py_False);
        goto done;
    }
    result = Py_BuildValue("(ONO)", origin, data, locations != Py_None ? Py_True : Py_False);
done:
    Py_XDECREF(loader);
    Py_XDECREF(origin);
    Py_XDECREF(locations);
    Py_DECREF(spec);
    return result;
}

static PyMethodDef resolve_def = {"_resolve_user_module", resolve_user_module, METH_O, NULL};

/* ---- the meta-path finder ------------------------------------------------ */

typedef struct {
    PyObject_HEAD
} Finder;

static void
finder_dealloc(PyObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(self);
    Py_DECREF(type);
}

/* find_spec(fullname, path, target=None): PathFinder's spec, with a
 * user module's loader swapped for pyrun's. */
static PyObject *
finder_find_spec(PyObject *self, PyObject *args)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE(self));
    PyObject *fullname, *path = Py_None, *target = Py_None;
    if (st == NULL || !PyArg_ParseTuple(args, "U|OO:find_spec", &fullname, &path, &target)) {
        return NULL;
    }
    PyObject *finder = path_finder(st);
    PyObject *spec = finder ? PyObject_CallMethod(finder, "find_spec", "OOO", fullname, path, target) : NULL;
    Py_XDECREF(finder);
    if (spec == NULL || spec == Py_None) {
        return spec;
    }
    PyObject *loader = PyObject_GetAttrString(spec, "loader");
    PyObject *origin = loader ? PyObject_GetAttrString(spec, "origin") : NULL;
    int swap = origin && loader != Py_None ? is_source_loader(st, loader) : (origin ? 0 : -1);
    if (swap > 0) {
        swap = pyrun_is_user_module(st, fullname, origin);
    }
    if (swap > 0) {
        PyObject *ours = pyrun_loader_new(st, loader);
        swap = ours && PyObject_SetAttrString(spec, "loader", ours) == 0 ? 0 : -1;
        Py_XDECREF(ours);
    }
    Py_XDECREF(loader);
    Py_XDECREF(origin);
    if (swap < 0) {
        Py_DECREF(spec);
        return NULL;
    }
    return spec;
}

static PyObject *
finder_invalidate_caches(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE(self));
    if (st != NULL) {
        PyDict_Clear(st->code_cache);
    }
    Py_RETURN_NONE;
}

static PyMethodDef finder_methods[] = {
    {"find_spec", finder_find_spec, METH_VARARGS, NULL},
    {"invalidate_caches", finder_invalidate_caches, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot finder_slots[] = {
    {Py_tp_dealloc, finder_dealloc},
    {Py_tp_methods, finder_methods},
    {0, NULL},
};

static PyType_Spec finder_spec = {
    .name = "pyrun.Finder",
    .basicsize = sizeof(Finder),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = finder_slots,
};

int
pyrun_importer_register(PyObject *module, pyrun_state *st)
{
    if (find_machinery(st) < 0) {
        return -1;
    }
    st->finder_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &finder_spec, NULL);
    st->code_cache = st->finder_type ? PyDict_New() : NULL;
    st->transform_packages = st->code_cache ? PySet_New(NULL) : NULL;
    st->in_flight = st->transform_packages ? PyDict_New() : NULL;
    st->module_resolver = st->in_flight ? PyCFunction_New(&resolve_def, module) : NULL;
    if (st->module_resolver == NULL) {
        return -1;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->finder_type, Py_tp_alloc);
    st->finder = alloc(st->finder_type, 0);
    return st->finder == NULL ? -1 : pyrun_loader_register(module, st);
}

int
pyrun_importer_install(pyrun_state *st)
{
    PyObject *meta_path = PySys_GetObject("meta_path");
    if (meta_path == NULL || !PyList_Check(meta_path)) {
        PyErr_SetString(PyExc_RuntimeError, "sys.meta_path is not a list");
        return -1;
    }
    int present = PySequence_Contains(meta_path, st->finder);
    if (present != 0) {
        return present < 0 ? -1 : 0;
    }
    if (ensure_library_prefixes(st) < 0) {
        return -1;
    }
    PyObject *finder = path_finder(st);
    if (finder == NULL) {
        return -1;
    }
    Py_ssize_t at = PySequence_Index(meta_path, finder);
    Py_DECREF(finder);
    if (at < 0) {
        PyErr_Clear();
        at = PyList_Size(meta_path);
    }
    return PyList_Insert(meta_path, at, st->finder);
}
