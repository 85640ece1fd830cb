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
import threading
from multiprocessing.connection import Connection, Pipe
from pathlib import Path
from typing import Any

#: glibc's malloc gives each thread that allocates its own arena (up to 8 per core); an engine
#: process runs a few threads (the query thread, RocksDB's), and each arena keeps freed memory.
#: Two arenas hold an executor's resident memory down at no measurable cost in speed.
MALLOC_ARENAS = "2"

#: mimalloc reserves address space for its arenas ahead, 1 GiB at a time by default. The memory
#: cap of a query is an address-space limit (``RLIMIT_AS``, set once the executor's store is
#: open), so a reservation made before it let a query commit about 560 MB under a 200 MB cap.
#: With 16 MiB reservations the cap binds as under glibc, and mimalloc keeps most of its gain.
MIMALLOC_ARENA_RESERVE = "16MiB"

_BOOT = "from claimgraph.graph.store.embedded.child import main; main()"


def mimalloc_library() -> str | None:
    """The mimalloc shared library of the ``cmeel-mimalloc`` package, or None if it is not
    installed. Preloaded into the query executors (``preload``): on the query mix of
    ``bench.run`` pyoxigraph spends a sixth of its time in glibc's malloc and free, and with
    mimalloc the engine takes about 15 % less CPU per query, the whole server about 9 %
    (docs/benchmarks.md)."""
    from importlib import metadata

    try:
        dist = metadata.distribution("cmeel-mimalloc")
    except metadata.PackageNotFoundError:
        return None
    for name in ("libmimalloc.so", "libmimalloc.dylib"):
        path = Path(str(dist.locate_file(f"cmeel.prefix/lib/{name}")))
        if path.is_file():
            return str(path)
    return None


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


def _spawn(target: str, warm: bool = False, preload: str | None = None) -> tuple[Connection, ChildProcess]:
    """A new process for ``target``: it imports the target's module (and with ``warm`` runs the
    module's ``warm()``, if it has one), then waits for its arguments. ``preload``: a shared
    library loaded ahead of all others (a malloc: :func:`mimalloc_library`)."""
    parent, child = Pipe(duplex=True)
    env = dict(os.environ)
    env.setdefault("MALLOC_ARENA_MAX", MALLOC_ARENAS)
    if preload:
        env["LD_PRELOAD"] = ":".join(filter(None, (preload, env.get("LD_PRELOAD"))))
        env.setdefault("MIMALLOC_ARENA_RESERVE", MIMALLOC_ARENA_RESERVE)
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                *subprocess._args_from_interpreter_flags(),  # type: ignore[attr-defined]
                "-c",
                _BOOT,
                str(child.fileno()),
                target,
                *(["warm"] if warm else []),
            ],
            pass_fds=(child.fileno(),),
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except BaseException:
        parent.close()
        raise
    finally:
        child.close()
    return parent, ChildProcess(process)


def start(target: str, *args: Any, spare: bool = False, preload: str | None = None) -> tuple[Connection, ChildProcess]:
    """Run ``target`` ("package.module:function") in a new process as ``function(conn, *args)``.

    Returns the parent's end of the pipe and the process. The child gets the interpreter's
    flags (``-P``, ``-B``, ...) and the environment, with a small malloc arena limit unless
    the environment sets one. ``spare``: use the process :func:`prestart` started ahead for
    ``target``, when one waits (it has already paid the interpreter's start and the imports);
    ``preload``: see :func:`_spawn` (not for spares, which start without it)."""
    taken = _take_spare(target) if spare and not preload else None
    parent, process = taken or _spawn(target, preload=preload)
    try:
        parent.send(args)
    except OSError:
        pass  # it died at once: the caller finds out from the pipe, as for any crash
    return parent, process


#: How long a process started ahead (:func:`prestart`) waits for a call before it is stopped.
SPARE_IDLE_S = 60.0
_spares: dict[str, tuple[Connection, ChildProcess, threading.Timer]] = {}
_spares_lock = threading.Lock()


def prestart(target: str, warm: bool = False) -> None:
    """Start a process for the next :func:`start` of ``target`` with ``spare=True``, unless one
    waits already; with ``warm`` it also runs the module's ``warm()`` while it waits.

    A server's writes each run in a process of their own (an upload's parse, an update), whose
    start and imports (about 80 ms alone, more under load) were on every write's path. Called
    after a write, so the start does not compete with the write itself; stopped unused after
    :data:`SPARE_IDLE_S`, so an idle server holds none."""
    with _spares_lock:
        if target in _spares:
            return
    try:
        conn, process = _spawn(target, warm=warm)
    except OSError:
        return  # the next call starts its own, as without spares
    timer = threading.Timer(SPARE_IDLE_S, _retire, args=(target, process))
    timer.daemon = True
    with _spares_lock:
        if target not in _spares:
            _spares[target] = (conn, process, timer)
            timer.start()
            return
    conn.close()  # another thread was quicker
    process.kill()


def _take_spare(target: str) -> tuple[Connection, ChildProcess] | None:
    with _spares_lock:
        entry = _spares.pop(target, None)
    if entry is None:
        return None
    conn, process, timer = entry
    timer.cancel()
    if not process.is_alive():
        conn.close()
        return None
    return conn, process


def _retire(target: str, process: ChildProcess) -> None:
    with _spares_lock:
        entry = _spares.get(target)
        if entry is None or entry[1] is not process:
            return
        del _spares[target]
    entry[0].close()  # the child reads end-of-file and exits
    process.kill()
    process.join(1)


def main() -> None:
    """The child's side: import the entry point's module, read the arguments, run it. The
    import comes first so that a process started ahead (:func:`prestart`) has done it, and
    such a process also runs the module's ``warm()`` (imports it needs only sometimes)."""
    conn = Connection(int(sys.argv[1]))
    module_name, _, function = sys.argv[2].partition(":")
    module = importlib.import_module(module_name)
    entry = getattr(module, function)
    if sys.argv[3:4] == ["warm"] and hasattr(module, "warm"):
        module.warm()
    try:
        args = conn.recv()
    except (EOFError, OSError):
        return  # the parent is gone already, or stopped this spare
    entry(conn, *args)
