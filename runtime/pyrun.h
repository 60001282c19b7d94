/* Shared declarations of the pyrun runtime.
 *
 * The runtime is one CPython extension module, `pyrun`, built against the
 * stable ABI so that a single binary loads in every Pyodide from 0.25 on and
 * in Debian's python3.11 for native tests. Everything a later Python version
 * removed or changed is avoided: no private API, no frame internals. */
#ifndef PYRUN_H
#define PYRUN_H

#ifndef Py_LIMITED_API
#error "build with -DPy_LIMITED_API=0x030B0000"
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Not in the 3.11 limited API headers; same meaning as CPython's. */
#ifndef Py_SETREF
#define Py_SETREF(dst, src)                                                   \
    do {                                                                      \
        PyObject **_pyrun_dst = (PyObject **)&(dst);                          \
        PyObject *_pyrun_old = *_pyrun_dst;                                   \
        *_pyrun_dst = (PyObject *)(src);                                      \
        Py_DECREF(_pyrun_old);                                                \
    } while (0)
#define Py_XSETREF(dst, src)                                                  \
    do {                                                                      \
        PyObject **_pyrun_dst = (PyObject **)&(dst);                          \
        PyObject *_pyrun_old = *_pyrun_dst;                                   \
        *_pyrun_dst = (PyObject *)(src);                                      \
        Py_XDECREF(_pyrun_old);                                               \
    } while (0)
#endif

/* PyObject_CallOneArg is not in the 3.11 limited API. */
#define PyObject_CallOneArg_compat(callable, arg) PyObject_CallFunctionObjArgs((callable), (arg), NULL)

/* compile() flags; not exported by the limited API headers. */
#define PYRUN_CF_ONLY_AST 0x0400
#define PYRUN_CF_ALLOW_TOP_LEVEL_AWAIT 0x2000

/* The builtin name under which transformed code finds the helpers. */
#define PYRUN_HELPERS_BUILTIN "__pyrun__"

/* Exit statuses that match CPython's. */
#define PYRUN_EXIT_OK 0
#define PYRUN_EXIT_ERROR 1
#define PYRUN_EXIT_USAGE 2
#define PYRUN_EXIT_INTERRUPT 130

typedef struct {
    /* The embedding host (a JS object under Pyodide, a Python object in
     * native tests). pyrun calls its methods, never the other way round:
     * exit(status), read_line() -> awaitable of str or None at EOF. */
    PyObject *host;
    /* The runner of the current main program, while one is in flight. */
    PyObject *main_runner;
    PyTypeObject *main_runner_type;
    /* Cached callables and types looked up once at import. */
    PyObject *compile;          /* builtins.compile */
    PyObject *coroutine_type;   /* types.CoroutineType */
    PyObject *get_running_loop; /* asyncio.get_running_loop */
    PyObject *set_result_unless_cancelled; /* asyncio.futures._set_result_unless_cancelled */
    PyObject *iscoroutine;      /* asyncio.iscoroutine */
    PyObject *all_tasks;        /* asyncio.all_tasks */
    PyObject *ensure_future;    /* asyncio.ensure_future */
    PyObject *gather;           /* asyncio.gather */
    PyObject *copy_context;     /* contextvars.copy_context */
    PyObject *run_marker;       /* ContextVar telling which asyncio.run a task belongs to */
    /* The transform's cache of ast classes and names (transform/ast_kit.h),
     * built on first use. */
    void *ast_kit;
    /* Runtime helpers (aio/): types, and what they keep between calls. */
    PyTypeObject *ready_type;
    PyTypeObject *yield_once_type;
    PyTypeObject *step_type;
    PyTypeObject *sleep_type;
    PyTypeObject *face_type;
    PyTypeObject *acm_type;
    PyTypeObject *aiter_type;
    PyObject *colored_code;   /* set: weak references to code objects of colored functions */
    PyObject *helpers;        /* the __pyrun__ module transformed code uses */
    PyObject *blocking_error; /* pyrun.BlockingError */
    PyObject *host_stdin;     /* sys.stdin as the host made it, read async */
    PyObject *stdin_pending;  /* str read from the host, not yet consumed */
    int stdin_eof;
    PyObject *stop_futures;   /* dict: loop -> future that loop.stop() resolves */
} pyrun_state;

pyrun_state *pyrun_get_state(PyObject *module);
pyrun_state *pyrun_state_from_type(PyTypeObject *type);

/* source.c: reading and compiling a program's source the way CPython does. */
PyObject *pyrun_read_file(PyObject *path);
PyObject *pyrun_compile_source(pyrun_state *st, PyObject *source,
                               PyObject *filename);

/* exit_status.c: how an exception that ends the program is reported. */
int pyrun_report_exit(void);
void pyrun_print_error(const char *prog, PyObject *message);

/* main_runner.c: the awaitable that runs __main__'s code in a Task. */
int pyrun_main_runner_register(PyObject *module, pyrun_state *st);
PyObject *pyrun_main_runner_new(pyrun_state *st, PyObject *code,
                                PyObject *globals);
int pyrun_main_runner_interrupt(PyObject *runner);

/* main_module.c: __main__, sys.argv and sys.path[0] as CPython sets them. */
PyObject *pyrun_run_main(PyObject *module, PyObject *args);
PyObject *pyrun_show_transform(PyObject *module, PyObject *args);

#endif
