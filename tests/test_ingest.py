"""claimgraph ingest / remove on a real store on disk: add, skip, replace, remove, failures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from claimgraph.graph.store import EmbeddedStore
from claimgraph.ingest import IngestFailed, ingest
from corpus_helpers import BASE, all_quads, claims_per_article, select, write_article
from conftest import ROOT, claimgraph_in_process

# Each test writes several store versions (seconds each): the full suite runs them, the fast tier does not.
pytestmark = pytest.mark.slow

SEED = ROOT / "seeds"


def cli(store: Path, *args: str, check: bool = True):
    return claimgraph_in_process(*args, "--store", str(store), "--base-iri", BASE, check=check)


def three_articles(folder: Path) -> list[Path]:
    return [
        write_article(
            folder,
            "artikel-a",
            "Anna Muster sagte, der Zug sei pünktlich.\nSie lobte die Bahn.",
            {"anna-muster": ("Person", "Anna Muster", ["Anna Muster"])},
            [("a-zug", "anna-muster", "der Zug sei pünktlich"), ("a-lob", "anna-muster", "Sie lobte die Bahn")],
        ),
        write_article(
            folder,
            "artikel-b",
            "Bernd Beispiel erklärte, es regne morgen.",
            {"bernd-beispiel": ("Person", "Bernd Beispiel", ["Bernd Beispiel"])},
            [("b-regen", "bernd-beispiel", "es regne morgen")],
        ),
        write_article(
            folder,
            "artikel-c",
            "Laut Anna Muster steigen die Preise. Bernd Beispiel widersprach.",
            {
                "anna": ("Person", "Anna Muster", ["Anna Muster"]),
                "bernd": ("Person", "Bernd Beispiel", ["Bernd Beispiel"]),
            },
            [("c-preise", "anna", "steigen die Preise"), ("c-widerspruch", "bernd", "widersprach")],
        ),
    ]


def test_add_skip_replace_remove_with_counts(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    three_articles(src)
    out = cli(store, "ingest", str(src)).stdout
    assert "3 added, 0 replaced, 0 skipped, 0 failed; 5 claim(s)" in out
    assert claims_per_article(store) == {"artikel-a": 2, "artikel-b": 1, "artikel-c": 2}
    before = all_quads(store)

    # unchanged: skipped, the store keeps its quads
    out = cli(store, "ingest", str(src)).stdout
    assert "0 added, 0 replaced, 3 skipped" in out
    assert all_quads(store) == before

    # a changed reading of one article replaces exactly that article
    write_article(
        src,
        "artikel-b",
        "Bernd Beispiel erklärte, es regne morgen. Er warnte vor Sturm.",
        {"bernd-beispiel": ("Person", "Bernd Beispiel", ["Bernd Beispiel"])},
        [("b-regen", "bernd-beispiel", "es regne morgen"), ("b-sturm", "bernd-beispiel", "warnte vor Sturm")],
    )
    out = cli(store, "ingest", str(src / "artikel-b.txt")).stdout
    assert "0 added, 1 replaced, 0 skipped, 0 failed; 2 claim(s)" in out
    assert claims_per_article(store) == {"artikel-a": 2, "artikel-b": 2, "artikel-c": 2}
    # nothing of the old text survives: one source file, with the new hash
    rows = select(
        store, f"SELECT ?h WHERE {{ <{BASE}id/document/artikel-b> ^schema:encodesCreativeWork/cg:sha256 ?h }}"
    )
    assert len(rows) == 1

    # remove takes the article out, and the merged speakers stay for the articles that have them
    out = cli(store, "remove", "artikel-b").stdout
    assert "removed 1 article(s) with 2 claim(s)" in out
    assert claims_per_article(store) == {"artikel-a": 2, "artikel-c": 2}
    bernd = select(
        store, f"SELECT ?l WHERE {{ <{BASE}id/entity/bernd-beispiel> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    )
    assert bernd and {r["l"] for r in bernd} == {"Bernd Beispiel"}  # still spoken by artikel-c
    assert not select(store, f"SELECT ?p WHERE {{ <{BASE}id/claim/b-regen> ?p ?o }}")

    # removing the last article that names a speaker removes the speaker too
    cli(store, "remove", "artikel-c")
    assert not select(store, f"SELECT ?p WHERE {{ <{BASE}id/entity/bernd-beispiel> ?p ?o }}")
    assert cli(store, "remove", "artikel-c", check=False).returncode != 0


def test_removing_an_article_restores_the_store_exactly(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    a, b, c = three_articles(src)
    only_a = tmp_path / "only-a"
    only_a.mkdir()
    for suffix in (".txt", ".meta.yaml", ".claims.yaml"):
        shutil.copy(src / f"artikel-a{suffix}", only_a)
    cli(store, "ingest", str(only_a))
    alone = all_quads(store)
    cli(store, "ingest", str(b), str(c))
    cli(store, "remove", "artikel-b", "artikel-c")
    assert all_quads(store) == alone


def test_the_seed_article_ingests_and_reingests(tmp_path: Path) -> None:
    store = tmp_path / "store"
    out = cli(store, "ingest", str(SEED)).stdout
    assert "1 added" in out and "22 claim(s)" in out
    assert claims_per_article(store) == {"musk-putin-kontakt": 22}
    assert "1 skipped" in cli(store, "ingest", str(SEED)).stdout


@pytest.mark.parametrize(
    "breakage, expected",
    [
        ("span", "expected 'der Zug ist pünktlich' at offset"),
        ("yaml", "cannot read annotation"),
        ("utf8", "not UTF-8"),
    ],
)
def test_a_failing_article_names_the_file_and_changes_nothing(tmp_path: Path, breakage: str, expected: str) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    three_articles(src)
    cli(store, "ingest", str(src / "artikel-c.txt"))
    before = all_quads(store)
    generation = (store / "generation").read_text()
    bad = src / "artikel-a.claims.yaml"
    if breakage == "span":
        bad.write_text(
            bad.read_text(encoding="utf-8").replace("quote: der Zug sei pünktlich", "quote: der Zug ist pünktlich"),
            encoding="utf-8",
        )
    elif breakage == "yaml":
        bad.write_text("reading: {method: curated\nclaims: [", encoding="utf-8")
    else:
        (src / "artikel-a.txt").write_bytes("Anna Muster sagte".encode("latin-1") + b"\xe4\xff")
    res = cli(store, "ingest", str(src), check=False)
    assert res.returncode != 0
    assert "nothing was ingested" in res.stderr and "artikel-a" in res.stderr and expected in res.stderr
    assert all_quads(store) == before and (store / "generation").read_text() == generation

    # --keep-going ingests the others and still fails
    res = cli(store, "ingest", "--keep-going", str(src), check=False)
    assert res.returncode == 1
    assert "1 added, 0 replaced, 1 skipped, 1 failed" in res.stdout and expected in res.stderr
    assert claims_per_article(store) == {"artikel-b": 1, "artikel-c": 2}


def test_a_failing_replacement_keeps_the_previous_version_of_the_article(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    three_articles(src)
    cli(store, "ingest", str(src))
    before = all_quads(store)
    bad = src / "artikel-a.claims.yaml"
    raw = yaml.safe_load(bad.read_text(encoding="utf-8"))
    raw["claims"][0]["stance"] = "shouts"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    res = cli(store, "ingest", "--keep-going", str(src), check=False)
    assert res.returncode == 1 and "artikel-a.claims.yaml" in res.stderr and "shouts" in res.stderr
    assert all_quads(store) == before


def test_claim_ids_of_another_article_are_refused(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    three_articles(src)
    cli(store, "ingest", str(src))
    write_article(
        tmp_path / "other",
        "artikel-d",
        "Dora sagte, der Zug sei pünktlich.",
        {"dora": ("Person", "Dora Dorn", ["Dora"])},
        [("a-zug", "dora", "der Zug sei pünktlich")],
    )
    res = cli(store, "ingest", str(tmp_path / "other"), check=False)
    assert res.returncode != 0 and "id/claim/a-zug is already in the store" in res.stderr
    assert claims_per_article(store)["artikel-a"] == 2


def test_without_a_drafter_a_text_without_a_reading_is_refused(tmp_path: Path) -> None:
    from claimgraph.graph.build.ingest import IngestError, read_article

    (tmp_path / "notiz.txt").write_text("Der Sprecher sagte, alles sei gut.", encoding="utf-8")
    with pytest.raises(IngestError, match="notiz.txt: no reading \\(notiz.claims.yaml\\)"):
        read_article(tmp_path / "notiz.txt", {})


def test_a_text_without_a_reading_is_drafted(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    src.mkdir()
    (src / "notiz.txt").write_text("Der Sprecher Max Muster sagte, alles sei gut.", encoding="utf-8")
    out = cli(store, "ingest", str(src)).stdout
    assert "1 added" in out
    assert select(store, "SELECT ?c WHERE { ?c cg:readingMethod cg:extracted }")
    assert "1 skipped" in cli(store, "ingest", str(src)).stdout


def test_the_api_raises_with_every_message_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    three_articles(src)
    (src / "artikel-b.txt").write_bytes(b"\xff")
    (src / "artikel-c.claims.yaml").write_text("[", encoding="utf-8")
    store = EmbeddedStore(tmp_path / "store", query_workers=1)
    try:
        with pytest.raises(IngestFailed) as err:
            ingest(store, [src], BASE, workers=1)
        assert len(err.value.messages) == 2
        with store.reader() as r:
            assert len(r) == 0
    finally:
        store.close()


def test_a_killed_ingest_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    store, src = tmp_path / "store", tmp_path / "src"
    a, b, c = three_articles(src)
    cli(store, "ingest", str(a))
    before = all_quads(store)
    for i in range(8):
        write_article(
            src,
            f"viele-{i}",
            f"Vera Viel{i} sagte, es gebe {i} Gründe.",
            {"vera": ("Person", f"Vera Viel{i}", [f"Vera Viel{i}"])},
            [(f"viele-{i}-gruende", "vera", f"es gebe {i} Gründe")],
        )
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimgraph.cli", "ingest", "--store", str(store), "--base-iri", BASE, str(src)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    staging = store / "versions"
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(".staging-") for p in staging.iterdir()):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the ingest ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert all_quads(store) == before
    # the next ingest runs normally (lock released, the abandoned copy cleaned away)
    out = cli(store, "ingest", str(src)).stdout
    assert "10 added, 0 replaced, 1 skipped" in out
    assert not any(p.name.startswith(".staging-") for p in staging.iterdir())


def test_ingest_after_build_skips_the_unchanged_seed_and_changes_nothing(tmp_path: Path) -> None:
    """`make serve` builds the seed store; ingesting the same seeds then is a no-op, not a
    refusal of the seed's IRIs, and the build's dataset hash still verifies."""
    store = tmp_path / "store"
    cli(store, "build")
    before = all_quads(store)
    out = cli(store, "ingest", str(SEED)).stdout
    assert "0 added, 0 replaced, 1 skipped, 0 failed" in out
    assert all_quads(store) == before
    assert "OK: everything holds" in cli(store, "verify").stdout


def test_a_changed_seed_in_a_built_store_is_refused_with_what_to_do(tmp_path: Path) -> None:
    store, seeds = tmp_path / "store", tmp_path / "seeds"
    cli(store, "build")
    before = all_quads(store)
    shutil.copytree(SEED, seeds)
    reading = next(seeds.glob("*.claims.yaml"))
    raw = yaml.safe_load(reading.read_text(encoding="utf-8"))
    raw["claims"][0]["stance"] = "denies" if raw["claims"][0].get("stance") != "denies" else "asserts"
    reading.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    res = cli(store, "ingest", str(seeds), check=False)
    assert res.returncode != 0
    assert "changed since 'claimgraph build' compiled it" in res.stderr and "run 'claimgraph build' again" in res.stderr
    assert all_quads(store) == before


def test_a_new_article_goes_into_a_built_store_beside_the_seed(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    cli(store, "build")
    three_articles(src)
    shutil.copytree(SEED, src, dirs_exist_ok=True)
    out = cli(store, "ingest", str(src)).stdout
    assert "3 added, 0 replaced, 1 skipped, 0 failed; 5 claim(s)" in out
    assert claims_per_article(store)["artikel-a"] == 2
