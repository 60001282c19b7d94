/* Pass 3: the constraints of flows.c solved to a fixpoint.
 *
 * Every round applies every constraint, adding to variables' sets of
 * abstract objects, until a round adds nothing. Calls are resolved from
 * what their callee's variable holds as it grows, so the call graph is
 * found along the way (site.callees). What the stdlib's known callables
 * do with the callables and items they get (sorted's key, map, partial,
 * lru_cache, property...) is modelled here too. */
#include "model.h"
#include "../operator_names.h"

#include <string.h>

#define MAX_ROUNDS 200
#define MAX_DEPTH 24

static const idset EMPTY;

const idset *
tx_values(tx *t, int v)
{
    return v < 0 || v >= t->nvars ? &EMPTY : &t->vars[v].objs;
}

/* A copy of a variable's set, safe to iterate while variables are added
 * (which may move them). Free with idset_free. */
static int
snapshot(tx *t, int v, idset *out)
{
    memset(out, 0, sizeof *out);
    return idset_union(out, tx_values(t, v)) < 0 ? -1 : 0;
}

static int
add(tx *t, int dst, int obj)
{
    if (dst < 0 || obj < 0) {
        return 0;
    }
    int r = idset_add(&t->vars[dst].objs, obj);
    if (r > 0) {
        t->changed = 1;
        t->vars[dst].version++;
    }
    return r < 0 ? -1 : 0;
}

static int
add_set(tx *t, int dst, const idset *src)
{
    if (dst < 0) {
        return 0;
    }
    int r = idset_union(&t->vars[dst].objs, src);
    if (r > 0) {
        t->changed = 1;
        t->vars[dst].version++;
    }
    return r < 0 ? -1 : 0;
}

static int
copy(tx *t, int dst, int src)
{
    if (dst < 0 || src < 0 || dst == src) {
        return 0;
    }
    /* growing dst's set leaves src's where it is */
    return add_set(t, dst, &t->vars[src].objs);
}

static int
record(tx *t, site *s, unit *u)
{
    if (s == NULL || u == NULL) {
        return 0;
    }
    int r = idset_add(&s->callees, u->index);
    if (r > 0) {
        t->changed = 1;
    }
    return r < 0 ? -1 : 0;
}

static void
mark_prim(tx *t, site *s, prim p)
{
    if (s != NULL && !(s->prims & PRIM_BIT(p))) {
        s->prims |= PRIM_BIT(p);
        t->changed = 1;
    }
}

/* An object made at a site, once: a container, a wrapper... */
static int
site_obj(tx *t, site *s, obj_kind kind, wrap_kind wrap, const char *tag)
{
    PyObject *key = Py_BuildValue("(is)", s ? s->index : -1, tag);
    if (key == NULL) {
        return -1;
    }
    aobj init = {.kind = kind, .wrap = wrap, .made_at = s, .inner = -1, .inner2 = -1, .ref = -1};
    int id = tx_obj_with_vars(t, kind, key, &init, 2);
    Py_DECREF(key);
    return id;
}

/* The variable of an attribute stored on a class or its instances. */
static int
attr_var(tx *t, PyObject *dict, PyObject *name)
{
    PyObject *have = PyDict_GetItemWithError(dict, name);
    if (have != NULL) {
        return (int)PyLong_AsLong(have);
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    int v = tx_new_var(t);
    PyObject *i = v < 0 ? NULL : PyLong_FromLong(v);
    int rc = i ? PyDict_SetItem(dict, name, i) : -1;
    Py_XDECREF(i);
    return rc < 0 ? -1 : v;
}

static int
lookup_attr_dict(PyObject *dict, PyObject *name)
{
    PyObject *have = PyDict_GetItemWithError(dict, name);
    return have ? (int)PyLong_AsLong(have) : -1;
}

/* ---- classes ---------------------------------------------------------- */

/* Is c k or a subclass of it? (Bases may form diamonds: each class is
 * visited once.) */
static int
is_subclass_visit(klass *c, klass *k, idset *seen)
{
    if (c == k) {
        return 1;
    }
    int fresh = idset_add(seen, c->index);
    if (fresh <= 0) {
        return fresh;
    }
    for (int i = 0; i < c->nbases; i++) {
        int r = is_subclass_visit(c->bases[i], k, seen);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

static int
is_subclass(klass *c, klass *k)
{
    /* single inheritance, the common case: up the chain, with no set */
    for (int steps = 0; steps < 64; steps++) {
        if (c == k) {
            return 1;
        }
        if (c->nbases != 1) {
            if (c->nbases == 0) {
                return 0;
            }
            break;
        }
        c = c->bases[0];
    }
    idset seen;
    memset(&seen, 0, sizeof seen);
    int r = is_subclass_visit(c, k, &seen);
    idset_free(&seen);
    return r;
}

static int
add_base(tx *t, klass *k, klass *b)
{
    for (int i = 0; i < k->nbases; i++) {
        if (k->bases[i] == b) {
            return 0;
        }
    }
    if (k->nbases == k->capbases) {
        int ncap = k->capbases ? k->capbases * 2 : 4;
        klass **grown = PyMem_Realloc(k->bases, (size_t)ncap * sizeof(klass *));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        k->bases = grown;
        k->capbases = ncap;
    }
    k->bases[k->nbases++] = b;
    t->changed = 1;
    return 0;
}

/* What attribute `name` of class k holds, looked up as the MRO would (k,
 * then its bases, depth first, each class once): into acc. 1 when found. */
static int
class_attr_visit(tx *t, klass *k, PyObject *name, int skip_self, idset *acc, idset *seen)
{
    int fresh = idset_add(seen, k->index);
    if (fresh <= 0) {
        return fresh;
    }
    if (!skip_self) {
        binding *b = tx_binding(t, k->scope, name);
        if (b == NULL && PyErr_Occurred()) {
            return -1;
        }
        int stored = lookup_attr_dict(k->attrs, name);
        if (PyErr_Occurred()) {
            return -1;
        }
        if (b != NULL && idset_union(acc, tx_values(t, b->var)) < 0) {
            return -1;
        }
        if (stored >= 0 && idset_union(acc, tx_values(t, stored)) < 0) {
            return -1;
        }
        if (b != NULL) {
            return 1; /* the class body defines it: bases are shadowed */
        }
    }
    for (int i = 0; i < k->nbases; i++) {
        int r = class_attr_visit(t, k->bases[i], name, 0, acc, seen);
        if (r != 0) {
            return r;
        }
    }
    if (k->lib_base && idset_add(acc, 0) < 0) {
        return -1;
    }
    prim p = k->coop_base ? prim_coop_method(name) : P_NONE;
    int m = p != P_NONE ? tx_prim_obj(t, p) : 0;
    if (m < 0 || (p != P_NONE && idset_add(acc, m) < 0)) {
        return -1;
    }
    return 0;
}

int
class_attr_var(tx *t, klass *k, PyObject *name, int skip_self, idset *out)
{
    idset seen;
    memset(&seen, 0, sizeof seen);
    int r = class_attr_visit(t, k, name, skip_self, out, &seen);
    idset_free(&seen);
    return r;
}

static PyObject *
str(const char *s)
{
    return PyUnicode_InternFromString(s);
}

/* ---- calls ------------------------------------------------------------ */

typedef struct {
    const int *args;
    const unsigned char *starred;
    int nargs;
    PyObject *kwnames; /* list, or NULL */
    const int *kwargs;
    int nkw;
} argv;

static int call_obj(tx *t, site *s, int obj, const argv *a, int dst, int depth);
static int call_container_method(tx *t, const aobj *w, const argv *a, int dst, int depth);
static int items_into(tx *t, int obj, site *s, int dst, int depth);

static int
container_for(tx *t, const char *tag, int index)
{
    PyObject *key = Py_BuildValue("(si)", tag, index);
    if (key == NULL) {
        return -1;
    }
    aobj init = {.kind = O_CONTAINER, .inner = -1, .inner2 = -1, .ref = -1};
    int id = tx_obj_with_vars(t, O_CONTAINER, key, &init, 1);
    Py_DECREF(key);
    return id;
}

/* Items of what variable v holds, into dst. */
static int
items_of_var(tx *t, int v, site *s, int dst, int depth)
{
    idset objs;
    if (snapshot(t, v, &objs) < 0) {
        return -1;
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < objs.n; i++) {
        rc = items_into(t, objs.v[i], s, dst, depth);
    }
    idset_free(&objs);
    return rc;
}

/* Arguments into the parameters of u; `shift` parameters are already
 * filled (self, or cls). */
static int
bind_args(tx *t, unit *u, int shift, const argv *a, int depth)
{
    int varargs = -1, kwargs = -1;
    if (u->vararg >= 0) {
        int c = container_for(t, "*args", u->index);
        if (c < 0 || add(t, u->vararg, c) < 0) {
            return -1;
        }
        varargs = t->objs[c].inner;
    }
    if (u->kwarg >= 0) {
        int c = container_for(t, "**kwargs", u->index);
        if (c < 0 || add(t, u->kwarg, c) < 0) {
            return -1;
        }
        kwargs = t->objs[c].inner;
    }
    int position = shift;
    for (int i = 0; i < a->nargs; i++) {
        if (a->starred[i]) {
            /* f(*xs): its items may land in any later positional slot */
            for (int p = position; p < u->nposargs; p++) {
                if (items_of_var(t, a->args[i], NULL, u->params[p], depth) < 0) {
                    return -1;
                }
            }
            if (varargs >= 0 && items_of_var(t, a->args[i], NULL, varargs, depth) < 0) {
                return -1;
            }
            continue;
        }
        int target = position < u->nposargs ? u->params[position] : varargs;
        position++;
        if (copy(t, target, a->args[i]) < 0) {
            return -1;
        }
    }
    for (int i = 0; i < a->nkw; i++) {
        PyObject *name = a->kwnames ? PyList_GetItem(a->kwnames, i) : Py_None;
        if (name == Py_None) {
            /* f(**d): d's values, to any keyword-capable parameter */
            for (int p = u->nposonly; p < u->nparams; p++) {
                if (items_of_var(t, a->kwargs[i], NULL, u->params[p], depth) < 0) {
                    return -1;
                }
            }
            if (kwargs >= 0 && items_of_var(t, a->kwargs[i], NULL, kwargs, depth) < 0) {
                return -1;
            }
            continue;
        }
        int target = kwargs;
        for (int p = u->nposonly; p < u->nparams; p++) {
            int eq = PyUnicode_Compare(PyList_GetItem(u->param_names, p), name);
            if (eq == 0) {
                target = u->params[p];
                break;
            }
        }
        if (copy(t, target, a->kwargs[i]) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Calls def u (bound: its first parameter is already filled). */
static int
call_unit(tx *t, site *s, unit *u, int bound, const argv *a, int dst, int depth)
{
    if (bind_args(t, u, bound, a, depth) < 0) {
        return -1;
    }
    if (u->native_async) {
        return add(t, dst, 0); /* a coroutine of the program's own: never awaited for it */
    }
    if (u->generator) {
        return add(t, dst, u->gen_obj); /* the body runs when iterated */
    }
    return record(t, s, u) < 0 ? -1 : copy(t, dst, u->ret);
}

/* Calls every object of a set of callables. */
static int
call_set(tx *t, site *s, const idset *callables, const argv *a, int dst, int depth)
{
    idset copy_;
    memset(&copy_, 0, sizeof copy_);
    if (idset_union(&copy_, callables) < 0) {
        return -1;
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < copy_.n; i++) {
        rc = call_obj(t, s, copy_.v[i], a, dst, depth);
    }
    idset_free(&copy_);
    return rc;
}

static int
call_var(tx *t, site *s, int v, const argv *a, int dst, int depth)
{
    idset objs;
    if (snapshot(t, v, &objs) < 0) {
        return -1;
    }
    int rc = call_set(t, s, &objs, a, dst, depth);
    idset_free(&objs);
    return rc;
}

/* Calls the method `name` of class k on an instance (shift 1). */
static int
call_method(tx *t, site *s, klass *k, const char *name, const argv *a, int dst, int depth)
{
    PyObject *n = str(name);
    idset found;
    memset(&found, 0, sizeof found);
    int rc = n ? class_attr_var(t, k, n, 0, &found) : -1;
    Py_XDECREF(n);
    for (int i = 0; rc >= 0 && i < found.n; i++) {
        aobj *o = &t->objs[found.v[i]];
        if (o->kind == O_FUNC) {
            rc = call_unit(t, s, o->u, 1, a, dst, depth);
        }
        else if (o->kind == O_WRAP && o->wrap == W_STATIC) {
            rc = call_var(t, s, o->inner, a, dst, depth + 1);
        }
        else if (o->kind != O_LIB) {
            rc = call_obj(t, s, found.v[i], a, dst, depth + 1);
        }
    }
    idset_free(&found);
    return rc < 0 ? -1 : 0;
}

static const argv NO_ARGS = {0};

/* A call made by a library function on the program's behalf (sorted's
 * key, map's function...): the site reaches what it calls. */
static int
call_back(tx *t, site *s, int fn_var, int arg_var, int dst, int depth)
{
    int args[1] = {arg_var};
    unsigned char starred[1] = {0};
    argv a = {.args = args, .starred = starred, .nargs = arg_var >= 0 ? 1 : 0};
    return call_var(t, s, fn_var, &a, dst, depth + 1);
}

/* A variable made once per key (kept in obj_of_key under keys no object
 * has): auxiliary values of a site, what an object's __iter__ gives... */
static int
keyed_var(tx *t, PyObject *key)
{
    PyObject *k2 = key ? Py_BuildValue("(iO)", -1, key) : NULL;
    if (k2 == NULL) {
        return -1;
    }
    PyObject *have = PyDict_GetItemWithError(t->obj_of_key, k2);
    if (have != NULL || PyErr_Occurred()) {
        Py_DECREF(k2);
        return have ? (int)PyLong_AsLong(have) : -1;
    }
    int v = tx_new_var(t);
    PyObject *i = v < 0 ? NULL : PyLong_FromLong(v);
    int rc = i ? PyDict_SetItem(t->obj_of_key, k2, i) : -1;
    Py_XDECREF(i);
    Py_DECREF(k2);
    return rc < 0 ? -1 : v;
}

/* Auxiliary variables of a site: items of an argument... */
static int
aux_var(tx *t, site *s, const char *tag)
{
    PyObject *key = Py_BuildValue("(is)", s->index, tag);
    int v = keyed_var(t, key);
    Py_XDECREF(key);
    return v;
}

static int
keyword_var(site *s, const argv *a, const char *name)
{
    for (int i = 0; a->kwnames && i < a->nkw; i++) {
        PyObject *n = PyList_GetItem(a->kwnames, i);
        if (n != Py_None && PyUnicode_CompareWithASCIIString(n, name) == 0) {
            return a->kwargs[i];
        }
    }
    (void)s;
    return -1;
}

static int
positional(const argv *a, int i)
{
    return i < a->nargs && !a->starred[i] ? a->args[i] : -1;
}

/* threading.Thread(target=f, args=(...)), Timer(interval, f, args), Lock(),
 * Queue()...: a cooperative object; f is called in the thread, later (no
 * site calls it here), with the args spread. */
static int
coop_made(tx *t, site *s, const argv *a, int dst, int depth)
{
    int obj = site_obj(t, s, O_WRAP, W_COOP, "coop");
    if (obj < 0 || add(t, dst, obj) < 0) {
        return -1;
    }
    int target = keyword_var(s, a, "target");
    target = target >= 0 ? target : keyword_var(s, a, "function");
    target = target >= 0 ? target : positional(a, 1);
    int args = keyword_var(s, a, "args");
    args = args >= 0 ? args : positional(a, 2) >= 0 ? positional(a, 2) : positional(a, 3);
    if (target < 0) {
        return 0;
    }
    unsigned char spread[1] = {1};
    argv given = {.args = &args, .starred = spread, .nargs = args >= 0 ? 1 : 0};
    return call_var(t, NULL, target, &given, -1, depth + 1);
}

/* q.put(x) / q.get(), fut.result(), executor.submit(f, *args): what is put
 * in comes out, what f returns is the future's result; f is called in a
 * thread of the executor. */
static int
coop_method_called(tx *t, site *s, const argv *a, int dst, int depth)
{
    if (s == NULL || s->base < 0 || s->attr == NULL) {
        return add(t, dst, 0);
    }
    idset objs;
    if (snapshot(t, s->base, &objs) < 0) {
        return -1;
    }
    int rc = add(t, dst, 0);
    for (int i = 0; rc == 0 && i < objs.n; i++) {
        aobj o = t->objs[objs.v[i]];
        if (o.kind != O_WRAP || o.wrap != W_COOP) {
            continue;
        }
        PyObject *name = s->attr;
        if (PyUnicode_CompareWithASCIIString(name, "put") == 0 ||
            PyUnicode_CompareWithASCIIString(name, "put_nowait") == 0) {
            int item = keyword_var(s, a, "item");
            rc = copy(t, o.inner, item >= 0 ? item : positional(a, 0));
        }
        else if (PyUnicode_CompareWithASCIIString(name, "get") == 0 ||
                 PyUnicode_CompareWithASCIIString(name, "get_nowait") == 0 ||
                 PyUnicode_CompareWithASCIIString(name, "result") == 0) {
            rc = copy(t, dst, o.inner);
        }
        else if (PyUnicode_CompareWithASCIIString(name, "submit") == 0 && a->nargs > 0) {
            int fut = site_obj(t, s, O_WRAP, W_COOP, "future");
            argv rest = {.args = a->args + 1, .starred = a->starred + 1, .nargs = a->nargs - 1,
                         .kwnames = a->kwnames, .kwargs = a->kwargs, .nkw = a->nkw};
            rc = fut < 0 || add(t, dst, fut) < 0 ? -1
                                                 : call_var(t, NULL, a->args[0], &rest, t->objs[fut].inner, depth + 1);
        }
        else if (PyUnicode_CompareWithASCIIString(name, "map") == 0 && a->nargs > 0) {
            /* its results come as the calls complete: async items */
            int w = site_obj(t, s, O_WRAP, W_COMPLETING, "map");
            rc = w < 0 || add(t, dst, w) < 0 ? -1
                                             : call_var(t, NULL, a->args[0], &NO_ARGS, t->objs[w].inner, depth + 1);
        }
    }
    idset_free(&objs);
    return rc;
}

/* The constant string argument i of the call at s, or NULL. */
static PyObject *
constant_arg(tx *t, site *s, int i)
{
    if (s == NULL || ast_kind_of(t->kit, s->node) != AK_Call) {
        return NULL;
    }
    PyObject *args = ast_get(s->node, t->kit->s_args);
    PyObject *arg = args && i < PyList_Size(args) ? PyList_GetItem(args, i) : NULL;
    PyObject *value = arg && ast_kind_of(t->kit, arg) == AK_Constant ? ast_get(arg, t->kit->s_value) : NULL;
    Py_XDECREF(args);
    PyErr_Clear();
    if (value != NULL && !PyUnicode_Check(value)) {
        Py_CLEAR(value);
    }
    return value;
}

static int attr_into(tx *t, int obj, PyObject *name, site *s, int dst, int depth);

/* A wrapper of the stdlib made at s around what argument 0 holds. */
static int
wrap_first(tx *t, site *s, const argv *a, wrap_kind kind, const char *tag, int dst)
{
    int w = site_obj(t, s, O_WRAP, kind, tag);
    if (w < 0) {
        return -1;
    }
    int fn = positional(a, 0);
    return copy(t, t->objs[w].inner, fn) < 0 ? -1 : add(t, dst, w);
}

static int
sequence_result(tx *t, site *s, int from, int dst, int depth)
{
    int c = site_obj(t, s, O_CONTAINER, W_CALLS, "result");
    if (c < 0 || add(t, dst, c) < 0) {
        return -1;
    }
    return from >= 0 ? items_of_var(t, from, NULL, t->objs[c].inner, depth) : 0;
}

/* What a library function that looks into the values of `var` may run:
 * the given special methods of instances (given `args`), down through
 * container items, each container looked into once (`seen`). */
static int
methods_of_var(tx *t, site *s, int var, const char *const *methods, int nmethods, const argv *args, idset *seen,
               int depth)
{
    if (var < 0) {
        return 0;
    }
    idset objs;
    if (snapshot(t, var, &objs) < 0) {
        return -1;
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < objs.n; i++) {
        aobj o = t->objs[objs.v[i]];
        if (o.kind == O_INSTANCE) {
            for (int m = 0; rc == 0 && m < nmethods; m++) {
                rc = call_method(t, s, o.k, methods[m], args, -1, depth + 1);
            }
        }
        else if (o.kind == O_CONTAINER) {
            int fresh = idset_add(seen, objs.v[i]);
            rc = fresh <= 0 ? fresh : methods_of_var(t, s, o.inner, methods, nmethods, args, seen, depth);
        }
    }
    idset_free(&objs);
    return rc;
}

/* What print/str/repr/ascii/format of the values of `var` may run: the
 * __str__, __repr__ and __format__ of instances (str falls back to repr,
 * format to str), and the reprs of a container's items. */
static int
stringify_var(tx *t, site *s, int var, idset *seen, int depth)
{
    static const char *const methods[] = {"__str__", "__repr__", "__format__"};
    return methods_of_var(t, s, var, methods, 3, &NO_ARGS, seen, depth);
}

/* What sorting, min() or max() of the values of `var` compare with: the
 * __lt__ and __gt__ of its instances, given one another. */
static int
comparisons_of(tx *t, site *s, int var, int depth)
{
    static const char *const methods[] = {"__lt__", "__gt__"};
    int args[1] = {var};
    unsigned char starred[1] = {0};
    argv other = {.args = args, .starred = starred, .nargs = 1};
    /* the items themselves: containers are not looked into */
    idset objs;
    if (snapshot(t, var, &objs) < 0) {
        return -1;
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < objs.n; i++) {
        aobj o = t->objs[objs.v[i]];
        for (int m = 0; rc == 0 && o.kind == O_INSTANCE && m < 2; m++) {
            rc = call_method(t, s, o.k, methods[m], &other, -1, depth + 1);
        }
    }
    idset_free(&objs);
    return rc;
}

/* An operator site: the special methods of its operands' instances that
 * the interpreter may call for it, each given the other operand. */
static int
operator_callees(tx *t, site *s)
{
    int kind = s->op >> 8, code = s->op & 0xff;
    /* each method, and whose: the first operand's (0) or the second's (1) */
    const char *names[4] = {NULL, NULL, NULL, NULL};
    int sides[4] = {0, 1, 0, 1};
    switch (kind) {
    case OPK_COMPARE:
        names[0] = COMPARISONS[code].name, names[1] = COMPARISONS[code].reflected;
        if (code == Py_NE) {
            names[2] = names[3] = "__eq__"; /* object.__ne__ answers with __eq__ */
        }
        break;
    case OPK_BINARY:
        names[0] = BINARY[code].name, names[1] = BINARY[code].reflected;
        break;
    case OPK_INPLACE:
        names[0] = BINARY[code].inplace, names[1] = BINARY[code].reflected, names[2] = BINARY[code].name;
        break;
    case OPK_UNARY:
        names[0] = UNARY[code].name;
        break;
    case OPK_GETITEM:
        names[0] = "__getitem__", names[2] = "__missing__";
        break;
    case OPK_SETITEM:
        names[0] = "__setitem__";
        break;
    case OPK_DELITEM:
        names[0] = "__delitem__";
        break;
    case OPK_CONTAINS:
        /* the container's __contains__; in a list or tuple, its items'
         * __eq__ and the operand's (aio/operators.c's search) */
        names[1] = "__contains__", names[2] = "__eq__";
        if (s->nargs > 1) {
            static const char *const eq[] = {"__eq__"};
            int args[1] = {s->args[0]};
            unsigned char starred[1] = {0};
            argv x = {.args = args, .starred = starred, .nargs = 1};
            idset seen;
            memset(&seen, 0, sizeof seen);
            int rc = methods_of_var(t, s, s->args[1], eq, 1, &x, &seen, 0);
            idset_free(&seen);
            if (rc < 0) {
                return -1;
            }
        }
        break;
    default: /* truth */
        names[0] = "__bool__", names[2] = "__len__";
        break;
    }
    int rc = 0;
    for (int n = 0; rc == 0 && n < 4; n++) {
        int side = sides[n];
        if (names[n] == NULL || side >= s->nargs) {
            continue;
        }
        int other[2] = {s->nargs > 1 ? s->args[1 - side] : t->lib_var, -1};
        unsigned char starred[2] = {0, 0};
        argv a = {.args = other, .starred = starred, .nargs = s->nargs > 1 ? 1 : 0};
        if (kind == OPK_SETITEM) {
            /* __setitem__(key, value): the value stored reaches it */
            other[0] = t->lib_var;
            other[1] = s->nargs > 1 ? s->args[1] : t->lib_var;
            a.nargs = 2;
        }
        else if (kind == OPK_GETITEM || kind == OPK_DELITEM) {
            a.nargs = 1; /* the key, not known */
        }
        idset objs;
        if (snapshot(t, s->args[side], &objs) < 0) {
            return -1;
        }
        for (int i = 0; rc == 0 && i < objs.n; i++) {
            aobj o = t->objs[objs.v[i]];
            if (o.kind == O_INSTANCE) {
                rc = call_method(t, s, o.k, names[n], &a, -1, 0);
            }
        }
        idset_free(&objs);
    }
    return rc;
}

/* itertools.starmap(f, it), filterfalse/takewhile/dropwhile(pred, it),
 * accumulate(it, f, initial=): a lazy iterator (a container made here)
 * calling back its function on the items. */
static int
call_itertool(tx *t, site *s, prim p, const argv *a, int dst, int depth)
{
    int c = site_obj(t, s, O_CONTAINER, W_CALLS, "result");
    int items = c < 0 ? -1 : aux_var(t, s, "items");
    if (items < 0 || add(t, dst, c) < 0) {
        return -1;
    }
    int out = t->objs[c].inner;
    if (p == P_ACCUMULATE) {
        int fn = keyword_var(s, a, "func");
        if (fn < 0) {
            fn = positional(a, 1);
        }
        if (items_of_var(t, positional(a, 0), NULL, items, depth) < 0 || copy(t, items, keyword_var(s, a, "initial")) < 0 ||
            copy(t, out, items) < 0) {
            return -1;
        }
        int args[2] = {out, items};
        unsigned char starred[2] = {0, 0};
        argv two = {.args = args, .starred = starred, .nargs = 2};
        return call_var(t, s, fn, &two, out, depth + 1);
    }
    if (items_of_var(t, positional(a, 1), NULL, items, depth) < 0) {
        return -1;
    }
    if (p == P_STARMAP) {
        /* f(*item) */
        int args[1] = {items};
        unsigned char starred[1] = {1};
        argv spread = {.args = args, .starred = starred, .nargs = 1};
        return call_var(t, s, positional(a, 0), &spread, out, depth + 1);
    }
    return copy(t, out, items) < 0 ? -1 : call_back(t, s, positional(a, 0), items, aux_var(t, s, "kept"), depth);
}

/* The library functions replayed (aio/replay.c): what each calls back,
 * and with what. */
static int
call_replayed(tx *t, site *s, prim p, const argv *a, int dst, int depth)
{
    switch (p) {
    case P_RE_SUB:
    case P_PATTERN_SUB: {
        int repl = keyword_var(s, a, "repl");
        if (repl < 0) {
            repl = positional(a, p == P_RE_SUB ? 1 : 0);
        }
        return call_back(t, s, repl, t->lib_var, -1, depth) < 0 ? -1 : add(t, dst, 0);
    }
    case P_JSON_DUMPS:
        return call_back(t, s, keyword_var(s, a, "default"), t->lib_var, -1, depth) < 0 ? -1 : add(t, dst, 0);
    case P_JSON_LOADS: {
        static const char *const hooks[] = {"object_hook", "object_pairs_hook", "parse_float", "parse_int",
                                            "parse_constant"};
        for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++) {
            if (call_back(t, s, keyword_var(s, a, hooks[i]), t->lib_var, dst, depth) < 0) {
                return -1;
            }
        }
        return add(t, dst, 0);
    }
    case P_NSMALLEST:
    case P_BISECT: {
        /* nsmallest(n, iterable, key=), bisect(a, x, key=), insort(a, x, key=) */
        int from = positional(a, p == P_NSMALLEST ? 1 : 0);
        int items = aux_var(t, s, "items");
        if (items < 0 || items_of_var(t, from, NULL, items, depth) < 0 ||
            (p == P_BISECT && copy(t, items, positional(a, 1)) < 0)) {
            return -1;
        }
        if (call_back(t, s, keyword_var(s, a, "key"), items, aux_var(t, s, "keys"), depth) < 0) {
            return -1;
        }
        return p == P_NSMALLEST ? sequence_result(t, s, from, dst, depth) : add(t, dst, 0);
    }
    default:
        return add(t, dst, 0);
    }
}

/* What stringifying a call's arguments may run: the first `nargs` of its
 * positional ones (all with -1), and its keywords' when `keywords`. */
static int
stringify_args(tx *t, site *s, const argv *a, int nargs, int keywords, int depth)
{
    idset seen;
    memset(&seen, 0, sizeof seen);
    int rc = 0;
    for (int i = 0; rc == 0 && i < a->nargs && (nargs < 0 || i < nargs); i++) {
        rc = stringify_var(t, s, a->args[i], &seen, depth);
    }
    for (int i = 0; rc == 0 && keywords && i < a->nkw; i++) {
        rc = stringify_var(t, s, a->kwargs[i], &seen, depth);
    }
    idset_free(&seen);
    return rc;
}

static int
call_prim(tx *t, site *s, prim p, const argv *a, int dst, int depth)
{
    if (prim_blocks(p)) {
        mark_prim(t, s, p);
        return add(t, dst, 0);
    }
    switch (p) {
    case P_COOP_CLASS:
        return coop_made(t, s, a, dst, depth);
    case P_UNAVAILABLE:
    case P_FUTURES_WAIT:
        mark_prim(t, s, p);
        return add(t, dst, 0);
    case P_AS_COMPLETED: {
        mark_prim(t, s, p);
        int w = site_obj(t, s, O_WRAP, W_COMPLETING, "completing");
        return w < 0 || add(t, dst, w) < 0 ? -1 : items_of_var(t, positional(a, 0), s, t->objs[w].inner, depth + 1);
    }
    case P_COOP_WAIT:
    case P_COOP_CALL:
        mark_prim(t, s, p);
        return coop_method_called(t, s, a, dst, depth);
    case P_GET_LOOP:
    case P_NEW_LOOP: {
        mark_prim(t, s, p);
        PyObject *key = str("loop");
        aobj init = {.kind = O_WRAP, .wrap = W_LOOP, .inner = -1, .inner2 = -1, .ref = -1};
        int loop = key ? tx_obj(t, O_WRAP, key, &init) : -1;
        Py_XDECREF(key);
        return loop < 0 ? -1 : add(t, dst, loop);
    }
    case P_LOOP_STOP:
        mark_prim(t, s, p);
        return add(t, dst, 0);
    case P_SUPER: {
        if (a->nargs >= 1) {
            idset classes;
            if (snapshot(t, a->args[0], &classes) < 0) {
                return -1;
            }
            int rc = 0;
            for (int i = 0; rc == 0 && i < classes.n; i++) {
                aobj *o = &t->objs[classes.v[i]];
                if (o->kind == O_CLASS) {
                    PyObject *key = PyLong_FromLong(o->k->index);
                    aobj init = {.kind = O_SUPER, .k = o->k, .inner = -1, .inner2 = -1, .ref = -1};
                    int sup = key ? tx_obj(t, O_SUPER, key, &init) : -1;
                    Py_XDECREF(key);
                    rc = sup < 0 ? -1 : add(t, dst, sup);
                }
            }
            idset_free(&classes);
            return rc;
        }
        for (scope *sc = s ? s->scope : NULL; sc != NULL; sc = sc->parent) {
            if (sc->kind == SC_FUNCTION && sc->unit->kind == U_FUNCTION) {
                if (sc->unit->owner == NULL) {
                    break;
                }
                PyObject *key = PyLong_FromLong(sc->unit->owner->index);
                aobj init = {.kind = O_SUPER, .k = sc->unit->owner, .inner = -1, .inner2 = -1, .ref = -1};
                int sup = key ? tx_obj(t, O_SUPER, key, &init) : -1;
                Py_XDECREF(key);
                return sup < 0 ? -1 : add(t, dst, sup);
            }
        }
        return add(t, dst, 0);
    }
    case P_PROPERTY:
    case P_CACHED_PROPERTY: {
        int w = site_obj(t, s, O_WRAP, W_PROPERTY, "property");
        if (w < 0 || copy(t, t->objs[w].inner, positional(a, 0)) < 0 ||
            copy(t, t->objs[w].inner, keyword_var(s, a, "fget")) < 0 ||
            copy(t, t->objs[w].inner2, positional(a, 1)) < 0 || copy(t, t->objs[w].inner2, positional(a, 2)) < 0 ||
            copy(t, t->objs[w].inner2, keyword_var(s, a, "fset")) < 0 ||
            copy(t, t->objs[w].inner2, keyword_var(s, a, "fdel")) < 0) {
            return -1;
        }
        return add(t, dst, w);
    }
    case P_STATICMETHOD:
        return wrap_first(t, s, a, W_STATIC, "staticmethod", dst);
    case P_CLASSMETHOD:
        return wrap_first(t, s, a, W_CLASSMETHOD, "classmethod", dst);
    case P_SINGLEDISPATCH:
    case P_SINGLEDISPATCHMETHOD:
        /* calls go to the base function or one registered later */
        return wrap_first(t, s, a, W_DISPATCH, "dispatch", dst);
    case P_TYPES_COROUTINE:
        /* the same function, its code flagged */
        return copy(t, dst, positional(a, 0));
    case P_CONTEXTMANAGER:
    case P_CACHE:
    case P_CMP_TO_KEY:
        /* cmp_to_key: a key, taken as calling the comparison, so that
         * sorting with it is a sort that may call colored code */
        return wrap_first(t, s, a, W_CALLS, "wrapper", dst);
    case P_LRU_CACHE: {
        /* lru_cache(f), or lru_cache(maxsize=...) making the decorator */
        int deco = site_obj(t, s, O_WRAP, W_PARTIAL_DECO, "decorator");
        return deco < 0 || add(t, dst, deco) < 0 ? -1 : wrap_first(t, s, a, W_CALLS, "wrapper", dst);
    }
    case P_PARTIAL: {
        /* the wrapped function gets the partial's arguments */
        argv rest = *a;
        if (rest.nargs > 0) {
            rest.args++;
            rest.starred++;
            rest.nargs--;
        }
        idset fns;
        if (snapshot(t, positional(a, 0), &fns) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < fns.n; i++) {
            aobj *o = &t->objs[fns.v[i]];
            if (o->kind == O_FUNC || o->kind == O_BOUND) {
                rc = bind_args(t, o->u, o->kind == O_BOUND, &rest, depth);
            }
        }
        idset_free(&fns);
        return rc < 0 ? -1 : wrap_first(t, s, a, W_CALLS, "wrapper", dst);
    }
    case P_WRAPS: {
        PyObject *key = str("wraps");
        aobj init = {.kind = O_WRAP, .wrap = W_WRAPS, .inner = -1, .inner2 = -1, .ref = -1};
        int w = key ? tx_obj(t, O_WRAP, key, &init) : -1;
        Py_XDECREF(key);
        return w < 0 ? -1 : add(t, dst, w);
    }
    case P_UPDATE_WRAPPER:
        return copy(t, dst, positional(a, 0));
    case P_SORTED:
    case P_LIST:
    case P_TUPLE:
    case P_SET:
    case P_FROZENSET:
    case P_REVERSED:
    case P_ITER: {
        if (sequence_result(t, s, positional(a, 0), dst, depth) < 0) {
            return -1;
        }
        int key = keyword_var(s, a, "key");
        if (p != P_SORTED && key < 0) {
            return 0;
        }
        int items = aux_var(t, s, "items");
        int keys = aux_var(t, s, "keys");
        if (items < 0 || items_of_var(t, positional(a, 0), NULL, items, depth) < 0) {
            return -1;
        }
        /* sorted() compares the keys, or the items themselves */
        if ((key >= 0 && call_back(t, s, key, items, keys, depth) < 0) ||
            (p == P_SORTED && comparisons_of(t, s, key >= 0 ? keys : items, depth) < 0)) {
            return -1;
        }
        return 0;
    }
    case P_MIN:
    case P_MAX: {
        int items = aux_var(t, s, "items");
        if (items < 0) {
            return -1;
        }
        if (a->nargs == 1 && items_of_var(t, positional(a, 0), NULL, items, depth) < 0) {
            return -1;
        }
        for (int i = 0; a->nargs > 1 && i < a->nargs; i++) {
            if (copy(t, items, a->args[i]) < 0) {
                return -1;
            }
        }
        int key = keyword_var(s, a, "key");
        int keys = aux_var(t, s, "keys");
        if (copy(t, dst, items) < 0 || copy(t, dst, keyword_var(s, a, "default")) < 0 ||
            (key >= 0 && call_back(t, s, key, items, keys, depth) < 0)) {
            return -1;
        }
        return comparisons_of(t, s, key >= 0 ? keys : items, depth);
    }
    case P_MAP:
    case P_FILTER: {
        int c = site_obj(t, s, O_CONTAINER, W_CALLS, "result");
        int items = c < 0 ? -1 : aux_var(t, s, "items");
        if (items < 0 || add(t, dst, c) < 0) {
            return -1;
        }
        for (int i = 1; i < a->nargs; i++) {
            if (items_of_var(t, a->args[i], NULL, items, depth) < 0) {
                return -1;
            }
        }
        int out = p == P_MAP ? t->objs[c].inner : aux_var(t, s, "kept");
        if (p == P_FILTER && copy(t, t->objs[c].inner, items) < 0) {
            return -1;
        }
        return call_back(t, s, positional(a, 0), items, out, depth);
    }
    case P_STARMAP:
    case P_FILTERFALSE:
    case P_TAKEWHILE:
    case P_DROPWHILE:
    case P_ACCUMULATE:
        return call_itertool(t, s, p, a, dst, depth);
    case P_SUM: {
        /* start + item + item...: their __add__ and __radd__ */
        int items = aux_var(t, s, "items");
        int start = keyword_var(s, a, "start");
        if (items < 0 || items_of_var(t, positional(a, 0), NULL, items, depth) < 0 ||
            copy(t, items, start >= 0 ? start : positional(a, 1)) < 0 || copy(t, dst, items) < 0 ||
            add(t, dst, 0) < 0) {
            return -1;
        }
        static const char *const adds[] = {"__add__", "__radd__"};
        int args[1] = {items};
        unsigned char starred[1] = {0};
        argv other = {.args = args, .starred = starred, .nargs = 1};
        idset objs;
        if (snapshot(t, items, &objs) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < objs.n; i++) {
            aobj o = t->objs[objs.v[i]];
            for (int m = 0; rc == 0 && o.kind == O_INSTANCE && m < 2; m++) {
                rc = call_method(t, s, o.k, adds[m], &other, dst, depth + 1);
            }
        }
        idset_free(&objs);
        return rc;
    }
    case P_LEN:
    case P_BOOL:
    case P_ABS: {
        /* the special method of the argument's instances */
        static const char *const methods[][2] = {
            [P_LEN - P_LEN] = {"__len__", NULL},
            [P_BOOL - P_LEN] = {"__bool__", "__len__"},
            [P_ABS - P_LEN] = {"__abs__", NULL},
        };
        idset objs;
        if (add(t, dst, 0) < 0 || snapshot(t, positional(a, 0), &objs) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < objs.n; i++) {
            aobj o = t->objs[objs.v[i]];
            for (int m = 0; rc == 0 && o.kind == O_INSTANCE && m < 2 && methods[p - P_LEN][m]; m++) {
                rc = call_method(t, s, o.k, methods[p - P_LEN][m], &NO_ARGS, p == P_ABS ? dst : -1, depth + 1);
            }
        }
        idset_free(&objs);
        return rc;
    }
    case P_REDUCE: {
        int items = aux_var(t, s, "items");
        if (items < 0 || items_of_var(t, positional(a, 1), NULL, items, depth) < 0 ||
            copy(t, items, positional(a, 2)) < 0) {
            return -1;
        }
        int args[2] = {dst, items};
        unsigned char starred[2] = {0, 0};
        argv two = {.args = args, .starred = starred, .nargs = 2};
        return copy(t, dst, items) < 0 ? -1 : call_var(t, s, positional(a, 0), &two, dst, depth + 1);
    }
    case P_LIST_SORT: {
        int key = keyword_var(s, a, "key");
        if (s == NULL || s->base < 0) {
            return add(t, dst, 0);
        }
        int items = aux_var(t, s, "items");
        int keys = aux_var(t, s, "keys");
        if (items < 0 || items_of_var(t, s->base, NULL, items, depth) < 0 ||
            (key >= 0 && call_back(t, s, key, items, keys, depth) < 0)) {
            return -1;
        }
        return comparisons_of(t, s, key >= 0 ? keys : items, depth);
    }
    case P_LIST_SEARCH: {
        /* each item's __eq__ with x, and x's reflected one */
        if (s == NULL || s->base < 0 || a->nargs < 1) {
            return add(t, dst, 0);
        }
        static const char *const eq[] = {"__eq__"};
        int items = aux_var(t, s, "items");
        if (items < 0 || items_of_var(t, s->base, NULL, items, depth) < 0) {
            return -1;
        }
        int rc = 0;
        for (int side = 0; rc == 0 && side < 2; side++) {
            int other[1] = {side == 0 ? a->args[0] : items};
            unsigned char starred[1] = {0};
            argv one = {.args = other, .starred = starred, .nargs = 1};
            idset seen;
            memset(&seen, 0, sizeof seen);
            rc = methods_of_var(t, s, side == 0 ? items : a->args[0], eq, 1, &one, &seen, depth);
            idset_free(&seen);
        }
        return rc < 0 ? -1 : add(t, dst, 0);
    }
    case P_RE_SUB:
    case P_PATTERN_SUB:
    case P_JSON_DUMPS:
    case P_JSON_LOADS:
    case P_NSMALLEST:
    case P_BISECT:
        return call_replayed(t, s, p, a, dst, depth);
    case P_TO_THREAD:
    case P_RUN_IN_EXECUTOR: {
        /* to_thread(f, *args), loop.run_in_executor(executor, f, *args) */
        int first = p == P_TO_THREAD ? 0 : 1;
        argv rest = *a;
        rest.args += first + 1 <= a->nargs ? first + 1 : a->nargs;
        rest.starred += first + 1 <= a->nargs ? first + 1 : a->nargs;
        rest.nargs = a->nargs > first + 1 ? a->nargs - first - 1 : 0;
        if (p == P_RUN_IN_EXECUTOR) {
            rest.nkw = 0;
        }
        return add(t, dst, 0) < 0 ? -1 : call_var(t, s, positional(a, first), &rest, aux_var(t, s, "result"), depth + 1);
    }
    case P_CALL_SOON:
    case P_CALL_LATER: {
        /* the loop calls the callback later, with the arguments after it;
         * not this call (no callee recorded: it is not awaited) */
        int first = p == P_CALL_SOON ? 0 : 1;
        argv rest = *a;
        int skip = first + 1 <= a->nargs ? first + 1 : a->nargs;
        rest.args += skip;
        rest.starred += skip;
        rest.nargs = a->nargs - skip;
        rest.nkw = 0;
        mark_prim(t, s, p);
        return add(t, dst, 0) < 0 ? -1 : call_var(t, NULL, positional(a, first), &rest, -1, depth + 1);
    }
    case P_GEN_SEND:
    case P_GEN_THROW:
        /* the generator's next item */
        mark_prim(t, s, p);
        return s == NULL || s->base < 0 ? add(t, dst, 0) : items_of_var(t, s->base, NULL, dst, depth);
    case P_GEN_CLOSE:
        mark_prim(t, s, p);
        return add(t, dst, 0);
    case P_PRINT:
    case P_STR:
    case P_REPR:
    case P_ASCII:
    case P_FORMAT:
        mark_prim(t, s, p);
        return stringify_args(t, s, a, p == P_PRINT ? -1 : 1, 0, depth) < 0 ? -1 : add(t, dst, 0);
    case P_NEXT:
        mark_prim(t, s, p); /* it may raise StopIteration (color.c) */
        return items_of_var(t, positional(a, 0), NULL, dst, depth) < 0 ? -1 : copy(t, dst, positional(a, 1));
    case P_ENUMERATE:
    case P_ZIP: {
        int c = site_obj(t, s, O_CONTAINER, W_CALLS, "result");
        int tuple = c < 0 ? -1 : site_obj(t, s, O_CONTAINER, W_CALLS, "tuple");
        if (tuple < 0 || add(t, dst, c) < 0 || add(t, t->objs[c].inner, tuple) < 0 ||
            add(t, t->objs[tuple].inner, 0) < 0) {
            return -1;
        }
        for (int i = 0; i < a->nargs; i++) {
            if (items_of_var(t, a->args[i], NULL, t->objs[tuple].inner, depth) < 0) {
                return -1;
            }
        }
        return 0;
    }
    case P_DICT: {
        int c = site_obj(t, s, O_CONTAINER, W_CALLS, "result");
        if (c < 0 || add(t, dst, c) < 0) {
            return -1;
        }
        int inner = t->objs[c].inner;
        int pairs = aux_var(t, s, "pairs");
        if (pairs < 0 || items_of_var(t, positional(a, 0), NULL, pairs, depth) < 0 || copy(t, inner, pairs) < 0 ||
            items_of_var(t, pairs, NULL, inner, depth) < 0) {
            return -1;
        }
        for (int i = 0; i < a->nkw; i++) {
            if (copy(t, inner, a->kwargs[i]) < 0) {
                return -1;
            }
        }
        return 0;
    }
    case P_GETATTR: {
        PyObject *name = constant_arg(t, s, 1);
        idset objs;
        int rc = snapshot(t, positional(a, 0), &objs);
        for (int i = 0; rc == 0 && i < objs.n; i++) {
            rc = attr_into(t, objs.v[i], name, s, dst, depth + 1);
        }
        idset_free(&objs);
        Py_XDECREF(name);
        return rc < 0 ? -1 : copy(t, dst, positional(a, 2));
    }
    case P_EVAL:
    case P_EXEC:
        mark_prim(t, s, p);
        return add(t, dst, 1);
    case P_IMPORT_MODULE:
    case P_DUNDER_IMPORT: {
        mark_prim(t, s, p);
        PyObject *name = constant_arg(t, s, 0);
        if (name == NULL) {
            return add(t, dst, 1); /* a computed name: a module of the program's, maybe */
        }
        PyObject *top = name;
        if (p == P_DUNDER_IMPORT) {
            /* __import__("a.b") returns the package a */
            Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), 1);
            top = dot >= 0 ? PyUnicode_Substring(name, 0, dot) : Py_NewRef(name);
            Py_DECREF(name);
        }
        int m = top ? tx_module_obj(t, top) : -1;
        Py_XDECREF(top);
        return m < 0 ? -1 : add(t, dst, m);
    }
    case P_RELOAD:
        mark_prim(t, s, p);
        return copy(t, dst, positional(a, 0));
    default:
        return add(t, dst, 0);
    }
}

struct call_made {
    int obj, dst, nargs, nkw;
    const int *args, *kwargs;
    const unsigned char *starred;
    PyObject *kwnames;
};

/* 1 if this call was made already for the constraint being applied,
 * else 0 and it is noted; -1 when out of memory. */
static int
call_made_before(tx *t, int obj, const argv *a, int dst)
{
    for (int i = 0; i < t->ncalls_made; i++) {
        struct call_made *c = &t->calls_made[i];
        if (c->obj == obj && c->dst == dst && c->args == a->args && c->nargs == a->nargs && c->nkw == a->nkw &&
            c->kwargs == a->kwargs && c->starred == a->starred && c->kwnames == a->kwnames) {
            return 1;
        }
    }
    if (t->ncalls_made == t->capcalls_made) {
        int cap = t->capcalls_made ? 2 * t->capcalls_made : 16;
        struct call_made *grown = PyMem_Realloc(t->calls_made, (size_t)cap * sizeof *grown);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->calls_made = grown;
        t->capcalls_made = cap;
    }
    t->calls_made[t->ncalls_made++] =
        (struct call_made){obj, dst, a->nargs, a->nkw, a->args, a->kwargs, a->starred, a->kwnames};
    return 0;
}

static int
call_obj(tx *t, site *s, int obj, const argv *a, int dst, int depth)
{
    if (depth > MAX_DEPTH) {
        return 0;
    }
    int before = call_made_before(t, obj, a, dst);
    if (before != 0) {
        return before < 0 ? -1 : 0;
    }
    aobj o = t->objs[obj];
    switch (o.kind) {
    case O_FUNC:
        return call_unit(t, s, o.u, 0, a, dst, depth);
    case O_BOUND:
        return call_unit(t, s, o.u, 1, a, dst, depth);
    case O_CLASS: {
        if (add(t, dst, o.k->inst_obj) < 0 || call_method(t, s, o.k, "__init__", a, -1, depth) < 0) {
            return -1;
        }
        /* __new__ is a static method taking the class */
        if (call_method(t, s, o.k, "__new__", a, dst, depth) < 0) {
            return -1;
        }
        return o.k->is_dataclass ? call_method(t, s, o.k, "__post_init__", &NO_ARGS, -1, depth) : 0;
    }
    case O_INSTANCE:
        return call_method(t, s, o.k, "__call__", a, dst, depth);
    case O_PRIM:
        return call_prim(t, s, o.p, a, dst, depth);
    case O_WRAP:
        switch (o.wrap) {
        case W_CALLS:
        case W_STATIC:
        case W_CLASSMETHOD:
        case W_DISPATCH:
            return call_var(t, s, o.inner, a, dst, depth + 1);
        case W_REGISTER: {
            /* register(f), register(cls, f), or register(cls) making a
             * decorator: what it is given may be called; it returns the
             * function, or itself as the decorator */
            int rc = add(t, dst, obj);
            for (int i = 0; rc == 0 && i < a->nargs; i++) {
                rc = copy(t, t->objs[o.ref].inner, a->args[i]);
            }
            return rc < 0 ? -1 : copy(t, dst, positional(a, a->nargs > 1 ? 1 : 0));
        }
        case W_SETTER: {
            aobj prop = t->objs[o.ref];
            return copy(t, prop.inner2, positional(a, 0)) < 0 ? -1 : add(t, dst, o.ref);
        }
        case W_WRAPS:
            return copy(t, dst, positional(a, 0));
        case W_PARTIAL_DECO: {
            /* lru_cache(maxsize=...)(f) */
            int w = site_obj(t, s, O_WRAP, W_CALLS, "decorated");
            return w < 0 || copy(t, t->objs[w].inner, positional(a, 0)) < 0 ? -1 : add(t, dst, w);
        }
        case W_ITEMS_GET:
        case W_ITEMS_ADD:
            return call_container_method(t, &o, a, dst, depth);
        default:
            return add(t, dst, 0);
        }
    case O_LIB:
    case O_LIBFN:
        if (o.kind == O_LIB && s != NULL && !s->reaches_lib) {
            s->reaches_lib = 1;
            t->changed = 1;
        }
        /* a decorator pyrun does not know may return what it decorates */
        if (s != NULL && s->kind == SITE_DECORATE && copy(t, dst, positional(a, 0)) < 0) {
            return -1;
        }
        return add(t, dst, 0);
    case O_UNSEEN:
        if (s != NULL && !s->reaches_unseen) {
            s->reaches_unseen = 1;
            t->changed = 1;
        }
        return add(t, dst, 1);
    default:
        return add(t, dst, 0);
    }
}

/* ---- attributes, items, with ------------------------------------------ */

/* A value found in a class's namespace, as reading it through an
 * instance (bound) or the class gives it. */
static int
class_value(tx *t, int obj, int through_instance, site *s, int dst, int depth)
{
    aobj o = t->objs[obj];
    if (o.kind == O_FUNC && through_instance) {
        return add(t, dst, o.u->bound_obj);
    }
    if (o.kind == O_WRAP && o.wrap == W_STATIC) {
        return copy(t, dst, o.inner);
    }
    if (o.kind == O_WRAP && o.wrap == W_DISPATCH && through_instance) {
        /* a dispatcher read through an instance calls its functions bound */
        PyObject *key = Py_BuildValue("(is)", obj, "bound");
        aobj init = {.kind = O_WRAP, .wrap = W_CALLS, .inner = -1, .inner2 = -1, .ref = -1};
        int w = key ? tx_obj_with_vars(t, O_WRAP, key, &init, 2) : -1;
        Py_XDECREF(key);
        idset fns;
        if (w < 0 || snapshot(t, o.inner, &fns) < 0) {
            return -1;
        }
        int rc = add(t, dst, w);
        for (int i = 0; rc == 0 && i < fns.n; i++) {
            aobj *f = &t->objs[fns.v[i]];
            rc = add(t, t->objs[w].inner, f->kind == O_FUNC ? f->u->bound_obj : fns.v[i]);
        }
        idset_free(&fns);
        return rc;
    }
    if (o.kind == O_WRAP && o.wrap == W_CLASSMETHOD) {
        idset fns;
        if (snapshot(t, o.inner, &fns) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < fns.n; i++) {
            aobj *f = &t->objs[fns.v[i]];
            rc = add(t, dst, f->kind == O_FUNC ? f->u->bound_obj : fns.v[i]);
        }
        idset_free(&fns);
        return rc;
    }
    if (o.kind == O_WRAP && o.wrap == W_PROPERTY && through_instance) {
        /* reading it runs the getter */
        idset getters;
        if (snapshot(t, o.inner, &getters) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < getters.n; i++) {
            aobj *g = &t->objs[getters.v[i]];
            if (g->kind == O_FUNC) {
                rc = record(t, s, g->u) < 0 ? -1 : copy(t, dst, g->u->ret);
            }
            else {
                rc = call_obj(t, s, getters.v[i], &NO_ARGS, dst, depth + 1);
            }
        }
        idset_free(&getters);
        return rc;
    }
    return add(t, dst, obj);
}

/* x.name = v (src, a variable) or del x.name (src -1) on an instance of
 * k: the setters and deleters of a property of that name run, given v. */
static int
store_through_property(tx *t, klass *k, PyObject *name, site *s, int src)
{
    idset found;
    memset(&found, 0, sizeof found);
    int rc = class_attr_var(t, k, name, 0, &found) < 0 ? -1 : 0;
    unsigned char starred[1] = {0};
    argv one = {.args = &src, .starred = starred, .nargs = 1};
    const argv *given = src < 0 ? &NO_ARGS : &one;
    for (int i = 0; rc == 0 && i < found.n; i++) {
        aobj o = t->objs[found.v[i]];
        idset setters;
        if (o.kind != O_WRAP || o.wrap != W_PROPERTY) {
            continue;
        }
        if (snapshot(t, o.inner2, &setters) < 0) {
            rc = -1;
            break;
        }
        for (int j = 0; rc == 0 && j < setters.n; j++) {
            aobj *f = &t->objs[setters.v[j]];
            rc = call_obj(t, s, f->kind == O_FUNC ? f->u->bound_obj : setters.v[j], given, -1, 1);
        }
        idset_free(&setters);
    }
    idset_free(&found);
    return rc;
}

static int
instance_attr(tx *t, klass *k, PyObject *name, int skip_self, int through_instance, site *s, int dst, int depth)
{
    if (through_instance && !skip_self) {
        int stored = lookup_attr_dict(k->iattrs, name);
        if (PyErr_Occurred() || copy(t, dst, stored) < 0) {
            return -1;
        }
    }
    idset found;
    memset(&found, 0, sizeof found);
    if (class_attr_var(t, k, name, skip_self, &found) < 0) {
        idset_free(&found);
        return -1;
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < found.n; i++) {
        rc = class_value(t, found.v[i], through_instance, s, dst, depth);
    }
    idset_free(&found);
    return rc;
}

/* Every attribute pyrun knows of an object (getattr with a computed name). */
static int
any_attr(tx *t, klass *k, int through_instance, site *s, int dst, int depth)
{
    PyObject *dicts[3] = {k->scope->names, k->attrs, through_instance ? k->iattrs : NULL};
    for (int d = 0; d < 3 && dicts[d]; d++) {
        PyObject *names = PyDict_Keys(dicts[d]);
        if (names == NULL) {
            return -1;
        }
        for (Py_ssize_t i = 0; i < PyList_Size(names); i++) {
            PyObject *name = PyList_GetItem(names, i);
            if (instance_attr(t, k, name, 0, through_instance, s, dst, depth) < 0) {
                Py_DECREF(names);
                return -1;
            }
        }
        Py_DECREF(names);
    }
    for (int i = 0; i < k->nbases && depth < MAX_DEPTH; i++) {
        if (any_attr(t, k->bases[i], through_instance, s, dst, depth + 1) < 0) {
            return -1;
        }
    }
    return 0;
}

static const char *const item_getters[] = {"get", "pop", "popitem", "setdefault", "values", "keys", "items",
                                           "copy", "__getitem__", "popleft", "__next__", "send"};
static const char *const item_adders[] = {"append", "add", "insert", "extend", "update", "appendleft",
                                          "setdefault", "__setitem__", "extendleft"};

static int
named(PyObject *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (PyUnicode_CompareWithASCIIString(name, list[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* `container.get` and the like: what calling them gives or takes. */
static int
container_method(tx *t, int obj, PyObject *name, int dst)
{
    static const struct {
        const char *name;
        prim p;
    } resume[] = {{"send", P_GEN_SEND}, {"throw", P_GEN_THROW}, {"close", P_GEN_CLOSE}};
    for (size_t i = 0; t->objs[obj].kind == O_GENERATOR && i < sizeof resume / sizeof resume[0]; i++) {
        if (PyUnicode_CompareWithASCIIString(name, resume[i].name) == 0) {
            int p = tx_prim_obj(t, resume[i].p);
            return p < 0 ? -1 : add(t, dst, p);
        }
    }
    int getter = named(name, item_getters, sizeof item_getters / sizeof item_getters[0]);
    int adder = named(name, item_adders, sizeof item_adders / sizeof item_adders[0]);
    if (PyUnicode_CompareWithASCIIString(name, "sort") == 0) {
        int p = tx_prim_obj(t, P_LIST_SORT);
        return p < 0 ? -1 : add(t, dst, p);
    }
    if (t->objs[obj].kind == O_CONTAINER && (PyUnicode_CompareWithASCIIString(name, "index") == 0 ||
                                             PyUnicode_CompareWithASCIIString(name, "count") == 0 ||
                                             PyUnicode_CompareWithASCIIString(name, "remove") == 0)) {
        int p = tx_prim_obj(t, P_LIST_SEARCH);
        return p < 0 ? -1 : add(t, dst, p);
    }
    if (!getter && !adder) {
        return add(t, dst, 0);
    }
    PyObject *key = Py_BuildValue("(iOi)", obj, name, getter);
    aobj init = {.kind = O_WRAP, .wrap = getter ? W_ITEMS_GET : W_ITEMS_ADD, .inner = -1, .inner2 = -1, .ref = obj};
    int w = key ? tx_obj(t, O_WRAP, key, &init) : -1;
    Py_XDECREF(key);
    return w < 0 ? -1 : add(t, dst, w);
}

static int
attr_into(tx *t, int obj, PyObject *name, site *s, int dst, int depth)
{
    aobj o = t->objs[obj];
    switch (o.kind) {
    case O_LIB:
        if (name != NULL && (PyUnicode_CompareWithASCIIString(name, "sub") == 0 ||
                             PyUnicode_CompareWithASCIIString(name, "subn") == 0)) {
            /* maybe a compiled pattern's: checked when called */
            int p = tx_prim_obj(t, P_PATTERN_SUB);
            if (p < 0 || add(t, dst, p) < 0) {
                return -1;
            }
        }
        return add(t, dst, 0);
    case O_UNSEEN:
        return add(t, dst, 1);
    case O_MODULE: {
        if (o.m != NULL) {
            if (name == NULL) {
                PyObject *names = PyDict_Keys(o.m->scope->names);
                int rc = names ? 0 : -1;
                for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(names); i++) {
                    binding *b = tx_binding(t, o.m->scope, PyList_GetItem(names, i));
                    rc = b ? copy(t, dst, b->var) : -1;
                }
                Py_XDECREF(names);
                return rc;
            }
            binding *b = tx_binding(t, o.m->scope, name);
            if (b != NULL) {
                return copy(t, dst, b->var);
            }
            if (PyErr_Occurred()) {
                return -1;
            }
        }
        if (name == NULL) {
            return add(t, dst, 0);
        }
        PyObject *sub = PyUnicode_FromFormat("%U.%U", o.name, name);
        if (sub == NULL) {
            return -1;
        }
        int rc = 0;
        module_info *m = tx_module(t, sub);
        if (m != NULL || (o.m == NULL && PySet_Contains(t->kit->known_modules, sub) > 0)) {
            int sm = tx_module_obj(t, sub);
            rc = sm < 0 ? -1 : add(t, dst, sm);
        }
        else if (PyErr_Occurred()) {
            rc = -1;
        }
        else if (o.m != NULL) {
            /* a star import, or a module pyrun sees only in part */
            rc = add(t, dst, 0);
        }
        else if (PySet_Contains(t->unfound, o.name) > 0) {
            rc = add(t, dst, 1);
        }
        else {
            prim p = prim_of_attr(t->kit, o.name, name);
            int po = p != P_NONE ? tx_prim_obj(t, p) : 2;
            PyObject *key = PyTuple_Pack(2, o.name, name);
            PyObject *stored = key ? PyDict_GetItemWithError(t->lib_stores, key) : NULL;
            Py_XDECREF(key);
            rc = po < 0 || PyErr_Occurred() ? -1 : add(t, dst, po);
            if (rc == 0 && stored != NULL) {
                /* the program rebinds it (time.sleep = fake) */
                rc = copy(t, dst, (int)PyLong_AsLong(stored));
            }
        }
        Py_DECREF(sub);
        return rc;
    }
    case O_CLASS:
        if (name == NULL) {
            return any_attr(t, o.k, 0, s, dst, depth);
        }
        if (PyUnicode_CompareWithASCIIString(name, "__name__") == 0) {
            return add(t, dst, 0);
        }
        return instance_attr(t, o.k, name, 0, 0, s, dst, depth);
    case O_INSTANCE:
        if (name == NULL) {
            return any_attr(t, o.k, 1, s, dst, depth);
        }
        if (PyUnicode_CompareWithASCIIString(name, "__class__") == 0) {
            return add(t, dst, o.k->obj);
        }
        return instance_attr(t, o.k, name, 0, 1, s, dst, depth);
    case O_SUPER:
        return name == NULL ? add(t, dst, 0) : instance_attr(t, o.k, name, 1, 1, s, dst, depth);
    case O_CONTAINER:
    case O_GENERATOR:
        return name == NULL ? add(t, dst, 0) : container_method(t, obj, name, dst);
    case O_PRIM:
        if (o.p == P_STDIN && name != NULL &&
            (PyUnicode_CompareWithASCIIString(name, "readline") == 0 ||
             PyUnicode_CompareWithASCIIString(name, "read") == 0 ||
             PyUnicode_CompareWithASCIIString(name, "readlines") == 0)) {
            int p = tx_prim_obj(t, P_STDIN_READ);
            return p < 0 ? -1 : add(t, dst, p);
        }
        return add(t, dst, 0);
    case O_WRAP:
        if (name == NULL) {
            return add(t, dst, 0);
        }
        if (o.wrap == W_LOOP) {
            static const struct {
                const char *name;
                prim p;
            } methods[] = {{"run_until_complete", P_RUN_UNTIL_COMPLETE}, {"run_forever", P_RUN_FOREVER},
                           {"stop", P_LOOP_STOP}, {"close", P_LOOP_STOP}, {"run_in_executor", P_RUN_IN_EXECUTOR},
                           {"call_soon", P_CALL_SOON}, {"call_soon_threadsafe", P_CALL_SOON},
                           {"call_later", P_CALL_LATER}, {"call_at", P_CALL_LATER}};
            for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
                if (PyUnicode_CompareWithASCIIString(name, methods[i].name) == 0) {
                    int p = tx_prim_obj(t, methods[i].p);
                    return p < 0 ? -1 : add(t, dst, p);
                }
            }
        }
        if (o.wrap == W_COOP) {
            prim p = prim_coop_method(name);
            int m = p != P_NONE ? tx_prim_obj(t, p) : 0;
            return m < 0 ? -1 : add(t, dst, m);
        }
        if (o.wrap == W_PROPERTY && (PyUnicode_CompareWithASCIIString(name, "setter") == 0 ||
                                     PyUnicode_CompareWithASCIIString(name, "deleter") == 0 ||
                                     PyUnicode_CompareWithASCIIString(name, "getter") == 0)) {
            PyObject *key = Py_BuildValue("(is)", obj, "setter");
            aobj init = {.kind = O_WRAP, .wrap = W_SETTER, .inner = -1, .inner2 = -1, .ref = obj};
            int w = key ? tx_obj(t, O_WRAP, key, &init) : -1;
            Py_XDECREF(key);
            return w < 0 ? -1 : add(t, dst, w);
        }
        if (o.wrap == W_PROPERTY && PyUnicode_CompareWithASCIIString(name, "fget") == 0) {
            return copy(t, dst, o.inner);
        }
        if (o.wrap == W_DISPATCH && PyUnicode_CompareWithASCIIString(name, "register") == 0) {
            PyObject *key = Py_BuildValue("(is)", obj, "register");
            aobj init = {.kind = O_WRAP, .wrap = W_REGISTER, .inner = -1, .inner2 = -1, .ref = obj};
            int w = key ? tx_obj(t, O_WRAP, key, &init) : -1;
            Py_XDECREF(key);
            return w < 0 ? -1 : add(t, dst, w);
        }
        if ((o.wrap == W_CALLS || o.wrap == W_STATIC || o.wrap == W_CLASSMETHOD || o.wrap == W_DISPATCH) &&
            (PyUnicode_CompareWithASCIIString(name, "__wrapped__") == 0 ||
             PyUnicode_CompareWithASCIIString(name, "__func__") == 0 ||
             PyUnicode_CompareWithASCIIString(name, "func") == 0)) {
            return copy(t, dst, o.inner);
        }
        return add(t, dst, 0);
    default:
        return add(t, dst, 0);
    }
}

/* Calling `container.get(...)` (a getter) or `.append(...)` (an adder). */
static int
call_container_method(tx *t, const aobj *w, const argv *a, int dst, int depth)
{
    int elements = t->objs[w->ref].kind == O_GENERATOR ? t->objs[w->ref].u->yields : t->objs[w->ref].inner;
    if (w->wrap == W_ITEMS_GET) {
        int rc = copy(t, dst, elements);
        /* get(k, default), setdefault(k, default) */
        return rc < 0 ? -1 : copy(t, dst, positional(a, 1));
    }
    for (int i = 0; i < a->nargs; i++) {
        if (copy(t, elements, a->args[i]) < 0 || items_of_var(t, a->args[i], NULL, elements, depth) < 0) {
            return -1;
        }
    }
    for (int i = 0; i < a->nkw; i++) {
        if (copy(t, elements, a->kwargs[i]) < 0) {
            return -1;
        }
    }
    return add(t, dst, 0);
}

/* Iterating an object: its items, running what that runs. */
static int
items_into(tx *t, int obj, site *s, int dst, int depth)
{
    if (depth > MAX_DEPTH) {
        return 0;
    }
    aobj o = t->objs[obj];
    switch (o.kind) {
    case O_WRAP:
        /* as_completed(fs): the futures of fs */
        return o.wrap == W_COMPLETING ? copy(t, dst, o.inner) : add(t, dst, 0);
    case O_CONTAINER:
        return copy(t, dst, o.inner);
    case O_GENERATOR:
        return record(t, s, o.u) < 0 ? -1 : copy(t, dst, o.u->yields);
    case O_UNSEEN:
        return add(t, dst, 1);
    case O_INSTANCE: {
        /* __iter__ (a generator, or returning an iterator), then __next__;
         * or the old __getitem__ protocol */
        PyObject *key = Py_BuildValue("(is)", obj, "__iter__");
        int it = keyed_var(t, key);
        Py_XDECREF(key);
        if (it < 0 || call_method(t, s, o.k, "__iter__", &NO_ARGS, it, depth + 1) < 0) {
            return -1;
        }
        idset iters;
        if (snapshot(t, it, &iters) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < iters.n; i++) {
            aobj *it_obj = &t->objs[iters.v[i]];
            if (it_obj->kind == O_INSTANCE) {
                /* an iterator: its __next__ gives the items */
                if (iters.v[i] != obj) {
                    rc = call_method(t, s, it_obj->k, "__next__", &NO_ARGS, dst, depth + 1);
                }
            }
            else {
                rc = items_into(t, iters.v[i], s, dst, depth + 1);
            }
        }
        idset_free(&iters);
        if (rc < 0 || call_method(t, s, o.k, "__next__", &NO_ARGS, dst, depth + 1) < 0) {
            return -1;
        }
        return call_method(t, s, o.k, "__getitem__", &NO_ARGS, dst, depth + 1);
    }
    default:
        return add(t, dst, 0);
    }
}

/* `with obj as x`: what x is, and what entering and leaving run. */
static int
enter_into(tx *t, int obj, site *s, int dst, int depth)
{
    aobj o = t->objs[obj];
    switch (o.kind) {
    case O_INSTANCE:
        if (call_method(t, s, o.k, "__enter__", &NO_ARGS, dst, depth + 1) < 0) {
            return -1;
        }
        return call_method(t, s, o.k, "__exit__", &NO_ARGS, -1, depth + 1);
    case O_GENERATOR:
        /* a @contextmanager generator: x is what it yields */
        return record(t, s, o.u) < 0 ? -1 : copy(t, dst, o.u->yields);
    case O_UNSEEN:
        return add(t, dst, 1);
    case O_WRAP:
        /* `with ThreadPoolExecutor() as ex`: the executor itself */
        return add(t, dst, o.wrap == W_COOP ? obj : 0);
    default:
        return add(t, dst, 0);
    }
}

/* ---- constraints ------------------------------------------------------ */

/* Is u decorated with staticmethod / classmethod (1 / 2), as solved? */
static int
method_kind(tx *t, unit *u)
{
    if (u->name && (PyUnicode_CompareWithASCIIString(u->name, "__new__") == 0 ||
                    PyUnicode_CompareWithASCIIString(u->name, "__init_subclass__") == 0 ||
                    PyUnicode_CompareWithASCIIString(u->name, "__class_getitem__") == 0)) {
        return 2;
    }
    int kind = 0;
    for (int i = 0; i < u->ndecos; i++) {
        const idset *d = tx_values(t, u->decos[i]);
        for (int j = 0; j < d->n; j++) {
            aobj *o = &t->objs[d->v[j]];
            if (o->kind == O_PRIM && o->p == P_STATICMETHOD) {
                kind = 1;
            }
            else if (o->kind == O_PRIM && o->p == P_CLASSMETHOD && kind == 0) {
                kind = 2;
            }
        }
    }
    return kind;
}

static int
apply(tx *t, const constraint *c)
{
    t->ncalls_made = 0;
    switch (c->kind) {
    case K_COPY:
        return copy(t, c->dst, c->src);
    case K_OBJ:
        return add(t, c->dst, c->obj);
    case K_ATTR: {
        idset objs;
        if (snapshot(t, c->src, &objs) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < objs.n; i++) {
            rc = attr_into(t, objs.v[i], c->name, c->call, c->dst, 0);
        }
        idset_free(&objs);
        return rc;
    }
    case K_STORE_ATTR: {
        idset objs;
        if (snapshot(t, c->dst, &objs) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < objs.n; i++) {
            aobj o = t->objs[objs.v[i]];
            int v = -1;
            if (o.kind == O_INSTANCE) {
                if (c->call != NULL && store_through_property(t, o.k, c->name, c->call, c->src) < 0) {
                    rc = -1;
                    break;
                }
                v = attr_var(t, o.k->iattrs, c->name);
            }
            else if (o.kind == O_CLASS) {
                v = attr_var(t, o.k->attrs, c->name);
            }
            else if (o.kind == O_MODULE && o.m != NULL) {
                binding *b = tx_bind(t, o.m->scope, c->name);
                v = b ? b->var : -1;
            }
            else if (o.kind == O_MODULE) {
                PyObject *key = PyTuple_Pack(2, o.name, c->name);
                v = key ? attr_var(t, t->lib_stores, key) : -1;
                Py_XDECREF(key);
            }
            else {
                continue;
            }
            rc = v < 0 ? -1 : copy(t, v, c->src);
        }
        idset_free(&objs);
        return rc;
    }
    case K_ITEMS:
        return items_of_var(t, c->src, c->call, c->dst, 0);
    case K_OPERATOR:
        return operator_callees(t, c->call);
    case K_STORE_ITEM: {
        idset objs;
        if (snapshot(t, c->dst, &objs) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < objs.n; i++) {
            aobj o = t->objs[objs.v[i]];
            if (o.kind == O_CONTAINER) {
                rc = copy(t, o.inner, c->src);
            }
        }
        idset_free(&objs);
        return rc;
    }
    case K_ENTER: {
        idset objs;
        if (snapshot(t, c->src, &objs) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < objs.n; i++) {
            rc = enter_into(t, objs.v[i], c->call, c->dst, 0);
        }
        idset_free(&objs);
        return rc;
    }
    case K_CALL: {
        site *s = c->call;
        argv a = {.args = s->args, .starred = s->starred, .nargs = s->nargs, .kwnames = s->kwnames,
                  .kwargs = s->kwargs, .nkw = s->nkw};
        if (s->str_format && stringify_args(t, s, &a, -1, 1, 0) < 0) {
            return -1;
        }
        idset callees;
        if (snapshot(t, c->src, &callees) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < callees.n; i++) {
            rc = call_obj(t, s, callees.v[i], &a, c->dst, 0);
        }
        idset_free(&callees);
        return rc;
    }
    case K_SELF: {
        int kind = method_kind(t, c->u);
        if (kind == 1) {
            return 0;
        }
        for (int i = 0; i < t->nclasses; i++) {
            klass *k = t->classes[i];
            if (is_subclass(k, c->k) && add(t, c->dst, kind == 2 ? k->obj : k->inst_obj) < 0) {
                return -1;
            }
        }
        return 0;
    }
    case K_BASES: {
        idset bases;
        if (snapshot(t, c->src, &bases) < 0) {
            return -1;
        }
        int rc = 0;
        for (int i = 0; rc == 0 && i < bases.n; i++) {
            aobj *o = &t->objs[bases.v[i]];
            if (o->kind == O_CLASS && o->k != c->k) {
                rc = add_base(t, c->k, o->k);
            }
            else if (o->kind != O_CLASS && !c->k->lib_base) {
                c->k->lib_base = 1;
                t->changed = 1;
            }
            if (o->kind == O_PRIM && o->p == P_COOP_CLASS && !c->k->coop_base) {
                c->k->coop_base = 1; /* class Worker(threading.Thread) */
                t->changed = 1;
            }
        }
        idset_free(&bases);
        return rc;
    }
    }
    return 0;
}

/* Names bound elsewhere (except-as...) and parameters of functions the
 * stdlib may call hold library values too. */
static int
seed(tx *t)
{
    for (int i = 0; i < t->nbindings; i++) {
        binding *b = t->bindings[i];
        if (b->bound_elsewhere && add(t, b->var, 0) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Decorators named `dataclass`: construction calls __post_init__. */
static int
find_dataclasses(tx *t)
{
    for (int i = 0; i < t->nclasses; i++) {
        klass *k = t->classes[i];
        PyObject *decos = ast_get(k->node, t->kit->s_decorator_list);
        if (decos == NULL) {
            return -1;
        }
        for (Py_ssize_t d = 0; d < PyList_Size(decos); d++) {
            PyObject *e = PyList_GetItem(decos, d);
            if (ast_kind_of(t->kit, e) == AK_Call) {
                e = ast_get(e, t->kit->s_func);
                Py_XDECREF(e); /* kept by the tree */
            }
            PyObject *id = e == NULL ? NULL
                           : ast_kind_of(t->kit, e) == AK_Name ? ast_get(e, t->kit->s_id)
                           : ast_kind_of(t->kit, e) == AK_Attribute ? ast_get(e, t->kit->s_attr)
                                                                  : NULL;
            PyErr_Clear();
            if (id != NULL && PyUnicode_Check(id) && PyUnicode_CompareWithASCIIString(id, "dataclass") == 0) {
                k->is_dataclass = 1;
            }
            Py_XDECREF(id);
        }
        Py_DECREF(decos);
    }
    return 0;
}

int
tx_solve(tx *t)
{
    if (seed(t) < 0 || find_dataclasses(t) < 0) {
        return -1;
    }
    int rounds = 0;
    do {
        t->changed = 0;
        for (int i = 0; i < t->ncons; i++) {
            constraint *k = &t->cons[i];
            if (k->kind == K_COPY || k->kind == K_OBJ) {
                /* again only when its source has grown since */
                unsigned now = k->kind == K_COPY && k->src >= 0 ? t->vars[k->src].version + 1 : 1;
                if (k->applied == now) {
                    continue;
                }
                k->applied = now;
            }
            constraint c = *k; /* apply may add constraints, moving them */
            if (apply(t, &c) < 0) {
                return -1;
            }
        }
    } while (t->changed && ++rounds < MAX_ROUNDS);
    return 0;
}

int
is_implicit_dunder(PyObject *name)
{
    Py_ssize_t n = PyUnicode_GetLength(name);
    return n > 4 && PyUnicode_ReadChar(name, 0) == '_' && PyUnicode_ReadChar(name, 1) == '_' &&
           PyUnicode_ReadChar(name, n - 1) == '_' && PyUnicode_ReadChar(name, n - 2) == '_';
}
