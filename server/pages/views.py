"""Turning RDF terms into what templates show: labels, links, literals with their language."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import has_request_context, request

from claimgraph.server.pages.queries import load
from claimgraph.graph.store import Store
from claimgraph.server.pages.links import curie, href

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_PREFERENCE = ("en", "", "de")


@dataclass(frozen=True)
class TermView:
    """One RDF term as a template shows it."""

    kind: str  # "iri", "bnode" or "literal"
    value: str
    label: str
    href: str | None = None
    lang: str | None = None
    datatype: str | None = None  # shown as a CURIE; None for plain strings


class Labels:
    """Best label per IRI: English first, then untagged, then German, then anything."""

    def __init__(self) -> None:
        self._best: dict[str, tuple[int, str]] = {}
        self._asked: set[str] = set()

    def add(self, iri: str, literal: ox.Literal, fallback: bool = False) -> None:
        lang = literal.language or ""
        rank = LANG_PREFERENCE.index(lang) if lang in LANG_PREFERENCE else len(LANG_PREFERENCE)
        if fallback:
            rank += 100  # an identifier only names what has no label
        if iri not in self._best or rank < self._best[iri][0]:
            self._best[iri] = (rank, literal.value)

    def add_quads(self, quads: list[ox.Quad]) -> None:
        for q in quads:
            if (
                q.predicate.value == RDFS_LABEL
                and isinstance(q.object, ox.Literal)
                and isinstance(q.subject, ox.NamedNode)
            ):
                self.add(q.subject.value, q.object)

    def add_vocabulary(self, store: Store) -> None:
        for row in store.select(load("term-labels")):
            if isinstance(row.get("term"), ox.NamedNode) and isinstance(row.get("label"), ox.Literal):
                self.add(row["term"].value, row["label"])

    def fetch(self, store: Store, terms: "list[object]") -> None:
        """Look up the labels of IRIs not labelled yet (one bound query each)."""
        for term in terms:
            if isinstance(term, ox.NamedNode) and term.value not in self._best and term.value not in self._asked:
                self._asked.add(term.value)
                for row in store.select(load("labels"), r=term):
                    if isinstance(row.get("label"), ox.Literal):
                        self.add(term.value, row["label"], fallback="fallback" in row)

    def get(self, iri: str) -> str | None:
        found = self._best.get(iri)
        return found[1] if found else None


class Viewer:
    """Makes :class:`TermView` objects for one request (knows the base IRI and the labels)."""

    def __init__(self, base: str, labels: Labels) -> None:
        self.base = base
        self.labels = labels

    def href(self, iri: str) -> str:
        """The link for ``iri``; a local path keeps the proxy's path prefix (the script root)."""
        found = href(iri, self.base)
        if found.startswith("/") and has_request_context():
            return request.script_root + found
        return found

    def label(self, term: object, fallback: str | None = None) -> str:
        if isinstance(term, ox.NamedNode):
            return self.labels.get(term.value) or fallback or self._short(term.value)
        if isinstance(term, ox.Literal):
            return term.value
        return fallback or ""

    def _short(self, iri: str) -> str:
        short = curie(iri)
        if short != iri:
            return short
        prefix = self.base + "id/"
        return iri[len(prefix) :] if iri.startswith(prefix) else iri

    def term(self, term: object) -> TermView:
        if isinstance(term, ox.NamedNode):
            return TermView("iri", term.value, self.label(term), self.href(term.value))
        if isinstance(term, ox.Literal):
            dt = term.datatype.value if term.datatype else None
            shown = None if term.language or dt in (None, XSD_STRING) else curie(dt)
            return TermView("literal", term.value, term.value, lang=term.language or None, datatype=shown)
        if isinstance(term, ox.BlankNode):
            return TermView("bnode", term.value, "_:" + term.value)
        return TermView("literal", str(term), str(term))
