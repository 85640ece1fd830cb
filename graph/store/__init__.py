"""The store layer: one interface (:class:`Store`), one backend per kind of storage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from claimgraph.graph.store.embedded.store import EmbeddedStore


def __getattr__(name: str) -> Any:
    """``EmbeddedStore`` on first use: a query executor process imports this package on its way
    to its own module and must not load the writer's (search index, bundles, validation)."""
    if name == "EmbeddedStore":
        from claimgraph.graph.store.embedded.store import EmbeddedStore

        return EmbeddedStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
