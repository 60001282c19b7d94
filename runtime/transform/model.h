/* What the transform knows about one module while it rewrites it.
 *
 * collect.c walks the tree once and records scopes (with their name
 * bindings), units (function bodies, lambdas, class bodies, the module),
 * classes and sites (calls, for loops, with items that may block).
 * resolve.c gives names and expressions an abstract value (a module, a
 * blocking primitive, a def, a class, an instance...). color.c finds, by
 * fixpoint, which units must become async. rewrite.c then edits the tree. */
#ifndef PYRUN_TRANSFORM_MODEL_H
#define PYRUN_TRANSFORM_MODEL_H

#include "ast_kit.h"

typedef struct scope scope;
typedef struct unit unit;
typedef struct klass klass;
typedef struct binding binding;
typedef struct module_info module_info;

typedef enum { SC_MODULE, SC_CLASS, SC_FUNCTION, SC_COMPREHENSION } scope_kind;
typedef enum { U_MODULE, U_FUNCTION, U_LAMBDA, U_CLASS_BODY } unit_kind;

/* Objects of the stdlib and builtins the transform recognises. */
typedef enum {
    P_NONE = 0,
    P_SLEEP,          /* time.sleep */
    P_ASYNCIO_RUN,    /* asyncio.run */
    P_INPUT,          /* builtins.input */
    P_STDIN,          /* sys.stdin (an object, not a callable) */
    P_GET_LOOP,       /* asyncio.get_event_loop / get_running_loop */
    P_NEW_LOOP,       /* asyncio.new_event_loop */
    P_WRAPS,          /* functools.wraps */
    P_REDUCE,         /* functools.reduce */
    P_PARTIAL,        /* functools.partial */
    P_CONTEXTMANAGER, /* contextlib.contextmanager */
    P_JS_CALLBACK,    /* pyodide.ffi.create_proxy / create_once_callable */
    P_PROPERTY,
    P_STATICMETHOD,
    P_CLASSMETHOD,
    P_SUPER,
    P_SORTED,
    P_MIN,
    P_MAX,
    P_MAP,
    P_FILTER,
    P_ANY,
    P_ALL,
    P_SUM,
    P_LIST,
    P_TUPLE,
    P_SET,
    P_FROZENSET,
    P_DICT,
    P_NEXT,
    P_ENUMERATE,
    P_IMPORT_MODULE,  /* importlib.import_module */
    P_RELOAD,         /* importlib.reload */
    P_DUNDER_IMPORT,  /* builtins.__import__ */
    P_COUNT
} prim;

typedef enum {
    V_UNKNOWN = 0,
    V_MODULE,   /* .module: dotted name */
    V_PRIM,     /* .prim */
    V_FUNC,     /* .unit: a def or lambda of this module */
    V_CLASS,    /* .cls */
    V_INSTANCE, /* .cls: an instance of cls or of a subclass (self too) */
    V_CLSOBJ,   /* .cls: cls in a classmethod: cls or a subclass */
    V_SUPER,    /* .cls: super() inside a method of cls */
    V_PROPERTY, /* .unit: the getter */
    V_LOOP,     /* an asyncio event loop */
    V_WRAPS,    /* the result of functools.wraps(...): a transparent decorator */
    V_STDIN_METHOD, /* .module: method name of sys.stdin */
    V_UNSEEN,   /* from a module that was not there to analyse: may be colored */
} value_kind;

typedef struct {
    value_kind kind;
    prim prim;
    unit *unit;
    klass *cls;
    PyObject *module; /* borrowed: owned by the tree or by tx->strings */
} value;

typedef enum {
    SRC_DEF,    /* .unit (decorators applied when evaluated) */
    SRC_CLASS,  /* .cls */
    SRC_IMPORT, /* .module */
    SRC_FROM,   /* .module, .attr */
    SRC_ASSIGN, /* .expr evaluated in .scope */
    SRC_PARAM,  /* .unit, .index (-1: *args or **kwargs) */
    SRC_ITER,   /* loop target over .expr (values are its items) */
    SRC_OTHER,  /* anything else: augmented assignment, with-as, except... */
} source_kind;

typedef struct {
    source_kind kind;
    PyObject *expr;
    PyObject *module;
    PyObject *attr;
    scope *scope;
    unit *unit;
    klass *cls;
    int index;
} source;

struct binding {
    PyObject *name;
    scope *scope;
    source *src;
    int nsrc, capsrc;
    value v;
    int v_state;     /* 0 unevaluated, 1 evaluating, 2 known */
    int may_colored; /* may hold a colored callable (or a container of them) */
};

struct scope {
    scope_kind kind;
    int index;
    module_info *mod; /* the module this scope is part of */
    PyObject *node;
    scope *parent;
    unit *unit;        /* unit whose code runs in this scope */
    klass *cls;        /* for SC_CLASS */
    PyObject *names;   /* dict: name -> PyLong index into tx->bindings */
    PyObject *globals; /* set of names declared global */
    PyObject *nonlocals;
    PyObject *star_modules; /* list of modules imported with * */
};

struct unit {
    unit_kind kind;
    int index;
    PyObject *node;
    scope *scope;     /* the unit's own scope */
    scope *def_scope; /* where it is defined */
    unit *parent;
    klass *owner;     /* class whose body defines this def */
    int native_async; /* written as async def by the user */
    int generator;
    int returns_value; /* a `return <value>`: forbidden in async generators */
    int is_static, is_classmethod, is_property, is_contextmanager;
    int decorated_unknown; /* a decorator pyrun does not understand */
    int escapes;           /* its function object reaches code pyrun does not rewrite */
    int decorators_done;
    int awaits;      /* a module body with top-level await, async for or with */
    int is_setter;   /* @x.setter / @x.deleter: an accessor of property x */
    int colored;
    /* Why it was colored, for the notes. */
    int why_line;
    unit *why_unit;
    const char *why_what;
    PyObject *why_name;
    PyObject *returns;    /* list of returned expressions */
    value ret;
    int ret_state;
    PyObject *params;     /* list of parameter names, positional order */
    int *param_may;       /* per parameter: may receive a colored callable */
    int nparams;
    PyObject *attr_loads; /* set of attribute names this unit reads */
};

struct klass {
    int index;
    PyObject *node;
    PyObject *name;
    scope *scope;     /* class body scope */
    scope *def_scope;
    unit *body;
    PyObject *methods;    /* dict: name -> PyLong unit index */
    klass **bases;
    int nbases;
    int bases_state;
    int unknown_base;
    int component;        /* union-find over inheritance: method families */
};

typedef enum { SITE_CALL, SITE_FOR, SITE_WITH, SITE_YIELD_FROM, SITE_IMPORT } site_kind;

/* What a site needs. Every effect but E_NONE/E_*_SYNC makes its unit async. */
typedef enum {
    E_NONE = 0,
    E_SLEEP,
    E_RUN,
    E_INPUT,
    E_STDIN,
    E_RUN_UNTIL_COMPLETE,
    E_RUN_FOREVER,
    E_AWAIT,       /* call of a colored def or method: await it */
    E_CONSTRUCT,   /* class whose __init__ is colored */
    E_MAYBE,       /* method of an unknown object named like a colored one */
    E_DYNAMIC,     /* a callable that may be colored */
    E_HOF,         /* sorted/min/max/map/filter/reduce/list.sort with a colored callable */
    E_CONSUME,     /* a consumer (sum, list, any, next...) of async items */
    E_ASYNC_FOR,
    E_ASYNC_WITH,
    E_PROPERTY,    /* read of a property whose getter is colored */
    E_IMPORT,      /* import of a user module whose body blocks */
    E_NEW_LOOP_SYNC,  /* asyncio.new_event_loop(): the running loop, no await */
    E_LOOP_STOP_SYNC, /* loop.stop()/close() of the one running loop */
} effect;

typedef struct {
    site_kind kind;
    PyObject *node;
    scope *scope;
    unit *unit;
    int in_genexp;
    effect effect;
    unit *target; /* the colored unit reached, when known */
    PyObject *imports; /* SITE_IMPORT: absolute names the statement may import */
    PyObject *required; /* SITE_IMPORT: those it imports for sure (no maybe-submodules) */
} site;

/* One module of the program being transformed. */
struct module_info {
    int index;
    PyObject *tree;     /* ast.Module, owned */
    PyObject *source;   /* as read, owned */
    PyObject *filename; /* code objects' filename */
    PyObject *name;     /* dotted name; "__main__" for the program's entry */
    PyObject *package;  /* where relative imports start; None for none */
    PyObject *imports;  /* absolute names it imports (may be user modules) */
    PyObject *notes;    /* list of str */
    PyObject *colored_defs; /* set of (name, first line) of defs made async */
    unit *unit;
    scope *scope;
    int rewrites;
    int may_await;      /* top-level await allowed */
    int namespace;      /* a namespace package: no code of its own */
};

/* The whole program: the entry module and every user module it reaches,
 * analysed together so that coloring crosses module boundaries. */
typedef struct tx {
    ast_kit *kit;

    module_info **mods;
    int nmods, capmods;
    PyObject *mods_by_name; /* dict: dotted name -> PyLong index */

    scope **scopes;
    int nscopes, capscopes;
    binding **bindings;
    int nbindings, capbindings;
    unit **units;
    int nunits, capunits;
    klass **classes;
    int nclasses, capclasses;
    site **sites;
    int nsites, capsites;

    PyObject *unit_of_node;   /* dict: def/lambda/module/class node -> unit index */
    PyObject *scope_of_node;  /* dict: node with a scope -> scope index */
    PyObject *colored_methods;   /* set: names of colored methods */
    PyObject *may_colored_attrs; /* set: attributes assigned colored callables */
    PyObject *attr_stores;       /* list of (attr, expr, scope index) */
    PyObject *calls_by_node;     /* dict: site node (Call, For, With...) -> site index */
    PyObject *colored_properties; /* set: names of properties with colored getters */
    PyObject *strings;           /* dict interning module names built here */
    PyObject *unfound;           /* set: imported modules not found when analysed */
    PyObject *keep;              /* list: tree objects the analysis points at (see add_source) */
    int changed;
    /* Where the transform is working, for pyrun.InternalError's message. */
    module_info *at_mod;
    long at_line;
} tx;

/* Records the statement or site being worked on (see tx.at_line). */
void tx_at(tx *t, module_info *m, PyObject *node);

/* prims.c */
int prims_init(ast_kit *kit);
void prims_clear(ast_kit *kit);
prim prim_of_builtin(ast_kit *kit, PyObject *name);
prim prim_of_attr(ast_kit *kit, PyObject *module, PyObject *attr);

/* collect.c */
int tx_init(tx *t);
/* Adds a module (taking its tree and source) and collects it. */
module_info *tx_add_module(tx *t, PyObject *tree, PyObject *source, PyObject *filename, PyObject *name,
                           PyObject *package, int may_await);
module_info *tx_module(tx *t, PyObject *name); /* borrowed; NULL if not in the program */
void tx_free(tx *t);
binding *tx_binding(tx *t, scope *s, PyObject *name); /* in s only */
unit *tx_unit_of(tx *t, PyObject *node);
PyObject *tx_intern(tx *t, PyObject *s); /* borrowed */
scope *tx_scope_of(tx *t, PyObject *node);

/* resolve.c */
binding *resolve_name(tx *t, scope *s, PyObject *name);
int eval_expr(tx *t, PyObject *expr, scope *s, value *out);
int binding_value(tx *t, binding *b, value *out);
int unit_return_value(tx *t, unit *u, value *out);
unit *class_lookup(tx *t, klass *k, PyObject *name, int skip_self);
int class_bases(tx *t, klass *k);
int value_is_colored_callable(tx *t, const value *v);
/* Sets the unit's flags from its decorators (static, property...). */
int unit_analyze_decorators(tx *t, unit *u);

/* color.c */
int tx_color(tx *t);
int family_colored(tx *t, klass *k, PyObject *name, unit **which);
int expr_may_be_colored(tx *t, PyObject *expr, scope *s);
int expr_is_async_items(tx *t, PyObject *expr, scope *s);
int unit_needs_face(tx *t, unit *u);
effect classify_site(tx *t, site *st, unit **target);
int needs_await(effect e);
int is_implicit_dunder(PyObject *name);

/* rewrite.c */
int tx_rewrite(tx *t, module_info *m);

#endif
