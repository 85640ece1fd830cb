"""SpkAtt-2023 JSON <-> claims, both ways, on articles the test builds itself; with the shared
data present, a few real train articles go gold -> claims -> SpkAtt -> official scorer = 1.0."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from claimgraph.graph.draft import Drafter
from claimgraph.graph.draft.spkatt import Article, claims_to_spkatt, gold_to_claims

DATA = Path("/work/shared/data/spkatt-2023")


def toks(s: str) -> list[str]:
    return s.split(" ")


def pos(s: int, a: int, b: int) -> list[str]:
    return [f"{s}:{t}" for t in range(a, b)]


def article() -> dict:
    """Three sentences: an indirect claim with cue, source, frame and addressee; a Konjunktiv
    continuation over one more sentence; a quotation with the cue after it."""
    sents = [
        "Der Minister sagte der Zeitung , die Reform sei gescheitert .",
        "Man habe zu spät gehandelt .",
        "„ Das war ein Fehler “ , sagte er .",
    ]
    anns = [
        {
            "Addr": pos(0, 3, 5),
            "Cue": ["0:2"],
            "Form": "Indirect",
            "Frame": pos(0, 0, 6),
            "HasNested": False,
            "IsNested": False,
            "Message": pos(0, 6, 10),
            "STWR": "Speech",
            "Source": pos(0, 0, 2),
        },
        {
            "Addr": [],
            "Cue": [],
            "Form": "IndirectFreeIndirect",
            "Frame": [],
            "HasNested": False,
            "IsNested": False,
            "Message": pos(1, 0, 6),
            "STWR": "Speech",
            "Source": pos(0, 0, 2),
        },
        {
            "Addr": [],
            "Cue": ["2:7"],
            "Form": "Direct",
            "Frame": pos(2, 6, 9),
            "HasNested": False,
            "IsNested": False,
            "Message": pos(2, 0, 6),
            "STWR": "Speech",
            "Source": ["2:8"],
        },
    ]
    return {
        "Annotations": anns,
        "DocumentName": "Test",
        "Sentences": [{"SentenceId": i, "Tokens": toks(s)} for i, s in enumerate(sents)],
    }


def test_gold_to_claims_spans_match_the_text() -> None:
    doc = article()
    text, reading = gold_to_claims(doc, "test")
    assert text.split("\n")[1] == "Man habe zu spät gehandelt ."
    assert reading["reading"] == {"method": "curated", "by": "SpkAtt-2023 annotators"}
    first, cont, direct = reading["claims"]
    assert first["evidence"] == {"quote": "die Reform sei gescheitert", "start": text.index("die Reform")}
    assert first["cue"]["quote"] == "sagte" and first["addressee"]["quote"] == "der Zeitung"
    assert first["speaker"] == cont["speaker"] == "der-minister"
    assert reading["entities"]["der-minister"]["mentions"] == [{"quote": "Der Minister", "start": 0}]
    assert cont["mode"] == "indirect" and "IndirectFreeIndirect" in cont["note"]["en"]
    assert direct["mode"] == "direct" and direct["evidence"]["quote"] == "„ Das war ein Fehler “"
    for c in reading["claims"]:
        for key in ("evidence", "cue", "source", "addressee", "frame"):
            for sp in c.get(key, []) if isinstance(c.get(key), list) else [c[key]] if key in c else []:
                assert text[sp["start"] : sp["start"] + len(sp["quote"])] == sp["quote"]
    yaml.safe_dump(reading, allow_unicode=True)


def test_round_trip_is_exact() -> None:
    doc = article()
    _, reading = gold_to_claims(doc, "test")
    back = claims_to_spkatt(reading, doc)
    assert back["Annotations"] == doc["Annotations"]


def test_discontinuous_roles_become_span_lists() -> None:
    doc = article()
    doc["Annotations"][0]["Cue"] = ["0:2", "0:5"]  # "sagte ... ,"
    _, reading = gold_to_claims(doc, "t")
    cue = reading["claims"][0]["cue"]
    assert isinstance(cue, list) and [sp["quote"] for sp in cue] == ["sagte", ","]
    assert claims_to_spkatt(reading, doc)["Annotations"][0]["Cue"] == ["0:2", "0:5"]


def test_drafted_claims_follow_the_annotators_conventions() -> None:
    """Continuations: one message over consecutive sentences, final stop included, IndirectFreeIndirect;
    reported speech: the whole act with its stop, no cue; own voice: left out."""
    sents = [
        "Der Minister sagte , die Reform sei gescheitert .",
        "Man habe zu spät gehandelt .",
        "Es sei ein Fehler gewesen .",
        "Musk hat die Vorwürfe zurückgewiesen .",
    ]
    doc = {"Annotations": [], "Sentences": [{"SentenceId": i, "Tokens": toks(s)} for i, s in enumerate(sents)]}
    art = Article(doc)
    reading = Drafter("de").draft(art.text, own_voice=True)
    anns = claims_to_spkatt(reading, doc)["Annotations"]
    assert [a["Form"] for a in anns] == ["Indirect", "IndirectFreeIndirect", "Reported"]
    assert anns[0]["Message"] == pos(0, 4, 8) and anns[0]["Cue"] == ["0:2"] and anns[0]["Source"] == pos(0, 0, 2)
    assert anns[1]["Message"] == pos(1, 0, 6) + pos(2, 0, 6)
    assert anns[1]["Source"] == pos(0, 0, 2) and anns[1]["Cue"] == []
    assert anns[2]["Message"] == pos(3, 0, 6) and anns[2]["Cue"] == [] and anns[2]["Source"] == ["3:0"]


def _scorer_python() -> str | None:
    return sys.executable if importlib.util.find_spec("scipy") else None


@pytest.mark.skipif(
    not (DATA / "train").is_dir(), reason="needs the SpkAtt-2023 data in /work/shared (not in the repo)"
)
@pytest.mark.skipif(_scorer_python() is None, reason="the official scorer needs scipy (the bench extra)")
def test_official_scorer_gives_one_on_gold_round_trip(tmp_path: Path) -> None:
    files = sorted((DATA / "train").glob("*.json"))[:8]
    (tmp_path / "ref").mkdir()
    (tmp_path / "res").mkdir()
    for f in files:
        doc = json.loads(f.read_text(encoding="utf-8"))
        text, reading = gold_to_claims(doc, f.stem)
        assert text == Article(doc).text
        (tmp_path / "res" / f.name).write_text(json.dumps(claims_to_spkatt(reading, doc)), encoding="utf-8")
        shutil.copyfile(f, tmp_path / "ref" / f.name)
    shutil.copytree(DATA / "eval", tmp_path / "eval")
    subprocess.run(
        [sys.executable, "score.py", str(tmp_path), str(tmp_path / "out")],
        cwd=tmp_path / "eval",
        check=True,
        capture_output=True,
    )
    scores = (tmp_path / "out" / "scores.txt").read_text()
    for key in ("Messages(F1)", "Roles(F1)", "Joint(F1)", "Form(F1)", "STWR(F1)"):
        line = next(ln for ln in scores.splitlines() if ln.startswith(key))
        assert float(line.split(":")[1]) == pytest.approx(1.0), line
