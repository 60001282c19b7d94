/* The stdlib and builtin objects the transform recognises by name. */
#include "model.h"

static const struct {
    const char *name;
    prim p;
} builtin_table[] = {
    {"input", P_INPUT},         {"property", P_PROPERTY}, {"staticmethod", P_STATICMETHOD},
    {"classmethod", P_CLASSMETHOD}, {"super", P_SUPER},   {"sorted", P_SORTED},
    {"min", P_MIN},             {"max", P_MAX},           {"map", P_MAP},
    {"filter", P_FILTER},       {"any", P_ANY},           {"all", P_ALL},
    {"sum", P_SUM},             {"list", P_LIST},         {"tuple", P_TUPLE},
    {"set", P_SET},             {"frozenset", P_FROZENSET}, {"dict", P_DICT},
    {"next", P_NEXT},           {"enumerate", P_ENUMERATE}, {"zip", P_ZIP},
    {"iter", P_ITER},           {"reversed", P_REVERSED}, {"getattr", P_GETATTR},
    {"eval", P_EVAL},           {"exec", P_EXEC},         {"__import__", P_DUNDER_IMPORT},
    {"print", P_PRINT},         {"str", P_STR},           {"repr", P_REPR},
    {"ascii", P_ASCII},         {"format", P_FORMAT},     {"len", P_LEN},
    {"bool", P_BOOL},           {"abs", P_ABS},
};

static const struct {
    const char *module;
    const char *attr;
    prim p;
} module_table[] = {
    {"time", "sleep", P_SLEEP},
    {"asyncio", "run", P_ASYNCIO_RUN},
    {"asyncio", "get_event_loop", P_GET_LOOP},
    {"asyncio", "get_running_loop", P_GET_LOOP},
    {"asyncio", "new_event_loop", P_NEW_LOOP},
    {"asyncio", "to_thread", P_TO_THREAD},
    {"sys", "stdin", P_STDIN},
    {"functools", "wraps", P_WRAPS},
    {"functools", "update_wrapper", P_UPDATE_WRAPPER},
    {"functools", "reduce", P_REDUCE},
    {"functools", "partial", P_PARTIAL},
    {"functools", "lru_cache", P_LRU_CACHE},
    {"functools", "cache", P_CACHE},
    {"functools", "cached_property", P_CACHED_PROPERTY},
    {"functools", "cmp_to_key", P_CMP_TO_KEY},
    {"functools", "singledispatch", P_SINGLEDISPATCH},
    {"functools", "singledispatchmethod", P_SINGLEDISPATCHMETHOD},
    {"contextlib", "contextmanager", P_CONTEXTMANAGER},
    {"types", "coroutine", P_TYPES_COROUTINE},
    {"pyodide.ffi", "create_proxy", P_JS_CALLBACK},
    {"pyodide.ffi", "create_once_callable", P_JS_CALLBACK},
    {"importlib", "import_module", P_IMPORT_MODULE},
    {"importlib", "reload", P_RELOAD},
    {"itertools", "starmap", P_STARMAP},
    {"itertools", "filterfalse", P_FILTERFALSE},
    {"itertools", "takewhile", P_TAKEWHILE},
    {"itertools", "dropwhile", P_DROPWHILE},
    {"itertools", "accumulate", P_ACCUMULATE},
    {"re", "sub", P_RE_SUB},
    {"re", "subn", P_RE_SUB},
    {"json", "dumps", P_JSON_DUMPS},
    {"json", "loads", P_JSON_LOADS},
    {"heapq", "nsmallest", P_NSMALLEST},
    {"heapq", "nlargest", P_NSMALLEST},
    {"bisect", "bisect", P_BISECT},
    {"bisect", "bisect_left", P_BISECT},
    {"bisect", "bisect_right", P_BISECT},
    {"bisect", "insort", P_BISECT},
    {"bisect", "insort_left", P_BISECT},
    {"bisect", "insort_right", P_BISECT},
    {"threading", "Thread", P_COOP_CLASS},
    {"threading", "Timer", P_COOP_CLASS},
    {"threading", "Lock", P_COOP_CLASS},
    {"threading", "RLock", P_COOP_CLASS},
    {"threading", "Condition", P_COOP_CLASS},
    {"threading", "Semaphore", P_COOP_CLASS},
    {"threading", "BoundedSemaphore", P_COOP_CLASS},
    {"threading", "Event", P_COOP_CLASS},
    {"threading", "Barrier", P_COOP_CLASS},
    {"queue", "Queue", P_COOP_CLASS},
    {"queue", "LifoQueue", P_COOP_CLASS},
    {"queue", "PriorityQueue", P_COOP_CLASS},
    {"queue", "SimpleQueue", P_COOP_CLASS},
    {"concurrent.futures", "ThreadPoolExecutor", P_COOP_CLASS},
    {"concurrent.futures", "wait", P_FUTURES_WAIT},
    {"urllib.request", "urlopen", P_URLOPEN},
    {"getpass", "getpass", P_GETPASS},
    {"http.client", "HTTPConnection", P_COOP_CLASS},
    {"http.client", "HTTPSConnection", P_COOP_CLASS},
    {"concurrent.futures", "as_completed", P_AS_COMPLETED},
    {"multiprocessing", "Process", P_UNAVAILABLE},
    {"multiprocessing", "Pool", P_UNAVAILABLE},
    {"multiprocessing.pool", "Pool", P_UNAVAILABLE},
    {"multiprocessing.pool", "ThreadPool", P_UNAVAILABLE},
    {"concurrent.futures", "ProcessPoolExecutor", P_UNAVAILABLE},
    {"subprocess", "run", P_UNAVAILABLE},
    {"subprocess", "Popen", P_UNAVAILABLE},
    {"subprocess", "call", P_UNAVAILABLE},
    {"subprocess", "check_call", P_UNAVAILABLE},
    {"subprocess", "check_output", P_UNAVAILABLE},
    {"subprocess", "getoutput", P_UNAVAILABLE},
    {"subprocess", "getstatusoutput", P_UNAVAILABLE},
    {"socket", "socket", P_UNAVAILABLE},
    {"socket", "create_connection", P_UNAVAILABLE},
    {"socket", "create_server", P_UNAVAILABLE},
    {"select", "select", P_UNAVAILABLE},
    {"os", "popen", P_UNAVAILABLE},
    {"os", "fork", P_UNAVAILABLE},
    {"os", "forkpty", P_UNAVAILABLE},
    {"os", "execv", P_UNAVAILABLE},
    {"os", "execve", P_UNAVAILABLE},
    {"os", "execvp", P_UNAVAILABLE},
    {"os", "execvpe", P_UNAVAILABLE},
    {"os", "execl", P_UNAVAILABLE},
    {"os", "execle", P_UNAVAILABLE},
    {"os", "execlp", P_UNAVAILABLE},
    {"os", "execlpe", P_UNAVAILABLE},
    {"os", "spawnv", P_UNAVAILABLE},
    {"os", "spawnve", P_UNAVAILABLE},
    {"os", "spawnvp", P_UNAVAILABLE},
    {"os", "spawnvpe", P_UNAVAILABLE},
    {"os", "spawnl", P_UNAVAILABLE},
    {"os", "spawnle", P_UNAVAILABLE},
    {"os", "spawnlp", P_UNAVAILABLE},
    {"os", "spawnlpe", P_UNAVAILABLE},
    {"os", "posix_spawn", P_UNAVAILABLE},
    {"os", "posix_spawnp", P_UNAVAILABLE},
    {"pty", "fork", P_UNAVAILABLE},
    {"pty", "spawn", P_UNAVAILABLE},
};

static const char *const known_modules[] = {
    "time", "asyncio", "sys", "builtins", "functools", "contextlib", "pyodide", "pyodide.ffi",
    "importlib", "types", "threading", "queue", "concurrent", "concurrent.futures", "multiprocessing",
    "multiprocessing.pool", "subprocess", "socket", "select", "urllib", "urllib.request", "http", "http.client",
    "getpass",
};

static const char *const names[P_COUNT] = {
    [P_SLEEP] = "time.sleep",
    [P_ASYNCIO_RUN] = "asyncio.run",
    [P_INPUT] = "input",
    [P_STDIN_READ] = "a read of sys.stdin",
    [P_RUN_UNTIL_COMPLETE] = "loop.run_until_complete",
    [P_RUN_FOREVER] = "loop.run_forever",
    [P_SORTED] = "sorted",
    [P_PRINT] = "print",
    [P_STR] = "str",
    [P_REPR] = "repr",
    [P_ASCII] = "ascii",
    [P_FORMAT] = "format",
    [P_MIN] = "min",
    [P_MAX] = "max",
    [P_MAP] = "map",
    [P_FILTER] = "filter",
    [P_REDUCE] = "reduce",
    [P_LIST_SORT] = "list.sort",
    [P_LIST_SEARCH] = "list.index",
    [P_TO_THREAD] = "asyncio.to_thread",
    [P_RUN_IN_EXECUTOR] = "loop.run_in_executor",
    [P_ANY] = "any",
    [P_ALL] = "all",
    [P_NEXT] = "next",
    [P_ENUMERATE] = "enumerate",
    [P_SUM] = "sum",
    [P_LIST] = "list",
    [P_TUPLE] = "tuple",
    [P_SET] = "set",
    [P_FROZENSET] = "frozenset",
    [P_DICT] = "dict",
    [P_ZIP] = "zip",
    [P_ITER] = "iter",
    [P_REVERSED] = "reversed",
    [P_LEN] = "len",
    [P_BOOL] = "bool",
    [P_ABS] = "abs",
    [P_STARMAP] = "itertools.starmap",
    [P_FILTERFALSE] = "itertools.filterfalse",
    [P_TAKEWHILE] = "itertools.takewhile",
    [P_DROPWHILE] = "itertools.dropwhile",
    [P_ACCUMULATE] = "itertools.accumulate",
    [P_RE_SUB] = "re.sub",
    [P_PATTERN_SUB] = "Pattern.sub",
    [P_JSON_DUMPS] = "json.dumps",
    [P_JSON_LOADS] = "json.loads",
    [P_NSMALLEST] = "heapq.nsmallest",
    [P_BISECT] = "bisect",
    [P_COOP_WAIT] = "a wait of a thread",
    [P_URLOPEN] = "urllib.request.urlopen",
    [P_GETPASS] = "getpass.getpass",
};

const char *
prim_name(prim p)
{
    return p > P_NONE && p < P_COUNT ? names[p] : NULL;
}

/* What a method of a thread, lock, queue or executor does: P_COOP_WAIT
 * where a thread waits, P_COOP_CALL where it lets another go on, P_NONE
 * for the rest (is_set, qsize...), called as it is. */
prim
prim_coop_method(PyObject *name)
{
    static const char *const waits[] = {"start", "join", "acquire", "wait", "wait_for", "get", "put",
                                        "result", "exception", "shutdown", "getresponse"};
    static const char *const calls[] = {"is_alive", "release", "notify", "notify_all", "set",
                                        "get_nowait", "put_nowait", "task_done", "cancel", "submit",
                                        "reset", "abort", "request", "map"};
    for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        if (PyUnicode_CompareWithASCIIString(name, waits[i]) == 0) {
            return P_COOP_WAIT;
        }
    }
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        if (PyUnicode_CompareWithASCIIString(name, calls[i]) == 0) {
            return P_COOP_CALL;
        }
    }
    return P_NONE;
}

/* Calling it blocks: the transform awaits pyrun's async version. */
int
prim_blocks(prim p)
{
    return p == P_SLEEP || p == P_ASYNCIO_RUN || p == P_INPUT || p == P_STDIN_READ || p == P_RUN_UNTIL_COMPLETE ||
           p == P_RUN_FOREVER || p == P_URLOPEN || p == P_GETPASS;
}

static int
put(PyObject *dict, PyObject *key, prim p)
{
    PyObject *v = PyLong_FromLong(p);
    int rc = v ? PyDict_SetItem(dict, key, v) : -1;
    Py_XDECREF(v);
    return rc;
}

int
prims_init(ast_kit *kit)
{
    kit->builtin_prims = PyDict_New();
    kit->module_prims = PyDict_New();
    kit->known_modules = PySet_New(NULL);
    if (kit->builtin_prims == NULL || kit->module_prims == NULL || kit->known_modules == NULL) {
        return -1;
    }
    for (size_t i = 0; i < sizeof builtin_table / sizeof builtin_table[0]; i++) {
        PyObject *name = PyUnicode_InternFromString(builtin_table[i].name);
        PyObject *key = name ? Py_BuildValue("(sO)", "builtins", name) : NULL;
        int rc = key ? put(kit->builtin_prims, name, builtin_table[i].p) : -1;
        if (rc == 0) {
            rc = put(kit->module_prims, key, builtin_table[i].p);
        }
        Py_XDECREF(name);
        Py_XDECREF(key);
        if (rc < 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof module_table / sizeof module_table[0]; i++) {
        PyObject *key = Py_BuildValue("(ss)", module_table[i].module, module_table[i].attr);
        int rc = key ? put(kit->module_prims, key, module_table[i].p) : -1;
        Py_XDECREF(key);
        if (rc < 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof known_modules / sizeof known_modules[0]; i++) {
        PyObject *name = PyUnicode_InternFromString(known_modules[i]);
        int rc = name ? PySet_Add(kit->known_modules, name) : -1;
        Py_XDECREF(name);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

void
prims_clear(ast_kit *kit)
{
    Py_CLEAR(kit->builtin_prims);
    Py_CLEAR(kit->module_prims);
    Py_CLEAR(kit->known_modules);
}

prim
prim_of_builtin(ast_kit *kit, PyObject *name)
{
    PyObject *v = PyDict_GetItemWithError(kit->builtin_prims, name);
    return v == NULL ? P_NONE : (prim)PyLong_AsLong(v);
}

prim
prim_of_attr(ast_kit *kit, PyObject *module, PyObject *attr)
{
    PyObject *key = PyTuple_Pack(2, module, attr);
    if (key == NULL) {
        return P_NONE;
    }
    PyObject *v = PyDict_GetItemWithError(kit->module_prims, key);
    Py_DECREF(key);
    return v == NULL ? P_NONE : (prim)PyLong_AsLong(v);
}
