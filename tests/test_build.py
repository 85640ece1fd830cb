"""The build: refuses corrupted annotations with a clear message, leaves the store untouched
when it fails, and is deterministic (same input, same triples and IRIs)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from claimgraph.graph.build.dataset import BuildError, build
from conftest import ROOT, claimgraph

SEEDS = ROOT / "seeds"
ANNOTATION = "000_dade6e3c090f456c.claims.yaml"
FIXED = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def corrupted_seeds(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the seeds folder with one edit in the annotation."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    ann = target / ANNOTATION
    text = ann.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"test setup: {old!r} not in the annotation"
    ann.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def test_a_wrong_offset_names_the_annotation_what_it_expected_and_what_the_text_says(tmp_path: Path) -> None:
    seeds = corrupted_seeds(tmp_path, 'verbreitet wurden", start: 1910}', 'verbreitet wurden", start: 1911}')
    with pytest.raises(BuildError) as err:
        build(seeds, "https://w3id.org/claimgraph/", validate=False)
    msg = str(err.value)
    assert ANNOTATION in msg
    assert "claim peskow-fake-news: evidence" in msg
    assert "expected 'Das ist völlig unwahr" in msg and "at offset 1911" in msg
    assert "the text says 'as ist völlig unwahr" in msg
    assert "the quote occurs at offset(s) 1910" in msg


def test_a_quote_that_is_not_in_the_text_is_refused(tmp_path: Path) -> None:
    seeds = corrupted_seeds(tmp_path, "Das ist völlig unwahr, es", "Das ist ganz und gar unwahr, es")
    with pytest.raises(
        BuildError,
        match=r"claim peskow-fake-news: evidence: expected 'Das ist ganz und gar unwahr.*"
        r"the quote does not occur anywhere in the text",
    ):
        build(seeds, "https://w3id.org/claimgraph/", validate=False)


def test_an_unknown_speaker_is_refused(tmp_path: Path) -> None:
    seeds = corrupted_seeds(tmp_path, "speaker: kreml\n", "speaker: kremlin-press-office\n")
    with pytest.raises(BuildError, match=r"claim kreml-bestreitet-kontakt: unknown speaker 'kremlin-press-office'"):
        build(seeds, "https://w3id.org/claimgraph/", validate=False)


def test_an_unlisted_wikidata_link_is_refused(tmp_path: Path) -> None:
    seeds = corrupted_seeds(
        tmp_path,
        "label: {de: Dmitri Peskow, en: Dmitry Peskov}",
        "label: {de: Dmitri Peskow, en: Dmitry Peskov}\n    wikidata: Q123456",
    )
    with pytest.raises(
        BuildError, match=r"entity dmitri-peskow: Wikidata id Q123456 is not in the checked reference list"
    ):
        build(seeds, "https://w3id.org/claimgraph/", validate=False)


def test_a_relation_the_ontology_does_not_declare_is_refused(tmp_path: Path) -> None:
    seeds = corrupted_seeds(
        tmp_path, "[elon-musk, inContactWith, wladimir-putin]", "[elon-musk, secretlyAlliedWith, wladimir-putin]"
    )
    with pytest.raises(
        BuildError, match=r"proposition musk-putin-in-kontakt: triple 1: relation 'secretlyAlliedWith' is not declared"
    ):
        build(seeds, "https://w3id.org/claimgraph/", validate=False)


def test_a_misspelt_key_is_refused_rather_than_dropped(tmp_path: Path) -> None:
    seeds = corrupted_seeds(tmp_path, 'said: {date: "2024-10-24"', 'said: {datum: "2024-10-24"')
    with pytest.raises(BuildError, match=r"claim wsj-musk-putin-kontakt: said: unknown key\(s\) datum"):
        build(seeds, "https://w3id.org/claimgraph/", validate=False)


@pytest.mark.parametrize(
    ("stance", "message"),
    [
        ("stance: asserts\n    stance_method: extracted", "needs its stance_confidence"),
        ("stance: asserts\n    stance_method: guessed", "unknown stance_method 'guessed'"),
        (
            "stance: asserts\n    stance_method: extracted\n    stance_confidence: 1.5",
            "stance_confidence must be a number from 0 to 1, got 1.5",
        ),
        (
            "stance: asserts\n    stance_method: extracted\n    stance_confidence: high",
            "stance_confidence must be a number from 0 to 1, got 'high'",
        ),
    ],
)
def test_a_looked_up_stance_needs_a_confidence_from_0_to_1(tmp_path: Path, stance: str, message: str) -> None:
    seeds = corrupted_seeds(tmp_path, "stance: asserts", stance)
    with pytest.raises(BuildError, match=re.escape(message)):
        build(seeds, "https://w3id.org/claimgraph/", validate=False)


def test_a_failed_cli_build_leaves_the_existing_store_byte_identical(tmp_path: Path, seed_store: Path) -> None:
    store = tmp_path / "store"
    claimgraph("backup", "--store", str(seed_store), str(store))  # a built store, without building again
    before = claimgraph("dump", "--store", str(store), "--format", "nquads").stdout
    assert "peskow-fake-news" in before
    seeds = corrupted_seeds(tmp_path, 'verbreitet wurden", start: 1910}', 'verbreitet wurden", start: 1911}')
    failed = claimgraph("build", "--store", str(store), "--seeds", str(seeds), check=False)
    assert failed.returncode != 0
    assert "Traceback" not in failed.stderr
    assert "claim peskow-fake-news: evidence: expected" in failed.stderr
    after = claimgraph("dump", "--store", str(store), "--format", "nquads").stdout
    assert after == before


def test_the_iri_base_is_configurable() -> None:
    result = build(SEEDS, "https://example.org/kg/", started=FIXED, validate=False)
    text = result.nquads().decode()
    assert "<https://example.org/kg/id/claim/peskow-fake-news>" in text
    assert "https://w3id.org/claimgraph/id/" not in text


def _nquads_in_subprocess(hash_seed: str) -> bytes:
    """Build in a fresh interpreter (own hash seed) and return the sorted N-Quads."""
    code = (
        "import sys; from pathlib import Path; from datetime import datetime, timezone; "
        "from claimgraph.graph.build.dataset import build; "
        "r = build(Path(sys.argv[1]), 'https://w3id.org/claimgraph/', "
        "started=datetime(2026, 11, 25, 12, tzinfo=timezone.utc), validate=False); "
        "sys.stdout.buffer.write(r.nquads())"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(SEEDS)],
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
    ).stdout


def test_same_input_gives_the_same_bytes_in_different_processes() -> None:
    first, second = _nquads_in_subprocess("1"), _nquads_in_subprocess("2")
    assert first == second
    assert len(first.splitlines()) > 2000


def test_the_run_time_is_the_only_difference_and_source_date_epoch_fixes_it(tmp_path: Path, seed_store: Path) -> None:
    store = tmp_path / "store"
    claimgraph("build", "--store", str(store), env={"SOURCE_DATE_EPOCH": "1764072000"})
    ours = claimgraph("dump", "--store", str(store)).stdout.splitlines()
    theirs = claimgraph("dump", "--store", str(seed_store)).stdout.splitlines()
    started = re.compile(r"ns/prov#startedAtTime> ")
    # the dataset hash covers the run's start time, so it differs with it (bundle hashes do not)
    timed = re.compile(r"ns/prov#startedAtTime> |ontology#datasetHash> ")
    assert [l for l in ours if not timed.search(l)] == [l for l in theirs if not timed.search(l)]
    assert [l for l in ours if started.search(l)] == [
        l for l in ours if '"2025-11-25T12:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>' in l
    ]
