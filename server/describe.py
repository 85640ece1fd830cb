"""What the graph says about one resource, as quads, and that description in RDF formats.

The description (see ``graph/queries/describe.rq``) is the resource's own statements, those
of the blank nodes it owns, the statements pointing at it and its neighbours' labels, all
from the default graph; a claimed proposition also brings its named graph, which stays a
named graph: formats without named graphs (Turtle, N-Triples, RDF/XML) carry only what the
default graph asserts, so nothing claimed is ever written as a plain fact.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset

from claimgraph.graph.queries import load
from claimgraph.graph.store import Store
from claimgraph.ontology import PREFIXES

_DATASET_FORMATS = {"application/trig", "application/n-quads", "application/ld+json"}


def exists(store: Store, iri: ox.NamedNode) -> bool:
    """True when the graph names ``iri`` anywhere (default graph, named graphs, graph names)."""
    return bool(store.select(load("exists"), r=iri))


def describe(store: Store, iri: ox.NamedNode) -> list[ox.Quad]:
    """The description of ``iri`` as quads (default graph unless a proposition's graph)."""
    quads: dict[ox.Quad, None] = {}  # ordered set: stable output
    for row in store.select(load("describe"), r=iri):
        graph = row.get("g")
        quads[ox.Quad(row["s"], row["p"], row["o"], graph if graph is not None else ox.DefaultGraph())] = None
    return list(quads)


def serialize(quads: list[ox.Quad], media_type: str, prefixes: dict[str, str] | None = None) -> bytes:
    """The description in an RDF media type; JSON-LD is compacted with claimgraph's prefixes."""
    prefixes = {**PREFIXES, **(prefixes or {})}
    if media_type == "application/ld+json":
        ds = Dataset()
        ds.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS), format="nquads")
        return ds.serialize(format="json-ld", context=prefixes, auto_compact=True, indent=2).encode("utf-8")
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"not an RDF media type: {media_type}")
    if media_type not in _DATASET_FORMATS:
        quads = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
        return ox.serialize([q.triple for q in quads], format=fmt, prefixes=prefixes)
    return ox.serialize(quads, format=fmt, prefixes=prefixes)
