"""The ontology: parses, is documented in English and German, declares every term the data
uses, reuses only terms that exist in the vocabularies it borrows from, is consistent under
OWL 2 RL reasoning with the seed data, and its shapes accept the seed graph and reject a
broken claim with a message naming what is missing."""

from __future__ import annotations


import owlrl
import pytest
from rdflib import OWL, RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, SDO, SKOS, XSD

from claimgraph.graph.build.dataset import build, proposition_relations
from claimgraph.graph.build.validation import validate
from claimgraph.ontology import CG, OA, ONTOLOGY_IRI, SCHEMA, ontology_file
from conftest import ROOT

ONT = URIRef(ONTOLOGY_IRI)
VANN = "http://purl.org/vocab/vann/"
#: Web Annotation terms claimgraph uses, as defined in the W3C vocabulary (www.w3.org/ns/oa).
OA_TERMS = {
    "TextPositionSelector",
    "TextQuoteSelector",
    "start",
    "end",
    "exact",
    "prefix",
    "suffix",
    "Annotation",
    "SpecificResource",
    "Motivation",
    "hasBody",
    "hasTarget",
    "hasSource",
    "hasSelector",
    "motivatedBy",
    "identifying",
    "classifying",
}
#: rdflib ships the term lists of these vocabularies (generated from their own files).
CLOSED = {str(PROV): PROV, str(SCHEMA): SDO, str(DCTERMS): DCTERMS, str(DCAT): DCAT, str(SKOS): SKOS}
CLAIM = URIRef("https://w3id.org/claimgraph/id/claim/peskow-fake-news")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_file(), format="turtle")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return build(ROOT / "seeds", "https://w3id.org/claimgraph/", validate=False).dataset


def cg_terms(ontology: Graph) -> set[URIRef]:
    return {s for s in ontology.subjects() if isinstance(s, URIRef) and s.startswith(str(CG))}


def test_ontology_metadata(ontology: Graph) -> None:
    assert (ONT, RDF.type, OWL.Ontology) in ontology
    version = ontology.value(ONT, OWL.versionIRI)
    assert version is not None and str(version).startswith(ONTOLOGY_IRI + "/")
    assert ontology.value(ONT, DCTERMS.license) is not None
    assert ontology.value(ONT, DCTERMS.creator) is not None
    assert str(ontology.value(ONT, URIRef(VANN + "preferredNamespacePrefix"))) == "cg"
    assert str(ontology.value(ONT, URIRef(VANN + "preferredNamespaceUri"))) == str(CG)
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {o.language for o in ontology.objects(ONT, prop)} >= {"en", "de"}


def test_every_declared_term_is_documented_in_english_and_german(ontology: Graph) -> None:
    terms = cg_terms(ontology)
    assert len(terms) > 60
    for term in sorted(terms):
        assert (term, RDFS.isDefinedBy, ONT) in ontology, f"{term} has no rdfs:isDefinedBy"
        for prop in (RDFS.label, RDFS.comment):
            langs = {o.language for o in ontology.objects(term, prop)}
            assert {"en", "de"} <= langs, f"{term} lacks an en or de {prop.n3()}"


def test_every_term_used_in_the_data_is_declared(ontology: Graph, dataset: Dataset) -> None:
    declared = cg_terms(ontology)
    used = set()
    for s, p, o, _ in dataset.quads():
        used |= {t for t in (s, p, o) if isinstance(t, URIRef) and t.startswith(str(CG))}
    assert used and used <= declared, sorted(used - declared)


def test_every_borrowed_term_exists_in_its_own_vocabulary(ontology: Graph, dataset: Dataset) -> None:
    terms = {t for q in dataset.quads() for t in q[:3] if isinstance(t, URIRef)}
    terms |= {t for triple in ontology for t in triple if isinstance(t, URIRef)}
    for term in sorted(terms):
        for ns, closed in CLOSED.items():
            if term.startswith(ns):
                names = set(closed.__annotations__) | set(getattr(closed, "_extras", ()))
                assert term[len(ns) :] in names, f"{term} is not defined by {ns}"
        if term.startswith(str(OA)):
            assert term[len(str(OA)) :] in OA_TERMS, term


def test_propositions_are_only_in_their_own_named_graphs(ontology: Graph, dataset: Dataset) -> None:
    relations = proposition_relations(ontology)
    default = dataset.default_graph
    assert not any((None, r, None) in default for r in relations)
    propositions = set(default.subjects(RDF.type, CG.Proposition))
    assert len(propositions) >= 15
    for p in propositions:
        assert len(dataset.graph(p)) >= 1, f"{p} has no triples in its named graph"


def _reasoned(ontology: Graph, data: Graph) -> Graph:
    g = Graph()
    for t in ontology:
        g.add(t)
    for t in data:
        g.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    return g


def _inconsistencies(g: Graph) -> list[str]:
    err = "http://www.daml.org/2002/03/agents/agent-ont#"
    messages = [str(m) for m in g.objects(None, URIRef(err + "error"))]
    return messages + [f"{s} is an owl:Nothing" for s in g.subjects(RDF.type, OWL.Nothing)]


def test_ontology_and_seed_data_are_consistent_under_owl2_rl(ontology: Graph, dataset: Dataset) -> None:
    g = _reasoned(ontology, dataset.default_graph)
    assert _inconsistencies(g) == []
    # the reasoning did work: subclass and subproperty entailments are there
    assert (CLAIM, RDF.type, PROV.Entity) in g
    assert (CLAIM, PROV.wasAttributedTo, URIRef("https://w3id.org/claimgraph/id/entity/dmitri-peskow")) in g


def test_owl2_rl_reasoning_finds_a_claim_with_two_stances_inconsistent(ontology: Graph, dataset: Dataset) -> None:
    data = Graph()
    for t in dataset.default_graph:
        data.add(t)
    data.add((CLAIM, CG.stance, CG.asserts))  # it already denies; cg:stance is functional
    assert _inconsistencies(_reasoned(ontology, data))


def test_the_seed_graph_conforms_to_the_shapes(dataset: Dataset) -> None:
    report = validate(dataset.default_graph)
    assert report.conforms, report.messages


def test_a_broken_claim_is_rejected_with_messages_naming_what_is_missing(dataset: Dataset) -> None:
    data = Graph()
    for t in dataset.default_graph:
        data.add(t)
    data.remove((CLAIM, CG.stance, None))
    data.remove((CLAIM, CG.paraphrase, None))
    span = URIRef("https://w3id.org/claimgraph/id/span/peskow-fake-news")
    data.set((span, OA.end, Literal(2000, datatype=XSD.integer)))
    report = validate(data)
    assert not report.conforms
    text = "\n".join(report.messages)
    assert f"{CLAIM}: {CG.stance}: a claim needs exactly one stance (cg:stance)" in text
    assert "a claim needs a German paraphrase (cg:paraphrase with @de)" in text
    assert "a claim needs an English paraphrase (cg:paraphrase with @en)" in text
    assert f"{span}: the span's end offset minus its start offset must be the length of its exact text" in text


def test_a_sparql_constraint_is_parsed_once_and_checks_each_focus_node_with_its_own_binding(dataset: Dataset) -> None:
    # pySHACL runs a SPARQL constraint once per focus node; validation parses its text once
    # (a prepared query) and must still bind each node in turn: only the broken step is named.
    from claimgraph.graph.build.validation import _prepared

    data = Graph()
    for t in dataset.default_graph:
        data.add(t)
    first = URIRef("https://w3id.org/claimgraph/id/step/peskow-fake-news-1")
    second = URIRef("https://w3id.org/claimgraph/id/step/peskow-fake-news-2")
    data.remove((second, CG.previousStep, first))
    before = _prepared.cache_info()
    report = validate(data)
    after = _prepared.cache_info()
    assert not report.conforms
    step_rule = "every reporting step after the first needs its previous step"
    assert [m for m in report.messages if step_rule in m] == [
        f"{second}: {step_rule} (cg:previousStep), one position lower"
    ]
    assert after.hits > before.hits  # the same text again for the next focus node: not parsed again
    assert validate(dataset.default_graph).conforms  # a cached query does not carry a binding over


def test_clients_without_a_reasoner_see_the_prov_schema_and_oa_types(dataset: Dataset) -> None:
    g = dataset.default_graph
    assert {(CLAIM, RDF.type, PROV.Entity), (CLAIM, RDF.type, SCHEMA.Claim)} <= set(g.triples((CLAIM, RDF.type, None)))
    assert (CLAIM, PROV.wasAttributedTo, URIRef("https://w3id.org/claimgraph/id/entity/dmitri-peskow")) in g
    span = URIRef("https://w3id.org/claimgraph/id/span/peskow-fake-news")
    assert (span, RDF.type, OA.TextPositionSelector) in g and (span, RDF.type, OA.TextQuoteSelector) in g
    step = URIRef("https://w3id.org/claimgraph/id/step/peskow-fake-news-2")
    assert (step, PROV.wasDerivedFrom, URIRef("https://w3id.org/claimgraph/id/step/peskow-fake-news-1")) in g


def test_a_speaker_that_is_not_an_agent_is_rejected(dataset: Dataset) -> None:
    # Validation runs without RDFS inference: a range must not silently type a wrong value.
    data = Graph()
    for t in dataset.default_graph:
        data.add(t)
    stranger = URIRef("https://w3id.org/claimgraph/id/entity/starlink")
    data.set((CLAIM, CG.speaker, stranger))
    report = validate(data)
    assert not report.conforms
    assert any(m.startswith(f"{CLAIM}: {CG.speaker}:") for m in report.messages), report.messages
