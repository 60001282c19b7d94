/* print(), str(), repr(), ascii() and format() of objects whose __str__,
 * __repr__ or __format__ blocks. The interpreter calls those from C, where
 * nothing can await; transformed code calls these helpers instead (through
 * __pyrun__.call, which maps the builtins to them), and they follow the
 * builtins' protocol with the colored method awaited:
 *  - str(x): type(x).__str__; object's own __str__ is repr(x);
 *  - repr(x): type(x).__repr__; the reprs of lists, tuples, dicts, sets and
 *    frozensets (and subclasses that keep them) are built here when an
 *    item's repr blocks, "[...]" for a container inside itself;
 *  - format(x, spec): type(x).__format__; object's own is str(x), and
 *    refuses a non-empty spec;
 *  - print(*args, sep, end, file, flush): writes each argument as it is
 *    made, as print writes them.
 * Anything whose method does not block takes the builtin's path at once. */
#include "helpers.h"

/* The type's own method `name` (a face when it blocks), new reference. */
static PyObject *
type_method(PyObject *obj, const char *name)
{
    return PyObject_GetAttrString((PyObject *)Py_TYPE(obj), name);
}

/* ---- the result of a colored __str__/__repr__/__format__, checked ----- */

static step_result
checked_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out); /* the method's coroutine */
    }
    if (!PyUnicode_Check(value)) {
        PyObject *type = PyType_GetName(Py_TYPE(value));
        if (type != NULL) {
            if (s->phase == 'f') {
                PyErr_Format(PyExc_TypeError, "__format__ must return a str, not %U", type);
            }
            else {
                PyErr_Format(PyExc_TypeError, "__%s__ returned non-string (type %U)",
                             s->phase == 's' ? "str" : "repr", type);
            }
            Py_DECREF(type);
        }
        return STEP_ERROR;
    }
    *out = Py_NewRef(value);
    return STEP_DONE;
}

/* Awaitable of face(obj, *extra), its result checked as a string; `kind`
 * is 's', 'r' or 'f'. */
static PyObject *
call_checked(pyrun_state *st, PyObject *face, PyObject *obj, PyObject *extra, int kind)
{
    PyObject *args = extra ? PyTuple_Pack(2, obj, extra) : PyTuple_Pack(1, obj);
    PyObject *coro = args ? pyrun_face_call_async(st, face, args, NULL) : NULL;
    Py_XDECREF(args);
    if (coro == NULL) {
        return NULL;
    }
    pyrun_step *s = pyrun_step_new(st, checked_next, NULL);
    if (s == NULL) {
        Py_DECREF(coro);
        return NULL;
    }
    s->o[0] = coro;
    s->phase = kind;
    return (PyObject *)s;
}

/* ---- repr ------------------------------------------------------------- */

typedef enum { C_NONE, C_LIST, C_TUPLE, C_DICT, C_SET, C_FROZENSET } container_kind;

/* A container whose repr is the builtin one (also in a subclass that
 * keeps it). */
static container_kind
container_of(pyrun_state *st, PyObject *obj, PyObject *repr_method)
{
    container_kind k = PyList_Check(obj)        ? C_LIST
                       : PyTuple_Check(obj)     ? C_TUPLE
                       : PyDict_Check(obj)      ? C_DICT
                       : PyFrozenSet_Check(obj) ? C_FROZENSET
                       : PyAnySet_Check(obj)    ? C_SET
                                                : C_NONE;
    return k != C_NONE && repr_method == st->container_reprs[k] ? k : C_NONE;
}

typedef struct {
    PyObject *path[64]; /* containers being looked into */
    int depth;
    int budget; /* items left to look at before giving up and going async */
} look;

/* The items of a container, as a new list (a dict's keys and values in
 * turn). */
static PyObject *
items_of(PyObject *obj, container_kind k)
{
    if (k != C_DICT) {
        return PySequence_List(obj);
    }
    PyObject *pairs = PyDict_Items(obj);
    PyObject *flat = pairs ? PyList_New(0) : NULL;
    for (Py_ssize_t i = 0; flat != NULL && i < PyList_Size(pairs); i++) {
        PyObject *kv = PyList_GetItem(pairs, i);
        if (PyList_Append(flat, PyTuple_GetItem(kv, 0)) < 0 || PyList_Append(flat, PyTuple_GetItem(kv, 1)) < 0) {
            Py_CLEAR(flat);
        }
    }
    Py_XDECREF(pairs);
    return flat;
}

/* Does repr(obj) reach a colored __repr__? 1, 0, or -1 with an exception. */
static int
repr_blocks(pyrun_state *st, PyObject *obj, look *l)
{
    if (PyUnicode_CheckExact(obj) || PyLong_CheckExact(obj) || PyFloat_CheckExact(obj) || obj == Py_None ||
        PyBool_Check(obj)) {
        return 0;
    }
    if (--l->budget < 0) {
        return 1; /* too much to look at: building it here is no slower */
    }
    PyObject *m = type_method(obj, "__repr__");
    if (m == NULL) {
        return -1;
    }
    int r = pyrun_is_face(st, m);
    container_kind k = r ? C_NONE : container_of(st, obj, m);
    Py_DECREF(m);
    if (r || k == C_NONE) {
        return r;
    }
    for (int i = 0; i < l->depth; i++) {
        if (l->path[i] == obj) {
            return 0; /* inside itself: "[...]" */
        }
    }
    if (l->depth == (int)(sizeof l->path / sizeof l->path[0])) {
        return 1;
    }
    PyObject *items = items_of(obj, k);
    if (items == NULL) {
        return -1;
    }
    l->path[l->depth++] = obj;
    for (Py_ssize_t i = 0; r == 0 && i < PyList_Size(items); i++) {
        r = repr_blocks(st, PyList_GetItem(items, i), l);
    }
    l->depth--;
    Py_DECREF(items);
    return r;
}

static PyObject *async_repr_in(pyrun_state *st, PyObject *obj, PyObject *active);

/* o[0] the container, o[1] its items, o[2] the reprs so far, o[3] the
 * containers being built (a set of ids); i the next item; phase its kind */
static step_result
container_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value != NULL && PyList_Append(s->o[2], value) < 0) {
        return STEP_ERROR;
    }
    while (s->i < PyList_Size(s->o[1])) {
        PyObject *item = PyList_GetItem(s->o[1], s->i++);
        PyObject *aw = async_repr_in(st, item, s->o[3]);
        if (aw == NULL) {
            return STEP_ERROR;
        }
        if (PyUnicode_Check(aw)) { /* made at once */
            int rc = PyList_Append(s->o[2], aw);
            Py_DECREF(aw);
            if (rc < 0) {
                return STEP_ERROR;
            }
            continue;
        }
        *out = aw;
        return STEP_AWAIT;
    }
    PyObject *id = PyLong_FromVoidPtr(s->o[0]);
    if (id == NULL || PySet_Discard(s->o[3], id) < 0) {
        Py_XDECREF(id);
        return STEP_ERROR;
    }
    Py_DECREF(id);
    container_kind k = (container_kind)s->phase;
    PyObject *parts = s->o[2];
    Py_ssize_t n = PyList_Size(parts);
    if (k == C_DICT) {
        /* "key: value" pairs */
        PyObject *pairs = PyList_New(0);
        for (Py_ssize_t i = 0; pairs != NULL && i + 1 < n; i += 2) {
            PyObject *pair = PyUnicode_FromFormat("%U: %U", PyList_GetItem(parts, i), PyList_GetItem(parts, i + 1));
            if (pair == NULL || PyList_Append(pairs, pair) < 0) {
                Py_CLEAR(pairs);
            }
            Py_XDECREF(pair);
        }
        if (pairs == NULL) {
            return STEP_ERROR;
        }
        parts = pairs;
        n = PyList_Size(parts);
    }
    else {
        Py_INCREF(parts);
    }
    PyObject *sep = PyUnicode_FromString(", ");
    PyObject *body = sep ? PyUnicode_Join(sep, parts) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(parts);
    if (body == NULL) {
        return STEP_ERROR;
    }
    PyObject *type = (PyObject *)Py_TYPE(s->o[0]);
    PyObject *name = PyType_GetName((PyTypeObject *)type);
    PyObject *r = NULL;
    if (name != NULL) {
        switch (k) {
        case C_LIST:
            r = PyUnicode_FromFormat("[%U]", body);
            break;
        case C_TUPLE:
            r = PyUnicode_FromFormat(n == 1 ? "(%U,)" : "(%U)", body);
            break;
        case C_DICT:
            r = PyUnicode_FromFormat("{%U}", body);
            break;
        case C_SET:
        case C_FROZENSET:
            if (n == 0) {
                r = PyUnicode_FromFormat("%U()", name);
            }
            else if (type == (PyObject *)&PySet_Type) {
                r = PyUnicode_FromFormat("{%U}", body);
            }
            else {
                r = PyUnicode_FromFormat("%U({%U})", name, body);
            }
            break;
        default:
            PyErr_SetString(PyExc_SystemError, "pyrun: not a container");
        }
        Py_DECREF(name);
    }
    Py_DECREF(body);
    if (r == NULL) {
        return STEP_ERROR;
    }
    *out = r;
    return STEP_DONE;
}

/* What a container inside itself shows. */
static PyObject *
recursive_repr(PyObject *obj, container_kind k)
{
    switch (k) {
    case C_LIST:
        return PyUnicode_FromString("[...]");
    case C_DICT:
        return PyUnicode_FromString("{...}");
    case C_TUPLE:
        return PyUnicode_FromString("(...)");
    default: {
        PyObject *name = PyType_GetName(Py_TYPE(obj));
        PyObject *r = name ? PyUnicode_FromFormat("%U(...)", name) : NULL;
        Py_XDECREF(name);
        return r;
    }
    }
}

/* repr(obj): the string itself when nothing blocks on the way, else an
 * awaitable of it. `active`: the containers being built. */
static PyObject *
async_repr_in(pyrun_state *st, PyObject *obj, PyObject *active)
{
    PyObject *m = type_method(obj, "__repr__");
    if (m == NULL) {
        return NULL;
    }
    if (pyrun_is_face(st, m)) {
        PyObject *aw = call_checked(st, m, obj, NULL, 'r');
        Py_DECREF(m);
        return aw;
    }
    container_kind k = container_of(st, obj, m);
    Py_DECREF(m);
    look l = {.depth = 0, .budget = 10000};
    int blocks = k == C_NONE ? 0 : repr_blocks(st, obj, &l);
    if (blocks <= 0) {
        return blocks < 0 ? NULL : PyObject_Repr(obj);
    }
    PyObject *id = PyLong_FromVoidPtr(obj);
    int inside = id ? PySet_Contains(active, id) : -1;
    if (inside != 0) {
        Py_XDECREF(id);
        return inside < 0 ? NULL : recursive_repr(obj, k);
    }
    int rc = PySet_Add(active, id);
    Py_DECREF(id);
    PyObject *items = rc == 0 ? items_of(obj, k) : NULL;
    PyObject *parts = items ? PyList_New(0) : NULL;
    pyrun_step *s = parts ? pyrun_step_new(st, container_next, NULL) : NULL;
    if (s == NULL) {
        Py_XDECREF(items);
        Py_XDECREF(parts);
        return NULL;
    }
    s->o[0] = Py_NewRef(obj);
    s->o[1] = items;
    s->o[2] = parts;
    s->o[3] = Py_NewRef(active);
    s->phase = (int)k;
    return (PyObject *)s;
}

PyObject *
pyrun_repr_now_or_later(pyrun_state *st, PyObject *obj)
{
    PyObject *active = PySet_New(NULL);
    PyObject *r = active ? async_repr_in(st, obj, active) : NULL;
    Py_XDECREF(active);
    return r;
}

/* ---- str and format --------------------------------------------------- */

PyObject *
pyrun_str_now_or_later(pyrun_state *st, PyObject *obj)
{
    if (PyUnicode_CheckExact(obj)) {
        return Py_NewRef(obj);
    }
    PyObject *m = type_method(obj, "__str__");
    if (m == NULL) {
        return NULL;
    }
    PyObject *r = pyrun_is_face(st, m)    ? call_checked(st, m, obj, NULL, 's')
                  : m == st->object_str ? pyrun_repr_now_or_later(st, obj)
                                        : PyObject_Str(obj);
    Py_DECREF(m);
    return r;
}

/* What a *_now_or_later gave, as an awaitable. Steals r. */
static PyObject *
awaitable(pyrun_state *st, PyObject *r)
{
    return r != NULL && PyUnicode_Check(r) ? pyrun_maybe_steal(st, r) : r;
}

PyObject *
pyrun_async_repr(pyrun_state *st, PyObject *obj)
{
    return awaitable(st, pyrun_repr_now_or_later(st, obj));
}

PyObject *
pyrun_async_str(pyrun_state *st, PyObject *obj)
{
    return awaitable(st, pyrun_str_now_or_later(st, obj));
}

/* An awaitable of format(obj, spec). */
PyObject *
pyrun_async_format(pyrun_state *st, PyObject *obj, PyObject *spec)
{
    if (!PyUnicode_Check(spec)) {
        PyObject *name = PyType_GetName(Py_TYPE(spec));
        if (name != NULL) {
            PyErr_Format(PyExc_TypeError, "format() argument 2 must be str, not %U", name);
            Py_DECREF(name);
        }
        return NULL;
    }
    PyObject *m = type_method(obj, "__format__");
    if (m == NULL) {
        return NULL;
    }
    PyObject *r;
    if (pyrun_is_face(st, m)) {
        r = call_checked(st, m, obj, spec, 'f');
    }
    else if (m == st->object_format) {
        if (PyUnicode_GetLength(spec) > 0) {
            PyObject *name = PyType_GetName(Py_TYPE(obj));
            if (name != NULL) {
                PyErr_Format(PyExc_TypeError, "unsupported format string passed to %U.__format__", name);
                Py_DECREF(name);
            }
            r = NULL;
        }
        else {
            r = pyrun_async_str(st, obj);
        }
    }
    else {
        r = pyrun_maybe_steal(st, PyObject_Format(obj, spec));
    }
    Py_DECREF(m);
    return r;
}

/* ---- ascii: repr, then non-ASCII escaped ------------------------------ */

PyObject *
pyrun_ascii_of(PyObject *repr)
{
    PyObject *bytes = PyUnicode_AsEncodedString(repr, "ascii", "backslashreplace");
    PyObject *r = bytes ? PyUnicode_FromEncodedObject(bytes, "ascii", "strict") : NULL;
    Py_XDECREF(bytes);
    return r;
}

static step_result
ascii_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out);
    }
    *out = pyrun_ascii_of(value);
    return *out ? STEP_DONE : STEP_ERROR;
}

PyObject *
pyrun_async_ascii(pyrun_state *st, PyObject *obj)
{
    PyObject *aw = pyrun_async_repr(st, obj);
    pyrun_step *s = aw ? pyrun_step_new(st, ascii_next, NULL) : NULL;
    if (s == NULL) {
        Py_XDECREF(aw);
        return NULL;
    }
    s->o[0] = aw;
    return (PyObject *)s;
}

/* ---- print ------------------------------------------------------------ */

/* o[0] the arguments, o[1] the file, o[2] sep, o[3] end; i the next
 * argument; phase: flush. Each argument is written once its str is made. */
static step_result
print_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value != NULL && PyFile_WriteObject(value, s->o[1], Py_PRINT_RAW) < 0) {
        return STEP_ERROR;
    }
    while (s->i < PyTuple_Size(s->o[0])) {
        if (s->i > 0 && PyFile_WriteObject(s->o[2], s->o[1], Py_PRINT_RAW) < 0) {
            return STEP_ERROR;
        }
        PyObject *made = pyrun_str_now_or_later(st, PyTuple_GetItem(s->o[0], s->i++));
        if (made == NULL) {
            return STEP_ERROR;
        }
        if (!PyUnicode_Check(made)) {
            *out = made;
            return STEP_AWAIT;
        }
        int rc = PyFile_WriteObject(made, s->o[1], Py_PRINT_RAW);
        Py_DECREF(made);
        if (rc < 0) {
            return STEP_ERROR;
        }
    }
    if (PyFile_WriteObject(s->o[3], s->o[1], Py_PRINT_RAW) < 0) {
        return STEP_ERROR;
    }
    if (s->phase) {
        PyObject *r = PyObject_CallMethod(s->o[1], "flush", NULL);
        if (r == NULL) {
            return STEP_ERROR;
        }
        Py_DECREF(r);
    }
    *out = Py_NewRef(Py_None);
    return STEP_DONE;
}

/* sep or end as print takes them: None for the default, else a str. */
static PyObject *
print_text(PyObject *kwargs, const char *name, const char *fallback)
{
    PyObject *v = kwargs ? PyDict_GetItemString(kwargs, name) : NULL;
    if (v == NULL || v == Py_None) {
        return PyUnicode_FromString(fallback);
    }
    if (!PyUnicode_Check(v)) {
        PyObject *type = PyType_GetName(Py_TYPE(v));
        if (type != NULL) {
            PyErr_Format(PyExc_TypeError, "%s must be None or a string, not %U", name, type);
            Py_DECREF(type);
        }
        return NULL;
    }
    return Py_NewRef(v);
}

static PyObject *
async_print(pyrun_state *st, PyObject *args, PyObject *kwargs)
{
    static const char *const known[] = {"sep", "end", "file", "flush"};
    PyObject *key, *v;
    Py_ssize_t pos = 0;
    while (kwargs != NULL && PyDict_Next(kwargs, &pos, &key, &v)) {
        int ok = 0;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
            ok |= PyUnicode_CompareWithASCIIString(key, known[i]) == 0;
        }
        if (!ok) {
            /* as the builtin says it */
            return pyrun_maybe_steal(st, PyObject_Call(st->builtin_print, args, kwargs));
        }
    }
    PyObject *file = kwargs ? PyDict_GetItemString(kwargs, "file") : NULL;
    if (file == NULL || file == Py_None) {
        file = PySys_GetObject("stdout"); /* borrowed */
        if (file == NULL || file == Py_None) {
            return pyrun_ready(st, Py_None);
        }
    }
    PyObject *flush = kwargs ? PyDict_GetItemString(kwargs, "flush") : NULL;
    int flushing = flush ? PyObject_IsTrue(flush) : 0;
    PyObject *sep = flushing < 0 ? NULL : print_text(kwargs, "sep", " ");
    PyObject *end = sep ? print_text(kwargs, "end", "\n") : NULL;
    pyrun_step *s = end ? pyrun_step_new(st, print_next, NULL) : NULL;
    if (s == NULL) {
        Py_XDECREF(sep);
        Py_XDECREF(end);
        return NULL;
    }
    s->o[0] = Py_NewRef(args);
    s->o[1] = Py_NewRef(file);
    s->o[2] = sep;
    s->o[3] = end;
    s->phase = flushing;
    return (PyObject *)s;
}

/* ---- the helpers: helper(fn, *args, **kwargs), fn the builtin called --- */

PyObject *
pyrun_stringify_call(pyrun_state *st, PyObject *fn, PyObject *args, PyObject *kwargs)
{
    Py_ssize_t n = PyTuple_Size(args);
    int no_kw = kwargs == NULL || PyDict_Size(kwargs) == 0;
    if (fn == st->builtin_print) {
        return async_print(st, args, kwargs);
    }
    if (fn == (PyObject *)&PyUnicode_Type && n == 1 && no_kw) {
        return pyrun_async_str(st, PyTuple_GetItem(args, 0));
    }
    if (fn == st->builtin_repr && n == 1 && no_kw) {
        return pyrun_async_repr(st, PyTuple_GetItem(args, 0));
    }
    if (fn == st->builtin_ascii && n == 1 && no_kw) {
        return pyrun_async_ascii(st, PyTuple_GetItem(args, 0));
    }
    if (fn == st->builtin_format && (n == 1 || n == 2) && no_kw) {
        PyObject *empty = n == 1 ? PyUnicode_FromString("") : NULL;
        PyObject *spec = n == 2 ? PyTuple_GetItem(args, 1) : empty;
        PyObject *r = spec ? pyrun_async_format(st, PyTuple_GetItem(args, 0), spec) : NULL;
        Py_XDECREF(empty);
        return r;
    }
    /* other arguments: the builtin says what it does with them */
    return pyrun_maybe_steal(st, PyObject_Call(fn, args, kwargs));
}

int
pyrun_is_stringifier(pyrun_state *st, PyObject *fn)
{
    return fn == st->builtin_print || fn == (PyObject *)&PyUnicode_Type || fn == st->builtin_repr ||
           fn == st->builtin_ascii || fn == st->builtin_format;
}

/* fvalue(value, conversion, spec): an f-string's {value!conversion:spec},
 * conversion as the AST has it (-1, or 's', 'r', 'a'). */
static step_result
fvalue_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (s->phase == 0) {
        s->phase = 1;
        return pyrun_step_await_slot(s, 0, out); /* the conversion */
    }
    if (s->phase == 1) {
        s->phase = 2;
        *out = PyObject_Format(value, s->o[1]);
        return *out ? STEP_DONE : STEP_ERROR;
    }
    return STEP_ERROR;
}

PyObject *
pyrun_helper_fvalue(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "fvalue(value, conversion, spec)");
        return NULL;
    }
    long conversion = PyLong_AsLong(args[1]);
    if (conversion == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *spec = args[2] == Py_None ? NULL : args[2];
    PyObject *empty = spec ? NULL : PyUnicode_FromString("");
    if (spec == NULL && empty == NULL) {
        return NULL;
    }
    PyObject *r;
    if (conversion == -1) {
        r = pyrun_async_format(st, args[0], spec ? spec : empty);
    }
    else {
        PyObject *converted = conversion == 's'   ? pyrun_async_str(st, args[0])
                              : conversion == 'r' ? pyrun_async_repr(st, args[0])
                                                  : pyrun_async_ascii(st, args[0]);
        pyrun_step *s = converted ? pyrun_step_new(st, fvalue_next, NULL) : NULL;
        if (s == NULL) {
            Py_XDECREF(converted);
            Py_XDECREF(empty);
            return NULL;
        }
        s->o[0] = converted;
        s->o[1] = Py_NewRef(spec ? spec : empty);
        r = (PyObject *)s;
    }
    Py_XDECREF(empty);
    return r;
}

int
pyrun_stringify_init(pyrun_state *st)
{
    PyObject *builtins = pyrun_import("builtins");
    if (builtins == NULL) {
        return -1;
    }
    st->builtin_print = PyObject_GetAttrString(builtins, "print");
    st->builtin_repr = st->builtin_print ? PyObject_GetAttrString(builtins, "repr") : NULL;
    st->builtin_ascii = st->builtin_repr ? PyObject_GetAttrString(builtins, "ascii") : NULL;
    st->builtin_format = st->builtin_ascii ? PyObject_GetAttrString(builtins, "format") : NULL;
    st->builtin_len = st->builtin_format ? PyObject_GetAttrString(builtins, "len") : NULL;
    st->builtin_abs = st->builtin_len ? PyObject_GetAttrString(builtins, "abs") : NULL;
    Py_DECREF(builtins);
    if (st->builtin_abs == NULL) {
        return -1;
    }
    st->object_str = PyObject_GetAttrString((PyObject *)&PyBaseObject_Type, "__str__");
    st->object_format = st->object_str ? PyObject_GetAttrString((PyObject *)&PyBaseObject_Type, "__format__") : NULL;
    if (st->object_format == NULL) {
        return -1;
    }
    PyObject *types[] = {NULL, (PyObject *)&PyList_Type, (PyObject *)&PyTuple_Type, (PyObject *)&PyDict_Type,
                         (PyObject *)&PySet_Type, (PyObject *)&PyFrozenSet_Type};
    for (int k = 1; k < PYRUN_CONTAINER_REPRS; k++) {
        st->container_reprs[k] = PyObject_GetAttrString(types[k], "__repr__");
        if (st->container_reprs[k] == NULL) {
            return -1;
        }
    }
    return 0;
}
