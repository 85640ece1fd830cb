"""Run read queries in separate processes, so that any one of them can be stopped.

pyoxigraph has no timeout or cancellation in Python (it releases the GIL and runs in Rust), and
a hostile query can crash the engine. A thread cannot be killed; a process can. So every query
runs in an executor process that holds a read-only snapshot of the on-disk store:

* timeout: the parent waits for the executor's next message only as long as the query's
  budget allows; past it the executor is killed (SIGKILL) and replaced, and the client gets
  503. The budget counts the engine's time (and the wait for a free executor), not the time
  a client takes to read: a client that stops reading is dropped by the server's socket
  timeout, which closes the stream and kills the executor the same way; a client that hangs
  up while its query computes is noticed within 250 ms (the request's ``cancelled`` check).
* crash isolation: a stack overflow, an abort or an allocation failure kills one executor;
  its request gets 500, the pool starts a new executor, nobody else notices. Each executor
  runs queries on a thread with a 256 MiB stack (raising the recursion ceiling about
  thirtyfold) under an address-space cap (``memory_mb`` beyond its idle size).
* streaming: results are serialized by pyoxigraph in the executor and flow back through a
  pipe in 64 KiB chunks; the pipe's back-pressure keeps memory flat however large the answer.
* orphans: an executor whose server process died (SIGKILL) notices and exits.

Messages, one round trip for most queries. The request names the media type per query form
when the server negotiated them up front; the executor then serializes at once and answers
``("all", form, variables, media_type, bytes)`` when the whole result fits one chunk, or
``("form", form, variables, media_type)`` followed by ``("data", bytes)`` chunks and ``("end",)``.
Without a type for the form it answers ``("form", form, variables, None)`` and waits for
``("format", media_type)`` (or ``("cancel",)``). ``("error", kind, message)`` may come at any
point. Every wake-up of another process costs tens of microseconds; a point look-up is a
fraction of a millisecond, so the number of messages is what a small query's latency is made of.
"""

from __future__ import annotations

import multiprocessing.connection
import os
import pickle
import select
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from claimgraph.graph.store.embedded import child
from claimgraph.graph.store.formats import rdf_format, results_format
from claimgraph.graph.store.base import (
    EngineCrashed,
    QueryAbandoned,
    PreparedQuery,
    QueryRejected,
    QueryForm,
    QueryRequest,
    QuerySyntaxError,
    StoreBusy,
    StoreError,
    TimeBudget,
)

CHUNK_BYTES = 64 * 1024
#: An executor's first message: its store is open (or failed to open; the first query says so).
READY = ("ready",)


def send(conn: multiprocessing.connection.Connection, message: Any) -> None:
    """``conn.send(message)`` without multiprocessing's ForkingPickler, which builds a pickler
    object and a buffer per message (3 us against 1 us for a query's request): the messages
    are plain tuples, dicts and bytes, and ``conn.recv()`` reads them the same way."""
    conn.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))


def read_generation(path: Path | str) -> str:
    """The store's write counter; executors reopen their snapshot when it changes.

    Read before every query, so kept to three system calls: ``open()`` would add an ``fstat``,
    an ``ioctl`` (is it a terminal?), an ``lseek`` and a second ``read``, a fifth of an
    executor's own time on a point look-up. The writer replaces the file whole (a rename), so
    one read of a short file sees one version of it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return ""
    try:
        return os.read(fd, 64).decode()
    finally:
        os.close(fd)


class _ChunkWriter:
    """A binary file-like object that ships pyoxigraph's output to the parent in chunks.

    Small results are held until the end, so a query that fails or times out before its
    first chunk still gets a clean error status instead of a truncated 200. ``header`` (form,
    variables, media type) is still to be sent when the parent has not heard of the form yet:
    it goes with the whole body in one ``"all"`` message, or ahead of the first chunk."""

    def __init__(self, conn: multiprocessing.connection.Connection, header: tuple[Any, ...] | None) -> None:
        self.conn = conn
        self.header = header
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= CHUNK_BYTES:
            if self.header is not None:
                send(self.conn, ("form", *self.header))
                self.header = None
            send(self.conn, ("data", bytes(self.buf)))
            self.buf.clear()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes as it goes; only the final drain in ``finish`` sends."""

    def finish(self) -> None:
        if self.header is not None:
            send(self.conn, ("all", *self.header, bytes(self.buf)))
            self.header = None
        else:
            if self.buf:
                send(self.conn, ("data", bytes(self.buf)))
            send(self.conn, ("end",))
        self.buf.clear()


def _encode_term(term: Any) -> tuple[str, ...]:
    """pyoxigraph terms do not pickle: ship them to the executor as plain tuples."""
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return ("lang", term.value, term.language)
        return ("typed", term.value, term.datatype.value)
    raise TypeError(f"cannot bind a {type(term).__name__} into a query")


def _decode_term(encoded: tuple[str, ...]) -> Any:
    kind, value = encoded[0], encoded[1]
    if kind == "iri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if kind == "lang":
        return ox.Literal(value, language=encoded[2])
    return ox.Literal(value, datatype=ox.NamedNode(encoded[2]))


def _answer_searches(query: str, store: Any, version: Path | None, timeout: float | None) -> str:
    """``query`` with its search-service blocks replaced by their hits from ``version``'s
    index: the index of the very version this executor reads, never another."""
    if "SERVICE" not in query.upper():  # search_calls.mentions_service, without importing it per query
        return query
    # the index's modules (SQLite, the similarity code) only in an executor that answers a search
    from claimgraph.graph.store.search import index as search_index
    from claimgraph.graph.store.search.service import rewrite
    from claimgraph.graph.store.sparqltext.search_calls import service_use

    calls = service_use(query).calls
    if not calls:
        return query
    if version is None:
        raise QueryRejected("the search service needs a versioned store; rebuild it with claimgraph build")
    search_index.ensure_index(version, store)
    snippets = any(call.snippet for call in calls)
    return rewrite(
        query, calls, lambda text, limit: search_index.search(version, text, limit, timeout, snippets, details=False)
    )


def _execute(
    store: Any, request: dict[str, Any], conn: multiprocessing.connection.Connection, version: Path | None = None
) -> None:
    """Run one query against an open store and stream its result to ``conn``."""
    try:
        query = _answer_searches(request["query"], store, version, request.get("timeout"))
    except StoreError as exc:  # a malformed search block or search text: the client's to fix
        send(conn, ("error", "request", str(exc)))
        return

    kwargs: dict[str, Any] = {"base_iri": request["base_iri"]}
    try:
        if request["default_graph_uris"]:
            kwargs["default_graph"] = [ox.NamedNode(u) for u in request["default_graph_uris"]]
        if request["named_graph_uris"]:
            kwargs["named_graphs"] = [ox.NamedNode(u) for u in request["named_graph_uris"]]
            if "default_graph" not in kwargs:
                # The protocol: named-graph-uri alone gives an empty default graph, not the store's.
                kwargs["default_graph"] = []
        if request["substitutions"]:
            kwargs["substitutions"] = {ox.Variable(k): _decode_term(v) for k, v in request["substitutions"].items()}
    except ValueError as exc:  # a graph URI or bound value that is no valid IRI/term
        send(conn, ("error", "request", f"invalid dataset or bound value: {exc}"))
        return
    try:
        result = store.query(query, **kwargs)
    except SyntaxError as exc:
        send(conn, ("error", "syntax", str(exc)))
        return
    except Exception as exc:  # engine errors: unknown graph, bad IRI, ...
        send(conn, ("error", "engine", str(exc)))
        return
    if isinstance(result, ox.QueryBoolean):
        form, variables = QueryForm.BOOLEAN.value, []
    elif isinstance(result, ox.QuerySolutions):
        form, variables = QueryForm.SOLUTIONS.value, [v.value for v in result.variables]
    else:
        form, variables = QueryForm.GRAPH.value, []
    media_type = request["formats"].get(form)
    if media_type is None:
        send(conn, ("form", form, variables, None))
        reply = conn.recv()
        if reply[0] != "format":
            return
        media_type = reply[1]
        writer = _ChunkWriter(conn, None)
    else:
        writer = _ChunkWriter(conn, (form, variables, media_type))
    try:
        if isinstance(result, ox.QueryTriples):
            result.serialize(writer, rdf_format(media_type))  # type: ignore[arg-type]  # duck-typed IO
        else:
            result.serialize(writer, results_format(media_type))
    except Exception as exc:
        send(conn, ("error", "engine", str(exc)))
        return
    writer.finish()


#: Stack of the thread that runs queries in an executor. Oxigraph's parser and evaluator
#: recurse; a large stack (only touched pages cost memory) keeps inputs the guard lets through
#: far from the limit.
ENGINE_STACK_BYTES = 256 * 1024 * 1024
#: How long a new executor may take to open the store before it is given up.
START_TIMEOUT_S = 60.0


def _watch_parent(parent_pid: int) -> None:
    """End this executor when the server process that started it is gone.

    A worker killed with SIGKILL cannot stop its executors; without this watch a runaway query
    would keep running (and holding the store open) until it finished on its own."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(0)


def _limit_memory(extra_bytes: int | None) -> None:
    """Cap this process's address space at its current size plus ``extra_bytes`` (None: lift it).

    A query that builds a huge intermediate result (DISTINCT or ORDER BY over billions of
    rows) then fails its allocation and the executor dies: one request gets an error instead
    of the machine swapping or the OOM killer picking a victim. Only the soft limit is set, so
    that the cap can be lifted while the store is (re)opened (RocksDB starts threads then)."""
    try:
        import resource

        if extra_bytes is None:
            resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            return
        with open("/proc/self/statm") as fh:
            size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (size + extra_bytes, resource.RLIM_INFINITY))
    except (OSError, ValueError, ImportError):
        pass  # not Linux: no cap


class _Snapshot:
    """The pinned version an executor reads, reopened whenever the store's generation changes."""

    def __init__(self, db_path: str, gen_path: str, memory_bytes: int) -> None:
        self.db_path = db_path
        self.gen_path = gen_path
        self.memory_bytes = memory_bytes
        self.current: Any = None
        self.generation: str | None = None

    def store(self) -> Any:
        """The pyoxigraph store of the newest version (raises OSError when it cannot be opened)."""
        from claimgraph.graph.store.embedded.snapshots import open_snapshot

        generation = read_generation(self.gen_path)
        if self.current is None or generation != self.generation:
            # A pinned, immutable version: never a half-written or half-swapped store.
            if self.current is not None:
                self.current.close()
            self.current = None
            if self.memory_bytes > 0:
                _limit_memory(None)  # RocksDB starts threads while it opens
            self.current = open_snapshot(self.db_path)
            self.generation = generation
            if self.memory_bytes > 0:
                _limit_memory(self.memory_bytes)
        return self.current.store


def _serve(conn: multiprocessing.connection.Connection, db_path: str, gen_path: str, memory_bytes: int) -> None:
    """Serve queries until the pipe closes."""
    snapshot = _Snapshot(db_path, gen_path, memory_bytes)
    try:
        # Open the store before the first query arrives: a fresh executor (at start, or one
        # replacing a killed executor) must not make its first client wait for RocksDB.
        snapshot.store()
    except OSError:
        pass  # reported to the first query, which tries again
    send(conn, READY)  # the pool hands out a new executor only from here on
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if not isinstance(request, dict):
            continue  # a stray "cancel" for a query that had already ended
        try:
            store = snapshot.store()
        except OSError as exc:
            send(conn, ("error", "engine", f"cannot open the store: {exc}"))
            continue
        try:
            _execute(store, request, conn, snapshot.current.path)
        except (BrokenPipeError, EOFError, OSError):
            return  # the server hung up; nothing left to answer
        except Exception as exc:  # a bug here must cost one request, not the executor
            send(conn, ("error", "engine", f"{type(exc).__name__}: {exc}"))


def _executor_main(
    conn: multiprocessing.connection.Connection,
    db_path: str,
    gen_path: str,
    parent_pid: int,
    memory_bytes: int,
    network: bool = False,
    nice: int = 0,
) -> None:
    """Entry point of an executor process."""
    if nice:
        # Below the server's own processes: when the cores are all busy with queries, the
        # worker (requests, time limits) and the writers still get the CPU they need.
        os.nice(nice)
    if not network:
        # Before any thread starts: SERVICE cannot fetch anything, whatever reaches the engine.
        from claimgraph.graph.store.embedded.nonet import deny_inet_sockets

        deny_inet_sockets()
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    threading.stack_size(ENGINE_STACK_BYTES)
    engine = threading.Thread(target=_serve, args=(conn, db_path, gen_path, memory_bytes), name="engine")
    engine.start()
    engine.join()


class _Executor:
    """One executor process and the parent's end of its pipe."""

    def __init__(
        self,
        db_path: Path,
        gen_path: Path,
        memory_bytes: int,
        network: bool = False,
        nice: int = 0,
        preload: str | None = None,
    ) -> None:
        # A lean child (see child.py): no copy of the server's modules, no resource tracker.
        self.conn, self.process = child.start(
            f"{__name__}:_executor_main",
            str(db_path),
            str(gen_path),
            os.getpid(),
            memory_bytes,
            network,
            nice,
            preload=preload,
        )
        # One poll object for the pipe's life: Connection.poll builds a selector per call,
        # which costs more than a point look-up's whole answer takes to arrive.
        self._poller = select.poll()
        self._poller.register(self.conn.fileno(), select.POLLIN)
        self._kill_lock = threading.Lock()
        self._killed = False

    def wait(self, seconds: float) -> bool:
        """True when a message (or the end of the pipe) is ready within ``seconds``."""
        return bool(self._poller.poll(max(seconds, 0) * 1000))

    def kill(self) -> None:
        """Stop it and close the pipe, once: the pool's closing and a query's discard can race
        to it, and a second ``close`` of the pipe's descriptor could close another file's."""
        with self._kill_lock:
            if self._killed:
                return
            self._killed = True
        try:
            self.process.kill()
            self.process.join(timeout=5)
        finally:
            self.conn.close()


class ExecutorPool:
    """Executor processes shared by the threads of one server process: one kept when idle,
    up to ``size`` while queries run at once.

    Every executor is a Python with its own store handle and RocksDB block cache (at 1 M quads
    about 35 MiB idle, 90 MiB once scans have filled its cache), so a pool kept full costs an
    idle server most of its memory. Here a query that finds no executor idle and none on its
    way starts one more (up to ``size``) and takes whichever is free first: a busy one
    released, or the new one once its store is open (about 80 ms). Executors beyond the first
    that stay idle for ``idle_seconds`` are stopped. ``idle_seconds=0`` starts all ``size``
    at once and keeps them: a fixed pool."""

    def __init__(
        self,
        db_path: Path,
        gen_path: Path,
        size: int,
        default_timeout: float,
        memory_mb: int = 0,
        network: bool = False,
        idle_seconds: float = 0.0,
        nice: int = 0,
        preload: str | None = None,
    ) -> None:
        """``memory_mb``: how much memory one query may use beyond an idle executor (0: no cap).
        ``network``: whether executors may open IPv4/IPv6 sockets (only for SERVICE, when allowed).
        ``idle_seconds``: how long an executor beyond the first may stay idle (0: never stopped).
        ``preload``: a malloc library the executors load first (``child.mimalloc_library``)."""
        self.memory_mb = memory_mb
        self.network = network
        self.nice = nice
        self.preload = preload
        self._db_path = db_path
        self._gen_path = gen_path
        self.default_timeout = default_timeout
        self.size = max(1, size)
        self.idle_seconds = idle_seconds
        self.keep = 1 if idle_seconds > 0 else self.size
        # Idle executors with the time each was released, last released on top: under light
        # load the same one or two answer everything, so their CPU caches and RocksDB block
        # caches stay warm (a round robin over all of them doubled a point look-up's time in
        # the executor), and the ones at the bottom are those idle longest.
        self._idle: list[tuple[_Executor, float]] = []
        self._cond = threading.Condition()
        self._all: set[_Executor] = set()  # started: opening, idle or busy
        self._opening = 0  # promised to the waiting requests: being started or opening the store
        self._reserved = 0  # of those, not started yet (not in _all): _all + _reserved <= size
        self._waiting = 0  # requests waiting for an executor
        self._closed = False
        self._stopped = threading.Event()
        for _ in range(self.keep):
            with self._cond:
                self._reserve()
            self._start()
        if self.keep < self.size:
            threading.Thread(target=self._retire_idle, name="executor-reaper", daemon=True).start()

    def _reserve(self) -> None:
        """Count one executor about to start (the caller holds ``_cond``, then calls ``_start``)."""
        self._opening += 1
        self._reserved += 1

    def _start(self) -> None:
        """Start the executor reserved; it joins the idle ones once its store is open (its
        ``READY``). The caller holds no lock: a start costs about half a millisecond."""
        try:
            ex = _Executor(
                self._db_path, self._gen_path, self.memory_mb * 1024 * 1024, self.network, self.nice, self.preload
            )
        except OSError:  # no process could start (out of memory, process limit)
            with self._cond:
                self._reserved -= 1
            self._opened(None)
            return
        with self._cond:
            self._all.add(ex)
            self._reserved -= 1
        threading.Thread(target=self._await_ready, args=(ex,), name="executor-start", daemon=True).start()

    def _await_ready(self, ex: _Executor) -> None:
        try:
            ready = ex.wait(START_TIMEOUT_S) and ex.conn.recv() == READY
        except (EOFError, OSError):
            ready = False
        if ready:
            self._opened(ex)
        else:  # it died while starting, or hangs: a waiting request may start another, but
            # nothing starts one by itself (a store that cannot start any would loop forever)
            self._opened(None)
            self._discard(ex, replace=False)

    def _opened(self, ex: _Executor | None) -> None:
        with self._cond:
            self._opening -= 1
            if ex is not None and not self._closed and ex in self._all:
                self._idle.append((ex, time.monotonic()))
                ex = None
            self._cond.notify_all()
        if ex is not None:
            ex.kill()

    def _discard(self, ex: _Executor, replace: bool = True) -> None:
        """Kill an executor whose query must stop; start a fresh one (``replace``) if the pool
        falls below what it keeps when idle (otherwise the next query that needs one starts it)."""
        with self._cond:
            self._all.discard(ex)
            short = replace and not self._closed and len(self._all) + self._reserved < self.keep
            if short:
                self._reserve()
            self._cond.notify_all()  # a waiting request may start one in its place
        ex.kill()
        if short:
            self._start()

    def _release(self, ex: _Executor) -> None:
        with self._cond:
            stale = self._closed or ex not in self._all
            if not stale:
                self._idle.append((ex, time.monotonic()))
                self._cond.notify()
        if stale:
            ex.kill()

    def _retire_idle(self) -> None:
        """Stop executors beyond those kept that have been idle for ``idle_seconds``."""
        every = max(min(self.idle_seconds / 4, 5.0), 0.05)
        while not self._stopped.wait(every):
            now = time.monotonic()
            retired = []
            with self._cond:
                while len(self._all) > self.keep and self._idle and now - self._idle[0][1] >= self.idle_seconds:
                    ex, _ = self._idle.pop(0)
                    self._all.discard(ex)
                    retired.append(ex)
            for ex in retired:
                ex.kill()

    def prepare(self, request: QueryRequest) -> PreparedQuery:
        timeout = request.timeout if request.timeout is not None else self.default_timeout
        budget = _Budget(timeout, request.cancelled)
        payload = {
            "query": request.query,
            "default_graph_uris": list(request.default_graph_uris),
            "named_graph_uris": list(request.named_graph_uris),
            "base_iri": request.base_iri,
            "substitutions": {k: _encode_term(v) for k, v in request.substitutions.items()},
            "formats": {form.value: media_type for form, media_type in request.formats.items()},
            "timeout": timeout,
        }
        # An idle executor may have died since its last query (killed by the OOM killer, say):
        # then the request goes to the next one; the dead one is replaced.
        for _attempt in range(3):
            ex = self._acquire(budget)
            try:
                send(ex.conn, payload)
            except (OSError, ValueError):
                self._discard(ex)
                continue
            msg = self._receive(ex, budget)
            if msg[0] == "error":
                self._release(ex)
                raise _error(msg[1], msg[2])
            if msg[0] == "all":
                # The whole result came with the form: the executor is free again at once.
                self._release(ex)
                return _PooledQuery(self, request, None, budget, QueryForm(msg[1]), msg[2], msg[3], msg[4])
            return _PooledQuery(self, request, ex, budget, QueryForm(msg[1]), msg[2], msg[3])
        raise EngineCrashed("the query engine processes keep failing to start; see the server log")

    def _acquire(self, budget: "_Budget") -> _Executor:
        """An idle executor; waiting for one counts against the query's time budget. With none
        idle, fewer executors on their way than requests waiting and fewer than ``size`` in
        all, one more is started for whoever is free first."""
        with self._cond:
            if self._idle:  # the common case: one lock, no bookkeeping
                return self._idle.pop()[0]
            self._waiting += 1
        started = time.monotonic()
        starts = 0
        try:
            while True:
                with self._cond:
                    if self._idle:
                        return self._idle.pop()[0]
                    if self._closed:
                        raise StoreError("the store is closed")
                    if self._opening < self._waiting and len(self._all) + self._reserved < self.size:
                        starts += 1
                        if starts > self.size + 2:  # each one it started died at once
                            raise EngineCrashed("the query engine processes keep failing to start; see the server log")
                        self._reserve()
                    else:
                        remaining = budget.remaining() - (time.monotonic() - started)
                        if remaining <= 0:
                            raise StoreBusy("all query executors are busy; try again shortly")
                        self._cond.wait(remaining)
                        continue
                self._start()
        finally:
            with self._cond:
                self._waiting -= 1
            budget.spent += time.monotonic() - started

    def _receive(self, ex: _Executor, budget: "_Budget") -> tuple[Any, ...]:
        """Wait for the executor's next message within the budget, or stop it."""
        try:
            try:
                ready = budget.poll(ex)
            except QueryAbandoned:
                self._discard(ex)
                raise
            if not ready:
                self._discard(ex)
                raise budget.expired()
            return ex.conn.recv()
        except (EOFError, OSError):
            ex.process.join(timeout=1)
            code = ex.process.exitcode
            self._discard(ex)
            hint = ""
            if self.memory_mb and code is not None and code < 0:
                hint = f"; it may have needed more than the {self.memory_mb} MB a query may use"
            raise EngineCrashed(
                f"the query engine process died while running this query ({_describe_exit(code)}{hint}); "
                "the server is still running"
            ) from None

    def close(self) -> None:
        self._stopped.set()
        with self._cond:
            self._closed = True
            executors = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._cond.notify_all()
        for ex in executors:
            ex.kill()


#: How often a waiting query calls its request's ``cancelled`` check. Without it a query that
#: computes long before its first byte (an aggregate, ORDER BY) would run to its time limit for
#: a client that gave up long ago, holding an executor.
CLIENT_CHECK_S = 0.25


class _Budget(TimeBudget):
    """A time budget that waits on an executor's pipe and watches for a client that left."""

    def poll(self, ex: _Executor) -> bool:
        """True when a message is ready; False when the budget ran out.

        Raises :class:`QueryAbandoned` when the request was cancelled meanwhile."""
        check = self.cancelled
        while True:
            start = time.monotonic()
            wait = max(self.remaining(), 0)
            if check is not None:
                wait = min(wait, CLIENT_CHECK_S)
            ready = ex.wait(wait)
            self.spent += time.monotonic() - start
            if ready:
                return True
            if self.remaining() <= 0:
                return False
            self.check_cancelled()


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            import signal

            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _error(kind: str, message: str) -> StoreError:
    if kind == "syntax":
        return QuerySyntaxError(message)
    if kind == "request":
        return QueryRejected(message)
    return StoreError(message)


class _PooledQuery(PreparedQuery):
    """A query in (or back from) an executor.

    ``media_type`` is what the executor is already serializing in (None: it waits to be
    told); ``body`` is the whole result when it came in one message."""

    def __init__(
        self,
        pool: ExecutorPool,
        request: QueryRequest,
        ex: _Executor | None,
        budget: _Budget,
        form: QueryForm,
        variables: list[str],
        media_type: str | None,
        body: bytes | None = None,
    ) -> None:
        self._pool = pool
        self._request = request
        self._ex = ex
        self._budget = budget
        self.form = form
        self.variables = variables
        self._media_type = media_type
        self._body = body
        self._started = False

    def ready_body(self, media_type: str) -> bytes | None:
        if self._body is None or self._media_type != media_type or self._started:
            return None
        body, self._body = self._body, None
        self._started = True
        return body

    def _again(self, media_type: str) -> Iterator[bytes]:
        """The result in another type than the one asked for up front: run the query again."""
        self.close()
        again = self._pool.prepare(replace(self._request, formats={self.form: media_type}))
        try:
            yield from again.stream(media_type)
        finally:
            again.close()

    def stream(self, media_type: str) -> Iterator[bytes]:
        if self._started:
            raise StoreError("this query was already streamed or closed")
        if self._media_type not in (None, media_type):
            self._started = True
            return self._again(media_type)
        body = self.ready_body(media_type)
        if body is not None:
            return iter((body,))
        self._started = True
        return self._receive_chunks(media_type)

    def _receive_chunks(self, media_type: str) -> Iterator[bytes]:
        ex = self._ex
        if ex is None:
            raise StoreError("this query was already streamed or closed")
        if self._media_type is None:
            try:
                send(ex.conn, ("format", media_type))
            except (OSError, ValueError):
                self._ex = None
                self._pool._discard(ex)
                raise EngineCrashed("the query engine process died before sending its result") from None
        while True:
            try:
                msg = self._pool._receive(ex, self._budget)
            except StoreError:
                self._ex = None  # the pool has already killed and replaced it
                raise
            if msg[0] == "data":
                yield msg[1]
            elif msg[0] == "end":
                self._ex = None
                self._pool._release(ex)
                return
            else:
                self._ex = None
                self._pool._release(ex)
                raise _error(msg[1], msg[2])

    def close(self) -> None:
        self._body = None
        ex, self._ex = self._ex, None
        if ex is None:
            return
        if not self._started and self._media_type is None:
            # Parsed but never streamed (e.g. no acceptable format): the executor waits.
            try:
                send(ex.conn, ("cancel",))
            except (OSError, ValueError):
                self._pool._discard(ex)
                return
            self._pool._release(ex)
            return
        if ex.process.is_alive() and not ex.conn.closed:
            # Still mid-query: the only way to stop pyoxigraph is to stop its process.
            self._pool._discard(ex)

    def __del__(self) -> None:
        # A caller that forgot close() must not take an executor out of the pool for good.
        try:
            self.close()
        except Exception:
            pass
