"""How close a draft comes to a curated reading of the same text: claim by claim, then totals.

A drafted claim *matches* a curated one when their messages overlap: the characters both
evidence spans cover, over the length of the shorter (a curated span often includes the cue
and the speaker's name, a drafted message does not), at least :data:`MIN_OVERLAP`. Each claim
matches at most one other, the best-overlapping pairs first. A match then has the *right
speaker* when the drafted speaker is the curated one, and the *right chain* when the agents
that relayed it (speaker first) are the same, leaving out the outlet of the article itself
(the curated reading records it, a draft without metadata cannot know it).

Entities of the two readings have different slugs; a drafted entity stands for the curated
entity whose mentions its own mentions overlap most (or, failing that, whose label it has).
Only claims not in the outlet's own voice are compared unless ``own_voice`` is asked for: the
attributed claims are what the drafter is for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: the share of the shorter message two claims must both cover to be the same claim
MIN_OVERLAP = 0.5


@dataclass(frozen=True)
class Row:
    """One line of the table: a curated claim and its drafted match, or an unmatched draft."""

    curated: str | None
    drafted: str | None
    overlap: float
    speaker_ok: bool
    chain_ok: bool
    curated_speaker: str | None = None
    drafted_speaker: str | None = None


@dataclass(frozen=True)
class Comparison:
    rows: tuple[Row, ...]
    curated: int  # curated claims compared
    drafted: int  # drafted claims compared

    @property
    def matched(self) -> int:
        return sum(1 for r in self.rows if r.curated and r.drafted)

    @property
    def correct(self) -> int:
        """Matched with the right speaker and the right chain."""
        return sum(1 for r in self.rows if r.curated and r.drafted and r.speaker_ok and r.chain_ok)

    def precision(self, strict: bool = False) -> float:
        return (self.correct if strict else self.matched) / self.drafted if self.drafted else 0.0

    def recall(self, strict: bool = False) -> float:
        return (self.correct if strict else self.matched) / self.curated if self.curated else 0.0


def _spans(value: Any) -> list[tuple[int, int]]:
    """``{quote, start}`` or a list of them, as ``(start, end)`` pairs."""
    items = value if isinstance(value, list) else [value] if value else []
    return [
        (int(s["start"]), int(s["start"]) + len(str(s["quote"])))
        for s in items
        if isinstance(s, dict) and "start" in s and "quote" in s
    ]


def _covered(spans: Iterable[tuple[int, int]]) -> set[int]:
    return {i for start, end in spans for i in range(start, end)}


def _overlap(a: set[int], b: set[int]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _agents(claim: dict[str, Any], steps: dict[str, Any]) -> list[str]:
    """The agents of a chain in order (named steps resolved), speaker first."""
    out = []
    for item in claim.get("chain") or []:
        if isinstance(item, str):
            item = steps.get(item, {"by": item})
        if isinstance(item, dict) and item.get("by"):
            out.append(str(item["by"]))
    return out


def entity_map(drafted: dict[str, Any], curated: dict[str, Any]) -> dict[str, str]:
    """Drafted entity slug -> the curated entity it stands for (mention overlap, then label)."""
    cur = {
        slug: _covered(s for m in (info.get("mentions") or []) for s in _spans(m))
        for slug, info in (curated.get("entities") or {}).items()
    }
    labels = {
        str(v).casefold(): slug
        for slug, info in (curated.get("entities") or {}).items()
        for v in ((info.get("label") or {}).values())
    }
    out = {}
    for slug, info in (drafted.get("entities") or {}).items():
        mine = _covered(s for m in (info.get("mentions") or []) for s in _spans(m))
        votes = Counter({c: len(mine & chars) for c, chars in cur.items() if mine & chars})
        if votes:
            out[slug] = votes.most_common(1)[0][0]
        else:
            for v in (info.get("label") or {}).values():
                if str(v).casefold() in labels:
                    out[slug] = labels[str(v).casefold()]
                    break
    return out


def compare(
    curated: dict[str, Any], drafted: dict[str, Any], *, own_voice: bool = False, outlets: Iterable[str] = ()
) -> Comparison:
    """Match the claims of ``drafted`` against those of ``curated`` (both reading dicts).

    ``outlets`` are the curated slugs of the article's own outlet(s), left off the end of
    chains; by default the agents of the curated own-voice claims.
    """

    def attributed(c: dict[str, Any]) -> bool:
        return own_voice or c.get("mode") != "own-voice"

    cur_claims = [c for c in curated.get("claims") or [] if attributed(c)]
    dr_claims = [c for c in drafted.get("claims") or [] if attributed(c)]
    outlets = set(outlets) or {str(c["speaker"]) for c in curated.get("claims") or [] if c.get("mode") == "own-voice"}
    emap = entity_map(drafted, curated)
    cur_steps, dr_steps = curated.get("steps") or {}, drafted.get("steps") or {}

    def chain(agents: list[str]) -> list[str]:
        while len(agents) > 1 and agents[-1] in outlets:
            agents = agents[:-1]
        return agents

    pairs = []
    for i, c in enumerate(cur_claims):
        ca = _covered(_spans(c.get("evidence")))
        for j, d in enumerate(dr_claims):
            score = _overlap(ca, _covered(_spans(d.get("evidence"))))
            if score >= MIN_OVERLAP:
                pairs.append((score, i, j))
    used_c, used_d, match = set(), set(), {}
    for score, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if i not in used_c and j not in used_d:
            used_c.add(i)
            used_d.add(j)
            match[i] = (j, score)
    rows = []
    for i, c in enumerate(cur_claims):
        if i not in match:
            rows.append(Row(str(c["id"]), None, 0.0, False, False, str(c.get("speaker")), None))
            continue
        j, score = match[i]
        d = dr_claims[j]
        speaker = emap.get(str(d.get("speaker")), str(d.get("speaker")))
        dr_chain = chain([emap.get(a, a) for a in _agents(d, dr_steps)])
        rows.append(
            Row(
                str(c["id"]),
                str(d["id"]),
                score,
                speaker == c.get("speaker"),
                dr_chain == chain(_agents(c, cur_steps)),
                str(c.get("speaker")),
                speaker,
            )
        )
    for j, d in enumerate(dr_claims):
        if j not in used_d:
            speaker = emap.get(str(d.get("speaker")), str(d.get("speaker")))
            rows.append(Row(None, str(d["id"]), 0.0, False, False, None, speaker))
    return Comparison(tuple(rows), len(cur_claims), len(dr_claims))


def table(result: Comparison) -> str:
    """The claim-by-claim table and the totals, as plain text."""
    head = ("curated claim", "drafted claim", "overlap", "speaker", "chain")
    lines = [
        (
            r.curated or "-",
            r.drafted or "-",
            f"{r.overlap:.2f}" if r.curated and r.drafted else "-",
            ("ok" if r.speaker_ok else f"{r.drafted_speaker} (curated: {r.curated_speaker})")
            if r.curated and r.drafted
            else "-",
            ("ok" if r.chain_ok else "differs") if r.curated and r.drafted else "-",
        )
        for r in result.rows
    ]
    widths = [max(len(x[k]) for x in [head, *lines]) for k in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*line).rstrip() for line in lines]
    out += [
        "",
        f"curated claims compared: {result.curated}; drafted claims: {result.drafted}",
        f"messages matched: {result.matched} (precision {result.precision():.2f}, recall {result.recall():.2f})",
        f"with the right speaker and chain: {result.correct} of {result.curated} curated "
        f"(precision {result.precision(True):.2f}, recall {result.recall(True):.2f})",
    ]
    return "\n".join(out) + "\n"
