/* The helpers transformed code calls as `__pyrun__.<name>(...)`, each the
 * async stand-in for something that would block (see transform/). */
#ifndef PYRUN_AIO_HELPERS_H
#define PYRUN_AIO_HELPERS_H

#include "awaitable.h"


/* Registration of the helpers' types, and the __pyrun__ module itself. */
int pyrun_sleep_register(PyObject *module, pyrun_state *st);
int pyrun_face_register(PyObject *module, pyrun_state *st);
int pyrun_cm_register(PyObject *module, pyrun_state *st);
int pyrun_iterate_register(PyObject *module, pyrun_state *st);
int pyrun_helpers_install(PyObject *module, pyrun_state *st);

/* sleep.c */
PyObject *pyrun_helper_sleep(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
/* run.c: asyncio.run and event-loop idioms */
PyObject *pyrun_helper_run(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_run_until_complete(PyObject *module, PyObject *args);
PyObject *pyrun_helper_run_forever(PyObject *module, PyObject *loop);
PyObject *pyrun_helper_new_event_loop(PyObject *module, PyObject *unused);
PyObject *pyrun_helper_stop_loop(PyObject *module, PyObject *loop);
PyObject *pyrun_helper_close_loop(PyObject *module, PyObject *loop);
/* calls.c: calls whose target pyrun only knows at run time */
PyObject *pyrun_helper_call(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
/* callable(*args, **kwnames) as __pyrun__.call makes it: an awaitable. */
PyObject *pyrun_call_vector(pyrun_state *st, PyObject *callable, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames);
PyObject *pyrun_helper_new(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_getattr(PyObject *module, PyObject *args);
PyObject *pyrun_helper_store_attr(PyObject *module, PyObject *args);
PyObject *pyrun_helper_delete_attr(PyObject *module, PyObject *args);
/* face.c: colored functions reachable from code that cannot await */
PyObject *pyrun_helper_face(PyObject *module, PyObject *fn);
PyObject *pyrun_helper_lambda_face(PyObject *module, PyObject *fn);
PyObject *pyrun_helper_sync_iter(PyObject *module, PyObject *aiterable);
PyObject *pyrun_helper_aclose(PyObject *module, PyObject *it);
PyObject *pyrun_helper_block(PyObject *module, PyObject *args);
PyObject *pyrun_helper_unsupported(PyObject *module, PyObject *what);
/* The coroutine behind a face (bound if the face is), called with args;
 * NULL without exception if `callable` is not a face. */
/* The async generator behind a pyrun.Generator; NULL (no exception) if
 * obj is not one. Borrowed. */
PyObject *pyrun_sync_gen_async(pyrun_state *st, PyObject *obj);
/* What a pyrun generator returned (None before it ends); NULL without an
 * exception for anything else. */
PyObject *pyrun_sync_gen_returned(pyrun_state *st, PyObject *obj);
/* asend / athrow / aclose of a pyrun generator's async generator, called
 * with the tuple args, as `yield from` and `g.send(v)` resume it (its
 * return value watched); NULL without an exception for anything else. */
PyObject *pyrun_sync_gen_resume(pyrun_state *st, PyObject *obj, const char *method, PyObject *args);
/* With a RuntimeError "async generator ignored GeneratorExit" set: the
 * generator's own message instead. */
void pyrun_rename_ignored_exit(void);
/* wait_sync.c: pyodide.ffi (None natively), found at start-up */
void pyrun_find_pyodide_ffi(pyrun_state *st);
/* trace_filter.c: sys.settrace/setprofile that see the program's events only */
int pyrun_trace_filter_register(PyObject *module, pyrun_state *st);
int pyrun_trace_filter_install(PyObject *module, pyrun_state *st);

/* delegate.c */
int pyrun_delegate_register(PyObject *module, pyrun_state *st);
PyObject *pyrun_helper_delegate(PyObject *module, PyObject *sub);
/* What the X of a Delegate returned; NULL without an exception for anything else. */
PyObject *pyrun_delegate_returned(pyrun_state *st, PyObject *obj);
/* StopAsyncIteration when awaited (iterate.c) */
PyObject *pyrun_stop_async(pyrun_state *st);
/* iterate.c: returned(it), the value of `yield from` after its loop */
PyObject *pyrun_helper_returned(PyObject *module, PyObject *it);
PyObject *pyrun_helper_resume(PyObject *module, PyObject *args);
/* A pyrun.Generator over an async generator. */
PyObject *pyrun_sync_gen_wrap(pyrun_state *st, PyObject *agen);
/* In strict mode, code driven synchronously reached `what` (a sleep, a
 * read, a turn of the loop): BlockingError, as no fallback is allowed.
 * Returns -1 then, 0 otherwise. */
int pyrun_sync_strict_check(pyrun_state *st, const char *what);
int pyrun_is_face(pyrun_state *st, PyObject *obj);
/* stringify.c: print/str/repr/ascii/format whose protocol method may block */
int pyrun_stringify_init(pyrun_state *st);
int pyrun_is_stringifier(pyrun_state *st, PyObject *fn);
PyObject *pyrun_stringify_call(pyrun_state *st, PyObject *fn, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_fvalue(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
/* str(obj) / repr(obj) as a str when nothing blocks on the way, else an
 * awaitable of it; ascii() of a repr */
PyObject *pyrun_str_now_or_later(pyrun_state *st, PyObject *obj);
PyObject *pyrun_repr_now_or_later(pyrun_state *st, PyObject *obj);
PyObject *pyrun_ascii_of(PyObject *repr);
/* awaitables of str(obj), repr(obj), ascii(obj), format(obj, spec) */
PyObject *pyrun_async_str(pyrun_state *st, PyObject *obj);
PyObject *pyrun_async_repr(pyrun_state *st, PyObject *obj);
PyObject *pyrun_async_ascii(pyrun_state *st, PyObject *obj);
PyObject *pyrun_async_format(pyrun_state *st, PyObject *obj, PyObject *spec);
/* strformat.c: "...".format(...) whose fields' methods may block */
PyObject *pyrun_helper_strformat(PyObject *module, PyObject *args, PyObject *kwargs);
/* percent.c: "..." % values whose str or repr may block */
PyObject *pyrun_helper_percent(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *pyrun_face_call_async(pyrun_state *st, PyObject *callable, PyObject *args, PyObject *kwargs);
/* wait_sync.c: waits for `awaitable` where code cannot await (JSPI's
 * run_sync, or driving it synchronously, or in strict mode
 * pyrun.BlockingError naming `what`, a str or a function whose qualname
 * names it, and `why`). Steals awaitable. */
PyObject *pyrun_wait_synchronously(pyrun_state *st, PyObject *awaitable, PyObject *what, const char *why);
/* While a coroutine is driven synchronously, sleeps and stdin reads block
 * through the host instead of awaiting the loop. */
int pyrun_sync_waiting(pyrun_state *st);
/* Strict mode: PYRUN_STRICT_ASYNC, unless the host set it (_set_strict_async). */
int pyrun_strict_async(pyrun_state *st);
/* time.monotonic(), or -1.0 with an exception set. */
double pyrun_monotonic(void);
/* "main.py, line 30": the innermost frame of the user's own code. */
PyObject *pyrun_caller_location(void);

/* calls.c: StopIteration carried out of colored functions as a value */
int pyrun_calls_register(PyObject *module, pyrun_state *st);
PyObject *pyrun_helper_stopped(PyObject *module, PyObject *exc);
/* A Stopped carrying the StopIteration exc. */
PyObject *pyrun_stopped_new(pyrun_state *st, PyObject *exc);
PyObject *pyrun_helper_unstop(PyObject *module, PyObject *value);
/* -1 with StopIteration raised when value carries one, else 0. */
int pyrun_reraise_stopped(pyrun_state *st, PyObject *value);

/* replay.c: a library call that calls back colored code, retried until
 * every callback it makes is answered (see there). `in_place`: a list the
 * call reorders, put back as it was before each attempt, or NULL. */
int pyrun_replay_register(PyObject *module, pyrun_state *st);
/* replay(fn, *args, **kwargs): fn replayed if it is a library function
 * known to depend on its arguments alone (re.sub, json.dumps...), else a
 * checked call. */
PyObject *pyrun_helper_replay(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_replay_call(pyrun_state *st, PyObject *fn, PyObject *args, PyObject *kwargs, PyObject *in_place);
/* In an attempt: the answer for `awaitable` (*result, NULL with an
 * exception set when it is one), and 1; 0 when it is to be waited for as
 * usual. Does not steal awaitable. */
int pyrun_replay_wait(pyrun_state *st, PyObject *awaitable, PyObject **result);

/* cache.c: lru_cache and cache over colored functions */
int pyrun_cache_register(PyObject *module, pyrun_state *st);
PyObject *pyrun_helper_cached(PyObject *module, PyObject *decorator);
/* dispatch.c */
int pyrun_dispatch_register(PyObject *module, pyrun_state *st);
PyObject *pyrun_helper_dispatching(PyObject *module, PyObject *decorator);
/* calls.c: as_task(callback), for loop.call_soon and call_later */
PyObject *pyrun_helper_as_task(PyObject *module, PyObject *callback);
int pyrun_is_memo(pyrun_state *st, PyObject *obj);

/* eval.c */
PyObject *pyrun_helper_eval(PyObject *module, PyObject *args);
PyObject *pyrun_helper_exec(PyObject *module, PyObject *args);

/* threads.c: threading, queue and concurrent.futures as tasks */
PyObject *pyrun_helper_coop(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_coop_sync(PyObject *module, PyObject *args, PyObject *kwargs);
/* concurrent.futures.wait (awaitable) and as_completed (an async iterator) */
PyObject *pyrun_helper_futures_wait(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_as_completed(PyObject *module, PyObject *args, PyObject *kwargs);
/* http.c: urllib.request.urlopen through the host's fetch, awaitable */
PyObject *pyrun_helper_urlopen(PyObject *module, PyObject *args, PyObject *kwargs);
/* stdin.c: getpass.getpass(prompt, stream), awaitable: the host reads the
 * line without echo where it can */
PyObject *pyrun_helper_getpass(PyObject *module, PyObject *args, PyObject *kwargs);
/* unavailable("subprocess.run", *args, **kwargs): OSError naming it */
PyObject *pyrun_helper_unavailable(PyObject *module, PyObject *args, PyObject *kwargs);
/* `with` of a lock, condition, semaphore or executor: awaitables; NULL
 * without an exception for anything else */
PyObject *pyrun_coop_enter(pyrun_state *st, PyObject *cm);
PyObject *pyrun_coop_exit(pyrun_state *st, PyObject *cm);
/* cm.c */
PyObject *pyrun_helper_acm(PyObject *module, PyObject *cm);
/* stdin.c */
PyObject *pyrun_helper_input(PyObject *module, PyObject *args);
PyObject *pyrun_helper_stdin(PyObject *module, PyObject *args);
PyObject *pyrun_stdin_readline_awaitable(pyrun_state *st, Py_ssize_t size);
/* sys.<name>.flush(), when there is such a stream */
int pyrun_flush_std(const char *name);
int pyrun_is_host_stdin(pyrun_state *st, PyObject *stream);
/* iterate.c: builtins over items or callables that may block */
PyObject *pyrun_helper_aiter(PyObject *module, PyObject *iterable);
PyObject *pyrun_helper_map(PyObject *module, PyObject *args);
PyObject *pyrun_helper_filter(PyObject *module, PyObject *args);
PyObject *pyrun_helper_starmap(PyObject *module, PyObject *args);
PyObject *pyrun_helper_zip(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_iter(PyObject *module, PyObject *args);
PyObject *pyrun_helper_filterfalse(PyObject *module, PyObject *args);
PyObject *pyrun_helper_takewhile(PyObject *module, PyObject *args);
PyObject *pyrun_helper_dropwhile(PyObject *module, PyObject *args);
PyObject *pyrun_helper_accumulate(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_enumerate(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_any(PyObject *module, PyObject *iterable);
PyObject *pyrun_helper_all(PyObject *module, PyObject *iterable);
PyObject *pyrun_helper_unpack(PyObject *module, PyObject *args);
PyObject *pyrun_helper_contains(PyObject *module, PyObject *args);
PyObject *pyrun_helper_next(PyObject *module, PyObject *args);
PyObject *pyrun_helper_sorted(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_min(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_max(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_reduce(PyObject *module, PyObject *args);
PyObject *pyrun_helper_to_thread(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
PyObject *pyrun_helper_run_in_executor(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                       PyObject *kwnames);
PyObject *pyrun_helper_sort(PyObject *module, PyObject *args, PyObject *kwargs);

/* Calls callable(*args) and turns the result into something to await: the
 * colored coroutine itself, the coroutine behind a face, or Ready(value). */
PyObject *pyrun_call_maybe(pyrun_state *st, PyObject *callable, PyObject *args, PyObject *kwargs);
/* A builtin or primitive that pyrun_call_maybe calls in its async form
 * (print, str, repr..., time.sleep, input, asyncio.run). */
int pyrun_call_is_special(pyrun_state *st, PyObject *callable);
/* operators.c: the transform's helpers for operators and truth tests, and
 * len(x), bool(x), abs(x) as awaitables (a method that blocks awaited). */
PyObject *pyrun_helper_compare(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *pyrun_helper_binop(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *pyrun_helper_inplace(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *pyrun_helper_unop(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *pyrun_helper_truth(PyObject *module, PyObject *x);
PyObject *pyrun_helper_getitem(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *pyrun_helper_setitem(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *pyrun_helper_delitem(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *pyrun_operators_call(pyrun_state *st, PyObject *builtin, PyObject *x);
/* x in seq (a list or tuple), as list_contains searches, awaiting an
 * __eq__ that blocks */
PyObject *pyrun_operators_search(pyrun_state *st, PyObject *seq, PyObject *x);
PyObject *pyrun_helper_list_search(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
/* While a construction defers hooks (calls.c): keeps coro, the coroutine of
 * face function fn, to be awaited after it, when fn is __post_init__: 1;
 * 0 when not deferred; -1 with an exception set. */
int pyrun_defer_hook(pyrun_state *st, PyObject *fn, PyObject *coro);

#endif
