/* eval() and exec() of source, as transformed code awaits them.
 *
 * The source is rewritten as it runs, like a module of the program's,
 * told what its names hold in the namespaces it runs in (declarations.c):
 * what it calls that the program colored is called through __pyrun__.call
 * and awaited. Compiled with top-level await allowed, the
 * code then gives a coroutine when it awaits, and that is what the caller
 * awaits. A code object, or a name bound to something other than the
 * builtin, is run as it would be. */
#include "helpers.h"

#include "../transform/transform.h"

/* The transform of `source` alone, as a module: NULL, or its tree. */
static PyObject *
transform(pyrun_state *st, PyObject *source, int dynamic)
{
    PyObject *filename = PyUnicode_FromString("<string>");
    st->transform_dynamic = dynamic;
    PyObject *all = filename ? pyrun_transform_program(st, source, filename, filename, Py_None, st->module_resolver) : NULL;
    st->transform_dynamic = 0;
    Py_XDECREF(filename);
    PyObject *tree = all ? Py_NewRef(PyTuple_GetItem(PyList_GetItem(all, 0), 3)) : NULL;
    Py_XDECREF(all);
    return tree;
}

/* The source's statements rewritten (a list), or None when nothing in it
 * blocks or names colored code: what its names hold in the namespaces it
 * runs in is declared to the transform first. */
static PyObject *
rewritten(pyrun_state *st, PyObject *source, PyObject *globals, PyObject *locals)
{
    Py_ssize_t declared = 0, colored = 0;
    PyObject *preamble = pyrun_declarations(st, globals, locals, source, &declared, &colored);
    if (preamble == NULL) {
        return NULL;
    }
    /* an import may bring in one of the program's modules that blocks */
    PyObject *word = PyUnicode_FromString("import");
    Py_ssize_t at = word ? PyUnicode_Find(source, word, 0, PY_SSIZE_T_MAX, 1) : -2;
    Py_XDECREF(word);
    int may_block = colored > 0 || at >= 0 ? 1 : at == -2 ? -1 : pyrun_may_block(source, NULL);
    PyObject *full = may_block > 0 ? PyUnicode_Concat(preamble, source) : NULL;
    Py_DECREF(preamble);
    if (may_block <= 0) {
        return may_block < 0 ? NULL : Py_NewRef(Py_None);
    }
    /* a colored name makes the transform run, prescan or not */
    PyObject *tree = full ? transform(st, full, colored > 0) : NULL;
    Py_XDECREF(full);
    if (tree == NULL && declared > 0 && PyErr_ExceptionMatches(PyExc_SyntaxError)) {
        /* source that must come first (a __future__ import), or a syntax
         * error, reported with the source's own line numbers: alone, its
         * names taken as possibly colored */
        PyErr_Clear();
        declared = 0;
        tree = transform(st, source, 1);
    }
    if (tree == NULL || tree == Py_None) {
        return tree;
    }
    PyObject *statements = pyrun_declared_statements(tree, declared);
    Py_DECREF(tree);
    return statements;
}

/* An expression's statements (one Expr) as ast.Expression; None when
 * the rewrite made more of it (a lambda lifted into a def). */
static PyObject *
as_expression(PyObject *statements)
{
    PyObject *stmt = PyList_Size(statements) == 1 ? PyList_GetItem(statements, 0) : NULL;
    PyObject *value = stmt ? PyObject_GetAttrString(stmt, "value") : NULL;
    if (value == NULL) {
        PyErr_Clear();
        return Py_NewRef(Py_None);
    }
    PyObject *ast = pyrun_import("ast");
    PyObject *expr = ast ? PyObject_CallMethod(ast, "Expression", "O", value) : NULL;
    Py_XDECREF(ast);
    Py_DECREF(value);
    return expr;
}

static PyObject *
as_module(PyObject *statements)
{
    PyObject *ast = pyrun_import("ast");
    PyObject *module = ast ? PyObject_CallMethod(ast, "Module", "O[]", statements) : NULL;
    Py_XDECREF(ast);
    return module;
}

static PyObject *
compile_code(pyrun_state *st, PyObject *what, const char *mode)
{
    return PyObject_CallFunction(st->compile, "Ossii", what, "<string>", mode, PYRUN_CF_ALLOW_TOP_LEVEL_AWAIT, 1);
}

/* eval(fn, source, globals=None, locals=None) / exec(...): awaitable */
static PyObject *
run_source(PyObject *module, PyObject *all, int is_eval)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *fn, *source, *globals = Py_None, *locals = Py_None;
    if (!PyArg_ParseTuple(all, is_eval ? "OO|OO:eval" : "OO|OO:exec", &fn, &source, &globals, &locals)) {
        return NULL;
    }
    PyObject *builtins = PyEval_GetBuiltins();
    PyObject *original = builtins ? PyDict_GetItemString(builtins, is_eval ? "eval" : "exec") : NULL;
    if (fn != original || !(PyUnicode_Check(source) || PyBytes_Check(source))) {
        /* someone else's eval, or a code object: as written */
        PyObject *args = PyTuple_GetSlice(all, 1, PyTuple_Size(all));
        PyObject *r = args ? pyrun_call_maybe(st, fn, args, NULL) : NULL;
        Py_XDECREF(args);
        return r;
    }
    /* as the builtins default them: the caller's namespaces */
    if (globals == Py_None) {
        globals = PyEval_GetGlobals();
        if (locals == Py_None) {
            locals = PyEval_GetLocals();
        }
    }
    if (locals == Py_None) {
        locals = globals;
    }
    if (globals == NULL || locals == NULL) {
        PyErr_SetString(PyExc_SystemError, "eval(): no frame to take globals from");
        return NULL;
    }
    if (!PyDict_Check(globals)) {
        /* the builtin's own TypeError */
        PyObject *args = PyTuple_GetSlice(all, 1, PyTuple_Size(all));
        PyObject *r = args ? PyObject_Call(fn, args, NULL) : NULL;
        Py_XDECREF(args);
        return pyrun_maybe_steal(st, r);
    }
    PyObject *text = source;
    if (is_eval && PyUnicode_Check(source)) {
        /* eval strips leading spaces and tabs */
        text = PyObject_CallMethod(source, "lstrip", "s", " \t");
    }
    else {
        Py_INCREF(text);
    }
    PyObject *statements = text ? rewritten(st, text, globals, locals) : NULL;
    PyObject *what = statements == NULL || statements == Py_None ? Py_XNewRef(statements)
                     : is_eval                                    ? as_expression(statements)
                                                                  : as_module(statements);
    Py_XDECREF(statements);
    int helped = what != NULL && what != Py_None;
    PyObject *code = what == NULL ? NULL
                     : helped     ? compile_code(st, what, is_eval ? "eval" : "exec")
                                  : compile_code(st, text, is_eval ? "eval" : "exec");
    Py_XDECREF(what);
    Py_XDECREF(text);
    if (code == NULL) {
        return NULL;
    }
    if (PyDict_GetItemString(globals, "__builtins__") == NULL &&
        PyDict_SetItemString(globals, "__builtins__", builtins) < 0) {
        Py_DECREF(code);
        return NULL;
    }
    /* rewritten code finds __pyrun__ among the builtins, also among
     * builtins of the caller's own making */
    PyObject *own = PyDict_GetItemString(globals, "__builtins__");
    if (helped && PyDict_Check(own) && PyDict_GetItemString(own, PYRUN_HELPERS_BUILTIN) == NULL &&
        PyDict_SetItemString(own, PYRUN_HELPERS_BUILTIN, st->helpers) < 0) {
        Py_DECREF(code);
        return NULL;
    }
    /* Only code that awaits runs as a coroutine: a coroutine that the
     * source evaluates to (`eval("coro()")`) is the value, not awaited. */
    PyObject *flags = PyObject_GetAttrString(code, "co_flags");
    long co_flags = flags ? PyLong_AsLong(flags) : -1;
    Py_XDECREF(flags);
    PyObject *r = co_flags == -1 && PyErr_Occurred() ? NULL : PyEval_EvalCode(code, globals, locals);
    Py_DECREF(code);
    if (r == NULL) {
        return NULL;
    }
    if (co_flags & CO_COROUTINE_FLAG) {
        return r; /* the rewritten source awaits: so does the caller */
    }
    if (!is_eval) {
        Py_SETREF(r, Py_NewRef(Py_None));
    }
    return pyrun_maybe_steal(st, r);
}

PyObject *
pyrun_helper_eval(PyObject *module, PyObject *args)
{
    return run_source(module, args, 1);
}

PyObject *
pyrun_helper_exec(PyObject *module, PyObject *args)
{
    return run_source(module, args, 0);
}
