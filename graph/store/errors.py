"""The store's errors: every failure a backend raises is a :class:`StoreError`.

A module of its own so that the RDF reading helpers (:mod:`rdfio`) and the interface
(:mod:`base`) both use them without importing each other.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every store failure; the message is safe to show to a client."""


class QuerySyntaxError(StoreError):
    """The query or update text does not parse; the message carries the parser's position."""


class DataError(StoreError):
    """Uploaded RDF does not parse or is refused (shapes, named graphs where one graph is
    expected); nothing was written. The message carries the parser's line and column."""


class QueryRejected(StoreError):
    """The request is refused before execution (too deeply nested, SERVICE not allowed, ...)."""


class QueryTimeout(StoreError):
    """The query ran past its time budget and was stopped."""


class EngineCrashed(StoreError):
    """The engine process died while running this request; other requests are unaffected."""


class StoreBusy(StoreError):
    """No query executor became free in time."""


class SearchUnavailable(StoreError):
    """This backend has no full-text index (an external store): search needs the embedded one."""


class StoreUnavailable(StoreError):
    """An external store could not be reached, refused access, or failed (a gateway error)."""


class QueryAbandoned(StoreError):
    """The caller gave up (its client went away) while the query ran; the query was stopped."""
