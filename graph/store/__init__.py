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
    StoreUnavailable,
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
    "StoreUnavailable",
    "UpdateRequest",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """The backend the settings ask for (the embedded on-disk store is the default).

    The embedded store is wrapped in a result cache when ``cache_bytes`` > 0; an external store
    is not, since writes that bypass claimgraph would never invalidate it."""
    if settings.store_url:
        from claimgraph.graph.store.remote import RemoteStore

        return RemoteStore(
            settings.store_url,
            update_url=settings.store_update_url,
            gsp_url=settings.store_gsp_url,
            default_graph=settings.store_default_graph,
            query_timeout=settings.query_timeout,
            system_graphs=settings.store_system_graphs,
            convert_formats=settings.store_convert_formats,
        )
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
