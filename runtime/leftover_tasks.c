/* Tasks still running when __main__'s code has finished.
 *
 * A page or Node keeps running what a script scheduled after the script's
 * own code is done; pyrun does the same, so the program ends only once
 * they have. Ctrl-C then cancels them, and the KeyboardInterrupt the user
 * sees points at where one of them was, the user's own code if any runs
 * in one. */
#include "pyrun.h"

#include "importer/importer.h"

PyObject *
pyrun_pending_tasks(pyrun_state *st)
{
    return PyObject_CallNoArgs(st->all_tasks);
}

/* The program's tasks still pending: all but `before` (the tasks of the
 * embedding that were there when the program started, the main Task
 * among them, some of which may be waiting for the program itself). */
PyObject *
pyrun_leftover_tasks(pyrun_state *st, PyObject *before)
{
    PyObject *pending = pyrun_pending_tasks(st);
    PyObject *iter = pending ? PyObject_GetIter(pending) : NULL;
    PyObject *left = iter ? PyList_New(0) : NULL;
    PyObject *task;
    while (left != NULL && (task = PyIter_Next(iter)) != NULL) {
        int old = PySet_Contains(before, task);
        if (old == 0) {
            old = pyrun_is_daemon_task(st, task); /* as CPython, which does not wait for them */
        }
        if (old < 0 || (!old && PyList_Append(left, task) < 0)) {
            Py_CLEAR(left);
        }
        Py_DECREF(task);
    }
    if (left != NULL && PyErr_Occurred()) {
        Py_CLEAR(left);
    }
    Py_XDECREF(iter);
    Py_XDECREF(pending);
    return left;
}

int
pyrun_cancel_tasks(PyObject *tasks)
{
    for (Py_ssize_t i = 0; i < PyList_Size(tasks); i++) {
        PyObject *r = PyObject_CallMethod(PyList_GetItem(tasks, i), "cancel", NULL);
        if (r == NULL) {
            return -1;
        }
        Py_DECREF(r);
    }
    return 0;
}

/* The frames a suspended coroutine is stopped in, outermost first: its own
 * and those of each coroutine or generator it awaits in turn (through
 * pyrun's own awaitables, which have no frame). */
PyObject *
pyrun_awaiting_frames(PyObject *coro)
{
    PyObject *frames = PyList_New(0);
    Py_XINCREF(coro);
    while (frames != NULL && coro != NULL && coro != Py_None && PyList_Size(frames) < 1000) {
        static const char *const frame_attrs[] = {"cr_frame", "gi_frame"};
        static const char *const next_attrs[] = {"cr_await", "gi_yieldfrom"};
        PyObject *frame = NULL, *next = NULL;
        for (int i = 0; i < 2 && frame == NULL; i++) {
            if (PyObject_HasAttrString(coro, frame_attrs[i])) {
                frame = PyObject_GetAttrString(coro, frame_attrs[i]);
                next = frame ? PyObject_GetAttrString(coro, next_attrs[i]) : NULL;
                if (next == NULL) {
                    Py_CLEAR(frame);
                    break;
                }
            }
        }
        if (frame == NULL && !PyErr_Occurred() && PyObject_HasAttrString(coro, "cr_await")) {
            next = PyObject_GetAttrString(coro, "cr_await");
            Py_CLEAR(coro);
            coro = next;
            if (coro == NULL) {
                break;
            }
            continue;
        }
        Py_CLEAR(coro);
        if (frame == NULL || frame == Py_None) {
            Py_XDECREF(frame);
            Py_XDECREF(next);
            break;
        }
        int rc = PyList_Append(frames, frame);
        Py_DECREF(frame);
        if (rc < 0) {
            Py_DECREF(next);
            break;
        }
        coro = next;
    }
    Py_XDECREF(coro);
    if (PyErr_Occurred()) {
        Py_XDECREF(frames);
        return NULL;
    }
    return frames;
}

int
pyrun_raised_where_suspended(PyObject *exc, PyObject *coro)
{
    PyObject *frames = pyrun_awaiting_frames(coro);
    PyObject *types = frames ? pyrun_import("types") : NULL;
    PyObject *tb_type = types ? PyObject_GetAttrString(types, "TracebackType") : NULL;
    Py_XDECREF(types);
    PyObject *tb = tb_type ? Py_NewRef(Py_None) : NULL;
    for (Py_ssize_t i = tb ? PyList_Size(frames) - 1 : -1; i >= 0; i--) {
        PyObject *frame = PyList_GetItem(frames, i);
        PyObject *lasti = PyObject_GetAttrString(frame, "f_lasti");
        PyObject *lineno = lasti ? PyObject_GetAttrString(frame, "f_lineno") : NULL;
        PyObject *outer = lineno ? PyObject_CallFunctionObjArgs(tb_type, tb, frame, lasti, lineno, NULL)
                                 : NULL;
        Py_XDECREF(lasti);
        Py_XDECREF(lineno);
        Py_SETREF(tb, outer);
        if (tb == NULL) {
            break;
        }
    }
    if (tb != NULL && tb != Py_None) {
        PyException_SetTraceback(exc, tb);
    }
    Py_XDECREF(tb_type);
    Py_XDECREF(frames);
    int rc = tb == NULL ? -1 : 0;
    Py_XDECREF(tb);
    return rc;
}

PyObject *
pyrun_interrupt_in_task(PyObject *task)
{
    PyObject *exc = PyObject_CallNoArgs(PyExc_KeyboardInterrupt);
    PyObject *coro = exc ? PyObject_CallMethod(task, "get_coro", NULL) : NULL;
    if (coro == NULL || pyrun_raised_where_suspended(exc, coro) < 0) {
        Py_CLEAR(exc);
    }
    Py_XDECREF(coro);
    return exc;
}

static int
runs_user_code(pyrun_state *st, PyObject *task)
{
    PyObject *coro = PyObject_CallMethod(task, "get_coro", NULL);
    PyObject *code = coro ? PyObject_GetAttrString(coro, "cr_code") : NULL;
    PyObject *filename = code ? PyObject_GetAttrString(code, "co_filename") : NULL;
    PyObject *no_package = filename ? PyUnicode_FromString("") : NULL;
    int user = no_package ? pyrun_is_user_module(st, no_package, filename) : -1;
    Py_XDECREF(coro);
    Py_XDECREF(code);
    Py_XDECREF(filename);
    Py_XDECREF(no_package);
    if (user < 0) {
        PyErr_Clear(); /* not a coroutine of Python code: not the user's */
        return 0;
    }
    return user;
}

PyObject *
pyrun_task_to_blame(pyrun_state *st, PyObject *tasks)
{
    for (Py_ssize_t i = 0; i < PyList_Size(tasks); i++) {
        if (runs_user_code(st, PyList_GetItem(tasks, i))) {
            return PyList_GetItem(tasks, i);
        }
    }
    return PyList_Size(tasks) > 0 ? PyList_GetItem(tasks, 0) : NULL;
}
