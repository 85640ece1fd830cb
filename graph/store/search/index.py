"""The full-text index of one store version: an SQLite FTS5 file inside the version's folder.

Oxigraph has no text index, so claimgraph keeps one beside the data: ``versions/N/`` holds the
RocksDB database *and* ``claimgraph-search.sqlite`` built from that database's own content
before ``N`` is published (see :mod:`snapshots`). A reader that pinned version ``N`` searches
``N``'s index, so the index and the store it answers for never disagree, and a writer killed
at any point leaves the old version with its old index.

One row per claim: the messages (proposition labels), quotes, paraphrases, speaker names and
article titles are indexed (``unicode61`` with diacritics removed: ``Schäuble`` = ``schauble``);
speaker, date and article ride along unindexed for the result lists. bm25 ranks, FTS5's
``snippet()`` cuts the excerpt.
"""

from __future__ import annotations

import contextlib
import gc
import html
import json
import os
import shutil
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from claimgraph.graph.build import similarity
from claimgraph.graph.store.base import QueryTimeout, StoreError
from claimgraph.graph.store.search.syntax import FIELDS, SearchSyntaxError, compile_search

INDEX_FILE = "claimgraph-search.sqlite"
#: Most hits one search returns (the SPARQL service form and the JSON API alike).
MAX_HITS = 1000
#: Relative weight of each indexed column in the bm25 score (same order as FIELDS).
WEIGHTS = {"message": 2.0, "quote": 2.0, "paraphrase": 1.0, "speaker": 1.5, "title": 0.5}
_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
_SNIPPET_TOKENS = 16
_PREFERRED_LANGUAGES = ("de", "en", "")


@dataclass(frozen=True)
class Hit:
    """One claim that matches, with what a result list shows of it."""

    claim: str
    score: float
    #: The excerpt as HTML: text escaped, matched words in ``<mark>``.
    snippet: str
    #: The same excerpt as plain text.
    snippet_text: str
    speaker: str | None
    speaker_name: str | None
    date: str | None
    article: str | None
    title: str | None
    quote: str | None

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def _query_text() -> str:
    return (files(__package__) / "index-text.rq").read_text(encoding="utf-8")


def _pick(literals: list[ox.Literal]) -> str | None:
    """One value to show: German first (the corpus language), then English, then any."""
    if not literals:
        return None
    for lang in _PREFERRED_LANGUAGES:
        for lit in literals:
            if (lit.language or "") == lang:
                return lit.value
    return literals[0].value


def _rows(store: ox.Store, claims: Iterable[str] | None = None) -> list[tuple[object, ...]]:
    """One index row per claim, from the store's own content (only ``claims``, when given:
    the query runs once per claim with ``?claim`` bound)."""
    fields: dict[str, dict[str, list[ox.Literal | ox.NamedNode]]] = defaultdict(lambda: defaultdict(list))
    query = _query_text()
    if claims is None:
        runs = [store.query(query)]
    else:
        runs = [store.query(query, substitutions={ox.Variable("claim"): ox.NamedNode(c)}) for c in sorted(claims)]
    for solutions in runs:
        assert isinstance(solutions, ox.QuerySolutions)  # a SELECT
        for solution in solutions:
            claim, field, value = solution["claim"], solution["field"], solution["value"]
            if isinstance(claim, ox.NamedNode) and field is not None and value is not None:
                values = fields[claim.value][field.value]
                if value not in values:
                    values.append(value)
    return _rows_of_fields(fields)


def _rows_of_fields(fields: dict[str, dict[str, list[Any]]]) -> list[tuple[object, ...]]:
    """The index rows of each claim's values per field (the fields of index-text.rq).

    The values of a field are taken in the order of their N-Triples form, not in the order
    an engine found them: an index built from the store and one built from the parsed input
    (:class:`QuadIndex`) are then the same file content."""
    rows: list[tuple[object, ...]] = []
    empty: tuple[Any, ...] = ()
    for claim in sorted(fields):
        ordered = {
            name: values if len(values) == 1 else sorted(values, key=str) for name, values in fields[claim].items()
        }

        def literals(name: str) -> list[ox.Literal]:
            return [v for v in ordered.get(name, empty) if isinstance(v, ox.Literal)]

        def iri(name: str) -> str | None:
            return next((v.value for v in ordered.get(name, empty) if isinstance(v, ox.NamedNode)), None)

        dates = sorted(v.value for v in literals("saidOn")) or sorted(v.value for v in literals("published"))
        rows.append(
            (
                *("\n".join([v.value for v in literals(name)]) for name in FIELDS),
                claim,
                iri("speakerIri"),
                _pick(literals("speaker")),
                dates[0] if dates else None,
                iri("article"),
                _pick(literals("title")),
                _pick(literals("quote")),
            )
        )
    return rows


_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OA = "http://www.w3.org/ns/oa#"
_CG_NS = "https://w3id.org/claimgraph/ontology#"
_SCHEMA_NS = "http://schema.org/"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CLAIM = ox.NamedNode(_CG_NS + "Claim")
#: Literals the store keeps as written (every other datatype may read back in another form).
_PLAIN = frozenset(("http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"))


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """Python's cyclic collector paused: building hundreds of thousands of small sets set it off
    again and again, each time walking every one of them (extend() took 4 s instead of 1 s)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class QuadIndex:
    """The index rows and quote words of a bulk load, read from its quads while they are parsed.

    Asking the engine for index-text.rq after a load of 1 M quads took 5.5 s and writing the
    rows as many again (the load itself: 7 s). The statements the index reads are few (a third
    of the quads, by predicate); :meth:`add` keeps those of the default graph and :meth:`rows`
    and :meth:`messages` follow index-text.rq's paths and similarity's message query over them
    in Python. Valid only for a version whose default graph held nothing before the load (then
    what the load adds is all there is); ``tests/test_bulk_index.py`` compares the result with
    an index written from the store."""

    #: The predicates of index-text.rq and of similarity's message query.
    PREDICATES = frozenset(
        ox.NamedNode(p)
        for p in (
            _CG_NS + "proposition",
            _CG_NS + "evidence",
            _CG_NS + "paraphrase",
            _CG_NS + "speaker",
            _CG_NS + "inFile",
            _CG_NS + "saidOn",
            _RDFS + "label",
            _OA + "exact",
            _SCHEMA_NS + "encodesCreativeWork",
            _SCHEMA_NS + "datePublished",
            _SCHEMA_NS + "translationOfWork",
            _RDF_TYPE.value,
        )
    )

    def __init__(self) -> None:
        #: predicate IRI -> subject -> objects
        self._out: dict[str, dict[object, set[Any]]] = defaultdict(lambda: defaultdict(set))
        self._claims: set[Any] = set()
        self._out_canonical = False

    def add(self, quad: ox.Quad) -> None:
        """Note ``quad`` if the index reads it."""
        self.extend((quad,))

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Note those of ``quads`` that the index reads (a bulk load keeps the quads whose
        ``predicate in PREDICATES`` as they pass, the one test its hot loop makes, and hands
        them over here in one call)."""
        with _collection_paused():
            self._extend(quads)
        self._out_canonical = False

    def _extend(self, quads: Iterable[ox.Quad]) -> None:
        out, claims, wanted = self._out, self._claims, self.PREDICATES
        for quad in quads:
            predicate = quad.predicate
            if predicate not in wanted or not isinstance(quad.graph_name, ox.DefaultGraph):
                continue
            if predicate == _RDF_TYPE:
                if quad.object == _CLAIM:
                    claims.add(quad.subject)
            else:
                out[predicate.value][quad.subject].add(quad.object)

    def _canonical(self) -> None:
        """Replace typed literals by the form the store gives back: Oxigraph keeps numbers,
        dates and the like as values (``"01"^^xsd:integer`` reads back as ``"1"``, a dateTime's
        ``+00:00`` as ``Z``). They go through an in-memory store once, as the load put them."""
        if self._out_canonical:
            return
        typed = {
            o
            for table in self._out.values()
            for objects in table.values()
            for o in objects
            if isinstance(o, ox.Literal) and o.datatype.value not in _PLAIN
        }
        self._out_canonical = True
        if not typed:
            return
        originals = sorted(typed, key=str)
        probe, memory = ox.NamedNode("urn:claimgraph:canonical"), ox.Store()
        memory.extend(ox.Quad(ox.NamedNode(f"urn:claimgraph:{i}"), probe, o) for i, o in enumerate(originals))
        canonical = {originals[int(q.subject.value.rpartition(":")[2])]: q.object for q in memory}
        for table in self._out.values():
            for subject, objects in table.items():
                if objects & typed:
                    table[subject] = {canonical.get(o, o) for o in objects}

    def _objects(self, predicate: str, subjects: Iterable[Any]) -> set[Any]:
        table = self._out.get(predicate, {})
        found: set[Any] = set()
        for s in subjects:
            found |= table.get(s, set())
        return found

    def depends_on_blank_labels(self) -> bool:
        """Whether the names of blank nodes show in what :meth:`messages` gives: an article
        that is a blank node, or a claim with two spans, one of them blank (the first span
        by name is taken). The rows never show them (only literals and IRIs are kept)."""
        articles = self._out.get(_SCHEMA_NS + "encodesCreativeWork", {})
        if any(type(a) is not ox.NamedNode for found in articles.values() for a in found):
            return True
        evidence = self._out.get(_CG_NS + "evidence", {})
        for claim in self._claims:
            spans = evidence.get(claim, ())
            if len(spans) > 1 and any(type(s) is not ox.NamedNode for s in spans):
                return True
        return False

    def rows(self) -> list[tuple[object, ...]]:
        """The rows :func:`_rows` makes from a store holding these quads."""
        with _collection_paused():
            return self._rows()

    def _rows(self) -> list[tuple[object, ...]]:
        self._canonical()
        out, empty = self._out, frozenset[Any]()
        evidence, speaker, in_file = out[_CG_NS + "evidence"], out[_CG_NS + "speaker"], out[_CG_NS + "inFile"]
        proposition, paraphrase, said_on = (
            out[_CG_NS + "proposition"],
            out[_CG_NS + "paraphrase"],
            out[_CG_NS + "saidOn"],
        )
        label, exact, encodes = out[_RDFS + "label"], out[_OA + "exact"], out[_SCHEMA_NS + "encodesCreativeWork"]
        published, original = out[_SCHEMA_NS + "datePublished"], out[_SCHEMA_NS + "translationOfWork"]

        def objects(table: dict[object, set[Any]], subjects: Iterable[Any]) -> set[Any]:
            found: set[Any] = set()
            for s in subjects:
                found.update(table.get(s, empty))
            return found

        dates: dict[object, set[Any]] = {}  # per article (many claims share one)

        def dates_of(article: object) -> set[Any]:
            if article not in dates:
                dates[article] = objects(published, {article} | original.get(article, empty))
            return dates[article]

        fields: dict[str, dict[str, list[Any]]] = {}
        for claim in self._claims:
            if not isinstance(claim, ox.NamedNode):
                continue
            spans = evidence.get(claim, empty)
            speakers = speaker.get(claim, empty)
            articles = objects(encodes, objects(in_file, spans))
            found = {
                "message": objects(label, proposition.get(claim, empty)),
                "quote": objects(exact, spans),
                "paraphrase": paraphrase.get(claim, empty),
                "speakerIri": speakers,
                "speaker": objects(label, speakers),
                "article": articles,
                "title": objects(label, articles),
                "saidOn": said_on.get(claim, empty),
                "published": set().union(*(dates_of(a) for a in articles)),
            }
            kept = {name: list(values) for name, values in found.items() if values}
            if kept:
                fields[claim.value] = kept
        return _rows_of_fields(fields)

    def messages(self) -> list[similarity.ClaimMessage]:
        """What :func:`similarity.store_messages` reads from a store holding these quads."""
        with _collection_paused():
            return self._messages()

    def _messages(self) -> list[similarity.ClaimMessage]:
        self._canonical()
        first: dict[str, tuple[str, str, str]] = {}
        for claim in self._claims:
            for span in self._out.get(_CG_NS + "evidence", {}).get(claim, ()):
                one = {span}
                articles = self._objects(_SCHEMA_NS + "encodesCreativeWork", self._objects(_CG_NS + "inFile", one))
                for text in self._objects(_OA + "exact", one):
                    for article in articles:
                        candidate = (span.value, article.value, text.value)
                        if claim.value not in first or candidate < first[claim.value]:
                            first[claim.value] = candidate
        return [similarity.ClaimMessage(c, article, text) for c, (_, article, text) in sorted(first.items())]


_CREATE = (
    "CREATE VIRTUAL TABLE claims USING fts5("
    + ", ".join(FIELDS)
    + ", claim UNINDEXED, speaker_iri UNINDEXED, speaker_label UNINDEXED, date UNINDEXED,"
    " article UNINDEXED, article_title UNINDEXED, quote_text UNINDEXED,"
    " tokenize = 'unicode61 remove_diacritics 2')"
)


_COLUMNS = (*FIELDS, "claim", "speaker_iri", "speaker_label", "date", "article", "article_title", "quote_text")
_INSERT = f"INSERT INTO claims(rowid, {', '.join(_COLUMNS)}) VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})"
_CLAIM_COLUMN = len(FIELDS)

#: Which FTS5 row holds a claim: ``claim`` is an UNINDEXED column of the FTS5 table, so deleting
#: a write's claims by it scanned every row (a sixth of a write at 1 M quads under load); with
#: this table it is a look-up by key, then deletes by rowid.
_CREATE_CLAIM_IDS = "CREATE TABLE IF NOT EXISTS claim_ids (claim TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID"
_WRITTEN = "SELECT value FROM json_each(?)"
_IDS_OF = f"SELECT id FROM claim_ids WHERE claim IN ({_WRITTEN})"
# An index written before the table: one scan inside SQLite (a GIL release), then the table.
_DELETE_CLAIMS_SCAN = f"DELETE FROM claims WHERE claim IN ({_WRITTEN})"
_FILL_CLAIM_IDS = "INSERT OR REPLACE INTO claim_ids SELECT claim, rowid FROM claims"


def _insert(conn: sqlite3.Connection, rows: list[tuple[object, ...]], first_rowid: int) -> None:
    """Insert ``rows`` with rowids from ``first_rowid`` on, and their claims into claim_ids."""
    conn.executemany(_INSERT, ((first_rowid + i, *row) for i, row in enumerate(rows)))
    conn.executemany(
        "INSERT INTO claim_ids VALUES (?, ?)", ((row[_CLAIM_COLUMN], first_rowid + i) for i, row in enumerate(rows))
    )


def _delete_claims(conn: sqlite3.Connection, claims: set[str]) -> None:
    """Delete the rows of ``claims`` (those present) from a copied index."""
    written = json.dumps(sorted(claims))
    if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'claim_ids'").fetchone()[0]:
        conn.execute(_DELETE_CLAIMS_SCAN, (written,))
        conn.execute(_CREATE_CLAIM_IDS)
        conn.execute(_FILL_CLAIM_IDS)
        return
    ids = conn.execute(_IDS_OF, (written,)).fetchall()
    conn.executemany("DELETE FROM claims WHERE rowid = ?", ids)
    conn.execute(f"DELETE FROM claim_ids WHERE claim IN ({_WRITTEN})", (written,))


def _next_rowid(conn: sqlite3.Connection) -> int:
    """One past the highest rowid of the FTS5 table (FTS5 walks its rowids from the end)."""
    last = conn.execute("SELECT rowid FROM claims ORDER BY rowid DESC LIMIT 1").fetchone()
    return int(last[0]) + 1 if last else 1


@contextlib.contextmanager
def _index_file(directory: Path, seed: Path | None = None) -> Iterator[sqlite3.Connection]:
    """An index file for ``directory`` written atomically: the block changes a private copy
    (of ``seed``'s index, or an empty file), which replaces the version's index only when the
    block ends without an exception (a reader sees a finished file or none)."""
    target = Path(directory) / INDEX_FILE
    tmp = target.with_name(f".{INDEX_FILE}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        if seed is not None:
            shutil.copyfile(Path(seed) / INDEX_FILE, tmp)
        conn = sqlite3.connect(tmp)
        try:
            with conn:
                conn.execute("PRAGMA journal_mode = OFF")
                conn.execute("PRAGMA synchronous = OFF")  # fsynced once below, before the rename
                yield conn
        finally:
            conn.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_index(store: ox.Store, directory: Path) -> int:
    """Build the index of ``store`` into ``directory`` (atomically: a finished file or none).

    Returns the number of claims indexed."""
    return write_rows(directory, _rows(store), similarity.store_messages(store))


def write_rows(directory: Path, rows: list[tuple[object, ...]], messages: Iterable[similarity.ClaimMessage]) -> int:
    """Write a new index file of ``rows`` and ``messages`` into ``directory`` (atomically).

    The rows go in first and FTS5 merges its segments once at the end ('optimize'); the file
    is new and private until it is renamed, so SQLite neither journals nor syncs it (it is
    fsynced once before the rename). Returns the number of rows."""
    with _index_file(directory) as conn:
        conn.execute(_CREATE)
        conn.execute(_CREATE_CLAIM_IDS)
        # The weighted bm25 as FTS5's rank: "ORDER BY rank LIMIT n" then keeps only the
        # best n while it scans (ordering by a bm25() expression sorts every match).
        weights = ", ".join(str(WEIGHTS[f]) for f in FIELDS)
        conn.execute("INSERT INTO claims(claims, rank) VALUES ('rank', ?)", (f"bm25({weights})",))
        _insert(conn, rows, first_rowid=1)
        conn.execute("INSERT INTO claims(claims) VALUES ('optimize')")
        # the folded words of every claim's quote, for refreshes of cg:sameMessageAs (similarity.py)
        similarity.write_messages(conn, messages)
    return len(rows)


_CG = "https://w3id.org/claimgraph/ontology#"
_SCHEMA = "http://schema.org/"


def claims_of(store: ox.Store, nodes: Iterable[str]) -> set[str]:
    """The claims of ``store`` whose index row depends on a statement about one of ``nodes``:
    the claim itself, its proposition, evidence span, speaker, file, article or the work an
    article translates (the paths of index-text.rq, followed backwards by pattern look-ups)."""

    def subjects(p: str, objects: Iterable[ox.NamedNode]) -> set[ox.NamedNode]:
        pred = ox.NamedNode(p)
        return {
            q.subject
            for o in objects
            for q in store.quads_for_pattern(None, pred, o, ox.DefaultGraph())
            if isinstance(q.subject, ox.NamedNode)
        }

    start = {ox.NamedNode(n) for n in nodes}
    articles = start | subjects(_SCHEMA + "translationOfWork", start)
    files = start | subjects(_SCHEMA + "encodesCreativeWork", articles)
    spans = start | subjects(_CG + "inFile", files)
    candidates = (
        start
        | subjects(_CG + "evidence", spans)
        | subjects(_CG + "proposition", start)
        | subjects(_CG + "speaker", start)
    )
    claim_type, rdf_type = ox.NamedNode(_CG + "Claim"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return {c.value for c in candidates if ox.Quad(c, rdf_type, claim_type, ox.DefaultGraph()) in store}


@dataclass(frozen=True)
class IndexChange:
    """What a write changes in the index: the claims whose rows go (``replaced``), their new
    rows and quote words. Read from the written copy, possibly while its writer still has it
    open (then the copy is not opened again just for its index)."""

    replaced: frozenset[str]
    rows: list[tuple[object, ...]]
    messages: list[similarity.ClaimMessage]


def index_change(store: ox.Store, touched: Iterable[str]) -> IndexChange:
    """The change a write makes in the index of ``store``'s version (see :func:`update_index`)."""
    touched = set(touched)
    affected = claims_of(store, touched)
    return IndexChange(
        frozenset(affected | touched), _rows(store, affected), similarity.store_messages(store, affected)
    )


def has_message_tables(directory: Path) -> bool:
    """Does a version's index hold the message tables (indexes written before them do not)?"""
    conn = sqlite3.connect((Path(directory) / INDEX_FILE).absolute().as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        return similarity.has_message_table(conn)
    finally:
        conn.close()


def apply_change(
    previous: Path,
    directory: Path,
    change: IndexChange,
    all_messages: Iterable[similarity.ClaimMessage] | None = None,
) -> int:
    """Write ``directory``'s index as ``previous``'s with ``change`` applied (atomically).

    ``all_messages`` (every quote of the new version) only for a ``previous`` without message
    tables. Returns the number of claims indexed again."""
    with _index_file(directory, seed=previous) as conn:
        # Look-ups in claim_ids, not a loop over every row: fetching every row into Python took
        # the GIL back once per row, and under load each of those waits behind the request
        # threads (a third of a write's time in the soak); a scan inside SQLite still was a sixth.
        _delete_claims(conn, set(change.replaced))
        _insert(conn, change.rows, _next_rowid(conn))
        # a claim's message reads a subset of what its row reads: the same claims are redone
        if all_messages is None:
            similarity.write_messages(conn, change.messages, replacing=change.replaced)
        else:
            similarity.write_messages(conn, all_messages)
    return len(change.rows)


def update_index(
    previous: Path,
    store: ox.Store | None,
    directory: Path,
    touched: Iterable[str],
    change: IndexChange | None = None,
) -> int:
    """Write ``directory``'s index as a copy of ``previous``'s with only the claims that a write
    changed indexed again (atomically, like :func:`write_index`).

    ``touched`` are the IRIs that are subject of a statement the write added or removed; the
    claims whose rows read such a statement (:func:`claims_of` on the new version, and the
    touched IRIs that are claims of the old index) lose their rows and, if still in ``store``,
    get new ones. bm25's statistics are kept by FTS5 itself, so the result answers exactly like
    an index written from scratch. Returns the number of claims indexed again.

    A ``change`` read already (:func:`index_change`, while the writer had the copy open) is
    applied without ``store``; ``previous`` must then have the message tables."""
    if change is not None:
        return apply_change(previous, directory, change)
    assert store is not None
    change = index_change(store, touched)
    # an index written before the message tables gets them whole
    whole = None if has_message_tables(previous) else similarity.store_messages(store)
    return apply_change(previous, directory, change, whole)


def rows_of(directory: Path) -> list[tuple[object, ...]]:
    """Every row of a version's index, sorted (to compare two indexes: tests, checks)."""
    conn = sqlite3.connect((Path(directory) / INDEX_FILE).absolute().as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        cols = ", ".join(_COLUMNS)
        return sorted(conn.execute(f"SELECT {cols} FROM claims").fetchall(), key=repr)
    finally:
        conn.close()


def message_rows_of(directory: Path) -> list[tuple[object, ...]]:
    """Every row of a version's message tables, sorted (to compare with a rebuild)."""
    conn = sqlite3.connect((Path(directory) / INDEX_FILE).absolute().as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        rows = conn.execute("SELECT 'message', claim, article, words FROM messages").fetchall()
        rows += conn.execute("SELECT 'word', word, claim, '' FROM message_words").fetchall()
        return sorted(rows)
    finally:
        conn.close()


def has_index(directory: Path) -> bool:
    return (Path(directory) / INDEX_FILE).exists()


def ensure_index(directory: Path, store: ox.Store) -> None:
    """Index a version published before claimgraph kept indexes (from that version itself)."""
    if not has_index(directory):
        write_index(store, directory)


def _html(snippet: str) -> str:
    return html.escape(snippet).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")


def search(
    directory: Path,
    text: str,
    limit: int = 20,
    timeout: float | None = None,
    snippets: bool = True,
    details: bool = True,
) -> list[Hit]:
    """The best ``limit`` claims for ``text`` in the index of the version at ``directory``.

    Without ``snippets`` the excerpts are left empty, without ``details`` the speaker, date and
    article (the SPARQL form asks only for what its block binds: on a long list of hits these
    are most of the cost). Raises :class:`SearchSyntaxError` for a search that cannot be read and
    :class:`QueryTimeout` past ``timeout`` seconds."""
    compiled = compile_search(text)
    limit = max(0, min(limit, MAX_HITS))
    path = Path(directory) / INDEX_FILE
    if not path.exists():
        raise StoreError(f"the store version at {directory} has no search index")
    # Published indexes never change: immutable=1 skips SQLite's locking altogether.
    conn = sqlite3.connect(path.absolute().as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        if timeout is not None:
            deadline = time.monotonic() + timeout
            conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        excerpt = f"snippet(claims, -1, '{_MARK_OPEN}', '{_MARK_CLOSE}', '…', {_SNIPPET_TOKENS})" if snippets else "''"
        rest = (
            "speaker_iri, speaker_label, date, article, article_title, quote_text"
            if details
            else "NULL, NULL, NULL, NULL, NULL, NULL"
        )
        sql = f"SELECT claim, -rank, {excerpt}, {rest} FROM claims WHERE claims MATCH ? ORDER BY rank LIMIT ?"
        try:
            found = conn.execute(sql, (compiled.match, limit)).fetchall()
        except sqlite3.OperationalError as exc:
            message = str(exc)
            if "interrupted" in message:
                raise QueryTimeout(f"search stopped after the time limit of {timeout:g} s") from None
            raise SearchSyntaxError(f"cannot read the search: {message.removeprefix('fts5: ')}") from None
    finally:
        conn.close()
    return [
        Hit(
            claim=row[0],
            score=round(row[1], 6),
            snippet=_html(row[2]),
            snippet_text=row[2].replace(_MARK_OPEN, "").replace(_MARK_CLOSE, ""),
            speaker=row[3],
            speaker_name=row[4],
            date=row[5],
            article=row[6],
            title=row[7],
            quote=row[8],
        )
        for row in found
    ]
