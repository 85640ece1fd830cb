"""Ingesting a batch of articles into an on-disk store: read in parallel, write one version.

Reading and compiling (YAML, span checks, rdflib, SHACL) run in worker processes, one per core;
the merge of speakers across articles is decided in this process between the two, with the
whole batch in view. Everything is written inside one ``EmbeddedStore.writer()`` block: the
batch becomes the store's next version at once, or, if anything fails without ``keep_going``
(or the process is killed), the store stays as it was.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from claimgraph.graph.build.iris import IriMinter
from claimgraph.graph.build.similarity import refresh_same_message
from claimgraph.graph.build.bundles import reseal

from claimgraph.graph.build.ingest import (
    Contribution,
    IngestError,
    Ledger,
    ReadArticle,
    compile_article,
    default_links,
    find_texts,
    read_article,
)
from claimgraph.graph.build.merge import Decision, resolve
from claimgraph.graph.build.provenance import build_time
from claimgraph.graph.store import EmbeddedStore

T = TypeVar("T")
R = TypeVar("R")

#: Below this many articles the work is done in this process (starting workers costs ~1 s).
POOL_THRESHOLD = 6


@dataclass
class Summary:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # one message per failing article
    claims: int = 0  # claims of the articles added or replaced
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.replaced)} replaced, {len(self.skipped)} skipped, "
            f"{len(self.failed)} failed; {self.claims} claim(s) in {self.seconds:.2f} s"
        )


class IngestFailed(Exception):
    """Articles failed and ``keep_going`` was off: nothing was written."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def _draft(text: str, meta: dict[str, Any], doc_id: str) -> dict[str, Any]:
    """The drafter's reading of an article that has none (claimgraph.graph.draft)."""
    from claimgraph.graph.draft import Drafter

    global _DRAFTER
    if _DRAFTER is None:
        _DRAFTER = Drafter(str(meta.get("language") or "de"))
    return _DRAFTER.draft(text, meta, doc_id=doc_id)


_DRAFTER: Any = None


def _read(job: tuple[Path, dict[str, tuple[str, str]]]) -> ReadArticle | str:
    try:
        return read_article(*job, draft=_draft)
    except IngestError as exc:
        return str(exc)


def _compile(job: tuple[ReadArticle, dict[str, Decision], str, datetime, bool]) -> Contribution | str:
    try:
        return compile_article(*job)
    except IngestError as exc:
        return str(exc)


class _Workers:
    """Worker processes for reading and compiling, started once for both (spawned: the caller
    may hold RocksDB open, which a forked child must not inherit; each start costs about a
    second of imports)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: Any = None

    def map(self, fn: Callable[[T], R], jobs: list[T], tick: Callable[[], None]) -> Iterator[R]:
        """``fn`` over ``jobs`` in order, on the worker processes when it pays."""
        if self.workers <= 1 or len(jobs) < POOL_THRESHOLD:
            for job in jobs:
                yield fn(job)
                tick()
            return
        if self.pool is None:
            self.pool = multiprocessing.get_context("spawn").Pool(self.workers)
        for result in self.pool.imap(fn, jobs, chunksize=max(1, min(16, len(jobs) // (self.workers * 8)))):
            yield result
            tick()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def ingest(
    store: EmbeddedStore,
    paths: Iterable[Path],
    base_iri: str,
    *,
    keep_going: bool = False,
    validate: bool = True,
    workers: int | None = None,
    progress: Callable[[str, int], None] | None = None,
    texts: list[Path] | None = None,
) -> Summary:
    """Add or replace the articles under ``paths``; see the module docstring.

    ``progress(phase, total)`` is called once per phase ("reading", "compiling") with its
    length, then with ``("", 1)`` for each article done."""
    pool = _Workers(workers or min(2, os.cpu_count() or 1))
    try:
        return _ingest(store, paths, base_iri, pool, keep_going, validate, progress, texts)
    finally:
        pool.close()


def _ingest(
    store: EmbeddedStore,
    paths: Iterable[Path],
    base_iri: str,
    pool: _Workers,
    keep_going: bool,
    validate: bool,
    progress: Callable[[str, int], None] | None,
    texts: list[Path] | None,
) -> Summary:
    started = time.monotonic()
    summary = Summary()
    texts = texts if texts is not None else find_texts(paths)
    links = default_links()
    tick = (lambda: progress("", 1)) if progress else (lambda: None)

    if progress:
        progress("reading", len(texts))
    reads: list[ReadArticle] = []
    seen: dict[str, Path] = {}
    for result in pool.map(_read, [(t, links) for t in texts], tick):
        if isinstance(result, str):
            summary.failed.append(result)
        elif result.slug in seen:
            summary.failed.append(
                f"{result.article.path}: article id {result.slug!r} is also the id of {seen[result.slug]}"
            )
        else:
            seen[result.slug] = result.article.path
            reads.append(result)
    if summary.failed and not keep_going:
        raise IngestFailed(summary.failed)

    run_started = build_time()
    with store.writer() as ox_store:
        ledger = Ledger(ox_store, base_iri)
        todo: list[ReadArticle] = []
        for r in reads:
            facts = ledger.facts(r.slug)
            if facts and facts.sha256 == r.article.sha256 and facts.reading_sha256 == r.reading_sha256:
                summary.skipped.append(r.slug)
            elif facts is None and ledger.has_document(r.slug) and ledger.has_files(f.sha256 for f in r.inputs):
                summary.skipped.append(r.slug)  # compiled by 'claimgraph build' from these very files
            else:
                todo.append(r)
        if todo:  # an ingest that skips every article changes nothing (a build's dataset hash holds)
            ledger.ensure_ontology()
        registry = ledger.known_entities(excluding={r.slug for r in todo})
        decisions = resolve([(r.slug, str(r.article.meta["language"]), r.annotation.entities) for r in todo], registry)
        if progress:
            progress("compiling", len(todo))
        jobs = [(r, decisions[r.slug], base_iri, run_started, validate) for r in todo]
        adding: list[Any] = []
        sealing: list[str] = []  # subjects written: their claims get bundle hashes
        hashed: dict[str, str] = {}  # bundle hashes the workers computed
        nquads: list[bytes] = []
        batch_subjects: set[str] = set()  # owned by articles added earlier in this batch
        changed_claims: set[str] = set()  # replaced, removed and added: their matches are redone
        for r, compiled in zip(todo, pool.map(_compile, jobs, tick)):
            if isinstance(compiled, str):
                summary.failed.append(compiled)
                continue
            mine = ledger.own_subjects(r.slug)
            taken = batch_subjects.intersection(compiled.own_subjects)
            problem = (
                f"{min(taken)} is also made by another article of this batch"
                if taken
                else ledger.conflicts(compiled, mine)
            )
            existed = ledger.facts(r.slug) is not None
            if problem and not existed and ledger.has_document(r.slug):  # put there by a build
                problem = (
                    f"article {r.slug!r} changed since 'claimgraph build' compiled it, and a build keeps no "
                    "ingest record to replace it by: run 'claimgraph build' again, or make the store with "
                    "'claimgraph ingest' from the start"
                )
            if problem:
                summary.failed.append(f"{r.article.path}: {problem}")
                continue
            if existed:
                changed_claims.update(c for c in mine if "/id/claim/" in c)
                ledger.remove(r.slug)
            data, record = ledger.to_add(compiled)
            nquads.append(data)
            adding += record
            sealing += compiled.own_subjects
            hashed.update(compiled.bundle_hashes)
            changed_claims.update(c for c in compiled.own_subjects if "/id/claim/" in c)
            batch_subjects.update(compiled.own_subjects)
            (summary.replaced if existed else summary.added).append(r.slug)
            summary.claims += compiled.claims
        if summary.failed and not keep_going:
            raise IngestFailed(summary.failed)  # leaves the writer block: nothing is published
        # one write for the batch (on the private copy the writer publishes at the end)
        if len(nquads) > 20:
            ox_store.bulk_load(b"".join(nquads), format=ox.RdfFormat.N_QUADS)
            ox_store.bulk_extend(adding)
        else:
            ox_store.load(b"".join(nquads), format=ox.RdfFormat.N_QUADS)
            ox_store.extend(adding)
        if todo:  # the same statement across articles: the changed claims against the store
            refresh_same_message(ox_store, IriMinter(base_iri), changed=changed_claims, before=store.published_index())
        if nquads:  # the new claims' bundle hashes; the stale dataset hash is dropped (bundles.reseal)
            reseal(ox_store, [ox.NamedNode(s) for s in sealing if "/id/claim/" in s], hashed)
    summary.seconds = time.monotonic() - started
    return summary


def remove(store: EmbeddedStore, slugs: Iterable[str], base_iri: str) -> int:
    """Take articles out (all or none); returns the number of claims removed."""
    claims = 0
    gone: set[str] = set()
    with store.writer() as ox_store:
        ledger = Ledger(ox_store, base_iri)
        for slug in slugs:
            try:
                gone.update(c for c in ledger.own_subjects(slug) if "/id/claim/" in c)
                claims += ledger.remove(slug)
            except KeyError:
                raise IngestError(f"no ingested article {slug!r} in {store.directory}") from None
        refresh_same_message(ox_store, IriMinter(base_iri), changed=gone, before=store.published_index())
        reseal(ox_store, [])  # the dataset changed: a stale dataset hash is dropped
    return claims
