"""Protocol details beyond the W3C suite: service description, VoID, CORS, update checks."""

from __future__ import annotations

import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCT = Namespace("http://purl.org/dc/terms/")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _count(server, query: str) -> int:
    r = requests.get(server.sparql, params={"query": query})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize(
    "accept,parser",
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
    ],
)
def test_service_description_at_the_endpoint(server, accept, parser) -> None:
    r = requests.get(server.sparql, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == accept
    g = Graph().parse(data=r.content, format=parser)
    svc = next(g.subjects(RDF.type, SD.Service))
    assert g.value(svc, SD.endpoint) == URIRef(server.sparql)
    assert (svc, SD.supportedLanguage, SD.SPARQL11Query) in g
    # Read-only server: no update language, no federation.
    assert (svc, SD.supportedLanguage, SD.SPARQL11Update) not in g
    assert (svc, SD.feature, SD.BasicFederatedQuery) not in g
    formats = set(g.objects(svc, SD.resultFormat))
    assert {
        FORMATS.SPARQL_Results_JSON,
        FORMATS.SPARQL_Results_XML,
        FORMATS.SPARQL_Results_CSV,
        FORMATS.SPARQL_Results_TSV,
        FORMATS.Turtle,
        FORMATS["JSON-LD"],
        FORMATS.RDF_XML,
    } <= formats
    assert URIRef(server.url + "/.well-known/void") in set(
        g.objects(svc, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"))
    )


def test_service_description_defaults_and_format_parameter(server) -> None:
    assert requests.get(server.sparql).headers["Content-Type"].startswith("text/turtle")
    r = requests.get(server.sparql, params={"format": "json"})
    assert r.headers["Content-Type"].startswith("application/ld+json")
    assert len(Graph().parse(data=r.content, format="json-ld")) > 10
    assert requests.get(server.sparql, headers={"Accept": "image/png"}).status_code == 406


def test_service_description_for_a_browser_is_a_page_with_a_query_form(server) -> None:
    r = requests.get(server.sparql, headers={"Accept": BROWSER_ACCEPT})
    assert r.headers["Content-Type"].startswith("text/html")
    assert '<form method="get"' in r.text and 'name="query"' in r.text
    assert "sd:Service" in r.text
    assert 'href="/query"' in r.text


def test_void_description_counts_match_the_store(server) -> None:
    r = requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.content, format="turtle")
    ds = next(s for s in g.subjects(RDF.type, VOID.Dataset) if (s, VOID.sparqlEndpoint, None) in g)
    total = _count(server, "SELECT (COUNT(*) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    assert g.value(ds, VOID.triples) == Literal(total, datatype=XSD.integer)
    properties = _count(server, "SELECT (COUNT(DISTINCT ?p) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    assert int(g.value(ds, VOID.properties)) == properties
    classes = _count(server, "SELECT (COUNT(DISTINCT ?c) AS ?n) { { ?s a ?c } UNION { GRAPH ?g { ?s a ?c } } }")
    assert int(g.value(ds, VOID.classes)) == classes
    assert g.value(ds, DCT.license) is not None
    assert g.value(ds, VOID.sparqlEndpoint) == URIRef(server.sparql)
    asserted = next(s for s in g.objects(ds, VOID.subset) if str(s).endswith("-asserted"))
    default_classes = _count(server, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }")
    partitions = {g.value(p, VOID["class"]) for p in g.objects(asserted, VOID.classPartition)}
    assert URIRef("https://w3id.org/claimgraph/ontology#Claim") in partitions and len(partitions) == default_classes
    links = _count(
        server,
        'SELECT (COUNT(*) AS ?n) { ?s ?p ?o FILTER(isIRI(?o) && (STRSTARTS(STR(?o), "http://www.wikidata.org/entity/") '
        '|| STRSTARTS(STR(?o), "http://dbpedia.org/resource/"))) }',
    )
    linksets = list(g.subjects(RDF.type, VOID.Linkset))
    assert sum(int(g.value(ls, VOID.triples)) for ls in linksets) == links


def test_cors_for_browser_applications(server) -> None:
    r = requests.get(server.sparql, params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] in ("*", "https://example.org")
    pre = requests.options(
        server.sparql,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code == 200
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "content-type" in pre.headers["Access-Control-Allow-Headers"].lower()


def test_head_answers_like_get_without_a_body(server) -> None:
    r = requests.head(server.sparql, params={"query": "ASK {}"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/sparql-results+json")
    assert r.content == b""


def test_protocol_dataset_replaces_from_clauses(server) -> None:
    # named-graph-uri alone: the default graph is empty (the protocol's dataset replaces the store's).
    onto = "https://w3id.org/claimgraph/ontology"
    q = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    r = requests.get(server.sparql, params={"query": q, "named-graph-uri": onto})
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == 0
    r = requests.get(server.sparql, params={"query": q, "default-graph-uri": onto})
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 0


def test_a_dataset_uri_that_is_no_iri_is_a_400(server) -> None:
    r = requests.get(server.sparql, params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert r.status_code == 400
    assert "invalid dataset" in r.text
    r = requests.get(server.sparql, params={"query": "ASK {}", "named-graph-uri": "http://e/<x>"})
    assert r.status_code == 400


def test_updates_on_a_read_only_server_are_refused(server) -> None:
    r = requests.post(server.sparql, data={"update": "INSERT DATA { <http://e/s> <http://e/p> 1 }"})
    assert r.status_code == 403
    assert requests.get(server.sparql, params={"query": "ASK { <http://e/s> ?p ?o }"}).json()["boolean"] is False


@pytest.mark.parametrize(
    "kwargs,status,message",
    [
        ({"params": {"update": "CLEAR ALL"}, "method": "GET"}, 400, "POST"),
        ({"data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400, "not both"),
        (
            {"data": b"ASK {}", "headers": {"Content-Type": "application/sparql-query; charset=ISO-8859-1"}},
            415,
            "UTF-8",
        ),
        ({"data": b"ASK {}", "headers": {"Content-Type": "application/json"}}, 415, "application/sparql-query"),
        ({"data": {"nothing": "here"}}, 400, "neither"),
        (
            {"data": b"ASK {}", "params": {"query": "ASK {}"}, "headers": {"Content-Type": "application/sparql-query"}},
            400,
            "body",
        ),
    ],
    ids=[
        "update-by-get",
        "query-and-update",
        "latin1-charset",
        "json-content-type",
        "no-operation",
        "query-in-url-and-body",
    ],
)
def test_protocol_errors(server, kwargs, status, message) -> None:
    method = kwargs.pop("method", "POST")
    r = requests.request(method, server.sparql, **kwargs)
    assert r.status_code == status, r.text
    assert message in r.text
    assert r.headers["Content-Type"].startswith("text/plain")


def test_service_description_lists_every_upload_format_and_the_graphs_held(server) -> None:
    from claimgraph.graph.store.formats import UPLOAD_FORMATS

    g = Graph().parse(data=requests.get(server.sparql, headers={"Accept": "text/turtle"}).content, format="turtle")
    svc = next(g.subjects(RDF.type, SD.Service))
    inputs = set(g.objects(svc, SD.inputFormat))
    assert inputs == {URIRef(f.w3c) for f in UPLOAD_FORMATS}
    assert {FORMATS["RDF_XML"], FORMATS["JSON-LD"], FORMATS["N-Quads"], FORMATS.TriG, FORMATS.N3} <= inputs
    listed = {str(g.value(n, SD.name)) for n in g.objects(None, SD.namedGraph)}
    held = requests.get(
        server.sparql,
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    assert listed and listed == {b["g"]["value"] for b in held}  # the seed store holds fewer than 200
