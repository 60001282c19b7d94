/* Pass 4: coloring, and what each site's rewrite is.
 *
 * A unit (module body, def, lambda) is colored, made async, when one of
 * its sites may block: it calls a blocking primitive, or runs a colored
 * unit (a call, a property's getter, iterating a colored generator,
 * entering a context manager whose methods block), or consumes async
 * items. That grows to a fixpoint over the call graph solve.c found;
 * nothing is ever uncolored. Then every site gets its effect: how the
 * rewrite makes it wait. */
#include "model.h"

#include <string.h>

#define BLOCKING_PRIMS                                                                                          \
    (PRIM_BIT(P_SLEEP) | PRIM_BIT(P_ASYNCIO_RUN) | PRIM_BIT(P_INPUT) | PRIM_BIT(P_STDIN_READ) |                       \
     PRIM_BIT(P_RUN_UNTIL_COMPLETE) | PRIM_BIT(P_RUN_FOREVER) | PRIM_BIT(P_URLOPEN) |                       \
     PRIM_BIT(P_GETPASS))

int
needs_await(effect e)
{
    return e != E_NONE && e != E_NEW_LOOP_SYNC && e != E_LOOP_STOP_SYNC && e != E_COOP_SYNC && e != E_UNAVAILABLE &&
           e != E_AS_COMPLETED;
}

/* Code that can be made async: not class bodies, which run while the
 * class is made. A lambda is lifted into an async def where a statement
 * can go before it; elsewhere (a comprehension, a class body, another
 * lambda) its body becomes an async generator expression of one item,
 * which cannot hold a yield. */
int
lambda_liftable(unit *u)
{
    scope *s = u->def_scope;
    return s != NULL && (s->kind == SC_MODULE || (s->kind == SC_FUNCTION && s->unit->kind == U_FUNCTION));
}

/* May one of the def's decorators be the prim p? */
static int
decorated_with(tx *t, unit *u, prim p)
{
    for (int d = 0; d < u->ndecos; d++) {
        const idset *objs = tx_values(t, u->decos[d]);
        for (int i = 0; i < objs->n; i++) {
            aobj *o = &t->objs[objs->v[i]];
            if (o->kind == O_PRIM && o->p == p) {
                return 1;
            }
        }
    }
    return 0;
}

/* A generator whose yields belong to whoever drives it as an awaitable:
 * decorated with types.coroutine, or an __await__ method. An async
 * generator would not be one; it stays a generator and waits in place. */
static int
awaitable_generator(tx *t, unit *u)
{
    if (!u->generator || u->kind != U_FUNCTION) {
        return 0;
    }
    return (u->owner != NULL && PyUnicode_CompareWithASCIIString(u->name, "__await__") == 0) ||
           decorated_with(t, u, P_TYPES_COROUTINE);
}

static int
can_be_async(tx *t, unit *u)
{
    if (u->native_async || u->kind == U_CLASS_BODY) {
        return 0;
    }
    if (u->kind == U_MODULE) {
        return u->scope->mod->may_await;
    }
    if (u->kind == U_LAMBDA) {
        return !u->generator || lambda_liftable(u);
    }
    return !awaitable_generator(t, u);
}

static int
color(tx *t, unit *u, site *why, const char *what, unit *callee)
{
    if (u->colored || !can_be_async(t, u)) {
        return 0;
    }
    u->colored = 1;
    u->why_line = why ? (int)ast_get_int(why->node, t->kit->s_lineno) : 0;
    u->why_what = what;
    u->why_unit = callee;
    Py_XSETREF(u->why_name, Py_XNewRef(callee && callee->kind != U_MODULE ? callee->name : NULL));
    t->changed = 1;
    return 0;
}

static unit *
colored_callee(tx *t, site *s)
{
    for (int i = 0; i < s->callees.n; i++) {
        unit *u = t->units[s->callees.v[i]];
        if (u->colored) {
            return u;
        }
    }
    return NULL;
}

/* ---- async items ------------------------------------------------------ */

static int site_is_lazy_async(tx *t, site *s);

/* Generator expressions whose code awaits become async ones: marks their
 * scopes, from the sites found to await so far. */
static void
mark_awaiting_comprehensions(tx *t)
{
    for (int i = 0; i < t->nsites; i++) {
        site *st = t->sites[i];
        if (!st->in_genexp || !needs_await(st->effect)) {
            continue;
        }
        for (scope *x = st->scope; x != NULL && x->kind == SC_COMPREHENSION; x = x->parent) {
            if (!x->awaits) {
                x->awaits = 1;
                t->changed = 1;
            }
        }
    }
}


/* Does iterating an instance of k run a colored __next__, or a colored
 * __iter__ (a generator method that blocks)? */
static int
instance_iterates_async(tx *t, klass *k)
{
    static const char *const methods[] = {"__next__", "__iter__"};
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
        PyObject *name = PyUnicode_InternFromString(methods[m]);
        idset found;
        memset(&found, 0, sizeof found);
        int rc = name ? class_attr_var(t, k, name, 0, &found) : -1;
        Py_XDECREF(name);
        for (int i = 0; rc >= 0 && i < found.n; i++) {
            aobj *o = &t->objs[found.v[i]];
            int blocking_generator = (o->kind == O_FUNC || o->kind == O_BOUND) && o->u->generator &&
                                     o->u->colored && !o->u->native_async;
            if (blocking_generator || obj_colored(t, found.v[i])) {
                rc = 2;
                break;
            }
        }
        idset_free(&found);
        if (rc != 0 && rc != 1) {
            return rc < 0 ? -1 : 1;
        }
    }
    return 0;
}

/* Is an object something whose items must be awaited? */
static int
obj_async_items(tx *t, int id)
{
    aobj *o = &t->objs[id];
    switch (o->kind) {
    case O_GENERATOR:
        return o->u->colored;
    case O_PRIM:
        return o->p == P_STDIN;
    case O_WRAP:
        return o->wrap == W_COMPLETING;
    case O_INSTANCE:
        return instance_iterates_async(t, o->k);
    case O_CONTAINER: {
        /* map/filter/enumerate made lazy and async, or a generator
         * expression that awaits */
        if (o->made_at != NULL) {
            return site_is_lazy_async(t, o->made_at);
        }
        if (o->node != NULL && ast_kind_of(t->kit, o->node) == AK_GeneratorExp) {
            scope *gs = tx_scope_of(t, o->node);
            return gs != NULL && gs->awaits;
        }
        return 0;
    }
    default:
        return 0;
    }
}

int
var_is_async_items(tx *t, int v)
{
    const idset *s = tx_values(t, v);
    for (int i = 0; i < s->n; i++) {
        int r = obj_async_items(t, s->v[i]);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

int
expr_is_async_items(tx *t, PyObject *expr)
{
    int v = tx_var_of(t, expr);
    if (v < 0) {
        return PyErr_Occurred() ? -1 : 0;
    }
    if (ast_kind_of(t->kit, expr) == AK_Call) {
        site *s = tx_site_of(t, expr);
        if (s != NULL && site_is_lazy_async(t, s)) {
            return 1;
        }
    }
    return var_is_async_items(t, v);
}

/* ---- colored callables ------------------------------------------------ */

static int
unit_colored(unit *u)
{
    return u->colored && !u->native_async;
}

static int
wraps_calls(const aobj *o)
{
    return o->kind == O_WRAP &&
           (o->wrap == W_CALLS || o->wrap == W_STATIC || o->wrap == W_CLASSMETHOD || o->wrap == W_DISPATCH);
}

/* Whether calling object `id` may run a colored function: itself, or what
 * the wrappers it is (partial, lru_cache, staticmethod...) call. Wrappers
 * may wrap each other in a cycle, and chains may be long, so the walk is
 * a loop over a stack, each object met once. */
int
obj_colored(tx *t, int id)
{
    if (++t->walk == 0) { /* wrapped around: no stamp may look current */
        for (int i = 0; i < t->nobjs; i++) {
            t->objs[i].seen = 0;
        }
        t->walk = 1;
    }
    int n = 0;
    t->walk_stack[n++] = id;
    t->objs[id].seen = t->walk;
    while (n > 0) {
        aobj *o = &t->objs[t->walk_stack[--n]];
        if (o->kind == O_FUNC || o->kind == O_BOUND) {
            if (unit_colored(o->u) && !o->u->generator) {
                return 1;
            }
            continue;
        }
        if (!wraps_calls(o)) {
            continue;
        }
        const idset *inner = tx_values(t, o->inner);
        for (int i = 0; i < inner->n; i++) {
            aobj *next = &t->objs[inner->v[i]];
            if (next->seen == t->walk) {
                continue;
            }
            next->seen = t->walk;
            t->walk_stack[n++] = inner->v[i];
        }
    }
    return 0;
}

int
expr_has_colored_callable(tx *t, PyObject *expr)
{
    const idset *s = tx_values(t, tx_var_of(t, expr));
    for (int i = 0; i < s->n; i++) {
        if (obj_colored(t, s->v[i])) {
            return 1;
        }
    }
    return 0;
}

/* ---- what each site needs --------------------------------------------- */

static int
has_prim(site *s, prim p)
{
    return (s->prims & PRIM_BIT(p)) != 0;
}

prim
site_prim(tx *t, site *s)
{
    const idset *f = tx_values(t, s->func);
    for (int i = 0; i < f->n; i++) {
        aobj *o = &t->objs[f->v[i]];
        if (o->kind == O_PRIM) {
            return o->p;
        }
    }
    return P_NONE;
}

static int
any_arg_async_items(tx *t, site *s)
{
    /* dict(obj) of an instance reads it as a mapping (keys()) when it is
     * one: only its other arguments' items are taken here */
    int mapping = site_prim(t, s) == P_DICT;
    for (int i = 0; i < s->nargs; i++) {
        const idset *objs = tx_values(t, s->args[i]);
        for (int j = 0; j < objs->n; j++) {
            if ((!mapping || t->objs[objs->v[j]].kind != O_INSTANCE) && obj_async_items(t, objs->v[j])) {
                return 1;
            }
        }
    }
    return 0;
}

int
is_lazy_iterator(prim p)
{
    switch (p) {
    case P_MAP:
    case P_FILTER:
    case P_ENUMERATE:
    case P_ZIP:
    case P_ITER:
    case P_STARMAP:
    case P_FILTERFALSE:
    case P_TAKEWHILE:
    case P_DROPWHILE:
    case P_ACCUMULATE:
        return 1;
    default:
        return 0;
    }
}

/* A lazy iterator given a colored callable or async items: pyrun's
 * async version. */
static int
site_is_lazy_async(tx *t, site *s)
{
    if (s->kind != SITE_CALL || !is_lazy_iterator(site_prim(t, s))) {
        return 0;
    }
    return s->effect == E_HOF || s->effect == E_CONSUME;
}

static int
is_consumer(prim p)
{
    switch (p) {
    case P_SUM:
    case P_LIST:
    case P_TUPLE:
    case P_SET:
    case P_FROZENSET:
    case P_DICT:
    case P_ANY:
    case P_ALL:
    case P_NEXT:
    case P_ENUMERATE:
    case P_ZIP:
    case P_SORTED:
    case P_MIN:
    case P_MAX:
        return 1;
    default:
        return 0;
    }
}

static int
is_stringifier(prim p)
{
    return p == P_PRINT || p == P_STR || p == P_REPR || p == P_ASCII || p == P_FORMAT;
}

/* A constant or an f-string: a value whose str cannot block. */
static int
is_literal(ast_kit *kit, PyObject *expr)
{
    ast_kind k = ast_kind_of(kit, expr);
    return k == AK_Constant || k == AK_JoinedStr;
}

/* Are the values a stringifier is given all literals (print("text"),
 * f"{'a'}", "%d" % 3), whose str cannot block? */
static int
literal_args(tx *t, site *s)
{
    ast_kit *kit = t->kit;
    ast_kind kind = ast_kind_of(kit, s->node);
    if (kind != AK_Call && kind != AK_FormattedValue && kind != AK_BinOp) {
        return 0;
    }
    PyObject *values = kind == AK_Call ? ast_get(s->node, kit->s_args) : NULL;
    PyObject *value = kind == AK_FormattedValue ? ast_get(s->node, kit->s_value)
                      : kind == AK_BinOp        ? ast_get(s->node, kit->s_right)
                                                : NULL;
    if (values == NULL && value == NULL) {
        PyErr_Clear();
        return 0;
    }
    int literal = 1;
    Py_ssize_t n = values ? PyList_Size(values) : 1;
    for (Py_ssize_t i = 0; literal && i < n; i++) {
        literal = is_literal(kit, values ? PyList_GetItem(values, i) : value);
    }
    Py_XDECREF(values);
    Py_XDECREF(value);
    return literal;
}

/* Are the values a call gives its keywords all literals? */
static int
literal_keywords(tx *t, site *s)
{
    ast_kit *kit = t->kit;
    PyObject *kws = ast_get(s->node, kit->s_keywords);
    int literal = kws != NULL;
    for (Py_ssize_t i = 0; literal && i < PyList_Size(kws); i++) {
        PyObject *v = ast_get(PyList_GetItem(kws, i), kit->s_value);
        literal = v != NULL && is_literal(kit, v);
        Py_XDECREF(v);
    }
    Py_XDECREF(kws);
    PyErr_Clear();
    return literal;
}

/* Is some __str__, __repr__ or __format__ of the program colored? */
static int
any_stringify_colored(tx *t)
{
    static const char *const methods[] = {"__str__", "__repr__", "__format__"};
    for (int i = 0; i < t->nunits; i++) {
        unit *u = t->units[i];
        if (u->owner == NULL || !unit_colored(u) || u->name == NULL || !PyUnicode_Check(u->name)) {
            continue;
        }
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
            if (PyUnicode_CompareWithASCIIString(u->name, methods[m]) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

static int
is_hof(prim p)
{
    switch (p) {
    case P_SORTED:
    case P_MIN:
    case P_MAX:
    case P_MAP:
    case P_FILTER:
    case P_STARMAP:
    case P_FILTERFALSE:
    case P_TAKEWHILE:
    case P_DROPWHILE:
    case P_ACCUMULATE:
    case P_REDUCE:
    case P_LIST_SORT:
    case P_LIST_SEARCH:
    case P_TO_THREAD:
    case P_RUN_IN_EXECUTOR:
        return 1;
    default:
        return is_replayed(p);
    }
}

int
is_replayed(prim p)
{
    switch (p) {
    case P_RE_SUB:
    case P_PATTERN_SUB:
    case P_JSON_DUMPS:
    case P_JSON_LOADS:
    case P_NSMALLEST:
    case P_BISECT:
    case P_SUM:
        return 1;
    default:
        return 0;
    }
}

/* Every callee of the call is a def or bound method that is colored. */
static int
all_callees_colored(tx *t, site *s, int *classes)
{
    const idset *f = tx_values(t, s->func);
    *classes = 0;
    if (f->n == 0) {
        return 0;
    }
    for (int i = 0; i < f->n; i++) {
        aobj *o = &t->objs[f->v[i]];
        if (o->kind == O_CLASS) {
            (*classes)++;
            continue;
        }
        if (!obj_colored(t, f->v[i]) || o->kind == O_WRAP) {
            return 0;
        }
    }
    return 1;
}

/* The module a site imports that blocks, if any. */
static unit *
imported_colored(tx *t, site *s)
{
    for (Py_ssize_t i = 0; s->imports && i < PyList_Size(s->imports); i++) {
        module_info *m = tx_module(t, PyList_GetItem(s->imports, i));
        if (m != NULL && m->unit->colored) {
            return m->unit;
        }
    }
    return NULL;
}

static int
at_module_level(site *s)
{
    return s->unit->kind == U_MODULE && s->scope->mod->may_await;
}

static int
any_unfound(tx *t, PyObject *names)
{
    for (Py_ssize_t i = 0; names && i < PyList_Size(names); i++) {
        int r = PySet_Contains(t->unfound, PyList_GetItem(names, i));
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

/* The module objects a call's first argument may hold (reload, import_module). */
static unit *
module_arg_colored(tx *t, site *s)
{
    const idset *r = tx_values(t, s->result);
    const idset *a = tx_values(t, s->nargs > 0 ? s->args[0] : -1);
    const idset *sets[2] = {r, a};
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < sets[k]->n; i++) {
            aobj *o = &t->objs[sets[k]->v[i]];
            if (o->kind == O_MODULE && o->m != NULL && o->m->unit->colored) {
                return o->m->unit;
            }
        }
    }
    return NULL;
}

static int
contains_obj(tx *t, int v, int obj)
{
    return idset_has(tx_values(t, v), obj);
}

/* Is the callee a name no binding of the program's holds (a builtin)? */
static int
callee_is_builtin_name(tx *t, site *s)
{
    PyObject *func = ast_get(s->node, t->kit->s_func);
    if (func == NULL) {
        PyErr_Clear();
        return 0;
    }
    int r = 0;
    if (ast_kind_of(t->kit, func) == AK_Name) {
        PyObject *id = ast_get(func, t->kit->s_id);
        r = id != NULL && tx_resolve(t, s->scope, id) == NULL;
        Py_XDECREF(id);
    }
    Py_DECREF(func);
    PyErr_Clear();
    return r;
}

/* In async code, may this call return a colored coroutine that pyrun could
 * not see coming? Values from outside the analysis may be faces of the
 * program's colored functions (handed back by the stdlib) or come from
 * code that was not there to analyse. */
static int
needs_check(tx *t, site *s)
{
    if (s->reaches_unseen) {
        return 1;
    }
    if (!s->reaches_lib || !contains_obj(t, s->func, 0)) {
        return 0;
    }
    if (s->attr != NULL) {
        /* x.method() of a library object: only a name the program colors */
        int r = PySet_Contains(t->colored_names, s->attr);
        return r < 0 ? 0 : r;
    }
    return !callee_is_builtin_name(t, s);
}

static effect
call_effect(tx *t, site *s, unit **target)
{
    *target = colored_callee(t, s);
    prim p = site_prim(t, s);
    if (has_prim(s, P_COOP_WAIT) && p == P_COOP_WAIT && s->base >= 0) {
        return E_COOP; /* q.get(), t.join()...: called through an attribute */
    }
    if (has_prim(s, P_COOP_CALL) && p == P_COOP_CALL && s->base >= 0) {
        return E_COOP_SYNC;
    }
    if (p == P_UNAVAILABLE && s->kind == SITE_CALL) {
        return E_UNAVAILABLE;
    }
    if (p == P_FUTURES_WAIT && s->kind == SITE_CALL) {
        return E_FUTURES_WAIT;
    }
    if (p == P_AS_COMPLETED && s->kind == SITE_CALL) {
        return E_AS_COMPLETED;
    }
    if (s->prims & BLOCKING_PRIMS) {
        if (has_prim(s, P_SLEEP)) {
            return E_SLEEP;
        }
        if (has_prim(s, P_ASYNCIO_RUN)) {
            return E_RUN;
        }
        if (has_prim(s, P_INPUT)) {
            return E_INPUT;
        }
        if (has_prim(s, P_STDIN_READ)) {
            return E_STDIN;
        }
        if (has_prim(s, P_URLOPEN)) {
            return E_URLOPEN;
        }
        if (has_prim(s, P_GETPASS)) {
            return E_GETPASS;
        }
        return has_prim(s, P_RUN_FOREVER) ? E_RUN_FOREVER : E_RUN_UNTIL_COMPLETE;
    }
    if (has_prim(s, P_NEW_LOOP) && p == P_NEW_LOOP) {
        return E_NEW_LOOP_SYNC;
    }
    if (has_prim(s, P_LOOP_STOP) && p == P_LOOP_STOP) {
        return E_LOOP_STOP_SYNC;
    }
    if (p == P_NONE && s->kind == SITE_CALL && s->str_format &&
        (*target != NULL || (s->unit->colored && t->stringify_blocks && !(literal_args(t, s) && literal_keywords(t, s))))) {
        return E_STRINGIFY; /* "...".format(x): checked at run time */
    }
    if (is_stringifier(p) && has_prim(s, p) &&
        (*target != NULL || (s->unit->colored && t->stringify_blocks && !literal_args(t, s)))) {
        return E_STRINGIFY; /* checked at run time where values come from code not analysed */
    }
    if ((p == P_EVAL || p == P_EXEC) && has_prim(s, p) && s->unit->kind != U_CLASS_BODY) {
        return E_EVAL; /* its source may call colored code */
    }
    if ((p == P_IMPORT_MODULE || p == P_RELOAD || p == P_DUNDER_IMPORT) && s->kind == SITE_CALL) {
        unit *m = module_arg_colored(t, s);
        if (m != NULL) {
            *target = m;
            return E_IMPORT;
        }
        if (p == P_RELOAD || !at_module_level(s)) {
            return E_NONE;
        }
        /* a module not there to analyse, imported where awaiting is free */
        const idset *r = tx_values(t, s->result);
        for (int i = 0; i < r->n; i++) {
            aobj *o = &t->objs[r->v[i]];
            if (o->kind == O_MODULE && o->m == NULL && PySet_Contains(t->unfound, o->name) > 0) {
                return E_IMPORT;
            }
        }
        return E_NONE;
    }
    if ((p == P_GEN_SEND || p == P_GEN_THROW || p == P_GEN_CLOSE) && s->base >= 0 &&
        var_is_async_items(t, s->base) > 0) {
        return E_RESUME;
    }
    if (is_hof(p) && *target != NULL && !(p == P_SUM && any_arg_async_items(t, s))) {
        return E_HOF; /* (sum of async items is a consumer's, below) */
    }
    if ((is_consumer(p) || (s->attr && PyUnicode_CompareWithASCIIString(s->attr, "join") == 0)) &&
        any_arg_async_items(t, s)) {
        return E_CONSUME; /* str.join too: it takes all the items at once */
    }
    if (is_lazy_iterator(p) && any_arg_async_items(t, s)) {
        return E_CONSUME;
    }
    if (*target != NULL) {
        int classes;
        if (all_callees_colored(t, s, &classes)) {
            return classes ? (classes == tx_values(t, s->func)->n ? E_CONSTRUCT : E_CHECKED) : E_AWAIT;
        }
        return E_CHECKED;
    }
    if (s->reaches_unseen) {
        return E_CHECKED; /* what code pyrun has not seen gives may be colored */
    }
    return s->unit->colored && needs_check(t, s) ? E_CHECKED : E_NONE;
}

/* May the variable hold a lock, condition, semaphore or executor? */
static int
holds_coop(tx *t, int v)
{
    const idset *objs = tx_values(t, v);
    for (int i = 0; i < objs->n; i++) {
        aobj *o = &t->objs[objs->v[i]];
        if ((o->kind == O_WRAP && o->wrap == W_COOP) || (o->kind == O_INSTANCE && o->k->coop_base)) {
            return 1;
        }
    }
    return 0;
}

static int
with_effect(tx *t, site *s, unit **target)
{
    *target = colored_callee(t, s);
    for (int i = 0; *target == NULL && i < s->nitems; i++) {
        if (holds_coop(t, s->items[i])) {
            return E_ASYNC_WITH; /* `with lock:` waits as a thread waits */
        }
    }
    return *target != NULL ? E_ASYNC_WITH : E_NONE;
}

static effect
site_effect(tx *t, site *s, unit **target)
{
    *target = NULL;
    switch (s->kind) {
    case SITE_CALL:
        return call_effect(t, s, target);
    case SITE_DECORATE:
        *target = colored_callee(t, s);
        return *target != NULL ? E_DECORATE : E_NONE;
    case SITE_FOR:
    case SITE_YIELD_FROM:
        *target = colored_callee(t, s);
        return *target != NULL || var_is_async_items(t, s->iter) ? E_ASYNC_FOR : E_NONE;
    case SITE_WITH:
        return with_effect(t, s, target);
    case SITE_ATTR:
        *target = colored_callee(t, s);
        return *target != NULL ? E_PROPERTY : E_NONE;
    case SITE_OP:
        *target = colored_callee(t, s);
        return *target != NULL ? E_OPERATOR : E_NONE;
    case SITE_IMPORT: {
        *target = imported_colored(t, s);
        if (*target != NULL) {
            return E_IMPORT;
        }
        int r = at_module_level(s) ? any_unfound(t, s->required) : 0;
        return r > 0 ? E_IMPORT : E_NONE;
    }
    }
    return E_NONE;
}

static const char *
effect_reason(effect e)
{
    switch (e) {
    case E_SLEEP:
        return "time.sleep";
    case E_RUN:
        return "asyncio.run";
    case E_INPUT:
        return "input";
    case E_STDIN:
        return "a read of sys.stdin";
    case E_RUN_UNTIL_COMPLETE:
        return "loop.run_until_complete";
    case E_RUN_FOREVER:
        return "loop.run_forever";
    case E_AWAIT:
    case E_CONSTRUCT:
    case E_CHECKED:
        return "calls";
    case E_HOF:
        return "a colored callable given to";
    case E_CONSUME:
    case E_ASYNC_FOR:
        return "iterates a colored generator";
    case E_ASYNC_WITH:
        return "a context manager whose methods block";
    case E_PROPERTY:
        return "reads a property whose getter blocks";
    case E_COOP:
    case E_FUTURES_WAIT:
        return "waits as a thread waits";
    case E_URLOPEN:
        return "urllib.request.urlopen";
    case E_GETPASS:
        return "getpass.getpass";
    case E_IMPORT:
        return "imports a module that blocks";
    case E_DECORATE:
        return "a decorator that blocks";
    case E_EVAL:
        return "eval/exec of source that may block";
    case E_STRINGIFY:
        return "a __str__, __repr__ or __format__ that blocks, called by";
    case E_OPERATOR:
        return "an operator or truth test whose special method blocks";
    default:
        return "";
    }
}

/* Names under which colored callables may be reached: a method call of an
 * object pyrun cannot follow, under one of these, is checked. */
static int
note_colored_names(tx *t)
{
    for (int i = 0; i < t->nunits; i++) {
        unit *u = t->units[i];
        if (unit_colored(u) && u->kind == U_FUNCTION && PySet_Add(t->colored_names, u->name) < 0) {
            return -1;
        }
    }
    for (int i = 0; i < t->nclasses; i++) {
        klass *k = t->classes[i];
        PyObject *dicts[2] = {k->attrs, k->iattrs};
        for (int d = 0; d < 2; d++) {
            PyObject *name, *v;
            Py_ssize_t pos = 0;
            while (PyDict_Next(dicts[d], &pos, &name, &v)) {
                const idset *s = tx_values(t, (int)PyLong_AsLong(v));
                for (int j = 0; j < s->n; j++) {
                    if (obj_colored(t, s->v[j])) {
                        if (PySet_Add(t->colored_names, name) < 0) {
                            return -1;
                        }
                        break;
                    }
                }
            }
        }
    }
    return 0;
}

/* A StopIteration escaping a coroutine is turned into RuntimeError (PEP
 * 479), where the plain function would have let its caller catch it: the
 * units that may let one out are found here, and the rewrite carries it
 * out as a value instead. Generators are left alone (PEP 479 applies to
 * them as written). */
static int
site_may_stop(tx *t, site *s)
{
    if (s->kind != SITE_CALL) {
        return 0;
    }
    if (s->prims & PRIM_BIT(P_NEXT)) {
        return 1;
    }
    if (s->attr != NULL && (PyUnicode_CompareWithASCIIString(s->attr, "__next__") == 0 ||
                            PyUnicode_CompareWithASCIIString(s->attr, "send") == 0 ||
                            PyUnicode_CompareWithASCIIString(s->attr, "throw") == 0)) {
        return 1;
    }
    for (int i = 0; i < s->callees.n; i++) {
        unit *u = t->units[s->callees.v[i]];
        if (u->may_stop && !u->generator) {
            return 1;
        }
    }
    return 0;
}

static void
find_may_stop(tx *t)
{
    int changed;
    do {
        changed = 0;
        for (int i = 0; i < t->nsites; i++) {
            site *s = t->sites[i];
            if (!s->unit->may_stop && (s->unit->kind == U_FUNCTION || s->unit->kind == U_LAMBDA) &&
                site_may_stop(t, s)) {
                s->unit->may_stop = 1;
                changed = 1;
            }
        }
    } while (changed);
}

/* Does the call put functools' cache (cache, lru_cache, or the decorator
 * lru_cache(...) makes) over a function that may be colored? */
int
caches_colored(tx *t, site *s)
{
    if (s->kind != SITE_CALL || s->nargs < 1 || s->starred[0]) {
        return 0;
    }
    const idset *callee = tx_values(t, s->func);
    int caching = 0;
    for (int i = 0; i < callee->n && !caching; i++) {
        aobj *o = &t->objs[callee->v[i]];
        caching = (o->kind == O_PRIM && (o->p == P_LRU_CACHE || o->p == P_CACHE)) ||
                  (o->kind == O_WRAP && o->wrap == W_PARTIAL_DECO);
    }
    const idset *fn = caching ? tx_values(t, s->args[0]) : NULL;
    for (int i = 0; fn != NULL && i < fn->n; i++) {
        if (obj_colored(t, fn->v[i])) {
            return 1;
        }
    }
    return 0;
}

/* loop.call_soon / call_later / call_at with a callback that may be
 * colored, given positionally (not starred) */
int
loop_calls_back_colored(tx *t, site *s)
{
    prim p = s->kind == SITE_CALL ? site_prim(t, s) : P_NONE;
    int first = p == P_CALL_SOON ? 0 : p == P_CALL_LATER ? 1 : -1;
    if (first < 0 || s->nargs <= first) {
        return 0;
    }
    for (int i = 0; i <= first; i++) {
        if (s->starred[i]) {
            return 0;
        }
    }
    const idset *fn = tx_values(t, s->args[first]);
    for (int i = 0; i < fn->n; i++) {
        if (obj_colored(t, fn->v[i])) {
            return 1;
        }
    }
    return 0;
}

static void
mark_rewritten(unit *u)
{
    for (; u != NULL && !u->rewritten; u = u->parent) {
        u->rewritten = 1;
    }
}

/* The units the rewrite walks into: one with a site it rewrites, or
 * colored, and every unit around such a one. The bodies of the others are
 * left as they are, unwalked: most of a program, where little blocks. */
static void
mark_rewritten_units(tx *t)
{
    for (int i = 0; i < t->nsites; i++) {
        site *s = t->sites[i];
        if (s->effect != E_NONE || caches_colored(t, s) || loop_calls_back_colored(t, s)) {
            mark_rewritten(s->unit);
        }
    }
    for (int i = 0; i < t->nunits; i++) {
        unit *u = t->units[i];
        if (u->colored) {
            mark_rewritten(u);
        }
        else if (decorated_with(t, u, P_SINGLEDISPATCH) || decorated_with(t, u, P_SINGLEDISPATCHMETHOD)) {
            mark_rewritten(u->parent); /* its decorators, rewritten where the def is */
        }
    }
}

int
tx_color(tx *t)
{
    for (int i = 0; i < t->nunits; i++) {
        unit *u = t->units[i];
        if (u->kind == U_MODULE && u->awaits && color(t, u, NULL, "awaits at top level", NULL) < 0) {
            return -1;
        }
    }
    int rounds = 0;
    do {
        t->changed = 0;
        if (note_colored_names(t) < 0) {
            return -1;
        }
        t->stringify_blocks = any_stringify_colored(t);
        for (int i = 0; i < t->nsites; i++) {
            site *s = t->sites[i];
            unit *target = NULL;
            tx_at(t, s->scope->mod, s->node);
            effect e = site_effect(t, s, &target);
            if (PyErr_Occurred()) {
                return -1;
            }
            if (s->effect != e) {
                /* a consumer may see its argument's new effect next round */
                t->changed = 1;
            }
            s->effect = e;
            s->target = target;
            /* a check alone, in code already async, colors nothing */
            if (needs_await(e) && (e != E_CHECKED || target != NULL || s->reaches_unseen) &&
                color(t, s->unit, s, e == E_PROPERTY && s->store ? "sets or deletes a property through" : effect_reason(e), target) < 0) {
                return -1;
            }
        }
        mark_awaiting_comprehensions(t);
    } while (t->changed && ++rounds < 1000);
    find_may_stop(t);
    mark_rewritten_units(t);
    return 0;
}
