"""The one error path: views raise HTTP exceptions, one handler renders them (never a trace).

Werkzeug's exception classes are the model and the vocabulary: a class per status carrying its
message (``description``) and headers (``Allow``, ``WWW-Authenticate``, ``Retry-After``). A
store failure becomes the HTTP exception that fits it (:func:`http_error_for`); views do not
catch store errors themselves. Every answer is plain text, what SPARQL clients print to their
users, except a resource a browser asked for and nobody names (:class:`PageNotFound`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import (
    BadGateway,
    BadRequest,
    HTTPException,
    InternalServerError,
    NotFound,
    NotImplemented,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from claimgraph.graph.store import (
    DataError,
    EngineCrashed,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    SearchUnavailable,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)


#: Where :func:`init_cors` keeps flask-cors' options.
CORS_KEY = "claimgraph.cors"


class PageNotFound(NotFound):
    """404 for a resource claimgraph does not name: a page for browsers, text for the rest."""


#: Store failures -> the HTTP exception and the words put before the store's message.
_STORE_ERRORS: list[tuple[type[StoreError], type[HTTPException], str]] = [
    (QuerySyntaxError, BadRequest, "SPARQL syntax error: "),
    (QueryRejected, BadRequest, ""),
    (DataError, BadRequest, "the data was refused and nothing was written:\n"),
    (QueryTimeout, ServiceUnavailable, ""),
    (StoreBusy, ServiceUnavailable, ""),
    (EngineCrashed, InternalServerError, ""),
    (SearchUnavailable, NotImplemented, ""),  # no full-text index behind an external store
    (StoreUnavailable, BadGateway, ""),  # the external SPARQL store failed or cannot be reached
    (StoreError, InternalServerError, ""),
]


def http_error_for(exc: StoreError) -> HTTPException:
    """The HTTP exception that fits a store failure, with its message."""
    for cls, http_cls, prefix in _STORE_ERRORS:
        if isinstance(exc, cls):
            if isinstance(exc, StoreBusy):
                # Busy is worth retrying shortly; a query past its time limit is not.
                return ServiceUnavailable(prefix + str(exc), retry_after=1)
            return http_cls(prefix + str(exc))
    raise AssertionError("StoreError is the last entry")  # pragma: no cover


def text_error(status: int, message: str, **headers: str) -> Response:
    """A plain-text error body: what SPARQL clients print to their users."""
    return Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain", headers=headers)


def render(exc: HTTPException) -> Response:
    """The response for an HTTP exception: its message as text, its own headers kept."""
    code = exc.code or 500
    if isinstance(exc, PageNotFound) and _prefers_html():
        return Response(render_template("404.html", message=exc.description), status=404, mimetype="text/html")
    message = exc.description or exc.name
    if isinstance(exc, RequestEntityTooLarge) and exc.description == RequestEntityTooLarge.description:
        # Werkzeug's own refusal (Content-Length past the limit), before any view ran.
        message = f"the request body is larger than this server accepts ({request.max_content_length} bytes)"
    headers = {k: v for k, v in exc.get_headers(request.environ) if k.lower() != "content-type"}
    return text_error(code, message, **headers)


def _prefers_html() -> bool:
    accept = request.accept_mimetypes
    return accept.best_match(["text/plain", "text/html"]) == "text/html" and accept.accept_html


def init_app(app: Flask) -> None:
    """Plain-text answers for every HTTP error, and never a stack trace in a response."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return render(exc)

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError) -> Response:
        return render(http_error_for(exc))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        # The details go to the server log; the client gets a short, trace-free message.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return text_error(500, "internal server error; the details are in the server log")


def init_cors(app: Flask, origins: str) -> None:
    """Let browser applications (YASGUI on another origin, notebooks) call the endpoint."""
    if not origins:
        return
    from flask_cors import CORS

    options: dict[str, Any] = {
        "origins": [o.strip() for o in origins.split(",")] if origins != "*" else "*",
        "allow_headers": ["Content-Type", "Accept", "Authorization"],
        "expose_headers": ["Content-Type", "Location", "Content-Disposition"],
        "methods": ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
        "max_age": 86400,
    }
    CORS(app, **options)
    app.extensions[CORS_KEY] = options  # the lean path adds the same headers (protocol/lean.py)
