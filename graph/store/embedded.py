"""The default backend: an Oxigraph store in a directory on disk, used by several processes.

Folder layout (``--store DIR``)::

    DIR/oxigraph/     the RocksDB database
    DIR/write.lock    flock()ed by whichever process writes
    DIR/generation    a counter bumped after every write; readers reopen when it changes

RocksDB lets one process open the database read-write at a time. Writers (the CLI, any server
worker) therefore take ``write.lock``, open the store read-write for the one operation, and
close it; readers (the query executors) hold cheap read-only handles that see the data as of
their opening and reopen after each write. Every write is one Oxigraph transaction, so a
failure or a killed process leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from claimgraph.graph.store.base import (
    PreparedQuery,
    QueryRequest,
    QuerySyntaxError,
    Store,
    StoreError,
    UpdateRequest,
)
from claimgraph.graph.store.executor import ExecutorPool, read_generation
from claimgraph.graph.store.formats import rdf_format


class EmbeddedStore(Store):
    """Oxigraph on disk, with queries isolated in executor processes."""

    def __init__(
        self, directory: Path, query_workers: int = 2, query_timeout: float = 30.0, query_memory_mb: int = 0
    ) -> None:
        self.directory = Path(directory)
        self.db_path = self.directory / "oxigraph"
        self.gen_path = self.directory / "generation"
        self.lock_path = self.directory / "write.lock"
        self._query_workers = query_workers
        self._query_timeout = query_timeout
        self._query_memory_mb = query_memory_mb
        self._pool: ExecutorPool | None = None
        self._pool_lock = threading.Lock()  # two first requests must not start two pools
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self.db_path.exists():
            with self.writer():
                pass  # creates the database so that read-only handles can open it

    # -- reading -----------------------------------------------------------------------

    @property
    def pool(self) -> ExecutorPool:
        """Executor processes start on first use, so the CLI's writes never pay for them."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ExecutorPool(
                    self.db_path, self.gen_path, self._query_workers, self._query_timeout, self._query_memory_mb
                )
            return self._pool

    def prepare(self, request: QueryRequest) -> PreparedQuery:
        return self.pool.prepare(request)

    @contextlib.contextmanager
    def reader(self) -> Iterator[ox.Store]:
        """A read-only handle in this process, for dumps and counts (not for user queries)."""
        yield ox.Store.read_only(str(self.db_path))

    def dump(self, output: IO[bytes], media_type: str = "application/n-quads") -> None:
        fmt = rdf_format(media_type)
        if not fmt.supports_datasets:
            raise StoreError(f"{media_type} cannot hold named graphs; use N-Quads or TriG")
        with self.reader() as store:
            store.dump(output, fmt)

    def is_empty(self) -> bool:
        with self.reader() as store:
            return next(iter(store.quads_for_pattern(None, None, None, None)), None) is None

    def generation(self) -> str:
        """Changes after every write (used by caches and ETags)."""
        return read_generation(self.gen_path)

    # -- writing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def writer(self) -> Iterator[ox.Store]:
        """Exclusive read-write access for one operation; bumps the generation afterwards."""
        with open(self.lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                store = ox.Store(str(self.db_path))
                try:
                    yield store
                    store.flush()
                finally:
                    del store
                self._bump_generation()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _bump_generation(self) -> None:
        current = read_generation(self.gen_path)
        nxt = str(int(current or "0") + 1)
        tmp = self.gen_path.with_suffix(".tmp")
        tmp.write_text(nxt)
        os.replace(tmp, self.gen_path)

    def update(self, request: UpdateRequest) -> None:
        if request.using_graph_uris or request.using_named_graph_uris:
            raise StoreError("using-graph-uri / using-named-graph-uri are not supported yet")
        with self.writer() as store:
            try:
                store.update(request.update, base_iri=request.base_iri)
            except SyntaxError as exc:
                raise QuerySyntaxError(str(exc)) from None
            except OSError as exc:
                raise StoreError(str(exc)) from None

    def load(
        self,
        data: bytes | IO[bytes],
        media_type: str,
        graph: str | None = None,
        base_iri: str | None = None,
    ) -> int:
        fmt = rdf_format(media_type)
        target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        try:
            quads = list(
                ox.parse(data, fmt, base_iri=base_iri, to_graph=target if not fmt.supports_datasets else None)
            )
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None
        with self.writer() as store:
            store.extend(quads)
        return len(quads)

    def replace_dataset(self, nquads: bytes, keep_graphs: Sequence[str] = ()) -> None:
        quads = list(ox.parse(nquads, ox.RdfFormat.N_QUADS))
        keep = {ox.NamedNode(g) for g in keep_graphs}
        with self.writer() as store:
            doomed = [q for q in store.quads_for_pattern(None, None, None, None) if q.graph_name not in keep]
            for quad in doomed:
                store.remove(quad)
            store.extend(quads)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
