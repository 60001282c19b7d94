/* Working with CPython's `ast` objects from C through the stable ABI.
 *
 * The limited API has no C-level AST, so the transform reads and builds
 * the Python `ast` node objects. This kit caches the node classes, maps a
 * node to a small integer kind for switch-based visitors, and builds new
 * nodes that carry the source location of the node they replace. */
#ifndef PYRUN_AST_KIT_H
#define PYRUN_AST_KIT_H

#include "../pyrun.h"

#define PYRUN_AST_KINDS(X)                                                    \
    X(Module) X(Interactive) X(Expression)                                    \
    X(FunctionDef) X(AsyncFunctionDef) X(ClassDef) X(Return) X(Delete)        \
    X(Assign) X(TypeAlias) X(AugAssign) X(AnnAssign) X(For) X(AsyncFor)       \
    X(While) X(If) X(With) X(AsyncWith) X(Match) X(Raise) X(Try) X(TryStar)   \
    X(Assert) X(Import) X(ImportFrom) X(Global) X(Nonlocal) X(Expr) X(Pass)   \
    X(Break) X(Continue)                                                      \
    X(BoolOp) X(NamedExpr) X(BinOp) X(UnaryOp) X(Lambda) X(IfExp) X(Dict)     \
    X(Set) X(ListComp) X(SetComp) X(DictComp) X(GeneratorExp) X(Await)       \
    X(Yield) X(YieldFrom) X(Compare) X(Call) X(FormattedValue) X(JoinedStr)   \
    X(Constant) X(Attribute) X(Subscript) X(Starred) X(Name) X(List)         \
    X(Tuple) X(Slice)                                                         \
    X(Load) X(Store) X(Del)                                                   \
    X(comprehension) X(ExceptHandler) X(arguments) X(arg) X(keyword)          \
    X(alias) X(withitem) X(match_case)                                        \
    X(MatchValue) X(MatchSingleton) X(MatchSequence) X(MatchMapping)          \
    X(MatchClass) X(MatchStar) X(MatchAs) X(MatchOr)                          \
    X(TypeVar) X(ParamSpec) X(TypeVarTuple)

typedef enum {
    AK_OTHER = 0,
#define PYRUN_AST_ENUM(name) AK_##name,
    PYRUN_AST_KINDS(PYRUN_AST_ENUM)
#undef PYRUN_AST_ENUM
    AK_COUNT
} ast_kind;

/* Interned attribute names, used for every field access. */
#define PYRUN_AST_FIELDS(X)                                                   \
    X(body) X(orelse) X(finalbody) X(handlers) X(name) X(asname) X(names)     \
    X(args) X(posonlyargs) X(kwonlyargs) X(vararg) X(kwarg) X(defaults)      \
    X(kw_defaults) X(decorator_list) X(returns) X(type_comment) X(bases)     \
    X(keywords) X(value) X(values) X(targets) X(target) X(iter) X(test)      \
    X(items) X(context_expr) X(optional_vars) X(func) X(attr) X(id) X(ctx)   \
    X(elt) X(key) X(generators) X(ifs) X(is_async) X(module) X(level)        \
    X(type) X(exc) X(cause) X(msg) X(annotation) X(simple) X(op) X(left)     \
    X(right) X(operand) X(subject) X(cases) X(pattern) X(guard) X(rest)      \
    X(type_params) X(lineno) X(col_offset) X(end_lineno) X(end_col_offset)   \
    X(arg) X(elts) X(keys) X(slice) X(ops) X(comparators) X(_fields) X(_attributes)   \
    X(format_spec) X(conversion)

typedef struct {
    PyObject *classes[AK_COUNT]; /* NULL when this Python has no such node */
    PyObject *load;              /* an ast.Load() instance, shared */
    PyObject *store;
    PyObject *empty_tuple;
    PyObject *ast_module;
    PyTypeObject *ast_base; /* ast.AST */
    PyObject *op_mod;       /* ast.Mod: `fmt % values` formats */
#define PYRUN_AST_FIELD_DECL(name) PyObject *s_##name;
    PYRUN_AST_FIELDS(PYRUN_AST_FIELD_DECL)
#undef PYRUN_AST_FIELD_DECL
    /* Recognised objects (model.h's prim): builtins by name, and
     * (module, attribute) pairs; plus the modules that lead to them. */
    PyObject *builtin_prims;
    PyObject *module_prims;
    PyObject *known_modules;
    /* open-addressing table: node class -> kind */
    PyObject *kind_keys[256];
    unsigned char kind_values[256];
} ast_kit;

int ast_kit_init(ast_kit *kit);
void ast_kit_clear(ast_kit *kit);
int ast_kit_traverse(ast_kit *kit, visitproc visit, void *arg);

ast_kind ast_kind_of(const ast_kit *kit, PyObject *node);
/* Is v an AST node (not a str, int or None field value)? Without the
 * AttributeError a failed attribute lookup would make and drop. */
int ast_is_node(const ast_kit *kit, PyObject *v);

/* New reference to a field, or NULL with an exception. Missing optional
 * fields read as None. */
PyObject *ast_get(PyObject *node, PyObject *field);
/* Borrowed-style convenience for int fields (lineno...). -1 if absent. */
long ast_get_int(PyObject *node, PyObject *field);
int ast_set(PyObject *node, PyObject *field, PyObject *value);

/* A new node of `kind`, with the location of `loc`. Fields are given as
 * (interned name, value) pairs ending with NULL; values are borrowed. */
PyObject *ast_make(ast_kit *kit, ast_kind kind, PyObject *loc, ...);
/* A node of another kind with all fields and location of `node`
 * (FunctionDef -> AsyncFunctionDef, For -> AsyncFor, With -> AsyncWith). */
PyObject *ast_retype(ast_kit *kit, PyObject *node, ast_kind kind);
/* visit(arg, child) for each child node of `node`, in field order (list
 * items one by one), until one returns -1: 0, or -1 with an exception. */
int ast_each_child(ast_kit *kit, PyObject *node, int (*visit)(void *arg, PyObject *child), void *arg);
int ast_copy_location(ast_kit *kit, PyObject *to, PyObject *from);

/* `__pyrun__.<helper>`: where the runtime's helpers live for transformed
 * code (a builtin, so module namespaces are not touched). */
PyObject *ast_helper(ast_kit *kit, PyObject *loc, const char *helper);
PyObject *ast_name(ast_kit *kit, PyObject *loc, PyObject *id, PyObject *ctx);
PyObject *ast_await(ast_kit *kit, PyObject *loc, PyObject *value);
/* helper(args...) with extra keywords list (may be NULL); args borrowed. */
PyObject *ast_helper_call(ast_kit *kit, PyObject *loc, const char *helper, PyObject *args,
                          PyObject *keywords);

/* Statements from Python source, for rewrites too long to build node by
 * node: every node gets the location of `loc`, and each Name whose id is a
 * key of `subs` (a dict: id -> node, or -> str for a new name) is replaced
 * by it. Returns a new list of statements. */
PyObject *ast_template(ast_kit *kit, const char *source, PyObject *loc, PyObject *subs);

#define PYRUN_HELPERS_NAME PYRUN_HELPERS_BUILTIN

#endif
