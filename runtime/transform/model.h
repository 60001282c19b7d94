/* What the transform knows about the program while it rewrites it.
 *
 * The passes, one file each:
 *   collect.c  one walk per module: scopes and their name bindings, units
 *              (module bodies, defs, lambdas, class bodies) and classes;
 *   flows.c    a second walk: every expression that can hold a value pyrun
 *              cares about gets a variable, and every way values move
 *              (assignment, arguments to parameters, returns, yields,
 *              attributes, items, decorators...) a constraint between
 *              variables; the places that may block are sites;
 *   solve.c    the constraints solved to a fixpoint: each variable's set of
 *              abstract objects, with the call graph found along the way;
 *   color.c    coloring, by fixpoint over that graph: which units must
 *              become async, and what each site's rewrite is;
 *   rewrite_*.c  editing the tree.
 *
 * The analysis is whole-program (every user module the program imports
 * is in it) and flow-insensitive, in the manner of PyCG: values are sets
 * of abstract objects, not single values. */
#ifndef PYRUN_TRANSFORM_MODEL_H
#define PYRUN_TRANSFORM_MODEL_H

#include "ast_kit.h"

typedef struct scope scope;
typedef struct unit unit;
typedef struct klass klass;
typedef struct binding binding;
typedef struct module_info module_info;
typedef struct site site;

/* A small set of ints (object or unit ids), sorted. */
typedef struct {
    int *v;
    int n, cap;
} idset;

int idset_add(idset *s, int x);                 /* 1 added, 0 present, -1 error */
int idset_union(idset *dst, const idset *src);  /* how many added, or -1 */
int idset_has(const idset *s, int x);
void idset_free(idset *s);

typedef enum { SC_MODULE, SC_CLASS, SC_FUNCTION, SC_COMPREHENSION } scope_kind;
typedef enum { U_MODULE, U_FUNCTION, U_LAMBDA, U_CLASS_BODY } unit_kind;

/* Objects of the stdlib and builtins whose meaning the analysis knows. */
typedef enum {
    P_NONE = 0,
    /* blocking */
    P_SLEEP,          /* time.sleep */
    P_ASYNCIO_RUN,    /* asyncio.run */
    P_INPUT,          /* builtins.input */
    P_STDIN_READ,     /* sys.stdin.readline / read / readlines */
    P_RUN_UNTIL_COMPLETE, /* loop.run_until_complete */
    P_RUN_FOREVER,    /* loop.run_forever */
    /* the event loop */
    P_GET_LOOP,       /* asyncio.get_event_loop / get_running_loop */
    P_NEW_LOOP,       /* asyncio.new_event_loop */
    P_LOOP_STOP,      /* loop.stop / loop.close */
    P_TO_THREAD,      /* asyncio.to_thread */
    P_RUN_IN_EXECUTOR,/* loop.run_in_executor */
    P_CALL_SOON,      /* loop.call_soon / call_soon_threadsafe: calls its first argument later */
    P_CALL_LATER,     /* loop.call_later / call_at: calls its second argument later */
    /* wrappers of callables */
    P_WRAPS,          /* functools.wraps */
    P_UPDATE_WRAPPER, /* functools.update_wrapper */
    P_PARTIAL,        /* functools.partial */
    P_LRU_CACHE,      /* functools.lru_cache (called with options, or not) */
    P_CACHE,          /* functools.cache */
    P_CACHED_PROPERTY,/* functools.cached_property */
    P_CMP_TO_KEY,     /* functools.cmp_to_key: its keys compare by calling the function */
    P_SINGLEDISPATCH, /* functools.singledispatch */
    P_SINGLEDISPATCHMETHOD, /* functools.singledispatchmethod */
    P_CONTEXTMANAGER, /* contextlib.contextmanager */
    P_TYPES_COROUTINE,/* types.coroutine: a generator whose yields go to the awaiting loop */
    P_PROPERTY,
    P_STATICMETHOD,
    P_CLASSMETHOD,
    P_SUPER,
    P_JS_CALLBACK,    /* pyodide.ffi.create_proxy / create_once_callable */
    /* callables called back */
    P_SORTED,
    P_MIN,
    P_MAX,
    P_MAP,
    P_FILTER,
    P_REDUCE,         /* functools.reduce */
    P_LIST_SORT,      /* list.sort */
    P_LIST_SEARCH,    /* list.index / count / remove, tuple.index / count: the items' __eq__ */
    /* consumers of items */
    P_ANY,
    P_ALL,
    P_SUM,
    P_LIST,
    P_TUPLE,
    P_SET,
    P_FROZENSET,
    P_DICT,
    P_NEXT,
    P_GEN_SEND,       /* generator.send / throw / close: resume it */
    P_GEN_THROW,
    P_GEN_CLOSE,
    P_ENUMERATE,
    P_ZIP,
    P_ITER,
    P_REVERSED,
    /* builtins calling one special method */
    P_LEN,            /* len: __len__ */
    P_BOOL,           /* bool: __bool__, __len__ */
    P_ABS,            /* abs: __abs__ */
    /* itertools over a callable, lazy: async iterators when it is colored */
    P_STARMAP,
    P_FILTERFALSE,
    P_TAKEWHILE,
    P_DROPWHILE,
    P_ACCUMULATE,
    /* library functions that call back, replayed (aio/replay.c) */
    P_RE_SUB,         /* re.sub / re.subn: the replacement function */
    P_PATTERN_SUB,    /* a compiled pattern's sub / subn */
    P_JSON_DUMPS,     /* json.dumps: default= */
    P_JSON_LOADS,     /* json.loads: object_hook=, object_pairs_hook=, parse_*= */
    P_NSMALLEST,      /* heapq.nsmallest / nlargest: key= */
    P_BISECT,         /* bisect.bisect*, insort*: key= */
    /* stringifiers: they call __str__, __repr__ or __format__ */
    P_PRINT,
    P_STR,
    P_REPR,
    P_ASCII,
    P_FORMAT,
    /* values read from names */
    P_GETATTR,
    P_EVAL,
    P_EXEC,
    P_IMPORT_MODULE,  /* importlib.import_module */
    P_RELOAD,         /* importlib.reload */
    P_DUNDER_IMPORT,  /* builtins.__import__ */
    /* threads as tasks (aio/threads.c) */
    P_COOP_CLASS,     /* threading.Thread, Lock, Event..., queue.Queue..., ThreadPoolExecutor */
    P_COOP_WAIT,      /* a method of one where a thread waits: join, acquire, get, put, result... */
    P_COOP_CALL,      /* a method of one that lets a waiting thread go on: start, release, set... */
    P_URLOPEN,        /* urllib.request.urlopen: through the host's fetch */
    P_GETPASS,        /* getpass.getpass: a line read without echo */
    P_FUTURES_WAIT,   /* concurrent.futures.wait */
    P_AS_COMPLETED,   /* concurrent.futures.as_completed: its items come as the futures complete */
    P_UNAVAILABLE,    /* multiprocessing.Process, ProcessPoolExecutor, subprocess.run, socket.socket...: no such thing here */
    /* objects, not callables */
    P_STDIN,          /* sys.stdin */
    P_COUNT
} prim;
/* a site's prims are bits of a primset */
typedef unsigned __int128 primset;
#define PRIM_BIT(p) ((primset)1 << (p))
_Static_assert(P_COUNT <= 128, "too many prims for site.prims");

/* Abstract objects. O_LIB (object 0) is any value made by code pyrun does
 * not analyse (the stdlib, builtins); O_UNSEEN (1) one made by the
 * program's own code that was not there to analyse (a module written at
 * run time, eval), which may be colored; O_LIBFN (2) what a library
 * module or the builtins hold under a name. */
typedef enum {
    O_LIB,
    O_UNSEEN,
    O_LIBFN,     /* a function of the stdlib or a builtin, read from its module: calling it gives O_LIB */
    O_FUNC,      /* .u: a def or lambda */
    O_BOUND,     /* .u: that def bound to an instance (its first parameter filled) */
    O_CLASS,     /* .k */
    O_INSTANCE,  /* .k: an instance of k (not of a subclass) */
    O_MODULE,    /* .name; .m when it is one of the program's */
    O_PRIM,      /* .p */
    O_CONTAINER, /* a list, tuple, set or dict made at .node: its items in .inner */
    O_GENERATOR, /* .u: what calling a generator function returns; items: its yields */
    O_WRAP,      /* .wrap over the callables or values in .inner (see wrap_kind) */
    O_SUPER,     /* .k: super() in a method of k */
} obj_kind;

typedef enum {
    W_CALLS,      /* calling it calls .inner (partial, lru_cache, a contextmanager factory...) */
    W_STATIC,     /* staticmethod(.inner) */
    W_CLASSMETHOD,/* classmethod(.inner) */
    W_PROPERTY,   /* property: getters .inner, setters .inner2 */
    W_SETTER,     /* property.setter / .deleter of property .ref: calling adds a setter */
    W_ASYNC_ITEMS,/* map/filter/enumerate over async items or a colored callable: lazy, async */
    W_LOOP,       /* an asyncio event loop */
    W_WRAPS,      /* functools.wraps(f): a decorator that returns what it decorates */
    W_PARTIAL_DECO, /* lru_cache(maxsize=...) and the like: a decorator making W_CALLS */
    W_ITEMS_GET,  /* container.get, .pop...: calling gives the items of .ref */
    W_ITEMS_ADD,  /* container.append, .update...: calling adds to the items of .ref */
    W_DISPATCH,   /* singledispatch(method): calling it calls .inner, its base and registered functions */
    W_REGISTER,   /* .register of dispatch .ref: calling adds what it is given to the dispatch */
    W_COOP,       /* a thread, lock, queue, executor or future: what is put in it, or computed, in .inner */
    W_COMPLETING, /* as_completed(fs): the futures of fs in .inner, given as they complete (async items) */
} wrap_kind;

typedef struct {
    obj_kind kind;
    wrap_kind wrap;
    prim p;
    unit *u;
    klass *k;
    module_info *m;
    PyObject *name; /* O_MODULE: dotted name, borrowed from tx.strings */
    PyObject *node; /* O_CONTAINER made by a display or comprehension: that node (kept) */
    site *made_at;  /* made by what a call at this site returns */
    int inner;      /* a variable, or -1 */
    int inner2;
    int ref;        /* O_WRAP W_SETTER: the property object */
    unsigned seen;  /* color.c's walks through wrappers: tx.walk when last met */
} aobj;

/* A variable: a set of abstract object ids. */
typedef struct {
    idset objs;
    unsigned version; /* how many times it has grown */
} var;

typedef enum {
    K_COPY,       /* dst ⊇ src */
    K_OBJ,        /* dst ⊇ {obj} */
    K_ATTR,       /* dst ⊇ attribute `name` of src (name NULL: any attribute) */
    K_STORE_ATTR, /* attribute `name` of dst ⊇ src */
    K_ITEMS,      /* dst ⊇ items of src (iteration, unpacking, subscripts) */
    K_STORE_ITEM, /* items of dst ⊇ src */
    K_CALL,       /* the call at .call */
    K_ENTER,      /* dst ⊇ what `with src as dst` binds */
    K_SELF,       /* dst ⊇ instances (or, for classmethods, classes) of unit .u's class and subclasses */
    K_BASES,      /* class .k's bases are what src holds */
    K_OPERATOR,   /* the operator site .call: its operands' special methods */
} kkind;

typedef struct {
    kkind kind;
    int dst, src;
    int obj;
    PyObject *name; /* borrowed: kept by tx.keep */
    site *call;    /* K_CALL: the call; K_ATTR, K_ITEMS, K_ENTER: the site that runs what they find */
    unit *u;
    klass *k;
    unsigned applied; /* K_COPY, K_OBJ: 1 + the source's version when last applied, or 0 */
} constraint;

struct binding {
    PyObject *name;
    scope *scope;
    int var;
    int bound_elsewhere; /* `del`, except-as, with-as, match...: values pyrun does not follow */
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
    int awaits;        /* a comprehension whose code awaits, as colored (color.c) */
};

struct unit {
    unit_kind kind;
    int index;
    PyObject *node;
    scope *scope;     /* the unit's own scope */
    scope *def_scope; /* where it is defined */
    unit *parent;
    klass *owner;     /* class whose body defines this def */
    PyObject *name;   /* the def's name, "<lambda>", the class's, or None */
    int native_async; /* written as async def by the user */
    int generator;
    int returns_value; /* a `return <value>`: forbidden in async generators */
    int awaits;        /* a module body with top-level await, async for or with */
    int may_stop;      /* may raise StopIteration to its caller (next(), raise StopIteration) */
    /* analysis */
    int obj, bound_obj, gen_obj; /* its O_FUNC, O_BOUND and O_GENERATOR */
    int ret;          /* variable: what it returns */
    int yields;       /* variable: what it yields */
    int *params;      /* variables of its parameters, positional order */
    PyObject *param_names; /* list, same order */
    int nparams;
    int vararg, kwarg; /* variables of *args and **kwargs, or -1 */
    int nposonly;     /* parameters before the first keyword-capable one */
    int nposargs;     /* posonly + regular (the positional slots) */
    int *decos;       /* variables of its decorators, top to bottom */
    int ndecos;
    /* coloring */
    int colored;
    int rewritten;    /* it, or a unit inside it, has something to rewrite */
    int why_line;     /* why, for the notes */
    unit *why_unit;
    const char *why_what;
    PyObject *why_name;
};

struct klass {
    int index;
    PyObject *node;
    PyObject *name;
    scope *scope;     /* class body scope */
    scope *def_scope;
    unit *body;
    module_info *mod;
    int obj, inst_obj; /* its O_CLASS and O_INSTANCE */
    int bases_var;     /* the values of its bases, in order of the list */
    klass **bases;     /* known bases that are classes of the program, as solved */
    int nbases, capbases;
    int lib_base;      /* a base pyrun does not analyse */
    int coop_base;     /* one of them a threading class (Thread, Timer...) */
    PyObject *attrs;   /* dict: name -> PyLong var: attributes stored on the class */
    PyObject *iattrs;  /* dict: name -> PyLong var: attributes stored on its instances */
    int is_dataclass;
};

typedef enum {
    SITE_CALL,
    SITE_FOR,       /* a for statement, or a comprehension's generator (.comp) */
    SITE_WITH,
    SITE_YIELD_FROM,
    SITE_IMPORT,
    SITE_ATTR,      /* an attribute read (a property's getter may block) */
    SITE_DECORATE,  /* a def or class whose decorators run */
    SITE_OP,        /* an operator or truth test whose special method may block (.op) */
} site_kind;

/* What a site's rewrite is. */
typedef enum {
    E_NONE = 0,
    E_SLEEP,
    E_RUN,
    E_INPUT,
    E_STDIN,
    E_RUN_UNTIL_COMPLETE,
    E_RUN_FOREVER,
    E_AWAIT,       /* every callee is colored: await its async side */
    E_CONSTRUCT,   /* a class whose construction blocks */
    E_CHECKED,     /* some callee may be colored: await only if it is */
    E_HOF,         /* sorted/min/max/map/filter/reduce/list.sort/to_thread... with a colored callable */
    E_CONSUME,     /* a consumer (sum, list, any, next...) of async items */
    E_RESUME,      /* send/throw/close of a generator that blocks */
    E_ASYNC_FOR,
    E_ASYNC_WITH,
    E_PROPERTY,    /* read of a property whose getter blocks */
    E_IMPORT,      /* import of a user module whose body blocks */
    E_DECORATE,    /* decorators whose application blocks */
    E_EVAL,        /* eval() or exec() of source: transformed and awaited when it runs */
    E_STRINGIFY,   /* print/str/repr/ascii/format of what may have a __str__, __repr__ or __format__ that blocks */
    E_OPERATOR,    /* an operator or truth test whose special method blocks: __pyrun__.compare/binop/... */
    E_NEW_LOOP_SYNC,  /* asyncio.new_event_loop(): the running loop, no await */
    E_LOOP_STOP_SYNC, /* loop.stop()/close() of the one running loop */
    E_COOP,        /* where a thread waits: await __pyrun__.coop(obj, "name", ...) */
    E_COOP_SYNC,   /* what lets a waiting thread go on: __pyrun__.coop_sync(obj, "name", ...) */
    E_FUTURES_WAIT, /* concurrent.futures.wait: await __pyrun__.futures_wait(...) */
    E_URLOPEN,      /* urllib.request.urlopen: await __pyrun__.urlopen(...) */
    E_GETPASS,      /* getpass.getpass: await __pyrun__.getpass(...) */
    E_AS_COMPLETED, /* concurrent.futures.as_completed: __pyrun__.as_completed(...), async items */
    E_UNAVAILABLE, /* a process or a socket: __pyrun__.unavailable("name", ...) raises, naming it */
} effect;

struct site {
    site_kind kind;
    int index;
    PyObject *node;
    scope *scope;
    unit *unit;
    int in_genexp;
    int str_format;   /* "...".format(...) of a literal string: it stringifies its arguments */
    int op;           /* SITE_OP: (kind << 8) | code, kind an op_kind */
    /* SITE_CALL: the callee, arguments and result, as variables */
    int func;
    int *args;
    unsigned char *starred;
    int nargs;
    PyObject *kwnames; /* list of str, or None for **kwargs */
    int *kwargs;
    int nkw;
    int result;
    int base;         /* SITE_CALL of an attribute / SITE_ATTR: the object's variable, or -1 */
    PyObject *attr;   /* the attribute's name, borrowed, or NULL */
    int store;        /* SITE_ATTR: a store or delete (a property's setter or deleter) */
    /* SITE_FOR / SITE_YIELD_FROM / SITE_WITH: what is iterated or entered */
    int iter;
    int *items;       /* SITE_WITH: each item's context manager */
    int nitems;
    PyObject *comp;   /* SITE_FOR of a comprehension: its node */
    /* SITE_IMPORT: absolute names the statement may import / surely imports */
    PyObject *imports;
    PyObject *required;
    /* found by solve.c and color.c */
    idset callees;    /* units this site may run (calls, getters, __iter__...) */
    primset prims;    /* bit per prim (PRIM_BIT(p)) it may call */
    int reaches_lib;  /* it may call something pyrun does not analyse */
    int reaches_unseen;
    effect effect;
    unit *target;     /* a colored unit reached, for the notes */
};

/* SITE_OP kinds; codes index operator_names.h's tables. */
typedef enum { OPK_COMPARE = 1, OPK_BINARY, OPK_INPLACE, OPK_UNARY, OPK_TRUTH, OPK_GETITEM, OPK_SETITEM, OPK_DELITEM, OPK_CONTAINS } op_kind;
/* Protocols some class of the program defines a method of (tx.op_protocols):
 * only those get operator sites. */
enum { PM_COMPARE = 1, PM_ARITH = 2, PM_UNARY = 4, PM_TRUTH = 8, PM_ITEMS = 16 };

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
    unit *unit;
    scope *scope;
    int obj;            /* its O_MODULE */
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

    aobj *objs;
    int nobjs, capobjs;
    var *vars;
    int nvars, capvars;
    constraint *cons;
    int ncons, capcons;

    PyObject *unit_of_node;   /* dict: def/lambda/module/class node -> unit index */
    PyObject *scope_of_node;  /* dict: node with a scope -> scope index */
    PyObject *site_of_node;   /* dict: site node (Call, For, With...) -> site index */
    PyObject *var_of_node;    /* dict: expression node -> variable */
    PyObject *obj_of_key;     /* dict: (kind, key) -> object id, for objects made once */
    PyObject *lib_stores;     /* dict: (module, attr) -> variable: stores into library modules */
    PyObject *colored_names;  /* set: names of colored callables (defs, methods, attributes) */
    PyObject *strings;        /* dict interning module names built here */
    PyObject *unfound;        /* set: imported modules not found when analysed */
    PyObject *keep;           /* list: tree objects the analysis points at */
    int lib_var;              /* a variable holding just O_LIB */
    /* Calls made while one constraint is applied (solve.c): the same
     * callee with the same arguments into the same variable is made once,
     * however many wrappers lead to it. */
    struct call_made *calls_made;
    int ncalls_made, capcalls_made;
    unsigned walk;            /* color.c: the current walk through wrappers (they may form cycles) */
    int *walk_stack;          /* room for capobjs ids */
    int dynamic_names;        /* names bound nowhere may be anything (eval'd code): O_UNSEEN */
    int stringify_blocks; /* a colored __str__, __repr__ or __format__ exists (color.c) */
    int op_protocols;     /* PM_* bits, -1 before flows.c has looked */
    int changed;
    /* Where the transform is working, for pyrun.InternalError's message. */
    module_info *at_mod;
    PyObject *at_node; /* its line is read only when the message is made */
} tx;

/* Records the statement or site being worked on (see tx.at_node). */
void tx_at(tx *t, module_info *m, PyObject *node);
/* The line of that statement or site, 0 when there is none. */
long tx_at_line(tx *t);

/* prims.c */
int prims_init(ast_kit *kit);
void prims_clear(ast_kit *kit);
prim prim_of_builtin(ast_kit *kit, PyObject *name);
prim prim_of_attr(ast_kit *kit, PyObject *module, PyObject *attr);
const char *prim_name(prim p);
int prim_blocks(prim p);
prim prim_coop_method(PyObject *name);

/* collect.c */
int tx_init(tx *t);
/* Adds a module (taking its tree and source) and collects it. */
module_info *tx_add_module(tx *t, PyObject *tree, PyObject *source, PyObject *filename, PyObject *name,
                           PyObject *package, int may_await);
module_info *tx_module(tx *t, PyObject *name); /* borrowed; NULL if not in the program */
void tx_free(tx *t);
binding *tx_binding(tx *t, scope *s, PyObject *name); /* in s only */
binding *tx_resolve(tx *t, scope *s, PyObject *name);  /* as Python resolves a load */
unit *tx_unit_of(tx *t, PyObject *node);
scope *tx_scope_of(tx *t, PyObject *node);
site *tx_site_of(tx *t, PyObject *node);
PyObject *tx_intern(tx *t, PyObject *s); /* borrowed */
int tx_keep(tx *t, PyObject *obj);
int tx_new_var(tx *t);
/* Objects made once per key. */
int tx_obj(tx *t, obj_kind kind, PyObject *key, const aobj *init);
int tx_obj_with_vars(tx *t, obj_kind kind, PyObject *key, const aobj *init, int fresh_vars);
int tx_module_obj(tx *t, PyObject *dotted);
int tx_prim_obj(tx *t, prim p);
int tx_add_constraint(tx *t, const constraint *c);
/* The binding of `name` in scope s, made if it is not there. */
binding *tx_bind(tx *t, scope *s, PyObject *name);
/* The absolute name of a module imported `level` dots up from m; None
 * when it cannot be resolved statically. */
PyObject *tx_absolute_module(tx *t, module_info *m, PyObject *name, long level);
PyObject *tx_import_binding(PyObject *name, PyObject *asname);
/* Notes a module the program may import, and its parent packages, on m's
 * imports and the given lists (NULL: none). */
int tx_note_import(tx *t, module_info *m, PyObject *absolute, PyObject *site_names, PyObject *required);

/* flows.c */
int tx_flows(tx *t, module_info *m);
/* The variable of an expression node, or -1 when it has none. */
int tx_var_of(tx *t, PyObject *expr);

/* solve.c */
int tx_solve(tx *t);
const idset *tx_values(tx *t, int var);
/* The def or value a class (or, with skip_self, its bases) gives `name`. */
int class_attr_var(tx *t, klass *k, PyObject *name, int skip_self, idset *out);
int is_implicit_dunder(PyObject *name);

/* color.c */
int tx_color(tx *t);
int needs_await(effect e);
int caches_colored(tx *t, site *s);          /* lru_cache(...)(f), cache(f) over what may be colored */
int loop_calls_back_colored(tx *t, site *s); /* loop.call_soon/call_later of what may be colored */
/* map, filter, enumerate and the itertools over a callable: lazy, async
 * iterators when they call colored code or take async items (color.c). */
int is_lazy_iterator(prim p);
/* A library function that calls back, awaited replayed (color.c). */
int is_replayed(prim p);
/* The key of the truth test of expression node (flows.c), for tx_site_of. */
PyObject *tx_truth_key(PyObject *node);
/* The key of the item site (x[k] read, stored or deleted) of a Subscript. */
PyObject *tx_item_key(PyObject *node);
PyObject *tx_store_key(PyObject *node); /* an attribute's store or delete */
PyObject *tx_chain_key(PyObject *node, int i);   /* the i-th comparison of a chain a < b < c */
/* A lambda defined where an async def can be lifted for it (color.c). */
int lambda_liftable(unit *u);
/* Do the values of expr include a colored callable, or async items? */
int expr_has_colored_callable(tx *t, PyObject *expr);
int expr_is_async_items(tx *t, PyObject *expr);
int var_is_async_items(tx *t, int var);
/* Is this object a callable whose call blocks (colored)? */
int obj_colored(tx *t, int obj);
/* The stdlib callable a call site's callee holds, if any. */
prim site_prim(tx *t, site *s);

/* rewrite.c */
int tx_rewrite(tx *t, module_info *m);

#endif
