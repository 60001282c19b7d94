/* Rewriting statements: colored defs become async defs, loops over
 * colored generators become `async for`, blocking context managers
 * `async with`; bodies are rebuilt so that lifted lambdas land just before
 * the statement that used them. */
#include "rewrite.h"

#include <stdlib.h>
#include <string.h>

static int rw_stmt(rw *r, PyObject *stmt, PyObject *out);

int
rw_body(rw *r, PyObject *node, PyObject *field)
{
    PyObject *body = ast_get(node, field);
    if (body == NULL) {
        return -1;
    }
    if (!PyList_Check(body)) {
        Py_DECREF(body);
        return 0;
    }
    PyObject *out = PyList_New(0);
    /* what a statement's rewrite puts before it (lifted lambdas) */
    PyObject *before = out ? PyList_New(0) : NULL;
    if (before == NULL) {
        Py_XDECREF(out);
        Py_DECREF(body);
        return -1;
    }
    PyObject *saved = r->before;
    int saved_lambdas = r->lambdas;
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(body); i++) {
        Py_ssize_t at = PyList_Size(out);
        r->before = before;
        r->lambdas = 0;
        rc = rw_stmt(r, PyList_GetItem(body, i), out);
        Py_ssize_t lifted = PyList_Size(before);
        if (rc == 0 && lifted > 0) {
            rc = PyList_SetSlice(out, at, at, before) < 0 || PyList_SetSlice(before, 0, lifted, NULL) < 0 ? -1 : 0;
        }
    }
    r->before = saved;
    r->lambdas = saved_lambdas;
    Py_DECREF(before);
    if (rc == 0) {
        rc = ast_set(node, field, out);
    }
    Py_DECREF(out);
    Py_DECREF(body);
    return rc;
}

static int
rw_field(rw *r, PyObject *node, PyObject *field)
{
    PyObject *v = ast_get(node, field);
    if (v == NULL) {
        return -1;
    }
    int rc = 0;
    if (PyList_Check(v)) {
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(v); i++) {
            PyObject *nv = rw_expr(r, PyList_GetItem(v, i));
            rc = nv == NULL ? -1 : PyList_SetItem(v, i, nv);
        }
    }
    else if (v != Py_None) {
        PyObject *nv = rw_expr(r, v);
        rc = nv == NULL ? -1 : (nv != v ? ast_set(node, field, nv) : 0);
        Py_XDECREF(nv);
    }
    Py_DECREF(v);
    return rc;
}

static const char *
line_suffix(unit *u, char *buf, size_t n)
{
    if (u->why_line > 0) {
        PyOS_snprintf(buf, n, " (line %d)", u->why_line);
    }
    else {
        buf[0] = '\0';
    }
    return buf;
}

static int
note_colored(rw *r, unit *u, PyObject *name)
{
    char line[32];
    line_suffix(u, line, sizeof line);
    if (u->why_name != NULL) {
        return rw_note(r, u->node, "%U colored: %s %U%s", name, u->why_what, u->why_name, line);
    }
    return rw_note(r, u->node, "%U colored: %s%s", name, u->why_what, line);
}

static PyObject *
helper_call1(ast_kit *kit, PyObject *loc, const char *helper, PyObject *arg)
{
    PyObject *args = PyList_New(1);
    if (args == NULL) {
        return NULL;
    }
    PyList_SetItem(args, 0, Py_NewRef(arg));
    PyObject *call = ast_helper_call(kit, loc, helper, args, NULL);
    Py_DECREF(args);
    return call;
}

/* Is the value of decorator expression i of a def classmethod? */
static int
decorator_is(rw *r, unit *u, int i, prim p)
{
    if (u == NULL || i < 0 || i >= u->ndecos) {
        return 0;
    }
    const idset *d = tx_values(r->t, u->decos[i]);
    for (int j = 0; j < d->n; j++) {
        aobj *o = &r->t->objs[d->v[j]];
        if (o->kind == O_PRIM && o->p == p) {
            return 1;
        }
    }
    return 0;
}

/* Is decorator expression i of a def functools' cache (cache, lru_cache,
 * or the decorator lru_cache(...) makes)? */
static int
decorator_caches(rw *r, unit *u, int i)
{
    if (decorator_is(r, u, i, P_LRU_CACHE) || decorator_is(r, u, i, P_CACHE)) {
        return 1;
    }
    const idset *d = tx_values(r->t, u->decos[i]);
    for (int j = 0; j < d->n; j++) {
        aobj *o = &r->t->objs[d->v[j]];
        if (o->kind == O_WRAP && o->wrap == W_PARTIAL_DECO) {
            return 1;
        }
    }
    return 0;
}

/* "classmethod" or "staticmethod" for the methods type() makes so on its
 * own (__init_subclass__, __class_getitem__, __new__), when they are not
 * decorated already; else NULL. */
static const char *
implicit_method_kind(rw *r, unit *u)
{
    if (u->owner == NULL || u->name == NULL || u->ndecos > 0) {
        return NULL;
    }
    if (PyUnicode_CompareWithASCIIString(u->name, "__init_subclass__") == 0 ||
        PyUnicode_CompareWithASCIIString(u->name, "__class_getitem__") == 0) {
        return "classmethod";
    }
    (void)r;
    return PyUnicode_CompareWithASCIIString(u->name, "__new__") == 0 ? "staticmethod" : NULL;
}

/* The decorators of a def or class, rewritten as expressions. A colored
 * def also gets __pyrun__.face as its innermost decorator, so that
 * whatever calls it synchronously (the interpreter, a library, a
 * decorator) gets its result; transformed code awaits its async side. A
 * classmethod takes the face outside, as the face binds what it wraps. */
static int
rw_decorators(rw *r, PyObject *node, unit *u)
{
    ast_kit *kit = r->kit;
    PyObject *decorators = ast_get(node, kit->s_decorator_list);
    if (decorators == NULL) {
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(decorators); i++) {
        PyObject *nd = rw_expr(r, PyList_GetItem(decorators, i));
        rc = nd == NULL ? -1 : PyList_SetItem(decorators, i, nd);
    }
    if (rc == 0 && u != NULL && u->colored && !u->native_async) {
        /* a cache over a colored def keeps results, not coroutines */
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(decorators) && i < u->ndecos; i++) {
            if (!decorator_caches(r, u, (int)i)) {
                continue;
            }
            PyObject *args = PyList_New(1);
            PyObject *d = PyList_GetItem(decorators, i);
            if (args != NULL) {
                PyList_SetItem(args, 0, Py_NewRef(d));
            }
            PyObject *wrapped = args ? ast_helper_call(kit, d, "cached", args, NULL) : NULL;
            Py_XDECREF(args);
            rc = wrapped == NULL ? -1 : PyList_SetItem(decorators, i, wrapped);
            if (rc == 0) {
                rc = rw_note(r, wrapped, "functools cache over a colored function -> caches its results");
            }
        }
    }
    /* functools' dispatchers call what they pick synchronously; its
     * registered implementations may be colored even when this one is not */
    for (Py_ssize_t i = 0; rc == 0 && u != NULL && i < PyList_Size(decorators) && i < u->ndecos; i++) {
        if (!decorator_is(r, u, (int)i, P_SINGLEDISPATCH) && !decorator_is(r, u, (int)i, P_SINGLEDISPATCHMETHOD)) {
            continue;
        }
        PyObject *args = PyList_New(1);
        PyObject *d = PyList_GetItem(decorators, i);
        if (args != NULL) {
            PyList_SetItem(args, 0, Py_NewRef(d));
        }
        PyObject *wrapped = args ? ast_helper_call(kit, d, "dispatching", args, NULL) : NULL;
        Py_XDECREF(args);
        rc = wrapped == NULL ? -1 : PyList_SetItem(decorators, i, wrapped);
        if (rc == 0) {
            rc = rw_note(r, wrapped, "functools dispatcher -> awaits the colored implementations it picks");
        }
    }
    if (rc == 0 && u != NULL && u->colored && !u->native_async) {
        Py_ssize_t n = PyList_Size(decorators);
        Py_ssize_t at = n > 0 && decorator_is(r, u, (int)n - 1, P_CLASSMETHOD) ? n - 1 : n;
        /* type() makes these a classmethod or staticmethod only when they
         * are plain functions: a face needs it said */
        const char *implicit = implicit_method_kind(r, u);
        PyObject *wrap_id = implicit ? PyUnicode_InternFromString(implicit) : NULL;
        PyObject *wrap = wrap_id ? ast_name(kit, node, wrap_id, kit->load) : NULL;
        Py_XDECREF(wrap_id);
        if (implicit != NULL && (wrap == NULL || PyList_Append(decorators, wrap) < 0)) {
            rc = -1;
        }
        if (implicit != NULL && strcmp(implicit, "classmethod") == 0) {
            at = n; /* before the classmethod just added */
        }
        Py_XDECREF(wrap);
        /* where the first decorator is, as CPython starts the def there
         * (co_firstlineno, line events), also once the others that block
         * are applied after the statement */
        PyObject *first = n > 0 ? PyList_GetItem(decorators, 0) : node;
        PyObject *face = rc == 0 ? ast_helper(kit, first, "face") : NULL;
        rc = face == NULL ? -1 : PyList_Insert(decorators, at, face);
        Py_XDECREF(face);
    }
    Py_DECREF(decorators);
    return rc;
}

/* Decorators whose application blocks cannot stay decorators: the
 * innermost one that blocks and all the ones outside it are applied after
 * the statement, awaited:
 *     @d0 @d1 def f  ->  def f; f = await call(d0, await call(d1, f))
 * `analysed` is the statement as the analysis saw it (node may be its
 * async version). */
static int
rw_blocking_decorators(rw *r, PyObject *node, PyObject *analysed, PyObject *name, PyObject *out)
{
    tx *t = r->t;
    ast_kit *kit = r->kit;
    PyObject *decorators = ast_get(node, kit->s_decorator_list);
    if (decorators == NULL) {
        return -1;
    }
    /* the innermost that blocks, and all outside it, are applied by hand */
    Py_ssize_t n = PyList_Size(decorators), first = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key = Py_BuildValue("(On)", analysed, i);
        site *s = key ? tx_site_of(t, key) : NULL;
        Py_XDECREF(key);
        if (PyErr_Occurred()) {
            Py_DECREF(decorators);
            return -1;
        }
        if (s != NULL && s->effect == E_DECORATE) {
            first = i;
        }
    }
    int rc = 0;
    if (first < 0 || !r->can_await) {
        Py_DECREF(decorators);
        return PyList_Append(out, node);
    }
    /* applied innermost first, after the statement binds the name, in one
     * expression: the decorators' own expressions are then evaluated top
     * to bottom, as CPython evaluates them */
    PyObject *applied = PyList_GetSlice(decorators, 0, first + 1);
    PyObject *kept = applied ? PyList_GetSlice(decorators, first + 1, n) : NULL;
    rc = kept == NULL || ast_set(node, kit->s_decorator_list, kept) < 0 || PyList_Append(out, node) < 0 ? -1 : 0;
    PyObject *value = rc == 0 ? ast_name(kit, PyList_GetItem(applied, first), name, kit->load) : NULL;
    for (Py_ssize_t i = first; value != NULL && i >= 0; i--) {
        PyObject *d = PyList_GetItem(applied, i);
        PyObject *args = PyList_New(2);
        PyObject *call = NULL;
        if (args != NULL) {
            PyList_SetItem(args, 0, Py_NewRef(d));
            PyList_SetItem(args, 1, Py_NewRef(value));
            call = ast_helper_call(kit, d, "call", args, NULL);
        }
        Py_SETREF(value, call ? ast_await(kit, d, call) : NULL);
        Py_XDECREF(args);
        Py_XDECREF(call);
    }
    PyObject *d0 = PyList_GetItem(applied, 0);
    PyObject *target = value ? ast_name(kit, d0, name, kit->store) : NULL;
    PyObject *targets = target ? PyList_New(1) : NULL;
    PyObject *assign = NULL;
    if (targets != NULL) {
        PyList_SetItem(targets, 0, Py_NewRef(target));
        assign = ast_make(kit, AK_Assign, d0, kit->s_targets, targets, kit->s_value, value, NULL);
    }
    if (rc == 0 && (assign == NULL || PyList_Append(out, assign) < 0)) {
        rc = -1;
    }
    Py_XDECREF(value);
    Py_XDECREF(target);
    Py_XDECREF(targets);
    Py_XDECREF(assign);
    if (rc == 0) {
        rc = rw_note(r, node, "a decorator that blocks as it decorates -> applied after the statement, awaited");
    }
    Py_XDECREF(applied);
    Py_XDECREF(kept);
    Py_DECREF(decorators);
    return rc;
}

/* A coroutine may not let StopIteration out (PEP 479 makes it a
 * RuntimeError); the plain function it was let its caller catch it. So
 * the body becomes
 *     try: <body>
 *     except StopIteration as e: return __pyrun__.stopped(e)
 * and its callers raise it again where the call was (__pyrun__.unstop). */
int
rw_carry_stop_iteration(rw *r, PyObject *def)
{
    ast_kit *kit = r->kit;
    PyObject *body = ast_get(def, kit->s_body);
    if (body == NULL) {
        return -1;
    }
    /* the docstring stays first, for __doc__ */
    Py_ssize_t first = 0;
    if (PyList_Size(body) > 1 && ast_kind_of(kit, PyList_GetItem(body, 0)) == AK_Expr) {
        PyObject *v = ast_get(PyList_GetItem(body, 0), kit->s_value);
        PyObject *c = v && ast_kind_of(kit, v) == AK_Constant ? ast_get(v, kit->s_value) : NULL;
        first = c != NULL && PyUnicode_Check(c) ? 1 : 0;
        Py_XDECREF(v);
        Py_XDECREF(c);
        PyErr_Clear();
    }
    PyObject *inner = PyList_GetSlice(body, first, PyList_Size(body));
    PyObject *loc = inner && PyList_Size(inner) ? PyList_GetItem(inner, 0) : def;
    PyObject *name = inner ? PyUnicode_InternFromString("__pyrun_stop") : NULL;
    PyObject *stop = name ? PyUnicode_InternFromString("StopIteration") : NULL;
    PyObject *type = stop ? ast_name(kit, loc, stop, kit->load) : NULL;
    PyObject *caught = type ? ast_name(kit, loc, name, kit->load) : NULL;
    PyObject *args = caught ? PyList_New(1) : NULL;
    PyObject *call = NULL, *ret = NULL, *handler_body = NULL, *handler = NULL, *handlers = NULL;
    PyObject *empty1 = NULL, *empty2 = NULL, *try_ = NULL, *new_body = NULL;
    int rc = -1;
    if (args == NULL) {
        goto done;
    }
    PyList_SetItem(args, 0, Py_NewRef(caught));
    call = ast_helper_call(kit, loc, "stopped", args, NULL);
    ret = call ? ast_make(kit, AK_Return, loc, kit->s_value, call, NULL) : NULL;
    handler_body = ret ? PyList_New(1) : NULL;
    if (handler_body == NULL) {
        goto done;
    }
    PyList_SetItem(handler_body, 0, Py_NewRef(ret));
    handler = ast_make(kit, AK_ExceptHandler, loc, kit->s_type, type, kit->s_name, name, kit->s_body, handler_body,
                       NULL);
    handlers = handler ? PyList_New(1) : NULL;
    empty1 = handlers ? PyList_New(0) : NULL;
    empty2 = empty1 ? PyList_New(0) : NULL;
    if (empty2 == NULL) {
        goto done;
    }
    PyList_SetItem(handlers, 0, Py_NewRef(handler));
    try_ = ast_make(kit, AK_Try, loc, kit->s_body, inner, kit->s_handlers, handlers, kit->s_orelse, empty1,
                    kit->s_finalbody, empty2, NULL);
    new_body = try_ ? PyList_GetSlice(body, 0, first) : NULL;
    if (new_body == NULL || PyList_Append(new_body, try_) < 0 || ast_set(def, kit->s_body, new_body) < 0) {
        goto done;
    }
    rc = rw_note(r, def, "a function that may let StopIteration out -> carried out as a value (PEP 479)");
done:
    Py_DECREF(body);
    Py_XDECREF(inner);
    Py_XDECREF(name);
    Py_XDECREF(stop);
    Py_XDECREF(type);
    Py_XDECREF(caught);
    Py_XDECREF(args);
    Py_XDECREF(call);
    Py_XDECREF(ret);
    Py_XDECREF(handler_body);
    Py_XDECREF(handler);
    Py_XDECREF(handlers);
    Py_XDECREF(empty1);
    Py_XDECREF(empty2);
    Py_XDECREF(try_);
    Py_XDECREF(new_body);
    return rc;
}

static int
rw_def(rw *r, PyObject *node, PyObject *out)
{
    tx *t = r->t;
    ast_kit *kit = r->kit;
    unit *u = tx_unit_of(t, node);
    if (u == NULL) {
        return PyErr_Occurred() ? -1 : PyList_Append(out, node);
    }
    PyObject *args = ast_get(node, kit->s_args);
    int rc = args == NULL ? -1 : 0;
    if (rc == 0) {
        rc = rw_decorators(r, node, u);
    }
    if (rc == 0) {
        rc = rw_children(r, args);
    }
    if (rc == 0) {
        rc = rw_field(r, node, kit->s_returns);
    }
    Py_XDECREF(args);
    if (rc < 0) {
        return -1;
    }
    rw inner = {.t = t, .kit = kit, .mod = r->mod, .unit = u, .scope = u->scope,
                .can_await = u->colored || u->native_async};
    if (u->rewritten && rw_body(&inner, node, kit->s_body) < 0) {
        return -1;
    }
    if (!u->colored || u->native_async) {
        return rw_blocking_decorators(r, node, node, u->name, out);
    }
    if (u->may_stop && !u->generator && rw_carry_stop_iteration(r, node) < 0) {
        return -1;
    }
    PyObject *async_def = ast_retype(kit, node, AK_AsyncFunctionDef);
    rc = async_def == NULL ? -1 : note_colored(r, u, u->name);
    if (rc == 0) {
        /* the sites of its decorators are the def's as analysed */
        rc = rw_blocking_decorators(r, async_def, node, u->name, out);
    }
    Py_XDECREF(async_def);
    return rc;
}

static int
rw_class(rw *r, PyObject *node, PyObject *out)
{
    tx *t = r->t;
    ast_kit *kit = r->kit;
    if (rw_decorators(r, node, NULL) < 0 || rw_field(r, node, kit->s_bases) < 0) {
        return -1;
    }
    PyObject *kws = ast_get(node, kit->s_keywords);
    int rc = kws == NULL ? -1 : 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(kws); i++) {
        rc = rw_field(r, PyList_GetItem(kws, i), kit->s_value);
    }
    Py_XDECREF(kws);
    unit *body = tx_unit_of(t, node);
    scope *s = tx_scope_of(t, node);
    if (rc < 0 || body == NULL || s == NULL) {
        return rc < 0 || PyErr_Occurred() ? -1 : PyList_Append(out, node);
    }
    /* A class body runs synchronously while the class is created: nothing
     * in it can await. */
    rw inner = {.t = t, .kit = kit, .mod = r->mod, .unit = body, .scope = s, .can_await = 0};
    if (body->rewritten && rw_body(&inner, node, kit->s_body) < 0) {
        return -1;
    }
    return rw_blocking_decorators(r, node, node, s->cls->name, out);
}

static int
rw_for(rw *r, PyObject *node, PyObject *out)
{
    tx *t = r->t;
    ast_kit *kit = r->kit;
    site *st = tx_site_of(t, node);
    if (rw_field(r, node, kit->s_iter) < 0 || rw_field(r, node, kit->s_target) < 0 ||
        rw_body(r, node, kit->s_body) < 0 || rw_body(r, node, kit->s_orelse) < 0) {
        return -1;
    }
    if (st == NULL || st->effect != E_ASYNC_FOR || !r->can_await) {
        return PyList_Append(out, node);
    }
    PyObject *iter = ast_get(node, kit->s_iter);
    PyObject *aiter = iter ? helper_call1(kit, iter, "aiter", iter) : NULL;
    int rc = aiter == NULL ? -1 : ast_set(node, kit->s_iter, aiter);
    PyObject *af = rc == 0 ? ast_retype(kit, node, AK_AsyncFor) : NULL;
    rc = af == NULL ? -1 : rw_note(r, node, "for over async items -> async for");
    if (rc == 0) {
        rc = PyList_Append(out, af);
    }
    Py_XDECREF(iter);
    Py_XDECREF(aiter);
    Py_XDECREF(af);
    return rc;
}

static int
rw_with(rw *r, PyObject *node, PyObject *out)
{
    tx *t = r->t;
    ast_kit *kit = r->kit;
    site *st = tx_site_of(t, node);
    int to_async = st != NULL && st->effect == E_ASYNC_WITH && r->can_await;
    PyObject *items = ast_get(node, kit->s_items);
    int rc = items == NULL ? -1 : 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(items); i++) {
        PyObject *item = PyList_GetItem(items, i);
        PyObject *cm = ast_get(item, kit->s_context_expr);
        PyObject *ncm = cm == NULL ? NULL : rw_expr(r, cm);
        rc = ncm == NULL ? -1 : 0;
        if (rc == 0 && to_async) {
            PyObject *wrapped = helper_call1(kit, ncm, "acm", ncm);
            Py_SETREF(ncm, wrapped);
            rc = ncm == NULL ? -1 : 0;
        }
        if (rc == 0) {
            rc = ast_set(item, kit->s_context_expr, ncm);
        }
        if (rc == 0) {
            rc = rw_field(r, item, kit->s_optional_vars);
        }
        Py_XDECREF(cm);
        Py_XDECREF(ncm);
    }
    Py_XDECREF(items);
    if (rc < 0 || rw_body(r, node, kit->s_body) < 0) {
        return -1;
    }
    if (!to_async) {
        return PyList_Append(out, node);
    }
    PyObject *aw = ast_retype(kit, node, AK_AsyncWith);
    rc = aw == NULL ? -1 : rw_note(r, node, "with a context manager that blocks -> async with");
    if (rc == 0) {
        rc = PyList_Append(out, aw);
    }
    Py_XDECREF(aw);
    return rc;
}

/* `yield from X` in a generator that became async: async generators have
 * no `yield from`, so it is PEP 380's expansion, with awaits, over a
 * Delegate (aio/delegate.c): each item of X is yielded, what is sent in is
 * sent on, an exception thrown in is thrown into X, GeneratorExit closes
 * X. Its value, in `TARGET = yield from X` or `return (yield from X)`, is
 * what X returned: a generator that blocks keeps that in a local (see
 * AK_Return below), a plain one in its StopIteration. */
static const char YIELD_FROM[] =
    "SUB = __pyrun__.delegate(X)\n"
    "try:\n"
    "    __pyrun_y = await SUB.send(None)\n"
    "except StopAsyncIteration:\n"
    "    pass\n"
    "else:\n"
    "    while True:\n"
    "        try:\n"
    "            __pyrun_s = yield __pyrun_y\n"
    "        except GeneratorExit:\n"
    "            await SUB.close()\n"
    "            raise\n"
    "        except BaseException as __pyrun_e:\n"
    "            try:\n"
    "                __pyrun_y = await SUB.throw(__pyrun_e)\n"
    "            except StopAsyncIteration:\n"
    "                break\n"
    "        else:\n"
    "            try:\n"
    "                __pyrun_y = await SUB.send(__pyrun_s)\n"
    "            except StopAsyncIteration:\n"
    "                break\n";
static const char YIELD_FROM_VALUE[] = "TARGET = __pyrun__.returned(SUB)\n";
/* what `return v` becomes in an async generator, which cannot return a
 * value: the runtime reads that local */
static const char RETURN_VALUE[] = PYRUN_RETURNED_LOCAL " = V\nreturn\n";

static int
rw_yield_from_stmt(rw *r, PyObject *stmt, PyObject *yf, PyObject *target, PyObject *out)
{
    ast_kit *kit = r->kit;
    PyObject *x = ast_get(yf, kit->s_value);
    PyObject *nx = x ? rw_expr(r, x) : NULL;
    Py_XDECREF(x);
    if (nx == NULL) {
        return -1;
    }
    /* one name per statement, for nested generators' loops */
    PyObject *sub = PyUnicode_FromFormat("__pyrun_sub%ld_%ld", ast_get_int(stmt, kit->s_lineno),
                                         ast_get_int(stmt, kit->s_col_offset));
    PyObject *subs = sub ? Py_BuildValue("{sOsO}", "X", nx, "SUB", sub) : NULL;
    if (subs != NULL && target != NULL && PyDict_SetItemString(subs, "TARGET", target) < 0) {
        Py_CLEAR(subs);
    }
    PyObject *stmts = subs ? ast_template(kit, YIELD_FROM, stmt, subs) : NULL;
    PyObject *value = stmts && target ? ast_template(kit, YIELD_FROM_VALUE, stmt, subs) : NULL;
    Py_ssize_t n = stmts ? PyList_Size(out) : 0;
    int rc = stmts && (target == NULL || value != NULL) && PyList_SetSlice(out, n, n, stmts) == 0 ? 0 : -1;
    n = rc == 0 ? PyList_Size(out) : 0;
    if (rc == 0 && value != NULL) {
        rc = PyList_SetSlice(out, n, n, value);
    }
    if (rc == 0) {
        rc = rw_note(r, stmt, target ? "value of yield from in a generator that blocks -> delegation with awaits, then what it returned"
                                     : "yield from in a generator that blocks -> delegation with awaits (PEP 380)");
    }
    Py_XDECREF(value);
    Py_XDECREF(sub);
    Py_XDECREF(subs);
    Py_XDECREF(stmts);
    Py_DECREF(nx);
    return rc;
}

static PyObject *
str_constant(ast_kit *kit, PyObject *loc, PyObject *value)
{
    return ast_make(kit, AK_Constant, loc, kit->s_value, value, NULL);
}

/* `target = await <awaitable>` (or `await <awaitable>` without target),
 * located at the statement it replaces. */
static int
emit_awaited(rw *r, PyObject *stmt, PyObject *target, PyObject *awaitable, PyObject *out)
{
    ast_kit *kit = r->kit;
    PyObject *aw = ast_await(kit, stmt, awaitable);
    PyObject *node = NULL;
    if (aw != NULL && target != NULL) {
        PyObject *targets = PyList_New(1);
        if (targets != NULL) {
            PyList_SetItem(targets, 0, Py_NewRef(target));
            node = ast_make(kit, AK_Assign, stmt, kit->s_targets, targets, kit->s_value, aw, NULL);
            Py_DECREF(targets);
        }
    }
    else if (aw != NULL) {
        node = ast_make(kit, AK_Expr, stmt, kit->s_value, aw, NULL);
    }
    int rc = node ? PyList_Append(out, node) : -1;
    Py_XDECREF(aw);
    Py_XDECREF(node);
    return rc;
}

/* `target = __pyrun__.<fast>(args) or await __pyrun__.<full>(args)`: a
 * module already imported costs one call, as a plain import does; only a
 * first import awaits the module's body. */
static int
emit_import(rw *r, PyObject *stmt, PyObject *target, const char *fast, const char *full, PyObject *args,
            PyObject *out)
{
    ast_kit *kit = r->kit;
    PyObject *quick = ast_helper_call(kit, stmt, fast, args, NULL);
    PyObject *slow = quick ? ast_helper_call(kit, stmt, full, args, NULL) : NULL;
    PyObject *aw = slow ? ast_await(kit, stmt, slow) : NULL;
    PyObject *or_class = aw ? PyObject_GetAttrString(kit->ast_module, "Or") : NULL;
    PyObject *or_op = or_class ? PyObject_CallNoArgs(or_class) : NULL;
    PyObject *values = or_op ? PyList_New(2) : NULL;
    PyObject *targets = values ? PyList_New(1) : NULL;
    PyObject *node = NULL;
    if (targets != NULL) {
        PyList_SetItem(values, 0, Py_NewRef(quick));
        PyList_SetItem(values, 1, Py_NewRef(aw));
        PyList_SetItem(targets, 0, Py_NewRef(target));
        PyObject *either = ast_make(kit, AK_BoolOp, stmt, kit->s_op, or_op, kit->s_values, values, NULL);
        node = either ? ast_make(kit, AK_Assign, stmt, kit->s_targets, targets, kit->s_value, either, NULL) : NULL;
        Py_XDECREF(either);
    }
    int rc = node ? PyList_Append(out, node) : -1;
    Py_XDECREF(quick);
    Py_XDECREF(slow);
    Py_XDECREF(aw);
    Py_XDECREF(or_class);
    Py_XDECREF(or_op);
    Py_XDECREF(values);
    Py_XDECREF(targets);
    Py_XDECREF(node);
    return rc;
}

/* An import of a user module whose body blocks: the body is awaited.
 *   import a.b        ->  a = __pyrun__.loaded('a.b') or await __pyrun__.import_('a.b')
 *   import a.b as z   ->  z = __pyrun__.loaded_leaf('a.b') or await __pyrun__.import_leaf('a.b')
 *   from m import x   ->  (x,) = __pyrun__.loaded_from('m', ('x',), level)
 *                                or await __pyrun__.import_from('m', ('x',), level)
 *   from m import *   ->  await __pyrun__.import_star('m', level) */
static int
rw_import(rw *r, PyObject *stmt, int is_from, PyObject *out)
{
    ast_kit *kit = r->kit;
    PyObject *names = ast_get(stmt, kit->s_names);
    if (names == NULL) {
        return -1;
    }
    int rc = 0;
    if (!is_from) {
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(names); i++) {
            PyObject *alias = PyList_GetItem(names, i);
            PyObject *name = ast_get(alias, kit->s_name);
            PyObject *asname = name ? ast_get(alias, kit->s_asname) : NULL;
            PyObject *cname = asname ? str_constant(kit, stmt, name) : NULL;
            PyObject *args = cname ? PyList_New(1) : NULL;
            PyObject *bound = NULL, *call = NULL, *target = NULL;
            if (args != NULL) {
                PyList_SetItem(args, 0, Py_NewRef(cname));
                if (asname != Py_None) {
                    bound = Py_NewRef(asname);
                }
                else {
                    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), 1);
                    bound = dot >= 0 ? PyUnicode_Substring(name, 0, dot) : Py_NewRef(name);
                }
                target = bound ? ast_name(kit, stmt, bound, kit->store) : NULL;
            }
            int leaf = asname != NULL && asname != Py_None;
            rc = target ? emit_import(r, stmt, target, leaf ? "loaded_leaf" : "loaded", leaf ? "import_leaf" : "import_",
                                      args, out)
                        : -1;
            Py_XDECREF(name);
            Py_XDECREF(asname);
            Py_XDECREF(cname);
            Py_XDECREF(args);
            Py_XDECREF(bound);
            Py_XDECREF(call);
            Py_XDECREF(target);
        }
    }
    else {
        PyObject *module = ast_get(stmt, kit->s_module);
        long level = ast_get_int(stmt, kit->s_level);
        /* `from . import x` has no module name: the package itself */
        PyObject *modval = module == NULL ? NULL
                           : module == Py_None ? PyUnicode_FromString("") : Py_NewRef(module);
        PyObject *cmod = modval ? str_constant(kit, stmt, modval) : NULL;
        Py_XDECREF(modval);
        PyObject *lvl = PyLong_FromLong(level < 0 ? 0 : level);
        PyObject *clvl = cmod && lvl ? str_constant(kit, stmt, lvl) : NULL;
        PyObject *first = PyList_Size(names) ? ast_get(PyList_GetItem(names, 0), kit->s_name) : NULL;
        int star = first && PyUnicode_CompareWithASCIIString(first, "*") == 0;
        PyObject *args = clvl ? PyList_New(0) : NULL;
        rc = args == NULL ? -1 : 0;
        if (rc == 0 && star) {
            rc = PyList_Append(args, cmod) == 0 && PyList_Append(args, clvl) == 0 ? 0 : -1;
            PyObject *call = rc == 0 ? ast_helper_call(kit, stmt, "import_star", args, NULL) : NULL;
            rc = call ? emit_awaited(r, stmt, NULL, call, out) : -1;
            Py_XDECREF(call);
        }
        else if (rc == 0) {
            PyObject *wanted = PyList_New(0);
            PyObject *targets = wanted ? PyList_New(0) : NULL;
            for (Py_ssize_t i = 0; targets && rc == 0 && i < PyList_Size(names); i++) {
                PyObject *alias = PyList_GetItem(names, i);
                PyObject *name = ast_get(alias, kit->s_name);
                PyObject *asname = name ? ast_get(alias, kit->s_asname) : NULL;
                PyObject *cname = asname ? str_constant(kit, stmt, name) : NULL;
                PyObject *target = cname ? ast_name(kit, stmt, asname != Py_None ? asname : name, kit->store) : NULL;
                rc = target && PyList_Append(wanted, cname) == 0 && PyList_Append(targets, target) == 0 ? 0 : -1;
                Py_XDECREF(name);
                Py_XDECREF(asname);
                Py_XDECREF(cname);
                Py_XDECREF(target);
            }
            PyObject *wtuple = rc == 0 && targets ? ast_make(kit, AK_Tuple, stmt, kit->s_elts, wanted, kit->s_ctx, kit->load, NULL) : NULL;
            PyObject *ttuple = wtuple ? ast_make(kit, AK_Tuple, stmt, kit->s_elts, targets, kit->s_ctx, kit->store, NULL) : NULL;
            if (ttuple && PyList_Append(args, cmod) == 0 && PyList_Append(args, wtuple) == 0 &&
                PyList_Append(args, clvl) == 0) {
                rc = emit_import(r, stmt, ttuple, "loaded_from", "import_from", args, out);
            }
            else {
                rc = -1;
            }
            Py_XDECREF(wanted);
            Py_XDECREF(targets);
            Py_XDECREF(wtuple);
            Py_XDECREF(ttuple);
        }
        Py_XDECREF(module);
        Py_XDECREF(cmod);
        Py_XDECREF(lvl);
        Py_XDECREF(clvl);
        Py_XDECREF(first);
        Py_XDECREF(args);
    }
    Py_DECREF(names);
    if (rc == 0) {
        site *st = tx_site_of(r->t, stmt);
        rc = rw_note(r, stmt, st != NULL && st->target == NULL ? UNSEEN_IMPORT_NOTE : BLOCKING_IMPORT_NOTE);
    }
    return rc;
}

/* How many items an unpacking target takes: n, or -1 with a *starred
 * one; -2 when it is not an unpacking. */
static long
unpacking_size(ast_kit *kit, PyObject *target)
{
    ast_kind k = ast_kind_of(kit, target);
    if (k != AK_Tuple && k != AK_List) {
        return -2;
    }
    PyObject *elts = ast_get(target, kit->s_elts);
    long n = elts ? (long)PyList_Size(elts) : -2;
    for (Py_ssize_t i = 0; elts && i < PyList_Size(elts); i++) {
        if (ast_kind_of(kit, PyList_GetItem(elts, i)) == AK_Starred) {
            n = -1;
        }
    }
    Py_XDECREF(elts);
    PyErr_Clear();
    return n;
}

/* `a, *rest = it` where it holds async items: the items are awaited
 * first (every target must be an unpacking, or one would get a list). */
static int
rw_assign(rw *r, PyObject *stmt, PyObject *out)
{
    ast_kit *kit = r->kit;
    PyObject *value = ast_get(stmt, kit->s_value);
    PyObject *targets = value ? ast_get(stmt, kit->s_targets) : NULL;
    long n = -2;
    for (Py_ssize_t i = 0; targets && i < PyList_Size(targets); i++) {
        long size = unpacking_size(kit, PyList_GetItem(targets, i));
        n = size == -2 ? -3 : (n == -2 || n == size ? size : -1);
        if (n == -3) {
            break;
        }
    }
    int a = targets && n >= -1 && r->can_await ? expr_is_async_items(r->t, value) : 0;
    /* x[k] = v whose __setitem__ blocks: await __pyrun__.setitem(v, x, k) */
    PyObject *only = targets && PyList_Size(targets) == 1 ? PyList_GetItem(targets, 0) : NULL;
    site *item = only && a == 0 && ast_kind_of(kit, only) == AK_Subscript ? rw_item_site(r, only) : NULL;
    site *setter = only && a == 0 && ast_kind_of(kit, only) == AK_Attribute ? rw_attr_store_site(r, only) : NULL;
    int rc = targets == NULL || a < 0 || rw_children(r, stmt) < 0 ? -1 : 0;
    if (rc == 0 && setter != NULL) {
        /* obj.attr = v whose property setter blocks */
        PyObject *nv = ast_get(stmt, kit->s_value);
        PyObject *aw = nv ? rw_attr_store_await(r, only, nv) : NULL;
        PyObject *expr = aw ? ast_make(kit, AK_Expr, stmt, kit->s_value, aw, NULL) : NULL;
        rc = expr ? PyList_Append(out, expr) : -1;
        Py_XDECREF(nv);
        Py_XDECREF(aw);
        Py_XDECREF(expr);
        Py_XDECREF(value);
        Py_XDECREF(targets);
        return rc;
    }
    if (rc == 0 && item != NULL) {
        PyObject *nv = ast_get(stmt, kit->s_value);
        PyObject *base = nv ? ast_get(only, kit->s_value) : NULL;
        PyObject *slice = base ? ast_get(only, kit->s_slice) : NULL;
        PyObject *aw = slice ? rw_item_await(r, stmt, "setitem", nv, base, slice) : NULL;
        PyObject *expr = aw ? ast_make(kit, AK_Expr, stmt, kit->s_value, aw, NULL) : NULL;
        rc = expr ? PyList_Append(out, expr) : -1;
        Py_XDECREF(nv);
        Py_XDECREF(base);
        Py_XDECREF(slice);
        Py_XDECREF(aw);
        Py_XDECREF(expr);
        Py_XDECREF(value);
        Py_XDECREF(targets);
        return rc;
    }
    if (rc == 0 && a > 0) {
        PyObject *nv = ast_get(stmt, kit->s_value);
        PyObject *aw = nv ? rw_unpacked(r, stmt, nv, n) : NULL;
        rc = aw == NULL ? -1 : ast_set(stmt, kit->s_value, aw);
        Py_XDECREF(nv);
        Py_XDECREF(aw);
    }
    Py_XDECREF(value);
    Py_XDECREF(targets);
    return rc < 0 ? -1 : PyList_Append(out, stmt);
}

/* `return v` in a generator that became async; steals v */
static int
rw_return_value(rw *r, PyObject *stmt, PyObject *v, PyObject *out)
{
    ast_kit *kit = r->kit;
    int rc;
    if (ast_kind_of(kit, v) == AK_YieldFrom) {
        /* return (yield from X) */
        PyObject *id = PyUnicode_InternFromString(PYRUN_RETURNED_LOCAL);
        PyObject *target = id ? ast_name(kit, stmt, id, kit->store) : NULL;
        PyObject *ret = target ? ast_make(kit, AK_Return, stmt, NULL) : NULL;
        rc = ret && rw_yield_from_stmt(r, stmt, v, target, out) == 0 ? PyList_Append(out, ret) : -1;
        Py_XDECREF(id);
        Py_XDECREF(target);
        Py_XDECREF(ret);
    }
    else {
        PyObject *nv = rw_expr(r, v);
        PyObject *subs = nv ? Py_BuildValue("{sO}", "V", nv) : NULL;
        PyObject *stmts = subs ? ast_template(kit, RETURN_VALUE, stmt, subs) : NULL;
        Py_ssize_t n = stmts ? PyList_Size(out) : 0;
        rc = stmts && PyList_SetSlice(out, n, n, stmts) == 0 ? 0 : -1;
        Py_XDECREF(nv);
        Py_XDECREF(subs);
        Py_XDECREF(stmts);
    }
    Py_DECREF(v);
    return rc;
}

/* `x = yield from X`, `x += yield from X`, `x: T = yield from X` in a
 * generator that became async: the delegation first, its value in a
 * local, then the statement with that local as its value. 1 when done. */
static int
rw_yield_from_value(rw *r, PyObject *stmt, ast_kind kind, PyObject *out)
{
    ast_kit *kit = r->kit;
    if ((kind != AK_Assign && kind != AK_AugAssign && kind != AK_AnnAssign) || !rw_in_async_generator(r)) {
        return 0;
    }
    PyObject *v = ast_get(stmt, kit->s_value);
    if (v == NULL || ast_kind_of(kit, v) != AK_YieldFrom) {
        Py_XDECREF(v);
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject *id = PyUnicode_InternFromString("__pyrun_yielded_from");
    PyObject *target = id ? ast_name(kit, v, id, kit->store) : NULL;
    PyObject *load = target ? ast_name(kit, v, id, kit->load) : NULL;
    int rc = load && rw_yield_from_stmt(r, stmt, v, target, out) == 0 && ast_set(stmt, kit->s_value, load) == 0
                 ? rw_stmt(r, stmt, out)
                 : -1;
    Py_XDECREF(id);
    Py_XDECREF(target);
    Py_XDECREF(load);
    Py_DECREF(v);
    return rc < 0 ? -1 : 1;
}

static int rw_inplace(rw *r, PyObject *stmt, site *st, PyObject *out);
static int rw_delete(rw *r, PyObject *stmt, PyObject *out);

int
rw_stmt(rw *r, PyObject *stmt, PyObject *out)
{
    ast_kit *kit = r->kit;
    ast_kind kind = ast_kind_of(kit, stmt);
    tx_at(r->t, r->mod, stmt);
    int hoisted = rw_yield_from_value(r, stmt, kind, out);
    if (hoisted != 0) {
        return hoisted < 0 ? -1 : 0;
    }
    switch (kind) {
    case AK_FunctionDef:
    case AK_AsyncFunctionDef:
        return rw_def(r, stmt, out);
    case AK_ClassDef:
        return rw_class(r, stmt, out);
    case AK_For:
        return rw_for(r, stmt, out);
    case AK_With:
        return rw_with(r, stmt, out);
    case AK_Expr: {
        PyObject *v = ast_get(stmt, kit->s_value);
        if (v == NULL) {
            return -1;
        }
        int is_yf = ast_kind_of(kit, v) == AK_YieldFrom;
        int rc;
        if (is_yf && rw_in_async_generator(r)) {
            rc = rw_yield_from_stmt(r, stmt, v, NULL, out);
        }
        else {
            rc = rw_field(r, stmt, kit->s_value);
            if (rc == 0) {
                rc = PyList_Append(out, stmt);
            }
        }
        Py_DECREF(v);
        return rc;
    }
    case AK_Return: {
        if (rw_in_async_generator(r)) {
            /* An async generator cannot return a value: it is kept in a
             * local, where what iterates the generator finds it (for
             * StopIteration.value and `yield from`), then the generator
             * ends. */
            PyObject *v = ast_get(stmt, kit->s_value);
            if (v == NULL) {
                return -1;
            }
            if (v != Py_None) {
                return rw_return_value(r, stmt, v, out);
            }
            Py_DECREF(v);
        }
        break;
    }
    case AK_Assign:
        return rw_assign(r, stmt, out);
    case AK_Assert:
        if (rw_truth_field(r, stmt, kit->s_test) < 0 || rw_field(r, stmt, kit->s_msg) < 0) {
            return -1;
        }
        return PyList_Append(out, stmt);
    case AK_Delete:
        return rw_delete(r, stmt, out);
    case AK_AugAssign: {
        site *st = rw_operator_site(r, stmt);
        if (st != NULL) {
            return rw_inplace(r, stmt, st, out);
        }
        if (PyErr_Occurred()) {
            return -1;
        }
        break;
    }
    case AK_If:
    case AK_While:
        if (rw_truth_field(r, stmt, kit->s_test) < 0 || rw_body(r, stmt, kit->s_body) < 0 ||
            rw_body(r, stmt, kit->s_orelse) < 0) {
            return -1;
        }
        return PyList_Append(out, stmt);
    case AK_AsyncFor:
        if (rw_field(r, stmt, kit->s_iter) < 0 || rw_body(r, stmt, kit->s_body) < 0 ||
            rw_body(r, stmt, kit->s_orelse) < 0) {
            return -1;
        }
        return PyList_Append(out, stmt);
    case AK_AsyncWith: {
        PyObject *items = ast_get(stmt, kit->s_items);
        int rc = items == NULL ? -1 : 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(items); i++) {
            rc = rw_field(r, PyList_GetItem(items, i), kit->s_context_expr);
        }
        Py_XDECREF(items);
        if (rc < 0 || rw_body(r, stmt, kit->s_body) < 0) {
            return -1;
        }
        return PyList_Append(out, stmt);
    }
    case AK_Try:
    case AK_TryStar: {
        if (rw_body(r, stmt, kit->s_body) < 0 || rw_body(r, stmt, kit->s_orelse) < 0 ||
            rw_body(r, stmt, kit->s_finalbody) < 0) {
            return -1;
        }
        PyObject *handlers = ast_get(stmt, kit->s_handlers);
        int rc = handlers == NULL ? -1 : 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(handlers); i++) {
            PyObject *h = PyList_GetItem(handlers, i);
            rc = rw_field(r, h, kit->s_type) == 0 && rw_body(r, h, kit->s_body) == 0 ? 0 : -1;
        }
        Py_XDECREF(handlers);
        return rc < 0 ? -1 : PyList_Append(out, stmt);
    }
    case AK_Match: {
        if (rw_field(r, stmt, kit->s_subject) < 0) {
            return -1;
        }
        PyObject *cases = ast_get(stmt, kit->s_cases);
        int rc = cases == NULL ? -1 : 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(cases); i++) {
            PyObject *c = PyList_GetItem(cases, i);
            rc = rw_field(r, c, kit->s_guard) == 0 && rw_body(r, c, kit->s_body) == 0 ? 0 : -1;
        }
        Py_XDECREF(cases);
        return rc < 0 ? -1 : PyList_Append(out, stmt);
    }
    case AK_Import:
    case AK_ImportFrom: {
        site *st = tx_site_of(r->t, stmt);
        if (st != NULL && st->effect == E_IMPORT && r->can_await) {
            return rw_import(r, stmt, kind == AK_ImportFrom, out);
        }
        return PyErr_Occurred() ? -1 : PyList_Append(out, stmt);
    }
    case AK_Global:
    case AK_Nonlocal:
    case AK_Pass:
    case AK_Break:
    case AK_Continue:
        return PyList_Append(out, stmt);
    default:
        break;
    }
    if (rw_children(r, stmt) < 0) {
        return -1;
    }
    return PyList_Append(out, stmt);
}

/* PYRUN_TEST_FAULT=transform (or transform:FILE, for the module whose
 * file name ends with FILE) makes the rewrite fail the way a bug of
 * pyrun's would, at the module's last statement, so that tests can check
 * what such a failure shows the user. */
/* del x[k] whose __delitem__ blocks: await __pyrun__.delitem(x, k); the
 * targets of one statement deleted in their order, each its own way. */
static int
rw_delete(rw *r, PyObject *stmt, PyObject *out)
{
    ast_kit *kit = r->kit;
    PyObject *targets = ast_get(stmt, kit->s_targets);
    if (targets == NULL) {
        return -1;
    }
    int any = 0;
    for (Py_ssize_t i = 0; i < PyList_Size(targets) && !any; i++) {
        PyObject *t = PyList_GetItem(targets, i);
        any = (ast_kind_of(kit, t) == AK_Subscript && rw_item_site(r, t) != NULL) ||
              (ast_kind_of(kit, t) == AK_Attribute && rw_attr_store_site(r, t) != NULL);
    }
    int rc = PyErr_Occurred() ? -1 : 0;
    if (rc == 0 && !any) {
        rc = rw_children(r, stmt) < 0 ? -1 : PyList_Append(out, stmt);
        Py_DECREF(targets);
        return rc;
    }
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(targets); i++) {
        PyObject *t = PyList_GetItem(targets, i);
        site *item = ast_kind_of(kit, t) == AK_Subscript ? rw_item_site(r, t) : NULL;
        site *deleter = ast_kind_of(kit, t) == AK_Attribute ? rw_attr_store_site(r, t) : NULL;
        if (rw_children(r, t) < 0) {
            rc = -1;
            break;
        }
        PyObject *one = NULL;
        if (deleter != NULL) {
            PyObject *aw = rw_attr_store_await(r, t, NULL);
            one = aw ? ast_make(kit, AK_Expr, t, kit->s_value, aw, NULL) : NULL;
            Py_XDECREF(aw);
        }
        else if (item != NULL) {
            PyObject *base = ast_get(t, kit->s_value);
            PyObject *slice = base ? ast_get(t, kit->s_slice) : NULL;
            PyObject *aw = slice ? rw_item_await(r, t, "delitem", base, slice, NULL) : NULL;
            one = aw ? ast_make(kit, AK_Expr, t, kit->s_value, aw, NULL) : NULL;
            Py_XDECREF(base);
            Py_XDECREF(slice);
            Py_XDECREF(aw);
        }
        else {
            PyObject *list = PyList_New(1);
            if (list != NULL) {
                PyList_SetItem(list, 0, Py_NewRef(t));
                one = ast_make(kit, AK_Delete, t, kit->s_targets, list, NULL);
                Py_DECREF(list);
            }
        }
        rc = one ? PyList_Append(out, one) : -1;
        Py_XDECREF(one);
    }
    Py_DECREF(targets);
    return rc;
}

/* x op= y whose special method blocks: x = await __pyrun__.inplace(x, y, op) */
/* `name = value` of a new Assign at loc. */
static int
emit_assign(rw *r, PyObject *loc, PyObject *target, PyObject *value, PyObject *out)
{
    PyObject *targets = PyList_New(1);
    if (targets == NULL) {
        return -1;
    }
    PyList_SetItem(targets, 0, Py_NewRef(target));
    PyObject *assign = ast_make(r->kit, AK_Assign, loc, r->kit->s_targets, targets, r->kit->s_value, value,
                                r->kit->s_type_comment, Py_None, NULL);
    Py_DECREF(targets);
    int rc = assign ? PyList_Append(out, assign) : -1;
    Py_XDECREF(assign);
    return rc;
}

/* obj.attr op= v and obj[k] op= v whose operator blocks. The object and
 * the key are evaluated once, into temporaries, and everything else in
 * CPython's order (the item or attribute read, v, the operator, the
 * store):
 *     __pyrun_obj = obj
 *     __pyrun_obj.attr = await inplace(__pyrun_obj.attr, v, OP)
 *     __pyrun_obj = obj; __pyrun_key = k
 *     await setitem(await inplace(await getitem(__pyrun_obj, __pyrun_key), v, OP), __pyrun_obj, __pyrun_key)
 *     del __pyrun_obj[, __pyrun_key]
 * The item methods go through pyrun's helpers too, which call them plainly
 * where they do not block. */
static int
rw_inplace_into(rw *r, PyObject *stmt, site *st, PyObject *target, int is_item, PyObject *out)
{
    ast_kit *kit = r->kit;
    PyObject *obj_id = PyUnicode_InternFromString("__pyrun_obj");
    PyObject *key_id = obj_id && is_item ? PyUnicode_InternFromString("__pyrun_key") : NULL;
    PyObject *obj = obj_id ? ast_get(target, kit->s_value) : NULL;
    PyObject *key = obj && is_item ? ast_get(target, kit->s_slice) : NULL;
    PyObject *value = obj && (key || !is_item) ? ast_get(stmt, kit->s_value) : NULL;
    PyObject *del = value ? PyObject_CallNoArgs(kit->classes[AK_Del]) : NULL;
    PyObject *victims = del ? PyList_New(0) : NULL;
    int rc = victims ? 0 : -1;
    PyObject *obj_load = NULL, *key_load = NULL, *current = NULL, *aw = NULL, *stored = NULL;
    if (rc == 0) {
        PyObject *obj_store = ast_name(kit, target, obj_id, kit->store);
        rc = obj_store ? emit_assign(r, target, obj_store, obj, out) : -1;
        Py_XDECREF(obj_store);
    }
    if (rc == 0 && is_item) {
        PyObject *key_store = ast_name(kit, target, key_id, kit->store);
        rc = key_store ? emit_assign(r, target, key_store, key, out) : -1;
        Py_XDECREF(key_store);
    }
    obj_load = rc == 0 ? ast_name(kit, target, obj_id, kit->load) : NULL;
    key_load = obj_load && is_item ? ast_name(kit, target, key_id, kit->load) : NULL;
    if (obj_load != NULL && is_item && key_load != NULL) {
        current = rw_item_await(r, target, "getitem", obj_load, key_load, NULL);
    }
    else if (obj_load != NULL && !is_item) {
        PyObject *attr = ast_get(target, kit->s_attr);
        current = attr ? ast_make(kit, AK_Attribute, target, kit->s_value, obj_load, kit->s_attr, attr, kit->s_ctx,
                                  kit->load, NULL)
                       : NULL;
        PyObject *dest = current ? ast_make(kit, AK_Attribute, target, kit->s_value, obj_load, kit->s_attr, attr,
                                            kit->s_ctx, kit->store, NULL)
                                 : NULL;
        stored = dest;
        Py_XDECREF(attr);
    }
    aw = current ? rw_operator_await(r, stmt, st, current, value) : NULL;
    if (aw == NULL) {
        rc = -1;
    }
    else if (is_item) {
        PyObject *set = rw_item_await(r, target, "setitem", aw, obj_load, key_load);
        PyObject *expr = set ? ast_make(kit, AK_Expr, stmt, kit->s_value, set, NULL) : NULL;
        rc = expr ? PyList_Append(out, expr) : -1;
        Py_XDECREF(set);
        Py_XDECREF(expr);
    }
    else {
        rc = stored ? emit_assign(r, stmt, stored, aw, out) : -1;
    }
    for (int i = 0; rc == 0 && i < 1 + is_item; i++) {
        PyObject *name = ast_name(kit, target, i == 0 ? obj_id : key_id, del);
        rc = name ? PyList_Append(victims, name) : -1;
        Py_XDECREF(name);
    }
    if (rc == 0) {
        PyObject *stmt_del = ast_make(kit, AK_Delete, stmt, kit->s_targets, victims, NULL);
        rc = stmt_del ? PyList_Append(out, stmt_del) : -1;
        Py_XDECREF(stmt_del);
    }
    Py_XDECREF(obj_id);
    Py_XDECREF(key_id);
    Py_XDECREF(obj);
    Py_XDECREF(key);
    Py_XDECREF(value);
    Py_XDECREF(del);
    Py_XDECREF(victims);
    Py_XDECREF(obj_load);
    Py_XDECREF(key_load);
    Py_XDECREF(current);
    Py_XDECREF(aw);
    Py_XDECREF(stored);
    return rc;
}

static int
rw_inplace(rw *r, PyObject *stmt, site *st, PyObject *out)
{
    ast_kit *kit = r->kit;
    if (rw_field(r, stmt, kit->s_value) < 0) {
        return -1;
    }
    PyObject *target = ast_get(stmt, kit->s_target);
    ast_kind target_kind = target ? ast_kind_of(kit, target) : AK_OTHER;
    if (target_kind == AK_Attribute || target_kind == AK_Subscript) {
        /* what the object and the key hold may itself be rewritten */
        int rc = rw_field(r, target, kit->s_value) < 0 ||
                         (target_kind == AK_Subscript && rw_field(r, target, kit->s_slice) < 0)
                     ? -1
                     : rw_inplace_into(r, stmt, st, target, target_kind == AK_Subscript, out);
        Py_DECREF(target);
        return rc;
    }
    PyObject *id = target ? ast_get(target, kit->s_id) : NULL;
    PyObject *value = id ? ast_get(stmt, kit->s_value) : NULL;
    PyObject *load = value ? ast_name(kit, target, id, kit->load) : NULL;
    PyObject *store = load ? ast_name(kit, target, id, kit->store) : NULL;
    PyObject *aw = store ? rw_operator_await(r, stmt, st, load, value) : NULL;
    PyObject *targets = aw ? PyList_New(1) : NULL;
    PyObject *assign = NULL;
    if (targets != NULL) {
        PyList_SetItem(targets, 0, Py_NewRef(store));
        assign = ast_make(kit, AK_Assign, stmt, kit->s_targets, targets, kit->s_value, aw, kit->s_type_comment, Py_None,
                          NULL);
    }
    int rc = assign ? PyList_Append(out, assign) : -1;
    Py_XDECREF(target);
    Py_XDECREF(id);
    Py_XDECREF(value);
    Py_XDECREF(load);
    Py_XDECREF(store);
    Py_XDECREF(aw);
    Py_XDECREF(targets);
    Py_XDECREF(assign);
    return rc;
}

static int
injected_fault(tx *t, module_info *m)
{
    const char *fault = getenv("PYRUN_TEST_FAULT");
    if (fault == NULL || strncmp(fault, "transform", 9) != 0) {
        return 0;
    }
    if (fault[9] == ':') {
        PyObject *suffix = PyUnicode_FromString(fault + 10);
        Py_ssize_t hit = suffix ? PyUnicode_Tailmatch(m->filename, suffix, 0, PY_SSIZE_T_MAX, 1) : -1;
        Py_XDECREF(suffix);
        if (hit <= 0) {
            return (int)hit;
        }
    }
    else if (fault[9] != '\0') {
        return 0;
    }
    PyObject *body = ast_get(m->tree, t->kit->s_body);
    if (body == NULL) {
        return -1;
    }
    Py_ssize_t n = PyList_Check(body) ? PyList_Size(body) : 0;
    tx_at(t, m, n > 0 ? PyList_GetItem(body, n - 1) : NULL);
    Py_DECREF(body);
    PyErr_SetString(PyExc_SystemError, "injected fault (PYRUN_TEST_FAULT=transform)");
    return -1;
}

int
tx_rewrite(tx *t, module_info *m)
{
    if (injected_fault(t, m) < 0) {
        return -1;
    }
    rw r = {.t = t, .kit = t->kit, .mod = m, .unit = m->unit, .scope = m->scope,
            .can_await = m->may_await};
    return rw_body(&r, m->tree, t->kit->s_body);
}
