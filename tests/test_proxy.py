"""Behind a reverse proxy: the server's own URLs come from X-Forwarded-* only when told to trust them."""

from __future__ import annotations

import requests
from rdflib import Graph, Namespace

from conftest import UPDATE_TOKEN, start_server, stop_server

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.org"}


def _endpoints(turtle: str) -> set[str]:
    return {str(o) for o in Graph().parse(data=turtle, format="turtle").objects(None, SD.endpoint)}


def test_trusted_proxy_headers_give_the_public_urls(tmp_path) -> None:
    server = start_server(tmp_path / "store", "--proxies", "1", "--update-token", UPDATE_TOKEN, "--workers", "1")
    try:
        sd = requests.get(server.sparql, headers={"Accept": "text/turtle", **FORWARDED}, timeout=30)
        assert sd.status_code == 200
        assert _endpoints(sd.text) == {"https://data.example.org/sparql"}
        created = requests.post(
            server.url + "/store", data=b"<urn:x:a> <urn:x:p> 1 .", timeout=30,
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {UPDATE_TOKEN}", **FORWARDED},
        )
        assert created.status_code == 201, created.text
        assert created.headers["Location"].startswith("https://data.example.org/store/")
    finally:
        stop_server(server)


def test_proxy_headers_are_ignored_unless_trusted(server) -> None:
    # The session server runs without --proxies: a client cannot rename the endpoint.
    sd = requests.get(server.sparql, headers={"Accept": "text/turtle", **FORWARDED}, timeout=30)
    assert sd.status_code == 200
    assert "data.example.org" not in sd.text
    assert _endpoints(sd.text) == {server.url + "/sparql"}
