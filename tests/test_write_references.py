"""The writer skips a full ``gc.collect()`` only when deleting its one name closes the store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from claimgraph.graph.store.embedded.snapshots import ONE_NAME, _apply, current_version, references
from claimgraph.graph.store.embedded.store import UNSEALED, EmbeddedStore


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


def test_a_version_says_it_is_unsealed_and_a_sealing_write_makes_one_that_does_not(tmp_path: Path) -> None:
    """A published version marks that it holds no sealed claims, so a writer need not open it
    to ask; the version a sealing write publishes has no mark and is opened and asked."""
    store = EmbeddedStore(tmp_path / "store")
    try:
        store.put_graph("http://e/g", b'<http://e/s> <http://e/p> "o" .', "application/n-triples")
        version = tmp_path / "store" / "versions" / str(current_version(tmp_path / "store"))
        assert (version / UNSEALED).exists()
        with store._sealed_before() as before:
            assert before is None
        sealed = (
            "<http://e/c> a <https://w3id.org/claimgraph/ontology#Claim> ;"
            ' <https://w3id.org/claimgraph/ontology#bundleHash> "abc" .'
        )
        store.put_graph(None, sealed.encode(), "text/turtle")  # where a build puts its seals
        version = tmp_path / "store" / "versions" / str(current_version(tmp_path / "store"))
        assert not (version / UNSEALED).exists()
        with store._sealed_before() as before:
            assert before is not None and len(before) == 3
    finally:
        store.close()
