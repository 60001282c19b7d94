/* The transform's entry points: source or tree in, rewritten tree (or
 * None when nothing blocks) and notes out.
 *
 * A module that never names a blocking primitive cannot reach one through
 * its own code, so a textual scan for those names decides first whether
 * parsing to an AST is needed at all. Most modules stop there, and are
 * compiled from their source exactly as CPython would. */
#include "transform.h"

#include "model.h"

#include <string.h>

static const char *const triggers[] = {
    "sleep", "run", "input", "stdin", "run_until_complete", "run_forever", "new_event_loop",
};

static int
is_ident_start(unsigned char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int
is_ident_char(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int
names_a_trigger(const char *buf, Py_ssize_t len, PyObject *extra)
{
    const unsigned char *s = (const unsigned char *)buf;
    for (Py_ssize_t i = 0; i < len;) {
        if (!is_ident_start(s[i])) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        while (i < len && is_ident_char(s[i])) {
            i++;
        }
        size_t n = (size_t)(i - start);
        for (size_t k = 0; k < sizeof triggers / sizeof triggers[0]; k++) {
            if (strlen(triggers[k]) == n && memcmp(buf + start, triggers[k], n) == 0) {
                return 1;
            }
        }
        if (extra != NULL && PySet_Size(extra) > 0) {
            PyObject *word = PyUnicode_DecodeUTF8(buf + start, (Py_ssize_t)n, "replace");
            int hit = word ? PySet_Contains(extra, word) : -1;
            Py_XDECREF(word);
            if (hit != 0) {
                return hit;
            }
        }
    }
    return 0;
}

int
pyrun_may_block(PyObject *source, PyObject *extra_names)
{
    const char *buf;
    Py_ssize_t len;
    if (PyBytes_Check(source)) {
        buf = PyBytes_AsString(source);
        len = PyBytes_Size(source);
    }
    else {
        buf = PyUnicode_AsUTF8AndSize(source, &len);
    }
    if (buf == NULL) {
        return -1;
    }
    return names_a_trigger(buf, len, extra_names);
}

static ast_kit *
kit_of(pyrun_state *st)
{
    if (st->ast_kit == NULL) {
        ast_kit *kit = PyMem_Calloc(1, sizeof(ast_kit));
        if (kit == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        if (ast_kit_init(kit) < 0 || prims_init(kit) < 0) {
            prims_clear(kit);
            ast_kit_clear(kit);
            PyMem_Free(kit);
            return NULL;
        }
        st->ast_kit = kit;
    }
    return st->ast_kit;
}

void
pyrun_transform_state_clear(pyrun_state *st)
{
    if (st->ast_kit != NULL) {
        prims_clear(st->ast_kit);
        ast_kit_clear(st->ast_kit);
        PyMem_Free(st->ast_kit);
        st->ast_kit = NULL;
    }
}

int
pyrun_transform_state_traverse(pyrun_state *st, visitproc visit, void *arg)
{
    return st->ast_kit ? ast_kit_traverse(st->ast_kit, visit, arg) : 0;
}

PyObject *
pyrun_transform_tree(pyrun_state *st, PyObject *tree, PyObject *filename, int may_await,
                     PyObject **notes, PyObject **colored)
{
    *notes = NULL;
    if (colored) {
        *colored = NULL;
    }
    ast_kit *kit = kit_of(st);
    if (kit == NULL) {
        return NULL;
    }
    tx t = {.kit = kit, .filename = filename, .tree = tree, .module_may_await = may_await};
    PyObject *result = NULL;
    if (tx_collect(&t) < 0 || tx_color(&t) < 0 || tx_rewrite(&t) < 0) {
        goto done;
    }
    *notes = Py_NewRef(t.notes);
    if (colored) {
        *colored = Py_NewRef(t.colored_defs);
    }
    result = Py_NewRef(t.rewrites > 0 ? tree : Py_None);
done:
    tx_free(&t);
    return result;
}

static PyObject *
parse(pyrun_state *st, PyObject *source, PyObject *filename)
{
    PyObject *args = Py_BuildValue("(OOsii)", source, filename, "exec",
                                   PYRUN_CF_ONLY_AST | PYRUN_CF_ALLOW_TOP_LEVEL_AWAIT, 1);
    if (args == NULL) {
        return NULL;
    }
    /* Building the tree allocates a node object per AST node; collections
     * in the middle of that only cost time. */
    int gc_was_enabled = PyGC_Disable();
    PyObject *tree = PyObject_CallObject(st->compile, args);
    if (gc_was_enabled) {
        PyGC_Enable();
    }
    Py_DECREF(args);
    return tree;
}

PyObject *
pyrun_transform_source(pyrun_state *st, PyObject *source, PyObject *filename, int may_await,
                       PyObject **notes, PyObject **colored)
{
    *notes = NULL;
    if (colored) {
        *colored = NULL;
    }
    int may_block = pyrun_may_block(source, NULL);
    if (may_block <= 0) {
        if (may_block == 0) {
            *notes = PyList_New(0);
            return *notes ? Py_NewRef(Py_None) : NULL;
        }
        return NULL;
    }
    PyObject *tree = parse(st, source, filename);
    if (tree == NULL) {
        return NULL;
    }
    PyObject *result = pyrun_transform_tree(st, tree, filename, may_await, notes, colored);
    Py_DECREF(tree);
    return result;
}

#define CO_COROUTINE_FLAG 0x0080

/* Remember the code objects of colored functions: at run time, a
 * coroutine made by one of them is awaited where pyrun could not tell
 * statically, and any other coroutine is left alone. */
static int
register_colored(pyrun_state *st, PyObject *code, PyObject *colored, PyTypeObject *code_type, int depth)
{
    if (depth > 200) {
        return 0;
    }
    PyObject *name = PyObject_GetAttrString(code, "co_name");
    PyObject *line = name ? PyObject_GetAttrString(code, "co_firstlineno") : NULL;
    PyObject *flags = line ? PyObject_GetAttrString(code, "co_flags") : NULL;
    PyObject *key = flags ? PyTuple_Pack(2, name, line) : NULL;
    int rc = key ? 0 : -1;
    if (rc == 0 && (PyLong_AsLong(flags) & CO_COROUTINE_FLAG)) {
        int hit = PySet_Contains(colored, key);
        rc = hit < 0 ? -1 : 0;
        if (hit > 0) {
            /* weakly: a program's code objects die with it */
            PyObject *ref = PyWeakref_NewRef(code, NULL);
            rc = ref ? PySet_Add(st->colored_code, ref) : -1;
            Py_XDECREF(ref);
        }
    }
    Py_XDECREF(name);
    Py_XDECREF(line);
    Py_XDECREF(flags);
    Py_XDECREF(key);
    PyObject *consts = rc == 0 ? PyObject_GetAttrString(code, "co_consts") : NULL;
    for (Py_ssize_t i = 0; consts && rc == 0 && i < PyTuple_Size(consts); i++) {
        PyObject *c = PyTuple_GetItem(consts, i);
        if (Py_TYPE(c) == code_type) {
            rc = register_colored(st, c, colored, code_type, depth + 1);
        }
    }
    Py_XDECREF(consts);
    return consts == NULL ? -1 : rc;
}

PyObject *
pyrun_compile_program(pyrun_state *st, PyObject *source, PyObject *filename, int may_await)
{
    PyObject *notes = NULL, *colored = NULL;
    PyObject *tree = pyrun_transform_source(st, source, filename, may_await, &notes, &colored);
    if (tree == NULL) {
        return NULL;
    }
    PyObject *what = tree == Py_None ? source : tree;
    PyObject *args = Py_BuildValue("(OOsii)", what, filename, "exec", PYRUN_CF_ALLOW_TOP_LEVEL_AWAIT, 1);
    PyObject *code = args ? PyObject_CallObject(st->compile, args) : NULL;
    Py_XDECREF(args);
    if (code != NULL && colored != NULL && PySet_Size(colored) > 0 &&
        register_colored(st, code, colored, Py_TYPE(code), 0) < 0) {
        Py_CLEAR(code);
    }
    Py_DECREF(tree);
    Py_XDECREF(notes);
    Py_XDECREF(colored);
    return code;
}
