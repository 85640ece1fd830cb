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
    """The backend the settings ask for (the embedded on-disk store is the default)."""
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
    return EmbeddedStore(
        settings.store_dir,
        query_workers=settings.query_workers,
        query_timeout=settings.query_timeout,
    )
