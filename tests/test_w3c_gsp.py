"""The W3C Graph Store Protocol test suite (direct and indirect identification), over HTTP.

The manifests are the W3C's own (``tests/w3c/.../graph-store-protocol``), replayed by
``w3c_runner`` against a real gunicorn server with updates enabled. Their paths use ``/gsp``
for the endpoint under test; here that is ``/store``. Every test starts from an empty store
(the manifests assume it: several expect 201 Created for a graph an earlier test made).
"""

from __future__ import annotations

import copy

import pytest
import requests

from claimgraph.graph.store import EmbeddedStore
from conftest import ROOT, UPDATE_TOKEN, start_server, stop_server
from w3c_runner import Target, load_manifest, prefix_rewriter, run_test

MANIFEST = ROOT / "tests" / "w3c" / "sparql" / "sparql11" / "graph-store-protocol" / "manifest.ttl"
TESTS = load_manifest(MANIFEST)
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}


def test_the_manifests_list_13_tests() -> None:
    # manifest-direct.ttl defines head_non_existing_direct but leaves it out of mf:entries;
    # test_gsp.py checks that case (HEAD on a missing graph URL is a 404) itself.
    assert len(TESTS) == 13
    kinds = {r.rsplit("#", 1)[-1] for t in TESTS for r in t.requires}
    assert kinds == {"DirectGraphIdentification", "IndirectGraphIdentification", "POSTGraphCreation"}


@pytest.fixture(scope="module")
def gsp_server(tmp_path_factory: pytest.TempPathFactory):
    store_dir = tmp_path_factory.mktemp("w3c-gsp") / "store"
    EmbeddedStore(store_dir)  # an empty store to serve
    srv = start_server(store_dir, "--update-token", UPDATE_TOKEN, "--workers", "2")
    yield srv
    stop_server(srv)


def _target(server) -> Target:
    return Target(server.url, rewrite=prefix_rewriter({"/gsp": "/store"}), headers=AUTH)


@pytest.mark.parametrize("test", TESTS, ids=[t.id for t in TESTS])
def test_graph_store_protocol(test, gsp_server) -> None:
    r = requests.post(gsp_server.sparql, data={"update": "DROP ALL"}, headers=AUTH, timeout=30)
    assert r.status_code in (200, 204), r.text
    run_test(test, _target(gsp_server))


def test_the_runner_catches_a_wrong_graph(gsp_server) -> None:
    """The comparison of bodies must be able to fail: change the expected name."""
    test = copy.deepcopy(next(t for t in TESTS if t.id == "put_get_repeat_indirect"))
    get = test.requests[1]
    assert get.expected.body is not None and "John Doe" in get.expected.body
    get.expected.body = get.expected.body.replace("John Doe", "Someone Else")
    requests.post(gsp_server.sparql, data={"update": "DROP ALL"}, headers=AUTH, timeout=30)
    with pytest.raises(AssertionError, match="the graph differs"):
        run_test(test, _target(gsp_server))
