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
MODE_OF_FORM = {"Direct": "direct", "Indirect": "indirect", "FreeIndirect": "free-indirect",
                "IndirectFreeIndirect": "indirect", "Reported": "reported"}
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
            for st, s, t in self._starts[max(0, lo - 1):]:
                if st >= b:
                    break
                end = self.offsets[s][t][1]
                if end > a:
                    out.append(f"{s}:{t}")
        return out

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
        ent = entities.setdefault(slug, {"type": "AnonymousGroup" if not src else "Person",
                                         "label": {"de": label}, "mentions": []})
        for sp in src:
            if sp not in ent["mentions"]:
                ent["mentions"].append(sp)
        msg = art.spans(ann["Message"])
        pid = f"{doc_id}-p{n}"
        propositions[pid] = {"label": {"de": " … ".join(sp["quote"] for sp in msg)}, "triples": []}
        claim: dict[str, Any] = {
            "id": f"{doc_id}-c{n}", "speaker": slug, "stance": "asserts",
            "mode": MODE_OF_FORM.get(ann.get("Form"), "indirect"), "confidence": 1.0,
            "proposition": pid, "evidence": _one(msg),
        }
        for role, key in ROLES.items():
            if ann.get(role):
                claim[key] = _one(art.spans(ann[role]))
        claim["chain"] = [slug]
        claim["note"] = {"en": f"SpkAtt-2023 gold: Form {ann.get('Form')}; STWR {ann.get('STWR')}; "
                               f"nested {bool(ann.get('IsNested', False))}"}
        claims.append(claim)
    for e in entities.values():
        if not e["mentions"]:
            del e["mentions"]
    reading = {
        "reading": {"method": "curated", "by": "SpkAtt-2023 annotators"},
        "segments": [{"lines": f"1-{len(art.sentences)}" if len(art.sentences) > 1 else 1, "kind": "bodyText"}],
        "entities": entities, "propositions": propositions, "claims": claims,
    }
    return art.text, reading


def claims_to_spkatt(reading: dict[str, Any], doc: dict[str, Any], *, merge_continuations: bool = True
                     ) -> dict[str, Any]:
    """A reading of the article's text (as Article builds it) as a SpkAtt system JSON.
    Own-voice claims have no SpkAtt form and are left out. With merge_continuations, a
    free-indirect claim right after an indirect one of the same speaker joins its message
    (the annotators' IndirectFreeIndirect)."""
    art = Article(doc)
    anns: list[dict[str, Any]] = []
    last_indirect: dict[str, Any] | None = None
    last_speaker = None
    for c in reading["claims"]:
        if c["mode"] == "own-voice":
            continue
        note = _GOLD_NOTE.search((c.get("note") or {}).get("en", ""))
        form = note.group(1) if note else FORM_OF_MODE[c["mode"]]
        ann: dict[str, Any] = {
            "Addr": art.positions(c.get("addressee")),
            "Cue": art.positions(c.get("cue")),
            "Form": form,
            "Frame": art.positions(c.get("frame")),
            "HasNested": False,
            "IsNested": note.group(3) == "True" if note else False,
            "Message": art.positions(c["evidence"]),
            "STWR": note.group(2) if note else "Speech",
            "Source": art.positions(c.get("source")),
        }
        if (merge_continuations and not note and c["mode"] == "free-indirect" and last_indirect is not None
                and c["speaker"] == last_speaker):
            last_indirect["Message"] = _sorted_unique(last_indirect["Message"] + ann["Message"])
            last_indirect["Form"] = "IndirectFreeIndirect"
            continue
        anns.append(ann)
        last_speaker = c["speaker"]
        last_indirect = ann if c["mode"] in ("indirect", "free-indirect") and not note else None
        if last_indirect is not None and c["mode"] == "free-indirect":
            last_indirect = None  # only a cued indirect claim takes continuations
    return {"Annotations": anns, "DocumentName": doc.get("DocumentName", ""), "Sentences": doc["Sentences"]}


def _sorted_unique(positions: list[str]) -> list[str]:
    return [f"{s}:{t}" for s, t in sorted({tuple(map(int, p.split(":"))) for p in positions})]
