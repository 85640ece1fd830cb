"""Settings shared by the CLI and the server: where the store is, the IRI base, limits.

Every value has an environment variable so that gunicorn workers, which never see the
command line, get the same settings as the process that started them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claimgraph.graph.store import Store
    from claimgraph.graph.store.sparqltext.guard import Limits

DEFAULT_BASE_IRI = "https://w3id.org/claimgraph/"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; build one with :func:`Settings.from_env` and override fields."""

    store_dir: Path = field(default_factory=lambda: Path("var/store"))
    base_iri: str = DEFAULT_BASE_IRI
    update_token: str | None = None
    query_timeout: float = 30.0
    query_workers: int = 4
    max_body_bytes: int = 8 * 1024 * 1024
    allow_service: bool = False
    #: ``LOAD <url>`` in updates makes the server fetch any URL a client names: off by default.
    allow_load: bool = False
    #: Origins allowed to call the endpoint from a browser (``*`` for any, "" for none).
    cors_origins: str = "*"
    #: Seconds a client may stall (not read the answer, not send its body) before it is dropped.
    client_stall_timeout: float = 60.0
    #: Memory one query may use beyond an idle executor, in MiB (0: no cap).
    query_memory_mb: int = 2048
    #: Guard limits on query text (see claimgraph.graph.store.sparqltext.guard): nesting depth, operators.
    query_max_depth: int = 256
    query_max_operators: int = 2000
    #: The licence the VoID description states for the dataset.
    data_license: str = "https://creativecommons.org/licenses/by/4.0/"
    # Graph Store Protocol uploads may be larger than queries; parsed in memory before writing.
    max_upload_bytes: int = 64 * 1024 * 1024
    # Check uploads that use claimgraph's own vocabulary against its SHACL shapes.
    validate_imports: bool = True
    #: Result cache for repeated read queries, per server process, in bytes (0: off).
    cache_bytes: int = 64 * 1024 * 1024
    #: Reverse proxies in front of the server whose X-Forwarded-* headers are trusted (0: none).
    #: Behind a proxy the endpoint's own URL (base IRI, Graph Store locations) must be the public one.
    proxies: int = 0
    # An external SPARQL store instead of the embedded one (graph/store/remote.py); its
    # credentials are read from CLAIMGRAPH_STORE_USER/PASSWORD/TOKEN by the backend, never here.
    store_url: str | None = None
    store_update_url: str | None = None
    store_gsp_url: str | None = None
    store_default_graph: str | None = None
    store_system_graphs: tuple[str, ...] = ()
    store_convert_formats: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> "Settings":
        """Read ``CLAIMGRAPH_*`` variables; anything unset keeps its default."""
        return cls(
            store_dir=Path(os.environ.get("CLAIMGRAPH_STORE") or "var/store"),
            base_iri=os.environ.get("CLAIMGRAPH_BASE_IRI") or DEFAULT_BASE_IRI,
            update_token=os.environ.get("CLAIMGRAPH_UPDATE_TOKEN") or None,
            query_timeout=_env_float("CLAIMGRAPH_QUERY_TIMEOUT", 30.0),
            query_workers=_env_int("CLAIMGRAPH_QUERY_WORKERS", 4),
            max_body_bytes=_env_int("CLAIMGRAPH_MAX_BODY_BYTES", 8 * 1024 * 1024),
            allow_service=os.environ.get("CLAIMGRAPH_ALLOW_SERVICE", "") in ("1", "true", "yes"),
            allow_load=os.environ.get("CLAIMGRAPH_ALLOW_LOAD", "") in ("1", "true", "yes"),
            cors_origins=os.environ.get("CLAIMGRAPH_CORS_ORIGINS", "*"),
            client_stall_timeout=_env_float("CLAIMGRAPH_CLIENT_STALL_TIMEOUT", 60.0),
            query_memory_mb=_env_int("CLAIMGRAPH_QUERY_MEMORY_MB", 2048),
            query_max_depth=_env_int("CLAIMGRAPH_QUERY_MAX_DEPTH", 256),
            query_max_operators=_env_int("CLAIMGRAPH_QUERY_MAX_OPERATORS", 2000),
            data_license=os.environ.get("CLAIMGRAPH_DATA_LICENSE") or "https://creativecommons.org/licenses/by/4.0/",
            max_upload_bytes=_env_int("CLAIMGRAPH_MAX_UPLOAD_BYTES", 64 * 1024 * 1024),
            validate_imports=os.environ.get("CLAIMGRAPH_VALIDATE_IMPORTS", "1") not in ("0", "false", "no"),
            cache_bytes=_env_int("CLAIMGRAPH_CACHE_BYTES", 64 * 1024 * 1024),
            proxies=_env_int("CLAIMGRAPH_PROXIES", 0),
            store_url=os.environ.get("CLAIMGRAPH_STORE_URL") or None,
            store_update_url=os.environ.get("CLAIMGRAPH_STORE_UPDATE_URL") or None,
            store_gsp_url=os.environ.get("CLAIMGRAPH_STORE_GSP_URL") or None,
            store_default_graph=os.environ.get("CLAIMGRAPH_STORE_DEFAULT_GRAPH") or None,
            store_system_graphs=tuple(os.environ.get("CLAIMGRAPH_STORE_SYSTEM_GRAPHS", "").split()),
            store_convert_formats=tuple(os.environ.get("CLAIMGRAPH_STORE_CONVERT_FORMATS", "").split()),
        )

    def to_env(self) -> dict[str, str]:
        """The inverse of :meth:`from_env`, for handing settings to child processes."""
        env = {
            "CLAIMGRAPH_STORE": str(self.store_dir),
            "CLAIMGRAPH_BASE_IRI": self.base_iri,
            "CLAIMGRAPH_QUERY_TIMEOUT": str(self.query_timeout),
            "CLAIMGRAPH_QUERY_WORKERS": str(self.query_workers),
            "CLAIMGRAPH_MAX_BODY_BYTES": str(self.max_body_bytes),
            "CLAIMGRAPH_ALLOW_SERVICE": "1" if self.allow_service else "",
            "CLAIMGRAPH_ALLOW_LOAD": "1" if self.allow_load else "",
            "CLAIMGRAPH_CORS_ORIGINS": self.cors_origins,
            "CLAIMGRAPH_DATA_LICENSE": self.data_license,
            "CLAIMGRAPH_CLIENT_STALL_TIMEOUT": str(self.client_stall_timeout),
            "CLAIMGRAPH_QUERY_MEMORY_MB": str(self.query_memory_mb),
            "CLAIMGRAPH_QUERY_MAX_DEPTH": str(self.query_max_depth),
            "CLAIMGRAPH_QUERY_MAX_OPERATORS": str(self.query_max_operators),
            "CLAIMGRAPH_MAX_UPLOAD_BYTES": str(self.max_upload_bytes),
            "CLAIMGRAPH_VALIDATE_IMPORTS": "1" if self.validate_imports else "0",
            "CLAIMGRAPH_CACHE_BYTES": str(self.cache_bytes),
            "CLAIMGRAPH_PROXIES": str(self.proxies),
        }
        if self.update_token:
            env["CLAIMGRAPH_UPDATE_TOKEN"] = self.update_token
        for name, value in (
            ("CLAIMGRAPH_STORE_URL", self.store_url),
            ("CLAIMGRAPH_STORE_UPDATE_URL", self.store_update_url),
            ("CLAIMGRAPH_STORE_GSP_URL", self.store_gsp_url),
            ("CLAIMGRAPH_STORE_DEFAULT_GRAPH", self.store_default_graph),
        ):
            if value:
                env[name] = value
        if self.store_system_graphs:
            env["CLAIMGRAPH_STORE_SYSTEM_GRAPHS"] = " ".join(self.store_system_graphs)
        if self.store_convert_formats:
            env["CLAIMGRAPH_STORE_CONVERT_FORMATS"] = " ".join(self.store_convert_formats)
        return env

    def with_(self, **changes: object) -> "Settings":
        """A copy with some fields changed (options given on the command line)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def limits(self) -> "Limits":
        """The guard limits on query text this server or CLI was configured with."""
        from claimgraph.graph.store.sparqltext.guard import Limits

        return Limits(max_depth=self.query_max_depth, max_operators=self.query_max_operators)


def open_store(settings: Settings) -> "Store":
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
    from claimgraph.graph.store import EmbeddedStore

    store: Store = EmbeddedStore(
        settings.store_dir,
        query_workers=settings.query_workers,
        query_timeout=settings.query_timeout,
        query_memory_mb=settings.query_memory_mb,
        # The engine's processes get no network unless SERVICE / LOAD are allowed (a second
        # layer under the guard's text check).
        query_network=settings.allow_service,
        update_network=settings.allow_load or settings.allow_service,
    )
    if settings.cache_bytes > 0:
        from claimgraph.graph.store.cache import CachingStore

        store = CachingStore(store, settings.cache_bytes)
    return store
