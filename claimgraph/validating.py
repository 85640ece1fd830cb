"""Reading what ``claimgraph validate`` checks: the default graph and the ingest records."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from claimgraph.graph.build.ingest import record_graph

_NT = "application/n-triples"


def read_default_graph(source: Any, base_iri: str) -> tuple[list[ox.Triple | ox.Quad], list[ox.Quad]]:
    """The default graph's triples and the quads of the ingest record graph.

    ``source`` is a pinned pyoxigraph snapshot of an on-disk store (read natively, no query
    time limit) or a claimgraph ``Store`` (an external one: its Graph Store Protocol or a
    CONSTRUCT). A store without ingest records gives no record quads."""
    records = ox.NamedNode(record_graph(base_iri))
    if isinstance(source, ox.Store):
        triples: list[ox.Triple | ox.Quad] = list(source.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        return triples, list(source.quads_for_pattern(None, None, None, records))
    default = b"".join(source.get_graph(None, _NT))
    found = b"".join(source.get_graph(records.value, _NT))
    return (
        [ox.Triple(t.subject, t.predicate, t.object) for t in ox.parse(default, ox.RdfFormat.N_TRIPLES)],
        [ox.Quad(t.subject, t.predicate, t.object, records) for t in ox.parse(found, ox.RdfFormat.N_TRIPLES)],
    )
