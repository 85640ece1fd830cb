"""Hostile and broken requests: each gets a clear 4xx/5xx and costs nobody else anything.

A server with a 2-second query timeout and two query executors serves the seed store.
"""

from __future__ import annotations

import socket
import threading
import time

import psutil
import pytest
import requests

from conftest import UPDATE_TOKEN, start_server, stop_server

TIMEOUT = 2.0
# 10^12 combinations to count, whatever the data: about a day and a half of engine time.
_HUNDRED = " ".join(str(i) for i in range(100))
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?v{i} {{ {_HUNDRED} }}" for i in range(6)) + " }"
QUICK = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"


@pytest.fixture(scope="module")
def guarded(seed_store):
    # The token lets the update tests reach the checks; every update sent here is refused,
    # so the shared seed store is never written (a test checks that too).
    srv = start_server(
        seed_store, "--timeout", str(TIMEOUT), "--query-workers", "2", "--workers", "1", "--update-token", UPDATE_TOKEN
    )
    yield srv
    stop_server(srv)


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    return [proc, *proc.children(recursive=True)]


def _tree_cpu(pid: int, seconds: float) -> float:
    """CPU used by the server and all its children over ``seconds``, in percent of one core."""
    procs = _tree(psutil.Process(pid))
    before = {}
    for p in procs:
        try:
            t = p.cpu_times()
            before[p.pid] = t.user + t.system
        except psutil.NoSuchProcess:
            pass
    time.sleep(seconds)
    used = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            used += t.user + t.system - before.get(p.pid, 0.0)
        except psutil.NoSuchProcess:
            pass
    return 100.0 * used / seconds


def _still_serving(srv) -> None:
    r = requests.get(srv.sparql, params={"query": QUICK}, timeout=10)
    assert r.status_code == 200, r.text
    assert len(r.json()["results"]["bindings"]) == 3
    assert requests.get(srv.url + "/health", timeout=10).json()["status"] == "ok"


def _plain_error(r: requests.Response) -> None:
    """Errors are short text a person can read: no HTML page, no Python traceback."""
    assert r.headers["Content-Type"].startswith("text/plain")
    assert "Traceback" not in r.text and 'File "' not in r.text


def test_a_query_that_would_run_for_hours_is_stopped_while_others_are_served(guarded) -> None:
    result: dict[str, object] = {}

    def slow() -> None:
        started = time.monotonic()
        r = requests.post(guarded.sparql, data={"query": ENDLESS}, timeout=60)
        result["response"], result["seconds"] = r, time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)  # the endless query is running now
    r = requests.get(guarded.sparql, params={"query": QUICK}, timeout=10)
    second_answered_while_first_ran = thread.is_alive()
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 3
    assert second_answered_while_first_ran
    thread.join(timeout=60)
    slow_response = result["response"]
    assert slow_response.status_code == 503
    assert "time limit" in slow_response.text
    _plain_error(slow_response)
    # Really stopped: the executor that ran it was killed, the server tree is idle again.
    assert _tree_cpu(guarded.process.pid, 1.0) < 50
    _still_serving(guarded)


def test_a_client_may_ask_for_a_shorter_timeout_but_not_a_longer_one(guarded) -> None:
    r = requests.post(guarded.sparql, data={"query": ENDLESS, "timeout": "0.5"}, timeout=60)
    assert r.status_code == 503 and "time limit of 0.5 s" in r.text
    r = requests.post(guarded.sparql, data={"query": ENDLESS, "timeout": "3600"}, timeout=60)
    assert r.status_code == 503 and f"time limit of {TIMEOUT:g} s" in r.text
    for bad in ("soon", "0", "-1", "nan"):
        r = requests.get(guarded.sparql, params={"query": QUICK, "timeout": bad}, timeout=10)
        assert r.status_code == 400, bad


def test_a_10_mb_body_is_refused(guarded) -> None:
    body = b"ASK { " + b"# padding\n" * (1024 * 1024) + b"}"
    r = requests.post(guarded.sparql, data=body, headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert r.status_code == 413
    _plain_error(r)
    assert "larger than this server accepts" in r.text
    _still_serving(guarded)


def test_service_to_a_local_address_is_refused_and_never_contacted(guarded) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(1.0)
    port = listener.getsockname()[1]
    try:
        for query in (
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            f"select * where {{ service silent <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ ?x ?y ?z SERVICE<http://127.0.0.1:{port}/>{{?s ?p ?o}} }}",
        ):
            r = requests.post(guarded.sparql, data={"query": query}, timeout=10)
            assert r.status_code == 400, r.text
            assert "SERVICE" in r.text
            _plain_error(r)
        with pytest.raises(socket.timeout):
            listener.accept()  # nobody ever connected
    finally:
        listener.close()
    # The word inside a string or an IRI is no keyword: such queries still run.
    ok = requests.get(guarded.sparql, params={"query": 'SELECT ("SERVICE" AS ?x) { }'}, timeout=10)
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "how",
    ["direct-body", "form-body", "url"],
)
def test_malformed_utf8_is_a_400(guarded, how) -> None:
    if how == "direct-body":
        r = requests.post(
            guarded.sparql, data=b"ASK { \xff\xfe }", headers={"Content-Type": "application/sparql-query"}, timeout=10
        )
    elif how == "form-body":
        r = requests.post(
            guarded.sparql,
            data=b"query=ASK%20%7B%C3%28%7D",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
    else:
        r = requests.get(guarded.sparql + "?query=ASK%20%7B%20%22%FF%22%20%7D", timeout=10)
    assert r.status_code == 400
    assert "UTF-8" in r.text
    _plain_error(r)


def test_a_query_nested_5000_levels_deep_is_refused_and_the_server_keeps_serving(guarded) -> None:
    deep = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000
    r = requests.post(guarded.sparql, data=deep, headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert r.status_code == 400
    assert "5000 levels deep" in r.text
    _plain_error(r)
    parens = "SELECT * WHERE { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }"
    r = requests.post(guarded.sparql, data={"query": parens}, timeout=30)
    assert r.status_code == 400
    # A flat chain crashes the engine too (its tree is deep); refused as well.
    chain = "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 20000) + " }"
    r = requests.post(guarded.sparql, data={"query": chain}, timeout=30)
    assert r.status_code == 400
    assert "operators" in r.text
    _still_serving(guarded)


@pytest.mark.parametrize(
    "update,message",
    [
        ("LOAD <http://127.0.0.1:1/secret>", "LOAD"),
        ("LOAD <file:///etc/passwd> INTO GRAPH <http://e/g>", "LOAD"),
        ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE"),
        ("INSERT DATA { <http://e/s> <http://e/p> " + "[" * 5000 + "]" * 5000 + " }", "levels deep"),
    ],
    ids=["load-http", "load-file", "service", "deep"],
)
def test_dangerous_updates_are_refused_and_write_nothing(guarded, update, message) -> None:
    version = (guarded.store_dir / "generation").read_text() if (guarded.store_dir / "generation").exists() else None
    r = requests.post(
        guarded.sparql, data={"update": update}, headers={"Authorization": f"Bearer {UPDATE_TOKEN}"}, timeout=30
    )
    assert r.status_code == 400, r.text
    assert message in r.text
    _plain_error(r)
    after = (guarded.store_dir / "generation").read_text() if (guarded.store_dir / "generation").exists() else None
    assert after == version


def test_syntax_errors_carry_the_parser_position(guarded) -> None:
    r = requests.get(guarded.sparql, params={"query": "SELECT * WHERE { ?s ?p }"}, timeout=10)
    assert r.status_code == 400
    _plain_error(r)
    assert r.text.startswith("SPARQL syntax error: error at 1:")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(guarded, method) -> None:
    r = requests.request(method, guarded.sparql, params={"query": "ASK {}"}, timeout=10)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, POST"
    _plain_error(r)


def test_unknown_paths_are_plain_404(guarded) -> None:
    r = requests.get(guarded.url + "/no/such/thing", timeout=10)
    assert r.status_code == 404
    _plain_error(r)


@pytest.fixture(scope="module")
def fragile(seed_store):
    """The guard lifted (so that a query reaches the engine and overflows its stack) and a
    small memory cap per query."""
    srv = start_server(
        seed_store,
        "--query-workers",
        "1",
        "--workers",
        "1",
        "--query-memory",
        "200",
        env={"CLAIMGRAPH_QUERY_MAX_DEPTH": "10000000", "CLAIMGRAPH_QUERY_MAX_OPERATORS": "10000000"},
    )
    yield srv
    stop_server(srv)


def test_a_query_that_crashes_its_executor_costs_only_that_request(fragile) -> None:
    deep = "SELECT * WHERE " + "{" * 400_000 + " ?s ?p ?o " + "}" * 400_000
    r = requests.post(fragile.sparql, data=deep, headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert r.status_code == 500
    assert "engine process died" in r.text and "still running" in r.text
    _plain_error(r)
    assert fragile.process.poll() is None
    # The single executor was replaced: the next query is answered.
    _still_serving(fragile)


def test_a_client_that_gives_up_stops_its_query(fragile) -> None:
    # The only executor runs the endless query; the client gives up after 1 s. The server
    # notices the closed connection and kills the query, so the next client is answered at
    # once instead of waiting out the 30 s time limit.
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(fragile.sparql, data={"query": ENDLESS}, timeout=1)
    r = requests.get(fragile.sparql, params={"query": "ASK {}", "timeout": "5"}, timeout=30)
    assert r.status_code == 200, r.text


def test_a_query_that_wants_all_the_memory_is_stopped_at_its_cap(fragile) -> None:
    hundred = " ".join(str(i) for i in range(100))
    hungry = (
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { "
        + " ".join(f"VALUES ?v{i} {{ {hundred} }}" for i in range(4))
        + ' BIND(CONCAT(STR(?v0), "-", STR(?v1), "-", STR(?v2), "-", STR(?v3)) AS ?x) }'
    )
    r = requests.post(fragile.sparql, data={"query": hungry}, timeout=120)
    assert r.status_code == 500
    assert "200 MB" in r.text
    _plain_error(r)
    _still_serving(fragile)
