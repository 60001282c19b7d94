"""What the selection lets a candidate do under CPython: no thread, no
process, no socket (pyrun runs in one thread of a page or of Node, and the
corpus needs no network). guard() makes each of them raise
SandboxError before it happens, and returns the set of those it stopped:
(what, TestCase class the driver was running or None)."""
import _thread
import sys
import threading

STOPPED = {
    "subprocess.Popen": "process", "os.system": "process", "os.fork": "process", "os.forkpty": "process",
    "os.posix_spawn": "process", "os.exec": "process", "os.spawn": "process", "pty.spawn": "process",
    "socket.__new__": "socket", "socket.connect": "socket", "socket.bind": "socket",
    "socket.getaddrinfo": "socket", "socket.gethostbyname": "socket",
}


class SandboxError(RuntimeError):
    pass


def _running_class():
    main = sys.modules.get("__main__")
    return getattr(main, "_mut_class", None)


def guard():
    seen = set()

    def hook(event, args):
        if event in STOPPED:
            seen.add((STOPPED[event], _running_class()))
            raise SandboxError(f"the mutation corpus may not start a {STOPPED[event]} ({event})")

    def no_threads(*args, **kwargs):
        seen.add(("thread", _running_class()))
        raise SandboxError("the mutation corpus may not start a thread")

    # Threads have no audit event in 3.11: stop them where threading starts them.
    _thread.start_new_thread = threading._start_new_thread = no_threads
    sys.addaudithook(hook)
    return seen
