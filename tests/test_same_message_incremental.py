"""The same-message refresh of a write reads only candidates, and finds what a full recomputation finds.

A write's refresh reads the message tables of the version before it (the folded words of every
quote, kept in the search index file) and looks at the pairs it can have changed: those with a
changed claim, and the pairs of unchanged claims sharing a word that became common or rare (its
count of claims crossed the cap, or the cap moved). These tests build stores whose word counts sit
exactly at the cap, change them, and compare with a recomputation over every quote."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from claimgraph.graph.build.iris import IriMinter
from claimgraph.graph.build.similarity import (
    MIN_WORD_CLAIMS_CAP,
    refresh_same_message,
    store_messages,
    write_messages,
)

EX = "https://claimgraph.example.org/"
CG = "https://w3id.org/claimgraph/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SAME = ox.NamedNode(CG + "sameMessageAs")
COMMON = "eins zwei drei vier"  # in every claim: never a reason to compare two claims


def _claim(key: str, text: str) -> list[ox.Quad]:
    """A claim with one quote in an article of its own."""
    claim, span, file, doc = (ox.NamedNode(f"{EX}id/{kind}/{key}") for kind in ("claim", "span", "file", "document"))
    return [
        ox.Quad(claim, RDF_TYPE, ox.NamedNode(CG + "Claim")),
        ox.Quad(claim, ox.NamedNode(CG + "evidence"), span),
        ox.Quad(span, ox.NamedNode("http://www.w3.org/ns/oa#exact"), ox.Literal(text)),
        ox.Quad(span, ox.NamedNode(CG + "inFile"), file),
        ox.Quad(file, ox.NamedNode("http://schema.org/encodesCreativeWork"), doc),
    ]


def _store(fillers: int, with_gemeinsam: int) -> ox.Store:
    """Two claims x, y that share two rare words (``gemeinsam``, ``selten``) and are 0.8 alike;
    ``fillers`` claims alike in common words only, ``with_gemeinsam`` of them also saying
    ``gemeinsam`` (so it is in ``with_gemeinsam + 2`` claims)."""
    store = ox.Store()
    store.extend(_claim("x", "gemeinsam selten eins zwei drei"))
    store.extend(_claim("y", "gemeinsam selten eins zwei vier"))
    for i in range(fillers):
        extra = " gemeinsam" if i < with_gemeinsam else ""
        store.extend(_claim(f"f{i}", f"{COMMON} einzeln{i}{extra}"))
    refresh_same_message(store, IriMinter(EX))
    return store


def _table(store: ox.Store, path: Path) -> Path:
    """The message tables of ``store`` as a version's index file holds them."""
    conn = sqlite3.connect(path)
    with conn:
        write_messages(conn, store_messages(store))
    conn.close()
    return path


def _matches(store: ox.Store) -> set[ox.Quad]:
    """The cg:sameMessageAs links and every statement of the cg:MessageMatch nodes."""
    nodes = {q.subject for q in store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(CG + "MessageMatch"))}
    return set(store.quads_for_pattern(None, SAME, None)) | {
        q for n in nodes for q in store.quads_for_pattern(n, None, None)
    }


def _refreshed(store: ox.Store, table: Path, changed: set[str]) -> set[ox.Quad]:
    """Refresh incrementally; assert it equals a full recomputation of a copy; the matches."""
    full = ox.Store()
    full.extend(store)
    refresh_same_message(store, IriMinter(EX), changed=changed, before=table)
    refresh_same_message(full, IriMinter(EX))
    assert _matches(store) == _matches(full)
    return _matches(store)


def _paired(store: ox.Store) -> bool:
    x, y = ox.NamedNode(f"{EX}id/claim/x"), ox.NamedNode(f"{EX}id/claim/y")
    return ox.Quad(x, SAME, y, ox.DefaultGraph()) in store


def test_a_word_that_becomes_common_unpairs_two_unchanged_claims(tmp_path: Path) -> None:
    cap = MIN_WORD_CLAIMS_CAP  # 60 claims: the cap is the minimum
    store = _store(fillers=58, with_gemeinsam=cap - 2)  # gemeinsam in exactly cap claims: rare
    assert _paired(store)
    table = _table(store, tmp_path / "before.sqlite")
    store.extend(_claim("z", f"{COMMON} neu gemeinsam"))  # one more: common, x and y share one rare word
    _refreshed(store, table, {f"{EX}id/claim/z"})
    assert not _paired(store)

    table = _table(store, tmp_path / "after.sqlite")
    for q in _claim("z", f"{COMMON} neu gemeinsam"):  # and out again: rare, they pair again
        store.remove(q)
    _refreshed(store, table, {f"{EX}id/claim/z"})
    assert _paired(store)


def test_a_cap_that_moves_pairs_two_unchanged_claims(tmp_path: Path) -> None:
    # 441 claims have the cap 21 (their square root), 440 the cap 20: gemeinsam in 21 claims is
    # common until one unrelated claim comes
    store = _store(fillers=438, with_gemeinsam=19)
    assert not _paired(store)
    table = _table(store, tmp_path / "before.sqlite")
    store.extend(_claim("z", f"{COMMON} unbeteiligt"))
    _refreshed(store, table, {f"{EX}id/claim/z"})
    assert _paired(store)


def test_a_changed_claim_is_compared_with_its_new_words_only(tmp_path: Path) -> None:
    store = _store(fillers=30, with_gemeinsam=0)
    store.extend(_claim("z", "völlig unwahr sagte der Sprecher heute"))
    refresh_same_message(store, IriMinter(EX))
    table = _table(store, tmp_path / "before.sqlite")
    span = ox.NamedNode(f"{EX}id/span/z")
    exact = ox.NamedNode("http://www.w3.org/ns/oa#exact")
    for q in list(store.quads_for_pattern(span, exact, None)):
        store.remove(q)
    store.add(ox.Quad(span, exact, ox.Literal("gemeinsam selten eins zwei drei")))  # now says what x says
    matches = _refreshed(store, table, {f"{EX}id/claim/z"})
    z = ox.NamedNode(f"{EX}id/claim/z")
    assert ox.Quad(z, SAME, ox.NamedNode(f"{EX}id/claim/x"), ox.DefaultGraph()) in matches


@pytest.mark.parametrize("missing", ["file", "tables"])
def test_without_the_tables_before_the_refresh_reads_every_quote(tmp_path: Path, missing: str) -> None:
    store = _store(fillers=30, with_gemeinsam=0)
    table = tmp_path / "before.sqlite"
    if missing == "tables":
        sqlite3.connect(table).close()  # an index written before the message tables
    store.extend(_claim("z", "gemeinsam selten eins zwei fünf"))
    matches = _refreshed(store, table, {f"{EX}id/claim/z"})
    assert len({q for q in matches if q.predicate == SAME}) == 6  # x, y, z: three pairs, both ways
