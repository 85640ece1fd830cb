"""Test-only access to an embedded store: several raw pyoxigraph writes published as one version.

Not part of the store's interface (the server and CLI write through ``Store`` methods); tests
use it to set up data the protocol cannot express and to check that a failed block publishes
nothing.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

import pyoxigraph as ox

from claimgraph.graph.store import EmbeddedStore, StoreError
from claimgraph.graph.store.embedded.snapshots import write_lock


class _ClosingProxy:
    """Forwards to a read-write store until the writer block ends, then lets it close."""

    def __init__(self, target: ox.Store) -> None:
        self._target: ox.Store | None = target

    def __getattr__(self, name: str) -> object:
        target = self.__dict__.get("_target")
        if target is None:
            raise StoreError("this store handle was only valid inside its 'with store.writer()' block")
        return getattr(target, name)

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self._live())

    def __len__(self) -> int:
        return len(self._live())

    def __contains__(self, quad: object) -> bool:
        return quad in self._live()

    def _live(self) -> ox.Store:
        target = self.__dict__.get("_target")
        if target is None:
            raise StoreError("this store handle was only valid inside its 'with store.writer()' block")
        return target


@contextlib.contextmanager
def writer(store: EmbeddedStore) -> Iterator[ox.Store]:
    """Read-write access for several operations, all published together or not at all.

    The block writes a private copy of the current version; it becomes current when the
    block ends without an exception. The object handed out stops working after the block
    (the database must be closed before it is published)."""
    with write_lock(store.lock_path):
        staging = store._versions.stage()
        try:
            db = ox.Store(str(staging))
            proxy = _ClosingProxy(db)
            try:
                yield proxy  # type: ignore[misc]
                db.flush()
            finally:
                proxy._target = None
                del db
                gc.collect()
            store._versions.publish(staging)
        except BaseException:
            store._versions.discard(staging)
            raise
        store._versions.collect()
