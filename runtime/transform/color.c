/* Which code must become async, found by fixpoint.
 *
 * A unit (def, lambda, module body) is colored when one of its sites needs
 * to await: a blocking primitive, a call of a colored unit, a callable that
 * may hold a colored one, iteration over a colored generator, a context
 * manager or property whose methods are colored. Methods are colored by
 * family: if one implementation of `m` in a class hierarchy is colored, all
 * are, so that `await self.m()` is right whichever runs. Coloring grows
 * until nothing changes; nothing is ever uncolored. */
#include "model.h"

#include <string.h>

int
needs_await(effect e)
{
    return e != E_NONE && e != E_NEW_LOOP_SYNC && e != E_LOOP_STOP_SYNC;
}

int
is_implicit_dunder(PyObject *name)
{
    Py_ssize_t n = PyUnicode_GetLength(name);
    return n > 4 && PyUnicode_ReadChar(name, 0) == '_' && PyUnicode_ReadChar(name, 1) == '_' &&
           PyUnicode_ReadChar(name, n - 1) == '_' && PyUnicode_ReadChar(name, n - 2) == '_';
}

static int
find(tx *t, int i)
{
    while (t->classes[i]->component != i) {
        t->classes[i]->component = t->classes[t->classes[i]->component]->component;
        i = t->classes[i]->component;
    }
    return i;
}

/* Classes linked by known inheritance share method families. */
static int
build_components(tx *t)
{
    for (int i = 0; i < t->nclasses; i++) {
        klass *k = t->classes[i];
        if (class_bases(t, k) < 0) {
            return -1;
        }
        for (int b = 0; b < k->nbases; b++) {
            int x = find(t, i), y = find(t, k->bases[b]->index);
            if (x != y) {
                t->classes[x]->component = y;
            }
        }
    }
    return 0;
}

/* Is the method family `name` of k's hierarchy colored? */
int
family_colored(tx *t, klass *k, PyObject *name, unit **which)
{
    int root = find(t, k->index);
    for (int i = 0; i < t->nclasses; i++) {
        klass *c = t->classes[i];
        if (find(t, i) != root) {
            continue;
        }
        PyObject *ui = PyDict_GetItemWithError(c->methods, name);
        if (ui == NULL) {
            if (PyErr_Occurred()) {
                return -1;
            }
            continue;
        }
        unit *u = t->units[PyLong_AsLong(ui)];
        if (u->colored && !u->native_async) {
            if (which) {
                *which = u;
            }
            return 1;
        }
    }
    return 0;
}

static int
color(tx *t, unit *u, PyObject *loc, const char *what, unit *callee, PyObject *name)
{
    if (u->colored || u->native_async || u->kind == U_CLASS_BODY) {
        return 0;
    }
    if (u->kind == U_MODULE && !u->scope->mod->may_await) {
        return 0;
    }
    u->colored = 1;
    u->why_line = loc ? (int)ast_get_int(loc, t->kit->s_lineno) : 0;
    u->why_what = what;
    u->why_unit = callee;
    Py_XSETREF(u->why_name, Py_XNewRef(name));
    t->changed = 1;
    return 0;
}

static int contains_async_items(tx *t, PyObject *expr, scope *s, int depth);

/* Is expr something whose items must be awaited: a call of a colored
 * generator, a generator expression that awaits, sys.stdin, or a name
 * bound only to such? */
static int
async_items(tx *t, PyObject *expr, scope *s, int depth)
{
    ast_kit *kit = t->kit;
    if (depth > 16) {
        return 0;
    }
    switch (ast_kind_of(kit, expr)) {
    case AK_GeneratorExp: {
        scope *gs = tx_scope_of(t, expr);
        if (gs == NULL) {
            return PyErr_Occurred() ? -1 : 0;
        }
        /* any awaiting site whose scope is inside this generator expression */
        for (int i = 0; i < t->nsites; i++) {
            site *st = t->sites[i];
            if (!st->in_genexp || !needs_await(st->effect)) {
                continue;
            }
            for (scope *x = st->scope; x != NULL; x = x->parent) {
                if (x == gs) {
                    return 1;
                }
                if (x->kind != SC_COMPREHENSION) {
                    break;
                }
            }
        }
        return 0;
    }
    case AK_Name: {
        PyObject *id = ast_get(expr, kit->s_id);
        if (id == NULL) {
            return -1;
        }
        binding *b = resolve_name(t, s, id);
        Py_DECREF(id);
        if (b == NULL) {
            return PyErr_Occurred() ? -1 : 0;
        }
        if (b->nsrc != 1 || b->src[0].kind != SRC_ASSIGN) {
            value v;
            if (binding_value(t, b, &v) < 0) {
                return -1;
            }
            return v.kind == V_PRIM && v.prim == P_STDIN;
        }
        return async_items(t, b->src[0].expr, b->src[0].scope, depth + 1);
    }
    case AK_Attribute: {
        value v;
        if (eval_expr(t, expr, s, &v) < 0) {
            return -1;
        }
        return v.kind == V_PRIM && v.prim == P_STDIN;
    }
    case AK_Call: {
        PyObject *func = ast_get(expr, kit->s_func);
        if (func == NULL) {
            return -1;
        }
        value fv;
        int rc = eval_expr(t, func, s, &fv);
        if (rc == 0 && fv.kind == V_FUNC && fv.unit->generator && fv.unit->colored) {
            rc = 1;
        }
        else if (rc == 0 && ast_kind_of(kit, func) == AK_Attribute) {
            /* self.items() where `items` is a colored generator method */
            PyObject *base = ast_get(func, kit->s_value);
            PyObject *attr = base ? ast_get(func, kit->s_attr) : NULL;
            value bv;
            rc = attr == NULL ? -1 : eval_expr(t, base, s, &bv);
            if (rc == 0 && (bv.kind == V_INSTANCE || bv.kind == V_CLSOBJ || bv.kind == V_SUPER)) {
                unit *m = NULL;
                rc = family_colored(t, bv.cls, attr, &m);
                rc = rc > 0 && m != NULL && m->generator ? 1 : (rc < 0 ? -1 : 0);
            }
            Py_XDECREF(base);
            Py_XDECREF(attr);
        }
        if (rc == 0 && fv.kind == V_PRIM &&
            (fv.prim == P_ENUMERATE || fv.prim == P_MAP || fv.prim == P_FILTER)) {
            /* lazy adaptors keep their argument's nature, and map/filter
             * with a colored function produce awaited items */
            site *st = NULL;
            PyObject *i = PyDict_GetItemWithError(t->calls_by_node, expr);
            if (i != NULL) {
                st = t->sites[PyLong_AsLong(i)];
            }
            if (st != NULL && st->effect == E_HOF) {
                rc = 1;
            }
            else {
                rc = contains_async_items(t, expr, s, depth + 1);
            }
        }
        Py_DECREF(func);
        return rc;
    }
    default:
        return 0;
    }
}

/* Is any positional argument of this call async_items? */
static int
contains_async_items(tx *t, PyObject *call, scope *s, int depth)
{
    PyObject *args = ast_get(call, t->kit->s_args);
    if (args == NULL) {
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(args); i++) {
        rc = async_items(t, PyList_GetItem(args, i), s, depth);
    }
    Py_DECREF(args);
    return rc;
}

int
expr_is_async_items(tx *t, PyObject *expr, scope *s)
{
    return async_items(t, expr, s, 0);
}

static int may_colored_depth(tx *t, PyObject *expr, scope *s, int depth);

static int
any_may_colored(tx *t, PyObject *list, scope *s, int depth)
{
    if (list == NULL || !PyList_Check(list)) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < PyList_Size(list); i++) {
        int r = may_colored_depth(t, PyList_GetItem(list, i), s, depth);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

static int
field_may_colored(tx *t, PyObject *node, PyObject *field, scope *s, int depth)
{
    PyObject *v = ast_get(node, field);
    if (v == NULL) {
        return -1;
    }
    int r = PyList_Check(v) ? any_may_colored(t, v, s, depth) : may_colored_depth(t, v, s, depth);
    Py_DECREF(v);
    return r;
}

/* May evaluating expr give a colored callable, or a container of them? */
static int
may_colored_depth(tx *t, PyObject *expr, scope *s, int depth)
{
    ast_kit *kit = t->kit;
    if (expr == NULL || expr == Py_None || depth > 32) {
        return 0;
    }
    ast_kind kind = ast_kind_of(kit, expr);
    switch (kind) {
    case AK_Name: {
        PyObject *id = ast_get(expr, kit->s_id);
        if (id == NULL) {
            return -1;
        }
        binding *b = resolve_name(t, s, id);
        Py_DECREF(id);
        if (b == NULL) {
            return PyErr_Occurred() ? -1 : 0;
        }
        if (b->may_colored) {
            return 1;
        }
        value v;
        if (binding_value(t, b, &v) < 0) {
            return -1;
        }
        return v.kind == V_UNSEEN || value_is_colored_callable(t, &v);
    }
    case AK_Attribute: {
        value v;
        if (eval_expr(t, expr, s, &v) < 0) {
            return -1;
        }
        if (v.kind == V_UNSEEN || value_is_colored_callable(t, &v)) {
            return 1;
        }
        PyObject *attr = ast_get(expr, kit->s_attr);
        if (attr == NULL) {
            return -1;
        }
        int r = PySet_Contains(t->may_colored_attrs, attr);
        if (r == 0) {
            /* obj.method of an unknown object named like a colored method */
            PyObject *base = ast_get(expr, kit->s_value);
            value bv;
            r = base == NULL ? -1 : eval_expr(t, base, s, &bv);
            if (r == 0 && bv.kind == V_UNKNOWN) {
                r = PySet_Contains(t->colored_methods, attr);
            }
            Py_XDECREF(base);
        }
        Py_DECREF(attr);
        return r;
    }
    case AK_Lambda: {
        unit *u = tx_unit_of(t, expr);
        return u == NULL ? (PyErr_Occurred() ? -1 : 0) : u->colored;
    }
    case AK_Call: {
        value v;
        if (eval_expr(t, expr, s, &v) < 0) {
            return -1;
        }
        if (value_is_colored_callable(t, &v)) {
            return 1;
        }
        int r = field_may_colored(t, expr, kit->s_args, s, depth + 1);
        if (r == 0) {
            PyObject *kws = ast_get(expr, kit->s_keywords);
            for (Py_ssize_t i = 0; kws && r == 0 && i < PyList_Size(kws); i++) {
                r = field_may_colored(t, PyList_GetItem(kws, i), kit->s_value, s, depth + 1);
            }
            Py_XDECREF(kws);
        }
        return r;
    }
    case AK_List:
    case AK_Tuple:
    case AK_Set:
        return field_may_colored(t, expr, kit->s_elts, s, depth + 1);
    case AK_Dict:
        return field_may_colored(t, expr, kit->s_values, s, depth + 1);
    case AK_Starred:
    case AK_Subscript:
    case AK_NamedExpr:
        return field_may_colored(t, expr, kit->s_value, s, depth + 1);
    case AK_IfExp: {
        int r = field_may_colored(t, expr, kit->s_body, s, depth + 1);
        return r != 0 ? r : field_may_colored(t, expr, kit->s_orelse, s, depth + 1);
    }
    case AK_BoolOp:
        return field_may_colored(t, expr, kit->s_values, s, depth + 1);
    case AK_ListComp:
    case AK_SetComp:
    case AK_GeneratorExp: {
        scope *cs = tx_scope_of(t, expr);
        return cs == NULL ? (PyErr_Occurred() ? -1 : 0)
                          : field_may_colored(t, expr, kit->s_elt, cs, depth + 1);
    }
    case AK_DictComp: {
        scope *cs = tx_scope_of(t, expr);
        return cs == NULL ? (PyErr_Occurred() ? -1 : 0)
                          : field_may_colored(t, expr, kit->s_value, cs, depth + 1);
    }
    default:
        return 0;
    }
}

int
expr_may_be_colored(tx *t, PyObject *expr, scope *s)
{
    return may_colored_depth(t, expr, s, 0);
}

static int
keyword_arg(tx *t, PyObject *call, const char *name, PyObject **value)
{
    *value = NULL;
    PyObject *kws = ast_get(call, t->kit->s_keywords);
    if (kws == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyList_Size(kws); i++) {
        PyObject *kw = PyList_GetItem(kws, i);
        PyObject *arg = ast_get(kw, t->kit->s_arg);
        if (arg == NULL) {
            Py_DECREF(kws);
            return -1;
        }
        int match = PyUnicode_Check(arg) && PyUnicode_CompareWithASCIIString(arg, name) == 0;
        Py_DECREF(arg);
        if (match) {
            *value = ast_get(kw, t->kit->s_value);
            Py_DECREF(kws);
            return *value == NULL ? -1 : 1;
        }
    }
    Py_DECREF(kws);
    return 0;
}

static int
positional_arg(tx *t, PyObject *call, Py_ssize_t index, PyObject **value)
{
    *value = NULL;
    PyObject *args = ast_get(call, t->kit->s_args);
    if (args == NULL) {
        return -1;
    }
    if (index < PyList_Size(args)) {
        *value = Py_NewRef(PyList_GetItem(args, index));
    }
    Py_DECREF(args);
    return *value != NULL;
}

/* sorted/min/max/list.sort take key=; map/filter/reduce take a function
 * first. Is that callable possibly colored? */
static int
hof_callable_colored(tx *t, PyObject *call, scope *s, int positional_fn)
{
    PyObject *fn = NULL;
    int r = positional_fn ? positional_arg(t, call, 0, &fn) : keyword_arg(t, call, "key", &fn);
    if (r <= 0) {
        return r;
    }
    r = expr_may_be_colored(t, fn, s);
    Py_DECREF(fn);
    return r;
}

/* Top-level code of a module that may await. */
static int
at_module_level(site *st)
{
    return st->unit->kind == U_MODULE && st->scope->mod->may_await;
}

/* A module the program imports that was not there to analyse (written
 * by the program, or on a path it adds): its body may block, so where
 * awaiting is free, at a module's top level, its import is awaited. */
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

static effect
classify_call(tx *t, site *st, unit **target)
{
    ast_kit *kit = t->kit;
    PyObject *call = st->node;
    PyObject *func = ast_get(call, kit->s_func);
    effect e = E_NONE;
    value fv;
    if (func == NULL || eval_expr(t, func, st->scope, &fv) < 0) {
        Py_XDECREF(func);
        return -1;
    }
    ast_kind fk = ast_kind_of(kit, func);
    switch (fv.kind) {
    case V_PRIM:
        switch (fv.prim) {
        case P_SLEEP:
            e = E_SLEEP;
            break;
        case P_ASYNCIO_RUN:
            e = E_RUN;
            break;
        case P_INPUT:
            e = E_INPUT;
            break;
        case P_NEW_LOOP:
            e = E_NEW_LOOP_SYNC;
            break;
        case P_SORTED:
        case P_MIN:
        case P_MAX: {
            int r = hof_callable_colored(t, call, st->scope, 0);
            if (r < 0) {
                goto error;
            }
            if (r) {
                e = E_HOF;
                break;
            }
        }
        /* fallthrough: sorted(gen()) consumes async items */
        /* fallthrough */
        case P_SUM:
        case P_LIST:
        case P_TUPLE:
        case P_SET:
        case P_FROZENSET:
        case P_DICT:
        case P_ANY:
        case P_ALL:
        case P_NEXT:
        case P_ENUMERATE: {
            int r = contains_async_items(t, call, st->scope, 0);
            if (r < 0) {
                goto error;
            }
            e = r ? E_CONSUME : E_NONE;
            break;
        }
        case P_RELOAD: {
            /* importlib.reload(m) runs m's body again */
            PyObject *first = NULL;
            int r = positional_arg(t, call, 0, &first);
            value mv = {0};
            if (r > 0 && eval_expr(t, first, st->scope, &mv) < 0) {
                r = -1;
            }
            Py_XDECREF(first);
            if (r < 0) {
                goto error;
            }
            if (r > 0 && mv.kind == V_MODULE) {
                module_info *m = tx_module(t, mv.module);
                if (m != NULL && m->unit->colored) {
                    e = E_IMPORT;
                    *target = m->unit;
                }
                else if (m == NULL && !PyErr_Occurred() && at_module_level(st)) {
                    PyObject *one = PyList_New(1);
                    r = one ? 0 : -1;
                    if (one != NULL) {
                        PyList_SetItem(one, 0, Py_NewRef(mv.module));
                        r = any_unfound(t, one);
                        Py_DECREF(one);
                    }
                    if (r < 0) {
                        goto error;
                    }
                    e = r ? E_IMPORT : E_NONE;
                }
            }
            if (PyErr_Occurred()) {
                goto error;
            }
            break;
        }
        case P_IMPORT_MODULE:
        case P_DUNDER_IMPORT: {
            PyObject *first = NULL;
            int r = positional_arg(t, call, 0, &first);
            if (r < 0) {
                goto error;
            }
            if (r && ast_kind_of(kit, first) == AK_Constant) {
                /* the module and its parent packages, imported first */
                PyObject *name = ast_get(first, kit->s_value);
                Py_ssize_t n = name && PyUnicode_Check(name) ? PyUnicode_GetLength(name) : -1;
                for (Py_ssize_t i = 1; i <= n && e == E_NONE; i++) {
                    if (i < n && PyUnicode_ReadChar(name, i) != '.') {
                        continue;
                    }
                    PyObject *part = PyUnicode_Substring(name, 0, i);
                    module_info *m = part ? tx_module(t, part) : NULL;
                    if (m != NULL && m->unit->colored) {
                        e = E_IMPORT;
                        *target = m->unit;
                    }
                    Py_XDECREF(part);
                }
                Py_XDECREF(name);
            }
            Py_XDECREF(first);
            if (PyErr_Occurred()) {
                goto error;
            }
            break;
        }
        case P_MAP:
        case P_FILTER:
        case P_REDUCE: {
            int r = hof_callable_colored(t, call, st->scope, 1);
            if (r < 0) {
                goto error;
            }
            e = r ? E_HOF : E_NONE;
            break;
        }
        default:
            break;
        }
        break;
    case V_STDIN_METHOD:
        if (PyUnicode_CompareWithASCIIString(fv.module, "readline") == 0 ||
            PyUnicode_CompareWithASCIIString(fv.module, "read") == 0 ||
            PyUnicode_CompareWithASCIIString(fv.module, "readlines") == 0) {
            e = E_STDIN;
        }
        break;
    case V_FUNC:
        if (fv.unit->generator) {
            /* a colored generator function returns an async generator: its
             * consumers await, the call does not */
        }
        else if (fv.unit->colored && !fv.unit->native_async) {
            e = E_AWAIT;
            *target = fv.unit;
        }
        else if (fv.unit->owner != NULL && fk == AK_Attribute) {
            PyObject *attr = ast_get(func, kit->s_attr);
            unit *m = NULL;
            int r = attr ? family_colored(t, fv.unit->owner, attr, &m) : -1;
            Py_XDECREF(attr);
            if (r < 0) {
                goto error;
            }
            if (r) {
                e = E_AWAIT;
                *target = m;
            }
        }
        break;
    case V_INSTANCE: {
        /* calling an object whose __call__ blocks */
        PyObject *dunder = PyUnicode_InternFromString("__call__");
        unit *m = NULL;
        int r = dunder ? family_colored(t, fv.cls, dunder, &m) : -1;
        Py_XDECREF(dunder);
        if (r < 0) {
            goto error;
        }
        if (r) {
            e = E_DYNAMIC;
            *target = m;
        }
        break;
    }
    case V_CLASS: {
        PyObject *init = PyUnicode_InternFromString("__init__");
        unit *m = NULL;
        int r = init ? family_colored(t, fv.cls, init, &m) : -1;
        Py_XDECREF(init);
        if (r < 0) {
            goto error;
        }
        if (r) {
            e = E_CONSTRUCT;
            *target = m;
        }
        break;
    }
    default:
        break;
    }
    if (e == E_NONE && fv.kind != V_PRIM && fk == AK_Attribute) {
        PyObject *base = ast_get(func, kit->s_value);
        PyObject *attr = base ? ast_get(func, kit->s_attr) : NULL;
        value bv;
        int r = attr == NULL ? -1 : eval_expr(t, base, st->scope, &bv);
        if (r == 0) {
            int is_ruc = PyUnicode_CompareWithASCIIString(attr, "run_until_complete") == 0;
            if (bv.kind == V_LOOP || is_ruc) {
                if (is_ruc) {
                    e = E_RUN_UNTIL_COMPLETE;
                }
                else if (PyUnicode_CompareWithASCIIString(attr, "run_forever") == 0) {
                    e = E_RUN_FOREVER;
                }
                else if (PyUnicode_CompareWithASCIIString(attr, "stop") == 0 ||
                         PyUnicode_CompareWithASCIIString(attr, "close") == 0) {
                    e = E_LOOP_STOP_SYNC;
                }
            }
            else if (bv.kind == V_INSTANCE || bv.kind == V_CLSOBJ || bv.kind == V_SUPER ||
                     bv.kind == V_CLASS) {
                unit *m = NULL;
                r = family_colored(t, bv.cls, attr, &m);
                if (r > 0 && !m->generator) {
                    e = E_AWAIT;
                    *target = m;
                }
                else if (r == 0) {
                    /* self.callback(...) holding a colored callable */
                    r = PySet_Contains(t->may_colored_attrs, attr);
                    if (r > 0) {
                        e = E_DYNAMIC;
                    }
                    else if (r == 0 && bv.cls->unknown_base) {
                        /* may be inherited from a class pyrun cannot see */
                        r = PySet_Contains(t->colored_methods, attr);
                        e = r > 0 ? E_MAYBE : E_NONE;
                    }
                }
            }
            else if (bv.kind == V_UNKNOWN) {
                r = PySet_Contains(t->colored_methods, attr);
                if (r > 0) {
                    e = E_MAYBE;
                }
                else if (r == 0) {
                    r = PySet_Contains(t->may_colored_attrs, attr);
                    if (r > 0) {
                        e = E_DYNAMIC;
                    }
                }
            }
            if (r >= 0 && e == E_NONE && PyUnicode_CompareWithASCIIString(attr, "sort") == 0) {
                r = hof_callable_colored(t, call, st->scope, 0);
                if (r > 0) {
                    e = E_HOF;
                }
            }
        }
        Py_XDECREF(base);
        Py_XDECREF(attr);
        if (r < 0) {
            goto error;
        }
    }
    if (e == E_NONE && fv.kind == V_UNSEEN) {
        e = E_DYNAMIC;
    }
    if (e == E_NONE && fv.kind == V_UNKNOWN && fk != AK_Attribute) {
        int r = expr_may_be_colored(t, func, st->scope);
        if (r < 0) {
            goto error;
        }
        if (r) {
            e = E_DYNAMIC;
        }
    }
    Py_DECREF(func);
    return e;
error:
    Py_DECREF(func);
    return (effect)-1;
}

static effect
classify_with(tx *t, site *st)
{
    ast_kit *kit = t->kit;
    PyObject *items = ast_get(st->node, kit->s_items);
    if (items == NULL) {
        return (effect)-1;
    }
    effect e = E_NONE;
    for (Py_ssize_t i = 0; e == E_NONE && i < PyList_Size(items); i++) {
        PyObject *cm = ast_get(PyList_GetItem(items, i), kit->s_context_expr);
        value v;
        if (cm == NULL || eval_expr(t, cm, st->scope, &v) < 0) {
            Py_XDECREF(cm);
            e = (effect)-1;
            break;
        }
        if (ast_kind_of(kit, cm) == AK_Call) {
            PyObject *func = ast_get(cm, kit->s_func);
            value fv;
            int r = func ? eval_expr(t, func, st->scope, &fv) : -1;
            Py_XDECREF(func);
            if (r < 0) {
                Py_DECREF(cm);
                e = (effect)-1;
                break;
            }
            if (fv.kind == V_FUNC && fv.unit->colored && fv.unit->is_contextmanager) {
                e = E_ASYNC_WITH;
            }
        }
        if (e == E_NONE) {
            const char *dunders[2] = {"__enter__", "__exit__"};
            for (int d = 0; d < 2 && e == E_NONE; d++) {
                PyObject *name = PyUnicode_InternFromString(dunders[d]);
                int r = name == NULL ? -1 : 0;
                if (r == 0 && v.kind == V_INSTANCE) {
                    r = family_colored(t, v.cls, name, NULL);
                }
                else if (r == 0 && v.kind == V_UNKNOWN) {
                    r = PySet_Contains(t->colored_methods, name);
                }
                Py_XDECREF(name);
                if (r < 0) {
                    e = (effect)-1;
                }
                else if (r > 0) {
                    e = E_ASYNC_WITH;
                }
            }
        }
        Py_DECREF(cm);
    }
    Py_DECREF(items);
    return e;
}

effect
classify_site(tx *t, site *st, unit **target)
{
    *target = NULL;
    switch (st->kind) {
    case SITE_CALL:
        return classify_call(t, st, target);
    case SITE_FOR: {
        PyObject *iter = ast_get(st->node, t->kit->s_iter);
        int r = iter ? async_items(t, iter, st->scope, 0) : -1;
        Py_XDECREF(iter);
        return r < 0 ? (effect)-1 : (r ? E_ASYNC_FOR : E_NONE);
    }
    case SITE_WITH:
        return classify_with(t, st);
    case SITE_IMPORT: {
        /* importing a user module whose body blocks (or a package whose
         * __init__ does) must await it */
        for (Py_ssize_t i = 0; i < PyList_Size(st->imports); i++) {
            module_info *m = tx_module(t, PyList_GetItem(st->imports, i));
            if (m != NULL && m->unit->colored) {
                *target = m->unit;
                return E_IMPORT;
            }
            if (PyErr_Occurred()) {
                return (effect)-1;
            }
        }
        int r = at_module_level(st) ? any_unfound(t, st->required) : 0;
        return r < 0 ? (effect)-1 : (r ? E_IMPORT : E_NONE);
    }
    case SITE_YIELD_FROM: {
        /* yield from a colored generator: this generator becomes async */
        PyObject *value = ast_get(st->node, t->kit->s_value);
        int r = value ? async_items(t, value, st->scope, 0) : -1;
        Py_XDECREF(value);
        return r < 0 ? (effect)-1 : (r ? E_ASYNC_FOR : E_NONE);
    }
    default:
        return E_NONE;
    }
}

/* Map call arguments to the parameters they reach, marking those that may
 * receive a colored callable. `offset` is 1 for calls through an instance
 * (the receiver fills the first parameter). */
static int
mark_params(tx *t, unit *u, PyObject *call, scope *s, int offset)
{
    ast_kit *kit = t->kit;
    PyObject *args = ast_get(call, kit->s_args);
    PyObject *kws = args ? ast_get(call, kit->s_keywords) : NULL;
    int rc = kws == NULL ? -1 : 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(args); i++) {
        PyObject *a = PyList_GetItem(args, i);
        int r = expr_may_be_colored(t, a, s);
        if (r < 0) {
            rc = -1;
        }
        else if (r) {
            int starred = ast_kind_of(kit, a) == AK_Starred;
            Py_ssize_t p = i + offset;
            if (starred || p >= u->nparams) {
                for (int q = 0; q <= u->nparams; q++) {
                    t->changed |= !u->param_may[q];
                    u->param_may[q] = 1;
                }
            }
            else if (!u->param_may[p]) {
                u->param_may[p] = 1;
                t->changed = 1;
            }
        }
    }
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(kws); i++) {
        PyObject *kw = PyList_GetItem(kws, i);
        PyObject *value = ast_get(kw, kit->s_value);
        PyObject *name = value ? ast_get(kw, kit->s_arg) : NULL;
        int r = name == NULL ? -1 : expr_may_be_colored(t, value, s);
        if (r > 0) {
            Py_ssize_t p = name == Py_None ? -1 : PySequence_Index(u->params, name);
            PyErr_Clear();
            Py_ssize_t slot = p < 0 ? u->nparams : p;
            if (!u->param_may[slot]) {
                u->param_may[slot] = 1;
                t->changed = 1;
            }
        }
        rc = r < 0 ? -1 : 0;
        Py_XDECREF(value);
        Py_XDECREF(name);
    }
    Py_XDECREF(args);
    Py_XDECREF(kws);
    return rc;
}

static int
update_may_colored(tx *t)
{
    ast_kit *kit = t->kit;
    /* arguments reaching parameters of defs called directly */
    for (int i = 0; i < t->nsites; i++) {
        site *st = t->sites[i];
        if (st->kind != SITE_CALL) {
            continue;
        }
        PyObject *func = ast_get(st->node, kit->s_func);
        value fv;
        int rc = func ? eval_expr(t, func, st->scope, &fv) : -1;
        int offset = 0;
        if (rc == 0 && fv.kind == V_FUNC && ast_kind_of(kit, func) == AK_Attribute) {
            PyObject *base = ast_get(func, kit->s_value);
            value bv;
            rc = base ? eval_expr(t, base, st->scope, &bv) : -1;
            /* bound: self (or cls) takes the first parameter */
            int bound = bv.kind == V_CLASS ? fv.unit->is_classmethod
                        : bv.kind == V_INSTANCE || bv.kind == V_CLSOBJ || bv.kind == V_SUPER
                            ? !fv.unit->is_static
                            : 0;
            offset = rc == 0 && bound ? 1 : 0;
            Py_XDECREF(base);
        }
        Py_XDECREF(func);
        if (rc < 0) {
            return -1;
        }
        if (fv.kind == V_CLASS) {
            /* Worker(callback=slow): the arguments reach __init__ */
            PyObject *init = PyUnicode_InternFromString("__init__");
            unit *u = init ? class_lookup(t, fv.cls, init, 0) : NULL;
            Py_XDECREF(init);
            if (PyErr_Occurred()) {
                return -1;
            }
            if (u != NULL && mark_params(t, u, st->node, st->scope, 1) < 0) {
                return -1;
            }
        }
        if (fv.kind == V_FUNC && mark_params(t, fv.unit, st->node, st->scope, offset) < 0) {
            return -1;
        }
    }
    /* a colored def handed to a decorator of this module */
    for (int i = 0; i < t->nunits; i++) {
        unit *u = t->units[i];
        if (u->kind != U_FUNCTION || !u->colored) {
            continue;
        }
        PyObject *decorators = ast_get(u->node, kit->s_decorator_list);
        if (decorators == NULL) {
            return -1;
        }
        for (Py_ssize_t d = 0; d < PyList_Size(decorators); d++) {
            value dv;
            if (eval_expr(t, PyList_GetItem(decorators, d), u->def_scope, &dv) < 0) {
                Py_DECREF(decorators);
                return -1;
            }
            if (dv.kind == V_FUNC && dv.unit->nparams > 0 && !dv.unit->param_may[0]) {
                dv.unit->param_may[0] = 1;
                t->changed = 1;
            }
        }
        Py_DECREF(decorators);
    }
    /* bindings */
    for (int i = 0; i < t->nbindings; i++) {
        binding *b = t->bindings[i];
        if (b->may_colored) {
            continue;
        }
        for (int j = 0; j < b->nsrc && !b->may_colored; j++) {
            source *src = &b->src[j];
            int r = 0;
            switch (src->kind) {
            case SRC_DEF:
                r = src->unit->colored && !src->unit->native_async;
                break;
            case SRC_ASSIGN:
            case SRC_ITER:
                r = src->expr ? expr_may_be_colored(t, src->expr, src->scope) : 0;
                break;
            case SRC_PARAM:
                r = src->unit->param_may[src->index < 0 ? src->unit->nparams : src->index];
                break;
            default:
                break;
            }
            if (r < 0) {
                return -1;
            }
            if (r) {
                b->may_colored = 1;
                t->changed = 1;
            }
        }
    }
    /* attributes assigned colored callables: self.on_done = slow */
    for (Py_ssize_t i = 0; i < PyList_Size(t->attr_stores); i++) {
        PyObject *entry = PyList_GetItem(t->attr_stores, i);
        PyObject *attr = PyTuple_GetItem(entry, 0);
        int known = PySet_Contains(t->may_colored_attrs, attr);
        if (known < 0) {
            return -1;
        }
        if (known) {
            continue;
        }
        scope *s = t->scopes[PyLong_AsLong(PyTuple_GetItem(entry, 2))];
        int r = expr_may_be_colored(t, PyTuple_GetItem(entry, 1), s);
        if (r < 0 || (r && PySet_Add(t->may_colored_attrs, attr) < 0)) {
            return -1;
        }
        t->changed |= r;
    }
    return 0;
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
        return "calls";
    case E_MAYBE:
        return "a method that may be colored";
    case E_DYNAMIC:
        return "a callable that may be colored";
    case E_HOF:
        return "a colored callable given to";
    case E_CONSUME:
    case E_ASYNC_FOR:
        return "iterates a colored generator";
    case E_ASYNC_WITH:
        return "a context manager whose methods block";
    case E_PROPERTY:
        return "reads a property whose getter blocks";
    case E_IMPORT:
        return "imports a module that blocks";
    default:
        return "";
    }
}

static int
color_members(tx *t)
{
    for (int i = 0; i < t->nclasses; i++) {
        klass *k = t->classes[i];
        PyObject *name, *ui;
        Py_ssize_t pos = 0;
        while (PyDict_Next(k->methods, &pos, &name, &ui)) {
            unit *u = t->units[PyLong_AsLong(ui)];
            unit *colored_member = NULL;
            int r = family_colored(t, k, name, &colored_member);
            if (r < 0) {
                return -1;
            }
            if (!r) {
                continue;
            }
            if (!u->colored && !u->native_async) {
                if (color(t, u, colored_member->node, "overrides", colored_member, name) < 0) {
                    return -1;
                }
            }
            int known = PySet_Contains(t->colored_methods, name);
            if (known < 0 || (!known && PySet_Add(t->colored_methods, name) < 0)) {
                return -1;
            }
        }
    }
    return 0;
}

/* Units that read a property whose getter is colored. */
static int
color_property_readers(tx *t, PyObject *colored_properties)
{
    if (PySet_Size(colored_properties) == 0) {
        return 0;
    }
    for (int i = 0; i < t->nunits; i++) {
        unit *u = t->units[i];
        if (u->colored || PySet_Size(u->attr_loads) == 0) {
            continue;
        }
        PyObject *both = PyNumber_And(u->attr_loads, colored_properties);
        if (both == NULL) {
            return -1;
        }
        if (PySet_Size(both) > 0) {
            PyObject *it = PyObject_GetIter(both);
            PyObject *name = it ? PyIter_Next(it) : NULL;
            Py_XDECREF(it);
            int rc = color(t, u, NULL, effect_reason(E_PROPERTY), NULL, name);
            Py_XDECREF(name);
            if (rc < 0) {
                Py_DECREF(both);
                return -1;
            }
        }
        Py_DECREF(both);
    }
    return 0;
}

int
tx_color(tx *t)
{
    if (build_components(t) < 0) {
        return -1;
    }
    for (int i = 0; i < t->nunits; i++) {
        unit *u = t->units[i];
        if (unit_analyze_decorators(t, u) < 0) {
            return -1;
        }
        if (u->kind == U_MODULE && u->awaits && color(t, u, NULL, "awaits at top level", NULL, NULL) < 0) {
            return -1;
        }
    }
    PyObject *colored_properties = PySet_New(NULL);
    if (colored_properties == NULL) {
        return -1;
    }
    int rounds = 0;
    do {
        t->changed = 0;
        for (int i = 0; i < t->nsites; i++) {
            site *st = t->sites[i];
            unit *target = NULL;
            tx_at(t, st->scope->mod, st->node);
            effect e = classify_site(t, st, &target);
            if ((int)e < 0) {
                goto error;
            }
            if (st->effect != e) {
                /* a consumer may see its argument's new effect next round */
                t->changed = 1;
            }
            st->effect = e;
            st->target = target;
            if (needs_await(e) && !st->unit->colored) {
                PyObject *name = target && target->kind == U_FUNCTION ? ast_get(target->node, t->kit->s_name) : NULL;
                if (target && target->kind == U_FUNCTION && name == NULL) {
                    goto error;
                }
                int rc = color(t, st->unit, st->node, effect_reason(e), target, name);
                Py_XDECREF(name);
                if (rc < 0) {
                    goto error;
                }
            }
        }
        if (color_members(t) < 0) {
            goto error;
        }
        for (int i = 0; i < t->nunits; i++) {
            unit *u = t->units[i];
            if (u->is_property && u->colored) {
                PyObject *name = ast_get(u->node, t->kit->s_name);
                int known = name ? PySet_Contains(colored_properties, name) : -1;
                if (known < 0 || (!known && PySet_Add(colored_properties, name) < 0)) {
                    Py_XDECREF(name);
                    goto error;
                }
                t->changed |= !known;
                Py_DECREF(name);
            }
        }
        if (color_property_readers(t, colored_properties) < 0) {
            goto error;
        }
        int any = 0;
        for (int i = 0; i < t->nunits && !any; i++) {
            any = t->units[i]->colored;
        }
        if (any && update_may_colored(t) < 0) {
            goto error;
        }
    } while (t->changed && ++rounds < 1000);
    Py_XSETREF(t->colored_properties, colored_properties);
    return 0;
error:
    Py_DECREF(colored_properties);
    return -1;
}

/* A colored def that code pyrun does not rewrite may call: dunders (the
 * interpreter calls them), property accessors, defs behind a decorator
 * pyrun cannot see through. Their function object becomes a face that
 * refuses to be called where nobody can await (see runtime/aio/face.c). */
int
unit_needs_face(tx *t, unit *u)
{
    if (!u->colored || u->kind != U_FUNCTION) {
        return 0;
    }
    if (u->is_property || u->is_setter || u->decorated_unknown) {
        return 1;
    }
    PyObject *name = ast_get(u->node, t->kit->s_name);
    if (name == NULL) {
        PyErr_Clear();
        return 0;
    }
    int dunder = u->owner != NULL && is_implicit_dunder(name);
    Py_DECREF(name);
    return dunder;
}
