/* getpass.getpass() as an awaitable read.
 *
 * CPython's getpass turns the terminal's echo off (termios, on /dev/tty)
 * and reads a line; without a terminal it warns that the input may be
 * echoed and reads sys.stdin. Pyodide has no terminal to control, and its
 * stdin cannot wait. pyrun asks the host instead: host.read_password(prompt)
 * shows the prompt, reads the line without showing it and ends the
 * prompt's line (the Node CLI at a terminal: raw mode; a page: its stdin
 * asked for a password). A host without it (stdin is a pipe) gets
 * CPython's fallback: the same warning, the prompt on stderr,
 * and the line read from stdin as input() reads it. */
#include "helpers.h"

enum { G_READ, G_STREAM };

static int
write_to(PyObject *stream, const char *text)
{
    PyObject *r = PyObject_CallMethod(stream, "write", "s", text);
    PyObject *f = r ? PyObject_CallMethod(stream, "flush", NULL) : NULL;
    Py_XDECREF(r);
    Py_XDECREF(f);
    return f ? 0 : -1;
}

static step_result
getpass_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, G_READ, out);
    }
    if (value == Py_None || (PyUnicode_Check(value) && PyUnicode_GetLength(value) == 0)) {
        PyErr_SetNone(PyExc_EOFError);
        return STEP_ERROR;
    }
    if (!PyUnicode_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "host read_password() must give a str or None");
        return STEP_ERROR;
    }
    Py_ssize_t len = PyUnicode_GetLength(value);
    if (PyUnicode_ReadChar(value, len - 1) == '\n') {
        len--;
    }
    if (s->o[G_STREAM] != NULL && write_to(s->o[G_STREAM], "\n") < 0) {
        return STEP_ERROR;
    }
    *out = PyUnicode_Substring(value, 0, len);
    return *out ? STEP_DONE : STEP_ERROR;
}

/* What CPython's getpass does where it cannot turn echo off. */
static PyObject *
fallback_read(pyrun_state *st, PyObject *prompt, PyObject *stream)
{
    PyObject *getpass = pyrun_import("getpass");
    PyObject *category = getpass ? PyObject_GetAttrString(getpass, "GetPassWarning") : NULL;
    Py_XDECREF(getpass);
    if (category == NULL || PyErr_WarnEx(category, "Can not control echo on the terminal.", 1) < 0) {
        Py_XDECREF(category);
        return NULL;
    }
    Py_DECREF(category);
    PyObject *to = stream != Py_None ? stream : PySys_GetObject("stderr");
    if (to == NULL || to == Py_None) {
        PyErr_SetString(PyExc_RuntimeError, "getpass(): lost sys.stderr");
        return NULL;
    }
    if (write_to(to, "Warning: Password input may be echoed.\n") < 0 ||
        PyFile_WriteObject(prompt, to, Py_PRINT_RAW) < 0 || write_to(to, "") < 0) {
        return NULL;
    }
    PyObject *read = pyrun_stdin_readline_awaitable(st, -1);
    pyrun_step *s = read ? pyrun_step_new(st, getpass_next, NULL) : NULL;
    if (s == NULL) {
        Py_XDECREF(read);
        return NULL;
    }
    s->o[G_READ] = read;
    s->o[G_STREAM] = Py_NewRef(to);
    return (PyObject *)s;
}

/* getpass(prompt='Password: ', stream=None, *, echo_char=None) */
PyObject *
pyrun_helper_getpass(PyObject *module, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    static char *kwlist[] = {"prompt", "stream", "echo_char", NULL};
    PyObject *prompt = NULL, *stream = Py_None, *echo_char = Py_None;
    if (st == NULL ||
        !PyArg_ParseTupleAndKeywords(args, kwargs, "|UO$O:getpass", kwlist, &prompt, &stream, &echo_char)) {
        return NULL;
    }
    if (st->host == NULL || st->host == Py_None || !pyrun_is_host_stdin(st, PySys_GetObject("stdin"))) {
        /* the program replaced sys.stdin: getpass reads it, as it would */
        PyObject *getpass = pyrun_import("getpass");
        PyObject *fn = getpass ? PyObject_GetAttrString(getpass, "getpass") : NULL;
        PyObject *r = fn ? PyObject_Call(fn, args, kwargs) : NULL;
        Py_XDECREF(getpass);
        Py_XDECREF(fn);
        return pyrun_maybe_steal(st, r);
    }
    PyObject *text = prompt ? Py_NewRef(prompt) : PyUnicode_FromString("Password: ");
    if (text == NULL) {
        return NULL;
    }
    PyObject *r = NULL;
    if (PyObject_HasAttrString(st->host, "read_password") && !pyrun_sync_waiting(st)) {
        /* what was printed shows before the prompt */
        PyObject *read = pyrun_flush_std("stdout") < 0 || pyrun_flush_std("stderr") < 0 ? NULL : PyObject_CallMethod(st->host, "read_password", "O", text);
        pyrun_step *s = read ? pyrun_step_new(st, getpass_next, NULL) : NULL;
        if (s != NULL) {
            s->o[G_READ] = read;
        }
        else {
            Py_XDECREF(read);
        }
        r = (PyObject *)s;
    }
    else {
        r = fallback_read(st, text, stream);
    }
    Py_DECREF(text);
    return r;
}
