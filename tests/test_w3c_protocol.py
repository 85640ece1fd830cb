"""The W3C SPARQL 1.1 Protocol test suite (34 tests), run over HTTP against a real server.

The manifest and its data (data1-3.nt) are the W3C's own; ``w3c_runner`` replays each test's
requests. Tests run in manifest order against one server with updates enabled (the update tests
CLEAR ALL; the data a query test needs is loaded into the on-disk store just before it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, UPDATE_TOKEN, start_server, stop_server
from w3c_runner import Target, load_manifest, prefix_rewriter, run_test

MANIFEST = ROOT / "tests" / "w3c" / "sparql" / "sparql11" / "protocol" / "manifest.ttl"
TESTS = load_manifest(MANIFEST)


def test_the_manifest_has_all_34_tests() -> None:
    assert len(TESTS) == 34
    assert len({t.id for t in TESTS}) == 34


@pytest.fixture(scope="module")
def protocol_server(tmp_path_factory: pytest.TempPathFactory):
    from claimgraph.graph.store import EmbeddedStore

    store_dir = tmp_path_factory.mktemp("w3c-protocol") / "store"
    EmbeddedStore(store_dir)  # creates an empty store
    srv = start_server(store_dir, "--update-token", UPDATE_TOKEN, "--workers", "1")
    yield srv
    stop_server(srv)


def _load_graph_data(store_dir: Path, graph_data: list[tuple[Path, str]]) -> None:
    """Put each data file into its named graph through the real on-disk store."""
    import pyoxigraph as ox

    from claimgraph.graph.store import EmbeddedStore

    # The store's writer: the write lock, one transaction, and a generation bump that makes
    # the server's executors reopen their snapshot.
    with EmbeddedStore(store_dir).writer() as store:
        for path, graph in graph_data:
            store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))


@pytest.mark.parametrize("test", TESTS, ids=[t.id for t in TESTS])
def test_protocol(test, protocol_server) -> None:
    if test.graph_data:
        _load_graph_data(protocol_server.store_dir, test.graph_data)
    target = Target(
        protocol_server.url,
        rewrite=prefix_rewriter({"/sparql/": "/sparql"}),
        headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
    )
    try:
        run_test(test, target)
    except AssertionError as exc:
        if "using-graph-uri / using-named-graph-uri are not supported yet" in str(exc):
            # The store's USING dataset handling belongs to the writes branch (issue 6).
            pytest.xfail("using-graph-uri support in the store is not merged yet")
        raise


def test_the_runner_catches_a_wrong_answer(protocol_server) -> None:
    """The runner itself must be able to fail: flip an expected boolean and a status."""
    import copy

    target = Target(protocol_server.url, rewrite=prefix_rewriter({"/sparql/": "/sparql"}))
    ask = copy.deepcopy(next(t for t in TESTS if t.id == "query_get"))
    ask.requests[0].expected.boolean = False
    with pytest.raises(AssertionError, match="expected False"):
        run_test(ask, target)
    bad = copy.deepcopy(next(t for t in TESTS if t.id == "bad_query_syntax"))
    bad.requests[0].expected.statuses = ["2xx"]
    with pytest.raises(AssertionError, match="expected status 2xx"):
        run_test(bad, target)
