"""The stance of a cue, looked up in the drafter's lexicon (graph/draft/stance.py)."""

from __future__ import annotations

import pytest

from claimgraph.graph.draft.stance import UNKNOWN_CONFIDENCE, StanceLexicon

LEX = StanceLexicon("de")


@pytest.mark.parametrize(
    ("cue", "message", "stance", "confidence"),
    [
        (["sagte"], ["es", "regnet"], "asserts", 0.9),
        (["Sagte"], [], "asserts", 0.9),  # looked up lower-cased, as the rules do
        (["bestritt"], [], "denies", 0.9),
        (["dementierte"], [], "denies", 0.9),
        (["kritisierte"], [], "accuses", 0.9),
        (["wies", "zurück"], [], "rejects", 0.9),
        (["wies", "hin"], [], "asserts", 0.9),
        (["zurückgewiesen"], [], "rejects", 0.9),
        (["laut"], [], "asserts", 0.75),
        (["zufolge"], [], "asserts", 0.75),
        (["Nach"], [], "asserts", 0.75),  # "Nach Angaben der Polizei": a cue of the rules' patterns
        (["so"], [], "asserts", 0.75),
        (["sagte"], ["das", "sei", "völlig", "unwahr"], "denies", 0.6),  # the drafter's denial words
        (["wollte", "sich", "nicht", "äußern"], [], "declinesToComment", 0.6),
        (["sagte", "und", "kritisierte"], [], "accuses", 0.6),  # verbs that disagree: the marked one
    ],
)
def test_known_cues(cue: list[str], message: list[str], stance: str, confidence: float) -> None:
    got = LEX.stance(cue, message)
    assert (got.stance, got.confidence, got.known) == (stance, confidence, True)


# a verb the lexicon does not know, no cue at all, a particle verb without its particle
@pytest.mark.parametrize("cue", [["schwadronierte"], [], ["wies"]])
def test_an_unknown_cue_asserts_with_low_confidence(cue: list[str]) -> None:
    got = LEX.stance(cue, ["alles", "werde", "gut"])
    assert (got.stance, got.confidence, got.known) == ("asserts", UNKNOWN_CONFIDENCE, False)
    assert "not in the lexicon" in got.basis


def test_an_unknown_cue_with_a_denial_word_denies() -> None:
    got = LEX.stance(["schwadronierte"], ["das", "ist", "falsch"])
    assert (got.stance, got.confidence) == ("denies", 0.6)
