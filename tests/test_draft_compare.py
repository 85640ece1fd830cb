"""Matching a draft against a curated reading (graph/draft/compare.py), on the seed article:
a draft written the way the drafter writes (own slugs, the message without cue and speaker,
chains without the article's outlet) is matched claim by claim."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from claimgraph.graph.draft.compare import compare, entity_map, table
from conftest import ROOT, claimgraph

SEEDS = ROOT / "seeds"
CURATED = SEEDS / "000_dade6e3c090f456c.claims.yaml"


@pytest.fixture(scope="module")
def curated() -> dict[str, Any]:
    return yaml.safe_load(CURATED.read_text(encoding="utf-8"))


def as_draft(curated: dict[str, Any]) -> dict[str, Any]:
    """The curated reading rewritten as a perfect draft would look: entities under other slugs,
    each message shortened to its second half, chains of agents ending before the outlet."""
    steps = curated["steps"]
    slug = {s: f"e{i}" for i, s in enumerate(curated["entities"])}
    entities = {
        slug[s]: {"type": e["type"], "label": {"de": e["label"]["de"]}, "mentions": e.get("mentions", [])}
        for s, e in curated["entities"].items()
    }
    claims = []
    for n, c in enumerate(curated["claims"]):
        quote, start = c["evidence"]["quote"], c["evidence"]["start"]
        half = len(quote) // 2
        agents = []
        for item in c["chain"]:
            item = steps.get(item, {"by": item}) if isinstance(item, str) else item
            if item.get("by") and (item["by"] != "thanh-nien" or not agents):
                agents.append(slug[item["by"]])
        claims.append(
            {
                "id": f"d{n}",
                "speaker": slug[c["speaker"]],
                "mode": c["mode"],
                "evidence": {"quote": quote[half:], "start": start + half},
                "chain": agents,
            }
        )
    return {"reading": {"method": "extracted", "by": "test"}, "entities": entities, "claims": claims}


def test_a_perfect_draft_recovers_all_14_attributed_claims(curated: dict[str, Any]) -> None:
    result = compare(curated, as_draft(curated), outlets={"thanh-nien"})
    assert (result.curated, result.drafted, result.matched, result.correct) == (14, 14, 14, 14)
    assert result.recall(strict=True) == 1.0 and result.precision(strict=True) == 1.0
    with_own_voice = compare(curated, as_draft(curated), own_voice=True, outlets={"thanh-nien"})
    assert (with_own_voice.curated, with_own_voice.correct) == (22, 22)


def test_entities_map_by_their_mentions(curated: dict[str, Any]) -> None:
    draft = as_draft(curated)
    mapped = entity_map(draft, curated)
    assert mapped == {f"e{i}": s for i, s in enumerate(curated["entities"])}
    # an entity without mentions maps by its label, case aside
    draft["entities"]["e-peskow"] = {"type": "Person", "label": {"de": "dmitri peskow"}}
    assert entity_map(draft, curated)["e-peskow"] == "dmitri-peskow"


def test_wrong_speaker_wrong_chain_missing_and_extra_claims_are_counted(curated: dict[str, Any]) -> None:
    draft = as_draft(curated)
    by_id = {c["id"]: c for c in draft["claims"]}
    ids = [c["id"] for c in curated["claims"]]
    peskow = by_id[f"d{ids.index('peskow-fake-news')}"]
    peskow["chain"] = peskow["chain"][:1]  # Reuters left out
    kreml = by_id[f"d{ids.index('kreml-bestreitet-kontakt')}"]
    kreml["speaker"] = peskow["speaker"]  # the spokesman instead of the Kremlin
    kreml["chain"] = [peskow["speaker"]]
    draft["claims"].remove(by_id[f"d{ids.index('musk-keine-stellungnahme')}"])
    extra = copy.deepcopy(by_id["d0"])
    extra.update(id="extra", evidence={"quote": "Kommentar (0)", "start": 2378})
    draft["claims"].append(extra)
    result = compare(curated, draft, outlets={"thanh-nien"})
    rows = {r.curated: r for r in result.rows if r.curated}
    assert rows["peskow-fake-news"].speaker_ok and not rows["peskow-fake-news"].chain_ok
    assert not rows["kreml-bestreitet-kontakt"].speaker_ok
    assert rows["musk-keine-stellungnahme"].drafted is None
    assert [r.drafted for r in result.rows if r.curated is None] == ["extra"]
    assert (result.curated, result.drafted, result.matched, result.correct) == (14, 14, 13, 11)
    out = table(result)
    assert "kreml-bestreitet-kontakt" in out and "dmitri-peskow (curated: kreml)" in out
    assert "messages matched: 13 (precision 0.93, recall 0.93)" in out
    assert "with the right speaker and chain: 11 of 14 curated (precision 0.79, recall 0.79)" in out


def test_messages_match_from_half_the_shorter_one() -> None:
    def reading(start: int, length: int) -> dict[str, Any]:
        return {
            "entities": {"a": {"type": "Person", "label": {"de": "A"}}},
            "claims": [
                {
                    "id": "c",
                    "speaker": "a",
                    "mode": "direct",
                    "chain": ["a"],
                    "evidence": {"quote": "x" * length, "start": start},
                }
            ],
        }

    curated = reading(0, 10)
    assert compare(curated, reading(6, 10)).matched == 0  # 4 of 10 characters shared
    assert compare(curated, reading(5, 10)).correct == 1  # 5 of 10
    assert compare(curated, reading(8, 2)).correct == 1  # all of the shorter one
    assert compare(curated, reading(10, 10)).matched == 0


def test_the_cli_compares_a_draft_file_with_the_curated_reading(curated: dict[str, Any], tmp_path) -> None:
    draft = tmp_path / "seed.claims.yaml"
    draft.write_text(yaml.safe_dump(as_draft(curated), allow_unicode=True), encoding="utf-8")
    out = claimgraph("draft", "--compare", str(CURATED), str(draft)).stdout
    # the outlet comes from the seed's meta file (original.publisher: thanh-nien)
    assert "with the right speaker and chain: 14 of 14 curated (precision 1.00, recall 1.00)" in out
    assert out.splitlines()[0].split() == ["curated", "claim", "drafted", "claim", "overlap", "speaker", "chain"]
    bad = claimgraph("draft", "--compare", str(CURATED), str(draft), str(draft), check=False)
    assert bad.returncode == 2 and "--compare takes exactly one FILE" in bad.stderr
