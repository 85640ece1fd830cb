"""Claims as nanopublications with trusty URIs, and the RDF 1.2 view: both derived from the
seed store, both read back by pyoxigraph; trusty URIs recomputed independently (here, from the
specification, with rdflib) and by the ``nanopub`` package's own checker."""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import cmp_to_key
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from conftest import claimgraph

BASE = "https://w3id.org/claimgraph/"
CLAIM = BASE + "id/claim/peskow-fake-news"
PROPOSITION = BASE + "id/proposition/musk-putin-in-kontakt"
NP = "http://www.nanopub.org/nschema#"
REIFIES = "http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies"


def independent_ra(trig: bytes, code: str) -> str:
    """The RA artifact code recomputed from the trusty URI specification: written apart from
    graph/build/trusty.py (comparison function instead of sort keys). Read with pyoxigraph,
    which keeps lexical forms as written (rdflib rewrites some, e.g. dateTime "Z")."""
    string = "http://www.w3.org/2001/XMLSchema#string"

    def norm(term) -> str:
        return "" if isinstance(term, ox.DefaultGraph) else term.value.replace(code, " ")

    def obj_line(o) -> str:
        if not isinstance(o, ox.Literal):
            return norm(o)
        value = o.value.replace("\\", "\\\\").replace("\n", "\\n")
        return (
            f"@{o.language.lower()} {value}" if o.language else f"^{o.datatype.value if o.datatype else string} {value}"
        )

    def compare(a, b) -> int:
        for x, y in (
            (not isinstance(a.graph_name, ox.DefaultGraph), not isinstance(b.graph_name, ox.DefaultGraph)),
            (norm(a.graph_name), norm(b.graph_name)),
            (norm(a.subject), norm(b.subject)),
            (norm(a.predicate), norm(b.predicate)),
            (isinstance(a.object, ox.Literal), isinstance(b.object, ox.Literal)),
        ):
            if x != y:
                return -1 if x < y else 1
        if not isinstance(a.object, ox.Literal):
            x, y = norm(a.object), norm(b.object)
            return (x > y) - (x < y)
        for x, y in (
            (a.object.value, b.object.value),
            (a.object.language is None, b.object.language is None),
            (
                (a.object.datatype.value if not a.object.language else ""),
                (b.object.datatype.value if not b.object.language else ""),
            ),
            (a.object.language or "", b.object.language or ""),
        ):
            if x != y:
                return -1 if x < y else 1
        return 0

    text, previous = "", None
    for q in sorted(ox.parse(trig, format=ox.RdfFormat.TRIG), key=cmp_to_key(compare)):
        line = f"{norm(q.graph_name)}\n{norm(q.subject)}\n{norm(q.predicate)}\n{obj_line(q.object)}\n"
        if line != previous:
            text += line
        previous = line
    return "RA" + base64.b64encode(hashlib.sha256(text.encode()).digest(), b"-_").decode().rstrip("=")


@pytest.fixture(scope="module")
def nanopubs(seed_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, bytes]]:
    out = tmp_path_factory.mktemp("np")
    result = claimgraph("nanopub", "--store", str(seed_store), "-o", str(out))
    uris = result.stdout.split()
    assert len(uris) == 22
    return {
        u.rsplit("/", 1)[-1].split(".")[0]: (
            u,
            (out / f"{u.rsplit('/', 1)[-1].split('.')[0]}.nanopub.trig").read_bytes(),
        )
        for u in uris
    }


def test_every_nanopub_has_a_trusty_uri_that_independent_code_recomputes(nanopubs) -> None:
    for slug, (uri, trig) in nanopubs.items():
        code = uri.rsplit(".", 1)[1]
        assert code.startswith("RA") and len(code) == 45
        assert independent_ra(trig, code) == code, slug


def test_the_nanopub_package_checks_the_trusty_uris(nanopubs) -> None:
    from rdflib import ConjunctiveGraph

    from nanopub.trustyuri.rdf import RdfHasher, RdfUtils

    logging.getLogger("rdflib").setLevel(logging.ERROR)  # its checker builds IRIs with a space
    for slug, (uri, trig) in nanopubs.items():
        code = uri.rsplit(".", 1)[1]
        graph = ConjunctiveGraph()
        graph.parse(data=trig, format="trig")
        assert RdfHasher.make_hash(RdfUtils.get_quads(graph), code) == code, slug


def test_a_changed_nanopub_no_longer_matches_its_trusty_uri(nanopubs) -> None:
    uri, trig = nanopubs["peskow-fake-news"]
    code = uri.rsplit(".", 1)[1]
    tampered = trig.replace(b"wladimir-putin", b"donald-trump", 1)
    assert tampered != trig and independent_ra(tampered, code) != code


def test_nanopub_shape_and_round_trip_through_pyoxigraph(nanopubs) -> None:
    uri, trig = nanopubs["peskow-fake-news"]
    store = ox.Store()
    store.load(trig, format=ox.RdfFormat.TRIG)
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == {f"{uri}#{n}" for n in ("Head", "assertion", "provenance", "pubinfo")}
    assertion = {
        (q.subject.value, q.predicate.value, q.object.value)
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(uri + "#assertion"))
    }
    assert assertion == {
        (
            BASE + "id/entity/elon-musk",
            "https://w3id.org/claimgraph/ontology#inContactWith",
            BASE + "id/entity/wladimir-putin",
        )
    }
    ask = store.query(f"""PREFIX np: <{NP}> PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dct: <http://purl.org/dc/terms/>
        ASK {{ GRAPH ?h {{ <{uri}> a np:Nanopublication ; np:hasAssertion ?a ; np:hasProvenance ?p ; np:hasPublicationInfo ?i }}
              GRAPH ?p {{ ?a prov:wasAttributedTo <{BASE}id/entity/dmitri-peskow> ; prov:wasDerivedFrom <{CLAIM}> .
                         <{CLAIM}> <https://w3id.org/claimgraph/ontology#stance> <https://w3id.org/claimgraph/ontology#denies> }}
              GRAPH ?i {{ <{uri}> prov:wasGeneratedBy ?run ; dct:license ?licence ; dct:created ?created }} }}""")
    assert ask
    # nothing of the nanopub lands in a default graph
    assert not list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_nanopub_is_deterministic_and_refuses_unknown_claims(seed_store: Path, nanopubs) -> None:
    again = claimgraph("nanopub", "--store", str(seed_store), "--claim", "peskow-fake-news").stdout.encode()
    assert again == nanopubs["peskow-fake-news"][1]
    bad = claimgraph("nanopub", "--store", str(seed_store), "--claim", "no-such-claim", check=False)
    assert bad.returncode == 1 and "no claim" in bad.stderr and "Traceback" not in bad.stderr


def test_rdf12_dump_reifies_without_asserting_and_loads_back(seed_store: Path) -> None:
    body = claimgraph("dump", "--rdf12", "--store", str(seed_store)).stdout.encode()
    assert b"<<(" in body
    store = ox.Store()
    store.load(body, format=ox.RdfFormat.TURTLE)
    default = list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    reified: dict[str, set] = {}
    for q in default:
        if q.predicate.value == REIFIES:
            t = q.object
            reified.setdefault(q.subject.value, set()).add((t.subject.value, t.predicate.value, t.object.value))
    assert len(reified) == 22
    assert reified[CLAIM] == {
        (
            BASE + "id/entity/elon-musk",
            "https://w3id.org/claimgraph/ontology#inContactWith",
            BASE + "id/entity/wladimir-putin",
        )
    }
    asserted = {
        (q.subject.value, q.predicate.value, q.object.value) for q in default if not isinstance(q.object, ox.Triple)
    }
    assert not any(t in asserted for ts in reified.values() for t in ts), "a claimed triple became a fact"
    # the same claims as the named-graph layout: each claim reifies exactly its proposition's graph
    from claimgraph.graph.store import EmbeddedStore

    original = EmbeddedStore(seed_store)
    try:
        with original.reader() as r:
            for claim, triples in reified.items():
                [prop] = list(
                    r.quads_for_pattern(
                        ox.NamedNode(claim),
                        ox.NamedNode("https://w3id.org/claimgraph/ontology#proposition"),
                        None,
                        None,
                    )
                )
                graph = {
                    (q.subject.value, q.predicate.value, q.object.value)
                    for q in r.quads_for_pattern(None, None, None, prop.object)
                }
                assert graph == triples, claim
    finally:
        original.close()


def test_served_views_of_a_claim(server) -> None:
    r = requests.get(f"{server.url}/doc/claim/peskow-fake-news.nanopub.trig", timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/trig; charset=utf-8"
    uri = r.headers["Link"].split(">")[0][1:]
    code = uri.rsplit(".", 1)[1]
    assert independent_ra(r.content, code) == code
    r = requests.get(f"{server.url}/doc/claim/peskow-fake-news.rdf12.ttl", timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/turtle; charset=utf-8"
    quads = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    assert any(q.predicate.value == REIFIES and isinstance(q.object, ox.Triple) for q in quads)
    assert all(q.subject.value != BASE + "id/entity/elon-musk" for q in quads)  # nothing claimed is asserted
    for missing in ("no-such-claim.nanopub.trig", "no-such-claim.rdf12.ttl"):
        assert requests.get(f"{server.url}/doc/claim/{missing}", timeout=60).status_code == 404
    # the ordinary document URLs still work
    assert requests.get(f"{server.url}/doc/claim/peskow-fake-news.trig", timeout=60).status_code == 200


def test_the_annotation_syntax_would_assert_what_is_claimed() -> None:
    """Why the RDF 1.2 view writes triple terms and not Turtle 1.2 annotations (ontology/README.md)."""
    s, p, o, claim = "<http://e/musk>", "<http://e/inContactWith>", "<http://e/putin>", "<http://e/claim>"
    annotated = list(
        ox.parse(
            f"{s} {p} {o} ~ {claim} {{| <http://e/stance> <http://e/denies> |}} .".encode(), format=ox.RdfFormat.TURTLE
        )
    )
    reified = list(
        ox.parse(
            f"<< {s} {p} {o} ~ {claim} >> <http://e/stance> <http://e/denies> .".encode(), format=ox.RdfFormat.TURTLE
        )
    )
    claimed = ox.Quad(
        ox.NamedNode("http://e/musk"), ox.NamedNode("http://e/inContactWith"), ox.NamedNode("http://e/putin")
    )
    assert claimed in annotated and len(annotated) == 3
    assert claimed not in reified and len(reified) == 2
    assert any(q.predicate.value == REIFIES for q in reified)
