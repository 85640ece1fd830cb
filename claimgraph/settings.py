"""Settings shared by the CLI and the server: where the store is, the IRI base, limits.

Each setting is declared once, as a field of :class:`Settings` whose metadata names its
``CLAIMGRAPH_*`` environment variable, its command-line option (if it has one) and its help
(datasette's ``SETTINGS`` list is the model). :func:`Settings.from_env`, the CLI options
(:func:`option`) and the README's settings table (:func:`markdown_table`; a test compares them)
are all made from these fields. Every value has an environment variable so that gunicorn
workers, which never see the command line, get the same settings as the process that started them.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimgraph.graph.store.sparqltext.guard import MAX_DEPTH, MAX_OPERATORS, Limits

if TYPE_CHECKING:
    from claimgraph.graph.store import Store

DEFAULT_BASE_IRI = "https://w3id.org/claimgraph/"
MIB = 1024 * 1024


def setting(
    default: Any,
    env: str,
    help: str,
    *,
    option: str | None = None,
    bounds: tuple[float | None, float | None] | None = None,
    shown: str | None = None,
    empty_is_value: bool = False,
) -> Any:
    """A :class:`Settings` field with its row of the settings table.

    ``option``: the command-line option (None: environment only); ``bounds``: the range the
    option accepts; ``shown``: the default as the README writes it; ``empty_is_value``: an
    empty variable is the value "" rather than "use the default"."""
    meta = {
        "env": env,
        "help": help,
        "option": option,
        "bounds": bounds,
        "shown": shown,
        "empty_is_value": empty_is_value,
    }
    if isinstance(default, (list, dict, set)):
        raise TypeError("mutable defaults are not settings")
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; build one with :func:`Settings.from_env` and override fields."""

    store_dir: Path = setting(
        Path("var/store"),
        "CLAIMGRAPH_STORE",
        "directory of the on-disk Oxigraph store",
        option="--store",
        shown="`var/store`",
    )
    base_iri: str = setting(
        DEFAULT_BASE_IRI, "CLAIMGRAPH_BASE_IRI", "base under which claimgraph mints its IRIs", option="--base-iri"
    )
    update_token: str | None = setting(
        None,
        "CLAIMGRAPH_UPDATE_TOKEN",
        "updates and Graph Store writes need `Authorization: Bearer TOKEN`",
        option="--update-token",
    )
    query_timeout: float = setting(
        30.0,
        "CLAIMGRAPH_QUERY_TIMEOUT",
        "a query running longer is stopped (its process is killed); the client gets 503",
        option="--timeout",
        bounds=(0.1, None),
        shown="30 s",
    )
    query_workers: int = setting(
        0,
        "CLAIMGRAPH_QUERY_WORKERS",
        "query executor processes per server worker (queries running at once; "
        "0: from the machine's cores, see `claimgraph/sizing.py`)",
        option="--query-workers",
        bounds=(0, 64),
        shown="0 (machine)",
    )
    query_workers_idle: float = setting(
        60.0,
        "CLAIMGRAPH_QUERY_WORKERS_IDLE",
        "seconds a query executor beyond the first may stay idle before it is stopped; more start "
        "when queries run at once (0: all start with the server and stay)",
        bounds=(0.0, None),
        shown="60 s",
    )
    query_nice: int = setting(
        10,
        "CLAIMGRAPH_QUERY_NICE",
        "niceness added to the query executor processes, so that under a full load of queries the "
        "server's requests, time limits and writes still get the CPU (0: same priority)",
        bounds=(0, 19),
        shown="10",
    )
    query_mimalloc: bool = setting(
        True,
        "CLAIMGRAPH_QUERY_MIMALLOC",
        "run the query executors with mimalloc (the cmeel-mimalloc package's library, when installed): "
        "about 9 % less server CPU per query than with glibc's malloc (0: the system's malloc)",
        shown="1",
    )
    max_body_bytes: int = setting(
        8 * MIB,
        "CLAIMGRAPH_MAX_BODY_BYTES",
        "larger request bodies get 413",
        option="--max-body",
        bounds=(1024, None),
        shown="8 MiB",
    )
    allow_service: bool = setting(
        False,
        "CLAIMGRAPH_ALLOW_SERVICE",
        "allow federated `SERVICE` queries (the server then fetches URLs clients name)",
        option="--allow-service",
        shown="off",
    )
    allow_load: bool = setting(
        False,
        "CLAIMGRAPH_ALLOW_LOAD",
        "allow `LOAD <url>` in updates (the server then fetches URLs clients name)",
        option="--allow-load",
        shown="off",
    )
    cors_origins: str = setting(
        "*",
        "CLAIMGRAPH_CORS_ORIGINS",
        "comma-separated origins browsers may call the endpoint from, `*` for any, '' for none",
        option="--cors-origins",
        shown="`*`",
        empty_is_value=True,
    )
    client_stall_timeout: float = setting(
        60.0,
        "CLAIMGRAPH_CLIENT_STALL_TIMEOUT",
        "a client that stops reading its answer (or sending its body) this long is dropped, its query stopped",
        shown="60 s",
    )
    header_timeout: float = setting(
        10.0,
        "CLAIMGRAPH_HEADER_TIMEOUT",
        "a request whose head has not fully arrived this long after the connection "
        "opened (or its first byte, on a kept-alive one) gets 408 and is closed",
        bounds=(0.5, None),
        shown="10 s",
    )
    body_min_rate: float = setting(
        4096.0,
        "CLAIMGRAPH_BODY_MIN_RATE",
        "a request body arriving slower than this many bytes per second (averaged, once the "
        "head timeout has passed) gets 408 and is closed",
        bounds=(0.0, None),
        shown="4096 B/s",
    )
    keepalive_linger: float = setting(
        0.002,
        "CLAIMGRAPH_KEEPALIVE_LINGER",
        "seconds a thread that answered a kept-alive request waits for that connection's next "
        "complete request while no other request waits (0: straight back to the poller)",
        bounds=(0.0, 1.0),
        shown="2 ms",
    )
    query_memory_mb: int = setting(
        2048,
        "CLAIMGRAPH_QUERY_MEMORY_MB",
        "MiB one query may use; past it the query fails with 500, nobody else does (0: no cap)",
        option="--query-memory",
        bounds=(0, None),
        shown="2048 MiB",
    )
    query_max_depth: int = setting(
        MAX_DEPTH,
        "CLAIMGRAPH_QUERY_MAX_DEPTH",
        "deeper nested queries get 400 (the engine's parser would overflow its stack)",
    )
    query_max_operators: int = setting(
        MAX_OPERATORS, "CLAIMGRAPH_QUERY_MAX_OPERATORS", "queries with more operators get 400"
    )
    data_license: str = setting(
        "https://creativecommons.org/licenses/by/4.0/",
        "CLAIMGRAPH_DATA_LICENSE",
        "the licence the VoID description states for the dataset",
        shown="CC BY 4.0",
    )
    max_upload_bytes: int = setting(
        64 * MIB,
        "CLAIMGRAPH_MAX_UPLOAD_BYTES",
        "larger Graph Store uploads get 413 (use `claimgraph load` for bulk imports)",
        shown="64 MiB",
    )
    validate_imports: bool = setting(
        True,
        "CLAIMGRAPH_VALIDATE_IMPORTS",
        "check data in claimgraph's vocabulary against the SHACL shapes on upload and load",
        option="--validate/--no-validate",
        shown="on",
    )
    cache_bytes: int = setting(
        64 * MIB,
        "CLAIMGRAPH_CACHE_BYTES",
        "result cache for repeated read queries per server process (0: off)",
        shown="64 MiB",
    )
    proxies: int = setting(
        0,
        "CLAIMGRAPH_PROXIES",
        "reverse proxies in front whose `X-Forwarded-*` headers are trusted, so the endpoint's "
        "own URLs (base IRI, Graph Store locations, service description) are the public ones",
        option="--proxies",
        bounds=(0, 10),
    )
    # An external SPARQL store instead of the embedded one (graph/store/remote.py); its
    # credentials are read from CLAIMGRAPH_STORE_USER/PASSWORD/TOKEN by the backend, never here.
    store_url: str | None = setting(
        None,
        "CLAIMGRAPH_STORE_URL",
        "query endpoint of an external SPARQL store to use instead of `--store` (docs/deployment.md)",
        option="--store-url",
    )
    store_update_url: str | None = setting(
        None, "CLAIMGRAPH_STORE_UPDATE_URL", "its update endpoint (default: the query URL)"
    )
    store_gsp_url: str | None = setting(None, "CLAIMGRAPH_STORE_GSP_URL", "its Graph Store Protocol endpoint")
    store_default_graph: str | None = setting(
        None,
        "CLAIMGRAPH_STORE_DEFAULT_GRAPH",
        "the named graph that holds claimgraph's default graph on a store "
        "whose default graph is the union of all graphs",
    )
    store_system_graphs: tuple[str, ...] = setting(
        (), "CLAIMGRAPH_STORE_SYSTEM_GRAPHS", "space-separated IRI prefixes of graphs the store keeps for itself"
    )
    store_convert_formats: tuple[str, ...] = setting(
        (), "CLAIMGRAPH_STORE_CONVERT_FORMATS", "space-separated media types the store gets wrong"
    )

    @classmethod
    def from_env(cls, environ: typing.Mapping[str, str] | None = None) -> "Settings":
        """Read ``CLAIMGRAPH_*`` variables; anything unset (or empty) keeps its default."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in SETTINGS:
            raw = env.get(f.metadata["env"])
            if raw is None or (raw == "" and not f.metadata["empty_is_value"]):
                continue
            values[f.name] = parse(f, raw)
        return cls(**values)

    def with_(self, **changes: Any) -> "Settings":
        """A copy with some fields changed (options given on the command line)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def limits(self) -> Limits:
        """The guard limits on query text this server or CLI was configured with."""
        return Limits(max_depth=self.query_max_depth, max_operators=self.query_max_operators)


#: The settings table: one row per field (name, variable, default, type, help in the metadata).
SETTINGS: tuple[dataclasses.Field[Any], ...] = dataclasses.fields(Settings)
_TYPES = typing.get_type_hints(Settings)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def value_type(f: dataclasses.Field[Any]) -> type:
    """The field's type without ``| None``: what a variable's text is turned into."""
    hint = _TYPES[f.name]
    if isinstance(hint, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    return typing.get_origin(hint) or hint


def parse(f: dataclasses.Field[Any], raw: str) -> Any:
    """The value of a variable's text, or a ValueError that names the variable."""
    kind, env = value_type(f), f.metadata["env"]
    if kind is bool:
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        raise ValueError(f"{env}={raw!r}: give 1/true/yes or 0/false/no")
    if kind is tuple:
        return tuple(raw.split())
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{env}={raw!r}: not a valid {kind.__name__}") from None


def _shown(f: dataclasses.Field[Any]) -> str:
    if f.metadata["shown"]:
        return f.metadata["shown"]
    if f.default in (None, ()):
        return "none"
    return (
        f"`{f.default}`"
        if isinstance(f.default, str)
        else f"{f.default:g}"
        if isinstance(f.default, float)
        else str(f.default)
    )


def markdown_table() -> str:
    """The README's settings table, made from :data:`SETTINGS`."""
    rows = ["| variable | option | default | what it does |", "|---|---|---|---|"]
    for f in SETTINGS:
        opt = f.metadata["option"]
        rows.append(f"| `{f.metadata['env']}` | {f'`{opt}`' if opt else ''} | {_shown(f)} | {f.metadata['help']} |")
    return "\n".join(rows) + "\n"


def option(name: str, **overrides: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click option of a setting, made from its row: the value arrives as the field's
    name, None when not given (so the environment, then the default, decide)."""
    import click

    f = next(f for f in SETTINGS if f.name == name)
    decl = f.metadata["option"]
    if decl is None:
        raise ValueError(f"setting {name} has no command-line option")
    kind = value_type(f)
    kwargs: dict[str, Any] = {
        "default": None,
        "help": f"{f.metadata['help'][:1].upper()}{f.metadata['help'][1:]} "
        f"(env {f.metadata['env']}, default {_shown(f).strip('`')}).",
    }
    if kind is bool and "/" not in decl:
        kwargs.update(is_flag=True, callback=lambda _ctx, _param, value: value or None)
    elif kind is Path:
        kwargs["type"] = click.Path(file_okay=False, path_type=Path)
    elif kind in (int, float):
        low, high = f.metadata["bounds"] or (None, None)
        kwargs["type"] = (click.IntRange if kind is int else click.FloatRange)(low, high)
    elif kind is not bool:
        kwargs["type"] = str
    kwargs.update(overrides)
    return click.option(decl, name, **kwargs)


def query_preload(settings: Settings) -> str | None:
    """The malloc library the query executors preload: mimalloc's, when the setting asks for it
    and the package is installed; None: glibc's."""
    if not settings.query_mimalloc:
        return None
    from claimgraph.graph.store.embedded.child import mimalloc_library

    return mimalloc_library()


def open_store(settings: Settings, serving: bool = False) -> "Store":
    """The backend the settings ask for (the embedded on-disk store is the default).

    The embedded store is wrapped in a result cache when ``cache_bytes`` > 0; an external store
    is not, since writes that bypass claimgraph would never invalidate it. ``serving``: for a
    server (processes started ahead for writes), not a one-off command."""
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
    from claimgraph.sizing import plan as machine_plan

    store: Store = EmbeddedStore(
        settings.store_dir,
        query_workers=settings.query_workers or machine_plan().executors,
        query_idle_seconds=settings.query_workers_idle,
        query_nice=settings.query_nice,
        query_preload=query_preload(settings),
        # A server starts each write's process ahead (after the previous write); a CLI does not.
        spare_children=serving,
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


if __name__ == "__main__":
    print(markdown_table(), end="")
