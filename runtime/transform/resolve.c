/* Name resolution and abstract values.
 *
 * A name's value is known only when every binding of it in its scope
 * agrees: `from time import sleep` alone makes `sleep` the primitive, a
 * later `sleep = ...`, a parameter or a def of the same name makes it
 * unknown, and pyrun then leaves calls through it alone. */
#include "model.h"

#include <string.h>

static const value UNKNOWN = {V_UNKNOWN};

binding *
resolve_name(tx *t, scope *s, PyObject *name)
{
    int first = 1;
    for (scope *cur = s; cur != NULL; cur = cur->parent, first = 0) {
        /* Class bodies are not visible from the functions inside them. */
        if (cur->kind == SC_CLASS && !first) {
            continue;
        }
        int declared = PySet_Contains(cur->globals, name);
        if (declared < 0) {
            return NULL;
        }
        if (declared) {
            while (cur->parent != NULL) {
                cur = cur->parent;
            }
            return tx_binding(t, cur, name);
        }
        binding *b = tx_binding(t, cur, name);
        if (b != NULL || PyErr_Occurred()) {
            return b;
        }
    }
    return NULL;
}

static int
value_eq(const value *a, const value *b)
{
    return a->kind == b->kind && a->prim == b->prim && a->unit == b->unit && a->cls == b->cls &&
           (a->module == b->module ||
            (a->module && b->module && PyUnicode_Compare(a->module, b->module) == 0));
}

static PyObject *
intern(tx *t, PyObject *s)
{
    return tx_intern(t, s);
}

static value
module_value(tx *t, PyObject *name)
{
    value v = {V_MODULE};
    v.module = intern(t, name);
    return v.module ? v : UNKNOWN;
}

static value
prim_value(prim p)
{
    value v = {V_PRIM, p};
    return p == P_NONE ? UNKNOWN : v;
}

static value unbound_value(tx *t, scope *s, PyObject *name, int depth);

/* `module.attr`: for a user module of the program, what its own binding of
 * attr is (or the submodule module.attr); for the stdlib, what pyrun
 * knows of it. */
static value
module_attr_depth(tx *t, PyObject *module, PyObject *attr, int depth)
{
    if (module == NULL || depth > 16) {
        return UNKNOWN;
    }
    module_info *m = tx_module(t, module);
    PyObject *sub = PyUnicode_FromFormat("%U.%U", module, attr);
    if (sub == NULL) {
        PyErr_Clear();
        return UNKNOWN;
    }
    if (m != NULL) {
        value v = UNKNOWN;
        binding *b = tx_binding(t, m->scope, attr);
        if (b != NULL) {
            if (binding_value(t, b, &v) < 0) {
                PyErr_Clear();
                v = UNKNOWN;
            }
        }
        else if (tx_module(t, sub) != NULL) {
            v = module_value(t, sub);
        }
        else {
            v = unbound_value(t, m->scope, attr, depth + 1);
        }
        Py_DECREF(sub);
        PyErr_Clear();
        return v;
    }
    PyErr_Clear();
    if (PySet_Contains(t->unfound, module) > 0) {
        Py_DECREF(sub);
        value unseen = {V_UNSEEN};
        return unseen;
    }
    PyErr_Clear();
    prim p = prim_of_attr(t->kit, module, attr);
    if (p != P_NONE) {
        Py_DECREF(sub);
        return prim_value(p);
    }
    PyErr_Clear();
    int known = PySet_Contains(t->kit->known_modules, sub) > 0 || tx_module(t, sub) != NULL;
    value v = known ? module_value(t, sub) : UNKNOWN;
    Py_DECREF(sub);
    PyErr_Clear();
    return v;
}

static value
module_attr(tx *t, PyObject *module, PyObject *attr)
{
    return module_attr_depth(t, module, attr, 0);
}

static scope *
module_scope(scope *s)
{
    while (s->parent != NULL) {
        s = s->parent;
    }
    return s;
}

/* A name bound nowhere: a builtin, or a name a `from m import *` of a
 * known module (stdlib or of the program) provides. */
static value
unbound_value(tx *t, scope *s, PyObject *name, int depth)
{
    PyObject *stars = module_scope(s)->star_modules;
    for (Py_ssize_t i = PyList_Size(stars) - 1; i >= 0; i--) {
        value v = module_attr_depth(t, PyList_GetItem(stars, i), name, depth + 1);
        if (v.kind != V_UNKNOWN) {
            return v;
        }
    }
    prim p = prim_of_builtin(t->kit, name);
    PyErr_Clear();
    return prim_value(p);
}

/* The class whose method's code runs in scope s (for super() and self). */
static unit *
enclosing_method(scope *s)
{
    for (; s != NULL; s = s->parent) {
        if (s->kind == SC_FUNCTION && s->unit != NULL && s->unit->kind == U_FUNCTION) {
            return s->unit->owner != NULL ? s->unit : NULL;
        }
    }
    return NULL;
}

/* Decorators are applied innermost first; each either keeps the def
 * (staticmethod, functools.wraps(...)), turns it into something pyrun
 * knows (property, a decorator defined in this module) or hides it. */
static int
def_value(tx *t, unit *u, value *out)
{
    ast_kit *kit = t->kit;
    PyObject *decorators = ast_get(u->node, kit->s_decorator_list);
    if (decorators == NULL) {
        return -1;
    }
    value v = {V_FUNC};
    v.unit = u;
    for (Py_ssize_t i = PyList_Size(decorators) - 1; i >= 0; i--) {
        PyObject *d = PyList_GetItem(decorators, i);
        value dv;
        if (eval_expr(t, d, u->def_scope, &dv) < 0) {
            Py_DECREF(decorators);
            return -1;
        }
        if (dv.kind == V_PRIM && dv.prim == P_STATICMETHOD) {
            u->is_static = 1;
        }
        else if (dv.kind == V_PRIM && dv.prim == P_CLASSMETHOD) {
            u->is_classmethod = 1;
        }
        else if (dv.kind == V_PRIM && dv.prim == P_PROPERTY) {
            u->is_property = 1;
            v = (value){V_PROPERTY};
            v.unit = u;
        }
        else if (dv.kind == V_PRIM && dv.prim == P_CONTEXTMANAGER) {
            u->is_contextmanager = 1;
        }
        else if (dv.kind == V_WRAPS) {
            /* functools.wraps(f) returns the wrapper itself */
        }
        else if (dv.kind == V_FUNC && dv.unit->kind == U_FUNCTION) {
            value r;
            if (unit_return_value(t, dv.unit, &r) < 0) {
                Py_DECREF(decorators);
                return -1;
            }
            v = r;
        }
        else if (ast_kind_of(kit, d) == AK_Attribute) {
            /* @x.setter / @x.deleter of a property defined above */
            PyObject *base = ast_get(d, kit->s_value);
            value bv = UNKNOWN;
            int rc = base ? eval_expr(t, base, u->def_scope, &bv) : -1;
            Py_XDECREF(base);
            if (rc < 0) {
                Py_DECREF(decorators);
                return -1;
            }
            if (bv.kind == V_PROPERTY) {
                u->is_setter = 1;
                v = bv;
            }
            else {
                u->decorated_unknown = 1;
                v = UNKNOWN;
            }
        }
        else {
            u->decorated_unknown = 1;
            v = UNKNOWN;
        }
    }
    Py_DECREF(decorators);
    u->decorators_done = 1;
    *out = v;
    return 0;
}

static int
param_value(tx *t, unit *u, int index, value *out)
{
    *out = UNKNOWN;
    if (index != 0 || u->owner == NULL || u->kind != U_FUNCTION) {
        return 0;
    }
    if (!u->decorators_done) {
        value ignored;
        if (def_value(t, u, &ignored) < 0) {
            return -1;
        }
    }
    if (u->is_static) {
        return 0;
    }
    out->kind = u->is_classmethod ? V_CLSOBJ : V_INSTANCE;
    out->cls = u->owner;
    return 0;
}

static int
source_value(tx *t, const source *src, value *out)
{
    *out = UNKNOWN;
    switch (src->kind) {
    case SRC_DEF:
        return def_value(t, src->unit, out);
    case SRC_CLASS:
        out->kind = V_CLASS;
        out->cls = src->cls;
        return 0;
    case SRC_IMPORT:
        *out = module_value(t, src->module);
        return 0;
    case SRC_FROM:
        *out = module_attr(t, src->module, src->attr);
        return 0;
    case SRC_ASSIGN:
        return eval_expr(t, src->expr, src->scope, out);
    case SRC_PARAM:
        return param_value(t, src->unit, src->index, out);
    default:
        return 0;
    }
}

int
binding_value(tx *t, binding *b, value *out)
{
    if (b->v_state == 2) {
        *out = b->v;
        return 0;
    }
    if (b->v_state == 1) {
        *out = UNKNOWN; /* x = f(x) and other cycles */
        return 0;
    }
    b->v_state = 1;
    value acc = UNKNOWN;
    for (int i = 0; i < b->nsrc; i++) {
        value v;
        if (source_value(t, &b->src[i], &v) < 0) {
            b->v_state = 0;
            return -1;
        }
        if (i == 0) {
            acc = v;
        }
        else if (!value_eq(&acc, &v)) {
            acc = UNKNOWN;
            break;
        }
    }
    b->v = acc;
    b->v_state = 2;
    *out = acc;
    return 0;
}

int
class_bases(tx *t, klass *k)
{
    if (k->bases_state) {
        return 0;
    }
    k->bases_state = 1;
    PyObject *bases = ast_get(k->node, t->kit->s_bases);
    if (bases == NULL) {
        return -1;
    }
    Py_ssize_t n = PyList_Size(bases);
    k->bases = PyMem_Calloc((size_t)n + 1, sizeof(klass *));
    if (k->bases == NULL) {
        Py_DECREF(bases);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        value v;
        if (eval_expr(t, PyList_GetItem(bases, i), k->def_scope, &v) < 0) {
            Py_DECREF(bases);
            return -1;
        }
        if (v.kind == V_CLASS) {
            k->bases[k->nbases++] = v.cls;
        }
        else {
            k->unknown_base = 1;
        }
    }
    Py_DECREF(bases);
    return 0;
}

static unit *
lookup_depth(tx *t, klass *k, PyObject *name, int skip_self, int depth)
{
    if (depth > 64) {
        return NULL;
    }
    if (!skip_self) {
        PyObject *i = PyDict_GetItemWithError(k->methods, name);
        if (i != NULL) {
            return t->units[PyLong_AsLong(i)];
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
    }
    if (class_bases(t, k) < 0) {
        return NULL;
    }
    for (int b = 0; b < k->nbases; b++) {
        unit *u = lookup_depth(t, k->bases[b], name, 0, depth + 1);
        if (u != NULL || PyErr_Occurred()) {
            return u;
        }
    }
    return NULL;
}

/* The def a class (or, with skip_self, its bases) provides for `name`,
 * depth-first along known bases. */
unit *
class_lookup(tx *t, klass *k, PyObject *name, int skip_self)
{
    return lookup_depth(t, k, name, skip_self, 0);
}

static int
attr_value(tx *t, const value *base, PyObject *attr, value *out)
{
    *out = UNKNOWN;
    switch (base->kind) {
    case V_MODULE:
        *out = module_attr(t, base->module, attr);
        return 0;
    case V_UNSEEN:
        *out = *base;
        return 0;
    case V_PRIM:
        if (base->prim == P_STDIN) {
            out->kind = V_STDIN_METHOD;
            out->module = intern(t, attr);
        }
        return 0;
    case V_CLASS:
    case V_INSTANCE:
    case V_CLSOBJ:
    case V_SUPER: {
        unit *u = class_lookup(t, base->cls, attr, base->kind == V_SUPER);
        if (u == NULL) {
            return PyErr_Occurred() ? -1 : 0;
        }
        value dv;
        if (def_value(t, u, &dv) < 0) {
            return -1;
        }
        if (dv.kind == V_PROPERTY) {
            *out = dv;
        }
        else {
            out->kind = V_FUNC;
            out->unit = u;
        }
        return 0;
    }
    default:
        return 0;
    }
}

static int
call_value(tx *t, PyObject *call, const value *f, scope *s, value *out)
{
    *out = UNKNOWN;
    switch (f->kind) {
    case V_PRIM:
        if (f->prim == P_GET_LOOP || f->prim == P_NEW_LOOP) {
            out->kind = V_LOOP;
        }
        else if (f->prim == P_WRAPS) {
            out->kind = V_WRAPS;
        }
        else if (f->prim == P_SUPER) {
            unit *m = enclosing_method(s);
            if (m != NULL) {
                out->kind = V_SUPER;
                out->cls = m->owner;
            }
        }
        return 0;
    case V_CLASS:
        out->kind = V_INSTANCE;
        out->cls = f->cls;
        return 0;
    case V_FUNC:
        return unit_return_value(t, f->unit, out);
    case V_UNSEEN:
        *out = *f; /* an object of a class from there: its methods too */
        return 0;
    default:
        (void)call;
        return 0;
    }
}

int
eval_expr(tx *t, PyObject *expr, scope *s, value *out)
{
    ast_kit *kit = t->kit;
    *out = UNKNOWN;
    if (expr == NULL || expr == Py_None) {
        return 0;
    }
    switch (ast_kind_of(kit, expr)) {
    case AK_Name: {
        PyObject *id = ast_get(expr, kit->s_id);
        if (id == NULL) {
            return -1;
        }
        binding *b = resolve_name(t, s, id);
        int rc = 0;
        if (b != NULL) {
            rc = binding_value(t, b, out);
        }
        else if (PyErr_Occurred()) {
            rc = -1;
        }
        else {
            *out = unbound_value(t, s, id, 0);
        }
        Py_DECREF(id);
        return rc;
    }
    case AK_Attribute: {
        PyObject *base = ast_get(expr, kit->s_value);
        PyObject *attr = base ? ast_get(expr, kit->s_attr) : NULL;
        value bv;
        int rc = attr == NULL ? -1 : eval_expr(t, base, s, &bv);
        if (rc == 0) {
            rc = attr_value(t, &bv, attr, out);
        }
        Py_XDECREF(base);
        Py_XDECREF(attr);
        return rc;
    }
    case AK_Call: {
        PyObject *func = ast_get(expr, kit->s_func);
        value fv;
        int rc = func == NULL ? -1 : eval_expr(t, func, s, &fv);
        if (rc == 0) {
            rc = call_value(t, expr, &fv, s, out);
        }
        Py_XDECREF(func);
        return rc;
    }
    case AK_Lambda: {
        unit *u = tx_unit_of(t, expr);
        if (u != NULL) {
            out->kind = V_FUNC;
            out->unit = u;
        }
        return PyErr_Occurred() ? -1 : 0;
    }
    default:
        return 0;
    }
}

/* What a def returns, when all its returns agree: lets decorators and
 * decorator factories defined in the module be followed. */
int
unit_return_value(tx *t, unit *u, value *out)
{
    if (u->ret_state == 2) {
        *out = u->ret;
        return 0;
    }
    *out = UNKNOWN;
    if (u->ret_state == 1 || u->generator) {
        return 0;
    }
    u->ret_state = 1;
    value acc = UNKNOWN;
    Py_ssize_t n = PyList_Size(u->returns);
    for (Py_ssize_t i = 0; i < n; i++) {
        value v;
        if (eval_expr(t, PyList_GetItem(u->returns, i), u->scope, &v) < 0) {
            u->ret_state = 0;
            return -1;
        }
        if (i == 0) {
            acc = v;
        }
        else if (!value_eq(&acc, &v)) {
            acc = UNKNOWN;
            break;
        }
    }
    u->ret = acc;
    u->ret_state = 2;
    *out = acc;
    return 0;
}

int
value_is_colored_callable(tx *t, const value *v)
{
    (void)t;
    return v->kind == V_FUNC && v->unit->colored && !v->unit->native_async;
}

int
unit_analyze_decorators(tx *t, unit *u)
{
    if (u->kind != U_FUNCTION || u->decorators_done) {
        return 0;
    }
    value ignored;
    return def_value(t, u, &ignored);
}
