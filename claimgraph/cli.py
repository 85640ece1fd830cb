"""The ``claimgraph`` command: build, serve, load, query, dump, backup.

User mistakes end with a one-line ``Error: ...`` and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
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


@contextlib.contextmanager
def _opened_store(settings: Settings) -> Iterator[Any]:
    """The configured backend, closed afterwards; any store failure is a one-line error."""
    from claimgraph.graph.store import StoreError
    from claimgraph.settings import open_store

    try:
        store = open_store(settings)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield store
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()


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
    from claimgraph.graph.build.dataset import BuildError, build as build_graph, default_seeds_dir

    settings = _settings(store_dir=store_dir, store_url=store_url, base_iri=base_iri)
    where = settings.store_url or settings.store_dir
    with _opened_store(settings) as store:
        if if_empty and not store.is_empty():
            click.echo(f"store {where} already holds data; not rebuilding")
            return
        started = time.monotonic()
        try:
            # Validated as the store holds it, inside the write (not the rdflib graph before it).
            result = build_graph(seeds_dir or default_seeds_dir(), settings.base_iri, validate=False)
            store.replace_dataset(result.dataset.serialize(format="nquads", encoding="utf-8"), validate=True)
        except (BuildError, ValueError) as exc:
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
@click.option("--query-memory", "query_memory_mb", type=click.IntRange(0), default=None,
              help="MiB one query may use before it is stopped, 0 for no cap (env CLAIMGRAPH_QUERY_MEMORY_MB, default 2048).")
@click.option("--max-body", "max_body_bytes", type=click.IntRange(1024), default=None,
              help="Largest request body accepted, in bytes (env CLAIMGRAPH_MAX_BODY_BYTES, default 8 MiB).")
@click.option("--allow-service", is_flag=True, default=None,
              help="Allow federated SERVICE queries (the server then fetches URLs clients name).")
@click.option("--allow-load", is_flag=True, default=None,
              help="Allow LOAD <url> in updates (the server then fetches URLs clients name).")
@click.option("--cors-origins", default=None,
              help="Comma-separated origins allowed by CORS, '*' for any, '' for none (env CLAIMGRAPH_CORS_ORIGINS).")
@click.option("--proxies", type=click.IntRange(0, 10), default=None,
              help="Reverse proxies in front whose X-Forwarded-* headers to trust (env CLAIMGRAPH_PROXIES).")
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of gunicorn.")
def serve(store_dir: Path, store_url: str | None, base_iri: str | None, host: str, port: int,
          update_token: str | None, workers: int, threads: int, query_workers: int | None,
          query_timeout: float | None, query_memory_mb: int | None, max_body_bytes: int | None,
          allow_service: bool | None, allow_load: bool | None, cors_origins: str | None,
          proxies: int | None, dev: bool) -> None:
    """Serve the SPARQL endpoint (gunicorn unless --dev)."""
    settings = _settings(
        store_dir=store_dir, store_url=store_url, base_iri=base_iri, update_token=update_token,
        query_workers=query_workers, query_timeout=query_timeout, query_memory_mb=query_memory_mb,
        max_body_bytes=max_body_bytes, allow_service=allow_service or None,
        allow_load=allow_load or None, cors_origins=cors_origins, proxies=proxies,
    )
    if not settings.store_url and not (settings.store_dir / "oxigraph").exists():
        # Created here, once, before gunicorn forks workers that would race to create it; in a
        # child process, because RocksDB must not be initialised in a process that then forks
        # (the workers' first read-write open hangs on a lock copied mid-use).
        import multiprocessing

        creator = multiprocessing.get_context("spawn").Process(target=_create_store, args=(str(settings.store_dir),))
        creator.start()
        creator.join()
        if creator.exitcode != 0:
            raise click.ClickException(f"cannot create a store at {settings.store_dir}")
        click.echo(f"created an empty store at {settings.store_dir} (fill it with 'claimgraph build' or 'load')")
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
@click.option("--format", "media_type", default=None, help="Media type; guessed from the extension otherwise (.gz too).")
@click.option("--validate/--no-validate", default=None,
              help="Check data in claimgraph's vocabulary against the SHACL shapes (default: on; env CLAIMGRAPH_VALIDATE_IMPORTS).")
def load(store_dir: Path, store_url: str | None, files: tuple[Path, ...], graph: str | None,
         base_iri: str | None, media_type: str | None, validate: bool | None) -> None:
    """Bulk-load RDF files (gzip too) into the store, all of them or nothing.

    The files are written by pyoxigraph's bulk loader into a private copy of the store that
    replaces the current version only once every file has been read: an error on the last
    line, or a killed process, leaves the store as it was, and servers keep answering from the
    previous version meanwhile."""
    import gzip

    from claimgraph.graph.store import LoadSource, StoreError
    from claimgraph.graph.store.formats import media_type_for_path

    settings = _settings(store_dir=store_dir, store_url=store_url)
    if validate is None:
        validate = settings.validate_imports
    with contextlib.ExitStack() as stack:
        store = stack.enter_context(_opened_store(settings))
        raw_files = []
        sources = []
        for path in files:
            mt = media_type or media_type_for_path(path)
            if mt is None:
                raise click.ClickException(f"{path}: unknown RDF format; pass --format")
            raw = stack.enter_context(open(path, "rb"))
            raw_files.append(raw)
            stream = stack.enter_context(gzip.open(raw)) if _is_gzip(raw) else raw
            sources.append(LoadSource(stream=stream, media_type=mt, name=str(path)))
        total_bytes = sum(p.stat().st_size for p in files)
        show_bar = sys.stderr.isatty()
        bar = stack.enter_context(
            click.progressbar(length=total_bytes, label="loading", file=sys.stderr, show_eta=True)
        ) if show_bar else None
        done = {"pos": 0}

        def progress() -> None:
            if bar is None:
                return
            pos = sum(f.tell() if not f.closed else 0 for f in raw_files)
            bar.update(max(pos - done["pos"], 0))
            done["pos"] = max(pos, done["pos"])

        try:
            summary = store.bulk_load(sources, graph=graph, base_iri=base_iri or graph,
                                      progress=progress, validate=validate)
        except (StoreError, ValueError) as exc:
            raise click.ClickException(f"nothing was loaded: {exc}") from None
        if bar is not None:
            bar.update(total_bytes - done["pos"])
    rate = summary.quads / summary.seconds if summary.seconds > 0 else 0.0
    click.echo(
        f"loaded {summary.quads} triples into {summary.graphs} graph(s) from {len(files)} file(s) "
        f"in {summary.seconds:.2f} s ({rate:,.0f} triples/s)"
    )


def _is_gzip(fh: Any) -> bool:
    """gzip input is recognised by its magic bytes, whatever the file is called."""
    magic = fh.read(2)
    fh.seek(0)
    return magic == b"\x1f\x8b"


@cli.command()
@store_option
@store_url_option
@click.argument("query")
@click.option("--format", "fmt", default=None, help="Result format: json, xml, csv, tsv, ttl, nt, jsonld, ... (default: tsv / turtle).")
@click.option("--timeout", "query_timeout", type=float, default=None, help="Query time limit in seconds.")
def query(store_dir: Path, store_url: str | None, query: str, fmt: str | None, query_timeout: float | None) -> None:
    """Run a SPARQL query against the store and print the result."""
    from claimgraph.graph.store import QueryForm, QueryRequest
    from claimgraph.graph.store.formats import QUERY_OFFERS, find

    settings = _settings(store_dir=store_dir, store_url=store_url, query_timeout=query_timeout, query_workers=1)
    with _opened_store(settings) as store, store.prepare(QueryRequest(query=query)) as prepared:
        offer = QUERY_OFFERS[prepared.form]
        default = "text/turtle" if prepared.form is QueryForm.GRAPH else "text/tab-separated-values"
        chosen = find(offer, fmt) if fmt else None
        if fmt and chosen is None:
            raise click.ClickException(f"format {fmt} is not available for this query; use one of {', '.join(f.media_type for f in offer.formats)}")
        media_type = chosen.media_type if chosen else default
        out = sys.stdout.buffer
        for chunk in prepared.stream(media_type):
            out.write(chunk)
        out.flush()


@cli.command()
@store_option
@store_url_option
@click.option("--format", "fmt", type=click.Choice(["nquads", "trig"]), default="nquads", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output); a name ending in .gz is compressed.")
def dump(store_dir: Path, store_url: str | None, fmt: str, output: Path | None) -> None:
    """Write the whole dataset as N-Quads or TriG (one consistent version, streamed)."""
    import gzip
    import os

    media_type = "application/n-quads" if fmt == "nquads" else "application/trig"
    with _opened_store(_settings(store_dir=store_dir, store_url=store_url)) as store:
        if output is None:
            out = sys.stdout.buffer
            for chunk in store.dump_chunks(media_type):
                out.write(chunk)
            out.flush()
            return
        # Written next to the target and renamed at the end: never a truncated dump file.
        tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
        try:
            with (gzip.open(tmp, "wb") if output.suffix == ".gz" else open(tmp, "wb")) as fh:
                for chunk in store.dump_chunks(media_type):
                    fh.write(chunk)
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)


@cli.command()
@store_option
@base_option
@click.option("--claim", default=None, help="One claim, by IRI or by slug (default: every claim).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for one SLUG.jsonld file per claim (default: standard output, one document per line).")
def claims(store_dir: Path, base_iri: str | None, claim: str | None, output: Path | None) -> None:
    """Write claims one by one as JSON-LD; each proposition stays in its own named graph."""
    import json

    from claimgraph.claims import claim_iris, claim_jsonld

    settings = _settings(store_dir=store_dir, base_iri=base_iri, query_workers=1)
    with _opened_store(settings) as store:
        iris = claim_iris(store) if claim is None else [claim if ":" in claim else f"{settings.base_iri}id/claim/{claim}"]
        if output is not None:
            output.mkdir(parents=True, exist_ok=True)
        for iri in iris:
            doc = claim_jsonld(store, iri)
            if doc is None:
                raise click.ClickException(f"no claim {iri} in {settings.store_dir}")
            text = json.dumps(doc, ensure_ascii=False, indent=1 if output or claim else None)
            if output is None:
                click.echo(text)
            else:
                (output / f"{iri.rsplit('/', 1)[-1]}.jsonld").write_text(text + "\n", encoding="utf-8")
        if output is not None:
            click.echo(f"wrote {len(iris)} claim(s) to {output}")


@cli.command()
@store_option
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def backup(store_dir: Path, target: Path) -> None:
    """Copy the store into TARGET (a new folder) with Oxigraph's own backup.

    TARGET is a complete claimgraph store (serve it with --store TARGET) whose oxigraph folder
    is a plain Oxigraph database. On the same file system the copy is made of hard links:
    instant, and it costs disk space only as the original changes."""
    from claimgraph.graph.store import EmbeddedStore, StoreError

    started = time.monotonic()
    store = EmbeddedStore(_settings(store_dir=store_dir).store_dir)
    try:
        version = store.backup(target)
    except (StoreError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up version {version} of {store_dir} to {target} in {time.monotonic() - started:.2f} s")


def _create_store(directory: str) -> None:
    from claimgraph.graph.store import EmbeddedStore

    EmbeddedStore(Path(directory)).close()


def main() -> None:
    """Console entry point."""
    cli(prog_name="claimgraph")


if __name__ == "__main__":
    main()
