"""The store layer: one interface (:class:`Store`), one backend per kind of storage."""

from __future__ import annotations

from claimgraph.graph.store.base import (
    DataError,
    LoadSource,
    LoadSummary,
    EngineCrashed,
    PreparedQuery,
    QueryForm,
    QueryRejected,
    QueryRequest,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreBusy,
    StoreError,
    UpdateRequest,
)
from claimgraph.graph.store.embedded import EmbeddedStore
from claimgraph.settings import Settings

__all__ = [
    "DataError",
    "LoadSource",
    "LoadSummary",
    "EmbeddedStore",
    "EngineCrashed",
    "PreparedQuery",
    "QueryForm",
    "QueryRejected",
    "QueryRequest",
    "QuerySyntaxError",
    "QueryTimeout",
    "Store",
    "StoreBusy",
    "StoreError",
    "UpdateRequest",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """The backend the settings ask for (the embedded on-disk store is the default).

    With ``cache_bytes`` > 0 it is wrapped in a result cache for repeated read queries."""
    store: Store = EmbeddedStore(
        settings.store_dir,
        query_workers=settings.query_workers,
        query_timeout=settings.query_timeout,
        query_memory_mb=settings.query_memory_mb,
    )
    if settings.cache_bytes > 0:
        from claimgraph.graph.store.cache import CachingStore

        store = CachingStore(store, settings.cache_bytes)
    return store
