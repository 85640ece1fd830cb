"""The same statement in several articles: group claims whose texts say the same thing.

Outlets carry one statement each in their own words: "Das ist völlig unwahr", quoted by two
papers, or a spokesman's denial paraphrased twice. Two claims grounded in *different* articles
whose texts are alike get ``cg:sameMessageAs`` and a ``cg:MessageMatch`` node with the
similarity, so a reader sees one statement and the outlets that carried it.

The text of a claim is its quote (``oa:exact``) and else its proposition's German label. The
similarity is difflib's ratio over the folded word sequences (lower case, diacritics removed,
``ß`` -> ``ss``): 1.0 for the same words in the same order. Candidate pairs share at least two
words that are rare in the corpus (in at most sqrt(claims) of them), so the comparison stays
far from quadratic.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pyoxigraph as ox

from claimgraph.ontology import CG_NS

if TYPE_CHECKING:
    # rdflib only for the build's graphs (claim_messages, add_same_message): the search index
    # imports this module in every server worker, which never needs rdflib for a query
    from rdflib import Graph

    from claimgraph.graph.build.iris import IriMinter

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"

#: Pairs at or above this similarity are the same message.
THRESHOLD = 0.7
#: Words in more claims than this do not make candidates ("sagte", "Regierung", names of the
#: day): the square root of the number of claims, and at least this many.
MIN_WORD_CLAIMS_CAP = 20
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ClaimMessage:
    """A claim, the article it is grounded in, and its text."""

    claim: str
    article: str
    text: str


@dataclass(frozen=True)
class MessageMatch:
    first: str
    second: str
    similarity: float


def words(text: str) -> list[str]:
    """Folded words: lower case, no diacritics (``Schäuble`` -> ``schauble``), ``ß`` -> ``ss``."""
    folded = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _WORD.findall(folded)


def _keys(ws: Iterable[str]) -> set[str]:
    """The words of a text that can make a candidate pair (short ones never do)."""
    return {w for w in ws if len(w) > 2}


def _cap(claims: int) -> int:
    """Words in more claims than this are too common to make candidates."""
    return max(MIN_WORD_CLAIMS_CAP, int(claims**0.5))


def _match(
    a: str, article_a: str, wa: list[str], b: str, article_b: str, wb: list[str], shared: int, threshold: float
) -> MessageMatch | None:
    """The match of two claims that share ``shared`` rare words, or None: claims of one article
    never match, and texts of more than two words need two rare words in common."""
    if shared < 1 or article_a == article_b or (shared < 2 and min(len(wa), len(wb)) > 2):
        return None
    matcher = SequenceMatcher(None, wa, wb, autojunk=False)
    # The quick ratios are upper bounds of ratio(): most candidates stop there.
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return None
    similarity = matcher.ratio()
    if similarity < threshold:
        return None
    first, second = sorted((a, b))
    return MessageMatch(first, second, round(similarity, 3))


def same_message_pairs(messages: Iterable[ClaimMessage], threshold: float = THRESHOLD) -> list[MessageMatch]:
    """Every pair of claims of different articles whose texts are at least ``threshold`` alike."""
    items = [(m, words(m.text)) for m in messages if m.text.strip()]
    by_word: dict[str, list[int]] = defaultdict(list)
    for i, (_, ws) in enumerate(items):
        for w in _keys(ws):
            by_word[w].append(i)
    cap = _cap(len(items))
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for ids in by_word.values():
        if len(ids) > cap:
            continue
        for a, b in combinations(ids, 2):
            shared[(a, b)] += 1
    found = []
    for (a, b), count in shared.items():
        (ma, wa), (mb, wb) = items[a], items[b]
        match = _match(ma.claim, ma.article, wa, mb.claim, mb.article, wb, count, threshold)
        if match is not None:
            found.append(match)
    return sorted(found, key=lambda m: (m.first, m.second))


def claim_messages(g: Graph) -> list[ClaimMessage]:
    """The claims of a built graph with their article and text (see the module doc)."""
    from rdflib import RDF, Literal, URIRef

    from claimgraph.ontology import CG, OA, SCHEMA

    label = URIRef(RDFS_LABEL)
    out = []
    for claim in sorted(set(g.subjects(RDF.type, CG.Claim)), key=str):
        article = None
        text = ""
        for span in sorted(g.objects(claim, CG.evidence), key=str):  # the first span's, as in a store
            text = text or str(next(g.objects(span, OA.exact), ""))
            for file in g.objects(span, CG.inFile):
                article = article or next(g.objects(file, SCHEMA.encodesCreativeWork), None)
        if not text:
            for prop in g.objects(claim, CG.proposition):
                labels = {lit.language: str(lit) for lit in g.objects(prop, label) if isinstance(lit, Literal)}
                text = labels.get("de") or next(iter(labels.values()), "")
        if article is not None:
            out.append(ClaimMessage(str(claim), str(article), text))
    return out


def add_same_message(g: Graph, mint: IriMinter, threshold: float = THRESHOLD) -> int:
    """Write ``cg:sameMessageAs`` (both ways) and a ``cg:MessageMatch`` for every match in ``g``."""
    from rdflib import RDF, XSD, Literal, URIRef

    from claimgraph.ontology import CG

    matches = same_message_pairs(claim_messages(g), threshold)
    for m in matches:
        a, b = URIRef(m.first), URIRef(m.second)
        g.add((a, CG.sameMessageAs, b))
        g.add((b, CG.sameMessageAs, a))
        node = mint("message-match", hashlib.sha256(f"{m.first} {m.second}".encode()).hexdigest()[:16])
        g.add((node, RDF.type, CG.MessageMatch))
        g.add((node, CG.matchedClaim, a))
        g.add((node, CG.matchedClaim, b))
        g.add((node, CG.messageSimilarity, Literal(f"{m.similarity:.3f}", datatype=XSD.decimal)))
    return len(matches)


_STORE_MESSAGES = """
PREFIX cg:     <https://w3id.org/claimgraph/ontology#>
PREFIX oa:     <http://www.w3.org/ns/oa#>
PREFIX schema: <http://schema.org/>
SELECT ?claim ?span ?article ?text WHERE {
  ?claim a cg:Claim ; cg:evidence ?span .
  ?span oa:exact ?text ; cg:inFile ?file .
  ?file schema:encodesCreativeWork ?article .
}"""

_STORE_OLD_MATCHES = """
PREFIX cg: <https://w3id.org/claimgraph/ontology#>
SELECT ?s ?p ?o WHERE {
  { ?s cg:sameMessageAs ?o BIND(cg:sameMessageAs AS ?p) }
  UNION { ?s a cg:MessageMatch ; ?p ?o }
}"""


_MESSAGE_VARS = ("claim", "span", "article", "text")
#: Above this many claims their messages are read in one query over the store, not one each.
_BOUND_QUERIES = 300
CG_MATCHED = CG_NS + "matchedClaim"
CG_SAME = CG_NS + "sameMessageAs"


def _solutions(store: ox.Store, query: str, claim: str | None = None) -> ox.QuerySolutions:
    bound: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {}
    if claim is not None:
        bound[ox.Variable("claim")] = ox.NamedNode(claim)
    result = store.query(query, substitutions=bound or None)
    assert isinstance(result, ox.QuerySolutions)  # a SELECT
    return result


def store_messages(store: ox.Store, claims: Iterable[str] | None = None) -> list[ClaimMessage]:
    """The claims of a store (or only ``claims``) with their article and quote; a claim with
    several evidence spans has the quote of the first span by IRI (as :func:`claim_messages`)."""
    wanted = set(claims) if claims is not None else None
    if wanted is None or len(wanted) > _BOUND_QUERIES:  # one pass over the store is cheaper
        runs = [_solutions(store, _STORE_MESSAGES)]
    else:
        runs = [_solutions(store, _STORE_MESSAGES, c) for c in sorted(wanted)]
    first: dict[str, tuple[str, str, str]] = {}
    for solutions in runs:
        for r in solutions:
            claim, span, article, text = (cast(ox.NamedNode | ox.Literal, r[v]).value for v in _MESSAGE_VARS)
            if wanted is not None and claim not in wanted:
                continue
            if claim not in first or (span, article, text) < first[claim]:
                first[claim] = (span, article, text)
    return [ClaimMessage(c, article, text) for c, (_, article, text) in sorted(first.items())]


# -- the message table: every version's folded words beside its search index -------------------
#
# A refresh after a write looks up only the claims that share rare words with the changed ones
# (and, where a word became common or rare, the pairs that share it) instead of reading every
# quote of the store. The store layer keeps these two tables in each version's search index file
# (graph/store/search/index.py), written from that version's own content.

MESSAGE_TABLES = (
    "CREATE TABLE IF NOT EXISTS messages (claim TEXT PRIMARY KEY, article TEXT NOT NULL, words TEXT NOT NULL)"
    " WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS message_words (word TEXT NOT NULL, claim TEXT NOT NULL, PRIMARY KEY (word, claim))"
    " WITHOUT ROWID",
)
_CHUNK = 500  # bound values per statement (SQLite allows 32766; smaller keeps statements cheap)


def has_message_table(conn: sqlite3.Connection) -> bool:
    found = conn.execute("SELECT count(*) FROM sqlite_master WHERE name IN ('messages', 'message_words')")
    return bool(found.fetchone()[0] == 2)


def write_messages(conn: sqlite3.Connection, messages: Iterable[ClaimMessage], replacing: Iterable[str] = ()) -> int:
    """Put ``messages`` into the message tables of ``conn`` (created if missing), after taking
    out the rows of the claims ``replacing`` (those a write changed). Returns the rows written."""
    for statement in MESSAGE_TABLES:
        conn.execute(statement)
    gone = sorted(set(replacing))
    for i in range(0, len(gone), _CHUNK):
        part = gone[i : i + _CHUNK]
        marks = ", ".join("?" * len(part))
        conn.execute(f"DELETE FROM message_words WHERE claim IN ({marks})", part)
        conn.execute(f"DELETE FROM messages WHERE claim IN ({marks})", part)
    rows = [(m.claim, m.article, words(m.text)) for m in messages if m.text.strip()]
    conn.executemany("INSERT INTO messages VALUES (?, ?, ?)", [(c, a, " ".join(ws)) for c, a, ws in rows])
    conn.executemany("INSERT INTO message_words VALUES (?, ?)", [(w, c) for c, _, ws in rows for w in _keys(ws)])
    return len(rows)


class _Table:
    """Reads the message tables of the version before a write."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _chunks(self, sql: str, values: Iterable[str]) -> Iterator[tuple[Any, ...]]:
        items = sorted(set(values))
        for i in range(0, len(items), _CHUNK):
            part = items[i : i + _CHUNK]
            yield from self.conn.execute(sql.format(", ".join("?" * len(part))), part)

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM messages").fetchone()[0])

    def rows(self, claims: Iterable[str]) -> dict[str, tuple[str, list[str]]]:
        sql = "SELECT claim, article, words FROM messages WHERE claim IN ({})"
        return {c: (a, ws.split()) for c, a, ws in self._chunks(sql, claims)}

    def claims_per_word(self, ws: Iterable[str]) -> dict[str, int]:
        sql = "SELECT word, count(*) FROM message_words WHERE word IN ({}) GROUP BY word"
        return {w: n for w, n in self._chunks(sql, ws)}

    def postings(self, ws: Iterable[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for w, c in self._chunks("SELECT word, claim FROM message_words WHERE word IN ({})", ws):
            out[w].add(c)
        return out

    def words_in_claims_between(self, low: int, high: int) -> set[str]:
        """The words in more than ``low`` and at most ``high`` claims."""
        sql = "SELECT word FROM message_words GROUP BY word HAVING count(*) > ? AND count(*) <= ?"
        return {w for (w,) in self.conn.execute(sql, (low, high))}


def _changed_pairs(
    table: _Table, new: dict[str, tuple[str, list[str]]], changed: set[str], threshold: float
) -> tuple[list[MessageMatch], set[tuple[str, str]]]:
    """The matches a full recomputation finds among the pairs a write can have changed, and
    those pairs of unchanged claims (their old matches are replaced by what is found).

    ``new`` are the messages of the ``changed`` claims after the write; the table holds every
    message before it. A pair with a changed claim is a candidate as in
    :func:`same_message_pairs`. A pair of two unchanged claims keeps its texts, hence its
    similarity; only the count of rare words it shares can change, when one of them became rare
    or common (its count of claims, or the cap, moved): such pairs are counted again."""
    old = table.rows(changed)
    n_before = table.count()
    n_after = n_before - len(old) + len(new)
    cap_before, cap_after = _cap(n_before), _cap(n_after)
    delta: dict[str, int] = defaultdict(int)
    for _, ws in old.values():
        for w in _keys(ws):
            delta[w] -= 1
    for _, ws in new.values():
        for w in _keys(ws):
            delta[w] += 1
    before = table.claims_per_word(delta)
    after = {w: before.get(w, 0) + d for w, d in delta.items()}
    flipped = {w for w in delta if (before.get(w, 0) <= cap_before) != (after[w] <= cap_after)}
    if cap_before != cap_after:  # words whose count stayed but the cap moved past it
        flipped |= table.words_in_claims_between(min(cap_before, cap_after), max(cap_before, cap_after)) - set(delta)
    rare_new = {w for w, n in after.items() if n <= cap_after}
    new_words = {c: _keys(ws) for c, (_, ws) in new.items()}
    looked_up = rare_new | flipped
    postings: dict[str, set[str]] = defaultdict(set)
    for w, claims in table.postings(looked_up).items():
        postings[w] = claims - changed  # the changed claims' words are those they have now
    for c, keys in new_words.items():
        for w in keys & looked_up:
            postings[w].add(c)
    # pairs with a changed claim: counted over the changed claim's rare words
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for a, keys in new_words.items():
        for w in keys & rare_new:
            for b in postings.get(w, ()):
                if b != a and (b not in new or a < b):
                    shared[(min(a, b), max(a, b))] += 1
    # pairs of unchanged claims that share a word whose rarity changed
    redo: set[tuple[str, str]] = set()
    for w in flipped:
        members = sorted(c for c in postings.get(w, ()) if c not in changed)
        redo.update(combinations(members, 2))
    texts = dict(new)
    texts.update(table.rows({c for pair in [*shared, *redo] for c in pair} - set(new)))
    if redo:
        common = {pair: _keys(texts[pair[0]][1]) & _keys(texts[pair[1]][1]) for pair in redo}
        counts = dict(table.claims_per_word(set().union(*common.values()) - set(after)))
        counts.update(after)
        for pair, both in common.items():
            shared[pair] = sum(1 for w in both if counts.get(w, 0) <= cap_after)
    found = []
    for (a, b), count in shared.items():
        (article_a, wa), (article_b, wb) = texts[a], texts[b]
        match = _match(a, article_a, wa, b, article_b, wb, count, threshold)
        if match is not None:
            found.append(match)
    return sorted(found, key=lambda m: (m.first, m.second)), redo


def _match_quads(mint: IriMinter, matches: Iterable[MessageMatch]) -> list[ox.Quad]:
    cg = CG_NS
    quads = []
    for match in matches:
        a, b = ox.NamedNode(match.first), ox.NamedNode(match.second)
        node = ox.NamedNode(
            str(mint("message-match", hashlib.sha256(f"{match.first} {match.second}".encode()).hexdigest()[:16]))
        )
        quads += [
            ox.Quad(a, ox.NamedNode(cg + "sameMessageAs"), b),
            ox.Quad(b, ox.NamedNode(cg + "sameMessageAs"), a),
            ox.Quad(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(cg + "MessageMatch")),
            ox.Quad(node, ox.NamedNode(cg + "matchedClaim"), a),
            ox.Quad(node, ox.NamedNode(cg + "matchedClaim"), b),
            ox.Quad(
                node,
                ox.NamedNode(cg + "messageSimilarity"),
                ox.Literal(f"{match.similarity:.3f}", datatype=ox.NamedNode(XSD_DECIMAL)),
            ),
        ]
    return quads


def refresh_same_message(
    store: ox.Store,
    mint: IriMinter,
    threshold: float = THRESHOLD,
    changed: set[str] | None = None,
    before: Path | None = None,
) -> int:
    """Recompute the ``cg:sameMessageAs`` of an Oxigraph store from its claims' quotes (for
    incremental ingest, inside the write that changes the articles). Returns the matches written.

    With ``changed`` (every claim the write added, removed or replaced) and ``before`` (an
    SQLite file whose message tables hold the store as it was before the write: the search
    index of the version the write started from), only the pairs the write can have changed
    are computed again, from the messages sharing rare words with them; the result is the one
    a full recomputation gives. Otherwise (or when ``before`` has no message tables) every
    match is recomputed from every quote of the store."""
    conn = None
    if changed is not None and before is not None and before.exists():
        conn = sqlite3.connect(before.absolute().as_uri() + "?mode=ro&immutable=1", uri=True)
        if not has_message_table(conn):
            conn.close()
            conn = None
    try:
        if conn is None:
            redo: set[tuple[str, str]] | None = None
            changed = None
            matches = same_message_pairs(store_messages(store), threshold)
        else:
            assert changed is not None
            new = {m.claim: (m.article, words(m.text)) for m in store_messages(store, changed) if m.text.strip()}
            matches, redo = _changed_pairs(_Table(conn), new, changed, threshold)
    finally:
        if conn is not None:
            conn.close()
    old = [ox.Quad(r["s"], r["p"], r["o"]) for r in _solutions(store, _STORE_OLD_MATCHES)]
    if changed is not None:
        assert redo is not None

        def named(term: object) -> str | None:  # the claims are IRIs
            return term.value if isinstance(term, ox.NamedNode) else None

        by_node: dict[object, list[str]] = defaultdict(list)
        for q in old:
            if q.predicate.value == CG_MATCHED and named(q.object) is not None:
                by_node[q.subject].append(str(named(q.object)))
        match_nodes = {
            node for node, claims in by_node.items() if changed.intersection(claims) or tuple(sorted(claims)) in redo
        }
        old = [
            q
            for q in old
            if q.subject in match_nodes
            or (
                q.predicate.value == CG_SAME
                and (
                    named(q.subject) in changed
                    or named(q.object) in changed
                    or tuple(sorted((str(named(q.subject)), str(named(q.object))))) in redo
                )
            )
        ]
    for quad in old:
        store.remove(quad)
    store.extend(_match_quads(mint, matches))
    return len(matches)
