"""Map store failures to HTTP answers a person can read (never a stack trace)."""

from __future__ import annotations

from flask import Response

from claimgraph.graph.store import (
    EngineCrashed,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
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
            return text_error(status, prefix + str(exc))
    return text_error(500, str(exc))
