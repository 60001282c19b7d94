/* Calls whose target pyrun only knows at run time: a callable that may be
 * colored, a class whose __init__ blocks, a property whose getter blocks.
 * A face is called through its async side and awaited; a primitive the
 * program reached by another name (sleep = time.sleep) is awaited as
 * pyrun's async version; anything else, including a coroutine the user
 * wrote and left unawaited on purpose, is called and passed through. */
#include "helpers.h"

/* The coroutine of obj.__call__ when that is a face (an instance whose
 * __call__ blocks); NULL without exception otherwise. */
static PyObject *
call_dunder_async(pyrun_state *st, PyObject *obj, PyObject *args, PyObject *kwargs)
{
    PyObject *dunder = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__call__");
    if (dunder == NULL) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *coro = NULL;
    if (pyrun_is_face(st, dunder)) {
        PyObject *all = PyTuple_New(PyTuple_Size(args) + 1);
        if (all != NULL) {
            PyTuple_SetItem(all, 0, Py_NewRef(obj));
            for (Py_ssize_t i = 0; i < PyTuple_Size(args); i++) {
                PyTuple_SetItem(all, i + 1, Py_NewRef(PyTuple_GetItem(args, i)));
            }
            coro = pyrun_face_call_async(st, dunder, all, kwargs);
            Py_DECREF(all);
        }
    }
    Py_DECREF(dunder);
    return coro;
}

/* A method object over a face (classmethod(obj.method), MethodType(f, x)):
 * the face's async side with __self__ first. NULL without exception for
 * anything else. */
static PyObject *
call_method_async(pyrun_state *st, PyObject *obj, PyObject *args, PyObject *kwargs)
{
    if ((PyObject *)Py_TYPE(obj) != st->method_type) {
        return NULL;
    }
    PyObject *func = PyObject_GetAttrString(obj, "__func__");
    if (func == NULL || !pyrun_is_face(st, func)) {
        Py_XDECREF(func);
        PyErr_Clear();
        return NULL;
    }
    PyObject *self = PyObject_GetAttrString(obj, "__self__");
    PyObject *first = self ? PyTuple_Pack(1, self) : NULL;
    PyObject *all = first ? PySequence_Concat(first, args) : NULL;
    PyObject *coro = all ? pyrun_face_call_async(st, func, all, kwargs) : NULL;
    Py_DECREF(func);
    Py_XDECREF(self);
    Py_XDECREF(first);
    Py_XDECREF(all);
    return coro;
}

/* functools.partial(face, ...): the face's async side with the partial's
 * arguments first. NULL without exception for anything else. */
static PyObject *
call_partial_async(pyrun_state *st, PyObject *obj, PyObject *args, PyObject *kwargs)
{
    PyObject *type_name = PyType_GetName(Py_TYPE(obj));
    int is_partial = type_name && PyUnicode_CompareWithASCIIString(type_name, "partial") == 0;
    Py_XDECREF(type_name);
    PyErr_Clear();
    if (!is_partial) {
        return NULL;
    }
    PyObject *func = PyObject_GetAttrString(obj, "func");
    if (func == NULL || !pyrun_is_face(st, func)) {
        Py_XDECREF(func);
        PyErr_Clear();
        return NULL;
    }
    PyObject *fixed = PyObject_GetAttrString(obj, "args");
    PyObject *keywords = fixed ? PyObject_GetAttrString(obj, "keywords") : NULL;
    PyObject *all = keywords ? PySequence_Concat(fixed, args) : NULL;
    PyObject *kw = all ? PyDict_Copy(keywords) : NULL;
    PyObject *coro = NULL;
    if (kw != NULL && (kwargs == NULL || PyDict_Update(kw, kwargs) == 0)) {
        coro = pyrun_face_call_async(st, func, all, kw);
    }
    Py_DECREF(func);
    Py_XDECREF(fixed);
    Py_XDECREF(keywords);
    Py_XDECREF(all);
    Py_XDECREF(kw);
    return coro;
}

/* What transformed code awaits for a face's async side: its coroutine; for
 * a colored generator function, the generator a plain call gives. Steals r. */
static PyObject *
awaitable_of(pyrun_state *st, PyObject *r)
{
    if (r == NULL || (PyObject *)Py_TYPE(r) != st->async_gen_type) {
        return r;
    }
    PyObject *gen = pyrun_sync_gen_wrap(st, r);
    Py_DECREF(r);
    return gen ? pyrun_maybe_steal(st, gen) : NULL;
}

/* The helper that awaits a primitive the program reached under another
 * name, or NULL (no exception) when callable is none. */
static PyObject *
primitive_helper(pyrun_state *st, PyObject *callable)
{
    const char *name = callable == st->time_sleep       ? "sleep"
                       : callable == st->original_input ? "input"
                       : callable == st->original_run   ? "run"
                                                        : NULL;
    return name ? PyObject_GetAttrString(st->helpers, name) : NULL;
}

/* ---- constructions whose __post_init__ blocks ---------------------------- */

/* A dataclass's generated __init__ calls __post_init__ last and ignores
 * what it returns: while such a class is constructed, a __post_init__ that
 * blocks, reached from that __init__, is deferred (face.c) and awaited
 * right after, in the order they were called, before the object is given. */

static step_result
hooks_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    PyObject *hooks = s->o[0];
    if (s->i < PyList_Size(hooks)) {
        *out = Py_NewRef(PyList_GetItem(hooks, s->i));
        PyList_SetItem(hooks, s->i++, Py_NewRef(Py_None)); /* awaited once */
        return STEP_AWAIT;
    }
    *out = Py_NewRef(s->o[1]);
    return STEP_DONE;
}

/* The rest are never awaited: closed, without "never awaited" warnings. */
static step_result
hooks_error(pyrun_step *s, PyObject **out)
{
    PyObject *hooks = s->o[0];
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    for (Py_ssize_t i = s->i; i < PyList_Size(hooks); i++) {
        PyObject *r = PyObject_CallMethod(PyList_GetItem(hooks, i), "close", NULL);
        Py_XDECREF(r);
        PyErr_Clear();
    }
    PyErr_Restore(type, value, tb);
    (void)out;
    return STEP_ERROR;
}

static int
defers_post_init(pyrun_state *st, PyObject *cls)
{
    PyObject *post = PyObject_GetAttrString(cls, "__post_init__");
    PyObject *init = post ? PyObject_GetAttrString(cls, "__init__") : NULL;
    int r = init != NULL && pyrun_is_face(st, post) && !pyrun_is_face(st, init);
    Py_XDECREF(post);
    Py_XDECREF(init);
    PyErr_Clear();
    return r;
}

static PyObject *
construct_deferring(pyrun_state *st, PyObject *cls, PyObject *args, PyObject *kwargs)
{
    PyObject *outer = st->deferred_hooks; /* a construction inside another */
    st->deferred_hooks = PyList_New(0);
    if (st->deferred_hooks == NULL) {
        st->deferred_hooks = outer;
        return NULL;
    }
    PyObject *obj = PyObject_Call(cls, args, kwargs);
    PyObject *hooks = st->deferred_hooks;
    st->deferred_hooks = outer;
    pyrun_step *s = pyrun_step_new(st, hooks_next, hooks_error);
    if (s == NULL || obj == NULL) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        for (Py_ssize_t i = 0; i < PyList_Size(hooks); i++) {
            PyObject *r = PyObject_CallMethod(PyList_GetItem(hooks, i), "close", NULL);
            Py_XDECREF(r);
            PyErr_Clear();
        }
        PyErr_Restore(type, value, tb);
        Py_XDECREF((PyObject *)s);
        Py_XDECREF(obj);
        Py_DECREF(hooks);
        return NULL;
    }
    s->o[0] = hooks;
    s->o[1] = obj;
    return (PyObject *)s;
}

int
pyrun_defer_hook(pyrun_state *st, PyObject *fn, PyObject *coro)
{
    if (st->deferred_hooks == NULL) {
        return 0;
    }
    PyObject *name = PyObject_GetAttrString(fn, "__name__");
    int hook = name != NULL && PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, "__post_init__") == 0;
    Py_XDECREF(name);
    PyErr_Clear();
    if (!hook) {
        return 0;
    }
    return PyList_Append(st->deferred_hooks, coro) < 0 ? -1 : 1;
}

int
pyrun_call_is_special(pyrun_state *st, PyObject *callable)
{
    return pyrun_is_stringifier(st, callable) || callable == st->time_sleep || callable == st->original_input ||
           callable == st->original_run || callable == st->builtin_len || callable == st->builtin_abs ||
           callable == (PyObject *)&PyBool_Type;
}

PyObject *
pyrun_call_maybe(pyrun_state *st, PyObject *callable, PyObject *args, PyObject *kwargs)
{
    PyObject *coro = pyrun_face_call_async(st, callable, args, kwargs);
    /* a plain function or a builtin has no __call__, __func__ or partial
     * of a face behind it: not looked for */
    int plain = PyCFunction_Check(callable) || (PyObject *)Py_TYPE(callable) == st->function_type;
    if (coro == NULL && !plain && !PyErr_Occurred()) {
        coro = call_dunder_async(st, callable, args, kwargs);
    }
    if (coro == NULL && !plain && !PyErr_Occurred()) {
        coro = call_method_async(st, callable, args, kwargs);
    }
    if (coro == NULL && !plain && !PyErr_Occurred()) {
        coro = call_partial_async(st, callable, args, kwargs);
    }
    if (coro != NULL || PyErr_Occurred()) {
        return awaitable_of(st, coro);
    }
    if (PyType_Check(callable) && defers_post_init(st, callable)) {
        return construct_deferring(st, callable, args, kwargs);
    }
    if ((callable == st->builtin_len || callable == st->builtin_abs || callable == (PyObject *)&PyBool_Type) &&
        PyTuple_Size(args) == 1 && (kwargs == NULL || PyDict_Size(kwargs) == 0)) {
        return pyrun_operators_call(st, callable, PyTuple_GetItem(args, 0));
    }
    if (pyrun_is_stringifier(st, callable)) {
        return pyrun_stringify_call(st, callable, args, kwargs);
    }
    PyObject *helper = primitive_helper(st, callable);
    if (helper == NULL) {
        return PyErr_Occurred() ? NULL : pyrun_maybe_steal(st, PyObject_Call(callable, args, kwargs));
    }
    /* helper(primitive, *args, **kwargs) */
    PyObject *all = PyTuple_New(PyTuple_Size(args) + 1);
    PyObject *r = NULL;
    if (all != NULL) {
        PyTuple_SetItem(all, 0, Py_NewRef(callable));
        for (Py_ssize_t i = 0; i < PyTuple_Size(args); i++) {
            PyTuple_SetItem(all, i + 1, Py_NewRef(PyTuple_GetItem(args, i)));
        }
        r = PyObject_Call(helper, all, kwargs);
        Py_DECREF(all);
    }
    Py_DECREF(helper);
    return r;
}

/* callable(*args, **kwnames) from a vectorcall's arguments. */
PyObject *
pyrun_call_vector(pyrun_state *st, PyObject *callable, PyObject *const *args, Py_ssize_t nargs,
                  PyObject *kwnames)
{
    Py_ssize_t nkw = kwnames ? PyTuple_Size(kwnames) : 0;
    PyObject *tuple = PyTuple_New(nargs);
    PyObject *kwargs = tuple && nkw ? PyDict_New() : NULL;
    if (tuple == NULL || (nkw && kwargs == NULL)) {
        Py_XDECREF(tuple);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        PyTuple_SetItem(tuple, i, Py_NewRef(args[i]));
    }
    for (Py_ssize_t i = 0; i < nkw; i++) {
        if (PyDict_SetItem(kwargs, PyTuple_GetItem(kwnames, i), args[nargs + i]) < 0) {
            Py_DECREF(tuple);
            Py_DECREF(kwargs);
            return NULL;
        }
    }
    PyObject *r = pyrun_call_maybe(st, callable, tuple, kwargs);
    Py_DECREF(tuple);
    Py_XDECREF(kwargs);
    return r;
}

/* call(f, *args, **kwargs) */
PyObject *
pyrun_helper_call(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "call() needs an argument");
        return NULL;
    }
    return pyrun_call_vector(st, args[0], args + 1, nargs - 1, kwnames);
}

/* A task awaiting callable(*args): what to_thread and run_in_executor
 * give, so that the program's own await of it, or none, is as it was. */
static PyObject *
task_of_call(pyrun_state *st, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, const char *name)
{
    if (nargs < 1) {
        PyErr_Format(PyExc_TypeError, "%s() needs a callable", name);
        return NULL;
    }
    PyObject *aw = pyrun_call_vector(st, args[0], args + 1, nargs - 1, kwnames);
    PyObject *task = aw ? PyObject_CallOneArg_compat(st->ensure_future, aw) : NULL;
    Py_XDECREF(aw);
    return task;
}

/* to_thread(f, *args, **kwargs): on the one loop, f runs as a task. */
PyObject *
pyrun_helper_to_thread(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    pyrun_state *st = pyrun_get_state(module);
    return st ? task_of_call(st, args, nargs, kwnames, "to_thread") : NULL;
}

/* run_in_executor(executor, f, *args): likewise, whatever the executor. */
PyObject *
pyrun_helper_run_in_executor(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st != NULL && nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "run_in_executor() needs an executor and a callable");
        return NULL;
    }
    return st ? task_of_call(st, args + 1, nargs - 1, kwnames, "run_in_executor") : NULL;
}

/* ---- callbacks the event loop calls --------------------------------- */

/* self: (module, callback). The loop calls it with the callback's
 * arguments: a colored callback runs as a task (the loop cannot wait for
 * it), anything else is called then and there, as the loop would. */
static PyObject *
task_callback(PyObject *self, PyObject *args)
{
    PyObject *callback = PyTuple_GetItem(self, 1);
    pyrun_state *st = pyrun_get_state(PyTuple_GetItem(self, 0));
    if (st == NULL) {
        return NULL;
    }
    PyObject *coro = pyrun_face_call_async(st, callback, args, NULL);
    if (coro == NULL) {
        return PyErr_Occurred() ? NULL : PyObject_Call(callback, args, NULL);
    }
    PyObject *aw = awaitable_of(st, coro);
    PyObject *task = aw ? PyObject_CallOneArg_compat(st->ensure_future, aw) : NULL;
    Py_XDECREF(aw);
    if (task == NULL) {
        return NULL;
    }
    Py_DECREF(task);
    Py_RETURN_NONE;
}

static PyMethodDef task_callback_def = {"task_callback", task_callback, METH_VARARGS, NULL};

/* as_task(callback): what loop.call_soon / call_later are given instead of
 * a callback that may be colored. */
PyObject *
pyrun_helper_as_task(PyObject *module, PyObject *callback)
{
    PyObject *self = PyTuple_Pack(2, module, callback);
    PyObject *fn = self ? PyCFunction_New(&task_callback_def, self) : NULL;
    Py_XDECREF(self);
    return fn;
}

/* ---- StopIteration carried out of a coroutine (see the transform) ----- */

typedef struct {
    PyObject_HEAD
    PyObject *exc;
} Stopped;

static void
stopped_dealloc(Stopped *s)
{
    PyTypeObject *type = Py_TYPE((PyObject *)s);
    PyObject_GC_UnTrack(s);
    Py_CLEAR(s->exc);
    ((freefunc)PyType_GetSlot(type, Py_tp_free))(s);
    Py_DECREF(type);
}

static int
stopped_traverse(Stopped *s, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE((PyObject *)s));
    Py_VISIT(s->exc);
    return 0;
}

static PyType_Slot stopped_slots[] = {
    {Py_tp_dealloc, stopped_dealloc},
    {Py_tp_traverse, stopped_traverse},
    {0, NULL},
};

static PyType_Spec stopped_spec = {
    .name = "pyrun.Stopped",
    .basicsize = sizeof(Stopped),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = stopped_slots,
};

int
pyrun_calls_register(PyObject *module, pyrun_state *st)
{
    st->stopped_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &stopped_spec, NULL);
    return st->stopped_type == NULL ? -1 : 0;
}

/* stopped(exc): what a colored function returns for the StopIteration it
 * would have raised */
PyObject *
pyrun_helper_stopped(PyObject *module, PyObject *exc)
{
    pyrun_state *st = pyrun_get_state(module);
    return st ? pyrun_stopped_new(st, exc) : NULL;
}

PyObject *
pyrun_stopped_new(pyrun_state *st, PyObject *exc)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(st->stopped_type, Py_tp_alloc);
    Stopped *s = (Stopped *)alloc(st->stopped_type, 0);
    if (s != NULL) {
        s->exc = Py_NewRef(exc);
    }
    return (PyObject *)s;
}

int
pyrun_reraise_stopped(pyrun_state *st, PyObject *value)
{
    if (value == NULL || Py_TYPE(value) != st->stopped_type) {
        return 0;
    }
    PyObject *exc = ((Stopped *)value)->exc;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    return -1;
}

/* unstop(value): the value, or the StopIteration it carries, raised here */
PyObject *
pyrun_helper_unstop(PyObject *module, PyObject *value)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL || pyrun_reraise_stopped(st, value) < 0) {
        return NULL;
    }
    return Py_NewRef(value);
}

static PyObject *
split_first(PyObject *args, const char *name, PyObject **first)
{
    if (PyTuple_Size(args) < 1) {
        PyErr_Format(PyExc_TypeError, "%s() needs an argument", name);
        return NULL;
    }
    *first = PyTuple_GetItem(args, 0);
    return PyTuple_GetSlice(args, 1, PyTuple_Size(args));
}

/* After awaiting __init__'s coroutine: the new object, as type() would. */
static step_result
init_done(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        *out = Py_NewRef(s->o[1]); /* the coroutine */
        return STEP_AWAIT;
    }
    if (value != Py_None) {
        PyObject *name = PyType_GetName(Py_TYPE(value));
        if (name != NULL) {
            PyErr_Format(PyExc_TypeError, "__init__() should return None, not '%U'", name);
            Py_DECREF(name);
        }
        return STEP_ERROR;
    }
    *out = Py_NewRef(s->o[0]);
    return STEP_DONE;
}

/* new(cls, *args, **kwargs): cls(*args, **kwargs) when cls.__init__ is
 * colored: __new__, then __init__'s coroutine awaited. */
PyObject *
pyrun_helper_new(PyObject *module, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *cls;
    PyObject *rest = st ? split_first(args, "new", &cls) : NULL;
    if (rest == NULL) {
        return NULL;
    }
    PyObject *result = NULL, *obj = NULL, *init = NULL;
    PyObject *new_fn = PyObject_GetAttrString(cls, "__new__");
    PyObject *new_args = new_fn ? PyTuple_New(PyTuple_Size(rest) + 1) : NULL;
    if (new_args == NULL) {
        goto done;
    }
    PyTuple_SetItem(new_args, 0, Py_NewRef(cls));
    for (Py_ssize_t i = 0; i < PyTuple_Size(rest); i++) {
        PyTuple_SetItem(new_args, i + 1, Py_NewRef(PyTuple_GetItem(rest, i)));
    }
    obj = PyObject_Call(new_fn, new_args, kwargs);
    Py_DECREF(new_args);
    if (obj == NULL) {
        goto done;
    }
    int is_instance = PyObject_IsInstance(obj, cls);
    if (is_instance <= 0) {
        result = is_instance < 0 ? NULL : pyrun_ready(st, obj);
        goto done;
    }
    init = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__init__");
    if (init == NULL) {
        goto done;
    }
    PyObject *bound_args = PyTuple_New(PyTuple_Size(rest) + 1);
    if (bound_args == NULL) {
        goto done;
    }
    PyTuple_SetItem(bound_args, 0, Py_NewRef(obj));
    for (Py_ssize_t i = 0; i < PyTuple_Size(rest); i++) {
        PyTuple_SetItem(bound_args, i + 1, Py_NewRef(PyTuple_GetItem(rest, i)));
    }
    PyObject *coro = pyrun_face_call_async(st, init, bound_args, kwargs);
    if (coro == NULL && !PyErr_Occurred()) {
        /* a plain __init__ */
        coro = PyObject_Call(init, bound_args, kwargs);
        int is_none = coro == Py_None;
        if (coro != NULL && !is_none) {
            PyObject *name = PyType_GetName(Py_TYPE(coro));
            if (name != NULL) {
                PyErr_Format(PyExc_TypeError, "__init__() should return None, not '%U'", name);
                Py_DECREF(name);
            }
        }
        Py_CLEAR(coro);
        Py_DECREF(bound_args);
        result = is_none ? pyrun_ready(st, obj) : NULL;
        goto done;
    }
    Py_DECREF(bound_args);
    if (coro == NULL) {
        goto done;
    }
    pyrun_step *s = pyrun_step_new(st, init_done, NULL);
    if (s == NULL) {
        Py_DECREF(coro);
        goto done;
    }
    s->o[0] = Py_NewRef(obj);
    s->o[1] = coro;
    result = (PyObject *)s;
done:
    Py_DECREF(rest);
    Py_XDECREF(new_fn);
    Py_XDECREF(obj);
    Py_XDECREF(init);
    return result;
}

/* functools.cached_property over a colored function: the value computed
 * once, awaited, and kept in the instance's __dict__ as cached_property
 * keeps it. NULL without exception when `descr` is no such thing. */
static step_result
cached_property_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 2, out);
    }
    if (PyObject_SetItem(s->o[0], s->o[1], value) < 0) {
        return STEP_ERROR;
    }
    *out = Py_NewRef(value);
    return STEP_DONE;
}

static PyObject *
cached_property_async(pyrun_state *st, PyObject *obj, PyObject *descr)
{
    PyObject *functools = pyrun_import("functools");
    PyObject *type = functools ? PyObject_GetAttrString(functools, "cached_property") : NULL;
    Py_XDECREF(functools);
    int is = type ? PyObject_IsInstance(descr, type) : -1;
    Py_XDECREF(type);
    PyObject *func = is > 0 ? PyObject_GetAttrString(descr, "func") : NULL;
    PyObject *attrname = func && pyrun_is_face(st, func) ? PyObject_GetAttrString(descr, "attrname") : NULL;
    PyObject *dict = attrname && PyUnicode_Check(attrname) ? PyObject_GetAttrString(obj, "__dict__") : NULL;
    PyObject *result = NULL;
    if (dict != NULL) {
        PyObject *known = PyObject_GetItem(dict, attrname);
        if (known != NULL) {
            result = pyrun_ready(st, known);
            Py_DECREF(known);
        }
        else if (PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
            PyObject *one = PyTuple_Pack(1, obj);
            PyObject *coro = one ? pyrun_face_call_async(st, func, one, NULL) : NULL;
            Py_XDECREF(one);
            pyrun_step *s = coro ? pyrun_step_new(st, cached_property_next, NULL) : NULL;
            if (s != NULL) {
                s->o[0] = Py_NewRef(dict);
                s->o[1] = Py_NewRef(attrname);
                s->o[2] = Py_NewRef(coro);
            }
            Py_XDECREF(coro);
            result = (PyObject *)s;
        }
    }
    /* anything else (no __dict__, a plain function) as the descriptor
     * itself does it */
    PyErr_Clear();
    Py_XDECREF(func);
    Py_XDECREF(attrname);
    Py_XDECREF(dict);
    return result;
}

/* What type(obj)'s MRO holds under name, as the interpreter looks up a
 * descriptor: a new reference, NULL without an exception when nothing. */
static PyObject *
type_lookup(PyObject *obj, PyObject *name)
{
    PyObject *mro = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__mro__");
    if (mro == NULL) {
        return NULL;
    }
    PyObject *found = NULL;
    for (Py_ssize_t i = 0; i < PyTuple_Size(mro) && found == NULL; i++) {
        PyObject *dict = PyObject_GetAttrString(PyTuple_GetItem(mro, i), "__dict__");
        if (dict == NULL) {
            break;
        }
        found = PyObject_GetItem(dict, name);
        Py_DECREF(dict);
        if (found == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_KeyError)) {
                break;
            }
            PyErr_Clear();
        }
    }
    Py_DECREF(mro);
    return found;
}

/* getattr(obj, name): a property whose getter is colored is awaited. */
PyObject *
pyrun_helper_getattr(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *obj, *name;
    if (st == NULL || !PyArg_ParseTuple(args, "OU:getattr", &obj, &name)) {
        return NULL;
    }
    PyObject *found = type_lookup(obj, name);
    if (found == NULL && PyErr_Occurred()) {
        return NULL;
    }
    if (found != NULL) {
        PyObject *cached = cached_property_async(st, obj, found);
        if (cached != NULL) {
            Py_DECREF(found);
            return cached;
        }
        PyObject *fget = PyObject_GetAttrString(found, "fget");
        Py_DECREF(found);
        if (fget == NULL) {
            PyErr_Clear();
        }
        else {
            PyObject *one = PyTuple_Pack(1, obj);
            PyObject *coro = one ? pyrun_face_call_async(st, fget, one, NULL) : NULL;
            Py_XDECREF(one);
            Py_DECREF(fget);
            if (coro != NULL || PyErr_Occurred()) {
                return coro;
            }
        }
    }
    return pyrun_maybe_steal(st, PyObject_GetAttr(obj, name));
}

/* obj.name = value (value given first, as evaluated) or del obj.name
 * (value NULL): a property whose fset or fdel is colored is awaited, with
 * what the property itself would pass it; anything else, a property
 * without a setter included, is stored or deleted as the interpreter
 * does, with its errors. */
static PyObject *
store_or_delete(pyrun_state *st, PyObject *obj, PyObject *name, PyObject *value)
{
    PyObject *found = type_lookup(obj, name);
    if (found == NULL && PyErr_Occurred()) {
        return NULL;
    }
    int is = found ? PyObject_IsInstance(found, (PyObject *)&PyProperty_Type) : 0;
    PyObject *fn = is > 0 ? PyObject_GetAttrString(found, value ? "fset" : "fdel") : NULL;
    Py_XDECREF(found);
    if (is < 0 || (is > 0 && fn == NULL)) {
        return NULL;
    }
    if (fn != NULL && pyrun_is_face(st, fn)) {
        PyObject *args = value ? PyTuple_Pack(2, obj, value) : PyTuple_Pack(1, obj);
        PyObject *coro = args ? pyrun_face_call_async(st, fn, args, NULL) : NULL;
        Py_XDECREF(args);
        Py_DECREF(fn);
        return coro;
    }
    Py_XDECREF(fn);
    if (PyObject_SetAttr(obj, name, value) < 0) {
        return NULL;
    }
    return pyrun_ready(st, Py_None);
}

PyObject *
pyrun_helper_store_attr(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *value, *obj, *name;
    if (st == NULL || !PyArg_ParseTuple(args, "OOU:store_attr", &value, &obj, &name)) {
        return NULL;
    }
    return store_or_delete(st, obj, name, value);
}

PyObject *
pyrun_helper_delete_attr(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *obj, *name;
    if (st == NULL || !PyArg_ParseTuple(args, "OU:delete_attr", &obj, &name)) {
        return NULL;
    }
    return store_or_delete(st, obj, name, NULL);
}
