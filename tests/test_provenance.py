"""The provenance export: the same trail in PROV-O (Turtle, JSON-LD), PROV-N and PROV-JSON,
readable by the `prov` package, and never carrying a claimed proposition as a fact."""

from __future__ import annotations

import io

import prov
import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from pages_helpers import BASE, DOCUMENT, PESKOW, PESKOW_CLAIM

P = Namespace("http://www.w3.org/ns/prov#")
CLAIM = URIRef(BASE + "id/" + PESKOW_CLAIM)
DOC = URIRef(BASE + "id/" + DOCUMENT)
ORIGINAL = URIRef("https://thanhnien.vn/ti-phu-elon-musk-bi-mat-lien-lac-tong-thong-putin-185241025182056823.htm")


@pytest.fixture(scope="module")
def claim_trail(server) -> Graph:
    r = requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.ttl")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    return Graph().parse(data=r.text, format="turtle")


def test_prov_o_trail_of_a_claim(claim_trail: Graph) -> None:
    g = claim_trail
    assert (CLAIM, P.wasAttributedTo, URIRef(BASE + "id/" + PESKOW)) in g  # from cg:speaker's axiom
    assert (CLAIM, RDF.type, P.Entity) in g
    runs = set(g.objects(CLAIM, P.wasGeneratedBy))
    assert len(runs) == 1
    run = runs.pop()
    assert (run, RDF.type, P.Activity) in g and (run, P.used, DOC) in g
    assert (DOC, P.wasDerivedFrom, ORIGINAL) in g
    assert all(str(p).startswith(str(P)) or p in (RDF.type, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
               for p in g.predicates()), "only PROV-O terms (and labels) in the PROV-O export"
    assert "in_contact_with" not in g.serialize(format="nt")


def test_jsonld_says_the_same_as_turtle(server, claim_trail: Graph) -> None:
    r = requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.jsonld")
    assert r.headers["Content-Type"].startswith("application/ld+json")
    assert Graph().parse(data=r.text, format="json-ld").isomorphic(claim_trail)


def test_prov_n_and_prov_json_come_from_the_same_trail(server, claim_trail: Graph) -> None:
    provn = requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.provn")
    assert provn.status_code == 200 and provn.text.startswith("document")
    assert "wasAttributedTo(cgid:claim/peskow-fake-news, cgid:speaker/dmitri-peskow)" in provn.text
    assert "wasDerivedFrom(cgid:document/musk-putin-kontakt," in provn.text
    provjson = requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.json")
    assert provjson.headers["Content-Type"].startswith("application/json")
    from_json = prov.read(io.StringIO(provjson.text), format="json")
    turtle = requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.ttl").content  # an auditor's prov.read of our PROV-O
    from_rdf = prov.read(io.BytesIO(turtle), format="rdf", rdf_format="turtle")
    assert from_json == from_rdf
    assert from_json.get_provn() == provn.text


def test_article_trail(server) -> None:
    r = requests.get(f"{server.url}/prov/{DOCUMENT}.provn")
    assert r.status_code == 200
    assert "wasDerivedFrom(cgid:document/musk-putin-kontakt, ns1:ti-phu-elon-musk" in r.text
    assert "used(cgid:run/" in r.text


def test_unknown_export_and_resource(server) -> None:
    assert requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.xml").status_code == 404
    assert requests.get(f"{server.url}/prov/claim/nope.provn").status_code == 404
