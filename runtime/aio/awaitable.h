/* Awaitables written in C, for the helpers transformed code awaits.
 *
 * Helpers are C so that no frame of pyrun's ever appears in a user's
 * traceback. Two building blocks cover them all:
 *  - Ready: an awaitable that completes at once with a value;
 *  - Step: a coroutine-like object driven by a continuation function. Each
 *    call of the continuation gets the result of what was last awaited and
 *    says what to await next, or the final result. It delegates send/throw
 *    to what it awaits exactly as `await` does, so Tasks, cancellation and
 *    KeyboardInterrupt pass through it untouched. */
#ifndef PYRUN_AIO_AWAITABLE_H
#define PYRUN_AIO_AWAITABLE_H

#include "../pyrun.h"

typedef struct pyrun_step pyrun_step;

typedef enum { STEP_ERROR = -1, STEP_AWAIT = 0, STEP_DONE = 1 } step_result;

/* Called with the result of the last awaitable (NULL on the first call).
 * Sets *out to the next awaitable (STEP_AWAIT) or the result (STEP_DONE),
 * new references; or returns STEP_ERROR with an exception set. */
typedef step_result (*step_next_fn)(pyrun_step *s, PyObject *value, PyObject **out);
/* Called when the awaited thing raised (the exception is set). May handle
 * it (e.g. StopAsyncIteration ends a loop) by clearing it and returning as
 * step_next_fn does. NULL: the exception propagates. */
typedef step_result (*step_error_fn)(pyrun_step *s, PyObject **out);

#define STEP_SLOTS 6

struct pyrun_step {
    PyObject_HEAD
    step_next_fn next;
    step_error_fn error;
    PyObject *sub;             /* iterator of what is being awaited */
    PyObject *o[STEP_SLOTS];   /* the helper's own state, owned */
    Py_ssize_t i;              /* the helper's counter */
    int phase;
    int done;
};

int pyrun_awaitable_register(PyObject *module, pyrun_state *st);

PyObject *pyrun_ready(pyrun_state *st, PyObject *value);
/* Awaitable that gives control to the event loop once (asyncio.sleep(0)). */
PyObject *pyrun_yield_once(pyrun_state *st);
pyrun_step *pyrun_step_new(pyrun_state *st, step_next_fn next, step_error_fn error);

static inline int
pyrun_is_step(pyrun_state *st, PyObject *obj)
{
    return Py_TYPE(obj) == st->step_type;
}

/* For a continuation that begins by awaiting what slot o[i] holds: hands
 * it over as what to await next (the slot is left empty). */
static inline step_result
pyrun_step_await_slot(pyrun_step *s, int i, PyObject **out)
{
    *out = s->o[i];
    s->o[i] = NULL;
    return STEP_AWAIT;
}

/* Ready(value), for a call's plain result. Steals value. */
PyObject *pyrun_maybe_steal(pyrun_state *st, PyObject *value);

/* Raise StopIteration(value) the way a returning coroutine does. */
void pyrun_set_stop(PyObject *value);

/* tp_iter / am_await / am_aiter of objects that are their own iterator. */
PyObject *pyrun_return_self(PyObject *self);
/* throw()'s arguments ((type), (type, value) or (instance)) as the
 * exception instance, as generator.throw() reads them. New reference. */
PyObject *pyrun_thrown_exception(PyObject *args);
/* Raises what throw() was given; returns NULL. */
PyObject *pyrun_raise_thrown(PyObject *args);

#endif
