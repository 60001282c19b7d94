/* "...".format(*args, **kwargs) where the __str__, __repr__ or __format__
 * of a field's value may block. The format is read as str.format reads
 * it, a field at a time with its own parser (_string.formatter_parser):
 * each field's value is looked up as str.format looks it up ({}, {0},
 * {name}, {x.attr[key]}) and made, awaiting what blocks
 * (aio/stringify.c), before the next field is read; so a bad field or a
 * malformed format raises str.format's error after the fields before it
 * were made, as in CPython. A format with nested fields in a spec
 * ({:{width}}) is left to str.format itself. */
#include "helpers.h"

enum { F_PARSER, F_TEXT, F_ARGS, F_KWARGS, F_SPEC, F_SPLIT };
/* phase: how fields are numbered so far, and whether the value awaited
 * last is a conversion still to be formatted by its spec */
enum { NUMBERING_AUTO = 1, NUMBERING_MANUAL = 2, THEN_FORMAT = 4 };

/* The value a field names, looked up as str.format does, or NULL with
 * str.format's exception. */
static PyObject *
field_value(pyrun_step *s, PyObject *field_name)
{
    PyObject *args = s->o[F_ARGS], *kwargs = s->o[F_KWARGS];
    PyObject *parts = PyObject_CallOneArg_compat(s->o[F_SPLIT], field_name);
    if (parts == NULL) {
        return NULL;
    }
    PyObject *first = PyTuple_GetItem(parts, 0), *rest = PyTuple_GetItem(parts, 1);
    PyObject *obj = NULL;
    int automatic = PyUnicode_Check(first) && PyUnicode_GetLength(first) == 0;
    if (automatic || PyLong_Check(first)) {
        int want = automatic ? NUMBERING_AUTO : NUMBERING_MANUAL;
        int have = s->phase & (NUMBERING_AUTO | NUMBERING_MANUAL);
        Py_ssize_t index = automatic ? s->i : PyLong_AsSsize_t(first);
        if (have != 0 && have != want) {
            PyErr_SetString(PyExc_ValueError, automatic ? "cannot switch from manual field specification to automatic "
                                                          "field numbering"
                                                        : "cannot switch from automatic field numbering to manual field "
                                                          "specification");
        }
        else if (index < 0 || index >= PyTuple_Size(args)) {
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_IndexError, "Replacement index %zd out of range for positional args tuple", index);
            }
        }
        else {
            s->phase |= want;
            s->i += automatic;
            obj = Py_NewRef(PyTuple_GetItem(args, index));
        }
    }
    else {
        obj = kwargs != Py_None ? PyDict_GetItemWithError(kwargs, first) : NULL;
        if (obj == NULL && !PyErr_Occurred()) {
            PyErr_SetObject(PyExc_KeyError, first);
        }
        Py_XINCREF(obj);
    }
    PyObject *chain = obj ? PyObject_GetIter(rest) : NULL;
    PyObject *link;
    while (obj != NULL && chain != NULL && (link = PyIter_Next(chain)) != NULL) {
        PyObject *is_attr = PyTuple_GetItem(link, 0), *key = PyTuple_GetItem(link, 1);
        PyObject *next = PyObject_IsTrue(is_attr) ? PyObject_GetAttr(obj, key) : PyObject_GetItem(obj, key);
        Py_DECREF(link);
        Py_SETREF(obj, next);
    }
    if (obj != NULL && (chain == NULL || PyErr_Occurred())) {
        Py_CLEAR(obj);
    }
    Py_XDECREF(chain);
    Py_DECREF(parts);
    return obj;
}

static step_result
strformat_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value != NULL) {
        PyObject *text = s->phase & THEN_FORMAT ? PyObject_Format(value, s->o[F_SPEC]) : Py_NewRef(value);
        int rc = text ? PyList_Append(s->o[F_TEXT], text) : -1;
        Py_XDECREF(text);
        if (rc < 0) {
            return STEP_ERROR;
        }
    }
    PyObject *item;
    while ((item = PyIter_Next(s->o[F_PARSER])) != NULL) {
        PyObject *literal = PyTuple_GetItem(item, 0), *name = PyTuple_GetItem(item, 1);
        PyObject *spec = PyTuple_GetItem(item, 2), *conv = PyTuple_GetItem(item, 3);
        if (PyUnicode_GetLength(literal) > 0 && PyList_Append(s->o[F_TEXT], literal) < 0) {
            Py_DECREF(item);
            return STEP_ERROR;
        }
        if (name == Py_None) {
            Py_DECREF(item);
            continue;
        }
        PyObject *obj = field_value(s, name);
        if (obj == NULL) {
            Py_DECREF(item);
            return STEP_ERROR;
        }
        if (conv == Py_None) {
            s->phase &= ~THEN_FORMAT;
            *out = pyrun_async_format(st, obj, spec);
        }
        else {
            s->phase |= THEN_FORMAT;
            Py_XSETREF(s->o[F_SPEC], Py_NewRef(spec));
            int c = PyUnicode_ReadChar(conv, 0);
            if (c != 's' && c != 'r' && c != 'a') {
                /* str.format's own error for an unknown conversion */
                if (!PyErr_Occurred()) {
                    PyErr_Format(PyExc_ValueError, "Unknown conversion specifier %c", c);
                }
                *out = NULL;
            }
            else {
                *out = c == 's' ? pyrun_async_str(st, obj) : c == 'r' ? pyrun_async_repr(st, obj)
                                                                      : pyrun_async_ascii(st, obj);
            }
        }
        Py_DECREF(obj);
        Py_DECREF(item);
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    if (PyErr_Occurred()) {
        return STEP_ERROR; /* a malformed format, met where str.format meets it */
    }
    PyObject *empty = PyUnicode_FromString("");
    *out = empty ? PyUnicode_Join(empty, s->o[F_TEXT]) : NULL;
    Py_XDECREF(empty);
    return *out ? STEP_DONE : STEP_ERROR;
}

/* Does the format have a nested field in a spec? (read with the parser;
 * a malformed format answers no, and fails where str.format fails) */
static int
has_nested_field(PyObject *parse, PyObject *fmt)
{
    PyObject *parsed = PyObject_CallOneArg_compat(parse, fmt);
    PyObject *it = parsed ? PyObject_GetIter(parsed) : NULL;
    Py_XDECREF(parsed);
    PyObject *item;
    int nested = 0;
    while (!nested && it != NULL && (item = PyIter_Next(it)) != NULL) {
        PyObject *spec = PyTuple_GetItem(item, 2);
        nested = spec != Py_None && PyUnicode_FindChar(spec, '{', 0, PyUnicode_GetLength(spec), 1) >= 0;
        Py_DECREF(item);
    }
    Py_XDECREF(it);
    PyErr_Clear();
    return nested;
}

/* strformat(fmt, *args, **kwargs): fmt.format(*args, **kwargs). */
PyObject *
pyrun_helper_strformat(PyObject *module, PyObject *all, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (PyTuple_Size(all) < 1) {
        PyErr_SetString(PyExc_TypeError, "strformat(fmt, *args, **kwargs)");
        return NULL;
    }
    PyObject *fmt = PyTuple_GetItem(all, 0);
    PyObject *args = PyTuple_GetSlice(all, 1, PyTuple_Size(all));
    PyObject *string = args ? pyrun_import("_string") : NULL;
    PyObject *parse = string ? PyObject_GetAttrString(string, "formatter_parser") : NULL;
    PyObject *split = parse ? PyObject_GetAttrString(string, "formatter_field_name_split") : NULL;
    Py_XDECREF(string);
    PyObject *result = NULL;
    if (split == NULL) {
        goto done;
    }
    if (!PyUnicode_CheckExact(fmt) || has_nested_field(parse, fmt)) {
        PyObject *method = PyObject_GetAttrString(fmt, "format");
        result = method ? pyrun_maybe_steal(st, PyObject_Call(method, args, kwargs)) : NULL;
        Py_XDECREF(method);
        goto done;
    }
    PyObject *parsed = PyObject_CallOneArg_compat(parse, fmt);
    PyObject *parser = parsed ? PyObject_GetIter(parsed) : NULL;
    Py_XDECREF(parsed);
    PyObject *text = parser ? PyList_New(0) : NULL;
    pyrun_step *s = text ? pyrun_step_new(st, strformat_next, NULL) : NULL;
    if (s == NULL) {
        Py_XDECREF(parser);
        Py_XDECREF(text);
        goto done;
    }
    s->o[F_PARSER] = parser;
    s->o[F_TEXT] = text;
    s->o[F_ARGS] = Py_NewRef(args);
    s->o[F_KWARGS] = Py_NewRef(kwargs ? kwargs : Py_None);
    s->o[F_SPLIT] = Py_NewRef(split);
    result = (PyObject *)s;
done:
    Py_XDECREF(args);
    Py_XDECREF(parse);
    Py_XDECREF(split);
    return result;
}
