"""Reading uploaded RDF: pyoxigraph's parsers, errors a client can act on, SHACL for our terms.

Every upload is parsed completely before anything is written, so a syntax error on the last
line costs nothing; the error names the line and column the parser stopped at.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import IO

import pyoxigraph as ox

from claimgraph.graph.store.errors import DataError

#: claimgraph's own vocabulary: data using it must conform to the shapes.
CG_NAMESPACE = "https://w3id.org/claimgraph/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def rdf_format_or_error(media_type: str) -> ox.RdfFormat:
    """The pyoxigraph format for a media type (parameters ignored), or a :class:`DataError`."""
    base = media_type.split(";", 1)[0].strip().lower()
    fmt = ox.RdfFormat.from_media_type(base) if base else None
    if fmt is None:
        raise DataError(f"unsupported RDF media type: {media_type or '(none)'}")
    return fmt


def iter_rdf(
    data: bytes | IO[bytes],
    media_type: str,
    graph: str | None = None,
    base_iri: str | None = None,
    single_graph: bool = False,
) -> Iterator[ox.Quad]:
    """The quads of ``data`` one by one; triples go to ``graph`` (the default graph when None).

    With ``single_graph`` (Graph Store Protocol uploads of one graph) quads in named graphs
    are refused rather than silently moved. Blank nodes get fresh labels, so that two uploads
    never share one by accident. Errors (with line and column) are :class:`DataError`."""
    fmt = rdf_format_or_error(media_type)
    target: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph()
    if graph:
        try:
            target = ox.NamedNode(graph)
        except ValueError as exc:
            raise DataError(f"not a valid graph IRI: {graph!r} ({exc})") from None
    if isinstance(data, (bytes, bytearray)):
        data = io.BytesIO(data)
    try:
        parsed = ox.parse(data, fmt, base_iri=base_iri, without_named_graphs=single_graph, rename_blank_nodes=True)
        if isinstance(target, ox.DefaultGraph):
            yield from parsed
        else:
            for q in parsed:
                yield ox.Quad(q.subject, q.predicate, q.object, target)
    except SyntaxError as exc:
        raise DataError(str(exc)) from None
    except ValueError as exc:  # e.g. an invalid base IRI
        raise DataError(str(exc)) from None


def parse_rdf(
    data: bytes | IO[bytes],
    media_type: str,
    graph: str | None = None,
    base_iri: str | None = None,
    single_graph: bool = False,
) -> list[ox.Quad]:
    """All quads of ``data`` in a list (see :func:`iter_rdf`)."""
    return list(iter_rdf(data, media_type, graph=graph, base_iri=base_iri, single_graph=single_graph))


def check_upload(data: bytes, media_type: str, base_iri: str | None = None, single_graph: bool = False) -> None:
    """Refuse an upload that does not parse, or that uses claimgraph's vocabulary and does not
    conform to the shapes. One streaming pass; the quads are kept only for a SHACL check."""
    if any(_uses_vocabulary(q) for q in iter_rdf(data, media_type, base_iri=base_iri, single_graph=single_graph)):
        check_shapes(parse_rdf(data, media_type, base_iri=base_iri, single_graph=single_graph))


def _uses_vocabulary(q: ox.Quad) -> bool:
    p = q.predicate.value
    return p.startswith(CG_NAMESPACE) or (
        p == RDF_TYPE.value and isinstance(q.object, ox.NamedNode) and q.object.value.startswith(CG_NAMESPACE)
    )


def uses_claimgraph_vocabulary(quads: Iterable[ox.Quad]) -> bool:
    """True when a predicate or a class (rdf:type object) is a claimgraph term."""
    return any(_uses_vocabulary(q) for q in quads)


def check_shapes(quads: list[ox.Quad]) -> None:
    """Refuse data in claimgraph's vocabulary that does not conform to the SHACL shapes.

    The triples of every graph are validated together (the shapes describe resources, not
    where their triples are kept). Data not using the vocabulary is not checked."""
    if not uses_claimgraph_vocabulary(quads):
        return
    from rdflib import Graph

    from claimgraph.graph.build.validation import validate

    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    g = Graph()
    g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    report = validate(g)
    if not report.conforms:
        shown = report.messages[:20]
        more = f"\n... and {len(report.messages) - 20} more" if len(report.messages) > 20 else ""
        raise DataError("the data does not conform to claimgraph's shapes:\n" + "\n".join(shown) + more)
