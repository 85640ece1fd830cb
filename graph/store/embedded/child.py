"""Start an engine process (query executor, update) as a fresh, lean Python with one pipe.

multiprocessing's "spawn" made every engine process import the parent's ``__main__`` again (for
``claimgraph serve`` the whole CLI) and started a resource-tracker process per server worker;
"forkserver" kept a server process per worker alive besides. Here the child runs
``python -c`` with this module's :func:`main`, imports only the module that holds its entry
point, and talks to the parent over one socket pair wrapped in multiprocessing's
:class:`~multiprocessing.connection.Connection` (the same messages as before). The entry
point's arguments are the first message, so large ones (an update's text) never appear in
the process list.

Measured on a 1 M-quad store (docs/benchmarks.md, "Memory"): an idle executor went from about
53 MiB resident to 36-40 MiB, and the resource tracker (13 MiB per worker) and the fork servers of
the write paths are gone.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import subprocess
import sys
from multiprocessing.connection import Connection, Pipe
from typing import Any

#: glibc's malloc gives each thread that allocates its own arena (up to 8 per core); an engine
#: process runs a few threads (the query thread, RocksDB's), and each arena keeps freed memory.
#: Two arenas hold an executor's resident memory down at no measurable cost in speed.
MALLOC_ARENAS = "2"

_BOOT = "from claimgraph.graph.store.embedded.child import main; main()"


class ChildProcess:
    """The started process, with the part of :class:`multiprocessing.Process`'s interface the
    callers use (``pid``, ``kill``, ``join``, ``exitcode``, ``is_alive``)."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self._popen = popen
        self.pid = popen.pid

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._popen.kill()

    def join(self, timeout: float | None = None) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout=timeout)

    @property
    def exitcode(self) -> int | None:
        """None while it runs; negative: the signal that ended it."""
        return self._popen.poll()

    def is_alive(self) -> bool:
        return self._popen.poll() is None


def start(target: str, *args: Any) -> tuple[Connection, ChildProcess]:
    """Run ``target`` ("package.module:function") in a new process as ``function(conn, *args)``.

    Returns the parent's end of the pipe and the process. The child gets the interpreter's
    flags (``-P``, ``-B``, ...) and the environment, with a small malloc arena limit unless
    the environment sets one."""
    parent, child = Pipe(duplex=True)
    env = dict(os.environ)
    env.setdefault("MALLOC_ARENA_MAX", MALLOC_ARENAS)
    try:
        process = subprocess.Popen(
            [sys.executable, *subprocess._args_from_interpreter_flags(), "-c", _BOOT, str(child.fileno()), target],  # type: ignore[attr-defined]
            pass_fds=(child.fileno(),),
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except BaseException:
        parent.close()
        raise
    finally:
        child.close()
    try:
        parent.send(args)
    except OSError:
        pass  # it died at once: the caller finds out from the pipe, as for any crash
    return parent, ChildProcess(process)


def main() -> None:
    """The child's side: read the arguments and run the entry point."""
    conn = Connection(int(sys.argv[1]))
    module, _, function = sys.argv[2].partition(":")
    try:
        args = conn.recv()
    except (EOFError, OSError):
        return  # the parent is gone already
    getattr(importlib.import_module(module), function)(conn, *args)
