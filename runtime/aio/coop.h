/* What the cooperative threading primitives share (threads.c keeps the
 * waiters; barrier.c and local.c build on them). */
#ifndef PYRUN_AIO_COOP_H
#define PYRUN_AIO_COOP_H

#include "helpers.h"

/* Wakes up to n (all when n < 0) of the waiters on key, first come first
 * woken. */
int pyrun_coop_wake(pyrun_state *st, PyObject *key, Py_ssize_t n);
/* Awaitable of True once woken on key, or False after timeout seconds
 * (timeout < 0: none). */
PyObject *pyrun_coop_signal(pyrun_state *st, PyObject *key, double timeout);
/* The timeout argument as a monotonic deadline (a float, new reference),
 * or NULL for none. */
int pyrun_coop_deadline(PyObject *timeout, int blocking, int minus_one_is_none, PyObject **deadline);

/* The threading.Thread the running task is, a new reference; NULL (and no
 * exception) for the main program's tasks, and whenever no thread runs. */
PyObject *pyrun_coop_current_thread(pyrun_state *st);

/* Barrier.wait(timeout): awaitable of the thread's index */
PyObject *pyrun_barrier_wait(pyrun_state *st, PyObject *barrier, PyObject *args, PyObject *kwargs);

/* http.c: http.client.HTTPConnection's request() kept, and sent through
 * the host's fetch by getresponse() (awaitable) */
PyObject *pyrun_http_request(pyrun_state *st, PyObject *conn, PyObject *args, PyObject *kwargs);
PyObject *pyrun_http_getresponse(pyrun_state *st, PyObject *conn);

/* local.c: threading.local whose attributes are each thread's own, for
 * threads that are tasks as for OS threads */
int pyrun_local_init(PyObject *module, pyrun_state *st);

#endif
