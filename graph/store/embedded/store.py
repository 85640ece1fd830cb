"""The default backend: an Oxigraph store in a directory on disk, used by several processes.

Folder layout (``--store DIR``), see :mod:`snapshots` for why::

    DIR/oxigraph -> versions/N   the current version of the RocksDB database (a symlink)
    DIR/versions/N/              published versions; never written once published
    DIR/write.lock               flock()ed by whichever process writes
    DIR/generation               N; readers reopen when it changes

Writers (the CLI, any server worker) take ``write.lock``, write a copy of the current version
and publish it with one atomic rename; readers (query executors, dumps) hold read-only handles
on a pinned version. A failure or a killed process at any point leaves the store as it was,
and a reader sees the state before a write or after it, never half of it.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import pyoxigraph as ox

from claimgraph.graph.store.base import (
    DataError,
    EngineCrashed,
    QueryTimeout,
    StoreBusy,
    LoadSource,
    LoadSummary,
    PreparedQuery,
    QueryRequest,
    QuerySyntaxError,
    Store,
    StoreError,
    UpdateRequest,
)
from claimgraph.graph.store.embedded import child
from claimgraph.graph.store.embedded.executor import ExecutorPool, read_generation
from claimgraph.graph.store.formats import rdf_format
from claimgraph.graph.store.rdfio import CG_NAMESPACE, check_shapes, iter_rdf, rdf_format_or_error
from claimgraph.graph.store import changes
from claimgraph.graph.store.embedded.snapshots import (
    ONE_NAME,
    PIN,
    _apply,
    LockTimeout,
    VersionedStore,
    current_version,
    open_snapshot,
    pinned_version,
    references,
    write_lock,
)
from claimgraph.graph.store.search import index as search_index
from claimgraph.graph.store.sparqltext.using import apply_using

T = TypeVar("T")

#: An update may run this many times the query time limit (it usually does more work).
UPDATE_TIME_FACTOR = 4

#: Most quads of claimgraph-vocabulary data that a bulk load checks against the shapes.
VALIDATE_MAX_QUADS = 200_000

# The Graph Store Protocol's GET is a CONSTRUCT run by a query executor; ?g is bound with
# pyoxigraph's substitutions, never pasted into the text.
_DEFAULT_GRAPH_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
_NAMED_GRAPH_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _noting_graphs(quads: Iterator[ox.Quad], graphs: set[object], default_to: ox.NamedNode | None) -> Iterator[ox.Quad]:
    """Quads of a dataset file, noting their graphs; default-graph triples go to ``default_to``."""
    for q in quads:
        g = q.graph_name
        if default_to is not None and isinstance(g, ox.DefaultGraph):
            q = ox.Quad(q.subject, q.predicate, q.object, default_to)
            g = default_to
        graphs.add(g)
        yield q


def _beside_loader(
    store: ox.Store,
    sources: Sequence[LoadSource],
    base_iri: str | None,
    read: Callable[[], object],
) -> None:
    """Every source parsed twice at once: by Oxigraph's bulk loader from its file into ``store``
    (in a thread: it holds no GIL while it reads, parses and writes) and by ``read`` here, from
    the source's stream, for what the load learns in Python (counts, graphs, the index). Fed
    from a Python generator instead (``bulk_extend``), the loader held the GIL for every quad
    and the two ran one after the other; fed from a Python stream, it took the GIL for every
    2 KB read and waited for it behind the Python parser. An error on either side is raised
    once both have stopped (the loader cannot be interrupted); the caller discards the copy."""
    failed: list[BaseException] = []

    def load() -> None:
        try:
            for source in sources:
                store.bulk_load(path=source.path, format=rdf_format(source.media_type), base_iri=base_iri)
        except BaseException as exc:  # raised by the reading thread
            failed.append(exc)

    loader = threading.Thread(target=load, name="bulk-loader", daemon=True)
    loader.start()
    try:
        read()
    finally:
        loader.join()
    if failed:
        if isinstance(failed[0], SyntaxError):
            raise DataError(str(failed[0])) from None
        raise failed[0]


class PreparedIndex:
    """A version's index made ready before its copy closed, so that the closed copy is not
    opened again for it: read from a bulk load's input (``quads``), or the rows a write changes
    (``change``, applied to the previous version's index); and whether the version holds
    sealed claims (asked on the open copy)."""

    def __init__(
        self,
        sealed: bool,
        quads: search_index.QuadIndex | None = None,
        change: search_index.IndexChange | None = None,
        written: bool = False,
        built: Path | None = None,
    ) -> None:
        self.quads = quads
        #: A folder holding the index file of ``quads``, written already (moved into the copy).
        self.built = built
        self.change = change
        self.sealed = sealed
        #: The index is in the copy already (the update child wrote it).
        self.written = written


def _index_version(
    staging: Path,
    previous: Path | None = None,
    touched: set[str] | None = None,
    prepared: PreparedIndex | None = None,
) -> None:
    """Write the full-text index of a closed copy into it, before the copy is published.

    With ``prepared`` (made while the writer had the copy open: the rows of a bulk load into an
    empty default graph, read from its quads, or the rows a write changed, applied to the
    ``previous`` index), the copy is not opened again. With the ``previous`` version (which
    has an index) and the IRIs the write ``touched`` (subjects of every statement added or
    removed), the previous index is copied and only the claims that depend on those IRIs are
    indexed again; otherwise the whole copy is indexed."""
    if prepared is not None and (prepared.quads is not None or prepared.written or previous is not None):
        if prepared.written:  # the update child wrote it into the copy
            pass
        elif prepared.built is not None:
            os.replace(prepared.built / search_index.INDEX_FILE, staging / search_index.INDEX_FILE)
        elif prepared.quads is not None:
            search_index.write_rows(staging, prepared.quads.rows(), prepared.quads.messages())
        elif prepared.change is not None and previous is not None:
            search_index.update_index(previous, None, staging, prepared.change.replaced, change=prepared.change)
        if not prepared.sealed:
            (staging / UNSEALED).touch()
        return
    store = ox.Store.read_only(str(staging))
    try:
        if previous is not None and touched is not None and search_index.has_index(previous):
            search_index.update_index(previous, store, staging, touched)
        else:
            search_index.write_index(store, staging)
        if not changes.is_sealed(store):  # asked here, where the copy is open anyway
            (staging / UNSEALED).touch()
    finally:
        held = references(store) > ONE_NAME
        del store
        if held:  # a cycle holds it (an exception's frames, say): only a collection frees it
            gc.collect()


#: In a version's folder: the version holds no claims sealed by a build, so a write on top
#: of it records no changes and need not open it to ask (a version never changes once
#: published; one that a write seals is a new version, without the mark).
UNSEALED = "claimgraph.unsealed"

#: More subjects than this in one write and the next index is written whole (a bulk load).
MAX_TOUCHED = 20_000


class _Touches:
    """The subjects a writer block changed, or ``None`` once it did something unseen (a SPARQL
    update, clearing the store): then the next index is written from scratch."""

    def __init__(self) -> None:
        self.nodes: set[str] | None = set()

    def quads(self, quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        for q in quads:
            if self.nodes is not None:
                if isinstance(q.subject, ox.NamedNode):
                    self.nodes.add(q.subject.value)
                    if len(self.nodes) > MAX_TOUCHED:  # a bulk write: indexing it all is cheaper
                        self.nodes = None
                else:  # a blank node's claims cannot be named: index everything
                    self.nodes = None
            yield q

    def graph(self, store: ox.Store, graph: object) -> None:
        """Note the subjects of a graph about to be cleared or removed."""
        if self.nodes is not None:
            for _ in self.quads(store.quads_for_pattern(None, None, None, graph)):  # type: ignore[arg-type]
                pass

    def data(self, data: object, kwargs: dict[str, Any]) -> None:
        """Note the subjects of data about to be loaded (bytes or text; anything else: unseen)."""
        if isinstance(data, (bytes, str)) and self.nodes is not None:
            try:
                fmt = kwargs.get("format")
                quads = ox.parse(data.encode() if isinstance(data, str) else data, fmt, base_iri=kwargs.get("base_iri"))
                for _ in self.quads(quads):
                    if self.nodes is None:  # too many to note: the rest need not be parsed
                        break
            except Exception:  # the load itself reports it; nothing is noted for certain
                self.nodes = None
        else:
            self.nodes = None


UPDATE_CHILD = "claimgraph.graph.store.embedded.update_child:main"


def _update_in_child(
    staging: Path,
    text: str,
    base_iri: str | None,
    timeout: float,
    network: bool = False,
    index: tuple[str, list[str], str] | None = None,
    spare: bool = False,
) -> str:
    """Apply the update in a process of its own (:mod:`update_child`), killed past ``timeout``;
    with ``index``, the child writes the copy's search index too. Returns the child's outcome
    ("" or "indexed:sealed" / "indexed:unsealed").

    It used to come from a multiprocessing fork server, which stayed resident in every server
    worker after its first update (with a resource tracker); a lean child starts in about 0.1 s,
    and with ``spare`` the one a server started after its previous update is used."""
    conn, process = child.start(UPDATE_CHILD, str(staging), text, base_iri, network, index, spare=spare)
    try:
        if not conn.poll(timeout):
            process.kill()
            raise QueryTimeout(f"update stopped after the time limit of {timeout:g} s; nothing was changed")
        try:
            kind, message = conn.recv()
        except EOFError:
            process.join(5)
            raise EngineCrashed(
                f"the update engine process died (exit code {process.exitcode}); nothing was changed"
            ) from None
    finally:
        conn.close()
        process.join(5)
    if kind == "syntax":
        raise QuerySyntaxError(message)
    if kind != "ok":
        raise StoreError(message)
    return str(message)


#: Updates longer than this are not read for the subjects they write (rdflib's parser takes
#: seconds on large texts): the search index after them is written whole.
UPDATE_SUBJECTS_MAX_CHARS = 32 * 1024


def _update_subjects(text: str, base_iri: str | None) -> set[str] | None:
    """The subjects an update writes, when its text names them all: INSERT DATA, DELETE DATA
    and DELETE/INSERT templates whose subjects are IRIs. None when it cannot tell (a variable
    or blank node subject, LOAD, CLEAR, DROP, ADD/MOVE/COPY, a long text): then the next
    search index is written whole, as for any unseen change.

    Without this every SPARQL Update rewrote the whole index: 15-20 s on a 1 M-quad store."""
    if len(text) > UPDATE_SUBJECTS_MAX_CHARS:
        return None
    from rdflib import URIRef
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        operations = translateUpdate(parseUpdate(text), base=base_iri).algebra
    except Exception:  # rdflib reads SPARQL differently here and there: Oxigraph decides
        return None
    subjects: set[str] = set()
    for op in operations:
        if op.name in ("InsertData", "DeleteData", "DeleteWhere"):
            clauses = [op]
        elif op.name == "Modify":
            clauses = [c for c in (dict.get(op, "delete"), dict.get(op, "insert")) if c is not None]
        else:
            return None
        for clause in clauses:  # rdflib's CompValue is a dict whose own get() means something else
            triples = list(dict.get(clause, "triples") or [])
            for graph_triples in (dict.get(clause, "quads") or {}).values():
                triples += graph_triples
            for subject, _, _ in triples:
                if type(subject) is not URIRef:  # a variable, a blank node, a quoted triple
                    return None
                subjects.add(str(subject))
    return subjects if len(subjects) <= MAX_TOUCHED else None


#: Uploads larger than this go through the bulk loader (much faster, and flat in memory,
#: where a transaction buffers every index entry); smaller ones make fewer, smaller files.
BULK_BYTES = 1_000_000


def _add_graph_data(
    store: ox.Store,
    data: bytes | IO[bytes],
    media_type: str,
    target: ox.NamedNode | ox.DefaultGraph,
    base_iri: str | None,
) -> None:
    """Parse one graph's upload into a private copy; triple formats are read by pyoxigraph's
    own loaders straight into the target graph (blank nodes renamed), without Python objects."""
    fmt = rdf_format_or_error(media_type)
    if fmt.supports_datasets:  # N-Quads/TriG/JSON-LD naming no graph: checked quad by quad
        quads = iter_rdf(
            data,
            media_type,
            graph=None if isinstance(target, ox.DefaultGraph) else target.value,
            base_iri=base_iri,
            single_graph=True,
        )
        _add_all(store, quads, data)
        return
    small = isinstance(data, (bytes, bytearray)) and len(data) < BULK_BYTES
    try:
        (store.load if small else store.bulk_load)(input=data, format=fmt, base_iri=base_iri, to_graph=target)
    except SyntaxError as exc:
        raise DataError(str(exc)) from None
    except ValueError as exc:
        raise DataError(str(exc)) from None


def _add_all(store: ox.Store, quads: Iterator[ox.Quad], data: object) -> None:
    """Add quads to a private copy (atomicity comes from publishing the copy, not from here)."""
    if isinstance(data, (bytes, bytearray)) and len(data) < BULK_BYTES:
        store.extend(quads)
    else:
        store.bulk_extend(quads)


class _ClosingProxy:
    """Forwards to a read-write store until the writer block ends, then lets it close."""

    def __init__(self, target: ox.Store, touches: _Touches | None = None) -> None:
        self._target: ox.Store | None = target
        self._touches = touches if touches is not None else _Touches()

    def __getattr__(self, name: str) -> object:
        target = self.__dict__.get("_target")
        if target is None:
            raise StoreError("this store handle was only valid inside its 'with store.writer()' block")
        touches: _Touches = self.__dict__["_touches"]
        if name in ("add", "remove"):
            method = getattr(target, name)
            return lambda quad: (list(touches.quads([quad])), method(quad))[1]
        if name in ("extend", "bulk_extend"):
            method = getattr(target, name)
            return lambda quads: method(touches.quads(quads))
        if name in ("load", "bulk_load"):
            method = getattr(target, name)

            def load(input: object = None, *args: object, **kwargs: Any) -> object:
                if args or "path" in kwargs:
                    touches.nodes = None
                else:
                    touches.data(input, kwargs)
                return method(input, *args, **kwargs)

            return load
        if name in ("clear_graph", "remove_graph"):
            method = getattr(target, name)

            def drop(graph: object) -> object:
                touches.graph(target, graph)
                return method(graph)

            return drop
        if name in ("update", "clear"):
            touches.nodes = None
        return getattr(target, name)

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self._live())

    def __len__(self) -> int:
        return len(self._live())

    def __contains__(self, quad: object) -> bool:
        return quad in self._live()

    def unwatched(self) -> ox.Store:
        """The store itself, for changes the index learns of otherwise (nothing is noted
        from here on: the subjects count as unknown)."""
        self.__dict__["_touches"].nodes = None
        return self._live()

    def _live(self) -> ox.Store:
        target = self.__dict__.get("_target")
        if target is None:
            raise StoreError("this store handle was only valid inside its 'with store.writer()' block")
        return target


def _recording(before: ox.Store, after: ox.Store, origin: changes.Origin, touches: _Touches) -> None:
    """Record a change after build in ``after``, noting the subjects that record writes."""
    proxy = _ClosingProxy(after, touches)
    try:
        changes.record(before, proxy, origin)  # type: ignore[arg-type]  # the proxy forwards to the store
    finally:
        proxy._target = None


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes

        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
        return trim
    except (OSError, AttributeError):  # not glibc
        return None


_TRIM = _malloc_trim()


def release_free_memory() -> None:
    """Give the memory a write freed back to the system (glibc only).

    A write reads and drops tens of MiB in this process (the copy's RocksDB, the index rows);
    in a server worker each of its threads has its own malloc arena, and each arena kept what
    its writes had freed: the worker grew 42 -> 160 MiB over a soak. One ``malloc_trim`` per
    write costs milliseconds."""
    if _TRIM is not None:
        _TRIM(0)


def _named(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise DataError(f"not a valid graph IRI: {iri!r} ({exc})") from None


class EmbeddedStore(Store):
    """Oxigraph on disk, with queries isolated in executor processes."""

    def __init__(
        self,
        directory: Path,
        query_workers: int = 2,
        query_timeout: float = 30.0,
        query_memory_mb: int = 0,
        query_network: bool = False,
        update_network: bool = False,
        query_idle_seconds: float = 0.0,
        query_nice: int = 0,
        spare_children: bool = False,
        query_preload: str | None = None,
    ) -> None:
        """``query_workers``: the most query executor processes at once; ``query_idle_seconds``:
        how long one beyond the first may stay idle (0: all start at once and stay; see
        :class:`ExecutorPool`). ``query_network`` / ``update_network``: whether the engine
        processes that run queries / updates may open IPv4/IPv6 sockets (needed only when
        SERVICE / LOAD are allowed). ``spare_children``: start each update's process ahead,
        after the previous update (a server's writes; see ``child.prestart``). ``query_preload``:
        a malloc library the executors load first (``child.mimalloc_library``; None: glibc's)."""
        self.directory = Path(directory)
        self._query_network = query_network
        self._update_network = update_network
        self.db_path = self.directory / "oxigraph"
        self.gen_path = self.directory / "generation"
        self.lock_path = self.directory / "write.lock"
        self._query_workers = query_workers
        self._query_idle_seconds = query_idle_seconds
        self._query_nice = query_nice
        self._query_preload = query_preload
        self._spare_children = spare_children
        self._query_timeout = query_timeout
        self._query_memory_mb = query_memory_mb
        self._pool: ExecutorPool | None = None
        self._pool_lock = threading.Lock()  # two first requests must not start two pools
        self.directory.mkdir(parents=True, exist_ok=True)
        #: Set by a writer for the version it publishes next: the subjects it changed.
        self._touched: set[str] | None = None
        #: Set by a writer for the version it publishes next: its index, made ready while the
        #: copy was open (see :class:`PreparedIndex`).
        self._prepared: PreparedIndex | None = None
        self._versions = VersionedStore(self.directory, before_publish=self._index_version)
        if not self.db_path.exists():
            with write_lock(self.lock_path):
                if not self.db_path.exists():
                    self._versions.commit(lambda store: None, fresh=True)  # an empty version 1
        elif read_generation(self.gen_path) != str(current_version(self.directory)):
            # A writer may have died between swapping the version and writing the counter;
            # if one is writing right now it writes the counter itself.
            with contextlib.suppress(LockTimeout):
                with write_lock(self.lock_path, timeout=0):
                    self._versions.repair()

    # -- reading -----------------------------------------------------------------------

    @property
    def pool(self) -> ExecutorPool:
        """Executor processes start on first use, so the CLI's writes never pay for them."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ExecutorPool(
                    self.db_path,
                    self.gen_path,
                    self._query_workers,
                    self._query_timeout,
                    self._query_memory_mb,
                    network=self._query_network,
                    idle_seconds=self._query_idle_seconds,
                    nice=self._query_nice,
                    preload=self._query_preload,
                )
            return self._pool

    def prepare(self, request: QueryRequest) -> PreparedQuery:
        return self.pool.prepare(request)

    def warm_up(self) -> None:
        """Start the executor processes now; each opens its snapshot before its first query."""
        self.pool

    @contextlib.contextmanager
    def reader(self) -> Iterator[ox.Store]:
        """A pinned read-only handle in this process, for dumps and counts (not for user queries)."""
        with open_snapshot(self.db_path) as snap:
            yield snap.store

    def dump(self, output: IO[bytes], media_type: str = "application/n-quads") -> None:
        for chunk in self.dump_chunks(media_type):
            output.write(chunk)

    def dump_chunks(self, media_type: str = "application/n-quads", batch: int = 20_000) -> Iterator[bytes]:
        """The whole dataset as N-Quads or TriG, in chunks, from one pinned version.

        Each chunk is a complete document of its own (no prefixes, blank node labels kept), and
        N-Quads and TriG documents concatenate into one valid document: memory stays flat."""
        fmt = rdf_format(media_type)
        if not fmt.supports_datasets:
            raise StoreError(f"{media_type} cannot hold named graphs; use N-Quads or TriG")
        with self.reader() as store:
            quads = store.quads_for_pattern(None, None, None, None)
            while True:
                chunk = list(itertools.islice(quads, batch))
                if not chunk:
                    return
                yield ox.serialize(chunk, format=fmt) or b""

    def _index_version(self, staging: Path) -> None:
        """The search index of a copy about to be published: incremental after a writer block
        that noted what it changed, whole otherwise (see :func:`_index_version`)."""
        number = current_version(self.directory) if self._touched is not None else None
        previous = self.directory / "versions" / str(number) if number is not None else None
        _index_version(staging, previous, self._touched, self._prepared)

    def published_index(self) -> Path | None:
        """The search index file of the current version, if it has one. Inside a
        :meth:`writer` block that is the version the block started from (the writer holds the
        lock, so it is neither replaced nor collected): an ingest reads the message tables
        there to refresh cg:sameMessageAs without reading every quote of the store."""
        number = current_version(self.directory)
        if number is None:
            return None
        path = self.directory / "versions" / str(number) / search_index.INDEX_FILE
        return path if path.exists() else None

    def search(self, text: str, limit: int = 20, timeout: float | None = None) -> list[search_index.Hit]:
        """Search the index of the current version, pinned while it is read (no query executor:
        SQLite answers in this process in about a millisecond)."""
        timeout = timeout if timeout is not None else self._query_timeout
        with pinned_version(self.db_path) as version:
            if not search_index.has_index(version):
                with open_snapshot(self.db_path) as snap:  # a version from before indexes
                    search_index.ensure_index(snap.path, snap.store)
                    return search_index.search(snap.path, text, limit, timeout)
            return search_index.search(version, text, limit, timeout)

    def is_empty(self) -> bool:
        with self.reader() as store:
            return next(iter(store.quads_for_pattern(None, None, None, None)), None) is None

    def generation(self) -> str:
        """Changes after every write (used by caches and ETags)."""
        return read_generation(self.gen_path)

    def named_graphs(self) -> list[str]:
        """From the store's graph index, without a scan of the quads."""
        with self.reader() as store:
            return [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]

    def last_modified(self) -> float | None:
        """When the current version was published (the generation file's time), for
        ``Last-Modified``; None for a store never written."""
        try:
            return os.stat(self.gen_path).st_mtime
        except FileNotFoundError:
            return None

    def graph_exists(self, graph: str | None) -> bool:
        if graph is None:
            return True
        with self.reader() as store:
            return store.contains_named_graph(_named(graph))

    def get_graph(self, graph: str | None, media_type: str) -> Iterator[bytes]:
        """Streamed by a query executor, like any CONSTRUCT: isolated, with its time limit."""
        if graph is None:
            request = QueryRequest(query=_DEFAULT_GRAPH_TRIPLES)
        else:
            request = QueryRequest(query=_NAMED_GRAPH_TRIPLES, substitutions={"g": _named(graph)})
        prepared = self.prepare(request)
        try:
            yield from prepared.stream(media_type)
        finally:
            prepared.close()

    def backup(self, target: Path) -> int:
        """Copy the current version with Oxigraph's own backup into a new store folder.

        ``target`` becomes a claimgraph store (``--store target``) whose ``oxigraph`` folder is a
        plain Oxigraph database; on the same file system the copy is made of hard links.
        Returns the version number copied."""
        target = Path(target)
        if target.exists():
            raise StoreError(f"{target} already exists; a backup needs a new folder")
        target.mkdir(parents=True)
        try:
            with open_snapshot(self.db_path) as snap:
                (target / "versions").mkdir()
                snap.store.backup(str(target / "versions" / "1"))
                version = current_version(self.directory) or 0
                if search_index.has_index(snap.path):  # the index of exactly this version
                    shutil.copy2(snap.path / search_index.INDEX_FILE, target / "versions" / "1")
            (target / "versions" / "1" / PIN).touch()
            os.symlink("versions/1", target / "oxigraph")
            (target / "generation").write_text("1")
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        return version

    # -- writing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def writer(self) -> Iterator[ox.Store]:
        """Read-write access for several operations, all published together or not at all.

        The block writes a private copy of the current version; it becomes current when the
        block ends without an exception. The object handed out stops working after the block
        (the database must be closed before it is published). Used by ``claimgraph ingest``;
        its writes are not recorded as changes after a build (ingest seals what it writes)."""
        with write_lock(self.lock_path):
            staging = self._versions.stage()
            try:
                store = ox.Store(str(staging))
                touches = _Touches()
                proxy = _ClosingProxy(store, touches)
                try:
                    yield proxy  # type: ignore[misc]
                    store.flush()
                finally:
                    proxy._target = None
                    del store
                    gc.collect()
                self._touched = touches.nodes
                try:
                    self._versions.publish(staging)
                finally:
                    self._touched = None
            except BaseException:
                self._versions.discard(staging)
                raise
            self._versions.collect()
            release_free_memory()

    def _commit(
        self, change: Callable[[ox.Store], T], fresh: bool = False, record: bool = False, graph: str | None = None
    ) -> T:
        """Run ``change`` on a private copy and publish it atomically (see :mod:`snapshots`).

        With ``record``, claims whose bundles the change touches are recorded as changed after
        their build (:mod:`claimgraph.graph.store.changes`), in the same version; ``graph``
        says the change touches only that named graph (compared alone)."""
        run = change
        if record:
            origin = changes.current_origin()

            def run(store: ox.Store) -> T:
                result = change(store)
                # the published version is the one before (this process holds the write lock)
                with self._sealed_before() as before:
                    if before is not None:
                        changes.record(before, store, origin, _named(graph) if graph else None)
                return result

        if not fresh:  # the subjects the change writes, for an incremental search index
            touches, watched = _Touches(), run

            def run(store: ox.Store) -> T:
                proxy = _ClosingProxy(store, touches)
                try:
                    result = watched(proxy)  # type: ignore[arg-type]
                finally:
                    proxy._target = None  # the database closes before it is published
                self._touched = touches.nodes  # read by _index_version, just before publishing
                if self._prepared is None:  # a bulk load may have read its index from its input
                    self._prepared = self._index_change(store, touches.nodes)
                return result

        with self._write_lock():
            try:
                return self._versions.commit(run, fresh=fresh)
            finally:
                self._touched = None
                self._prepared = None
                release_free_memory()

    def _index_change(self, store: ox.Store, touched: set[str] | None) -> PreparedIndex | None:
        """The index rows a write changed, read while its copy is still open (a read-only open
        of the closed copy was a twentieth of a write under load). None where the index is
        written otherwise: unseen changes, or a previous version without an index or without
        the message tables."""
        if touched is None or self._indexed_version() is None:
            return None
        return PreparedIndex(changes.is_sealed(store), change=search_index.index_change(store, touched))

    def _indexed_version(self) -> Path | None:
        """The current version's folder when its search index can be updated row by row (it
        has one, with the message tables); None otherwise. Writers hold the lock: it is stable."""
        number = current_version(self.directory)
        if number is None:
            return None
        folder = self.directory / "versions" / str(number)
        if not search_index.has_index(folder) or not search_index.has_message_tables(folder):
            return None
        return folder

    @contextlib.contextmanager
    def _sealed_before(self) -> Iterator[ox.Store | None]:
        """The published version, open, if it holds sealed claims (a writer must then record
        what it changes); None if not. Callers hold the write lock, so the version is stable.

        A version written here says so itself (:data:`UNSEALED`, written with its search
        index): opening the version read-only to ask was a tenth of a write's time under load.
        A version without the mark (written before it existed) is opened and asked."""
        if (Path(os.path.realpath(self.db_path)) / UNSEALED).exists():
            yield None
            return
        with open_snapshot(self.db_path) as before:
            yield before.store if changes.is_sealed(before.store) else None

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        """The store's write lock, waited for at most as long as an update may run: a request
        behind a long bulk load gets a clear 503 instead of hanging."""
        try:
            with write_lock(self.lock_path, timeout=self._query_timeout * UPDATE_TIME_FACTOR):
                yield
        except LockTimeout as exc:
            raise StoreBusy(f"{exc}; try again later") from None

    def update(self, request: UpdateRequest) -> None:
        """Run the update in a child process on a private copy, within a time limit.

        pyoxigraph cannot cancel an update, and a long one would hold the write lock for every
        other writer; on a copy, killing the child is harmless (the copy is thrown away)."""
        text = apply_using(request.update, request.using_graph_uris, request.using_named_graph_uris)
        timeout = request.timeout if request.timeout is not None else self._query_timeout * UPDATE_TIME_FACTOR
        origin = changes.current_origin()
        subjects = _update_subjects(text, request.base_iri)  # before the lock: it may take a while
        with self._write_lock():
            staging = self._versions.stage()
            try:
                index = self._child_index(subjects)
                outcome = _update_in_child(
                    staging,
                    text,
                    request.base_iri,
                    timeout,
                    network=self._update_network,
                    index=index,
                    spare=self._spare_children,
                )
                if outcome.startswith("indexed:"):  # the child wrote the copy's index
                    self._prepared = PreparedIndex(outcome == "indexed:sealed", written=True)
                touches = _Touches()
                touches.nodes = subjects
                with self._sealed_before() as before:  # the published version, before the update
                    if before is not None:
                        _apply(staging, lambda store: _recording(before, store, origin, touches))
                self._touched = touches.nodes  # what the update and its change record wrote
                try:
                    self._versions.publish(staging)
                finally:
                    self._touched = None
                    self._prepared = None
            except BaseException:
                self._prepared = None
                self._versions.discard(staging)
                raise
            self._versions.collect()
            release_free_memory()
        if self._spare_children:
            child.prestart(UPDATE_CHILD)  # the next update's process, now that this one is done

    def _child_index(self, subjects: set[str] | None) -> tuple[str, list[str], str] | None:
        """What the update child needs to write the copy's index itself: only when the update
        names its subjects and the current version says it holds no sealed claims (then no
        change record is written after the child, which the index would have to follow)."""
        if subjects is None:
            return None
        current = self._indexed_version()
        if current is None or not (current / UNSEALED).exists():
            return None
        return str(current), sorted(subjects), changes.SEALED_QUERY

    def load(
        self,
        data: bytes | IO[bytes],
        media_type: str,
        graph: str | None = None,
        base_iri: str | None = None,
    ) -> int:
        count = 0

        def change(store: ox.Store) -> None:
            # Streamed into the private copy: a syntax error halfway discards the copy.
            def counted() -> Iterator[ox.Quad]:
                nonlocal count
                for quad in iter_rdf(data, media_type, graph=graph, base_iri=base_iri):
                    count += 1
                    yield quad

            _add_all(store, counted(), data)

        self._commit(change, record=True)
        return count

    def bulk_load(
        self,
        sources: Sequence[LoadSource],
        graph: str | None = None,
        base_iri: str | None = None,
        progress: Callable[[], None] | None = None,
        validate: bool = False,
    ) -> LoadSummary:
        """All sources in one new version, written by pyoxigraph's bulk loader.

        ``bulk_extend`` is not transactional by itself; here it writes a private copy that is
        published only when every source has been read completely (see :mod:`snapshots`).

        With ``validate``, when the data uses claimgraph's vocabulary, what the new version holds
        in every graph the load wrote to is read back and checked against the shapes before it
        is published (so values are checked as the store keeps them); pySHACL works in memory,
        so such graphs are limited to ``VALIDATE_MAX_QUADS`` quads (plain imports are not
        checked and have no limit)."""
        started = time.monotonic()
        uses_cg = False
        target = _named(graph) if graph else ox.DefaultGraph()
        counts = {"quads": 0}
        graphs: set[object] = set()

        too_many = DataError(
            f"the data uses claimgraph's vocabulary and has more than {VALIDATE_MAX_QUADS} "
            "quads, too many to check against the shapes; load it with --no-validate"
        )

        collected: list[search_index.QuadIndex] = []  # one, when the index is read from the input
        kept: list[ox.Quad] = []  # the quads it reads, noted in the hot loop

        def quads() -> Iterator[ox.Quad]:
            # The hot loop of a bulk load: kept to the few steps each quad needs.
            nonlocal uses_cg
            n = 0
            keep = kept.append if collected else None
            indexed = search_index.QuadIndex.PREDICATES
            for source in sources:
                fmt = rdf_format(source.media_type)
                parsed: Iterator[ox.Quad] = ox.parse(source.stream, fmt, base_iri=base_iri, rename_blank_nodes=True)
                if fmt.supports_datasets:
                    parsed = _noting_graphs(parsed, graphs, target if isinstance(target, ox.NamedNode) else None)
                else:
                    graphs.add(target)
                    if graph is not None:
                        parsed = (ox.Quad(q.subject, q.predicate, q.object, target) for q in parsed)
                try:
                    for quad in parsed:
                        n += 1
                        if n % 50_000 == 0:
                            if progress is not None:
                                progress()
                            if kept:  # into the index's tables: the quads themselves need not stay
                                flush()
                        if validate:
                            if not uses_cg:
                                p = quad.predicate.value
                                uses_cg = p.startswith(CG_NAMESPACE) or (
                                    p == _RDF_TYPE and str(getattr(quad.object, "value", "")).startswith(CG_NAMESPACE)
                                )
                            if uses_cg and n > VALIDATE_MAX_QUADS:
                                raise too_many
                        if keep is not None and quad.predicate in indexed:
                            keep(quad)
                        yield quad
                except SyntaxError as exc:
                    raise DataError(f"{source.name}: {exc}") from None
                if progress is not None:
                    progress()
            counts["quads"] = n

        def flush() -> None:
            collected[0].extend(kept)
            kept.clear()

        beside: list[bool] = []  # [True] when the index is read beside the engine's own parse

        def change(store: ox.Store) -> None:
            # Into an empty default graph, what the load adds is all the index reads: it is
            # collected from the quads as they pass instead of asked of the engine afterwards.
            target = store
            if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is None:
                collected.append(search_index.QuadIndex())
                if isinstance(store, _ClosingProxy):  # the subjects it notes are not needed then
                    target = store.unwatched()
                if graph is None and all(source.path is not None for source in sources):
                    beside.append(True)
            if beside:
                _beside_loader(target, sources, base_iri, read_beside)
            else:
                target.bulk_extend(quads())
            if collected:
                flush()
                # Parsed twice, blank nodes have other names in the store than here: an index
                # whose content would depend on them is asked of the store instead.
                if not (beside and collected[0].depends_on_blank_labels()):
                    built = prebuilt[-1] if prebuilt else None
                    self._prepared = PreparedIndex(changes.is_sealed(store), quads=collected[0], built=built)
            if validate and uses_cg:
                # What the store now holds in the graphs written to, as it keeps the values.
                held: list[ox.Quad] = []
                for g in graphs:
                    held += store.quads_for_pattern(None, None, None, g)  # type: ignore[arg-type]
                    if len(held) > VALIDATE_MAX_QUADS:
                        raise too_many
                check_shapes(held)

        prebuilt: list[Path] = []  # the index file, written while the engine was still loading

        def read_beside() -> None:
            # The Python parse is done well before the engine (3 s of 7 at 1 M quads): the
            # index file is written meanwhile instead of after the load.
            collections.deque(quads(), 0)
            flush()
            if not collected[0].depends_on_blank_labels():
                folder = Path(tempfile.mkdtemp(prefix=".index-", dir=self.directory))
                prebuilt.append(folder)
                search_index.write_rows(folder, collected[0].rows(), collected[0].messages())

        try:
            self._commit(change)
        except OSError as exc:
            raise StoreError(str(exc)) from None
        finally:
            for folder in prebuilt:  # empty once its file went into the version
                shutil.rmtree(folder, ignore_errors=True)
        return LoadSummary(quads=counts["quads"], graphs=len(graphs), seconds=time.monotonic() - started)

    def replace_dataset(self, nquads: bytes, validate: bool = False) -> None:
        """Parsed once, by Oxigraph's bulk loader straight into a fresh private version (no
        list of Python quads); a syntax error leaves the current version as it was. With
        ``validate``, what the new version holds is read back and checked against the shapes
        before it is published."""

        def change(store: ox.Store) -> None:
            try:
                store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
            except SyntaxError as exc:
                raise DataError(f"the dataset does not parse as N-Quads: {exc}") from None
            if validate:
                check_shapes(list(store.quads_for_pattern(None, None, None, None)))

        self._commit(change, fresh=True)

    def put_graph(
        self, graph: str | None, data: bytes | IO[bytes], media_type: str, base_iri: str | None = None
    ) -> bool:
        target = _named(graph) if graph else ox.DefaultGraph()

        def change(store: ox.Store) -> bool:
            if graph is None:
                store.clear_graph(target)
                created = False
            else:
                created = not store.contains_named_graph(target)
                if not created:
                    store.remove_graph(target)
                store.add_graph(target)
            _add_graph_data(store, data, media_type, target, base_iri)
            return created

        return self._commit(change, record=True, graph=graph)

    def post_graph(
        self, graph: str | None, data: bytes | IO[bytes], media_type: str, base_iri: str | None = None
    ) -> bool:
        target = _named(graph) if graph else ox.DefaultGraph()

        def change(store: ox.Store) -> bool:
            created = graph is not None and not store.contains_named_graph(target)
            if graph is not None:
                store.add_graph(target)
            _add_graph_data(store, data, media_type, target, base_iri)
            return created

        return self._commit(change, record=True, graph=graph)

    def delete_graph(self, graph: str | None) -> bool:
        if graph is not None and not self.graph_exists(graph):
            return False
        target = _named(graph) if graph else ox.DefaultGraph()

        def change(store: ox.Store) -> bool:
            if graph is None:
                store.clear_graph(target)
                return True
            if not store.contains_named_graph(target):
                return False  # deleted meanwhile by another writer
            store.remove_graph(target)
            return True

        return self._commit(change, record=True, graph=graph)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
