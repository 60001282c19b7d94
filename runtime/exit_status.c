/* How an exception that ends the program becomes what the user sees.
 *
 * Mirrors CPython's handling of an uncaught exception in __main__:
 * SystemExit maps to its code (a non-integer code is printed), anything
 * else goes through sys.excepthook and gives status 1, or 130 for
 * KeyboardInterrupt. Before printing, frames that belong to import
 * machinery rather than to the user's files are cut from the traceback. */
#include "pyrun.h"

#include "errors.h"

#include <string.h>

static int
is_machinery_frame(PyObject *tb)
{
    PyObject *frame = PyObject_GetAttrString(tb, "tb_frame");
    if (frame == NULL) {
        return -1;
    }
    PyObject *code = PyObject_GetAttrString(frame, "f_code");
    Py_DECREF(frame);
    if (code == NULL) {
        return -1;
    }
    PyObject *filename = PyObject_GetAttrString(code, "co_filename");
    Py_DECREF(code);
    if (filename == NULL) {
        return -1;
    }
    const char *name = PyUnicode_Check(filename) ? PyUnicode_AsUTF8AndSize(filename, NULL) : "";
    int internal = name != NULL && strncmp(name, "<frozen importlib.", 18) == 0;
    Py_DECREF(filename);
    return name == NULL ? -1 : internal;
}

/* Drop machinery entries from one traceback chain; returns the new head. */
static PyObject *
trim_chain(PyObject *tb)
{
    PyObject *head = Py_NewRef(tb);
    while (head != Py_None) {
        int internal = is_machinery_frame(head);
        if (internal < 0) {
            Py_DECREF(head);
            return NULL;
        }
        if (!internal) {
            break;
        }
        Py_SETREF(head, PyObject_GetAttrString(head, "tb_next"));
        if (head == NULL) {
            return NULL;
        }
    }
    PyObject *prev = Py_NewRef(head);
    while (prev != Py_None) {
        PyObject *next = PyObject_GetAttrString(prev, "tb_next");
        if (next == NULL) {
            goto error;
        }
        if (next == Py_None) {
            Py_DECREF(next);
            break;
        }
        int internal = is_machinery_frame(next);
        if (internal < 0) {
            Py_DECREF(next);
            goto error;
        }
        if (internal) {
            PyObject *after = PyObject_GetAttrString(next, "tb_next");
            Py_DECREF(next);
            if (after == NULL || PyObject_SetAttrString(prev, "tb_next", after) < 0) {
                Py_XDECREF(after);
                goto error;
            }
            Py_DECREF(after);
        }
        else {
            Py_SETREF(prev, next);
        }
    }
    Py_DECREF(prev);
    return head;
error:
    Py_DECREF(prev);
    Py_DECREF(head);
    return NULL;
}

/* Trim the exception and, recursively, its cause and context. */
static int
trim_exception(PyObject *exc, int depth)
{
    if (exc == NULL || exc == Py_None || depth > 64) {
        return 0;
    }
    PyObject *tb = PyException_GetTraceback(exc);
    if (tb != NULL) {
        PyObject *trimmed = trim_chain(tb);
        Py_DECREF(tb);
        if (trimmed == NULL) {
            return -1;
        }
        int rc = PyException_SetTraceback(exc, trimmed);
        Py_DECREF(trimmed);
        if (rc < 0) {
            return -1;
        }
    }
    PyObject *cause = PyException_GetCause(exc);
    int rc = trim_exception(cause, depth + 1);
    Py_XDECREF(cause);
    if (rc < 0) {
        return -1;
    }
    PyObject *context = PyException_GetContext(exc);
    rc = trim_exception(context, depth + 1);
    Py_XDECREF(context);
    return rc;
}

static int
system_exit_status(PyObject *exc)
{
    PyObject *code = PyObject_GetAttrString(exc, "code");
    if (code == NULL) {
        PyErr_Clear();
        return PYRUN_EXIT_ERROR;
    }
    int status;
    if (code == Py_None) {
        status = PYRUN_EXIT_OK;
    }
    else if (PyLong_Check(code)) {
        long value = PyLong_AsLong(code);
        if (value == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            value = -1;
        }
        status = (int)value;
    }
    else {
        PyObject *err = PySys_GetObject("stderr");
        if (err != NULL && err != Py_None) {
            if (PyFile_WriteObject(code, err, Py_PRINT_RAW) < 0 ||
                PyFile_WriteString("\n", err) < 0) {
                PyErr_Clear();
            }
        }
        status = PYRUN_EXIT_ERROR;
    }
    Py_DECREF(code);
    return status;
}

/* Consume the current exception, report it, and return the exit status. */
int
pyrun_report_exit(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (type == NULL) {
        return PYRUN_EXIT_OK;
    }
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    int status;
    if (PyErr_GivenExceptionMatches(type, PyExc_SystemExit)) {
        status = system_exit_status(value);
    }
    else if (pyrun_is_internal_error(type)) {
        /* pyrun's own failure: one line, no traceback of its machinery */
        PyObject *message = PyObject_Str(value);
        if (message != NULL) {
            pyrun_print_error("pyrun", message);
            Py_DECREF(message);
        }
        PyErr_Clear();
        status = PYRUN_EXIT_ERROR;
    }
    else {
        if (trim_exception(value, 0) < 0) {
            PyErr_Clear();
        }
        status = PyErr_GivenExceptionMatches(type, PyExc_KeyboardInterrupt)
                     ? PYRUN_EXIT_INTERRUPT
                     : PYRUN_EXIT_ERROR;
        /* PyErr_Print does what CPython does for __main__: sets sys.last_*,
         * calls sys.excepthook and reports a failing hook. SystemExit never
         * reaches it, so it cannot end the process from here. */
        Py_XSETREF(tb, PyException_GetTraceback(value));
        PyObject *swapped = pyrun_linux_errors_begin(value);
        PyErr_Restore(type, value, tb);
        PyErr_Print();
        pyrun_linux_errors_end(swapped);
        return status;
    }
    PyErr_Clear();
    Py_DECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return status;
}

int
pyrun_report_traceback(void)
{
    if (!PyErr_ExceptionMatches(PyExc_SystemExit)) {
        return pyrun_report_exit();
    }
    /* What PyErr_Print does, which would end the process on SystemExit:
     * sys.last_* set, then sys.excepthook. */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    if (trim_exception(value, 0) < 0) {
        PyErr_Clear();
    }
    Py_XSETREF(tb, PyException_GetTraceback(value));
    PyObject *shown_tb = tb != NULL ? tb : Py_None;
    if (PySys_SetObject("last_type", type) < 0 || PySys_SetObject("last_value", value) < 0 ||
        PySys_SetObject("last_traceback", shown_tb) < 0 || PySys_SetObject("last_exc", value) < 0) {
        PyErr_Clear();
    }
    PyObject *hook = PySys_GetObject("excepthook"); /* borrowed */
    PyObject *r = hook != NULL ? PyObject_CallFunctionObjArgs(hook, type, value, shown_tb, NULL) : NULL;
    if (r == NULL) {
        PyErr_Clear();
    }
    Py_XDECREF(r);
    Py_DECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return PYRUN_EXIT_ERROR;
}

/* "pyrun: message" on sys.stderr, the way CPython prefixes its own errors. */
void
pyrun_print_error(const char *prog, PyObject *message)
{
    PyObject *err = PySys_GetObject("stderr");
    if (err == NULL || err == Py_None) {
        return;
    }
    if (PyFile_WriteString(prog, err) < 0 || PyFile_WriteString(": ", err) < 0 ||
        PyFile_WriteObject(message, err, Py_PRINT_RAW) < 0 ||
        PyFile_WriteString("\n", err) < 0) {
        PyErr_Clear();
    }
}
