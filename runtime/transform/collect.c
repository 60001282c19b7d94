/* Pass 1: one walk over the module that records scopes with their name
 * bindings, units, classes and the sites where blocking may happen. No
 * judgement is made here; resolve.c and color.c interpret what is found. */
#include "model.h"

#include <string.h>

typedef struct {
    scope *scope;
    unit *unit;
    klass *cls_body; /* set while directly in a class body */
    int in_genexp;
} ctx;

/* A nonlocal assignment binds in an enclosing scope that may only be seen
 * later in the walk; they are attached once the walk is over. */
typedef struct {
    scope *from;
    PyObject *name;
    source src;
} deferred;

typedef struct {
    tx *t;
    module_info *mod;
    deferred *defer;
    int ndefer, capdefer;
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
    if (s->names == NULL || s->globals == NULL || s->nonlocals == NULL ||
        s->star_modules == NULL || PUSH(t, scopes, s) < 0 ||
        index_node(t->scope_of_node, node, t->nscopes - 1) < 0) {
        return NULL; /* freed with tx */
    }
    return s;
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
    u->returns = PyList_New(0);
    u->params = PyList_New(0);
    u->attr_loads = PySet_New(NULL);
    if (u->returns == NULL || u->params == NULL || u->attr_loads == NULL ||
        PUSH(t, units, u) < 0 || index_node(t->unit_of_node, node, u->index) < 0) {
        return NULL;
    }
    return u;
}

binding *
tx_binding(tx *t, scope *s, PyObject *name)
{
    PyObject *i = PyDict_GetItemWithError(s->names, name);
    return i == NULL ? NULL : t->bindings[PyLong_AsLong(i)];
}

static binding *
binding_in(tx *t, scope *s, PyObject *name)
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
    if (PUSH(t, bindings, b) < 0 || index_node(s->names, name, t->nbindings - 1) < 0) {
        return NULL;
    }
    return b;
}

/* A source points into the tree, which the rewrite edits: the nodes and
 * names it refers to are kept alive for as long as the analysis. */
static int
keep(tx *t, PyObject *obj)
{
    return obj == NULL || obj == Py_None ? 0 : PyList_Append(t->keep, obj);
}

static int
add_source(tx *t, binding *b, const source *src)
{
    if (keep(t, src->expr) < 0 || keep(t, src->module) < 0 || keep(t, src->attr) < 0) {
        return -1;
    }
    if (b->nsrc == b->capsrc) {
        int ncap = b->capsrc ? b->capsrc * 2 : 2;
        source *grown = PyMem_Realloc(b->src, (size_t)ncap * sizeof(source));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->src = grown;
        b->capsrc = ncap;
    }
    b->src[b->nsrc++] = *src;
    return 0;
}

static scope *
module_scope(scope *s)
{
    while (s->parent != NULL) {
        s = s->parent;
    }
    return s;
}

/* Binds `name` as assigned in scope `s`, honouring global and nonlocal. */
static int
bind(walker *w, scope *s, PyObject *name, const source *src)
{
    tx *t = w->t;
    int r = PySet_Contains(s->globals, name);
    if (r < 0) {
        return -1;
    }
    if (r) {
        s = module_scope(s);
    }
    else {
        r = PySet_Contains(s->nonlocals, name);
        if (r < 0) {
            return -1;
        }
        if (r) {
            if (w->ndefer == w->capdefer) {
                int ncap = w->capdefer ? w->capdefer * 2 : 8;
                deferred *grown = PyMem_Realloc(w->defer, (size_t)ncap * sizeof(deferred));
                if (grown == NULL) {
                    PyErr_NoMemory();
                    return -1;
                }
                w->defer = grown;
                w->capdefer = ncap;
            }
            w->defer[w->ndefer++] = (deferred){s, name, *src};
            return 0;
        }
    }
    binding *b = binding_in(t, s, name);
    return b == NULL ? -1 : add_source(t, b, src);
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

/* Assignment targets: names bind `src`; unpacking binds items of the value;
 * attributes remember what was stored (self.callback = f). */
static int
bind_target(walker *w, PyObject *target, ctx *c, const source *src)
{
    tx *t = w->t;
    ast_kit *kit = t->kit;
    switch (ast_kind_of(kit, target)) {
    case AK_Name: {
        PyObject *id = ast_get(target, kit->s_id);
        if (id == NULL) {
            return -1;
        }
        int rc = bind(w, c->scope, id, src);
        Py_DECREF(id);
        return rc;
    }
    case AK_Tuple:
    case AK_List: {
        PyObject *elts = ast_get(target, kit->s_elts);
        if (elts == NULL) {
            return -1;
        }
        source part = *src;
        if (part.kind == SRC_ASSIGN) {
            part.kind = SRC_ITER;
        }
        int rc = 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(elts); i++) {
            rc = bind_target(w, PyList_GetItem(elts, i), c, &part);
        }
        Py_DECREF(elts);
        return rc;
    }
    case AK_Starred: {
        PyObject *v = ast_get(target, kit->s_value);
        if (v == NULL) {
            return -1;
        }
        int rc = bind_target(w, v, c, src);
        Py_DECREF(v);
        return rc;
    }
    case AK_Attribute: {
        if (src->expr == NULL) {
            return 0;
        }
        PyObject *attr = ast_get(target, kit->s_attr);
        PyObject *entry = attr ? Py_BuildValue("(OOi)", attr, src->expr, src->scope->index) : NULL;
        Py_XDECREF(attr);
        int rc = entry ? PyList_Append(t->attr_stores, entry) : -1;
        Py_XDECREF(entry);
        return rc;
    }
    default:
        return 0;
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
            if (name == NULL) {
                Py_DECREF(args);
                return -1;
            }
            source src = {.kind = SRC_PARAM, .unit = u, .index = (int)PyList_Size(u->params)};
            int rc = PyList_Append(u->params, name);
            if (rc == 0) {
                rc = bind(w, u->scope, name, &src);
            }
            Py_DECREF(name);
            if (rc < 0) {
                Py_DECREF(args);
                return -1;
            }
        }
        Py_DECREF(args);
    }
    PyObject *stars[2] = {kit->s_vararg, kit->s_kwarg};
    for (int i = 0; i < 2; i++) {
        PyObject *a = ast_get(arguments, stars[i]);
        if (a == NULL) {
            return -1;
        }
        if (a != Py_None) {
            PyObject *name = ast_get(a, kit->s_arg);
            source src = {.kind = SRC_PARAM, .unit = u, .index = -1};
            int rc = name ? bind(w, u->scope, name, &src) : -1;
            Py_XDECREF(name);
            if (rc < 0) {
                Py_DECREF(a);
                return -1;
            }
        }
        Py_DECREF(a);
    }
    u->nparams = (int)PyList_Size(u->params);
    u->param_may = zalloc(sizeof(int) * (size_t)(u->nparams + 1));
    return u->param_may == NULL ? -1 : 0;
}

/* Defaults and annotations of a def or lambda run in the enclosing scope. */
static int
walk_signature(walker *w, PyObject *arguments, ctx *c)
{
    ast_kit *kit = w->t->kit;
    if (walk_field(w, arguments, kit->s_defaults, c) < 0 ||
        walk_field(w, arguments, kit->s_kw_defaults, c) < 0) {
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
walk_function(walker *w, PyObject *node, ctx *c, int is_async)
{
    tx *t = w->t;
    ast_kit *kit = t->kit;
    PyObject *arguments = ast_get(node, kit->s_args);
    PyObject *name = arguments ? ast_get(node, kit->s_name) : NULL;
    if (name == NULL) {
        Py_XDECREF(arguments);
        return -1;
    }
    int rc = -1;
    if (walk_field(w, node, kit->s_decorator_list, c) < 0 || walk_signature(w, arguments, c) < 0 ||
        walk_field(w, node, kit->s_returns, c) < 0) {
        goto done;
    }
    unit *u = new_unit(t, U_FUNCTION, node, c->scope, c->unit);
    if (u == NULL) {
        goto done;
    }
    u->native_async = is_async;
    u->owner = c->cls_body;
    u->scope = new_scope(t, SC_FUNCTION, node, c->scope, u);
    if (u->scope == NULL) {
        goto done;
    }
    source src = {.kind = SRC_DEF, .unit = u, .scope = c->scope};
    if (bind(w, c->scope, name, &src) < 0) {
        goto done;
    }
    if (c->cls_body != NULL) {
        /* A later def of the same name (a property's setter) keeps the
         * first for method lookup only when it decorates the same name. */
        PyObject *existing = PyDict_GetItemWithError(c->cls_body->methods, name);
        if (existing == NULL && !PyErr_Occurred() && index_node(c->cls_body->methods, name, u->index) < 0) {
            goto done;
        }
        if (existing != NULL) {
            PyObject *decorators = ast_get(node, kit->s_decorator_list);
            int is_accessor = decorators && PyList_Check(decorators) && PyList_Size(decorators) > 0 &&
                              ast_kind_of(kit, PyList_GetItem(decorators, 0)) == AK_Attribute;
            Py_XDECREF(decorators);
            if (!is_accessor && index_node(c->cls_body->methods, name, u->index) < 0) {
                goto done;
            }
        }
        if (PyErr_Occurred()) {
            goto done;
        }
    }
    if (bind_params(w, u, arguments) < 0) {
        goto done;
    }
    ctx inner = {.scope = u->scope, .unit = u};
    if (walk_field(w, node, kit->s_body, &inner) < 0) {
        goto done;
    }
    rc = 0;
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
    k->component = k->index;
    if (PUSH(t, classes, k) < 0) {
        PyMem_Free(k);
        return -1;
    }
    k->node = node;
    k->name = ast_get(node, kit->s_name);
    k->methods = PyDict_New();
    if (k->name == NULL || k->methods == NULL) {
        return -1;
    }
    k->def_scope = c->scope;
    k->body = new_unit(t, U_CLASS_BODY, node, c->scope, c->unit);
    if (k->body == NULL) {
        return -1;
    }
    k->scope = new_scope(t, SC_CLASS, node, c->scope, k->body);
    if (k->scope == NULL) {
        return -1;
    }
    k->scope->cls = k;
    k->body->scope = k->scope;
    source src = {.kind = SRC_CLASS, .cls = k, .scope = c->scope};
    if (bind(w, c->scope, k->name, &src) < 0) {
        return -1;
    }
    ctx inner = {.scope = k->scope, .unit = k->body, .cls_body = k};
    return walk_field(w, node, kit->s_body, &inner);
}

static int
walk_lambda(walker *w, PyObject *node, ctx *c)
{
    tx *t = w->t;
    ast_kit *kit = t->kit;
    PyObject *arguments = ast_get(node, kit->s_args);
    if (arguments == NULL) {
        return -1;
    }
    int rc = -1;
    if (walk_signature(w, arguments, c) < 0) {
        goto done;
    }
    unit *u = new_unit(t, U_LAMBDA, node, c->scope, c->unit);
    if (u == NULL) {
        goto done;
    }
    u->scope = new_scope(t, SC_FUNCTION, node, c->scope, u);
    if (u->scope == NULL || bind_params(w, u, arguments) < 0) {
        goto done;
    }
    PyObject *body = ast_get(node, kit->s_body);
    if (body == NULL) {
        goto done;
    }
    ctx inner = {.scope = u->scope, .unit = u};
    rc = PyList_Append(u->returns, body) == 0 ? walk(w, body, &inner) : -1;
    Py_DECREF(body);
done:
    Py_DECREF(arguments);
    return rc;
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
    ctx inner = {.scope = s, .unit = c->unit, .in_genexp = c->in_genexp || kind == AK_GeneratorExp};
    for (Py_ssize_t i = 0; i < PyList_Size(gens); i++) {
        PyObject *gen = PyList_GetItem(gens, i);
        PyObject *iter = ast_get(gen, kit->s_iter);
        PyObject *target = iter ? ast_get(gen, kit->s_target) : NULL;
        if (target == NULL) {
            Py_XDECREF(iter);
            goto done;
        }
        /* The first iterable is evaluated where the comprehension is. */
        source src = {.kind = SRC_ITER, .expr = iter, .scope = i == 0 ? c->scope : s};
        int r = walk(w, iter, i == 0 ? c : &inner);
        if (r == 0) {
            r = bind_target(w, target, &inner, &src);
        }
        if (r == 0) {
            r = walk_field(w, gen, kit->s_ifs, &inner);
        }
        Py_DECREF(iter);
        Py_DECREF(target);
        if (r < 0) {
            goto done;
        }
    }
    if (kind == AK_DictComp) {
        rc = walk_field(w, node, kit->s_key, &inner) == 0 && walk_field(w, node, kit->s_value, &inner) == 0
                 ? 0
                 : -1;
    }
    else {
        rc = walk_field(w, node, kit->s_elt, &inner);
    }
done:
    Py_DECREF(gens);
    return rc;
}

static int
new_site(tx *t, site_kind kind, PyObject *node, ctx *c)
{
    site *st = zalloc(sizeof *st);
    if (st == NULL) {
        return -1;
    }
    st->kind = kind;
    st->node = node;
    st->scope = c->scope;
    st->unit = c->unit;
    st->in_genexp = c->in_genexp;
    if (PUSH(t, sites, st) < 0) {
        PyMem_Free(st);
        return -1;
    }
    return index_node(t->calls_by_node, node, t->nsites - 1);
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

/* The absolute name of a module imported `level` dots up from this module
 * ("from ..util import x" in a.b.c: level 2, name "util" -> "a.util").
 * New reference, or None when it cannot be resolved statically. */
static PyObject *
absolute_module(walker *w, PyObject *name, long level)
{
    if (level <= 0) {
        return Py_NewRef(name);
    }
    PyObject *package = w->mod->package;
    if (package == NULL || package == Py_None || !PyUnicode_Check(package) ||
        PyUnicode_GetLength(package) == 0) {
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

/* Note a module the program may import, and its parent packages; they
 * go on the statement's lists of names (NULL: none). */
static int
note_import(walker *w, PyObject *absolute, PyObject *site_names, PyObject *required)
{
    Py_ssize_t n = PyUnicode_GetLength(absolute);
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i < n && PyUnicode_ReadChar(absolute, i) != '.') {
            continue;
        }
        PyObject *prefix = PyUnicode_Substring(absolute, 0, i);
        PyObject *interned = prefix ? tx_intern(w->t, prefix) : NULL;
        Py_XDECREF(prefix);
        if (interned == NULL || PyList_Append(w->mod->imports, interned) < 0 ||
            (site_names && PyList_Append(site_names, interned) < 0) ||
            (required && PyList_Append(required, interned) < 0)) {
            return -1;
        }
    }
    return 0;
}

static int
walk_import(walker *w, PyObject *node, ctx *c, int is_from)
{
    tx *t = w->t;
    ast_kit *kit = t->kit;
    PyObject *names = ast_get(node, kit->s_names);
    PyObject *module = names && is_from ? ast_get(node, kit->s_module) : NULL;
    PyObject *site_names = PyList_New(0);
    PyObject *required = site_names ? PyList_New(0) : NULL;
    if (names == NULL || (is_from && module == NULL) || required == NULL) {
        Py_XDECREF(names);
        Py_XDECREF(module);
        Py_XDECREF(site_names);
        return -1;
    }
    long level = is_from ? ast_get_int(node, kit->s_level) : 0;
    PyObject *from_abs = is_from ? absolute_module(w, module, level) : NULL;
    int rc = is_from && from_abs == NULL ? -1 : 0;
    if (rc == 0 && from_abs && from_abs != Py_None) {
        PyObject *interned = tx_intern(t, from_abs);
        Py_SETREF(from_abs, Py_XNewRef(interned));
        rc = from_abs ? note_import(w, from_abs, site_names, required) : -1;
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
        source src = {.scope = c->scope, .index = (int)level};
        PyObject *bound = NULL;
        if (!is_from) {
            src.kind = SRC_IMPORT;
            rc = note_import(w, name, site_names, required);
            if (asname != Py_None) {
                src.module = tx_intern(t, name);
                bound = Py_NewRef(asname);
            }
            else {
                /* `import a.b` binds `a`, the top-level package. */
                Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), 1);
                bound = dot >= 0 ? PyUnicode_Substring(name, 0, dot) : Py_NewRef(name);
                if (bound != NULL) {
                    Py_XSETREF(bound, Py_XNewRef(tx_intern(t, bound)));
                }
                src.module = bound;
            }
        }
        else if (PyUnicode_CompareWithASCIIString(name, "*") == 0) {
            if (from_abs != Py_None) {
                rc = PyList_Append(module_scope(c->scope)->star_modules, from_abs);
            }
            Py_DECREF(name);
            Py_DECREF(asname);
            continue;
        }
        else {
            src.kind = SRC_FROM;
            src.module = from_abs == Py_None ? NULL : from_abs;
            src.attr = name;
            bound = Py_NewRef(asname != Py_None ? asname : name);
            if (from_abs != Py_None) {
                /* `from pkg import sub` may import the submodule pkg.sub */
                PyObject *sub = PyUnicode_FromFormat("%U.%U", from_abs, name);
                rc = sub ? note_import(w, sub, site_names, NULL) : -1;
                Py_XDECREF(sub);
            }
        }
        if (rc == 0) {
            rc = bound == NULL ? -1 : bind(w, c->scope, bound, &src);
        }
        Py_XDECREF(bound);
        Py_DECREF(name);
        Py_DECREF(asname);
    }
    if (rc == 0) {
        rc = new_site(t, SITE_IMPORT, node, c);
        if (rc == 0) {
            t->sites[t->nsites - 1]->imports = Py_NewRef(site_names);
            t->sites[t->nsites - 1]->required = Py_NewRef(required);
        }
    }
    Py_DECREF(names);
    Py_XDECREF(module);
    Py_XDECREF(from_abs);
    Py_DECREF(site_names);
    Py_DECREF(required);
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
            rc = note_import(w, name, NULL, NULL);
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

/* Names bound by match patterns, except handlers, with-as and the like:
 * bound, value unknown. */
static int
bind_name_field(walker *w, PyObject *node, PyObject *field, ctx *c)
{
    PyObject *name = ast_get(node, field);
    if (name == NULL) {
        return -1;
    }
    int rc = 0;
    if (PyUnicode_Check(name)) {
        source src = {.kind = SRC_OTHER, .scope = c->scope};
        rc = bind(w, c->scope, name, &src);
    }
    Py_DECREF(name);
    return rc;
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
    if (kind == AK_OTHER && !PyObject_HasAttr(node, kit->s__fields)) {
        return 0; /* a str, int or None field value, not a node */
    }
    if (kind >= AK_FunctionDef && kind <= AK_Continue) {
        tx_at(t, w->mod, node);
    }
    switch (kind) {
    case AK_Name: {
        PyObject *ctxv = ast_get(node, kit->s_ctx);
        int rc = 0;
        if (ctxv == NULL) {
            return -1;
        }
        if (ast_kind_of(kit, ctxv) == AK_Del) {
            source src = {.kind = SRC_OTHER, .scope = c->scope};
            PyObject *id = ast_get(node, kit->s_id);
            rc = id ? bind(w, c->scope, id, &src) : -1;
            Py_XDECREF(id);
        }
        Py_DECREF(ctxv);
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
        return walk_function(w, node, c, 0);
    case AK_AsyncFunctionDef:
        return walk_function(w, node, c, 1);
    case AK_ClassDef:
        return walk_class(w, node, c);
    case AK_Lambda:
        return walk_lambda(w, node, c);
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
        int rc = 0;
        if (value != Py_None) {
            rc = PyList_Append(c->unit->returns, value);
            if (rc == 0 && value != Py_None) {
                c->unit->returns_value = 1;
            }
        }
        if (rc == 0) {
            rc = walk(w, value, c);
        }
        Py_DECREF(value);
        return rc;
    }
    case AK_Yield:
    case AK_YieldFrom:
        if (c->scope->kind == SC_FUNCTION || c->scope->kind == SC_MODULE) {
            c->unit->generator = 1;
        }
        if (kind == AK_YieldFrom && new_site(t, SITE_YIELD_FROM, node, c) < 0) {
            return -1;
        }
        return walk_children(w, node, c);
    case AK_Call:
        if (new_site(t, SITE_CALL, node, c) < 0 || note_constant_import(w, node) < 0) {
            return -1;
        }
        return walk_children(w, node, c);
    case AK_Await:
        if (c->unit->kind == U_MODULE) {
            c->unit->awaits = 1; /* top-level await: the module body is async */
        }
        return walk_children(w, node, c);
    case AK_Attribute: {
        PyObject *ctxv = ast_get(node, kit->s_ctx);
        PyObject *attr = ctxv ? ast_get(node, kit->s_attr) : NULL;
        int rc = attr == NULL ? -1 : 0;
        if (rc == 0 && ast_kind_of(kit, ctxv) == AK_Load) {
            rc = PySet_Add(c->unit->attr_loads, attr);
        }
        Py_XDECREF(ctxv);
        Py_XDECREF(attr);
        return rc < 0 ? -1 : walk_field(w, node, kit->s_value, c);
    }
    case AK_Assign: {
        PyObject *value = ast_get(node, kit->s_value);
        PyObject *targets = value ? ast_get(node, kit->s_targets) : NULL;
        int rc = targets == NULL ? -1 : walk(w, value, c);
        source src = {.kind = SRC_ASSIGN, .expr = value, .scope = c->scope};
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(targets); i++) {
            rc = bind_target(w, PyList_GetItem(targets, i), c, &src);
            if (rc == 0) {
                rc = walk(w, PyList_GetItem(targets, i), c);
            }
        }
        Py_XDECREF(value);
        Py_XDECREF(targets);
        return rc;
    }
    case AK_AnnAssign:
    case AK_AugAssign: {
        PyObject *value = ast_get(node, kit->s_value);
        PyObject *target = value ? ast_get(node, kit->s_target) : NULL;
        int rc = target == NULL ? -1 : 0;
        if (rc == 0) {
            source src = {.kind = kind == AK_AnnAssign && value != Py_None ? SRC_ASSIGN : SRC_OTHER,
                          .expr = value == Py_None ? NULL : value,
                          .scope = c->scope};
            rc = bind_target(w, target, c, &src);
        }
        if (rc == 0) {
            rc = walk_children(w, node, c);
        }
        Py_XDECREF(value);
        Py_XDECREF(target);
        return rc;
    }
    case AK_NamedExpr: {
        PyObject *value = ast_get(node, kit->s_value);
        PyObject *target = value ? ast_get(node, kit->s_target) : NULL;
        int rc = target == NULL ? -1 : walk(w, value, c);
        if (rc == 0) {
            ctx outer = *c;
            outer.scope = walrus_scope(c->scope);
            source src = {.kind = SRC_ASSIGN, .expr = value, .scope = c->scope};
            rc = bind_target(w, target, &outer, &src);
        }
        Py_XDECREF(value);
        Py_XDECREF(target);
        return rc;
    }
    case AK_For:
    case AK_AsyncFor: {
        if (kind == AK_AsyncFor && c->unit->kind == U_MODULE) {
            c->unit->awaits = 1;
        }
        if (kind == AK_For && new_site(t, SITE_FOR, node, c) < 0) {
            return -1;
        }
        PyObject *iter = ast_get(node, kit->s_iter);
        PyObject *target = iter ? ast_get(node, kit->s_target) : NULL;
        int rc = target == NULL ? -1 : 0;
        if (rc == 0) {
            source src = {.kind = SRC_ITER, .expr = iter, .scope = c->scope};
            rc = bind_target(w, target, c, &src);
        }
        Py_XDECREF(iter);
        Py_XDECREF(target);
        return rc < 0 ? -1 : walk_children(w, node, c);
    }
    case AK_With: {
        if (new_site(t, SITE_WITH, node, c) < 0) {
            return -1;
        }
        /* fall through: as-targets bind to unknown values */
    }
    /* fallthrough */
    case AK_AsyncWith: {
        if (kind == AK_AsyncWith && c->unit->kind == U_MODULE) {
            c->unit->awaits = 1;
        }
        PyObject *items = ast_get(node, kit->s_items);
        int rc = items == NULL ? -1 : 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(items); i++) {
            PyObject *target = ast_get(PyList_GetItem(items, i), kit->s_optional_vars);
            if (target == NULL) {
                rc = -1;
                break;
            }
            source src = {.kind = SRC_OTHER, .scope = c->scope};
            rc = target == Py_None ? 0 : bind_target(w, target, c, &src);
            Py_DECREF(target);
        }
        Py_XDECREF(items);
        return rc < 0 ? -1 : walk_children(w, node, c);
    }
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
        source src = {.kind = SRC_OTHER, .scope = c->scope};
        PyObject *name = ast_get(node, kit->s_name);
        int rc = name ? bind_target(w, name, c, &src) : -1;
        Py_XDECREF(name);
        return rc;
    }
    default:
        return walk_children(w, node, c);
    }
}

static int
attach_deferred(walker *w)
{
    tx *t = w->t;
    for (int i = 0; i < w->ndefer; i++) {
        deferred *d = &w->defer[i];
        for (scope *s = d->from->parent; s != NULL; s = s->parent) {
            if (s->kind != SC_FUNCTION) {
                continue;
            }
            binding *b = tx_binding(t, s, d->name);
            if (b != NULL) {
                if (add_source(t, b, &d->src) < 0) {
                    return -1;
                }
                break;
            }
            if (PyErr_Occurred()) {
                return -1;
            }
        }
    }
    return 0;
}

int
tx_init(tx *t)
{
    t->unit_of_node = PyDict_New();
    t->scope_of_node = PyDict_New();
    t->colored_methods = PySet_New(NULL);
    t->may_colored_attrs = PySet_New(NULL);
    t->attr_stores = PyList_New(0);
    t->calls_by_node = PyDict_New();
    t->strings = PyDict_New();
    t->mods_by_name = PyDict_New();
    t->colored_properties = PySet_New(NULL);
    t->unfound = PySet_New(NULL);
    t->keep = PyList_New(0);
    if (t->unfound == NULL || t->keep == NULL || t->unit_of_node == NULL || t->scope_of_node == NULL || t->colored_methods == NULL ||
        t->may_colored_attrs == NULL || t->attr_stores == NULL || t->calls_by_node == NULL ||
        t->strings == NULL || t->mods_by_name == NULL || t->colored_properties == NULL) {
        return -1;
    }
    return 0;
}

module_info *
tx_add_module(tx *t, PyObject *tree, PyObject *source, PyObject *filename, PyObject *name,
              PyObject *package, int may_await)
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
    mod->colored_defs = PySet_New(NULL);
    if (mod->imports == NULL || mod->notes == NULL || mod->colored_defs == NULL ||
        index_node(t->mods_by_name, name, mod->index) < 0) {
        return NULL;
    }
    unit *m = new_unit(t, U_MODULE, tree, NULL, NULL);
    if (m == NULL) {
        return NULL;
    }
    m->scope = new_scope(t, SC_MODULE, tree, NULL, m);
    if (m->scope == NULL) {
        return NULL;
    }
    m->scope->mod = mod;
    mod->unit = m;
    mod->scope = m->scope;
    walker w = {.t = t, .mod = mod};
    ctx c = {.scope = m->scope, .unit = m};
    int rc = walk_field(&w, tree, t->kit->s_body, &c);
    if (rc == 0) {
        rc = attach_deferred(&w);
    }
    PyMem_Free(w.defer);
    return rc == 0 ? mod : NULL;
}

void
tx_at(tx *t, module_info *m, PyObject *node)
{
    t->at_mod = m;
    t->at_line = node ? ast_get_int(node, t->kit->s_lineno) : 0;
}

module_info *
tx_module(tx *t, PyObject *name)
{
    PyObject *i = name ? PyDict_GetItemWithError(t->mods_by_name, name) : NULL;
    return i == NULL ? NULL : t->mods[PyLong_AsLong(i)];
}

/* One string object per distinct value, kept alive by tx->strings, so that
 * values can hold borrowed module names. */
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

void
tx_free(tx *t)
{
    for (int i = 0; i < t->nscopes; i++) {
        scope *s = t->scopes[i];
        Py_XDECREF(s->names);
        Py_XDECREF(s->globals);
        Py_XDECREF(s->nonlocals);
        Py_XDECREF(s->star_modules);
        PyMem_Free(s);
    }
    for (int i = 0; i < t->nbindings; i++) {
        PyMem_Free(t->bindings[i]->src);
        PyMem_Free(t->bindings[i]);
    }
    for (int i = 0; i < t->nunits; i++) {
        unit *u = t->units[i];
        Py_XDECREF(u->returns);
        Py_XDECREF(u->params);
        Py_XDECREF(u->attr_loads);
        Py_XDECREF(u->why_name);
        PyMem_Free(u->param_may);
        PyMem_Free(u);
    }
    for (int i = 0; i < t->nclasses; i++) {
        klass *k = t->classes[i];
        Py_XDECREF(k->name);
        Py_XDECREF(k->methods);
        PyMem_Free(k->bases);
        PyMem_Free(k);
    }
    for (int i = 0; i < t->nsites; i++) {
        Py_XDECREF(t->sites[i]->imports);
        Py_XDECREF(t->sites[i]->required);
        PyMem_Free(t->sites[i]);
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
        Py_XDECREF(m->colored_defs);
        PyMem_Free(m);
    }
    PyMem_Free(t->mods);
    Py_CLEAR(t->mods_by_name);
    PyMem_Free(t->scopes);
    PyMem_Free(t->bindings);
    PyMem_Free(t->units);
    PyMem_Free(t->classes);
    PyMem_Free(t->sites);
    Py_CLEAR(t->unit_of_node);
    Py_CLEAR(t->scope_of_node);
    Py_CLEAR(t->colored_methods);
    Py_CLEAR(t->may_colored_attrs);
    Py_CLEAR(t->attr_stores);
    Py_CLEAR(t->calls_by_node);
    Py_CLEAR(t->colored_properties);
    Py_CLEAR(t->strings);
    Py_CLEAR(t->unfound);
    Py_CLEAR(t->keep);
}
