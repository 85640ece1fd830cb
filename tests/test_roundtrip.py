"""The integrator's round trip: what claimgraph publishes passes claimgraph's own checks.

Build, dump, load the dump (with validation) into a fresh store, dump again: the same bytes.
pySHACL on the dump alone (no ontology mixed in, no claimgraph code) conforms, and every graph
read back through the Graph Store Protocol validates.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from pyshacl import validate as shacl_validate
from rdflib import Dataset, Graph, URIRef

from claimgraph.graph.build.validation import validate
from claimgraph.ontology import ONTOLOGY_IRI, ontology_dir
from conftest import LiveServer, claimgraph


@pytest.fixture(scope="module")
def dump(seed_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("roundtrip") / "dump.nq"
    claimgraph("dump", "--store", str(seed_store), "-o", str(out))
    return out


def _sorted_lines(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines())


def test_the_dump_reloads_with_validation_and_dumps_identically(dump: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    loaded = claimgraph("load", "--store", str(fresh), "--validate", str(dump), check=False)
    assert loaded.returncode == 0, loaded.stderr
    again = tmp_path / "again.nq"
    claimgraph("dump", "--store", str(fresh), "-o", str(again))
    assert _sorted_lines(again) == _sorted_lines(dump)
    assert len(_sorted_lines(dump)) > 1000


def test_pyshacl_on_the_dump_alone_conforms(dump: Path) -> None:
    """As an integrator runs it: the shapes file and the dump, nothing of claimgraph's code."""
    ds = Dataset()
    ds.parse(dump, format="nquads")
    data = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        data.add((s, p, o))
    shapes = Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")
    conforms, _, text = shacl_validate(data, shacl_graph=shapes, inference="none")
    assert conforms, text


def test_the_default_graph_alone_validates_its_sparql_constraints(dump: Path) -> None:
    """The SHACL-SPARQL constraints declare their prefixes (sh:prefixes), so they run on any
    graph, not only one whose parser happened to keep the prefixes."""
    ds = Dataset()
    ds.parse(dump, format="nquads")
    default = Graph()
    for t in ds.default_graph:
        default.add(t)
    report = validate(default)
    assert report.conforms, report.messages


def test_a_dump_with_a_broken_span_is_refused_and_the_store_keeps_what_it_had(dump: Path, tmp_path: Path) -> None:
    good = tmp_path / "store"
    claimgraph("load", "--store", str(good), str(dump))
    broken = tmp_path / "broken.nq"
    lines = dump.read_text(encoding="utf-8").splitlines()
    start = "<http://www.w3.org/ns/oa#start>"
    victim = next(i for i, line in enumerate(lines) if start in line)
    lines[victim] = lines[victim].replace(
        '"^^<http://www.w3.org/2001/XMLSchema#integer>', '1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    )
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = claimgraph("load", "--store", str(good), "--validate", str(broken), check=False)
    assert r.returncode != 0
    assert "oa:end - oa:start = STRLEN(oa:exact)" in r.stderr
    after = tmp_path / "after.nq"
    claimgraph("dump", "--store", str(good), "-o", str(after))
    assert _sorted_lines(after) == _sorted_lines(dump)


def test_every_graph_read_back_through_the_graph_store_protocol_validates(server: LiveServer, dump: Path) -> None:
    ds = Dataset()
    ds.parse(dump, format="nquads")
    names = sorted(
        {str(c.identifier) for c in ds.contexts() if isinstance(c.identifier, URIRef)} - {"urn:x-rdflib:default"}
    )
    assert ONTOLOGY_IRI in names and len(names) > 10
    merged = Graph()
    r = requests.get(f"{server.url}/store", params={"default": ""}, headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200
    merged.parse(data=r.text, format="turtle")
    for name in names:
        r = requests.get(f"{server.url}/store", params={"graph": name}, headers={"Accept": "text/turtle"}, timeout=30)
        assert r.status_code == 200, name
        g = Graph().parse(data=r.text, format="turtle", publicID=name)
        assert len(g) > 0, name
        merged += g
    report = validate(merged)
    assert report.conforms, report.messages
    assert len(merged) == len(ds)


def test_min_translations_is_what_the_published_chain_says(seed_store: Path) -> None:
    """cg:minTranslations is derived, not typed: recomputed here from the chain as the store
    holds it (the changes of language between steps whose language is known)."""
    import pyoxigraph as ox

    from claimgraph.graph.store.embedded.snapshots import open_snapshot

    query = """
        PREFIX cg: <https://w3id.org/claimgraph/ontology#>
        PREFIX schema: <http://schema.org/>
        SELECT ?claim ?n ?position ?lang WHERE {
          ?claim cg:minTranslations ?n ; cg:reportedThrough ?step .
          ?step cg:position ?position .
          OPTIONAL { ?step schema:inLanguage ?lang }
        } ORDER BY ?claim ?position"""
    chains: dict[str, tuple[int, list[str]]] = {}
    with open_snapshot(seed_store / "oxigraph") as snap:
        for row in snap.store.query(query):
            n, langs = chains.setdefault(row["claim"].value, (int(row["n"].value), []))
            if isinstance(row["lang"], ox.Literal):
                langs.append(row["lang"].value)
    assert len(chains) > 20
    for claim, (n, langs) in chains.items():
        changes = sum(1 for a, b in zip(langs, langs[1:]) if a != b)
        assert n == changes, claim
    peskov = chains["https://w3id.org/claimgraph/id/claim/peskow-fake-news"]
    assert peskov == (2, ["ru", "vi", "de"])
