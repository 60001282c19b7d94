/* Reading and compiling a program's source as CPython's `python3 file.py`.
 *
 * Bytes are handed to compile() so that PEP 263 cookies and a UTF-8 BOM are
 * honoured by the interpreter itself. The one case compile() reports
 * differently from the file runner is undeclared non-UTF-8 input, so that
 * check is done here with CPython's wording. */
#include "pyrun.h"

#include "transform/transform.h"

#include <string.h>

PyObject *
pyrun_read_file(PyObject *path)
{
    PyObject *io = pyrun_import("io");
    if (io == NULL) {
        return NULL;
    }
    PyObject *file = PyObject_CallMethod(io, "open_code", "O", path);
    Py_DECREF(io);
    if (file == NULL) {
        return NULL;
    }
    PyObject *data = PyObject_CallMethod(file, "read", NULL);
    PyObject *closed = PyObject_CallMethod(file, "close", NULL);
    Py_DECREF(file);
    if (closed == NULL) {
        Py_XDECREF(data);
        return NULL;
    }
    Py_DECREF(closed);
    return data;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid.
 * Strict as Python's decoder: no overlongs, surrogates or values past
 * U+10FFFF. */
static Py_ssize_t
utf8_sequence_length(const unsigned char *s, Py_ssize_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        return 1;
    }
    Py_ssize_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) {
            lo = 0xA0;
        }
        else if (c == 0xED) {
            hi = 0x9F;
        }
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) {
            lo = 0x90;
        }
        else if (c == 0xF4) {
            hi = 0x8F;
        }
    }
    else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (Py_ssize_t i = 2; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return len;
}

/* Does this line carry a PEP 263 coding declaration? */
static int
line_declares_coding(const char *line, Py_ssize_t len)
{
    Py_ssize_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f')) {
        i++;
    }
    if (i >= len || line[i] != '#') {
        return 0;
    }
    for (; i + 6 < len; i++) {
        if (memcmp(line + i, "coding", 6) == 0 &&
            (line[i + 6] == ':' || line[i + 6] == '=')) {
            return 1;
        }
    }
    return 0;
}

static int
line_is_blank_or_comment(const char *line, Py_ssize_t len)
{
    for (Py_ssize_t i = 0; i < len; i++) {
        char c = line[i];
        if (c == '#') {
            return 1;
        }
        if (c != ' ' && c != '\t' && c != '\f' && c != '\r' && c != '\n') {
            return 0;
        }
    }
    return 1;
}

/* True when the bytes declare their encoding (BOM or cookie on line 1 or 2),
 * in which case compile() decodes and reports errors itself. */
static int
declares_encoding(const char *buf, Py_ssize_t len)
{
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        return 1;
    }
    const char *nl = memchr(buf, '\n', (size_t)len);
    Py_ssize_t first = nl ? (nl - buf) + 1 : len;
    if (line_declares_coding(buf, first)) {
        return 1;
    }
    if (nl == NULL || !line_is_blank_or_comment(buf, first)) {
        return 0;
    }
    const char *second = buf + first;
    Py_ssize_t rest = len - first;
    const char *nl2 = memchr(second, '\n', (size_t)rest);
    return line_declares_coding(second, nl2 ? (nl2 - second) + 1 : rest);
}

/* Raise CPython's SyntaxError for undeclared non-UTF-8 bytes; 0 if clean. */
static int
check_undeclared_utf8(PyObject *source, PyObject *filename)
{
    char *buf;
    Py_ssize_t len;
    if (PyBytes_AsStringAndSize(source, &buf, &len) < 0) {
        return -1;
    }
    if (declares_encoding(buf, len)) {
        return 0;
    }
    const unsigned char *s = (const unsigned char *)buf;
    long line = 1;
    for (Py_ssize_t i = 0; i < len;) {
        Py_ssize_t n = utf8_sequence_length(s + i, len - i);
        if (n == 0) {
            PyErr_Format(PyExc_SyntaxError,
                         "Non-UTF-8 code starting with '\\x%02x' in file %U "
                         "on line %ld, but no encoding declared; see "
                         "https://peps.python.org/pep-0263/ for details",
                         (unsigned int)s[i], filename, line);
            return -1;
        }
        if (s[i] == '\n') {
            line++;
        }
        i += n;
    }
    return 0;
}

/* Compile a whole program (bytes or str) for __main__, rewritten so that
 * it never blocks, with top-level await allowed. */
PyObject *
pyrun_compile_source(pyrun_state *st, PyObject *source, PyObject *filename, PyObject *package)
{
    if (PyBytes_Check(source) && check_undeclared_utf8(source, filename) < 0) {
        return NULL;
    }
    return pyrun_compile_program(st, source, filename, package);
}
