/* libFuzzer target: the transform (and compiling its output) on arbitrary
 * bytes, inside an embedded CPython. Any crash or AddressSanitizer report
 * is a bug; SyntaxError and the like are the expected answers to garbage.
 * Built by CMake with -DPYRUN_FUZZ=ON and clang (see scripts/fuzz.mjs). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

PyMODINIT_FUNC PyInit_pyrun(void);

static PyObject *compile_program;
static PyObject *gc_objects_of_input;

/* LeakSanitizer cannot see a leaked object the cycle collector tracks (it
 * stays linked in the GC's lists), so the count of such objects is checked
 * around a second run of the input: the first warms caches. Weak
 * references and code objects are the registry of colored code, which
 * lives as long as the code. */
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
        PyErr_Print();
        abort();
    }
    return 0;
}

static PyObject *
run_once(PyObject *source, PyObject *Py_UNUSED(ignored))
{
    PyObject *code = PyObject_CallFunction(compile_program, "Os", source, "fuzz.py");
    if (code == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_SyntaxError) && !PyErr_ExceptionMatches(PyExc_ValueError) &&
            !PyErr_ExceptionMatches(PyExc_RecursionError) && !PyErr_ExceptionMatches(PyExc_MemoryError) &&
            !PyErr_ExceptionMatches(PyExc_OverflowError)) {
            /* anything else escaping the transform is a bug */
            PyErr_Print();
            abort();
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
        PyErr_Print();
        abort();
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
