/* Starting a program the way `python3` does: sys.argv, sys.path[0], a fresh
 * __main__ with the dunders CPython gives it for a script, -c, -m or stdin,
 * and the compiled code handed to a MainRunner inside an asyncio Task.
 *
 * Failures that CPython reports before running anything (a missing file, a
 * syntax error, no such module) are printed here and turned into the exit
 * status it would use; the caller then gets that int instead of a Task. */
#include "pyrun.h"

#include "errors.h"

#include "importer/importer.h"
#include "transform/transform.h"

#include <string.h>

static const char PROG[] = "pyrun";

typedef struct {
    PyObject *package;  /* where its relative imports start (-m), or NULL */
    PyObject *source;   /* bytes or str to compile */
    PyObject *filename; /* code object filename */
    PyObject *path0;    /* sys.path[0] */
    PyObject *argv0;    /* replaces sys.argv[0] when not NULL */
    PyObject *dunders;  /* extra __main__ attributes */
    /* -m a.b: the package a must be imported (its body awaited) before a.b
     * can be found; set when planning stops for that. */
    PyObject *import_first;
    PyObject *tried;    /* borrowed: a package whose import already failed */
    int no_import;      /* find modules without running any package's body */
    int in_package;     /* planning a package's __main__ */
    pyrun_state *st;
} main_plan;

static void
plan_clear(main_plan *p)
{
    Py_CLEAR(p->package);
    Py_CLEAR(p->source);
    Py_CLEAR(p->filename);
    Py_CLEAR(p->path0);
    Py_CLEAR(p->argv0);
    Py_CLEAR(p->dunders);
    Py_CLEAR(p->import_first);
}

static PyObject *
call_module(const char *module, const char *func, const char *fmt, ...)
{
    PyObject *mod = pyrun_import(module);
    if (mod == NULL) {
        return NULL;
    }
    PyObject *callable = PyObject_GetAttrString(mod, func);
    Py_DECREF(mod);
    if (callable == NULL) {
        return NULL;
    }
    va_list va;
    va_start(va, fmt);
    PyObject *args = Py_VaBuildValue(fmt, va);
    va_end(va);
    if (args == NULL) {
        Py_DECREF(callable);
        return NULL;
    }
    if (!PyTuple_Check(args)) {
        Py_SETREF(args, PyTuple_Pack(1, args));
        if (args == NULL) {
            Py_DECREF(callable);
            return NULL;
        }
    }
    PyObject *res = PyObject_CallObject(callable, args);
    Py_DECREF(args);
    Py_DECREF(callable);
    return res;
}

static int
call_is_true(const char *module, const char *func, PyObject *arg)
{
    PyObject *res = call_module(module, func, "(O)", arg);
    if (res == NULL) {
        return -1;
    }
    int truth = PyObject_IsTrue(res);
    Py_DECREF(res);
    return truth;
}

/* "pyrun: <message>" and the status CPython exits with in that case. */
static PyObject *
fail(int status, const char *format, ...)
{
    va_list va;
    va_start(va, format);
    PyObject *message = PyUnicode_FromFormatV(format, va);
    va_end(va);
    if (message == NULL) {
        return NULL;
    }
    pyrun_print_error(PROG, message);
    Py_DECREF(message);
    return PyLong_FromLong(status);
}

static PyObject *
builtin_importer_dunders(void)
{
    PyObject *machinery = pyrun_import("importlib.machinery");
    if (machinery == NULL) {
        return NULL;
    }
    PyObject *importer = PyObject_GetAttrString(machinery, "BuiltinImporter");
    Py_DECREF(machinery);
    if (importer == NULL) {
        return NULL;
    }
    PyObject *d = Py_BuildValue("{sO}", "__loader__", importer);
    Py_DECREF(importer);
    return d;
}

/* Stops planning when `name`'s package is not imported yet: as runpy does,
 * it is imported first, by the runner, which can await its body. */
static int
needs_package_first(main_plan *p, PyObject *name)
{
    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), -1);
    if (dot < 0 || p->no_import) {
        return 0;
    }
    PyObject *package = PyUnicode_Substring(name, 0, dot);
    if (package == NULL) {
        return -1;
    }
    PyObject *loaded = PyDict_GetItemWithError(PyImport_GetModuleDict(), package);
    int tried = p->tried != NULL ? PyUnicode_Compare(package, p->tried) == 0 : 0;
    if (loaded != NULL || PyErr_Occurred() || tried) {
        Py_DECREF(package);
        return PyErr_Occurred() ? -1 : 0;
    }
    p->import_first = package;
    return 1;
}

/* A module found on sys.path (pyrun -m, or a directory's __main__.py):
 * what runpy._run_module_as_main would set up. Returns 1 on success,
 * 0 after reporting a user error into *status, 2 when p->import_first must
 * be imported first, -1 on exception. */
static int
plan_module(main_plan *p, PyObject *name, PyObject **status)
{
    int first = needs_package_first(p, name);
    if (first != 0) {
        return first < 0 ? -1 : 2;
    }
    PyObject *spec = p->no_import ? pyrun_find_spec_quietly(p->st, name)
                                  : call_module("importlib.util", "find_spec", "(O)", name);
    if (spec == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_ImportError)) {
            return -1;
        }
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        PyObject *type_name = PyObject_GetAttrString(type, "__name__");
        if (type_name != NULL) {
            *status = fail(PYRUN_EXIT_ERROR,
                           "Error while finding module specification for %R (%U: %S)", name,
                           type_name, value);
            Py_DECREF(type_name);
        }
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return *status ? 0 : -1;
    }
    if (spec == Py_None) {
        Py_DECREF(spec);
        if (p->in_package) {
            return 3; /* the package's own message says it */
        }
        *status = fail(PYRUN_EXIT_ERROR, "No module named %U", name);
        return *status ? 0 : -1;
    }
    PyObject *search = PyObject_GetAttrString(spec, "submodule_search_locations");
    if (search == NULL) {
        Py_DECREF(spec);
        return -1;
    }
    int is_package = search != Py_None;
    Py_DECREF(search);
    if (is_package) {
        Py_DECREF(spec);
        PyObject *main_name = PyUnicode_FromFormat("%U.__main__", name);
        if (main_name == NULL) {
            return -1;
        }
        p->in_package = 1;
        int rc = plan_module(p, main_name, status);
        p->in_package = 0;
        Py_DECREF(main_name);
        if (rc == 3) {
            *status = fail(PYRUN_EXIT_ERROR,
                           "No module named %U.__main__; '%U' is a package and "
                           "cannot be directly executed", name, name);
            return *status ? 0 : -1;
        }
        return rc;
    }
    PyObject *loader = PyObject_GetAttrString(spec, "loader");
    if (loader != NULL && p->st != NULL) {
        /* pyrun runs __main__'s code itself: its loader is importlib's,
         * as under python3 */
        Py_SETREF(loader, pyrun_loader_unwrap(p->st, loader));
        if (loader != NULL && PyObject_SetAttrString(spec, "loader", loader) < 0) {
            Py_CLEAR(loader);
        }
    }
    PyObject *origin = loader ? PyObject_GetAttrString(spec, "origin") : NULL;
    PyObject *cached = origin ? PyObject_GetAttrString(spec, "cached") : NULL;
    PyObject *parent = cached ? PyObject_GetAttrString(spec, "parent") : NULL;
    PyObject *source = parent ? PyObject_CallMethod(loader, "get_source", "O", name) : NULL;
    if (source == NULL) {
        goto error;
    }
    if (source == Py_None) {
        Py_DECREF(source);
        *status = fail(PYRUN_EXIT_ERROR, "No code object available for %U", name);
        Py_DECREF(spec);
        Py_DECREF(loader);
        Py_DECREF(origin);
        Py_DECREF(cached);
        Py_DECREF(parent);
        return *status ? 0 : -1;
    }
    p->source = source;
    p->package = Py_NewRef(parent);
    p->filename = Py_NewRef(origin);
    p->argv0 = Py_NewRef(origin);
    p->dunders = Py_BuildValue("{sOsOsOsOsO}", "__file__", origin, "__cached__", cached,
                               "__loader__", loader, "__package__", parent, "__spec__", spec);
    Py_DECREF(spec);
    Py_DECREF(loader);
    Py_DECREF(origin);
    Py_DECREF(cached);
    Py_DECREF(parent);
    return p->dunders ? 1 : -1;
error:
    Py_DECREF(spec);
    Py_XDECREF(loader);
    Py_XDECREF(origin);
    Py_XDECREF(cached);
    Py_XDECREF(parent);
    return -1;
}

/* A script path (absolute). Returns as plan_module does. */
static int
plan_file(main_plan *p, PyObject *path, PyObject **status)
{
    int is_dir = call_is_true("os.path", "isdir", path);
    if (is_dir < 0) {
        return -1;
    }
    if (is_dir) {
        /* Like CPython: a directory runs its __main__.py as module
         * __main__, with the directory first on sys.path. */
        PyObject *main_py = call_module("os.path", "join", "(Os)", path, "__main__.py");
        if (main_py == NULL) {
            return -1;
        }
        int exists = call_is_true("os.path", "isfile", main_py);
        Py_DECREF(main_py);
        if (exists < 0) {
            return -1;
        }
        if (!exists) {
            *status = fail(PYRUN_EXIT_ERROR, "can't find '__main__' module in %R", path);
            return *status ? 0 : -1;
        }
        p->path0 = Py_NewRef(path);
        PyObject *sys_path = PySys_GetObject("path");
        if (sys_path == NULL || PyList_Insert(sys_path, 0, path) < 0) {
            return -1;
        }
        /* The host's own __main__ would shadow the directory's: the search
         * must not find it (runpy drops it the same way). */
        PyObject *modules = PyImport_GetModuleDict();
        if (PyDict_GetItemString(modules, "__main__") != NULL &&
            PyDict_DelItemString(modules, "__main__") < 0) {
            return -1;
        }
        PyObject *name = PyUnicode_FromString("__main__");
        if (name == NULL) {
            return -1;
        }
        int rc = plan_module(p, name, status);
        Py_DECREF(name);
        if (PySequence_DelItem(sys_path, 0) < 0) {
            return -1;
        }
        Py_CLEAR(p->argv0); /* sys.argv[0] stays the directory, as given */
        return rc;
    }
    p->source = pyrun_read_file(path);
    if (p->source == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_OSError)) {
            return -1;
        }
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        long err_no = 0;
        PyObject *strerror = NULL;
        if (pyrun_linux_error(value, &err_no, &strerror) >= 0) {
            *status = strerror ? fail(PYRUN_EXIT_USAGE, "can't open file %R: [Errno %ld] %S", path, err_no, strerror)
                               : fail(PYRUN_EXIT_USAGE, "can't open file %R: %S", path, value);
        }
        Py_XDECREF(strerror);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return *status ? 0 : -1;
    }
    PyObject *real = call_module("os.path", "realpath", "(O)", path);
    if (real == NULL) {
        return -1;
    }
    p->path0 = call_module("os.path", "dirname", "(O)", real);
    Py_DECREF(real);
    if (p->path0 == NULL) {
        return -1;
    }
    p->filename = Py_NewRef(path);
    PyObject *loader = call_module("importlib.machinery", "SourceFileLoader", "(sO)", "__main__",
                                   path);
    if (loader == NULL) {
        return -1;
    }
    p->dunders = Py_BuildValue("{sOsOsO}", "__file__", path, "__cached__", Py_None,
                               "__loader__", loader);
    Py_DECREF(loader);
    return p->dunders ? 1 : -1;
}

static int
set_sys_path0(PyObject *path0)
{
    PyObject *sys_path = PySys_GetObject("path");
    if (sys_path == NULL || !PyList_Check(sys_path)) {
        PyErr_SetString(PyExc_RuntimeError, "sys.path is not a list");
        return -1;
    }
    /* Pyodide starts with '' first, as an interactive interpreter does;
     * CPython running a program has the program's entry there instead. */
    if (PyList_Size(sys_path) > 0) {
        PyObject *first = PyList_GetItem(sys_path, 0);
        if (PyUnicode_Check(first) && PyUnicode_GetLength(first) == 0) {
            return PyList_SetItem(sys_path, 0, Py_NewRef(path0));
        }
    }
    return PyList_Insert(sys_path, 0, path0);
}

static PyObject *
new_main_module(PyObject *dunders)
{
    PyObject *main = PyModule_New("__main__");
    if (main == NULL) {
        return NULL;
    }
    PyObject *dict = PyModule_GetDict(main);
    PyObject *builtins = pyrun_import("builtins");
    if (builtins == NULL || PyDict_SetItemString(dict, "__builtins__", builtins) < 0) {
        Py_XDECREF(builtins);
        goto error;
    }
    Py_DECREF(builtins);
    if (PyDict_Update(dict, dunders) < 0) {
        goto error;
    }
    /* Before 3.14 the interpreter's __main__ starts with empty
     * __annotations__; from 3.14 on (PEP 649) it has none. */
    PyObject *version = PySys_GetObject("version_info");
    PyObject *minor = version ? PySequence_GetItem(version, 1) : NULL;
    if (minor == NULL) {
        goto error;
    }
    long minor_v = PyLong_AsLong(minor);
    Py_DECREF(minor);
    if (minor_v < 14) {
        PyObject *ann = PyDict_New();
        if (ann == NULL || PyDict_SetItemString(dict, "__annotations__", ann) < 0) {
            Py_XDECREF(ann);
            goto error;
        }
        Py_DECREF(ann);
    }
    PyObject *modules = PyImport_GetModuleDict();
    if (PyDict_SetItemString(modules, "__main__", main) < 0) {
        goto error;
    }
    return main;
error:
    Py_DECREF(main);
    return NULL;
}

/* What to run for each kind of program; 1 planned, 0 a user error already
 * reported into *status, 2 a package to import first, -1 an exception. */
static int
plan_program(const char *kind, PyObject *target, main_plan *plan, PyObject **status)
{
    if (strcmp(kind, "file") == 0) {
        return plan_file(plan, target, status);
    }
    if (strcmp(kind, "module") == 0) {
        /* sys.path[0] is the working directory, set before the search. */
        plan->path0 = call_module("os", "getcwd", "()");
        int rc = plan->path0 && set_sys_path0(plan->path0) == 0 ? plan_module(plan, target, status) : -1;
        Py_CLEAR(plan->path0);
        return rc;
    }
    if (strcmp(kind, "code") == 0 || strcmp(kind, "stdin") == 0) {
        int is_code = kind[0] == 'c';
        plan->source = Py_NewRef(target);
        plan->filename = PyUnicode_FromString(is_code ? "<string>" : "<stdin>");
        plan->path0 = PyUnicode_FromString("");
        plan->dunders = builtin_importer_dunders();
        int rc = plan->filename && plan->path0 && plan->dunders ? 1 : -1;
        if (rc == 1 && !is_code &&
            (PyDict_SetItemString(plan->dunders, "__file__", plan->filename) < 0 ||
             PyDict_SetItemString(plan->dunders, "__cached__", Py_None) < 0)) {
            rc = -1;
        }
        return rc;
    }
    PyErr_Format(PyExc_ValueError, "unknown program kind %s", kind);
    return -1;
}

/* One module of --show-transform's output: its code as pyrun runs it, then
 * the notes. Other modules than the main one get a heading. */
static int
show_module(PyObject *out, PyObject *m, int is_main)
{
    PyObject *tree = PyTuple_GetItem(m, 3);
    PyObject *notes = PyTuple_GetItem(m, 4);
    PyObject *source = PyTuple_GetItem(m, 2);
    PyObject *text = tree != Py_None ? call_module("ast", "unparse", "(O)", tree)
                     : PyBytes_Check(source) ? PyUnicode_FromEncodedObject(source, "utf-8", "replace")
                                             : Py_NewRef(source);
    PyObject *heading = text && !is_main ? PyUnicode_FromFormat("\n# ---- module %U (%U) ----\n",
                                                                 PyTuple_GetItem(m, 0), PyTuple_GetItem(m, 1))
                                         : NULL;
    int rc = text != NULL && (is_main || heading != NULL) ? 0 : -1;
    if (rc == 0 && heading != NULL) {
        rc = PyFile_WriteObject(heading, out, Py_PRINT_RAW);
    }
    if (rc == 0) {
        rc = PyFile_WriteObject(text, out, Py_PRINT_RAW);
    }
    Py_ssize_t n = PyList_Size(notes);
    if (rc == 0) {
        rc = PyFile_WriteString(n ? "\n# pyrun rewrote, and why:\n" : "\n# pyrun: nothing blocks, nothing to rewrite\n",
                                out);
    }
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
        rc = PyFile_WriteString("# ", out) == 0 && PyFile_WriteObject(PyList_GetItem(notes, i), out, Py_PRINT_RAW) == 0 &&
                     PyFile_WriteString("\n", out) == 0
                 ? 0
                 : -1;
    }
    Py_XDECREF(text);
    Py_XDECREF(heading);
    return rc;
}

/* _show_transform(kind, target, display_name): prints the program as pyrun
 * runs it, then what was rewritten and why; returns the exit status. */
PyObject *
pyrun_show_transform(PyObject *module, PyObject *args)
{
    const char *kind;
    PyObject *target, *display;
    if (!PyArg_ParseTuple(args, "sOU:_show_transform", &kind, &target, &display)) {
        return NULL;
    }
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    main_plan plan = {.no_import = 1, .st = st};
    PyObject *status = NULL, *result = NULL, *modules = NULL;
    int rc = plan_program(kind, target, &plan, &status);
    if (rc <= 0) {
        result = rc == 0 ? Py_NewRef(status) : NULL;
        goto done;
    }
    PyObject *name = strcmp(kind, "file") == 0 ? display : plan.filename;
    PyObject *main_name = PyUnicode_FromString("__main__");
    modules = main_name ? pyrun_transform_program(st, plan.source, name, main_name,
                                                  plan.package ? plan.package : Py_None, st->module_resolver)
                        : NULL;
    Py_XDECREF(main_name);
    if (modules == NULL) {
        if (PyErr_ExceptionMatches(PyExc_SyntaxError) || PyErr_ExceptionMatches(PyExc_ValueError) ||
            pyrun_is_internal_error(PyErr_Occurred())) {
            result = PyLong_FromLong(pyrun_report_exit());
        }
        goto done;
    }
    /* (name, filename, source, tree or None, notes, colored) per module */
    PyObject *root = PyList_GetItem(modules, 0);
    if (PyTuple_GetItem(root, 3) == Py_None) {
        /* nothing to rewrite; still, a program that would not compile is
         * reported as running it would */
        PyObject *code = pyrun_compile_source(st, plan.source, name, plan.package ? plan.package : Py_None);
        if (code == NULL) {
            result = PyLong_FromLong(pyrun_report_exit());
            goto done;
        }
        Py_DECREF(code);
    }
    PyObject *out = PySys_GetObject("stdout");
    for (Py_ssize_t i = 0; out != NULL && i < PyList_Size(modules); i++) {
        PyObject *m = PyList_GetItem(modules, i);
        if (i > 0 && PyTuple_GetItem(m, 3) == Py_None) {
            continue; /* another module, run as written */
        }
        if (show_module(out, m, i == 0) < 0) {
            goto done;
        }
    }
    if (out == NULL) {
        goto done;
    }
    result = PyLong_FromLong(PYRUN_EXIT_OK);
done:
    if (result == NULL && PyErr_Occurred()) {
        /* writing failed (a closed pipe...): reported as a program's error */
        result = PyLong_FromLong(pyrun_report_exit());
    }
    plan_clear(&plan);
    Py_XDECREF(status);
    Py_XDECREF(modules);
    return result;
}

int
pyrun_prepare_main(pyrun_state *st, const char *kind, PyObject *target, PyObject *tried,
                   PyObject **code, PyObject **globals, PyObject **import_first, PyObject **status)
{
    main_plan plan = {.tried = tried, .st = st};
    PyObject *main = NULL;
    int rc = plan_program(kind, target, &plan, status);
    if (rc == 2) {
        *import_first = Py_NewRef(plan.import_first);
    }
    if (rc != 1) {
        goto done;
    }
    rc = -1;
    PyObject *argv = PySys_GetObject("argv");
    if (plan.argv0 != NULL && argv != NULL && PyList_Check(argv) && PyList_Size(argv) > 0 &&
        PyList_SetItem(argv, 0, Py_NewRef(plan.argv0)) < 0) {
        goto done;
    }
    if (plan.path0 != NULL && set_sys_path0(plan.path0) < 0) {
        goto done;
    }
    main = new_main_module(plan.dunders);
    if (main == NULL) {
        goto done;
    }
    *code = pyrun_compile_source(st, plan.source, plan.filename, plan.package ? plan.package : Py_None);
    if (*code == NULL) {
        if (PyErr_ExceptionMatches(PyExc_SyntaxError) || PyErr_ExceptionMatches(PyExc_ValueError) ||
            PyErr_ExceptionMatches(PyExc_RecursionError) || PyErr_ExceptionMatches(PyExc_MemoryError) ||
            pyrun_is_internal_error(PyErr_Occurred())) {
            *status = PyLong_FromLong(pyrun_report_exit());
            rc = *status ? 0 : -1;
        }
        goto done;
    }
    *globals = Py_NewRef(PyModule_GetDict(main));
    rc = 1;
done:
    plan_clear(&plan);
    Py_XDECREF(main);
    return rc;
}

/* _run_main(kind, target, argv, inspect=False): kind is "file" (target:
 * absolute path), "module" (target: dotted name), "code" (-c) or "stdin"
 * (target: source); `inspect`: -i, a prompt follows the program.
 * Returns an asyncio Task whose result is the exit status, or an int status
 * when the program could not start. */
PyObject *
pyrun_run_main(PyObject *module, PyObject *args)
{
    const char *kind;
    PyObject *target, *argv_in;
    int inspect = 0;
    if (!PyArg_ParseTuple(args, "sOO|p:_run_main", &kind, &target, &argv_in, &inspect)) {
        return NULL;
    }
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (st->main_runner != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "a program is already running");
        return NULL;
    }
    PyObject *status = NULL, *code = NULL, *globals = NULL, *import_first = NULL;
    PyObject *runner = NULL, *result = NULL;
    PyObject *argv = PySequence_List(argv_in);
    if (argv == NULL) {
        return NULL;
    }
    if (PySys_SetObject("argv", argv) < 0) {
        goto done;
    }
    int rc = pyrun_prepare_main(st, kind, target, NULL, &code, &globals, &import_first, &status);
    if (rc <= 0) {
        result = rc == 0 ? Py_NewRef(status) : NULL;
        goto done;
    }
    runner = rc == 1 ? pyrun_main_runner_new(st, code, globals)
                     : pyrun_main_runner_after_import(st, kind, target, import_first);
    if (runner == NULL) {
        goto done;
    }
    if (inspect) {
        pyrun_main_runner_set_mode(runner, PYRUN_RUN_INSPECT);
    }
    PyObject *loop = PyObject_CallNoArgs(st->get_running_loop);
    if (loop == NULL) {
        goto done;
    }
    result = PyObject_CallMethod(loop, "create_task", "O", runner);
    Py_DECREF(loop);
    if (result != NULL) {
        st->main_runner = Py_NewRef(runner);
    }
done:
    Py_XDECREF(status);
    Py_XDECREF(code);
    Py_XDECREF(globals);
    Py_XDECREF(import_first);
    Py_XDECREF(runner);
    Py_DECREF(argv);
    return result;
}
