"""What the endpoint offers and what the dataset holds, for machines that ask (the views are
in :mod:`claimgraph.server.protocol.service`, which imports this module on first use: rdflib
costs each worker about 17 MiB that a worker serving only queries never needs).

* The SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/)
  at ``GET /sparql`` without a query: languages, result formats, features, the default dataset.
* A VoID description (https://www.w3.org/TR/void/) of the dataset at ``/.well-known/void``
  (the location RFC 5785 / VoID section 7 suggests): triples, graphs, classes, properties,
  entities, links to Wikidata, licence, endpoint and dump. The service description links to it.

Both are small RDF graphs built and written by rdflib in the negotiated format. The statistics come from fixed SPARQL text run through the store, cached
per store generation (they are full scans; a write invalidates them).
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

from flask import Response, request, url_for
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from claimgraph.graph.store import Store, StoreError
from claimgraph.graph.store.formats import DESCRIPTION_OFFER, QUERY_OFFERS, UPLOAD_FORMATS
from claimgraph.ontology import ONTOLOGY_IRI
from claimgraph.server.protocol.negotiation import negotiate, query_page_url
from claimgraph.server.state import get_settings, get_store

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENT = Namespace("http://www.w3.org/ns/entailment/")
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"


# Fixed statistics queries: no user input ever reaches them.
_COUNTS = """
SELECT
  (SUM(IF(BOUND(?g), 0, 1)) AS ?defaultTriples)
  (SUM(IF(BOUND(?g), 1, 0)) AS ?namedTriples)
  (COUNT(DISTINCT ?g) AS ?graphs)
  (COUNT(DISTINCT ?p) AS ?properties)
  (COUNT(DISTINCT ?s) AS ?subjects)
  (COUNT(DISTINCT ?o) AS ?objects)
WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }
"""
_CLASSES = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n)
WHERE { { ?s a ?class } UNION { GRAPH ?g { ?s a ?class } } }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""
_PROPERTIES = """
SELECT ?property (COUNT(*) AS ?n)
WHERE { { ?s ?property ?o } UNION { GRAPH ?g { ?s ?property ?o } } }
GROUP BY ?property ORDER BY DESC(?n) ?property
"""
#: Links to other datasets, per target and link property (every linkset of the dataset).
_LINKS = """
SELECT ?target ?property (COUNT(*) AS ?n)
WHERE {
  ?s ?property ?o
  FILTER (isIRI(?o))
  BIND (IF(STRSTARTS(STR(?o), "http://www.wikidata.org/entity/"), "wikidata",
        IF(STRSTARTS(STR(?o), "http://dbpedia.org/resource/"), "dbpedia", "")) AS ?target)
  FILTER (?target != "")
}
GROUP BY ?target ?property ORDER BY ?target ?property
"""
#: Triples per named graph (the service description lists every named graph).
_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_PROPOSITIONS = "SELECT ?p WHERE { ?p a <https://w3id.org/claimgraph/ontology#Proposition> }"
#: Partitions of the asserted graph (the default graph) and of the claimed graphs.
_ASSERTED_CLASSES = (
    "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class"
)
_ASSERTED_PROPERTIES = (
    "SELECT ?property (COUNT(*) AS ?n) WHERE { ?s ?property ?o } GROUP BY ?property ORDER BY DESC(?n) ?property"
)
_CLAIMED_PROPERTIES = """
SELECT ?property (COUNT(*) AS ?n)
WHERE { ?g a <https://w3id.org/claimgraph/ontology#Proposition> . GRAPH ?g { ?s ?property ?o } }
GROUP BY ?property ORDER BY DESC(?n) ?property
"""
#: Named graphs listed one by one in the service description (a huge store lists the first ones).
MAX_GRAPHS = 10_000
#: Vocabularies whose namespace does not end where the term's local name begins.
_KNOWN_VOCABULARIES = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/ns/oa#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/ns/dcat#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://schema.org/",
    "https://w3id.org/claimgraph/ontology#",
    "http://purl.org/vocab/vann/",
    "http://www.w3.org/ns/shacl#",
)
RIGHTS = (
    "The graph (the claims, their attributions, reporting chains, spans and provenance) is licensed "
    "under the licence given by dct:license. The source texts it quotes or holds in full (oa:exact, "
    "schema:text, the seed files) are not: they remain the work of their publishers and translators "
    "and are reproduced for research and verification only; reuse them under their own terms."
)

#: Partitions listed in the VoID description (the largest first).
MAX_PARTITIONS = 200

_cache_lock = threading.Lock()
_compute_lock = threading.Lock()
_cache: dict[tuple[int, str], dict[str, Any] | None] = {}
#: Stores without a write counter (an external store) get their statistics recomputed this often.
UNVERSIONED_TTL_S = 600


def _generation(store: Store) -> str:
    return store.generation() or f"t{int(time.time() // UNVERSIONED_TTL_S)}"


def _int(row: dict[str, Any], key: str) -> int:
    term = row.get(key)
    return int(term.value) if term is not None else 0


def dataset_statistics(store: Store) -> dict[str, Any] | None:
    """Counts of the whole dataset, once per store generation; None when unavailable.

    They are full scans: computed by one request at a time, and a failure (the query timeout
    on a large store) is remembered too, so that asking again and again cannot keep the
    query executors busy."""
    key = (id(store), _generation(store))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    if not _compute_lock.acquire(blocking=False):
        return None  # another request is computing them right now
    try:
        stats: dict[str, Any] | None
        try:
            counts = store.select(_COUNTS)[0]
            stats = {
                "default_triples": _int(counts, "defaultTriples"),
                "named_triples": _int(counts, "namedTriples"),
                "graphs": _int(counts, "graphs"),
                "properties": _int(counts, "properties"),
                "subjects": _int(counts, "subjects"),
                "objects": _int(counts, "objects"),
                "classes": [(r["class"].value, _int(r, "n")) for r in store.select(_CLASSES) if "class" in r],
                "property_partitions": [(r["property"].value, _int(r, "n")) for r in store.select(_PROPERTIES)],
                "links": [(r["target"].value, r["property"].value, _int(r, "n")) for r in store.select(_LINKS)],
                "graph_triples": [(r["g"].value, _int(r, "n")) for r in store.select(_GRAPHS) if "g" in r],
                "propositions": {r["p"].value for r in store.select(_PROPOSITIONS) if "p" in r},
                "asserted_classes": [
                    (r["class"].value, _int(r, "n")) for r in store.select(_ASSERTED_CLASSES) if "class" in r
                ],
                "asserted_properties": [
                    (r["property"].value, _int(r, "n")) for r in store.select(_ASSERTED_PROPERTIES)
                ],
                "claimed_properties": [(r["property"].value, _int(r, "n")) for r in store.select(_CLAIMED_PROPERTIES)],
            }

        except StoreError:
            stats = None
        with _cache_lock:
            _cache.clear()
            _cache[key] = stats
        return stats
    finally:
        _compute_lock.release()


def graph_names(store: Store) -> list[str]:
    """The named graphs the store holds (the ontology's first; at most :data:`MAX_GRAPHS`)."""
    try:
        names = store.named_graphs()
    except StoreError:
        return []
    return sorted(names, key=lambda name: (name != ONTOLOGY_IRI, name))[:MAX_GRAPHS]


def _url(endpoint: str) -> str:
    """This server's public URL of an endpoint: the one URL builder (``url_for``), which keeps
    the proxy's ``X-Forwarded-Prefix`` (the script root) like the base IRI and GSP locations."""
    return url_for(endpoint, _external=True)


def _void_url() -> str:
    return _url("service.void")


def _sparql_url() -> str:
    return _url("sparql.sparql")


def dataset_iri() -> URIRef:
    """The dataset's IRI: from the configured base IRI, never from the request (a client's Host
    header or a proxy must not rename the dataset). The service description names it too."""
    base = get_settings().base_iri
    return URIRef((base if base.endswith(("/", "#")) else base + "/") + ".well-known/void#dataset")


def _namespace(iri: str) -> str:
    for known in _KNOWN_VOCABULARIES:
        if iri.startswith(known):
            return known
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def _partitions(g: Graph, subset: URIRef, classes: list[tuple[str, int]], properties: list[tuple[str, int]]) -> None:
    for i, (cls, n) in enumerate(classes[:MAX_PARTITIONS]):
        part = URIRef(f"{subset}-class-{i + 1}")
        g.add((subset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for i, (prop, n) in enumerate(properties[:MAX_PARTITIONS]):
        part = URIRef(f"{subset}-property-{i + 1}")
        g.add((subset, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(n, datatype=XSD.integer)))


def void_graph(store: Store) -> Graph:
    """The VoID description of the dataset served here, in VoID's own terms only: the dataset
    with one subset per kind of graph (asserted: the default graph; claimed: the proposition
    graphs; the ontology; any other graph), each with its partitions, every linkset and every
    vocabulary the data uses."""
    settings = get_settings()
    g = Graph()
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    g.bind("sd", SD)
    ds = dataset_iri()
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("claimgraph: who said what, according to whom, in the news", lang="en")))
    g.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "Claims made in news articles, their speakers and the chain of reporters, with the exact "
                "source words; claimed propositions are kept in named graphs, never asserted.",
                lang="en",
            ),
        )
    )
    g.add((ds, DCTERMS.license, URIRef(settings.data_license)))
    g.add((ds, DCTERMS.rights, Literal(RIGHTS, lang="en")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(_sparql_url())))
    g.add((ds, VOID.dataDump, URIRef(_url("dump.dump"))))
    g.add((ds, VOID.uriSpace, Literal(f"{settings.base_iri}id/")))
    g.add((ds, VOID.feature, FORMATS["N-Quads"]))
    g.add((ds, VOID.feature, FORMATS.TriG))
    g.add((ds, RDFS.seeAlso, URIRef(ONTOLOGY_IRI)))
    stats = dataset_statistics(store)
    if stats is None:
        g.add((ds, RDFS.comment, Literal("statistics are unavailable right now", lang="en")))
        return g
    total = stats["default_triples"] + stats["named_triples"]
    g.add((ds, VOID.triples, Literal(total, datatype=XSD.integer)))
    g.add((ds, VOID.distinctSubjects, Literal(stats["subjects"], datatype=XSD.integer)))
    g.add((ds, VOID.distinctObjects, Literal(stats["objects"], datatype=XSD.integer)))
    g.add((ds, VOID.properties, Literal(stats["properties"], datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(stats["classes"]), datatype=XSD.integer)))
    used = {iri for iri, _ in stats["classes"]} | {iri for iri, _ in stats["property_partitions"]}
    for namespace in sorted({_namespace(iri) for iri in used}):
        g.add((ds, VOID.vocabulary, URIRef(namespace)))

    def subset(name: str, label: str, triples: int) -> URIRef:
        node = URIRef(f"{ds}-{name}")
        g.add((ds, VOID.subset, node))
        g.add((node, RDF.type, VOID.Dataset))
        g.add((node, RDFS.label, Literal(label, lang="en")))
        g.add((node, VOID.triples, Literal(triples, datatype=XSD.integer)))
        return node

    asserted = subset(
        "asserted", "asserted: the default graph, what claimgraph itself states", stats["default_triples"]
    )
    _partitions(g, asserted, stats["asserted_classes"], stats["asserted_properties"])
    per_graph = dict(stats["graph_triples"])
    claimed_triples = sum(n for name, n in per_graph.items() if name in stats["propositions"])
    claimed = subset(
        "claimed", "claimed: one named graph per proposition, what speakers claim, never asserted", claimed_triples
    )
    _partitions(g, claimed, [], stats["claimed_properties"])
    if ONTOLOGY_IRI in per_graph:
        onto = subset("ontology", "the ontology, in the named graph of its IRI", per_graph[ONTOLOGY_IRI])
        g.add((onto, RDFS.seeAlso, URIRef(ONTOLOGY_IRI)))
    other = sum(n for name, n in per_graph.items() if name not in stats["propositions"] and name != ONTOLOGY_IRI)
    if other:
        subset("other", "other named graphs, loaded into this store", other)
    targets = {"wikidata": URIRef("http://www.wikidata.org/"), "dbpedia": URIRef("http://dbpedia.org/")}
    for target, prop, n in stats["links"]:
        local = prop.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        links = URIRef(f"{ds}-links-{target}-{local}")
        g.add((ds, VOID.subset, links))
        g.add((links, RDF.type, VOID.Linkset))
        g.add((links, VOID.subjectsTarget, ds))
        g.add((links, VOID.objectsTarget, targets[target]))
        g.add((links, VOID.linkPredicate, URIRef(prop)))
        g.add((links, VOID.triples, Literal(n, datatype=XSD.integer)))
    return g


def service_graph(store: Store) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint, its formats from the registry."""
    settings = get_settings()
    endpoint = URIRef(_sparql_url())
    void_url = _void_url()
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    g.bind("void", VOID)
    svc = URIRef(f"{endpoint}#service")
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, endpoint))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    if settings.update_token:
        g.add((svc, SD.supportedLanguage, SD.SPARQL11Update))
    if settings.allow_service:
        g.add((svc, SD.feature, SD.BasicFederatedQuery))
    g.add((svc, SD.defaultEntailmentRegime, ENT.Simple))
    for fmt in dict.fromkeys(f for offer in QUERY_OFFERS.values() for f in offer.formats):
        if fmt.w3c:
            g.add((svc, SD.resultFormat, URIRef(fmt.w3c)))
    for fmt in UPLOAD_FORMATS:  # what the Graph Store accepts
        if fmt.w3c:
            g.add((svc, SD.inputFormat, URIRef(fmt.w3c)))
    dataset = dataset_iri()
    g.add((svc, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    default_graph = BNode()
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    for name in graph_names(store):
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
    g.add((svc, RDFS.seeAlso, URIRef(void_url)))
    g.add((dataset, RDFS.seeAlso, URIRef(void_url)))
    g.add(
        (
            svc,
            RDFS.comment,
            Literal(
                "Every claimed proposition is a named graph named by the proposition's IRI; the default "
                "graph holds what claimgraph asserts. The VoID description lists the counts.",
                lang="en",
            ),
        )
    )
    return g


def _negotiated(g: Graph, title: str) -> Response:
    choice = negotiate(DESCRIPTION_OFFER, request.args.getlist("format"))
    if choice.html:
        return _html_page(g, title)
    media_type = choice.produce
    # rdflib writes these small graphs grouped by subject, which people read more easily.
    # Turtle is valid TriG, and N-Triples valid N-Quads: the description has no named graphs.
    rdflib_format = {
        "text/turtle": "turtle",
        "application/trig": "turtle",
        "application/n-triples": "nt",
        "application/n-quads": "nt",
        "application/rdf+xml": "pretty-xml",
        "application/ld+json": "json-ld",
    }[media_type]
    body = g.serialize(format=rdflib_format, encoding="utf-8")
    response = Response(body, mimetype=choice.label)
    response.headers["Vary"] = "Accept"
    return response


def _html_page(g: Graph, title: str) -> Response:
    turtle = g.serialize(format="turtle")
    editor_url = query_page_url()
    editor = (
        f' or use the <a href="{html.escape(editor_url)}">query editor with example questions</a>' if editor_url else ""
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:1rem}} textarea{{width:100%;font-family:monospace}} pre{{white-space:pre-wrap}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
<form method="get" action="{html.escape(_sparql_url())}">
<label for="query">SPARQL query</label>
<textarea id="query" name="query" rows="8">SELECT * WHERE {{ ?s ?p ?o }} LIMIT 25</textarea>
<p><button type="submit">Run</button>{editor}</p></form>
<h2>Description</h2>
<p>As <a href="?format=ttl">Turtle</a>, <a href="?format=nt">N-Triples</a>, <a href="?format=jsonld">JSON-LD</a>,
<a href="?format=rdfxml">RDF/XML</a>.</p>
<pre><code>{html.escape(turtle)}</code></pre>
</body></html>
"""
    return Response(page, mimetype="text/html")


def service_description() -> Response:
    """``GET /sparql`` without a query."""
    return _negotiated(service_graph(get_store()), "claimgraph SPARQL endpoint")


def void() -> Response:
    """The VoID description of the dataset."""
    return _negotiated(void_graph(get_store()), "claimgraph dataset (VoID)")
