"""The result cache (graph/store/cache.py): hits, bounds, and invalidation after every write.

On a real on-disk store with real executor processes, and through a real server whose
writes come over HTTP with the update token or from the CLI in another process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from claimgraph.graph.store import EmbeddedStore, QueryForm, QueryRequest, UpdateRequest
from claimgraph.graph.store.cache import CachingStore, is_cacheable
from tests.conftest import UPDATE_TOKEN, claimgraph, start_server, stop_server

EX = "http://example.org/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON = "application/sparql-results+json"


def _count(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def _run(store: CachingStore, query: str, media_type: str = JSON, **request: object) -> bytes:
    with store.prepare(QueryRequest(query=query, **request)) as prepared:  # type: ignore[arg-type]
        return b"".join(prepared.stream(media_type))


@pytest.fixture
def cached(tmp_path: Path) -> Iterator[CachingStore]:
    inner = EmbeddedStore(tmp_path / "store", query_workers=1)
    inner.load(f"<{EX}a> <{EX}p> <{EX}b> .\n<{EX}b> <{EX}p> <{EX}c> .\n".encode(), "application/n-triples")
    store = CachingStore(inner, max_bytes=16 * 1024, max_entry_bytes=4 * 1024)
    yield store
    store.close()


def test_repeated_query_is_a_hit_and_answers_the_same(cached: CachingStore) -> None:
    first = _run(cached, COUNT)
    assert cached.cache.stats.hits == 0 and cached.cache.stats.stored == 1
    second = _run(cached, COUNT)
    assert second == first and _count(second) == 2
    assert cached.cache.stats.hits == 1


def test_key_includes_media_type_dataset_and_bindings(cached: CachingStore) -> None:
    _run(cached, COUNT)
    csv = _run(cached, COUNT, "text/csv")
    assert csv.splitlines()[0].strip() == b"n"  # a CSV body, not the cached JSON
    assert cached.cache.stats.hits == 0
    # Another dataset (an empty default graph) is another answer.
    empty = _run(cached, COUNT, default_graph_uris=[EX + "nothing"])
    assert _count(empty) == 0
    by_a = _run(cached, "SELECT ?s ?o WHERE { ?s ?p ?o }", substitutions={"s": ox.NamedNode(EX + "a")})
    by_b = _run(cached, "SELECT ?s ?o WHERE { ?s ?p ?o }", substitutions={"s": ox.NamedNode(EX + "b")})
    assert by_a != by_b and EX.encode() + b"b" in by_a and EX.encode() + b"c" in by_b
    assert cached.cache.stats.hits == 0


def test_write_through_the_wrapper_invalidates(cached: CachingStore) -> None:
    assert _count(_run(cached, COUNT)) == 2
    cached.update(UpdateRequest(update=f"INSERT DATA {{ <{EX}c> <{EX}p> <{EX}d> }}"))
    assert _count(_run(cached, COUNT)) == 3
    assert cached.cache.stats.hits == 0 and cached.cache.stats.invalidations >= 1


def test_write_by_another_process_invalidates(cached: CachingStore) -> None:
    """Another writer (a second gunicorn worker, the CLI) only changes the generation counter."""
    assert _count(_run(cached, COUNT)) == 2
    other = EmbeddedStore(cached.inner.directory)  # type: ignore[attr-defined]
    other.update(UpdateRequest(update=f"INSERT DATA {{ <{EX}x> <{EX}p> <{EX}y> }}"))
    other.close()
    assert _count(_run(cached, COUNT)) == 3
    assert cached.cache.stats.hits == 0


def test_volatile_queries_are_never_cached(cached: CachingStore) -> None:
    query = "SELECT (STRUUID() AS ?u) WHERE {}"
    assert not is_cacheable(QueryRequest(query=query))
    assert not is_cacheable(QueryRequest(query="SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }"))
    assert is_cacheable(QueryRequest(query=COUNT))
    assert _run(cached, query) != _run(cached, query)
    assert cached.cache.stats.stored == 0


def test_bounded_in_bytes(cached: CachingStore) -> None:
    # Above the entry limit: streamed through, never kept.
    big = "SELECT ?i WHERE { VALUES ?i { " + " ".join(str(i) for i in range(2000)) + " } }"
    assert len(_run(cached, big)) > cached.cache.max_entry_bytes
    assert cached.cache.stats.stored == 0
    # Many small answers: the total stays under the bound, the oldest go first.
    for i in range(200):
        _run(cached, f"SELECT ?i WHERE {{ BIND({i} AS ?i) }}")
    assert 0 < cached.cache.stats.bytes <= cached.cache.max_bytes
    assert cached.cache.stats.entries < 200
    _run(cached, "SELECT ?i WHERE { BIND(199 AS ?i) }")
    hits = cached.cache.stats.hits
    assert hits == 1
    _run(cached, "SELECT ?i WHERE { BIND(0 AS ?i) }")
    assert cached.cache.stats.hits == hits  # evicted


def test_abandoned_stream_is_not_cached(cached: CachingStore) -> None:
    prepared = cached.prepare(QueryRequest(query=COUNT))
    chunks = prepared.stream(JSON)
    next(chunks)
    chunks.close()  # the client went away before the end
    prepared.close()
    assert cached.cache.stats.stored == 0
    assert _count(_run(cached, COUNT)) == 2


def test_server_answers_from_fresh_data_after_http_update_and_cli_load(tmp_path: Path) -> None:
    """One worker (so the second read meets the first one's cache), writes over HTTP and from the CLI."""
    store_dir = tmp_path / "store"
    EmbeddedStore(store_dir).close()
    srv = start_server(
        store_dir, "--workers", "1", "--update-token", UPDATE_TOKEN, env={"CLAIMGRAPH_CACHE_BYTES": str(1024 * 1024)}
    )
    try:

        def count() -> int:
            r = requests.get(srv.sparql, params={"query": COUNT}, headers={"Accept": JSON}, timeout=30)
            assert r.status_code == 200, r.text
            return _count(r.content)

        assert count() == 0
        assert count() == 0
        r = requests.post(
            srv.sparql,
            data=f"INSERT DATA {{ <{EX}a> <{EX}p> <{EX}b> }}".encode(),
            headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {UPDATE_TOKEN}"},
            timeout=30,
        )
        assert r.status_code in (200, 204), r.text
        assert count() == 1
        data = tmp_path / "more.nt"
        data.write_text(f"<{EX}b> <{EX}p> <{EX}c> .\n<{EX}c> <{EX}p> <{EX}d> .\n")
        claimgraph("load", "--store", str(store_dir), "--no-validate", str(data))
        assert count() == 3
        # A refused write (no token) changes nothing and the answer stays right.
        r = requests.post(
            srv.sparql,
            data=f"INSERT DATA {{ <{EX}z> <{EX}p> <{EX}z> }}".encode(),
            headers={"Content-Type": "application/sparql-update"},
            timeout=30,
        )
        assert r.status_code == 401
        assert count() == 3
    finally:
        stop_server(srv)


def test_a_whole_small_answer_is_cached_and_served_whole(cached: CachingStore) -> None:
    """The server's fast path (types named up front, body in one piece) fills the cache too."""
    request = QueryRequest(query=COUNT, formats={QueryForm.SOLUTIONS: JSON})
    with cached.prepare(request) as prepared:
        first = prepared.ready_body(JSON)
    assert first is not None and _count(first) == 2 and cached.cache.stats.stored == 1
    with cached.prepare(request) as prepared:
        assert prepared.ready_body(JSON) == first
    assert cached.cache.stats.hits == 1 and cached.cache.stats.misses == 1
