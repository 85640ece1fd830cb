"""claimgraph validate: the whole store against ontology/shapes.ttl, on a real store on disk and
over a real server; a claim that lost its speaker (by SPARQL Update) is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimgraph.graph.store import EmbeddedStore, UpdateRequest
from conftest import LiveServer, claimgraph
from corpus_helpers import BASE, CG
from test_spkatt_import import DOC, STANCE_DOC


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two hand-made SpkAtt articles imported with their ingest records (treat as read-only)."""
    base = tmp_path_factory.mktemp("validate")
    data = base / "spkatt"
    (data / "train").mkdir(parents=True)
    (data / "dev").mkdir()
    (data / "index.tsv").write_text(
        "id\tsplit\tdate\ttitle\n4711\ttrain\t2009-05-01\tTest\n4712\tdev\t2009-05-02\tHaltungen\n", encoding="utf-8"
    )
    (data / "train" / "4711.json").write_text(json.dumps(DOC), encoding="utf-8")
    (data / "dev" / "4712.json").write_text(json.dumps(STANCE_DOC), encoding="utf-8")
    store = base / "store"
    claimgraph("import-spkatt", "--store", str(store), "--base-iri", BASE, str(data))
    return store


def test_a_conforming_store_passes(imported: Path) -> None:
    res = claimgraph("validate", "--store", str(imported), "--base-iri", BASE, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "conforms to the shapes" in res.stdout


def test_a_claim_without_its_speaker_fails_naming_the_focus_node(imported: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    backup = claimgraph("backup", "--store", str(imported), str(store), check=False)
    assert backup.returncode == 0, backup.stderr
    kept, made = f"{BASE}id/claim/wn4712-1", f"{BASE}id/claim/by-update"
    es = EmbeddedStore(store)
    try:
        # one claim copied without its speaker (no ingest record knows it), and one recorded
        # claim that loses its speaker
        es.update(
            UpdateRequest(
                f"""PREFIX cg: <{CG}>
                INSERT {{ <{made}> ?p ?o }} WHERE {{ <{kept}> ?p ?o FILTER (?p != cg:speaker) }} ;
                DELETE WHERE {{ <{BASE}id/claim/wn4711-2> cg:speaker ?s }}"""
            )
        )
    finally:
        es.close()
    res = claimgraph("validate", "--store", str(store), "--base-iri", BASE, "--workers", "1", check=False)
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert lines == [
        f"{BASE}id/claim/by-update: {CG}speaker: a claim needs a speaker (cg:speaker), a prov:Agent",
        f"{BASE}id/claim/wn4711-2: {CG}speaker: a claim needs a speaker (cg:speaker), a prov:Agent",
    ]
    assert "does not conform: 2 violation(s)" in res.stderr


def test_a_store_behind_a_server_is_checked_over_http(server: LiveServer) -> None:
    res = claimgraph("validate", "--store-url", server.sparql, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "conforms to the shapes" in res.stdout


def test_no_store_is_a_clear_error(tmp_path: Path) -> None:
    res = claimgraph("validate", "--store", str(tmp_path / "none"), check=False)
    assert res.returncode != 0 and "no store at" in res.stderr
