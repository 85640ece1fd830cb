"""What makes ingest fast must not change what it writes.

Workers compile into a light dataset (graph/build/lightgraph.py) instead of rdflib's, hash each
claim's bundle over their article's own quads, and hash a record's quads from their N-Quads lines;
each shortcut is compared here with the way it replaces."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from claimgraph.graph.build.bundles import BUNDLE_HASH, bundle_hashes, hash_nquads, hash_quads, store_select
from claimgraph.graph.build.lightgraph import LightGraph
from claimgraph.graph.store import EmbeddedStore
from claimgraph.ingest import ingest
from conftest import ROOT

BASE = "https://w3id.org/claimgraph/"


def test_the_hash_of_nquads_lines_is_the_canonical_hash() -> None:
    s, p = ox.NamedNode("https://ex.org/s"), ox.NamedNode("https://ex.org/p")
    quads = [
        ox.Quad(s, p, ox.Literal('ein "Zitat"\nmit Zeilenumbruch, \\ und é'), ox.DefaultGraph()),
        ox.Quad(s, p, ox.Literal("5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        ox.Quad(s, p, ox.Literal("Wort", language="de"), ox.NamedNode("https://ex.org/g")),
        ox.Quad(s, p, ox.Literal("\t\r")),
    ]
    data = ox.serialize(quads + quads[:1], format=ox.RdfFormat.N_QUADS) or b""  # a line twice
    assert hash_nquads(data) == hash_quads(quads)
    with_blank = [*quads, ox.Quad(ox.BlankNode("b1"), p, ox.Literal("x"))]
    data = ox.serialize(with_blank, format=ox.RdfFormat.N_QUADS) or b""
    assert hash_nquads(data) == hash_quads(with_blank)  # relabelled, by the general path


def test_the_light_graph_answers_like_rdflib() -> None:
    rng = random.Random(7)
    nodes = [URIRef(f"https://ex.org/n{i}") for i in range(6)]
    values = [*nodes, Literal("a"), Literal("a", lang="de"), Literal(1)]
    light, real = LightGraph(), Graph()
    for _ in range(80):
        t = (rng.choice(nodes), rng.choice(nodes[:3]), rng.choice(values))
        light.add(t)
        real.add(t)
    assert len(light) == len(real) and set(light) == set(real)
    for s in [None, *nodes]:
        for p in [None, *nodes[:3]]:
            for o in [None, *values]:
                assert set(light.triples((s, p, o))) == set(real.triples((s, p, o)))
                assert ((s, p, o) in light) == ((s, p, o) in real)
    for p in [None, *nodes[:3]]:
        assert set(light.subject_objects(p)) == set(real.subject_objects(p))
        for o in values:
            assert set(light.subjects(p, o)) == set(real.subjects(p, o))
    assert set(light.predicates()) == set(real.predicates())
    assert set(light.objects(nodes[0], nodes[1])) == set(real.objects(nodes[0], nodes[1]))
    assert set(light.to_rdflib()) == set(real)


def test_bundle_hashes_from_the_workers_equal_those_of_the_store(tmp_path: Path) -> None:
    """Two articles sharing speakers (merged entities, shared quads): every claim's stated hash
    is the one bundle.rq gives over the whole store."""
    src = tmp_path / "src"
    src.mkdir()
    for path in (ROOT / "seeds").glob("000_*"):
        shutil.copy(path, src / path.name)
    for path in (ROOT / "tests" / "data" / "second-article").iterdir():
        shutil.copy(path, src / path.name)
    store = EmbeddedStore(tmp_path / "store", query_workers=1)
    try:
        summary = ingest(store, [src], BASE, validate=False)
        assert len(summary.added) == 2 and summary.claims > 2
        with store.reader() as st:
            stated = {
                q.subject.value: q.object.value
                for q in st.quads_for_pattern(None, BUNDLE_HASH, None, ox.DefaultGraph())
                if isinstance(q.subject, ox.NamedNode)
            }
            assert len(stated) == summary.claims
            assert stated == bundle_hashes(store_select(st))
    finally:
        store.close()
