#include "ast_kit.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

static const char *const kind_names[AK_COUNT] = {
    [AK_OTHER] = NULL,
#define PYRUN_AST_NAME(name) [AK_##name] = #name,
    PYRUN_AST_KINDS(PYRUN_AST_NAME)
#undef PYRUN_AST_NAME
};

static size_t
slot_of(PyObject *cls)
{
    uintptr_t h = (uintptr_t)cls;
    h ^= h >> 9;
    h ^= h >> 17;
    return (size_t)(h & 255);
}

int
ast_kit_init(ast_kit *kit)
{
    memset(kit, 0, sizeof *kit);
#define PYRUN_AST_FIELD_INIT(name)                                            \
    kit->s_##name = PyUnicode_InternFromString(#name);                        \
    if (kit->s_##name == NULL) {                                              \
        return -1;                                                            \
    }
    PYRUN_AST_FIELDS(PYRUN_AST_FIELD_INIT)
#undef PYRUN_AST_FIELD_INIT
    kit->ast_module = pyrun_import("ast");
    kit->empty_tuple = PyTuple_New(0);
    if (kit->ast_module == NULL || kit->empty_tuple == NULL) {
        return -1;
    }
    kit->ast_base = (PyTypeObject *)PyObject_GetAttrString(kit->ast_module, "AST");
    if (kit->ast_base == NULL) {
        return -1;
    }
    kit->op_mod = PyObject_GetAttrString(kit->ast_module, "Mod");
    if (kit->op_mod == NULL) {
        return -1;
    }
    if (!PyType_Check((PyObject *)kit->ast_base)) {
        PyErr_SetString(PyExc_TypeError, "ast.AST is not a class");
        return -1;
    }
    for (int k = 1; k < AK_COUNT; k++) {
        PyObject *cls = PyObject_GetAttrString(kit->ast_module, kind_names[k]);
        if (cls == NULL) {
            /* Node types of other Python versions (TypeAlias, TryStar...). */
            PyErr_Clear();
            continue;
        }
        kit->classes[k] = cls;
        size_t i = slot_of(cls);
        while (kit->kind_keys[i] != NULL) {
            i = (i + 1) & 255;
        }
        kit->kind_keys[i] = cls;
        kit->kind_values[i] = (unsigned char)k;
    }
    kit->load = PyObject_CallNoArgs(kit->classes[AK_Load]);
    kit->store = kit->load ? PyObject_CallNoArgs(kit->classes[AK_Store]) : NULL;
    return kit->store == NULL ? -1 : 0;
}

void
ast_kit_clear(ast_kit *kit)
{
    for (int k = 0; k < AK_COUNT; k++) {
        Py_CLEAR(kit->classes[k]);
    }
    memset(kit->kind_keys, 0, sizeof kit->kind_keys);
    Py_CLEAR(kit->load);
    Py_CLEAR(kit->store);
    Py_CLEAR(kit->empty_tuple);
    Py_CLEAR(kit->ast_module);
    Py_CLEAR(kit->ast_base);
    Py_CLEAR(kit->op_mod);
#define PYRUN_AST_FIELD_CLEAR(name) Py_CLEAR(kit->s_##name);
    PYRUN_AST_FIELDS(PYRUN_AST_FIELD_CLEAR)
#undef PYRUN_AST_FIELD_CLEAR
}

int
ast_kit_traverse(ast_kit *kit, visitproc visit, void *arg)
{
    for (int k = 0; k < AK_COUNT; k++) {
        Py_VISIT(kit->classes[k]);
    }
    Py_VISIT(kit->load);
    Py_VISIT(kit->store);
    Py_VISIT(kit->ast_module);
    Py_VISIT(kit->ast_base);
    Py_VISIT(kit->op_mod);
    return 0;
}

ast_kind
ast_kind_of(const ast_kit *kit, PyObject *node)
{
    PyObject *cls = (PyObject *)Py_TYPE(node);
    size_t i = slot_of(cls);
    for (int probes = 0; probes < 256; probes++) {
        PyObject *key = kit->kind_keys[i];
        if (key == cls) {
            return (ast_kind)kit->kind_values[i];
        }
        if (key == NULL) {
            return AK_OTHER;
        }
        i = (i + 1) & 255;
    }
    return AK_OTHER;
}

int
ast_is_node(const ast_kit *kit, PyObject *v)
{
    return ast_kind_of(kit, v) != AK_OTHER || PyType_IsSubtype(Py_TYPE(v), kit->ast_base);
}

/* From the node's __dict__ where the field is, as it is in nodes that
 * ast.parse makes: half the work of an attribute lookup, which the
 * analysis does for every field of every node. Fields the node lacks are
 * the class's (None for optional ones) or missing. */
PyObject *
ast_get(PyObject *node, PyObject *field)
{
    PyObject *dict = PyObject_GenericGetDict(node, NULL);
    if (dict != NULL) {
        PyObject *found = PyDict_GetItemWithError(dict, field);
        Py_XINCREF(found);
        Py_DECREF(dict);
        if (found != NULL || PyErr_Occurred()) {
            return found;
        }
    }
    else if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear(); /* no __dict__: not a node made by ast */
    }
    else {
        return NULL;
    }
    PyObject *value = PyObject_GetAttr(node, field);
    if (value == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        return Py_NewRef(Py_None);
    }
    return value;
}

long
ast_get_int(PyObject *node, PyObject *field)
{
    PyObject *value = PyObject_GetAttr(node, field);
    if (value == NULL) {
        PyErr_Clear();
        return -1;
    }
    long v = value == Py_None ? -1 : PyLong_AsLong(value);
    Py_DECREF(value);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
    }
    return v;
}

int
ast_set(PyObject *node, PyObject *field, PyObject *value)
{
    return PyObject_SetAttr(node, field, value);
}

int
ast_copy_location(ast_kit *kit, PyObject *to, PyObject *from)
{
    PyObject *fields[4] = {kit->s_lineno, kit->s_col_offset, kit->s_end_lineno,
                           kit->s_end_col_offset};
    for (int i = 0; i < 4; i++) {
        PyObject *v = PyObject_GetAttr(from, fields[i]);
        if (v == NULL) {
            PyErr_Clear();
            continue;
        }
        int rc = PyObject_SetAttr(to, fields[i], v);
        Py_DECREF(v);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

PyObject *
ast_make(ast_kit *kit, ast_kind kind, PyObject *loc, ...)
{
    PyObject *kwargs = PyDict_New();
    if (kwargs == NULL) {
        return NULL;
    }
    va_list va;
    va_start(va, loc);
    for (;;) {
        PyObject *field = va_arg(va, PyObject *);
        if (field == NULL) {
            break;
        }
        PyObject *value = va_arg(va, PyObject *);
        if (value != NULL && PyDict_SetItem(kwargs, field, value) < 0) {
            va_end(va);
            Py_DECREF(kwargs);
            return NULL;
        }
    }
    va_end(va);
    PyObject *node = PyObject_Call(kit->classes[kind], kit->empty_tuple, kwargs);
    Py_DECREF(kwargs);
    if (node != NULL && loc != NULL && ast_copy_location(kit, node, loc) < 0) {
        Py_CLEAR(node);
    }
    return node;
}

PyObject *
ast_retype(ast_kit *kit, PyObject *node, ast_kind kind)
{
    PyObject *kwargs = PyDict_New();
    PyObject *fields = kwargs ? PyObject_GetAttr((PyObject *)Py_TYPE(node), kit->s__fields) : NULL;
    PyObject *attrs = fields ? PyObject_GetAttr((PyObject *)Py_TYPE(node), kit->s__attributes) : NULL;
    PyObject *node_out = NULL;
    if (attrs == NULL) {
        goto done;
    }
    PyObject *lists[2] = {fields, attrs};
    for (int l = 0; l < 2; l++) {
        Py_ssize_t n = PyTuple_Size(lists[l]);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *name = PyTuple_GetItem(lists[l], i);
            PyObject *v = PyObject_GetAttr(node, name);
            if (v == NULL) {
                PyErr_Clear();
                continue;
            }
            int rc = PyDict_SetItem(kwargs, name, v);
            Py_DECREF(v);
            if (rc < 0) {
                goto done;
            }
        }
    }
    node_out = PyObject_Call(kit->classes[kind], kit->empty_tuple, kwargs);
done:
    Py_XDECREF(kwargs);
    Py_XDECREF(fields);
    Py_XDECREF(attrs);
    return node_out;
}

PyObject *
ast_name(ast_kit *kit, PyObject *loc, PyObject *id, PyObject *ctx)
{
    return ast_make(kit, AK_Name, loc, kit->s_id, id, kit->s_ctx, ctx, NULL);
}

static int
at_start(ast_kit *kit, PyObject *node)
{
    PyObject *line = PyObject_GetAttr(node, kit->s_lineno);
    PyObject *col = line ? PyObject_GetAttr(node, kit->s_col_offset) : NULL;
    if (col == NULL) {
        Py_XDECREF(line);
        PyErr_Clear(); /* no location to keep */
        return 0;
    }
    int rc = PyObject_SetAttr(node, kit->s_end_lineno, line) < 0 || PyObject_SetAttr(node, kit->s_end_col_offset, col) < 0
                 ? -1
                 : 0;
    Py_DECREF(line);
    Py_DECREF(col);
    return rc;
}

PyObject *
ast_helper(ast_kit *kit, PyObject *loc, const char *helper)
{
    PyObject *id = PyUnicode_InternFromString(PYRUN_HELPERS_NAME);
    PyObject *attr = id ? PyUnicode_InternFromString(helper) : NULL;
    PyObject *base = attr ? ast_name(kit, loc, id, kit->load) : NULL;
    PyObject *node = base ? ast_make(kit, AK_Attribute, loc, kit->s_value, base, kit->s_attr, attr,
                                     kit->s_ctx, kit->load, NULL)
                          : NULL;
    /* where loc starts, not over all its lines: the compiler puts an
     * attribute load on its last line, and a trace function would see the
     * line events of a decorated def or a call jump there and back */
    if (node != NULL && (at_start(kit, base) < 0 || at_start(kit, node) < 0)) {
        Py_CLEAR(node);
    }
    Py_XDECREF(base);
    Py_XDECREF(attr);
    Py_XDECREF(id);
    return node;
}

PyObject *
ast_await(ast_kit *kit, PyObject *loc, PyObject *value)
{
    return ast_make(kit, AK_Await, loc, kit->s_value, value, NULL);
}

PyObject *
ast_helper_call(ast_kit *kit, PyObject *loc, const char *helper, PyObject *args,
                PyObject *keywords)
{
    PyObject *func = ast_helper(kit, loc, helper);
    if (func == NULL) {
        return NULL;
    }
    PyObject *kw = keywords ? Py_NewRef(keywords) : PyList_New(0);
    PyObject *call = kw ? ast_make(kit, AK_Call, loc, kit->s_func, func, kit->s_args, args,
                                   kit->s_keywords, kw, NULL)
                        : NULL;
    Py_XDECREF(kw);
    Py_DECREF(func);
    return call;
}

/* Places every node of a template at `loc`, substituting names. */
static PyObject *
template_node(ast_kit *kit, PyObject *node, PyObject *loc, PyObject *subs, int depth)
{
    if (depth > 64) {
        return Py_NewRef(node);
    }
    if (ast_kind_of(kit, node) == AK_Name) {
        PyObject *id = ast_get(node, kit->s_id);
        PyObject *sub = id ? PyDict_GetItemWithError(subs, id) : NULL;
        Py_XDECREF(id);
        if (sub != NULL && !PyUnicode_Check(sub)) {
            return Py_NewRef(sub);
        }
        if (sub != NULL && ast_set(node, kit->s_id, sub) < 0) {
            return NULL;
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
    }
    if (PyObject_HasAttr(node, kit->s_lineno) && ast_copy_location(kit, node, loc) < 0) {
        return NULL;
    }
    PyObject *fields = PyObject_GetAttr((PyObject *)Py_TYPE(node), kit->s__fields);
    if (fields == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyTuple_Size(fields); i++) {
        PyObject *name = PyTuple_GetItem(fields, i);
        PyObject *v = ast_get(node, name);
        int rc = v == NULL ? -1 : 0;
        if (rc == 0 && PyList_Check(v)) {
            for (Py_ssize_t j = 0; rc == 0 && j < PyList_Size(v); j++) {
                PyObject *item = PyList_GetItem(v, j);
                if (!ast_is_node(kit, item)) {
                    continue;
                }
                PyObject *nv = template_node(kit, item, loc, subs, depth + 1);
                rc = nv == NULL ? -1 : PyList_SetItem(v, j, nv);
            }
        }
        else if (rc == 0 && ast_is_node(kit, v)) {
            PyObject *nv = template_node(kit, v, loc, subs, depth + 1);
            rc = nv == NULL ? -1 : (nv != v ? ast_set(node, name, nv) : 0);
            Py_XDECREF(nv);
        }
        Py_XDECREF(v);
        if (rc < 0) {
            Py_DECREF(fields);
            return NULL;
        }
    }
    Py_DECREF(fields);
    return Py_NewRef(node);
}

int
ast_each_child(ast_kit *kit, PyObject *node, int (*visit)(void *arg, PyObject *child), void *arg)
{
    PyObject *fields = PyObject_GetAttr((PyObject *)Py_TYPE(node), kit->s__fields);
    if (fields == NULL) {
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyTuple_Size(fields); i++) {
        PyObject *v = ast_get(node, PyTuple_GetItem(fields, i));
        if (v == NULL) {
            rc = -1;
            break;
        }
        if (PyList_Check(v)) {
            for (Py_ssize_t j = 0; rc == 0 && j < PyList_Size(v); j++) {
                PyObject *item = PyList_GetItem(v, j);
                if (ast_is_node(kit, item)) {
                    rc = visit(arg, item);
                }
            }
        }
        else if (v != Py_None && ast_is_node(kit, v)) {
            rc = visit(arg, v);
        }
        Py_DECREF(v);
    }
    Py_DECREF(fields);
    return rc;
}

PyObject *
ast_template(ast_kit *kit, const char *source, PyObject *loc, PyObject *subs)
{
    PyObject *builtins = pyrun_import("builtins");
    PyObject *compile = builtins ? PyObject_GetAttrString(builtins, "compile") : NULL;
    Py_XDECREF(builtins);
    PyObject *tree = compile ? PyObject_CallFunction(compile, "sssi", source, "<pyrun>", "exec",
                                                     PYRUN_CF_ONLY_AST | PYRUN_CF_ALLOW_TOP_LEVEL_AWAIT)
                             : NULL;
    Py_XDECREF(compile);
    PyObject *body = tree ? ast_get(tree, kit->s_body) : NULL;
    Py_XDECREF(tree);
    for (Py_ssize_t i = 0; body && i < PyList_Size(body); i++) {
        PyObject *stmt = template_node(kit, PyList_GetItem(body, i), loc, subs, 0);
        if (stmt == NULL || PyList_SetItem(body, i, stmt) < 0) {
            Py_CLEAR(body);
        }
    }
    return body;
}
