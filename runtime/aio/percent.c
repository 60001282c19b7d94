/* "..." % values where the str() or repr() of a value may block. The
 * format is read once: the values its %s, %r and %a take are made here,
 * awaiting what blocks (aio/stringify.c), and the format then runs over
 * them as strings (%r and %a becoming %s), so widths, precisions, flags
 * and every other conversion are str's own. Anything this reading does not
 * follow (a malformed format, a format that is not a str) is left to
 * str's % at once, which says what is wrong. */
#include "helpers.h"

#include <string.h>

/* One value a %s, %r or %a takes. */
typedef struct {
    char conversion;
    Py_ssize_t index; /* positional: where it goes; by name: its spec's number */
} slot;

typedef struct {
    char *fmt;        /* the format, rewritten */
    Py_ssize_t len;
    slot *slots;
    Py_ssize_t nslots, cap;
    PyObject *keys;   /* by name: each spec's key, in order (list), or NULL */
} reading;

static int
add_slot(reading *rd, char conversion, Py_ssize_t index)
{
    if (rd->nslots == rd->cap) {
        Py_ssize_t cap = rd->cap ? rd->cap * 2 : 8;
        slot *grown = PyMem_Realloc(rd->slots, (size_t)cap * sizeof(slot));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        rd->slots = grown;
        rd->cap = cap;
    }
    rd->slots[rd->nslots++] = (slot){.conversion = conversion, .index = index};
    return 0;
}

static void
reading_free(reading *rd)
{
    PyMem_Free(rd->fmt);
    PyMem_Free(rd->slots);
    Py_XDECREF(rd->keys);
}

/* Reads the format (UTF-8 `src`): 1 when followed, 0 when it is left to
 * str's %, -1 with an exception. `nargs`: how many positional values there
 * are; `mapping`: whether they are a mapping. By name, each key becomes
 * "k<number>", so that one key taken twice (%(x)s and %(x)r) can have two
 * made values. A format that takes values both ways is left to str's %. */
static int
read_format(reading *rd, const char *src, Py_ssize_t n, Py_ssize_t nargs, int mapping)
{
    rd->fmt = PyMem_Malloc((size_t)n * 2 + 32);
    if (rd->fmt == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t cap = n * 2 + 32, out = 0, next = 0;
    int unnamed = 0;
    for (Py_ssize_t i = 0; i < n;) {
        if (out >= cap - 1) {
            return 0; /* grown past the room made for it */
        }
        if (src[i] != '%') {
            rd->fmt[out++] = src[i++];
            continue;
        }
        Py_ssize_t start = i++;
        PyObject *key = NULL;
        if (i < n && src[i] == '(') {
            Py_ssize_t depth = 1, k = ++i;
            while (i < n && depth > 0) {
                depth += src[i] == '(' ? 1 : src[i] == ')' ? -1 : 0;
                i++;
            }
            if (depth > 0) {
                return 0;
            }
            key = PyUnicode_DecodeUTF8(src + k, i - 1 - k, "strict");
            if (key == NULL) {
                return -1;
            }
            if (rd->keys == NULL && (rd->keys = PyList_New(0)) == NULL) {
                Py_DECREF(key);
                return -1;
            }
            int rc = PyList_Append(rd->keys, key);
            Py_DECREF(key);
            if (rc < 0) {
                return -1;
            }
        }
        Py_ssize_t spec = i; /* flags, width, precision, length, conversion */
        while (i < n && strchr("-+ #0", src[i]) != NULL) {
            i++;
        }
        int stars = 0;
        if (i < n && src[i] == '*') {
            stars++, i++;
        }
        while (i < n && src[i] >= '0' && src[i] <= '9') {
            i++;
        }
        if (i < n && src[i] == '.') {
            i++;
            if (i < n && src[i] == '*') {
                stars++, i++;
            }
            while (i < n && src[i] >= '0' && src[i] <= '9') {
                i++;
            }
        }
        while (i < n && strchr("hlL", src[i]) != NULL) {
            i++;
        }
        if (i >= n) {
            return 0;
        }
        char conversion = src[i++];
        if (out + (i - start) + 32 > cap) {
            return 0; /* keys longer than the room made for them: str's % does it */
        }
        rd->fmt[out++] = '%';
        if (key != NULL) {
            out += PyOS_snprintf(rd->fmt + out, (size_t)(cap - out), "(k%zd)", PyList_Size(rd->keys) - 1);
        }
        memcpy(rd->fmt + out, src + spec, (size_t)(i - 1 - spec));
        out += i - 1 - spec;
        if (conversion == '%') {
            rd->fmt[out++] = '%';
            continue;
        }
        int stringified = conversion == 's' || conversion == 'r' || conversion == 'a';
        rd->fmt[out++] = stringified ? 's' : conversion;
        if (key != NULL) {
            if (stars || !mapping || unnamed) {
                return 0;
            }
            if (stringified && add_slot(rd, conversion, PyList_Size(rd->keys) - 1) < 0) {
                return -1;
            }
            continue;
        }
        if (rd->keys != NULL) {
            return 0;
        }
        unnamed = 1;
        next += stars;
        if (stringified && next < nargs && add_slot(rd, conversion, next) < 0) {
            return -1;
        }
        next++;
    }
    rd->len = out;
    return 1;
}

/* o[0] the rewritten format, o[1] the values to format (a list, or by
 * name a dict "k<n>" -> value), o[2] the slots' sources (tuple), o[3] a
 * bytes of their conversions and places; i the next slot. */
static step_result
percent_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    const slot *slots = (const slot *)PyBytes_AsString(s->o[3]);
    if (slots == NULL) {
        return STEP_ERROR;
    }
    for (;;) {
        if (value != NULL) {
            const slot *done = &slots[s->i - 1];
            PyObject *made = done->conversion == 'a' ? pyrun_ascii_of(value) : Py_NewRef(value);
            int rc = -1;
            if (made != NULL) {
                if (PyList_Check(s->o[1])) {
                    rc = PyList_SetItem(s->o[1], done->index, made);
                }
                else {
                    PyObject *k = PyUnicode_FromFormat("k%zd", done->index);
                    rc = k ? PyDict_SetItem(s->o[1], k, made) : -1;
                    Py_XDECREF(k);
                    Py_DECREF(made);
                }
            }
            Py_XDECREF(value != NULL && s->phase ? value : NULL);
            s->phase = 0;
            if (rc < 0) {
                return STEP_ERROR;
            }
            value = NULL;
        }
        if (s->i >= PyTuple_Size(s->o[2])) {
            break;
        }
        const slot *next = &slots[s->i];
        PyObject *source = PyTuple_GetItem(s->o[2], s->i++);
        PyObject *made = next->conversion == 's' ? pyrun_str_now_or_later(st, source)
                                                 : pyrun_repr_now_or_later(st, source);
        if (made == NULL) {
            return STEP_ERROR;
        }
        if (!PyUnicode_Check(made)) {
            *out = made;
            return STEP_AWAIT;
        }
        value = made;
        s->phase = 1; /* value is ours to release */
    }
    PyObject *values = s->o[1];
    PyObject *tuple = PyList_Check(values) ? PyList_AsTuple(values) : Py_NewRef(values);
    *out = tuple ? PyUnicode_Format(s->o[0], tuple) : NULL;
    Py_XDECREF(tuple);
    return *out ? STEP_DONE : STEP_ERROR;
}

/* percent(fmt, values): fmt % values, awaiting what blocks. */
PyObject *
pyrun_helper_percent(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "percent(fmt, values)");
        return NULL;
    }
    PyObject *fmt = args[0], *values = args[1];
    Py_ssize_t n;
    const char *src = PyUnicode_CheckExact(fmt) ? PyUnicode_AsUTF8AndSize(fmt, &n) : NULL;
    if (src == NULL) {
        PyErr_Clear(); /* not a str, or not UTF-8 (lone surrogates): str's % */
        return pyrun_maybe_steal(st, PyNumber_Remainder(fmt, values));
    }
    /* as str's % takes them: a tuple's items, or the one value; a mapping
     * for named specs */
    int mapping = PyMapping_Check(values) && !PyTuple_Check(values) && !PyUnicode_Check(values);
    PyObject *positional = PyTuple_Check(values) ? Py_NewRef(values) : PyTuple_Pack(1, values);
    if (positional == NULL) {
        return NULL;
    }
    reading rd;
    memset(&rd, 0, sizeof rd);
    int followed = read_format(&rd, src, n, PyTuple_Size(positional), mapping);
    PyObject *result = NULL;
    if (followed < 0) {
        goto done;
    }
    if (followed == 0 || rd.nslots == 0) {
        /* nothing to make here, or not followed: str's % */
        result = pyrun_maybe_steal(st, PyNumber_Remainder(fmt, values));
        goto done;
    }
    PyObject *new_fmt = PyUnicode_DecodeUTF8(rd.fmt, rd.len, "strict");
    PyObject *made = NULL;
    if (new_fmt != NULL && rd.keys != NULL) {
        /* every spec's value under its own key, looked up once */
        made = PyDict_New();
        for (Py_ssize_t k = 0; made != NULL && k < PyList_Size(rd.keys); k++) {
            PyObject *v = PyObject_GetItem(values, PyList_GetItem(rd.keys, k));
            PyObject *name = v ? PyUnicode_FromFormat("k%zd", k) : NULL;
            if (name == NULL || PyDict_SetItem(made, name, v) < 0) {
                Py_CLEAR(made);
            }
            Py_XDECREF(v);
            Py_XDECREF(name);
        }
    }
    else if (new_fmt != NULL) {
        made = PySequence_List(positional);
    }
    /* each slot's value, before any is replaced */
    PyObject *sources = made ? PyTuple_New(rd.nslots) : NULL;
    for (Py_ssize_t k = 0; sources != NULL && k < rd.nslots; k++) {
        PyObject *v = NULL;
        if (rd.keys != NULL) {
            PyObject *name = PyUnicode_FromFormat("k%zd", rd.slots[k].index);
            v = name ? PyDict_GetItemWithError(made, name) : NULL;
            Py_XDECREF(name);
        }
        else {
            v = PyList_GetItem(made, rd.slots[k].index);
        }
        if (v == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_SystemError, "pyrun: a formatted value went missing");
            }
            Py_CLEAR(sources);
            break;
        }
        PyTuple_SetItem(sources, k, Py_NewRef(v));
    }
    PyObject *places = sources ? PyBytes_FromStringAndSize((const char *)rd.slots, rd.nslots * (Py_ssize_t)sizeof(slot))
                               : NULL;
    pyrun_step *s = places ? pyrun_step_new(st, percent_next, NULL) : NULL;
    if (s == NULL) {
        Py_XDECREF(new_fmt);
        Py_XDECREF(made);
        Py_XDECREF(sources);
        Py_XDECREF(places);
        goto done;
    }
    s->o[0] = new_fmt;
    s->o[1] = made;
    s->o[2] = sources;
    s->o[3] = places;
    result = (PyObject *)s;
done:
    reading_free(&rd);
    Py_XDECREF(positional);
    return result;
}
