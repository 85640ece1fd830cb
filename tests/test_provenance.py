"""The provenance export: the same trail in PROV-O (Turtle, JSON-LD), PROV-N and PROV-JSON,
readable by the `prov` package, and never carrying a claimed proposition as a fact."""

from __future__ import annotations

import io

import prov
import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from pages_helpers import BASE, DOCUMENT, FILE, ORIGINAL, PESKOW, PESKOW_CLAIM

P = Namespace("http://www.w3.org/ns/prov#")
CLAIM = URIRef(BASE + "id/" + PESKOW_CLAIM)
DOC = URIRef(BASE + "id/" + DOCUMENT)
SEED_FILE = URIRef(BASE + "id/" + FILE)
ORIGINAL_DOC = URIRef(BASE + "id/" + ORIGINAL)
STEP = BASE + "id/step/peskow-fake-news-"


@pytest.fixture(scope="module")
def claim_trail(server) -> Graph:
    r = requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.ttl")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    return Graph().parse(data=r.text, format="turtle")


def test_prov_o_trail_of_a_claim(claim_trail: Graph) -> None:
    g = claim_trail
    assert (CLAIM, P.wasAttributedTo, URIRef(BASE + "id/" + PESKOW)) in g  # from cg:speaker's axiom
    attribution = g.value(CLAIM, P.qualifiedAttribution)
    assert g.value(attribution, P.agent) == URIRef(BASE + "id/" + PESKOW)
    assert g.value(attribution, P.hadRole) == URIRef(BASE + "id/role/kreml-sprecher")
    assert (CLAIM, RDF.type, P.Entity) in g
    runs = set(g.objects(CLAIM, P.wasGeneratedBy))
    assert len(runs) == 1
    run = runs.pop()
    assert (run, RDF.type, P.Activity) in g and (run, P.used, SEED_FILE) in g
    assert (SEED_FILE, P.wasDerivedFrom, DOC) in g and (DOC, P.wasDerivedFrom, ORIGINAL_DOC) in g
    # the reporting chain: each step quoted from the one before (Peskov <- Reuters <- Thanh Nien <- translation)
    for n in (2, 3, 4):
        assert (URIRef(f"{STEP}{n}"), P.wasQuotedFrom, URIRef(f"{STEP}{n - 1}")) in g
    assert (URIRef(f"{STEP}2"), P.wasAttributedTo, URIRef(BASE + "id/entity/reuters")) in g
    assert all(
        str(p).startswith(str(P)) or p in (RDF.type, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
        for p in g.predicates()
    ), "only PROV-O terms (and labels) in the PROV-O export"
    assert "inContactWith" not in g.serialize(format="nt")


def test_jsonld_says_the_same_as_turtle(server, claim_trail: Graph) -> None:
    r = requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.jsonld")
    assert r.headers["Content-Type"].startswith("application/ld+json")
    assert Graph().parse(data=r.text, format="json-ld").isomorphic(claim_trail)


def test_prov_n_and_prov_json_come_from_the_same_trail(server, claim_trail: Graph) -> None:
    provn = requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.provn")
    assert provn.status_code == 200 and provn.text.startswith("document")
    assert (
        "wasAttributedTo(cgid:attribution/peskow-fake-news; cgid:claim/peskow-fake-news, "
        "cgid:entity/dmitri-peskow, [prov:role='cgid:role/kreml-sprecher'])"
    ) in provn.text
    assert f"wasDerivedFrom(cgid:{DOCUMENT}, cgid:{ORIGINAL}" in provn.text
    assert "agent(cgid:entity/reuters" in provn.text
    provjson = requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.json")
    assert provjson.headers["Content-Type"].startswith("application/json")
    from_json = prov.read(io.StringIO(provjson.text), format="json")
    turtle = requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.ttl").content  # an auditor's prov.read of our PROV-O
    from_rdf = prov.read(io.BytesIO(turtle), format="rdf", rdf_format="turtle")
    assert from_json == from_rdf
    assert sorted(from_json.get_provn().splitlines()) == sorted(provn.text.splitlines())  # same records


def test_article_trail(server) -> None:
    r = requests.get(f"{server.url}/prov/{DOCUMENT}.provn")
    assert r.status_code == 200
    assert f"wasDerivedFrom(cgid:derivation/musk-putin-kontakt-translation; cgid:{DOCUMENT}, cgid:{ORIGINAL}" in r.text
    assert "wasGeneratedBy(cgid:document/musk-putin-kontakt, cgid:activity/musk-putin-kontakt-translation" in r.text


def test_unknown_export_and_resource(server) -> None:
    assert requests.get(f"{server.url}/prov/{PESKOW_CLAIM}.xml").status_code == 404
    assert requests.get(f"{server.url}/prov/claim/nope.provn").status_code == 404
