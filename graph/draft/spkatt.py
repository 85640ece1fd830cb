"""SpkAtt-2023 (GermEval 2023 Task 2) JSON <-> claims dicts, both ways.

An article's text is its tokens joined by single spaces, one sentence a line; a token is
addressed as "sentence:token". The data's licence (CC BY-NC-SA 4.0) keeps it out of this
package: these functions only read what a caller passes in.
"""

from __future__ import annotations

import re
from typing import Any

from claimgraph.graph.draft.entities import slugify

ROLES = {"Cue": "cue", "Source": "source", "Addr": "addressee", "Frame": "frame"}
FORM_OF_MODE = {"direct": "Direct", "indirect": "Indirect", "free-indirect": "FreeIndirect", "reported": "Reported"}
MODE_OF_FORM = {
    "Direct": "direct",
    "Indirect": "indirect",
    "FreeIndirect": "free-indirect",
    "IndirectFreeIndirect": "indirect",
    "Reported": "reported",
}
_GOLD_NOTE = re.compile(r"SpkAtt-2023 gold: Form (\w+); STWR (\w+); nested (True|False)")


class Article:
    """The text of a SpkAtt article and where each token sits in it."""

    def __init__(self, doc: dict[str, Any]):
        self.sentences: list[list[str]] = [list(s["Tokens"]) for s in doc["Sentences"]]
        lines: list[str] = []
        self.offsets: list[list[tuple[int, int]]] = []  # per sentence, per token: (start, end)
        pos = 0
        for toks in self.sentences:
            offs = []
            for k, tok in enumerate(toks):
                if k:
                    pos += 1
                offs.append((pos, pos + len(tok)))
                pos += len(tok)
            pos += 1  # the newline
            self.offsets.append(offs)
            lines.append(" ".join(toks))
        self.text = "\n".join(lines)
        self._starts = [(st, s, t) for s, offs in enumerate(self.offsets) for t, (st, _) in enumerate(offs)]

    def positions(self, spans: Any) -> list[str]:
        """The "sentence:token" positions of the tokens a span (or list of spans) overlaps."""
        out: list[str] = []
        for sp in spans if isinstance(spans, list) else [spans] if spans else []:
            a, b = sp["start"], sp["start"] + len(sp["quote"])
            lo = _bisect(self._starts, a)
            for st, s, t in self._starts[max(0, lo - 1) :]:
                if st >= b:
                    break
                end = self.offsets[s][t][1]
                if end > a:
                    out.append(f"{s}:{t}")
        return out

    def with_final(self, positions: list[str]) -> list[str]:
        """Positions plus the sentence's final punctuation when the last one stops right before it."""
        if not positions:
            return positions
        s, t = map(int, positions[-1].split(":"))
        toks = self.sentences[s]
        if t == len(toks) - 2 and toks[-1] in (".", "!", "?"):
            return positions + [f"{s}:{t + 1}"]
        return positions

    def spans(self, positions: list[str]) -> list[dict[str, Any]]:
        """Contiguous runs of tokens (same sentence, consecutive) as {quote, start} spans."""
        pairs = sorted({tuple(map(int, p.split(":"))) for p in positions})
        runs: list[list[tuple[int, int]]] = []
        for s, t in pairs:
            if runs and runs[-1][-1][0] == s and runs[-1][-1][1] == t - 1:
                runs[-1].append((s, t))
            else:
                runs.append([(s, t)])
        out = []
        for run in runs:
            a = self.offsets[run[0][0]][run[0][1]][0]
            b = self.offsets[run[-1][0]][run[-1][1]][1]
            out.append({"quote": self.text[a:b], "start": a})
        return out


def _bisect(starts: list[tuple[int, int, int]], a: int) -> int:
    lo, hi = 0, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        if starts[mid][0] <= a:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _one(spans: list[dict[str, Any]]) -> Any:
    return spans[0] if len(spans) == 1 else spans


def gold_to_claims(doc: dict[str, Any], doc_id: str) -> tuple[str, dict[str, Any]]:
    """A gold SpkAtt article as (text, reading) with reading {method: curated, by: SpkAtt-2023 annotators}.
    Speakers are entities named by their source words; a message without a source gets an
    anonymous speaker. The note keeps Form, STWR and nesting so the way back is exact."""
    art = Article(doc)
    entities: dict[str, Any] = {}
    propositions: dict[str, Any] = {}
    claims: list[dict[str, Any]] = []
    for n, ann in enumerate(doc["Annotations"], start=1):
        src = art.spans(ann.get("Source", []))
        label = " ".join(sp["quote"] for sp in src) if src else "nicht genannte Quelle"
        slug = slugify(label)
        ent = entities.setdefault(
            slug, {"type": "AnonymousGroup" if not src else "Person", "label": {"de": label}, "mentions": []}
        )
        for sp in src:
            if sp not in ent["mentions"]:
                ent["mentions"].append(sp)
        msg = art.spans(ann["Message"])
        pid = f"{doc_id}-p{n}"
        propositions[pid] = {"label": {"de": " … ".join(sp["quote"] for sp in msg)}, "triples": []}
        claim: dict[str, Any] = {
            "id": f"{doc_id}-c{n}",
            "speaker": slug,
            "stance": "asserts",
            "mode": MODE_OF_FORM.get(ann.get("Form"), "indirect"),
            "confidence": 1.0,
            "proposition": pid,
            "evidence": _one(msg),
        }
        for role, key in ROLES.items():
            if ann.get(role):
                claim[key] = _one(art.spans(ann[role]))
        claim["chain"] = [slug]
        claim["note"] = {
            "en": f"SpkAtt-2023 gold: Form {ann.get('Form')}; STWR {ann.get('STWR')}; "
            f"nested {bool(ann.get('IsNested', False))}"
        }
        claims.append(claim)
    for e in entities.values():
        if not e["mentions"]:
            del e["mentions"]
    reading = {
        "reading": {"method": "curated", "by": "SpkAtt-2023 annotators"},
        "segments": [{"lines": f"1-{len(art.sentences)}" if len(art.sentences) > 1 else 1, "kind": "bodyText"}],
        "entities": entities,
        "propositions": propositions,
        "claims": claims,
    }
    return art.text, reading


def claims_to_spkatt(
    reading: dict[str, Any], doc: dict[str, Any], *, merge_continuations: bool = True, min_confidence: float = 0.0
) -> dict[str, Any]:
    """A reading of the article's text (as Article builds it) as a SpkAtt system JSON.

    Own-voice claims have no SpkAtt form and are left out. The annotators' conventions, applied
    to drafted (not gold) claims: a Konjunktiv continuation is IndirectFreeIndirect (with
    `soll`: FreeIndirect), consecutive continuations of one speaker are one message, and
    reported speech and continuations take their sentence's final punctuation into the message;
    reported speech has no cue or frame of its own (the message is the whole speech act).
    Claims below min_confidence are left out."""
    art = Article(doc)
    anns: list[dict[str, Any]] = []
    prev: tuple[dict[str, Any], str, int] | None = None  # last continuation: (annotation, speaker, last sentence)
    for c in reading["claims"]:
        if c["mode"] == "own-voice" or c.get("confidence", 1.0) < min_confidence:
            continue
        note_text = (c.get("note") or {}).get("en", "")
        gold = _GOLD_NOTE.search(note_text)
        rule = re.search(r"rule: ([\w+-]+)", note_text)
        rule_name = rule.group(1) if rule else ""
        if gold:
            form = gold.group(1)
        elif c["mode"] == "free-indirect":
            form = "FreeIndirect" if rule_name.endswith("modal") else "IndirectFreeIndirect"
        else:
            form = FORM_OF_MODE[c["mode"]]
        message = art.positions(c["evidence"])
        ann: dict[str, Any] = {
            "Addr": art.positions(c.get("addressee")),
            "Cue": art.positions(c.get("cue")),
            "Form": form,
            "Frame": art.positions(c.get("frame")),
            "HasNested": False,
            "IsNested": gold.group(3) == "True" if gold else False,
            "Message": message,
            "STWR": gold.group(2) if gold else "Speech",
            "Source": art.positions(c.get("source")),
        }
        if not gold and c["mode"] in ("reported", "free-indirect"):
            ann["Message"] = art.with_final(message)
            if c["mode"] == "reported":
                ann["Cue"], ann["Frame"] = [], []
        if not gold and c["mode"] == "free-indirect" and merge_continuations and prev is not None:
            p_ann, p_speaker, p_sent = prev
            first = int(ann["Message"][0].split(":")[0]) if ann["Message"] else -1
            if p_speaker == c["speaker"] and first == p_sent + 1:
                p_ann["Message"] = _sorted_unique(p_ann["Message"] + ann["Message"])
                prev = (p_ann, p_speaker, int(ann["Message"][-1].split(":")[0]))
                continue
        anns.append(ann)
        if not gold and c["mode"] == "free-indirect" and ann["Message"]:
            prev = (ann, c["speaker"], int(ann["Message"][-1].split(":")[0]))
        else:
            prev = None
    return {"Annotations": anns, "DocumentName": doc.get("DocumentName", ""), "Sentences": doc["Sentences"]}


def _sorted_unique(positions: list[str]) -> list[str]:
    return [f"{s}:{t}" for s, t in sorted({tuple(map(int, p.split(":"))) for p in positions})]
