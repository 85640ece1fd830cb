"""What VoID and the Service Description say is exact: a stable dataset IRI, VoID's own terms
only, one subset per kind of graph, every linkset, every vocabulary, every named graph, and a
rights statement apart from the licence."""

from __future__ import annotations

import requests
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS

from conftest import LiveServer

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATASET = URIRef("https://w3id.org/claimgraph/.well-known/void#dataset")
ALLOWED = (str(VOID), str(RDF), "http://www.w3.org/2000/01/rdf-schema#", str(DCTERMS), str(SD))


def _void(server: LiveServer, host: str | None = None) -> Graph:
    headers = {"Accept": "text/turtle", **({"Host": host} if host else {})}
    r = requests.get(server.url + "/.well-known/void", headers=headers, timeout=30)
    assert r.status_code == 200
    return Graph().parse(data=r.text, format="turtle")


def _count(server: LiveServer, query: str) -> int:
    r = requests.get(
        server.sparql, params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=30
    )
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_the_dataset_iri_is_stable_and_only_standard_terms_are_used(server: LiveServer) -> None:
    g = _void(server)
    assert (DATASET, RDF.type, VOID.Dataset) in g
    assert (DATASET, RDF.type, VOID.Dataset) in _void(server, host="other.example")
    predicates = {str(p) for p in g.predicates()}
    assert [p for p in predicates if not p.startswith(ALLOWED)] == []


def test_one_subset_per_kind_of_graph_with_exact_counts(server: LiveServer) -> None:
    g = _void(server)
    subsets = {
        str(s).rsplit("-", 1)[-1]: s for s in g.objects(DATASET, VOID.subset) if (s, RDF.type, VOID.Dataset) in g
    }
    assert {"asserted", "claimed", "ontology"} <= set(subsets)
    default = _count(server, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    claimed = _count(
        server,
        "PREFIX cg: <https://w3id.org/claimgraph/ontology#> "
        "SELECT (COUNT(*) AS ?n) { ?g a cg:Proposition . GRAPH ?g { ?s ?p ?o } }",
    )
    ontology = _count(server, "SELECT (COUNT(*) AS ?n) { GRAPH <https://w3id.org/claimgraph/ontology> { ?s ?p ?o } }")
    assert int(g.value(subsets["asserted"], VOID.triples)) == default
    assert int(g.value(subsets["claimed"], VOID.triples)) == claimed
    assert int(g.value(subsets["ontology"], VOID.triples)) == ontology
    claimed_props = {g.value(p, VOID.property) for p in g.objects(subsets["claimed"], VOID.propertyPartition)}
    assert URIRef("https://w3id.org/claimgraph/ontology#inContactWith") in claimed_props
    asserted_classes = {g.value(p, VOID["class"]) for p in g.objects(subsets["asserted"], VOID.classPartition)}
    assert URIRef("http://www.w3.org/2002/07/owl#Class") not in asserted_classes  # ontology terms stay apart


def test_every_linkset_and_every_vocabulary(server: LiveServer) -> None:
    g = _void(server)
    targets = {
        (g.value(ls, VOID.objectsTarget), g.value(ls, VOID.linkPredicate)): int(g.value(ls, VOID.triples))
        for ls in g.subjects(RDF.type, VOID.Linkset)
    }
    same_as = URIRef("http://www.w3.org/2002/07/owl#sameAs")
    assert targets[(URIRef("http://dbpedia.org/"), same_as)] == _count(
        server, 'SELECT (COUNT(*) AS ?n) { ?s ?p ?o FILTER(STRSTARTS(STR(?o), "http://dbpedia.org/resource/")) }'
    )
    assert targets[(URIRef("http://www.wikidata.org/"), same_as)] > 0
    vocabularies = {str(v) for v in g.objects(DATASET, VOID.vocabulary)}
    for ns in (
        "https://w3id.org/claimgraph/ontology#",
        "http://www.w3.org/ns/prov#",
        "http://schema.org/",
        "http://www.w3.org/ns/oa#",
        "http://purl.org/dc/terms/",
        "http://www.w3.org/2004/02/skos/core#",
        "http://www.w3.org/ns/dcat#",
        "http://www.w3.org/2002/07/owl#",
    ):
        assert ns in vocabularies, ns


def test_a_rights_statement_apart_from_the_licence(server: LiveServer) -> None:
    g = _void(server)
    assert g.value(DATASET, DCTERMS.license) is not None
    rights = str(g.value(DATASET, DCTERMS.rights))
    assert "source texts" in rights and "publishers" in rights


def test_the_service_description_lists_every_named_graph(server: LiveServer) -> None:
    r = requests.get(server.sparql, headers={"Accept": "text/turtle"}, timeout=30)
    g = Graph().parse(data=r.text, format="turtle")
    assert set(g.objects(None, SD.defaultDataset)) == {DATASET}
    names = {str(g.value(n, SD.name)) for n in g.objects(DATASET, SD.namedGraph)}
    r = requests.get(
        server.sparql,
        params={"query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    graphs = {b["g"]["value"] for b in r.json()["results"]["bindings"]}
    assert len(graphs) > 10 and names == graphs


def test_the_source_text_carries_its_own_rights_statement(server: LiveServer) -> None:
    r = requests.get(
        server.sparql,
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
        params={
            "query": """
        PREFIX cg: <https://w3id.org/claimgraph/ontology#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX schema: <http://schema.org/>
        SELECT ?rights WHERE { ?f a cg:SourceFile ; schema:encodingFormat "text/plain" ; dct:rights ?rights
                               FILTER (lang(?rights) = "en") }"""
        },
    )
    rows = r.json()["results"]["bindings"]
    assert len(rows) == 1 and "licence of the claimgraph data does not apply" in rows[0]["rights"]["value"]
