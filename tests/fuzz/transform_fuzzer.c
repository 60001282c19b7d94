/* libFuzzer target: the transform, and compiling its output, inside an
 * embedded CPython, with AddressSanitizer. Built by CMake with
 * -DPYRUN_FUZZ=ON and clang (scripts/build.mjs).
 *
 * Two modes, chosen by PYRUN_FUZZ_MODE:
 *  - "bytes" (default): libFuzzer's own mutations of arbitrary bytes. Most
 *    inputs do not parse; SyntaxError and the like are the expected answers.
 *  - "ast": structure-aware. A custom mutator (tests/fuzz/ast_mutator.py,
 *    found through PYRUN_FUZZ_MUTATOR) parses the input and changes it as
 *    Python (blocking calls put into functions, code moved behind
 *    properties, dunders, lambdas, decorators, class bodies...), so that
 *    the analysis and the rewrite are what gets fuzzed. The transform runs
 *    in full (no prescan) on every input.
 *
 * Findings, in both modes: a crash, a sanitizer report, objects leaked
 * (checked by GC count around a second run, since LeakSanitizer cannot see
 * objects the cycle collector tracks), and an exception other than a
 * clean SyntaxError or pyrun.TransformError — in particular a program that
 * compiles as written but whose rewrite does not (pyrun.InternalError). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PyMODINIT_FUNC PyInit_pyrun(void);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static PyObject *compile_program;
static PyObject *gc_objects_of_input;
static PyObject *ast_mutate; /* ast_mutator.mutate, in "ast" mode */
static int full_transform;

/* Weak references and code objects are the registry of colored code,
 * which lives as long as the code; they are not leaks. */
static const char GC_CHECK[] =
    "import gc, types, weakref\n"
    "def gc_objects_of_input(run):\n"
    "    run()\n"
    "    gc.collect()\n"
    "    def count():\n"
    "        return sum(1 for o in gc.get_objects()\n"
    "                   if not isinstance(o, (weakref.ref, types.CodeType)))\n"
    "    before = count()\n"
    "    run()\n"
    "    gc.collect()\n"
    "    return count() - before\n";

static void
fail(const char *what)
{
    if (PyErr_Occurred()) {
        PyErr_Print();
    }
    fprintf(stderr, "transform_fuzzer: %s\n", what);
    abort();
}

static void
load_mutator(void)
{
    const char *path = getenv("PYRUN_FUZZ_MUTATOR");
    if (path == NULL) {
        fail("PYRUN_FUZZ_MODE=ast needs PYRUN_FUZZ_MUTATOR, the path of ast_mutator.py");
    }
    PyObject *globals = PyDict_New();
    PyObject *builtins = globals ? PyEval_GetBuiltins() : NULL;
    FILE *f = fopen(path, "rb");
    if (builtins == NULL || f == NULL || PyDict_SetItemString(globals, "__builtins__", builtins) < 0 ||
        PyDict_SetItemString(globals, "__name__", PyUnicode_FromString("ast_mutator")) < 0) {
        fail("cannot load the AST mutator");
    }
    PyObject *r = PyRun_FileEx(f, path, Py_file_input, globals, globals, 1);
    if (r == NULL) {
        fail("the AST mutator does not run");
    }
    Py_DECREF(r);
    ast_mutate = Py_XNewRef(PyDict_GetItemString(globals, "mutate"));
    Py_DECREF(globals);
    if (ast_mutate == NULL) {
        fail("the AST mutator has no mutate()");
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (PyImport_AppendInittab("pyrun", PyInit_pyrun) < 0) {
        abort();
    }
    Py_InitializeEx(0);
    PyObject *pyrun = PyImport_ImportModule("pyrun");
    compile_program = pyrun ? PyObject_GetAttrString(pyrun, "_compile") : NULL;
    Py_XDECREF(pyrun);
    PyObject *globals = compile_program ? PyDict_New() : NULL;
    PyObject *r = globals ? PyRun_String(GC_CHECK, Py_file_input, globals, globals) : NULL;
    Py_XDECREF(r);
    gc_objects_of_input = r ? Py_XNewRef(PyDict_GetItemString(globals, "gc_objects_of_input")) : NULL;
    Py_XDECREF(globals);
    if (gc_objects_of_input == NULL) {
        fail("cannot set up");
    }
    const char *mode = getenv("PYRUN_FUZZ_MODE");
    if (mode != NULL && strcmp(mode, "ast") == 0) {
        full_transform = 1;
        load_mutator();
    }
    return 0;
}

/* libFuzzer's hook: the AST mutator in "ast" mode, with byte mutations for
 * input that is not Python (yet) and for results that would not fit. */
size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    if (ast_mutate == NULL) {
        return LLVMFuzzerMutate(data, size, max_size);
    }
    PyObject *in = PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)size);
    PyObject *out = in ? PyObject_CallFunction(ast_mutate, "OI", in, seed) : NULL;
    Py_XDECREF(in);
    if (out == NULL) {
        fail("the AST mutator raised");
    }
    size_t n = out != Py_None ? (size_t)PyBytes_Size(out) : 0;
    if (out == Py_None || n > max_size || n == 0) {
        Py_DECREF(out);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    memcpy(data, PyBytes_AsString(out), n);
    Py_DECREF(out);
    return n;
}

/* A clean answer about the input rather than a bug of pyrun's. */
static int
expected_error(void)
{
    return PyErr_ExceptionMatches(PyExc_SyntaxError) || /* pyrun.TransformError is one */
           PyErr_ExceptionMatches(PyExc_ValueError) || PyErr_ExceptionMatches(PyExc_RecursionError) ||
           PyErr_ExceptionMatches(PyExc_MemoryError) || PyErr_ExceptionMatches(PyExc_OverflowError);
}

static PyObject *
run_once(PyObject *source, PyObject *Py_UNUSED(ignored))
{
    PyObject *code = PyObject_CallFunction(compile_program, "Osi", source, "fuzz.py", full_transform);
    if (code == NULL) {
        if (!expected_error()) {
            /* pyrun.InternalError (the rewrite broke a valid program) or
             * anything else escaping the transform */
            fail("the transform raised an unexpected exception");
        }
        PyErr_Clear();
    }
    Py_XDECREF(code);
    Py_RETURN_NONE;
}

static PyMethodDef run_once_def = {"run_once", run_once, METH_NOARGS, NULL};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    PyObject *source = PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)size);
    PyObject *run = source ? PyCFunction_New(&run_once_def, source) : NULL;
    PyObject *grown = run ? PyObject_CallFunctionObjArgs(gc_objects_of_input, run, NULL) : NULL;
    if (grown == NULL) {
        fail("the run failed");
    }
    if (PyLong_AsLong(grown) > 0) {
        fprintf(stderr, "pyrun transform leaked %ld objects tracked by the GC\n", PyLong_AsLong(grown));
        abort();
    }
    Py_DECREF(grown);
    Py_DECREF(run);
    Py_DECREF(source);
    return 0;
}
