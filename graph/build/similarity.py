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
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations

import pyoxigraph as ox
from rdflib import RDF, XSD, Graph, Literal, URIRef

from claimgraph.graph.build.iris import IriMinter
from claimgraph.ontology import CG, OA, SCHEMA

RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")

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


def same_message_pairs(
    messages: Iterable[ClaimMessage], threshold: float = THRESHOLD, only: set[str] | None = None
) -> list[MessageMatch]:
    """Every pair of claims of different articles whose texts are at least ``threshold`` alike;
    with ``only``, just the pairs with at least one claim of ``only`` (the word statistics are
    still those of all ``messages``, so these pairs are exactly those a full run finds)."""
    items = [(m, words(m.text)) for m in messages if m.text.strip()]
    by_word: dict[str, list[int]] = defaultdict(list)
    for i, (_, ws) in enumerate(items):
        for w in set(ws):
            if len(w) > 2:
                by_word[w].append(i)
    cap = max(MIN_WORD_CLAIMS_CAP, int(len(items) ** 0.5))
    shared: dict[tuple[int, int], int] = defaultdict(int)
    if only is None:
        for ids in by_word.values():
            if len(ids) > cap:
                continue
            for a, b in combinations(ids, 2):
                shared[(a, b)] += 1
    else:  # the folded-word index gives the candidates of the changed claims only
        changed = {i for i, (m, _) in enumerate(items) if m.claim in only}
        for a in changed:
            for w in set(items[a][1]):
                ids = by_word.get(w, [])
                if len(w) <= 2 or len(ids) > cap:
                    continue
                for b in ids:
                    if b != a and (b not in changed or a < b):
                        shared[(min(a, b), max(a, b))] += 1
    found = []
    for (a, b), count in shared.items():
        (ma, wa), (mb, wb) = items[a], items[b]
        if ma.article == mb.article or (count < 2 and min(len(wa), len(wb)) > 2):
            continue
        matcher = SequenceMatcher(None, wa, wb, autojunk=False)
        # The quick ratios are upper bounds of ratio(): most candidates stop there.
        if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
            continue
        similarity = matcher.ratio()
        if similarity >= threshold:
            first, second = sorted((ma.claim, mb.claim))
            found.append(MessageMatch(first, second, round(similarity, 3)))
    return sorted(found, key=lambda m: (m.first, m.second))


def claim_messages(g: Graph) -> list[ClaimMessage]:
    """The claims of a built graph with their article and text (see the module doc)."""
    out = []
    for claim in sorted(set(g.subjects(RDF.type, CG.Claim)), key=str):
        article = None
        text = ""
        for span in g.objects(claim, CG.evidence):
            text = text or str(next(g.objects(span, OA.exact), ""))
            for file in g.objects(span, CG.inFile):
                article = article or next(g.objects(file, SCHEMA.encodesCreativeWork), None)
        if not text:
            for prop in g.objects(claim, CG.proposition):
                labels = {lit.language: str(lit) for lit in g.objects(prop, RDFS_LABEL) if isinstance(lit, Literal)}
                text = labels.get("de") or next(iter(labels.values()), "")
        if article is not None:
            out.append(ClaimMessage(str(claim), str(article), text))
    return out


def add_same_message(g: Graph, mint: IriMinter, threshold: float = THRESHOLD) -> int:
    """Write ``cg:sameMessageAs`` (both ways) and a ``cg:MessageMatch`` for every match in ``g``."""
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
SELECT ?claim ?article ?text WHERE {
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


CG_MATCHED = str(CG.matchedClaim)
CG_SAME = str(CG.sameMessageAs)


def _solutions(store: ox.Store, query: str) -> ox.QuerySolutions:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)  # a SELECT
    return result


def refresh_same_message(
    store: ox.Store, mint: IriMinter, threshold: float = THRESHOLD, changed: set[str] | None = None
) -> int:
    """Recompute the ``cg:sameMessageAs`` of an Oxigraph store from its claims' quotes (for
    incremental ingest, inside the write that changes the articles). Returns the matches written.

    With ``changed`` (the claims a write added, removed or replaced), only their matches are
    taken out and computed again, against every claim of the store; the matches between two
    unchanged claims stay. Without it, every match is recomputed."""
    old = [ox.Quad(r["s"], r["p"], r["o"]) for r in _solutions(store, _STORE_OLD_MATCHES)]
    if changed is not None:

        def named(term: object) -> str | None:  # the claims are IRIs
            return term.value if isinstance(term, ox.NamedNode) else None

        match_nodes = {q.subject for q in old if q.predicate.value == CG_MATCHED and named(q.object) in changed}
        old = [
            q
            for q in old
            if q.subject in match_nodes
            or (q.predicate.value == CG_SAME and (named(q.subject) in changed or named(q.object) in changed))
        ]
    for quad in old:
        store.remove(quad)
    messages = [
        ClaimMessage(r["claim"].value, r["article"].value, r["text"].value) for r in _solutions(store, _STORE_MESSAGES)
    ]
    first_quote: dict[str, ClaimMessage] = {}
    for m in messages:  # a claim with several spans: its first quote, as the build takes it
        first_quote.setdefault(m.claim, m)
    matches = same_message_pairs(first_quote.values(), threshold, only=changed)
    cg = "https://w3id.org/claimgraph/ontology#"
    quads = []
    for match in matches:
        a, b = ox.NamedNode(match.first), ox.NamedNode(match.second)
        node = ox.NamedNode(
            str(mint("message-match", hashlib.sha256(f"{match.first} {match.second}".encode()).hexdigest()[:16]))
        )
        quads += [
            ox.Quad(a, ox.NamedNode(cg + "sameMessageAs"), b),
            ox.Quad(b, ox.NamedNode(cg + "sameMessageAs"), a),
            ox.Quad(node, ox.NamedNode(str(RDF.type)), ox.NamedNode(cg + "MessageMatch")),
            ox.Quad(node, ox.NamedNode(cg + "matchedClaim"), a),
            ox.Quad(node, ox.NamedNode(cg + "matchedClaim"), b),
            ox.Quad(
                node,
                ox.NamedNode(cg + "messageSimilarity"),
                ox.Literal(f"{match.similarity:.3f}", datatype=ox.NamedNode(str(XSD.decimal))),
            ),
        ]
    store.extend(quads)
    return len(matches)
