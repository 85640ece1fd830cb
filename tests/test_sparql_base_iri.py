"""The base IRI of a query is the endpoint's own URL as this request names it (memoised on the
raw request values in server/protocol/sparql.py: another Host must give another base)."""

from __future__ import annotations

import requests

from conftest import LiveServer

RELATIVE = "SELECT ?x WHERE { BIND(<rel/x> AS ?x) }"


def _resolved(server: LiveServer, **headers: str) -> str:
    reply = requests.get(
        server.sparql,
        params={"query": RELATIVE},
        headers={"Accept": "application/sparql-results+json", **headers},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["results"]["bindings"][0]["x"]["value"]


def test_a_relative_iri_resolves_against_the_endpoint_url(server: LiveServer) -> None:
    assert _resolved(server) == server.url + "/rel/x"
    assert _resolved(server) == server.url + "/rel/x"  # the memoised answer


def test_another_host_header_gives_another_base(server: LiveServer) -> None:
    assert _resolved(server) == server.url + "/rel/x"
    assert _resolved(server, Host="data.example.org:8080") == "http://data.example.org:8080/rel/x"
    assert _resolved(server, Host="other.example.org") == "http://other.example.org/rel/x"
    assert _resolved(server) == server.url + "/rel/x"
