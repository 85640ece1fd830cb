"""Checking a whole store against ``ontology/shapes.ttl``, in parts, in worker processes.

pySHACL on rdflib handles one article (a few thousand triples) in a fraction of a second, but
the 600,000 triples of an 850-article store at once would take minutes in one process. The
default graph (the shapes describe it; proposition graphs and the ingest records are not
checked) is therefore cut into parts by subject:

- an ingested article's part is the subjects of its record's ``cg:ownQuads`` plus the nodes it
  is the first to share (``cg:sharesNode``), several articles to a part;
- every subject no record names (a store made by ``build``, the software agent, triples
  written by SPARQL Update) goes to parts of its own, in subject order.

A part is validated with its neighbourhood: the triples of every node its triples point at
(``sh:class`` needs their types) and of every node pointing at it (``sh:targetObjectsOf``
and inverse paths need them). Only results whose focus node is a subject of the part (or a node
that is nobody's subject, reached from it) are kept, so each node is judged once, on the
triples the store holds for it now: the records only say how to cut, never what to check.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from claimgraph.graph.build.ingest import unpack_quads
from claimgraph.ontology import CG

#: Subjects per part (the records' articles are grouped up to about this many subjects).
PART_SUBJECTS = 4000

_OWN = ox.NamedNode(str(CG.ownQuads))
_SHARES = ox.NamedNode(str(CG.sharesNode))


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result: the focus node, the property path (if any) and the shape's message."""

    focus: str
    path: str
    message: str
    severity: str = "Violation"

    def line(self) -> str:
        return f"{self.focus}: {self.path}: {self.message}" if self.path else f"{self.focus}: {self.message}"


@dataclass(frozen=True)
class ConformanceReport:
    """What the check found and how much it looked at."""

    violations: list[Violation]
    triples: int
    subjects: int
    parts: int

    @property
    def conforms(self) -> bool:
        return not any(v.severity == "Violation" for v in self.violations)


@dataclass(frozen=True)
class Part:
    """N-Triples of one part with its neighbourhood, and the nodes whose results count."""

    ntriples: bytes
    judged: frozenset[str]


def article_subjects(record_quads: Iterable[ox.Quad]) -> list[list[ox.NamedNode | ox.BlankNode]]:
    """Per ingest record (in IRI order): the subjects of its own quads, then the nodes it shares."""
    own: dict[str, list[ox.NamedNode | ox.BlankNode]] = {}
    shared: dict[str, list[ox.NamedNode | ox.BlankNode]] = defaultdict(list)
    for q in record_quads:
        rec = str(q.subject.value) if not isinstance(q.subject, ox.Triple) else ""
        if q.predicate == _OWN and isinstance(q.object, ox.Literal):
            seen: dict[ox.NamedNode | ox.BlankNode, None] = {}
            for quad in unpack_quads(q.object):
                if isinstance(quad.graph_name, ox.DefaultGraph) and not isinstance(quad.subject, ox.Triple):
                    seen[quad.subject] = None
            own[rec] = list(seen)
        elif q.predicate == _SHARES and isinstance(q.object, ox.NamedNode):
            shared[rec].append(q.object)
    return [own.get(r, []) + shared.get(r, []) for r in sorted(set(own) | set(shared))]


def make_parts(
    triples: Iterable[ox.Triple | ox.Quad],
    groups: Iterable[Iterable[ox.NamedNode | ox.BlankNode]] = (),
    part_subjects: int = PART_SUBJECTS,
) -> tuple[list[Part], int, int]:
    """Cut the triples into parts (``groups`` of subjects kept together, in order); returns the
    parts, the number of triples and of subjects."""
    by_subject: dict[object, list[ox.Triple]] = defaultdict(list)
    pointing_at: dict[object, set[object]] = defaultdict(set)
    n = 0
    for t in triples:
        triple = ox.Triple(t.subject, t.predicate, t.object) if isinstance(t, ox.Quad) else t
        by_subject[triple.subject].append(triple)
        if not isinstance(triple.object, ox.Literal):
            pointing_at[triple.object].add(triple.subject)
        n += 1
    assigned: set[object] = set()
    chunks: list[list[object]] = []
    current: list[object] = []

    def add(subjects: Iterable[object], keep_together: bool) -> None:
        nonlocal current
        for s in subjects:
            if s in by_subject and s not in assigned:
                assigned.add(s)
                current.append(s)
                if not keep_together and len(current) >= part_subjects:
                    chunks.append(current)
                    current = []
        if keep_together and len(current) >= part_subjects:
            chunks.append(current)
            current = []

    for group in groups:
        add(group, keep_together=True)
    add(sorted((s for s in by_subject if s not in assigned), key=str), keep_together=False)
    if current:
        chunks.append(current)
    parts = []
    for chunk in chunks:
        members = set(chunk)
        around: set[object] = set()
        judged = {_name(s) for s in chunk}
        for s in chunk:
            for t in by_subject[s]:
                o = t.object
                if isinstance(o, ox.Literal):
                    continue
                if o in by_subject:
                    around.add(o)
                else:  # pointed at but described nowhere: judged here (a speaker with no triples)
                    judged.add(_name(o))
            around |= pointing_at.get(s, set())
        out = [t for s in chunk for t in by_subject[s]]
        out += [t for s in around - members for t in by_subject[s]]
        parts.append(Part(ox.serialize(out, format=ox.RdfFormat.N_TRIPLES) or b"", frozenset(judged)))
    return parts, n, len(by_subject)


def _name(term: object) -> str:
    """A node as results name it: an IRI as is, a blank node as ``_:LABEL`` (its label in the store)."""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term.value)  # type: ignore[attr-defined]


def check_part(part: Part) -> list[Violation]:
    """Validate one part with pySHACL (in a worker process); only the part's own nodes' results."""
    from rdflib import BNode, Graph
    from rdflib.namespace import SH

    from claimgraph.graph.build.validation import shacl_report

    g = Graph()
    labels: dict[str, BNode] = {}  # the N-Triples label of each blank node -> rdflib's node
    g.parse(data=part.ntriples, format="nt", bnode_context=labels)
    label_of = {node: f"_:{label}" for label, node in labels.items()}
    report = shacl_report(g)
    found = []
    for result in report.subjects(predicate=None, object=SH.ValidationResult):
        node = report.value(result, SH.focusNode)
        focus = label_of.get(node, str(node)) if isinstance(node, BNode) else str(node)
        if focus not in part.judged:
            continue
        path = report.value(result, SH.resultPath)
        severity = report.value(result, SH.resultSeverity)
        found.append(
            Violation(
                focus,
                str(path) if path is not None else "",
                str(report.value(result, SH.resultMessage) or report.value(result, SH.sourceConstraintComponent)),
                str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            )
        )
    return found


def check(
    triples: Iterable[ox.Triple | ox.Quad],
    record_quads: Iterable[ox.Quad] = (),
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
    part_subjects: int = PART_SUBJECTS,
) -> ConformanceReport:
    """Check the default graph's ``triples`` against the shapes, cut by the ingest records'
    ``record_quads``, in ``workers`` processes (1: in this process); ``progress(done, parts)``
    after each part."""
    violations: set[Violation] = set()
    if workers <= 1:
        parts, n, subjects = make_parts(triples, article_subjects(record_quads), part_subjects)
        for done, p in enumerate(parts, start=1):
            violations.update(check_part(p))
            if progress:
                progress(done, len(parts))
        return ConformanceReport(sorted(violations), n, subjects, len(parts))
    # spawn: the caller may hold a store (RocksDB) open, which a forked child must not share
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        warm = [pool.submit(_warm_up) for _ in range(workers)]  # imports and shapes while the parts are cut
        parts, n, subjects = make_parts(triples, article_subjects(record_quads), part_subjects)
        concurrent.futures.wait(warm)
        for done, found in enumerate(pool.map(check_part, parts), start=1):
            violations.update(found)
            if progress:
                progress(done, len(parts))
    return ConformanceReport(sorted(violations), n, subjects, len(parts))


def _warm_up() -> None:
    """Load pySHACL, the shapes and the ontology in a worker before its first part."""
    from claimgraph.graph.build.validation import _ontology, _shapes

    import pyshacl  # noqa: F401

    _shapes()
    _ontology()
