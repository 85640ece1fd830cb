"""The query executor pool on its own: bound values, dead executors, orphans, timeouts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pyoxigraph as ox
import pytest

from claimgraph.graph.store import EmbeddedStore, QueryForm, QueryRequest, QueryTimeout

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
    assert rows == [
        {
            "iri": ox.NamedNode("https://example.org/x"),
            "plain": ox.Literal("a > b } ;"),
            "lang": ox.Literal("Kreml", language="de"),
            "typed": ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        }
    ]
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
    script.write_text(
        textwrap.dedent(f"""
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
    """)
    )
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert len(pids) == 2
        time.sleep(0.5)  # one executor is now busy with the endless query
        owner.kill()
        owner.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids
        ):
            time.sleep(0.2)
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        assert alive == []
    finally:
        if owner.poll() is None:
            owner.kill()


# -- one round trip: the server names the media type per form up front ---------------------------

ALL_QUADS = "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"  # every seed quad: many 64 KiB chunks
JSON = "application/sparql-results+json"


def test_a_small_result_comes_whole_with_its_form_and_frees_its_executor_at_once(store) -> None:
    """With the types named up front the executor answers in one message and is free again
    before the caller even reads the body: more open queries than executors do not wait."""
    request = QueryRequest("SELECT ?x WHERE { VALUES ?x { 1 2 } }", formats={QueryForm.SOLUTIONS: "text/csv"})
    held = [store.prepare(request) for _ in range(3)]  # the pool has 2 executors
    try:
        for prepared in held:
            assert prepared.form is QueryForm.SOLUTIONS and list(prepared.variables) == ["x"]
            assert prepared.ready_body("text/csv") == b"x\r\n1\r\n2\r\n"
    finally:
        for prepared in held:
            prepared.close()


def test_without_types_up_front_the_executor_waits_to_be_told(store) -> None:
    with store.prepare(QueryRequest("ASK {}")) as prepared:
        assert prepared.ready_body(JSON) is None
        assert b"".join(prepared.stream(JSON)) == b'{"head":{},"boolean":true}'


def test_a_large_result_streams_in_chunks_with_or_without_types_up_front(store) -> None:
    with store.prepare(QueryRequest(ALL_QUADS)) as prepared:
        told = list(prepared.stream(JSON))
    with store.prepare(QueryRequest(ALL_QUADS, formats={QueryForm.SOLUTIONS: JSON})) as prepared:
        assert prepared.ready_body(JSON) is None  # too large for one message
        ahead = list(prepared.stream(JSON))
    assert len(ahead) > 1 and b"".join(ahead) == b"".join(told)
    assert len(json.loads(b"".join(ahead))["results"]["bindings"]) > 3000


@pytest.mark.parametrize("query", ["SELECT ?x WHERE { VALUES ?x { 1 } }", ALL_QUADS], ids=["whole", "streaming"])
def test_asking_for_another_type_than_announced_still_gives_that_type(store, query) -> None:
    """The executor already serialized (or is serializing) CSV; JSON is asked for: the query
    runs again in JSON, and the pool keeps all its executors."""
    with store.prepare(QueryRequest(query, formats={QueryForm.SOLUTIONS: "text/csv"})) as prepared:
        body = b"".join(prepared.stream(JSON))
    assert json.loads(body)["head"]["vars"]
    assert len(store.pool._all) == 2 and store.ask("ASK {}")


def test_a_result_abandoned_while_the_executor_streams_ahead_costs_that_executor_only(store) -> None:
    before = {ex.process.pid for ex in store.pool._all}
    prepared = store.prepare(QueryRequest(ALL_QUADS, formats={QueryForm.SOLUTIONS: JSON}))
    streaming = prepared._ex  # mid-answer: the pipe is full, the executor blocked on it
    prepared.close()
    assert not streaming.process.is_alive()
    after = {ex.process.pid for ex in store.pool._all}
    assert len(after) == 2 and streaming.process.pid in before and streaming.process.pid not in after
    assert store.ask("ASK {}")
