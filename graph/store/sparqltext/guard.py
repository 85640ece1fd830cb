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
recurse. (pyoxigraph 0.5 does not expose its parser, so the parsed form is not available.)

The SERVICE / LOAD decision fails closed, because Oxigraph's parser is a PEG, not a tokenizer,
and reads differently from one in places: it matches keywords without a word boundary
(``trueSERVICE<u>{}`` is ``true`` then ``SERVICE``; ``SERVICEex:x`` is ``SERVICE ex:x``), and
inside an expression ``<`` may be a less-than where a tokenizer sees an IRI (``?a<?b#>`` is a
comparison followed by a comment). So every case-insensitive occurrence of the word in the raw
text is refused unless it lies wholly inside a string, an IRI, a comment, a variable name or the
local part of a prefixed name, *and* the text before it reads one way only: nothing the
tokenizer cannot classify, and no IRI holding ``#`` or ``'`` inside parentheses (the only place
a ``<`` can be an operator). See docs/security.md for what this refuses that a reader may
question.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from claimgraph.graph.store.base import QueryRejected
from claimgraph.graph.store.sparqltext.search_calls import service_use
from claimgraph.graph.store.sparqltext.tokens import all_tokens, tokens

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


#: Tokens inside which the engine never reads a keyword (their extent is the same for both).
_INERT = {"string", "iri", "comment", "var"}


def unsure_from(toks: list, text: str) -> tuple[int, str]:
    """Offset from which the tokenizer's reading may differ from the engine's, and why."""
    depth = 0
    for tok in toks:
        if tok.kind == "error":
            return tok.start, f"the character {tok.text!r} at offset {tok.start}, which is not SPARQL"
        if tok.text == "(" and tok.kind == "punct":
            depth += 1
        elif tok.text == ")" and tok.kind == "punct":
            depth = max(depth - 1, 0)
        elif tok.kind == "iri" and depth > 0 and ("#" in tok.text or "'" in tok.text):
            return tok.start, (
                f"the IRI {tok.text[:60]!r} at offset {tok.start}, which inside an expression may also "
                "read as a comparison (write it as a prefixed name)"
            )
    return len(text), ""


def keyword_risk(text: str, word: str, answered_here: frozenset[int] = frozenset()) -> str | None:
    """Why the engine might read ``word`` (SERVICE, LOAD) in ``text`` as its keyword; None if it cannot.

    Fails closed: an occurrence is harmless only where the tokenizer's reading is certain to be
    the engine's (see the module's docstring). ``answered_here``: offsets of ``SERVICE`` tokens
    that open claimgraph's own search blocks; the executor replaces each whole block by a
    ``VALUES`` block before the engine runs, so the engine never reads them."""
    found = [m.start() for m in re.finditer(word, text, re.IGNORECASE)]
    if not found:
        return None
    toks = list(all_tokens(text))
    horizon, why = unsure_from(toks, text)
    starts = [tok.start for tok in toks]
    for at in found:
        if at >= horizon:
            return f"{word} occurs after {why}"
        i = bisect_right(starts, at) - 1
        tok = toks[i] if i >= 0 else None
        if tok is None or at + len(word) > tok.end:
            return f"{word} at offset {at} is a keyword"
        if tok.kind in _INERT:
            continue
        if at in answered_here and tok.kind == "name" and tok.start == at and tok.end == at + len(word):
            continue  # a search block (search_calls), read by the same tokenizer as the rewrite
        if tok.kind == "name" and ":" in tok.text[: at - tok.start]:
            continue  # in the local part of a prefixed name, which the engine reads to its end
        return f"{word} at offset {at} is a keyword (or glued to one: {tok.text[:40]!r})"
    return None


_SERVICE_OFF = (
    "SERVICE (federated queries) is disabled on this server; only claimgraph's own search "
    "service <https://w3id.org/claimgraph/search> is answered"
)
_LOAD_OFF = "LOAD is disabled on this server: upload the data with the Graph Store Protocol instead"


def _refuse(message: str, why: str) -> QueryRejected:
    return QueryRejected(message if " is a keyword" in why else f"{message} ({why})")


def check_query(text: str, allow_service: bool = False, limits: Limits = Limits()) -> None:
    """Refuse a query the engine must not see (too deep, too long, SERVICE not allowed)."""
    if _surely_small(text, limits):
        return
    s = shape(text)
    _check_size(s, limits)
    if not allow_service and (why := keyword_risk(text, "SERVICE", _search_blocks(text))):
        raise _refuse(_SERVICE_OFF, why)


def _search_blocks(text: str) -> frozenset[int]:
    """Where the ``SERVICE`` of each claimgraph search block stands (a malformed block is a 400)."""
    return frozenset(call.start for call in service_use(text).calls)


def check_update(text: str, allow_load: bool = False, allow_service: bool = False, limits: Limits = Limits()) -> Shape:
    """Refuse an update the engine must not see (too deep, LOAD or SERVICE not allowed)."""
    s = shape(text)
    _check_size(s, limits)
    if not allow_load and (why := keyword_risk(text, "LOAD")):
        raise _refuse(_LOAD_OFF, why)
    if not allow_service and (why := keyword_risk(text, "SERVICE")):
        raise _refuse(_SERVICE_OFF, why)
    return s


def uses_dataset_clause(text: str) -> bool:
    """True when an update names its own dataset (``USING``, ``USING NAMED`` or ``WITH``)."""
    return shape(text).names_dataset
