"""A result cache for repeated read queries, wrapped around any :class:`Store`.

A read-mostly graph is asked the same questions again and again (the example queries, a
dashboard, a crawler following links). Serialized answers are kept in memory, keyed by the query
text, its dataset (default-graph-uri / named-graph-uri, base IRI, bound values) and the media
type, so a repeated question costs a dictionary look-up instead of a trip to the engine.

Correctness first:
- every write invalidates everything: the store's ``generation`` counter changes after each
  write by any process (other gunicorn workers, the CLI), and the cache empties itself the next
  time it sees a new value; writes made through this wrapper also empty it at once;
- a result is only kept if the generation did not change while it was computed, and only if it
  was streamed to the end (an abandoned or failed query leaves nothing behind);
- queries whose answer may differ between two runs on the same data (``NOW()``, ``RAND()``,
  ``UUID()``, ``STRUUID()``, ``BNODE()``, ``SERVICE``) are never cached;
- memory is bounded: at most ``max_bytes`` of bodies in all, least recently used dropped first,
  and no single body above ``max_entry_bytes`` (large exports stream through untouched).

A backend whose ``generation()`` is None cannot tell when someone else wrote, so the wrapper
then passes everything through uncached.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from claimgraph.graph.store.base import (
    LoadSource,
    LoadSummary,
    PreparedQuery,
    QueryForm,
    QueryRequest,
    Store,
    UpdateRequest,
)

#: Functions and clauses whose results can change between two evaluations on the same data.
_VOLATILE = re.compile(r"\b(NOW|RAND|UUID|STRUUID|BNODE)\s*\(|\bSERVICE\b", re.IGNORECASE)

_Key = tuple[Any, ...]


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stored: int = 0
    invalidations: int = 0
    bytes: int = 0
    entries: int = 0


class ResultCache:
    """Serialized results by key, bounded in bytes, emptied whenever the generation changes."""

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes or max(max_bytes // 8, 1), max_bytes)
        self._bodies: OrderedDict[_Key, bytes] = OrderedDict()
        self._forms: dict[_Key, tuple[QueryForm, list[str]]] = {}
        self._generation: str | None = None
        self._bytes = 0
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def _sync(self, generation: str | None) -> None:
        """Drop everything computed on another generation (call with the lock held)."""
        if generation != self._generation:
            if self._bodies or self._forms:
                self.stats.invalidations += 1
            self._bodies.clear()
            self._forms.clear()
            self._bytes = 0
            self._generation = generation

    def clear(self) -> None:
        """Drop everything (after a write through this process)."""
        with self._lock:
            self._sync(None)

    def form(self, generation: str, key: _Key) -> tuple[QueryForm, list[str]] | None:
        with self._lock:
            self._sync(generation)
            return self._forms.get(key)

    def remember_form(self, generation: str, key: _Key, form: QueryForm, variables: Sequence[str]) -> None:
        with self._lock:
            self._sync(generation)
            if len(self._forms) < 100_000:
                self._forms[key] = (form, list(variables))

    def get(self, generation: str, key: _Key) -> bytes | None:
        with self._lock:
            self._sync(generation)
            body = self._bodies.get(key)
            if body is None:
                self.stats.misses += 1
                return None
            self._bodies.move_to_end(key)
            self.stats.hits += 1
            return body

    def put(self, generation: str, key: _Key, body: bytes) -> None:
        if len(body) > self.max_entry_bytes:
            return
        with self._lock:
            self._sync(generation)
            old = self._bodies.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._bodies[key] = body
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._bytes -= len(dropped)
            self.stats.stored += 1
            self.stats.bytes = self._bytes
            self.stats.entries = len(self._bodies)


def is_cacheable(request: QueryRequest) -> bool:
    """Only deterministic, local queries: the same text on the same data gives the same answer."""
    return _VOLATILE.search(request.query) is None


def request_key(request: QueryRequest) -> _Key:
    """Everything that decides the answer besides the data (str() of a term is its N-Triples form)."""
    return (
        request.query,
        tuple(request.default_graph_uris),
        tuple(request.named_graph_uris),
        request.base_iri,
        tuple(sorted((name, str(term)) for name, term in request.substitutions.items())),
    )


class CachingStore(Store):
    """Wraps a store; read queries are answered from the cache when the data has not changed.

    Every method of :class:`Store` is delegated explicitly (the base class has defaults that
    must not shadow the backend's own); nothing else is: what is not in the interface is
    reached through ``inner``."""

    def __init__(self, inner: Store, max_bytes: int, max_entry_bytes: int | None = None) -> None:
        self.inner = inner
        self.cache = ResultCache(max_bytes, max_entry_bytes)

    def generation(self) -> str | None:
        return self.inner.generation()

    def last_modified(self) -> float | None:
        return self.inner.last_modified()

    # -- reads --------------------------------------------------------------------------------

    def prepare(self, request: QueryRequest) -> PreparedQuery:
        generation = self.inner.generation()
        if generation is None or not is_cacheable(request):
            return self.inner.prepare(request)
        key = request_key(request)
        known = self.cache.form(generation, key)
        if known is not None:
            # Seen before on this data: the form is known without asking the engine; the
            # engine is only started if the wanted media type is not cached yet.
            return _CachedQuery(self, request, key, generation, known[0], known[1], None)
        prepared = self.inner.prepare(request)
        self.cache.remember_form(generation, key, prepared.form, prepared.variables)
        return _CachedQuery(self, request, key, generation, prepared.form, list(prepared.variables), prepared)

    # -- writes: every one empties the cache (the generation would change anyway) ---------------

    def update(self, request: UpdateRequest) -> None:
        try:
            self.inner.update(request)
        finally:
            self.cache.clear()

    def load(
        self, data: bytes | IO[bytes], media_type: str, graph: str | None = None, base_iri: str | None = None
    ) -> int:
        try:
            return self.inner.load(data, media_type, graph=graph, base_iri=base_iri)
        finally:
            self.cache.clear()

    def bulk_load(
        self,
        sources: Sequence[LoadSource],
        graph: str | None = None,
        base_iri: str | None = None,
        progress: Callable[[], None] | None = None,
        validate: bool = False,
    ) -> LoadSummary:
        try:
            return self.inner.bulk_load(sources, graph=graph, base_iri=base_iri, progress=progress, validate=validate)
        finally:
            self.cache.clear()

    def replace_dataset(self, nquads: bytes, validate: bool = False) -> None:
        try:
            self.inner.replace_dataset(nquads, validate=validate)
        finally:
            self.cache.clear()

    def put_graph(
        self, graph: str | None, data: bytes | IO[bytes], media_type: str, base_iri: str | None = None
    ) -> bool:
        try:
            return self.inner.put_graph(graph, data, media_type, base_iri)
        finally:
            self.cache.clear()

    def post_graph(
        self, graph: str | None, data: bytes | IO[bytes], media_type: str, base_iri: str | None = None
    ) -> bool:
        try:
            return self.inner.post_graph(graph, data, media_type, base_iri)
        finally:
            self.cache.clear()

    def delete_graph(self, graph: str | None) -> bool:
        try:
            return self.inner.delete_graph(graph)
        finally:
            self.cache.clear()

    # -- the rest passes through ----------------------------------------------------------------

    def named_graphs(self) -> list[str]:
        return self.inner.named_graphs()

    def graph_exists(self, graph: str | None) -> bool:
        return self.inner.graph_exists(graph)

    def get_graph(self, graph: str | None, media_type: str) -> Iterator[bytes]:
        return self.inner.get_graph(graph, media_type)

    def dump(self, output: IO[bytes], media_type: str = "application/n-quads") -> None:
        self.inner.dump(output, media_type)

    def dump_chunks(self, media_type: str = "application/n-quads") -> Iterator[bytes]:
        return self.inner.dump_chunks(media_type)

    def is_empty(self) -> bool:
        return self.inner.is_empty()

    def search(self, text: str, limit: int = 20, timeout: float | None = None) -> list[Any]:
        return self.inner.search(text, limit, timeout)

    def warm_up(self) -> None:
        self.inner.warm_up()

    def close(self) -> None:
        self.cache.clear()
        self.inner.close()


class _CachedQuery(PreparedQuery):
    """A query whose body comes from the cache, or from the engine and then into the cache."""

    def __init__(
        self,
        store: CachingStore,
        request: QueryRequest,
        key: _Key,
        generation: str,
        form: QueryForm,
        variables: list[str],
        inner: PreparedQuery | None,
    ) -> None:
        self._store = store
        self._request = request
        self._key = key
        self._generation = generation
        self.form = form
        self.variables = variables
        self._inner = inner
        self._looked_up: str | None = None

    def _cached(self, media_type: str) -> bytes | None:
        """The cached body in ``media_type``; a miss is counted once per query."""
        if self._looked_up == media_type:
            return None
        self._looked_up = media_type
        body = self._store.cache.get(self._generation, (*self._key, media_type))
        if body is not None:
            self.close()  # a started engine query is no longer needed
        return body

    def ready_body(self, media_type: str) -> bytes | None:
        body = self._cached(media_type)
        if body is not None:
            return body
        body = self._engine().ready_body(media_type)
        if body is not None:
            self._keep((*self._key, media_type), body)
        return body

    def stream(self, media_type: str) -> Iterator[bytes]:
        body = self._cached(media_type)
        if body is not None:
            return iter((body,))
        return self._fill(self._engine().stream(media_type), (*self._key, media_type))

    def _engine(self) -> PreparedQuery:
        """The engine's query, started now if the form came from the cache."""
        if self._inner is None:
            self._inner = self._store.inner.prepare(self._request)
        return self._inner

    def _keep(self, body_key: _Key, body: bytes) -> None:
        """Cache a complete body if the data did not change while it was computed."""
        if self._store.generation() == self._generation:
            self._store.cache.put(self._generation, body_key, body)

    def _fill(self, chunks: Iterator[bytes], body_key: _Key) -> Iterator[bytes]:
        """Pass the engine's chunks on, keeping a copy while it stays under the entry limit."""
        cache = self._store.cache
        kept: list[bytes] | None = []
        size = 0
        for chunk in chunks:
            if kept is not None:
                size += len(chunk)
                if size > cache.max_entry_bytes:
                    kept = None
                else:
                    kept.append(chunk)
            yield chunk
        if kept is not None:  # streamed to the end
            self._keep(body_key, b"".join(kept))

    def close(self) -> None:
        inner, self._inner = self._inner, None
        if inner is not None:
            inner.close()
