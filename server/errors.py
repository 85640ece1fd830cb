"""Map store failures to HTTP answers a person can read (never a stack trace)."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from claimgraph.graph.store import (
    EngineCrashed,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    SearchUnavailable,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)

_STATUS: list[tuple[type[StoreError], int]] = [
    (QuerySyntaxError, 400),
    (QueryRejected, 400),
    (QueryTimeout, 503),
    (StoreBusy, 503),
    (EngineCrashed, 500),
    (SearchUnavailable, 501),  # no full-text index behind an external store
    (StoreUnavailable, 502),  # the external SPARQL store failed or cannot be reached
    (StoreError, 500),
]


def text_error(status: int, message: str, **headers: str) -> Response:
    """A plain-text error body: what SPARQL clients print to their users."""
    return Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain", headers=headers)


def store_error_response(exc: StoreError) -> Response:
    """The status code that fits a store failure, with its message."""
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            prefix = "SPARQL syntax error: " if isinstance(exc, QuerySyntaxError) else ""
            # Busy is worth retrying shortly; a query past its time limit is not.
            headers = {"Retry-After": "1"} if isinstance(exc, StoreBusy) else {}
            return text_error(status, prefix + str(exc), **headers)
    return text_error(500, str(exc))


def init_app(app: Flask) -> None:
    """Plain-text answers for every HTTP error, and never a stack trace in a response."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if exc.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            return text_error(413, f"the request body is larger than this server accepts ({limit} bytes)")
        response = text_error(exc.code or 500, exc.description or exc.name)
        if exc.code == 405:
            valid = getattr(exc, "valid_methods", None)
            if valid:
                response.headers["Allow"] = ", ".join(valid)
        return response

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError) -> Response:
        return store_error_response(exc)

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

    CORS(
        app,
        origins=[o.strip() for o in origins.split(",")] if origins != "*" else "*",
        allow_headers=["Content-Type", "Accept", "Authorization"],
        expose_headers=["Content-Type", "Location", "Content-Disposition"],
        methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
        max_age=86400,
    )
