"""The RDF 1.2 view of claims: ``<claim> rdf:reifies <<( s p o )>>`` for each claimed triple.

Derived from the named-graph layout on request, never stored: the claim's description (what
claimgraph asserts) stays as it is, and each triple of its proposition's named graph becomes a
triple term the claim reifies, so the claimed triple is named without being asserted. The
Turtle 1.2 annotation syntax (``s p o ~ claim {| ... |}``) is *not* used for claimed triples:
it asserts ``s p o`` as well (ontology/README.md shows both shapes side by side).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from claimgraph.graph.build import bundles
from claimgraph.graph.build.bundles import Select, Term
from claimgraph.graph.build.queries import load

RDF_REIFIES = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies")
PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "cg": bundles.CG,
    "prov": bundles.PROV,
    "oa": "http://www.w3.org/ns/oa#",
    "schema": "http://schema.org/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
}


def _reifications(rows: list[dict[str, Term]], claim: ox.NamedNode | None = None) -> list[ox.Quad]:
    out = []
    for row in rows:
        reifier = claim or row["claim"]
        if isinstance(reifier, ox.Literal):
            raise ValueError(f"a literal cannot reify a triple: {reifier}")
        out.append(ox.Quad(reifier, RDF_REIFIES, bundles.row_quad(row).triple))
    return out


def claim_rdf12(select: Select, claim: ox.NamedNode) -> list[ox.Quad]:
    """The claim's bundle with its proposition as reified triple terms (one graph)."""
    found = bundles.bundles(select, claim).get(claim.value, [])
    described = [q for q in found if isinstance(q.graph_name, ox.DefaultGraph)]
    return described + _reifications(select(load("reifications"), claim=claim), claim)


def dataset_rdf12(select: Select, batch: int = 20_000) -> Iterator[bytes]:
    """The default graph and every claim's reifications as Turtle 1.2, in chunks that
    concatenate into one document (the proposition graphs are what the triple terms stand for;
    the ontology graph is served at /ontology)."""
    rows = [bundles.row_quad(r) for r in select(load("default-graph"))]
    rows += _reifications(select(load("reifications")))
    for i in range(0, len(rows), batch):
        # prefixes declared by the first chunk hold for the rest (which writes full IRIs)
        chunk = rows[i : i + batch]
        yield ox.serialize(chunk, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES if i == 0 else None) or b""
