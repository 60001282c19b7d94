/* Calls whose target pyrun only knows at run time: a callable that may be
 * colored, a method of an unknown object, a class whose __init__ blocks, a
 * property whose getter blocks. A colored coroutine is awaited; anything
 * else, including a coroutine the user wrote and left unawaited on
 * purpose, is passed through untouched. */
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
    if (Py_TYPE(dunder) == st->face_type) {
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

PyObject *
pyrun_call_maybe(pyrun_state *st, PyObject *callable, PyObject *args, PyObject *kwargs)
{
    PyObject *coro = pyrun_face_call_async(st, callable, args, kwargs);
    if (coro == NULL && !PyErr_Occurred()) {
        coro = call_dunder_async(st, callable, args, kwargs);
    }
    if (coro != NULL || PyErr_Occurred()) {
        return coro;
    }
    return pyrun_maybe_steal(st, PyObject_Call(callable, args, kwargs));
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

/* call(f, *args, **kwargs) */
PyObject *
pyrun_helper_call(PyObject *module, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *f;
    PyObject *rest = st ? split_first(args, "call", &f) : NULL;
    if (rest == NULL) {
        return NULL;
    }
    PyObject *r = pyrun_call_maybe(st, f, rest, kwargs);
    Py_DECREF(rest);
    return r;
}

/* maybe(value): for the result of a method call on an unknown object */
PyObject *
pyrun_helper_maybe(PyObject *module, PyObject *value)
{
    pyrun_state *st = pyrun_get_state(module);
    return st ? pyrun_maybe_steal(st, Py_NewRef(value)) : NULL;
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
        /* a plain __init__ (or a colored coroutine from an unmarked one) */
        coro = PyObject_Call(init, bound_args, kwargs);
        int colored = coro ? pyrun_is_colored_coroutine(st, coro) : -1;
        if (colored == 0) {
            int is_none = coro == Py_None;
            if (!is_none) {
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
        if (colored < 0) {
            Py_CLEAR(coro);
        }
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

/* getattr(obj, name): a property whose getter is colored is awaited. */
PyObject *
pyrun_helper_getattr(PyObject *module, PyObject *args)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *obj, *name;
    if (st == NULL || !PyArg_ParseTuple(args, "OU:getattr", &obj, &name)) {
        return NULL;
    }
    PyObject *mro = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__mro__");
    if (mro == NULL) {
        return NULL;
    }
    PyObject *found = NULL;
    for (Py_ssize_t i = 0; i < PyTuple_Size(mro) && found == NULL; i++) {
        PyObject *dict = PyObject_GetAttrString(PyTuple_GetItem(mro, i), "__dict__");
        if (dict == NULL) {
            Py_DECREF(mro);
            return NULL;
        }
        found = PyObject_GetItem(dict, name);
        Py_DECREF(dict);
        if (found == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_KeyError)) {
                Py_DECREF(mro);
                return NULL;
            }
            PyErr_Clear();
        }
    }
    Py_DECREF(mro);
    if (found != NULL) {
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
