"""Checking a store in parts (graph/build/conformance.py) finds exactly what pySHACL finds on the
whole graph at once: every node judged once, with the neighbours its shapes need."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from claimgraph.graph.build.conformance import check, make_parts
from claimgraph.graph.build.dataset import build
from conftest import ROOT

BASE = "https://claimgraph.example.org/"
CG = "https://w3id.org/claimgraph/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OA_EXACT = "http://www.w3.org/ns/oa#exact"


@pytest.fixture(scope="module")
def seed_triples() -> list[ox.Triple]:
    """The default graph of the seed build, compiled in this process."""
    ds = build(ROOT / "seeds", BASE, validate=False).dataset
    data = ds.graph(DATASET_DEFAULT_GRAPH_ID).serialize(format="nt", encoding="utf-8")
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, ox.RdfFormat.N_TRIPLES)]


def _broken(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Violations of several kinds of node: a claim without speaker, that speaker (other
    claims may name it) without its name, a span without its words, a reporting step without its position."""
    speaker = next(t for t in triples if t.predicate.value == CG + "speaker")
    shared = speaker.object
    span = next(t for t in triples if t.predicate.value == OA_EXACT)
    step = next(t for t in triples if t.predicate.value == CG + "position")
    drop = {speaker, span, step} | {t for t in triples if t.subject == shared and t.predicate.value == RDFS_LABEL}
    return [t for t in triples if t not in drop]


def test_parts_find_what_the_whole_graph_finds(seed_triples: list[ox.Triple]) -> None:
    triples = _broken(seed_triples)
    whole = check(triples, workers=1, part_subjects=10**9)
    parts = check(triples, workers=1, part_subjects=25)
    assert whole.parts == 1 and parts.parts > 10
    assert parts.violations == whole.violations
    assert not parts.conforms
    expected = {CG + "speaker", OA_EXACT, CG + "position", RDFS_LABEL}  # RDFS_LABEL: the speaker's name
    assert expected <= {v.path for v in parts.violations}


def test_the_seed_build_conforms_in_parts(seed_triples: list[ox.Triple]) -> None:
    report = check(seed_triples, workers=1, part_subjects=40)
    assert report.conforms and report.violations == []
    assert report.triples == len(seed_triples)


def test_every_subject_is_in_exactly_one_part(seed_triples: list[ox.Triple]) -> None:
    parts, n, subjects = make_parts(seed_triples, part_subjects=30)
    described = {t.subject.value for t in seed_triples}
    judged = [name for p in parts for name in p.judged if name in described]
    assert sorted(judged) == sorted(described) and n == len(seed_triples) and subjects == len(described)


def test_a_blank_node_is_named_by_its_label() -> None:
    claim = ox.BlankNode("claim1")
    report = check([ox.Triple(claim, ox.NamedNode(RDF_TYPE), ox.NamedNode(CG + "Claim"))], workers=1)
    assert f"_:claim1: {CG}speaker: a claim needs a speaker (cg:speaker), a prov:Agent" in [
        v.line() for v in report.violations
    ]
