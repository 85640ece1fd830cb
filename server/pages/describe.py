"""What the graph says about one resource, as quads, and that description in RDF formats.

The description (``server/pages/queries/describe-*.rq``, three queries, each simple enough for every
store claimgraph runs on) is the resource's own statements, those
of the blank nodes it owns, the statements pointing at it and its neighbours' labels, all
from the default graph; a claimed proposition also brings its named graph, which stays a
named graph: formats without named graphs (Turtle, N-Triples, RDF/XML) carry only what the
default graph asserts, so nothing claimed is ever written as a plain fact.
"""

from __future__ import annotations

import json

import pyoxigraph as ox

from claimgraph.server.pages.queries import load
from claimgraph.graph.store import Store
from claimgraph.ontology import PREFIXES

_DATASET_FORMATS = {"application/trig", "application/n-quads", "application/ld+json"}


def exists(store: Store, iri: ox.NamedNode) -> bool:
    """True when the graph names ``iri`` anywhere (default graph, named graphs, graph names)."""
    return bool(store.select(load("exists"), r=iri))


def describe(store: Store, iri: ox.NamedNode) -> list[ox.Quad]:
    """The description of ``iri`` as quads (default graph unless a proposition's graph)."""
    quads: dict[ox.Quad, None] = {}  # ordered set: stable output
    for part in ("describe-own", "describe-incoming", "describe-claimed"):
        for row in store.select(load(part), r=iri):
            graph = row.get("g")
            quads[ox.Quad(row["s"], row["p"], row["o"], graph if graph is not None else ox.DefaultGraph())] = None
    return list(quads)


def _compact_nodes(triples: list[ox.Triple], context: dict[str, str]) -> list[dict]:
    """The node objects of one graph, compacted with ``context`` by rdflib."""
    if not triples:
        return []
    from rdflib import Graph  # here, not at the top: a worker that never writes JSON-LD skips rdflib

    g = Graph()
    g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    doc = json.loads(g.serialize(format="json-ld", context=context, auto_compact=True))
    doc.pop("@context", None)
    return doc["@graph"] if "@graph" in doc else [doc]


def _jsonld(quads: list[ox.Quad], context: dict[str, str]) -> bytes:
    """Compact JSON-LD with the default graph's nodes at the top and each named graph as a
    graph object named by its IRI. (rdflib's own dataset output wraps the default graph in
    an unnamed graph object, which a conforming JSON-LD processor reads as a blank-node graph.)"""
    graphs: dict[str, list[ox.Triple]] = {}
    default: list[ox.Triple] = []
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            default.append(q.triple)
        else:
            graphs.setdefault(q.graph_name.value, []).append(q.triple)
    nodes = _compact_nodes(default, context)
    for name in sorted(graphs):
        nodes.append({"@id": name, "@graph": _compact_nodes(graphs[name], context)})
    return json.dumps({"@context": context, "@graph": nodes}, ensure_ascii=False, indent=2).encode("utf-8")


def serialize(quads: list[ox.Quad], media_type: str, prefixes: dict[str, str] | None = None) -> bytes:
    """The description in an RDF media type; JSON-LD is compacted with claimgraph's prefixes."""
    prefixes = {**PREFIXES, **(prefixes or {})}
    if media_type == "application/ld+json":
        return _jsonld(quads, prefixes)
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"not an RDF media type: {media_type}")
    if media_type not in _DATASET_FORMATS:
        quads = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
        return ox.serialize([q.triple for q in quads], format=fmt, prefixes=prefixes) or b""
    return ox.serialize(quads, format=fmt, prefixes=prefixes) or b""
