"""The protocol's ``using-graph-uri`` / ``using-named-graph-uri`` for engines without them.

SPARQL 1.1 Protocol §2.2.3: these parameters give the dataset of every operation that has a
``WHERE`` clause, exactly as ``USING`` / ``USING NAMED`` clauses would. pyoxigraph's
``Store.update`` takes no dataset, so the clauses are written into the update text: before the
``WHERE`` of each ``DELETE/INSERT ... WHERE`` operation, and ``DELETE WHERE { P }`` becomes the
equivalent ``DELETE { P } USING ... WHERE { P }`` (``DELETE WHERE`` has no room for ``USING``).

The only text added is IRIs checked by :class:`pyoxigraph.NamedNode` and written in its
canonical ``<...>`` form, so nothing a client sends can change the structure of the update.
The scan is a tokenizer (strings, IRIs and comments are skipped as a SPARQL lexer would), and a
request that already names its own dataset (``USING``/``WITH``) is refused, as the protocol asks.

A clause put in the wrong place runs the update against another dataset, so the scan fails
closed where the engine's PEG parser may read the text differently from the tokenizer (see
:mod:`.guard`): text after an ambiguous ``<`` inside an expression, an operation keyword glued to
the next word (the engine reads ``DELETEWHERE`` as ``DELETE WHERE``), or ``USING``/``WITH`` glued
to anything. Such an update is refused with the reason; written with spaces it is accepted.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from claimgraph.graph.store.base import QueryRejected
from claimgraph.graph.store.sparqltext.guard import keyword_risk, unsure_from
from claimgraph.graph.store.sparqltext.tokens import tokens

#: The words an update operation can begin with (SPARQL 1.1 Update, section 3).
_OPERATIONS = {"LOAD", "CLEAR", "DROP", "ADD", "MOVE", "COPY", "CREATE", "INSERT", "DELETE"}
_PARAMS = "using-graph-uri / using-named-graph-uri"


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(kind, upper-cased text, start, end) of each token, without white space and comments."""
    return [(t.kind, t.text.upper(), t.start, t.end) for t in tokens(text)]


def _keyword(tok: tuple[str, str, int, int], word: str) -> bool:
    return tok[0] == "name" and tok[1] == word


def apply_using(update: str, using_graph_uris: Sequence[str], using_named_graph_uris: Sequence[str]) -> str:
    """``update`` with the protocol's dataset written in as USING clauses (see module doc)."""
    if not using_graph_uris and not using_named_graph_uris:
        return update
    try:
        clauses = " ".join(
            [f"USING {ox.NamedNode(u)}" for u in using_graph_uris]
            + [f"USING NAMED {ox.NamedNode(u)}" for u in using_named_graph_uris]
        )
    except ValueError as exc:
        raise QueryRejected(f"{_PARAMS}: {exc}") from None
    _check_readable(update)
    toks = _tokens(update)
    inserts: list[tuple[int, int, str]] = []  # (start, end, replacement) spans of the text
    depth = 0
    op_start = True  # the next top-level keyword starts an operation
    i = 0
    while i < len(toks):
        kind, word, start, _ = toks[i]
        if kind == "punct" and word == "{":
            depth += 1
        elif kind == "punct" and word == "}":
            depth -= 1
        elif depth != 0:
            pass
        elif kind == "punct" and word == ";":
            op_start = True
        elif kind == "name" and word == "PREFIX":
            i += 3  # PREFIX pname: <iri>
            continue
        elif kind == "name" and word == "BASE":
            i += 2
            continue
        elif op_start and kind == "name":
            if word not in _OPERATIONS:
                raise QueryRejected(
                    f"{_PARAMS}: the operation at offset {start} does not begin with an update keyword "
                    f"({toks[i][1][:40]!r}); separate the keyword from what follows it with a space"
                )
            op_start = False
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if word not in ("DELETE", "INSERT") or (nxt is not None and _keyword(nxt, "DATA")):
                pass  # LOAD, CLEAR, ..., INSERT DATA, DELETE DATA: no WHERE, nothing to do
            elif word == "DELETE" and nxt is not None and _keyword(nxt, "WHERE"):
                close = _matching_brace(toks, i + 2)
                pattern = update[toks[i + 2][2] : toks[close][3]]
                inserts.append((start, toks[close][3], f"DELETE {pattern} {clauses} WHERE {pattern}"))
                i = close + 1
                continue
            else:
                where = _next_top_level_where(toks, i + 1)
                inserts.append((toks[where][2], toks[where][2], clauses + " "))
        i += 1
    for start, end, text in reversed(inserts):
        update = update[:start] + text + update[end:]
    return update


def _check_readable(update: str) -> None:
    """Refuse text whose operations the tokenizer may not split as the engine does."""
    horizon, why = unsure_from(list(tokens(update)), update)
    if horizon < len(update):
        raise QueryRejected(f"{_PARAMS}: cannot place the USING clauses with certainty because of {why}")
    for word in ("USING", "WITH"):
        if (risk := keyword_risk(update, word)) is not None:
            raise QueryRejected(
                f"{_PARAMS} cannot be combined with an update that has its own USING, USING NAMED "
                f"or WITH clause ({risk})"
            )


def _matching_brace(toks: list[tuple[str, str, int, int]], i: int) -> int:
    if i >= len(toks) or toks[i][1] != "{":
        raise QueryRejected("DELETE WHERE must be followed by a { pattern }")
    depth = 0
    for j in range(i, len(toks)):
        if toks[j][0] == "punct" and toks[j][1] == "{":
            depth += 1
        elif toks[j][0] == "punct" and toks[j][1] == "}":
            depth -= 1
            if depth == 0:
                return j
    raise QueryRejected("unbalanced braces in the update")


def _next_top_level_where(toks: list[tuple[str, str, int, int]], i: int) -> int:
    depth = 0
    for j in range(i, len(toks)):
        kind, word = toks[j][0], toks[j][1]
        if kind == "punct" and word == "{":
            depth += 1
        elif kind == "punct" and word == "}":
            depth -= 1
        elif depth == 0 and kind == "name" and word == "WHERE":
            return j
        elif depth == 0 and kind == "punct" and word == ";":
            break
    raise QueryRejected("a DELETE/INSERT operation needs a WHERE clause")
