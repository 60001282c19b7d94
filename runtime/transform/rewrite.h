/* Pass 3: editing the tree once coloring is known. rewrite_stmt.c handles
 * statements (defs, loops, with, bodies); rewrite_expr.c expressions
 * (calls, property reads, lambdas, comprehensions). New nodes take the
 * location of the node they replace, so line numbers never move. */
#ifndef PYRUN_TRANSFORM_REWRITE_H
#define PYRUN_TRANSFORM_REWRITE_H

#include "model.h"

typedef struct {
    tx *t;
    ast_kit *kit;
    module_info *mod; /* the module being rewritten */
    unit *unit;
    scope *scope;
    int can_await;    /* an await is valid here after the rewrite */
    PyObject *before; /* statements to insert before the current one, or NULL
                         where none can be (inside a comprehension) */
    int lambdas;      /* lambdas lifted before the current statement */
    PyObject *test;   /* the `and`/`or` whose truth is tested here (if, while...): kept as it is */
    int no_walrus;    /* inside a comprehension's iterable, where := cannot go */
} rw;

PyObject *rw_expr(rw *r, PyObject *expr);
int rw_children(rw *r, PyObject *node);
int rw_body(rw *r, PyObject *node, PyObject *field);

/* `await <value>` where awaiting is possible; elsewhere (a class body)
 * the runtime's sync fallback: JSPI, or a clear error naming `what`. */
PyObject *rw_wait(rw *r, PyObject *loc, PyObject *awaitable, const char *what);
/* `rewritten` (what orig became) awaited through __pyrun__.truth where orig
 * is a truth test whose __bool__ or __len__ blocks (flows.c's truth sites). */
PyObject *rw_truth(rw *r, PyObject *orig, PyObject *rewritten);
/* The operator site of node (flows.c), if it is to be awaited here. */
site *rw_operator_site(rw *r, PyObject *node);
/* await __pyrun__.compare/binop/inplace/unop(a[, b], code) for site st. */
PyObject *rw_operator_await(rw *r, PyObject *loc, site *st, PyObject *a, PyObject *b);
/* The item site of a Subscript (flows.c), if it is to be awaited here. */
site *rw_item_site(rw *r, PyObject *subscript);
/* await __pyrun__.<helper>(a, b[, c]) for an item site. */
PyObject *rw_item_await(rw *r, PyObject *loc, const char *helper, PyObject *a, PyObject *b, PyObject *c);
site *rw_attr_store_site(rw *r, PyObject *attribute);
PyObject *rw_attr_store_await(rw *r, PyObject *attribute, PyObject *value); /* value NULL: a delete */
/* A field holding a tested expression, or a list of them, rewritten. */
int rw_truth_field(rw *r, PyObject *node, PyObject *field);
/* [__pyrun_item async for __pyrun_item in <iterable>] */
PyObject *rw_async_list(rw *r, PyObject *loc, PyObject *iterable);

int rw_note(rw *r, PyObject *loc, const char *format, ...);
/* await __pyrun__.unpack(value, n): async items as a list, for unpacking
 * into n targets (-1: all of them). */
PyObject *rw_unpacked(rw *r, PyObject *loc, PyObject *value, long n);
/* A def's body made to carry StopIteration out as a value (PEP 479). */
int rw_carry_stop_iteration(rw *r, PyObject *def);
/* Directly in the body of a generator that is becoming async. */
int rw_in_async_generator(rw *r);

#define BLOCKING_IMPORT_NOTE "import of a module that blocks -> await its body"
#define UNSEEN_IMPORT_NOTE "import of a module not there to analyse -> await its body in case it blocks"

#endif
