"""A version IRI names one document for ever: ``/ontology/0.2.0`` keeps serving 0.2.0 after
0.3.0 replaced it, and the shapes are negotiated like the ontology."""

from __future__ import annotations

import requests
from rdflib import OWL, Graph, URIRef

from claimgraph.ontology import ONTOLOGY_IRI, ontology_dir, ontology_file
from claimgraph.server.pages.ontology import frozen_versions
from conftest import LiveServer


def _version_of(g: Graph) -> str:
    return str(g.value(URIRef(ONTOLOGY_IRI), OWL.versionIRI)).rsplit("/", 1)[-1]


def test_each_frozen_copy_is_the_version_its_name_says_and_the_current_one_is_new() -> None:
    current = _version_of(Graph().parse(ontology_file()))
    assert "0.2.0" in frozen_versions()
    for version in frozen_versions():
        g = Graph().parse(ontology_dir() / "versions" / f"{version}.ttl")
        assert _version_of(g) == version
        assert version != current, "the current version is served from the current file"
    prior = Graph().parse(ontology_file()).value(URIRef(ONTOLOGY_IRI), OWL.priorVersion)
    assert str(prior).rsplit("/", 1)[-1] in frozen_versions()


def test_an_earlier_version_iri_serves_that_version(server: LiveServer) -> None:
    old = requests.get(f"{server.url}/ontology/0.2.0", headers={"Accept": "text/turtle"}, timeout=30)
    assert old.status_code == 200 and old.headers["Content-Type"].startswith("text/turtle")
    assert _version_of(Graph().parse(data=old.text, format="turtle")) == "0.2.0"
    assert old.content == (ontology_dir() / "versions" / "0.2.0.ttl").read_bytes()
    nt = requests.get(f"{server.url}/ontology/0.2.0", headers={"Accept": "application/n-triples"}, timeout=30)
    assert nt.status_code == 200 and _version_of(Graph().parse(data=nt.text, format="nt")) == "0.2.0"
    current = _version_of(Graph().parse(ontology_file()))
    now = requests.get(f"{server.url}/ontology/{current}", headers={"Accept": "text/turtle"}, timeout=30)
    assert now.status_code == 200 and now.content == ontology_file().read_bytes()
    html_only = requests.get(f"{server.url}/ontology/0.2.0", headers={"Accept": "text/html"}, timeout=30)
    assert html_only.status_code == 406
    missing = requests.get(f"{server.url}/ontology/0.1.9", timeout=30)
    assert missing.status_code == 404 and "0.2.0" in missing.text


def test_the_shapes_follow_the_accept_header(server: LiveServer) -> None:
    ttl = requests.get(f"{server.url}/ontology/shapes", headers={"Accept": "text/turtle"}, timeout=30)
    assert ttl.status_code == 200 and ttl.headers["Content-Type"].startswith("text/turtle")
    jsonld = requests.get(f"{server.url}/ontology/shapes", headers={"Accept": "application/ld+json"}, timeout=30)
    assert jsonld.status_code == 200 and jsonld.headers["Content-Type"].startswith("application/ld+json")
    a = Graph().parse(data=ttl.text, format="turtle")
    b = Graph().parse(data=jsonld.text, format="json-ld")
    assert len(a) == len(b) > 100
    assert requests.get(f"{server.url}/ontology/shapes", headers={"Accept": "image/png"}, timeout=30).status_code == 406
