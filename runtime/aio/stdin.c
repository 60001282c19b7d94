/* input() and reads of sys.stdin, as awaitable reads from the host.
 *
 * The host gives lines: host.read_line() is an awaitable of a str (with
 * its newline) or None at end of input. While it is pending, the event
 * loop runs other tasks. Text already received but not consumed (after
 * read(n) split a line) is kept here. Once the program replaces sys.stdin
 * (with io.StringIO, say), reads go to that object, synchronously. */
#include "helpers.h"

int
pyrun_is_host_stdin(pyrun_state *st, PyObject *stream)
{
    return st->host_stdin != NULL && stream == st->host_stdin;
}

static PyObject *
take_pending(pyrun_state *st, Py_ssize_t n)
{
    PyObject *p = st->stdin_pending;
    Py_ssize_t len = PyUnicode_GetLength(p);
    if (n < 0 || n > len) {
        n = len;
    }
    PyObject *head = PyUnicode_Substring(p, 0, n);
    PyObject *tail = head ? PyUnicode_Substring(p, n, len) : NULL;
    if (tail == NULL) {
        Py_XDECREF(head);
        return NULL;
    }
    Py_SETREF(st->stdin_pending, tail);
    return head;
}

static int
append_pending(pyrun_state *st, PyObject *text)
{
    PyObject *joined = PyUnicode_Concat(st->stdin_pending, text);
    if (joined == NULL) {
        return -1;
    }
    Py_SETREF(st->stdin_pending, joined);
    return 0;
}

/* The host's next line, to await. Where the reader is driven
 * synchronously (aio/wait_sync.c), it is read right now from the same
 * buffer (host.read_line_sync), or, on a host that cannot block (a page
 * without JSPI), that is a BlockingError. */
static PyObject *
ask_host(pyrun_state *st)
{
    if (!pyrun_sync_waiting(st)) {
        return PyObject_CallMethod(st->host, "read_line", NULL);
    }
    if (!PyObject_HasAttrString(st->host, "read_line_sync")) {
        PyObject *where = pyrun_caller_location();
        if (where != NULL) {
            PyErr_Format(st->blocking_error,
                         "reading stdin blocks, but it was reached where nothing can wait for it (%U): this "
                         "host can only answer input asynchronously. This needs a runtime with JSPI "
                         "(WebAssembly stack switching).",
                         where);
            Py_DECREF(where);
        }
        return NULL;
    }
    if (pyrun_sync_strict_check(st, "a read of stdin") < 0) {
        return NULL;
    }
    double started = pyrun_monotonic();
    PyObject *line = started < 0 ? NULL : PyObject_CallMethod(st->host, "read_line_sync", NULL);
    double ended = line ? pyrun_monotonic() : -1.0;
    if (ended < 0) {
        Py_XDECREF(line);
        return NULL;
    }
    st->sync_waited += ended - started;
    PyObject *ready = pyrun_ready(st, line);
    Py_DECREF(line);
    return ready;
}

/* Consumes a host answer: 0 more text, 1 end of input, -1 error. */
static int
take_answer(pyrun_state *st, PyObject *value)
{
    if (value == Py_None) {
        st->stdin_eof = 1;
        return 1;
    }
    if (!PyUnicode_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "host read_line() must give a str or None");
        return -1;
    }
    if (PyUnicode_GetLength(value) == 0) {
        st->stdin_eof = 1;
        return 1;
    }
    return append_pending(st, value);
}

enum { RL_SIZE };

/* readline(size): a line from pending text, asking the host for more. */
static step_result
readline_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL || (value != NULL && take_answer(st, value) < 0)) {
        return STEP_ERROR;
    }
    Py_ssize_t size = s->i;
    Py_ssize_t len = PyUnicode_GetLength(st->stdin_pending);
    Py_ssize_t nl = PyUnicode_FindChar(st->stdin_pending, '\n', 0, len, 1);
    if (nl == -2) {
        return STEP_ERROR;
    }
    Py_ssize_t want = nl >= 0 ? nl + 1 : -1;
    if (size >= 0 && (want < 0 || size < want) && size <= len) {
        want = size;
    }
    if (want >= 0 || st->stdin_eof) {
        *out = take_pending(st, want);
        return *out ? STEP_DONE : STEP_ERROR;
    }
    *out = ask_host(st);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

PyObject *
pyrun_stdin_readline_awaitable(pyrun_state *st, Py_ssize_t size)
{
    pyrun_step *s = pyrun_step_new(st, readline_next, NULL);
    if (s != NULL) {
        s->i = size;
    }
    return (PyObject *)s;
}

/* read(size): until size characters, or the end for size < 0. */
static step_result
read_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL || (value != NULL && take_answer(st, value) < 0)) {
        return STEP_ERROR;
    }
    Py_ssize_t size = s->i;
    if (st->stdin_eof || (size >= 0 && PyUnicode_GetLength(st->stdin_pending) >= size)) {
        *out = take_pending(st, size);
        if (*out == NULL) {
            return STEP_ERROR;
        }
        if (s->phase == 1) { /* readlines() */
            PyObject *lines = PyUnicode_Splitlines(*out, 1);
            Py_SETREF(*out, lines);
            return lines ? STEP_DONE : STEP_ERROR;
        }
        return STEP_DONE;
    }
    *out = ask_host(st);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

/* input() strips the newline, and the end of input is an error. */
static step_result
input_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (value == NULL) {
        *out = pyrun_stdin_readline_awaitable(st, -1);
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    Py_ssize_t len = PyUnicode_GetLength(value);
    if (len == 0) {
        PyErr_SetString(PyExc_EOFError, "EOF when reading a line");
        return STEP_ERROR;
    }
    if (PyUnicode_ReadChar(value, len - 1) == '\n') {
        len--;
    }
    *out = PyUnicode_Substring(value, 0, len);
    return *out ? STEP_DONE : STEP_ERROR;
}

int
pyrun_flush_std(const char *name)
{
    PyObject *stream = PySys_GetObject(name);
    if (stream == NULL || stream == Py_None) {
        return 0;
    }
    PyObject *r = PyObject_CallMethod(stream, "flush", NULL);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* input(prompt=''), as builtins.input: the prompt written to stdout
 * without a newline, and the line read from the host. */
static PyObject *
input_awaitable(pyrun_state *st, PyObject *args)
{
    PyObject *prompt = NULL;
    if (!PyArg_UnpackTuple(args, "input", 0, 1, &prompt)) {
        return NULL;
    }
    if (!pyrun_is_host_stdin(st, PySys_GetObject("stdin"))) {
        /* the program replaced sys.stdin: read it as input() would */
        return pyrun_maybe_steal(st, PyObject_Call(st->original_input, args, NULL));
    }
    if (pyrun_flush_std("stderr") < 0) {
        PyErr_Clear();
    }
    if (prompt != NULL) {
        PyObject *out = PySys_GetObject("stdout");
        if (out == NULL || out == Py_None) {
            PyErr_SetString(PyExc_RuntimeError, "input(): lost sys.stdout");
            return NULL;
        }
        if (PyFile_WriteObject(prompt, out, Py_PRINT_RAW) < 0) {
            return NULL;
        }
    }
    if (pyrun_flush_std("stdout") < 0) {
        return NULL;
    }
    return (PyObject *)pyrun_step_new(st, input_next, NULL);
}

/* input(fn, *args): fn is what the program called, looked up as the call
 * ran; builtins.input reads from the host, anything else is called. */
PyObject *
pyrun_helper_input(PyObject *module, PyObject *all)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (PyTuple_Size(all) < 1) {
        PyErr_SetString(PyExc_TypeError, "input(fn, *args)");
        return NULL;
    }
    PyObject *fn = PyTuple_GetItem(all, 0);
    PyObject *args = PyTuple_GetSlice(all, 1, PyTuple_Size(all));
    if (args == NULL) {
        return NULL;
    }
    PyObject *r = fn == st->original_input ? input_awaitable(st, args) : pyrun_call_maybe(st, fn, args, NULL);
    Py_DECREF(args);
    return r;
}

/* stdin(stream, method, *args): stream.method(*args) for readline, read and
 * readlines, awaited when stream is the host's stdin. */
PyObject *
pyrun_helper_stdin(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (PyTuple_Size(args) < 2) {
        PyErr_SetString(PyExc_TypeError, "stdin(stream, method, *args)");
        return NULL;
    }
    PyObject *stream = PyTuple_GetItem(args, 0);
    PyObject *method = PyTuple_GetItem(args, 1);
    PyObject *rest = PyTuple_GetSlice(args, 2, PyTuple_Size(args));
    if (rest == NULL) {
        return NULL;
    }
    if (!pyrun_is_host_stdin(st, stream)) {
        PyObject *bound = PyObject_GetAttr(stream, method);
        PyObject *r = bound ? PyObject_Call(bound, rest, NULL) : NULL;
        Py_XDECREF(bound);
        Py_DECREF(rest);
        return r ? pyrun_maybe_steal(st, r) : NULL;
    }
    Py_ssize_t size = -1;
    if (PyTuple_Size(rest) > 0 && PyTuple_GetItem(rest, 0) != Py_None) {
        size = PyLong_AsSsize_t(PyTuple_GetItem(rest, 0));
        if (size == -1 && PyErr_Occurred()) {
            Py_DECREF(rest);
            return NULL;
        }
    }
    Py_DECREF(rest);
    if (PyUnicode_CompareWithASCIIString(method, "readline") == 0) {
        return pyrun_stdin_readline_awaitable(st, size);
    }
    pyrun_step *s = pyrun_step_new(st, read_next, NULL);
    if (s == NULL) {
        return NULL;
    }
    int lines = PyUnicode_CompareWithASCIIString(method, "readlines") == 0;
    s->i = lines ? -1 : size;
    s->phase = lines;
    return (PyObject *)s;
}
