"""The search language: words, "phrases", prefix*, OR, AND, NOT, -word, (groups), field:word.

A user's text is never handed to FTS5 as it is: every word and phrase is written as a quoted
FTS5 string, so characters FTS5 would read as syntax (``:``, ``^``, ``+``, ``.``) are just text.
Only the operators and brackets listed above pass through; FTS5 then checks how they are
combined, and its complaint becomes a :class:`SearchSyntaxError` with the reason.

German spelling: the index folds case and diacritics (``Schäuble`` is found by ``schauble``);
a word written with the umlaut spelled out (``Schaeuble``) or ``ss`` for ``ß`` also looks for
the folded form, so all three spellings find the same claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from claimgraph.graph.store.base import QueryRejected

#: Longest search text accepted, in characters, and most words and phrases in it.
MAX_CHARS = 500
MAX_TERMS = 32

#: Fields a word can be limited to (``speaker:peskow``); the index has a column for each.
FIELDS = ("message", "quote", "paraphrase", "speaker", "title")

_TOKEN = re.compile(
    r'\s+|(?P<open>\()|(?P<close>\))|(?P<phrase>-?(?:\w+:)?"[^"]*"\*?)|(?P<quote>")|(?P<word>[^\s()"]+)'
)
_OPERATORS = {"OR", "AND", "NOT"}
_UMLAUTS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


class SearchSyntaxError(QueryRejected):
    """The search text cannot be read; the message says why (a 400 for HTTP clients)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"search syntax: {reason}")


@dataclass(frozen=True)
class Compiled:
    """A search ready for FTS5 ``MATCH``, and how many terms it has."""

    match: str
    terms: int


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _spellings(word: str) -> list[str]:
    """The word and its folded German spellings (``schaeuble`` -> ``schauble``; ``strasse`` -> ``straße``)."""
    lower = word.lower()
    forms = [lower]
    folded = lower
    for spelled, vowel in _UMLAUTS:
        folded = folded.replace(spelled, vowel)
    if folded != lower:
        forms.append(folded)
    if "ss" in lower:
        forms.append(lower.replace("ss", "ß"))
    if "ß" in lower:
        forms.append(lower.replace("ß", "ss"))
    return forms


def _term(text: str, phrase: bool, prefix: bool) -> str:
    """One word or phrase as an FTS5 expression (alternatives ORed in brackets)."""
    star = "*" if prefix else ""
    if phrase:
        words = text.split()
        if not words:
            raise SearchSyntaxError('an empty phrase ("") finds nothing; put words between the quotes')
        # A phrase keeps its words in order; each word may be spelled in its German variants
        # only as a whole phrase, so the variants are tried for the phrase as a whole.
        variants = {" ".join(_spellings(w)[0] for w in words)}
        variants.add(" ".join(_spellings(w)[-1] for w in words))
        alts = [_fts_string(v) + star for v in sorted(variants)]
    else:
        alts = [_fts_string(v) + star for v in _spellings(text)]
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def compile_search(text: str) -> Compiled:
    """Translate the search language into an FTS5 query, or raise :class:`SearchSyntaxError`."""
    text = text.strip()
    if not text:
        raise SearchSyntaxError("the search is empty; give at least one word")
    if len(text) > MAX_CHARS:
        raise SearchSyntaxError(f"the search has {len(text)} characters; at most {MAX_CHARS} are accepted")
    parts: list[str] = []
    negated: list[str] = []
    terms = 0
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        token = match.group()
        if kind is None:
            continue
        if kind == "quote":
            raise SearchSyntaxError(f"unterminated phrase: the quote at character {match.start() + 1} is never closed")
        if kind == "open":
            depth += 1
            parts.append("(")
            continue
        if kind == "close":
            depth -= 1
            if depth < 0:
                raise SearchSyntaxError(f"unbalanced brackets: ')' at character {match.start() + 1} closes nothing")
            parts.append(")")
            continue
        if kind == "word" and token in _OPERATORS:
            parts.append(token)
            continue
        negate = token.startswith("-") and len(token) > 1
        if negate:
            token = token[1:]
        field = None
        head, colon, rest = token.partition(":")
        if colon and head.lower() in FIELDS and rest:
            field, token = head.lower(), rest
        elif colon and rest and head.isalpha() and not rest.startswith("/"):
            raise SearchSyntaxError(f"unknown field {head!r}; a word can be limited to one of: {', '.join(FIELDS)}")
        prefix = token.endswith("*")
        if prefix:
            token = token[:-1]
        phrase = token.startswith('"')
        if phrase:
            token = token[1:-1]
        elif not re.search(r"\w", token):
            raise SearchSyntaxError(f"{match.group()!r} is no word: a search term needs letters or digits")
        terms += 1
        if terms > MAX_TERMS:
            raise SearchSyntaxError(f"the search has more than {MAX_TERMS} words and phrases")
        expr = _term(token, phrase, prefix)
        if field is not None:
            expr = f"{{{field}}} : {expr}"
        if negate and depth == 0:
            negated.append(expr)
        elif negate:
            raise SearchSyntaxError("-word only works outside brackets; write NOT inside them")
        else:
            parts.append(expr)
    if depth > 0:
        raise SearchSyntaxError("unbalanced brackets: a '(' is never closed")
    if not parts:
        raise SearchSyntaxError("the search only excludes words (-word); give at least one word to look for")
    match_text = " ".join(parts)
    if negated:
        match_text = f"({match_text})" + "".join(f" NOT {n}" for n in negated)
    return Compiled(match_text, terms)
