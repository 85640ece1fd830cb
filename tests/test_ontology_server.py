"""The ontology served at its namespace IRI by the real server, with content negotiation, and
its generated documentation pages shipped with the package."""

from __future__ import annotations

import html
import json

import pytest
import requests
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from claimgraph.ontology import CG, ONTOLOGY_IRI, ontology_file
from claimgraph.ontology.docs import LANGUAGES, page_path

ONT = URIRef(ONTOLOGY_IRI)


@pytest.fixture(scope="module")
def source() -> Graph:
    return Graph().parse(ontology_file(), format="turtle")


@pytest.mark.parametrize(
    ("accept", "fmt", "parser"),
    [
        ("text/turtle", "turtle", "turtle"),
        ("application/ld+json", "json-ld", "json-ld"),
        ("application/rdf+xml", "xml", "xml"),
        ("application/n-triples", "nt", "nt"),
    ],
)
def test_rdf_formats_by_accept_header_carry_the_whole_ontology(
    server, source: Graph, accept: str, fmt: str, parser: str
) -> None:
    r = requests.get(server.url + "/ontology", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(accept)
    assert r.headers["Content-Type"].count("charset") <= 1, r.headers["Content-Type"]
    assert "Accept" in r.headers["Vary"]
    g = Graph().parse(data=r.content, format=parser)
    assert (ONT, RDF.type, OWL.Ontology) in g
    assert len(g) == len(source)


def test_browsers_get_the_documentation_page_in_their_language(server) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    en = requests.get(server.url + "/ontology", headers={"Accept": browser, "Accept-Language": "en-GB,en;q=0.9"})
    de = requests.get(
        server.url + "/ontology", headers={"Accept": browser, "Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    )
    assert en.status_code == de.status_code == 200
    assert en.headers["Content-Type"].startswith("text/html") and en.headers["Content-Language"] == "en"
    assert "<title>claimgraph ontology" in en.text
    assert de.headers["Content-Language"] == "de" and "<title>claimgraph-Ontologie" in de.text


def test_curl_without_preferences_gets_turtle_and_format_overrides(server) -> None:
    r = requests.get(server.url + "/ontology", headers={"Accept": "*/*"})
    assert r.headers["Content-Type"].startswith("text/turtle")
    r = requests.get(server.url + "/ontology", params={"format": "jsonld"}, headers={"Accept": "text/html"})
    assert r.headers["Content-Type"].startswith("application/ld+json")
    assert json.loads(r.text)
    r = requests.get(server.url + "/ontology.rdf")
    assert r.headers["Content-Type"].startswith("application/rdf+xml")


def test_version_iri_shapes_and_errors(server, source: Graph) -> None:
    version = str(source.value(ONT, OWL.versionIRI)).rsplit("/", 1)[-1]
    assert requests.get(server.url + f"/ontology/{version}", headers={"Accept": "text/turtle"}).status_code == 200
    assert requests.get(server.url + "/ontology/0.0.1").status_code == 404
    shapes = requests.get(server.url + "/ontology/shapes")
    assert shapes.status_code == 200 and "sh:NodeShape" in shapes.text
    r = requests.get(server.url + "/ontology", headers={"Accept": "image/png"})
    assert r.status_code == 406 and "text/turtle" in r.text
    assert requests.get(server.url + "/ontology", params={"format": "docx"}).status_code == 400


def test_conditional_get_answers_304(server) -> None:
    first = requests.get(server.url + "/ontology", headers={"Accept": "text/turtle"})
    again = requests.get(
        server.url + "/ontology", headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("lang", LANGUAGES)
def test_documentation_pages_are_current_with_the_turtle(source: Graph, lang: str) -> None:
    """A declared class or property missing from a page means the pages need regenerating.

    (pyLODE 3.3 lists classes and properties; the value individuals such as cg:probable are
    documented in the comments of their classes.)"""
    page = html.unescape(page_path(lang).read_text(encoding="utf-8"))
    terms = {s for s in source.subjects(RDFS.isDefinedBy, ONT) if (s, RDF.type, OWL.NamedIndividual) not in source}
    assert len(terms) > 50
    for term in terms:
        label = next(str(o) for o in source.objects(term, RDFS.label) if o.language == lang)
        assert label in page, (
            f"{term} ({label!r}) is not in {page_path(lang).name}: run python -m claimgraph.ontology.docs"
        )
        assert str(term).removeprefix(str(CG)) in page
