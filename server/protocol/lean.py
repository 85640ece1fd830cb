"""The lean path: a plain, successful SPARQL query answered without Flask's per-request work.

On two cores every millisecond of CPU per request is throughput lost, and for a point look-up
Flask's request context, routing, hooks, response object and flask-cors cost more than the
engine's answer (docs/benchmarks.md, "Where a small query's time goes"). This WSGI layer sits in
front of the Flask application and answers one kind of request itself: a query on ``/sparql``
(GET or HEAD with ``query=``, URL-encoded POST, ``application/sparql-query`` POST) whose answer
came from the engine whole and is not a browser's HTML page. It runs the view's own code
(:func:`~claimgraph.server.protocol.body.take_body`,
:func:`~claimgraph.server.protocol.sparql.decode_operation`,
:func:`~claimgraph.server.protocol.sparql.start_query`: the protocol's strict decoding, the
guard, negotiation, the time limit and the hang-up check) and sends the same bytes Flask would
(``tests/test_lean_path.py`` compares both over a table of requests).

Everything else goes to Flask: other paths and methods untouched; and whatever the lean path
meets that is not the plain success (an error before or after the engine ran, an update, the
service description, an answer to be streamed or shown as HTML) it leaves in the WSGI
environment (:data:`~claimgraph.server.protocol.sparql.HANDED`) for the ``/sparql`` view,
which raises the error, so that the one error handler (server/errors.py) renders it, or
finishes the response. The lean path is off when the application has request hooks,
signals or settings it does not reproduce (:func:`fits`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from flask import Flask
from werkzeug.utils import get_content_type

from claimgraph.server.errors import CORS_KEY
from claimgraph.server.protocol import body, sparql
from claimgraph.server.state import STORE_KEY

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Where :func:`install` keeps the layer (tests switch it off to compare both paths).
KEY = "claimgraph.lean"

_NO_BODY = ("", None)


def _no_body() -> bytes:
    return b""


class LeanQueries:
    """The WSGI layer (see the module docstring); ``flask`` is the application behind it."""

    def __init__(self, app: Flask, flask: WSGIApp) -> None:
        self.flask = flask
        self._app = app
        #: Decided at the first request (:func:`fits`): Flask refuses new hooks after it, so
        #: what the application does per request is settled then. Tests switch it.
        self.enabled: bool | None = None
        settings = app.config["CLAIMGRAPH_SETTINGS"]
        self._settings = settings
        self._store = app.extensions[STORE_KEY]
        self._limits = settings.limits()
        self._stall = settings.client_stall_timeout
        self._max_body = int(app.config.get("MAX_CONTENT_LENGTH") or 0)
        upload = max(settings.max_upload_bytes, self._max_body)
        self._upload_limit: Callable[[], int] = lambda: upload
        self._cors = _cors_headers(app)
        #: Requests answered here (not by Flask): a count for tests and curious operators.
        self.answered = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if self.enabled is None:
            self.enabled = fits(self._app)
        if not self.enabled or environ.get("PATH_INFO") != "/sparql" or not self._takes(environ, method):
            return self.flask(environ, start_response)
        try:
            answer = self._answer(environ, method)
        except Exception as exc:  # the view raises it; the one error handler answers
            environ[sparql.HANDED] = exc
            return self.flask(environ, start_response)
        if answer is None:  # not a query: the view does it all
            return self.flask(environ, start_response)
        if isinstance(answer, sparql.Started):  # streamed, or a page: the view responds
            environ[sparql.HANDED] = answer
            return self.flask(environ, start_response)
        headers, whole = answer
        self.answered += 1
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [whole]

    def _takes(self, environ: dict[str, Any], method: str) -> bool:
        """A method and framing the lean path knows: GET/HEAD without a body, POST with a
        declared length Flask would read (never chunked)."""
        if "HTTP_TRANSFER_ENCODING" in environ:
            return False
        length = environ.get("CONTENT_LENGTH") or ""
        if method == "GET" or method == "HEAD":
            return length == ""
        if method == "POST":
            return length.isascii() and length.isdigit() and int(length) <= self._max_body
        return False

    def _answer(
        self, environ: dict[str, Any], method: str
    ) -> tuple[list[tuple[str, str]], bytes] | sparql.Started | None:
        """The headers and body of a plain success, the started query Flask must respond
        to, or None (not a query); raises what the view would raise."""
        media_type: tuple[str, str | None] = _NO_BODY
        read: Callable[[], bytes] = _no_body
        if method == "POST":
            body.take_body(environ, self._upload_limit)  # what Flask's first before_request does
            media_type = body.content_type(environ.get("CONTENT_TYPE", ""))
            read = environ["wsgi.input"].getvalue  # the whole body, in memory
        sparql.bound_client_stalls(environ, self._stall)
        op = sparql.decode_operation(method, environ.get("QUERY_STRING", "").encode("latin1"), media_type, read)
        if op.kind != "query":
            return None
        started = sparql.start_query(op, environ, self._settings, self._store, self._limits)
        whole = started.whole
        if whole is None or started.choice.html:
            return started
        headers = [
            ("Content-Type", _content_type(started.choice.label)),
            ("Content-Length", str(len(whole))),
            ("Vary", "Accept"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if self._cors is not None:
            headers += self._cors(
                environ.get("HTTP_ORIGIN"), environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK")
            )
        return headers, whole


@lru_cache(maxsize=64)
def _content_type(label: str) -> str:
    """The ``Content-Type`` werkzeug's ``Response(mimetype=label)`` sends (a charset for text)."""
    return get_content_type(label, "utf-8")


def _cors_headers(app: Flask) -> Callable[[str | None, str | None], tuple[tuple[str, str], ...]] | None:
    """The CORS headers flask-cors adds to a GET or POST response, by the request's ``Origin``
    and ``Access-Control-Request-Private-Network`` headers (memoised; flask-cors' own code)."""
    kwargs = app.extensions.get(CORS_KEY)
    if kwargs is None:
        return None
    from flask_cors.core import get_cors_headers, get_cors_options
    from werkzeug.datastructures import Headers

    options = get_cors_options(app, kwargs)

    @lru_cache(maxsize=256)
    def headers(origin: str | None, private_network: str | None) -> tuple[tuple[str, str], ...]:
        request_headers = Headers()
        if origin is not None:
            request_headers["Origin"] = origin
        if private_network is not None:
            request_headers["Access-Control-Request-Private-Network"] = private_network
        # As flask-cors' after_request adds them (``Headers.add`` turns values into text).
        return tuple((k, str(v)) for k, v in get_cors_headers(options, request_headers, "GET").items())

    return headers


def fits(app: Flask) -> bool:
    """Whether the application does per request only what the lean path reproduces: one
    before_request hook (the body's), flask-cors' after_request or none, no other hooks, no
    session secret, no host checks, and ``/sparql`` routed to the view for GET, HEAD and POST."""
    from flask import signals

    if app.before_request_funcs != {None: [body.take_whole_body]}:
        return False
    after = [f for funcs in app.after_request_funcs.values() for f in funcs]
    cors = CORS_KEY in app.extensions
    if [f.__name__ for f in after] != (["cors_after_request"] if cors else []) or any(app.after_request_funcs.keys()):
        return False  # another after_request hook, or one for a blueprint
    if any(app.teardown_request_funcs.values()) or any(app.url_value_preprocessors.values()):
        return False
    if app.secret_key is not None or app.config.get("TRUSTED_HOSTS") is not None or app.url_map.host_matching:
        return False
    if app.config.get("SERVER_NAME") is not None or app.subdomain_matching:
        return False
    if any(s.receivers for s in (signals.request_started, signals.request_finished, signals.appcontext_pushed)):
        return False
    if app.view_functions.get("sparql.sparql") is not sparql.sparql:
        return False
    adapter = app.url_map.bind("localhost")
    try:
        return all(adapter.match("/sparql", method) == ("sparql.sparql", {}) for method in ("GET", "HEAD", "POST"))
    except Exception:  # routed elsewhere (a redirect, 405, ...)
        return False


def install(app: Flask) -> None:
    """Put the lean path in front of the application (after every blueprint and hook)."""
    lean = LeanQueries(app, app.wsgi_app)
    app.extensions[KEY] = lean
    app.wsgi_app = lean  # type: ignore[method-assign]
