"""Which media types each query form can be served in, and their pyoxigraph writers."""

from __future__ import annotations

import pyoxigraph as ox

from claimgraph.graph.store.base import QueryForm

#: Offered types per form, most preferred first (the first is the default for */*).
RESULT_TYPES: dict[QueryForm, list[str]] = {
    QueryForm.SOLUTIONS: [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
    QueryForm.BOOLEAN: [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
    QueryForm.GRAPH: [
        "text/turtle",
        "application/n-triples",
        "application/ld+json",
        "application/rdf+xml",
        "application/n-quads",
        "application/trig",
    ],
}

#: Short names for the ``format=`` parameter that browsers and curl users type.
FORMAT_ALIASES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "n3": "text/turtle",  # Turtle is a subset of N3
    "nq": "application/n-quads",
    "nquads": "application/n-quads",
    "trig": "application/trig",
}


def results_format(media_type: str) -> ox.QueryResultsFormat:
    """The pyoxigraph writer for a SPARQL results media type."""
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"not a SPARQL results media type: {media_type}")
    return fmt


def rdf_format(media_type: str) -> ox.RdfFormat:
    """The pyoxigraph writer for an RDF media type."""
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"not an RDF media type: {media_type}")
    return fmt


def media_type_for_path(path: "object") -> str | None:
    """Guess an RDF media type from a file name (``.ttl``, ``.nq``, ``.jsonld``, ...)."""
    import pathlib

    name = pathlib.Path(str(path)).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    fmt = ox.RdfFormat.from_extension(ext) if ext else None
    return fmt.media_type if fmt else None
