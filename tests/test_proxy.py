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
            server.url + "/store",
            data=b"<urn:x:a> <urn:x:p> 1 .",
            timeout=30,
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


PREFIXED = {**FORWARDED, "X-Forwarded-Prefix": "/claims"}
PUBLIC = "https://data.example.org/claims"


def test_every_url_keeps_the_proxy_path_prefix(seed_store) -> None:
    """Behind a proxy that mounts claimgraph under /claims: 303 Location, Link headers, page
    links, the VoID description and the service description all point under /claims."""
    import re

    VOID = Namespace("http://rdfs.org/ns/void#")
    server = start_server(seed_store, "--proxies", "1", "--workers", "1")
    try:
        thing = requests.get(
            server.url + "/id/claim/peskow-fake-news",
            allow_redirects=False,
            headers={"Accept": "text/turtle", **PREFIXED},
            timeout=30,
        )
        assert thing.status_code == 303
        assert thing.headers["Location"] in (
            f"{PUBLIC}/doc/claim/peskow-fake-news.ttl",
            "/claims/doc/claim/peskow-fake-news.ttl",
        )
        page = requests.get(server.url + "/doc/claim/peskow-fake-news.html", headers=PREFIXED, timeout=30)
        assert page.status_code == 200
        links = [part.split(";")[0].strip(" <>") for part in page.headers["Link"].split(",")]
        local = [link for link in links if not link.startswith("http")]
        assert local and all(link.startswith("/claims/doc/") for link in local), links
        hrefs = re.findall(r'(?:href|action|src)="(/[^"]*)"', page.text)
        assert len(hrefs) > 10
        assert [h for h in hrefs if not h.startswith("/claims/")] == []
        void = requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle", **PREFIXED}, timeout=30)
        g = Graph().parse(data=void.text, format="turtle")
        assert {str(o) for o in g.objects(None, VOID.dataDump)} == {f"{PUBLIC}/dump"}
        assert {str(o) for o in g.objects(None, VOID.sparqlEndpoint)} == {f"{PUBLIC}/sparql"}
        sd = requests.get(server.url + "/sparql", headers={"Accept": "text/turtle", **PREFIXED}, timeout=30)
        assert _endpoints(sd.text) == {f"{PUBLIC}/sparql"}
    finally:
        stop_server(server)


def test_a_proxy_prefix_stays_in_the_service_description_and_void(tmp_path) -> None:
    from rdflib import RDF

    void_ns = Namespace("http://rdfs.org/ns/void#")
    prefixed = {**FORWARDED, "X-Forwarded-Prefix": "/kg"}
    server = start_server(tmp_path / "store", "--proxies", "1", "--workers", "1")
    try:
        sd = requests.get(server.sparql, headers={"Accept": "text/turtle", **prefixed}, timeout=30)
        assert _endpoints(sd.text) == {"https://data.example.org/kg/sparql"}
        r = requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle", **prefixed}, timeout=30)
        g = Graph().parse(data=r.text, format="turtle")
        ds = next(s for s in g.subjects(RDF.type, void_ns.Dataset) if (s, void_ns.sparqlEndpoint, None) in g)
        assert str(g.value(ds, void_ns.sparqlEndpoint)) == "https://data.example.org/kg/sparql"
        assert str(g.value(ds, void_ns.dataDump)) == "https://data.example.org/kg/dump"
        # the dataset's name comes from the base IRI, not from the proxy's host or prefix
        assert str(ds) == "https://w3id.org/claimgraph/.well-known/void#dataset"
        # An empty store holds no named graph, so the description lists none (not the ontology's).
        assert not list(Graph().parse(data=sd.text, format="turtle").objects(None, SD.namedGraph))
    finally:
        stop_server(server)
