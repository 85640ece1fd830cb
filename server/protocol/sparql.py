"""``/sparql``: the SPARQL 1.1 Protocol for queries and updates.

https://www.w3.org/TR/sparql11-protocol/ — queries by GET, URL-encoded POST or direct POST
(``application/sparql-query``); updates by URL-encoded POST or direct POST
(``application/sparql-update``). Parameters are decoded strictly as UTF-8 from the raw bytes
(werkzeug would quietly replace bad bytes), so malformed text is a 400, never a different query.
GET without a query answers the Service Description (:mod:`claimgraph.server.protocol.service`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Response, request, stream_with_context
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, MethodNotAllowed, UnsupportedMediaType
from werkzeug.sansio.utils import get_current_url
from werkzeug.wrappers import Request

from claimgraph.graph.store import PreparedQuery, QueryRequest, Store
from claimgraph.graph.store.formats import QUERY_OFFERS
from claimgraph.graph.store.sparqltext.guard import Limits, check_query
from claimgraph.server.protocol import negotiation
from claimgraph.server.protocol.body import client_gone_check, content_type, reads_as_utf8
from claimgraph.server.state import get_settings, get_store
from claimgraph.server.protocol.update import run_update
from claimgraph.settings import Settings

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"


@dataclass
class Operation:
    """What a protocol request asks for, once decoded and checked."""

    kind: str | None  # "query", "update" or None (no operation: the service description)
    text: str = ""
    params: MultiDict = field(default_factory=MultiDict)


def _decode_pairs(raw: bytes, where: str) -> MultiDict:
    """``a=1&b=2`` decoded strictly: percent-escapes must spell UTF-8."""
    out: MultiDict[str, str] = MultiDict()
    try:
        for part in raw.split(b"&"):
            if not part:
                continue
            key, _, value = part.partition(b"=")
            out.add(
                percent_decode(key.replace(b"+", b" ")).decode("utf-8"),
                percent_decode(value.replace(b"+", b" ")).decode("utf-8"),
            )
        return out
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{where} is not valid UTF-8 once percent-decoded: {exc.reason}") from None


def percent_decode(raw: bytes) -> bytes:
    """:func:`urllib.parse.unquote_to_bytes`, a dozen times faster on a query's text.

    The standard function loops in Python over every escape (40-60 us for a query with the
    usual seven ``PREFIX`` lines, a third of a point look-up's time in the server process).
    Here each ``%`` becomes Python's ``\\x`` and the ``unicode_escape`` codec decodes them
    all in C (bytes as Latin-1, so every byte value comes back as it was; backslashes are
    doubled first so that no other escape exists). Malformed escapes (``%G1``, a ``%`` at
    the end), which the codec refuses, go to the standard function, which keeps them as
    they are. tests/test_lean_path.py checks both agree on arbitrary bytes."""
    if b"%" not in raw:
        return raw
    try:
        return raw.replace(b"\\", b"\\\\").replace(b"%", b"\\x").decode("unicode_escape").encode("latin-1")
    except UnicodeDecodeError:
        return unquote_to_bytes(raw)


def _body_text(kind: str, charset: str | None, body: Callable[[], bytes]) -> str:
    if not reads_as_utf8(charset):
        raise UnsupportedMediaType(f"the {kind} must be sent as UTF-8, not {charset}")
    raw = body()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"the {kind} is not valid UTF-8: byte {exc.start} ({raw[exc.start : exc.start + 1]!r}) {exc.reason}"
        ) from None


def _single(params: MultiDict, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"the request carries {len(values)} '{name}' parameters; send exactly one")
    return values[0] if values else None


def parse_operation() -> Operation:
    """Decode the request into one operation, or raise the HTTP error the protocol calls for."""
    return decode_operation(
        request.method,
        request.query_string,
        content_type(request.headers.get("Content-Type", "")),
        lambda: request.get_data(cache=False),
    )


def decode_operation(
    method: str, query_string: bytes, media_type: tuple[str, str | None], body: Callable[[], bytes]
) -> Operation:
    """:func:`parse_operation` from the request's parts: its method, raw query string,
    ``Content-Type`` (media type and charset, :func:`~claimgraph.server.protocol.body.content_type`)
    and body (read on demand). The lean path (:mod:`claimgraph.server.protocol.lean`) calls it
    without Flask's request."""
    url = _decode_pairs(query_string, "the URL's query string")
    if method in ("GET", "HEAD"):
        if "update" in url:
            raise BadRequest("updates must be sent with POST, not GET")
        query = _single(url, "query")
        return Operation("query", query, url) if query is not None else Operation(None, "", url)
    if method != "POST":
        raise MethodNotAllowed(["GET", "POST"], f"{method} is not part of the SPARQL protocol; use GET or POST")

    mimetype, charset = media_type
    if mimetype == FORM:
        if not reads_as_utf8(charset):
            raise UnsupportedMediaType(f"form bodies must be UTF-8, not {charset}")
        form = _decode_pairs(body(), "the form body")
        params = MultiDict(list(url.items(multi=True)) + list(form.items(multi=True)))
        query, update = _single(params, "query"), _single(params, "update")
        if query is not None and update is not None:
            raise BadRequest("a request carries either a query or an update, not both")
        if query is not None:
            return Operation("query", query, params)
        if update is not None:
            return Operation("update", update, params)
        raise BadRequest("the form carries neither a 'query' nor an 'update' parameter")
    if mimetype in (QUERY, UPDATE):
        kind = "query" if mimetype == QUERY else "update"
        if "query" in url or "update" in url:
            raise BadRequest(f"a direct POST carries the {kind} in its body; remove 'query'/'update' from the URL")
        return Operation(kind, _body_text(kind, charset, body), url)
    if not mimetype:
        raise UnsupportedMediaType(f"the POST has no Content-Type; use {FORM}, {QUERY} or {UPDATE}")
    raise UnsupportedMediaType(f"unsupported Content-Type {mimetype}; use {FORM}, {QUERY} or {UPDATE}")


#: The parts of the WSGI environment the endpoint's URL is made of.
_URL_KEYS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO")


def endpoint_iri() -> str:
    """The endpoint's own URL: the base IRI of queries and updates (the protocol allows it)."""
    return endpoint_iri_of(request.environ, request.trusted_hosts)


def endpoint_iri_of(environ: dict[str, Any], trusted: list[str] | None) -> str:
    """:func:`endpoint_iri` from the WSGI environment and the trusted hosts (None: any)."""
    return _base_url(tuple(environ.get(key) for key in _URL_KEYS), tuple(trusted) if trusted is not None else None)


@lru_cache(maxsize=64)
def _base_url(parts: tuple[str | None, ...], trusted_hosts: tuple[str, ...] | None) -> str:
    """``request.base_url``, memoised on the raw environment values it is computed from:
    werkzeug's host, root path and path properties and its IRI decoding together cost more
    than a point look-up's answer takes to arrive."""
    environ = {key: value for key, value in zip(_URL_KEYS, parts) if value is not None}
    url = Request(environ)
    url.trusted_hosts = list(trusted_hosts) if trusted_hosts is not None else None
    return get_current_url(url.scheme, url.host, url.root_path, url.path)


def _bound_client_stalls() -> None:
    bound_client_stalls(request.environ, get_settings().client_stall_timeout)


def bound_client_stalls(environ: dict[str, Any], stall: float) -> None:
    """Give up on a client that stops reading the answer (or sending its body) for ``stall`` seconds.

    A client that opens a large result and never reads it would otherwise hold a query
    executor and a server thread for ever. gunicorn resets the socket's mode for the next
    request on the connection, so this applies to this request only."""
    sock = environ.get("gunicorn.socket")
    if sock is not None and stall > 0:
        sock.settimeout(stall)


#: Where the lean path (:mod:`claimgraph.server.protocol.lean`) leaves what it found for the
#: view below: an error to raise (rendered by the one error handler, server/errors.py), or a
#: query the engine has answered whose response needs Flask (streamed, or a browser's page).
HANDED = "claimgraph.sparql.handed"


@bp.route("/sparql", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def sparql() -> Response:
    handed = request.environ.pop(HANDED, None)
    if isinstance(handed, BaseException):
        raise handed
    if isinstance(handed, Started):
        return respond(handed)
    _bound_client_stalls()
    op = parse_operation()
    if op.kind == "query":
        return _query(op)
    if op.kind == "update":
        return _update(op)
    from claimgraph.server.protocol.service import service_description

    return service_description()


def _client_timeout(op: Operation, settings: Settings) -> float | None:
    """``timeout=SECONDS``: a client may ask for less time than the server allows, never more."""
    raw = op.params.get("timeout")
    if raw is None or raw == "":
        return None
    try:
        wanted = float(raw)
    except ValueError:
        raise BadRequest(f"timeout must be a number of seconds, not {raw!r}") from None
    if not wanted > 0:
        raise BadRequest("timeout must be more than 0 seconds")
    return min(wanted, settings.query_timeout)


@dataclass
class Started:
    """A query the engine has answered: what its response is made of. ``whole``: the whole
    body when it came in one piece (else it is streamed from ``prepared``)."""

    op: Operation
    prepared: PreparedQuery
    choice: negotiation.Choice
    whole: bytes | None


def start_query(
    op: Operation,
    environ: dict[str, Any],
    settings: Settings,
    store: Store,
    limits: Limits,
    trusted_hosts: list[str] | None = None,
) -> Started:
    """Check a query, negotiate its answer's type and run it; raise the HTTP or store error
    it meets. Needs no request context (the lean path runs it too)."""
    timeout = _client_timeout(op, settings)
    # Negotiated before the form is known (for all three forms, memoised per Accept header):
    # the engine can then serialize at once and send a small answer in one message.
    choices = negotiation.choose_all_for(
        environ.get("HTTP_ACCEPT", ""), op.params.getlist("format") or op.params.getlist("output")
    )
    check_query(op.text, allow_service=settings.allow_service, limits=limits)
    prepared = store.prepare(
        QueryRequest(
            query=op.text,
            default_graph_uris=op.params.getlist("default-graph-uri"),
            named_graph_uris=op.params.getlist("named-graph-uri"),
            base_iri=endpoint_iri_of(environ, trusted_hosts),
            timeout=timeout,
            cancelled=client_gone_check(environ),
            formats={form: choice.produce for form, choice in choices.items() if choice is not None},
        )
    )
    choice = choices[prepared.form]
    if choice is None:
        prepared.close()
        raise negotiation.refusal(QUERY_OFFERS[prepared.form])
    try:
        whole = prepared.ready_body(choice.produce)
    except BaseException:
        prepared.close()  # the executor goes back before the error handler answers
        raise
    if whole is not None:
        prepared.close()
    return Started(op, prepared, choice, whole)


def _query(op: Operation) -> Response:
    settings = get_settings()
    return respond(start_query(op, request.environ, settings, get_store(), settings.limits(), request.trusted_hosts))


def respond(started: Started) -> Response:
    """The response for a query the engine has answered (in a request context)."""
    prepared, choice, whole, op = started.prepared, started.choice, started.whole, started.op
    if whole is None:
        try:
            chunks = prepared.stream(choice.produce)
            first = next(chunks, b"")  # errors before the first byte still get a proper status
        except BaseException:
            prepared.close()  # the executor goes back before the error handler answers
            raise

    def body() -> Iterator[bytes]:
        try:
            yield first
            yield from chunks
        finally:
            prepared.close()

    if whole is not None:
        if choice.html:
            page = negotiation.html_view(prepared.form, choice.produce, iter((whole,)), op.text)
            response = Response(stream_with_context(page), mimetype=choice.label)
        else:
            response = Response(whole, mimetype=choice.label)  # one write, with a Content-Length
    else:
        stream: Iterator[bytes] = body()
        if choice.html:
            stream = negotiation.html_view(prepared.form, choice.produce, stream, op.text)
        response = Response(stream_with_context(stream), mimetype=choice.label)
    response.headers["Vary"] = "Accept"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _update(op: Operation) -> Response:
    return run_update(
        op.text,
        using_graph_uris=op.params.getlist("using-graph-uri"),
        using_named_graph_uris=op.params.getlist("using-named-graph-uri"),
        base_iri=endpoint_iri(),
    )
