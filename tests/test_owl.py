"""The ontology is OWL 2 DL as OWL tools read it: owlready2 loads it, its bundled HermiT finds it
consistent (also with the seed graph's assertions), every property has one kind shared with its
superproperties, every outside term is declared, and every copy (the file, /ontology, the
dump's ontology graph) holds the same axioms (no blank nodes that a store would rename).

HermiT runs on Java: ``make test`` installs a JRE (``make java``); without one these tests are
skipped with that reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from claimgraph.graph.build.dataset import build, default_seeds_dir
from claimgraph.ontology import CG, ONTOLOGY_IRI, ontology_file
from conftest import LiveServer

KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
BUILT_IN = (
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2001/XMLSchema#",
)
OUTSIDE_OWL2_DATATYPES = {XSD.date, XSD.gYear, XSD.gYearMonth}
needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="HermiT needs Java: run `make java` (make test does) or install a JRE"
)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_file(), format="turtle")


def _owlready(tmp: Path, graph: Graph):  # noqa: ANN202 - owlready2 has no type hints
    import owlready2

    path = tmp / "ontology.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    return owlready2, world, onto


@needs_java
def test_owlready2_loads_the_ontology_and_hermit_finds_it_consistent(ontology: Graph, tmp_path: Path) -> None:
    owlready2, world, onto = _owlready(tmp_path, ontology)
    assert onto.Claim is not None and onto.inContactWith is not None
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []
    # the hierarchy is read as properties, not as instances of a class of properties
    assert onto.inContactWith in onto.contacted.is_a and onto.inContactWith in onto.phonedWith.is_a
    assert issubclass(onto.Claim, owlready2.Thing)


@needs_java
def test_the_seed_graph_is_consistent_with_the_ontology(ontology: Graph, tmp_path: Path) -> None:
    import owlready2

    data = Graph()
    data += ontology
    for s, p, o in build(default_seeds_dir(), "https://w3id.org/claimgraph/").dataset.default_graph:
        # HermiT parses only the OWL 2 datatype map; dates (xsd:date, gYear, gYearMonth) are not
        # in it, and no axiom of the ontology constrains them
        if not (isinstance(o, Literal) and o.datatype in OUTSIDE_OWL2_DATATYPES):
            data.add((s, p, o))
    _, world, onto = _owlready(tmp_path, data)
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []


@needs_java
def test_hermit_notices_an_inconsistency(ontology: Graph, tmp_path: Path) -> None:
    """The check above can fail: a stance that is two different values at once is refused."""
    import owlready2

    data = Graph()
    data += ontology
    claim = URIRef("https://example.org/claim")
    data.add((claim, RDF.type, CG.Claim))
    data.add((claim, CG.stance, CG.asserts))
    data.add((claim, CG.stance, CG.denies))  # cg:stance is functional, the values differ
    _, world, onto = _owlready(tmp_path, data)
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)


def test_no_class_is_a_subclass_of_rdf_property_and_no_term_is_two_kinds(ontology: Graph) -> None:
    assert not list(ontology.subjects(RDFS.subClassOf, RDF.Property))
    for kind in KINDS:
        for term in ontology.subjects(RDF.type, kind):
            others = {k for k in KINDS if k != kind and (term, RDF.type, k) in ontology}
            assert not others, f"{term} is declared as {kind} and {others}"


def test_subproperties_have_the_kind_of_their_superproperties(ontology: Graph) -> None:
    def kind(p: URIRef) -> URIRef | None:
        return next((k for k in KINDS if (p, RDF.type, k) in ontology), None)

    pairs = list(ontology.subject_objects(RDFS.subPropertyOf))
    assert len(pairs) > 20
    for sub, sup in pairs:
        assert kind(sub) is not None, f"{sub} is not declared"
        assert kind(sub) == kind(sup), f"{sub} ({kind(sub)}) is a subproperty of {sup} ({kind(sup)})"


def test_every_term_used_in_an_axiom_is_declared(ontology: Graph) -> None:
    declared = set(ontology.subjects(RDF.type, None))
    axioms = (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.disjointWith, OWL.inverseOf)
    used = {o for p in axioms for o in ontology.objects(None, p)}
    used |= {p for _, p, _ in ontology}
    missing = sorted(t for t in used if isinstance(t, URIRef) and not str(t).startswith(BUILT_IN) and t not in declared)
    assert missing == []


def test_the_ontology_has_no_blank_nodes(ontology: Graph) -> None:
    assert not [t for t in ontology if any(isinstance(x, BNode) for x in t)]
    # what owl:AllDifferent said, pairwise: the five stances are distinct
    stances = [CG.asserts, CG.denies, CG.accuses, CG.rejects, CG.declinesToComment]
    for i, a in enumerate(stances):
        for b in stances[i + 1 :]:
            assert (a, OWL.differentFrom, b) in ontology


def test_the_proposition_relations_form_a_hierarchy_with_domains(ontology: Graph) -> None:
    contact = set(ontology.transitive_subjects(RDFS.subPropertyOf, CG.inContactWith))
    assert {CG.contacted, CG.phonedWith} <= contact
    for group in (CG.attitudeTowards, CG.supplyRelation, CG.useRelation, CG.communicationRelation):
        assert (group, RDFS.subPropertyOf, CG.propositionRelation) in ontology
        assert len(list(ontology.subjects(RDFS.subPropertyOf, group))) >= 2, group
    leaves = [
        p
        for p in ontology.transitive_subjects(RDFS.subPropertyOf, CG.propositionRelation)
        if not list(ontology.subjects(RDFS.subPropertyOf, p))
    ]
    assert len(leaves) >= 14
    for p in leaves:
        assert list(ontology.objects(p, RDFS.domain)) or list(ontology.objects(p, RDFS.range)), p


def test_the_dump_and_the_ontology_page_hold_the_same_axioms(server: LiveServer, ontology: Graph) -> None:
    page = requests.get(f"{server.url}/ontology", headers={"Accept": "text/turtle"}, timeout=30)
    assert page.status_code == 200
    served = Graph().parse(data=page.text, format="turtle")
    stored = requests.get(
        f"{server.url}/store", params={"graph": ONTOLOGY_IRI}, headers={"Accept": "application/n-triples"}, timeout=30
    )
    assert stored.status_code == 200
    in_store = Graph().parse(data=stored.text, format="nt")
    assert isomorphic(served, ontology)
    assert isomorphic(in_store, ontology)
    assert len(list(in_store.subject_objects(OWL.differentFrom))) == len(
        list(ontology.subject_objects(OWL.differentFrom))
    )
