"""Answer ``SERVICE <https://w3id.org/claimgraph/search>`` blocks before the engine runs.

Each block (see :mod:`sparqltext.search_calls`) is replaced by a ``VALUES`` block of its hits:
the claim, its score and its snippet as bound values. The engine then joins them with the rest
of the query like any other pattern ("claims mentioning Starlink by speakers who also deny
something" is one query). The values are pyoxigraph terms written in N-Triples syntax, never
the user's raw text. No hits gives an empty ``VALUES``: the block then matches nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from claimgraph.graph.store.search.index import MAX_HITS, Hit
from claimgraph.graph.store.sparqltext.search_calls import SearchCall

#: Hits a search block yields unless it says ``cg:limit N`` (N up to MAX_HITS): the best
#: hundred by score. Each hit is a row the engine joins; a common word matches most claims.
DEFAULT_HITS = 100

_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")


def values_block(call: SearchCall, hits: list[Hit]) -> str:
    """The ``VALUES`` block that stands for one search block."""
    names: list[str] = []
    if call.subject.startswith("?"):
        names.append(call.subject)
    else:
        hits = [h for h in hits if f"<{h.claim}>" == call.subject]
    if call.score:
        names.append("?" + call.score)
    if call.snippet:
        names.append("?" + call.snippet)
    rows = []
    for hit in hits:
        terms: list[ox.NamedNode | ox.Literal] = []
        if call.subject.startswith("?"):
            terms.append(ox.NamedNode(hit.claim))
        if call.score:
            terms.append(ox.Literal(repr(float(hit.score)), datatype=_DOUBLE))
        if call.snippet:
            terms.append(ox.Literal(hit.snippet))
        rows.append("(" + " ".join(str(t) for t in terms) + ")")
    return f"VALUES ({' '.join(names)}) {{ {' '.join(rows)} }}"


def rewrite(text: str, calls: list[SearchCall], lookup: Callable[[str, int], list[Hit]]) -> str:
    """``text`` with every search block replaced by the VALUES of ``lookup(search, limit)``."""
    for call in sorted(calls, key=lambda c: c.start, reverse=True):
        limit = min(call.limit if call.limit is not None else DEFAULT_HITS, MAX_HITS)
        text = text[: call.start] + values_block(call, lookup(call.text, limit)) + text[call.end :]
    return text
