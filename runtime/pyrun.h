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
/* co_flags bits (code.h is not in the limited API) */
#define CO_GENERATOR_FLAG 0x0020
#define CO_COROUTINE_FLAG 0x0080
#define CO_ASYNC_GENERATOR_FLAG 0x0200
/* The local where a generator that blocks (an async generator, which
 * cannot return a value) keeps the value it returns, for its StopIteration
 * and `yield from`: one underscore, as class bodies mangle two. */
#define PYRUN_RETURNED_LOCAL "_pyrun_returned"

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
    PyObject *method_type; /* types.MethodType */
    PyObject *function_type; /* types.FunctionType */
    PyObject *get_running_loop; /* asyncio.get_running_loop */
    PyObject *set_result_unless_cancelled; /* asyncio.futures._set_result_unless_cancelled */
    PyObject *iscoroutine;      /* asyncio.iscoroutine */
    PyObject *all_tasks;        /* asyncio.all_tasks */
    PyObject *ensure_future;    /* asyncio.ensure_future */
    PyObject *gather;           /* asyncio.gather */
    PyObject *copy_context;     /* contextvars.copy_context */
    PyObject *time_sleep;       /* time.sleep, as the program found it */
    PyObject *run_marker;       /* ContextVar telling which asyncio.run a task belongs to */
    /* The transform's cache of ast classes and names (transform/ast_kit.h),
     * built on first use. */
    void *ast_kit;
    /* Tests only (_compile(..., full=True)): no prescan, and the analysis
     * and rewrite run even where nothing blocks. */
    int transform_everything;
    double *pass_clock; /* set by _transform_times: perf_counter() after parse, analysis, rewrite */
    /* Source eval() and exec() run (aio/eval.c): names it does not bind
     * may be the program's colored functions. */
    int transform_dynamic;
    /* Runtime helpers (aio/): types, and what they keep between calls. */
    PyTypeObject *ready_type;
    PyTypeObject *yield_once_type;
    PyTypeObject *step_type;
    PyTypeObject *sleep_type;
    PyTypeObject *face_type;          /* a face of a callable that is not a method descriptor */
    PyTypeObject *function_face_type; /* a face of a function, or another method descriptor */
    PyTypeObject *method_face_type; /* a face of a bound method */
    PyObject *plain_codes;        /* WeakKeyDictionary: a colored def's code -> its face's __code__ */
    PyObject *async_codes;        /* WeakKeyDictionary: a face's __code__ -> weakref to the def's code */
    PyObject *once_codes;         /* WeakKeyDictionary: a once-lambda's code -> the code it runs (face.c) */
    PyTypeObject *stopped_type;   /* pyrun.Stopped: a StopIteration carried as a value */
    PyTypeObject *sync_gen_type;  /* pyrun.Generator: a colored generator iterated synchronously */
    PyObject *async_gen_type;     /* types.AsyncGeneratorType */
    PyTypeObject *acm_type;
    PyTypeObject *memo_type;      /* aio/cache.c */
    PyTypeObject *memo_call_type;
    PyTypeObject *dispatch_type;        /* aio/dispatch.c */
    PyTypeObject *dispatch_method_type;
    PyTypeObject *delegate_type;        /* aio/delegate.c */
    PyTypeObject *tracer_type;          /* aio/trace_filter.c */
    PyObject *program_files;    /* set: filenames of the code pyrun compiled for the program */
    PyObject *colored_codes;    /* set: code objects of the defs the transform made async */
    PyObject *loop_dirs;        /* tuple: directories of the event loop's code, found on first use */
    int yield_value_op;         /* opcodes, from dis */
    int resume_op;
    int send_op;
    int end_send_op;            /* -1 before 3.12 */
    PyObject *sys_settrace;     /* CPython's sys.settrace, setprofile, gettrace, getprofile */
    PyObject *sys_setprofile;
    PyObject *sys_gettrace;
    PyObject *sys_getprofile;
    PyTypeObject *replay_type;    /* aio/replay.c */
    PyTypeObject *resumed_type;
    PyObject *replay_stop;        /* pyrun._ReplayStop: ends an attempt */
    PyObject *replayables;        /* tuple: the library functions __pyrun__.replay replays, made on first use */
    PyObject *replay;             /* the attempt under way (borrowed), or NULL */
    PyObject *pyodide_ffi;        /* pyodide.ffi, None natively; looked up on first use */
    PyObject *deferred_hooks;     /* list while a construction defers __post_init__ (calls.c), or NULL */
    int jspi_possible;            /* the runtime can switch stacks: 1, 0, or -1 not yet asked (wait_sync.c) */
    PyTypeObject *aiter_type;
    PyObject *helpers;        /* the __pyrun__ module transformed code uses */
    PyObject *blocking_error; /* pyrun.BlockingError */
    PyObject *transform_error; /* pyrun.TransformError (errors.c) */
    PyObject *internal_error;  /* pyrun.InternalError (errors.c) */
    PyObject *host_stdin;     /* sys.stdin as the host made it, read async */
    PyObject *stdin_pending;  /* str read from the host, not yet consumed */
    int stdin_eof;
    PyObject *stop_futures;   /* dict: loop -> future that loop.stop() resolves */
    /* aio/wait_sync.c: coroutines driven synchronously where nothing can
     * await. */
    int sync_depth;           /* > 0 while one is */
    double sync_waited;       /* seconds its sleeps and reads blocked */
    PyObject *sync_warned;    /* set: functions already named under --verbose */
    int sync_strict;          /* strict mode: blocking there is a BlockingError */
    int strict_async;         /* strict mode for every run: 1 on, 0 off, -1 as PYRUN_STRICT_ASYNC says */
    PyObject *sync_what;      /* the outermost one: what (a str, or a function named when a message needs it) */
    PyObject *sync_where;     /* and the frame it was called from (None: the host) */
    const char *sync_why;
    PyObject *original_input;   /* builtins.input, asyncio.run: what late-bound calls compare with */
    PyObject *original_run;
    /* The builtins that stringify (aio/stringify.c), and the defaults they
     * look past: object's __str__ and __format__, the containers' __repr__
     * (indexed by their kind, 0 unused). */
    PyObject *builtin_print, *builtin_repr, *builtin_ascii, *builtin_format;
    PyObject *builtin_len, *builtin_abs; /* operators.c: len() and abs() through a method that blocks */
    PyObject *object_str, *object_format;
#define PYRUN_CONTAINER_REPRS 6
    PyObject *container_reprs[PYRUN_CONTAINER_REPRS];
    /* The import hook (importer/): finds and loads user modules. */
    PyObject *module_resolver; /* callable: name -> None or (filename, source, is_package) */
    PyTypeObject *finder_type;
    PyTypeObject *loader_type;
    PyObject *finder;          /* our entry in sys.meta_path */
    PyObject *code_cache;      /* dict: path -> (mtime_ns, size, code) */
    int exiting;               /* _finish is running atexit's callbacks */
    PyObject *path_finder;     /* importlib's PathFinder, held from start-up: a program may
                                  take importlib out of sys.modules and import it again */
    PyObject *source_loaders;  /* tuple: the loader classes of .py files (on disk, in a zip) */
    PyObject *transform_packages; /* set: site-packages packages opted in */
    PyObject *in_flight;       /* dict: module name -> (task, future) of an import under way */
    PyObject *library_prefixes; /* tuple: directories of the stdlib and site-packages */
    PyObject *deferred_bodies; /* list while importlib.reload runs for __pyrun__.reload */
    /* threads as tasks (aio/threads.c) */
    PyObject *coop_waiters;   /* dict: what is waited on -> list of futures, first come first woken */
    PyObject *coop_threads;   /* dict: a started threading.Thread -> its Task */
    PyObject *coop_running;   /* dict: Task -> the Thread it runs, for current_thread() */
    PyObject *coop_owners;    /* dict: RLock -> [Task, count] of the Task holding it */
    PyObject *coop_executors; /* dict: ThreadPoolExecutor -> [max, running, pending, futures, busy workers] */
    PyObject *coop_types;     /* list: the classes run cooperatively, found as their modules load */
    PyObject *coop_kinds;     /* dict: a type met -> its kind among them */
    int coop_queries_installed; /* threading.current_thread() and the like answer for tasks */
    PyTypeObject *completed_type; /* pyrun.AsCompleted: concurrent.futures.as_completed's iterator */
    PyObject *str_spec;        /* interned "__spec__" */
    PyObject *str_initializing; /* interned "_initializing" */
} pyrun_state;

pyrun_state *pyrun_get_state(PyObject *module);
pyrun_state *pyrun_state_from_type(PyTypeObject *type);

/* source.c: reading and compiling a program's source the way CPython does. */
/* aio/trace_filter.c: a colored def's (or a module body's) code, and the
 * comprehensions in it that the transform made async, are a colored
 * function's frames, whose waits a trace function of the program does not
 * see. */
int pyrun_trace_mark_colored(pyrun_state *st, PyObject *code);
/* own_import.c: a module, imported without calling builtins.__import__ */
PyObject *pyrun_import(const char *name);
PyObject *pyrun_read_file(PyObject *path);
PyObject *pyrun_compile_source(pyrun_state *st, PyObject *source,
                               PyObject *filename, PyObject *package);

/* exit_status.c: how an exception that ends the program is reported. */
int pyrun_report_exit(void);
/* Under -i: every exception, SystemExit too, as a traceback; returns 1. */
int pyrun_report_traceback(void);
void pyrun_print_error(const char *prog, PyObject *message);

/* linux_errno.c: errno as Linux numbers it, for what pyrun prints. Linux's
 * number and message for an OSError's errno (1), 0 when it has none
 * Linux knows, -1 on error. */
int pyrun_linux_error(PyObject *oserror, long *number, PyObject **message);
/* Gives the OSErrors of exc's chain Linux's numbers and messages while it
 * is printed; _end puts the originals back. */
PyObject *pyrun_linux_errors_begin(PyObject *exc);
void pyrun_linux_errors_end(PyObject *saved);
/* PyErr_WriteUnraisable, saying Linux's numbers. */
void pyrun_write_unraisable(PyObject *obj);

/* main_runner.c: the awaitable that runs __main__'s code in a Task. */
typedef enum {
    /* a program: waits for the tasks it leaves; its end is the exit status */
    PYRUN_RUN_PROGRAM,
    /* a program under -i: the prompt follows at once, and SystemExit is
     * reported as a traceback, as any error */
    PYRUN_RUN_INSPECT,
    /* one input at the prompt: the result is None, or SystemExit's status */
    PYRUN_RUN_LINE,
} pyrun_run_mode;
int pyrun_main_runner_register(PyObject *module, pyrun_state *st);
void pyrun_main_runner_set_mode(PyObject *runner, pyrun_run_mode mode);
PyObject *pyrun_main_runner_new(pyrun_state *st, PyObject *code,
                                PyObject *globals);
/* A runner that first awaits the import of `package`, then prepares the
 * program (pyrun_prepare_main) and runs it. */
PyObject *pyrun_main_runner_after_import(pyrun_state *st, const char *kind, PyObject *target,
                                         PyObject *package);
int pyrun_main_runner_interrupt(PyObject *runner);
/* The host found nothing left to run while the program is unfinished:
 * returns the status to end with, after saying where it was stuck. */
int pyrun_main_runner_stalled(PyObject *runner);

/* leftover_tasks.c: the tasks a program leaves running after its code. */
PyObject *pyrun_pending_tasks(pyrun_state *st);
PyObject *pyrun_leftover_tasks(pyrun_state *st, PyObject *before);
int pyrun_cancel_tasks(PyObject *tasks);
/* aio/threads.c */
int pyrun_threads_init(PyObject *module, pyrun_state *st);
int pyrun_threads_reset(pyrun_state *st);
/* 1 when task runs a daemon thread, which the program does not wait for */
int pyrun_is_daemon_task(pyrun_state *st, PyObject *task);
/* "Thread-1 (worker) waits at main.py, line 7; ..." for the threads
 * still alive, or "" */
PyObject *pyrun_threads_waiting(pyrun_state *st);
PyObject *pyrun_awaiting_frames(PyObject *coro);
/* Gives exc the traceback of the frames coro is suspended in. */
int pyrun_raised_where_suspended(PyObject *exc, PyObject *coro);
PyObject *pyrun_interrupt_in_task(PyObject *task);
/* Borrowed: the task whose place a Ctrl-C is reported at (NULL: none). */
PyObject *pyrun_task_to_blame(pyrun_state *st, PyObject *tasks);

/* main_module.c: __main__, sys.argv and sys.path[0] as CPython sets them. */
PyObject *pyrun_run_main(PyObject *module, PyObject *args);
/* Plans the program and compiles it into a fresh __main__: 1 with *code
 * and *globals, 0 when it ends before starting (*status, already reported),
 * 2 when the package *import_first must be imported first, -1 on error.
 * `tried` is a package whose import failed in a way runpy ignores. */
int pyrun_prepare_main(pyrun_state *st, const char *kind, PyObject *target, PyObject *tried,
                       PyObject **code, PyObject **globals, PyObject **import_first, PyObject **status);
PyObject *pyrun_show_transform(PyObject *module, PyObject *args);

/* run_reset.c: _reset_run(), between two programs in one interpreter. */
int pyrun_run_reset_register(PyObject *module);

/* declarations.c: lines that tell the transform what `source`'s names
 * hold in globals (a dict) and locals (a mapping, or NULL): *count lines,
 * *colored of them values that hold colored code. */
PyObject *pyrun_declarations(pyrun_state *st, PyObject *globals, PyObject *locals, PyObject *source,
                             Py_ssize_t *count, Py_ssize_t *colored);
/* The statements of a tree transformed with `declared` lines of them
 * before it: the source's own, numbered as in the source. A list. */
PyObject *pyrun_declared_statements(PyObject *tree, Py_ssize_t declared);

/* repl.c: the interactive prompt's sessions (_repl_open). */
int pyrun_repl_register(PyObject *module);

#endif
