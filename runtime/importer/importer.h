/* The import hook: user modules are found by a finder on sys.meta_path,
 * rewritten by the transform (together with every user module they reach)
 * and executed; imports that must wait for a module's body are awaited
 * through the helpers in imports.c.
 *
 * A user module is a .py file outside the interpreter's own library (the
 * stdlib and site-packages), or inside a site-packages package the user
 * opted in with --transform-package. */
#ifndef PYRUN_IMPORTER_H
#define PYRUN_IMPORTER_H

#include "../pyrun.h"

/* finder.c */
int pyrun_importer_register(PyObject *module, pyrun_state *st);
/* Puts the finder on sys.meta_path (before the path finder). Idempotent. */
int pyrun_importer_install(pyrun_state *st);
int pyrun_is_user_module(pyrun_state *st, PyObject *name, PyObject *filename);
/* importlib's spec for a module, found without importing its parent
 * packages; None when there is none. */
PyObject *pyrun_find_spec_quietly(pyrun_state *st, PyObject *name);

/* loader.c */
int pyrun_loader_register(PyObject *module, pyrun_state *st);
PyObject *pyrun_loader_new(pyrun_state *st, PyObject *inner);
/* The importlib loader behind one of pyrun's (new reference); others as is. */
PyObject *pyrun_loader_unwrap(pyrun_state *st, PyObject *loader);
/* The transformed code a user module runs, from the cache or compiled now
 * (with every user module its program reaches). */
PyObject *pyrun_loader_code(pyrun_state *st, PyObject *loader, PyObject *fullname);
/* Runs a module's code in its namespace, as importlib's exec() would. */
PyObject *pyrun_exec_module_code(PyObject *code, PyObject *globals);
/* Compiles a whole program (root first) and caches every module but the
 * root; returns the root's code. */
PyObject *pyrun_compile_and_cache(pyrun_state *st, PyObject *results);

/* imports.c: helpers transformed code awaits for `import` */
PyObject *pyrun_helper_import(PyObject *module, PyObject *name);
/* The awaitable of `import name` (its packages and itself, bodies awaited). */
PyObject *pyrun_import_awaitable(pyrun_state *st, PyObject *name);
PyObject *pyrun_helper_import_leaf(PyObject *module, PyObject *name);
PyObject *pyrun_helper_loaded(PyObject *module, PyObject *name);
PyObject *pyrun_helper_loaded_leaf(PyObject *module, PyObject *name);
PyObject *pyrun_helper_loaded_from(PyObject *module, PyObject *args);
PyObject *pyrun_helper_import_from(PyObject *module, PyObject *args);
PyObject *pyrun_helper_import_star(PyObject *module, PyObject *args);
PyObject *pyrun_helper_import_module(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *pyrun_helper_dunder_import(PyObject *module, PyObject *args, PyObject *kwargs);

/* reload.c: importlib.reload, awaiting the module's body */
PyObject *pyrun_helper_reload(PyObject *module, PyObject *target);

#endif
