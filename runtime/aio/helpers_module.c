/* The `__pyrun__` module: what transformed code calls. It is reachable as
 * a builtin, so transformed modules need no import and their namespaces
 * stay exactly as the user wrote them. Its functions are the pyrun
 * module's, bound to it, so they reach its state. */
#include "helpers.h"

#include "../importer/importer.h"

#define H(name, fn, flags) {name, (PyCFunction)(void (*)(void))(fn), flags, NULL}
#define VA METH_VARARGS
#define KW (METH_VARARGS | METH_KEYWORDS)

static PyObject *
check_next(PyObject *module, PyObject *value)
{
    pyrun_state *st = pyrun_get_state(module);
    PyObject *exhausted = st ? PyObject_GetAttrString(st->helpers, "EXHAUSTED") : NULL;
    if (exhausted == NULL) {
        return NULL;
    }
    int done = value == exhausted;
    Py_DECREF(exhausted);
    if (done) {
        PyErr_SetNone(PyExc_StopIteration);
        return NULL;
    }
    if (pyrun_reraise_stopped(st, value) < 0) {
        return NULL; /* StopIteration with what a generator returned */
    }
    return Py_NewRef(value);
}

static PyMethodDef helper_defs[] = {
    H("sleep", pyrun_helper_sleep, METH_FASTCALL),
    H("run", pyrun_helper_run, KW),
    H("run_until_complete", pyrun_helper_run_until_complete, VA),
    H("run_forever", pyrun_helper_run_forever, METH_O),
    H("new_event_loop", pyrun_helper_new_event_loop, METH_NOARGS),
    H("stop_loop", pyrun_helper_stop_loop, METH_O),
    H("close_loop", pyrun_helper_close_loop, METH_O),
    H("call", pyrun_helper_call, METH_FASTCALL | METH_KEYWORDS),
    H("fvalue", pyrun_helper_fvalue, METH_FASTCALL),
    H("percent", pyrun_helper_percent, METH_FASTCALL),
    H("strformat", pyrun_helper_strformat, KW),
    H("new", pyrun_helper_new, KW),
    H("getattr", pyrun_helper_getattr, VA),
    H("store_attr", pyrun_helper_store_attr, VA),
    H("delete_attr", pyrun_helper_delete_attr, VA),
    H("face", pyrun_helper_face, METH_O),
    H("lambda_face", pyrun_helper_lambda_face, METH_O),
    H("cached", pyrun_helper_cached, METH_O),
    H("dispatching", pyrun_helper_dispatching, METH_O),
    H("as_task", pyrun_helper_as_task, METH_O),
    H("stopped", pyrun_helper_stopped, METH_O),
    H("eval", pyrun_helper_eval, VA),
    H("exec", pyrun_helper_exec, VA),
    H("unstop", pyrun_helper_unstop, METH_O),
    H("sync_iter", pyrun_helper_sync_iter, METH_O),
    H("aclose", pyrun_helper_aclose, METH_O),
    H("to_thread", pyrun_helper_to_thread, METH_FASTCALL | METH_KEYWORDS),
    H("run_in_executor", pyrun_helper_run_in_executor, METH_FASTCALL | METH_KEYWORDS),
    H("block", pyrun_helper_block, VA),
    H("unsupported", pyrun_helper_unsupported, METH_O),
    H("acm", pyrun_helper_acm, METH_O),
    H("coop", pyrun_helper_coop, KW),
    H("coop_sync", pyrun_helper_coop_sync, KW),
    H("unavailable", pyrun_helper_unavailable, KW),
    H("futures_wait", pyrun_helper_futures_wait, KW),
    H("urlopen", pyrun_helper_urlopen, KW),
    H("getpass", pyrun_helper_getpass, KW),
    H("as_completed", pyrun_helper_as_completed, KW),
    H("input", pyrun_helper_input, VA),
    H("stdin", pyrun_helper_stdin, VA),
    H("aiter", pyrun_helper_aiter, METH_O),
    H("returned", pyrun_helper_returned, METH_O),
    H("delegate", pyrun_helper_delegate, METH_O),
    H("resume", pyrun_helper_resume, VA),
    H("map", pyrun_helper_map, VA),
    H("filter", pyrun_helper_filter, VA),
    H("starmap", pyrun_helper_starmap, VA),
    H("zip", pyrun_helper_zip, KW),
    H("iter", pyrun_helper_iter, VA),
    H("filterfalse", pyrun_helper_filterfalse, VA),
    H("takewhile", pyrun_helper_takewhile, VA),
    H("dropwhile", pyrun_helper_dropwhile, VA),
    H("accumulate", pyrun_helper_accumulate, KW),
    H("enumerate", pyrun_helper_enumerate, KW),
    H("any", pyrun_helper_any, METH_O),
    H("all", pyrun_helper_all, METH_O),
    H("unpack", pyrun_helper_unpack, VA),
    H("contains", pyrun_helper_contains, VA),
    H("list_search", pyrun_helper_list_search, METH_FASTCALL),
    H("next", pyrun_helper_next, VA),
    H("check_next", check_next, METH_O),
    H("sorted", pyrun_helper_sorted, KW),
    H("min", pyrun_helper_min, KW),
    H("max", pyrun_helper_max, KW),
    H("reduce", pyrun_helper_reduce, VA),
    H("sort", pyrun_helper_sort, KW),
    H("replay", pyrun_helper_replay, KW),
    H("compare", pyrun_helper_compare, METH_FASTCALL),
    H("binop", pyrun_helper_binop, METH_FASTCALL),
    H("inplace", pyrun_helper_inplace, METH_FASTCALL),
    H("unop", pyrun_helper_unop, METH_FASTCALL),
    H("truth", pyrun_helper_truth, METH_O),
    H("getitem", pyrun_helper_getitem, METH_FASTCALL),
    H("setitem", pyrun_helper_setitem, METH_FASTCALL),
    H("delitem", pyrun_helper_delitem, METH_FASTCALL),
    H("import_", pyrun_helper_import, METH_O),
    H("import_leaf", pyrun_helper_import_leaf, METH_O),
    H("loaded", pyrun_helper_loaded, METH_O),
    H("loaded_leaf", pyrun_helper_loaded_leaf, METH_O),
    H("loaded_from", pyrun_helper_loaded_from, VA),
    H("import_from", pyrun_helper_import_from, VA),
    H("import_star", pyrun_helper_import_star, VA),
    H("import_module", pyrun_helper_import_module, KW),
    H("dunder_import", pyrun_helper_dunder_import, KW),
    H("reload", pyrun_helper_reload, METH_O),
    {NULL, NULL, 0, NULL},
};

int
pyrun_helpers_install(PyObject *module, pyrun_state *st)
{
    PyObject *helpers = PyModule_New("__pyrun__");
    if (helpers == NULL) {
        return -1;
    }
    PyObject *modname = PyUnicode_FromString("__pyrun__");
    for (PyMethodDef *def = helper_defs; modname && def->ml_name != NULL; def++) {
        PyObject *fn = PyCFunction_NewEx(def, module, modname);
        if (fn == NULL || PyModule_AddObjectRef(helpers, def->ml_name, fn) < 0) {
            Py_XDECREF(fn);
            Py_CLEAR(modname);
            break;
        }
        Py_DECREF(fn);
    }
    if (modname == NULL) {
        Py_DECREF(helpers);
        return -1;
    }
    Py_DECREF(modname);
    PyObject *contextlib = pyrun_import("contextlib");
    PyObject *acm = contextlib ? PyObject_GetAttrString(contextlib, "asynccontextmanager") : NULL;
    PyObject *exhausted = acm ? PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type) : NULL;
    PyObject *builtins = exhausted ? pyrun_import("builtins") : NULL;
    int rc = builtins && PyModule_AddObjectRef(helpers, "asynccontextmanager", acm) == 0 &&
                     PyModule_AddObjectRef(helpers, "EXHAUSTED", exhausted) == 0 &&
                     PyModule_AddObjectRef(helpers, "BlockingError", st->blocking_error) == 0 &&
                     PyObject_SetAttrString(builtins, PYRUN_HELPERS_BUILTIN, helpers) == 0
                 ? 0
                 : -1;
    Py_XDECREF(contextlib);
    Py_XDECREF(acm);
    Py_XDECREF(exhausted);
    Py_XDECREF(builtins);
    if (rc == 0) {
        st->helpers = helpers;
    }
    else {
        Py_DECREF(helpers);
    }
    return rc;
}
