"""SHACL validation against claimgraph's shapes (pySHACL), for the build and for imports."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import Graph
from rdflib.namespace import SH

from claimgraph.ontology import ontology_dir, ontology_file


@dataclass(frozen=True)
class ValidationReport:
    """Whether data conforms, and one readable line per violation."""

    conforms: bool
    messages: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")


@lru_cache(maxsize=1)
def _ontology() -> Graph:
    return Graph().parse(ontology_file(), format="turtle")


def validate(data: Graph, ontology: Graph | None = None, shapes: Graph | None = None) -> ValidationReport:
    """Validate ``data`` (a Graph, or a Dataset's default graph) against the shapes.

    A caller that has parsed the ontology or the shapes already (the build) passes them in.

    The ontology is mixed in (``ont_graph``) so that its ``rdfs:subClassOf`` axioms let an
    instance of a subclass meet a shape on its superclass (SHACL's own subclass rule). No RDFS
    inference runs: with it every ``rdfs:range`` would type the values it should be checking, and
    ``sh:class`` constraints could never fail.
    """
    from pyshacl import validate as shacl_validate

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
