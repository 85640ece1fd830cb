"""SHACL validation against claimgraph's shapes (pySHACL), for the build and for imports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rdflib import Graph, plugin
from rdflib.namespace import SH
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor

from claimgraph.ontology import ontology_dir, ontology_file


@dataclass(frozen=True)
class ValidationReport:
    """Whether data conforms, and one readable line per violation."""

    conforms: bool
    messages: list[str] = field(default_factory=list)


@lru_cache(maxsize=256)
def _prepared(text: str, base: str | None, namespaces: frozenset[tuple[str, Any]]) -> Query:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    return translateQuery(parseQuery(text), base, dict(namespaces))


class PreparingSPARQLProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, parsing each distinct query text once.

    pySHACL runs a SPARQL constraint as one query per focus node, with the same text and the
    node in ``initBindings``; rdflib would parse it (pyparsing, ~0.1 s) every time, which was most
    of a build's validation time. A prepared query is rdflib's documented way to run one text
    with many bindings, so the answers are the same."""

    def query(  # type: ignore[override]
        self,
        strOrQuery: str | Query,  # noqa: N803 (rdflib's parameter name)
        initBindings: Mapping[str, Any] | None = None,  # noqa: N803
        initNs: Mapping[str, Any] | None = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):
            strOrQuery = _prepared(strOrQuery, base, frozenset((initNs or {}).items()))
        return super().query(strOrQuery, initBindings, initNs, base, DEBUG)


@lru_cache(maxsize=1)
def _install_processor() -> None:
    """Make the preparing processor rdflib's default ``sparql`` processor (once, on first use)."""
    plugin.register("sparql", Processor, __name__, PreparingSPARQLProcessor.__name__)


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")


@lru_cache(maxsize=1)
def _ontology() -> Graph:
    return Graph().parse(ontology_file(), format="turtle")


def warm() -> None:
    """Do now, in a process started ahead of an upload that will be checked, what the first
    check of a process does once: import pySHACL, parse the shapes and the ontology, and parse
    the shapes' SPARQL constraints (a node of each target class, validated and thrown away,
    runs them all). Half of a small upload's first check in a fresh process."""
    from rdflib import RDF, URIRef

    shapes = _shapes()
    sample = Graph()
    for i, target in enumerate(sorted(set(shapes.objects(None, SH.targetClass)), key=str)):
        sample.add((URIRef(f"urn:claimgraph:warm:{i}"), RDF.type, target))
    validate(sample)


def validate(data: Graph, ontology: Graph | None = None, shapes: Graph | None = None) -> ValidationReport:
    """Validate ``data`` (a Graph, or a Dataset's default graph) against the shapes.

    A caller that has parsed the ontology or the shapes already (the build) passes them in.

    The ontology is mixed in (``ont_graph``) so that its ``rdfs:subClassOf`` axioms let an
    instance of a subclass meet a shape on its superclass (SHACL's own subclass rule). No RDFS
    inference runs: with it every ``rdfs:range`` would type the values it should be checking, and
    ``sh:class`` constraints could never fail.
    """
    from pyshacl import validate as shacl_validate

    _install_processor()
    conforms, report, _ = shacl_validate(
        data,
        shacl_graph=shapes if shapes is not None else _shapes(),
        ont_graph=ontology if ontology is not None else _ontology(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
    )
    messages: list[str] = []
    if not conforms:
        for result in report.subjects(predicate=None, object=SH.ValidationResult):
            focus = report.value(result, SH.focusNode)
            path = report.value(result, SH.resultPath)
            msg = report.value(result, SH.resultMessage)
            messages.append(f"{focus}: {path}: {msg}" if path else f"{focus}: {msg}")
        messages.sort()
    return ValidationReport(conforms=bool(conforms), messages=messages)


def shacl_report(data: Graph) -> Graph:
    """pySHACL's report graph for ``data``, which it may change: the ontology is mixed into
    ``data`` itself (``inplace``), sparing a copy of a graph the caller throws away."""
    from pyshacl import validate as shacl_validate

    _install_processor()
    _, report, _ = shacl_validate(
        data,
        shacl_graph=_shapes(),
        ont_graph=_ontology(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        inplace=True,
    )
    return report
