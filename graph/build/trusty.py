"""Trusty URIs, module RA: a hash of an RDF dataset that is part of its own IRIs.

From the trusty URI specification (Kuhn and Dumontier, ESWC 2014; the reference code is
trustyuri-java's ``RdfHasher``): the artifact code is ``RA`` + the SHA-256 of a normalised
serialisation, in base64url without padding (45 characters in all). To compute or check it,
every occurrence of the artifact code in an IRI is replaced by one space; the quads are sorted
by graph (default graph first), subject, predicate, object (IRIs before literals; literals by
value, then datatype, language-tagged ones first, then language), duplicates dropped; each quad
is written as four lines: the graph IRI (empty for the default graph), the subject and
predicate IRIs, and the object as an IRI or as ``@lang value`` / ``^datatype value`` with
backslashes and line feeds escaped (``\\\\``, ``\\n``).

Blank nodes (which the RA module turns into IRIs below the trusty URI) are refused: claimgraph
names every node it writes.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: Stands for the artifact code while the content is assembled (any text absent from the data).
PLACEHOLDER = "RAtrustyuriartifactcodeplaceholder0000000000"


def _iri(term: ox.NamedNode | ox.BlankNode | ox.Triple | ox.DefaultGraph, code: str) -> str:
    if isinstance(term, ox.DefaultGraph):
        return ""
    if isinstance(term, ox.BlankNode):
        raise ValueError("the RA module of trusty URIs is computed here only for data without blank nodes")
    if isinstance(term, ox.Triple):
        raise ValueError("the RA module of trusty URIs has no form for triple terms (RDF 1.2)")
    return term.value.replace(code, " ")


def _object(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, code: str) -> tuple[tuple, str]:
    """Sort key and line of an object."""
    if not isinstance(term, ox.Literal):
        iri = _iri(term, code)
        return (0, iri.encode(), b"", b""), iri
    value = term.value.replace("\\", "\\\\").replace("\n", "\\n")
    if term.language:
        return (1, term.value.encode(), b"", term.language.encode()), f"@{term.language.lower()} {value}"
    datatype = term.datatype.value if term.datatype else XSD_STRING
    # after the value, a missing datatype (language-tagged) sorts first: b"" < "\x01..."
    return (1, term.value.encode(), b"\x01" + datatype.encode(), b""), f"^{datatype} {value}"


def normalized(quads: Iterable[ox.Quad], code: str = PLACEHOLDER) -> str:
    """The text the RA hash is taken of, with ``code`` (the artifact code) blanked out."""
    keyed = {}
    for q in quads:
        g, s, p = _iri(q.graph_name, code), _iri(q.subject, code), _iri(q.predicate, code)
        key, obj = _object(q.object, code)
        line = f"{g}\n{s}\n{p}\n{obj}\n"
        keyed[line] = (isinstance(q.graph_name, ox.NamedNode), g.encode(), s.encode(), p.encode(), key)
    return "".join(sorted(keyed, key=keyed.__getitem__))


def artifact_code(quads: Iterable[ox.Quad], code: str = PLACEHOLDER) -> str:
    """``RA`` + base64url(SHA-256) of the normalised quads."""
    digest = hashlib.sha256(normalized(quads, code).encode("utf-8")).digest()
    return "RA" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def with_code(quads: Iterable[ox.Quad], code: str, placeholder: str = PLACEHOLDER) -> list[ox.Quad]:
    """The quads with ``placeholder`` in their IRIs replaced by the artifact ``code``."""

    def swap(term):
        if isinstance(term, ox.NamedNode) and placeholder in term.value:
            return ox.NamedNode(term.value.replace(placeholder, code))
        return term

    return [ox.Quad(swap(q.subject), swap(q.predicate), swap(q.object), swap(q.graph_name)) for q in quads]


def check(quads: Iterable[ox.Quad], code: str) -> bool:
    """True when ``code`` is the RA artifact code of the quads that carry it."""
    return artifact_code(quads, code) == code
