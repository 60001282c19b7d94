/* Imports made by pyrun itself. PyImport_ImportModule goes through
 * builtins.__import__, which a program may replace (to log, to block, to
 * mock): pyrun's own imports must not call it, as the interpreter's own
 * machinery does not. */
#include "pyrun.h"

PyObject *
pyrun_import(const char *name)
{
    PyObject *key = PyUnicode_FromString(name);
    if (key == NULL) {
        return NULL;
    }
    PyObject *module = PyImport_GetModule(key);
    if (module == NULL && !PyErr_Occurred()) {
        /* not imported yet: importlib imports it, parents first, and the
         * dotted name's own module is then in sys.modules */
        PyObject *top = PyImport_ImportModuleLevelObject(key, NULL, NULL, NULL, 0);
        if (top != NULL) {
            Py_DECREF(top);
            module = PyImport_GetModule(key);
            if (module == NULL && !PyErr_Occurred()) {
                PyErr_Format(PyExc_ModuleNotFoundError, "No module named '%s'", name);
            }
        }
    }
    else if (module == Py_None) {
        /* blocked in sys.modules: the import raises what it raises */
        Py_CLEAR(module);
        module = PyImport_ImportModuleLevelObject(key, NULL, NULL, NULL, 0);
    }
    Py_DECREF(key);
    return module;
}
