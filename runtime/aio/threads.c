/* Threads as tasks: threading, queue and concurrent.futures on the one
 * event loop.
 *
 * Pyodide cannot start a thread. pyrun runs each one as a Task instead, and
 * the transform turns the calls where a thread would wait (join, acquire,
 * wait, get, put, result...) into awaits of __pyrun__.coop(obj, "name",
 * ...), and the calls that let another go on (start, release, set, notify,
 * put_nowait, task_done, submit...) into __pyrun__.coop_sync(obj, "name",
 * ...). The objects stay the stdlib's own: their state is kept by their
 * non-blocking operations (acquire(False), get_nowait()...), and pyrun
 * keeps only who waits for what (st->coop_waiters: a FIFO list of futures
 * per object), so a release wakes the first waiter and a set() all of
 * them. A waiter woken tries again, as a thread woken by the OS would.
 *
 * Threads switch only where they wait; one that never waits runs to its
 * end when it first runs. RLock ownership is by Task (every Task is on the
 * one OS thread the stdlib's RLock sees). Barrier.wait is in barrier.c,
 * threading.local in local.c, HTTPConnection's request/getresponse in
 * http.c. Anything pyrun does not know is called as it is. */
#include "coop.h"

#include <math.h>
#include <string.h>

enum {
    T_TIMER, /* before T_THREAD: a Timer is a Thread */
    T_THREAD,
    T_LOCK,
    T_RLOCK,
    T_PYRLOCK,
    T_CONDITION,
    T_SEMAPHORE,
    T_EVENT,
    T_QUEUE,
    T_SIMPLEQUEUE,
    T_FUTURE,
    T_EXECUTOR,
    T_BARRIER,
    T_HTTP_CONNECTION,
    T_COUNT
};

static const struct {
    const char *module;
    const char *name;
    int instance_of; /* 1: the class; 0: type(module.name()) */
} known_types[T_COUNT] = {
    [T_TIMER] = {"threading", "Timer", 1},
    [T_THREAD] = {"threading", "Thread", 1},
    [T_LOCK] = {"threading", "Lock", 0},
    [T_RLOCK] = {"threading", "RLock", 0},
    [T_PYRLOCK] = {"threading", "_PyRLock", 1},
    [T_CONDITION] = {"threading", "Condition", 1},
    [T_SEMAPHORE] = {"threading", "Semaphore", 1},
    [T_EVENT] = {"threading", "Event", 1},
    [T_QUEUE] = {"queue", "Queue", 1},
    [T_SIMPLEQUEUE] = {"queue", "SimpleQueue", 1},
    [T_FUTURE] = {"concurrent.futures", "Future", 1},
    [T_EXECUTOR] = {"concurrent.futures", "ThreadPoolExecutor", 1},
    [T_BARRIER] = {"threading", "Barrier", 1},
    [T_HTTP_CONNECTION] = {"http.client", "HTTPConnection", 1},
};

/* The class of each kind, found once its module has been imported (a
 * program that never imported queue holds no Queue). Borrowed, or NULL. */
static PyObject *
known_type(pyrun_state *st, int kind)
{
    PyObject *have = PyList_GetItem(st->coop_types, kind);
    if (have == NULL) {
        return NULL;
    }
    if (have != Py_None) {
        return have;
    }
    PyObject *modules = PySys_GetObject("modules"); /* borrowed */
    PyObject *module = modules ? PyDict_GetItemString(modules, known_types[kind].module) : NULL;
    if (module == NULL) {
        return NULL;
    }
    PyObject *found = PyObject_GetAttrString(module, known_types[kind].name);
    if (found != NULL && !known_types[kind].instance_of) {
        PyObject *one = PyObject_CallNoArgs(found);
        Py_SETREF(found, one ? (PyObject *)Py_TYPE(one) : NULL);
        Py_XINCREF(found);
        Py_XDECREF(one);
    }
    if (found == NULL || !PyType_Check(found)) {
        PyErr_Clear();
        Py_XDECREF(found);
        return NULL;
    }
    PyList_SetItem(st->coop_types, kind, found);
    return found;
}

/* Which kind obj is, or -1. Types found are remembered, as every put and
 * get asks. */
static int
kind_of(pyrun_state *st, PyObject *obj)
{
    PyObject *hit = PyDict_GetItemWithError(st->coop_kinds, (PyObject *)Py_TYPE(obj));
    if (hit != NULL) {
        return (int)PyLong_AsLong(hit);
    }
    PyErr_Clear();
    for (int k = 0; k < T_COUNT; k++) {
        PyObject *type = known_type(st, k);
        if (type == NULL) {
            continue;
        }
        int is = known_types[k].instance_of ? PyObject_IsInstance(obj, type) : (PyObject *)Py_TYPE(obj) == type;
        if (is < 0) {
            PyErr_Clear();
        }
        else if (is) {
            PyObject *kind = PyLong_FromLong(k);
            if (kind == NULL || PyDict_SetItem(st->coop_kinds, (PyObject *)Py_TYPE(obj), kind) < 0) {
                PyErr_Clear();
            }
            Py_XDECREF(kind);
            return k;
        }
    }
    return -1;
}

/* ---- who waits for what --------------------------------------------------- */

static PyObject *
current_task(void)
{
    PyObject *asyncio = pyrun_import("asyncio");
    PyObject *task = asyncio ? PyObject_CallMethod(asyncio, "current_task", NULL) : NULL;
    Py_XDECREF(asyncio);
    if (task == NULL) {
        PyErr_Clear(); /* no running loop: the main program, outside any */
        task = Py_NewRef(Py_None);
    }
    return task;
}

/* Wakes up to n (all when n < 0) of the futures waiting on key, first come
 * first woken. */
int
pyrun_coop_wake(pyrun_state *st, PyObject *key, Py_ssize_t n)
{
    PyObject *list = PyDict_GetItemWithError(st->coop_waiters, key); /* borrowed */
    if (list == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    Py_INCREF(list);
    int rc = 0;
    while (rc == 0 && n != 0 && PyList_Size(list) > 0) {
        PyObject *fut = Py_NewRef(PyList_GetItem(list, 0));
        rc = PyList_SetSlice(list, 0, 1, NULL);
        PyObject *done = rc == 0 ? PyObject_CallMethod(fut, "done", NULL) : NULL;
        if (done == Py_False) {
            PyObject *r = PyObject_CallMethod(fut, "set_result", "O", Py_True);
            rc = r ? 0 : -1;
            Py_XDECREF(r);
            n--;
        }
        else if (done == NULL) {
            rc = -1;
        }
        Py_XDECREF(done);
        Py_DECREF(fut);
    }
    if (rc == 0 && PyList_Size(list) == 0) {
        rc = PyDict_DelItem(st->coop_waiters, key);
    }
    Py_DECREF(list);
    return rc;
}

static step_result
signal_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out);
    }
    *out = Py_NewRef(Py_True);
    return STEP_DONE;
}

/* Timed out: False, and the future leaves the list. */
static step_result
signal_error(pyrun_step *s, PyObject **out)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    PyObject *list = st ? PyDict_GetItemWithError(st->coop_waiters, s->o[2]) : NULL;
    Py_ssize_t i = list ? PySequence_Index(list, s->o[1]) : -1;
    if (i >= 0) {
        PySequence_DelItem(list, i);
    }
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    if (!PyErr_ExceptionMatches(PyExc_TimeoutError)) {
        return STEP_ERROR;
    }
    PyErr_Clear();
    *out = Py_NewRef(Py_False);
    return STEP_DONE;
}

/* Awaitable of True once woken on key, or False after timeout seconds
 * (timeout < 0: none). */
PyObject *
pyrun_coop_signal(pyrun_state *st, PyObject *key, double timeout)
{
    PyObject *loop = PyObject_CallNoArgs(st->get_running_loop);
    PyObject *fut = loop ? PyObject_CallMethod(loop, "create_future", NULL) : NULL;
    Py_XDECREF(loop);
    if (fut == NULL) {
        return NULL;
    }
    PyObject *list = PyDict_GetItemWithError(st->coop_waiters, key);
    if (list == NULL && !PyErr_Occurred()) {
        list = PyList_New(0);
        if (list != NULL && PyDict_SetItem(st->coop_waiters, key, list) < 0) {
            Py_CLEAR(list);
        }
        Py_XDECREF(list); /* the dict holds it */
    }
    PyObject *aw = NULL;
    if (list != NULL && PyList_Append(list, fut) == 0) {
        if (timeout < 0) {
            aw = Py_NewRef(fut);
        }
        else {
            PyObject *asyncio = pyrun_import("asyncio");
            aw = asyncio ? PyObject_CallMethod(asyncio, "wait_for", "Od", fut, timeout) : NULL;
            Py_XDECREF(asyncio);
        }
    }
    pyrun_step *s = aw ? pyrun_step_new(st, signal_next, signal_error) : NULL;
    if (s != NULL) {
        s->o[0] = aw;
        s->o[1] = fut;
        s->o[2] = Py_NewRef(key);
        return (PyObject *)s;
    }
    Py_XDECREF(aw);
    Py_DECREF(fut);
    return NULL;
}

/* ---- waiting until an operation can be done -------------------------------- */

typedef enum { OP_LOCK, OP_RLOCK, OP_SEMAPHORE, OP_EVENT, OP_GET, OP_PUT, OP_QUEUE_JOIN, OP_JOIN, OP_RESULT,
               OP_EXCEPTION, OP_DONE, OP_SHUTDOWN } op_kind;

/* Slots of a wait: the object, the key its waiters wait on, a put's item,
 * the deadline, and a queue's other side (woken after a get or a put) */
enum { W_OBJ, W_KEY, W_ITEM, W_DEADLINE, W_OTHER };

static PyObject *
queue_exception(const char *name)
{
    PyObject *queue = pyrun_import("queue");
    PyObject *exc = queue ? PyObject_GetAttrString(queue, name) : NULL;
    Py_XDECREF(queue);
    return exc;
}

/* Calls obj.name(*args) and tells whether it raised queue.<exc>: 1 done
 * (*result set), 0 it did, -1 another error. */
static int
try_nowait(PyObject *obj, const char *name, PyObject *arg, const char *exc, PyObject **result)
{
    *result = arg ? PyObject_CallMethod(obj, name, "(O)", arg) : PyObject_CallMethod(obj, name, NULL);
    if (*result != NULL) {
        return 1;
    }
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyObject *type = queue_exception(exc);
    int matches = type ? PyErr_GivenExceptionMatches(t, type) : 0;
    Py_XDECREF(type);
    if (matches) {
        Py_XDECREF(t);
        Py_XDECREF(v);
        Py_XDECREF(tb);
        return 0;
    }
    PyErr_Clear();
    PyErr_Restore(t, v, tb);
    return -1;
}

static PyObject *
rlock_owner(pyrun_state *st, PyObject *lock)
{
    return PyDict_GetItemWithError(st->coop_owners, lock); /* borrowed [task, count], or NULL */
}

static int
truth_of_call(PyObject *obj, const char *method)
{
    PyObject *r = PyObject_CallMethod(obj, method, NULL);
    int t = r ? PyObject_IsTrue(r) : -1;
    Py_XDECREF(r);
    return t;
}

static PyObject *thread_task(pyrun_state *st, PyObject *thread);
static int executor_idle(pyrun_state *st, PyObject *executor);

/* One try at the operation: 1 done (*result set), 0 to wait, -1 error. */
static int
attempt(pyrun_state *st, pyrun_step *s, PyObject **result)
{
    PyObject *obj = s->o[W_OBJ];
    switch ((op_kind)s->i) {
    case OP_LOCK:
    case OP_SEMAPHORE: {
        PyObject *r = PyObject_CallMethod(obj, "acquire", "O", Py_False);
        int got = r ? PyObject_IsTrue(r) : -1;
        Py_XDECREF(r);
        if (got > 0) {
            *result = Py_NewRef(Py_True);
        }
        return got;
    }
    case OP_RLOCK: {
        PyObject *task = current_task();
        PyObject *owner = task ? rlock_owner(st, obj) : NULL;
        if (task == NULL || (owner == NULL && PyErr_Occurred())) {
            Py_XDECREF(task);
            return -1;
        }
        if (owner != NULL && PyList_GetItem(owner, 0) != task) {
            Py_DECREF(task);
            return 0;
        }
        /* the stdlib's RLock is re-entered by the one OS thread it sees */
        PyObject *r = PyObject_CallMethod(obj, "acquire", "O", Py_False);
        int rc = -1;
        if (r != NULL && owner != NULL) {
            PyObject *n = PyLong_FromLong(PyLong_AsLong(PyList_GetItem(owner, 1)) + 1);
            rc = n ? PyList_SetItem(owner, 1, n) : -1;
        }
        else if (r != NULL) {
            PyObject *one = PyLong_FromLong(1);
            PyObject *entry = one ? PyList_New(2) : NULL;
            if (entry != NULL) {
                PyList_SetItem(entry, 0, Py_NewRef(task));
                PyList_SetItem(entry, 1, Py_NewRef(one));
                rc = PyDict_SetItem(st->coop_owners, obj, entry);
                Py_DECREF(entry);
            }
            Py_XDECREF(one);
        }
        Py_XDECREF(r);
        Py_DECREF(task);
        if (rc == 0) {
            *result = Py_NewRef(Py_True);
        }
        return rc < 0 ? -1 : 1;
    }
    case OP_EVENT: {
        int set = truth_of_call(obj, "is_set");
        if (set > 0) {
            *result = Py_NewRef(Py_True);
        }
        return set;
    }
    case OP_GET: {
        int r = try_nowait(obj, "get_nowait", NULL, "Empty", result);
        if (r > 0 && pyrun_coop_wake(st, s->o[W_OTHER], 1) < 0) {
            Py_CLEAR(*result);
            return -1;
        }
        return r;
    }
    case OP_PUT: {
        int r = try_nowait(obj, "put_nowait", s->o[W_ITEM], "Full", result);
        if (r > 0 && pyrun_coop_wake(st, s->o[W_OTHER], 1) < 0) {
            Py_CLEAR(*result);
            return -1;
        }
        return r;
    }
    case OP_QUEUE_JOIN: {
        PyObject *n = PyObject_GetAttrString(obj, "unfinished_tasks");
        int busy = n ? PyObject_IsTrue(n) : -1;
        Py_XDECREF(n);
        if (busy == 0) {
            *result = Py_NewRef(Py_None);
        }
        return busy < 0 ? -1 : !busy;
    }
    case OP_JOIN: {
        PyObject *task = thread_task(st, obj);
        int done = task ? truth_of_call(task, "done") : -1;
        Py_XDECREF(task);
        if (done > 0) {
            *result = Py_NewRef(Py_None);
        }
        return done;
    }
    case OP_DONE: {
        int done = truth_of_call(obj, "done");
        if (done > 0) {
            *result = Py_NewRef(Py_None);
        }
        return done;
    }
    case OP_RESULT:
    case OP_EXCEPTION: {
        int done = truth_of_call(obj, "done");
        if (done > 0) {
            *result = PyObject_CallMethod(obj, s->i == OP_RESULT ? "result" : "exception", NULL);
            return *result ? 1 : -1;
        }
        return done;
    }
    case OP_SHUTDOWN: {
        int idle = executor_idle(st, obj);
        if (idle > 0) {
            *result = Py_NewRef(Py_None);
        }
        return idle;
    }
    }
    return -1;
}

/* What a wait that timed out gives: False, None, or an exception. */
static step_result
timed_out(pyrun_step *s, PyObject **out)
{
    switch ((op_kind)s->i) {
    case OP_GET:
    case OP_PUT: {
        PyObject *type = queue_exception(s->i == OP_GET ? "Empty" : "Full");
        if (type != NULL) {
            PyErr_SetNone(type);
            Py_DECREF(type);
        }
        return STEP_ERROR;
    }
    case OP_RESULT:
    case OP_EXCEPTION:
        PyErr_SetNone(PyExc_TimeoutError);
        return STEP_ERROR;
    case OP_JOIN:
    case OP_QUEUE_JOIN:
    case OP_SHUTDOWN:
        *out = Py_NewRef(Py_None);
        return STEP_DONE;
    default:
        *out = Py_NewRef(Py_False);
        return STEP_DONE;
    }
}

static step_result
wait_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    PyObject *result = NULL;
    int r = attempt(st, s, &result);
    if (r < 0) {
        return STEP_ERROR;
    }
    if (r > 0) {
        *out = result;
        return STEP_DONE;
    }
    double left = -1.0;
    if (s->o[W_DEADLINE] != NULL) {
        double now = pyrun_monotonic();
        if (now < 0) {
            return STEP_ERROR;
        }
        left = PyFloat_AsDouble(s->o[W_DEADLINE]) - now;
        if (left <= 0) {
            return timed_out(s, out);
        }
    }
    if (value == Py_False) {
        return timed_out(s, out);
    }
    *out = pyrun_coop_signal(st, s->o[W_KEY], left);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

/* The timeout argument as a deadline: NULL for none (None, or -1 where
 * -1 means none), the deadline now for a call that must not block. */
int
pyrun_coop_deadline(PyObject *timeout, int blocking, int minus_one_is_none, PyObject **deadline)
{
    *deadline = NULL;
    double secs = -1.0;
    if (timeout != NULL && timeout != Py_None) {
        secs = PyFloat_AsDouble(timeout);
        if (secs == -1.0 && PyErr_Occurred()) {
            return -1;
        }
        if (secs < 0 && !(minus_one_is_none && secs == -1.0)) {
            PyErr_SetString(PyExc_ValueError, "timeout value must be a non-negative number");
            return -1;
        }
    }
    if (!blocking) {
        secs = 0.0;
    }
    if (secs < 0) {
        return 0;
    }
    double now = pyrun_monotonic();
    if (now < 0) {
        return -1;
    }
    *deadline = PyFloat_FromDouble(now + secs);
    return *deadline ? 0 : -1;
}

/* A wait for op on obj, woken through key; item for a put; a deadline
 * (stolen) or NULL. */
static PyObject *
coop_wait(pyrun_state *st, op_kind op, PyObject *obj, PyObject *key, PyObject *other_key, PyObject *item,
          PyObject *deadline)
{
    pyrun_step *s = pyrun_step_new(st, wait_next, NULL);
    if (s == NULL) {
        Py_XDECREF(deadline);
        return NULL;
    }
    s->i = op;
    s->o[W_OBJ] = Py_NewRef(obj);
    s->o[W_KEY] = Py_NewRef(key);
    s->o[W_ITEM] = Py_XNewRef(item);
    s->o[W_DEADLINE] = deadline;
    s->o[W_OTHER] = Py_XNewRef(other_key);
    return (PyObject *)s;
}

static PyObject *
queue_key(PyObject *q, const char *side)
{
    return Py_BuildValue("(Os)", q, side);
}

/* ---- threads ----------------------------------------------------------- */

/* The Task of a started thread, a new reference; RuntimeError as join()
 * raises it when the thread was never started. */
static PyObject *
thread_task(pyrun_state *st, PyObject *thread)
{
    PyObject *task = PyDict_GetItemWithError(st->coop_threads, thread);
    if (task == NULL && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_RuntimeError, "cannot join thread before it is started");
    }
    return Py_XNewRef(task);
}

static PyObject *
thread_of_task(pyrun_state *st, PyObject *task)
{
    return task == Py_None ? NULL : PyDict_GetItemWithError(st->coop_running, task); /* borrowed */
}

PyObject *
pyrun_coop_current_thread(pyrun_state *st)
{
    if (PyDict_Size(st->coop_running) == 0) {
        return NULL; /* no thread is running: none to look for */
    }
    PyObject *task = current_task();
    PyObject *thread = thread_of_task(st, task);
    Py_DECREF(task);
    return Py_XNewRef(thread);
}

/* What start() waits on, as threading's start() waits for the thread to
 * have started: the new thread runs until it first waits, then the one
 * that started it goes on. */
static PyObject *
started_key(PyObject *thread)
{
    return Py_BuildValue("(Os)", thread, "started");
}

/* Slots of a thread's run */
enum { R_THREAD, R_BODY };

/* A thread's exception, reported as CPython's threading reports it. */
static int
report_exception(PyObject *thread)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL) {
        PyException_SetTraceback(value, tb);
    }
    PyObject *threading = pyrun_import("threading");
    PyObject *hook = threading ? PyObject_GetAttrString(threading, "excepthook") : NULL;
    PyObject *args_type = hook ? PyObject_GetAttrString(threading, "ExceptHookArgs") : NULL;
    PyObject *fields = args_type ? Py_BuildValue("((OOOO))", type, value ? value : Py_None, tb ? tb : Py_None,
                                                 thread)
                                 : NULL;
    PyObject *args = fields ? PyObject_CallObject(args_type, fields) : NULL;
    PyObject *r = args ? PyObject_CallOneArg_compat(hook, args) : NULL;
    Py_XDECREF(threading);
    Py_XDECREF(hook);
    Py_XDECREF(args_type);
    Py_XDECREF(fields);
    Py_XDECREF(args);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* The thread is over: whoever joins it goes on. */
static int
thread_ended(pyrun_state *st, PyObject *thread)
{
    PyObject *task = current_task();
    if (task == NULL) {
        return -1;
    }
    int rc = PyDict_DelItem(st->coop_running, task);
    Py_DECREF(task);
    if (rc < 0) {
        PyErr_Clear();
    }
    return pyrun_coop_wake(st, thread, -1);
}

/* 1 when type(thread).run is not threading.<base>.run, 0 when it is */
static int
runs_own(PyObject *thread, const char *base_name)
{
    PyObject *threading = pyrun_import("threading");
    PyObject *base = threading ? PyObject_GetAttrString(threading, base_name) : NULL;
    PyObject *base_run = base ? PyObject_GetAttrString(base, "run") : NULL;
    PyObject *own_run = base_run ? PyObject_GetAttrString((PyObject *)Py_TYPE(thread), "run") : NULL;
    int own = own_run ? own_run != base_run : -1;
    Py_XDECREF(threading);
    Py_XDECREF(base);
    Py_XDECREF(base_run);
    Py_XDECREF(own_run);
    return own;
}

/* What the thread runs: its target, as Thread.run calls it, unless run()
 * is the program's own. */
static PyObject *
thread_body(pyrun_state *st, PyObject *thread)
{
    int own = runs_own(thread, "Thread");
    PyObject *aw = NULL;
    if (own > 0) {
        PyObject *run = PyObject_GetAttrString(thread, "run");
        PyObject *none = run ? PyTuple_New(0) : NULL;
        aw = none ? pyrun_call_maybe(st, run, none, NULL) : NULL;
        Py_XDECREF(run);
        Py_XDECREF(none);
    }
    else if (own == 0) {
        PyObject *target = PyObject_GetAttrString(thread, "_target");
        PyObject *args = target ? PyObject_GetAttrString(thread, "_args") : NULL;
        PyObject *kwargs = args ? PyObject_GetAttrString(thread, "_kwargs") : NULL;
        PyObject *targs = kwargs ? PySequence_Tuple(args) : NULL;
        if (targs != NULL && target == Py_None) {
            aw = pyrun_ready(st, Py_None);
        }
        else if (targs != NULL) {
            aw = pyrun_call_maybe(st, target, targs, PyDict_Check(kwargs) ? kwargs : NULL);
        }
        /* as Thread.run, so that the thread does not keep them alive */
        static const char *const refs[] = {"_target", "_args", "_kwargs"};
        for (size_t i = 0; aw != NULL && i < sizeof refs / sizeof refs[0]; i++) {
            if (PyObject_DelAttrString(thread, refs[i]) < 0) {
                PyErr_Clear();
            }
        }
        Py_XDECREF(target);
        Py_XDECREF(args);
        Py_XDECREF(kwargs);
        Py_XDECREF(targs);
    }
    return aw;
}

static step_result thread_error(pyrun_step *s, PyObject **out);

static step_result
thread_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    PyObject *thread = s->o[R_THREAD];
    if (s->phase == 0) {
        PyObject *key = started_key(thread);
        int rc = key ? pyrun_coop_wake(st, key, -1) : -1;
        Py_XDECREF(key);
        if (rc < 0) {
            return STEP_ERROR;
        }
    }
    if (s->phase == 0 && kind_of(st, thread) == T_TIMER && runs_own(thread, "Timer") == 0) {
        /* Timer.run: wait for the interval unless cancelled, then call */
        PyObject *finished = PyObject_GetAttrString(thread, "finished");
        PyObject *interval = finished ? PyObject_GetAttrString(thread, "interval") : NULL;
        PyObject *deadline = NULL;
        if (interval == NULL || pyrun_coop_deadline(interval, 1, 0, &deadline) < 0) {
            Py_XDECREF(finished);
            Py_XDECREF(interval);
            return STEP_ERROR;
        }
        *out = coop_wait(st, OP_EVENT, finished, finished, NULL, NULL, deadline);
        Py_DECREF(finished);
        Py_DECREF(interval);
        s->phase = 1;
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    if (s->phase == 1) {
        s->phase = 3;
        if (value != Py_False) {
            goto ended; /* cancelled */
        }
        PyObject *fn = PyObject_GetAttrString(thread, "function");
        PyObject *args = fn ? PyObject_GetAttrString(thread, "args") : NULL;
        PyObject *kwargs = args ? PyObject_GetAttrString(thread, "kwargs") : NULL;
        PyObject *targs = kwargs ? PySequence_Tuple(args) : NULL;
        *out = targs ? pyrun_call_maybe(st, fn, targs, PyDict_Check(kwargs) ? kwargs : NULL) : NULL;
        Py_XDECREF(fn);
        Py_XDECREF(args);
        Py_XDECREF(kwargs);
        Py_XDECREF(targs);
        return *out ? STEP_AWAIT : thread_error(s, out);
    }
    if (s->phase == 0) {
        s->phase = 2;
        *out = thread_body(st, thread);
        return *out ? STEP_AWAIT : thread_error(s, out);
    }
    if (s->phase == 3) {
        PyObject *finished = PyObject_GetAttrString(thread, "finished");
        PyObject *r = finished ? PyObject_CallMethod(finished, "set", NULL) : NULL;
        int rc = r ? pyrun_coop_wake(st, finished, -1) : -1;
        Py_XDECREF(finished);
        Py_XDECREF(r);
        if (rc < 0) {
            return STEP_ERROR;
        }
    }
ended:
    if (thread_ended(st, thread) < 0) {
        return STEP_ERROR;
    }
    *out = Py_NewRef(Py_None);
    return STEP_DONE;
}

static step_result
thread_error(pyrun_step *s, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    PyObject *thread = s->o[R_THREAD];
    int ends_program = !PyErr_ExceptionMatches(PyExc_Exception) && !PyErr_ExceptionMatches(PyExc_SystemExit);
    if (ends_program) {
        /* cancelled (the program ends), or Ctrl-C: it goes on up */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        if (st != NULL && thread_ended(st, thread) < 0) {
            PyErr_Clear();
        }
        PyErr_Restore(type, value, tb);
        return STEP_ERROR;
    }
    if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
        PyErr_Clear(); /* as threading does: the thread ends quietly */
    }
    else if (report_exception(thread) < 0) {
        return STEP_ERROR;
    }
    if (st == NULL || thread_ended(st, thread) < 0) {
        return STEP_ERROR;
    }
    *out = Py_NewRef(Py_None);
    return STEP_DONE;
}

static PyObject *install_thread_queries(pyrun_state *st, PyObject *module);

static PyObject *
thread_start(pyrun_state *st, PyObject *module, PyObject *thread)
{
    int known = PyDict_Contains(st->coop_threads, thread);
    if (known != 0) {
        if (known > 0) {
            PyErr_SetString(PyExc_RuntimeError, "threads can only be started once");
        }
        return NULL;
    }
    PyObject *installed = install_thread_queries(st, module);
    if (installed == NULL) {
        return NULL;
    }
    Py_DECREF(installed);
    pyrun_step *s = pyrun_step_new(st, thread_next, thread_error);
    if (s == NULL) {
        return NULL;
    }
    s->o[R_THREAD] = Py_NewRef(thread);
    PyObject *task = PyObject_CallOneArg_compat(st->ensure_future, (PyObject *)s);
    Py_DECREF(s);
    if (task == NULL) {
        return NULL;
    }
    /* an ident of its own, as threading gives each thread */
    PyObject *ident = PyLong_FromVoidPtr(task);
    int rc = ident ? PyObject_SetAttrString(thread, "_ident", ident) : -1;
    Py_XDECREF(ident);
    if (rc < 0) {
        PyErr_Clear();
    }
    rc = PyDict_SetItem(st->coop_threads, thread, task) < 0 || PyDict_SetItem(st->coop_running, task, thread) < 0
             ? -1
             : 0;
    Py_DECREF(task);
    PyObject *key = rc == 0 ? started_key(thread) : NULL;
    PyObject *started = key ? pyrun_coop_signal(st, key, -1.0) : NULL;
    Py_XDECREF(key);
    return started;
}

static int
thread_alive(pyrun_state *st, PyObject *thread)
{
    PyObject *task = PyDict_GetItemWithError(st->coop_threads, thread);
    if (task == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    int done = truth_of_call(task, "done");
    return done < 0 ? -1 : !done;
}

/* threading.current_thread(), enumerate(), active_count(), as the program
 * sees them: the thread of the running Task. */
static PyObject *
query_current(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *task = st ? current_task() : NULL;
    PyObject *thread = task ? thread_of_task(st, task) : NULL;
    Py_XDECREF(task);
    if (thread != NULL || PyErr_Occurred()) {
        return Py_XNewRef(thread);
    }
    PyObject *threading = pyrun_import("threading");
    PyObject *main = threading ? PyObject_CallMethod(threading, "main_thread", NULL) : NULL;
    Py_XDECREF(threading);
    return main;
}

static PyObject *
query_enumerate(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    pyrun_state *st = pyrun_get_state(module);
    /* the OS threads threading knows (its own enumerate is ours now) */
    PyObject *threading = st ? pyrun_import("threading") : NULL;
    PyObject *all = threading ? PyObject_CallMethod(threading, "_enumerate", NULL) : NULL;
    Py_XDECREF(threading);
    PyObject *thread, *task;
    Py_ssize_t pos = 0;
    while (all != NULL && PyDict_Next(st->coop_threads, &pos, &thread, &task)) {
        int done = truth_of_call(task, "done");
        if (done < 0 || (!done && PyList_Append(all, thread) < 0)) {
            Py_CLEAR(all);
        }
    }
    return all;
}

static PyObject *
query_active_count(PyObject *module, PyObject *unused)
{
    PyObject *all = query_enumerate(module, unused);
    Py_ssize_t n = all ? PyList_Size(all) : -1;
    Py_XDECREF(all);
    return n < 0 ? NULL : PyLong_FromSsize_t(n);
}

static PyMethodDef query_defs[] = {
    {"current_thread", query_current, METH_NOARGS, NULL},
    {"currentThread", query_current, METH_NOARGS, NULL},
    {"enumerate", query_enumerate, METH_NOARGS, NULL},
    {"active_count", query_active_count, METH_NOARGS, NULL},
    {"activeCount", query_active_count, METH_NOARGS, NULL},
};

/* Once a thread starts, threading's queries answer for tasks too (for the
 * stdlib as well: logging's threadName). */
static PyObject *
install_thread_queries(pyrun_state *st, PyObject *module)
{
    if (st->coop_queries_installed) {
        Py_RETURN_NONE;
    }
    /* (threading outlives a program in a page's instance: patching it
     * again is harmless, as nothing of the first patch is kept) */
    PyObject *threading = pyrun_import("threading");
    if (threading == NULL) {
        return NULL;
    }
    st->coop_queries_installed = 1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof query_defs / sizeof query_defs[0]; i++) {
        PyObject *fn = PyCFunction_NewEx(&query_defs[i], module, NULL);
        rc = fn ? PyObject_SetAttrString(threading, query_defs[i].ml_name, fn) : -1;
        Py_XDECREF(fn);
    }
    Py_DECREF(threading);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ---- locks, conditions -------------------------------------------------- */

static int
rlock_release(pyrun_state *st, PyObject *lock)
{
    PyObject *task = current_task();
    PyObject *owner = task ? rlock_owner(st, lock) : NULL;
    if (task == NULL || (owner == NULL && PyErr_Occurred())) {
        Py_XDECREF(task);
        return -1;
    }
    int mine = owner != NULL && PyList_GetItem(owner, 0) == task;
    Py_DECREF(task);
    if (!mine) {
        PyErr_SetString(PyExc_RuntimeError, "cannot release un-acquired lock");
        return -1;
    }
    PyObject *r = PyObject_CallMethod(lock, "release", NULL);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    long count = PyLong_AsLong(PyList_GetItem(owner, 1)) - 1;
    if (count > 0) {
        PyObject *n = PyLong_FromLong(count);
        return n ? PyList_SetItem(owner, 1, n) : -1;
    }
    return PyDict_DelItem(st->coop_owners, lock) < 0 ? -1 : pyrun_coop_wake(st, lock, 1);
}

/* release() of a lock of any kind pyrun knows: wakes one waiter. */
static int
lock_release(pyrun_state *st, PyObject *lock)
{
    int kind = kind_of(st, lock);
    if (kind == T_RLOCK || kind == T_PYRLOCK) {
        return rlock_release(st, lock);
    }
    PyObject *r = PyObject_CallMethod(lock, "release", NULL);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return pyrun_coop_wake(st, lock, 1);
}

/* acquire(blocking=True, timeout=-1) of a lock or semaphore, awaitable */
static PyObject *
lock_acquire(pyrun_state *st, PyObject *lock, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"blocking", "timeout", NULL};
    int blocking = 1;
    PyObject *timeout = NULL;
    PyObject *none = args == NULL ? PyTuple_New(0) : NULL;
    int ok = (args || none) && PyArg_ParseTupleAndKeywords(args ? args : none, kwargs, "|pO:acquire", kwlist,
                                                           &blocking, &timeout);
    Py_XDECREF(none);
    if (!ok) {
        return NULL;
    }
    int kind = kind_of(st, lock);
    int is_sem = kind == T_SEMAPHORE;
    if (!blocking && timeout != NULL && timeout != Py_None && !is_sem) {
        double t = PyFloat_AsDouble(timeout);
        if (t != -1.0) {
            PyErr_SetString(PyExc_ValueError, "can't specify a timeout for a non-blocking call");
            return NULL;
        }
    }
    PyObject *deadline;
    if (pyrun_coop_deadline(timeout, blocking, !is_sem, &deadline) < 0) {
        return NULL;
    }
    op_kind op = kind == T_RLOCK || kind == T_PYRLOCK ? OP_RLOCK : is_sem ? OP_SEMAPHORE : OP_LOCK;
    return coop_wait(st, op, lock, lock, NULL, NULL, deadline);
}

/* The lock under a Condition */
static PyObject *
condition_lock(PyObject *cond)
{
    return PyObject_GetAttrString(cond, "_lock");
}

enum { C_COND, C_LOCK, C_COUNT, C_NOTIFIED, C_PREDICATE, C_DEADLINE };

/* Condition.wait(timeout): the lock released (all the way, for an RLock),
 * the notify waited for, the lock taken again as it was. */
static step_result
cond_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    PyObject *cond = s->o[C_COND], *lock = s->o[C_LOCK];
    switch (s->phase) {
    case 0: {
        s->phase = 1;
        long times = 1;
        int kind = kind_of(st, lock);
        if (kind == T_RLOCK || kind == T_PYRLOCK) {
            PyObject *task = current_task();
            PyObject *owner = task ? rlock_owner(st, lock) : NULL;
            int mine = owner != NULL && PyList_GetItem(owner, 0) == task;
            times = mine ? PyLong_AsLong(PyList_GetItem(owner, 1)) : 0;
            Py_XDECREF(task);
            if (PyErr_Occurred()) {
                return STEP_ERROR;
            }
        }
        else {
            int locked = truth_of_call(lock, "locked");
            if (locked < 0) {
                return STEP_ERROR;
            }
            times = locked;
        }
        if (times <= 0) {
            PyErr_SetString(PyExc_RuntimeError, "cannot wait on un-acquired lock");
            return STEP_ERROR;
        }
        s->o[C_COUNT] = PyLong_FromLong(times);
        for (long i = 0; s->o[C_COUNT] != NULL && i < times; i++) {
            if (lock_release(st, lock) < 0) {
                return STEP_ERROR;
            }
        }
        double left = -1.0;
        if (s->o[C_DEADLINE] != NULL) {
            left = fmax(0.0, PyFloat_AsDouble(s->o[C_DEADLINE]) - pyrun_monotonic());
        }
        *out = s->o[C_COUNT] ? pyrun_coop_signal(st, cond, left) : NULL;
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    case 1:
        s->phase = 2;
        s->o[C_NOTIFIED] = Py_NewRef(value);
        *out = lock_acquire(st, lock, NULL, NULL);
        return *out ? STEP_AWAIT : STEP_ERROR;
    default: {
        /* an RLock taken again as many times as it was held */
        long times = PyLong_AsLong(s->o[C_COUNT]);
        for (long i = 1; i < times; i++) {
            PyObject *r = PyObject_CallMethod(lock, "acquire", "O", Py_False);
            PyObject *owner = r ? rlock_owner(st, lock) : NULL;
            PyObject *n = owner ? PyLong_FromLong(i + 1) : NULL;
            Py_XDECREF(r);
            if (n == NULL || PyList_SetItem(owner, 1, n) < 0) {
                return STEP_ERROR;
            }
        }
        *out = Py_NewRef(s->o[C_NOTIFIED]);
        return STEP_DONE;
    }
    }
}

static PyObject *
cond_wait(pyrun_state *st, PyObject *cond, PyObject *deadline)
{
    PyObject *lock = condition_lock(cond);
    pyrun_step *s = lock ? pyrun_step_new(st, cond_next, NULL) : NULL;
    if (s == NULL) {
        Py_XDECREF(lock);
        Py_XDECREF(deadline);
        return NULL;
    }
    s->o[C_COND] = Py_NewRef(cond);
    s->o[C_LOCK] = lock;
    s->o[C_DEADLINE] = deadline;
    return (PyObject *)s;
}

/* Condition.wait_for(predicate, timeout): waits until predicate() is true */
static step_result
wait_for_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    PyObject *result = PyObject_CallNoArgs(s->o[C_PREDICATE]);
    int ok = result ? PyObject_IsTrue(result) : -1;
    if (ok != 0) {
        *out = result;
        return ok < 0 ? STEP_ERROR : STEP_DONE;
    }
    PyObject *deadline = NULL;
    if (s->o[C_DEADLINE] != NULL) {
        if (PyFloat_AsDouble(s->o[C_DEADLINE]) <= pyrun_monotonic() || value == Py_False) {
            *out = result;
            return STEP_DONE;
        }
        deadline = Py_NewRef(s->o[C_DEADLINE]);
    }
    Py_DECREF(result);
    *out = cond_wait(st, s->o[C_COND], deadline);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

static int
owns_condition(pyrun_state *st, PyObject *cond)
{
    PyObject *lock = condition_lock(cond);
    if (lock == NULL) {
        return -1;
    }
    int kind = kind_of(st, lock);
    int owned;
    if (kind == T_RLOCK || kind == T_PYRLOCK) {
        PyObject *task = current_task();
        PyObject *owner = task ? rlock_owner(st, lock) : NULL;
        owned = owner != NULL && PyList_GetItem(owner, 0) == task;
        Py_XDECREF(task);
        owned = PyErr_Occurred() ? -1 : owned;
    }
    else {
        owned = truth_of_call(lock, "locked");
    }
    Py_DECREF(lock);
    return owned;
}

static int
notify(pyrun_state *st, PyObject *cond, Py_ssize_t n)
{
    int owned = owns_condition(st, cond);
    if (owned == 0) {
        PyErr_SetString(PyExc_RuntimeError, "cannot notify on un-acquired lock");
    }
    return owned <= 0 ? -1 : pyrun_coop_wake(st, cond, n);
}

/* ---- executors ----------------------------------------------------------- */

/* An executor's record: [max_workers, running, pending work, futures, busy worker numbers] */
enum { X_MAX, X_RUNNING, X_PENDING, X_FUTURES, X_BUSY, X_SIZE };

static PyObject *
executor_record(pyrun_state *st, PyObject *executor)
{
    PyObject *rec = PyDict_GetItemWithError(st->coop_executors, executor);
    if (rec != NULL || PyErr_Occurred()) {
        return rec;
    }
    PyObject *max = PyObject_GetAttrString(executor, "_max_workers");
    rec = max ? Py_BuildValue("[Oi[][][]]", max, 0) : NULL;
    Py_XDECREF(max);
    if (rec != NULL && PyDict_SetItem(st->coop_executors, executor, rec) < 0) {
        Py_CLEAR(rec);
    }
    Py_XDECREF(rec);
    return rec; /* borrowed from the dict */
}

static int
executor_idle(pyrun_state *st, PyObject *executor)
{
    PyObject *rec = executor_record(st, executor);
    if (rec == NULL) {
        return -1;
    }
    return PyLong_AsLong(PyList_GetItem(rec, X_RUNNING)) == 0 && PyList_Size(PyList_GetItem(rec, X_PENDING)) == 0;
}

static int executor_pump(pyrun_state *st, PyObject *executor);
static PyObject *any_future_key(void);

enum { E_EXECUTOR, E_FUTURE, E_FN, E_ARGS, E_KWARGS, E_WORKER };

static int
work_over(pyrun_state *st, pyrun_step *s)
{
    PyObject *rec = executor_record(st, s->o[E_EXECUTOR]);
    if (rec == NULL) {
        return -1;
    }
    PyObject *n = PyLong_FromLong(PyLong_AsLong(PyList_GetItem(rec, X_RUNNING)) - 1);
    if (n == NULL || PyList_SetItem(rec, X_RUNNING, n) < 0) {
        return -1;
    }
    PyObject *busy = PyList_GetItem(rec, X_BUSY);
    Py_ssize_t i = s->o[E_WORKER] ? PySequence_Index(busy, s->o[E_WORKER]) : -1;
    if (i >= 0 && PySequence_DelItem(busy, i) < 0) {
        return -1;
    }
    PyErr_Clear();
    PyObject *task = current_task();
    if (task != NULL && PyDict_DelItem(st->coop_running, task) < 0) {
        PyErr_Clear();
    }
    Py_XDECREF(task);
    PyObject *any = any_future_key();
    int rc = any == NULL || pyrun_coop_wake(st, s->o[E_FUTURE], -1) < 0 || pyrun_coop_wake(st, any, -1) < 0 ||
                     executor_pump(st, s->o[E_EXECUTOR]) < 0
                 ? -1
                 : pyrun_coop_wake(st, s->o[E_EXECUTOR], -1);
    Py_XDECREF(any);
    return rc;
}

static step_result work_error(pyrun_step *s, PyObject **out);

static step_result
work_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (s->phase == 0) {
        s->phase = 1;
        PyObject *go = PyObject_CallMethod(s->o[E_FUTURE], "set_running_or_notify_cancel", NULL);
        int run = go ? PyObject_IsTrue(go) : -1;
        Py_XDECREF(go);
        if (run < 0) {
            return STEP_ERROR;
        }
        if (run) {
            *out = pyrun_call_maybe(st, s->o[E_FN], s->o[E_ARGS], s->o[E_KWARGS]);
            return *out ? STEP_AWAIT : work_error(s, out);
        }
        *out = Py_NewRef(Py_None);
        return work_over(st, s) < 0 ? STEP_ERROR : STEP_DONE;
    }
    PyObject *r = PyObject_CallMethod(s->o[E_FUTURE], "set_result", "(O)", value);
    Py_XDECREF(r);
    if (r == NULL || work_over(st, s) < 0) {
        return STEP_ERROR;
    }
    *out = Py_NewRef(Py_None);
    return STEP_DONE;
}

static step_result
work_error(pyrun_step *s, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL || !PyErr_ExceptionMatches(PyExc_Exception)) {
        return STEP_ERROR;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    PyObject *r = PyObject_CallMethod(s->o[E_FUTURE], "set_exception", "O", value);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    Py_XDECREF(r);
    if (r == NULL || work_over(st, s) < 0) {
        return STEP_ERROR;
    }
    *out = Py_NewRef(Py_None);
    return STEP_DONE;
}

/* A worker "thread" for a task of the executor: a Thread object named as
 * ThreadPoolExecutor names its threads, for current_thread(). */
static PyObject *
worker_thread(PyObject *executor, long number)
{
    PyObject *prefix = PyObject_GetAttrString(executor, "_thread_name_prefix");
    PyObject *name = prefix ? PyUnicode_FromFormat("%U_%ld", prefix, number) : NULL;
    PyObject *threading = name ? pyrun_import("threading") : NULL;
    PyObject *cls = threading ? PyObject_GetAttrString(threading, "Thread") : NULL;
    PyObject *kw = cls ? Py_BuildValue("{sO}", "name", name) : NULL;
    PyObject *none = kw ? PyTuple_New(0) : NULL;
    PyObject *thread = none ? PyObject_Call(cls, none, kw) : NULL;
    Py_XDECREF(prefix);
    Py_XDECREF(name);
    Py_XDECREF(threading);
    Py_XDECREF(cls);
    Py_XDECREF(kw);
    Py_XDECREF(none);
    return thread;
}

/* Starts pending work while fewer than max_workers run. */
static int
executor_pump(pyrun_state *st, PyObject *executor)
{
    PyObject *rec = executor_record(st, executor);
    if (rec == NULL) {
        return -1;
    }
    PyObject *pending = PyList_GetItem(rec, X_PENDING);
    PyObject *busy = PyList_GetItem(rec, X_BUSY);
    while (PyList_Size(pending) > 0 &&
           PyLong_AsLong(PyList_GetItem(rec, X_RUNNING)) < PyLong_AsLong(PyList_GetItem(rec, X_MAX))) {
        pyrun_step *s = (pyrun_step *)Py_NewRef(PyList_GetItem(pending, 0));
        if (PyList_SetSlice(pending, 0, 1, NULL) < 0) {
            Py_DECREF(s);
            return -1;
        }
        long number = 0;
        PyObject *num = NULL;
        for (;; number++) {
            num = PyLong_FromLong(number);
            int taken = num ? PySequence_Contains(busy, num) : -1;
            if (taken <= 0) {
                break;
            }
            Py_DECREF(num);
        }
        PyObject *running = num ? PyLong_FromLong(PyLong_AsLong(PyList_GetItem(rec, X_RUNNING)) + 1) : NULL;
        PyObject *thread = running ? worker_thread(executor, number) : NULL;
        PyObject *task = thread && PyList_Append(busy, num) == 0 && PyList_SetItem(rec, X_RUNNING, running) == 0
                             ? PyObject_CallOneArg_compat(st->ensure_future, (PyObject *)s)
                             : NULL;
        if (task == NULL && running != NULL && thread == NULL) {
            Py_DECREF(running);
        }
        s->o[E_WORKER] = num;
        int rc = task ? PyDict_SetItem(st->coop_running, task, thread) : -1;
        Py_XDECREF(thread);
        Py_XDECREF(task);
        Py_DECREF(s);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

static PyObject *
executor_submit(pyrun_state *st, PyObject *executor, PyObject *args, PyObject *kwargs)
{
    if (PyTuple_Size(args) < 1) {
        PyErr_SetString(PyExc_TypeError, "submit expected at least 1 argument, got 0");
        return NULL;
    }
    PyObject *shut = PyObject_GetAttrString(executor, "_shutdown");
    int down = shut ? PyObject_IsTrue(shut) : -1;
    Py_XDECREF(shut);
    if (down != 0) {
        if (down > 0) {
            PyErr_SetString(PyExc_RuntimeError, "cannot schedule new futures after shutdown");
        }
        return NULL;
    }
    PyObject *rec = executor_record(st, executor);
    PyObject *cls = rec ? known_type(st, T_FUTURE) : NULL;
    PyObject *fut = cls ? PyObject_CallNoArgs(cls) : NULL;
    pyrun_step *s = fut ? pyrun_step_new(st, work_next, work_error) : NULL;
    if (s == NULL) {
        Py_XDECREF(fut);
        return NULL;
    }
    s->o[E_EXECUTOR] = Py_NewRef(executor);
    s->o[E_FUTURE] = Py_NewRef(fut);
    s->o[E_FN] = Py_NewRef(PyTuple_GetItem(args, 0));
    s->o[E_ARGS] = PyTuple_GetSlice(args, 1, PyTuple_Size(args));
    s->o[E_KWARGS] = Py_XNewRef(kwargs);
    int rc = s->o[E_ARGS] && PyList_Append(PyList_GetItem(rec, X_PENDING), (PyObject *)s) == 0 &&
                     PyList_Append(PyList_GetItem(rec, X_FUTURES), fut) == 0
                 ? executor_pump(st, executor)
                 : -1;
    Py_DECREF(s);
    if (rc < 0) {
        Py_DECREF(fut);
        return NULL;
    }
    return fut;
}

/* shutdown(wait=True, *, cancel_futures=False), awaitable */
static PyObject *
executor_shutdown(pyrun_state *st, PyObject *executor, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"wait", "cancel_futures", NULL};
    int wait = 1, cancel = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|p$p:shutdown", kwlist, &wait, &cancel)) {
        return NULL;
    }
    PyObject *rec = executor_record(st, executor);
    if (rec == NULL || PyObject_SetAttrString(executor, "_shutdown", Py_True) < 0) {
        return NULL;
    }
    if (cancel) {
        PyObject *pending = PyList_GetItem(rec, X_PENDING);
        for (Py_ssize_t i = 0; i < PyList_Size(pending); i++) {
            PyObject *r = PyObject_CallMethod(((pyrun_step *)PyList_GetItem(pending, i))->o[E_FUTURE], "cancel", NULL);
            if (r == NULL) {
                return NULL;
            }
            Py_DECREF(r);
        }
    }
    PyObject *deadline = NULL;
    if (!wait && pyrun_coop_deadline(NULL, 0, 0, &deadline) < 0) {
        return NULL;
    }
    return coop_wait(st, OP_SHUTDOWN, executor, executor, NULL, NULL, deadline);
}

static PyObject *
builtin_named(const char *name)
{
    PyObject *builtins = pyrun_import("builtins");
    PyObject *fn = builtins ? PyObject_GetAttrString(builtins, name) : NULL;
    Py_XDECREF(builtins);
    return fn;
}

static PyObject *completing(pyrun_state *st, PyObject *futures, PyObject *deadline, int in_order);

/* Executor.map(fn, *iterables, timeout=None, chunksize=1): every call
 * submitted now, as CPython's map does, and the results given in order as
 * each comes (async items; the call that raised raises there). */
static PyObject *
executor_map(pyrun_state *st, PyObject *executor, PyObject *args, PyObject *kwargs)
{
    PyObject *timeout = kwargs ? PyDict_GetItemString(kwargs, "timeout") : NULL; /* chunksize: one by one */
    if (PyTuple_Size(args) < 2) {
        PyErr_SetString(PyExc_TypeError, "map() needs a function and at least one iterable");
        return NULL;
    }
    PyObject *deadline;
    if (pyrun_coop_deadline(timeout, 1, 0, &deadline) < 0) {
        return NULL;
    }
    PyObject *iterables = PyTuple_GetSlice(args, 1, PyTuple_Size(args));
    PyObject *zip = iterables ? builtin_named("zip") : NULL;
    PyObject *zipped = zip ? PyObject_CallObject(zip, iterables) : NULL;
    Py_XDECREF(zip);
    PyObject *futures = zipped ? PyList_New(0) : NULL;
    PyObject *one;
    while (futures != NULL && (one = PyIter_Next(zipped)) != NULL) {
        PyObject *fn = PyTuple_Pack(1, PyTuple_GetItem(args, 0));
        PyObject *call = fn ? PySequence_Concat(fn, one) : NULL;
        PyObject *fut = call ? executor_submit(st, executor, call, NULL) : NULL;
        if (fut == NULL || PyList_Append(futures, fut) < 0) {
            Py_CLEAR(futures);
        }
        Py_XDECREF(fn);
        Py_XDECREF(call);
        Py_XDECREF(fut);
        Py_DECREF(one);
    }
    Py_XDECREF(iterables);
    Py_XDECREF(zipped);
    if (futures == NULL || PyErr_Occurred()) {
        Py_XDECREF(futures);
        Py_XDECREF(deadline);
        return NULL;
    }
    return completing(st, futures, deadline, 1);
}


/* ---- concurrent.futures.wait and as_completed ---------------------------- */

/* Every future an executor completes wakes this key too: what waits for
 * any of several futures waits on it. */
static PyObject *
any_future_key(void)
{
    return PyUnicode_InternFromString("pyrun: a future is done");
}

/* The futures of fs that are done, and the others: two new lists. */
static int
split_done(PyObject *fs, PyObject **done, PyObject **pending)
{
    *done = PyList_New(0);
    *pending = *done ? PyList_New(0) : NULL;
    PyObject *it = *pending ? PyObject_GetIter(fs) : NULL;
    PyObject *f;
    int rc = it ? 0 : -1;
    while (rc == 0 && (f = PyIter_Next(it)) != NULL) {
        int d = truth_of_call(f, "done");
        rc = d < 0 ? -1 : PyList_Append(d ? *done : *pending, f);
        Py_DECREF(f);
    }
    Py_XDECREF(it);
    if (rc < 0 || PyErr_Occurred()) {
        Py_CLEAR(*done);
        Py_CLEAR(*pending);
        return -1;
    }
    return 0;
}

/* Slots: the futures (a list, each once), the deadline, return_when, and
 * for as_completed the futures not given out yet */
enum { F_FUTURES, F_DEADLINE, F_WHEN, F_LEFT };

static int
wait_satisfied(PyObject *done, PyObject *pending, PyObject *when)
{
    if (PyList_Size(pending) == 0) {
        return 1;
    }
    if (PyUnicode_CompareWithASCIIString(when, "FIRST_COMPLETED") == 0) {
        return PyList_Size(done) > 0;
    }
    if (PyUnicode_CompareWithASCIIString(when, "FIRST_EXCEPTION") == 0) {
        for (Py_ssize_t i = 0; i < PyList_Size(done); i++) {
            PyObject *f = PyList_GetItem(done, i);
            int cancelled = truth_of_call(f, "cancelled");
            PyObject *exc = cancelled == 0 ? PyObject_CallMethod(f, "exception", NULL) : NULL;
            int failed = exc != NULL && exc != Py_None;
            Py_XDECREF(exc);
            if (cancelled < 0 || (cancelled == 0 && exc == NULL)) {
                return -1;
            }
            if (failed) {
                return 1;
            }
        }
    }
    return 0;
}

static double
left_until(PyObject *deadline)
{
    return deadline == NULL ? -1.0 : fmax(0.0, PyFloat_AsDouble(deadline) - pyrun_monotonic());
}

static step_result
futures_wait_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    PyObject *done, *pending;
    if (st == NULL || split_done(s->o[F_FUTURES], &done, &pending) < 0) {
        return STEP_ERROR;
    }
    int ok = wait_satisfied(done, pending, s->o[F_WHEN]);
    double left = left_until(s->o[F_DEADLINE]);
    if (ok != 0 || value == Py_False || left == 0.0) {
        PyObject *futures = ok >= 0 ? pyrun_import("concurrent.futures") : NULL;
        PyObject *cls = futures ? PyObject_GetAttrString(futures, "_base") : NULL;
        PyObject *pair = cls ? PyObject_GetAttrString(cls, "DoneAndNotDoneFutures") : NULL;
        PyObject *dset = pair ? PySet_New(done) : NULL;
        PyObject *pset = dset ? PySet_New(pending) : NULL;
        *out = pset ? PyObject_CallFunctionObjArgs(pair, dset, pset, NULL) : NULL;
        Py_XDECREF(futures);
        Py_XDECREF(cls);
        Py_XDECREF(pair);
        Py_XDECREF(dset);
        Py_XDECREF(pset);
        Py_DECREF(done);
        Py_DECREF(pending);
        return *out ? STEP_DONE : STEP_ERROR;
    }
    Py_DECREF(done);
    Py_DECREF(pending);
    PyObject *key = any_future_key();
    *out = key ? pyrun_coop_signal(st, key, left) : NULL;
    Py_XDECREF(key);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

static PyObject *
unique_futures(PyObject *fs)
{
    PyObject *seen = PySet_New(NULL);
    PyObject *list = seen ? PyList_New(0) : NULL;
    PyObject *it = list ? PyObject_GetIter(fs) : NULL;
    PyObject *f;
    while (it != NULL && list != NULL && (f = PyIter_Next(it)) != NULL) {
        int known = PySet_Contains(seen, f);
        if (known < 0 || (!known && (PySet_Add(seen, f) < 0 || PyList_Append(list, f) < 0))) {
            Py_CLEAR(list);
        }
        Py_DECREF(f);
    }
    Py_XDECREF(it);
    Py_XDECREF(seen);
    if (PyErr_Occurred()) {
        Py_CLEAR(list);
    }
    return list;
}

/* futures_wait(fs, timeout=None, return_when=ALL_COMPLETED), awaitable */
PyObject *
pyrun_helper_futures_wait(PyObject *module, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    static char *kwlist[] = {"fs", "timeout", "return_when", NULL};
    PyObject *fs, *timeout = NULL, *when = NULL;
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwargs, "O|OU:wait", kwlist, &fs, &timeout, &when)) {
        return NULL;
    }
    PyObject *deadline;
    if (pyrun_coop_deadline(timeout, 1, 0, &deadline) < 0) {
        return NULL;
    }
    PyObject *list = unique_futures(fs);
    pyrun_step *s = list ? pyrun_step_new(st, futures_wait_next, NULL) : NULL;
    if (s == NULL) {
        Py_XDECREF(list);
        Py_XDECREF(deadline);
        return NULL;
    }
    s->o[F_FUTURES] = list;
    s->o[F_DEADLINE] = deadline;
    s->o[F_WHEN] = when ? Py_NewRef(when) : PyUnicode_FromString("ALL_COMPLETED");
    return (PyObject *)s;
}

/* as_completed(fs, timeout=None): an async iterator of the futures as they
 * complete (those done already first); TimeoutError as CPython words it. */
typedef struct {
    PyObject_HEAD
    PyObject *left;     /* list: futures not given out yet */
    PyObject *deadline; /* float or NULL */
    Py_ssize_t total;
    int in_order;       /* Executor.map: the results, in the order submitted */
} Completed;

static int
completed_traverse(Completed *c, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)c));
    Py_VISIT(c->left);
    Py_VISIT(c->deadline);
    return 0;
}

static int
completed_clear(Completed *c)
{
    Py_CLEAR(c->left);
    Py_CLEAR(c->deadline);
    return 0;
}

static void
completed_dealloc(Completed *c)
{
    PyTypeObject *type = Py_TYPE((PyObject *)c);
    PyObject_GC_UnTrack(c);
    completed_clear(c);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(c);
    Py_DECREF(type);
}

/* The first future of c->left that is done, taken out of it: a new
 * reference; NULL without an exception when none is. */
/* map's next result, once its call is done; NULL without an exception
 * while it runs. When it raised, the calls not started are cancelled, as
 * CPython's map cancels them. */
static PyObject *
take_result(Completed *c)
{
    PyObject *f = PyList_GetItem(c->left, 0);
    int d = f ? truth_of_call(f, "done") : -1;
    if (d <= 0) {
        return NULL;
    }
    Py_INCREF(f);
    PyObject *r = PySequence_DelItem(c->left, 0) == 0 ? PyObject_CallMethod(f, "result", NULL) : NULL;
    Py_DECREF(f);
    if (r == NULL) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        for (Py_ssize_t i = 0; i < PyList_Size(c->left); i++) {
            PyObject *done = PyObject_CallMethod(PyList_GetItem(c->left, i), "cancel", NULL);
            Py_XDECREF(done);
            PyErr_Clear();
        }
        PyErr_Restore(type, value, tb);
    }
    return r;
}

static PyObject *
take_done(Completed *c)
{
    if (c->in_order) {
        return take_result(c);
    }
    for (Py_ssize_t i = 0; i < PyList_Size(c->left); i++) {
        PyObject *f = PyList_GetItem(c->left, i);
        int d = truth_of_call(f, "done");
        if (d < 0) {
            return NULL;
        }
        if (d) {
            Py_INCREF(f);
            if (PySequence_DelItem(c->left, i) < 0) {
                Py_DECREF(f);
                return NULL;
            }
            return f;
        }
    }
    return NULL;
}

static void
completed_timeout(Completed *c)
{
    if (c->in_order) {
        PyErr_SetNone(PyExc_TimeoutError);
        return;
    }
    PyErr_Format(PyExc_TimeoutError, "%zd (of %zd) futures unfinished", PyList_Size(c->left), c->total);
}

static step_result
completed_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    Completed *c = (Completed *)s->o[0];
    if (st == NULL) {
        return STEP_ERROR;
    }
    if (PyList_Size(c->left) == 0) {
        PyErr_SetNone(PyExc_StopAsyncIteration);
        return STEP_ERROR;
    }
    PyObject *f = take_done(c);
    if (f != NULL || PyErr_Occurred()) {
        *out = f;
        return f ? STEP_DONE : STEP_ERROR;
    }
    double left = left_until(c->deadline);
    if (value == Py_False || left == 0.0) {
        completed_timeout(c);
        return STEP_ERROR;
    }
    PyObject *key = any_future_key();
    *out = key ? pyrun_coop_signal(st, key, left) : NULL;
    Py_XDECREF(key);
    return *out ? STEP_AWAIT : STEP_ERROR;
}

static PyObject *
completed_anext(Completed *c)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)c));
    pyrun_step *s = st ? pyrun_step_new(st, completed_next, NULL) : NULL;
    if (s != NULL) {
        s->o[0] = Py_NewRef((PyObject *)c);
    }
    return (PyObject *)s;
}

/* Iterated where nothing can await: the futures done already, then a clear
 * error rather than a wait that would never end. */
static PyObject *
completed_iternext(Completed *c)
{
    if (PyList_Size(c->left) == 0) {
        return NULL;
    }
    PyObject *f = take_done(c);
    if (f == NULL && !PyErr_Occurred()) {
        pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)c));
        if (st != NULL) {
            PyErr_SetString(st->blocking_error, c->in_order
                                                    ? "Executor.map() results were iterated where nothing can wait for them"
                                                    : "as_completed() was iterated where nothing can wait for its futures");
        }
    }
    return f;
}

static PyType_Slot completed_slots[] = {
    {Py_tp_dealloc, completed_dealloc},
    {Py_tp_traverse, completed_traverse},
    {Py_tp_clear, completed_clear},
    {Py_tp_iter, pyrun_return_self},
    {Py_tp_iternext, completed_iternext},
    {Py_am_aiter, pyrun_return_self},
    {Py_am_anext, completed_anext},
    {0, NULL},
};

static PyType_Spec completed_spec = {
    .name = "pyrun.AsCompleted",
    .basicsize = sizeof(Completed),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = completed_slots,
};

/* The futures (stolen) given as they complete, or in order (in_order); a
 * deadline (stolen) or NULL. */
static PyObject *
completing(pyrun_state *st, PyObject *futures, PyObject *deadline, int in_order)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->completed_type, Py_tp_alloc);
    Completed *c = (Completed *)alloc(st->completed_type, 0);
    if (c == NULL) {
        Py_DECREF(futures);
        Py_XDECREF(deadline);
        return NULL;
    }
    c->left = futures;
    c->deadline = deadline;
    c->total = PyList_Size(futures);
    c->in_order = in_order;
    return (PyObject *)c;
}

/* as_completed(fs, timeout=None) */
PyObject *
pyrun_helper_as_completed(PyObject *module, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    static char *kwlist[] = {"fs", "timeout", NULL};
    PyObject *fs, *timeout = NULL;
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:as_completed", kwlist, &fs, &timeout)) {
        return NULL;
    }
    PyObject *deadline;
    if (pyrun_coop_deadline(timeout, 1, 0, &deadline) < 0) {
        return NULL;
    }
    PyObject *list = unique_futures(fs);
    if (list == NULL) {
        Py_XDECREF(deadline);
        return NULL;
    }
    return completing(st, list, deadline, 0);
}

/* ---- the helpers ----------------------------------------------------------- */

static PyObject *
call_as_is(pyrun_state *st, PyObject *obj, PyObject *name, PyObject *args, PyObject *kwargs, int awaitable)
{
    PyObject *method = PyObject_GetAttr(obj, name);
    if (method == NULL) {
        return NULL;
    }
    PyObject *r = awaitable ? pyrun_call_maybe(st, method, args, kwargs) : PyObject_Call(method, args, kwargs);
    Py_DECREF(method);
    return r;
}

static int
name_is(PyObject *name, const char *s)
{
    return PyUnicode_CompareWithASCIIString(name, s) == 0;
}

/* Splits (obj, name, *args) */
static int
split(PyObject *all, PyObject **obj, PyObject **name, PyObject **args)
{
    if (PyTuple_Size(all) < 2 || !PyUnicode_Check(PyTuple_GetItem(all, 1))) {
        PyErr_SetString(PyExc_TypeError, "coop(obj, name, *args)");
        return -1;
    }
    *obj = PyTuple_GetItem(all, 0);
    *name = PyTuple_GetItem(all, 1);
    *args = PyTuple_GetSlice(all, 2, PyTuple_Size(all));
    return *args ? 0 : -1;
}

/* One optional argument by position or keyword, borrowed, or NULL. */
static int
one_arg(PyObject *args, PyObject *kwargs, const char *fmt, const char *kw1, PyObject **a)
{
    char *kwlist[] = {(char *)kw1, NULL};
    *a = NULL;
    return PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kwlist, a) ? 0 : -1;
}

/* coop(obj, name, *args, **kwargs): obj.name(...) where a thread would wait */
PyObject *
pyrun_helper_coop(PyObject *module, PyObject *all, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *obj, *name, *args;
    if (st == NULL || split(all, &obj, &name, &args) < 0) {
        return NULL;
    }
    int kind = kind_of(st, obj);
    PyObject *r = NULL, *a = NULL, *deadline = NULL;
    if ((kind == T_THREAD || kind == T_TIMER) && name_is(name, "start") && PyTuple_Size(args) == 0) {
        r = thread_start(st, module, obj);
    }
    else if ((kind == T_THREAD || kind == T_TIMER) && name_is(name, "join")) {
        if (one_arg(args, kwargs, "|O:join", "timeout", &a) == 0 && pyrun_coop_deadline(a, 1, 0, &deadline) == 0) {
            PyObject *task = current_task();
            PyObject *me = task ? thread_of_task(st, task) : NULL;
            Py_XDECREF(task);
            PyObject *started = me == obj ? NULL : thread_task(st, obj);
            if (me == obj) {
                PyErr_SetString(PyExc_RuntimeError, "cannot join current thread");
            }
            r = started ? coop_wait(st, OP_JOIN, obj, obj, NULL, NULL, deadline) : NULL;
            Py_XDECREF(started);
            deadline = started ? NULL : deadline;
        }
    }
    else if ((kind == T_LOCK || kind == T_RLOCK || kind == T_PYRLOCK || kind == T_SEMAPHORE) &&
             (name_is(name, "acquire") || name_is(name, "__enter__"))) {
        r = lock_acquire(st, obj, args, kwargs);
    }
    else if (kind == T_CONDITION && (name_is(name, "acquire") || name_is(name, "__enter__"))) {
        PyObject *lock = condition_lock(obj);
        r = lock ? lock_acquire(st, lock, args, kwargs) : NULL;
        Py_XDECREF(lock);
    }
    else if (kind == T_CONDITION && name_is(name, "wait")) {
        if (one_arg(args, kwargs, "|O:wait", "timeout", &a) == 0 && pyrun_coop_deadline(a, 1, 0, &deadline) == 0) {
            r = cond_wait(st, obj, deadline);
            deadline = NULL;
        }
    }
    else if (kind == T_CONDITION && name_is(name, "wait_for")) {
        static char *kwlist[] = {"predicate", "timeout", NULL};
        PyObject *pred = NULL;
        if (PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:wait_for", kwlist, &pred, &a) &&
            pyrun_coop_deadline(a, 1, 0, &deadline) == 0) {
            pyrun_step *s = pyrun_step_new(st, wait_for_next, NULL);
            if (s != NULL) {
                s->o[C_COND] = Py_NewRef(obj);
                s->o[C_PREDICATE] = Py_NewRef(pred);
                s->o[C_DEADLINE] = deadline;
                deadline = NULL;
            }
            r = (PyObject *)s;
        }
    }
    else if (kind == T_EVENT && name_is(name, "wait")) {
        if (one_arg(args, kwargs, "|O:wait", "timeout", &a) == 0 && pyrun_coop_deadline(a, 1, 0, &deadline) == 0) {
            r = coop_wait(st, OP_EVENT, obj, obj, NULL, NULL, deadline);
            deadline = NULL;
        }
    }
    else if ((kind == T_QUEUE || kind == T_SIMPLEQUEUE) && (name_is(name, "get") || name_is(name, "put"))) {
        int put = name_is(name, "put");
        static char *get_kw[] = {"block", "timeout", NULL};
        static char *put_kw[] = {"item", "block", "timeout", NULL};
        PyObject *item = NULL;
        int block = 1;
        int ok = put ? PyArg_ParseTupleAndKeywords(args, kwargs, "O|pO:put", put_kw, &item, &block, &a)
                     : PyArg_ParseTupleAndKeywords(args, kwargs, "|pO:get", get_kw, &block, &a);
        PyObject *mine = ok ? queue_key(obj, put ? "put" : "get") : NULL;
        PyObject *other = mine ? queue_key(obj, put ? "get" : "put") : NULL;
        if (other != NULL && pyrun_coop_deadline(a, block, 0, &deadline) == 0) {
            r = coop_wait(st, put ? OP_PUT : OP_GET, obj, mine, other, item, deadline);
            deadline = NULL;
        }
        Py_XDECREF(mine);
        Py_XDECREF(other);
    }
    else if (kind == T_QUEUE && name_is(name, "join")) {
        PyObject *key = queue_key(obj, "join");
        r = key ? coop_wait(st, OP_QUEUE_JOIN, obj, key, NULL, NULL, NULL) : NULL;
        Py_XDECREF(key);
    }
    else if (kind == T_FUTURE && (name_is(name, "result") || name_is(name, "exception"))) {
        if (one_arg(args, kwargs, name_is(name, "result") ? "|O:result" : "|O:exception", "timeout", &a) == 0 &&
            pyrun_coop_deadline(a, 1, 0, &deadline) == 0) {
            r = coop_wait(st, name_is(name, "result") ? OP_RESULT : OP_EXCEPTION, obj, obj, NULL, NULL, deadline);
            deadline = NULL;
        }
    }
    else if (kind == T_HTTP_CONNECTION && name_is(name, "getresponse") && PyTuple_Size(args) == 0) {
        r = pyrun_http_getresponse(st, obj);
    }
    else if (kind == T_BARRIER && name_is(name, "wait")) {
        r = pyrun_barrier_wait(st, obj, args, kwargs);
    }
    else if (kind == T_EXECUTOR && name_is(name, "shutdown")) {
        r = executor_shutdown(st, obj, args, kwargs);
    }
    else if (kind == T_EXECUTOR && name_is(name, "__exit__")) {
        PyObject *none = PyTuple_New(0);
        r = none ? executor_shutdown(st, obj, none, NULL) : NULL;
        Py_XDECREF(none);
    }
    else {
        r = call_as_is(st, obj, name, args, kwargs, 1);
    }
    Py_XDECREF(deadline);
    Py_DECREF(args);
    return r;
}

/* coop_sync(obj, name, *args, **kwargs): obj.name(...) that lets a waiting
 * thread go on */
PyObject *
pyrun_helper_coop_sync(PyObject *module, PyObject *all, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *obj, *name, *args;
    if (st == NULL || split(all, &obj, &name, &args) < 0) {
        return NULL;
    }
    int kind = kind_of(st, obj);
    PyObject *r = NULL;
    if ((kind == T_THREAD || kind == T_TIMER) && name_is(name, "is_alive") && PyTuple_Size(args) == 0) {
        int alive = thread_alive(st, obj);
        r = alive < 0 ? NULL : PyBool_FromLong(alive);
    }
    else if (kind == T_TIMER && name_is(name, "cancel")) {
        PyObject *finished = PyObject_GetAttrString(obj, "finished");
        PyObject *done = finished ? PyObject_CallMethod(finished, "set", NULL) : NULL;
        r = done && pyrun_coop_wake(st, finished, -1) == 0 ? Py_NewRef(Py_None) : NULL;
        Py_XDECREF(finished);
        Py_XDECREF(done);
    }
    else if ((kind == T_LOCK || kind == T_RLOCK || kind == T_PYRLOCK) && name_is(name, "release")) {
        r = lock_release(st, obj) < 0 ? NULL : Py_NewRef(Py_None);
    }
    else if (kind == T_CONDITION && name_is(name, "release")) {
        PyObject *lock = condition_lock(obj);
        r = lock && lock_release(st, lock) == 0 ? Py_NewRef(Py_None) : NULL;
        Py_XDECREF(lock);
    }
    else if (kind == T_CONDITION && (name_is(name, "notify") || name_is(name, "notify_all"))) {
        Py_ssize_t n = 1;
        if (name_is(name, "notify_all") || PyArg_ParseTuple(args, "|n:notify", &n)) {
            r = notify(st, obj, name_is(name, "notify_all") ? -1 : n) < 0 ? NULL : Py_NewRef(Py_None);
        }
    }
    else if (kind == T_SEMAPHORE && name_is(name, "release")) {
        Py_ssize_t n = 1;
        r = PyArg_ParseTuple(args, "|n:release", &n) ? call_as_is(st, obj, name, args, kwargs, 0) : NULL;
        if (r != NULL && pyrun_coop_wake(st, obj, n) < 0) {
            Py_CLEAR(r);
        }
    }
    else if (kind == T_EVENT && name_is(name, "set")) {
        r = call_as_is(st, obj, name, args, kwargs, 0);
        if (r != NULL && pyrun_coop_wake(st, obj, -1) < 0) {
            Py_CLEAR(r);
        }
    }
    else if ((kind == T_QUEUE || kind == T_SIMPLEQUEUE) && (name_is(name, "get_nowait") || name_is(name, "put_nowait"))) {
        r = call_as_is(st, obj, name, args, kwargs, 0);
        PyObject *key = r ? queue_key(obj, name_is(name, "get_nowait") ? "put" : "get") : NULL;
        if (r != NULL && (key == NULL || pyrun_coop_wake(st, key, 1) < 0)) {
            Py_CLEAR(r);
        }
        Py_XDECREF(key);
    }
    else if (kind == T_QUEUE && name_is(name, "task_done")) {
        r = call_as_is(st, obj, name, args, kwargs, 0);
        PyObject *n = r ? PyObject_GetAttrString(obj, "unfinished_tasks") : NULL;
        int busy = n ? PyObject_IsTrue(n) : -1;
        PyObject *key = busy == 0 ? queue_key(obj, "join") : NULL;
        if (r != NULL && (busy < 0 || (busy == 0 && (key == NULL || pyrun_coop_wake(st, key, -1) < 0)))) {
            Py_CLEAR(r);
        }
        Py_XDECREF(n);
        Py_XDECREF(key);
    }
    else if (kind == T_HTTP_CONNECTION && name_is(name, "request")) {
        r = pyrun_http_request(st, obj, args, kwargs);
    }
    else if (kind == T_BARRIER && (name_is(name, "reset") || name_is(name, "abort"))) {
        r = call_as_is(st, obj, name, args, kwargs, 0);
        if (r != NULL && pyrun_coop_wake(st, obj, -1) < 0) {
            Py_CLEAR(r);
        }
    }
    else if (kind == T_EXECUTOR && name_is(name, "map")) {
        r = executor_map(st, obj, args, kwargs);
    }
    else if (kind == T_EXECUTOR && name_is(name, "submit")) {
        r = executor_submit(st, obj, args, kwargs);
    }
    else if (kind == T_EXECUTOR && name_is(name, "__enter__")) {
        r = Py_NewRef(obj);
    }
    else {
        r = call_as_is(st, obj, name, args, kwargs, 0);
    }
    Py_DECREF(args);
    return r;
}

/* The Tasks of daemon threads: the program does not wait for them. */
int
pyrun_is_daemon_task(pyrun_state *st, PyObject *task)
{
    PyObject *thread = PyDict_GetItemWithError(st->coop_running, task);
    if (thread == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject *daemon = PyObject_GetAttrString(thread, "daemon");
    int is = daemon ? PyObject_IsTrue(daemon) : -1;
    Py_XDECREF(daemon);
    return is;
}


int
pyrun_threads_init(PyObject *module, pyrun_state *st)
{
    st->coop_waiters = PyDict_New();
    st->coop_threads = PyDict_New();
    st->coop_running = PyDict_New();
    st->coop_owners = PyDict_New();
    st->coop_executors = PyDict_New();
    st->coop_types = PyList_New(T_COUNT);
    st->coop_kinds = PyDict_New();
    st->completed_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &completed_spec, NULL);
    if (st->coop_waiters == NULL || st->coop_threads == NULL || st->coop_running == NULL ||
        st->coop_owners == NULL || st->coop_executors == NULL || st->coop_types == NULL || st->coop_kinds == NULL ||
        st->completed_type == NULL || pyrun_local_init(module, st) < 0) {
        return -1;
    }
    return pyrun_threads_reset(st);
}

/* `with` of a lock, condition, semaphore or executor, entered as the
 * thread would: an awaitable, or NULL without an exception for anything
 * else. */
PyObject *
pyrun_coop_enter(pyrun_state *st, PyObject *cm)
{
    int kind = kind_of(st, cm);
    if (kind == T_LOCK || kind == T_RLOCK || kind == T_PYRLOCK || kind == T_SEMAPHORE) {
        return lock_acquire(st, cm, NULL, NULL);
    }
    if (kind == T_CONDITION) {
        PyObject *lock = condition_lock(cm);
        PyObject *r = lock ? lock_acquire(st, lock, NULL, NULL) : NULL;
        Py_XDECREF(lock);
        return r;
    }
    return kind == T_EXECUTOR ? pyrun_ready(st, cm) : NULL;
}

/* Its exit: an awaitable of False (nothing suppressed), or NULL without an
 * exception when cm is no such object. */
PyObject *
pyrun_coop_exit(pyrun_state *st, PyObject *cm)
{
    int kind = kind_of(st, cm);
    int rc = 1;
    if (kind == T_LOCK || kind == T_RLOCK || kind == T_PYRLOCK) {
        rc = lock_release(st, cm);
    }
    else if (kind == T_CONDITION) {
        PyObject *lock = condition_lock(cm);
        rc = lock ? lock_release(st, lock) : -1;
        Py_XDECREF(lock);
    }
    else if (kind == T_SEMAPHORE) {
        PyObject *r = PyObject_CallMethod(cm, "release", NULL);
        rc = r && pyrun_coop_wake(st, cm, 1) == 0 ? 0 : -1;
        Py_XDECREF(r);
    }
    else if (kind == T_EXECUTOR) {
        PyObject *none = PyTuple_New(0);
        PyObject *r = none ? executor_shutdown(st, cm, none, NULL) : NULL;
        Py_XDECREF(none);
        return r;
    }
    if (rc < 0) {
        return NULL;
    }
    return rc == 0 ? pyrun_ready(st, Py_False) : NULL;
}

/* Between programs: the next one starts with no thread and finds the
 * classes again in its own modules. */
int
pyrun_threads_reset(pyrun_state *st)
{
    PyDict_Clear(st->coop_waiters);
    PyDict_Clear(st->coop_threads);
    PyDict_Clear(st->coop_running);
    PyDict_Clear(st->coop_owners);
    PyDict_Clear(st->coop_executors);
    PyDict_Clear(st->coop_kinds);
    st->coop_queries_installed = 0;
    for (int i = 0; i < T_COUNT; i++) {
        PyList_SetItem(st->coop_types, i, Py_NewRef(Py_None));
    }
    return 0;
}

/* Where a Task waits: "main.py, line 7", or NULL without an exception */
static PyObject *
where_waiting(PyObject *task)
{
    PyObject *coro = PyObject_CallMethod(task, "get_coro", NULL);
    PyObject *frames = coro ? pyrun_awaiting_frames(coro) : NULL;
    Py_XDECREF(coro);
    Py_ssize_t n = frames ? PyList_Size(frames) : 0;
    PyObject *frame = n > 0 ? PyList_GetItem(frames, n - 1) : NULL;
    PyObject *code = frame ? PyObject_GetAttrString(frame, "f_code") : NULL;
    PyObject *file = code ? PyObject_GetAttrString(code, "co_filename") : NULL;
    PyObject *line = file ? PyObject_GetAttrString(frame, "f_lineno") : NULL;
    PyObject *where = line ? PyUnicode_FromFormat("%U, line %S", file, line) : NULL;
    Py_XDECREF(frames);
    Py_XDECREF(code);
    Py_XDECREF(file);
    Py_XDECREF(line);
    PyErr_Clear();
    return where;
}

PyObject *
pyrun_threads_waiting(pyrun_state *st)
{
    PyObject *parts = PyList_New(0);
    PyObject *thread, *task;
    Py_ssize_t pos = 0;
    while (parts != NULL && PyDict_Next(st->coop_threads, &pos, &thread, &task)) {
        int done = truth_of_call(task, "done");
        if (done != 0) {
            PyErr_Clear();
            continue;
        }
        PyObject *name = PyObject_GetAttrString(thread, "name");
        PyObject *where = name ? where_waiting(task) : NULL;
        PyObject *part = where ? PyUnicode_FromFormat("%U waits at %U", name, where)
                         : name ? PyUnicode_FromFormat("%U waits", name) : NULL;
        if (part == NULL || PyList_Append(parts, part) < 0) {
            Py_CLEAR(parts);
        }
        Py_XDECREF(name);
        Py_XDECREF(where);
        Py_XDECREF(part);
    }
    if (parts == NULL) {
        return NULL;
    }
    PyObject *sep = PyUnicode_FromString("; ");
    PyObject *joined = sep ? PyUnicode_Join(sep, parts) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(parts);
    return joined;
}

/* A process or a socket, which Pyodide cannot make: OSError (ENOTSUP, as
 * Pyodide's own subprocess raises), naming what the program called. */
PyObject *
pyrun_helper_unavailable(PyObject *module, PyObject *args, PyObject *kwargs)
{
    (void)module;
    (void)kwargs;
    PyObject *what = PyTuple_Size(args) > 0 ? PyTuple_GetItem(args, 0) : NULL;
    if (what == NULL || !PyUnicode_Check(what)) {
        PyErr_SetString(PyExc_TypeError, "unavailable(name, ...)");
        return NULL;
    }
    const char *text = PyUnicode_AsUTF8AndSize(what, NULL);
    if (text == NULL) {
        return NULL;
    }
    const char *why = strstr(text, "socket") || strstr(text, "select")
                          ? "Pyodide has no sockets"
                          : "Pyodide cannot start a process (threading.Thread and ThreadPoolExecutor run, as tasks)";
    PyObject *errno_module = pyrun_import("errno");
    PyObject *code = errno_module ? PyObject_GetAttrString(errno_module, "ENOTSUP") : NULL;
    Py_XDECREF(errno_module);
    PyObject *message = code ? PyUnicode_FromFormat("%U() is not available under pyrun: %s", what, why) : NULL;
    PyObject *exc = message ? PyObject_CallFunctionObjArgs(PyExc_OSError, code, message, NULL) : NULL;
    if (exc != NULL) {
        PyErr_SetObject(PyExc_OSError, exc);
    }
    Py_XDECREF(code);
    Py_XDECREF(message);
    Py_XDECREF(exc);
    return NULL;
}
