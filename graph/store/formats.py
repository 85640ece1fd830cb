"""The one format registry: every media type claimgraph reads or writes, and who offers it.

Each :class:`Format` says, once, its media type, the other media types that mean it
(``text/plain`` for N-Triples...), its file extension, the short names of ``format=``, the
query forms it can answer, its W3C format IRI and whether the Graph Store accepts uploads in
it (Oxigraph's ``RdfFormat`` is the model). An :class:`Offer` is what one endpoint serves, in
order of preference: the server's one ``negotiate()`` (``server/protocol/negotiation.py``)
chooses from an offer, the service description lists the registry, the CLI reads it too.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field

import pyoxigraph as ox

from claimgraph.graph.store.base import QueryForm

W3C_FORMATS = "http://www.w3.org/ns/formats/"
_ALL_FORMS = frozenset(QueryForm)
_RESULT_FORMS = frozenset({QueryForm.SOLUTIONS, QueryForm.BOOLEAN})
_GRAPH_FORM = frozenset({QueryForm.GRAPH})


@dataclass(frozen=True)
class Format:
    """One serialization: what it is called on the wire, in a file name and in ``format=``."""

    label: str
    media_type: str
    extension: str
    #: ``format=`` short names; the first is the one links use.
    names: tuple[str, ...] = ()
    #: Other media types a client may name for it (answered with the type the client named).
    aliases: tuple[str, ...] = ()
    #: The query forms whose answers can be written in it.
    forms: frozenset[QueryForm] = field(default_factory=frozenset)
    #: The W3C format IRI (``http://www.w3.org/ns/formats/...``), when there is one.
    w3c: str | None = None
    #: The Graph Store accepts uploads in it (pyoxigraph parses it).
    upload: bool = False

    @property
    def is_rdf(self) -> bool:
        return ox.RdfFormat.from_media_type(self.media_type) is not None

    @property
    def holds_datasets(self) -> bool:
        """Named graphs survive in it (N-Quads, TriG, JSON-LD)."""
        fmt = ox.RdfFormat.from_media_type(self.media_type)
        return fmt is not None and fmt.supports_datasets


def _rdf(
    label: str,
    media_type: str,
    extension: str,
    names: tuple[str, ...],
    aliases: tuple[str, ...] = (),
    w3c: str = "",
    writes: bool = True,
) -> Format:
    return Format(
        label,
        media_type,
        extension,
        names,
        aliases,
        _GRAPH_FORM if writes else frozenset(),
        W3C_FORMATS + w3c,
        upload=True,
    )


SPARQL_JSON = Format(
    "SPARQL JSON",
    "application/sparql-results+json",
    "srj",
    ("json",),
    ("application/json",),
    _RESULT_FORMS,
    W3C_FORMATS + "SPARQL_Results_JSON",
)
SPARQL_XML = Format(
    "SPARQL XML",
    "application/sparql-results+xml",
    "srx",
    ("xml",),
    ("application/xml", "text/xml"),
    _RESULT_FORMS,
    W3C_FORMATS + "SPARQL_Results_XML",
)
CSV = Format("CSV", "text/csv", "csv", ("csv",), (), _RESULT_FORMS, W3C_FORMATS + "SPARQL_Results_CSV")
TSV = Format("TSV", "text/tab-separated-values", "tsv", ("tsv",), (), _RESULT_FORMS, W3C_FORMATS + "SPARQL_Results_TSV")
# Turtle is a subset of N3: a client asking for N3 gets Turtle (an N3 upload is parsed as N3).
TURTLE = _rdf("Turtle", "text/turtle", "ttl", ("ttl", "turtle", "n3"), ("application/x-turtle", "text/n3"), "Turtle")
N_TRIPLES = _rdf("N-Triples", "application/n-triples", "nt", ("nt", "ntriples"), ("text/plain",), "N-Triples")
JSON_LD = _rdf(
    "JSON-LD", "application/ld+json", "jsonld", ("jsonld", "json-ld", "json"), ("application/json",), "JSON-LD"
)
RDF_XML = _rdf(
    "RDF/XML",
    "application/rdf+xml",
    "rdf",
    ("rdfxml", "rdf+xml", "rdf", "xml", "owl"),
    ("application/xml", "text/xml"),
    "RDF_XML",
)
N_QUADS = _rdf("N-Quads", "application/n-quads", "nq", ("nq", "nquads"), (), "N-Quads")
TRIG = _rdf("TriG", "application/trig", "trig", ("trig",), ("application/x-trig",), "TriG")
N3 = _rdf("N3", "text/n3", "n3", (), (), "N3", writes=False)  # read only
HTML = Format("HTML", "text/html", "html", ("html",), ("application/xhtml+xml",))

#: Every format, results first.
FORMATS: tuple[Format, ...] = (
    SPARQL_JSON,
    SPARQL_XML,
    CSV,
    TSV,
    TURTLE,
    N_TRIPLES,
    JSON_LD,
    RDF_XML,
    N_QUADS,
    TRIG,
    N3,
    HTML,
)


@dataclass(frozen=True)
class Offer:
    """What one endpoint serves, most preferred first (the first is the answer without Accept)."""

    #: What is offered, for error messages ("this query", "the ontology"...).
    subject: str
    formats: tuple[Format, ...]
    #: Media types in ``Accept`` may be aliases (``text/plain`` for N-Triples...).
    aliases: bool = True
    #: HTML only for a client that names ``text/html`` (or ``format=html``): ``*/*`` means "your
    #: default", not "a web page". The page is made from this media type.
    html_from: str | None = None
    #: The status for a ``format=`` value that is not offered (SPARQL clients expect 406).
    unknown_name_status: int = 406

    @property
    def media_types(self) -> list[str]:
        """The canonical media types offered, in order (HTML last when only named)."""
        return [f.media_type for f in self.formats] + ([HTML.media_type] if self.html_from else [])

    @property
    def names(self) -> list[str]:
        return sorted({n for f in self.formats for n in f.names} | ({"html"} if self.html_from else set()))


#: ``/sparql`` answers per query form (SPARQLWrapper's ``format=xml`` means RDF/XML for CONSTRUCT).
QUERY_OFFERS: dict[QueryForm, Offer] = {
    QueryForm.SOLUTIONS: Offer("this query", (SPARQL_JSON, SPARQL_XML, CSV, TSV), html_from=TSV.media_type),
    QueryForm.BOOLEAN: Offer("this query", (SPARQL_JSON, SPARQL_XML, CSV, TSV), html_from=SPARQL_JSON.media_type),
    QueryForm.GRAPH: Offer(
        "this query", (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, N_QUADS, TRIG), html_from=TURTLE.media_type
    ),
}
#: The service description and VoID: small RDF graphs, like a CONSTRUCT answer.
DESCRIPTION_OFFER = Offer("the description", QUERY_OFFERS[QueryForm.GRAPH].formats, html_from=TURTLE.media_type)
#: ``GET /store?graph=`` (one graph) and ``GET /store`` (the whole dataset).
GRAPH_OFFER = Offer("a graph", (TURTLE, N_TRIPLES, RDF_XML, JSON_LD, N_QUADS, TRIG), aliases=False)
DATASET_OFFER = Offer("the whole dataset", (N_QUADS, TRIG), aliases=False)
#: ``GET /dump``.
DUMP_OFFER = Offer("the dump", (N_QUADS, TRIG), aliases=False, unknown_name_status=400)
#: ``/doc/{kind}/{slug}``: a browser without preferences gets the page.
DOCUMENT_OFFER = Offer("this resource", (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML, TRIG, N_QUADS))
#: ``/ontology``: an RDF client without preferences gets Turtle.
ONTOLOGY_OFFER = Offer("the ontology", (TURTLE, HTML, JSON_LD, RDF_XML, N_TRIPLES), unknown_name_status=400)

#: Media types each query form can be written in (what the store's writers are asked for).
RESULT_TYPES: dict[QueryForm, list[str]] = {
    form: [f.media_type for f in offer.formats] for form, offer in QUERY_OFFERS.items()
}
#: Graph Store uploads: every RDF format pyoxigraph parses.
UPLOAD_FORMATS: tuple[Format, ...] = tuple(f for f in FORMATS if f.upload)


def by_media_type(media_type: str) -> Format | None:
    """The format whose canonical media type this is."""
    return next((f for f in FORMATS if f.media_type == media_type), None)


def by_extension(extension: str) -> Format | None:
    return next((f for f in FORMATS if f.extension == extension), None)


def find(offer: Offer, name_or_type: str) -> Format | None:
    """The offered format a ``format=`` short name, media type or alias means."""
    key = name_or_type.strip().lower()
    for fmt in offer.formats:
        if key in fmt.names or key == fmt.media_type or (offer.aliases and key in fmt.aliases):
            return fmt
    return None


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


def media_type_for_path(path: object) -> str | None:
    """Guess an RDF media type from a file name (``.ttl``, ``.nq``, ``.jsonld``, ``.gz`` too)."""
    name = pathlib.Path(str(path)).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    fmt = ox.RdfFormat.from_extension(ext) if ext else None
    return fmt.media_type if fmt else None
