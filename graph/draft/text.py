"""Tokens with code-point offsets, sentences and quotations: linear scans over the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from claimgraph.graph.draft.lexicon import Lexicon

_TOKEN = re.compile(r"\w+(?:[-–'’.&/]\w+)*|[^\w\s]")
MAX_QUOTE_TOKENS = 300  # an unclosed mark must not swallow the rest of a long text


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int  # code points
    end: int
    line: int  # 1-based line number

    @property
    def lower(self) -> str:
        return self.text.lower()


def tokenize(text: str) -> list[Token]:
    """Words, numbers and single punctuation marks with their offsets and line numbers."""
    tokens: list[Token] = []
    line = 1
    pos = 0
    for m in _TOKEN.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        tokens.append(Token(m.group(), m.start(), m.end(), line))
    return tokens


def sentences(tokens: list[Token], lex: Lexicon) -> list[tuple[int, int]]:
    """Token ranges [a, b) of sentences: a line break always ends one, so does . ! ? before a capital."""
    abbreviations = lex.words("abbreviations")
    result: list[tuple[int, int]] = []
    a = 0
    n = len(tokens)
    for i, tok in enumerate(tokens):
        last = i + 1 == n
        if not last and tokens[i + 1].line != tok.line:
            result.append((a, i + 1))
            a = i + 1
            continue
        if last:
            result.append((a, n))
            break
        if tok.text in ".!?" and i > a:
            prev = tokens[i - 1].text
            nxt = tokens[i + 1].text
            j = i + 1
            if nxt in lex.quotes.values() and nxt not in lex.quotes:  # a closing mark belongs here
                continue
            if prev.isdigit() or prev.lower() in abbreviations or (len(prev) == 1 and prev.isalpha()):
                continue
            if nxt[:1].isupper() or nxt in lex.quotes or nxt[:1].isdigit():
                result.append((a, j))
                a = j
        elif tok.text in lex.quotes.values() and i > a and tokens[i - 1].text in ".!?" and i + 1 < n:
            nxt = tokens[i + 1].text
            if nxt[:1].isupper():
                result.append((a, i + 1))
                a = i + 1
    return [(x, y) for x, y in result if y > x]


def quotations(tokens: list[Token], lex: Lexicon) -> list[tuple[int, int]]:
    """Token ranges [open, close] (marks included) of quotations, found in one pass."""
    spans: list[tuple[int, int]] = []
    open_at = -1
    closer = ""
    for i, tok in enumerate(tokens):
        t = tok.text
        if open_at >= 0:
            if t == closer:
                spans.append((open_at, i))
                open_at = -1
                continue
            if i - open_at > MAX_QUOTE_TOKENS:
                open_at = -1  # unbalanced: give up on this mark
            else:
                continue
        if t in lex.quotes and open_at < 0:
            open_at, closer = i, lex.quotes[t]
    return spans
