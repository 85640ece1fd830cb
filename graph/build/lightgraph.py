"""A light in-memory dataset for compiling one article in an ingest worker.

Compiling writes ~700 triples an article through rdflib's ``Graph.add`` and reads a few
patterns back (the alignments, the labels); rdflib's context-aware memory store costs most of
the compile time (per triple: event dispatch, context bookkeeping). These classes hold the same
triples in plain sets and dicts and answer the few calls the compiler makes, with rdflib's
terms (``URIRef``, ``Literal``), so the compile code stays the build's own. Whatever needs a real
rdflib graph (SHACL validation) gets one from :meth:`LightGraph.to_rdflib`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from rdflib import Graph
from rdflib.term import Node

Triple = tuple[Node, Node, Node]


class LightGraph:
    """One graph: a set of triples, indexed by subject and by predicate."""

    def __init__(self, identifier: Node | None = None) -> None:
        self.identifier = identifier
        self._triples: dict[Triple, None] = {}  # insertion order: reproducible output
        self._by_subject: dict[Node, dict[Node, dict[Node, None]]] = defaultdict(lambda: defaultdict(dict))
        self._by_predicate: dict[Node, dict[tuple[Node, Node], None]] = defaultdict(dict)

    def add(self, triple: Triple) -> LightGraph:
        if triple not in self._triples:
            s, p, o = triple
            self._triples[triple] = None
            self._by_subject[s][p][o] = None
            self._by_predicate[p][(s, o)] = None
        return self

    def __len__(self) -> int:
        return len(self._triples)

    def __iter__(self) -> Iterator[Triple]:
        return iter(list(self._triples))

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[Triple]:
        s, p, o = pattern
        if s is not None:
            by_p = self._by_subject.get(s, {})
            preds = [p] if p is not None else list(by_p)
            for pred in preds:
                for obj in list(by_p.get(pred, {})):
                    if o is None or obj == o:
                        yield (s, pred, obj)
        elif p is not None:
            for subj, obj in list(self._by_predicate.get(p, {})):
                if o is None or obj == o:
                    yield (subj, p, obj)
        else:
            for t in list(self._triples):
                if o is None or t[2] == o:
                    yield t

    def __contains__(self, pattern: object) -> bool:
        return next(self.triples(pattern), None) is not None  # type: ignore[arg-type]

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        return (o for _, _, o in self.triples((subject, predicate, None)))

    def subjects(self, predicate: Node | None = None, object: Node | None = None) -> Iterator[Node]:
        return (s for s, _, _ in self.triples((None, predicate, object)))

    def predicates(self, subject: Node | None = None, object: Node | None = None) -> Iterator[Node]:
        if subject is None and object is None:
            return iter([p for p, pairs in self._by_predicate.items() if pairs])
        return (p for _, p, _ in self.triples((subject, None, object)))

    def subject_objects(self, predicate: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return ((s, o) for s, _, o in self.triples((None, predicate, None)))

    def to_rdflib(self) -> Graph:
        g = Graph()
        for t in self._triples:
            g.add(t)
        return g


class LightDataset:
    """A default graph and named graphs, as much of ``rdflib.Dataset`` as compiling uses."""

    def __init__(self) -> None:
        self.default_graph = LightGraph()
        self._named: dict[Node, LightGraph] = {}

    def graph(self, identifier: Node) -> LightGraph:
        if identifier not in self._named:
            self._named[identifier] = LightGraph(identifier)
        return self._named[identifier]

    def quads(self, pattern: Any = None) -> Iterator[tuple[Node, Node, Node, Node | None]]:
        """Every quad (the pattern must be all wildcards); the default graph's name is None."""
        if pattern is not None and any(t is not None for t in pattern):
            raise NotImplementedError("LightDataset.quads reads every quad")
        for s, p, o in self.default_graph:
            yield s, p, o, None
        for name, g in self._named.items():
            for s, p, o in g:
                yield s, p, o, name
