"""Dereferencing IRIs over HTTP: 303 to a document, content negotiation, stable format
links, 404 for what the graph does not name, IRIs that cannot change the query."""

from __future__ import annotations

import re

import pytest
import requests
from rdflib import Dataset, Graph, URIRef

from conftest import claimgraph, start_server, stop_server
from pages_helpers import BASE, DOCUMENT, ENTITY, FILE, PESKOW, PESKOW_CLAIM, PROPOSITION

RDF_TYPES = {
    "text/turtle": ("ttl", "turtle"),
    "application/n-triples": ("nt", "nt"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/rdf+xml": ("rdf", "xml"),
    "application/trig": ("trig", "trig"),
    "application/n-quads": ("nq", "nquads"),
}
RESOURCES = [
    PESKOW_CLAIM,
    PESKOW,
    DOCUMENT,
    FILE,
    PROPOSITION,
    ENTITY,
    "span/peskow-fake-news",
    "step/peskow-fake-news-2",
    "role/kreml-sprecher",
    "attribution/peskow-fake-news",
]
CLAIMED = URIRef("https://w3id.org/claimgraph/ontology#inContactWith")


def _run_iri(server) -> str:
    q = "SELECT ?run WHERE { ?run a <http://www.w3.org/ns/prov#Activity> } LIMIT 1"
    return requests.get(server.sparql, params={"query": q}).json()["results"]["bindings"][0]["run"]["value"]


def _parse(body: bytes, fmt: str) -> Dataset:
    ds = Dataset()
    ds.parse(data=body, format=fmt)
    return ds


@pytest.mark.parametrize("kind_slug", RESOURCES)
@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_every_resource_in_every_rdf_format(server, kind_slug: str, media_type: str) -> None:
    ext, fmt = RDF_TYPES[media_type]
    r = requests.get(f"{server.url}/id/{kind_slug}", headers={"Accept": media_type}, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/doc/{kind_slug}.{ext}")
    assert "Accept" in r.headers["Vary"]
    doc = requests.get(server.url + r.headers["Location"])
    assert doc.status_code == 200
    assert doc.headers["Content-Type"].split(";")[0] == media_type
    ds = _parse(doc.content, fmt)
    iri = URIRef(BASE + "id/" + kind_slug)
    mentioned = {t for q in ds.quads() for t in (q[0], q[2], q[3])}
    assert iri in mentioned, f"{media_type} description of {kind_slug} never mentions its IRI"


@pytest.mark.parametrize("kind_slug", RESOURCES)
def test_browsers_get_html(server, kind_slug: str) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = requests.get(f"{server.url}/id/{kind_slug}", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.url.endswith(f"/doc/{kind_slug}.html")
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<h1>" in r.text and BASE + "id/" + kind_slug in r.text


def test_run_and_anything_else_dereference(server) -> None:
    run = _run_iri(server)
    path = run[len(BASE) - 1 :]  # /id/run/build-...
    r = requests.get(server.url + path, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.text, format="turtle")
    assert (URIRef(run), None, None) in g


def test_negotiated_document_says_which_variant(server) -> None:
    r = requests.get(f"{server.url}/doc/{PESKOW_CLAIM}", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200
    assert r.headers["Content-Location"] == f"/doc/{PESKOW_CLAIM}.jsonld"
    assert "Accept" in r.headers["Vary"]
    links = r.headers["Link"]
    assert f'<{BASE}id/{PESKOW_CLAIM}>; rel="describes"' in links
    assert f'</doc/{PESKOW_CLAIM}.ttl>; rel="alternate"; type="text/turtle"' in links


def test_stable_format_links_ignore_accept(server) -> None:
    r = requests.get(f"{server.url}/doc/{PESKOW_CLAIM}.ttl", headers={"Accept": "application/ld+json"})
    assert r.headers["Content-Type"].startswith("text/turtle")
    Graph().parse(data=r.text, format="turtle")


def test_q_values_decide(server) -> None:
    accept = "text/html;q=0.5, application/rdf+xml;q=0.9, text/turtle;q=0.7"
    r = requests.get(f"{server.url}/id/{PESKOW}", headers={"Accept": accept}, allow_redirects=False)
    assert r.headers["Location"].endswith(".rdf")


def test_nothing_acceptable_is_406(server) -> None:
    r = requests.get(f"{server.url}/id/{PESKOW}", headers={"Accept": "image/png"}, allow_redirects=False)
    assert r.status_code == 406
    assert "text/turtle" in r.text


def test_claim_jsonld_is_compact_and_complete(server) -> None:
    r = requests.get(f"{server.url}/doc/{PESKOW_CLAIM}.jsonld")
    doc = r.json()
    assert doc["@context"]["cg"] == "https://w3id.org/claimgraph/ontology#"
    nodes = {n["@id"]: n for n in doc["@graph"]}
    claim = nodes[BASE + "id/" + PESKOW_CLAIM]
    assert claim["cg:speaker"]["@id"] == BASE + "id/" + PESKOW
    assert {"@language": "en", "@value": "Dmitry Peskov"} in nodes[BASE + "id/" + PESKOW]["rdfs:label"]
    assert claim["cg:evidence"]["@id"] == BASE + "id/span/peskow-fake-news"


def test_claimed_triples_stay_in_their_named_graph(server) -> None:
    """Triple formats carry only what the default graph asserts; dataset formats keep the graph."""
    for ext, fmt in (("ttl", "turtle"), ("nt", "nt"), ("rdf", "xml")):
        g = Graph().parse(data=requests.get(f"{server.url}/doc/{PROPOSITION}.{ext}").content, format=fmt)
        assert (None, CLAIMED, None) not in g, f"{ext} asserts a claimed triple"
    for ext, fmt in (("trig", "trig"), ("nq", "nquads"), ("jsonld", "json-ld")):
        ds = _parse(requests.get(f"{server.url}/doc/{PROPOSITION}.{ext}").content, fmt)
        graphs = {q[3] for q in ds.quads((None, CLAIMED, None, None))}
        assert graphs == {URIRef(BASE + "id/" + PROPOSITION)}, f"{ext}: {graphs}"


@pytest.mark.parametrize(
    "path",
    [
        "/id/claim/no-such-claim",
        "/doc/claim/no-such-claim.ttl",
        "/doc/claim/no-such-claim",
        "/id/nothing",
        "/id/",
        "/prov/claim/no-such-claim.ttl",
    ],
)
def test_unknown_iris_are_404(server, path: str) -> None:
    r = requests.get(server.url + path, headers={"Accept": "text/turtle"}, allow_redirects=False)
    assert r.status_code == 404


def test_404_for_browsers_is_a_page(server) -> None:
    r = requests.get(server.url + "/id/claim/no-such-claim", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html") and "<h1>Not found</h1>" in r.text


HOSTILE = [
    # each would match (or break) the query if it were pasted between < and >
    "claim/x> ?p ?o } UNION { ?s ?p ?o",
    'claim/x"',
    "claim/x{",
    "claim/peskow-fake-news> . ?s ?p ?o . <x",
    "claim/ peskow-fake-news",
    "claim/peskow-fake-news }",
]


@pytest.mark.parametrize("rest", HOSTILE)
def test_hostile_iris_cannot_change_the_query(server, rest: str) -> None:
    for prefix in ("/id/", "/doc/", "/prov/"):
        suffix = ".ttl" if prefix != "/id/" else ""
        r = requests.get(
            server.url + prefix + requests.utils.quote(rest) + suffix,
            headers={"Accept": "text/turtle"},
            allow_redirects=False,
        )
        assert r.status_code == 404, (prefix, rest, r.status_code, r.text[:200])
    assert requests.get(server.url + "/health").json()["status"] == "ok"


def test_paths_map_to_the_configured_base(tmp_path) -> None:
    """The same /id/ paths answer for a store built under another base IRI, on any host."""
    base = "http://example.org/news-graph/"
    store = tmp_path / "store"
    claimgraph("build", "--store", str(store), "--base-iri", base)
    srv = start_server(store, env={"CLAIMGRAPH_BASE_IRI": base})
    try:
        r = requests.get(f"{srv.url}/id/{PESKOW_CLAIM}", headers={"Accept": "text/turtle"})
        assert r.status_code == 200
        g = Graph().parse(data=r.text, format="turtle")
        assert (URIRef(base + "id/" + PESKOW_CLAIM), None, None) in g
        page = requests.get(f"{srv.url}/doc/{PESKOW_CLAIM}.html").text
        assert f'href="/id/{PESKOW}"' in page  # links stay on this host
    finally:
        stop_server(srv)


def test_head_answers_like_get(server) -> None:
    r = requests.head(f"{server.url}/id/{PESKOW_CLAIM}", headers={"Accept": "text/turtle"}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith(".ttl")
    r = requests.head(f"{server.url}/doc/{PESKOW_CLAIM}.ttl")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle") and not r.content


def test_vocabulary_links_on_pages_dereference(server) -> None:
    """Pages link ontology terms to /ontology#Term (hash IRIs, served at /ontology); every
    term a claim page links to is defined in the Turtle served there."""
    page = requests.get(f"{server.url}/doc/{PESKOW_CLAIM}.html").text
    terms = set(re.findall(r'href="/ontology#([A-Za-z]+)"', page))
    assert {"Claim", "denies", "speaker", "directSpeech"} <= terms
    ontology = Graph().parse(
        data=requests.get(f"{server.url}/ontology", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    defined = {
        str(s).split("#", 1)[1]
        for s in ontology.subjects()
        if str(s).startswith("https://w3id.org/claimgraph/ontology#")
    }
    assert terms <= defined, terms - defined


@pytest.mark.parametrize("kind_slug", [PESKOW_CLAIM, PROPOSITION, ENTITY])
def test_jsonld_says_exactly_what_nquads_says(server, kind_slug: str) -> None:
    """Read by a strict JSON-LD processor (pyoxigraph), the compact JSON-LD holds the same
    quads as the N-Quads: the default graph stays the default graph, claims stay in theirs."""
    import pyoxigraph as ox

    jsonld = requests.get(f"{server.url}/doc/{kind_slug}.jsonld").content
    nquads = requests.get(f"{server.url}/doc/{kind_slug}.nq").content
    from_jsonld = set(ox.parse(jsonld, format=ox.RdfFormat.JSON_LD))
    assert from_jsonld == set(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    assert not any(isinstance(q.graph_name, ox.BlankNode) for q in from_jsonld)


def test_claim_documents_carry_their_parts_and_keep_the_proposition_apart(server) -> None:
    """One claim, one self-contained document: its span with offsets and words, its
    attribution and reporting steps; the proposition's triples only in its own graph."""
    ds = _parse(requests.get(f"{server.url}/doc/{PESKOW_CLAIM}.trig").content, "trig")
    span = URIRef(BASE + "id/span/peskow-fake-news")
    oa = "http://www.w3.org/ns/oa#"
    assert {str(o) for o in ds.objects(span, URIRef(oa + "start"))} == {"1910"}
    assert (
        URIRef(BASE + "id/step/peskow-fake-news-2"),
        URIRef("https://w3id.org/claimgraph/ontology#relayedBy"),
        URIRef(BASE + "id/entity/reuters"),
    ) in ds
    assert {q[3] for q in ds.quads((None, CLAIMED, None, None))} == {URIRef(BASE + "id/" + PROPOSITION)}
    turtle = Graph().parse(data=requests.get(f"{server.url}/doc/{PESKOW_CLAIM}.ttl").text, format="turtle")
    assert (None, CLAIMED, None) not in turtle and (span, None, None) in turtle
