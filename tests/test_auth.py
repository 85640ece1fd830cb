"""Every write needs the update token; without it (or with a wrong one) nothing is written."""

from __future__ import annotations

import pytest
import requests

from claimgraph.graph.store import EmbeddedStore
from conftest import UPDATE_TOKEN, LiveServer, start_server, stop_server

TTL = '<http://example.org/s> <http://example.org/p> "written" .'
UPDATE = 'INSERT DATA { <http://example.org/s> <http://example.org/p> "written" }'


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory):
    store_dir = tmp_path_factory.mktemp("auth") / "store"
    EmbeddedStore(store_dir)  # an empty store to serve
    server = start_server(store_dir, "--workers", "1", env={"CLAIMGRAPH_UPDATE_TOKEN": UPDATE_TOKEN})
    yield server
    stop_server(server)


def dump(srv) -> bytes:
    return requests.get(srv.url + "/dump", timeout=30).content


def writes(srv):
    """Each kind of write the server accepts, as (method, url, kwargs)."""
    ttl = {"Content-Type": "text/turtle"}
    return [
        ("POST", srv.sparql, {"data": UPDATE, "headers": {"Content-Type": "application/sparql-update"}}),
        ("POST", srv.sparql, {"data": {"update": UPDATE}, "headers": {}}),
        ("PUT", srv.url + "/store?graph=http://example.org/g", {"data": TTL, "headers": ttl}),
        ("POST", srv.url + "/store?graph=http://example.org/g", {"data": TTL, "headers": ttl}),
        ("POST", srv.url + "/store", {"data": TTL, "headers": ttl}),
        ("PUT", srv.url + "/store?default", {"data": TTL, "headers": ttl}),
        ("PUT", srv.url + "/store/direct/graph", {"data": TTL, "headers": ttl}),
        ("DELETE", srv.url + "/store?default", {"headers": {}}),
    ]


@pytest.mark.parametrize(
    "authorization, challenge",
    [
        (None, 'Bearer realm="claimgraph"'),
        ("Bearer wrong-token", 'Bearer realm="claimgraph", error="invalid_token"'),
        (f"Bearer {UPDATE_TOKEN}x", 'Bearer realm="claimgraph", error="invalid_token"'),
        (f"Basic {UPDATE_TOKEN}", 'Bearer realm="claimgraph", error="invalid_token"'),
        ("Bearer", 'Bearer realm="claimgraph", error="invalid_token"'),
    ],
)
def test_writes_without_the_right_token_are_401_and_write_nothing(srv, authorization, challenge) -> None:
    before = dump(srv)
    for method, url, kwargs in writes(srv):
        headers = dict(kwargs["headers"])
        if authorization is not None:
            headers["Authorization"] = authorization
        r = requests.request(method, url, data=kwargs.get("data"), headers=headers, timeout=30)
        assert r.status_code == 401, (method, url, r.status_code, r.text)
        assert r.headers["WWW-Authenticate"] == challenge
    assert dump(srv) == before


def test_the_right_token_writes(srv) -> None:
    before = dump(srv)
    r = requests.put(
        srv.url + "/store?graph=http://example.org/ok",
        data=TTL,
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {UPDATE_TOKEN}"},
    )
    assert r.status_code == 201
    assert dump(srv) != before
    r = requests.delete(
        srv.url + "/store?graph=http://example.org/ok", headers={"Authorization": f"bearer {UPDATE_TOKEN}"}
    )  # the scheme is case-insensitive
    assert r.status_code == 204
    assert dump(srv) == before


def test_reads_need_no_token(srv) -> None:
    assert requests.get(srv.url + "/store").status_code == 200
    assert requests.get(srv.url + "/dump").status_code == 200


def test_a_server_without_a_token_refuses_every_write(server: LiveServer) -> None:
    # the session's seed server runs with CLAIMGRAPH_UPDATE_TOKEN="" (conftest.server)
    before = dump(server)
    for method, url, kwargs in writes(server):
        headers = {**kwargs["headers"], "Authorization": "Bearer anything"}
        r = requests.request(method, url, data=kwargs.get("data"), headers=headers, timeout=30)
        assert r.status_code == 403, (method, url, r.status_code)
    assert dump(server) == before
