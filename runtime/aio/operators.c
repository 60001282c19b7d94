/* Operators, truth tests and len() whose special methods may block.
 *
 * Where the program defines a colored special method of a protocol, the
 * transform rewrites the forms that call it (`a < b`, `a + b`, `-a`,
 * `a += b`, `if a:`, `len(a)`) into awaits of these helpers. Each follows
 * the interpreter's own dispatch: the left operand's method, then the
 * right one's reflected method (first, when the right operand's type is a
 * subclass that defines its own), NotImplemented passing the turn, and
 * the interpreter's errors when nobody answers. A method that is a face is
 * awaited; any other is called. When neither operand's type has a colored
 * method for the operator, the C API does the whole operation at once, at
 * plain speed. */
#include "helpers.h"
#include "../operator_names.h"

enum { K_COMPARE, K_BINARY, K_INPLACE, K_UNARY };

/* type(obj).<name>, or NULL (no exception) when it has none. */
static PyObject *
type_method(PyObject *obj, const char *name)
{
    PyObject *m = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), name);
    if (m == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
    }
    return m;
}

/* 1 when type(obj).<name> is a face, 0 when not, -1 with an exception. */
static int
blocks(pyrun_state *st, PyObject *obj, const char *name)
{
    if (name == NULL) {
        return 0;
    }
    PyObject *m = type_method(obj, name);
    int r = m ? pyrun_is_face(st, m) : PyErr_Occurred() ? -1 : 0;
    Py_XDECREF(m);
    return r;
}

/* ---- the dispatch ------------------------------------------------------- */

enum { O_A, O_B, O_REFLECTED_FIRST };

#define NEGATE 0x10000 /* in phase: the answer awaited is __eq__'s, for != */

static int
kind_of(pyrun_step *s)
{
    return (s->phase >> 8) & 0xff;
}


/* Attempt k of the operator: who is asked, with what, under which name.
 * 0 when there is none left. */
static int
attempt(pyrun_step *s, int k, PyObject **self, PyObject **other, const char **name)
{
    PyObject *a = s->o[O_A], *b = s->o[O_B];
    int kind = kind_of(s);
    const op_info *op = kind == K_COMPARE ? &COMPARISONS[s->i] : &BINARY[s->i];
    int reflected_first = s->o[O_REFLECTED_FIRST] == Py_True;
    if (kind == K_INPLACE) {
        if (k == 0) {
            *self = a, *other = b, *name = op->inplace;
            return 1;
        }
        k--;
    }
    /* a reflected comparison is always tried; a reflected binary operator
     * only between different types */
    int same_type = Py_TYPE(a) == Py_TYPE(b) && kind != K_COMPARE;
    if (k == 0 || (k == 1 && !same_type)) {
        int left = (k == 0) != reflected_first;
        *self = left ? a : b;
        *other = left ? b : a;
        *name = left ? op->name : op->reflected;
        return 1;
    }
    return 0;
}

static PyObject *
type_name(PyObject *obj)
{
    return PyType_GetName(Py_TYPE(obj));
}

/* Nobody answered: identity for == and !=, else the interpreter's error. */
static step_result
unanswered(pyrun_step *s, PyObject **out)
{
    PyObject *a = s->o[O_A], *b = s->o[O_B];
    int kind = kind_of(s);
    if (kind == K_COMPARE && (s->i == Py_EQ || s->i == Py_NE)) {
        *out = Py_NewRef((a == b) == (s->i == Py_EQ) ? Py_True : Py_False);
        return STEP_DONE;
    }
    PyObject *ta = type_name(a);
    PyObject *tb = ta ? type_name(b) : NULL;
    if (tb != NULL && kind == K_COMPARE) {
        PyErr_Format(PyExc_TypeError, "'%s' not supported between instances of '%U' and '%U'",
                     COMPARISONS[s->i].symbol, ta, tb);
    }
    else if (tb != NULL) {
        const char *sym = BINARY[s->i].symbol;
        PyErr_Format(PyExc_TypeError, "unsupported operand type(s) for %s%s%s: '%U' and '%U'", sym,
                     kind == K_INPLACE ? "=" : "", s->i == 6 && kind != K_INPLACE ? " or pow()" : "", ta, tb);
    }
    Py_XDECREF(ta);
    Py_XDECREF(tb);
    return STEP_ERROR;
}

static int
is_object_ne(PyObject *m)
{
    PyObject *object_ne = PyObject_GetAttrString((PyObject *)&PyBaseObject_Type, "__ne__");
    int r = m == object_ne;
    Py_XDECREF(object_ne);
    return r;
}

/* Asks each in turn: a face is awaited (its answer comes back here), any
 * other method is called at once. */
static step_result
dispatch_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    if (st == NULL) {
        return STEP_ERROR;
    }
    for (;;) {
        if (value != NULL && value != Py_NotImplemented && (s->phase & NEGATE)) {
            int truth = PyObject_IsTrue(value);
            if (truth < 0) {
                return STEP_ERROR;
            }
            *out = Py_NewRef(truth ? Py_False : Py_True);
            return STEP_DONE;
        }
        s->phase &= ~NEGATE;
        if (value != NULL && value != Py_NotImplemented) {
            *out = Py_NewRef(value);
            return STEP_DONE;
        }
        PyObject *self, *other;
        const char *name;
        int k = s->phase & 0xff;
        if (!attempt(s, k, &self, &other, &name)) {
            return unanswered(s, out);
        }
        s->phase++;
        PyObject *m = name ? type_method(self, name) : NULL;
        if (m == NULL) {
            if (PyErr_Occurred()) {
                return STEP_ERROR;
            }
            value = NULL;
            continue;
        }
        if (kind_of(s) == K_COMPARE && s->i == Py_NE && is_object_ne(m)) {
            /* object.__ne__: the negation of an __eq__ that may block */
            Py_SETREF(m, type_method(self, "__eq__"));
            if (m == NULL) {
                return STEP_ERROR;
            }
            s->phase |= NEGATE;
        }
        PyObject *args = PyTuple_Pack(2, self, other);
        if (args == NULL) {
            Py_DECREF(m);
            return STEP_ERROR;
        }
        if (pyrun_is_face(st, m)) {
            *out = pyrun_face_call_async(st, m, args, NULL);
            Py_DECREF(m);
            Py_DECREF(args);
            return *out ? STEP_AWAIT : STEP_ERROR;
        }
        PyObject *r = PyObject_Call(m, args, NULL);
        Py_DECREF(m);
        Py_DECREF(args);
        if (r == NULL) {
            return STEP_ERROR;
        }
        if (r != Py_NotImplemented && (s->phase & NEGATE)) {
            int truth = PyObject_IsTrue(r);
            Py_DECREF(r);
            if (truth < 0) {
                return STEP_ERROR;
            }
            *out = Py_NewRef(truth ? Py_False : Py_True);
            return STEP_DONE;
        }
        s->phase &= ~NEGATE;
        if (r != Py_NotImplemented) {
            *out = r;
            return STEP_DONE;
        }
        Py_DECREF(r);
        value = NULL;
    }
}

/* The right operand's reflected method goes first when its type is a
 * proper subclass of the left one's that defines it itself. */
static int
reflected_first(PyObject *a, PyObject *b, const char *reflected)
{
    if (Py_TYPE(a) == Py_TYPE(b) || !PyType_IsSubtype(Py_TYPE(b), Py_TYPE(a))) {
        return 0;
    }
    PyObject *mb = type_method(b, reflected);
    PyObject *ma = mb ? type_method(a, reflected) : NULL;
    int r = mb != NULL && mb != ma;
    Py_XDECREF(mb);
    Py_XDECREF(ma);
    PyErr_Clear();
    return r;
}

static PyObject *
dispatch(pyrun_state *st, PyObject *a, PyObject *b, int kind, long op)
{
    pyrun_step *s = pyrun_step_new(st, dispatch_next, NULL);
    if (s == NULL) {
        return NULL;
    }
    const op_info *info = kind == K_COMPARE ? &COMPARISONS[op] : &BINARY[op];
    s->o[O_A] = Py_NewRef(a);
    s->o[O_B] = Py_NewRef(b);
    s->o[O_REFLECTED_FIRST] = Py_NewRef(reflected_first(a, b, info->reflected) ? Py_True : Py_False);
    s->i = op;
    s->phase = kind << 8;
    return (PyObject *)s;
}

static PyObject *(*const NUMBER_OPS[])(PyObject *, PyObject *) = {
    PyNumber_Add,       PyNumber_Subtract, PyNumber_Multiply, PyNumber_TrueDivide, PyNumber_FloorDivide,
    PyNumber_Remainder, NULL /* ** */,      PyNumber_MatrixMultiply, PyNumber_And, PyNumber_Or,
    PyNumber_Xor,       PyNumber_Lshift,   PyNumber_Rshift,
};
static PyObject *(*const INPLACE_OPS[])(PyObject *, PyObject *) = {
    PyNumber_InPlaceAdd,       PyNumber_InPlaceSubtract, PyNumber_InPlaceMultiply, PyNumber_InPlaceTrueDivide,
    PyNumber_InPlaceFloorDivide, PyNumber_InPlaceRemainder, NULL /* **= */,         PyNumber_InPlaceMatrixMultiply,
    PyNumber_InPlaceAnd,       PyNumber_InPlaceOr,       PyNumber_InPlaceXor,      PyNumber_InPlaceLshift,
    PyNumber_InPlaceRshift,
};

static int
parse(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t want, long limit, long *op)
{
    if (nargs != want) {
        PyErr_SetString(PyExc_TypeError, "pyrun operator helper: wrong number of arguments");
        return -1;
    }
    *op = PyLong_AsLong(args[want - 1]);
    if (*op == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (*op < 0 || *op >= limit) {
        PyErr_SetString(PyExc_ValueError, "pyrun operator helper: unknown operator");
        return -1;
    }
    return 0;
}

/* compare(a, b, op): a <op> b, op one of Py_LT .. Py_GE */
PyObject *
pyrun_helper_compare(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    long op;
    if (st == NULL || parse(args, nargs, 3, 6, &op) < 0) {
        return NULL;
    }
    PyObject *a = args[0], *b = args[1];
    int slow = blocks(st, a, COMPARISONS[op].name);
    slow = slow ? slow : blocks(st, b, COMPARISONS[op].reflected);
    if (op == Py_NE) { /* object.__ne__ asks __eq__ */
        slow = slow ? slow : blocks(st, a, "__eq__");
        slow = slow ? slow : blocks(st, b, "__eq__");
    }
    if (slow < 0) {
        return NULL;
    }
    return slow ? dispatch(st, a, b, K_COMPARE, op) : pyrun_maybe_steal(st, PyObject_RichCompare(a, b, (int)op));
}

/* binop(a, b, op) and inplace(a, b, op): the transform's operator codes */
PyObject *
pyrun_helper_binop(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    long op;
    if (st == NULL || parse(args, nargs, 3, N_BINARY, &op) < 0) {
        return NULL;
    }
    PyObject *a = args[0], *b = args[1];
    int slow = blocks(st, a, BINARY[op].name);
    slow = slow ? slow : blocks(st, b, BINARY[op].reflected);
    if (slow < 0) {
        return NULL;
    }
    if (slow) {
        return dispatch(st, a, b, K_BINARY, op);
    }
    return pyrun_maybe_steal(st, NUMBER_OPS[op] ? NUMBER_OPS[op](a, b) : PyNumber_Power(a, b, Py_None));
}

PyObject *
pyrun_helper_inplace(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    long op;
    if (st == NULL || parse(args, nargs, 3, N_BINARY, &op) < 0) {
        return NULL;
    }
    PyObject *a = args[0], *b = args[1];
    int slow = blocks(st, a, BINARY[op].inplace);
    slow = slow ? slow : blocks(st, a, BINARY[op].name);
    slow = slow ? slow : blocks(st, b, BINARY[op].reflected);
    if (slow < 0) {
        return NULL;
    }
    if (slow) {
        return dispatch(st, a, b, K_INPLACE, op);
    }
    return pyrun_maybe_steal(st, INPLACE_OPS[op] ? INPLACE_OPS[op](a, b) : PyNumber_InPlacePower(a, b, Py_None));
}

/* ---- one operand: unary operators, abs(), truth, len() ------------------ */

enum { U_NEG, U_POS, U_INVERT, U_ABS };

static PyObject *
one_call(pyrun_state *st, PyObject *method, PyObject *obj, step_next_fn check)
{
    PyObject *args = PyTuple_Pack(1, obj);
    PyObject *coro = args ? pyrun_face_call_async(st, method, args, NULL) : NULL;
    Py_XDECREF(args);
    if (coro == NULL || check == NULL) {
        return coro;
    }
    pyrun_step *s = pyrun_step_new(st, check, NULL);
    if (s == NULL) {
        Py_DECREF(coro);
        return NULL;
    }
    s->o[0] = coro;
    s->o[1] = Py_NewRef(obj);
    return (PyObject *)s;
}

/* unop(a, op): -a, +a, ~a, abs(a) */
PyObject *
pyrun_helper_unop(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    long op;
    if (st == NULL || parse(args, nargs, 2, N_UNARY, &op) < 0) {
        return NULL;
    }
    PyObject *a = args[0];
    PyObject *m = type_method(a, UNARY[op].name);
    if (m != NULL && pyrun_is_face(st, m)) {
        PyObject *r = one_call(st, m, a, NULL);
        Py_DECREF(m);
        return r;
    }
    Py_XDECREF(m);
    if (PyErr_Occurred()) {
        return NULL;
    }
    PyObject *r = op == U_NEG ? PyNumber_Negative(a) : op == U_POS ? PyNumber_Positive(a)
                  : op == U_INVERT ? PyNumber_Invert(a) : PyNumber_Absolute(a);
    return pyrun_maybe_steal(st, r);
}

/* __len__'s result as len() takes it: an int, not negative. */
static PyObject *
checked_length(PyObject *value)
{
    if (!PyLong_Check(value)) {
        PyObject *name = type_name(value);
        if (name != NULL) {
            PyErr_Format(PyExc_TypeError, "'%U' object cannot be interpreted as an integer", name);
            Py_DECREF(name);
        }
        return NULL;
    }
    PyObject *zero = PyLong_FromLong(0);
    int negative = zero ? PyObject_RichCompareBool(value, zero, Py_LT) : -1;
    Py_XDECREF(zero);
    if (negative < 0) {
        return NULL;
    }
    if (negative) {
        PyErr_SetString(PyExc_ValueError, "__len__() should return >= 0");
        return NULL;
    }
    return Py_NewRef(value);
}

static step_result
len_checked(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out);
    }
    *out = checked_length(value);
    return *out ? STEP_DONE : STEP_ERROR;
}

static step_result
truth_of_len(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out);
    }
    PyObject *n = checked_length(value);
    int nonzero = n ? PyObject_IsTrue(n) : -1;
    Py_XDECREF(n);
    if (nonzero < 0) {
        return STEP_ERROR;
    }
    *out = Py_NewRef(nonzero ? Py_True : Py_False);
    return STEP_DONE;
}

static step_result
truth_of_bool(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out);
    }
    if (!PyBool_Check(value)) {
        PyObject *name = type_name(value);
        if (name != NULL) {
            PyErr_Format(PyExc_TypeError, "__bool__ should return bool, returned %U", name);
            Py_DECREF(name);
        }
        return STEP_ERROR;
    }
    *out = Py_NewRef(value);
    return STEP_DONE;
}

/* bool(x), through a __bool__ or else a __len__ that blocks */
static PyObject *
truth_of(pyrun_state *st, PyObject *x)
{
    PyObject *m = type_method(x, "__bool__");
    step_next_fn check = truth_of_bool;
    if (m == NULL && !PyErr_Occurred()) {
        m = type_method(x, "__len__");
        check = truth_of_len;
    }
    if (m != NULL && pyrun_is_face(st, m)) {
        PyObject *r = one_call(st, m, x, check);
        Py_DECREF(m);
        return r;
    }
    Py_XDECREF(m);
    if (PyErr_Occurred()) {
        return NULL;
    }
    int t = PyObject_IsTrue(x);
    return t < 0 ? NULL : pyrun_ready(st, t ? Py_True : Py_False);
}

/* truth(x) */
PyObject *
pyrun_helper_truth(PyObject *module, PyObject *x)
{
    pyrun_state *st = pyrun_get_state(module);
    return st ? truth_of(st, x) : NULL;
}

/* len(x), through a __len__ that blocks */
static PyObject *
len_of(pyrun_state *st, PyObject *x)
{
    PyObject *m = type_method(x, "__len__");
    if (m != NULL && pyrun_is_face(st, m)) {
        PyObject *r = one_call(st, m, x, len_checked);
        Py_DECREF(m);
        return r;
    }
    Py_XDECREF(m);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t n = PyObject_Length(x);
    return n < 0 ? NULL : pyrun_maybe_steal(st, PyLong_FromSsize_t(n));
}

/* len(x), bool(x) or abs(x), called through a checked call */
PyObject *
pyrun_operators_call(pyrun_state *st, PyObject *builtin, PyObject *x)
{
    if (builtin == st->builtin_len) {
        return len_of(st, x);
    }
    if (builtin == st->builtin_abs) {
        PyObject *m = type_method(x, "__abs__");
        if (m != NULL && pyrun_is_face(st, m)) {
            PyObject *r = one_call(st, m, x, NULL);
            Py_DECREF(m);
            return r;
        }
        Py_XDECREF(m);
        return PyErr_Occurred() ? NULL : pyrun_maybe_steal(st, PyNumber_Absolute(x));
    }
    return truth_of(st, x);
}

/* ---- subscripts --------------------------------------------------------- */

static PyObject *
call_face(pyrun_state *st, PyObject *method, PyObject *args)
{
    return args ? pyrun_face_call_async(st, method, args, NULL) : NULL;
}

static step_result
none_after(pyrun_step *s, PyObject *value, PyObject **out)
{
    if (value == NULL) {
        return pyrun_step_await_slot(s, 0, out);
    }
    *out = Py_NewRef(Py_None);
    return STEP_DONE;
}

/* The awaitable of a face whose result is not used: None. */
static PyObject *
ignoring_result(pyrun_state *st, PyObject *coro)
{
    pyrun_step *s = coro ? pyrun_step_new(st, none_after, NULL) : NULL;
    if (s == NULL) {
        Py_XDECREF(coro);
        return NULL;
    }
    s->o[0] = coro;
    return (PyObject *)s;
}

/* getitem(obj, key): obj[key], through a __getitem__ that blocks, or a
 * dict subclass's __missing__ that blocks */
PyObject *
pyrun_helper_getitem(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL || nargs != 2) {
        if (st != NULL) {
            PyErr_SetString(PyExc_TypeError, "getitem(obj, key)");
        }
        return NULL;
    }
    PyObject *obj = args[0], *key = args[1];
    PyObject *get = type_method(obj, "__getitem__");
    if (get != NULL && pyrun_is_face(st, get)) {
        PyObject *r = call_face(st, get, PyTuple_Pack(2, obj, key));
        Py_DECREF(get);
        return r;
    }
    Py_XDECREF(get);
    if (PyErr_Occurred()) {
        return NULL;
    }
    PyObject *missing = PyDict_Check(obj) ? type_method(obj, "__missing__") : NULL;
    if (missing != NULL && pyrun_is_face(st, missing)) {
        PyObject *found = PyDict_GetItemWithError(obj, key); /* borrowed */
        PyObject *r = found ? pyrun_ready(st, found)
                      : PyErr_Occurred() ? NULL
                                         : call_face(st, missing, PyTuple_Pack(2, obj, key));
        Py_DECREF(missing);
        return r;
    }
    Py_XDECREF(missing);
    return PyErr_Occurred() ? NULL : pyrun_maybe_steal(st, PyObject_GetItem(obj, key));
}

/* setitem(value, obj, key): obj[key] = value (arguments in the order the
 * statement evaluates them) */
PyObject *
pyrun_helper_setitem(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL || nargs != 3) {
        if (st != NULL) {
            PyErr_SetString(PyExc_TypeError, "setitem(value, obj, key)");
        }
        return NULL;
    }
    PyObject *value = args[0], *obj = args[1], *key = args[2];
    PyObject *set = type_method(obj, "__setitem__");
    if (set != NULL && pyrun_is_face(st, set)) {
        PyObject *r = ignoring_result(st, call_face(st, set, PyTuple_Pack(3, obj, key, value)));
        Py_DECREF(set);
        return r;
    }
    Py_XDECREF(set);
    if (PyErr_Occurred() || PyObject_SetItem(obj, key, value) < 0) {
        return NULL;
    }
    return pyrun_ready(st, Py_None);
}

/* delitem(obj, key): del obj[key] */
PyObject *
pyrun_helper_delitem(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL || nargs != 2) {
        if (st != NULL) {
            PyErr_SetString(PyExc_TypeError, "delitem(obj, key)");
        }
        return NULL;
    }
    PyObject *obj = args[0], *key = args[1];
    PyObject *del = type_method(obj, "__delitem__");
    if (del != NULL && pyrun_is_face(st, del)) {
        PyObject *r = ignoring_result(st, call_face(st, del, PyTuple_Pack(2, obj, key)));
        Py_DECREF(del);
        return r;
    }
    Py_XDECREF(del);
    if (PyErr_Occurred() || PyObject_DelItem(obj, key) < 0) {
        return NULL;
    }
    return pyrun_ready(st, Py_None);
}

/* ---- searches of a list or tuple whose items' __eq__ may block ----------- */

/* What the search is for (the step's phase): `x in seq`, seq.index(x[,
 * start[, stop]]), seq.count(x), list.remove(x). */
enum { SEARCH_IN, SEARCH_INDEX, SEARCH_COUNT, SEARCH_REMOVE };

/* o[0] the sequence, o[1] x, o[2] where to stop (a PyLong, index only),
 * o[3] the count so far; s->i the next item. */
static step_result
search_found(pyrun_step *s, PyObject **out)
{
    Py_ssize_t at = s->i - 1;
    switch (s->phase) {
    case SEARCH_INDEX:
        *out = PyLong_FromSsize_t(at);
        return *out ? STEP_DONE : STEP_ERROR;
    case SEARCH_COUNT: {
        PyObject *more = PyNumber_Add(s->o[3], Py_True);
        Py_XSETREF(s->o[3], more);
        return more ? STEP_AWAIT : STEP_ERROR; /* STEP_AWAIT: go on */
    }
    case SEARCH_REMOVE:
        if (PySequence_DelItem(s->o[0], at) < 0) {
            return STEP_ERROR;
        }
        *out = Py_NewRef(Py_None);
        return STEP_DONE;
    default:
        *out = Py_NewRef(Py_True);
        return STEP_DONE;
    }
}

static step_result
search_missed(pyrun_step *s, PyObject **out)
{
    switch (s->phase) {
    case SEARCH_INDEX:
        if (PyTuple_Check(s->o[0])) {
            PyErr_SetString(PyExc_ValueError, "tuple.index(x): x not in tuple");
        }
        else {
            PyErr_Format(PyExc_ValueError, "%R is not in list", s->o[1]);
        }
        return STEP_ERROR;
    case SEARCH_COUNT:
        *out = Py_NewRef(s->o[3]);
        return STEP_DONE;
    case SEARCH_REMOVE:
        PyErr_SetString(PyExc_ValueError, "list.remove(x): x not in list");
        return STEP_ERROR;
    default:
        *out = Py_NewRef(Py_False);
        return STEP_DONE;
    }
}

/* As list_contains, list.index, list.count and list.remove: each item of
 * the live sequence (a callback may change it), `is` first, then ==. */
static step_result
search_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    pyrun_state *st = pyrun_state_from_type(Py_TYPE((PyObject *)s));
    PyObject *seq = s->o[0], *x = s->o[1];
    if (st == NULL) {
        return STEP_ERROR;
    }
    for (;;) {
        if (value != NULL) {
            int truth = PyObject_IsTrue(value);
            value = NULL;
            if (truth < 0) {
                return STEP_ERROR;
            }
            if (truth > 0) {
                step_result r = search_found(s, out);
                if (r != STEP_AWAIT) {
                    return r;
                }
            }
        }
        Py_ssize_t n = PySequence_Size(seq);
        Py_ssize_t stop = s->o[2] ? PyLong_AsSsize_t(s->o[2]) : n;
        if (n < 0 || (stop == -1 && PyErr_Occurred())) {
            return STEP_ERROR;
        }
        if (s->i >= n || s->i >= stop) {
            return search_missed(s, out);
        }
        PyObject *item = PySequence_GetItem(seq, s->i++);
        if (item == NULL) {
            return STEP_ERROR;
        }
        int same = item == x;
        int slow = same ? 0 : blocks(st, item, "__eq__");
        slow = same || slow ? slow : blocks(st, x, "__eq__");
        if (slow < 0) {
            Py_DECREF(item);
            return STEP_ERROR;
        }
        if (slow) {
            *out = dispatch(st, item, x, K_COMPARE, Py_EQ);
            Py_DECREF(item);
            return *out ? STEP_AWAIT : STEP_ERROR;
        }
        int eq = same ? 1 : PyObject_RichCompareBool(item, x, Py_EQ);
        Py_DECREF(item);
        if (eq < 0) {
            return STEP_ERROR;
        }
        if (eq > 0) {
            step_result r = search_found(s, out);
            if (r != STEP_AWAIT) {
                return r;
            }
        }
    }
}

static PyObject *
search(pyrun_state *st, int what, PyObject *seq, PyObject *x)
{
    pyrun_step *s = pyrun_step_new(st, search_next, NULL);
    if (s != NULL) {
        s->phase = what;
        s->o[0] = Py_NewRef(seq);
        s->o[1] = Py_NewRef(x);
        s->o[3] = PyLong_FromLong(0);
        if (s->o[3] == NULL) {
            Py_CLEAR(s);
        }
    }
    return (PyObject *)s;
}

PyObject *
pyrun_operators_search(pyrun_state *st, PyObject *seq, PyObject *x)
{
    return search(st, SEARCH_IN, seq, x);
}

/* index(seq, start, stop) bounds, as list.index clips them */
static int
clip(Py_ssize_t n, PyObject *arg, Py_ssize_t *at)
{
    Py_ssize_t v = PyNumber_AsSsize_t(arg, NULL);
    if (v == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (v < 0) {
        v += n;
        v = v < 0 ? 0 : v;
    }
    *at = v;
    return 0;
}

/* list_search(seq, name, x, *rest): seq.index(x[, start[, stop]]),
 * seq.count(x) or seq.remove(x) of a list or tuple, awaiting the __eq__
 * that blocks; any other object's method is called as it is. */
PyObject *
pyrun_helper_list_search(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    pyrun_state *st = pyrun_get_state(module);
    if (st == NULL) {
        return NULL;
    }
    if (nargs < 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "list_search(seq, name, ...)");
        return NULL;
    }
    PyObject *seq = args[0], *name = args[1];
    int exact = PyList_CheckExact(seq) || PyTuple_CheckExact(seq);
    int what = PyUnicode_CompareWithASCIIString(name, "index") == 0   ? SEARCH_INDEX
               : PyUnicode_CompareWithASCIIString(name, "count") == 0 ? SEARCH_COUNT
               : PyUnicode_CompareWithASCIIString(name, "remove") == 0 && PyList_CheckExact(seq) ? SEARCH_REMOVE
                                                                                                : -1;
    Py_ssize_t most = what == SEARCH_INDEX ? 5 : 3; /* index(x, start, stop) */
    if (!exact || what < 0 || nargs < 3 || nargs > most) {
        /* not one pyrun knows, or the method's own TypeError: called as it is */
        PyObject *method = PyObject_GetAttr(seq, name);
        PyObject *rest = method ? PyTuple_New(nargs - 2) : NULL;
        for (Py_ssize_t i = 2; rest != NULL && i < nargs; i++) {
            PyTuple_SetItem(rest, i - 2, Py_NewRef(args[i]));
        }
        PyObject *r = rest ? pyrun_call_maybe(st, method, rest, NULL) : NULL;
        Py_XDECREF(method);
        Py_XDECREF(rest);
        return r;
    }
    Py_ssize_t n = PySequence_Size(seq), start = 0, stop = n;
    if (n < 0 || (nargs > 3 && clip(n, args[3], &start) < 0) || (nargs > 4 && clip(n, args[4], &stop) < 0)) {
        return NULL;
    }
    pyrun_step *s = (pyrun_step *)search(st, what, seq, args[2]);
    if (s != NULL) {
        s->i = start;
        s->o[2] = what == SEARCH_INDEX && nargs > 4 ? PyLong_FromSsize_t(stop) : NULL;
        if (what == SEARCH_INDEX && nargs > 4 && s->o[2] == NULL) {
            Py_CLEAR(s);
        }
    }
    return (PyObject *)s;
}
