/* Rewriting expressions: calls by the effect color.c found, reads of
 * properties whose getter blocks, lambdas that block (lifted to an async
 * def before the statement), comprehensions over colored generators, and
 * colored callables handed to code pyrun does not rewrite (made faces). */
#include "rewrite.h"

#include <stdio.h>

#include <stdarg.h>
#include <string.h>

int
rw_in_async_generator(rw *r)
{
    return r->unit != NULL && r->unit->colored && r->unit->generator && r->scope == r->unit->scope;
}

int
rw_note(rw *r, PyObject *loc, const char *format, ...)
{
    va_list va;
    va_start(va, format);
    PyObject *what = PyUnicode_FromFormatV(format, va);
    va_end(va);
    if (what == NULL) {
        return -1;
    }
    long line = loc ? ast_get_int(loc, r->kit->s_lineno) : 0;
    PyObject *note = PyUnicode_FromFormat("%U:%ld %U", r->mod->filename, line, what);
    Py_DECREF(what);
    if (note == NULL) {
        return -1;
    }
    int rc = PyList_Append(r->mod->notes, note);
    Py_DECREF(note);
    r->mod->rewrites++;
    return rc;
}

PyObject *
rw_wait(rw *r, PyObject *loc, PyObject *awaitable, const char *what)
{
    if (r->can_await) {
        return ast_await(r->kit, loc, awaitable);
    }
    PyObject *desc = PyUnicode_FromString(what);
    PyObject *cdesc = desc ? ast_make(r->kit, AK_Constant, loc, r->kit->s_value, desc, NULL) : NULL;
    PyObject *args = cdesc ? PyList_New(2) : NULL;
    Py_XDECREF(desc);
    if (args == NULL) {
        Py_XDECREF(cdesc);
        return NULL;
    }
    PyList_SetItem(args, 0, Py_NewRef(awaitable));
    PyList_SetItem(args, 1, cdesc);
    PyObject *call = ast_helper_call(r->kit, loc, "block", args, NULL);
    Py_DECREF(args);
    return call;
}

static PyObject *
item_name(rw *r, PyObject *loc, PyObject *ctx)
{
    PyObject *id = PyUnicode_InternFromString("__pyrun_item");
    PyObject *n = id ? ast_name(r->kit, loc, id, ctx) : NULL;
    Py_XDECREF(id);
    return n;
}

PyObject *
rw_async_list(rw *r, PyObject *loc, PyObject *iterable)
{
    ast_kit *kit = r->kit;
    /* what may be async items may also be plain ones: adapted */
    PyObject *one = PyList_New(1);
    if (one == NULL) {
        return NULL;
    }
    PyList_SetItem(one, 0, Py_NewRef(iterable));
    iterable = ast_helper_call(kit, loc, "aiter", one, NULL);
    Py_DECREF(one);
    if (iterable == NULL) {
        return NULL;
    }
    PyObject *target = item_name(r, loc, kit->store);
    PyObject *elt = target ? item_name(r, loc, kit->load) : NULL;
    PyObject *ifs = elt ? PyList_New(0) : NULL;
    PyObject *flag = ifs ? PyLong_FromLong(1) : NULL;
    PyObject *gen = flag ? ast_make(kit, AK_comprehension, NULL, kit->s_target, target, kit->s_iter,
                                    iterable, kit->s_ifs, ifs, kit->s_is_async, flag, NULL)
                         : NULL;
    PyObject *gens = gen ? PyList_New(1) : NULL;
    PyObject *comp = NULL;
    if (gens != NULL) {
        PyList_SetItem(gens, 0, Py_NewRef(gen));
        comp = ast_make(kit, AK_ListComp, loc, kit->s_elt, elt, kit->s_generators, gens, NULL);
    }
    Py_XDECREF(target);
    Py_XDECREF(elt);
    Py_XDECREF(ifs);
    Py_XDECREF(flag);
    Py_XDECREF(gen);
    Py_XDECREF(gens);
    Py_DECREF(iterable);
    return comp;
}

/* `name` as a constant string node. */
static PyObject *
str_const(rw *r, PyObject *loc, PyObject *s)
{
    return ast_make(r->kit, AK_Constant, loc, r->kit->s_value, s, NULL);
}

/* helper(<prefix...>, <call args...>, **<call keywords>) */
static PyObject *
helper_over(rw *r, PyObject *call, const char *helper, PyObject *prefix1, PyObject *prefix2)
{
    ast_kit *kit = r->kit;
    PyObject *args = ast_get(call, kit->s_args);
    PyObject *kws = args ? ast_get(call, kit->s_keywords) : NULL;
    PyObject *all = kws ? PyList_New(0) : NULL;
    PyObject *out = NULL;
    if (all == NULL) {
        goto done;
    }
    if ((prefix1 && PyList_Append(all, prefix1) < 0) || (prefix2 && PyList_Append(all, prefix2) < 0)) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_Size(args); i++) {
        if (PyList_Append(all, PyList_GetItem(args, i)) < 0) {
            goto done;
        }
    }
    out = ast_helper_call(kit, call, helper, all, kws);
done:
    Py_XDECREF(args);
    Py_XDECREF(kws);
    Py_XDECREF(all);
    return out;
}

/* obj.method(args) -> helper(obj, "method", args) */
static PyObject *
method_helper(rw *r, PyObject *call, PyObject *func, const char *helper)
{
    PyObject *recv = ast_get(func, r->kit->s_value);
    PyObject *attr = recv ? ast_get(func, r->kit->s_attr) : NULL;
    PyObject *method = attr ? str_const(r, call, attr) : NULL;
    PyObject *out = method ? helper_over(r, call, helper, recv, method) : NULL;
    Py_XDECREF(recv);
    Py_XDECREF(attr);
    Py_XDECREF(method);
    return out;
}

static PyObject *
call_func(rw *r, PyObject *call)
{
    return ast_get(call, r->kit->s_func);
}

/* Replace async-items arguments of a consumer (sum, list, sorted...) by a
 * list collected with `async for`; a generator expression is turned into
 * the equivalent list comprehension. Where nothing can await (a class
 * body) the arguments stay: the consumer iterates them synchronously, as
 * a `for` there does. */
static int
collect_async_args(rw *r, PyObject *call, PyObject *orig_args)
{
    ast_kit *kit = r->kit;
    if (!r->can_await) {
        return 0;
    }
    PyObject *args = ast_get(call, kit->s_args);
    if (args == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyList_Size(args); i++) {
        PyObject *orig = PyList_GetItem(orig_args, i);
        if (ast_kind_of(kit, orig) == AK_Starred) {
            continue; /* see unpack_starred_args */
        }
        int a = expr_is_async_items(r->t, orig);
        if (a < 0) {
            Py_DECREF(args);
            return -1;
        }
        if (!a) {
            continue;
        }
        PyObject *arg = PyList_GetItem(args, i);
        PyObject *repl;
        if (ast_kind_of(kit, arg) == AK_GeneratorExp) {
            repl = ast_retype(kit, arg, AK_ListComp);
        }
        else {
            repl = rw_async_list(r, arg, arg);
        }
        if (repl == NULL || PyList_SetItem(args, i, repl) < 0) {
            Py_DECREF(args);
            return -1;
        }
    }
    Py_DECREF(args);
    return 0;
}

/* `name` of the stdlib helper for a builtin given a colored callable or
 * async items. */
static const char *
helper_of(prim p)
{
    switch (p) {
    case P_SORTED: return "sorted";
    case P_MIN: return "min";
    case P_MAX: return "max";
    case P_MAP: return "map";
    case P_FILTER: return "filter";
    case P_STARMAP: return "starmap";
    case P_FILTERFALSE: return "filterfalse";
    case P_TAKEWHILE: return "takewhile";
    case P_DROPWHILE: return "dropwhile";
    case P_ACCUMULATE: return "accumulate";
    case P_REDUCE: return "reduce";
    case P_ANY: return "any";
    case P_ALL: return "all";
    case P_NEXT: return "next";
    case P_ENUMERATE: return "enumerate";
    case P_ZIP: return "zip";
    case P_ITER: return "iter";
    case P_TO_THREAD: return "to_thread";
    case P_RUN_IN_EXECUTOR: return "run_in_executor";
    default: return NULL;
    }
}

/* The late-bound primitives: the helper gets what the name holds when the
 * call runs, and waits only when that is the real primitive. */
static PyObject *
blocking_prim(rw *r, site *st, PyObject *call, PyObject *func, effect e, const char **what, const char **note)
{
    ast_kit *kit = r->kit;
    /* a name that may also hold something else (sleep = fake) */
    int late = tx_values(r->t, st->func)->n > 1;
    switch (e) {
    case E_SLEEP:
        *what = "time.sleep()";
        *note = late ? "a name that may hold time.sleep -> __pyrun__.sleep, which calls what it holds"
                     : "time.sleep -> await asyncio.sleep";
        return helper_over(r, call, "sleep", func, NULL);
    case E_RUN:
        *what = "asyncio.run()";
        *note = late ? "a name that may hold asyncio.run -> __pyrun__.run, which calls what it holds"
                     : "asyncio.run -> await (asyncio.run semantics)";
        return helper_over(r, call, "run", func, NULL);
    case E_INPUT:
        *what = "input()";
        *note = late ? "a name that may hold input -> __pyrun__.input, which calls what it holds"
                     : "input -> await an async read from the host";
        return helper_over(r, call, "input", func, NULL);
    default:
        break;
    }
    /* sys.stdin.readline(), loop.run_until_complete(): methods */
    if (ast_kind_of(kit, func) != AK_Attribute) {
        *what = "this call";
        *note = "callable that may block -> await __pyrun__.call";
        return helper_over(r, call, "call", func, NULL);
    }
    PyObject *recv = ast_get(func, kit->s_value);
    PyObject *attr = recv ? ast_get(func, kit->s_attr) : NULL;
    PyObject *name = attr ? str_const(r, call, attr) : NULL;
    PyObject *out = NULL;
    if (name != NULL && e == E_STDIN) {
        out = helper_over(r, call, "stdin", recv, name);
        *what = "a read of sys.stdin";
        *note = "sys.stdin read -> await an async read from the host";
    }
    else if (name != NULL) {
        out = helper_over(r, call, e == E_RUN_FOREVER ? "run_forever" : "run_until_complete", recv, NULL);
        *what = e == E_RUN_FOREVER ? "loop.run_forever()" : "loop.run_until_complete()";
        *note = e == E_RUN_FOREVER ? "loop.run_forever -> await until loop.stop()" : "loop.run_until_complete -> await";
    }
    Py_XDECREF(recv);
    Py_XDECREF(attr);
    Py_XDECREF(name);
    return out;
}

/* await __pyrun__.unpack(<value>, n): the items of async ones as a list,
 * for unpacking (n targets; -1: all the items). */
static PyObject *
awaited_unpack(rw *r, PyObject *loc, PyObject *value, long n)
{
    ast_kit *kit = r->kit;
    PyObject *count = PyLong_FromLong(n);
    PyObject *cnode = count ? ast_make(kit, AK_Constant, loc, kit->s_value, count, NULL) : NULL;
    PyObject *args = cnode ? PyList_New(2) : NULL;
    PyObject *call = NULL;
    Py_XDECREF(count);
    if (args != NULL) {
        PyList_SetItem(args, 0, Py_NewRef(value));
        PyList_SetItem(args, 1, Py_NewRef(cnode));
        call = ast_helper_call(kit, loc, "unpack", args, NULL);
    }
    Py_XDECREF(cnode);
    Py_XDECREF(args);
    PyObject *aw = call ? ast_await(kit, loc, call) : NULL;
    Py_XDECREF(call);
    return aw;
}

PyObject *
rw_unpacked(rw *r, PyObject *loc, PyObject *value, long n)
{
    PyObject *aw = awaited_unpack(r, loc, value, n);
    if (aw != NULL && rw_note(r, loc, "unpacking of async items -> await __pyrun__.unpack") < 0) {
        Py_CLEAR(aw);
    }
    return aw;
}

/* Which arguments of a call are *it with async items: a set of indexes,
 * read before the arguments are rewritten in place (NULL: none). */
static PyObject *
async_starred_args(rw *r, PyObject *orig_args)
{
    ast_kit *kit = r->kit;
    PyObject *found = NULL;
    for (Py_ssize_t i = 0; r->can_await && i < PyList_Size(orig_args); i++) {
        PyObject *orig = PyList_GetItem(orig_args, i);
        if (ast_kind_of(kit, orig) != AK_Starred) {
            continue;
        }
        PyObject *inner = ast_get(orig, kit->s_value);
        int a = inner ? expr_is_async_items(r->t, inner) : -1;
        Py_XDECREF(inner);
        PyObject *index = a > 0 ? PyLong_FromSsize_t(i) : NULL;
        if (a > 0 && (found == NULL && (found = PySet_New(NULL)) == NULL)) {
            Py_XDECREF(index);
            return NULL;
        }
        int rc = a < 0 ? -1 : a > 0 ? (index ? PySet_Add(found, index) : -1) : 0;
        Py_XDECREF(index);
        if (rc < 0) {
            Py_XDECREF(found);
            return NULL;
        }
    }
    if (found == NULL && !PyErr_Occurred()) {
        found = Py_NewRef(Py_None);
    }
    return found;
}

/* g(*it) with async items: g(*await __pyrun__.unpack(it, -1)). */
static int
unpack_starred_args(rw *r, PyObject *call, PyObject *which)
{
    ast_kit *kit = r->kit;
    if (which == Py_None) {
        return 0;
    }
    PyObject *args = ast_get(call, kit->s_args);
    if (args == NULL) {
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(args); i++) {
        PyObject *index = PyLong_FromSsize_t(i);
        int hit = index ? PySet_Contains(which, index) : -1;
        Py_XDECREF(index);
        PyObject *arg = PyList_GetItem(args, i);
        if (hit <= 0 || ast_kind_of(kit, arg) != AK_Starred) {
            rc = hit < 0 ? -1 : 0;
            continue;
        }
        PyObject *value = ast_get(arg, kit->s_value);
        PyObject *aw = value ? rw_unpacked(r, arg, value, -1) : NULL;
        rc = aw == NULL ? -1 : ast_set(arg, kit->s_value, aw);
        Py_XDECREF(value);
        Py_XDECREF(aw);
    }
    Py_DECREF(args);
    return rc;
}

static int
callees_may_stop(tx *t, site *s)
{
    for (int i = 0; i < s->callees.n; i++) {
        unit *u = t->units[s->callees.v[i]];
        if (u->may_stop && u->colored && !u->generator) {
            return 1;
        }
    }
    return 0;
}

/* "a call of f()" for a colored unit reached, else "this call" */
static const char *
call_of(unit *target, char *buf, size_t size)
{
    const char *name = target && target->name && PyUnicode_Check(target->name)
                           ? PyUnicode_AsUTF8AndSize(target->name, NULL)
                           : NULL;
    if (name == NULL) {
        PyErr_Clear();
        return "this call";
    }
    snprintf(buf, size, "a call of %s()", name);
    return buf;
}

/* "creating a C" for the __init__ (or __new__) of class C, else "creating this object" */
static const char *
creating(unit *target, char *buf, size_t size)
{
    PyObject *cls = target && target->owner ? target->owner->name : NULL;
    const char *name = cls && PyUnicode_Check(cls) ? PyUnicode_AsUTF8AndSize(cls, NULL) : NULL;
    if (name == NULL) {
        PyErr_Clear();
        return "creating this object";
    }
    snprintf(buf, size, "creating a %s", name);
    return buf;
}

/* The rewrites where a helper is called in place of the call, with no
 * await; *handled says whether e is one of them. */
static PyObject *
sync_rewrite(rw *r, PyObject *call, PyObject *func, effect e, int *handled)
{
    ast_kit *kit = r->kit;
    PyObject *out = NULL;
    const char *note = NULL;
    *handled = 1;
    switch (e) {
    case E_NEW_LOOP_SYNC:
        out = helper_over(r, call, "new_event_loop", NULL, NULL);
        note = "asyncio.new_event_loop -> the running loop";
        break;
    case E_LOOP_STOP_SYNC: {
        PyObject *recv = ast_get(func, kit->s_value);
        PyObject *attr = recv ? ast_get(func, kit->s_attr) : NULL;
        int is_close = attr && PyUnicode_CompareWithASCIIString(attr, "close") == 0;
        out = attr ? helper_over(r, call, is_close ? "close_loop" : "stop_loop", recv, NULL) : NULL;
        note = is_close ? "loop.close -> leaves the running loop open" : "loop.stop -> ends an awaited run_forever";
        Py_XDECREF(recv);
        Py_XDECREF(attr);
        break;
    }
    case E_UNAVAILABLE: {
        /* subprocess.run(...), multiprocessing.Process(...): raises, naming it */
        PyObject *ast = pyrun_import("ast");
        PyObject *text = ast ? PyObject_CallMethod(ast, "unparse", "(O)", func) : NULL;
        PyObject *name = text ? str_const(r, call, text) : NULL;
        out = name ? helper_over(r, call, "unavailable", name, NULL) : NULL;
        note = "a process or a socket, which Pyodide has not -> __pyrun__.unavailable, which raises";
        Py_XDECREF(ast);
        Py_XDECREF(text);
        Py_XDECREF(name);
        break;
    }
    case E_AS_COMPLETED:
        out = helper_over(r, call, "as_completed", NULL, NULL);
        note = "concurrent.futures.as_completed -> __pyrun__.as_completed, async items";
        break;
    case E_COOP_SYNC:
        if (ast_kind_of(kit, func) == AK_Attribute) {
            /* t.is_alive(), lock.release(), q.put_nowait(x)...: a waiting thread may go on */
            out = method_helper(r, call, func, "coop_sync");
            note = "a method of a thread, lock, queue, executor or connection that does not wait -> __pyrun__.coop_sync";
            break;
        }
        /* fall through */
    default:
        *handled = 0;
        return NULL;
    }
    if (out != NULL && rw_note(r, call, "%s", note) < 0) {
        Py_CLEAR(out);
    }
    return out;
}

static PyObject *
rw_call(rw *r, PyObject *call)
{
    tx *t = r->t;
    ast_kit *kit = r->kit;
    site *st = tx_site_of(t, call);
    if (st == NULL && PyErr_Occurred()) {
        return NULL;
    }
    effect e = st ? st->effect : E_NONE;
    /* the arguments as they were, for what the analysis knows of them */
    PyObject *args = ast_get(call, kit->s_args);
    PyObject *orig_args = args ? PyList_GetSlice(args, 0, PyList_Size(args)) : NULL;
    Py_XDECREF(args);
    PyObject *func = NULL, *out = NULL;
    PyObject *starred = orig_args ? async_starred_args(r, orig_args) : NULL;
    if (starred == NULL || rw_children(r, call) < 0 || unpack_starred_args(r, call, starred) < 0 ||
        (func = call_func(r, call)) == NULL) {
        goto done;
    }
    int handled = 0;
    out = sync_rewrite(r, call, func, e, &handled);
    if (handled) {
        goto done;
    }
    if (st != NULL && caches_colored(t, st)) {
        /* lru_cache(...)(f), cache(f): as the decorator forms are */
        PyObject *args1 = PyList_New(1);
        PyObject *cached = NULL;
        if (args1 != NULL) {
            PyList_SetItem(args1, 0, Py_NewRef(func));
            cached = ast_helper_call(kit, call, "cached", args1, NULL);
            Py_DECREF(args1);
        }
        if (cached == NULL || ast_set(call, kit->s_func, cached) < 0 ||
            rw_note(r, call, "cache over a colored function -> __pyrun__.cached, keeps results") < 0) {
            Py_XDECREF(cached);
            goto done;
        }
        Py_SETREF(func, cached);
    }
    if (st != NULL && loop_calls_back_colored(t, st)) {
        /* loop.call_soon(f, ...), call_later(delay, f, ...): f's run
         * becomes a task of the loop, where it can wait */
        int first = site_prim(t, st) == P_CALL_SOON ? 0 : 1;
        PyObject *args = ast_get(call, kit->s_args);
        PyObject *fn = args ? PyList_GetItem(args, first) : NULL;
        PyObject *one = fn ? PyList_New(1) : NULL;
        PyObject *wrapped = NULL;
        if (one != NULL) {
            PyList_SetItem(one, 0, Py_NewRef(fn));
            wrapped = ast_helper_call(kit, fn, "as_task", one, NULL);
            Py_DECREF(one);
        }
        int rc = wrapped ? PyList_SetItem(args, first, wrapped) : -1;
        Py_XDECREF(args);
        if (rc < 0 || rw_note(r, call, "loop callback that is colored -> runs as a task") < 0) {
            goto done;
        }
    }
    /* a check alone is for code that can await anyway */
    if (!needs_await(e) || ((e == E_CHECKED || e == E_STRINGIFY) && !r->can_await && st->target == NULL)) {
        out = Py_NewRef(call);
        goto done;
    }
    PyObject *awaitable = NULL;
    /* where nothing can await, the message says "<what> blocks (...)" */
    const char *what = "this call";
    char named[160];
    const char *note = NULL;
    prim p = st ? site_prim(t, st) : P_NONE;
    switch (e) {
    case E_SLEEP:
    case E_RUN:
    case E_INPUT:
    case E_STDIN:
    case E_RUN_UNTIL_COMPLETE:
    case E_RUN_FOREVER:
        awaitable = blocking_prim(r, st, call, func, e, &what, &note);
        break;
    case E_AWAIT:
        awaitable = helper_over(r, call, "call", func, NULL);
        what = call_of(st->target, named, sizeof named);
        note = "call of a colored function -> await";
        break;
    case E_CHECKED:
        awaitable = helper_over(r, call, "call", func, NULL);
        what = call_of(st->target, named, sizeof named);
        note = st->target != NULL ? "callable that may be colored -> await __pyrun__.call"
                                  : "callable pyrun cannot follow -> await __pyrun__.call, in case it is colored";
        break;
    case E_STRINGIFY:
        if (st->str_format) {
            /* "...".format(...) -> await __pyrun__.strformat("...", ...) */
            PyObject *recv = ast_get(func, kit->s_value);
            awaitable = recv ? helper_over(r, call, "strformat", recv, NULL) : NULL;
            Py_XDECREF(recv);
            what = "this format";
            note = "str.format of values whose __str__, __repr__ or __format__ may block -> await __pyrun__.strformat";
            break;
        }
        /* __pyrun__.call knows the builtins that stringify (aio/stringify.c) */
        awaitable = helper_over(r, call, "call", func, NULL);
        what = call_of(st->target, named, sizeof named);
        note = st->target != NULL ? "print/str/repr/format of an object whose __str__, __repr__ or __format__ blocks -> "
                                    "await __pyrun__.call"
                                  : "print/str/repr/format, in code where __str__, __repr__ or __format__ may block -> "
                                    "await __pyrun__.call";
        break;
    case E_RESUME: {
        /* g.send(v) -> check_next(await __pyrun__.resume(g, "send", v)) */
        awaitable = method_helper(r, call, func, "resume");
        what = "resuming this generator";
        note = "send/throw/close of a generator that blocks -> await __pyrun__.resume";
        break;
    }
    case E_EVAL:
        awaitable = helper_over(r, call, p == P_EVAL ? "eval" : "exec", func, NULL);
        what = p == P_EVAL ? "eval()" : "exec()";
        note = p == P_EVAL ? "eval -> its source rewritten as it runs, awaited"
                           : "exec -> its source rewritten as it runs, awaited";
        break;
    case E_URLOPEN:
        awaitable = helper_over(r, call, "urlopen", NULL, NULL);
        what = "urllib.request.urlopen()";
        note = "urllib.request.urlopen -> await the host's fetch";
        break;
    case E_GETPASS:
        awaitable = helper_over(r, call, "getpass", NULL, NULL);
        what = "getpass.getpass()";
        note = "getpass.getpass -> await a line read without echo";
        break;
    case E_FUTURES_WAIT:
        awaitable = helper_over(r, call, "futures_wait", NULL, NULL);
        what = "concurrent.futures.wait()";
        note = "concurrent.futures.wait -> await __pyrun__.futures_wait";
        break;
    case E_COOP:
        if (ast_kind_of(kit, func) != AK_Attribute) {
            out = Py_NewRef(call);
            goto done;
        }
        awaitable = method_helper(r, call, func, "coop");
        what = "this wait of a thread";
        note = "where a thread waits (join, acquire, get, put, result...) -> await __pyrun__.coop";
        break;
    case E_CONSTRUCT:
        awaitable = helper_over(r, call, "new", func, NULL);
        what = creating(st->target, named, sizeof named);
        note = "class whose __init__ blocks -> await __pyrun__.new";
        break;
    case E_IMPORT:
        awaitable = helper_over(r, call,
                                p == P_IMPORT_MODULE ? "import_module" : p == P_RELOAD ? "reload" : "dunder_import",
                                NULL, NULL);
        what = "importing this module";
        note = st->target == NULL ? UNSEEN_IMPORT_NOTE : BLOCKING_IMPORT_NOTE;
        break;
    case E_HOF:
    case E_CONSUME: {
        const char *pname = helper_of(p);
        if (p == P_LIST_SORT) {
            PyObject *recv = ast_get(func, kit->s_value);
            awaitable = recv ? helper_over(r, call, "sort", recv, NULL) : NULL;
            Py_XDECREF(recv);
            what = "this list.sort()";
            note = "list.sort with a colored key -> await __pyrun__.sort";
        }
        else if (p == P_LIST_SEARCH && ast_kind_of(kit, func) == AK_Attribute) {
            /* seq.index(x): list_search(seq, "index", x), the live sequence searched */
            awaitable = method_helper(r, call, func, "list_search");
            what = "this search of a list";
            note = "list.index/count/remove through a colored __eq__ -> await __pyrun__.list_search";
        }
        else if (e == E_HOF && is_replayed(p)) {
            awaitable = helper_over(r, call, "replay", func, NULL);
            what = "this library call";
            note = "library function calling back colored code -> await __pyrun__.replay";
        }
        else if (pname != NULL && (e == E_HOF || p == P_ANY || p == P_ALL || p == P_NEXT || p == P_ENUMERATE ||
                                   is_lazy_iterator(p))) {
            awaitable = helper_over(r, call, pname, NULL, NULL);
            what = "this call of a builtin";
            note = e == E_HOF ? "builtin with a colored callable -> pyrun's async version"
                              : "consumer of async items -> pyrun's async version";
            if (is_lazy_iterator(p) && p != P_ITER) {
                /* lazy: an async iterator, awaited item by item by its consumer */
                if (awaitable != NULL && rw_note(r, call, "%s with async items -> async iterator", pname) < 0) {
                    Py_CLEAR(awaitable);
                }
                out = awaitable;
                goto done;
            }
            if (p == P_TO_THREAD || p == P_RUN_IN_EXECUTOR) {
                /* already awaited by the program: a task running the call */
                if (awaitable != NULL && rw_note(r, call, "%s of a colored function -> a task awaiting it", pname) < 0) {
                    Py_CLEAR(awaitable);
                }
                out = awaitable;
                goto done;
            }
        }
        else {
            const char *consumer = prim_name(p) ? prim_name(p) : "a consumer";
            if (collect_async_args(r, call, orig_args) == 0 &&
                rw_note(r, call,
                        r->can_await ? "%s of async items -> list collected with async for"
                                     : "%s of async items (where nothing can await: iterated synchronously)",
                        consumer) == 0) {
                out = Py_NewRef(call);
            }
            goto done;
        }
        break;
    }
    default:
        out = Py_NewRef(call);
        goto done;
    }
    if (awaitable != NULL) {
        out = rw_wait(r, call, awaitable, what);
        Py_DECREF(awaitable);
        if (out != NULL && (e == E_AWAIT || e == E_CHECKED) && callees_may_stop(t, st)) {
            /* its StopIteration comes as a value: raised again here */
            PyObject *one = PyList_New(1);
            PyObject *checked = NULL;
            if (one != NULL) {
                PyList_SetItem(one, 0, out);
                checked = ast_helper_call(kit, call, "unstop", one, NULL);
                Py_DECREF(one);
            }
            out = checked;
        }
        if (out != NULL && ((e == E_CONSUME && p == P_NEXT) || e == E_RESUME)) {
            /* an awaitable cannot raise StopIteration (that is how it
             * returns): next()'s exhaustion is raised here instead */
            PyObject *one = PyList_New(1);
            PyObject *checked = NULL;
            if (one != NULL) {
                PyList_SetItem(one, 0, out);
                checked = ast_helper_call(kit, call, "check_next", one, NULL);
                Py_DECREF(one);
            }
            out = checked;
        }
        if (out != NULL && note != NULL &&
            rw_note(r, call, r->can_await ? "%s" : "%s (where nothing can await: waits synchronously)", note) < 0) {
            Py_CLEAR(out);
        }
    }
done:
    Py_XDECREF(func);
    Py_XDECREF(orig_args);
    Py_XDECREF(starred);
    return out;
}

static PyObject *
rw_attribute(rw *r, PyObject *node)
{
    ast_kit *kit = r->kit;
    if (rw_children(r, node) < 0) {
        return NULL;
    }
    site *st = tx_site_of(r->t, node);
    if (st == NULL || st->effect != E_PROPERTY) {
        return PyErr_Occurred() ? NULL : Py_NewRef(node);
    }
    PyObject *ctxv = ast_get(node, kit->s_ctx);
    PyObject *attr = ctxv ? ast_get(node, kit->s_attr) : NULL;
    if (attr == NULL) {
        Py_XDECREF(ctxv);
        return NULL;
    }
    PyObject *out = NULL;
    if (ast_kind_of(kit, ctxv) == AK_Load) {
        PyObject *base = ast_get(node, kit->s_value);
        PyObject *name = base ? str_const(r, node, attr) : NULL;
        PyObject *args = name ? PyList_New(2) : NULL;
        if (args != NULL) {
            PyList_SetItem(args, 0, Py_NewRef(base));
            PyList_SetItem(args, 1, Py_NewRef(name));
            PyObject *get = ast_helper_call(kit, node, "getattr", args, NULL);
            out = get ? rw_wait(r, node, get, "reading a property whose getter blocks") : NULL;
            Py_XDECREF(get);
            if (out && rw_note(r, node, "read of property %U whose getter blocks -> await", attr) < 0) {
                Py_CLEAR(out);
            }
        }
        Py_XDECREF(base);
        Py_XDECREF(name);
        Py_XDECREF(args);
    }
    else {
        out = Py_NewRef(node);
    }
    Py_DECREF(ctxv);
    Py_DECREF(attr);
    return out;
}

static PyObject *
make_async_def(ast_kit *kit, PyObject *loc, PyObject *name, PyObject *args, PyObject *body)
{
    PyObject *empty1 = PyList_New(0);
    PyObject *empty2 = empty1 ? PyList_New(0) : NULL;
    PyObject *def = NULL;
    if (empty2 != NULL) {
        def = ast_make(kit, AK_AsyncFunctionDef, loc, kit->s_name, name, kit->s_args, args, kit->s_body,
                       body, kit->s_decorator_list, empty1, kit->s_returns, Py_None, NULL);
        /* type_params exists from Python 3.12 on */
        if (def != NULL && PyObject_HasAttr(def, kit->s_type_params) == 0) {
            PyObject *fields = PyObject_GetAttr((PyObject *)Py_TYPE(def), kit->s__fields);
            int has = fields ? PySequence_Contains(fields, kit->s_type_params) : -1;
            Py_XDECREF(fields);
            if (has > 0 && ast_set(def, kit->s_type_params, empty2) < 0) {
                Py_CLEAR(def);
            }
        }
    }
    Py_XDECREF(empty1);
    Py_XDECREF(empty2);
    return def;
}

/* Where no def can be lifted, a lambda that blocks keeps its place and
 * scope: `__pyrun__.lambda_face(lambda a: (body for __pyrun_once in
 * (None,)))`. The generator expression is the one expression that can
 * await outside an async def; its names are the lambda's (a walrus binds
 * in the lambda), and the face awaits its one item (aio/face.c). */
static PyObject *
rw_once_lambda(rw *r, PyObject *node, PyObject *body)
{
    ast_kit *kit = r->kit;
    PyObject *name = PyUnicode_InternFromString("__pyrun_once");
    PyObject *target = name ? ast_name(kit, body, name, kit->store) : NULL;
    PyObject *none = target ? ast_make(kit, AK_Constant, body, kit->s_value, Py_None, NULL) : NULL;
    PyObject *elts = none ? PyList_New(1) : NULL;
    PyObject *zero = elts ? PyLong_FromLong(0) : NULL;
    PyObject *tuple = NULL, *ifs = NULL, *gen = NULL, *gens = NULL, *genexp = NULL, *out = NULL;
    if (zero == NULL) {
        goto done;
    }
    PyList_SetItem(elts, 0, Py_NewRef(none));
    tuple = ast_make(kit, AK_Tuple, body, kit->s_elts, elts, kit->s_ctx, kit->load, NULL);
    ifs = tuple ? PyList_New(0) : NULL;
    gen = ifs ? ast_make(kit, AK_comprehension, NULL, kit->s_target, target, kit->s_iter, tuple, kit->s_ifs, ifs,
                         kit->s_is_async, zero, NULL)
              : NULL;
    gens = gen ? PyList_New(1) : NULL;
    if (gens == NULL) {
        goto done;
    }
    PyList_SetItem(gens, 0, Py_NewRef(gen));
    genexp = ast_make(kit, AK_GeneratorExp, body, kit->s_elt, body, kit->s_generators, gens, NULL);
    if (genexp != NULL && ast_set(node, kit->s_body, genexp) == 0 &&
        rw_note(r, node, "lambda that blocks -> awaited through an async generator expression") == 0) {
        PyObject *args = PyList_New(1);
        if (args != NULL) {
            PyList_SetItem(args, 0, Py_NewRef(node));
            out = ast_helper_call(kit, node, "lambda_face", args, NULL);
            Py_DECREF(args);
        }
    }
done:
    Py_XDECREF(name);
    Py_XDECREF(target);
    Py_XDECREF(none);
    Py_XDECREF(elts);
    Py_XDECREF(zero);
    Py_XDECREF(tuple);
    Py_XDECREF(ifs);
    Py_XDECREF(gen);
    Py_XDECREF(gens);
    Py_XDECREF(genexp);
    return out;
}

/* A lambda whose body blocks cannot await: it is lifted into an async def
 * named <lambda> just before the statement (same scope, so closures and
 * defaults see the same names), and the lambda replaced by that name. */
static PyObject *
rw_lambda(rw *r, PyObject *node)
{
    tx *t = r->t;
    ast_kit *kit = r->kit;
    unit *u = tx_unit_of(t, node);
    if (u == NULL) {
        return PyErr_Occurred() ? NULL : Py_NewRef(node);
    }
    /* defaults run where the lambda is */
    PyObject *args = ast_get(node, kit->s_args);
    if (args == NULL) {
        return NULL;
    }
    if (rw_children(r, args) < 0) {
        Py_DECREF(args);
        return NULL;
    }
    int liftable = u->colored && lambda_liftable(u) && r->before != NULL && u->def_scope == r->scope;
    int once = u->colored && !liftable && !u->generator;
    rw inner = {.t = t, .kit = kit, .mod = r->mod, .unit = u, .scope = u->scope, .can_await = liftable || once};
    PyObject *body = ast_get(node, kit->s_body);
    PyObject *new_body = body ? rw_expr(&inner, body) : NULL;
    Py_XDECREF(body);
    if (new_body == NULL) {
        Py_DECREF(args);
        return NULL;
    }
    PyObject *out = NULL;
    if (once) {
        out = rw_once_lambda(r, node, new_body);
    }
    else if (!liftable) {
        if (ast_set(node, kit->s_body, new_body) == 0) {
            out = Py_NewRef(node);
        }
    }
    else {
        r->lambdas++;
        PyObject *name = r->lambdas == 1 ? PyUnicode_FromString("<lambda>")
                                         : PyUnicode_FromFormat("<lambda#%d>", r->lambdas);
        /* a generator lambda becomes an async generator, which cannot
         * return a value: its body is a statement */
        PyObject *ret = name == NULL ? NULL
                        : u->generator ? ast_make(kit, AK_Expr, node, kit->s_value, new_body, NULL)
                                       : ast_make(kit, AK_Return, node, kit->s_value, new_body, NULL);
        PyObject *stmts = ret ? PyList_New(1) : NULL;
        PyObject *def = NULL;
        if (stmts != NULL) {
            PyList_SetItem(stmts, 0, Py_NewRef(ret));
            def = make_async_def(kit, node, name, args, stmts);
        }
        PyObject *face = def ? ast_helper(kit, node, "face") : NULL;
        PyObject *decos = face ? ast_get(def, kit->s_decorator_list) : NULL;
        int rc = decos ? PyList_Append(decos, face) : -1;
        Py_XDECREF(face);
        Py_XDECREF(decos);
        if (rc == 0 && u->may_stop && !u->generator) {
            rc = rw_carry_stop_iteration(r, def);
        }
        if (rc == 0 && PyList_Append(r->before, def) == 0 &&
            rw_note(r, node, "lambda that blocks -> async def %U", name) == 0) {
            out = ast_name(kit, node, name, kit->load);
        }
        Py_XDECREF(name);
        Py_XDECREF(ret);
        Py_XDECREF(stmts);
        Py_XDECREF(def);
    }
    Py_DECREF(new_body);
    Py_DECREF(args);
    return out;
}

static PyObject *
rw_comprehension(rw *r, PyObject *node, ast_kind kind)
{
    tx *t = r->t;
    ast_kit *kit = r->kit;
    scope *cs = tx_scope_of(t, node);
    if (cs == NULL) {
        return PyErr_Occurred() ? NULL : Py_NewRef(node);
    }
    rw inner = {.t = t, .kit = kit, .mod = r->mod, .unit = r->unit, .scope = cs, .can_await = r->can_await,
                .no_walrus = r->no_walrus};
    PyObject *gens = ast_get(node, kit->s_generators);
    if (gens == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_Size(gens); i++) {
        PyObject *gen = PyList_GetItem(gens, i);
        rw *where = i == 0 ? r : &inner;
        PyObject *iter = ast_get(gen, kit->s_iter);
        PyObject *key = iter ? Py_BuildValue("(On)", node, i) : NULL;
        site *gs = key ? tx_site_of(t, key) : NULL;
        Py_XDECREF(key);
        int a = gs != NULL && gs->effect == E_ASYNC_FOR;
        where->no_walrus++;
        PyObject *new_iter = iter && !PyErr_Occurred() ? rw_expr(where, iter) : NULL;
        where->no_walrus--;
        int rc = new_iter == NULL ? -1 : 0;
        if (rc == 0 && new_iter != iter) {
            rc = ast_set(gen, kit->s_iter, new_iter);
        }
        if (rc == 0 && a > 0 && r->can_await) {
            /* async for over a colored generator, adapted if need be */
            PyObject *args = PyList_New(1);
            PyObject *aiter = NULL;
            if (args != NULL) {
                PyList_SetItem(args, 0, Py_NewRef(new_iter));
                aiter = ast_helper_call(kit, new_iter, "aiter", args, NULL);
                Py_DECREF(args);
            }
            PyObject *one = PyLong_FromLong(1);
            rc = aiter && one && ast_set(gen, kit->s_iter, aiter) == 0 &&
                         ast_set(gen, kit->s_is_async, one) == 0 &&
                         rw_note(r, iter, "comprehension over async items -> async for") == 0
                     ? 0
                     : -1;
            Py_XDECREF(aiter);
            Py_XDECREF(one);
        }
        Py_XDECREF(iter);
        Py_XDECREF(new_iter);
        if (rc < 0) {
            Py_DECREF(gens);
            return NULL;
        }
        if (rw_truth_field(&inner, gen, kit->s_ifs) < 0) {
            Py_DECREF(gens);
            return NULL;
        }
    }
    Py_DECREF(gens);
    PyObject *fields[2] = {kind == AK_DictComp ? kit->s_key : kit->s_elt, kind == AK_DictComp ? kit->s_value : NULL};
    for (int f = 0; f < 2 && fields[f]; f++) {
        PyObject *v = ast_get(node, fields[f]);
        PyObject *nv = v ? rw_expr(&inner, v) : NULL;
        int rc = nv == NULL ? -1 : (nv != v ? ast_set(node, fields[f], nv) : 0);
        Py_XDECREF(v);
        Py_XDECREF(nv);
        if (rc < 0) {
            return NULL;
        }
    }
    if (kind != AK_GeneratorExp || !cs->awaits || !r->can_await) {
        return Py_NewRef(node);
    }
    /* it awaits, so it is an async generator now: wherever it goes (a
     * library that iterates it, a variable), it is iterable either way */
    PyObject *one = PyList_New(1);
    PyObject *wrapped = NULL;
    if (one != NULL) {
        PyList_SetItem(one, 0, Py_NewRef(node));
        wrapped = ast_helper_call(kit, node, "sync_iter", one, NULL);
        Py_DECREF(one);
    }
    if (wrapped != NULL && rw_note(r, node, "generator expression that blocks -> async, iterable synchronously too") < 0) {
        Py_CLEAR(wrapped);
    }
    return wrapped;
}

/* `x in it` (or not in) where it holds async items: await
 * __pyrun__.contains(x, it), which pulls items only until it finds x. */
/* a < b < c whose comparisons may block: `(a < b) and (b < c)`, each
 * comparison that blocks awaited, as the interpreter gives the first false
 * result or the last one. Only for middle operands that are names or
 * constants, which read twice give what they gave once. */
static PyObject *
rw_chain(rw *r, PyObject *node, PyObject *ops, PyObject *comparators)
{
    ast_kit *kit = r->kit;
    Py_ssize_t n = PyList_Size(ops);
    site **links = PyMem_Calloc((size_t)n, sizeof(site *));
    if (links == NULL) {
        return PyErr_NoMemory();
    }
    int blocks = 0;
    for (Py_ssize_t i = 0; r->can_await && i < n; i++) {
        PyObject *key = tx_chain_key(node, (int)i);
        site *st = key ? tx_site_of(r->t, key) : NULL;
        Py_XDECREF(key);
        if (PyErr_Occurred()) {
            PyMem_Free(links);
            return NULL;
        }
        links[i] = st != NULL && st->kind == SITE_OP && st->effect == E_OPERATOR ? st : NULL;
        blocks |= links[i] != NULL;
    }
    for (Py_ssize_t i = 0; blocks && i + 1 < n; i++) {
        ast_kind k = ast_kind_of(kit, PyList_GetItem(comparators, i));
        blocks = k == AK_Name || k == AK_Constant;
    }
    PyObject *left = blocks ? ast_get(node, kit->s_left) : NULL;
    PyObject *values = left ? PyList_New(0) : NULL;
    int rc = values ? 0 : -1;
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
        PyObject *a = i == 0 ? left : PyList_GetItem(comparators, i - 1);
        PyObject *b = PyList_GetItem(comparators, i);
        PyObject *one = NULL;
        if (links[i] != NULL) {
            one = rw_operator_await(r, node, links[i], a, b);
        }
        else {
            PyObject *op = PyList_New(1);
            PyObject *right = op ? PyList_New(1) : NULL;
            if (right != NULL) {
                PyList_SetItem(op, 0, Py_NewRef(PyList_GetItem(ops, i)));
                PyList_SetItem(right, 0, Py_NewRef(b));
                one = ast_make(kit, AK_Compare, node, kit->s_left, a, kit->s_ops, op, kit->s_comparators, right, NULL);
            }
            Py_XDECREF(op);
            Py_XDECREF(right);
        }
        rc = one ? PyList_Append(values, one) : -1;
        Py_XDECREF(one);
    }
    PyObject *and_class = rc == 0 ? PyObject_GetAttrString(kit->ast_module, "And") : NULL;
    PyObject *and_op = and_class ? PyObject_CallNoArgs(and_class) : NULL;
    PyObject *out = and_op ? ast_make(kit, AK_BoolOp, node, kit->s_op, and_op, kit->s_values, values, NULL) : NULL;
    Py_XDECREF(and_class);
    Py_XDECREF(and_op);
    Py_XDECREF(values);
    Py_XDECREF(left);
    PyMem_Free(links);
    if (out == NULL && !PyErr_Occurred()) {
        return Py_NewRef(node); /* nothing blocks, or not a chain pyrun can split */
    }
    return out;
}

/* await __pyrun__.truth(value), at loc */
static PyObject *
truth_await(ast_kit *kit, PyObject *loc, PyObject *value)
{
    PyObject *args = PyList_New(1);
    if (args == NULL) {
        return NULL;
    }
    PyList_SetItem(args, 0, Py_NewRef(value));
    PyObject *call = ast_helper_call(kit, loc, "truth", args, NULL);
    Py_DECREF(args);
    PyObject *out = call ? ast_await(kit, loc, call) : NULL;
    Py_XDECREF(call);
    return out;
}

/* `a or b` as a value, where the truth of an operand blocks: each such
 * operand goes to a temporary, tested once, and given back as the
 * interpreter gives it back:
 *     a or b   ->  (__pyrun_v if await truth(__pyrun_v := a) else b)
 *     a and b  ->  (b if await truth(__pyrun_v := a) else __pyrun_v)
 * A tested `and`/`or` (r->test: if, while...) stays as it is: rw_truth
 * tests each operand there. */
static PyObject *
rw_boolop(rw *r, PyObject *node)
{
    ast_kit *kit = r->kit;
    int tested = node == r->test;
    PyObject *values = ast_get(node, kit->s_values);
    PyObject *op = values ? ast_get(node, kit->s_op) : NULL;
    if (op == NULL) {
        Py_XDECREF(values);
        return NULL;
    }
    PyObject *saved = r->test;
    PyObject *orig = PyList_GetSlice(values, 0, PyList_Size(values)); /* the truth sites' keys */
    int rc = orig ? 0 : -1;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(values); i++) {
        PyObject *item = PyList_GetItem(values, i);
        r->test = tested ? item : NULL; /* `if a or (b and c)` tests b and c too */
        PyObject *nv = rw_expr(r, item);
        rc = nv ? PyList_SetItem(values, i, nv) : -1;
    }
    r->test = saved;
    PyObject *out = NULL;
    if (rc < 0) {
        goto done;
    }
    if (tested || !r->can_await || r->no_walrus) {
        out = Py_NewRef(node);
        goto done;
    }
    PyObject *or_class = PyObject_GetAttrString(kit->ast_module, "Or");
    int is_or = or_class ? PyObject_IsInstance(op, or_class) : -1;
    Py_XDECREF(or_class);
    Py_ssize_t n = PyList_Size(values);
    PyObject *id = is_or >= 0 ? PyUnicode_InternFromString("__pyrun_v") : NULL;
    out = id ? Py_NewRef(PyList_GetItem(values, n - 1)) : NULL;
    int changed = 0;
    for (Py_ssize_t i = n - 2; out != NULL && i >= 0; i--) {
        PyObject *value = PyList_GetItem(values, i);
        PyObject *key = tx_truth_key(PyList_GetItem(orig, i));
        site *st = key ? tx_site_of(r->t, key) : NULL;
        Py_XDECREF(key);
        PyObject *next = NULL;
        if (st != NULL && st->kind == SITE_OP && st->effect == E_OPERATOR) {
            PyObject *store = ast_name(kit, value, id, kit->store);
            PyObject *walrus = store ? ast_make(kit, AK_NamedExpr, value, kit->s_target, store, kit->s_value, value, NULL)
                                     : NULL;
            PyObject *test = walrus ? truth_await(kit, value, walrus) : NULL;
            PyObject *load = test ? ast_name(kit, value, id, kit->load) : NULL;
            if (load != NULL) {
                next = ast_make(kit, AK_IfExp, node, kit->s_test, test, kit->s_body, is_or ? load : out, kit->s_orelse,
                                is_or ? out : load, NULL);
            }
            if (next != NULL && rw_note(r, value, "truth of an operand of and/or whose __bool__ or __len__ blocks -> await __pyrun__.truth") < 0) {
                Py_CLEAR(next);
            }
            Py_XDECREF(store);
            Py_XDECREF(walrus);
            Py_XDECREF(test);
            Py_XDECREF(load);
            changed = 1;
        }
        else if (!PyErr_Occurred()) {
            PyObject *pair = PyList_New(2);
            if (pair != NULL) {
                PyList_SetItem(pair, 0, Py_NewRef(value));
                PyList_SetItem(pair, 1, Py_NewRef(out));
                next = ast_make(kit, AK_BoolOp, node, kit->s_op, op, kit->s_values, pair, NULL);
                Py_DECREF(pair);
            }
        }
        Py_SETREF(out, next);
    }
    if (out != NULL && !changed) {
        Py_SETREF(out, Py_NewRef(node)); /* nothing blocks: the node as it was */
    }
    Py_XDECREF(id);
done:
    Py_XDECREF(orig);
    Py_DECREF(values);
    Py_DECREF(op);
    return out;
}

static PyObject *
rw_compare(rw *r, PyObject *node)
{
    ast_kit *kit = r->kit;
    PyObject *ops = ast_get(node, kit->s_ops);
    PyObject *comparators = ops ? ast_get(node, kit->s_comparators) : NULL;
    PyObject *right = comparators && PyList_Size(comparators) == 1 ? Py_NewRef(PyList_GetItem(comparators, 0)) : NULL;
    int a = right && r->can_await && PyList_Size(ops) == 1 ? expr_is_async_items(r->t, right) : 0;
    site *contains = a == 0 && right ? rw_operator_site(r, node) : NULL;
    if (contains != NULL && contains->op >> 8 == OPK_CONTAINS) {
        a = 1; /* a __contains__ that blocks: awaited as for async items */
    }
    PyObject *out = NULL;
    if (comparators == NULL || a < 0 || rw_children(r, node) < 0) {
        goto done;
    }
    if (PyList_Size(ops) > 1) {
        out = rw_chain(r, node, ops, comparators);
        goto done;
    }
    PyObject *op = PyList_GetItem(ops, 0);
    PyObject *op_name = a ? PyType_GetName(Py_TYPE(op)) : NULL;
    int in = op_name && PyUnicode_CompareWithASCIIString(op_name, "In") == 0;
    int not_in = op_name && PyUnicode_CompareWithASCIIString(op_name, "NotIn") == 0;
    Py_XDECREF(op_name);
    if (!in && !not_in) {
        site *st = PyErr_Occurred() ? NULL : rw_operator_site(r, node);
        if (st != NULL) {
            PyObject *left = ast_get(node, kit->s_left);
            PyObject *now = left ? ast_get(node, kit->s_comparators) : NULL;
            out = now ? rw_operator_await(r, node, st, left, PyList_GetItem(now, 0)) : NULL;
            Py_XDECREF(left);
            Py_XDECREF(now);
            goto done;
        }
        out = PyErr_Occurred() ? NULL : Py_NewRef(node);
        goto done;
    }
    PyObject *left = ast_get(node, kit->s_left);
    PyObject *new_comparators = left ? ast_get(node, kit->s_comparators) : NULL;
    PyObject *args = new_comparators ? PyList_New(2) : NULL;
    if (args != NULL) {
        PyList_SetItem(args, 0, Py_NewRef(left));
        PyList_SetItem(args, 1, Py_NewRef(PyList_GetItem(new_comparators, 0)));
        PyObject *call = ast_helper_call(kit, node, "contains", args, NULL);
        PyObject *aw = call ? ast_await(kit, node, call) : NULL;
        Py_XDECREF(call);
        if (aw != NULL && not_in) {
            PyObject *not_class = PyObject_GetAttrString(kit->ast_module, "Not");
            PyObject *not_op = not_class ? PyObject_CallNoArgs(not_class) : NULL;
            Py_XDECREF(not_class);
            out = not_op ? ast_make(kit, AK_UnaryOp, node, kit->s_op, not_op, kit->s_operand, aw, NULL) : NULL;
            Py_XDECREF(not_op);
            Py_DECREF(aw);
        }
        else {
            out = aw;
        }
        if (out != NULL && rw_note(r, node, "in over async items -> await __pyrun__.contains") < 0) {
            Py_CLEAR(out);
        }
    }
    Py_XDECREF(left);
    Py_XDECREF(new_comparators);
    Py_XDECREF(args);
done:
    Py_XDECREF(ops);
    Py_XDECREF(comparators);
    Py_XDECREF(right);
    return out;
}

/* ---- operators and truth tests whose special methods block -------------- */

static const char *const OPERATOR_HELPERS[] = {
    [OPK_COMPARE] = "compare", [OPK_BINARY] = "binop", [OPK_INPLACE] = "inplace", [OPK_UNARY] = "unop",
};

/* The operator site of node, if it is to be awaited here. */
site *
rw_operator_site(rw *r, PyObject *node)
{
    site *st = tx_site_of(r->t, node);
    return st != NULL && st->kind == SITE_OP && st->effect == E_OPERATOR && r->can_await ? st : NULL;
}

/* await __pyrun__.<helper>(a[, b], code) */
PyObject *
rw_operator_await(rw *r, PyObject *loc, site *st, PyObject *a, PyObject *b)
{
    ast_kit *kit = r->kit;
    PyObject *code = PyLong_FromLong(st->op & 0xff);
    PyObject *c = code ? ast_make(kit, AK_Constant, loc, kit->s_value, code, NULL) : NULL;
    PyObject *args = c ? (b ? PyList_New(3) : PyList_New(2)) : NULL;
    PyObject *out = NULL;
    if (args != NULL) {
        PyList_SetItem(args, 0, Py_NewRef(a));
        if (b != NULL) {
            PyList_SetItem(args, 1, Py_NewRef(b));
        }
        PyList_SetItem(args, b ? 2 : 1, Py_NewRef(c));
        const char *helper = OPERATOR_HELPERS[st->op >> 8];
        PyObject *call = ast_helper_call(kit, loc, helper, args, NULL);
        out = call ? ast_await(kit, loc, call) : NULL;
        Py_XDECREF(call);
        if (out != NULL && rw_note(r, loc, "operator whose special method blocks -> await __pyrun__.%s", helper) < 0) {
            Py_CLEAR(out);
        }
    }
    Py_XDECREF(code);
    Py_XDECREF(c);
    Py_XDECREF(args);
    return out;
}

site *
rw_item_site(rw *r, PyObject *subscript)
{
    PyObject *key = tx_item_key(subscript);
    site *st = key ? tx_site_of(r->t, key) : NULL;
    Py_XDECREF(key);
    return st != NULL && st->effect == E_OPERATOR && r->can_await ? st : NULL;
}

/* await __pyrun__.<helper>(a, b[, c]) */
static PyObject *
rw_item_call(rw *r, PyObject *loc, const char *helper, PyObject *a, PyObject *b, PyObject *c)
{
    PyObject *args = c ? PyTuple_Pack(3, a, b, c) : PyTuple_Pack(2, a, b);
    PyObject *list = args ? PySequence_List(args) : NULL;
    PyObject *call = list ? ast_helper_call(r->kit, loc, helper, list, NULL) : NULL;
    PyObject *out = call ? ast_await(r->kit, loc, call) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(list);
    Py_XDECREF(call);
    return out;
}

PyObject *
rw_item_await(rw *r, PyObject *loc, const char *helper, PyObject *a, PyObject *b, PyObject *c)
{
    PyObject *out = rw_item_call(r, loc, helper, a, b, c);
    if (out != NULL && rw_note(r, loc, "subscript whose item method blocks -> await __pyrun__.%s", helper) < 0) {
        Py_CLEAR(out);
    }
    return out;
}

/* obj.attr = v or del obj.attr where a property's setter or deleter blocks */
site *
rw_attr_store_site(rw *r, PyObject *attribute)
{
    PyObject *key = tx_store_key(attribute);
    site *st = key ? tx_site_of(r->t, key) : NULL;
    Py_XDECREF(key);
    return st != NULL && st->effect == E_PROPERTY && r->can_await ? st : NULL;
}

/* await __pyrun__.store_attr(v, obj, "attr") (v first: CPython evaluates
 * the value before the target), or await __pyrun__.delete_attr(obj, "attr") */
PyObject *
rw_attr_store_await(rw *r, PyObject *attribute, PyObject *value)
{
    ast_kit *kit = r->kit;
    PyObject *base = ast_get(attribute, kit->s_value);
    PyObject *attr = base ? ast_get(attribute, kit->s_attr) : NULL;
    PyObject *name = attr ? str_const(r, attribute, attr) : NULL;
    PyObject *out = NULL;
    if (name != NULL) {
        const char *helper = value ? "store_attr" : "delete_attr";
        out = value ? rw_item_call(r, attribute, helper, value, base, name) : rw_item_call(r, attribute, helper, base, name, NULL);
        if (out != NULL && rw_note(r, attribute, "%s of property %U whose %s blocks -> await __pyrun__.%s",
                                   value ? "store" : "delete", attr, value ? "setter" : "deleter", helper) < 0) {
            Py_CLEAR(out);
        }
    }
    Py_XDECREF(base);
    Py_XDECREF(attr);
    Py_XDECREF(name);
    return out;
}

static PyObject *
rw_subscript(rw *r, PyObject *node)
{
    ast_kit *kit = r->kit;
    if (rw_children(r, node) < 0) {
        return NULL;
    }
    PyObject *ctx = ast_get(node, kit->s_ctx);
    site *st = ctx && ast_kind_of(kit, ctx) == AK_Load ? rw_item_site(r, node) : NULL;
    Py_XDECREF(ctx);
    if (st == NULL) {
        return PyErr_Occurred() ? NULL : Py_NewRef(node);
    }
    PyObject *value = ast_get(node, kit->s_value);
    PyObject *slice = value ? ast_get(node, kit->s_slice) : NULL;
    PyObject *out = slice ? rw_item_await(r, node, "getitem", value, slice, NULL) : NULL;
    Py_XDECREF(value);
    Py_XDECREF(slice);
    return out;
}

PyObject *
rw_truth(rw *r, PyObject *orig, PyObject *rewritten)
{
    ast_kit *kit = r->kit;
    if (orig == NULL || orig == Py_None || !r->can_await) {
        return Py_NewRef(rewritten);
    }
    if (ast_kind_of(kit, orig) == AK_BoolOp && ast_kind_of(kit, rewritten) == AK_BoolOp) {
        /* in a truth test, `a and b` is the truth of a, then of b */
        PyObject *was = ast_get(orig, kit->s_values);
        PyObject *now = was ? ast_get(rewritten, kit->s_values) : NULL;
        int rc = now && PyList_Size(was) == PyList_Size(now) ? 0 : -1;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(now); i++) {
            PyObject *v = rw_truth(r, PyList_GetItem(was, i), PyList_GetItem(now, i));
            rc = v ? PyList_SetItem(now, i, v) : -1;
        }
        Py_XDECREF(was);
        Py_XDECREF(now);
        if (rc < 0 && !PyErr_Occurred()) {
            PyErr_SetString(PyExc_SystemError, "pyrun: a rewritten `and`/`or` lost operands");
        }
        return rc < 0 ? NULL : Py_NewRef(rewritten);
    }
    PyObject *key = tx_truth_key(orig);
    site *st = key ? tx_site_of(r->t, key) : NULL;
    Py_XDECREF(key);
    if (st == NULL || st->effect != E_OPERATOR) {
        return PyErr_Occurred() ? NULL : Py_NewRef(rewritten);
    }
    PyObject *out = truth_await(kit, orig, rewritten);
    if (out != NULL && rw_note(r, orig, "truth test of a value whose __bool__ or __len__ blocks -> await __pyrun__.truth") < 0) {
        Py_CLEAR(out);
    }
    return out;
}

/* A field holding a tested expression (or a list of them), rewritten. */
int
rw_truth_field(rw *r, PyObject *node, PyObject *field)
{
    PyObject *v = ast_get(node, field);
    if (v == NULL) {
        return -1;
    }
    int rc = 0;
    if (PyList_Check(v)) {
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(v); i++) {
            PyObject *orig = PyList_GetItem(v, i);
            PyObject *saved = r->test;
            r->test = orig;
            PyObject *nv = rw_expr(r, orig);
            r->test = saved;
            PyObject *t = nv ? rw_truth(r, orig, nv) : NULL;
            Py_XDECREF(nv);
            rc = t == NULL ? -1 : PyList_SetItem(v, i, t);
        }
    }
    else if (v != Py_None) {
        PyObject *saved = r->test;
        r->test = v;
        PyObject *nv = rw_expr(r, v);
        r->test = saved;
        PyObject *t = nv ? rw_truth(r, v, nv) : NULL;
        Py_XDECREF(nv);
        rc = t == NULL ? -1 : ast_set(node, field, t);
        Py_XDECREF(t);
    }
    Py_DECREF(v);
    return rc;
}

static int
rw_expr_field(rw *r, PyObject *node, PyObject *field)
{
    PyObject *v = ast_get(node, field);
    PyObject *nv = v ? rw_expr(r, v) : NULL;
    int rc = nv == NULL ? -1 : nv != v ? ast_set(node, field, nv) : 0;
    Py_XDECREF(v);
    Py_XDECREF(nv);
    return rc;
}

static PyObject *
rw_unaryop(rw *r, PyObject *node)
{
    ast_kit *kit = r->kit;
    PyObject *operand = ast_get(node, kit->s_operand);
    if (operand == NULL) {
        return NULL;
    }
    /* `not x` tests x */
    PyObject *saved = r->test;
    r->test = operand;
    PyObject *new_operand = rw_expr(r, operand);
    r->test = saved;
    site *st = new_operand ? rw_operator_site(r, node) : NULL;
    PyObject *out = NULL;
    if (new_operand == NULL || PyErr_Occurred()) {
        goto done;
    }
    if (st != NULL) {
        out = rw_operator_await(r, node, st, new_operand, NULL);
        goto done;
    }
    PyObject *tested = rw_truth(r, operand, new_operand);
    if (tested != NULL && ast_set(node, kit->s_operand, tested) == 0) {
        out = Py_NewRef(node);
    }
    Py_XDECREF(tested);
done:
    Py_DECREF(operand);
    Py_XDECREF(new_operand);
    return out;
}

/* With its children rewritten: is `node` (a format site, flows.c's
 * format_site) to be awaited here? 1, 0, or -1 with an exception. */
static int
stringifies_here(rw *r, PyObject *node)
{
    site *st = tx_site_of(r->t, node);
    if ((st == NULL && PyErr_Occurred()) || rw_children(r, node) < 0) {
        return -1;
    }
    return st != NULL && st->effect == E_STRINGIFY && r->can_await;
}

/* "..." % values where a value's __str__ or __repr__ may block:
 * await __pyrun__.percent("...", values) */
static PyObject *
rw_binop(rw *r, PyObject *node)
{
    ast_kit *kit = r->kit;
    int here = stringifies_here(r, node);
    if (here <= 0) {
        site *st = here == 0 ? rw_operator_site(r, node) : NULL;
        if (st == NULL) {
            return here < 0 || PyErr_Occurred() ? NULL : Py_NewRef(node);
        }
        PyObject *left = ast_get(node, kit->s_left);
        PyObject *right = left ? ast_get(node, kit->s_right) : NULL;
        PyObject *out = right ? rw_operator_await(r, node, st, left, right) : NULL;
        Py_XDECREF(left);
        Py_XDECREF(right);
        return out;
    }
    PyObject *left = ast_get(node, kit->s_left);
    PyObject *right = left ? ast_get(node, kit->s_right) : NULL;
    PyObject *args = right ? PyList_New(2) : NULL;
    PyObject *call = NULL, *out = NULL;
    if (args != NULL) {
        PyList_SetItem(args, 0, Py_NewRef(left));
        PyList_SetItem(args, 1, Py_NewRef(right));
        call = ast_helper_call(kit, node, "percent", args, NULL);
    }
    out = call ? ast_await(kit, node, call) : NULL;
    if (out != NULL && rw_note(r, node, "%% formatting of a value whose __str__ or __repr__ may block -> await __pyrun__.percent") < 0) {
        Py_CLEAR(out);
    }
    Py_XDECREF(left);
    Py_XDECREF(right);
    Py_XDECREF(args);
    Py_XDECREF(call);
    return out;
}

/* f"{x!r:spec}" where x's __str__, __repr__ or __format__ may block:
 * f"{await __pyrun__.fvalue(x, conversion, f'spec')}" */
static PyObject *
rw_formatted_value(rw *r, PyObject *node)
{
    ast_kit *kit = r->kit;
    int here = stringifies_here(r, node);
    if (here <= 0) {
        return here < 0 ? NULL : Py_NewRef(node);
    }
    PyObject *value = ast_get(node, kit->s_value);
    PyObject *conversion = value ? ast_get(node, kit->s_conversion) : NULL;
    PyObject *spec = conversion ? ast_get(node, kit->s_format_spec) : NULL;
    PyObject *conv = spec ? ast_make(kit, AK_Constant, node, kit->s_value, conversion, NULL) : NULL;
    PyObject *spec_expr = conv == NULL ? NULL
                          : spec == Py_None ? ast_make(kit, AK_Constant, node, kit->s_value, Py_None, NULL)
                                            : Py_NewRef(spec);
    PyObject *args = spec_expr ? PyList_New(3) : NULL;
    PyObject *call = NULL, *aw = NULL, *none = NULL, *out = NULL;
    if (args != NULL) {
        PyList_SetItem(args, 0, Py_NewRef(value));
        PyList_SetItem(args, 1, Py_NewRef(conv));
        PyList_SetItem(args, 2, Py_NewRef(spec_expr));
        call = ast_helper_call(kit, node, "fvalue", args, NULL);
    }
    aw = call ? ast_await(kit, node, call) : NULL;
    none = aw ? PyLong_FromLong(-1) : NULL;
    out = none ? ast_make(kit, AK_FormattedValue, node, kit->s_value, aw, kit->s_conversion, none, kit->s_format_spec,
                          Py_None, NULL)
               : NULL;
    if (out != NULL &&
        rw_note(r, node, "f-string field whose __str__, __repr__ or __format__ may block -> await __pyrun__.fvalue") < 0) {
        Py_CLEAR(out);
    }
    Py_XDECREF(value);
    Py_XDECREF(conversion);
    Py_XDECREF(spec);
    Py_XDECREF(conv);
    Py_XDECREF(spec_expr);
    Py_XDECREF(args);
    Py_XDECREF(call);
    Py_XDECREF(aw);
    Py_XDECREF(none);
    return out;
}

PyObject *
rw_expr(rw *r, PyObject *expr)
{
    if (expr == NULL || expr == Py_None) {
        return Py_XNewRef(expr);
    }
    ast_kind kind = ast_kind_of(r->kit, expr);
    switch (kind) {
    case AK_OTHER:
        if (!ast_is_node(r->kit, expr)) {
            return Py_NewRef(expr); /* a str or int field value */
        }
        return rw_children(r, expr) < 0 ? NULL : Py_NewRef(expr);
    case AK_Name:
    case AK_Constant:
        return Py_NewRef(expr);
    case AK_Call:
        return rw_call(r, expr);
    case AK_Attribute:
        return rw_attribute(r, expr);
    case AK_Lambda:
        return rw_lambda(r, expr);
    case AK_YieldFrom:
        if (rw_in_async_generator(r)) {
            /* Only `yield from X` as a statement can become a loop; its
             * value (the sub-generator's return) has no async equivalent. */
            PyObject *msg = PyUnicode_FromString(
                "the value of 'yield from' in a generator that blocks");
            PyObject *c = msg ? ast_make(r->kit, AK_Constant, expr, r->kit->s_value, msg, NULL) : NULL;
            PyObject *args = c ? PyList_New(1) : NULL;
            PyObject *call = NULL;
            if (args != NULL) {
                PyList_SetItem(args, 0, Py_NewRef(c));
                call = ast_helper_call(r->kit, expr, "unsupported", args, NULL);
            }
            Py_XDECREF(msg);
            Py_XDECREF(c);
            Py_XDECREF(args);
            if (call != NULL && rw_note(r, expr, "value of yield from in a generator that blocks -> unsupported, raises if reached") < 0) {
                Py_CLEAR(call);
            }
            return call;
        }
        return rw_children(r, expr) < 0 ? NULL : Py_NewRef(expr);
    case AK_ListComp:
    case AK_SetComp:
    case AK_DictComp:
    case AK_GeneratorExp:
        return rw_comprehension(r, expr, kind);
    case AK_Compare:
        return rw_compare(r, expr);
    case AK_BoolOp:
        return rw_boolop(r, expr);
    case AK_FormattedValue:
        return rw_formatted_value(r, expr);
    case AK_BinOp:
        return rw_binop(r, expr);
    case AK_UnaryOp:
        return rw_unaryop(r, expr);
    case AK_Subscript:
        return rw_subscript(r, expr);
    case AK_IfExp:
        if (rw_truth_field(r, expr, r->kit->s_test) < 0 || rw_expr_field(r, expr, r->kit->s_body) < 0 ||
            rw_expr_field(r, expr, r->kit->s_orelse) < 0) {
            return NULL;
        }
        return Py_NewRef(expr);
    default:
        return rw_children(r, expr) < 0 ? NULL : Py_NewRef(expr);
    }
}

/* Rewrite every child expression of a node in place. */
int
rw_children(rw *r, PyObject *node)
{
    ast_kit *kit = r->kit;
    PyObject *fields = PyObject_GetAttr((PyObject *)Py_TYPE(node), kit->s__fields);
    if (fields == NULL) {
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyTuple_Size(fields); i++) {
        PyObject *name = PyTuple_GetItem(fields, i);
        PyObject *v = ast_get(node, name);
        if (v == NULL) {
            rc = -1;
            break;
        }
        if (PyList_Check(v)) {
            for (Py_ssize_t j = 0; rc == 0 && j < PyList_Size(v); j++) {
                PyObject *item = PyList_GetItem(v, j);
                if (!ast_is_node(kit, item)) {
                    continue;
                }
                PyObject *nv = rw_expr(r, item);
                if (nv == NULL) {
                    rc = -1;
                }
                else if (nv != item) {
                    rc = PyList_SetItem(v, j, nv);
                }
                else {
                    Py_DECREF(nv);
                }
            }
        }
        else if (ast_is_node(kit, v)) {
            PyObject *nv = rw_expr(r, v);
            if (nv == NULL) {
                rc = -1;
            }
            else {
                if (nv != v) {
                    rc = ast_set(node, name, nv);
                }
                Py_DECREF(nv);
            }
        }
        Py_DECREF(v);
    }
    Py_DECREF(fields);
    return rc;
}
