/* What a namespace holds, told to the transform, which only sees source.
 *
 * Source that runs in a namespace made earlier (an input at the prompt,
 * a string given to eval or exec) names values the transform cannot see.
 * So the source is preceded, for the analysis only, by a declaration of
 * every name it uses that the namespace binds: a module as its import, a
 * stdlib object the transform knows (say `sleep` bound to time.sleep) as
 * its `from` import, a value that holds colored code (a face, a class
 * with such a method, an instance of one, a container of them) as an
 * import from a module that is not there, which the transform answers with
 * calls that await colored coroutines at run time; anything else as a
 * plain variable, which also keeps a builtin's name from being taken for
 * the builtin. Those lines are cut from the tree before it is compiled. */
#include "pyrun.h"
#include "aio/helpers.h"

#include <string.h>

/* Never a module: the transform sees an import it cannot follow. */
#define ABSENT_MODULE "__pyrun_namespace__"

/* Modules whose objects the transform recognises by name
 * (transform/prims.c): a global bound to one of their attributes is
 * declared as imported from there. */
static const char *const known_modules[] = {
    "time", "asyncio", "sys", "builtins", "functools", "contextlib", "importlib", "pyodide.ffi",
};


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
    Py_ssize_t colored; /* how many declared values hold colored code */
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
    if (pyrun_is_face(p->st, value)) {
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
    p->colored += colored;
    return colored ? PyUnicode_FromFormat("from " ABSENT_MODULE " import %U\n", name)
                   : PyUnicode_FromFormat("%U = None\n", name);
}

/* The value `word` names: in locals (any mapping, or NULL), else in
 * globals; NULL without an exception when it names nothing. New reference. */
static PyObject *
named_value(PyObject *globals, PyObject *locals, PyObject *word)
{
    if (locals != NULL && locals != globals) {
        PyObject *v = PyObject_GetItem(locals, word);
        if (v != NULL || !PyErr_ExceptionMatches(PyExc_KeyError)) {
            return v;
        }
        PyErr_Clear();
    }
    return Py_XNewRef(PyDict_GetItemWithError(globals, word));
}

PyObject *
pyrun_declarations(pyrun_state *st, PyObject *globals, PyObject *locals, PyObject *source, Py_ssize_t *count,
                   Py_ssize_t *colored)
{
    *count = 0;
    *colored = 0;
    PyObject *types = pyrun_import("types");
    PyObject *functools = types ? pyrun_import("functools") : NULL;
    colored_probe p = {.st = st};
    p.method_type = functools ? PyObject_GetAttrString(types, "MethodType") : NULL;
    p.partial_type = p.method_type ? PyObject_GetAttrString(functools, "partial") : NULL;
    PyObject *builtins = p.partial_type ? pyrun_import("builtins") : NULL;
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
        PyObject *value = named_value(globals, locals, word);
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
    *colored = p.colored;
    PyObject *empty = PyUnicode_FromString("");
    PyObject *joined = empty ? PyUnicode_Join(empty, lines) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(lines);
    return joined;
}

PyObject *
pyrun_declared_statements(PyObject *tree, Py_ssize_t declared)
{
    PyObject *ast = pyrun_import("ast");
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
    Py_XDECREF(body);
    Py_XDECREF(ast);
    return kept;
}
