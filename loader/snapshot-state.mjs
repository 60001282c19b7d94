// What a memory snapshot of Pyodide must not carry from the process that
// made it into the programs that start from it. The snapshot is taken right
// after Pyodide has initialised, before anything of a host or a program is
// set; these two steps keep a restored interpreter the same as a cold one.

// Before the snapshot is taken. The runtime looks up the library's
// directories as it starts (runtime/importer/finder.c); sysconfig, which
// it asks, is slow to import into a just-restored interpreter, so it is
// imported here. Pyodide's loadPyodide puts '' at the front of sys.path
// once more after restoring, so it leaves here. The garbage of start-up is
// not worth saving.
export function prepareForSnapshot(pyodide) {
  pyodide.runPython(`
import gc, os, site, sys, sysconfig
sysconfig.get_paths()
site.getsitepackages()
while "" in sys.path:
    sys.path.remove("")
# Finders for the maker's working directory, and None for directories it
# lacks (PYTHONPATH entries on the host), would outlive the restore.
for _entry, _finder in list(sys.path_importer_cache.items()):
    if _finder is None or _entry in ("", os.getcwd()):
        del sys.path_importer_cache[_entry]
del _entry, _finder
gc.collect()
`);
}

// After restoring. Random state seeded when the snapshot was made would
// otherwise give every run the same "random" numbers.
export function afterRestore(pyodide) {
  pyodide.runPython(`
import random, sys
random.seed()
_tempfile = sys.modules.get("tempfile")
if _tempfile is not None:
    _tempfile._name_sequence = None
del _tempfile
`);
}
