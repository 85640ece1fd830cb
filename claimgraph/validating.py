"""Reading what ``claimgraph validate`` checks: the default graph and the ingest records."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pyoxigraph as ox

from claimgraph.ontology import CG

_NT = "application/n-triples"
_RECORD = ox.NamedNode(str(CG.IngestRecord))
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def read_default_graph(source: Any) -> tuple[list[ox.Triple | ox.Quad], list[ox.Quad]]:
    """The default graph's triples and the quads of the graphs holding ingest records (found by
    their type, so a store written with any base IRI is cut by its records).

    ``source`` is a pinned pyoxigraph snapshot of an on-disk store (read natively, no query
    time limit) or a claimgraph ``Store`` (an external one: its Graph Store Protocol or a
    CONSTRUCT). A store without ingest records gives no record quads."""
    if isinstance(source, ox.Store):
        triples: list[ox.Triple | ox.Quad] = list(source.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        graphs = {q.graph_name for q in source.quads_for_pattern(None, _TYPE, _RECORD, None)}
        records = [q for g in sorted(graphs, key=str) for q in source.quads_for_pattern(None, None, None, g)]
        return triples, records
    query = resources.files("claimgraph.graph.build.queries").joinpath("ingest-record-graphs.rq").read_text("utf-8")
    default = b"".join(source.get_graph(None, _NT))
    records = []
    for row in source.select(query):
        g = row.get("g")
        if isinstance(g, ox.NamedNode):
            found = b"".join(source.get_graph(g.value, _NT))
            records += [ox.Quad(t.subject, t.predicate, t.object, g) for t in ox.parse(found, ox.RdfFormat.N_TRIPLES)]
    return [ox.Triple(t.subject, t.predicate, t.object) for t in ox.parse(default, ox.RdfFormat.N_TRIPLES)], records
