"""A bulk load reads its search index from the quads it parses; the index is the one written
from the store, and a copied index drops a write's claims through its claim_ids table.

Before, a version published by ``claimgraph load`` had its index asked of the engine afterwards
(index-text.rq: 5.5 s of a 1 M-quad load, half the load's time). Real stores on disk."""

from __future__ import annotations

import io
import sqlite3
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest

from claimgraph.graph.store.base import LoadSource, UpdateRequest
from claimgraph.graph.store.errors import DataError
from claimgraph.graph.store.embedded.snapshots import current_version, open_snapshot
from claimgraph.graph.store.embedded.store import EmbeddedStore
from claimgraph.graph.store.search import index as search_index

CG = "https://w3id.org/claimgraph/ontology#"
E = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: What the engine reads back differently or the paths of index-text.rq do not take: dates in
#: a non-canonical form (the store keeps values, so "+00:00" reads back as "Z"), a quad given
#: twice, two labels in two languages, a translation whose original has the date, a span that
#: is a blank node, claims in a named graph (not indexed) and a claim that is a blank node.
TRICKY = f"""
<{E}c1> a <{CG}Claim> ; <{CG}proposition> <{E}p1> ; <{CG}speaker> <{E}s1> ;
  <{CG}saidOn> "2020-01-01T10:00:00+00:00"^^<{XSD}dateTime> ; <{CG}evidence> _:span .
<{E}c1> <{CG}paraphrase> "Er sagte etwas" , "Er sagte etwas" , 17 .
<{E}p1> <http://www.w3.org/2000/01/rdf-schema#label> "Zwiebelkuchen ist gut"@de , "Onion cake is good"@en .
<{E}s1> <http://www.w3.org/2000/01/rdf-schema#label> "Wolfgang Schäuble"@de , "W. Schäuble" .
_:span <http://www.w3.org/ns/oa#exact> "Zwiebelkuchen ist sehr gut, sagte er" ; <{CG}inFile> <{E}f1> .
<{E}f1> <http://schema.org/encodesCreativeWork> <{E}a1> .
<{E}a1> <http://www.w3.org/2000/01/rdf-schema#label> "Ein Artikel" ; <http://schema.org/translationOfWork> <{E}a0> .
<{E}a0> <http://schema.org/datePublished> "2019-12-31+01:00"^^<{XSD}date> , "0019-1-1"^^<{XSD}date> .
<{E}c2> a <{CG}Claim> ; <{CG}speaker> <{E}s1> .
<{E}c3> a <{CG}Claim> .
_:c4 a <{CG}Claim> ; <{CG}paraphrase> "anonym" .
<{E}g> {{ <{E}c5> a <{CG}Claim> ; <{CG}paraphrase> "im Graphen" . <{E}c1> <{CG}paraphrase> "auch im Graphen" . }}
"""


def _rebuilt(store: EmbeddedStore) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The rows and message rows of an index written from the current version's store."""
    with open_snapshot(store.db_path) as snap, tempfile.TemporaryDirectory() as tmp:
        search_index.write_index(snap.store, Path(tmp))
        return search_index.rows_of(Path(tmp)), search_index.message_rows_of(Path(tmp))


def _published(store: EmbeddedStore) -> Path:
    return store.directory / "versions" / str(current_version(store.directory))


def _load(store: EmbeddedStore, data: bytes, media_type: str = "application/trig") -> None:
    store.bulk_load([LoadSource(io.BytesIO(data), media_type)])


def _same_as_rebuilt(store: EmbeddedStore, version: Path) -> None:
    """The version's index, read from the input, equals one written from the store, and finds."""
    rows, messages = _rebuilt(store)
    assert search_index.rows_of(version) == rows and len(rows) > 10
    assert search_index.message_rows_of(version) == messages and messages
    assert [h.claim for h in store.search("Zwiebelkuchen")] == [E + "c1"]


def test_quad_index_reads_what_the_engine_reads() -> None:
    quads = list(ox.parse(TRICKY.encode(), ox.RdfFormat.TRIG))
    memory = ox.Store()
    memory.extend(quads)
    collected = search_index.QuadIndex()
    collected.add(quads[0])
    collected.extend(quads[1:])
    rows = collected.rows()
    assert rows == search_index._rows(memory)
    assert collected.messages() == search_index.similarity.store_messages(memory)
    c1 = next(r for r in rows if r[len(search_index.FIELDS)] == E + "c1")
    assert c1[len(search_index.FIELDS) + 3] == "2020-01-01T10:00:00Z"  # the store's form of the date
    assert "im Graphen" not in repr(rows) and "anonym" not in repr(rows)


def test_a_bulk_load_into_an_empty_store_indexes_from_its_input(
    corpus_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_snapshot(corpus_store / "oxigraph") as snap:
        dump = snap.store.dump(format=ox.RdfFormat.TRIG) or b""
    store = EmbeddedStore(tmp_path / "store")
    asked: list[str] = []
    whole, incremental = search_index.write_index, search_index.update_index
    monkeypatch.setattr(search_index, "write_index", lambda *a, **k: (asked.append("store"), whole(*a, **k))[1])
    monkeypatch.setattr(search_index, "update_index", lambda *a, **k: (asked.append("store"), incremental(*a, **k))[1])
    _load(store, dump + TRICKY.encode())
    assert asked == []  # the index came from the input
    monkeypatch.undo()
    version = _published(store)
    _same_as_rebuilt(store, version)
    assert (version / "claimgraph.unsealed").exists() is False  # the corpus is sealed by its build

    # A second load adds to a default graph that holds data: indexed from the store, equal again.
    _load(store, f'<{E}c2> <{CG}paraphrase> "Nachgeladen" .\n'.encode(), "application/n-triples")
    assert search_index.rows_of(_published(store)) == _rebuilt(store)[0]
    assert [h.claim for h in store.search("Nachgeladen")] == [E + "c2"]


def test_an_unsealed_load_is_marked_and_a_failed_load_publishes_nothing(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    before = current_version(store.directory)
    with pytest.raises(Exception, match="line"):
        _load(store, TRICKY.encode() + b"<broken")
    assert current_version(store.directory) == before
    _load(store, TRICKY.encode())
    assert (_published(store) / "claimgraph.unsealed").exists()
    assert search_index.rows_of(_published(store)) == _rebuilt(store)[0]


def test_writes_delete_through_claim_ids_and_an_old_index_gains_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedStore(tmp_path / "store")
    _load(store, TRICKY.encode())
    in_this_process: list[str] = []
    whole, incremental = search_index.write_index, search_index.update_index
    monkeypatch.setattr(search_index, "write_index", lambda *a, **k: (in_this_process.append("w"), whole(*a, **k))[1])
    monkeypatch.setattr(
        search_index, "update_index", lambda *a, **k: (in_this_process.append("u"), incremental(*a, **k))[1]
    )
    update = f'DELETE DATA {{ <{E}c1> <{CG}paraphrase> "Er sagte etwas" }} ; INSERT DATA {{ <{E}c3> <{CG}paraphrase> "neu" }}'
    store.update(UpdateRequest(update=update))
    # unsealed, subjects named: the update child wrote the index, this process did not
    assert in_this_process == []
    monkeypatch.undo()
    version = _published(store)
    assert (version / "claimgraph.unsealed").exists()
    assert search_index.rows_of(version) == _rebuilt(store)[0]
    with sqlite3.connect(version / search_index.INDEX_FILE) as conn:
        ids = dict(conn.execute("SELECT claim, id FROM claim_ids").fetchall())
        rowids = dict(conn.execute("SELECT claim, rowid FROM claims").fetchall())
    assert ids == rowids and set(ids) == {E + "c1", E + "c2", E + "c3"}

    # An index written before claim_ids existed: the first write scans once and adds the table.
    with sqlite3.connect(version / search_index.INDEX_FILE) as conn:
        conn.execute("DROP TABLE claim_ids")
    store.update(UpdateRequest(update=f'INSERT DATA {{ <{E}c2> <{CG}paraphrase> "wieder" }}'))
    version = _published(store)
    assert search_index.rows_of(version) == _rebuilt(store)[0]
    with sqlite3.connect(version / search_index.INDEX_FILE) as conn:
        ids = dict(conn.execute("SELECT claim, id FROM claim_ids").fetchall())
        rowids = dict(conn.execute("SELECT claim, rowid FROM claims").fetchall())
    assert ids == rowids and len(ids) == 3
    assert [h.claim for h in store.search("wieder")] == [E + "c2"]


def _load_file(store: EmbeddedStore, path: Path, media_type: str = "application/trig") -> None:
    """As ``claimgraph load`` does for a plain file: the engine's loader reads it by its path."""
    with open(path, "rb") as stream:
        store.bulk_load([LoadSource(stream, media_type, str(path), path=path)])


def test_a_load_from_a_file_indexes_beside_the_engine_and_matches_the_store(
    corpus_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_snapshot(corpus_store / "oxigraph") as snap:
        dump = snap.store.dump(format=ox.RdfFormat.TRIG) or b""
    src = tmp_path / "data.trig"
    src.write_bytes(dump + TRICKY.encode())
    store = EmbeddedStore(tmp_path / "store")
    asked: list[str] = []
    whole = search_index.write_index
    monkeypatch.setattr(search_index, "write_index", lambda *a, **k: (asked.append("store"), whole(*a, **k))[1])
    _load_file(store, src)
    assert asked == []  # written from the Python parse while the engine loaded the file
    monkeypatch.undo()
    version = _published(store)
    _same_as_rebuilt(store, version)
    with open_snapshot(store.db_path) as snap:
        assert len(snap.store) == len(ox.Dataset(ox.parse(src.read_bytes(), ox.RdfFormat.TRIG)))
    assert not list(store.directory.glob(".index-*"))  # the index file went into the version


def test_blank_nodes_whose_names_would_show_index_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two blank spans of one claim: the message is the first span's by name, and the engine's
    # parse names blank nodes other than Python's.
    src = tmp_path / "spans.ttl"
    src.write_text(
        TRICKY.split(f"<{E}g>")[0]
        + f'<{E}c2> <{CG}evidence> _:x , _:y . _:x <http://www.w3.org/ns/oa#exact> "eins" ; <{CG}inFile> <{E}f1> .\n'
        + f'_:y <http://www.w3.org/ns/oa#exact> "zwei" ; <{CG}inFile> <{E}f1> .\n'
    )
    store = EmbeddedStore(tmp_path / "store")
    asked: list[str] = []
    whole = search_index.write_index
    monkeypatch.setattr(search_index, "write_index", lambda *a, **k: (asked.append("store"), whole(*a, **k))[1])
    _load_file(store, src, "text/turtle")
    assert asked == ["store"]
    monkeypatch.undo()
    rows, messages = _rebuilt(store)
    assert search_index.rows_of(_published(store)) == rows
    assert search_index.message_rows_of(_published(store)) == messages
    assert not list(store.directory.glob(".index-*"))


def test_a_broken_file_loaded_beside_the_engine_publishes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "broken.trig"
    src.write_bytes(TRICKY.encode() * 50 + b"<broken")
    store = EmbeddedStore(tmp_path / "store")
    before = current_version(store.directory)
    with pytest.raises(DataError, match=r"broken\.trig.*line"):
        _load_file(store, src)
    assert current_version(store.directory) == before
    assert not list(store.directory.glob(".index-*"))
    src.write_bytes(TRICKY.encode())
    _load_file(store, src)
    assert search_index.rows_of(_published(store)) == _rebuilt(store)[0]
