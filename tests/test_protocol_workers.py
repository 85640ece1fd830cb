"""Several gunicorn workers share one on-disk store: concurrent reads, and a write all see."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests

from conftest import UPDATE_TOKEN, start_server, stop_server

CG = "https://w3id.org/claimgraph/ontology#"
COUNT_SPEAKERS = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?claim <{CG}speaker> ?speaker }}"
MARK = "ASK { <http://example.org/workers-test> <http://example.org/p> 1 }"


@pytest.fixture(scope="module")
def multi(seed_store, tmp_path_factory):
    store_dir = tmp_path_factory.mktemp("workers") / "store"
    shutil.copytree(seed_store, store_dir)
    srv = start_server(
        store_dir, "--workers", "3", "--threads", "4", "--query-workers", "2", "--update-token", UPDATE_TOKEN
    )
    yield srv
    stop_server(srv)


def _count(url: str) -> int:
    # A new connection per request, so the kernel spreads them over the workers.
    r = requests.get(url, params={"query": COUNT_SPEAKERS}, headers={"Connection": "close"}, timeout=30)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def _ask(url: str) -> bool:
    r = requests.get(url, params={"query": MARK}, headers={"Connection": "close"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


def test_concurrent_queries_across_workers(multi) -> None:
    expected = _count(multi.sparql)
    assert expected > 0
    with ThreadPoolExecutor(max_workers=12) as pool:
        counts = list(pool.map(lambda _: _count(multi.sparql), range(60)))
    assert counts == [expected] * 60
    # The load was spread: more than one worker has started query executors.
    workers = psutil.Process(multi.process.pid).children()
    assert len(workers) == 3
    busy = [w for w in workers if w.children()]
    assert len(busy) >= 2


def test_a_write_through_one_worker_is_seen_by_all(multi) -> None:
    assert not _ask(multi.sparql)
    with ThreadPoolExecutor(max_workers=8) as pool:
        # Readers run while the write happens: each sees the state before or after, never an error.
        readers = [pool.submit(_count, multi.sparql) for _ in range(24)]
        r = requests.post(
            multi.sparql,
            data={"update": "INSERT DATA { <http://example.org/workers-test> <http://example.org/p> 1 }"},
            headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
            timeout=30,
        )
        assert r.status_code in (200, 204), r.text
        assert len({f.result() for f in readers}) == 1
        seen = list(pool.map(lambda _: _ask(multi.sparql), range(30)))
    assert all(seen)


def test_void_counts_follow_writes(multi) -> None:
    from rdflib import Graph, Namespace
    from rdflib.namespace import RDF

    void = Namespace("http://rdfs.org/ns/void#")

    def triples() -> int:
        g = Graph().parse(
            data=requests.get(multi.url + "/.well-known/void", headers={"Connection": "close"}).text, format="turtle"
        )
        ds = next(s for s in g.subjects(RDF.type, void.Dataset) if (s, void.sparqlEndpoint, None) in g)
        return int(g.value(ds, void.triples))

    before = {triples() for _ in range(6)}  # several workers, one answer
    assert len(before) == 1
    r = requests.post(
        multi.sparql,
        data={
            "update": "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/p> 1, 2 } }"
        },
        headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
    )
    assert r.status_code in (200, 204), r.text
    assert {triples() for _ in range(6)} == {before.pop() + 2}
