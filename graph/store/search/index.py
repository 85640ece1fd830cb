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
    rows: list[tuple[object, ...]] = []
    for claim, f in sorted(fields.items()):

        def text(name: str) -> str:
            return "\n".join(v.value for v in f.get(name, []) if isinstance(v, ox.Literal))

        def literals(name: str) -> list[ox.Literal]:
            return [v for v in f.get(name, []) if isinstance(v, ox.Literal)]

        def iri(name: str) -> str | None:
            return next((v.value for v in f.get(name, []) if isinstance(v, ox.NamedNode)), None)

        dates = sorted(v.value for v in literals("saidOn")) or sorted(v.value for v in literals("published"))
        rows.append(
            (
                *(text(name) for name in FIELDS),
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


_CREATE = (
    "CREATE VIRTUAL TABLE claims USING fts5("
    + ", ".join(FIELDS)
    + ", claim UNINDEXED, speaker_iri UNINDEXED, speaker_label UNINDEXED, date UNINDEXED,"
    " article UNINDEXED, article_title UNINDEXED, quote_text UNINDEXED,"
    " tokenize = 'unicode61 remove_diacritics 2')"
)


_DELETE_CLAIMS = "DELETE FROM claims WHERE claim IN (SELECT value FROM json_each(?))"
_INSERT = f"INSERT INTO claims VALUES ({', '.join('?' * (len(FIELDS) + 7))})"


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
    rows = _rows(store)
    with _index_file(directory) as conn:
        conn.execute(_CREATE)
        # The weighted bm25 as FTS5's rank: "ORDER BY rank LIMIT n" then keeps only the
        # best n while it scans (ordering by a bm25() expression sorts every match).
        weights = ", ".join(str(WEIGHTS[f]) for f in FIELDS)
        conn.execute("INSERT INTO claims(claims, rank) VALUES ('rank', ?)", (f"bm25({weights})",))
        conn.executemany(_INSERT, rows)
        conn.execute("INSERT INTO claims(claims) VALUES ('optimize')")
        # the folded words of every claim's quote, for refreshes of cg:sameMessageAs (similarity.py)
        similarity.write_messages(conn, similarity.store_messages(store))
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


def update_index(previous: Path, store: ox.Store, directory: Path, touched: Iterable[str]) -> int:
    """Write ``directory``'s index as a copy of ``previous``'s with only the claims that a write
    changed indexed again (atomically, like :func:`write_index`).

    ``touched`` are the IRIs that are subject of a statement the write added or removed; the
    claims whose rows read such a statement (:func:`claims_of` on the new version, and the
    touched IRIs that are claims of the old index) lose their rows and, if still in ``store``,
    get new ones. bm25's statistics are kept by FTS5 itself, so the result answers exactly like
    an index written from scratch. Returns the number of claims indexed again."""
    touched = set(touched)
    affected = claims_of(store, touched)
    rows = _rows(store, affected)
    with _index_file(directory, seed=previous) as conn:
        # One statement that scans in SQLite: fetching every row into Python instead took the
        # GIL back once per row, and under load each of those waits behind the request threads
        # (a third of a write's time in the soak).
        conn.execute(_DELETE_CLAIMS, (json.dumps(sorted(affected | touched)),))
        conn.executemany(_INSERT, rows)
        # a claim's message reads a subset of what its row reads: the same claims are redone
        if similarity.has_message_table(conn):
            similarity.write_messages(conn, similarity.store_messages(store, affected), replacing=affected | touched)
        else:  # an index written before the message tables
            similarity.write_messages(conn, similarity.store_messages(store))
    return len(rows)


def rows_of(directory: Path) -> list[tuple[object, ...]]:
    """Every row of a version's index, sorted (to compare two indexes: tests, checks)."""
    conn = sqlite3.connect((Path(directory) / INDEX_FILE).absolute().as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        cols = ", ".join(
            [*FIELDS, "claim", "speaker_iri", "speaker_label", "date", "article", "article_title", "quote_text"]
        )
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
