/* eval() and exec() of source, as transformed code awaits them.
 *
 * The source is rewritten as it runs, like a module of the program's:
 * what it calls that the program colored (its names are the program's,
 * which the transform cannot see from here) is called through
 * __pyrun__.call and awaited. Compiled with top-level await allowed, the
 * code then gives a coroutine when it awaits, and that is what the caller
 * awaits. A code object, or a name bound to something other than the
 * builtin, is run as it would be. */
#include "helpers.h"

#include "../transform/transform.h"

/* The rewritten tree of the source as a module, or None when nothing in
 * it needs rewriting. */
static PyObject *
rewritten(pyrun_state *st, PyObject *source)
{
    PyObject *filename = PyUnicode_FromString("<string>");
    PyObject *name = filename ? PyUnicode_FromString("<string>") : NULL;
    st->transform_dynamic = 1;
    PyObject *all = name ? pyrun_transform_program(st, source, filename, name, Py_None, NULL) : NULL;
    st->transform_dynamic = 0;
    Py_XDECREF(filename);
    Py_XDECREF(name);
    if (all == NULL) {
        return NULL;
    }
    PyObject *tree = Py_NewRef(PyTuple_GetItem(PyList_GetItem(all, 0), 3));
    Py_DECREF(all);
    return tree;
}

/* An expression's module tree (one Expr statement) as ast.Expression. */
static PyObject *
as_expression(PyObject *tree)
{
    PyObject *ast = PyImport_ImportModule("ast");
    PyObject *body = ast ? PyObject_GetAttrString(tree, "body") : NULL;
    PyObject *stmt = body && PyList_Check(body) && PyList_Size(body) == 1 ? PyList_GetItem(body, 0) : NULL;
    PyObject *value = stmt ? PyObject_GetAttrString(stmt, "value") : NULL;
    PyObject *cls = value ? PyObject_GetAttrString(ast, "Expression") : NULL;
    PyObject *expr = cls ? PyObject_CallFunction(cls, "O", value) : NULL;
    Py_XDECREF(ast);
    Py_XDECREF(body);
    Py_XDECREF(value);
    Py_XDECREF(cls);
    if (expr == NULL && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_SyntaxError, "invalid syntax");
    }
    return expr;
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
    PyObject *text = source;
    if (is_eval && PyUnicode_Check(source)) {
        /* eval strips leading spaces and tabs */
        text = PyObject_CallMethod(source, "lstrip", "s", " \t");
    }
    else {
        Py_INCREF(text);
    }
    PyObject *tree = text ? rewritten(st, text) : NULL;
    PyObject *code = NULL;
    if (tree == Py_None) {
        code = compile_code(st, text, is_eval ? "eval" : "exec");
    }
    else if (tree != NULL) {
        PyObject *what = is_eval ? as_expression(tree) : Py_NewRef(tree);
        code = what ? compile_code(st, what, is_eval ? "eval" : "exec") : NULL;
        Py_XDECREF(what);
    }
    Py_XDECREF(tree);
    Py_XDECREF(text);
    if (code == NULL) {
        return NULL;
    }
    if (PyDict_Check(globals) && PyDict_GetItemString(globals, "__builtins__") == NULL &&
        PyDict_SetItemString(globals, "__builtins__", builtins) < 0) {
        Py_DECREF(code);
        return NULL;
    }
    PyObject *r = PyEval_EvalCode(code, globals, locals);
    Py_DECREF(code);
    if (r == NULL) {
        return NULL;
    }
    if ((PyObject *)Py_TYPE(r) == st->coroutine_type) {
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
