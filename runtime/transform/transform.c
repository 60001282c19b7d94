/* The transform's entry points: source or tree in, rewritten tree (or
 * None when nothing blocks) and notes out.
 *
 * A module that never names a blocking primitive cannot reach one through
 * its own code, so a textual scan for those names decides first whether
 * parsing to an AST is needed at all. Most modules stop there, and are
 * compiled from their source exactly as CPython would. */
#include "transform.h"

#include "../errors.h"
#include "../importer/importer.h"
#include "model.h"

#include <string.h>

static const char *const triggers[] = {
    "sleep", "run", "input", "stdin", "run_until_complete", "run_forever", "new_event_loop",
    "await", "async", "threading", "queue", "futures", "multiprocessing", "subprocess", "socket", "select",
    "urlopen", "HTTPConnection", "HTTPSConnection", "getpass", "popen", "fork", "forkpty", "spawn", "posix_spawn",
    "posix_spawnp", "execv", "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe", "spawnv",
    "spawnve", "spawnvp", "spawnvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe",
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

/* The text of source (bytes, or str as UTF-8); NULL on error. */
static const char *
source_text(PyObject *source, Py_ssize_t *len)
{
    if (PyBytes_Check(source)) {
        *len = PyBytes_Size(source);
        return PyBytes_AsString(source);
    }
    return PyUnicode_AsUTF8AndSize(source, len);
}

int
pyrun_may_block(PyObject *source, PyObject *extra_names)
{
    Py_ssize_t len;
    const char *buf = source_text(source, &len);
    return buf == NULL ? -1 : names_a_trigger(buf, len, extra_names);
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

static int
contains_word(PyObject *source, const char *word)
{
    Py_ssize_t len;
    const char *buf = source_text(source, &len);
    if (buf == NULL) {
        return -1;
    }
    size_t n = strlen(word);
    for (Py_ssize_t i = 0; i + (Py_ssize_t)n <= len; i++) {
        if (memcmp(buf + i, word, n) == 0 && (i == 0 || !is_ident_char((unsigned char)buf[i - 1])) &&
            (i + (Py_ssize_t)n == len || !is_ident_char((unsigned char)buf[i + n]))) {
            return 1;
        }
    }
    return 0;
}

/* Every user module the program imports, found through `resolver` (a
 * callable: name -> (filename, source, is_package) for a user module, with
 * filename None for a namespace package; False for another module; None
 * for one that is not found) and added to
 * the analysis; modules that do not parse are left to fail when imported. */
static int
discover(pyrun_state *st, tx *t, PyObject *resolver)
{
    PyObject *seen = PySet_New(NULL);
    if (seen == NULL) {
        return -1;
    }
    for (int i = 0; i < t->nmods; i++) {
        PyObject *imports = t->mods[i]->imports;
        for (Py_ssize_t j = 0; j < PyList_Size(imports); j++) {
            PyObject *name = PyList_GetItem(imports, j);
            int known = PySet_Contains(seen, name);
            if (known < 0 || (!known && PySet_Add(seen, name) < 0)) {
                Py_DECREF(seen);
                return -1;
            }
            if (known || tx_module(t, name) != NULL) {
                continue;
            }
            PyObject *found = PyObject_CallOneArg_compat(resolver, name);
            if (found == NULL) {
                Py_DECREF(seen);
                return -1;
            }
            if (found == Py_None || found == Py_False) {
                /* None: not there now; False: not the user's */
                int rc = found == Py_None ? PySet_Add(t->unfound, name) : 0;
                Py_DECREF(found);
                if (rc < 0) {
                    Py_DECREF(seen);
                    return -1;
                }
                continue;
            }
            PyObject *filename, *source, *is_package;
            if (!PyArg_ParseTuple(found, "OOO", &filename, &source, &is_package)) {
                Py_DECREF(found);
                Py_DECREF(seen);
                return -1;
            }
            /* a namespace package has no file: an empty module that only
             * holds its submodules */
            int namespace = filename == Py_None;
            PyObject *shown = namespace ? PyUnicode_FromFormat("<namespace package %U>", name)
                                        : Py_NewRef(filename);
            PyObject *tree = shown ? parse(st, source, shown) : NULL;
            if (tree == NULL) {
                Py_XDECREF(shown);
                PyErr_Clear(); /* its own import will report it */
                Py_DECREF(found);
                continue;
            }
            PyObject *package;
            if (PyObject_IsTrue(is_package)) {
                package = Py_NewRef(name);
            }
            else {
                Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GetLength(name), -1);
                package = dot >= 0 ? PyUnicode_Substring(name, 0, dot) : PyUnicode_FromString("");
            }
            module_info *m = package ? tx_add_module(t, tree, source, shown, name, package, 1) : NULL;
            if (m != NULL) {
                m->namespace = namespace;
            }
            Py_XDECREF(package);
            Py_DECREF(shown);
            Py_DECREF(tree);
            Py_DECREF(found);
            if (m == NULL) {
                Py_DECREF(seen);
                return -1;
            }
        }
    }
    Py_DECREF(seen);
    return 0;
}

/* One result per module: (name, filename, source, tree or None, notes),
 * the root first. */
static PyObject *
results(tx *t)
{
    PyObject *list = PyList_New(0);
    for (int i = 0; list && i < t->nmods; i++) {
        module_info *m = t->mods[i];
        if (m->namespace) {
            continue;
        }
        PyObject *item = Py_BuildValue("(OOOOO)", m->name, m->filename, m->source,
                                       m->rewrites > 0 ? m->tree : Py_None, m->notes);
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(item);
    }
    return list;
}

static PyObject *
untouched_result(PyObject *name, PyObject *filename, PyObject *source)
{
    PyObject *notes = PyList_New(0);
    PyObject *one = notes ? Py_BuildValue("[(OOOOO)]", name, filename, source, Py_None, notes) : NULL;
    Py_XDECREF(notes);
    return one;
}

/* For the benchmark (_transform_times): perf_counter() at the end of
 * pass i (0 parse, 1 analysis, 2 rewrite), when asked for. */
static void
clock_pass(pyrun_state *st, int i)
{
    if (st->pass_clock == NULL || PyErr_Occurred()) {
        return;
    }
    PyObject *time = pyrun_import("time");
    PyObject *now = time ? PyObject_CallMethod(time, "perf_counter", NULL) : NULL;
    st->pass_clock[i] = now ? PyFloat_AsDouble(now) : 0.0;
    Py_XDECREF(now);
    Py_XDECREF(time);
    PyErr_Clear();
}

PyObject *
pyrun_transform_program(pyrun_state *st, PyObject *source, PyObject *filename, PyObject *name,
                        PyObject *package, PyObject *resolver)
{
    int may_block = pyrun_may_block(source, NULL);
    int imports = may_block == 0 && resolver != NULL ? contains_word(source, "import") : 0;
    if (may_block < 0 || imports < 0) {
        return NULL;
    }
    if (!may_block && !imports && !st->transform_everything && !st->transform_dynamic) {
        /* nothing blocks here, and no other module can make it */
        return untouched_result(name, filename, source);
    }
    /* The trees are made and dropped by refcount alone: the collector,
     * which would walk them again and again as they grow, waits. */
    int collecting = PyGC_Disable();
    ast_kit *kit = kit_of(st);
    PyObject *tree = kit ? parse(st, source, filename) : NULL;
    if (tree == NULL) {
        if (collecting) {
            PyGC_Enable();
        }
        return NULL;
    }
    clock_pass(st, 0);
    tx t = {.kit = kit, .dynamic_names = st->transform_dynamic};
    PyObject *out = NULL;
    if (tx_init(&t) < 0 || tx_add_module(&t, tree, source, filename, name, package, 1) == NULL ||
        (resolver != NULL && resolver != Py_None && discover(st, &t, resolver) < 0)) {
        goto done;
    }
    int any = PySet_Size(t.unfound) > 0 || st->transform_everything || st->transform_dynamic;
    for (int i = 0; i < t.nmods && !any; i++) {
        any = pyrun_may_block(t.mods[i]->source, NULL);
        if (any < 0) {
            goto done;
        }
    }
    if (any) {
        for (int i = 0; i < t.nmods; i++) {
            if (tx_flows(&t, t.mods[i]) < 0) {
                goto done;
            }
        }
        if (tx_solve(&t) < 0 || tx_color(&t) < 0) {
            goto done;
        }
        clock_pass(st, 1);
        for (int i = 0; i < t.nmods; i++) {
            if (tx_rewrite(&t, t.mods[i]) < 0) {
                goto done;
            }
        }
    }
    clock_pass(st, 2);
    out = results(&t);
done:
    if (out == NULL) {
        pyrun_transform_failed(st, t.at_mod ? t.at_mod->filename : filename, tx_at_line(&t), 0);
    }
    tx_free(&t);
    Py_DECREF(tree);
    if (collecting) {
        PyGC_Enable();
    }
    return out;
}

PyObject *
pyrun_transform_source(pyrun_state *st, PyObject *source, PyObject *filename, int may_await, PyObject **notes)
{
    (void)may_await;
    *notes = NULL;
    PyObject *name = PyUnicode_FromString("__main__");
    PyObject *all = name ? pyrun_transform_program(st, source, filename, name, Py_None, st->module_resolver)
                         : NULL;
    Py_XDECREF(name);
    if (all == NULL) {
        return NULL;
    }
    PyObject *root = PyList_GetItem(all, 0);
    *notes = Py_NewRef(PyTuple_GetItem(root, 4));
    PyObject *tree = Py_NewRef(PyTuple_GetItem(root, 3));
    Py_DECREF(all);
    return tree;
}

static PyObject *
compile_exec(pyrun_state *st, PyObject *what, PyObject *filename)
{
    /* its frames are the program's, for sys.settrace (aio/trace_filter.c) */
    if (PySet_Add(st->program_files, filename) < 0) {
        return NULL;
    }
    PyObject *args = Py_BuildValue("(OOsii)", what, filename, "exec", PYRUN_CF_ALLOW_TOP_LEVEL_AWAIT, 1);
    PyObject *code = args ? PyObject_CallObject(st->compile, args) : NULL;
    Py_XDECREF(args);
    /* a body that awaits waits as a colored function does */
    if (code != NULL && pyrun_trace_mark_colored(st, code) < 0) {
        Py_CLEAR(code);
    }
    return code;
}

/* The rewritten tree does not compile. If the program as written does
 * not either, its own error is the one CPython reports; otherwise the
 * rewrite broke it (or hit the AST's recursion limit). Returns NULL. */
static PyObject *
rewritten_failed_to_compile(pyrun_state *st, PyObject *source, PyObject *filename)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *code = compile_exec(st, source, filename);
    if (code == NULL) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return NULL;
    }
    Py_DECREF(code);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *lineno = value ? PyObject_GetAttrString(value, "lineno") : NULL;
    long line = lineno && PyLong_Check(lineno) ? PyLong_AsLong(lineno) : 0;
    Py_XDECREF(lineno);
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    pyrun_transform_failed(st, filename, line, 1);
    return NULL;
}

/* Compile one module's result (see pyrun_transform_program). */
PyObject *
pyrun_compile_result(pyrun_state *st, PyObject *result)
{
    PyObject *filename = PyTuple_GetItem(result, 1);
    PyObject *source = PyTuple_GetItem(result, 2);
    PyObject *tree = PyTuple_GetItem(result, 3);
    PyObject *what = tree == Py_None ? source : tree;
    PyObject *code = compile_exec(st, what, filename);
    if (code == NULL && tree != Py_None &&
        (PyErr_ExceptionMatches(PyExc_SyntaxError) || PyErr_ExceptionMatches(PyExc_RecursionError))) {
        code = rewritten_failed_to_compile(st, source, filename);
    }
    return code;
}

PyObject *
pyrun_compile_program(pyrun_state *st, PyObject *source, PyObject *filename, PyObject *package)
{
    PyObject *name = PyUnicode_FromString("__main__");
    PyObject *results = name ? pyrun_transform_program(st, source, filename, name, package, st->module_resolver)
                             : NULL;
    Py_XDECREF(name);
    PyObject *code = results ? pyrun_compile_and_cache(st, results) : NULL;
    Py_XDECREF(results);
    return code;
}
