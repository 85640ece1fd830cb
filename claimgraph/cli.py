"""The ``claimgraph`` command: build, serve, load, query, dump, backup, draft.

User mistakes end with a one-line ``Error: ...`` and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import dataclasses

import contextlib
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import click

from claimgraph import __version__
from claimgraph.settings import Settings, option, query_preload

# The options that are settings come from the settings table (claimgraph/settings.py).
store_option = option("store_dir")
store_url_option = option("store_url")
base_option = option("base_iri")


def _settings(**changes: Any) -> Settings:
    """The environment's settings with the options given on the command line."""
    try:
        return Settings.from_env().with_(**changes)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


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


@contextlib.contextmanager
def _reading(settings: Settings) -> Iterator[Any]:
    """A Select (graph.build.bundles) over the configured store: in this process on one pinned
    version of an on-disk store, over SPARQL for an external one or a remote endpoint."""
    from claimgraph.graph.build.bundles import store_select
    from claimgraph.graph.store import EmbeddedStore, StoreError

    if settings.store_url:
        with _opened_store(settings) as store:
            yield store.select
        return
    if not (settings.store_dir / "oxigraph").exists():
        raise click.ClickException(f"no store at {settings.store_dir}")
    embedded = EmbeddedStore(settings.store_dir)
    try:
        with embedded.reader() as snapshot:
            yield store_select(snapshot)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        embedded.close()


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
@click.option(
    "--sign",
    "sign_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Ed25519 private key (PEM) to sign the dataset hash with; the signature and public key go into the build run.",
)
def build(
    store_dir: Path | None,
    store_url: str | None,
    base_iri: str | None,
    seeds_dir: Path | None,
    if_empty: bool,
    sign_key: Path | None,
) -> None:
    """Compile the seed articles into the store (replaces what an earlier build wrote).

    Every claim gets the hash of its bundle and the build run the hash of the dataset
    (RDFC-1.0 + SHA-256): `claimgraph verify` checks them later."""
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
            result = build_graph(
                seeds_dir or default_seeds_dir(),
                settings.base_iri,
                validate=False,
                sign_key=sign_key.read_bytes() if sign_key else None,
            )
            store.replace_dataset(result.dataset.serialize(format="nquads", encoding="utf-8"), validate=True)
        except (BuildError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(
        f"built {result.articles} article(s), {result.claims} claim(s), "
        f"{len(result.dataset)} quads into {where} in {time.monotonic() - started:.2f} s"
    )
    if result.seal is not None:
        click.echo(
            f"dataset hash (RDFC-1.0, SHA-256) {result.seal.dataset_hash}"
            + (", signed" if result.seal.signature else "")
        )


@cli.command()
@store_option
@store_url_option
@base_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@option("update_token")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="gunicorn worker processes (default: one per core, as memory allows).",
)
@click.option("--threads", default=None, type=click.IntRange(1, 256), help="Threads per worker (default: 8).")
@option("query_workers")
@option("query_timeout")
@option("query_memory_mb")
@option("max_body_bytes")
@option("allow_service")
@option("allow_load")
@option("cors_origins")
@option("proxies")
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of gunicorn.")
def serve(
    store_dir: Path | None,
    store_url: str | None,
    base_iri: str | None,
    host: str,
    port: int,
    update_token: str | None,
    workers: int | None,
    threads: int | None,
    query_workers: int | None,
    query_timeout: float | None,
    query_memory_mb: int | None,
    max_body_bytes: int | None,
    allow_service: bool | None,
    allow_load: bool | None,
    cors_origins: str | None,
    proxies: int | None,
    dev: bool,
) -> None:
    """Serve the SPARQL endpoint (gunicorn unless --dev)."""
    settings = _settings(
        store_dir=store_dir,
        store_url=store_url,
        base_iri=base_iri,
        update_token=update_token,
        query_workers=query_workers,
        query_timeout=query_timeout,
        query_memory_mb=query_memory_mb,
        max_body_bytes=max_body_bytes,
        allow_service=allow_service,
        allow_load=allow_load,
        cors_origins=cors_origins,
        proxies=proxies,
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
    from claimgraph.sizing import plan

    # Counts given on the command line (or CLAIMGRAPH_QUERY_WORKERS) win; the rest follow the machine.
    chosen = plan(workers=workers)
    chosen = dataclasses.replace(
        chosen, threads=threads or chosen.threads, executors=settings.query_workers or chosen.executors
    )
    settings = dataclasses.replace(settings, query_workers=chosen.executors)
    idle = settings.query_workers_idle
    elastic = f"; executors beyond the first start on demand and stop after {idle:g} s idle" if idle else ""
    if query_preload(settings):
        malloc = "; executors use mimalloc"
    else:
        malloc = "; mimalloc not installed: executors use glibc's malloc" if settings.query_mimalloc else ""
    click.echo(f"serving with {chosen.describe()}{elastic}{malloc}")
    run(settings, host=host, port=port, workers=chosen.workers, threads=chosen.threads)


@cli.command()
@store_option
@store_url_option
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--graph", default=None, help="Load triples into this named graph (default graph otherwise).")
@click.option("--base", "base_iri", default=None, help="Base IRI for relative IRIs (default: the graph IRI).")
@click.option(
    "--format", "media_type", default=None, help="Media type; guessed from the extension otherwise (.gz too)."
)
@option("validate_imports")
def load(
    store_dir: Path | None,
    store_url: str | None,
    files: tuple[Path, ...],
    graph: str | None,
    base_iri: str | None,
    media_type: str | None,
    validate_imports: bool | None,
) -> None:
    """Bulk-load RDF files (gzip too) into the store, all of them or nothing.

    The files are written by pyoxigraph's bulk loader into a private copy of the store that
    replaces the current version only once every file has been read: an error on the last
    line, or a killed process, leaves the store as it was, and servers keep answering from the
    previous version meanwhile."""
    import gzip

    from claimgraph.graph.store import LoadSource, StoreError
    from claimgraph.graph.store.formats import media_type_for_path
    from claimgraph.graph.store.sandbox import precheck_stream

    settings = _settings(store_dir=store_dir, store_url=store_url, validate_imports=validate_imports)
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
            packed = _is_gzip(raw)
            stream: IO[bytes] = stack.enter_context(gzip.open(raw)) if packed else raw  # type: ignore[arg-type]
            # The limits uploads have: nesting depth, RDF/XML entities (the parser would crash
            # or expand without bound); one streaming pass before the load reads the file again.
            try:
                precheck_stream(stream, mt, name=str(path))
            except StoreError as exc:
                raise click.ClickException(f"nothing was loaded: {exc}") from None
            stream.seek(0)
            sources.append(LoadSource(stream=stream, media_type=mt, name=str(path), path=None if packed else path))
        total_bytes = sum(p.stat().st_size for p in files)
        show_bar = sys.stderr.isatty()
        bar = (
            stack.enter_context(click.progressbar(length=total_bytes, label="loading", file=sys.stderr, show_eta=True))
            if show_bar
            else None
        )
        done = {"pos": 0}

        def progress() -> None:
            if bar is None:
                return
            pos = sum(f.tell() if not f.closed else 0 for f in raw_files)
            bar.update(max(pos - done["pos"], 0))
            done["pos"] = max(pos, done["pos"])

        try:
            summary = store.bulk_load(
                sources, graph=graph, base_iri=base_iri or graph, progress=progress, validate=validate
            )
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
@click.option(
    "--format",
    "fmt",
    default=None,
    help="Result format: json, xml, csv, tsv, ttl, nt, jsonld, ... (default: tsv / turtle).",
)
@option("query_timeout")
def query(
    store_dir: Path | None, store_url: str | None, query: str, fmt: str | None, query_timeout: float | None
) -> None:
    """Run a SPARQL query against the store and print the result."""
    from claimgraph.graph.store import QueryForm, QueryRequest
    from claimgraph.graph.store.formats import QUERY_OFFERS, find

    settings = _settings(store_dir=store_dir, store_url=store_url, query_timeout=query_timeout, query_workers=1)
    with _opened_store(settings) as store, store.prepare(QueryRequest(query=query)) as prepared:
        offer = QUERY_OFFERS[prepared.form]
        default = "text/turtle" if prepared.form is QueryForm.GRAPH else "text/tab-separated-values"
        chosen = find(offer, fmt) if fmt else None
        if fmt and chosen is None:
            raise click.ClickException(
                f"format {fmt} is not available for this query; use one of {', '.join(f.media_type for f in offer.formats)}"
            )
        media_type = chosen.media_type if chosen else default
        out = sys.stdout.buffer
        for chunk in prepared.stream(media_type):
            out.write(chunk)
        out.flush()


@cli.command()
@store_option
@store_url_option
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Most claims to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON (as /search?format=json does).")
@click.option("--timeout", "query_timeout", type=float, default=None, help="Time limit in seconds.")
def search(
    store_dir: Path, store_url: str | None, text: str, limit: int, as_json: bool, query_timeout: float | None
) -> None:
    """Full-text search over claims: "phrases", prefix*, OR, NOT, -word, speaker:name (docs/search.md)."""
    import json

    settings = _settings(store_dir=store_dir, store_url=store_url, query_timeout=query_timeout)
    with _opened_store(settings) as store:
        hits = store.search(text, limit)
    if as_json:
        click.echo(
            json.dumps({"q": text, "limit": limit, "hits": [h.as_json() for h in hits]}, ensure_ascii=False, indent=1)
        )
        return
    if not hits:
        click.echo(f"no claim matches {text!r}", err=True)
        return
    for hit in hits:
        snippet = hit.snippet_text.replace("\n", " ")
        where = " · ".join(x for x in (hit.speaker_name, hit.date, hit.title) if x)
        click.echo(f"{hit.score:7.2f}  {hit.claim}\n         {snippet}\n         {where}")


@cli.command()
@store_option
@store_url_option
@click.option("--format", "fmt", type=click.Choice(["nquads", "trig"]), default="nquads", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output); a name ending in .gz is compressed.",
)
@click.option(
    "--rdf12",
    is_flag=True,
    help="The RDF 1.2 view instead (Turtle 1.2): the default graph, each claim reifying its proposition's "
    "triples as triple terms (<claim> rdf:reifies <<( s p o )>>); derived, not stored.",
)
def dump(store_dir: Path | None, store_url: str | None, fmt: str, output: Path | None, rdf12: bool) -> None:
    """Write the whole dataset as N-Quads or TriG (one consistent version, streamed)."""
    import gzip
    import os

    media_type = "application/n-quads" if fmt == "nquads" else "application/trig"
    settings = _settings(store_dir=store_dir, store_url=store_url)
    with contextlib.ExitStack() as stack:
        if rdf12:
            from claimgraph.graph.build.rdf12 import dataset_rdf12

            chunks = dataset_rdf12(stack.enter_context(_reading(settings)))
        else:
            chunks = stack.enter_context(_opened_store(settings)).dump_chunks(media_type)
        if output is None:
            out = sys.stdout.buffer
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            return
        # Written next to the target and renamed at the end: never a truncated dump file.
        tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
        try:
            with gzip.open(tmp, "wb") if output.suffix == ".gz" else open(tmp, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)


@cli.command()
@store_option
@base_option
@click.option("--claim", default=None, help="One claim, by IRI or by slug (default: every claim).")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for one SLUG.jsonld file per claim (default: standard output, one document per line).",
)
def claims(store_dir: Path | None, base_iri: str | None, claim: str | None, output: Path | None) -> None:
    """Write claims one by one as JSON-LD; each proposition stays in its own named graph."""
    import json

    from claimgraph.claims import claim_iris, claim_jsonld

    settings = _settings(store_dir=store_dir, base_iri=base_iri, query_workers=1)
    with _opened_store(settings) as store:
        iris = (
            claim_iris(store) if claim is None else [claim if ":" in claim else f"{settings.base_iri}id/claim/{claim}"]
        )
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
@store_url_option
@base_option
@click.option(
    "--endpoint",
    default=None,
    help="A claimgraph SPARQL endpoint (…/sparql) to check over plain SPARQL instead of a store.",
)
@click.option("--claim", default=None, help="Check one claim (IRI or slug) and what it relies on.")
@click.option(
    "--sources",
    "sources_dirs",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    multiple=True,
    help="Folder holding the source files the build read, repeatable (default: the seeds and ontology shipped with claimgraph).",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The publisher's Ed25519 public key (PEM): the build run's signature must be made with it.",
)
@click.option("--json", "as_json", is_flag=True, help="Write the report as JSON.")
def verify(
    store_dir: Path,
    store_url: str | None,
    base_iri: str | None,
    endpoint: str | None,
    claim: str | None,
    sources_dirs: tuple[Path, ...],
    key_file: Path | None,
    as_json: bool,
) -> None:
    """Re-derive bundle hashes, spans, file hashes and the dataset hash; exit 0 only when all hold.

    Every mismatch is named: a changed bundle (with who, when and through which endpoint when
    the write was recorded), a span whose words are not at its offsets, a swapped file, a
    dataset that is not the one the build wrote, a signature by another key. See docs/verify.md."""
    import json

    import pyoxigraph as ox

    from claimgraph.graph.build.bundles import SigningKeyError, public_key_b64
    from claimgraph.graph.build.dataset import default_seeds_dir
    from claimgraph.ontology import ontology_dir
    from claimgraph.verify import verify as run_verify

    settings = _settings(store_dir=store_dir, store_url=endpoint or store_url, base_iri=base_iri, query_workers=1)
    public_key = None
    if key_file is not None:
        try:
            public_key = public_key_b64(key_file.read_bytes())
        except SigningKeyError as exc:
            raise click.ClickException(f"{key_file}: {exc}") from None
    target = None
    if claim is not None:
        try:
            target = ox.NamedNode(claim if ":" in claim else f"{settings.base_iri}id/claim/{claim}")
        except ValueError:
            raise click.ClickException(f"not a claim IRI or slug: {claim!r}") from None
    sources = list(sources_dirs) or [default_seeds_dir(), ontology_dir()]
    with _reading(settings) as select:
        report = run_verify(select, target, sources, public_key)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        for line in report.lines():
            click.echo(line)
    sys.exit(0 if report.ok else 1)


@cli.command()
@store_option
@store_url_option
@base_option
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Worker processes validating parts of the store at once (1: in this process).",
)
def validate(store_dir: Path, store_url: str | None, base_iri: str | None, workers: int) -> None:
    """Check the whole store's default graph against ontology/shapes.ttl; exit 1 on any violation.

    One line per violation (focus node, property path, the shape's message), then a summary.
    The store is read in parts (an ingested article's triples with their neighbours, cut by
    its ingest record; the rest by subject) and validated by pySHACL in worker processes."""
    from claimgraph.graph.build.conformance import check
    from claimgraph.validating import read_default_graph

    settings = _settings(store_dir=store_dir, store_url=store_url, base_iri=base_iri)
    started = time.monotonic()
    if settings.store_url:
        with _opened_store(settings) as store:
            triples, records = read_default_graph(store)
    else:
        if not (settings.store_dir / "oxigraph").exists():
            raise click.ClickException(f"no store at {settings.store_dir}")
        from claimgraph.graph.store import EmbeddedStore, StoreError

        embedded = EmbeddedStore(settings.store_dir)
        try:
            with embedded.reader() as snapshot:
                triples, records = read_default_graph(snapshot)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            embedded.close()
    if sys.stderr.isatty():
        with click.progressbar(length=1, label="validating", file=sys.stderr) as bar:

            def progress(done: int, parts: int) -> None:
                bar.length = parts
                bar.update(done - bar.pos)

            report = check(triples, records, workers=workers, progress=progress)
    else:
        report = check(triples, records, workers=workers)
    for v in report.violations:
        click.echo(v.line() if v.severity == "Violation" else f"({v.severity}) {v.line()}")
    where = settings.store_url or settings.store_dir
    count = sum(v.severity == "Violation" for v in report.violations)
    verdict = "conforms to the shapes" if report.conforms else f"does not conform: {count} violation(s)"
    click.echo(
        f"{where} {verdict} ({report.triples} triples, {report.subjects} subjects, "
        f"{report.parts} part(s), {time.monotonic() - started:.1f} s)",
        err=not report.conforms,
    )
    sys.exit(0 if report.conforms else 1)


@cli.command()
@store_option
@store_url_option
@base_option
@click.option("--claim", default=None, help="One claim, by IRI or by slug (default: every claim).")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for one SLUG.nanopub.trig per claim (default: standard output).",
)
def nanopub(
    store_dir: Path, store_url: str | None, base_iri: str | None, claim: str | None, output: Path | None
) -> None:
    """Write claims as nanopublications (TriG) with trusty URIs (RA module).

    Assertion: the proposition's triples; provenance: the speaker, the act of claiming, its
    chain and spans; publication info: the build run, licence and creation time."""
    import pyoxigraph as ox

    from claimgraph.graph.build.nanopub import NoSuchClaim, nanopub_trig

    settings = _settings(store_dir=store_dir, store_url=store_url, base_iri=base_iri, query_workers=1)
    with _reading(settings) as select:
        if claim is None:
            iris = [
                row["claim"].value
                for row in select(
                    "PREFIX cg: <https://w3id.org/claimgraph/ontology#> "
                    "SELECT ?claim WHERE { ?claim a cg:Claim } ORDER BY ?claim"
                )
            ]
        else:
            iris = [claim if ":" in claim else f"{settings.base_iri}id/claim/{claim}"]
        if output is not None:
            output.mkdir(parents=True, exist_ok=True)
        for iri in iris:
            try:
                body, trusty_uri = nanopub_trig(select, ox.NamedNode(iri), settings.data_license)
            except (NoSuchClaim, ValueError) as exc:
                raise click.ClickException(str(exc)) from None
            if output is None:
                sys.stdout.buffer.write(body)
            else:
                (output / f"{iri.rsplit('/', 1)[-1]}.nanopub.trig").write_bytes(body)
                click.echo(trusty_uri)
        sys.stdout.flush()


@cli.command()
@store_option
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def backup(store_dir: Path | None, target: Path) -> None:
    """Copy the store into TARGET (a new folder) with Oxigraph's own backup.

    TARGET is a complete claimgraph store (serve it with --store TARGET) whose oxigraph folder
    is a plain Oxigraph database. On the same file system the copy is made of hard links:
    instant, and it costs disk space only as the original changes."""
    from claimgraph.graph.store import EmbeddedStore, StoreError

    started = time.monotonic()
    store_dir = _settings(store_dir=store_dir).store_dir
    store = EmbeddedStore(store_dir)
    try:
        version = store.backup(target)
    except (StoreError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up version {version} of {store_dir} to {target} in {time.monotonic() - started:.2f} s")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--lang", default=None, help="Language of the texts (default: the NAME.meta.yaml's, else de).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="With one FILE the draft's file (default: standard output); with several a folder "
    "for one NAME.claims.yaml each.",
)
@click.option("--own-voice", is_flag=True, help="Also draft the statements in the outlet's own voice.")
@click.option(
    "--model",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A model trained with the drafter's training code (default: the rules alone).",
)
@click.option(
    "--compare",
    "curated",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Compare the draft of FILE (or FILE itself when it is a .claims.yaml) with this curated "
    "reading: claim by claim, then precision and recall.",
)
@click.pass_context
def draft(
    ctx: click.Context,
    files: tuple[Path, ...],
    lang: str | None,
    output: Path | None,
    own_voice: bool,
    model: Path | None,
    curated: Path | None,
) -> None:
    """Draft the claims of news texts: per NAME.txt a NAME.claims.yaml (reading: extracted).

    Every span is checked against the text before anything is written. NAME.meta.yaml beside
    a text is used when present. A file that cannot be drafted (missing, empty, binary, not
    UTF-8) gets a one-line error and no output; the others are still drafted, and the exit
    code is 1."""
    from claimgraph.drafting import DraftInputError, document_id, finish, read_meta, read_text, stem, write_atomically

    if curated is not None:
        if len(files) != 1:
            raise click.UsageError("--compare takes exactly one FILE (a text, or its draft NAME.claims.yaml)")
        _compare(curated, files[0], lang, own_voice, model)
        return
    if len(files) > 1 and output is None:
        raise click.UsageError("several FILEs need -o DIRECTORY for their drafts")
    if len(files) > 1 and output is not None and output.exists() and not output.is_dir():
        raise click.UsageError(f"-o {output}: not a directory (several FILEs write one draft each into it)")
    if len(files) == 1 and output is not None and output.is_dir():
        output = output / (stem(files[0]) + ".claims.yaml")

    failed = written = 0

    def fail(message: str) -> None:
        nonlocal failed
        failed += 1
        click.echo(f"Error: {message}", err=True)

    # Every input is read and checked before the drafter (and its lexicons or model) is loaded.
    ready = []
    targets: dict[str, Path] = {}
    for path in files:
        if path.name.endswith((".claims.yaml", ".meta.yaml")):
            fail(f"{path}: a reading or metadata file, not a text to draft")
            continue
        if len(files) > 1 and stem(path) in targets:
            fail(f"{path}: its draft {stem(path)}.claims.yaml would overwrite that of {targets[stem(path)]}")
            continue
        try:
            text, meta = read_text(path), read_meta(path)
        except DraftInputError as exc:
            fail(str(exc))
            continue
        targets[stem(path)] = path
        file_lang = lang or (meta or {}).get("language") or "de"
        ready.append((path, text, meta, str(file_lang)))
    if ready:
        run_lang = ready[0][3]
        drafter = _drafter(run_lang, model)
        items: Iterable[tuple[Path, str, dict[str, Any] | None, str]] = ready
        bar = None
        if len(ready) > 1 and sys.stderr.isatty():
            bar = click.progressbar(
                ready, label="drafting", file=sys.stderr, item_show_func=lambda r: r[0].name if r else ""
            )
            items = bar.__enter__()
        try:
            for path, text, meta, file_lang in items:
                if file_lang != run_lang:
                    fail(
                        f"{path}: its language is {file_lang!r}, this run drafts {run_lang!r}; "
                        "draft each language in its own run (--lang)"
                    )
                    continue
                try:
                    reading = drafter.draft(text, meta, own_voice=own_voice, doc_id=document_id(path, meta))
                    body = finish(reading, text, path, file_lang, meta)
                    if output is None:
                        click.echo(body, nl=False)
                    else:
                        target = output if len(files) == 1 else output / (stem(path) + ".claims.yaml")
                        write_atomically(target, body)
                    written += 1
                except DraftInputError as exc:
                    fail(str(exc))
                except ValueError as exc:  # the drafter refuses a text (its own check failed)
                    fail(f"{path}: the drafter failed: {' '.join(str(exc).split())}")
                except OSError as exc:
                    fail(f"{path}: cannot write the draft: {exc.strerror or exc}")
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
    if output is not None and len(files) > 1:
        click.echo(f"drafted {written} of {len(files)} file(s) into {output}", err=True)
    if failed:
        ctx.exit(1)


def _drafter(lang: str, model: Path | None) -> Any:
    """One drafter for every file of the run (lexicons and any model are loaded once)."""
    try:
        from claimgraph.graph.draft import Drafter
    except ImportError as exc:
        raise click.ClickException(f"the drafter is not installed: {exc}") from None
    try:
        return Drafter(lang=lang, model=model)
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"cannot set up the drafter: {exc}") from None


def _compare(curated_path: Path, file: Path, lang: str | None, own_voice: bool, model: Path | None) -> None:
    """``claimgraph draft --compare``: the draft of ``file`` against a curated reading."""
    import yaml

    from claimgraph.drafting import DraftInputError, document_id, finish, outlets, read_meta, read_text
    from claimgraph.graph.draft.compare import compare, table

    try:
        curated = yaml.safe_load(curated_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise click.ClickException(
            f"{curated_path}: cannot read the curated reading: {' '.join(str(exc).split())}"
        ) from None
    if not isinstance(curated, dict) or not isinstance(curated.get("claims"), list):
        raise click.ClickException(f"{curated_path}: not a reading (no list of claims)")
    curated_meta = read_meta(curated_path.with_name(curated_path.name.removesuffix(".claims.yaml") + ".txt"))
    try:
        if file.name.endswith(".claims.yaml"):
            drafted = yaml.safe_load(file.read_text(encoding="utf-8"))
        else:
            text, meta = read_text(file), read_meta(file)
            file_lang = lang or (meta or {}).get("language") or "de"
            reading = _drafter(str(file_lang), model).draft(
                text, meta, own_voice=own_voice, doc_id=document_id(file, meta)
            )
            drafted = yaml.safe_load(finish(reading, text, file, str(file_lang), meta))
    except DraftInputError as exc:
        raise click.ClickException(str(exc)) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise click.ClickException(f"{file}: cannot read the draft: {' '.join(str(exc).split())}") from None
    except ValueError as exc:  # the drafter refuses the text (its own check failed)
        raise click.ClickException(f"{file}: the drafter failed: {' '.join(str(exc).split())}") from None
    if not isinstance(drafted, dict):
        raise click.ClickException(f"{file}: not a reading")
    click.echo(table(compare(curated, drafted, own_voice=own_voice, outlets=outlets(curated_meta))), nl=False)


def _embedded(settings: Settings) -> Any:
    """The on-disk store (ingest keeps per-article records only there)."""
    from claimgraph.graph.store import EmbeddedStore

    if settings.store_url:
        raise click.ClickException(
            "ingest, remove and import-spkatt work on an on-disk store (--store), not --store-url"
        )
    return EmbeddedStore(settings.store_dir, query_workers=1)


def _run_ingest(
    settings: Settings, paths: tuple[Path, ...], keep_going: bool, validate: bool, texts: list[Path] | None = None
) -> None:
    from claimgraph.ingest import IngestFailed, ingest as ingest_articles

    store = _embedded(settings)
    bar: dict[str, Any] = {}

    def progress(phase: str, n: int) -> None:
        if not sys.stderr.isatty():
            return
        if phase:
            if bar.get("bar") is not None:
                bar["bar"].render_finish()
            bar["bar"] = click.progressbar(length=n, label=phase, file=sys.stderr, show_pos=True)
        elif bar.get("bar") is not None:
            bar["bar"].update(n)

    try:
        summary = ingest_articles(
            store, paths, settings.base_iri, keep_going=keep_going, validate=validate, progress=progress, texts=texts
        )
    except IngestFailed as exc:
        if bar.get("bar") is not None:
            bar["bar"].render_finish()
        raise click.ClickException("nothing was ingested:\n  " + "\n  ".join(exc.messages)) from None
    finally:
        store.close()
    if bar.get("bar") is not None:
        bar["bar"].render_finish()
    for message in summary.failed:
        click.echo(f"failed: {message}", err=True)
    click.echo(f"ingested into {settings.store_dir}: {summary.line()}")
    if summary.failed:
        sys.exit(1)


@cli.command()
@store_option
@store_url_option
@base_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--keep-going", is_flag=True, help="Ingest the articles that can be; exit non-zero if any failed.")
@click.option(
    "--validate/--no-validate",
    default=True,
    show_default=True,
    help="Check each article's triples against the SHACL shapes (about 1-3 s an article).",
)
def ingest(
    store_dir: Path,
    store_url: str | None,
    base_iri: str | None,
    paths: tuple[Path, ...],
    keep_going: bool,
    validate: bool,
) -> None:
    """Add or replace articles (NAME.txt with NAME.meta.yaml and NAME.claims.yaml, or folders of them).

    Each article's triples are replaced exactly, every other article stays as it was; an
    unchanged article (same text, same reading) is skipped. The whole batch becomes the store's
    next version at once: a failure (without --keep-going) or a killed run changes nothing."""
    settings = _settings(store_dir=store_dir, store_url=store_url, base_iri=base_iri)
    _run_ingest(settings, paths, keep_going, validate)


@cli.command()
@store_option
@store_url_option
@base_option
@click.argument("ids", nargs=-1, required=True)
def remove(store_dir: Path, store_url: str | None, base_iri: str | None, ids: tuple[str, ...]) -> None:
    """Take ingested articles (by id) out of the store, with every triple only they contributed."""
    from claimgraph.graph.build.ingest import IngestError
    from claimgraph.ingest import remove as remove_articles

    settings = _settings(store_dir=store_dir, store_url=store_url, base_iri=base_iri)
    store = _embedded(settings)
    try:
        claims = remove_articles(store, ids, settings.base_iri)
    except IngestError as exc:
        raise click.ClickException(f"nothing was removed: {exc}") from None
    finally:
        store.close()
    click.echo(f"removed {len(ids)} article(s) with {claims} claim(s) from {settings.store_dir}")


@cli.command("import-spkatt")
@store_option
@store_url_option
@base_option
@click.argument("data_dir", type=click.Path(path_type=Path))
@click.option(
    "--work",
    "work_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the converted articles (default: STORE/spkatt-articles; never inside the repository).",
)
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N articles (by id).")
@click.option("--keep-going", is_flag=True, help="Import the articles that can be; exit non-zero if any failed.")
@click.option(
    "--validate/--no-validate",
    default=False,
    show_default=True,
    help="Check each article against the shapes while importing (slow: run `claimgraph validate` afterwards instead).",
)
def import_spkatt(
    store_dir: Path,
    store_url: str | None,
    base_iri: str | None,
    data_dir: Path,
    work_dir: Path | None,
    limit: int | None,
    keep_going: bool,
    validate: bool,
) -> None:
    """Import the SpkAtt-2023 German Wikinews corpus (its human annotations) as curated readings.

    DATA_DIR is the SpkAtt-2023 Task 2 folder (index.tsv, train/, dev/). Its licence is
    CC BY-NC-SA 4.0: the converted files are written beside the store, never into the package."""
    from claimgraph.graph.build.spkatt_import import SpkAttError, convert_corpus
    from claimgraph.graph.draft.stance import StanceLexicon

    settings = _settings(store_dir=store_dir, store_url=store_url, base_iri=base_iri)
    if not (data_dir / "index.tsv").exists():
        raise click.ClickException(
            f"{data_dir}: no SpkAtt-2023 data here (index.tsv missing). Get the Task 2 data from "
            "https://github.com/uhh-lt/news-speaker-attribution-2023 (CC BY-NC-SA 4.0) and lay it out "
            "as described in docs/corpus.md"
        )
    started = time.monotonic()
    work = work_dir or settings.store_dir.with_name(settings.store_dir.name + "-spkatt-articles")
    try:
        texts = convert_corpus(data_dir, work, StanceLexicon("de").stance, limit=limit)
    except SpkAttError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"converted {len(texts)} SpkAtt article(s) into {work} in {time.monotonic() - started:.2f} s")
    _run_ingest(settings, (work,), keep_going, validate, texts=texts)


def _create_store(directory: str) -> None:
    from claimgraph.graph.store import EmbeddedStore

    EmbeddedStore(Path(directory)).close()


def main() -> None:
    """Console entry point."""
    cli(prog_name="claimgraph")


if __name__ == "__main__":
    main()
