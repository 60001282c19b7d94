"""Runs one program through the native build of the runtime, as the pyrun
CLI does through Pyodide: python3.11 driver.py KIND TARGET [ARGV...].

The runtime is imported from build/native (PYTHONPATH). The event loop is
CPython's own; the host object stands in for the JS loader."""
import asyncio
import os
import sys

import pyrun


class Host:
    def exit(self, status):
        os._exit(pyrun._finish(status))


async def start(kind, target, argv):
    pyrun._init(Host(), sys.stdout.isatty(), bool(os.environ.get("PYTHONUNBUFFERED")))
    started = pyrun._run_main(kind, target, argv)
    return started if isinstance(started, int) else await started


def main():
    kind, target, *argv = sys.argv[1:]
    status = asyncio.run(start(kind, target, argv))
    os._exit(pyrun._finish(status))


main()
