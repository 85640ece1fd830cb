"""The incremental search index and same-message groups equal a full rebuild after each write.

A writer block notes the subjects it changed; the next version's index is the previous one with
only the claims depending on those subjects indexed again (graph/store/search/index.py), and
ingest recomputes the same-message matches of the changed claims only. Each test writes to a
real store on disk and compares with an index written from scratch and with a full refresh."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT
from claimgraph.ingest import ingest, remove
from claimgraph.graph.build.iris import IriMinter
from claimgraph.graph.build.similarity import refresh_same_message
from claimgraph.graph.store.embedded.snapshots import current_version, open_snapshot
from claimgraph.graph.store.embedded.store import EmbeddedStore
from claimgraph.graph.store.base import UpdateRequest
from claimgraph.graph.store.search import index as search_index

# Each test writes several store versions (seconds each): the full suite runs them, the fast tier does not.
pytestmark = pytest.mark.slow

BASE = "https://w3id.org/claimgraph/"
ID = BASE + "id/"
SAME = "SELECT ?s ?p ?o { { ?s <https://w3id.org/claimgraph/ontology#sameMessageAs> ?o BIND(1 AS ?p) } UNION { ?s a <https://w3id.org/claimgraph/ontology#MessageMatch> ; ?p ?o } }"


def _version(store: EmbeddedStore) -> Path:
    return store.directory / "versions" / str(current_version(store.directory))


def _assert_index_is_whole(store: EmbeddedStore) -> None:
    """The published index holds exactly what an index written from scratch holds."""
    with open_snapshot(store.db_path) as snap, tempfile.TemporaryDirectory() as tmp:
        search_index.write_index(snap.store, Path(tmp))
        expected = search_index.rows_of(Path(tmp))
        expected_messages = search_index.message_rows_of(Path(tmp))
    assert search_index.rows_of(_version(store)) == expected
    assert search_index.message_rows_of(_version(store)) == expected_messages


def _matches(ox_store: ox.Store) -> set[tuple[str, str, str]]:
    return {(str(r["s"]), str(r["p"]), str(r["o"])) for r in ox_store.query(SAME)}  # type: ignore[union-attr]


def _assert_groups_are_whole(store: EmbeddedStore) -> None:
    """The same-message matches equal those a refresh over the whole store computes."""
    copy = Path(tempfile.mkdtemp())
    try:
        with open_snapshot(store.db_path) as snap:
            before = _matches(snap.store)
            snap.store.backup(str(copy / "db"))
        full = ox.Store(str(copy / "db"))
        refresh_same_message(full, IriMinter(BASE))
        assert _matches(full) == before
        del full
    finally:
        shutil.rmtree(copy, ignore_errors=True)


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """How each published index was written ("whole" or "incremental"), in order (a spy: the
    real functions run)."""
    log: list[str] = []
    whole, incremental = search_index.write_index, search_index.update_index

    def write_index(*args: object, **kwargs: object) -> int:
        log.append("whole")
        return whole(*args, **kwargs)  # type: ignore[arg-type]

    def update_index(*args: object, **kwargs: object) -> int:
        log.append("incremental")
        return incremental(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(search_index, "write_index", write_index)
    monkeypatch.setattr(search_index, "update_index", update_index)
    return log


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    seed, second = tmp_path / "seed", tmp_path / "second"
    seed.mkdir()
    second.mkdir()
    for path in (ROOT / "seeds").glob("000_*"):
        shutil.copy(path, seed / path.name)
    for path in (ROOT / "tests" / "data" / "second-article").iterdir():
        shutil.copy(path, second / path.name)
    return seed, second


def test_ingest_replace_remove_keep_an_index_equal_to_a_rebuild(
    tmp_path: Path, sources: tuple[Path, Path], written: list[str]
) -> None:
    seed, second = sources
    store = EmbeddedStore(tmp_path / "store")
    ingest(store, [seed], BASE)
    _assert_index_is_whole(store)
    ingest(store, [second], BASE)  # added: one match with the seed's Peskow denial
    _assert_index_is_whole(store)
    _assert_groups_are_whole(store)
    hits = [h.claim for h in store.search("Schaeuble")]
    assert ID + "claim/zweit-schaeuble-debatte" in hits

    text = next(second.glob("*.txt"))  # replaced: a changed text is read again
    text.write_text(text.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    summary = ingest(store, [second], BASE)
    assert summary.replaced
    _assert_index_is_whole(store)
    _assert_groups_are_whole(store)

    remove(store, ["zweiter-bericht"], BASE)
    _assert_index_is_whole(store)
    _assert_groups_are_whole(store)
    assert ID + "claim/zweit-schaeuble-debatte" not in [h.claim for h in store.search("Schaeuble")]
    # the empty first version is indexed whole (the test's own rebuilds add "whole" entries too)
    assert [w for w in written if w == "incremental"] == ["incremental"] * 4


def test_a_changed_speaker_label_reindexes_that_speakers_claims(tmp_path: Path, sources: tuple[Path, Path]) -> None:
    seed, second = sources
    store = EmbeddedStore(tmp_path / "store")
    ingest(store, [seed, second], BASE)
    assert store.search("Zwiebelkuchen") == []
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    with store.writer() as ox_store:  # a label of a speaker (not a claim) changes
        speaker = next(
            q.object
            for q in ox_store.quads_for_pattern(
                ox.NamedNode(ID + "claim/zweit-schaeuble-debatte"), ox.NamedNode(BASE + "ontology#speaker"), None
            )
        )
        ox_store.add(ox.Quad(speaker, label, ox.Literal("Zwiebelkuchen", language="de")))
    _assert_index_is_whole(store)
    assert ID + "claim/zweit-schaeuble-debatte" in [h.claim for h in store.search("Zwiebelkuchen")]


def test_writes_the_writer_cannot_follow_index_everything(
    tmp_path: Path, sources: tuple[Path, Path], written: list[str]
) -> None:
    """A SPARQL update inside a writer block and a SPARQL Update request: indexed whole again."""
    seed, second = sources
    store = EmbeddedStore(tmp_path / "store")
    ingest(store, [seed, second], BASE)
    written.clear()
    with store.writer() as ox_store:
        ox_store.update("DELETE WHERE { <%sclaim/zweit-schaeuble-debatte> ?p ?o }" % ID)
    assert written == ["whole"]
    _assert_index_is_whole(store)
    assert ID + "claim/zweit-schaeuble-debatte" not in [h.claim for h in store.search("Schaeuble")]
    store.update(
        UpdateRequest(
            update="INSERT DATA { <%sclaim/zweit-peskow-unwahr> "
            '<http://www.w3.org/2000/01/rdf-schema#label> "Kohlrabi"@de }' % ID
        )
    )
    _assert_index_is_whole(store)


def test_graph_store_writes_and_loads_keep_an_index_equal_to_a_rebuild(
    tmp_path: Path, sources: tuple[Path, Path], written: list[str]
) -> None:
    """Graph Store PUT/POST/DELETE and a load note what they write; the index follows exactly."""
    seed, second = sources
    store = EmbeddedStore(tmp_path / "store")
    ingest(store, [seed, second], BASE)
    claim = ID + "claim/zweit-schaeuble-debatte"
    with open_snapshot(store.db_path) as snap:
        speaker = next(
            iter(snap.store.quads_for_pattern(ox.NamedNode(claim), ox.NamedNode(BASE + "ontology#speaker"), None))
        ).object.value
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    # POST to the default graph: a new label for a speaker shared by claims
    written.clear()
    store.post_graph(None, f'<{speaker}> {label} "Kartoffelsalat"@de .'.encode(), "text/turtle")
    assert written == ["incremental"]
    _assert_index_is_whole(store)
    assert claim in [h.claim for h in store.search("Kartoffelsalat")]
    # a load of N-Triples changing a claim's paraphrase
    store.load(f'<{claim}> <{BASE}ontology#paraphrase> "Rhabarber"@de .'.encode(), "application/n-triples")
    _assert_index_is_whole(store)
    assert [h.claim for h in store.search("Rhabarber")] == [claim]
    # PUT and DELETE of a named graph (claims are read from the default graph: nothing changes)
    store.put_graph("http://example.org/g", f'<{claim}> {label} "Spargel"@de .'.encode(), "text/turtle")
    _assert_index_is_whole(store)
    store.delete_graph("http://example.org/g")
    _assert_index_is_whole(store)
    # PUT of the default graph with only a few triples: every claim leaves the index
    store.put_graph(None, f'<{speaker}> {label} "Lauch"@de .'.encode(), "text/turtle")
    _assert_index_is_whole(store)
    assert store.search("Schaeuble") == []
