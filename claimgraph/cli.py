"""The ``claimgraph`` command: build, serve, load, query, dump.

User mistakes end with a one-line ``Error: ...`` and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from claimgraph import __version__
from claimgraph.settings import Settings

store_option = click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CLAIMGRAPH_STORE",
    default="var/store",
    show_default=True,
    help="Directory of the on-disk Oxigraph store (env CLAIMGRAPH_STORE).",
)
store_url_option = click.option(
    "--store-url",
    envvar="CLAIMGRAPH_STORE_URL",
    default=None,
    help="Query endpoint of an external SPARQL store to use instead of --store (env CLAIMGRAPH_STORE_URL; "
    "see docs/deployment.md; credentials only from CLAIMGRAPH_STORE_USER/PASSWORD/TOKEN).",
)
base_option = click.option(
    "--base-iri",
    envvar="CLAIMGRAPH_BASE_IRI",
    default=None,
    help="Base under which claimgraph mints its IRIs (env CLAIMGRAPH_BASE_IRI).",
)


def _settings(**changes: Any) -> Settings:
    return Settings.from_env().with_(**changes)


def _open_store(settings: Settings) -> Any:
    """The configured backend; a misconfiguration is a one-line error."""
    from claimgraph.graph.store import StoreError, open_store

    try:
        return open_store(settings)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claimgraph")
def cli() -> None:
    """claimgraph: who said what, according to whom, in the news, as a SPARQL 1.1 endpoint."""


@cli.command()
@store_option
@store_url_option
@base_option
@click.option(
    "--seeds",
    "seeds_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of seed articles (default: the seeds shipped with claimgraph).",
)
@click.option("--if-empty", is_flag=True, help="Do nothing when the store already holds data.")
def build(store_dir: Path, store_url: str | None, base_iri: str | None, seeds_dir: Path | None, if_empty: bool) -> None:
    """Compile the seed articles into the store (replaces what an earlier build wrote)."""
    from claimgraph.graph.build import BuildError, build as build_graph, default_seeds_dir
    from claimgraph.graph.store import StoreError

    settings = _settings(store_dir=store_dir, store_url=store_url, base_iri=base_iri)
    store = _open_store(settings)
    where = settings.store_url or settings.store_dir
    try:
        if if_empty and not store.is_empty():
            click.echo(f"store {where} already holds data; not rebuilding")
            return
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    started = time.monotonic()
    try:
        result = build_graph(seeds_dir or default_seeds_dir(), settings.base_iri)
    except (BuildError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    data = result.dataset.serialize(format="nquads", encoding="utf-8")
    try:
        store.replace_dataset(data)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"built {result.articles} article(s), {result.claims} claim(s), "
        f"{len(result.dataset)} quads into {where} in {time.monotonic() - started:.2f} s"
    )


@cli.command()
@store_option
@store_url_option
@base_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--update-token", envvar="CLAIMGRAPH_UPDATE_TOKEN", default=None,
              help="Enable updates for clients sending 'Authorization: Bearer TOKEN' (env CLAIMGRAPH_UPDATE_TOKEN).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn worker processes.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per worker.")
@click.option("--query-workers", type=click.IntRange(1, 64), default=None,
              help="Query executor processes per worker (env CLAIMGRAPH_QUERY_WORKERS, default 4).")
@click.option("--timeout", "query_timeout", type=click.FloatRange(0.1), default=None,
              help="Query time limit in seconds (env CLAIMGRAPH_QUERY_TIMEOUT, default 30).")
@click.option("--max-body", "max_body_bytes", type=click.IntRange(1024), default=None,
              help="Largest request body accepted, in bytes (env CLAIMGRAPH_MAX_BODY_BYTES, default 8 MiB).")
@click.option("--allow-service", is_flag=True, default=None,
              help="Allow federated SERVICE queries (the server then fetches URLs clients name).")
@click.option("--allow-load", is_flag=True, default=None,
              help="Allow LOAD <url> in updates (the server then fetches URLs clients name).")
@click.option("--cors-origins", default=None,
              help="Comma-separated origins allowed by CORS, '*' for any, '' for none (env CLAIMGRAPH_CORS_ORIGINS).")
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of gunicorn.")
def serve(store_dir: Path, store_url: str | None, base_iri: str | None, host: str, port: int,
          update_token: str | None, workers: int, threads: int, query_workers: int | None,
          query_timeout: float | None, max_body_bytes: int | None, allow_service: bool | None,
          allow_load: bool | None, cors_origins: str | None, dev: bool) -> None:
    """Serve the SPARQL endpoint (gunicorn unless --dev)."""
    settings = _settings(
        store_dir=store_dir, store_url=store_url, base_iri=base_iri, update_token=update_token,
        query_workers=query_workers, query_timeout=query_timeout, max_body_bytes=max_body_bytes,
        allow_service=allow_service or None, allow_load=allow_load or None, cors_origins=cors_origins,
    )
    if not settings.store_url and not (settings.store_dir / "oxigraph").exists():
        raise click.ClickException(
            f"no store at {settings.store_dir}; run 'claimgraph build --store {settings.store_dir}' first"
        )
    if dev:
        from claimgraph.server import create_app

        click.echo("Flask development server: for development only; use gunicorn (the default) in production")
        create_app(settings).run(host=host, port=port, threaded=True)
        return
    from claimgraph.server.gunicorn import run

    run(settings, host=host, port=port, workers=workers, threads=threads)


@cli.command()
@store_option
@store_url_option
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--graph", default=None, help="Load triples into this named graph (default graph otherwise).")
@click.option("--base", "base_iri", default=None, help="Base IRI for relative IRIs (default: the graph IRI).")
@click.option("--format", "media_type", default=None, help="Media type; guessed from the extension otherwise.")
def load(store_dir: Path, store_url: str | None, files: tuple[Path, ...], graph: str | None, base_iri: str | None, media_type: str | None) -> None:
    """Load RDF files into the store, each in one transaction."""
    from claimgraph.graph.store import StoreError
    from claimgraph.graph.store.formats import media_type_for_path

    store = _open_store(_settings(store_dir=store_dir, store_url=store_url))
    total = 0
    started = time.monotonic()
    for path in files:
        mt = media_type or media_type_for_path(path)
        if mt is None:
            raise click.ClickException(f"{path}: unknown RDF format; pass --format")
        try:
            with open(path, "rb") as fh:
                total += store.load(fh, mt, graph=graph, base_iri=base_iri or graph)
        except StoreError as exc:
            raise click.ClickException(f"{path}: {exc}") from None
    click.echo(f"loaded {total} quads from {len(files)} file(s) in {time.monotonic() - started:.2f} s")


@cli.command()
@store_option
@store_url_option
@click.argument("query")
@click.option("--format", "fmt", default=None, help="Result format: json, xml, csv, tsv, ttl, nt, jsonld, ... (default: tsv / turtle).")
@click.option("--timeout", "query_timeout", type=float, default=None, help="Query time limit in seconds.")
def query(store_dir: Path, store_url: str | None, query: str, fmt: str | None, query_timeout: float | None) -> None:
    """Run a SPARQL query against the store and print the result."""
    from claimgraph.graph.store import QueryForm, QueryRequest, StoreError
    from claimgraph.graph.store.formats import FORMAT_ALIASES, RESULT_TYPES

    settings = _settings(store_dir=store_dir, store_url=store_url, query_timeout=query_timeout, query_workers=1)
    store = _open_store(settings)
    try:
        with store.prepare(QueryRequest(query=query)) as prepared:
            offered = RESULT_TYPES[prepared.form]
            default = "text/turtle" if prepared.form is QueryForm.GRAPH else "text/tab-separated-values"
            media_type = FORMAT_ALIASES.get(fmt, fmt) if fmt else default
            if media_type not in offered:
                raise click.ClickException(f"format {fmt} is not available for this query; use one of {', '.join(offered)}")
            out = sys.stdout.buffer
            for chunk in prepared.stream(media_type):
                out.write(chunk)
            out.flush()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()


@cli.command()
@store_option
@store_url_option
@click.option("--format", "fmt", type=click.Choice(["nquads", "trig"]), default="nquads", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write (default: standard output).")
def dump(store_dir: Path, store_url: str | None, fmt: str, output: Path | None) -> None:
    """Write the whole dataset as N-Quads or TriG."""
    from claimgraph.graph.store import StoreError

    store = _open_store(_settings(store_dir=store_dir, store_url=store_url))
    media_type = "application/n-quads" if fmt == "nquads" else "application/trig"
    try:
        if output is None:
            store.dump(sys.stdout.buffer, media_type)
        else:
            with open(output, "wb") as fh:
                store.dump(fh, media_type)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def main() -> None:
    """Console entry point."""
    cli(prog_name="claimgraph")


if __name__ == "__main__":
    main()
