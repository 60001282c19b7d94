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
 * The transform sees one input, not the session. So each input is
 * preceded, for the analysis only, by a declaration of every global it
 * names: a module as its import, a stdlib object the transform knows (say
 * `sleep` bound to time.sleep) as its `from` import, a value that holds
 * colored code (a function made async by an earlier input, a class with
 * such a method, an instance of one) as an import from a module that is
 * not there, which the transform answers with calls that await colored
 * coroutines at run time; anything else as a plain variable, which also
 * keeps a builtin's name from being taken for the builtin. Those lines
 * are cut from the tree before it is compiled, and the input's own lines
 * are numbered from 1, as the prompt numbers them. */
#include "pyrun.h"

#include "importer/importer.h"
#include "transform/transform.h"

#include <string.h>

#define PROMPT_FILENAME "<stdin>"
#define SESSION_MODULE "__pyrun_session__"

/* Modules whose objects the transform recognises by name
 * (transform/prims.c): a global bound to one of their attributes is
 * declared as imported from there. */
static const char *const known_modules[] = {
    "time", "asyncio", "sys", "builtins", "functools", "contextlib", "importlib", "pyodide.ffi",
};

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

/* ---- what the input names ---------------------------------------------- */

static int
is_ident_start(unsigned char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Every word of the source that could be a name (words inside strings
 * and comments too: declaring more than needed costs nothing). */
static PyObject *
words_of(PyObject *source)
{
    Py_ssize_t len;
    const char *buf = PyUnicode_AsUTF8AndSize(source, &len);
    PyObject *words = buf ? PySet_New(NULL) : NULL;
    for (Py_ssize_t i = 0; words != NULL && i < len;) {
        if (!is_ident_start((unsigned char)buf[i])) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        while (i < len && (is_ident_start((unsigned char)buf[i]) || (buf[i] >= '0' && buf[i] <= '9'))) {
            i++;
        }
        PyObject *word = PyUnicode_DecodeUTF8(buf + start, i - start, "strict");
        if (word == NULL || PySet_Add(words, word) < 0) {
            Py_CLEAR(words);
        }
        Py_XDECREF(word);
    }
    return words;
}

/* ---- does a value hold colored code? ----------------------------------- */

/* The types whose insides are looked at: only builtin ones, and the
 * __dict__ of classes, so that no code of the program's runs. */
typedef struct {
    pyrun_state *st;
    PyObject *method_type;
    PyObject *partial_type;
    PyObject *staticmethod_type;
    PyObject *classmethod_type;
    PyObject *property_type;
} colored_probe;

static int holds_colored(colored_probe *p, PyObject *value, int depth);

/* The attribute `name` of a builtin wrapper (method, partial,
 * staticmethod...), which holds colored code when what it wraps does. */
static int
wrapped_holds_colored(colored_probe *p, PyObject *wrapper, const char *name, int depth)
{
    PyObject *inner = PyObject_GetAttrString(wrapper, name);
    if (inner == NULL) {
        PyErr_Clear();
        return 0;
    }
    int r = inner == Py_None ? 0 : holds_colored(p, inner, depth + 1);
    Py_DECREF(inner);
    return r;
}

/* A class whose own or inherited methods (properties, static and class
 * methods included) are colored. Only classes defined in Python are
 * looked into; their __dict__ is read, never their attributes. */
static int
class_holds_colored(colored_probe *p, PyTypeObject *cls, int depth)
{
    PyObject *mro = PyObject_GetAttrString((PyObject *)cls, "__mro__");
    if (mro == NULL || !PyTuple_Check(mro)) {
        Py_XDECREF(mro);
        PyErr_Clear();
        return 0;
    }
    int found = 0;
    for (Py_ssize_t i = 0; found == 0 && i < PyTuple_Size(mro); i++) {
        PyObject *base = PyTuple_GetItem(mro, i);
        if (!PyType_Check(base) || !(PyType_GetFlags((PyTypeObject *)base) & Py_TPFLAGS_HEAPTYPE)) {
            continue;
        }
        PyObject *dict = PyObject_GetAttrString(base, "__dict__");
        PyObject *members = dict ? PyMapping_Values(dict) : NULL;
        Py_XDECREF(dict);
        if (members == NULL) {
            found = -1;
            break;
        }
        for (Py_ssize_t j = 0; found == 0 && j < PyList_Size(members); j++) {
            PyObject *m = PyList_GetItem(members, j);
            PyObject *type = (PyObject *)Py_TYPE(m);
            if (PyType_Check(m)) {
                continue; /* a nested class is looked at when it is named */
            }
            if (type == p->staticmethod_type || type == p->classmethod_type) {
                found = wrapped_holds_colored(p, m, "__func__", depth);
            }
            else if (type == p->property_type) {
                found = wrapped_holds_colored(p, m, "fget", depth);
                if (found == 0) {
                    found = wrapped_holds_colored(p, m, "fset", depth);
                }
            }
            else {
                found = holds_colored(p, m, depth + 1);
            }
        }
        Py_DECREF(members);
    }
    Py_DECREF(mro);
    return found;
}

static int
holds_colored(colored_probe *p, PyObject *value, int depth)
{
    if (depth > 3) {
        return 0;
    }
    PyTypeObject *type = Py_TYPE(value);
    if (type == p->st->face_type) {
        return 1;
    }
    if ((PyObject *)type == p->method_type) {
        return wrapped_holds_colored(p, value, "__func__", depth);
    }
    if ((PyObject *)type == p->partial_type) {
        return wrapped_holds_colored(p, value, "func", depth);
    }
    if (PyType_Check(value)) {
        return class_holds_colored(p, (PyTypeObject *)value, depth);
    }
    if (PyList_CheckExact(value) || PyTuple_CheckExact(value) || PyAnySet_CheckExact(value) ||
        PyDict_CheckExact(value)) {
        /* callables kept in a container: its first items are enough */
        PyObject *items = PyDict_Check(value) ? PyDict_Values(value) : PySequence_List(value);
        int r = items ? 0 : -1;
        for (Py_ssize_t i = 0; r == 0 && i < PyList_Size(items) && i < 64; i++) {
            r = holds_colored(p, PyList_GetItem(items, i), depth + 1);
        }
        Py_XDECREF(items);
        return r;
    }
    if (PyType_GetFlags(type) & Py_TPFLAGS_HEAPTYPE) {
        return class_holds_colored(p, type, depth); /* an instance */
    }
    return 0;
}

/* ---- the declarations put before an input ------------------------------ */

/* `import <its name> as name`, when value is the module sys.modules has
 * under its name. */
static PyObject *
module_declaration(PyObject *name, PyObject *value)
{
    PyObject *module_name = PyObject_GetAttrString(value, "__name__");
    if (module_name == NULL) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *line = NULL;
    PyObject *loaded = PyUnicode_Check(module_name)
                           ? PyDict_GetItemWithError(PyImport_GetModuleDict(), module_name)
                           : NULL;
    if (loaded == value) {
        /* every part an identifier, as an import statement needs */
        PyObject *dot = PyUnicode_FromString(".");
        PyObject *parts = dot ? PyUnicode_Split(module_name, dot, -1) : NULL;
        int ok = parts != NULL;
        for (Py_ssize_t i = 0; ok && i < PyList_Size(parts); i++) {
            ok = PyUnicode_IsIdentifier(PyList_GetItem(parts, i));
        }
        if (ok) {
            line = PyUnicode_FromFormat("import %U as %U\n", module_name, name);
        }
        Py_XDECREF(parts);
        Py_XDECREF(dot);
    }
    Py_DECREF(module_name);
    if (line == NULL) {
        PyErr_Clear();
    }
    return line;
}

/* `from time import sleep as name`, when value is an object of a module
 * the transform knows. */
static PyObject *
known_object_declaration(PyObject *name, PyObject *value)
{
    PyObject *modules = PyImport_GetModuleDict();
    for (size_t i = 0; i < sizeof known_modules / sizeof known_modules[0]; i++) {
        PyObject *module = PyDict_GetItemString(modules, known_modules[i]);
        PyObject *dict = module && PyModule_Check(module) ? PyModule_GetDict(module) : NULL;
        PyObject *key, *item;
        Py_ssize_t pos = 0;
        while (dict != NULL && PyDict_Next(dict, &pos, &key, &item)) {
            if (item == value && PyUnicode_Check(key) && PyUnicode_IsIdentifier(key)) {
                return PyUnicode_FromFormat("from %s import %U as %U\n", known_modules[i], key, name);
            }
        }
    }
    return NULL;
}

/* The declaration of one global the input names; new reference. */
static PyObject *
declaration(colored_probe *p, PyObject *name, PyObject *value)
{
    PyObject *line = NULL;
    if (PyModule_Check(value)) {
        line = module_declaration(name, value);
    }
    /* numbers and strings are no object the transform knows, whichever
     * module has one that is equal */
    int scalar = value == Py_None || PyBool_Check(value) || PyLong_Check(value) || PyFloat_Check(value) ||
                 PyUnicode_Check(value) || PyBytes_Check(value);
    if (line == NULL && !scalar && !PyErr_Occurred()) {
        line = known_object_declaration(name, value);
    }
    if (line != NULL || PyErr_Occurred()) {
        return line;
    }
    int colored = holds_colored(p, value, 0);
    if (colored < 0) {
        /* a value that cannot be looked into is taken as it is: plain */
        PyErr_Clear();
        colored = 0;
    }
    return colored ? PyUnicode_FromFormat("from " SESSION_MODULE " import %U\n", name)
                   : PyUnicode_FromFormat("%U = None\n", name);
}

/* The declarations for the globals `source` names, joined; *count gets
 * their number of lines. */
static PyObject *
declarations(pyrun_state *st, PyObject *globals, PyObject *source, Py_ssize_t *count)
{
    *count = 0;
    PyObject *types = PyImport_ImportModule("types");
    PyObject *functools = types ? PyImport_ImportModule("functools") : NULL;
    colored_probe p = {.st = st};
    p.method_type = functools ? PyObject_GetAttrString(types, "MethodType") : NULL;
    p.partial_type = p.method_type ? PyObject_GetAttrString(functools, "partial") : NULL;
    PyObject *builtins = p.partial_type ? PyImport_ImportModule("builtins") : NULL;
    p.staticmethod_type = builtins ? PyObject_GetAttrString(builtins, "staticmethod") : NULL;
    p.classmethod_type = p.staticmethod_type ? PyObject_GetAttrString(builtins, "classmethod") : NULL;
    p.property_type = p.classmethod_type ? PyObject_GetAttrString(builtins, "property") : NULL;
    Py_XDECREF(builtins);
    Py_XDECREF(types);
    Py_XDECREF(functools);
    PyObject *words = p.property_type ? words_of(source) : NULL;
    PyObject *lines = words ? PyList_New(0) : NULL;
    PyObject *iter = lines ? PyObject_GetIter(words) : NULL;
    PyObject *word;
    while (iter != NULL && (word = PyIter_Next(iter)) != NULL) {
        /* held: looking into it may run code that rebinds the name */
        PyObject *value = Py_XNewRef(PyDict_GetItemWithError(globals, word));
        /* __name__, __builtins__...: nothing the transform looks at */
        Py_ssize_t n = PyUnicode_GetLength(word);
        int dunder = n > 4 && PyUnicode_ReadChar(word, 0) == '_' && PyUnicode_ReadChar(word, 1) == '_' &&
                     PyUnicode_ReadChar(word, n - 1) == '_' && PyUnicode_ReadChar(word, n - 2) == '_';
        int skip = value == NULL || dunder || !PyUnicode_IsIdentifier(word);
        PyObject *line = skip || PyErr_Occurred() ? NULL : declaration(&p, word, value);
        Py_XDECREF(value);
        Py_DECREF(word);
        if (line == NULL && PyErr_Occurred()) {
            Py_CLEAR(lines);
            break;
        }
        if (line != NULL && PyList_Append(lines, line) < 0) {
            Py_CLEAR(lines);
        }
        Py_XDECREF(line);
        if (lines == NULL) {
            break;
        }
    }
    Py_XDECREF(iter);
    Py_XDECREF(words);
    Py_XDECREF(p.method_type);
    Py_XDECREF(p.partial_type);
    Py_XDECREF(p.staticmethod_type);
    Py_XDECREF(p.classmethod_type);
    Py_XDECREF(p.property_type);
    if (lines == NULL || PyErr_Occurred()) {
        Py_XDECREF(lines);
        return NULL;
    }
    *count = PyList_Size(lines);
    PyObject *empty = PyUnicode_FromString("");
    PyObject *joined = empty ? PyUnicode_Join(empty, lines) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(lines);
    return joined;
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

/* The input's own statements of the transformed tree, numbered from the
 * input's first line, as an ast.Interactive. */
static PyObject *
input_statements(PyObject *tree, Py_ssize_t declared)
{
    PyObject *ast = PyImport_ImportModule("ast");
    PyObject *body = ast ? PyObject_GetAttrString(tree, "body") : NULL;
    PyObject *kept = body ? PyList_New(0) : NULL;
    for (Py_ssize_t i = 0; kept != NULL && i < PyList_Size(body); i++) {
        PyObject *stmt = PyList_GetItem(body, i);
        PyObject *lineno = PyObject_GetAttrString(stmt, "lineno");
        long line = lineno ? PyLong_AsLong(lineno) : -1;
        Py_XDECREF(lineno);
        int keep = line > (long)declared;
        PyObject *moved = keep && declared > 0 ? PyObject_CallMethod(ast, "increment_lineno", "On", stmt, -declared)
                                               : Py_NewRef(Py_None);
        if (PyErr_Occurred() || moved == NULL || (keep && PyList_Append(kept, stmt) < 0)) {
            Py_CLEAR(kept);
        }
        Py_XDECREF(moved);
    }
    PyObject *interactive = kept ? PyObject_CallMethod(ast, "Interactive", "O", kept) : NULL;
    Py_XDECREF(kept);
    Py_XDECREF(body);
    Py_XDECREF(ast);
    return interactive;
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
    Py_ssize_t declared = 0;
    PyObject *filename = PyUnicode_FromString(PROMPT_FILENAME);
    PyObject *main_name = filename ? PyUnicode_FromString("__main__") : NULL;
    PyObject *preamble = main_name ? declarations(st, self->globals, source, &declared) : NULL;
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
        PyObject *interactive = input_statements(PyTuple_GetItem(root, 3), declared);
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
    PyObject *codeop = PyImport_ImportModule("codeop");
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
