/* Pass 1: one walk over a module that records its scopes with their name
 * bindings, its units and classes, and the modules it imports. Every
 * binding, parameter, return and yield gets a variable; what flows into
 * them is flows.c's to say. */
#include "model.h"

#include <string.h>

typedef struct {
    scope *scope;
    unit *unit;
    klass *cls_body; /* set while directly in a class body */
} ctx;

typedef struct {
    tx *t;
    module_info *mod;
} walker;

static int walk(walker *w, PyObject *node, ctx *c);

static int
push(void ***arr, int *n, int *cap, void *item)
{
    if (*n == *cap) {
        int ncap = *cap ? *cap * 2 : 16;
        void **grown = PyMem_Realloc(*arr, (size_t)ncap * sizeof(void *));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *arr = grown;
        *cap = ncap;
    }
    (*arr)[(*n)++] = item;
    return 0;
}

#define PUSH(t, field, item) push((void ***)&(t)->field, &(t)->n##field, &(t)->cap##field, (item))

static void *
zalloc(size_t size)
{
    void *p = PyMem_Calloc(1, size);
    if (p == NULL) {
        PyErr_NoMemory();
    }
    return p;
}

static int
index_node(PyObject *dict, PyObject *node, int index)
{
    PyObject *i = PyLong_FromLong(index);
    if (i == NULL) {
        return -1;
    }
    int rc = PyDict_SetItem(dict, node, i);
    Py_DECREF(i);
    return rc;
}

int
tx_keep(tx *t, PyObject *obj)
{
    return obj == NULL || obj == Py_None ? 0 : PyList_Append(t->keep, obj);
}

int
tx_new_var(tx *t)
{
    if (t->nvars == t->capvars) {
        int ncap = t->capvars ? t->capvars * 2 : 256;
        var *grown = PyMem_Realloc(t->vars, (size_t)ncap * sizeof(var));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->vars = grown;
        t->capvars = ncap;
    }
    memset(&t->vars[t->nvars], 0, sizeof(var));
    return t->nvars++;
}

static int
new_obj(tx *t, const aobj *init)
{
    if (t->nobjs == t->capobjs) {
        int ncap = t->capobjs ? t->capobjs * 2 : 128;
        aobj *grown = PyMem_Realloc(t->objs, (size_t)ncap * sizeof(aobj));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->objs = grown;
        /* color.c's walks push each object at most once */
        int *stack = PyMem_Realloc(t->walk_stack, (size_t)ncap * sizeof(int));
        if (stack == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->walk_stack = stack;
        t->capobjs = ncap;
    }
    t->objs[t->nobjs] = *init;
    t->objs[t->nobjs].seen = 0;
    return t->nobjs++;
}

/* The object for (kind, key), made on first use from `init`, with
 * `fresh_vars` (0 to 2) new variables as its .inner and .inner2. */
int
tx_obj_with_vars(tx *t, obj_kind kind, PyObject *key, const aobj *init, int fresh_vars)
{
    PyObject *kind_id = PyLong_FromLong((long)kind); /* a small int: cached */
    PyObject *k = kind_id ? PyTuple_Pack(2, kind_id, key) : NULL;
    Py_XDECREF(kind_id);
    if (k == NULL) {
        return -1;
    }
    PyObject *have = PyDict_GetItemWithError(t->obj_of_key, k);
    if (have != NULL || PyErr_Occurred()) {
        Py_DECREF(k);
        return have ? (int)PyLong_AsLong(have) : -1;
    }
    aobj made = *init;
    if ((fresh_vars > 0 && (made.inner = tx_new_var(t)) < 0) ||
        (fresh_vars > 1 && (made.inner2 = tx_new_var(t)) < 0)) {
        Py_DECREF(k);
        return -1;
    }
    int id = new_obj(t, &made);
    if (id < 0 || index_node(t->obj_of_key, k, id) < 0) {
        Py_DECREF(k);
        return -1;
    }
    Py_DECREF(k);
    return id;
}

int
tx_obj(tx *t, obj_kind kind, PyObject *key, const aobj *init)
{
    return tx_obj_with_vars(t, kind, key, init, 0);
}

int
tx_module_obj(tx *t, PyObject *dotted)
{
    PyObject *name = tx_intern(t, dotted);
    if (name == NULL) {
        return -1;
    }
    aobj init = {.kind = O_MODULE, .name = name, .m = tx_module(t, name), .inner = -1, .inner2 = -1, .ref = -1};
    if (PyErr_Occurred()) {
        return -1;
    }
    return tx_obj(t, O_MODULE, name, &init);
}

int
tx_prim_obj(tx *t, prim p)
{
    PyObject *key = PyLong_FromLong(p);
    if (key == NULL) {
        return -1;
    }
    aobj init = {.kind = O_PRIM, .p = p, .inner = -1, .inner2 = -1, .ref = -1};
    int id = tx_obj(t, O_PRIM, key, &init);
    Py_DECREF(key);
    return id;
}

int
tx_add_constraint(tx *t, const constraint *c)
{
    if (t->ncons == t->capcons) {
        int ncap = t->capcons ? t->capcons * 2 : 1024;
        constraint *grown = PyMem_Realloc(t->cons, (size_t)ncap * sizeof(constraint));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->cons = grown;
        t->capcons = ncap;
    }
    t->cons[t->ncons] = *c;
    t->cons[t->ncons++].applied = 0;
    return 0;
}

static scope *
new_scope(tx *t, scope_kind kind, PyObject *node, scope *parent, unit *u)
{
    scope *s = zalloc(sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    s->kind = kind;
    s->index = t->nscopes;
    s->mod = parent ? parent->mod : NULL;
    s->node = node;
    s->parent = parent;
    s->unit = u;
    s->names = PyDict_New();
    s->globals = PySet_New(NULL);
    s->nonlocals = PySet_New(NULL);
    s->star_modules = PyList_New(0);
    if (s->names == NULL || s->globals == NULL || s->nonlocals == NULL || s->star_modules == NULL ||
        PUSH(t, scopes, s) < 0) {
        if (t->nscopes == 0 || t->scopes[t->nscopes - 1] != s) {
            Py_XDECREF(s->names);
            Py_XDECREF(s->globals);
            Py_XDECREF(s->nonlocals);
            Py_XDECREF(s->star_modules);
            PyMem_Free(s);
        }
        return NULL;
    }
    return index_node(t->scope_of_node, node, t->nscopes - 1) < 0 ? NULL : s;
}

static unit *
new_unit(tx *t, unit_kind kind, PyObject *node, scope *def_scope, unit *parent)
{
    unit *u = zalloc(sizeof *u);
    if (u == NULL) {
        return NULL;
    }
    u->kind = kind;
    u->node = node;
    u->def_scope = def_scope;
    u->parent = parent;
    u->index = t->nunits;
    u->vararg = u->kwarg = -1;
    if (PUSH(t, units, u) < 0) {
        PyMem_Free(u);
        return NULL;
    }
    u->param_names = PyList_New(0);
    u->ret = tx_new_var(t);
    u->yields = u->ret < 0 ? -1 : tx_new_var(t);
    if (u->param_names == NULL || u->yields < 0 || index_node(t->unit_of_node, node, u->index) < 0) {
        return NULL;
    }
    PyObject *key = PyLong_FromLong(u->index);
    if (key == NULL) {
        return NULL;
    }
    aobj fn = {.kind = O_FUNC, .u = u, .inner = -1, .inner2 = -1, .ref = -1};
    u->obj = tx_obj(t, O_FUNC, key, &fn);
    fn.kind = O_BOUND;
    u->bound_obj = u->obj < 0 ? -1 : tx_obj(t, O_BOUND, key, &fn);
    fn.kind = O_GENERATOR;
    u->gen_obj = u->bound_obj < 0 ? -1 : tx_obj(t, O_GENERATOR, key, &fn);
    Py_DECREF(key);
    return u->gen_obj < 0 ? NULL : u;
}

binding *
tx_binding(tx *t, scope *s, PyObject *name)
{
    PyObject *i = PyDict_GetItemWithError(s->names, name);
    return i == NULL ? NULL : t->bindings[PyLong_AsLong(i)];
}

binding *
tx_bind(tx *t, scope *s, PyObject *name)
{
    binding *b = tx_binding(t, s, name);
    if (b != NULL || PyErr_Occurred()) {
        return b;
    }
    b = zalloc(sizeof *b);
    if (b == NULL) {
        return NULL;
    }
    b->name = name;
    b->scope = s;
    if (PUSH(t, bindings, b) < 0) {
        PyMem_Free(b);
        return NULL;
    }
    b->var = tx_new_var(t);
    if (b->var < 0 || index_node(s->names, name, t->nbindings - 1) < 0) {
        return NULL;
    }
    return b;
}

static scope *
module_scope(scope *s)
{
    while (s->parent != NULL) {
        s = s->parent;
    }
    return s;
}

/* The scope a name assigned in `s` lives in: global and nonlocal
 * declarations move it out (a nonlocal name is bound in the enclosing
 * function that has it; flows.c resolves it through tx_resolve). */
static scope *
binding_scope(scope *s, PyObject *name, int *rc)
{
    *rc = PySet_Contains(s->globals, name);
    if (*rc > 0) {
        return module_scope(s);
    }
    if (*rc == 0) {
        *rc = PySet_Contains(s->nonlocals, name);
        if (*rc > 0) {
            return NULL;
        }
    }
    return s;
}

/* Binds `name` as assigned in scope `s`. */
static int
bind(walker *w, scope *s, PyObject *name, int elsewhere)
{
    int rc;
    scope *home = binding_scope(s, name, &rc);
    if (rc < 0) {
        return -1;
    }
    if (home == NULL) {
        return 0; /* nonlocal: the enclosing function's binding */
    }
    binding *b = tx_bind(w->t, home, name);
    if (b == NULL) {
        return -1;
    }
    b->bound_elsewhere |= elsewhere;
    return 0;
}

/* The scope a walrus binds in: the nearest that is not a comprehension. */
static scope *
walrus_scope(scope *s)
{
    while (s->kind == SC_COMPREHENSION && s->parent != NULL) {
        s = s->parent;
    }
    return s;
}

static int
walk_list(walker *w, PyObject *list, ctx *c)
{
    if (list == NULL || !PyList_Check(list)) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < PyList_Size(list); i++) {
        if (walk(w, PyList_GetItem(list, i), c) < 0) {
            return -1;
        }
    }
    return 0;
}

static int
walk_field(walker *w, PyObject *node, PyObject *field, ctx *c)
{
    PyObject *v = ast_get(node, field);
    if (v == NULL) {
        return -1;
    }
    int rc = PyList_Check(v) ? walk_list(w, v, c) : walk(w, v, c);
    Py_DECREF(v);
    return rc;
}

/* Every child of a node whose kind needs no special handling. */
static int
walk_children(walker *w, PyObject *node, ctx *c)
{
    PyObject *fields = PyObject_GetAttr((PyObject *)Py_TYPE(node), w->t->kit->s__fields);
    if (fields == NULL) {
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyTuple_Size(fields); i++) {
        rc = walk_field(w, node, PyTuple_GetItem(fields, i), c);
    }
    Py_DECREF(fields);
    return rc;
}

/* Names an assignment target binds (in `s`, or the walrus's scope). */
static int
bind_target(walker *w, PyObject *target, scope *s, int elsewhere)
{
    ast_kit *kit = w->t->kit;
    switch (ast_kind_of(kit, target)) {
    case AK_Name: {
        PyObject *id = ast_get(target, kit->s_id);
        int rc = id ? bind(w, s, id, elsewhere) : -1;
        Py_XDECREF(id);
        return rc;
    }
    case AK_Tuple:
    case AK_List: {
        PyObject *elts = ast_get(target, kit->s_elts);
        int rc = elts == NULL ? -1 : 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(elts); i++) {
            rc = bind_target(w, PyList_GetItem(elts, i), s, elsewhere);
        }
        Py_XDECREF(elts);
        return rc;
    }
    case AK_Starred: {
        PyObject *v = ast_get(target, kit->s_value);
        int rc = v ? bind_target(w, v, s, elsewhere) : -1;
        Py_XDECREF(v);
        return rc;
    }
    default:
        return 0; /* attributes and subscripts bind no name */
    }
}

static int
bind_params(walker *w, unit *u, PyObject *arguments)
{
    tx *t = w->t;
    ast_kit *kit = t->kit;
    PyObject *lists[3] = {kit->s_posonlyargs, kit->s_args, kit->s_kwonlyargs};
    for (int l = 0; l < 3; l++) {
        PyObject *args = ast_get(arguments, lists[l]);
        if (args == NULL) {
            return -1;
        }
        for (Py_ssize_t i = 0; PyList_Check(args) && i < PyList_Size(args); i++) {
            PyObject *name = ast_get(PyList_GetItem(args, i), kit->s_arg);
            int rc = name ? PyList_Append(u->param_names, name) : -1;
            if (rc == 0) {
                rc = bind(w, u->scope, name, 0);
            }
            Py_XDECREF(name);
            if (rc < 0) {
                Py_DECREF(args);
                return -1;
            }
        }
        if (l == 0) {
            u->nposonly = (int)PyList_Size(u->param_names);
        }
        if (l == 1) {
            u->nposargs = (int)PyList_Size(u->param_names);
        }
        Py_DECREF(args);
    }
    u->nparams = (int)PyList_Size(u->param_names);
    u->params = PyMem_Calloc((size_t)u->nparams + 1, sizeof(int));
    if (u->params == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (int i = 0; i < u->nparams; i++) {
        binding *b = tx_binding(t, u->scope, PyList_GetItem(u->param_names, i));
        if (b == NULL) {
            return -1;
        }
        u->params[i] = b->var;
    }
    PyObject *stars[2] = {kit->s_vararg, kit->s_kwarg};
    for (int i = 0; i < 2; i++) {
        PyObject *a = ast_get(arguments, stars[i]);
        if (a == NULL) {
            return -1;
        }
        if (a != Py_None) {
            PyObject *name = ast_get(a, kit->s_arg);
            int rc = name ? bind(w, u->scope, name, 0) : -1;
            binding *b = rc == 0 ? tx_binding(t, u->scope, name) : NULL;
            Py_XDECREF(name);
            if (b == NULL) {
                Py_DECREF(a);
                return -1;
            }
            *(i == 0 ? &u->vararg : &u->kwarg) = b->var;
        }
        Py_DECREF(a);
    }
    return 0;
}

/* Defaults and annotations of a def or lambda run in the enclosing scope. */
static int
walk_signature(walker *w, PyObject *arguments, ctx *c)
{
    ast_kit *kit = w->t->kit;
    if (walk_field(w, arguments, kit->s_defaults, c) < 0 || walk_field(w, arguments, kit->s_kw_defaults, c) < 0) {
        return -1;
    }
    PyObject *lists[3] = {kit->s_posonlyargs, kit->s_args, kit->s_kwonlyargs};
    for (int l = 0; l < 3; l++) {
        PyObject *args = ast_get(arguments, lists[l]);
        if (args == NULL) {
            return -1;
        }
        for (Py_ssize_t i = 0; PyList_Check(args) && i < PyList_Size(args); i++) {
            if (walk_field(w, PyList_GetItem(args, i), kit->s_annotation, c) < 0) {
                Py_DECREF(args);
                return -1;
            }
        }
        Py_DECREF(args);
    }
    PyObject *stars[2] = {kit->s_vararg, kit->s_kwarg};
    for (int i = 0; i < 2; i++) {
        PyObject *a = ast_get(arguments, stars[i]);
        int rc = a == NULL ? -1 : (a == Py_None ? 0 : walk_field(w, a, kit->s_annotation, c));
        Py_XDECREF(a);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

static int
walk_function(walker *w, PyObject *node, ctx *c, int is_async, unit_kind kind)
{
    tx *t = w->t;
    ast_kit *kit = t->kit;
    PyObject *arguments = ast_get(node, kit->s_args);
    PyObject *name = arguments == NULL ? NULL
                     : kind == U_LAMBDA ? PyUnicode_InternFromString("<lambda>")
                                        : ast_get(node, kit->s_name);
    if (name == NULL) {
        Py_XDECREF(arguments);
        return -1;
    }
    int rc = -1;
    if ((kind == U_FUNCTION && walk_field(w, node, kit->s_decorator_list, c) < 0) ||
        walk_signature(w, arguments, c) < 0 || (kind == U_FUNCTION && walk_field(w, node, kit->s_returns, c) < 0)) {
        goto done;
    }
    unit *u = new_unit(t, kind, node, c->scope, c->unit);
    if (u == NULL) {
        goto done;
    }
    u->name = Py_NewRef(name);
    u->native_async = is_async;
    u->owner = kind == U_FUNCTION ? c->cls_body : NULL;
    u->scope = new_scope(t, SC_FUNCTION, node, c->scope, u);
    if (u->scope == NULL || (kind == U_FUNCTION && bind(w, c->scope, name, 0) < 0) ||
        bind_params(w, u, arguments) < 0) {
        goto done;
    }
    ctx inner = {.scope = u->scope, .unit = u};
    rc = walk_field(w, node, kit->s_body, &inner);
done:
    Py_DECREF(arguments);
    Py_DECREF(name);
    return rc;
}

static int
walk_class(walker *w, PyObject *node, ctx *c)
{
    tx *t = w->t;
    ast_kit *kit = t->kit;
    if (walk_field(w, node, kit->s_decorator_list, c) < 0 || walk_field(w, node, kit->s_bases, c) < 0 ||
        walk_field(w, node, kit->s_keywords, c) < 0) {
        return -1;
    }
    klass *k = zalloc(sizeof *k);
    if (k == NULL) {
        return -1;
    }
    k->index = t->nclasses;
    if (PUSH(t, classes, k) < 0) {
        PyMem_Free(k);
        return -1;
    }
    k->node = node;
    k->mod = w->mod;
    k->name = ast_get(node, kit->s_name);
    k->attrs = PyDict_New();
    k->iattrs = PyDict_New();
    k->bases_var = tx_new_var(t);
    if (k->name == NULL || k->attrs == NULL || k->iattrs == NULL || k->bases_var < 0) {
        return -1;
    }
    k->def_scope = c->scope;
    k->body = new_unit(t, U_CLASS_BODY, node, c->scope, c->unit);
    if (k->body == NULL) {
        return -1;
    }
    k->body->name = Py_NewRef(k->name);
    k->scope = new_scope(t, SC_CLASS, node, c->scope, k->body);
    if (k->scope == NULL) {
        return -1;
    }
    k->scope->cls = k;
    k->body->scope = k->scope;
    PyObject *key = PyLong_FromLong(k->index);
    if (key == NULL) {
        return -1;
    }
    aobj init = {.kind = O_CLASS, .k = k, .inner = -1, .inner2 = -1, .ref = -1};
    k->obj = tx_obj(t, O_CLASS, key, &init);
    init.kind = O_INSTANCE;
    k->inst_obj = k->obj < 0 ? -1 : tx_obj(t, O_INSTANCE, key, &init);
    Py_DECREF(key);
    if (k->inst_obj < 0 || bind(w, c->scope, k->name, 0) < 0) {
        return -1;
    }
    ctx inner = {.scope = k->scope, .unit = k->body, .cls_body = k};
    return walk_field(w, node, kit->s_body, &inner);
}

static int
walk_comprehension(walker *w, PyObject *node, ctx *c, ast_kind kind)
{
    tx *t = w->t;
    ast_kit *kit = t->kit;
    PyObject *gens = ast_get(node, kit->s_generators);
    if (gens == NULL) {
        return -1;
    }
    int rc = -1;
    scope *s = new_scope(t, SC_COMPREHENSION, node, c->scope, c->unit);
    if (s == NULL) {
        goto done;
    }
    ctx inner = {.scope = s, .unit = c->unit};
    for (Py_ssize_t i = 0; i < PyList_Size(gens); i++) {
        PyObject *gen = PyList_GetItem(gens, i);
        PyObject *iter = ast_get(gen, kit->s_iter);
        PyObject *target = iter ? ast_get(gen, kit->s_target) : NULL;
        /* The first iterable is evaluated where the comprehension is. */
        int r = target == NULL ? -1 : walk(w, iter, i == 0 ? c : &inner);
        if (r == 0) {
            r = bind_target(w, target, s, 0);
        }
        if (r == 0) {
            r = walk_field(w, gen, kit->s_ifs, &inner);
        }
        Py_XDECREF(iter);
        Py_XDECREF(target);
        if (r < 0) {
            goto done;
        }
    }
    if (kind == AK_DictComp) {
        rc = walk_field(w, node, kit->s_key, &inner) == 0 && walk_field(w, node, kit->s_value, &inner) == 0 ? 0 : -1;
    }
    else {
        rc = walk_field(w, node, kit->s_elt, &inner);
    }
done:
    Py_DECREF(gens);
    return rc;
}

static int
walk_names_decl(walker *w, PyObject *node, PyObject *set)
{
    PyObject *names = ast_get(node, w->t->kit->s_names);
    if (names == NULL) {
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(names); i++) {
        rc = PySet_Add(set, PyList_GetItem(names, i));
    }
    Py_DECREF(names);
    return rc;
}

PyObject *
tx_absolute_module(tx *t, module_info *m, PyObject *name, long level)
{
    (void)t;
    if (level <= 0) {
        return Py_NewRef(name);
    }
    PyObject *package = m->package;
    if (package == NULL || package == Py_None || !PyUnicode_Check(package) || PyUnicode_GetLength(package) == 0) {
        Py_RETURN_NONE; /* an ImportError at run time, as CPython */
    }
    PyObject *base = Py_NewRef(package);
    for (long i = 1; i < level; i++) {
        Py_ssize_t dot = PyUnicode_FindChar(base, '.', 0, PyUnicode_GetLength(base), -1);
        if (dot < 0) {
            Py_DECREF(base);
            Py_RETURN_NONE;
        }
        Py_SETREF(base, PyUnicode_Substring(base, 0, dot));
        if (base == NULL) {
            return NULL;
        }
    }
    if (name == NULL || name == Py_None) {
        return base;
    }
    PyObject *full = PyUnicode_FromFormat("%U.%U", base, name);
    Py_DECREF(base);
    return full;
}

/* A module the program may import, and its parent packages. */
int
tx_note_import(tx *t, module_info *m, PyObject *absolute, PyObject *site_names, PyObject *required)
{
    Py_ssize_t n = PyUnicode_GetLength(absolute);
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i < n && PyUnicode_ReadChar(absolute, i) != '.') {
            continue;
        }
        PyObject *prefix = PyUnicode_Substring(absolute, 0, i);
        PyObject *interned = prefix ? tx_intern(t, prefix) : NULL;
        Py_XDECREF(prefix);
        if (interned == NULL || PyList_Append(m->imports, interned) < 0 ||
            (site_names && PyList_Append(site_names, interned) < 0) ||
            (required && PyList_Append(required, interned) < 0)) {
            return -1;
        }
    }
    return 0;
}

/* The name `import name [as asname]` binds: `import a.b` binds `a`, the
 * top-level package; `import a.b as z` binds z. A new reference. */
PyObject *
tx_import_binding(PyObject *name, PyObject *asname)
{
    if (asname != Py_None) {
        return Py_NewRef(asname);
    }
    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), 1);
    return dot >= 0 ? PyUnicode_Substring(name, 0, dot) : Py_NewRef(name);
}

static int
walk_import(walker *w, PyObject *node, ctx *c, int is_from)
{
    tx *t = w->t;
    ast_kit *kit = t->kit;
    PyObject *names = ast_get(node, kit->s_names);
    PyObject *module = names && is_from ? ast_get(node, kit->s_module) : NULL;
    if (names == NULL || (is_from && module == NULL)) {
        Py_XDECREF(names);
        return -1;
    }
    long level = is_from ? ast_get_int(node, kit->s_level) : 0;
    PyObject *from_abs = is_from ? tx_absolute_module(t, w->mod, module, level) : NULL;
    int rc = is_from && from_abs == NULL ? -1 : 0;
    if (rc == 0 && from_abs != NULL && from_abs != Py_None) {
        rc = tx_note_import(t, w->mod, from_abs, NULL, NULL);
    }
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(names); i++) {
        PyObject *alias = PyList_GetItem(names, i);
        PyObject *name = ast_get(alias, kit->s_name);
        PyObject *asname = name ? ast_get(alias, kit->s_asname) : NULL;
        if (asname == NULL) {
            Py_XDECREF(name);
            rc = -1;
            break;
        }
        PyObject *bound = NULL;
        if (!is_from) {
            rc = tx_note_import(t, w->mod, name, NULL, NULL);
            bound = tx_import_binding(name, asname);
        }
        else if (PyUnicode_CompareWithASCIIString(name, "*") == 0) {
            if (from_abs != Py_None) {
                rc = PyList_Append(module_scope(c->scope)->star_modules, tx_intern(t, from_abs));
            }
        }
        else {
            bound = Py_NewRef(asname != Py_None ? asname : name);
            if (from_abs != Py_None) {
                /* `from pkg import sub` may import the submodule pkg.sub */
                PyObject *sub = PyUnicode_FromFormat("%U.%U", from_abs, name);
                rc = sub ? tx_note_import(t, w->mod, sub, NULL, NULL) : -1;
                Py_XDECREF(sub);
            }
        }
        if (rc == 0 && bound != NULL) {
            PyObject *interned = tx_intern(t, bound);
            rc = interned ? bind(w, c->scope, interned, 0) : -1;
        }
        Py_XDECREF(bound);
        Py_DECREF(name);
        Py_DECREF(asname);
    }
    Py_DECREF(names);
    Py_XDECREF(module);
    Py_XDECREF(from_abs);
    return rc;
}

/* importlib.import_module("name") and __import__("name") with a constant
 * name: a module the program may import. */
static int
note_constant_import(walker *w, PyObject *call)
{
    ast_kit *kit = w->t->kit;
    PyObject *func = ast_get(call, kit->s_func);
    PyObject *args = func ? ast_get(call, kit->s_args) : NULL;
    if (args == NULL) {
        Py_XDECREF(func);
        return -1;
    }
    PyObject *fname = NULL;
    ast_kind fk = ast_kind_of(kit, func);
    if (fk == AK_Name) {
        fname = ast_get(func, kit->s_id);
    }
    else if (fk == AK_Attribute) {
        fname = ast_get(func, kit->s_attr);
    }
    int rc = 0;
    if (fname != NULL && PyUnicode_Check(fname) &&
        (PyUnicode_CompareWithASCIIString(fname, "import_module") == 0 ||
         PyUnicode_CompareWithASCIIString(fname, "__import__") == 0) &&
        PyList_Size(args) >= 1 && ast_kind_of(kit, PyList_GetItem(args, 0)) == AK_Constant) {
        PyObject *name = ast_get(PyList_GetItem(args, 0), kit->s_value);
        if (name != NULL && PyUnicode_Check(name) && PyUnicode_GetLength(name) > 0 &&
            PyUnicode_ReadChar(name, 0) != '.') {
            rc = tx_note_import(w->t, w->mod, name, NULL, NULL);
        }
        Py_XDECREF(name);
    }
    if (PyErr_Occurred()) {
        rc = -1;
    }
    Py_XDECREF(fname);
    Py_DECREF(func);
    Py_DECREF(args);
    return rc;
}

/* Names bound by except handlers, match patterns and the like. */
static int
bind_name_field(walker *w, PyObject *node, PyObject *field, ctx *c)
{
    PyObject *name = ast_get(node, field);
    if (name == NULL) {
        return -1;
    }
    int rc = PyUnicode_Check(name) ? bind(w, c->scope, name, 1) : 0;
    Py_DECREF(name);
    return rc;
}

static int
starts_upper(PyObject *id)
{
    Py_UCS4 c = PyUnicode_GetLength(id) > 0 ? PyUnicode_ReadChar(id, 0) : 0;
    return c >= 'A' && c <= 'Z';
}

static int
is_stop_iteration_raise(ast_kit *kit, PyObject *node)
{
    PyObject *exc = ast_get(node, kit->s_exc);
    if (exc == NULL) {
        PyErr_Clear();
        return 0;
    }
    if (exc == Py_None) {
        /* a bare raise may raise again a StopIteration its handler caught */
        Py_DECREF(exc);
        return 1;
    }
    PyObject *target = exc;
    if (ast_kind_of(kit, exc) == AK_Call) {
        target = ast_get(exc, kit->s_func);
        Py_DECREF(exc);
        if (target == NULL) {
            PyErr_Clear();
            return 0;
        }
    }
    int hit = 0;
    if (ast_kind_of(kit, target) == AK_Name) {
        /* StopIteration itself, or a name that may hold one caught before
         * (`except StopIteration as e: ... raise e`); a class named as
         * classes are (ValueError, MyError) is taken at its word */
        PyObject *id = ast_get(target, kit->s_id);
        hit = id && (PyUnicode_CompareWithASCIIString(id, "StopIteration") == 0 ||
                     (target == exc && !starts_upper(id)));
        Py_XDECREF(id);
    }
    Py_DECREF(target);
    PyErr_Clear();
    return hit;
}

static int
walk(walker *w, PyObject *node, ctx *c)
{
    tx *t = w->t;
    ast_kit *kit = t->kit;
    if (node == NULL || node == Py_None) {
        return 0;
    }
    ast_kind kind = ast_kind_of(kit, node);
    if (kind == AK_OTHER && !ast_is_node(kit, node)) {
        return 0; /* a str, int or None field value, not a node */
    }
    if (kind >= AK_FunctionDef && kind <= AK_Continue) {
        tx_at(t, w->mod, node);
    }
    switch (kind) {
    case AK_Name: {
        PyObject *ctxv = ast_get(node, kit->s_ctx);
        int rc = ctxv == NULL ? -1 : 0;
        if (rc == 0 && ast_kind_of(kit, ctxv) != AK_Load) {
            PyObject *id = ast_get(node, kit->s_id);
            rc = id ? bind(w, c->scope, id, ast_kind_of(kit, ctxv) == AK_Del) : -1;
            Py_XDECREF(id);
        }
        Py_XDECREF(ctxv);
        return rc;
    }
    case AK_Constant:
    case AK_Pass:
    case AK_Break:
    case AK_Continue:
    case AK_Load:
    case AK_Store:
    case AK_Del:
        return 0;
    case AK_FunctionDef:
        return walk_function(w, node, c, 0, U_FUNCTION);
    case AK_AsyncFunctionDef:
        return walk_function(w, node, c, 1, U_FUNCTION);
    case AK_Lambda:
        return walk_function(w, node, c, 0, U_LAMBDA);
    case AK_ClassDef:
        return walk_class(w, node, c);
    case AK_ListComp:
    case AK_SetComp:
    case AK_DictComp:
    case AK_GeneratorExp:
        return walk_comprehension(w, node, c, kind);
    case AK_Global:
        return walk_names_decl(w, node, c->scope->globals);
    case AK_Nonlocal:
        return walk_names_decl(w, node, c->scope->nonlocals);
    case AK_Import:
        return walk_import(w, node, c, 0);
    case AK_ImportFrom:
        return walk_import(w, node, c, 1);
    case AK_Return: {
        PyObject *value = ast_get(node, kit->s_value);
        if (value == NULL) {
            return -1;
        }
        if (value != Py_None) {
            c->unit->returns_value = 1;
        }
        int rc = walk(w, value, c);
        Py_DECREF(value);
        return rc;
    }
    case AK_Yield:
    case AK_YieldFrom:
        if (c->scope->kind == SC_FUNCTION || c->scope->kind == SC_MODULE) {
            c->unit->generator = 1;
        }
        return walk_children(w, node, c);
    case AK_Raise:
        if (is_stop_iteration_raise(kit, node)) {
            c->unit->may_stop = 1;
        }
        return walk_children(w, node, c);
    case AK_Call:
        if (note_constant_import(w, node) < 0) {
            return -1;
        }
        return walk_children(w, node, c);
    case AK_Await:
        if (c->unit->kind == U_MODULE) {
            c->unit->awaits = 1; /* top-level await: the module body is async */
        }
        return walk_children(w, node, c);
    case AK_NamedExpr: {
        PyObject *value = ast_get(node, kit->s_value);
        PyObject *target = value ? ast_get(node, kit->s_target) : NULL;
        int rc = target == NULL ? -1 : walk(w, value, c);
        if (rc == 0) {
            rc = bind_target(w, target, walrus_scope(c->scope), 0);
        }
        Py_XDECREF(value);
        Py_XDECREF(target);
        return rc;
    }
    case AK_AsyncFor:
    case AK_AsyncWith:
        if (c->unit->kind == U_MODULE) {
            c->unit->awaits = 1;
        }
        return walk_children(w, node, c);
    case AK_ExceptHandler:
    case AK_MatchAs:
    case AK_MatchStar:
        if (bind_name_field(w, node, kit->s_name, c) < 0) {
            return -1;
        }
        return walk_children(w, node, c);
    case AK_MatchMapping:
        if (bind_name_field(w, node, kit->s_rest, c) < 0) {
            return -1;
        }
        return walk_children(w, node, c);
    case AK_TypeAlias: {
        PyObject *name = ast_get(node, kit->s_name);
        int rc = name ? bind_target(w, name, c->scope, 1) : -1;
        Py_XDECREF(name);
        return rc;
    }
    default:
        return walk_children(w, node, c);
    }
}

int
tx_init(tx *t)
{
    t->op_protocols = -1;
    t->unit_of_node = PyDict_New();
    t->scope_of_node = PyDict_New();
    t->site_of_node = PyDict_New();
    t->var_of_node = PyDict_New();
    t->obj_of_key = PyDict_New();
    t->lib_stores = PyDict_New();
    t->colored_names = PySet_New(NULL);
    t->strings = PyDict_New();
    t->mods_by_name = PyDict_New();
    t->unfound = PySet_New(NULL);
    t->keep = PyList_New(0);
    if (t->unit_of_node == NULL || t->scope_of_node == NULL || t->site_of_node == NULL || t->var_of_node == NULL ||
        t->obj_of_key == NULL || t->lib_stores == NULL || t->colored_names == NULL || t->strings == NULL ||
        t->mods_by_name == NULL || t->unfound == NULL || t->keep == NULL) {
        return -1;
    }
    /* object 0 is O_LIB, 1 O_UNSEEN, 2 O_LIBFN */
    aobj lib = {.kind = O_LIB, .inner = -1, .inner2 = -1, .ref = -1};
    aobj unseen = {.kind = O_UNSEEN, .inner = -1, .inner2 = -1, .ref = -1};
    aobj libfn = {.kind = O_LIBFN, .inner = -1, .inner2 = -1, .ref = -1};
    if (new_obj(t, &lib) != 0 || new_obj(t, &unseen) != 1 || new_obj(t, &libfn) != 2) {
        return -1;
    }
    t->lib_var = tx_new_var(t);
    return t->lib_var < 0 || idset_add(&t->vars[t->lib_var].objs, 0) < 0 ? -1 : 0;
}

module_info *
tx_add_module(tx *t, PyObject *tree, PyObject *source, PyObject *filename, PyObject *name, PyObject *package,
              int may_await)
{
    module_info *mod = zalloc(sizeof *mod);
    if (mod == NULL) {
        return NULL;
    }
    mod->index = t->nmods;
    if (PUSH(t, mods, mod) < 0) {
        PyMem_Free(mod);
        return NULL;
    }
    mod->tree = Py_NewRef(tree);
    mod->source = Py_NewRef(source);
    mod->filename = Py_NewRef(filename);
    mod->name = Py_NewRef(name);
    mod->package = Py_NewRef(package);
    mod->may_await = may_await;
    mod->imports = PyList_New(0);
    mod->notes = PyList_New(0);
    PyObject *interned = tx_intern(t, name);
    if (mod->imports == NULL || mod->notes == NULL || interned == NULL ||
        index_node(t->mods_by_name, interned, mod->index) < 0) {
        return NULL;
    }
    unit *m = new_unit(t, U_MODULE, tree, NULL, NULL);
    if (m == NULL) {
        return NULL;
    }
    m->name = Py_NewRef(Py_None);
    m->scope = new_scope(t, SC_MODULE, tree, NULL, m);
    if (m->scope == NULL) {
        return NULL;
    }
    m->scope->mod = mod;
    mod->unit = m;
    mod->scope = m->scope;
    mod->obj = tx_module_obj(t, interned);
    if (mod->obj < 0) {
        return NULL;
    }
    t->objs[mod->obj].m = mod;
    walker w = {.t = t, .mod = mod};
    ctx c = {.scope = m->scope, .unit = m};
    return walk_field(&w, tree, t->kit->s_body, &c) == 0 ? mod : NULL;
}

void
tx_at(tx *t, module_info *m, PyObject *node)
{
    t->at_mod = m;
    Py_XSETREF(t->at_node, Py_XNewRef(node));
}

long
tx_at_line(tx *t)
{
    /* asked while the failure's exception is pending: keep it */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    long line = t->at_node ? ast_get_int(t->at_node, t->kit->s_lineno) : 0;
    PyErr_Restore(type, value, tb);
    return line < 0 ? 0 : line;
}

module_info *
tx_module(tx *t, PyObject *name)
{
    PyObject *i = name ? PyDict_GetItemWithError(t->mods_by_name, name) : NULL;
    return i == NULL ? NULL : t->mods[PyLong_AsLong(i)];
}

binding *
tx_resolve(tx *t, scope *s, PyObject *name)
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
            return tx_binding(t, module_scope(cur), name);
        }
        if (PySet_Contains(cur->nonlocals, name) > 0) {
            continue; /* bound in an enclosing function */
        }
        binding *b = tx_binding(t, cur, name);
        if (b != NULL || PyErr_Occurred()) {
            return b;
        }
    }
    return NULL;
}

/* One string object per distinct value, kept alive by tx->strings, so that
 * objects can hold borrowed module names. */
PyObject *
tx_intern(tx *t, PyObject *s)
{
    PyObject *have = PyDict_GetItemWithError(t->strings, s);
    if (have != NULL || PyErr_Occurred()) {
        return have;
    }
    return PyDict_SetItem(t->strings, s, s) < 0 ? NULL : s;
}

unit *
tx_unit_of(tx *t, PyObject *node)
{
    PyObject *i = PyDict_GetItemWithError(t->unit_of_node, node);
    return i == NULL ? NULL : t->units[PyLong_AsLong(i)];
}

scope *
tx_scope_of(tx *t, PyObject *node)
{
    PyObject *i = PyDict_GetItemWithError(t->scope_of_node, node);
    return i == NULL ? NULL : t->scopes[PyLong_AsLong(i)];
}

site *
tx_site_of(tx *t, PyObject *node)
{
    PyObject *i = PyDict_GetItemWithError(t->site_of_node, node);
    return i == NULL ? NULL : t->sites[PyLong_AsLong(i)];
}

void
tx_free(tx *t)
{
    PyMem_Free(t->calls_made);
    PyMem_Free(t->walk_stack);
    Py_CLEAR(t->at_node);
    for (int i = 0; i < t->nscopes; i++) {
        scope *s = t->scopes[i];
        Py_XDECREF(s->names);
        Py_XDECREF(s->globals);
        Py_XDECREF(s->nonlocals);
        Py_XDECREF(s->star_modules);
        PyMem_Free(s);
    }
    for (int i = 0; i < t->nbindings; i++) {
        PyMem_Free(t->bindings[i]);
    }
    for (int i = 0; i < t->nunits; i++) {
        unit *u = t->units[i];
        Py_XDECREF(u->name);
        Py_XDECREF(u->param_names);
        Py_XDECREF(u->why_name);
        PyMem_Free(u->params);
        PyMem_Free(u->decos);
        PyMem_Free(u);
    }
    for (int i = 0; i < t->nclasses; i++) {
        klass *k = t->classes[i];
        Py_XDECREF(k->name);
        Py_XDECREF(k->attrs);
        Py_XDECREF(k->iattrs);
        PyMem_Free(k->bases);
        PyMem_Free(k);
    }
    for (int i = 0; i < t->nsites; i++) {
        site *s = t->sites[i];
        PyMem_Free(s->args);
        PyMem_Free(s->starred);
        PyMem_Free(s->kwargs);
        PyMem_Free(s->items);
        Py_XDECREF(s->kwnames);
        Py_XDECREF(s->imports);
        Py_XDECREF(s->required);
        idset_free(&s->callees);
        PyMem_Free(s);
    }
    for (int i = 0; i < t->nmods; i++) {
        module_info *m = t->mods[i];
        Py_XDECREF(m->tree);
        Py_XDECREF(m->source);
        Py_XDECREF(m->filename);
        Py_XDECREF(m->name);
        Py_XDECREF(m->package);
        Py_XDECREF(m->imports);
        Py_XDECREF(m->notes);
        PyMem_Free(m);
    }
    for (int i = 0; i < t->nvars; i++) {
        idset_free(&t->vars[i].objs);
    }
    PyMem_Free(t->mods);
    PyMem_Free(t->scopes);
    PyMem_Free(t->bindings);
    PyMem_Free(t->units);
    PyMem_Free(t->classes);
    PyMem_Free(t->sites);
    PyMem_Free(t->objs);
    PyMem_Free(t->vars);
    PyMem_Free(t->cons);
    Py_CLEAR(t->mods_by_name);
    Py_CLEAR(t->unit_of_node);
    Py_CLEAR(t->scope_of_node);
    Py_CLEAR(t->site_of_node);
    Py_CLEAR(t->var_of_node);
    Py_CLEAR(t->obj_of_key);
    Py_CLEAR(t->lib_stores);
    Py_CLEAR(t->colored_names);
    Py_CLEAR(t->strings);
    Py_CLEAR(t->unfound);
    Py_CLEAR(t->keep);
}
