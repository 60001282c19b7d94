// Every py.run of one loadPyrun instance behaves as the program would in a
// fresh instance. Before each run, what the previous program left behind
// is taken away: its tasks, loop callbacks and JS event handlers, its
// modules, __main__ and files, and what it changed in the interpreter
// (sys.path, hooks, streams, os.environ, builtins, warnings filters and
// registries, the linecache, random's seed, atexit, the names bound in
// the modules loaded at start-up: a program that sets time.sleep = fake),
// then the runtime's own state (the end of stdin it reached:
// runtime/run_reset.c).
//
// Kept from run to run, as a page keeps them: what the program installed
// into site-packages, the library's modules it imported after start-up
// (their state included), and files written outside the program's
// directory and /tmp before this run began or mounted by the web app.

// The interpreter's state as a fresh instance has it, captured once when
// loadPyrun is ready, and the functions that put it back.
const ISOLATION_PY = String.raw`
import asyncio, atexit, builtins, functools, gc, importlib, io, linecache
import os, random, re, site, sys, sysconfig, warnings, weakref
import pyodide.ffi

def _dir_prefix(path):
    return re.sub("^/+", "/", os.path.normpath(path)).rstrip("/") + "/"

def _library_prefixes():
    dirs = [os.path.dirname(os.__file__)]
    paths = sysconfig.get_paths()
    dirs += [paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")]
    dirs += site.getsitepackages()
    user = site.getusersitepackages()
    if user:
        dirs.append(user)
    return tuple({_dir_prefix(d) for d in dirs if d})

_LIBRARY = _library_prefixes()
_MISSING = object()
_STREAMS = ("stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__")
_HOOKS = ("excepthook", "displayhook", "unraisablehook", "breakpointhook")
_LAST = ("last_exc", "last_type", "last_value", "last_traceback")
_loop = asyncio.get_event_loop()

_modules0 = dict(sys.modules)
_path0 = list(sys.path)
_meta_path0 = list(sys.meta_path)
_path_hooks0 = list(sys.path_hooks)
_importer_cache0 = dict(sys.path_importer_cache)
_streams0 = {name: getattr(sys, name) for name in _STREAMS}
_stream_setup0 = {
    name: (stream.encoding, stream.errors, stream.line_buffering, stream.write_through, stream.fileno())
    for name, stream in _streams0.items() if name in ("stdout", "stderr")
}
_hooks0 = {name: getattr(sys, name) for name in _HOOKS}
_trace0, _profile0 = sys.gettrace(), sys.getprofile()
_recursion0 = sys.getrecursionlimit()
_int_digits0 = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else None
_environ0 = dict(os.environ)
_builtins0 = dict(vars(builtins))
_filters0 = list(warnings.filters)
_warnings0 = (warnings.defaultaction, warnings.showwarning, warnings.formatwarning)
_warnoptions0 = list(sys.warnoptions)
_tasks0 = set(asyncio.all_tasks(_loop))
_loop_setup0 = (_loop.get_exception_handler(), _loop.get_task_factory(), _loop.get_debug())

# Loop callbacks and JS proxies made since the last reset: those of the
# program that ran, and of its event handlers after it ended.
# (Weak references without callbacks, not a WeakSet: its callback would
# run as Python code inside the program, which sys.settrace would see.)
_handles = []
_proxies = []

_call_later = _loop.call_later
def _tracked_call_later(delay, callback, *args, context=None):
    handle = _call_later(delay, callback, *args, context=context)
    if len(_handles) > 1000:
        _handles[:] = [r for r in _handles if r() is not None]
    _handles.append(weakref.ref(handle))
    return handle

def _live_handles():
    return [h for h in (r() for r in _handles) if h is not None]
# call_soon and call_at go through call_later on Pyodide's loop.
_loop.call_later = _tracked_call_later

_create_proxy = pyodide.ffi.create_proxy
@functools.wraps(_create_proxy)
def _tracked_create_proxy(obj, /, *args, **kwargs):
    proxy = _create_proxy(obj, *args, **kwargs)
    _proxies.append(proxy)
    return proxy
pyodide.ffi.create_proxy = _tracked_create_proxy
if "pyodide.ffi.wrappers" in sys.modules:
    sys.modules["pyodide.ffi.wrappers"].create_proxy = _tracked_create_proxy

# The names each module of start-up binds, as start-up left them (sys,
# builtins and __main__ are put back piece by piece below). Only bindings:
# the objects they hold keep their state (re's cache, logging's handlers).
_OWN_RESET = ("sys", "builtins", "__main__")
_bindings0 = {
    name: (vars(module), dict(vars(module)))
    for name, module in _modules0.items()
    if name not in _OWN_RESET and isinstance(getattr(module, "__dict__", None), dict)
}

def _restore_bindings():
    for names, names0 in _bindings0.values():
        if len(names) == len(names0) and all(names.get(k, _MISSING) is v for k, v in names0.items()):
            continue
        for name in [n for n in names if n not in names0]:
            del names[name]
        for name, value in names0.items():
            if names.get(name, _MISSING) is not value:
                names[name] = value

def _is_library(name, module):
    spec = getattr(module, "__spec__", None)
    if getattr(spec, "origin", None) in ("built-in", "frozen"):
        return True
    places = []
    file = getattr(module, "__file__", None)
    if isinstance(file, str):
        places.append(file)
    try:
        places += [p for p in getattr(module, "__path__", None) or () if isinstance(p, str)]
    except Exception:
        pass
    if places:
        return any(_dir_prefix(p).startswith(_LIBRARY) for p in places)
    # Made in code, without a file: the library's if its package is.
    top = name.partition(".")[0]
    parent = sys.modules.get(top)
    return top != name and parent is not None and _is_library(top, parent)

def live_handlers():
    live = 0
    for proxy in _proxies:
        try:
            proxy.unwrap()
            live += 1
        except Exception:
            pass  # destroyed by the program
    return live

async def retire():
    # The previous program's handlers and callbacks never run again, and
    # its tasks are cancelled (their finally blocks run now, with output
    # discarded by the host).
    for handle in _live_handles():
        handle.cancel()
    _handles.clear()
    for proxy in _proxies:
        try:
            proxy.destroy()
        except Exception:
            pass
    _proxies.clear()
    me = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks(_loop) if t is not me and t not in _tasks0]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=0.1)
    for handle in _live_handles():
        handle.cancel()
    _handles.clear()

def _restore_streams():
    for name, stream in _streams0.items():
        if name in _stream_setup0 and stream.closed:
            encoding, errors, line_buffering, write_through, fd = _stream_setup0[name]
            stream = io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding=encoding,
                                      errors=errors, line_buffering=line_buffering,
                                      write_through=write_through)
            _streams0[name] = stream
            _streams0["__" + name + "__"] = stream
        setattr(sys, name, _streams0[name])
    for name, (_, _, line_buffering, write_through, _) in _stream_setup0.items():
        _streams0[name].reconfigure(line_buffering=line_buffering, write_through=write_through)

def reset():
    _restore_bindings()
    modules = sys.modules
    for name, module in list(modules.items()):
        base = _modules0.get(name, _MISSING)
        if base is module:
            continue
        if base is not _MISSING:
            modules[name] = base  # __main__, or one the program replaced
        elif not _is_library(name, module):
            del modules[name]
    for name, module in _modules0.items():
        modules.setdefault(name, module)
    sys.path[:] = _path0
    sys.meta_path[:] = _meta_path0
    sys.path_hooks[:] = _path_hooks0
    sys.path_importer_cache.clear()
    sys.path_importer_cache.update(_importer_cache0)
    _restore_streams()
    for name, hook in _hooks0.items():
        setattr(sys, name, hook)
    for name in _LAST:
        if hasattr(sys, name):
            delattr(sys, name)
    sys.settrace(_trace0)
    sys.setprofile(_profile0)
    sys.setrecursionlimit(_recursion0)
    if _int_digits0 is not None:
        sys.set_int_max_str_digits(_int_digits0)
    os.environ.clear()
    os.environ.update(_environ0)
    names = vars(builtins)
    for name in [n for n in names if n not in _builtins0]:
        del names[name]
    for name, value in _builtins0.items():
        if names.get(name, _MISSING) is not value:
            names[name] = value
    warnings.filters[:] = _filters0
    warnings.defaultaction, warnings.showwarning, warnings.formatwarning = _warnings0
    sys.warnoptions[:] = _warnoptions0
    warnings.onceregistry.clear()
    warnings._filters_mutated()  # every __warningregistry__ is stale now
    linecache.clearcache()
    getattr(linecache, "_interactive_cache", {}).clear()
    atexit._clear()
    handler, factory, debug = _loop_setup0
    _loop.set_exception_handler(handler)
    _loop.set_task_factory(factory)
    _loop.set_debug(debug)
    random.seed()
    importlib.invalidate_caches()
    gc.collect()  # the previous program's finalizers run now, not in the next one
`;

// Paths outside the library that the file system holds (/lib and /usr
// hold the library and the libraries of installed packages; what the web
// app mounts is its own).
function userPaths(FS, skip) {
  const found = new Set();
  const walk = (dir) => {
    let names;
    try {
      names = FS.readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name === "." || name === "..") continue;
      const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
      if (skip.has(path)) continue;
      let node;
      try {
        node = FS.lookupPath(path, { follow: false }).node;
      } catch {
        continue;
      }
      found.add(path);
      if (FS.isDir(node.mode) && !FS.isMountpoint(node)) walk(path);
    }
  };
  walk("/");
  return found;
}

function removePaths(FS, paths) {
  // children before their directories
  for (const path of [...paths].sort((a, b) => b.length - a.length)) {
    try {
      const { node } = FS.lookupPath(path, { follow: false });
      if (FS.isDir(node.mode)) FS.rmdir(path);
      else FS.unlink(path);
    } catch {
      // gone already, or a directory the web app filled meanwhile
    }
  }
}

/**
 * Sets up isolation for one instance, once the runtime is initialised.
 * `mute(on)` discards the host's stdout/stderr while the previous program
 * is retired. Returns { beginRun(files), endRun(), liveHandlers() }.
 */
export function isolateRuns(pyodide, runtime, { programDir, mute }) {
  const scope = pyodide.globals.get("dict")();
  // its frames are pyrun's, which a program's sys.settrace does not see
  pyodide.runPython(ISOLATION_PY, { globals: scope, filename: "<pyrun run isolation>" });
  const [retire, reset, liveHandlers] = ["retire", "reset", "live_handlers"].map((name) => scope.get(name));
  scope.destroy();
  const skip = new Set(["/dev", "/proc", "/sys", "/lib", "/usr", programDir]);
  let before = null; // paths there as the last run started
  let made = new Set(); // paths the last run added

  return {
    /** Takes away what the last program left, then writes this one's files. */
    async beginRun(writeFiles) {
      mute(true);
      try {
        const retiring = retire();
        try {
          await retiring;
        } finally {
          retiring.destroy?.();
        }
        reset();
        removePaths(pyodide.FS, made);
        made = new Set();
        runtime._reset_run();
      } finally {
        mute(false);
      }
      writeFiles();
      before = userPaths(pyodide.FS, skip);
    },
    /** Notes the files the program made, to be removed before the next. */
    endRun() {
      if (!before) return;
      for (const path of userPaths(pyodide.FS, skip)) if (!before.has(path)) made.add(path);
      before = null;
    },
    liveHandlers: () => liveHandlers(),
  };
}
