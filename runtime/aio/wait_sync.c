/* Waiting for an awaitable where the code cannot await: a face called by
 * the interpreter or a library, a class body, an import nobody awaits.
 *
 * In order of preference:
 *  1. JSPI, where this runtime can stack-switch here: pyodide.ffi.run_sync
 *     waits while the event loop keeps running.
 *  2. Inside a library call run by replay (aio/replay.c), the coroutine
 *     is started there and, if it waits, the call is stopped and retried
 *     once it is done.
 *  3. Otherwise the coroutine is driven synchronously, as CPython would
 *     run the blocking call: while it runs (st->sync_depth > 0), pyrun's
 *     sleeps and stdin reads block the whole process through the host
 *     (host.sleep_sync, host.read_line_sync: no CPU used in Node), and a
 *     turn given to the loop (a bare yield, sleep(0)) is skipped. Most such
 *     calls never wait at all: the function blocks on another path, or
 *     only awaits what is already done. A future that is still pending
 *     would need the loop, which cannot run now: that is a BlockingError,
 *     thrown into the coroutine where it waits, as a deadlock would
 *     otherwise be the answer.
 *  4. In strict mode (PYRUN_STRICT_ASYNC=1, `pyrun --strict-async`), no
 *     fallback: the coroutine still runs, but reaching a sleep, a read or
 *     a turn of the loop there is a BlockingError, so that tests see
 *     where a rewrite is missing. (A colored function that does not block
 *     on this call still returns.)
 * Under `--verbose` (host.warn), a function that made the process wait so
 * is named once, with the time it waited and the user's line. */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>

/* Is this file part of the interpreter's own library (stdlib or
 * site-packages) rather than the user's program? */
static PyObject *location_of(PyObject *frame);

/* What waits, as messages name it: `what` itself, or for a function (a
 * face's, named only when a message needs it) "its qualname()". */
static PyObject *
what_text(PyObject *what)
{
    if (PyUnicode_Check(what)) {
        return Py_NewRef(what);
    }
    PyObject *qual = PyObject_GetAttrString(what, "__qualname__");
    if (qual == NULL) {
        PyErr_Clear();
        return PyUnicode_FromString("a function");
    }
    PyObject *text = PyUnicode_FromFormat("%U()", qual);
    Py_DECREF(qual);
    return text;
}

static int
is_library_file(PyObject *filename)
{
    /* os.py's directory, cut by hand: no Python code runs here (a trace
     * function of the program would see it) */
    PyObject *os = pyrun_import("os");
    PyObject *os_file = os ? PyObject_GetAttrString(os, "__file__") : NULL;
    Py_ssize_t slash = os_file && PyUnicode_Check(os_file)
                           ? PyUnicode_FindChar(os_file, '/', 0, PyUnicode_GetLength(os_file), -1)
                           : -2;
    PyObject *stdlib = slash >= 0 ? PyUnicode_Substring(os_file, 0, slash) : NULL;
    int r = stdlib ? PyUnicode_Tailmatch(filename, stdlib, 0, PY_SSIZE_T_MAX, -1) : -1;
    Py_XDECREF(os);
    Py_XDECREF(os_file);
    Py_XDECREF(stdlib);
    if (r < 0) {
        PyErr_Clear();
        return 0;
    }
    if (r) {
        return 1;
    }
    PyObject *marker = PyUnicode_FromString("/site-packages/");
    Py_ssize_t at = marker ? PyUnicode_Find(filename, marker, 0, PY_SSIZE_T_MAX, 1) : -1;
    Py_XDECREF(marker);
    if (at < -1) {
        PyErr_Clear();
    }
    return at >= 0;
}

/* Where the user's code is: "main.py, line 30", from the innermost frame
 * that is not the interpreter's own library (re.sub calling back is
 * reported where the program called re.sub). */
PyObject *
pyrun_caller_location(void)
{
    return location_of((PyObject *)PyEval_GetFrame());
}

/* The same, from `frame` (borrowed) outwards; NULL or None: the host. */
static PyObject *
location_of(PyObject *frame)
{
    if (frame == NULL || frame == Py_None) {
        return PyUnicode_FromString("the host");
    }
    Py_INCREF(frame);
    PyObject *fallback = NULL;
    while (frame != Py_None) {
        PyCodeObject *code = PyFrame_GetCode((PyFrameObject *)frame);
        PyObject *filename = code ? PyObject_GetAttrString((PyObject *)code, "co_filename") : NULL;
        Py_XDECREF((PyObject *)code);
        if (filename == NULL) {
            Py_DECREF(frame);
            Py_XDECREF(fallback);
            return NULL;
        }
        PyObject *where = PyUnicode_FromFormat("%U, line %d", filename,
                                               PyFrame_GetLineNumber((PyFrameObject *)frame));
        int library = is_library_file(filename);
        Py_DECREF(filename);
        if (where == NULL || !library) {
            Py_DECREF(frame);
            Py_XDECREF(fallback);
            return where;
        }
        if (fallback == NULL) {
            fallback = where;
        }
        else {
            Py_DECREF(where);
        }
        Py_SETREF(frame, PyObject_GetAttrString(frame, "f_back"));
        if (frame == NULL) {
            Py_XDECREF(fallback);
            return NULL;
        }
    }
    Py_DECREF(frame);
    return fallback;
}

void
pyrun_find_pyodide_ffi(pyrun_state *st)
{
    if (st->pyodide_ffi == NULL) {
        /* looked for once, at start-up: a failed import searches the whole
         * path, which a trace function of the program would see */
        st->pyodide_ffi = pyrun_import("pyodide.ffi");
        if (st->pyodide_ffi == NULL) {
            PyErr_Clear();
            st->pyodide_ffi = Py_NewRef(Py_None);
        }
    }
}

/* JSPI's run_sync, if this runtime can stack-switch here; else NULL. */
/* Can this runtime switch stacks at all (WebAssembly.Suspending, and a
 * Pyodide with run_sync)? Asked once: without it, can_run_sync() is
 * never true, and asking it at each wait costs a call into Python. */
static int
runtime_has_jspi(pyrun_state *st)
{
    pyrun_find_pyodide_ffi(st);
    if (st->pyodide_ffi == Py_None || !PyObject_HasAttrString(st->pyodide_ffi, "run_sync")) {
        return 0;
    }
    PyObject *js = pyrun_import("js");
    PyObject *wasm = js ? PyObject_GetAttrString(js, "WebAssembly") : NULL;
    int has = wasm ? PyObject_HasAttrString(wasm, "Suspending") : 1; /* unknown: ask each time */
    Py_XDECREF(js);
    Py_XDECREF(wasm);
    PyErr_Clear();
    return has;
}

static PyObject *
jspi_run_sync(pyrun_state *st)
{
    if (st->jspi_possible < 0) {
        st->jspi_possible = runtime_has_jspi(st);
    }
    if (!st->jspi_possible) {
        return NULL;
    }
    PyObject *can = PyObject_CallMethod(st->pyodide_ffi, "can_run_sync", NULL);
    int ok = can ? PyObject_IsTrue(can) : 0;
    Py_XDECREF(can);
    PyErr_Clear();
    PyObject *run_sync = ok > 0 ? PyObject_GetAttrString(st->pyodide_ffi, "run_sync") : NULL;
    PyErr_Clear();
    return run_sync;
}

int
pyrun_strict_async(pyrun_state *st)
{
    if (st->strict_async >= 0) {
        return st->strict_async;
    }
    const char *v = getenv("PYRUN_STRICT_ASYNC");
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

static void
raise_blocking(pyrun_state *st, PyObject *what, const char *why, const char *remedy)
{
    PyObject *where = pyrun_caller_location();
    PyObject *text = where ? what_text(what) : NULL;
    if (text != NULL) {
        PyErr_Format(st->blocking_error, "%U blocks, but it was reached where nothing can wait for it (%U): %s. %s",
                     text, where, why, remedy);
    }
    Py_XDECREF(where);
    Py_XDECREF(text);
}

static const char STRICT_REMEDY[] =
    "This needs a runtime with JSPI (WebAssembly stack switching), or pyrun without strict mode "
    "(PYRUN_STRICT_ASYNC), which then waits synchronously";
static const char PENDING_REMEDY[] =
    "It waits for a task or future that only the event loop can complete, and the loop cannot run "
    "while this code runs synchronously; this needs a runtime with JSPI (WebAssembly stack switching).";

int
pyrun_sync_strict_check(pyrun_state *st, const char *what)
{
    if (!st->sync_strict || st->sync_what == NULL) {
        return 0;
    }
    PyObject *where = location_of(st->sync_where);
    PyObject *text = where ? what_text(st->sync_what) : NULL;
    if (text != NULL) {
        PyErr_Format(st->blocking_error,
                     "%U blocks (%s), but it was reached where nothing can wait for it (%U): %s. %s.", text, what,
                     where, st->sync_why, STRICT_REMEDY);
    }
    Py_XDECREF(where);
    Py_XDECREF(text);
    return -1;
}

/* A BlockingError thrown into the coroutine where it waits for `pending`:
 * its own except and finally clauses run, and the traceback shows where
 * it was stuck. Returns what the coroutine did next (it may catch it). */
static PySendResult
throw_pending(pyrun_state *st, PyObject *aw, PyObject *what, const char *why, PyObject **result)
{
    *result = NULL;
    raise_blocking(st, what, why, PENDING_REMEDY);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (type == NULL) {
        return PYGEN_ERROR;
    }
    PyErr_NormalizeException(&type, &value, &tb);
    Py_XDECREF(tb);
    Py_DECREF(type);
    PyObject *throw = PyObject_GetAttrString(aw, "throw");
    if (throw == NULL) {
        PyErr_Clear();
        PyErr_SetObject((PyObject *)Py_TYPE(value), value);
        Py_DECREF(value);
        return PYGEN_ERROR;
    }
    PyObject *r = PyObject_CallOneArg_compat(throw, value);
    Py_DECREF(throw);
    Py_DECREF(value);
    if (r != NULL) {
        *result = r;
        return PYGEN_NEXT;
    }
    if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
        PyObject *t, *v, *b;
        PyErr_Fetch(&t, &v, &b);
        PyErr_NormalizeException(&t, &v, &b);
        *result = v ? PyObject_GetAttrString(v, "value") : Py_NewRef(Py_None);
        Py_XDECREF(t);
        Py_XDECREF(v);
        Py_XDECREF(b);
        return *result ? PYGEN_RETURN : PYGEN_ERROR;
    }
    return PYGEN_ERROR;
}

/* 1 when a yielded future is already done (the coroutine just reads its
 * result when resumed), 0 when pending, -1 on error. */
static int
future_done(PyObject *future)
{
    PyObject *done = PyObject_CallMethod(future, "done", NULL);
    if (done == NULL) {
        return -1;
    }
    int r = PyObject_IsTrue(done);
    Py_DECREF(done);
    if (r > 0 && PyObject_SetAttrString(future, "_asyncio_future_blocking", Py_False) < 0) {
        return -1;
    }
    return r;
}

/* How many synchronous drives this thread is inside (natively, a face
 * may also be called from a thread of the program's). */
static PyObject *
thread_depth_key(void)
{
    return PyUnicode_InternFromString("pyrun.sync_depth");
}

static int
add_thread_depth(int delta)
{
    PyObject *dict = PyThreadState_GetDict();
    PyObject *key = thread_depth_key();
    if (dict == NULL || key == NULL) {
        Py_XDECREF(key);
        return -1;
    }
    PyObject *v = PyDict_GetItemWithError(dict, key);
    long depth = v ? PyLong_AsLong(v) + delta : delta;
    PyObject *nv = PyErr_Occurred() ? NULL : PyLong_FromLong(depth);
    int rc = nv ? PyDict_SetItem(dict, key, nv) : -1;
    Py_XDECREF(nv);
    Py_DECREF(key);
    return rc;
}

int
pyrun_sync_waiting(pyrun_state *st)
{
    if (st->sync_depth == 0) {
        return 0;
    }
    PyObject *dict = PyThreadState_GetDict();
    PyObject *key = dict ? thread_depth_key() : NULL;
    PyObject *v = key ? PyDict_GetItemWithError(dict, key) : NULL;
    Py_XDECREF(key);
    PyErr_Clear();
    return v != NULL && PyLong_AsLong(v) > 0;
}

/* The coroutine, run to its end right here. */
static PyObject *
drive(pyrun_state *st, PyObject *aw, PyObject *what, const char *why)
{
    PyObject *result = NULL;
    if (add_thread_depth(1) < 0) {
        return NULL;
    }
    st->sync_depth++;
    PySendResult r = PyIter_Send(aw, Py_None, &result);
    while (r == PYGEN_NEXT) {
        PyObject *yielded = result;
        result = NULL;
        int done = 1;
        if (yielded == Py_None && pyrun_sync_strict_check(st, "a turn given to the event loop") < 0) {
            /* thrown in where it yielded, as a pending future is */
            Py_DECREF(yielded);
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            PyErr_NormalizeException(&type, &value, &tb);
            Py_XDECREF(tb);
            Py_XDECREF(type);
            PyObject *throw = PyObject_GetAttrString(aw, "throw");
            PyObject *next = throw ? PyObject_CallOneArg_compat(throw, value) : NULL;
            Py_XDECREF(throw);
            Py_XDECREF(value);
            if (next != NULL) {
                result = next;
                continue;
            }
            r = PYGEN_ERROR;
            if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
                PyObject *t2, *v2, *b2;
                PyErr_Fetch(&t2, &v2, &b2);
                PyErr_NormalizeException(&t2, &v2, &b2);
                result = v2 ? PyObject_GetAttrString(v2, "value") : Py_NewRef(Py_None);
                r = result ? PYGEN_RETURN : PYGEN_ERROR;
                Py_XDECREF(t2);
                Py_XDECREF(v2);
                Py_XDECREF(b2);
            }
            break;
        }
        if (yielded != Py_None) {
            /* what Tasks accept: a future (the _asyncio_future_blocking
             * protocol), or a bare yield */
            done = PyObject_HasAttrString(yielded, "_asyncio_future_blocking") ? future_done(yielded) : 0;
        }
        Py_DECREF(yielded);
        if (done < 0) {
            r = PYGEN_ERROR;
            break;
        }
        r = done ? PyIter_Send(aw, Py_None, &result) : throw_pending(st, aw, what, why, &result);
    }
    st->sync_depth--;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (add_thread_depth(-1) < 0) {
        PyErr_WriteUnraisable(NULL);
    }
    PyErr_Restore(type, value, tb);
    if (r == PYGEN_ERROR) {
        Py_CLEAR(result);
    }
    return result;
}

/* Under --verbose: once per function, how long it kept the process
 * waiting, and why. */
static int
warn_waited(pyrun_state *st, PyObject *what_obj, double seconds, PyObject *frame)
{
    if (!PyObject_HasAttrString(st->host, "warn")) {
        return 0;
    }
    PyObject *what = what_text(what_obj);
    int seen = what ? PySet_Contains(st->sync_warned, what) : -1;
    if (seen != 0 || PySet_Add(st->sync_warned, what) < 0) {
        Py_XDECREF(what);
        return seen > 0 ? 0 : -1;
    }
    PyObject *where = location_of(frame);
    PyObject *secs = where ? PyFloat_FromDouble(seconds) : NULL;
    PyObject *text = secs ? PyUnicode_FromFormat(
                                "pyrun: %U waited synchronously for %S s (%U): it was called from code that "
                                "cannot await, so the event loop was blocked meanwhile",
                                what, secs, where)
                          : NULL;
    Py_XDECREF(what);
    Py_XDECREF(where);
    Py_XDECREF(secs);
    PyObject *r = text ? PyObject_CallMethod(st->host, "warn", "O", text) : NULL;
    Py_XDECREF(text);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

static PyObject *
drive_and_report(pyrun_state *st, PyObject *aw, PyObject *what, const char *why)
{
    double waited_before = st->sync_waited;
    /* named only if a message needs it: most such calls never wait */
    PyObject *where = (PyObject *)PyEval_GetFrame();
    where = where ? Py_NewRef(where) : Py_NewRef(Py_None);
    int outermost = st->sync_what == NULL;
    if (outermost) {
        st->sync_what = Py_NewRef(what);
        st->sync_where = Py_NewRef(where);
        st->sync_why = why;
        st->sync_strict = pyrun_strict_async(st);
    }
    PyObject *result = drive(st, aw, what, why);
    if (outermost) {
        Py_CLEAR(st->sync_what);
        Py_CLEAR(st->sync_where);
        st->sync_strict = 0;
    }
    double waited = st->sync_waited - waited_before;
    if (waited > 0 && st->sync_depth == 0) {
        st->sync_waited = 0;
    }
    if (waited > 0) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        /* rounded as a person reads it */
        double shown = (double)(long)(waited * 100 + 0.5) / 100;
        if (warn_waited(st, what, shown, where) < 0) {
            PyErr_Clear(); /* a warning must not change what the program does */
        }
        PyErr_Restore(type, value, tb);
    }
    Py_DECREF(where);
    return result;
}

/* JSPI's run_sync hands the result over through a JS promise, which
 * turns a float with no fraction into an int (3.0 -> 3): the result goes
 * boxed in a list, which passes as itself. */
static step_result
boxed_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out);
    }
    *out = PyList_New(1);
    if (*out == NULL) {
        return STEP_ERROR;
    }
    PyList_SetItem(*out, 0, Py_NewRef(value));
    return STEP_DONE;
}

PyObject *
pyrun_wait_synchronously(pyrun_state *st, PyObject *awaitable, PyObject *what, const char *why)
{
    PyObject *run_sync = jspi_run_sync(st);
    if (run_sync != NULL) {
        pyrun_step *box = pyrun_step_new(st, boxed_next, NULL);
        if (box == NULL) {
            Py_DECREF(run_sync);
            Py_DECREF(awaitable);
            return NULL;
        }
        box->o[0] = awaitable;
        PyObject *r = PyObject_CallOneArg_compat(run_sync, (PyObject *)box);
        Py_DECREF(run_sync);
        Py_DECREF(box);
        if (r != NULL && PyList_Check(r) && PyList_Size(r) == 1) {
            Py_SETREF(r, Py_NewRef(PyList_GetItem(r, 0)));
        }
        else if (r != NULL) {
            Py_SETREF(r, NULL);
            PyErr_SetString(PyExc_SystemError, "pyrun: run_sync gave back something else than it was given");
        }
        return r;
    }
    PyObject *r = NULL;
    if (st->replay != NULL && pyrun_replay_wait(st, awaitable, &r)) {
        Py_DECREF(awaitable);
        return r;
    }
    r = drive_and_report(st, awaitable, what, why);
    Py_DECREF(awaitable);
    return r;
}

double
pyrun_monotonic(void)
{
    PyObject *time = pyrun_import("time");
    PyObject *now = time ? PyObject_CallMethod(time, "monotonic", NULL) : NULL;
    Py_XDECREF(time);
    double t = now ? PyFloat_AsDouble(now) : -1.0;
    Py_XDECREF(now);
    return t;
}
