"""A light SPARQL lexer: enough to know a query's form and where its WHERE clause opens.

The remote backend must report a query's form (SELECT/ASK vs CONSTRUCT/DESCRIBE) before it
knows which format to ask the external store for, and must bind values into a query it cannot
hand to pyoxigraph. Every valid query begins with a prologue (BASE/PREFIX) followed by one of the
four form keywords, so tokenising the prologue suffices; strings, IRIs and comments are
recognised so that braces and keywords inside them are never mistaken for syntax.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pyoxigraph as ox

from claimgraph.graph.store.base import QueryForm, QueryRejected
from claimgraph.graph.store.sparqltext.tokens import Token, tokens

_FORMS = {
    "SELECT": QueryForm.SOLUTIONS,
    "ASK": QueryForm.BOOLEAN,
    "CONSTRUCT": QueryForm.GRAPH,
    "DESCRIBE": QueryForm.GRAPH,
}


def _is_word(tok: Token) -> bool:
    """A keyword, prefixed name or variable (what the form and dataset checks look at)."""
    return tok.kind in ("name", "var")


def _after_prologue(text: str) -> Iterator[Token]:
    """Tokens from the first one after BASE/PREFIX declarations."""
    it = tokens(text)
    for tok in it:
        word = tok.text.upper() if _is_word(tok) else ""
        if word == "BASE":
            next(it, None)  # the IRI
        elif word == "PREFIX":
            next(it, None)  # the prefix name
            next(it, None)  # the IRI
        else:
            yield tok
            yield from it
            return


def query_form(text: str) -> QueryForm | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; None when the text is not a query (let the store say why)."""
    first = next(_after_prologue(text), None)
    if first is None or not _is_word(first):
        return None
    return _FORMS.get(first.text.upper())


def names_dataset(text: str) -> bool:
    """True when the query or update names its own dataset (FROM, FROM NAMED, USING, WITH)."""
    depth = 0
    for tok in tokens(text):
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth -= 1
        elif depth == 0 and _is_word(tok) and tok.text.upper() in ("FROM", "USING", "WITH"):
            return True
    return False


def where_group_start(text: str) -> int | None:
    """Offset just after the ``{`` that opens the query's WHERE group (None if it has none)."""
    after = _after_prologue(text)
    first = next(after, None)
    if first is None:
        return None
    if first.text.upper() == "CONSTRUCT":
        nxt = next(after, None)
        if nxt is not None and nxt.text == "{":
            # Skip the template: the WHERE group is the next one (``CONSTRUCT WHERE {`` has none).
            depth = 1
            for tok in after:
                if tok.text == "{":
                    depth += 1
                elif tok.text == "}":
                    depth -= 1
                    if depth == 0:
                        break
    for tok in after:
        if tok.text == "{":
            return tok.end
    return None


def _term_text(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    if isinstance(term, ox.BlankNode):
        raise QueryRejected("a blank node cannot be bound into a query sent to an external store")
    if not isinstance(term, (ox.NamedNode, ox.Literal)):
        raise QueryRejected(f"cannot bind a {type(term).__name__} into a query")
    return str(term)  # pyoxigraph writes the term in N-Triples syntax, which SPARQL reads


def _subselects(toks: list[Token]) -> Iterator[tuple[set[str] | None, int]]:
    """For each nested ``SELECT``: the variables it projects (None for ``*``) and the offset just
    after the ``{`` of its WHERE group."""
    for i, tok in enumerate(toks):
        if not _is_word(tok) or tok.text.upper() != "SELECT" or not any(t.text == "{" for t in toks[:i]):
            continue
        projected: set[str] | None = set()
        parens = 0
        for tok2 in toks[i + 1 :]:
            if tok2.text == "(":
                parens += 1
            elif tok2.text == ")":
                parens -= 1
            elif parens == 0 and tok2.text == "*":
                projected = None
            elif parens == 0 and tok2.kind == "var":
                if projected is not None:
                    projected.add(tok2.text[1:])
            elif tok2.text == "{":
                yield projected, tok2.end
                break


def bind_values(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode]) -> str:
    """Bind variables with one-row ``VALUES`` blocks, as pyoxigraph's substitution binds them.

    A block opens the query's WHERE group, so it constrains every pattern and FILTER in it, and
    one opens the WHERE group of every sub-SELECT that projects a bound variable, so the
    sub-select is evaluated with the value (before its LIMIT), not joined with it afterwards.
    The values are written by pyoxigraph (terms are validated objects, never raw user text)."""
    if not bindings:
        return text
    at = where_group_start(text)
    if at is None:
        raise QueryRejected("values can only be bound into a query with a WHERE clause")

    def block(names: list[str]) -> str:
        variables = " ".join("?" + name for name in names)
        values = " ".join(_term_text(bindings[name]) for name in names)
        return f" VALUES ({variables}) {{ ({values}) }} "

    inserts = {at: block(list(bindings))}
    for projected, offset in _subselects(list(tokens(text))):
        names = [n for n in bindings if projected is None or n in projected]
        if names and offset != at:
            inserts[offset] = block(names)
    for offset in sorted(inserts, reverse=True):
        text = text[:offset] + inserts[offset] + text[offset:]
    return text


def graph_names(text: str) -> tuple[list[str], bool]:
    """The IRIs named by ``GRAPH <iri>`` / ``GRAPH prefix:name``, and whether a ``GRAPH ?var`` occurs.

    Used for stores that need named graphs listed once a default graph is given (Virtuoso)."""
    prefixes: dict[str, str] = {}
    explicit: list[str] = []
    variable = False
    toks = list(tokens(text))
    for i, tok in enumerate(toks):
        word = tok.text.upper() if _is_word(tok) else ""
        if word == "PREFIX" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            prefixes[toks[i + 1].text] = toks[i + 2].text[1:-1]
        elif word == "GRAPH" and i + 1 < len(toks):
            nxt = toks[i + 1]
            if nxt.kind == "iri":
                explicit.append(nxt.text[1:-1])
            elif nxt.kind == "var":
                variable = True
            elif nxt.kind == "name" and ":" in nxt.text:
                prefix, _, local = nxt.text.partition(":")
                if prefix + ":" in prefixes:
                    explicit.append(prefixes[prefix + ":"] + local)
    return explicit, variable
