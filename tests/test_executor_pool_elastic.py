"""The executor pool grows while queries run at once and shrinks back to one executor when idle.

Real executor processes on the seed store; "endless" queries hold executors until their time
limit stops them. Waits are bounded polls for a condition, never assertions about durations."""

from __future__ import annotations

import os
from pathlib import Path
import signal
import threading
from collections.abc import Iterator

import psutil
import pytest

from process_helpers import alive, until
from claimgraph.graph.store import EmbeddedStore, QueryRequest, QueryTimeout, StoreBusy
from claimgraph.graph.store.embedded.executor import ExecutorPool

HUNDRED = " ".join(str(i) for i in range(100))
ENDLESS = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"VALUES ?v{i} {{ {HUNDRED} }}" for i in range(6)) + " }"
JSON = "application/sparql-results+json"


def _executor_pids() -> set[int]:
    """The executor processes this test process started and that still run (whatever the pool
    believes); one that ends while it is looked at does not count."""
    pids = set()
    for p in psutil.Process().children():
        try:
            if "_executor_main" in " ".join(p.cmdline()) and alive(p.pid):
                pids.add(p.pid)
        except psutil.NoSuchProcess:
            pass
    return pids


def _hold(store: EmbeddedStore, seconds: float, outcomes: list[str]) -> threading.Thread:
    """Run the endless query in a thread until its time limit stops it."""

    def run() -> None:
        try:
            with store.prepare(QueryRequest(ENDLESS, timeout=seconds)) as prepared:
                b"".join(prepared.stream(JSON))
            outcomes.append("answered")
        except QueryTimeout:
            outcomes.append("timeout")
        except StoreBusy:
            outcomes.append("busy")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture()
def elastic(seed_store) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(seed_store, query_workers=3, query_timeout=20, query_idle_seconds=1.0)
    yield store
    store.close()


def test_an_idle_pool_holds_one_executor(elastic) -> None:
    assert elastic.ask("ASK {}") is True
    assert len(elastic.pool._all) == 1 and _executor_pids() == {ex.process.pid for ex in elastic.pool._all}


def test_a_light_query_is_answered_while_heavy_ones_hold_the_first_executors(elastic) -> None:
    outcomes: list[str] = []
    holders = [_hold(elastic, 6, outcomes) for _ in range(2)]
    assert until(lambda: len(elastic.pool._all) == 2 and not elastic.pool._idle)
    # Both executors are busy: a third starts for this one and answers it.
    assert elastic.ask("ASK {}") is True
    assert any(h.is_alive() for h in holders), "the heavy queries ended before the light one ran"
    assert len(elastic.pool._all) == 3
    for h in holders:
        h.join(30)
    assert outcomes == ["timeout", "timeout"]


def test_the_pool_never_starts_more_than_its_size(elastic) -> None:
    outcomes: list[str] = []
    holders = [_hold(elastic, 4, outcomes) for _ in range(5)]  # more than the 3 it may start
    assert until(lambda: len(_executor_pids()) == 3)
    seen = max(len(_executor_pids()) for _ in range(20))
    for h in holders:
        h.join(40)
    assert seen == 3 and len(elastic.pool._all) <= 3
    # Three ran into their time limit; two waited for an executor within theirs.
    assert len(outcomes) == 5 and outcomes.count("timeout") >= 3 and set(outcomes) <= {"timeout", "busy"}


def test_executors_beyond_the_first_stop_after_being_idle(elastic) -> None:
    threads = [threading.Thread(target=elastic.ask, args=("ASK { ?s ?p ?o }",)) for _ in range(12)]
    outcomes: list[str] = []
    holders = [_hold(elastic, 3, outcomes) for _ in range(2)]
    assert until(lambda: len(elastic.pool._all) == 2 and not elastic.pool._idle)
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert until(lambda: len(elastic.pool._all) == 3)
    for h in holders:
        h.join(30)
    # Idle for a second (idle_seconds) now: back to one, and no process left behind.
    assert until(lambda: len(elastic.pool._all) == 1 and len(_executor_pids()) == 1)
    assert elastic.ask("ASK { ?s ?p ?o }") is True


def test_an_executor_killed_while_it_starts_is_replaced(seed_store) -> None:
    pool = ExecutorPool(
        seed_store / "oxigraph", seed_store / "generation", size=2, default_timeout=20, idle_seconds=1.0
    )
    try:
        for ex in list(pool._all):  # before it could open the store
            os.kill(ex.process.pid, signal.SIGKILL)
        with pool.prepare(QueryRequest("ASK {}")) as prepared:
            assert b"true" in b"".join(prepared.stream(JSON))
        assert until(lambda: len(_executor_pids()) == 1)
    finally:
        pool.close()
    assert until(lambda: not _executor_pids())


def test_a_fixed_pool_starts_all_its_executors(seed_store) -> None:
    store = EmbeddedStore(seed_store, query_workers=2, query_idle_seconds=0)
    try:
        assert store.ask("ASK {}") is True
        assert until(lambda: len(store.pool._idle) == 2)
    finally:
        store.close()


def test_executors_run_below_the_server_priority(seed_store) -> None:
    """Under a full load of queries the worker (requests, time limits) and the writers still
    get the CPU: the executors' niceness is the server's plus ``query_nice``."""
    store = EmbeddedStore(seed_store, query_workers=1, query_nice=5)
    try:
        assert store.ask("ASK {}") is True
        (ex,) = store.pool._all
        assert psutil.Process(ex.process.pid).nice() == min(os.nice(0) + 5, 19)
    finally:
        store.close()


def _libraries(pid: int) -> set[str]:
    return {Path(m.path).name for m in psutil.Process(pid).memory_maps() if m.path}


def test_executors_use_mimalloc_when_the_settings_say_so(seed_store) -> None:
    """The stores the server and the CLI open (``open_store``) preload the cmeel-mimalloc
    package's library into the executors, which then answer as before; with the setting off
    they use glibc's malloc."""
    from claimgraph.graph.store.embedded.child import mimalloc_library
    from claimgraph.settings import Settings, open_store

    library = mimalloc_library()
    assert library is not None, "cmeel-mimalloc is a dependency on Linux: `make install`"
    for on in (True, False):
        store = open_store(Settings(store_dir=seed_store, query_mimalloc=on, query_workers=1, cache_bytes=0))
        try:
            assert store.ask("ASK { ?s ?p ?o }") is True
            (ex,) = store.pool._all  # type: ignore[attr-defined]
            assert (Path(library).name in _libraries(ex.process.pid)) is on
        finally:
            store.close()


def test_the_memory_cap_binds_with_mimalloc(seed_store) -> None:
    """A query that wants all the memory dies at its cap with mimalloc too: mimalloc's address
    space reserved before the cap was set would otherwise let it commit far more (about 560 MB
    under a 200 MB cap with mimalloc's default 1 GiB reservations)."""
    from claimgraph.graph.store import EngineCrashed
    from claimgraph.settings import Settings, open_store

    hungry = (
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { "
        + " ".join(f"VALUES ?v{i} {{ {HUNDRED} }}" for i in range(4))
        + ' BIND(CONCAT(STR(?v0), "-", STR(?v1), "-", STR(?v2), "-", STR(?v3)) AS ?x) }'
    )
    store = open_store(
        Settings(store_dir=seed_store, query_mimalloc=True, query_workers=1, query_memory_mb=200, cache_bytes=0)
    )
    try:
        assert store.ask("ASK {}") is True
        (ex,) = store.pool._all  # type: ignore[attr-defined]
        status = Path(f"/proc/{ex.process.pid}/status")
        base = _resident_kib(status)
        peak = [base]
        done = threading.Event()

        def watch() -> None:  # the executor's high-water mark of resident memory until it dies
            while not done.is_set():
                try:
                    peak.append(_resident_kib(status, "VmHWM"))
                except OSError:
                    return
                done.wait(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            with pytest.raises(EngineCrashed, match="200 MB"):
                store.select(hungry)
        finally:
            done.set()
            watcher.join()
        assert max(peak) - base < (200 + 64) * 1024, f"{(max(peak) - base) // 1024} MiB above the idle executor"
    finally:
        store.close()


def _resident_kib(status: Path, field: str = "VmRSS") -> int:
    for line in status.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"no {field} in {status}")
