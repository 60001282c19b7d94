/* The special methods behind each operator, shared by the transform (which
 * finds the colored ones an operator may call, transform/solve.c) and the
 * runtime (which calls them, aio/operators.c). The transform's operator
 * codes index these tables: comparisons by Py_LT .. Py_GE, binary and
 * in-place operators in the order of BINARY, unary ones in that of UNARY. */
#ifndef PYRUN_OPERATOR_NAMES_H
#define PYRUN_OPERATOR_NAMES_H

typedef struct {
    const char *symbol;
    const char *name, *reflected, *inplace;
} op_info;

/* Py_LT .. Py_GE */
static const op_info COMPARISONS[] = {
    {"<", "__lt__", "__gt__", NULL},  {"<=", "__le__", "__ge__", NULL}, {"==", "__eq__", "__eq__", NULL},
    {"!=", "__ne__", "__ne__", NULL}, {">", "__gt__", "__lt__", NULL},  {">=", "__ge__", "__le__", NULL},
};

/* in the order of BINARY_NODES */
static const op_info BINARY[] = {
    {"+", "__add__", "__radd__", "__iadd__"},
    {"-", "__sub__", "__rsub__", "__isub__"},
    {"*", "__mul__", "__rmul__", "__imul__"},
    {"/", "__truediv__", "__rtruediv__", "__itruediv__"},
    {"//", "__floordiv__", "__rfloordiv__", "__ifloordiv__"},
    {"%", "__mod__", "__rmod__", "__imod__"},
    {"**", "__pow__", "__rpow__", "__ipow__"},
    {"@", "__matmul__", "__rmatmul__", "__imatmul__"},
    {"&", "__and__", "__rand__", "__iand__"},
    {"|", "__or__", "__ror__", "__ior__"},
    {"^", "__xor__", "__rxor__", "__ixor__"},
    {"<<", "__lshift__", "__rlshift__", "__ilshift__"},
    {">>", "__rshift__", "__rrshift__", "__irshift__"},
};
#define N_BINARY ((long)(sizeof BINARY / sizeof BINARY[0]))

static const op_info UNARY[] = {
    {"-", "__neg__", NULL, NULL}, {"+", "__pos__", NULL, NULL}, {"~", "__invert__", NULL, NULL},
    {"abs()", "__abs__", NULL, NULL},
};
#define N_UNARY ((long)(sizeof UNARY / sizeof UNARY[0]))

/* the ast node class of each operator, in the order of the tables */
static const char *const COMPARISON_NODES[] = {"Lt", "LtE", "Eq", "NotEq", "Gt", "GtE"};
static const char *const BINARY_NODES[] = {"Add",    "Sub",   "Mult",  "Div",    "FloorDiv", "Mod",   "Pow",
                                           "MatMult", "BitAnd", "BitOr", "BitXor", "LShift",   "RShift"};
static const char *const UNARY_NODES[] = {"USub", "UAdd", "Invert"};

#endif
