"""A SPARQL tokenizer shared by every check and rewrite that must read query text.

Comments, strings and IRIs are recognised as a SPARQL lexer would, so a keyword or a brace inside
them is never mistaken for syntax. A tokenizer (one regular expression, no recursion) cannot be
made to overflow a stack, which is why the guards use it instead of a parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
               |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'
               |"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
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


def tokens(text: str) -> Iterator[Token]:
    """SPARQL tokens of ``text`` without white space and comments."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind in ("ws", "comment"):
            continue
        yield Token(kind, match.group(), match.start(), match.end())
