/* Pass 2: the assignment graph. A second walk over each module gives
 * every expression a variable and turns every way a value moves into a
 * constraint (model.h's kkind): assignments and unpacking, arguments to
 * parameters (through calls, solved later), returns and yields,
 * attribute and item stores and loads, decorators, with-as, for targets.
 * The places where the program may block become sites. Nothing is decided
 * here: solve.c finds the values, color.c what blocks. */
#include "model.h"
#include "../operator_names.h"

#include <string.h>

typedef struct {
    tx *t;
    module_info *mod;
    scope *scope;
    unit *unit;
    int in_genexp;
    PyObject *read_target; /* the target of `x[k] op= v`, read before it is stored */
} fw;

static int ev(fw *f, PyObject *expr);
static int stmts(fw *f, PyObject *list);
static int stmt(fw *f, PyObject *node);

static int
con(fw *f, kkind kind, int dst, int src)
{
    constraint c = {.kind = kind, .dst = dst, .src = src, .obj = -1};
    return tx_add_constraint(f->t, &c);
}

static int
con_obj(fw *f, int dst, int obj)
{
    constraint c = {.kind = K_OBJ, .dst = dst, .src = -1, .obj = obj};
    return tx_add_constraint(f->t, &c);
}

static int
con_named(fw *f, kkind kind, int dst, int src, PyObject *name, site *s)
{
    if (tx_keep(f->t, name) < 0) {
        return -1;
    }
    constraint c = {.kind = kind, .dst = dst, .src = src, .obj = -1, .name = name, .call = s};
    return tx_add_constraint(f->t, &c);
}

/* A new variable that holds what `src` holds under `kind`. */
static int
derived(fw *f, kkind kind, int src, PyObject *name, site *s)
{
    int v = tx_new_var(f->t);
    if (v < 0 || con_named(f, kind, v, src, name, s) < 0) {
        return -1;
    }
    return v;
}

static int store_attr(fw *f, PyObject *target, int base, int value);

static int
note_var(fw *f, PyObject *node, int v)
{
    PyObject *i = PyLong_FromLong(v);
    int rc = i ? PyDict_SetItem(f->t->var_of_node, node, i) : -1;
    Py_XDECREF(i);
    return rc;
}

int
tx_var_of(tx *t, PyObject *expr)
{
    PyObject *i = expr ? PyDict_GetItemWithError(t->var_of_node, expr) : NULL;
    return i == NULL ? -1 : (int)PyLong_AsLong(i);
}

static site *
new_site(fw *f, site_kind kind, PyObject *key, PyObject *node)
{
    tx *t = f->t;
    site *s = PyMem_Calloc(1, sizeof *s);
    if (s == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (t->nsites == t->capsites) {
        int ncap = t->capsites ? t->capsites * 2 : 256;
        site **grown = PyMem_Realloc(t->sites, (size_t)ncap * sizeof(site *));
        if (grown == NULL) {
            PyMem_Free(s);
            PyErr_NoMemory();
            return NULL;
        }
        t->sites = grown;
        t->capsites = ncap;
    }
    s->kind = kind;
    s->index = t->nsites;
    s->node = node;
    s->scope = f->scope;
    s->unit = f->unit;
    s->in_genexp = f->in_genexp;
    s->func = s->result = s->base = s->iter = -1;
    t->sites[t->nsites++] = s;
    PyObject *i = PyLong_FromLong(s->index);
    int rc = i && tx_keep(t, node) == 0 ? PyDict_SetItem(t->site_of_node, key, i) : -1;
    Py_XDECREF(i);
    return rc < 0 ? NULL : s;
}

static int
ev_field(fw *f, PyObject *node, PyObject *field)
{
    PyObject *v = ast_get(node, field);
    if (v == NULL) {
        return -1;
    }
    int rc = 0;
    if (PyList_Check(v)) {
        for (Py_ssize_t i = 0; rc >= 0 && i < PyList_Size(v); i++) {
            rc = ev(f, PyList_GetItem(v, i));
        }
    }
    else if (v != Py_None) {
        rc = ev(f, v);
    }
    Py_DECREF(v);
    return rc < 0 ? -1 : 0;
}

/* Every child expression of a node, for what they contain. */
static int
ev_child(void *f, PyObject *child)
{
    return ev((fw *)f, child) < 0 ? -1 : 0;
}

static int
ev_children(fw *f, PyObject *node)
{
    return ast_each_child(f->t->kit, node, ev_child, f);
}

/* ---- names ---------------------------------------------------------- */

static scope *
module_scope(scope *s)
{
    while (s->parent != NULL) {
        s = s->parent;
    }
    return s;
}

/* The variable a load of `name` in scope s reads. A name bound nowhere
 * is a builtin, or comes from a `from m import *`. */
static int
name_var(fw *f, scope *s, PyObject *name)
{
    tx *t = f->t;
    binding *b = tx_resolve(t, s, name);
    if (b != NULL) {
        return b->var;
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    int v = tx_new_var(t);
    if (v < 0) {
        return -1;
    }
    PyObject *stars = module_scope(s)->star_modules;
    for (Py_ssize_t i = 0; i < PyList_Size(stars); i++) {
        int m = tx_module_obj(t, PyList_GetItem(stars, i));
        int mv = m < 0 ? -1 : tx_new_var(t);
        if (mv < 0 || con_obj(f, mv, m) < 0 || con_named(f, K_ATTR, v, mv, name, NULL) < 0) {
            return -1;
        }
    }
    prim p = prim_of_builtin(t->kit, name);
    if (PyErr_Occurred()) {
        return -1;
    }
    int o = p != P_NONE ? tx_prim_obj(t, p) : 2; /* a builtin */
    if (p == P_NONE && t->dynamic_names) {
        /* eval'd code: the program's names, or builtins */
        PyObject *builtins = PyEval_GetBuiltins();
        int builtin = builtins ? PyDict_Contains(builtins, name) : 0;
        if (builtin < 0) {
            return -1;
        }
        o = builtin ? 2 : 1;
    }
    return o < 0 || con_obj(f, v, o) < 0 ? -1 : v;
}

/* The variable an assignment to `name` in scope s writes. */
static int
store_var(fw *f, scope *s, PyObject *name)
{
    int declared = PySet_Contains(s->globals, name);
    if (declared < 0) {
        return -1;
    }
    if (declared) {
        binding *b = tx_bind(f->t, module_scope(s), name);
        return b ? b->var : -1;
    }
    if (PySet_Contains(s->nonlocals, name) > 0) {
        binding *b = s->parent ? tx_resolve(f->t, s->parent, name) : NULL;
        if (b == NULL && !PyErr_Occurred()) {
            PyErr_Format(PyExc_SyntaxError, "no binding for nonlocal '%U' found", name);
        }
        return b ? b->var : -1;
    }
    binding *b = tx_bind(f->t, s, name);
    return b ? b->var : -1;
}

/* ---- assignment targets ---------------------------------------------- */

static int assign(fw *f, PyObject *target, int value, scope *s);

static int
assign_items(fw *f, PyObject *elts, int value, scope *s, PyObject *loc)
{
    int items = derived(f, K_ITEMS, value, NULL, NULL);
    if (items < 0) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyList_Size(elts); i++) {
        PyObject *e = PyList_GetItem(elts, i);
        int rc;
        if (ast_kind_of(f->t->kit, e) == AK_Starred) {
            /* `first, *rest = xs`: rest is a new list of the items */
            PyObject *inner = ast_get(e, f->t->kit->s_value);
            aobj init = {.kind = O_CONTAINER, .inner = -1, .inner2 = -1, .ref = -1};
            int list = tx_obj_with_vars(f->t, O_CONTAINER, e, &init, 1);
            int lv = list < 0 ? -1 : tx_new_var(f->t);
            rc = inner == NULL || lv < 0 || tx_keep(f->t, e) < 0 || con_obj(f, lv, list) < 0 ||
                         con(f, K_COPY, f->t->objs[list].inner, items) < 0
                     ? -1
                     : assign(f, inner, lv, s);
            Py_XDECREF(inner);
        }
        else {
            rc = assign(f, e, items, s);
        }
        if (rc < 0) {
            return -1;
        }
    }
    (void)loc;
    return 0;
}

static int item_site(fw *f, PyObject *subscript, int kind, int base, int value);

static int
assign(fw *f, PyObject *target, int value, scope *s)
{
    ast_kit *kit = f->t->kit;
    switch (ast_kind_of(kit, target)) {
    case AK_Name: {
        PyObject *id = ast_get(target, kit->s_id);
        int v = id ? store_var(f, s, id) : -1;
        Py_XDECREF(id);
        return v < 0 || con(f, K_COPY, v, value) < 0 ? -1 : 0;
    }
    case AK_Tuple:
    case AK_List: {
        PyObject *elts = ast_get(target, kit->s_elts);
        int rc = elts ? assign_items(f, elts, value, s, target) : -1;
        Py_XDECREF(elts);
        return rc;
    }
    case AK_Starred: {
        PyObject *v = ast_get(target, kit->s_value);
        int rc = v ? assign(f, v, value, s) : -1;
        Py_XDECREF(v);
        return rc;
    }
    case AK_Attribute: {
        PyObject *base = ast_get(target, kit->s_value);
        int b = base ? ev(f, base) : -1;
        Py_XDECREF(base);
        return b < 0 ? -1 : store_attr(f, target, b, value);
    }
    case AK_Subscript: {
        PyObject *base = ast_get(target, kit->s_value);
        int b = base ? ev(f, base) : -1;
        int rc = b < 0 || ev_field(f, target, kit->s_slice) < 0 ? -1 : con(f, K_STORE_ITEM, b, value);
        Py_XDECREF(base);
        return rc < 0 ? -1 : item_site(f, target, OPK_SETITEM, b, value);
    }
    default:
        return ev(f, target) < 0 ? -1 : 0;
    }
}

/* ---- calls ------------------------------------------------------------ */

/* A call site whose callee, arguments and result are variables. */
static site *
call_site(fw *f, site_kind kind, PyObject *key, PyObject *node, int func, int nargs)
{
    site *s = new_site(f, kind, key, node);
    if (s == NULL) {
        return NULL;
    }
    s->func = func;
    s->nargs = nargs;
    s->args = PyMem_Calloc((size_t)nargs + 1, sizeof(int));
    s->starred = PyMem_Calloc((size_t)nargs + 1, 1);
    s->kwnames = PyList_New(0);
    s->result = tx_new_var(f->t);
    if (s->args == NULL || s->starred == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (s->kwnames == NULL || s->result < 0) {
        return NULL;
    }
    constraint c = {.kind = K_CALL, .dst = s->result, .src = func, .obj = -1, .call = s};
    return tx_add_constraint(f->t, &c) < 0 ? NULL : s;
}

static int
ev_call(fw *f, PyObject *node)
{
    tx *t = f->t;
    ast_kit *kit = t->kit;
    PyObject *func = ast_get(node, kit->s_func);
    PyObject *args = func ? ast_get(node, kit->s_args) : NULL;
    PyObject *kws = args ? ast_get(node, kit->s_keywords) : NULL;
    int result = -1;
    int fv = kws ? ev(f, func) : -1;
    site *s = fv < 0 ? NULL : call_site(f, SITE_CALL, node, node, fv, (int)PyList_Size(args));
    if (s == NULL) {
        goto done;
    }
    if (ast_kind_of(kit, func) == AK_Attribute) {
        PyObject *base = ast_get(func, kit->s_value);
        PyObject *attr = base ? ast_get(func, kit->s_attr) : NULL;
        s->base = attr ? tx_var_of(t, base) : -1;
        s->attr = attr;
        if (attr != NULL && PyUnicode_CompareWithASCIIString(attr, "format") == 0 &&
            ast_kind_of(kit, base) == AK_Constant) {
            PyObject *c = ast_get(base, kit->s_value);
            s->str_format = c != NULL && PyUnicode_Check(c);
            Py_XDECREF(c);
        }
        int rc = attr ? tx_keep(t, attr) : -1;
        Py_XDECREF(base);
        Py_XDECREF(attr);
        if (rc < 0) {
            goto done;
        }
    }
    for (Py_ssize_t i = 0; i < PyList_Size(args); i++) {
        PyObject *a = PyList_GetItem(args, i);
        int starred = ast_kind_of(kit, a) == AK_Starred;
        PyObject *inner = starred ? ast_get(a, kit->s_value) : Py_NewRef(a);
        int v = inner ? ev(f, inner) : -1;
        Py_XDECREF(inner);
        if (v < 0 || (starred && note_var(f, a, v) < 0)) {
            goto done;
        }
        s->args[i] = v;
        s->starred[i] = (unsigned char)starred;
    }
    s->kwargs = PyMem_Calloc((size_t)PyList_Size(kws) + 1, sizeof(int));
    if (s->kwargs == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_Size(kws); i++) {
        PyObject *kw = PyList_GetItem(kws, i);
        PyObject *name = ast_get(kw, kit->s_arg);
        PyObject *value = name ? ast_get(kw, kit->s_value) : NULL;
        int v = value ? ev(f, value) : -1;
        int rc = v < 0 ? -1 : PyList_Append(s->kwnames, name);
        Py_XDECREF(name);
        Py_XDECREF(value);
        if (rc < 0) {
            goto done;
        }
        s->kwargs[s->nkw++] = v;
    }
    result = s->result;
done:
    Py_XDECREF(func);
    Py_XDECREF(args);
    Py_XDECREF(kws);
    return result;
}

/* ---- containers and comprehensions ------------------------------------ */

/* The container object made at `node`, in a new variable. */
static int
container(fw *f, PyObject *node, int *elements)
{
    aobj init = {.kind = O_CONTAINER, .node = node, .inner = -1, .inner2 = -1, .ref = -1};
    int obj = tx_keep(f->t, node) < 0 ? -1 : tx_obj_with_vars(f->t, O_CONTAINER, node, &init, 1);
    int v = obj < 0 ? -1 : tx_new_var(f->t);
    if (v < 0 || con_obj(f, v, obj) < 0) {
        return -1;
    }
    *elements = f->t->objs[obj].inner;
    return v;
}

static int
ev_display(fw *f, PyObject *node, ast_kind kind)
{
    ast_kit *kit = f->t->kit;
    int elements;
    int v = container(f, node, &elements);
    PyObject *list = v < 0 ? NULL : ast_get(node, kind == AK_Dict ? kit->s_values : kit->s_elts);
    PyObject *keys = list && kind == AK_Dict ? ast_get(node, kit->s_keys) : NULL;
    int rc = list == NULL || (kind == AK_Dict && keys == NULL) ? -1 : 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(list); i++) {
        PyObject *e = PyList_GetItem(list, i);
        /* [*xs] and {**other}: the items of what is unpacked */
        int unpacked = ast_kind_of(kit, e) == AK_Starred;
        PyObject *inner = unpacked ? ast_get(e, kit->s_value) : Py_NewRef(e);
        if (keys != NULL) {
            PyObject *key = PyList_GetItem(keys, i);
            unpacked = key == Py_None;
            int kv = unpacked ? 0 : ev(f, key);
            rc = kv < 0 || (!unpacked && con(f, K_COPY, elements, kv) < 0) ? -1 : 0;
        }
        int ev_ = rc == 0 && inner ? ev(f, inner) : -1;
        Py_XDECREF(inner);
        rc = ev_ < 0 || con(f, unpacked ? K_ITEMS : K_COPY, elements, ev_) < 0 ? -1 : 0;
    }
    Py_XDECREF(list);
    Py_XDECREF(keys);
    return rc < 0 ? -1 : v;
}

static int truth_test_field(fw *f, PyObject *node, PyObject *field);

static int
ev_comprehension(fw *f, PyObject *node, ast_kind kind)
{
    tx *t = f->t;
    ast_kit *kit = t->kit;
    scope *cs = tx_scope_of(t, node);
    PyObject *gens = cs ? ast_get(node, kit->s_generators) : NULL;
    if (gens == NULL) {
        return -1;
    }
    fw inner = *f;
    inner.scope = cs;
    inner.in_genexp = f->in_genexp || kind == AK_GeneratorExp;
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(gens); i++) {
        PyObject *gen = PyList_GetItem(gens, i);
        PyObject *iter = ast_get(gen, kit->s_iter);
        PyObject *target = iter ? ast_get(gen, kit->s_target) : NULL;
        /* the first iterable is evaluated where the comprehension is */
        int iv = target ? ev(i == 0 ? f : &inner, iter) : -1;
        PyObject *key = iv < 0 ? NULL : Py_BuildValue("(On)", node, i);
        site *s = key ? new_site(&inner, SITE_FOR, key, gen) : NULL;
        Py_XDECREF(key);
        int items = s ? derived(f, K_ITEMS, iv, NULL, s) : -1;
        if (s != NULL) {
            s->iter = iv;
            s->comp = node;
        }
        rc = items < 0 || assign(&inner, target, items, cs) < 0 || ev_field(&inner, gen, kit->s_ifs) < 0 ||
                     truth_test_field(&inner, gen, kit->s_ifs) < 0
                 ? -1
                 : 0;
        Py_XDECREF(iter);
        Py_XDECREF(target);
    }
    Py_DECREF(gens);
    if (rc < 0) {
        return -1;
    }
    int elements;
    int v = container(f, node, &elements);
    if (v < 0) {
        return -1;
    }
    PyObject *fields[2] = {kind == AK_DictComp ? kit->s_key : kit->s_elt, kind == AK_DictComp ? kit->s_value : NULL};
    for (int k = 0; k < 2 && fields[k]; k++) {
        PyObject *e = ast_get(node, fields[k]);
        int ev_ = e ? ev(&inner, e) : -1;
        Py_XDECREF(e);
        if (ev_ < 0 || con(f, K_COPY, elements, ev_) < 0) {
            return -1;
        }
    }
    return v;
}

/* ---- defs, lambdas, classes ------------------------------------------- */

/* Defaults run where the def is and flow into the parameters they are
 * defaults of. */
static int
defaults(fw *f, unit *u, PyObject *arguments)
{
    ast_kit *kit = f->t->kit;
    PyObject *pos = ast_get(arguments, kit->s_defaults);
    PyObject *kw = pos ? ast_get(arguments, kit->s_kw_defaults) : NULL;
    int rc = kw == NULL ? -1 : 0;
    Py_ssize_t npos = rc == 0 ? PyList_Size(pos) : 0;
    for (Py_ssize_t i = 0; rc == 0 && i < npos; i++) {
        int v = ev(f, PyList_GetItem(pos, i));
        Py_ssize_t p = u->nposargs - npos + i;
        rc = v < 0 ? -1 : (p >= 0 && p < u->nparams ? con(f, K_COPY, u->params[p], v) : 0);
    }
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(kw); i++) {
        PyObject *d = PyList_GetItem(kw, i);
        if (d == Py_None) {
            continue;
        }
        int v = ev(f, d);
        Py_ssize_t p = u->nposargs + i;
        rc = v < 0 ? -1 : (p < u->nparams ? con(f, K_COPY, u->params[p], v) : 0);
    }
    Py_XDECREF(pos);
    Py_XDECREF(kw);
    return rc;
}

/* The signature's annotations are evaluated where the def is. */
static int
annotations(fw *f, PyObject *arguments)
{
    ast_kit *kit = f->t->kit;
    PyObject *lists[3] = {kit->s_posonlyargs, kit->s_args, kit->s_kwonlyargs};
    for (int l = 0; l < 3; l++) {
        PyObject *args = ast_get(arguments, lists[l]);
        if (args == NULL) {
            return -1;
        }
        for (Py_ssize_t i = 0; PyList_Check(args) && i < PyList_Size(args); i++) {
            if (ev_field(f, PyList_GetItem(args, i), kit->s_annotation) < 0) {
                Py_DECREF(args);
                return -1;
            }
        }
        Py_DECREF(args);
    }
    return 0;
}

/* `value` decorated by the decorators of `node`, innermost first: each
 * application is a call site keyed (node, i). Returns the variable of
 * what the name binds. */
static int
decorate(fw *f, PyObject *node, int value, int *vars, Py_ssize_t n)
{
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        PyObject *key = Py_BuildValue("(On)", node, i);
        site *s = key ? call_site(f, SITE_DECORATE, key, node, vars[i], 1) : NULL;
        Py_XDECREF(key);
        if (s == NULL) {
            return -1;
        }
        s->args[0] = value;
        s->iter = (int)i; /* which decorator */
        value = s->result;
    }
    return value;
}

static int
decorator_vars(fw *f, PyObject *node, int **out, Py_ssize_t *n)
{
    PyObject *decos = ast_get(node, f->t->kit->s_decorator_list);
    if (decos == NULL) {
        return -1;
    }
    *n = PyList_Check(decos) ? PyList_Size(decos) : 0;
    *out = PyMem_Calloc((size_t)*n + 1, sizeof(int));
    if (*out == NULL) {
        Py_DECREF(decos);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < *n; i++) {
        (*out)[i] = ev(f, PyList_GetItem(decos, i));
        if ((*out)[i] < 0) {
            Py_DECREF(decos);
            return -1;
        }
    }
    Py_DECREF(decos);
    return 0;
}

static int
stmt_def(fw *f, PyObject *node)
{
    tx *t = f->t;
    ast_kit *kit = t->kit;
    unit *u = tx_unit_of(t, node);
    PyObject *arguments = u ? ast_get(node, kit->s_args) : NULL;
    if (arguments == NULL) {
        return -1;
    }
    Py_ssize_t n = 0;
    int rc = decorator_vars(f, node, &u->decos, &n);
    u->ndecos = (int)n;
    if (rc == 0) {
        rc = defaults(f, u, arguments) < 0 || annotations(f, arguments) < 0 || ev_field(f, node, kit->s_returns) < 0
                 ? -1
                 : 0;
    }
    Py_DECREF(arguments);
    if (rc < 0) {
        return -1;
    }
    /* the def's own value, then what the decorators make of it */
    int fnv = tx_new_var(t);
    if (fnv < 0 || con_obj(f, fnv, u->obj) < 0) {
        return -1;
    }
    int value = decorate(f, node, fnv, u->decos, n);
    int target = value < 0 ? -1 : store_var(f, f->scope, u->name);
    if (target < 0 || con(f, K_COPY, target, value) < 0) {
        return -1;
    }
    if (u->owner != NULL && u->nparams > 0) {
        /* self (or cls) of a method: instances of its class and subclasses */
        constraint c = {.kind = K_SELF, .dst = u->params[0], .src = -1, .obj = -1, .u = u, .k = u->owner};
        if (tx_add_constraint(t, &c) < 0) {
            return -1;
        }
    }
    fw inner = {.t = t, .mod = f->mod, .scope = u->scope, .unit = u};
    PyObject *body = ast_get(node, kit->s_body);
    rc = body ? stmts(&inner, body) : -1;
    Py_XDECREF(body);
    return rc;
}

static int
ev_lambda(fw *f, PyObject *node)
{
    tx *t = f->t;
    ast_kit *kit = t->kit;
    unit *u = tx_unit_of(t, node);
    PyObject *arguments = u ? ast_get(node, kit->s_args) : NULL;
    if (arguments == NULL) {
        return -1;
    }
    int rc = defaults(f, u, arguments);
    Py_DECREF(arguments);
    fw inner = {.t = t, .mod = f->mod, .scope = u->scope, .unit = u, .in_genexp = 0};
    PyObject *body = rc == 0 ? ast_get(node, kit->s_body) : NULL;
    int bv = body ? ev(&inner, body) : -1;
    Py_XDECREF(body);
    if (bv < 0 || con(f, K_COPY, u->generator ? u->yields : u->ret, bv) < 0) {
        return -1;
    }
    int v = tx_new_var(t);
    return v < 0 || con_obj(f, v, u->obj) < 0 ? -1 : v;
}

static int
stmt_class(fw *f, PyObject *node)
{
    tx *t = f->t;
    ast_kit *kit = t->kit;
    unit *body_unit = tx_unit_of(t, node);
    scope *cs = tx_scope_of(t, node);
    klass *k = cs ? cs->cls : NULL;
    if (body_unit == NULL || k == NULL) {
        return -1;
    }
    int *decos = NULL;
    Py_ssize_t n = 0;
    if (decorator_vars(f, node, &decos, &n) < 0) {
        PyMem_Free(decos);
        return -1;
    }
    PyObject *bases = ast_get(node, kit->s_bases);
    int rc = bases == NULL ? -1 : 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(bases); i++) {
        int v = ev(f, PyList_GetItem(bases, i));
        rc = v < 0 ? -1 : con(f, K_COPY, k->bases_var, v);
    }
    Py_XDECREF(bases);
    if (rc == 0) {
        constraint c = {.kind = K_BASES, .dst = -1, .src = k->bases_var, .obj = -1, .k = k};
        rc = tx_add_constraint(t, &c) < 0 || ev_field(f, node, kit->s_keywords) < 0 ? -1 : 0;
    }
    fw inner = {.t = t, .mod = f->mod, .scope = cs, .unit = body_unit};
    PyObject *body = rc == 0 ? ast_get(node, kit->s_body) : NULL;
    rc = body == NULL || stmts(&inner, body) < 0 ? -1 : 0;
    Py_XDECREF(body);
    int cv = rc == 0 ? tx_new_var(t) : -1;
    int value = cv < 0 || con_obj(f, cv, k->obj) < 0 ? -1 : decorate(f, node, cv, decos, n);
    int target = value < 0 ? -1 : store_var(f, f->scope, k->name);
    PyMem_Free(decos);
    return target < 0 || con(f, K_COPY, target, value) < 0 ? -1 : 0;
}

/* ---- imports ---------------------------------------------------------- */

static int
stmt_import(fw *f, PyObject *node, int is_from)
{
    tx *t = f->t;
    ast_kit *kit = t->kit;
    PyObject *names = ast_get(node, kit->s_names);
    PyObject *module = names && is_from ? ast_get(node, kit->s_module) : NULL;
    PyObject *site_names = PyList_New(0);
    PyObject *required = site_names ? PyList_New(0) : NULL;
    site *s = required ? new_site(f, SITE_IMPORT, node, node) : NULL;
    int rc = s && names && (!is_from || module) ? 0 : -1;
    if (s != NULL) {
        s->imports = Py_NewRef(site_names);
        s->required = Py_NewRef(required);
    }
    long level = is_from ? ast_get_int(node, kit->s_level) : 0;
    PyObject *from_abs = rc == 0 && is_from ? tx_absolute_module(t, f->mod, module, level) : NULL;
    if (is_from && from_abs == NULL) {
        rc = -1;
    }
    if (rc == 0 && from_abs != NULL && from_abs != Py_None) {
        rc = tx_note_import(t, f->mod, from_abs, site_names, required);
    }
    int from_var = -1;
    if (rc == 0 && from_abs != NULL && from_abs != Py_None) {
        int m = tx_module_obj(t, from_abs);
        from_var = m < 0 ? -1 : tx_new_var(t);
        rc = from_var < 0 ? -1 : con_obj(f, from_var, m);
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
        if (!is_from) {
            rc = tx_note_import(t, f->mod, name, site_names, required);
            /* `import a.b` binds module a; `import a.b as z` binds a.b */
            PyObject *bound = tx_import_binding(name, asname);
            PyObject *modname = bound == NULL ? NULL : asname != Py_None ? Py_NewRef(name) : Py_NewRef(bound);
            int m = rc == 0 && modname ? tx_module_obj(t, modname) : -1;
            int target = m < 0 || bound == NULL ? -1 : store_var(f, f->scope, tx_intern(t, bound));
            rc = target < 0 ? -1 : con_obj(f, target, m);
            Py_XDECREF(bound);
            Py_XDECREF(modname);
        }
        else if (PyUnicode_CompareWithASCIIString(name, "*") != 0 && from_var >= 0) {
            PyObject *sub = PyUnicode_FromFormat("%U.%U", from_abs, name);
            rc = sub ? tx_note_import(t, f->mod, sub, site_names, NULL) : -1;
            Py_XDECREF(sub);
            int target = rc < 0 ? -1 : store_var(f, f->scope, asname != Py_None ? asname : name);
            rc = target < 0 ? -1 : con_named(f, K_ATTR, target, from_var, name, NULL);
        }
        else if (PyUnicode_CompareWithASCIIString(name, "*") != 0) {
            /* an unresolvable relative import: ImportError at run time */
            int target = store_var(f, f->scope, asname != Py_None ? asname : name);
            rc = target < 0 ? -1 : con(f, K_COPY, target, t->lib_var);
        }
        Py_DECREF(name);
        Py_DECREF(asname);
    }
    Py_XDECREF(names);
    Py_XDECREF(module);
    Py_XDECREF(from_abs);
    Py_XDECREF(site_names);
    Py_XDECREF(required);
    return rc;
}

/* ---- expressions ------------------------------------------------------ */

static int
ev_attribute(fw *f, PyObject *node)
{
    ast_kit *kit = f->t->kit;
    PyObject *base = ast_get(node, kit->s_value);
    PyObject *attr = base ? ast_get(node, kit->s_attr) : NULL;
    int b = attr ? ev(f, base) : -1;
    site *s = b < 0 ? NULL : new_site(f, SITE_ATTR, node, node);
    int v = -1;
    if (s != NULL) {
        s->base = b;
        s->attr = attr;
        v = tx_keep(f->t, attr) < 0 ? -1 : derived(f, K_ATTR, b, attr, s);
    }
    Py_XDECREF(base);
    Py_XDECREF(attr);
    return v;
}

PyObject *
tx_store_key(PyObject *node)
{
    return PyTuple_Pack(2, node, Py_True);
}

/* obj.attr = v (value: v's variable) or del obj.attr (value -1), obj's
 * variable base: attribute attr of what obj holds gets v, and a site where
 * a property's setter or deleter may run. */
static int
store_attr(fw *f, PyObject *target, int base, int value)
{
    PyObject *attr = ast_get(target, f->t->kit->s_attr);
    PyObject *key = attr ? tx_store_key(target) : NULL;
    site *s = key && tx_keep(f->t, attr) == 0 ? new_site(f, SITE_ATTR, key, target) : NULL;
    Py_XDECREF(key);
    int rc = -1;
    if (s != NULL) {
        s->base = base;
        s->attr = attr;
        s->store = 1;
        rc = con_named(f, K_STORE_ATTR, base, value, attr, s);
    }
    Py_XDECREF(attr);
    return rc;
}

static int
ev_union(fw *f, PyObject *node, PyObject *field1, PyObject *field2)
{
    int v = tx_new_var(f->t);
    PyObject *fields[2] = {field1, field2};
    for (int i = 0; v >= 0 && i < 2 && fields[i]; i++) {
        PyObject *x = ast_get(node, fields[i]);
        if (x == NULL) {
            return -1;
        }
        if (PyList_Check(x)) {
            for (Py_ssize_t j = 0; v >= 0 && j < PyList_Size(x); j++) {
                int e = ev(f, PyList_GetItem(x, j));
                v = e < 0 || con(f, K_COPY, v, e) < 0 ? -1 : v;
            }
        }
        else {
            int e = ev(f, x);
            v = e < 0 || con(f, K_COPY, v, e) < 0 ? -1 : v;
        }
        Py_DECREF(x);
    }
    return v;
}

/* Where the interpreter stringifies a value without a call of a builtin
 * (an f-string field, `"..." % values`): a call site of format() at
 * `node`, given the value of its `field`, already evaluated. */
static int
format_site(fw *f, PyObject *node, PyObject *field)
{
    tx *t = f->t;
    PyObject *value = ast_get(node, field);
    int v = value ? tx_var_of(t, value) : -1;
    Py_XDECREF(value);
    if (v < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_SystemError, "pyrun: a stringified value was not evaluated");
        }
        return -1;
    }
    int fmt = tx_prim_obj(t, P_FORMAT);
    int fv = fmt < 0 ? -1 : tx_new_var(t);
    site *s = fv < 0 || con_obj(f, fv, fmt) < 0 ? NULL : call_site(f, SITE_CALL, node, node, fv, 1);
    if (s == NULL) {
        return -1;
    }
    s->args[0] = v;
    s->kwargs = PyMem_Calloc(1, sizeof(int));
    if (s->kwargs == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* ---- operators whose special methods may block ------------------------- */

static int
named_in(PyObject *name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        if (names[i] != NULL && PyUnicode_CompareWithASCIIString(name, names[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
protocol_of(PyObject *name)
{
    int mask = 0;
    for (size_t i = 0; i < sizeof COMPARISONS / sizeof COMPARISONS[0]; i++) {
        mask |= PyUnicode_CompareWithASCIIString(name, COMPARISONS[i].name) == 0 ? PM_COMPARE : 0;
    }
    for (size_t i = 0; i < sizeof BINARY / sizeof BINARY[0]; i++) {
        const char *names[3] = {BINARY[i].name, BINARY[i].reflected, BINARY[i].inplace};
        mask |= named_in(name, names, 3) ? PM_ARITH : 0;
    }
    for (size_t i = 0; i < sizeof UNARY / sizeof UNARY[0]; i++) {
        mask |= PyUnicode_CompareWithASCIIString(name, UNARY[i].name) == 0 ? PM_UNARY : 0;
    }
    const char *truth[2] = {"__bool__", "__len__"};
    const char *items[5] = {"__getitem__", "__setitem__", "__delitem__", "__missing__", "__contains__"};
    return mask | (named_in(name, truth, 2) ? PM_TRUTH : 0) | (named_in(name, items, 5) ? PM_ITEMS : 0);
}

/* The protocols some class of the program defines a method of: the only
 * ones whose operators get sites, so that other programs pay nothing. */
static int
op_protocols(tx *t)
{
    if (t->op_protocols >= 0) {
        return t->op_protocols;
    }
    int mask = 0;
    for (int i = 0; i < t->nclasses; i++) {
        PyObject *name, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(t->classes[i]->scope->names, &pos, &name, &v)) {
            if (PyUnicode_Check(name) && PyUnicode_GetLength(name) > 4 && PyUnicode_ReadChar(name, 0) == '_') {
                mask |= protocol_of(name);
            }
        }
    }
    t->op_protocols = mask;
    return mask;
}

/* Index of the operator node's class among names, or -1. */
static int
op_code(PyObject *op, const char *const *names, int n)
{
    PyObject *type = PyType_GetName(Py_TYPE(op));
    int code = -1;
    for (int i = 0; type != NULL && i < n && code < 0; i++) {
        if (PyUnicode_CompareWithASCIIString(type, names[i]) == 0) {
            code = i;
        }
    }
    Py_XDECREF(type);
    return code;
}

static int
op_site(fw *f, PyObject *key, PyObject *node, int op, int a, int b)
{
    site *s = new_site(f, SITE_OP, key, node);
    if (s == NULL) {
        return -1;
    }
    s->op = op;
    s->nargs = b >= 0 ? 2 : 1;
    s->args = PyMem_Calloc(2, sizeof(int));
    if (s->args == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    s->args[0] = a;
    s->args[1] = b;
    constraint c = {.kind = K_OPERATOR, .dst = -1, .src = -1, .obj = -1, .call = s};
    return tx_add_constraint(f->t, &c);
}

PyObject *
tx_truth_key(PyObject *node)
{
    return PyTuple_Pack(2, node, Py_True);
}

PyObject *
tx_item_key(PyObject *node)
{
    return PyTuple_Pack(2, node, Py_False);
}

PyObject *
tx_chain_key(PyObject *node, int i)
{
    return Py_BuildValue("(Oi)", node, i);
}

/* x[k] read (OPK_GETITEM), stored or deleted, when some class defines an
 * item method: base is x's variable. */
static int
item_site(fw *f, PyObject *subscript, int kind, int base, int value)
{
    if (!(op_protocols(f->t) & PM_ITEMS)) {
        return 0;
    }
    PyObject *key = tx_item_key(subscript);
    int rc = key ? op_site(f, key, subscript, kind << 8, base, value) : -1;
    Py_XDECREF(key);
    return rc;
}

/* An expression whose truth is tested (if, while, assert, a conditional
 * expression's test, a comprehension's condition, `not`): `a and b` there
 * tests a, then b. Its site is keyed by tx_truth_key(expr). */
static int
truth_test(fw *f, PyObject *expr)
{
    tx *t = f->t;
    ast_kit *kit = t->kit;
    if (!(op_protocols(t) & PM_TRUTH) || expr == NULL || expr == Py_None) {
        return 0;
    }
    ast_kind kind = ast_kind_of(kit, expr);
    if (kind == AK_BoolOp) {
        PyObject *values = ast_get(expr, kit->s_values);
        int rc = values ? 0 : -1;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(values); i++) {
            rc = truth_test(f, PyList_GetItem(values, i));
        }
        Py_XDECREF(values);
        return rc;
    }
    if (kind == AK_Constant || kind == AK_Compare || kind == AK_UnaryOp) {
        return 0; /* a bool (or `not x`, whose x has its own) */
    }
    int v = tx_var_of(t, expr);
    PyObject *key = v >= 0 ? tx_truth_key(expr) : NULL;
    int rc = key ? op_site(f, key, expr, OPK_TRUTH << 8, v, -1) : -1;
    Py_XDECREF(key);
    return rc;
}

static int
truth_test_field(fw *f, PyObject *node, PyObject *field)
{
    PyObject *v = ast_get(node, field);
    if (v == NULL) {
        return -1;
    }
    int rc = 0;
    if (PyList_Check(v)) {
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(v); i++) {
            rc = truth_test(f, PyList_GetItem(v, i));
        }
    }
    else {
        rc = truth_test(f, v);
    }
    Py_DECREF(v);
    return rc;
}

/* a <op> b, -a: a site when some class defines a method of the protocol */
static int
operator_site(fw *f, PyObject *expr, ast_kind kind)
{
    tx *t = f->t;
    ast_kit *kit = t->kit;
    int mask = op_protocols(t);
    if (kind == AK_BinOp && (mask & PM_ARITH)) {
        PyObject *op = ast_get(expr, kit->s_op);
        PyObject *left = op ? ast_get(expr, kit->s_left) : NULL;
        PyObject *right = left ? ast_get(expr, kit->s_right) : NULL;
        int code = right ? op_code(op, BINARY_NODES, 13) : -1;
        int rc = right ? 0 : -1;
        if (code >= 0) {
            rc = op_site(f, expr, expr, OPK_BINARY << 8 | code, tx_var_of(t, left), tx_var_of(t, right));
        }
        Py_XDECREF(op);
        Py_XDECREF(left);
        Py_XDECREF(right);
        return rc;
    }
    if (kind == AK_Compare && (mask & (PM_COMPARE | PM_ITEMS))) {
        PyObject *ops = ast_get(expr, kit->s_ops);
        PyObject *left = ops ? ast_get(expr, kit->s_left) : NULL;
        PyObject *comparators = left ? ast_get(expr, kit->s_comparators) : NULL;
        int rc = comparators ? 0 : -1;
        /* a single comparison: `in`, or one of the six */
        int code = comparators && PyList_Size(ops) == 1 ? op_code(PyList_GetItem(ops, 0), COMPARISON_NODES, 6) : -1;
        const char *const in_nodes[] = {"In", "NotIn"};
        if (code < 0 && comparators && PyList_Size(ops) == 1 && (mask & (PM_ITEMS | PM_COMPARE)) &&
            op_code(PyList_GetItem(ops, 0), in_nodes, 2) >= 0) {
            rc = op_site(f, expr, expr, OPK_CONTAINS << 8, tx_var_of(t, left),
                         tx_var_of(t, PyList_GetItem(comparators, 0)));
        }
        else if (code >= 0 && (mask & PM_COMPARE)) {
            rc = op_site(f, expr, expr, OPK_COMPARE << 8 | code, tx_var_of(t, left),
                         tx_var_of(t, PyList_GetItem(comparators, 0)));
        }
        /* a chain a < b < c: a site per comparison, keyed by tx_chain_key */
        for (Py_ssize_t i = 0; rc == 0 && comparators && PyList_Size(ops) > 1 && (mask & PM_COMPARE) &&
                               i < PyList_Size(ops);
             i++) {
            int link = op_code(PyList_GetItem(ops, i), COMPARISON_NODES, 6);
            PyObject *a = i == 0 ? left : PyList_GetItem(comparators, i - 1);
            PyObject *key = link >= 0 ? tx_chain_key(expr, (int)i) : NULL;
            if (link >= 0) {
                rc = key ? op_site(f, key, expr, OPK_COMPARE << 8 | link, tx_var_of(t, a),
                                   tx_var_of(t, PyList_GetItem(comparators, i)))
                         : -1;
            }
            Py_XDECREF(key);
        }
        Py_XDECREF(ops);
        Py_XDECREF(left);
        Py_XDECREF(comparators);
        return rc;
    }
    if (kind == AK_UnaryOp) {
        PyObject *op = ast_get(expr, kit->s_op);
        PyObject *operand = op ? ast_get(expr, kit->s_operand) : NULL;
        int rc = operand ? 0 : -1;
        int code = operand && (mask & PM_UNARY) ? op_code(op, UNARY_NODES, 3) : -1;
        if (code >= 0) {
            rc = op_site(f, expr, expr, OPK_UNARY << 8 | code, tx_var_of(t, operand), -1);
        }
        else if (operand != NULL && op_code(op, (const char *const[]){"Not"}, 1) == 0) {
            rc = truth_test(f, operand);
        }
        Py_XDECREF(op);
        Py_XDECREF(operand);
        return rc;
    }
    return 0;
}

/* Is this BinOp `"..." % values`, with a literal format? 1, 0, or -1 */
static int
percent_format(tx *t, PyObject *binop)
{
    ast_kit *kit = t->kit;
    PyObject *op = ast_get(binop, kit->s_op);
    PyObject *left = op ? ast_get(binop, kit->s_left) : NULL;
    if (left == NULL) {
        Py_XDECREF(op);
        return -1;
    }
    int r = 0;
    if (op != NULL && Py_TYPE(op) == (PyTypeObject *)kit->op_mod) {
        ast_kind k = ast_kind_of(kit, left);
        if (k == AK_JoinedStr) {
            r = 1;
        }
        else if (k == AK_Constant) {
            PyObject *c = ast_get(left, kit->s_value);
            r = c == NULL ? -1 : PyUnicode_Check(c);
            Py_XDECREF(c);
        }
    }
    Py_DECREF(op);
    Py_DECREF(left);
    return r;
}

static int
ev_kind(fw *f, PyObject *expr, ast_kind kind)
{
    tx *t = f->t;
    ast_kit *kit = t->kit;
    switch (kind) {
    case AK_Name: {
        PyObject *id = ast_get(expr, kit->s_id);
        int v = id ? name_var(f, f->scope, id) : -1;
        Py_XDECREF(id);
        return v;
    }
    case AK_Constant:
        return t->lib_var;
    case AK_Attribute:
        return ev_attribute(f, expr);
    case AK_Call:
        return ev_call(f, expr);
    case AK_Lambda:
        return ev_lambda(f, expr);
    case AK_List:
    case AK_Tuple:
    case AK_Set:
    case AK_Dict:
        return ev_display(f, expr, kind);
    case AK_ListComp:
    case AK_SetComp:
    case AK_DictComp:
    case AK_GeneratorExp:
        return ev_comprehension(f, expr, kind);
    case AK_Subscript: {
        PyObject *base = ast_get(expr, kit->s_value);
        int b = base ? ev(f, base) : -1;
        Py_XDECREF(base);
        site *s = b < 0 || ev_field(f, expr, kit->s_slice) < 0 ? NULL : new_site(f, SITE_ATTR, expr, expr);
        if (s != NULL) {
            s->base = b;
        }
        PyObject *ctx = s ? ast_get(expr, kit->s_ctx) : NULL;
        int load = ctx && (ast_kind_of(kit, ctx) == AK_Load || expr == f->read_target);
        Py_XDECREF(ctx);
        if (s == NULL || (load && item_site(f, expr, OPK_GETITEM, b, -1) < 0)) {
            return -1;
        }
        return derived(f, K_ITEMS, b, NULL, s);
    }
    case AK_Starred: {
        PyObject *v = ast_get(expr, kit->s_value);
        int r = v ? ev(f, v) : -1;
        Py_XDECREF(v);
        return r;
    }
    case AK_NamedExpr: {
        PyObject *value = ast_get(expr, kit->s_value);
        PyObject *target = value ? ast_get(expr, kit->s_target) : NULL;
        int v = target ? ev(f, value) : -1;
        scope *s = f->scope;
        while (s->kind == SC_COMPREHENSION && s->parent != NULL) {
            s = s->parent;
        }
        int rc = v < 0 ? -1 : assign(f, target, v, s);
        Py_XDECREF(value);
        Py_XDECREF(target);
        return rc < 0 ? -1 : v;
    }
    case AK_BoolOp: {
        /* as a value, `a or b` tests the truth of each operand but the last */
        int v = ev_union(f, expr, kit->s_values, NULL);
        PyObject *values = v >= 0 ? ast_get(expr, kit->s_values) : NULL;
        int rc = values ? 0 : -1;
        for (Py_ssize_t i = 0; rc == 0 && i + 1 < PyList_Size(values); i++) {
            rc = truth_test(f, PyList_GetItem(values, i));
        }
        Py_XDECREF(values);
        return rc < 0 ? -1 : v;
    }
    case AK_IfExp: {
        if (ev_field(f, expr, kit->s_test) < 0 || truth_test_field(f, expr, kit->s_test) < 0) {
            return -1;
        }
        return ev_union(f, expr, kit->s_body, kit->s_orelse);
    }
    case AK_BinOp: {
        /* `handlers + [f]` holds what both operands' items hold */
        int v = ev_union(f, expr, kit->s_left, kit->s_right);
        if (v < 0 || con(f, K_COPY, v, t->lib_var) < 0) {
            return -1;
        }
        int formats = percent_format(t, expr);
        if (formats < 0 || (formats && format_site(f, expr, kit->s_right) < 0) ||
            (!formats && operator_site(f, expr, kind) < 0)) {
            return -1;
        }
        return v;
    }
    case AK_Compare:
    case AK_UnaryOp:
        return ev_children(f, expr) < 0 || operator_site(f, expr, kind) < 0 ? -1 : t->lib_var;
    case AK_Yield: {
        PyObject *value = ast_get(expr, kit->s_value);
        int v = value == NULL ? -1 : value == Py_None ? t->lib_var : ev(f, value);
        Py_XDECREF(value);
        return v < 0 || con(f, K_COPY, f->unit->yields, v) < 0 ? -1 : t->lib_var;
    }
    case AK_YieldFrom: {
        PyObject *value = ast_get(expr, kit->s_value);
        int v = value ? ev(f, value) : -1;
        Py_XDECREF(value);
        site *s = v < 0 ? NULL : new_site(f, SITE_YIELD_FROM, expr, expr);
        if (s == NULL) {
            return -1;
        }
        s->iter = v;
        int items = derived(f, K_ITEMS, v, NULL, s);
        return items < 0 || con(f, K_COPY, f->unit->yields, items) < 0 ? -1 : t->lib_var;
    }
    case AK_FormattedValue:
        /* f"{value!r:spec}" calls format() of the value (after its str or
         * repr) */
        if (ev_field(f, expr, kit->s_value) < 0 || format_site(f, expr, kit->s_value) < 0) {
            return -1;
        }
        return ev_field(f, expr, kit->s_format_spec) < 0 ? -1 : t->lib_var;
    default:
        /* comparisons, f-strings, awaits, slices...: a library value */
        return ev_children(f, expr) < 0 ? -1 : t->lib_var;
    }
}

static int
ev(fw *f, PyObject *expr)
{
    tx *t = f->t;
    if (expr == NULL || expr == Py_None) {
        return t->lib_var;
    }
    int have = tx_var_of(t, expr);
    if (have >= 0 || PyErr_Occurred()) {
        return have;
    }
    ast_kind kind = ast_kind_of(t->kit, expr);
    if (kind == AK_OTHER && !ast_is_node(t->kit, expr)) {
        return t->lib_var;
    }
    if (Py_EnterRecursiveCall(" in pyrun's analysis")) {
        return -1;
    }
    int v = ev_kind(f, expr, kind);
    Py_LeaveRecursiveCall();
    if (v < 0 || tx_keep(t, expr) < 0 || note_var(f, expr, v) < 0) {
        return -1;
    }
    return v;
}

/* ---- statements ------------------------------------------------------- */

static int
stmt_for(fw *f, PyObject *node, int is_async)
{
    ast_kit *kit = f->t->kit;
    PyObject *iter = ast_get(node, kit->s_iter);
    PyObject *target = iter ? ast_get(node, kit->s_target) : NULL;
    int iv = target ? ev(f, iter) : -1;
    site *s = iv < 0 || is_async ? NULL : new_site(f, SITE_FOR, node, node);
    int items = iv < 0 || (!is_async && s == NULL) ? -1 : derived(f, K_ITEMS, iv, NULL, s);
    if (s != NULL) {
        s->iter = iv;
    }
    int rc = items < 0 || assign(f, target, items, f->scope) < 0 ? -1 : 0;
    Py_XDECREF(iter);
    Py_XDECREF(target);
    if (rc < 0) {
        return -1;
    }
    PyObject *body = ast_get(node, kit->s_body);
    PyObject *orelse = body ? ast_get(node, kit->s_orelse) : NULL;
    rc = orelse && stmts(f, body) == 0 && stmts(f, orelse) == 0 ? 0 : -1;
    Py_XDECREF(body);
    Py_XDECREF(orelse);
    return rc;
}

static int
stmt_with(fw *f, PyObject *node, int is_async)
{
    ast_kit *kit = f->t->kit;
    PyObject *items = ast_get(node, kit->s_items);
    if (items == NULL) {
        return -1;
    }
    Py_ssize_t n = PyList_Size(items);
    site *s = is_async ? NULL : new_site(f, SITE_WITH, node, node);
    int rc = is_async || s ? 0 : -1;
    if (s != NULL) {
        s->items = PyMem_Calloc((size_t)n + 1, sizeof(int));
        s->nitems = (int)n;
        if (s->items == NULL) {
            PyErr_NoMemory();
            rc = -1;
        }
    }
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
        PyObject *item = PyList_GetItem(items, i);
        PyObject *cm = ast_get(item, kit->s_context_expr);
        PyObject *as = cm ? ast_get(item, kit->s_optional_vars) : NULL;
        int v = as ? ev(f, cm) : -1;
        if (s != NULL && v >= 0) {
            s->items[i] = v;
        }
        int entered = v < 0 ? -1 : derived(f, K_ENTER, v, NULL, s);
        rc = entered < 0 ? -1 : (as != Py_None ? assign(f, as, entered, f->scope) : 0);
        Py_XDECREF(cm);
        Py_XDECREF(as);
    }
    Py_DECREF(items);
    PyObject *body = rc == 0 ? ast_get(node, kit->s_body) : NULL;
    rc = body && stmts(f, body) == 0 ? 0 : -1;
    Py_XDECREF(body);
    return rc;
}

static int
stmts(fw *f, PyObject *list)
{
    for (Py_ssize_t i = 0; PyList_Check(list) && i < PyList_Size(list); i++) {
        if (stmt(f, PyList_GetItem(list, i)) < 0) {
            return -1;
        }
    }
    return 0;
}

static int
stmt_body_fields(fw *f, PyObject *node, PyObject *a, PyObject *b, PyObject *c)
{
    PyObject *fields[3] = {a, b, c};
    for (int i = 0; i < 3 && fields[i]; i++) {
        PyObject *list = ast_get(node, fields[i]);
        int rc = list ? stmts(f, list) : -1;
        Py_XDECREF(list);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* Names bound to values pyrun does not follow (except-as, match
 * captures, del) hold a library value. */
static int
bind_lib(fw *f, PyObject *node, PyObject *field)
{
    PyObject *name = ast_get(node, field);
    if (name == NULL) {
        return -1;
    }
    int rc = 0;
    if (PyUnicode_Check(name)) {
        int v = store_var(f, f->scope, name);
        rc = v < 0 ? -1 : con(f, K_COPY, v, f->t->lib_var);
    }
    Py_DECREF(name);
    return rc;
}

static int pattern(fw *f, PyObject *p);

/* A sub-pattern, or an expression inside a pattern (a class, a key). */
static int
pattern_child(void *f, PyObject *child)
{
    ast_kind k = ast_kind_of(((fw *)f)->t->kit, child);
    return k >= AK_MatchValue && k <= AK_MatchOr ? pattern(f, child) : ev_child(f, child);
}

static int
pattern(fw *f, PyObject *p)
{
    ast_kit *kit = f->t->kit;
    ast_kind k = ast_kind_of(kit, p);
    if (k == AK_MatchAs || k == AK_MatchStar) {
        if (bind_lib(f, p, kit->s_name) < 0) {
            return -1;
        }
    }
    else if (k == AK_MatchMapping && bind_lib(f, p, kit->s_rest) < 0) {
        return -1;
    }
    else if (k == AK_MatchValue) {
        return ev_field(f, p, kit->s_value);
    }
    return ast_each_child(kit, p, pattern_child, f);
}

static int
stmt(fw *f, PyObject *node)
{
    tx *t = f->t;
    ast_kit *kit = t->kit;
    ast_kind kind = ast_kind_of(kit, node);
    tx_at(t, f->mod, node);
    switch (kind) {
    case AK_FunctionDef:
    case AK_AsyncFunctionDef:
        return stmt_def(f, node);
    case AK_ClassDef:
        return stmt_class(f, node);
    case AK_Assign: {
        PyObject *value = ast_get(node, kit->s_value);
        PyObject *targets = value ? ast_get(node, kit->s_targets) : NULL;
        int v = targets ? ev(f, value) : -1;
        int rc = v < 0 ? -1 : 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(targets); i++) {
            rc = assign(f, PyList_GetItem(targets, i), v, f->scope);
        }
        Py_XDECREF(value);
        Py_XDECREF(targets);
        return rc;
    }
    case AK_AnnAssign:
    case AK_AugAssign: {
        PyObject *value = ast_get(node, kit->s_value);
        PyObject *target = value ? ast_get(node, kit->s_target) : NULL;
        int rc = target == NULL || ev_field(f, node, kit->s_annotation) < 0 ? -1 : 0;
        if (rc == 0 && value != Py_None) {
            int v = ev(f, value);
            if (kind == AK_AugAssign && v >= 0) {
                /* x += y: x still holds what it held, and y's items */
                int both = tx_new_var(t);
                f->read_target = target;
                int old = both < 0 ? -1 : ev(f, target);
                f->read_target = NULL;
                int in = v;
                v = old < 0 || con(f, K_COPY, both, v) < 0 || con(f, K_COPY, both, old) < 0 ? -1 : both;
                ast_kind tk = ast_kind_of(kit, target);
                PyObject *op = v >= 0 && (op_protocols(t) & PM_ARITH) &&
                                       (tk == AK_Name || tk == AK_Attribute || tk == AK_Subscript)
                                   ? ast_get(node, kit->s_op)
                                   : NULL;
                int code = op ? op_code(op, BINARY_NODES, 13) : -1;
                Py_XDECREF(op);
                if (code >= 0 && op_site(f, node, node, OPK_INPLACE << 8 | code, old, in) < 0) {
                    v = -1;
                }
            }
            rc = v < 0 ? -1 : assign(f, target, v, f->scope);
        }
        Py_XDECREF(value);
        Py_XDECREF(target);
        return rc;
    }
    case AK_For:
    case AK_AsyncFor:
        return stmt_for(f, node, kind == AK_AsyncFor);
    case AK_With:
    case AK_AsyncWith:
        return stmt_with(f, node, kind == AK_AsyncWith);
    case AK_Return: {
        PyObject *value = ast_get(node, kit->s_value);
        int v = value == NULL ? -1 : value == Py_None ? t->lib_var : ev(f, value);
        Py_XDECREF(value);
        /* a generator's return value is StopIteration's: not followed */
        return v < 0 || (!f->unit->generator && con(f, K_COPY, f->unit->ret, v) < 0) ? -1 : 0;
    }
    case AK_Import:
        return stmt_import(f, node, 0);
    case AK_ImportFrom:
        return stmt_import(f, node, 1);
    case AK_If:
    case AK_While:
        if (ev_field(f, node, kit->s_test) < 0 || truth_test_field(f, node, kit->s_test) < 0) {
            return -1;
        }
        return stmt_body_fields(f, node, kit->s_body, kit->s_orelse, NULL);
    case AK_Try:
    case AK_TryStar: {
        if (stmt_body_fields(f, node, kit->s_body, kit->s_orelse, kit->s_finalbody) < 0) {
            return -1;
        }
        PyObject *handlers = ast_get(node, kit->s_handlers);
        int rc = handlers == NULL ? -1 : 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(handlers); i++) {
            PyObject *h = PyList_GetItem(handlers, i);
            rc = ev_field(f, h, kit->s_type) == 0 && bind_lib(f, h, kit->s_name) == 0 &&
                         stmt_body_fields(f, h, kit->s_body, NULL, NULL) == 0
                     ? 0
                     : -1;
        }
        Py_XDECREF(handlers);
        return rc;
    }
    case AK_Match: {
        if (ev_field(f, node, kit->s_subject) < 0) {
            return -1;
        }
        PyObject *cases = ast_get(node, kit->s_cases);
        int rc = cases == NULL ? -1 : 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(cases); i++) {
            PyObject *c = PyList_GetItem(cases, i);
            PyObject *p = ast_get(c, kit->s_pattern);
            rc = p && pattern(f, p) == 0 && ev_field(f, c, kit->s_guard) == 0 &&
                         stmt_body_fields(f, c, kit->s_body, NULL, NULL) == 0
                     ? 0
                     : -1;
            Py_XDECREF(p);
        }
        Py_XDECREF(cases);
        return rc;
    }
    case AK_Delete: {
        PyObject *targets = ast_get(node, kit->s_targets);
        int rc = targets == NULL ? -1 : 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_Size(targets); i++) {
            PyObject *target = PyList_GetItem(targets, i);
            if (ast_kind_of(kit, target) == AK_Name) {
                continue; /* the name is unbound: nothing flows */
            }
            rc = ev_children(f, target);
            if (rc == 0 && ast_kind_of(kit, target) == AK_Attribute) {
                PyObject *base = ast_get(target, kit->s_value);
                int b = base ? tx_var_of(t, base) : -1;
                Py_XDECREF(base);
                rc = b < 0 ? -1 : store_attr(f, target, b, -1);
            }
            if (rc == 0 && ast_kind_of(kit, target) == AK_Subscript) {
                PyObject *base = ast_get(target, kit->s_value);
                int b = base ? tx_var_of(t, base) : -1;
                Py_XDECREF(base);
                rc = b < 0 ? -1 : item_site(f, target, OPK_DELITEM, b, -1);
            }
        }
        Py_XDECREF(targets);
        return rc;
    }
    case AK_TypeAlias: {
        PyObject *name = ast_get(node, kit->s_name);
        PyObject *id = name ? ast_get(name, kit->s_id) : NULL;
        int v = id ? store_var(f, f->scope, id) : -1;
        Py_XDECREF(name);
        Py_XDECREF(id);
        return v < 0 || con(f, K_COPY, v, t->lib_var) < 0 ? -1 : 0;
    }
    case AK_Global:
    case AK_Nonlocal:
    case AK_Pass:
    case AK_Break:
    case AK_Continue:
        return 0;
    case AK_Assert:
        return ev_children(f, node) < 0 ? -1 : truth_test_field(f, node, kit->s_test);
    default:
        /* Expr, Raise: their expressions */
        return ev_children(f, node);
    }
}

int
tx_flows(tx *t, module_info *m)
{
    fw f = {.t = t, .mod = m, .scope = m->scope, .unit = m->unit};
    PyObject *body = ast_get(m->tree, t->kit->s_body);
    int rc = body ? stmts(&f, body) : -1;
    Py_XDECREF(body);
    return rc;
}
