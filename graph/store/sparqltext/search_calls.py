"""Find ``SERVICE <https://w3id.org/claimgraph/search> { ... }`` blocks in SPARQL text.

claimgraph answers this one service itself, from its full-text index, by writing the hits into
the query as a ``VALUES`` block before the engine runs; every other ``SERVICE`` stays refused by
the guard. The block holds one subject with these predicates (``cg:`` is claimgraph's ontology,
written as a prefixed name or a full IRI)::

    SERVICE <https://w3id.org/claimgraph/search> {
        ?claim cg:matches "Starlink" ;       # required: the search (a string literal)
               cg:score ?score ;             # optional: bm25 relevance, higher is better
               cg:snippet ?snippet ;         # optional: excerpt, matched words in <mark>
               cg:limit 500 .                # optional: most hits (default 100, at most 1000)
    }

Read with the shared tokenizer, so braces and keywords inside strings and IRIs are no syntax.
Anything else inside the block is refused with the reason (a 400), never passed on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from claimgraph.graph.store.base import QueryRejected
from claimgraph.graph.store.sparqltext.tokens import Token, tokens

SERVICE_IRI = "https://w3id.org/claimgraph/search"
CG = "https://w3id.org/claimgraph/ontology#"
_PREDICATES = {CG + "matches": "matches", CG + "score": "score", CG + "snippet": "snippet", CG + "limit": "limit"}


@dataclass(frozen=True)
class SearchCall:
    """One search block: where it stands in the text and what it asks."""

    start: int  # offset of SERVICE
    end: int  # offset just after the block's closing brace
    subject: str  # "?claim" (a variable) or "<iri>"
    text: str
    score: str | None  # variable name without "?"
    snippet: str | None
    limit: int | None


@dataclass(frozen=True)
class ServiceUse:
    """Every SERVICE in a query: our search blocks, and whether any other service is named."""

    calls: list[SearchCall]
    others: bool


_ECHAR = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _string_value(raw: str) -> str:
    quote = 3 if raw[:3] in ('"""', "'''") else 1
    body = raw[quote:-quote]

    def unescape(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code in _ESCAPES:
            return _ESCAPES[code]
        raise QueryRejected(f"search service: invalid escape \\{code} in the search string")

    return _ECHAR.sub(unescape, body)


def _resolve(tok: Token, prefixes: dict[str, str]) -> str | None:
    """The IRI a token names (``<iri>`` or ``prefix:local``), or None."""
    if tok.kind == "iri":
        return tok.text[1:-1]
    if tok.kind == "name" and ":" in tok.text:
        prefix, _, local = tok.text.partition(":")
        base = prefixes.get(prefix)
        return None if base is None else base + local
    return None


def _closing(toks: list[Token], i: int) -> int:
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].kind == "punct" and toks[j].text == "{":
            depth += 1
        elif toks[j].kind == "punct" and toks[j].text == "}":
            depth -= 1
            if depth == 0:
                return j
    raise QueryRejected("search service: the block's '{' is never closed")


def _parse_block(body: list[Token], prefixes: dict[str, str]) -> tuple[str, dict[str, Token]]:
    if not body:
        raise QueryRejected('search service: the block is empty; write ?claim cg:matches "words"')
    subject = body[0]
    if subject.kind == "var":
        subject_text = "?" + subject.text[1:]
    elif (iri := _resolve(subject, prefixes)) is not None:
        subject_text = f"<{iri}>"
    else:
        raise QueryRejected(f"search service: the subject must be a variable or an IRI, not {subject.text!r}")
    found: dict[str, Token] = {}
    i = 1
    while i < len(body):
        pred = body[i]
        name = _PREDICATES.get(_resolve(pred, prefixes) or "")
        if name is None:
            raise QueryRejected(
                f"search service: unknown predicate {pred.text!r}; use cg:matches, cg:score, cg:snippet or cg:limit "
                f"(cg: = <{CG}>)"
            )
        if name in found:
            raise QueryRejected(f"search service: cg:{name} is given twice")
        if i + 1 >= len(body):
            raise QueryRejected(f"search service: cg:{name} needs a value")
        obj = body[i + 1]
        i += 2
        if name == "matches":
            if obj.kind != "string":
                raise QueryRejected('search service: cg:matches needs a string literal (the search), e.g. "Starlink"')
            while i < len(body) and (body[i].kind == "lang" or body[i].text == "^^"):
                i += 2 if body[i].text == "^^" else 1  # a language tag or datatype changes nothing
        elif name == "limit":
            if obj.kind != "number" or not obj.text.isdigit():
                raise QueryRejected("search service: cg:limit needs a whole number")
        elif obj.kind != "var":
            raise QueryRejected(f"search service: cg:{name} needs a variable to bind, e.g. ?{name}")
        found[name] = obj
        if i < len(body):
            sep = body[i].text
            if sep not in (";", "."):
                raise QueryRejected(f"search service: expected ';' or '.' after cg:{name}'s value, found {sep!r}")
            i += 1
            while i < len(body) and body[i].text == ";":
                i += 1
            if sep == "." and i < len(body):
                raise QueryRejected(
                    "search service: a block holds one subject; write a second SERVICE for another search"
                )
    if "matches" not in found:
        raise QueryRejected('search service: cg:matches "words" is missing')
    return subject_text, found


def service_use(text: str) -> ServiceUse:
    """The search blocks of ``text`` (raises :class:`QueryRejected` for a malformed one) and
    whether it also names some other service."""
    toks = list(tokens(text))
    prefixes: dict[str, str] = {}
    calls: list[SearchCall] = []
    others = False
    i = 0
    while i < len(toks):
        tok = toks[i]
        word = tok.text.upper() if tok.kind == "name" else ""
        if word == "PREFIX" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            prefixes[toks[i + 1].text.rstrip(":")] = toks[i + 2].text[1:-1]
            i += 3
            continue
        if word != "SERVICE":
            i += 1
            continue
        j = i + 1
        if j < len(toks) and toks[j].kind == "name" and toks[j].text.upper() == "SILENT":
            j += 1
        target = _resolve(toks[j], prefixes) if j < len(toks) else None
        if target != SERVICE_IRI:
            others = True
            i = j + 1
            continue
        if j + 1 >= len(toks) or toks[j + 1].text != "{":
            raise QueryRejected("search service: expected '{' after the service IRI")
        close = _closing(toks, j + 1)
        subject, found = _parse_block(toks[j + 2 : close], prefixes)
        limit = found.get("limit")
        calls.append(
            SearchCall(
                start=tok.start,
                end=toks[close].end,
                subject=subject,
                text=_string_value(found["matches"].text),
                score=found["score"].text[1:] if "score" in found else None,
                snippet=found["snippet"].text[1:] if "snippet" in found else None,
                limit=int(limit.text) if limit is not None else None,
            )
        )
        i = close + 1
    return ServiceUse(calls, others)


def mentions_service(text: str) -> bool:
    """Cheap first test: could the text hold a SERVICE at all?"""
    return "SERVICE" in text.upper()
