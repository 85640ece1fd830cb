"""The query executor pool on its own: bound values, dead executors, orphans, timeouts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pyoxigraph as ox
import pytest

from claimgraph.graph.store import EmbeddedStore, QueryRequest, QueryTimeout

CG = "https://w3id.org/claimgraph/ontology#"


@pytest.fixture(scope="module")
def store(seed_store):
    s = EmbeddedStore(seed_store, query_workers=2, query_timeout=5)
    yield s
    s.close()


def test_bound_values_of_every_kind_reach_the_executor(store) -> None:
    rows = store.select(
        "SELECT ?iri ?plain ?lang ?typed WHERE { }",
        iri=ox.NamedNode("https://example.org/x"),
        plain=ox.Literal("a > b } ;"),
        lang=ox.Literal("Kreml", language="de"),
        typed=ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    )
    assert rows == [{
        "iri": ox.NamedNode("https://example.org/x"),
        "plain": ox.Literal("a > b } ;"),
        "lang": ox.Literal("Kreml", language="de"),
        "typed": ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    }]
    # A bound value is a value, never query text.
    assert store.ask(f"ASK {{ ?c <{CG}speaker> ?who }}", who=ox.Literal("x } UNION { ?a ?b ?c")) is False


def test_a_prepared_query_dropped_without_close_returns_its_executor(store) -> None:
    import gc

    for _ in range(5):  # more than the pool holds
        store.prepare(QueryRequest("ASK {}"))
        gc.collect()
    assert store.ask("ASK {}")


def test_an_executor_killed_while_idle_is_replaced(store) -> None:
    assert store.ask("ASK {}")
    for ex in list(store.pool._all):
        os.kill(ex.process.pid, signal.SIGKILL)
        ex.process.join(timeout=5)
    # Every idle executor is dead; the next queries notice and use fresh ones.
    for _ in range(3):
        assert store.ask("ASK {}")


def test_a_timeout_kills_only_that_query(store) -> None:
    hundred = " ".join(str(i) for i in range(100))
    endless = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"VALUES ?v{i} {{ {hundred} }}" for i in range(6)) + " }"
    with pytest.raises(QueryTimeout, match="time limit of 1 s"):
        with store.prepare(QueryRequest(endless, timeout=1)) as prepared:
            b"".join(prepared.stream("application/sparql-results+json"))
    assert store.ask("ASK {}")


def test_executors_end_when_their_server_process_is_killed(seed_store, tmp_path) -> None:
    """A worker killed with SIGKILL cannot stop its executors; they notice and exit."""
    script = tmp_path / "owner.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from claimgraph.graph.store import EmbeddedStore, QueryRequest
        if __name__ == "__main__":
            store = EmbeddedStore(Path({str(seed_store)!r}), query_workers=2, query_timeout=60)
            store.ask("ASK {{}}")
            print(" ".join(str(ex.process.pid) for ex in store.pool._all), flush=True)
            hundred = " ".join(str(i) for i in range(100))
            endless = "SELECT (COUNT(*) AS ?n) {{ " + " ".join(f"VALUES ?v{{i}} {{{{ {{hundred}} }}}}" for i in range(6)) + " }}"
            with store.prepare(QueryRequest(endless)) as prepared:
                for chunk in prepared.stream("application/sparql-results+json"):
                    pass
    """))
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert len(pids) == 2
        time.sleep(0.5)  # one executor is now busy with the endless query
        owner.kill()
        owner.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids):
            time.sleep(0.2)
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        assert alive == []
    finally:
        if owner.poll() is None:
            owner.kill()
