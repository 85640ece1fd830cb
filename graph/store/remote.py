"""A backend that keeps the graph in an external SPARQL 1.1 store (Oxigraph server, Virtuoso,
Fuseki, GraphDB, Neptune, ...) and talks to it only through the standard protocols.

- Queries go to the query endpoint with the client's dataset parameters; the answer streams
  through untouched when the store speaks the requested format, and is converted by pyoxigraph
  from the store's SPARQL JSON / N-Triples when it does not (or when configured not to trust it).
- Updates go to the update endpoint; Graph Store Protocol operations go to the GSP endpoint
  when one is configured, and become equivalent SPARQL updates when not.
- The query form is read from the query's prologue (:mod:`lexer`), so content negotiation can
  happen before the store is asked anything; a text the lexer cannot classify is sent as is, and
  the store's own parser message comes back to the client.
- Time limits: the HTTP request to the store is abandoned (the connection closed) when the
  query's budget runs out, and :class:`QueryTimeout` is raised. Configure the store's own limit
  too, so that it stops working on abandoned queries.
- Credentials come only from environment variables (``CLAIMGRAPH_STORE_USER`` /
  ``CLAIMGRAPH_STORE_PASSWORD`` with ``CLAIMGRAPH_STORE_AUTH=basic|digest``, or
  ``CLAIMGRAPH_STORE_TOKEN`` for a bearer token); URLs with a user or password in them are refused,
  and URLs in messages never carry a query string.

Stores without a separate default graph (Virtuoso, Neptune: their default graph is the union of
all graphs, which would make every claimed proposition look asserted) keep claimgraph's default
graph as a named graph, ``default_graph``: queries without a dataset of their own are sent with
``default-graph-uri`` set to it, and claimgraph's own writes, dumps and GSP requests for the
default graph use it.
"""

from __future__ import annotations

import io
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
import requests
import urllib3

from claimgraph.graph.store.sparqltext import lexer
from claimgraph.graph.store.base import (
    LoadSource,
    LoadSummary,
    PreparedQuery,
    QueryForm,
    QueryRequest,
    QuerySyntaxError,
    QueryTimeout,
    SearchUnavailable,
    Store,
    StoreError,
    StoreUnavailable,
    UpdateRequest,
    TimeBudget,
)
from claimgraph.graph.store.formats import rdf_format
from claimgraph.graph.store.sparqltext.search_calls import SERVICE_IRI, mentions_service, service_use
from claimgraph.graph.store.rdfio import check_shapes, parse_rdf

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
CONNECT_TIMEOUT = 10.0
#: A dump reads the whole store: it may wait on the store far longer than a query may.
DUMP_TIMEOUT = 6 * 3600.0
#: Formats asked for when the store cannot give the requested one: every SPARQL store speaks these.
CANONICAL = {
    QueryForm.SOLUTIONS: ("application/sparql-results+json", "application/sparql-results+xml"),
    QueryForm.BOOLEAN: ("application/sparql-results+json", "application/sparql-results+xml"),
    QueryForm.GRAPH: ("application/n-triples", "text/turtle", "application/rdf+xml"),
}
_ANY_RESULT = ", ".join(
    ["application/sparql-results+json", "application/n-triples;q=0.9", "text/turtle;q=0.8", "*/*;q=0.1"]
)


def safe_url(url: str) -> str:
    """The URL without user info or query string: what may appear in logs and messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"the {what} URL must be an http(s) URL, got {safe_url(url)!r}")
    if parts.username or parts.password:
        raise StoreError(
            f"the {what} URL carries credentials; put them in CLAIMGRAPH_STORE_USER / "
            "CLAIMGRAPH_STORE_PASSWORD (or CLAIMGRAPH_STORE_TOKEN) instead"
        )
    return url


def _auth_from_env() -> tuple[Any, dict[str, str]]:
    """requests auth object and extra headers from the CLAIMGRAPH_STORE_* credential variables."""
    token = os.environ.get("CLAIMGRAPH_STORE_TOKEN")
    if token:
        return None, {"Authorization": f"Bearer {token}"}
    user = os.environ.get("CLAIMGRAPH_STORE_USER")
    if not user:
        return None, {}
    password = os.environ.get("CLAIMGRAPH_STORE_PASSWORD", "")
    scheme = (os.environ.get("CLAIMGRAPH_STORE_AUTH") or "basic").lower()
    if scheme == "digest":
        return requests.auth.HTTPDigestAuth(user, password), {}
    if scheme != "basic":
        raise StoreError(f"CLAIMGRAPH_STORE_AUTH must be basic or digest, not {scheme!r}")
    return requests.auth.HTTPBasicAuth(user, password), {}


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _framed(response: requests.Response) -> bool:
    """True when HTTP framing tells a complete answer from one the store broke off.

    With a Content-Length or chunked encoding, urllib3 raises on a short body. An answer that
    ends when the connection closes (HTTP/1.0 style) looks complete however early it stops, so
    it is parsed and written again, which fails on a truncated document instead of passing it on."""
    encoding = response.headers.get("Transfer-Encoding", "").lower()
    return response.headers.get("Content-Length") is not None or "chunked" in encoding


def _parses_as(form: QueryForm, media_type: str) -> bool:
    """True when pyoxigraph can read ``media_type`` as a result of this form."""
    if form is QueryForm.GRAPH:
        return ox.RdfFormat.from_media_type(media_type) is not None
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    return fmt is not None and fmt != ox.QueryResultsFormat.CSV  # CSV is lossy: never a source


class _IterReader:
    """A binary file-like object over an iterator of chunks (for pyoxigraph's parsers)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""

    def read(self, size: int = -1, **_: object) -> bytes:
        while size < 0 or len(self._buf) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buf += chunk
        if size < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


class _Abandoned(Exception):
    """The consumer stopped reading a conversion; its writer thread stops at the next write."""


def _pump(write: Callable[[Any], None]) -> Iterator[bytes]:
    """Run ``write(file)`` in a thread and yield what it writes, with back-pressure.

    pyoxigraph's serializers write to a file; this turns one into a generator whose memory stays
    bounded however large the result."""
    chunks: queue.Queue[Any] = queue.Queue(maxsize=8)
    stop = threading.Event()

    class _Writer:
        def __init__(self) -> None:
            self.buf = bytearray()

        def write(self, data: bytes) -> int:
            self.buf += data
            if len(self.buf) >= CHUNK_BYTES:
                self._send()
            return len(data)

        def flush(self) -> None:
            pass

        def _send(self) -> None:
            while not stop.is_set():
                try:
                    chunks.put(bytes(self.buf), timeout=0.5)
                    self.buf.clear()
                    return
                except queue.Full:
                    continue
            raise _Abandoned()

    def run() -> None:
        writer = _Writer()
        try:
            write(writer)
            if writer.buf:
                writer._send()
            chunks.put(None)
        except _Abandoned:
            pass
        except BaseException as exc:  # handed to the consumer, raised in its thread
            if not stop.is_set():
                chunks.put(exc)

    thread = threading.Thread(target=run, name="claimgraph-convert", daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                if isinstance(item, StoreError):
                    raise item
                raise StoreUnavailable(f"could not read the store's answer (incomplete or malformed): {item}") from None
            yield item
    finally:
        stop.set()


def _convert(chunks: Iterator[bytes], form: QueryForm, source: str, target: str) -> Iterator[bytes]:
    """Re-serialize a result from the store's format into the requested one, streaming."""
    reader = _IterReader(chunks)
    if form is QueryForm.GRAPH:
        src, dst = rdf_format(source), rdf_format(target)

        def write(out: Any) -> None:
            quads = ox.parse(reader, src)  # type: ignore[arg-type]  # duck-typed IO
            ox.serialize((ox.Quad(q.subject, q.predicate, q.object) for q in quads), out, dst)

    else:
        rsrc = ox.QueryResultsFormat.from_media_type(source)
        rdst = ox.QueryResultsFormat.from_media_type(target)

        def write(out: Any) -> None:
            ox.parse_query_results(reader, rsrc).serialize(out, rdst)  # type: ignore[arg-type]  # duck-typed IO

    return _pump(write)


class _RemoteQuery(PreparedQuery):
    """A query whose form is known; the store is asked once the format is chosen."""

    def __init__(
        self,
        store: "RemoteStore",
        form: QueryForm,
        data: dict[str, Any],
        budget: TimeBudget,
        probe: tuple[requests.Response, str] | None = None,
    ) -> None:
        self._store = store
        self.form = form
        self._data = data
        self._budget = budget
        self._probe = probe
        self._response: requests.Response | None = None
        self._started = False
        self._closed = False

    def stream(self, media_type: str) -> Iterator[bytes]:
        if self._started or self._closed:
            raise StoreError("this query was already streamed or closed")
        self._started = True
        return self._generate(media_type)

    def _generate(self, media_type: str) -> Iterator[bytes]:
        response, got = self._open(media_type)
        self._response = response
        try:
            chunks = self._store._chunks(response, self._budget)
            if self.form is QueryForm.BOOLEAN:
                yield self._boolean(b"".join(chunks), got, media_type)
            elif got == media_type and (_framed(response) or not _parses_as(self.form, got)):
                yield from chunks
            else:  # another format, or an answer whose end only a parser can tell (see _framed)
                yield from _convert(chunks, self.form, got, media_type)
        finally:
            response.close()

    def _boolean(self, body: bytes, got: str, media_type: str) -> bytes:
        """An ASK answer (a few bytes), checked: some stores answer ASK like a SELECT.

        Virtuoso 7.2 sends a one-column solution set (``?__ASK_RETVAL`` bound to 1, or no row
        for false); claimgraph turns that into the boolean result the protocol defines."""
        parsed = ox.parse_query_results(body, ox.QueryResultsFormat.from_media_type(got))
        if isinstance(parsed, ox.QueryBoolean):
            if got == media_type:
                return body
            value = bool(parsed)
        else:
            value = any(
                term is not None and term.value not in ("0", "false", "") for solution in parsed for term in solution
            )
            self._store._note_quirk("answers ASK with a solution set instead of a boolean")
        canonical = b'{"head":{},"boolean":%s}' % (b"true" if value else b"false")
        out = io.BytesIO()
        ox.parse_query_results(canonical, ox.QueryResultsFormat.JSON).serialize(
            out, ox.QueryResultsFormat.from_media_type(media_type)
        )
        return out.getvalue()

    def _open(self, media_type: str) -> tuple[requests.Response, str]:
        """A response in ``media_type`` or in a format pyoxigraph can convert from."""
        store = self._store
        if self._probe is not None:
            response, got = self._probe
            self._probe = None
            return response, got
        wanted = [media_type]
        if media_type in store.convert_formats or (
            self.form is QueryForm.BOOLEAN and not _parses_as(self.form, media_type)
        ):
            wanted = []  # produced by claimgraph from a canonical format
        for candidate in [*wanted, *CANONICAL[self.form]]:
            if (self.form, candidate) in store.unsupported:
                continue
            response = store._post(store.query_url, self._data, self._budget, accept=candidate)
            got = _mime(response.headers.get("Content-Type"))
            if response.status_code not in (406, 415):
                if got == candidate and (self.form is not QueryForm.BOOLEAN or _parses_as(self.form, got)):
                    return response, got
                if _parses_as(self.form, got):
                    store._note_unsupported(self.form, candidate, got)  # usable, but not what was asked
                    return response, got
            response.close()
            store._note_unsupported(self.form, candidate, got or f"HTTP {response.status_code}")
        raise StoreUnavailable(
            f"the SPARQL store at {safe_url(store.query_url)} answered in none of {', '.join(CANONICAL[self.form])}"
        )

    def close(self) -> None:
        self._closed = True
        for response in (self._response, self._probe[0] if self._probe else None):
            if response is not None:
                response.close()
        self._probe = None


def _with_base(text: str, base_iri: str | None) -> str:
    """The request's base IRI as a BASE declaration: the protocol has no parameter for it."""
    return f"BASE {ox.NamedNode(base_iri)}\n{text}" if base_iri else text


class RemoteStore(Store):
    """A SPARQL 1.1 service reached over HTTP (query, update and Graph Store endpoints)."""

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        gsp_url: str | None = None,
        default_graph: str | None = None,
        query_timeout: float = 30.0,
        system_graphs: Sequence[str] = (),
        convert_formats: Sequence[str] = (),
    ) -> None:
        self.query_url = _check_url(query_url, "query endpoint")
        self.update_url = _check_url(update_url or query_url, "update endpoint")
        self.gsp_url = _check_url(gsp_url, "graph store endpoint") if gsp_url else None
        self.default_graph = str(ox.NamedNode(default_graph).value) if default_graph else None
        self.query_timeout = query_timeout
        self.system_graphs = tuple(system_graphs)
        self.convert_formats = frozenset(convert_formats)
        self.unsupported: set[tuple[QueryForm, str]] = set()
        self._quirks: set[str] = set()
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.auth, headers = _auth_from_env()
        self._session.headers.update(headers)
        self._session.headers["User-Agent"] = "claimgraph"

    def __repr__(self) -> str:
        return f"RemoteStore({safe_url(self.query_url)!r})"

    # -- HTTP ---------------------------------------------------------------------------

    def _post(
        self,
        url: str,
        data: Any,
        budget: TimeBudget,
        accept: str | None = None,
        headers: dict[str, str] | None = None,
        method: str = "POST",
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send one request within the budget; map transport failures and error statuses."""
        hdrs = dict(headers or {})
        if accept:
            hdrs["Accept"] = accept
        if budget.remaining() <= 0:
            raise budget.expired()
        budget.check_cancelled()
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                url,
                data=data,
                params=params,
                headers=hdrs,
                stream=True,
                timeout=(min(CONNECT_TIMEOUT, budget.remaining()), budget.remaining()),
            )
        except requests.exceptions.ConnectTimeout:
            raise StoreUnavailable(f"cannot connect to the SPARQL store at {safe_url(url)} (timed out)") from None
        except requests.exceptions.ReadTimeout:
            raise budget.expired() from None
        except requests.exceptions.RequestException as exc:
            raise StoreUnavailable(f"cannot reach the SPARQL store at {safe_url(url)}: {type(exc).__name__}") from None
        finally:
            budget.spent += time.monotonic() - started
        if response.status_code < 400 or response.status_code in (404, 406, 415):
            return response
        raise self._error(response, url)

    def _error(self, response: requests.Response, url: str) -> StoreError:
        """The store's error, as claimgraph's: its own parser message for a 400."""
        try:
            body = response.raw.read(8192, decode_content=True).decode("utf-8", "replace")
        except Exception:
            body = ""
        finally:
            response.close()
        # Virtuoso echoes the whole query after its message; the message is what helps.
        message = body.split("\n\nSPARQL query:", 1)[0].strip()[:2000] or response.reason
        status = response.status_code
        if status == 400:
            return QuerySyntaxError(message)
        if status in (401, 403):
            return StoreUnavailable(
                f"the SPARQL store at {safe_url(url)} refused access (HTTP {status}); check the "
                f"CLAIMGRAPH_STORE_* credentials and the account's rights: {message}"
            )
        lowered = message.lower()
        if status in (408, 504) or status >= 500 and ("timeout" in lowered or "timed out" in lowered):
            # e.g. Virtuoso past MaxQueryExecutionTime: "SR171: Transaction timed out"
            return QueryTimeout(f"the SPARQL store stopped the query at its own time limit: {message}")
        return StoreUnavailable(f"the SPARQL store at {safe_url(url)} failed (HTTP {status}): {message}")

    def _chunks(self, response: requests.Response, budget: TimeBudget) -> Iterator[bytes]:
        """The response body, abandoned (connection closed) when the budget runs out."""
        # raw.read(n) returns n bytes unless the answer ends first: chunks of the store's own
        # framing (often a few bytes each) are coalesced into fewer, larger writes to the client.
        read = response.raw.read
        try:
            while True:
                started = time.monotonic()
                try:
                    chunk = read(CHUNK_BYTES, decode_content=True) or None
                except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                    budget.spent += time.monotonic() - started
                    if budget.remaining() <= 0 or "timed out" in str(exc).lower():
                        raise budget.expired() from None
                    raise StoreUnavailable(f"the SPARQL store broke off its answer: {type(exc).__name__}") from None
                budget.spent += time.monotonic() - started
                if chunk is None:
                    return
                if budget.remaining() <= 0:
                    raise budget.expired()
                budget.check_cancelled()  # the caller gave up: close the store's answer
                if chunk:
                    yield chunk
        finally:
            response.close()

    def _note_unsupported(self, form: QueryForm, media_type: str, answer: str) -> None:
        if (form, media_type) not in self.unsupported:
            self.unsupported.add((form, media_type))
            log.warning(
                "the SPARQL store at %s does not serve %s for %s results (it answered %s); "
                "claimgraph converts from %s with pyoxigraph instead",
                safe_url(self.query_url),
                media_type,
                form.value,
                answer,
                CANONICAL[form][0],
            )

    def _note_quirk(self, what: str) -> None:
        if what not in self._quirks:
            self._quirks.add(what)
            log.warning("the SPARQL store at %s %s; claimgraph corrects it", safe_url(self.query_url), what)

    # -- queries ------------------------------------------------------------------------

    def _budget(self, timeout: float | None, cancelled: Callable[[], bool] | None = None) -> TimeBudget:
        return TimeBudget(timeout if timeout is not None else self.query_timeout, cancelled)

    def _query_data(self, request: QueryRequest) -> dict[str, Any]:
        text = request.query
        if request.substitutions:
            text = lexer.bind_values(text, request.substitutions)
        text = _with_base(text, request.base_iri)
        data: dict[str, Any] = {"query": text}
        if request.default_graph_uris or request.named_graph_uris:
            data["default-graph-uri"] = list(request.default_graph_uris)
            data["named-graph-uri"] = list(request.named_graph_uris)
        elif self.default_graph and not lexer.names_dataset(request.query):
            data["default-graph-uri"] = [self.default_graph]
            # Virtuoso, once given a default graph, matches GRAPH <iri> only against listed named
            # graphs (while GRAPH ?g still sees them all): list the ones the query names. With a
            # GRAPH ?g in the same query that would hide the others, so then nothing is listed.
            explicit, variable = lexer.graph_names(text)
            if explicit and not variable:
                data["named-graph-uri"] = sorted(set(explicit))
        return data

    def prepare(self, request: QueryRequest) -> PreparedQuery:
        if mentions_service(request.query) and service_use(request.query).calls:
            raise SearchUnavailable(
                f"SERVICE <{SERVICE_IRI}> (full-text search) needs claimgraph's own store (--store DIR): "
                "an external SPARQL store (--store-url) has no search index; see docs/search.md"
            )
        budget = self._budget(request.timeout, request.cancelled)
        data = self._query_data(request)
        form = lexer.query_form(request.query)
        if form is not None:
            return _RemoteQuery(self, form, data, budget)
        # Not a query the lexer recognises: the store's parser says why (or, if it runs it,
        # the answer's media type tells the form).
        response = self._post(self.query_url, data, budget, accept=_ANY_RESULT)
        got = _mime(response.headers.get("Content-Type"))
        if ox.RdfFormat.from_media_type(got) is not None:
            return _RemoteQuery(self, QueryForm.GRAPH, data, budget, probe=(response, got))
        results_fmt = ox.QueryResultsFormat.from_media_type(got)
        if results_fmt is None:
            response.close()
            raise QuerySyntaxError("not a SPARQL query (expected SELECT, ASK, CONSTRUCT or DESCRIBE)")
        body = b"".join(self._chunks(response, budget))
        parsed = ox.parse_query_results(body, results_fmt)
        form = QueryForm.BOOLEAN if isinstance(parsed, ox.QueryBoolean) else QueryForm.SOLUTIONS
        replay = requests.Response()
        replay.status_code, replay.headers["Content-Type"] = 200, got
        replay.raw = _IterReader(iter([body]))
        return _RemoteQuery(self, form, data, budget, probe=(replay, got))

    def _rows(
        self, query: str, timeout: float | None = None, **bindings: ox.NamedNode | ox.Literal
    ) -> Iterator[ox.QuerySolution]:
        """Solutions of a SELECT, parsed as they stream in (for dumps and graph listings)."""
        request = QueryRequest(query=query, substitutions=bindings, timeout=timeout)
        prepared = self.prepare(request)
        chunks = prepared.stream("application/sparql-results+json")
        try:
            results = ox.parse_query_results(_IterReader(chunks), ox.QueryResultsFormat.JSON)  # type: ignore[arg-type]
            if not isinstance(results, ox.QuerySolutions):
                raise StoreError("not a SELECT query")
            yield from results
        finally:
            prepared.close()

    # -- updates ------------------------------------------------------------------------

    def update(self, request: UpdateRequest) -> None:
        data: dict[str, Any] = {"update": _with_base(request.update, request.base_iri)}
        if request.using_graph_uris or request.using_named_graph_uris:
            data["using-graph-uri"] = list(request.using_graph_uris)
            data["using-named-graph-uri"] = list(request.using_named_graph_uris)
        self._update_text(data, request.timeout, ours=False)

    def _update_text(self, data: dict[str, Any], timeout: float | None = None, ours: bool = True) -> None:
        """Send one update request. ``ours``: claimgraph wrote the text (load, build, GSP), so a
        refusal is the store's failure (502), not the client's syntax error (400)."""
        budget = self._budget(timeout if timeout is not None else max(self.query_timeout, 300.0))
        try:
            response = self._post(self.update_url, data, budget)
        except QuerySyntaxError as exc:
            if not ours:
                raise
            raise StoreUnavailable(f"the SPARQL store refused claimgraph's update: {exc}") from None
        try:
            if response.status_code >= 400:
                raise StoreUnavailable(
                    f"the SPARQL store at {safe_url(self.update_url)} does not accept updates "
                    f"(HTTP {response.status_code}); set CLAIMGRAPH_STORE_UPDATE_URL"
                )
        finally:
            response.close()

    def _graph_term(self, graph: str | None) -> ox.NamedNode | None:
        """The store's graph for a claimgraph graph (None: the store's own default graph)."""
        if graph is None:
            return ox.NamedNode(self.default_graph) if self.default_graph else None
        return ox.NamedNode(graph)

    def _quad_data(self, quads: Iterable[ox.Quad]) -> str:
        """``INSERT DATA`` content, written term by term by pyoxigraph (N-Triples syntax)."""
        by_graph: dict[ox.NamedNode | None, list[str]] = {}
        for q in quads:
            name = None if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
            by_graph.setdefault(self._graph_term(name), []).append(f"{q.subject} {q.predicate} {q.object} .")
        parts = []
        for graph, lines in by_graph.items():
            body = "\n".join(lines)
            parts.append(body if graph is None else f"GRAPH {graph} {{\n{body}\n}}")
        return "\n".join(parts)

    def _insert(self, quads: list[ox.Quad]) -> str:
        """The update operation that adds ``quads``.

        ``INSERT DATA`` where possible; with blank nodes, the equivalent ``INSERT { } WHERE { }``
        (its template mints fresh blank nodes too), since Virtuoso refuses blank nodes in
        ``INSERT DATA`` although SPARQL 1.1 allows them."""
        if any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
            return f"INSERT {{\n{self._quad_data(quads)}\n}} WHERE {{ }}"
        return f"INSERT DATA {{\n{self._quad_data(quads)}\n}}"

    def _parse(
        self, data: bytes | IO[bytes], media_type: str, graph: str | None, base_iri: str | None
    ) -> list[ox.Quad]:
        """Read an upload with pyoxigraph first: a malformed one is refused (DataError, with the
        parser's line) before the store sees anything."""
        return parse_rdf(data, media_type, graph=graph, base_iri=base_iri)

    def _gsp_params(self, graph: str | None) -> dict[str, str]:
        term = self._graph_term(graph)
        return {"default": ""} if term is None else {"graph": term.value}

    # -- loading, replacing, dumping --------------------------------------------------

    def load(
        self, data: bytes | IO[bytes], media_type: str, graph: str | None = None, base_iri: str | None = None
    ) -> int:
        quads = self._parse(data, media_type, graph, base_iri)
        self._write_quads(quads)
        return len(quads)

    def bulk_load(
        self,
        sources: Sequence[LoadSource],
        graph: str | None = None,
        base_iri: str | None = None,
        progress: Callable[[], None] | None = None,
        validate: bool = False,
    ) -> LoadSummary:
        """Every source parsed (and checked) first, then written in one request: all or nothing."""
        started = time.monotonic()
        quads: list[ox.Quad] = []
        for source in sources:
            quads += self._parse(source.stream, source.media_type, graph, base_iri)
            if progress is not None:
                progress()
        if validate:
            check_shapes(quads)
        self._write_quads(quads)
        graphs = {q.graph_name for q in quads}
        return LoadSummary(quads=len(quads), graphs=len(graphs), seconds=time.monotonic() - started)

    def _write_quads(self, quads: list[ox.Quad]) -> None:
        """Add quads in one request: a GSP POST when they fill one graph, else INSERT DATA."""
        if not quads:
            return
        graphs = {q.graph_name for q in quads}
        if self.gsp_url and len(graphs) == 1:
            only = next(iter(graphs))
            self._gsp_write("POST", None if isinstance(only, ox.DefaultGraph) else only.value, quads)
        else:
            self._update_text({"update": self._insert(quads)})

    def _gsp_write(self, method: str, graph: str | None, quads: list[ox.Quad]) -> requests.Response:
        body = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
        budget = self._budget(max(self.query_timeout, 300.0))
        if self.gsp_url is None:
            raise StoreError("this store has no Graph Store endpoint configured")
        response = self._post(
            self.gsp_url,
            body or b"",
            budget,
            method=method,
            params=self._gsp_params(graph),
            headers={"Content-Type": "application/n-triples"},
        )
        response.close()
        if response.status_code >= 400:
            raise StoreUnavailable(
                f"the graph store at {safe_url(self.gsp_url or '')} refused {method} (HTTP {response.status_code})"
            )
        return response

    def named_graphs(self) -> list[str]:
        """Named graphs holding triples, less the store's system graphs and the mapped default."""
        found = []
        for row in self._rows("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", timeout=DUMP_TIMEOUT):
            g = row["g"]
            if isinstance(g, ox.NamedNode) and not self._is_system(g.value) and g.value != self.default_graph:
                found.append(g.value)
        return found

    def _is_system(self, iri: str) -> bool:
        return any(iri.startswith(prefix) for prefix in self.system_graphs)

    def replace_dataset(self, nquads: bytes, validate: bool = False) -> None:
        """One update request: drop claimgraph's graphs (not the store's system graphs), insert.

        The store runs one update request as one transaction (Oxigraph, Fuseki, Virtuoso,
        GraphDB), so readers see the old dataset or the new one. A remote store cannot check
        a write before publishing it, so ``validate`` checks the quads as an in-memory Oxigraph
        store keeps them (its datatype handling) before the one update is sent."""
        quads = list(ox.parse(nquads, ox.RdfFormat.N_QUADS))
        if validate:
            from claimgraph.graph.store.rdfio import check_shapes

            held = ox.Store()
            held.extend(quads)
            check_shapes(list(held))
        ops = ["DROP SILENT DEFAULT" if self.default_graph is None else f"DROP SILENT GRAPH <{self.default_graph}>"]
        ops += [f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in self.named_graphs()]
        ops.append(self._insert(quads))
        self._update_text({"update": " ;\n".join(ops)})

    def dump(self, output: IO[bytes], media_type: str = "application/n-quads") -> None:
        fmt = rdf_format(media_type)
        if not fmt.supports_datasets:
            raise StoreError(f"{media_type} cannot hold named graphs; use N-Quads or TriG")
        if self.default_graph:
            query = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        else:
            query = "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        count = query.replace("?s ?p ?o ?g", "(COUNT(*) AS ?n)", 1)
        expected = int(next(iter(self._rows(count, timeout=DUMP_TIMEOUT)))["n"].value)
        seen = 0

        def quads() -> Iterator[ox.Quad]:
            nonlocal seen
            for row in self._rows(query, timeout=DUMP_TIMEOUT):
                seen += 1
                g = row["g"]
                if g is None or g.value == self.default_graph:
                    yield ox.Quad(row["s"], row["p"], row["o"])
                elif not self._is_system(g.value):
                    yield ox.Quad(row["s"], row["p"], row["o"], g)

        ox.serialize(quads(), output, fmt)
        if seen != expected:
            raise StoreError(
                f"the SPARQL store returned {seen} of {expected} quads: raise its result row limit "
                "(Virtuoso: ResultSetMaxRows in the [SPARQL] section)"
            )

    def dump_chunks(self, media_type: str = "application/n-quads") -> Iterator[bytes]:
        """The dump as it is written, with back-pressure (memory stays flat)."""
        rdf_format(media_type)  # an unknown type fails here, before any byte is sent
        return _pump(lambda out: self.dump(out, media_type))

    def is_empty(self) -> bool:
        if self.default_graph is None and self.ask("ASK { ?s ?p ?o }"):
            return False
        return not self.named_graphs() and not (
            self.default_graph and self.ask("ASK { GRAPH ?g { ?s ?p ?o } }", g=ox.NamedNode(self.default_graph))
        )

    # -- Graph Store Protocol -----------------------------------------------------------

    def graph_exists(self, graph: str | None) -> bool:
        if graph is None:
            return True
        return self.ask("ASK { GRAPH ?g { ?s ?p ?o } }", g=ox.NamedNode(graph))

    def get_graph(self, graph: str | None, media_type: str) -> Iterator[bytes]:
        if self.gsp_url and media_type not in self.convert_formats:
            budget = self._budget(None)
            resp = self._post(
                self.gsp_url, None, budget, accept=media_type, method="GET", params=self._gsp_params(graph)
            )
            got = _mime(resp.headers.get("Content-Type"))
            if resp.status_code == 404:
                resp.close()
                return iter(())
            if resp.status_code < 400 and _parses_as(QueryForm.GRAPH, got):
                chunks = self._chunks(resp, budget)
                return chunks if got == media_type else _convert(chunks, QueryForm.GRAPH, got, media_type)
            resp.close()
            log.warning(
                "the graph store at %s cannot GET %s; using a CONSTRUCT query", safe_url(self.gsp_url), media_type
            )
        term = self._graph_term(graph)
        if term is None:
            request = QueryRequest(query="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        else:
            request = QueryRequest(
                query="CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                substitutions={"g": term},
                default_graph_uris=[],
            )
        prepared = self.prepare(request)
        return prepared.stream(media_type)

    def put_graph(
        self, graph: str | None, data: bytes | IO[bytes], media_type: str, base_iri: str | None = None
    ) -> bool:
        quads = self._parse(data, media_type, graph, base_iri or graph)
        created = not self.graph_exists(graph)
        if self.gsp_url:
            self._gsp_write("PUT", graph, quads)
        else:
            term = self._graph_term(graph)
            drop = "DROP SILENT DEFAULT" if term is None else f"DROP SILENT GRAPH {term}"
            self._update_text({"update": f"{drop} ;\n{self._insert(quads)}"})
        return created

    def post_graph(
        self, graph: str | None, data: bytes | IO[bytes], media_type: str, base_iri: str | None = None
    ) -> bool:
        quads = self._parse(data, media_type, graph, base_iri or graph)
        created = not self.graph_exists(graph)
        if quads:
            if self.gsp_url:
                self._gsp_write("POST", graph, quads)
            else:
                self._update_text({"update": self._insert(quads)})
        return created

    def delete_graph(self, graph: str | None) -> bool:
        existed = self.graph_exists(graph) if graph is not None else not self._default_is_empty()
        if not existed:
            return False
        if self.gsp_url:
            budget = self._budget(max(self.query_timeout, 300.0))
            resp = self._post(self.gsp_url, None, budget, method="DELETE", params=self._gsp_params(graph))
            resp.close()
            return resp.status_code != 404
        term = self._graph_term(graph)
        self._update_text({"update": "DROP SILENT DEFAULT" if term is None else f"DROP SILENT GRAPH {term}"})
        return True

    def _default_is_empty(self) -> bool:
        if self.default_graph:
            return not self.ask("ASK { GRAPH ?g { ?s ?p ?o } }", g=ox.NamedNode(self.default_graph))
        return not self.ask("ASK { ?s ?p ?o }")

    def close(self) -> None:
        self._session.close()
