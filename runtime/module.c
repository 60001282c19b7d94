/* The `pyrun` extension module: its state and the entry points the host
 * loader calls. Public Python API lives here too as it is added. */
#include "pyrun.h"

#include "aio/helpers.h"
#include "errors.h"
#include "importer/importer.h"
#include "transform/transform.h"

static struct PyModuleDef pyrun_module;

pyrun_state *
pyrun_get_state(PyObject *module)
{
    pyrun_state *st = (pyrun_state *)PyModule_GetState(module);
    if (st == NULL && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_SystemError, "pyrun module state missing");
    }
    return st;
}

pyrun_state *
pyrun_state_from_type(PyTypeObject *type)
{
    PyObject *module = PyType_GetModule(type);
    return module == NULL ? NULL : pyrun_get_state(module);
}

/* -u: a text layer straight over the raw file, as CPython builds unbuffered
 * stdio, replacing the stream Pyodide made buffered at start-up. */
static int
make_unbuffered(const char *name, const char *dunder_name)
{
    PyObject *stream = PySys_GetObject(name);
    if (stream == NULL || stream == Py_None) {
        return 0;
    }
    PyObject *buffer = PyObject_GetAttrString(stream, "buffer");
    int buffered = buffer != NULL && PyObject_HasAttrString(buffer, "raw");
    Py_XDECREF(buffer);
    if (!buffered) {
        PyErr_Clear(); /* already unbuffered, or not a standard stream */
        return 0;
    }
    /* A raw file of its own: the old stream closes its raw file when it
     * is collected. */
    PyObject *io = pyrun_import("io");
    PyObject *fd = io ? PyObject_CallMethod(stream, "fileno", NULL) : NULL;
    PyObject *raw = fd ? PyObject_CallMethod(io, "FileIO", "Osi", fd, "wb", 0) : NULL;
    Py_XDECREF(fd);
    if (raw == NULL) {
        Py_XDECREF(io);
        return -1;
    }
    PyObject *encoding = PyObject_GetAttrString(stream, "encoding");
    PyObject *errors = encoding ? PyObject_GetAttrString(stream, "errors") : NULL;
    PyObject *wrapper = errors ? PyObject_GetAttrString(io, "TextIOWrapper") : NULL;
    PyObject *args = wrapper ? PyTuple_Pack(1, raw) : NULL;
    PyObject *kwargs = args ? Py_BuildValue("{sOsOsssOsO}", "encoding", encoding, "errors", errors,
                                            "newline", "\n", "line_buffering", Py_False,
                                            "write_through", Py_True)
                            : NULL;
    PyObject *fresh = kwargs ? PyObject_Call(wrapper, args, kwargs) : NULL;
    int rc = -1;
    if (fresh != NULL) {
        PyObject *flushed = PyObject_CallMethod(stream, "flush", NULL);
        Py_XDECREF(flushed);
        rc = flushed && PySys_SetObject(name, fresh) == 0 && PySys_SetObject(dunder_name, fresh) == 0
                 ? 0
                 : -1;
    }
    Py_XDECREF(fresh);
    Py_XDECREF(kwargs);
    Py_XDECREF(args);
    Py_XDECREF(wrapper);
    Py_DECREF(io);
    Py_XDECREF(errors);
    Py_XDECREF(encoding);
    Py_DECREF(raw);
    return rc;
}

static PyObject *
stream_reconfigure(const char *name, int line_buffering, int write_through)
{
    PyObject *stream = PySys_GetObject(name);
    if (stream == NULL || stream == Py_None) {
        Py_RETURN_NONE;
    }
    PyObject *reconfigure = PyObject_GetAttrString(stream, "reconfigure");
    if (reconfigure == NULL) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    PyObject *args = PyTuple_New(0);
    PyObject *kwargs = Py_BuildValue("{sOsO}", "line_buffering", line_buffering ? Py_True : Py_False,
                                     "write_through", write_through ? Py_True : Py_False);
    PyObject *r = args && kwargs ? PyObject_Call(reconfigure, args, kwargs) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    Py_DECREF(reconfigure);
    return r;
}

/* Ends of the program that happen inside a Task other than the main one,
 * reported to the host the way an uncaught one in __main__ would be. */
static PyObject *
on_task_system_exit(PyObject *module, PyObject *code)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *exc = PyObject_CallFunctionObjArgs(PyExc_SystemExit, code, NULL);
    if (exc == NULL) {
        return NULL;
    }
    PyErr_SetObject(PyExc_SystemExit, exc);
    Py_DECREF(exc);
    int status = pyrun_report_exit();
    return PyObject_CallMethod(st->host, "exit", "i", status);
}

static PyObject *
on_task_keyboard_interrupt(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    /* Called from inside the loop's `except KeyboardInterrupt:` block. */
    PyObject *exc = PyErr_GetHandledException();
    if (exc != NULL && exc != Py_None) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        pyrun_report_exit();
    }
    Py_XDECREF(exc);
    return PyObject_CallMethod(st->host, "exit", "i", PYRUN_EXIT_INTERRUPT);
}

static PyMethodDef task_exit_defs[] = {
    {"_system_exit_handler", on_task_system_exit, METH_O, NULL},
    {"_keyboard_interrupt_handler", on_task_keyboard_interrupt, METH_NOARGS, NULL},
};

/* Pyodide's WebLoop re-raises these two out of callbacks unless handlers
 * are set (private attributes, present since Pyodide 0.27). */
static int
install_loop_exit_handlers(PyObject *module, pyrun_state *st)
{
    PyObject *loop = PyObject_CallNoArgs(st->get_running_loop);
    if (loop == NULL) {
        PyErr_Clear(); /* no running loop: nothing can be scheduled anyway */
        return 0;
    }
    for (size_t i = 0; i < sizeof task_exit_defs / sizeof task_exit_defs[0]; i++) {
        const char *attr = task_exit_defs[i].ml_name;
        if (!PyObject_HasAttrString(loop, attr)) {
            continue;
        }
        PyObject *fn = PyCFunction_New(&task_exit_defs[i], module);
        if (fn == NULL || PyObject_SetAttrString(loop, attr, fn) < 0) {
            Py_XDECREF(fn);
            Py_DECREF(loop);
            return -1;
        }
        Py_DECREF(fn);
    }
    Py_DECREF(loop);
    return 0;
}

/* _init(host, stdout_tty, unbuffered): stdio buffering as CPython sets it
 * (stdout line-buffered only on a terminal, stderr always line-buffered,
 * both write-through under -u / PYTHONUNBUFFERED). */
static PyObject *
pyrun_init(PyObject *module, PyObject *args)
{
    PyObject *host;
    int stdout_tty, unbuffered;
    if (!PyArg_ParseTuple(args, "Opp:_init", &host, &stdout_tty, &unbuffered)) {
        return NULL;
    }
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    Py_XSETREF(st->host, Py_NewRef(host));
    /* sys.stdin as the host set it up is read through host.read_line(),
     * asynchronously, by transformed code. */
    Py_CLEAR(st->host_stdin);
    if (PyObject_HasAttrString(host, "read_line")) {
        st->host_stdin = Py_XNewRef(PySys_GetObject("stdin"));
    }
    if (unbuffered &&
        (make_unbuffered("stdout", "__stdout__") < 0 || make_unbuffered("stderr", "__stderr__") < 0)) {
        return NULL;
    }
    PyObject *r = stream_reconfigure("stdout", stdout_tty, unbuffered);
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    r = stream_reconfigure("stderr", 1, unbuffered);
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    pyrun_find_pyodide_ffi(st);
    if (install_loop_exit_handlers(module, st) < 0 || pyrun_importer_install(st) < 0 ||
        pyrun_trace_filter_install(module, st) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
pyrun_interrupt(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (st->main_runner == NULL) {
        Py_RETURN_FALSE;
    }
    int rc = pyrun_main_runner_interrupt(st->main_runner);
    if (rc < 0) {
        return NULL;
    }
    return PyBool_FromLong(rc);
}

/* _stalled(): the host's event loop has nothing left to do, yet the
 * program has not ended. Returns the status to exit with, or None when no
 * program is running. */
static PyObject *
pyrun_stalled(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (st->main_runner == NULL) {
        Py_RETURN_NONE;
    }
    return PyLong_FromLong(pyrun_main_runner_stalled(st->main_runner));
}

static int
flush_stream(const char *name)
{
    PyObject *stream = PySys_GetObject(name);
    if (stream == NULL || stream == Py_None) {
        return 0;
    }
    PyObject *r = PyObject_CallMethod(stream, "flush", NULL);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* _finish(status): what CPython does at interpreter exit that a user can
 * observe, atexit callbacks then flushing stdio; returns the final status
 * (120 when stdout cannot be flushed, as CPython). */
static PyObject *
pyrun_finish(PyObject *module, PyObject *arg)
{
    long status = PyLong_AsLong(arg);
    if (status == -1 && PyErr_Occurred()) {
        return NULL;
    }
    pyrun_state *st = pyrun_get_state(module);
    PyObject *atexit = st ? pyrun_import("atexit") : NULL;
    if (atexit != NULL) {
        /* the host calls this with no Python running: a colored callback
         * is waited for here, not left as a task that never runs */
        st->exiting = 1;
        PyObject *r = PyObject_CallMethod(atexit, "_run_exitfuncs", NULL);
        st->exiting = 0;
        Py_XDECREF(r);
        Py_DECREF(atexit);
    }
    if (PyErr_Occurred()) {
        PyErr_Clear();
    }
    /* CPython's finalization collects garbage, which is when a task whose
     * exception nobody retrieved says so. */
    PyObject *gc = pyrun_import("gc");
    PyObject *collected = gc ? PyObject_CallMethod(gc, "collect", NULL) : NULL;
    Py_XDECREF(collected);
    Py_XDECREF(gc);
    if (PyErr_Occurred()) {
        PyErr_Clear();
    }
    if (flush_stream("stdout") < 0) {
        pyrun_write_unraisable(PySys_GetObject("stdout"));
        status = 120; /* as Py_RunMain when finalization fails */
    }
    if (flush_stream("stderr") < 0) {
        PyErr_Clear();
    }
    return PyLong_FromLong(status);
}

/* transform(source, filename="<string>") -> (transformed source, notes):
 * what `pyrun --show-transform` prints. The source is returned unchanged
 * when nothing in it blocks. */
static PyObject *
pyrun_transform(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"source", "filename", NULL};
    PyObject *source, *filename = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|U:transform", kwlist, &source, &filename)) {
        return NULL;
    }
    if (!PyUnicode_Check(source) && !PyBytes_Check(source)) {
        PyErr_SetString(PyExc_TypeError, "transform() source must be str or bytes");
        return NULL;
    }
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *name = filename ? Py_NewRef(filename) : PyUnicode_FromString("<string>");
    PyObject *notes = NULL, *text = NULL, *result = NULL;
    PyObject *tree = name ? pyrun_transform_source(st, source, name, 1, &notes) : NULL;
    if (tree == NULL) {
        goto done;
    }
    if (tree == Py_None) {
        text = PyBytes_Check(source) ? PyUnicode_FromEncodedObject(source, "utf-8", "strict")
                                     : Py_NewRef(source);
    }
    else {
        PyObject *ast_mod = pyrun_import("ast");
        text = ast_mod ? PyObject_CallMethod(ast_mod, "unparse", "O", tree) : NULL;
        Py_XDECREF(ast_mod);
    }
    if (text != NULL) {
        result = PyTuple_Pack(2, text, notes);
    }
done:
    Py_XDECREF(name);
    Py_XDECREF(tree);
    Py_XDECREF(notes);
    Py_XDECREF(text);
    return result;
}

/* transform_program(source, filename) -> [(module, filename, source, notes)]:
 * the program as pyrun runs it, analysed with the user modules it imports
 * (found on sys.path now): the main module ("__main__") first, then each
 * other module pyrun rewrites. */
static PyObject *
pyrun_transform_program_api(PyObject *module, PyObject *args)
{
    PyObject *source, *filename;
    if (!PyArg_ParseTuple(args, "OU:transform_program", &source, &filename)) {
        return NULL;
    }
    if (!PyUnicode_Check(source) && !PyBytes_Check(source)) {
        PyErr_SetString(PyExc_TypeError, "transform_program() source must be str or bytes");
        return NULL;
    }
    pyrun_state *st = pyrun_get_state(module);
    PyObject *main_name = st ? PyUnicode_FromString("__main__") : NULL;
    PyObject *modules = main_name ? pyrun_transform_program(st, source, filename, main_name, Py_None,
                                                            st->module_resolver)
                                  : NULL;
    Py_XDECREF(main_name);
    PyObject *ast_mod = modules ? pyrun_import("ast") : NULL;
    PyObject *out = ast_mod ? PyList_New(0) : NULL;
    for (Py_ssize_t i = 0; out != NULL && i < PyList_Size(modules); i++) {
        /* (name, filename, source, tree or None, notes, colored) */
        PyObject *m = PyList_GetItem(modules, i);
        PyObject *tree = PyTuple_GetItem(m, 3), *text_in = PyTuple_GetItem(m, 2);
        if (i > 0 && tree == Py_None) {
            continue;
        }
        PyObject *text = tree != Py_None ? PyObject_CallMethod(ast_mod, "unparse", "O", tree)
                         : PyBytes_Check(text_in) ? PyUnicode_FromEncodedObject(text_in, "utf-8", "strict")
                                                  : Py_NewRef(text_in);
        PyObject *item = text ? PyTuple_Pack(4, PyTuple_GetItem(m, 0), PyTuple_GetItem(m, 1), text,
                                             PyTuple_GetItem(m, 4))
                              : NULL;
        if (item == NULL || PyList_Append(out, item) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(item);
        Py_XDECREF(text);
    }
    Py_XDECREF(ast_mod);
    Py_XDECREF(modules);
    return out;
}

/* _compile(source, filename, full=False): the code object pyrun runs for
 * a program; `full` (for tests) runs the whole analysis and rewrite even
 * where the prescan would skip them. */
static PyObject *
pyrun_compile(PyObject *module, PyObject *args)
{
    PyObject *source, *filename;
    int full = 0;
    if (!PyArg_ParseTuple(args, "OU|p:_compile", &source, &filename, &full)) {
        return NULL;
    }
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    st->transform_everything = full;
    PyObject *code = pyrun_compile_program(st, source, filename, Py_None);
    st->transform_everything = 0;
    return code;
}

/* _rewrites(source, filename): how many rewrites the transform makes. */
static PyObject *
pyrun_rewrites(PyObject *module, PyObject *args)
{
    PyObject *source, *filename;
    if (!PyArg_ParseTuple(args, "OU:_rewrites", &source, &filename)) {
        return NULL;
    }
    pyrun_state *st = pyrun_get_state(module);
    PyObject *notes = NULL;
    PyObject *tree = st ? pyrun_transform_source(st, source, filename, 1, &notes) : NULL;
    PyObject *n = tree ? PyLong_FromSsize_t(PyList_Size(notes)) : NULL;
    Py_XDECREF(tree);
    Py_XDECREF(notes);
    return n;
}

/* _transform_times(source, filename): (rewrites, parse, analysis, rewrite),
 * the seconds of each pass of one transform, for bench/transform.mjs. */
static PyObject *
pyrun_transform_times(PyObject *module, PyObject *args)
{
    PyObject *source, *filename;
    if (!PyArg_ParseTuple(args, "OU:_transform_times", &source, &filename)) {
        return NULL;
    }
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    double clock[3] = {0.0, 0.0, 0.0};
    PyObject *time = pyrun_import("time");
    PyObject *start = time ? PyObject_CallMethod(time, "perf_counter", NULL) : NULL;
    Py_XDECREF(time);
    if (start == NULL) {
        return NULL;
    }
    PyObject *notes = NULL;
    st->pass_clock = clock;
    PyObject *tree = pyrun_transform_source(st, source, filename, 1, &notes);
    st->pass_clock = NULL;
    double t0 = PyFloat_AsDouble(start);
    Py_DECREF(start);
    PyObject *r = tree ? Py_BuildValue("(nddd)", PyList_Size(notes), clock[0] - t0, clock[1] - clock[0],
                                       clock[2] - clock[1]) : NULL;
    Py_XDECREF(tree);
    Py_XDECREF(notes);
    return r;
}

/* transform_package(name): user code in a site-packages package. */
static PyObject *
pyrun_transform_package(PyObject *module, PyObject *name)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (!PyUnicode_Check(name) || PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), 1) != -1) {
        PyErr_SetString(PyExc_ValueError, "transform_package() takes a top-level package name");
        return NULL;
    }
    if (PySet_Add(st->transform_packages, name) < 0) {
        return NULL;
    }
    PyDict_Clear(st->code_cache);
    Py_RETURN_NONE;
}

/* _set_strict_async(flag): strict mode for this interpreter's runs (a
 * page's loadPyrun({ strictAsync })), whatever PYRUN_STRICT_ASYNC says. */
static PyObject *
pyrun_set_strict_async(PyObject *module, PyObject *flag)
{
    pyrun_state *st = pyrun_get_state(module);
    int on = st ? PyObject_IsTrue(flag) : -1;
    if (on < 0) {
        return NULL;
    }
    st->strict_async = on;
    Py_RETURN_NONE;
}

static PyMethodDef pyrun_methods[] = {
    {"_set_strict_async", pyrun_set_strict_async, METH_O, NULL},
    {"transform_package", pyrun_transform_package, METH_O,
     "transform_package(name)\n\n"
     "Transform the pure-Python package `name` from site-packages like the\n"
     "program's own modules (by default only those are transformed)."},
    {"transform_program", pyrun_transform_program_api, METH_VARARGS,
     "transform_program(source, filename) -> [(module, filename, source, notes)]\n\n"
     "The program as pyrun runs it, with the user modules it imports: the\n"
     "main module first, then each other module pyrun rewrites."},
    {"_compile", pyrun_compile, METH_VARARGS, NULL},
    {"_rewrites", pyrun_rewrites, METH_VARARGS, NULL},
    {"_transform_times", pyrun_transform_times, METH_VARARGS, NULL},
    {"transform", (PyCFunction)(void (*)(void))pyrun_transform, METH_VARARGS | METH_KEYWORDS,
     "transform(source, filename='<string>') -> (source, notes)\n\n"
     "The source as pyrun runs it: blocking calls awaited and the code that\n"
     "reaches them made async, with notes on what was rewritten and why."},
    {"_init", pyrun_init, METH_VARARGS, NULL},
    {"_run_main", pyrun_run_main, METH_VARARGS, NULL},
    {"_show_transform", pyrun_show_transform, METH_VARARGS, NULL},
    {"_interrupt", pyrun_interrupt, METH_NOARGS, NULL},
    {"_stalled", pyrun_stalled, METH_NOARGS, NULL},
    {"_finish", pyrun_finish, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyObject *
import_attr(const char *module, const char *attr)
{
    PyObject *mod = pyrun_import(module);
    if (mod == NULL) {
        return NULL;
    }
    PyObject *value = PyObject_GetAttrString(mod, attr);
    Py_DECREF(mod);
    return value;
}

static int
pyrun_exec(PyObject *module)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return -1;
    }
    st->compile = import_attr("builtins", "compile");
    st->coroutine_type = st->compile ? import_attr("types", "CoroutineType") : NULL;
    st->method_type = st->coroutine_type ? import_attr("types", "MethodType") : NULL;
    st->function_type = st->method_type ? import_attr("types", "FunctionType") : NULL;
    st->get_running_loop = st->function_type ? import_attr("asyncio", "get_running_loop") : NULL;
    st->set_result_unless_cancelled =
        st->get_running_loop ? import_attr("asyncio.futures", "_set_result_unless_cancelled") : NULL;
    st->iscoroutine = st->set_result_unless_cancelled ? import_attr("asyncio", "iscoroutine") : NULL;
    st->all_tasks = st->iscoroutine ? import_attr("asyncio", "all_tasks") : NULL;
    st->ensure_future = st->all_tasks ? import_attr("asyncio", "ensure_future") : NULL;
    st->gather = st->ensure_future ? import_attr("asyncio", "gather") : NULL;
    st->copy_context = st->gather ? import_attr("contextvars", "copy_context") : NULL;
    st->time_sleep = st->copy_context ? import_attr("time", "sleep") : NULL;
    st->original_input = st->time_sleep ? import_attr("builtins", "input") : NULL;
    st->original_run = st->original_input ? import_attr("asyncio", "run") : NULL;
    PyObject *context_var = st->original_run ? import_attr("contextvars", "ContextVar") : NULL;
    st->run_marker = context_var ? PyObject_CallFunction(context_var, "s", "pyrun.asyncio_run") : NULL;
    Py_XDECREF(context_var);
    if (st->run_marker == NULL) {
        return -1;
    }
    st->str_spec = PyUnicode_InternFromString("__spec__");
    st->str_initializing = st->str_spec ? PyUnicode_InternFromString("_initializing") : NULL;
    if (st->str_initializing == NULL) {
        return -1;
    }
    st->host = Py_NewRef(Py_None);
    st->strict_async = -1;
    st->jspi_possible = -1;
    st->stdin_pending = PyUnicode_FromString("");
    st->stop_futures = PyDict_New();
    st->sync_warned = PySet_New(NULL);
    PyObject *weak_keys = st->sync_warned ? import_attr("weakref", "WeakKeyDictionary") : NULL;
    st->plain_codes = weak_keys ? PyObject_CallNoArgs(weak_keys) : NULL;
    st->async_codes = st->plain_codes ? PyObject_CallNoArgs(weak_keys) : NULL;
    st->once_codes = st->async_codes ? PyObject_CallNoArgs(weak_keys) : NULL;
    Py_XDECREF(weak_keys);
    if (st->stdin_pending == NULL || st->stop_futures == NULL || st->once_codes == NULL || pyrun_threads_init(module, st) < 0) {
        return -1;
    }
    if (pyrun_errors_register(module, st) < 0 || pyrun_main_runner_register(module, st) < 0 || pyrun_awaitable_register(module, st) < 0 ||
        pyrun_sleep_register(module, st) < 0 || pyrun_face_register(module, st) < 0 ||
        pyrun_stringify_init(st) < 0 ||
        pyrun_cm_register(module, st) < 0 || pyrun_iterate_register(module, st) < 0 ||
        pyrun_calls_register(module, st) < 0 || pyrun_replay_register(module, st) < 0 || pyrun_cache_register(module, st) < 0 || pyrun_dispatch_register(module, st) < 0 || pyrun_delegate_register(module, st) < 0 || pyrun_trace_filter_register(module, st) < 0 || pyrun_importer_register(module, st) < 0 ||
        pyrun_run_reset_register(module) < 0 || pyrun_repl_register(module) < 0) {
        return -1;
    }
    return pyrun_helpers_install(module, st);
}

static int
pyrun_traverse(PyObject *module, visitproc visit, void *arg)
{
    pyrun_state *st = (pyrun_state *)PyModule_GetState(module);
    if (st == NULL) {
        return 0;
    }
    Py_VISIT(st->host);
    Py_VISIT(st->main_runner);
    Py_VISIT(st->main_runner_type);
    Py_VISIT(st->compile);
    Py_VISIT(st->coroutine_type);
    Py_VISIT(st->method_type);
    Py_VISIT(st->function_type);
    Py_VISIT(st->get_running_loop);
    Py_VISIT(st->set_result_unless_cancelled);
    Py_VISIT(st->iscoroutine);
    Py_VISIT(st->all_tasks);
    Py_VISIT(st->ensure_future);
    Py_VISIT(st->gather);
    Py_VISIT(st->copy_context);
    Py_VISIT(st->time_sleep);
    Py_VISIT(st->run_marker);
    Py_VISIT(st->ready_type);
    Py_VISIT(st->yield_once_type);
    Py_VISIT(st->step_type);
    Py_VISIT(st->sleep_type);
    Py_VISIT(st->face_type);
    Py_VISIT(st->function_face_type);
    Py_VISIT(st->method_face_type);
    Py_VISIT(st->acm_type);
    Py_VISIT(st->replay_type);
    Py_VISIT(st->memo_type);
    Py_VISIT(st->memo_call_type);
    Py_VISIT(st->dispatch_type);
    Py_VISIT(st->dispatch_method_type);
    Py_VISIT(st->delegate_type);
    Py_VISIT(st->tracer_type);
    Py_VISIT(st->program_files);
    Py_VISIT(st->colored_codes);
    Py_VISIT(st->loop_dirs);
    Py_VISIT(st->sys_settrace);
    Py_VISIT(st->sys_setprofile);
    Py_VISIT(st->sys_gettrace);
    Py_VISIT(st->sys_getprofile);
    Py_VISIT(st->resumed_type);
    Py_VISIT(st->replay_stop);
    Py_VISIT(st->replayables);
    Py_VISIT(st->pyodide_ffi);
    Py_VISIT(st->aiter_type);
    Py_VISIT(st->sync_gen_type);
    Py_VISIT(st->stopped_type);
    Py_VISIT(st->async_gen_type);
    Py_VISIT(st->sync_what);
    Py_VISIT(st->sync_where);
    Py_VISIT(st->original_input);
    Py_VISIT(st->builtin_print);
    Py_VISIT(st->builtin_repr);
    Py_VISIT(st->builtin_ascii);
    Py_VISIT(st->builtin_format);
    Py_VISIT(st->builtin_len);
    Py_VISIT(st->builtin_abs);
    Py_VISIT(st->object_str);
    Py_VISIT(st->object_format);
    for (int i = 0; i < PYRUN_CONTAINER_REPRS; i++) {
        Py_VISIT(st->container_reprs[i]);
    }
    Py_VISIT(st->original_run);
    Py_VISIT(st->helpers);
    Py_VISIT(st->blocking_error);
    Py_VISIT(st->transform_error);
    Py_VISIT(st->internal_error);
    Py_VISIT(st->host_stdin);
    Py_VISIT(st->stdin_pending);
    Py_VISIT(st->stop_futures);
    Py_VISIT(st->coop_waiters);
    Py_VISIT(st->coop_threads);
    Py_VISIT(st->coop_running);
    Py_VISIT(st->coop_owners);
    Py_VISIT(st->coop_executors);
    Py_VISIT(st->coop_types);
    Py_VISIT(st->coop_kinds);
    Py_VISIT(st->completed_type);
    Py_VISIT(st->sync_warned);
    Py_VISIT(st->plain_codes);
    Py_VISIT(st->async_codes);
    Py_VISIT(st->once_codes);
    Py_VISIT(st->deferred_hooks);
    Py_VISIT(st->deferred_bodies);
    Py_VISIT(st->library_prefixes);
    Py_VISIT(st->in_flight);
    Py_VISIT(st->transform_packages);
    Py_VISIT(st->code_cache);
    Py_VISIT(st->path_finder);
    Py_VISIT(st->source_loaders);
    Py_VISIT(st->finder);
    Py_VISIT(st->loader_type);
    Py_VISIT(st->finder_type);
    Py_VISIT(st->module_resolver);
    return pyrun_transform_state_traverse(st, visit, arg);
}

static int
pyrun_clear(PyObject *module)
{
    pyrun_state *st = (pyrun_state *)PyModule_GetState(module);
    if (st == NULL) {
        return 0;
    }
    Py_CLEAR(st->host);
    Py_CLEAR(st->main_runner);
    Py_CLEAR(st->main_runner_type);
    Py_CLEAR(st->compile);
    Py_CLEAR(st->coroutine_type);
    Py_CLEAR(st->method_type);
    Py_CLEAR(st->function_type);
    Py_CLEAR(st->get_running_loop);
    Py_CLEAR(st->set_result_unless_cancelled);
    Py_CLEAR(st->iscoroutine);
    Py_CLEAR(st->all_tasks);
    Py_CLEAR(st->ensure_future);
    Py_CLEAR(st->gather);
    Py_CLEAR(st->copy_context);
    Py_CLEAR(st->time_sleep);
    Py_CLEAR(st->run_marker);
    Py_CLEAR(st->ready_type);
    Py_CLEAR(st->yield_once_type);
    Py_CLEAR(st->step_type);
    Py_CLEAR(st->sleep_type);
    Py_CLEAR(st->face_type);
    Py_CLEAR(st->function_face_type);
    Py_CLEAR(st->method_face_type);
    Py_CLEAR(st->acm_type);
    Py_CLEAR(st->replay_type);
    Py_CLEAR(st->memo_type);
    Py_CLEAR(st->memo_call_type);
    Py_CLEAR(st->dispatch_type);
    Py_CLEAR(st->dispatch_method_type);
    Py_CLEAR(st->delegate_type);
    Py_CLEAR(st->tracer_type);
    Py_CLEAR(st->program_files);
    Py_CLEAR(st->colored_codes);
    Py_CLEAR(st->loop_dirs);
    Py_CLEAR(st->sys_settrace);
    Py_CLEAR(st->sys_setprofile);
    Py_CLEAR(st->sys_gettrace);
    Py_CLEAR(st->sys_getprofile);
    Py_CLEAR(st->resumed_type);
    Py_CLEAR(st->replay_stop);
    Py_CLEAR(st->replayables);
    Py_CLEAR(st->pyodide_ffi);
    Py_CLEAR(st->aiter_type);
    Py_CLEAR(st->sync_gen_type);
    Py_CLEAR(st->stopped_type);
    Py_CLEAR(st->async_gen_type);
    Py_CLEAR(st->sync_what);
    Py_CLEAR(st->sync_where);
    Py_CLEAR(st->original_input);
    Py_CLEAR(st->builtin_print);
    Py_CLEAR(st->builtin_repr);
    Py_CLEAR(st->builtin_ascii);
    Py_CLEAR(st->builtin_format);
    Py_CLEAR(st->builtin_len);
    Py_CLEAR(st->builtin_abs);
    Py_CLEAR(st->object_str);
    Py_CLEAR(st->object_format);
    for (int i = 0; i < PYRUN_CONTAINER_REPRS; i++) {
        Py_CLEAR(st->container_reprs[i]);
    }
    Py_CLEAR(st->original_run);
    Py_CLEAR(st->helpers);
    Py_CLEAR(st->blocking_error);
    Py_CLEAR(st->transform_error);
    Py_CLEAR(st->internal_error);
    Py_CLEAR(st->host_stdin);
    Py_CLEAR(st->stdin_pending);
    Py_CLEAR(st->stop_futures);
    Py_CLEAR(st->coop_waiters);
    Py_CLEAR(st->coop_threads);
    Py_CLEAR(st->coop_running);
    Py_CLEAR(st->coop_owners);
    Py_CLEAR(st->coop_executors);
    Py_CLEAR(st->coop_types);
    Py_CLEAR(st->coop_kinds);
    Py_CLEAR(st->completed_type);
    Py_CLEAR(st->sync_warned);
    Py_CLEAR(st->plain_codes);
    Py_CLEAR(st->async_codes);
    Py_CLEAR(st->once_codes);
    Py_CLEAR(st->deferred_hooks);
    Py_CLEAR(st->deferred_bodies);
    Py_CLEAR(st->str_spec);
    Py_CLEAR(st->str_initializing);
    Py_CLEAR(st->library_prefixes);
    Py_CLEAR(st->in_flight);
    Py_CLEAR(st->transform_packages);
    Py_CLEAR(st->code_cache);
    Py_CLEAR(st->path_finder);
    Py_CLEAR(st->source_loaders);
    Py_CLEAR(st->finder);
    Py_CLEAR(st->loader_type);
    Py_CLEAR(st->finder_type);
    Py_CLEAR(st->module_resolver);
    pyrun_transform_state_clear(st);
    return 0;
}

static void
pyrun_free(void *module)
{
    pyrun_clear((PyObject *)module);
}

static PyModuleDef_Slot pyrun_slots[] = {
    {Py_mod_exec, pyrun_exec},
    {0, NULL},
};

static struct PyModuleDef pyrun_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pyrun",
    .m_doc = "Run synchronous Python on an event loop that must never block.",
    .m_size = sizeof(pyrun_state),
    .m_methods = pyrun_methods,
    .m_slots = pyrun_slots,
    .m_traverse = pyrun_traverse,
    .m_clear = pyrun_clear,
    .m_free = pyrun_free,
};

PyMODINIT_FUNC
PyInit_pyrun(void)
{
    return PyModuleDef_Init(&pyrun_module);
}
