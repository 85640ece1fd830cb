"""Each claim as a nanopublication (TriG) with a trusty URI: derived from the store, never stored.

- head: the nanopublication and its three graphs;
- assertion: the triples of the claim's proposition, exactly as in its named graph;
- provenance: who claims it (``prov:wasAttributedTo`` the speaker, ``prov:wasDerivedFrom`` the
  claim) and the claim's bundle as the build wrote it: the act of claiming with its stance,
  attribution, reporting chain and text spans (so the assertion is read as *claimed by the
  speaker*, not as claimgraph's own);
- publication info: the build run that generated it, the licence, the creation time (the run's
  start, so the same build gives the same nanopublication and trusty URI).

The nanopublication's IRI is ``{base}np/{claim-slug}.RA…``: the artifact code is the RA trusty
hash (:mod:`trusty`) of all four graphs.
"""

from __future__ import annotations

import pyoxigraph as ox

from claimgraph.graph.build import bundles, trusty
from claimgraph.graph.build.bundles import Select
from claimgraph.graph.build.queries import load

NP = "http://www.nanopub.org/nschema#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CG = bundles.CG
PREFIXES = {
    "np": NP,
    "prov": PROV,
    "dct": DCT,
    "cg": CG,
    "oa": "http://www.w3.org/ns/oa#",
    "schema": "http://schema.org/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"


class NoSuchClaim(LookupError):
    pass


def nanopub_quads(select: Select, claim: ox.NamedNode, license_iri: str = DEFAULT_LICENSE) -> tuple[list[ox.Quad], str]:
    """The nanopublication of ``claim`` and its trusty URI."""
    found = bundles.bundles(select, claim).get(claim.value)
    if not found:
        raise NoSuchClaim(f"no claim <{claim.value}>")
    slug = claim.value.rstrip("/").rsplit("/", 1)[-1]
    base = claim.value.split("id/claim/", 1)[0] if "id/claim/" in claim.value else claim.value.rsplit("/", 1)[0] + "/"
    np_iri = f"{base}np/{slug}.{trusty.PLACEHOLDER}"
    head, assertion, provenance, pubinfo = (
        ox.NamedNode(f"{np_iri}#{n}") for n in ("Head", "assertion", "provenance", "pubinfo")
    )
    np_node = ox.NamedNode(np_iri)

    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    quads = [
        ox.Quad(np_node, RDF_TYPE, n(NP + "Nanopublication"), head),
        ox.Quad(np_node, n(NP + "hasAssertion"), assertion, head),
        ox.Quad(np_node, n(NP + "hasProvenance"), provenance, head),
        ox.Quad(np_node, n(NP + "hasPublicationInfo"), pubinfo, head),
    ]
    described = [q for q in found if isinstance(q.graph_name, ox.DefaultGraph)]
    quads += [
        ox.Quad(q.subject, q.predicate, q.object, assertion)
        for q in found
        if not isinstance(q.graph_name, ox.DefaultGraph)
    ]
    quads += [ox.Quad(q.subject, q.predicate, q.object, provenance) for q in described]
    quads.append(ox.Quad(assertion, n(PROV + "wasDerivedFrom"), claim, provenance))
    for q in described:
        if q.subject == claim and q.predicate.value == CG + "speaker":
            quads.append(ox.Quad(assertion, n(PROV + "wasAttributedTo"), q.object, provenance))
    runs = {
        q.object
        for q in described
        if q.subject == claim and q.predicate.value == PROV + "wasGeneratedBy" and isinstance(q.object, ox.NamedNode)
    }
    started = {row["run"].value: row.get("started") for row in select(load("build-runs"))}
    for run in sorted(runs, key=lambda r: r.value):
        quads.append(ox.Quad(np_node, n(PROV + "wasGeneratedBy"), run, pubinfo))
        created = started.get(run.value)
        if created is not None:
            quads.append(ox.Quad(np_node, n(DCT + "created"), created, pubinfo))
    quads.append(ox.Quad(np_node, n(DCT + "license"), n(license_iri), pubinfo))
    code = trusty.artifact_code(quads)
    return trusty.with_code(quads, code), np_iri.replace(trusty.PLACEHOLDER, code)


def nanopub_trig(select: Select, claim: ox.NamedNode, license_iri: str = DEFAULT_LICENSE) -> tuple[bytes, str]:
    """The nanopublication as TriG, and its trusty URI."""
    quads, iri = nanopub_quads(select, claim, license_iri)
    graphs = "Head assertion provenance pubinfo".split()
    # every quad is in one of the four named graphs (<{iri}#Head> ...)
    ordered = sorted(
        quads,
        key=lambda q: (
            graphs.index(str(q.graph_name)[1:-1].rsplit("#", 1)[1]),
            str(q.subject),
            str(q.predicate),
            str(q.object),
        ),
    )
    trig = ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes={**PREFIXES, "this": iri + "#"})
    return trig or b"", iri
