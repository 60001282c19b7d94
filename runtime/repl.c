/* The interactive prompt's engine: one input at a time, decided and run as
 * python3's prompt decides and runs it, but through the transform.
 *
 * A ReplSession holds the prompt's namespace (__main__'s dict) and a
 * codeop compiler, which decides as code.InteractiveConsole does whether
 * the lines typed so far are a whole input, and remembers __future__
 * imports. A whole input is then rewritten by the transform and compiled in
 * 'single' mode, so that expression statements go through sys.displayhook
 * (and set `_`), with top-level await allowed as under `python -m asyncio`.
 * It runs in a MainRunner of its own (PYRUN_RUN_LINE), as a Task on the
 * running loop: a Ctrl-C is thrown in at its await, and tasks started by
 * earlier lines keep running while it sleeps.
 *
 * The transform sees one input, not the session: each input is preceded,
 * for the analysis only, by declarations of what the session's names hold
 * (declarations.c); the input's own lines are numbered from 1, as the
 * prompt numbers them. */
#include "pyrun.h"

#include "importer/importer.h"
#include "transform/transform.h"

#include <string.h>

#define PROMPT_FILENAME "<stdin>"

typedef struct {
    PyObject_HEAD
    PyObject *globals;  /* the prompt's namespace */
    PyObject *compiler; /* codeop.CommandCompiler */
    int terminal;       /* input comes from a terminal, where EOF is not final */
} ReplSession;

static int
session_traverse(ReplSession *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)self));
    Py_VISIT(self->globals);
    Py_VISIT(self->compiler);
    return 0;
}

static int
session_clear(ReplSession *self)
{
    Py_CLEAR(self->globals);
    Py_CLEAR(self->compiler);
    return 0;
}

static void
session_dealloc(ReplSession *self)
{
    PyTypeObject *type = Py_TYPE((PyObject *)self);
    PyObject_GC_UnTrack(self);
    session_clear(self);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(self);
    Py_DECREF(type);
}

/* ---- compiling an input ------------------------------------------------ */

/* codeop's flags for deciding whether more lines are to come; a whole
 * input is compiled without them. */
#define CODEOP_ONLY_FLAGS (0x0200 /* PyCF_DONT_IMPLY_DEDENT */ | 0x4000 /* PyCF_ALLOW_INCOMPLETE_INPUT */)

/* The compile() flags of a whole input: codeop's, which start with
 * top-level await and gather the __future__ imports typed so far. */
static PyObject *
compile_flags(ReplSession *self)
{
    PyObject *inner = PyObject_GetAttrString(self->compiler, "compiler");
    PyObject *flags = inner ? PyObject_GetAttrString(inner, "flags") : NULL;
    Py_XDECREF(inner);
    long value = flags ? PyLong_AsLong(flags) : -1;
    Py_XDECREF(flags);
    return value == -1 && PyErr_Occurred() ? NULL : PyLong_FromLong(value & ~CODEOP_ONLY_FLAGS);
}

/* The other user modules the input reaches were analysed with it: their
 * code is cached for their imports, as for a program's. */
static void
cache_other_modules(pyrun_state *st, PyObject *results)
{
    if (PyList_Size(results) < 2) {
        return;
    }
    /* in the place of the input: an empty module */
    PyObject *notes = PyList_New(0);
    PyObject *empty = notes ? PyUnicode_FromString("") : NULL;
    PyObject *root = empty ? Py_BuildValue("(ssOOO)", "__main__", PROMPT_FILENAME, empty, Py_None, notes) : NULL;
    Py_XDECREF(notes);
    Py_XDECREF(empty);
    PyObject *others = root ? PyList_GetSlice(results, 1, PyList_Size(results)) : NULL;
    if (others != NULL && PyList_Insert(others, 0, root) == 0) {
        PyObject *code = pyrun_compile_and_cache(st, others);
        Py_XDECREF(code);
    }
    Py_XDECREF(others);
    Py_XDECREF(root);
    PyErr_Clear(); /* each module's own import reports its errors */
}

/* The code that runs for a whole input: `plain` (what codeop compiled)
 * when nothing in it blocks, else the transformed input. */
static PyObject *
transformed_code(ReplSession *self, pyrun_state *st, PyObject *source, PyObject *plain)
{
    Py_ssize_t declared = 0, colored = 0;
    PyObject *filename = PyUnicode_FromString(PROMPT_FILENAME);
    PyObject *main_name = filename ? PyUnicode_FromString("__main__") : NULL;
    PyObject *preamble = main_name ? pyrun_declarations(st, self->globals, NULL, source, &declared, &colored) : NULL;
    PyObject *full = preamble ? PyUnicode_Concat(preamble, source) : NULL;
    PyObject *results = full ? pyrun_transform_program(st, full, filename, main_name, Py_None, st->module_resolver)
                             : NULL;
    if (results == NULL && declared > 0 && PyErr_ExceptionMatches(PyExc_SyntaxError)) {
        /* an input that must come first (a __future__ import): alone */
        PyErr_Clear();
        declared = 0;
        results = pyrun_transform_program(st, source, filename, main_name, Py_None, st->module_resolver);
    }
    PyObject *code = NULL;
    PyObject *root = results ? PyList_GetItem(results, 0) : NULL;
    if (root != NULL && PyTuple_GetItem(root, 3) == Py_None) {
        code = Py_NewRef(plain);
    }
    else if (root != NULL) {
        PyObject *kept = pyrun_declared_statements(PyTuple_GetItem(root, 3), declared);
        PyObject *ast = kept ? pyrun_import("ast") : NULL;
        PyObject *interactive = ast ? PyObject_CallMethod(ast, "Interactive", "O", kept) : NULL;
        Py_XDECREF(ast);
        Py_XDECREF(kept);
        PyObject *flags = interactive ? compile_flags(self) : NULL;
        code = flags ? PyObject_CallFunction(st->compile, "OOsOi", interactive, filename, "single", flags, 1) : NULL;
        Py_XDECREF(flags);
        Py_XDECREF(interactive);
    }
    if (code != NULL) {
        cache_other_modules(st, results);
    }
    Py_XDECREF(results);
    Py_XDECREF(full);
    Py_XDECREF(preamble);
    Py_XDECREF(main_name);
    Py_XDECREF(filename);
    return code;
}

/* compile(source, final=False): None while the lines typed so far are
 * not a whole input (as codeop decides), the code to run when they are,
 * or False after an error, already shown (a SyntaxError, as the prompt
 * shows it). `final`: no more lines will come (end of input on a
 * continuation line): the source is compiled as it is. */
static PyObject *
session_compile(ReplSession *self, PyObject *args)
{
    PyObject *source;
    int final = 0;
    if (!PyArg_ParseTuple(args, "U|p:compile", &source, &final)) {
        return NULL;
    }
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)self));
    if (st == NULL) {
        return NULL;
    }
    PyObject *plain;
    if (final) {
        PyObject *flags = compile_flags(self);
        plain = flags ? PyObject_CallFunction(st->compile, "OssOi", source, PROMPT_FILENAME, "single", flags, 1) : NULL;
        Py_XDECREF(flags);
    }
    else {
        plain = PyObject_CallFunction(self->compiler, "Oss", source, PROMPT_FILENAME, "single");
    }
    if (plain == Py_None) {
        return plain;
    }
    PyObject *code = plain ? transformed_code(self, st, source, plain) : NULL;
    Py_XDECREF(plain);
    if (code == NULL) {
        /* shown as the prompt shows it: the error without the frames of
         * codeop's compiling */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        if (value != NULL && PyException_SetTraceback(value, Py_None) < 0) {
            PyErr_Clear();
        }
        Py_XDECREF(tb);
        PyErr_Restore(type, value, NULL);
        pyrun_report_exit();
        Py_RETURN_FALSE;
    }
    return code;
}

/* run(code): a Task running the code in the prompt's namespace. Its
 * result is None, or the exit status when the code raised SystemExit.
 * runtime._interrupt() throws KeyboardInterrupt in at its await. */
static PyObject *
session_run(ReplSession *self, PyObject *code)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)self));
    if (st == NULL) {
        return NULL;
    }
    if (st->main_runner != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "an input is already running");
        return NULL;
    }
    /* Ctrl-D at an input() ends that input, not the terminal. */
    if (self->terminal) {
        st->stdin_eof = 0;
    }
    PyObject *runner = pyrun_main_runner_new(st, code, self->globals);
    if (runner == NULL) {
        return NULL;
    }
    pyrun_main_runner_set_mode(runner, PYRUN_RUN_LINE);
    PyObject *loop = PyObject_CallNoArgs(st->get_running_loop);
    PyObject *task = loop ? PyObject_CallMethod(loop, "create_task", "O", runner) : NULL;
    Py_XDECREF(loop);
    if (task != NULL) {
        st->main_runner = Py_NewRef(runner);
    }
    Py_DECREF(runner);
    return task;
}

/* prompt(continuation): str(sys.ps1), or str(sys.ps2) on a continuation
 * line, as the prompt prints them. */
static PyObject *
session_prompt(ReplSession *self, PyObject *continuation)
{
    (void)self;
    int more = PyObject_IsTrue(continuation);
    if (more < 0) {
        return NULL;
    }
    PyObject *ps = PySys_GetObject(more ? "ps2" : "ps1"); /* borrowed */
    return ps != NULL ? PyObject_Str(ps) : PyUnicode_FromString(more ? "... " : ">>> ");
}

/* flush(): what the input printed reaches the terminal before the next
 * prompt, as after each input at python3's prompt. */
static PyObject *
session_flush(ReplSession *self, PyObject *Py_UNUSED(ignored))
{
    (void)self;
    const char *names[] = {"stdout", "stderr"};
    for (size_t i = 0; i < 2; i++) {
        PyObject *stream = PySys_GetObject(names[i]);
        PyObject *r = stream && stream != Py_None ? PyObject_CallMethod(stream, "flush", NULL) : NULL;
        if (r == NULL && PyErr_Occurred()) {
            pyrun_write_unraisable(stream);
        }
        Py_XDECREF(r);
    }
    Py_RETURN_NONE;
}

static PyMethodDef session_methods[] = {
    {"compile", (PyCFunction)session_compile, METH_VARARGS, NULL},
    {"run", (PyCFunction)session_run, METH_O, NULL},
    {"prompt", (PyCFunction)session_prompt, METH_O, NULL},
    {"flush", (PyCFunction)session_flush, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot session_slots[] = {
    {Py_tp_dealloc, session_dealloc},
    {Py_tp_traverse, session_traverse},
    {Py_tp_clear, session_clear},
    {Py_tp_methods, session_methods},
    {0, NULL},
};

static PyType_Spec session_spec = {
    .name = "pyrun.ReplSession",
    .basicsize = sizeof(ReplSession),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = session_slots,
};

/* The loop's handler for a KeyboardInterrupt raised outside any input's
 * code (Python polls for Ctrl-C in asyncio's own steps too): at the
 * prompt it belongs to the input that is running, at its await, or, with
 * none running, it is only reported; it never ends the session. */
static PyObject *
repl_keyboard_interrupt(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    int delivered = st->main_runner != NULL ? pyrun_main_runner_interrupt(st->main_runner) : 0;
    if (delivered < 0) {
        return NULL;
    }
    PyObject *err = PySys_GetObject("stderr");
    if (!delivered && err != NULL && err != Py_None && PyFile_WriteString("\nKeyboardInterrupt\n", err) < 0) {
        PyErr_Clear();
    }
    Py_RETURN_NONE;
}

static PyMethodDef keyboard_interrupt_def = {"_keyboard_interrupt_handler", repl_keyboard_interrupt, METH_NOARGS,
                                             NULL};

/* Pyodide's WebLoop calls this handler (private, since Pyodide 0.27);
 * without it the interrupt ends the process, as it ends a program. */
static int
install_keyboard_interrupt_handler(PyObject *module)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *loop = st ? PyObject_CallNoArgs(st->get_running_loop) : NULL;
    if (loop == NULL) {
        PyErr_Clear(); /* no loop, nothing to hand over to */
        return 0;
    }
    int rc = 0;
    if (PyObject_HasAttrString(loop, keyboard_interrupt_def.ml_name)) {
        PyObject *fn = PyCFunction_New(&keyboard_interrupt_def, module);
        rc = fn && PyObject_SetAttrString(loop, keyboard_interrupt_def.ml_name, fn) == 0 ? 0 : -1;
        Py_XDECREF(fn);
    }
    Py_DECREF(loop);
    return rc;
}

static int
set_default_prompt(const char *name, const char *value)
{
    if (PySys_GetObject(name) != NULL) {
        return 0;
    }
    PyObject *v = PyUnicode_FromString(value);
    int rc = v ? PySys_SetObject(name, v) : -1;
    Py_XDECREF(v);
    return rc;
}

/* _repl_open(globals, terminal): the prompt's session over `globals`
 * (__main__'s dict); `terminal`: input comes from a terminal. Sets
 * sys.ps1 and sys.ps2 as python3 does when its prompt starts. */
static PyObject *
repl_open(PyObject *module, PyObject *args)
{
    PyObject *globals;
    int terminal;
    if (!PyArg_ParseTuple(args, "O!p:_repl_open", &PyDict_Type, &globals, &terminal)) {
        return NULL;
    }
    if (set_default_prompt("ps1", ">>> ") < 0 || set_default_prompt("ps2", "... ") < 0 ||
        install_keyboard_interrupt_handler(module) < 0) {
        return NULL;
    }
    PyTypeObject *type = (PyTypeObject *)PyObject_GetAttrString(module, "_ReplSession");
    if (type == NULL) {
        return NULL;
    }
    PyObject *codeop = pyrun_import("codeop");
    PyObject *compiler = codeop ? PyObject_CallMethod(codeop, "CommandCompiler", NULL) : NULL;
    Py_XDECREF(codeop);
    PyObject *inner = compiler ? PyObject_GetAttrString(compiler, "compiler") : NULL;
    PyObject *flags = inner ? PyObject_GetAttrString(inner, "flags") : NULL;
    PyObject *tla = flags ? PyLong_FromLong(PYRUN_CF_ALLOW_TOP_LEVEL_AWAIT) : NULL;
    PyObject *with_tla = tla ? PyNumber_Or(flags, tla) : NULL;
    int rc = with_tla ? PyObject_SetAttrString(inner, "flags", with_tla) : -1;
    Py_XDECREF(with_tla);
    Py_XDECREF(tla);
    Py_XDECREF(flags);
    Py_XDECREF(inner);
    ReplSession *self = NULL;
    if (rc == 0) {
        self = (ReplSession *)((allocfunc)PyType_GetSlot(type, Py_tp_alloc))(type, 0);
    }
    if (self != NULL) {
        self->globals = Py_NewRef(globals);
        self->compiler = Py_NewRef(compiler);
        self->terminal = terminal;
    }
    Py_XDECREF(compiler);
    Py_DECREF(type);
    return (PyObject *)self;
}

static PyMethodDef repl_functions[] = {
    {"_repl_open", repl_open, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

int
pyrun_repl_register(PyObject *module)
{
    PyObject *type = PyType_FromModuleAndSpec(module, &session_spec, NULL);
    if (type == NULL) {
        return -1;
    }
    int rc = PyModule_AddObject(module, "_ReplSession", type);
    if (rc < 0) {
        Py_DECREF(type);
        return -1;
    }
    return PyModule_AddFunctions(module, repl_functions);
}
