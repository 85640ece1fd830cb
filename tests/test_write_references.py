"""The writer skips a full ``gc.collect()`` only when deleting its one name closes the store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from claimgraph.graph.store.embedded.snapshots import ONE_NAME, _apply, references


def test_one_local_name_is_told_apart_from_a_second_holder() -> None:
    alone = object()
    assert references(alone) == ONE_NAME
    held = object()
    holders = [held]
    assert references(held) > ONE_NAME
    holders.clear()
    assert references(held) == ONE_NAME


def test_a_store_kept_by_the_change_is_still_closed_before_apply_returns(tmp_path: Path) -> None:
    """A change that leaves the store in an unreachable cycle: _apply must still close the
    database (it sees a second holder and collects), so the folder opens read-write again at
    once (RocksDB's LOCK is free)."""

    def change(store: ox.Store) -> None:
        store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o")))
        cycle: dict[str, object] = {"store": store}
        cycle["self"] = cycle

    _apply(tmp_path / "db", change)
    reopened = ox.Store(str(tmp_path / "db"))
    assert len(reopened) == 1


def test_a_store_dropped_by_the_change_is_closed_without_a_collection(tmp_path: Path) -> None:
    quad = ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"))
    _apply(tmp_path / "db", lambda store: store.add(quad))
    reopened = ox.Store(str(tmp_path / "db"))
    assert len(reopened) == 1
