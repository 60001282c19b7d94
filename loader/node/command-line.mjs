// The `pyrun` command line, shaped like `python3`'s:
//   pyrun [option] ... [-c cmd | -m mod | file | -] [arg] ...
// Options end at the program; everything after it belongs to sys.argv.
import { parseArgs } from "node:util";

export const USAGE = "usage: pyrun [option] ... [-c cmd | -m mod | file | -] [arg] ...";

const OPTIONS = {
  c: { type: "string", short: "c" },
  m: { type: "string", short: "m" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  unbuffered: { type: "boolean", short: "u" },
  inspect: { type: "boolean", short: "i" },
  quiet: { type: "boolean", short: "q" },
  "dont-write-bytecode": { type: "boolean", short: "B" },
  verbose: { type: "boolean" },
  "strict-async": { type: "boolean" },
  "show-transform": { type: "boolean" },
  "transform-package": { type: "string", multiple: true },
};

// Short options that take the rest of their token, or the next argument, as
// their value and end option parsing (python's -c and -m).
const PROGRAM_OPTIONS = new Set(["c", "m"]);

export class UsageError extends Error {}

// Cuts argv where the program starts, as python's getopt does: at the first
// non-option, at "-", after "--", or at -c/-m with their value.
function splitAtProgram(argv) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return { options: argv.slice(0, i), program: argv.slice(i + 1) };
    if (arg === "-" || !arg.startsWith("-")) {
      return { options: argv.slice(0, i), program: argv.slice(i) };
    }
    if (arg.startsWith("--")) {
      const name = arg.slice(2).split("=")[0];
      if (OPTIONS[name]?.type === "string" && !arg.includes("=")) i++;
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      if (!PROGRAM_OPTIONS.has(arg[j])) continue;
      const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[i + 1];
      if (value === undefined) throw new UsageError(`Argument expected for the -${arg[j]} option`);
      const flags = arg.slice(0, j);
      const options = [...argv.slice(0, i), ...(flags === "-" ? [] : [flags]), `-${arg[j]}`, value];
      return { options, program: argv.slice(i + (j + 1 < arg.length ? 1 : 2)) };
    }
  }
  return { options: argv, program: [] };
}

// Returns { action: "help" | "version" | "run", kind, target, argv, flags }.
// kind/target/argv follow runtime/main_module.c's _run_main.
export function parseCommandLine(argv) {
  const { options, program } = splitAtProgram(argv);
  let values;
  try {
    ({ values } = parseArgs({ args: options, options: OPTIONS, strict: true }));
  } catch (e) {
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const option = e.message.match(/'([^']+)'/)?.[1] ?? "";
      throw new UsageError(`unknown option ${option}`);
    }
    throw new UsageError(e.message);
  }
  const transformPackages = values["transform-package"] ?? [];
  for (const name of transformPackages) {
    if (!/^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(name)) {
      throw new UsageError(`--transform-package takes the name of a top-level package, not '${name}'`);
    }
  }
  const flags = {
    unbuffered: Boolean(values.unbuffered),
    inspect: Boolean(values.inspect),
    quiet: Boolean(values.quiet),
    verbose: Boolean(values.verbose),
    strictAsync: Boolean(values["strict-async"]),
    showTransform: Boolean(values["show-transform"]),
    transformPackages,
  };
  if (values.help) return { action: "help" };
  if (values.version) return { action: "version" };
  if (values.c !== undefined) {
    return { action: "run", kind: "code", target: values.c, argv: ["-c", ...program], flags };
  }
  if (values.m !== undefined) {
    // argv[0] becomes the module's file once the runtime has found it.
    return { action: "run", kind: "module", target: values.m, argv: ["-m", ...program], flags };
  }
  if (program.length === 0 || program[0] === "-") {
    // sys.argv[0] is "-" when it was given, as under python3, else ""
    return { action: "run", kind: "stdin", target: null, argv: [program.length ? "-" : "", ...program.slice(1)], flags };
  }
  return { action: "run", kind: "file", target: program[0], argv: program, flags };
}

export const HELP = `${USAGE}
Runs Python programs on Pyodide (CPython compiled to WebAssembly) without
blocking the event loop.

Options:
-c cmd : program passed in as string (terminates option list)
-h     : print this help message and exit (also -? or --help)
-i     : inspect interactively after running script; forces a prompt even
         if stdin does not appear to be a terminal; also PYTHONINSPECT=x
-m mod : run library module as a script (terminates option list)
-q     : don't print version and copyright messages on interactive startup
-u     : force the stdout and stderr streams to be unbuffered
-B     : accepted for compatibility; pyrun never writes .pyc files
-V     : print the Python version number and exit (also --version)
--show-transform : print the program as pyrun rewrites it, and why, instead
         of running it
--transform-package NAME : rewrite the installed package NAME (from the
         stdlib or site-packages) like the program's own modules; repeatable
--verbose : report what pyrun itself does on stderr (such as a function that
         blocked the event loop because it was called where nothing can await)
--strict-async : where pyrun cannot make code async, raise pyrun.BlockingError
         instead of waiting synchronously (also PYRUN_STRICT_ASYNC=1)
file   : program read from script file
-      : program read from stdin (default; interactive mode if a tty)
arg ...: arguments passed to program in sys.argv[1:]
`;
