"""The store layer: one interface (:class:`Store`), one backend per kind of storage."""

from __future__ import annotations

from claimgraph.graph.store.base import (
    DataError,
    LoadSource,
    LoadSummary,
    EngineCrashed,
    PreparedQuery,
    QueryAbandoned,
    QueryForm,
    QueryRejected,
    QueryRequest,
    QuerySyntaxError,
    QueryTimeout,
    SearchUnavailable,
    Store,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    UpdateRequest,
)
from claimgraph.graph.store.embedded.store import EmbeddedStore

__all__ = [
    "DataError",
    "LoadSource",
    "LoadSummary",
    "EmbeddedStore",
    "EngineCrashed",
    "PreparedQuery",
    "QueryAbandoned",
    "QueryForm",
    "QueryRejected",
    "QueryRequest",
    "QuerySyntaxError",
    "QueryTimeout",
    "SearchUnavailable",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreUnavailable",
    "UpdateRequest",
]
