"""One claim at a time: its description as a self-contained JSON-LD document.

A claim document holds what claimgraph asserts about the claim (speaker, stance, attribution,
reporting chain, evidence spans, times, relations) in its default graph, and the claimed
proposition in a named graph of its own, exactly as in the store: JSON-LD keeps the
difference between asserted and claimed. Used by ``claimgraph claims``.
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from claimgraph.graph.store.base import QueryRequest, Store
from claimgraph.ontology import PREFIXES

CLAIMS = """
PREFIX cg: <https://w3id.org/claimgraph/ontology#>
SELECT ?claim WHERE { ?claim a cg:Claim } ORDER BY ?claim
"""

DESCRIPTION = """
PREFIX cg:   <https://w3id.org/claimgraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT {
  ?claim ?p ?o . ?attribution ?ap ?ao . ?step ?sp ?so . ?span ?xp ?xo .
  ?agent rdfs:label ?label . ?proposition rdfs:label ?plabel .
} WHERE {
  { ?claim ?p ?o }
  UNION { ?claim prov:qualifiedAttribution ?attribution . ?attribution ?ap ?ao }
  UNION { ?claim cg:reportedThrough ?step . ?step ?sp ?so }
  UNION { { ?claim cg:evidence ?span } UNION { ?claim cg:reportedThrough/cg:evidence ?span } ?span ?xp ?xo }
  UNION { { ?claim cg:speaker ?agent } UNION { ?claim cg:reportedThrough/cg:relayedBy ?agent } ?agent rdfs:label ?label }
  UNION { ?claim cg:proposition ?proposition . ?proposition rdfs:label ?plabel }
}
"""

PROPOSITION = """
PREFIX cg: <https://w3id.org/claimgraph/ontology#>
CONSTRUCT { ?s ?p ?o } WHERE { ?claim cg:proposition ?proposition . GRAPH ?proposition { ?s ?p ?o } }
"""

PROPOSITION_OF = """
PREFIX cg: <https://w3id.org/claimgraph/ontology#>
SELECT ?claim ?proposition WHERE { ?claim cg:proposition ?proposition }
"""


def claim_iris(store: Store) -> list[str]:
    """Every claim in the store, sorted."""
    return [row["claim"].value for row in store.select(CLAIMS)]


def _construct(store: Store, query: str, claim: str) -> Graph:
    request = QueryRequest(query=query, substitutions={"claim": ox.NamedNode(claim)})
    with store.prepare(request) as prepared:
        data = b"".join(prepared.stream("application/n-triples"))
    return Graph().parse(data=data, format="nt")


def _nodes(graph: Graph) -> list[dict[str, Any]]:
    """The graph as a list of compacted JSON-LD node objects."""
    doc = json.loads(graph.serialize(format="json-ld", context=PREFIXES))
    nodes = doc.get("@graph", [doc] if "@id" in doc else [])
    for node in nodes:
        node.pop("@context", None)
    return sorted(nodes, key=lambda n: n.get("@id", ""))


def claim_jsonld(store: Store, claim: str) -> dict[str, Any] | None:
    """The JSON-LD document of one claim; None when the store has no such claim.

    Top-level nodes are default-graph statements (asserted by claimgraph); the proposition node
    carries its claimed triples in its own ``@graph`` (a named graph: claimed, not asserted).
    """
    description = _construct(store, DESCRIPTION, claim)
    if not description:
        return None
    nodes = _nodes(description)
    for row in store.select(PROPOSITION_OF, claim=ox.NamedNode(claim)):
        nodes.append({"@id": row["proposition"].value, "@graph": _nodes(_construct(store, PROPOSITION, claim))})
    return {"@context": dict(PREFIXES), "@graph": nodes}
