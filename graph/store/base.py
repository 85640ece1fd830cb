"""What every store backend offers the CLI and the server, and the errors it raises.

A query runs in two steps so that content negotiation can depend on the query form (a SELECT
and a CONSTRUCT offer different formats) while the result still streams:
``prepared = store.prepare(request)`` parses and starts it and reports ``prepared.form``;
``prepared.stream(media_type)`` yields the serialized result in chunks.

A caller that has already negotiated a media type for each form passes them in
``QueryRequest.formats``: the engine then serializes at once, and a small result arrives in one
piece with the form (``prepared.ready_body``) instead of after a second round trip.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from claimgraph.graph.store.errors import (
    DataError,
    EngineCrashed,
    QueryAbandoned,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    SearchUnavailable,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)

if TYPE_CHECKING:
    # pyoxigraph is imported where a method needs it: the CLI's and gunicorn master's imports
    # reach this module, and the master never runs the engine (13 MiB of its memory).
    import pyoxigraph as ox

    from claimgraph.graph.store.search.index import Hit

__all__ = [
    "DataError",
    "EngineCrashed",
    "QueryAbandoned",
    "QueryRejected",
    "QuerySyntaxError",
    "QueryTimeout",
    "SearchUnavailable",
    "StoreBusy",
    "StoreError",
    "StoreUnavailable",
]


class TimeBudget:
    """Time a request may spend waiting on the engine or the store, never on a slow client.

    Both backends count only their own waits into ``spent``, so a client that reads slowly does
    not use up the query's time limit; both look at ``cancelled`` while they wait (the embedded
    store every 250 ms, the remote one before each request and between chunks)."""

    def __init__(self, total: float, cancelled: Callable[[], bool] | None = None) -> None:
        self.total = total
        self.spent = 0.0
        #: The request's cancellation check (:attr:`QueryRequest.cancelled`).
        self.cancelled = cancelled

    def check_cancelled(self) -> None:
        """Raise :class:`QueryAbandoned` when the caller has given up."""
        if self.cancelled is not None and self.cancelled():
            raise QueryAbandoned("the client went away; its query was stopped")

    def remaining(self) -> float:
        return self.total - self.spent

    def expired(self) -> QueryTimeout:
        """The error for a query stopped at this limit."""
        return QueryTimeout(f"query stopped after the time limit of {self.total:g} s; narrow it down or add a LIMIT")


class QueryForm(enum.Enum):
    """The three shapes of result: they decide which formats can be offered."""

    BOOLEAN = "boolean"  # ASK
    SOLUTIONS = "solutions"  # SELECT
    GRAPH = "graph"  # CONSTRUCT, DESCRIBE


#: A solution of a SELECT: variable name -> pyoxigraph term (its kind depends on the query).
Row = dict[str, Any]


@dataclass(frozen=True)
class QueryRequest:
    """A query and its dataset, as the SPARQL protocol or a page hands it to the store.

    ``substitutions`` binds variables to terms before evaluation (pyoxigraph's SEP-0007
    substitution): the only way user-supplied values reach a query.
    """

    query: str
    default_graph_uris: Sequence[str] = ()
    named_graph_uris: Sequence[str] = ()
    base_iri: str | None = None
    substitutions: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode] = field(default_factory=dict)
    timeout: float | None = None
    #: The media type to serialize in, per form, when the caller knows it before the form is
    #: known (the server negotiates all three up front). Not part of the question: two requests
    #: that differ only here have the same answer.
    formats: Mapping[QueryForm, str] = field(default_factory=dict)
    #: Called now and then while the query runs; True stops it (:class:`QueryAbandoned`). The
    #: server passes "has the client hung up?". Not part of the question either.
    cancelled: Callable[[], bool] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class UpdateRequest:
    """A SPARQL update and the dataset the protocol's using-graph-uri parameters give it."""

    update: str
    using_graph_uris: Sequence[str] = ()
    using_named_graph_uris: Sequence[str] = ()
    base_iri: str | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class LoadSource:
    """One RDF input of a bulk load: a binary stream and its media type (already decompressed)."""

    stream: IO[bytes]
    media_type: str
    name: str = "<input>"
    #: The file ``stream`` reads, when it is a plain file: the embedded store's loader then
    #: reads it itself, beside the Python parser of ``stream`` (not set for gzip input).
    path: Path | None = None


@dataclass(frozen=True)
class LoadSummary:
    """What a bulk load wrote: quads read, distinct graphs they went to, seconds taken."""

    quads: int
    graphs: int
    seconds: float


class PreparedQuery(ABC):
    """A started query whose form is known and whose result is ready to stream."""

    form: QueryForm
    variables: Sequence[str] = ()

    @abstractmethod
    def stream(self, media_type: str) -> Iterator[bytes]:
        """Serialize the result in ``media_type`` (one that :mod:`formats` offers for the form)."""

    @abstractmethod
    def close(self) -> None:
        """Abandon the query (the client went away); safe to call more than once."""

    def ready_body(self, media_type: str) -> bytes | None:
        """The whole result in ``media_type`` if it is already in memory, else None.

        A small result that came in one piece (or from a cache) can be sent with a
        Content-Length instead of as a chunked stream. After a body was returned the query is
        finished; after None, call :meth:`stream` as usual."""
        return None

    def __enter__(self) -> "PreparedQuery":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Store(ABC):
    """A SPARQL dataset that claimgraph reads and writes."""

    @abstractmethod
    def prepare(self, request: QueryRequest) -> PreparedQuery:
        """Parse and start a query; raise a :class:`StoreError` subclass on failure."""

    @abstractmethod
    def update(self, request: UpdateRequest) -> None:
        """Run a SPARQL update atomically: all of it or nothing."""

    @abstractmethod
    def load(
        self,
        data: bytes | IO[bytes],
        media_type: str,
        graph: str | None = None,
        base_iri: str | None = None,
    ) -> int:
        """Add RDF in one transaction; triples go to ``graph`` (default graph when None).

        Returns the number of quads read."""

    def bulk_load(
        self,
        sources: Sequence[LoadSource],
        graph: str | None = None,
        base_iri: str | None = None,
        progress: Callable[[], None] | None = None,
        validate: bool = False,
    ) -> LoadSummary:
        """Load many inputs as fast as the backend can (``claimgraph load``).

        All or nothing where the backend allows it (the embedded store: one atomic version);
        this default loads each source in its own transaction. ``progress`` is called now and
        then so that a caller can redraw a progress bar from its streams' positions. With
        ``validate``, data in claimgraph's vocabulary is checked against the SHACL shapes."""
        import time

        started = time.monotonic()
        quads = 0
        for source in sources:
            if validate:
                from claimgraph.graph.store.rdfio import check_shapes, parse_rdf  # rdfio never imports base

                check_shapes(parse_rdf(source.stream, source.media_type))
                source.stream.seek(0)
            quads += self.load(source.stream, source.media_type, graph=graph, base_iri=base_iri)
            if progress is not None:
                progress()
        return LoadSummary(quads=quads, graphs=1 if graph else 0, seconds=time.monotonic() - started)

    @abstractmethod
    def replace_dataset(self, nquads: bytes, validate: bool = False) -> None:
        """Atomically replace the whole dataset with ``nquads`` (used by ``claimgraph build``).

        With ``validate``, what the store holds after the write is checked against the SHACL
        shapes before it is published (a :class:`DataError` leaves the old dataset): the store
        may keep values differently from the input (Oxigraph keeps derived integer types as
        ``xsd:integer``), and the shapes must hold for what is served."""

    @abstractmethod
    def dump(self, output: IO[bytes], media_type: str = "application/n-quads") -> None:
        """Write the whole dataset (N-Quads or TriG) to ``output``."""

    def dump_chunks(self, media_type: str = "application/n-quads") -> Iterator[bytes]:
        """The whole dataset in chunks, for streaming responses (backends may stream for real)."""
        import io

        buf = io.BytesIO()
        self.dump(buf, media_type)
        yield buf.getvalue()

    def generation(self) -> str | None:
        """A token that changes with every write to the data (caches and statistics are kept
        per generation); None when the backend cannot tell (an external store written by others)."""
        return None

    def last_modified(self) -> float | None:
        """When the current data was written (a POSIX time), for ``Last-Modified``; None when
        the backend cannot tell."""
        return None

    def warm_up(self) -> None:
        """Start at once what the first query would otherwise wait for (a server calls this)."""

    @abstractmethod
    def is_empty(self) -> bool:
        """True when the store holds no quad at all."""

    @abstractmethod
    def close(self) -> None:
        """Release processes and file handles."""

    # -- Graph Store Protocol operations (``graph=None`` is the default graph) ---------------

    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs the store holds (for the service description)."""
        import pyoxigraph as ox

        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return [row["g"].value for row in rows if isinstance(row.get("g"), ox.NamedNode)]

    def graph_exists(self, graph: str | None) -> bool:
        """True when the store knows the named graph (the default graph always exists)."""
        raise NotImplementedError

    def get_graph(self, graph: str | None, media_type: str) -> Iterator[bytes]:
        """Stream one graph's triples in an RDF media type."""
        raise NotImplementedError

    def put_graph(
        self, graph: str | None, data: bytes | IO[bytes], media_type: str, base_iri: str | None = None
    ) -> bool:
        """Replace a graph's content atomically; True when the graph did not exist before."""
        raise NotImplementedError

    def post_graph(
        self, graph: str | None, data: bytes | IO[bytes], media_type: str, base_iri: str | None = None
    ) -> bool:
        """Add triples to a graph atomically; True when the graph did not exist before."""
        raise NotImplementedError

    def delete_graph(self, graph: str | None) -> bool:
        """Remove a graph (empty the default graph); False when there was nothing to remove."""
        raise NotImplementedError

    def search(self, text: str, limit: int = 20, timeout: float | None = None) -> list["Hit"]:
        """Claims whose text matches ``text`` (the search language of :mod:`search.syntax`),
        best first; only the embedded store keeps a full-text index."""
        raise SearchUnavailable(
            "full-text search needs claimgraph's own store (--store DIR): an external SPARQL "
            "store (--store-url) has no search index; see docs/search.md"
        )

    def select(self, query: str, **bindings: ox.NamedNode | ox.Literal) -> list[Row]:
        """Run a SELECT with bound values and return rows of pyoxigraph terms (for pages, CLI)."""
        with self.prepare(QueryRequest(query=query, substitutions=bindings)) as prepared:
            body = b"".join(prepared.stream("application/sparql-results+json"))
        import pyoxigraph as ox

        results = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        if not isinstance(results, ox.QuerySolutions):
            raise QueryRejected("select() runs SELECT queries; use ask() for ASK")
        return [{v.value: sol[v] for v in results.variables if sol[v] is not None} for sol in results]

    def ask(self, query: str, **bindings: ox.NamedNode | ox.Literal) -> bool:
        """Run an ASK with bound values."""
        with self.prepare(QueryRequest(query=query, substitutions=bindings)) as prepared:
            body = b"".join(prepared.stream("application/sparql-results+json"))
        import pyoxigraph as ox

        return bool(ox.parse_query_results(body, ox.QueryResultsFormat.JSON))
