"""A SPARQL tokenizer shared by every check and rewrite that must read query text.

Comments, strings and IRIs are recognised as a SPARQL lexer would, so a keyword or a brace inside
them is never mistaken for syntax. A tokenizer (one regular expression, no recursion) cannot be
made to overflow a stack, which is why the guards use it instead of a parser.

The rules follow the SPARQL 1.1 grammar's terminals (section 19.8) as Oxigraph applies them:
``IRIREF`` may hold ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes (UCHAR), strings hold ECHAR and UCHAR
escapes, and a comment runs from ``#`` to the end of the line (``\\n`` or ``\\r``). Escapes are
*not* decoded before parsing (Oxigraph reads ``SELEC\\u0054`` as an error, not as ``SELECT``), so
neither are they here. A character that cannot begin any SPARQL token is reported with kind
``"error"``: the text cannot be read as the engine would read it, and a guard must fail closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

_TOKEN = re.compile(
    r"""
      (?P<ws>[ \t\r\n]+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
               |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'
               |"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<var>[?$][\w\u00B7-\U0010FFFF]+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)
    | (?P<name>(?:[A-Za-z_\u00C0-\U0010FFFF][\w\u00B7-\U0010FFFF.\-]*)?:(?:[\w\u00B7-\U0010FFFF.\-:%]|\\.)*
             |[A-Za-z_\u00C0-\U0010FFFF][\w\u00B7-\U0010FFFF\-]*)
    | (?P<op>&&|\|\||!=|<=|>=|\^\^|[-+*/|^=<>!])
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class Token(NamedTuple):
    """One significant token: its kind (a group name above), its text and its offsets."""

    kind: str
    text: str
    start: int
    end: int


#: Single characters that are SPARQL syntax on their own (anything else alone is an error).
_PUNCT = set("{}()[];,.*/?|^!=<>+-&~")


def all_tokens(text: str) -> Iterator[Token]:
    """Every token of ``text``, comments included (white space left out)."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind == "ws":
            continue
        if kind == "punct" and match.group() not in _PUNCT:
            kind = "error"
        yield Token(kind, match.group(), match.start(), match.end())


def tokens(text: str) -> Iterator[Token]:
    """SPARQL tokens of ``text`` without white space and comments."""
    for tok in all_tokens(text):
        if tok.kind != "comment":
            yield tok
