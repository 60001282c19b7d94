/* sys.settrace and sys.setprofile as the program would see them under
 * CPython.
 *
 * Under pyrun a trace or profile function would also see what the program
 * does not have: the event loop's own frames (asyncio, Pyodide's webloop)
 * that run the program's coroutines, the calls of pyrun's helpers, and, for
 * each wait in a colored function, its frame returning to the loop and
 * being called again. pyrun's sys.settrace/setprofile install the
 * program's function behind a Tracer that keeps those events from it;
 * sys.gettrace/getprofile give the program's function back.
 *
 * - A frame of the loop's code that no frame of the program is below is
 *   not traced (a frame of asyncio called by the program is).
 * - A colored function's frame (its code is an async def the transform
 *   made, or a module body that awaits) returns at each await and is
 *   called again after it: neither event reaches the program. For
 *   settrace, such frames keep a local Tracer, which passes the program's
 *   line events on.
 * - c_call/c_return/c_exception of pyrun's helpers (`__pyrun__.call`...)
 *   do not reach a profile function. */
#include "helpers.h"

#include <string.h>

typedef struct {
    PyObject_HEAD
    PyObject *fn; /* the program's function (a frame's local one, for a local Tracer); NULL once declined */
    int profile;  /* a profile function: every event comes to it */
    int local;    /* a colored frame's local trace function */
    long waited_at; /* local: the line of the wait the frame came back from, once */
} Tracer;

static int
tracer_traverse(Tracer *t, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)t));
    Py_VISIT(t->fn);
    return 0;
}

static int
tracer_clear(Tracer *t)
{
    Py_CLEAR(t->fn);
    return 0;
}

static void
tracer_dealloc(Tracer *t)
{
    PyTypeObject *type = Py_TYPE((PyObject *)t);
    PyObject_GC_UnTrack(t);
    tracer_clear(t);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(t);
    Py_DECREF(type);
}

static Tracer *
tracer_new(pyrun_state *st, PyObject *fn, int profile, int local)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->tracer_type, Py_tp_alloc);
    Tracer *t = (Tracer *)alloc(st->tracer_type, 0);
    if (t != NULL) {
        t->fn = Py_XNewRef(fn);
        t->profile = profile;
        t->local = local;
    }
    return t;
}

/* 1 when the frame's code is a def the transform made async */
static int
frame_colored(pyrun_state *st, PyObject *frame)
{
    PyObject *code = PyObject_GetAttrString(frame, "f_code");
    int r = code ? PySet_Contains(st->colored_codes, code) : -1;
    Py_XDECREF(code);
    return r;
}

static PyObject *
frame_filename(PyObject *frame)
{
    PyObject *code = PyObject_GetAttrString(frame, "f_code");
    PyObject *name = code ? PyObject_GetAttrString(code, "co_filename") : NULL;
    Py_XDECREF(code);
    return name;
}

/* Where the loop's code is (prefixes of filenames): asyncio's directory,
 * selectors, Pyodide's own packages (its webloop), and pyrun's own Python
 * that a host runs under a "<pyrun ...>" name. */
static int
ensure_loop_dirs(pyrun_state *st)
{
    if (st->loop_dirs != NULL) {
        return 0;
    }
    static const char *const modules[] = {"asyncio", "pyodide", "_pyodide"};
    PyObject *dirs = PyList_New(0);
    PyObject *os_path = dirs ? pyrun_import("os.path") : NULL;
    int rc = os_path ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < sizeof modules / sizeof modules[0]; i++) {
        PyObject *name = PyUnicode_FromString(modules[i]);
        PyObject *m = name ? PyImport_GetModule(name) : NULL; /* only what is loaded */
        Py_XDECREF(name);
        PyObject *file = m && m != Py_None ? PyObject_GetAttrString(m, "__file__") : NULL;
        PyObject *dir = file && PyUnicode_Check(file) ? PyObject_CallMethod(os_path, "dirname", "(O)", file) : NULL;
        PyObject *prefix = dir ? PyUnicode_FromFormat("%U/", dir) : NULL;
        if (prefix != NULL && PyList_Append(dirs, prefix) < 0) {
            rc = -1;
        }
        if (i == 0) {
            /* the selector asyncio's loop waits in */
            PyObject *sname = PyUnicode_FromString("selectors");
            PyObject *sel = sname ? PyImport_GetModule(sname) : NULL;
            PyObject *sfile = sel && sel != Py_None ? PyObject_GetAttrString(sel, "__file__") : NULL;
            if (sfile != NULL && PyUnicode_Check(sfile) && PyList_Append(dirs, sfile) < 0) {
                rc = -1;
            }
            Py_XDECREF(sname);
            Py_XDECREF(sel);
            Py_XDECREF(sfile);
        }
        PyErr_Clear(); /* a module without a file is no directory */
        Py_XDECREF(m);
        Py_XDECREF(file);
        Py_XDECREF(dir);
        Py_XDECREF(prefix);
    }
    /* pyrun's own Python, run by a host (its browser loader's run isolation) */
    PyObject *own = rc == 0 ? PyUnicode_FromString("<pyrun ") : NULL;
    if (own == NULL || PyList_Append(dirs, own) < 0) {
        rc = -1;
    }
    Py_XDECREF(own);
    Py_XDECREF(os_path);
    st->loop_dirs = rc == 0 ? PyList_AsTuple(dirs) : NULL;
    Py_XDECREF(dirs);
    return st->loop_dirs == NULL ? -1 : 0;
}

static int
in_loop_code(pyrun_state *st, PyObject *filename)
{
    if (!PyUnicode_Check(filename) || PyTuple_Size(st->loop_dirs) == 0) {
        return 0;
    }
    PyObject *starts = PyObject_CallMethod(filename, "startswith", "(O)", st->loop_dirs);
    int r = starts == NULL ? -1 : starts == Py_True;
    Py_XDECREF(starts);
    return r;
}

/* A weak set dropping a finished async generator: the loop's set of them
 * (see is_asyncgen_hook). */
static int
is_asyncgens_removal(PyObject *frame)
{
    PyObject *code = PyObject_GetAttrString(frame, "f_code");
    PyObject *name = code ? PyObject_GetAttrString(code, "co_name") : NULL;
    PyObject *file = name ? PyObject_GetAttrString(code, "co_filename") : NULL;
    int r = 0;
    if (file && PyUnicode_Check(file) && PyUnicode_Check(name) &&
        PyUnicode_CompareWithASCIIString(name, "_remove") == 0) {
        PyObject *suffix = PyUnicode_FromString("/_weakrefset.py");
        r = suffix ? (int)PyUnicode_Tailmatch(file, suffix, 0, PY_SSIZE_T_MAX, 1) : -1;
        Py_XDECREF(suffix);
    }
    PyObject *locals = r > 0 ? PyObject_GetAttrString(frame, "f_locals") : NULL;
    PyObject *selfref = locals ? PyMapping_GetItemString(locals, "selfref") : NULL;
    PyObject *set = selfref ? PyObject_CallNoArgs(selfref) : NULL;
    PyObject *events = set ? pyrun_import("asyncio.events") : NULL;
    PyObject *loop = events ? PyObject_CallMethod(events, "_get_running_loop", NULL) : NULL;
    PyObject *gens = loop && loop != Py_None ? PyObject_GetAttrString(loop, "_asyncgens") : NULL;
    if (r > 0) {
        r = gens != NULL && gens == set;
    }
    Py_XDECREF(code);
    Py_XDECREF(name);
    Py_XDECREF(file);
    Py_XDECREF(locals);
    Py_XDECREF(selfref);
    Py_XDECREF(set);
    Py_XDECREF(events);
    Py_XDECREF(loop);
    Py_XDECREF(gens);
    PyErr_Clear(); /* anything missing: not that set */
    return r < 0 ? 0 : r;
}

/* pyrun's own Python, whatever calls it */
static int
is_own_code(PyObject *filename)
{
    static const char prefix[] = "<pyrun ";
    if (filename == NULL || !PyUnicode_Check(filename) || PyUnicode_GetLength(filename) < (Py_ssize_t)strlen(prefix)) {
        return 0;
    }
    for (size_t i = 0; i < strlen(prefix); i++) {
        if (PyUnicode_ReadChar(filename, (Py_ssize_t)i) != (Py_UCS4)prefix[i]) {
            return 0;
        }
    }
    return 1;
}

/* The hooks asyncio gives async generators: the program's generators
 * that block are async ones, its plain ones have none. */
static int
is_asyncgen_hook(PyObject *frame)
{
    PyObject *code = PyObject_GetAttrString(frame, "f_code");
    PyObject *name = code ? PyObject_GetAttrString(code, "co_name") : NULL;
    int r = name && PyUnicode_Check(name) &&
            (PyUnicode_CompareWithASCIIString(name, "_asyncgen_firstiter_hook") == 0 ||
             PyUnicode_CompareWithASCIIString(name, "_asyncgen_finalizer_hook") == 0);
    Py_XDECREF(code);
    Py_XDECREF(name);
    return PyErr_Occurred() ? -1 : r;
}

/* 1 when the frame is the loop's doing, which CPython does not have: no
 * frame of the program is below it and the loop's code is (the loop
 * driving the program, and what it calls), or an async generator hook is
 * between it and the program. A frame of the program, or of a library the
 * program called, is traced. */
static int
frame_is_loop(pyrun_state *st, PyObject *frame)
{
    if (ensure_loop_dirs(st) < 0) {
        return -1;
    }
    int loop = 0, hook = 0, r = -2;
    PyObject *f = Py_NewRef(frame);
    while (r == -2 && f != Py_None) {
        PyObject *file = frame_filename(f);
        int program = file ? PySet_Contains(st->program_files, file) : -1;
        int in_loop = program == 0 ? in_loop_code(st, file) : 0;
        int is_hook = in_loop > 0 ? (is_own_code(file) ? 1 : is_asyncgen_hook(f))
                                  : program == 0 ? is_asyncgens_removal(f) : 0;
        Py_XDECREF(file);
        if (program < 0 || in_loop < 0 || is_hook < 0) {
            r = -1;
        }
        else if (program) {
            r = hook;
        }
        else {
            loop |= in_loop;
            hook |= is_hook;
            Py_SETREF(f, PyObject_GetAttrString(f, "f_back"));
            if (f == NULL) {
                r = -1;
                break;
            }
        }
    }
    Py_XDECREF(f);
    return r == -2 ? loop : r;
}

/* Whether a colored frame's event is a wait, not a call or return the
 * program has: at the RESUME that follows an await (a return event stops
 * at the YIELD_VALUE before it, a call event starts at it). RESUME's
 * argument says what it follows: 0 the start, 1 a yield (a colored
 * generator's own), 2 or 3 a yield from or an await. */
static int
at_wait(pyrun_state *st, PyObject *frame, int returning)
{
    PyObject *lasti = PyObject_GetAttrString(frame, "f_lasti");
    PyObject *code = lasti ? PyObject_GetAttrString(frame, "f_code") : NULL;
    PyObject *bytes = code ? PyObject_GetAttrString(code, "co_code") : NULL;
    long at = bytes ? PyLong_AsLong(lasti) : -1;
    int r = 0;
    if (at >= 0 && PyBytes_Check(bytes) && at + 3 < PyBytes_Size(bytes)) {
        const unsigned char *co = (const unsigned char *)PyBytes_AsString(bytes);
        if (returning && co[at] == st->yield_value_op) {
            at += 2;
        }
        r = co[at] == st->resume_op && (co[at + 1] & 3) >= 2;
    }
    Py_XDECREF(lasti);
    Py_XDECREF(code);
    Py_XDECREF(bytes);
    return PyErr_Occurred() ? -1 : r;
}

/* Whether an exception event in a colored frame is the transform's: the
 * StopIteration that ends what an await waited for (seen at its SEND, as
 * a traced interpreter iterates the awaitable), or the StopAsyncIteration
 * that ends an `async for`. */
static int
awaited_end(pyrun_state *st, PyObject *frame, PyObject *arg)
{
    if (!PyTuple_Check(arg) || PyTuple_Size(arg) < 1) {
        return 0;
    }
    if (PyTuple_GetItem(arg, 0) == PyExc_StopAsyncIteration) {
        return 1; /* the end of an `async for` the transform wrote */
    }
    if (PyTuple_GetItem(arg, 0) != PyExc_StopIteration) {
        return 0;
    }
    PyObject *lasti = PyObject_GetAttrString(frame, "f_lasti");
    PyObject *code = lasti ? PyObject_GetAttrString(frame, "f_code") : NULL;
    PyObject *bytes = code ? PyObject_GetAttrString(code, "co_code") : NULL;
    long at = bytes ? PyLong_AsLong(lasti) : -1;
    int r = at >= 0 && PyBytes_Check(bytes) && at < PyBytes_Size(bytes) &&
            (((const unsigned char *)PyBytes_AsString(bytes))[at] == st->send_op ||
             ((const unsigned char *)PyBytes_AsString(bytes))[at] == st->end_send_op);
    Py_XDECREF(lasti);
    Py_XDECREF(code);
    Py_XDECREF(bytes);
    return PyErr_Occurred() ? -1 : r;
}

static int
is_helper(PyObject *callable)
{
    if (!PyCFunction_Check(callable)) {
        return 0;
    }
    PyObject *module = PyObject_GetAttrString(callable, "__module__");
    int r = module && PyUnicode_Check(module) && PyUnicode_CompareWithASCIIString(module, PYRUN_HELPERS_BUILTIN) == 0;
    Py_XDECREF(module);
    PyErr_Clear();
    return r;
}

static PyObject *
call_program(Tracer *t, PyObject *frame, PyObject *event, PyObject *arg)
{
    return PyObject_CallFunctionObjArgs(t->fn, frame, event, arg, NULL);
}

/* The primitive a helper stands for, whose C call CPython would profile
 * (time.sleep for __pyrun__.sleep, input for __pyrun__.input); NULL for
 * the other helpers, which the program does not call. Borrowed. */
static PyObject *
helper_primitive(pyrun_state *st, PyObject *helper)
{
    PyObject *name = PyObject_GetAttrString(helper, "__name__");
    PyObject *r = NULL;
    if (name != NULL && PyUnicode_Check(name)) {
        if (PyUnicode_CompareWithASCIIString(name, "sleep") == 0) {
            r = st->time_sleep;
        }
        else if (PyUnicode_CompareWithASCIIString(name, "input") == 0) {
            r = st->original_input;
        }
    }
    Py_XDECREF(name);
    PyErr_Clear();
    return r;
}

/* A profile function's events. */
static PyObject *
profile_event(pyrun_state *st, Tracer *t, PyObject *frame, const char *event, PyObject *ev, PyObject *arg)
{
    int skip = frame_is_loop(st, frame);
    if (skip == 0 && strncmp(event, "c_", 2) == 0) {
        if (is_helper(arg)) {
            arg = helper_primitive(st, arg);
            skip = arg == NULL;
        }
    }
    else if (skip == 0) {
        int colored = frame_colored(st, frame);
        skip = colored > 0 ? at_wait(st, frame, strcmp(event, "return") == 0) : colored;
    }
    if (skip < 0) {
        return NULL;
    }
    if (skip) {
        Py_RETURN_NONE;
    }
    PyObject *r = call_program(t, frame, ev, arg);
    Py_XDECREF(r);
    if (r == NULL) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* A trace function's call event (the global one). */
static PyObject *
trace_call(pyrun_state *st, Tracer *t, PyObject *frame, PyObject *ev, PyObject *arg)
{
    int loop = frame_is_loop(st, frame);
    int colored = loop == 0 ? frame_colored(st, frame) : 0;
    if (loop < 0 || colored < 0) {
        return NULL;
    }
    if (loop) {
        Py_RETURN_NONE;
    }
    int resumed = colored ? at_wait(st, frame, 0) : 0;
    if (resumed < 0) {
        return NULL;
    }
    if (resumed) {
        /* after a wait: still the call it was, with its local function */
        return PyObject_GetAttrString(frame, "f_trace");
    }
    PyObject *r = call_program(t, frame, ev, arg);
    if (r == NULL || !colored) {
        return r;
    }
    /* a colored frame keeps a Tracer, to see its waits */
    Tracer *l = tracer_new(st, r == Py_None ? NULL : r, 0, 1);
    Py_DECREF(r);
    return (PyObject *)l;
}

/* A colored frame's local events. */
static PyObject *
trace_local(pyrun_state *st, Tracer *t, PyObject *frame, const char *event, PyObject *ev, PyObject *arg)
{
    PyObject *lineno = PyObject_GetAttrString(frame, "f_lineno");
    long line = lineno && lineno != Py_None ? PyLong_AsLong(lineno) : -1;
    Py_XDECREF(lineno);
    if (PyErr_Occurred()) {
        return NULL;
    }
    long waited_at = t->waited_at;
    t->waited_at = 0;
    if (strcmp(event, "return") == 0) {
        int wait = at_wait(st, frame, 1);
        if (wait < 0) {
            return NULL;
        }
        if (wait) {
            /* coming back, the interpreter says this line again */
            t->waited_at = line;
            return Py_NewRef((PyObject *)t);
        }
    }
    if (strcmp(event, "line") == 0 && line == waited_at) {
        return Py_NewRef((PyObject *)t);
    }
    if (strcmp(event, "exception") == 0) {
        int end = awaited_end(st, frame, arg);
        if (end < 0) {
            return NULL;
        }
        if (end) {
            return Py_NewRef((PyObject *)t);
        }
    }
    if (t->fn != NULL) {
        PyObject *r = call_program(t, frame, ev, arg);
        if (r == NULL) {
            Py_CLEAR(t->fn); /* as CPython drops a trace function that raised */
            return NULL;
        }
        if (r == Py_None) {
            Py_CLEAR(t->fn); /* declined: no more events for this frame */
        }
        else if (r != t->fn) {
            Py_SETREF(t->fn, Py_NewRef(r));
        }
        Py_DECREF(r);
    }
    return Py_NewRef((PyObject *)t);
}

static PyObject *
tracer_call(Tracer *t, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)t));
    PyObject *frame, *ev, *arg;
    if (st == NULL || !PyArg_UnpackTuple(args, "tracer", 3, 3, &frame, &ev, &arg)) {
        return NULL;
    }
    const char *event = PyUnicode_Check(ev) ? PyUnicode_AsUTF8AndSize(ev, NULL) : NULL;
    if (event == NULL) {
        return PyErr_Occurred() ? NULL : call_program(t, frame, ev, arg);
    }
    if (t->profile) {
        return profile_event(st, t, frame, event, ev, arg);
    }
    if (t->local) {
        return trace_local(st, t, frame, event, ev, arg);
    }
    if (strcmp(event, "call") == 0) {
        return trace_call(st, t, frame, ev, arg);
    }
    return t->fn ? call_program(t, frame, ev, arg) : Py_NewRef(Py_None);
}

static PyType_Slot tracer_slots[] = {
    {Py_tp_dealloc, tracer_dealloc},
    {Py_tp_traverse, tracer_traverse},
    {Py_tp_clear, tracer_clear},
    {Py_tp_call, tracer_call},
    {0, NULL},
};

static PyType_Spec tracer_spec = {
    .name = "pyrun.Tracer",
    .basicsize = sizeof(Tracer),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = tracer_slots,
};

/* ---- which frames are colored ------------------------------------------ */

int
pyrun_trace_mark_colored(pyrun_state *st, PyObject *code)
{
    PyObject *flags = PyObject_GetAttrString(code, "co_flags");
    long v = flags ? PyLong_AsLong(flags) : -1;
    Py_XDECREF(flags);
    if (v == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (!(v & (CO_COROUTINE_FLAG | CO_ASYNC_GENERATOR_FLAG))) {
        return 0;
    }
    int known = PySet_Contains(st->colored_codes, code);
    if (known != 0) {
        return known < 0 ? -1 : 0;
    }
    if (PySet_Add(st->colored_codes, code) < 0) {
        return -1;
    }
    /* the comprehensions the transform made async inside it wait too */
    PyObject *consts = PyObject_GetAttrString(code, "co_consts");
    int rc = consts ? 0 : -1;
    for (Py_ssize_t i = 0; rc == 0 && i < PyTuple_Size(consts); i++) {
        PyObject *c = PyTuple_GetItem(consts, i);
        PyObject *name = PyObject_HasAttrString(c, "co_consts") ? PyObject_GetAttrString(c, "co_name") : NULL;
        if (name != NULL && PyUnicode_Check(name) && PyUnicode_GetLength(name) > 1 &&
            PyUnicode_ReadChar(name, 0) == '<' && PyUnicode_CompareWithASCIIString(name, "<lambda>") != 0) {
            rc = pyrun_trace_mark_colored(st, c);
        }
        Py_XDECREF(name);
    }
    Py_XDECREF(consts);
    return rc;
}

/* ---- pyrun's sys.settrace, setprofile, gettrace, getprofile ------------ */

static PyObject *
set_hook(PyObject *module, PyObject *fn, int profile)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    PyObject *set = profile ? st->sys_setprofile : st->sys_settrace;
    if (fn == Py_None) {
        return PyObject_CallOneArg_compat(set, fn);
    }
    Tracer *t = tracer_new(st, fn, profile, 0);
    PyObject *r = t ? PyObject_CallOneArg_compat(set, (PyObject *)t) : NULL;
    Py_XDECREF((PyObject *)t);
    return r;
}

static PyObject *
get_hook(PyObject *module, int profile)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *r = st ? PyObject_CallNoArgs(profile ? st->sys_getprofile : st->sys_gettrace) : NULL;
    if (r != NULL && Py_TYPE(r) == st->tracer_type) {
        Py_SETREF(r, Py_NewRef(((Tracer *)r)->fn ? ((Tracer *)r)->fn : Py_None));
    }
    return r;
}

static PyObject *
settrace(PyObject *module, PyObject *fn)
{
    return set_hook(module, fn, 0);
}

static PyObject *
setprofile(PyObject *module, PyObject *fn)
{
    return set_hook(module, fn, 1);
}

static PyObject *
gettrace(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return get_hook(module, 0);
}

static PyObject *
getprofile(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return get_hook(module, 1);
}

static PyMethodDef hook_defs[] = {
    {"settrace", settrace, METH_O, NULL},
    {"setprofile", setprofile, METH_O, NULL},
    {"gettrace", gettrace, METH_NOARGS, NULL},
    {"getprofile", getprofile, METH_NOARGS, NULL},
};

int
pyrun_trace_filter_register(PyObject *module, pyrun_state *st)
{
    st->tracer_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &tracer_spec, NULL);
    st->program_files = st->tracer_type ? PySet_New(NULL) : NULL;
    st->colored_codes = st->program_files ? PySet_New(NULL) : NULL;
    PyObject *dis = st->colored_codes ? pyrun_import("dis") : NULL;
    PyObject *opmap = dis ? PyObject_GetAttrString(dis, "opmap") : NULL;
    PyObject *yield = opmap ? PyMapping_GetItemString(opmap, "YIELD_VALUE") : NULL;
    PyObject *resume = yield ? PyMapping_GetItemString(opmap, "RESUME") : NULL;
    PyObject *send = resume ? PyMapping_GetItemString(opmap, "SEND") : NULL;
    st->yield_value_op = send ? (int)PyLong_AsLong(yield) : -1;
    st->resume_op = send ? (int)PyLong_AsLong(resume) : -1;
    st->send_op = send ? (int)PyLong_AsLong(send) : -1;
    /* 3.12 on: where the traced interpreter sees that StopIteration */
    PyObject *end_send = send ? PyMapping_GetItemString(opmap, "END_SEND") : NULL;
    st->end_send_op = end_send ? (int)PyLong_AsLong(end_send) : -1;
    Py_XDECREF(end_send);
    PyErr_Clear();
    Py_XDECREF(dis);
    Py_XDECREF(opmap);
    Py_XDECREF(yield);
    Py_XDECREF(resume);
    Py_XDECREF(send);
    return st->yield_value_op < 0 || st->resume_op < 0 || st->send_op < 0 ? -1 : 0;
}

/* Puts pyrun's hooks in sys (once), keeping CPython's. */
int
pyrun_trace_filter_install(PyObject *module, pyrun_state *st)
{
    if (st->sys_settrace != NULL) {
        return 0;
    }
    static const char *const names[] = {"settrace", "setprofile", "gettrace", "getprofile"};
    PyObject **kept[] = {&st->sys_settrace, &st->sys_setprofile, &st->sys_gettrace, &st->sys_getprofile};
    PyObject *sys = pyrun_import("sys");
    PyObject *modname = sys ? PyUnicode_FromString("sys") : NULL;
    int rc = modname ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < 4; i++) {
        *kept[i] = PyObject_GetAttrString(sys, names[i]);
        PyObject *ours = *kept[i] ? PyCFunction_NewEx(&hook_defs[i], module, modname) : NULL;
        rc = ours && PyObject_SetAttrString(sys, names[i], ours) == 0 ? 0 : -1;
        Py_XDECREF(ours);
    }
    Py_XDECREF(modname);
    Py_XDECREF(sys);
    return rc;
}
