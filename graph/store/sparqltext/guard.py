"""Checks on SPARQL text before the engine sees it.

Oxigraph's parser and optimiser recurse over the query: about 2 500 nested groups, or about
10 000 chained operators (``{..} UNION {..} UNION ...``, ``1+1+...``), overflow the stack and
abort the whole process (seen with pyoxigraph 0.5.13). Query executors are isolated processes,
so such a crash costs one request; these checks turn the known cases into a clear 400 instead.
They also refuse ``SERVICE`` (and, for updates, ``LOAD``) unless allowed: both make the server
fetch a URL a client chose, which would let anyone reach internal addresses.

The checks work on tokens, not on a parse: comments, strings and IRIs are skipped as a SPARQL
lexer would, so ``"SERVICE"`` inside a string or an IRI is no keyword, and a bracket inside a
string does not count as nesting. A tokenizer is enough here and cannot itself be made to
recurse.
"""

from __future__ import annotations

from dataclasses import dataclass

from claimgraph.graph.store.base import QueryRejected
from claimgraph.graph.store.sparqltext.search_calls import SERVICE_IRI, service_use
from claimgraph.graph.store.sparqltext.tokens import tokens

#: Deepest nesting of ``{ ( [`` accepted. Real queries stay under ~30; the parser dies near 2 500.
MAX_DEPTH = 256
#: Most binary operators and group joins accepted in one request (the engine dies near 10 000).
MAX_OPERATORS = 2_000

_OPEN = "{(["
_CLOSE = "})]"
_OPERATOR_KEYWORDS = {"UNION", "MINUS", "OPTIONAL"}


@dataclass(frozen=True)
class Shape:
    """What the checks need to know about a request's text."""

    depth: int
    operators: int
    keywords: frozenset[str]

    @property
    def names_dataset(self) -> bool:
        """True when an update names its own dataset (``USING``, ``USING NAMED`` or ``WITH``)."""
        return bool({"USING", "WITH"} & self.keywords)


def shape(text: str) -> Shape:
    """Nesting depth, operator count and the (upper-cased) keywords used in ``text``."""
    depth = max_depth = operators = 0
    keywords: set[str] = set()
    for tok in tokens(text):
        if tok.kind == "punct":
            if tok.text in _OPEN:
                depth += 1
                max_depth = max(max_depth, depth)
            elif tok.text in _CLOSE:
                depth = max(depth - 1, 0)
        elif tok.kind == "op":
            operators += 1
        elif tok.kind == "name" and ":" not in tok.text:
            word = tok.text.upper()
            keywords.add(word)
            if word in _OPERATOR_KEYWORDS:
                operators += 1
    return Shape(max_depth, operators, frozenset(keywords))


@dataclass(frozen=True)
class Limits:
    """How deep and how long a request may be (configurable for tests and odd workloads)."""

    max_depth: int = MAX_DEPTH
    max_operators: int = MAX_OPERATORS



def _check_size(s: Shape, limits: Limits) -> None:
    if s.depth > limits.max_depth:
        raise QueryRejected(
            f"the request nests brackets {s.depth} levels deep; at most {limits.max_depth} are accepted"
        )
    if s.operators > limits.max_operators:
        raise QueryRejected(
            f"the request chains {s.operators} operators; at most {limits.max_operators} are accepted "
            "(use VALUES for long lists of alternatives)"
        )


_OPERATOR_CHARS = "&|!=<>^-+*/"


def _surely_small(text: str, limits: Limits) -> bool:
    """True when plain character counts already prove ``text`` within the limits.

    Every bracket, operator and keyword token is also a character (or word) in the text, so
    counts over the raw text are upper bounds of the token counts; most queries pass this at C
    speed and never need the tokenizer."""
    if sum(text.count(c) for c in _OPEN) > limits.max_depth:
        return False
    upper = text.upper()
    words = sum(upper.count(w) for w in _OPERATOR_KEYWORDS)
    return sum(text.count(c) for c in _OPERATOR_CHARS) + words <= limits.max_operators and "SERVICE" not in upper


def check_query(text: str, allow_service: bool = False, limits: Limits = Limits()) -> None:
    """Refuse a query the engine must not see (too deep, too long, SERVICE not allowed)."""
    if _surely_small(text, limits):
        return
    s = shape(text)
    _check_size(s, limits)
    if not allow_service and "SERVICE" in s.keywords and service_use(text).others:
        # claimgraph's own search service is answered locally (see search_calls); any other
        # SERVICE would make the server fetch a URL a client chose.
        raise QueryRejected(
            f"SERVICE (federated queries) is disabled on this server; only <{SERVICE_IRI}> is answered"
        )


def check_update(
    text: str, allow_load: bool = False, allow_service: bool = False, limits: Limits = Limits()
) -> Shape:
    """Refuse an update the engine must not see (too deep, LOAD or SERVICE not allowed)."""
    s = shape(text)
    _check_size(s, limits)
    if not allow_load and "LOAD" in s.keywords:
        raise QueryRejected("LOAD is disabled on this server: upload the data with the Graph Store Protocol instead")
    if not allow_service and "SERVICE" in s.keywords:
        raise QueryRejected("SERVICE (federated queries) is disabled on this server")
    return s


def uses_dataset_clause(text: str) -> bool:
    """True when an update names its own dataset (``USING``, ``USING NAMED`` or ``WITH``)."""
    return shape(text).names_dataset
