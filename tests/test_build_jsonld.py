"""``claimgraph claims``: the claim-by-claim JSON-LD, read back with a real JSON-LD parser."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

from conftest import claimgraph

ID = "https://w3id.org/claimgraph/id/"
CG = "https://w3id.org/claimgraph/ontology#"


def test_one_claim_keeps_its_proposition_in_a_named_graph(seed_store: Path) -> None:
    out = claimgraph("claims", "--store", str(seed_store), "--claim", "peskow-fake-news").stdout
    quads = list(ox.parse(out.encode(), ox.RdfFormat.JSON_LD))
    claim = ox.NamedNode(ID + "claim/peskow-fake-news")
    default = [q for q in quads if q.graph_name == ox.DefaultGraph()]
    assert ox.Quad(claim, ox.NamedNode(CG + "stance"), ox.NamedNode(CG + "denies"), ox.DefaultGraph()) in default
    assert any(
        q.predicate.value == "http://www.w3.org/ns/oa#exact" and q.object.value.startswith("Das ist völlig unwahr")
        for q in default
    )
    claimed = [q for q in quads if q.predicate.value == CG + "inContactWith"]
    assert [q.graph_name for q in claimed] == [ox.NamedNode(ID + "proposition/musk-putin-in-kontakt")]
    steps = {q.subject for q in default if q.predicate.value == CG + "position"}
    assert len(steps) == 4


def test_every_claim_as_one_document_per_line_and_unknown_claims_fail(seed_store: Path, tmp_path: Path) -> None:
    lines = claimgraph("claims", "--store", str(seed_store)).stdout.splitlines()
    assert len(lines) == 22 and all(json.loads(line)["@graph"] for line in lines)
    written = claimgraph("claims", "--store", str(seed_store), "-o", str(tmp_path / "out"))
    assert "wrote 22 claim(s)" in written.stdout
    assert (tmp_path / "out" / "kreml-bestreitet-kontakt.jsonld").exists()
    bad = claimgraph("claims", "--store", str(seed_store), "--claim", "no-such-claim", check=False)
    assert bad.returncode != 0 and bad.stderr.startswith("Error: no claim")
