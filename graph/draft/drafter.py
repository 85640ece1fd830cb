"""The Drafter: reads a German news text and drafts its claims (see SCHEMA.md for the result)."""

from __future__ import annotations

import re
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from claimgraph.graph.draft import lexicon as lexicon_mod
from claimgraph.graph.draft.dates import DateReader
from claimgraph.graph.draft.entities import Entities, Entity
from claimgraph.graph.draft.rules import FINAL, Found, Rules
from claimgraph.graph.draft.text import Token, quotations, sentences, tokenize

MODES = ("direct", "indirect", "free-indirect", "reported", "own-voice")


def _version() -> str:
    try:
        return version("claimgraph")
    except PackageNotFoundError:  # running from a source tree without an install
        return "0.0.0+unknown"


class DraftError(ValueError):
    """The text cannot be drafted (a span would not match the text: a bug, never written out)."""


class Drafter:
    """Loads a language's rules once and drafts any number of texts with them."""

    # How many sentences after the last claim a sentence without a cue still continues it (tuned
    # on SpkAtt train): a bare quotation within 8; a Konjunktiv I form at any distance (it marks
    # reported speech by itself); a Konjunktiv II form or `soll` within 2.
    gap_quote = 8
    gap_strong = 1_000_000
    gap_weak = 2
    gap_modal = 2

    def __init__(self, lang: str = "de", model: str | Path | None = None):
        if model is not None:
            raise ValueError(f"--model {model}: no learned layer ships with claimgraph yet; draft without --model")
        self.lang = lang
        self.lex = lexicon_mod.load(lang)
        self.dates = DateReader(self.lex)
        self.by = f"claimgraph {_version()}"
        self.subj = self.lex.words("subjunctive")
        self.subj_weak = self.lex.words("subjunctive_weak")
        self.denial = self.lex.words("denial_words")
        self.modal_reported = self.lex.words("modal_reported")
        self._chrome = [re.compile(p) for p in self.lex.raw["page_chrome"]]
        self._source_line = re.compile(self.lex.raw["source_line"])

    # -- public ---------------------------------------------------------------------------------
    def draft(self, text: str, meta: dict | None = None, *, own_voice: bool = False, doc_id: str = "doc") -> dict:
        """The reading of `text` as a plain dict in the format of seeds/README.md."""
        meta = meta or {}
        tokens = tokenize(text)
        sents = sentences(tokens, self.lex)
        rules = Rules(self.lex, tokens, quotations(tokens, self.lex))
        ents = Entities(self.lex, tokens, text)
        published = _published(meta)
        found = self._find(rules, tokens, sents, ents)
        claims: list[dict[str, Any]] = []
        propositions: dict[str, Any] = {}
        chains: dict[str, list[str]] = {}  # speaker -> reporters seen with it
        for f, speaker, reporter in found:
            n = len(claims) + 1
            if reporter is not None:
                chains[speaker.slug] = [reporter.slug]
            chain = [speaker.slug] + [r for r in chains.get(speaker.slug, []) if r != speaker.slug]
            claims.append(self._claim(f, n, doc_id, speaker, chain, text, tokens, sents, published, propositions))
        if own_voice:
            self._own_voice(claims, propositions, text, tokens, sents, ents, meta, doc_id)
        ents.add_name_mentions()
        in_chains = {slug for c in claims for slug in c["chain"]}
        entities = {
            e.slug: {
                "type": e.type,
                "label": {"de": e.label},
                "mentions": [_span(text, tokens[a].start, tokens[b].end) for a, b in sorted(set(e.mentions))],
            }
            for e in ents.by_slug.values()
            if e.mentions or e.slug in in_chains
        }
        for e in entities.values():
            if not e["mentions"]:
                del e["mentions"]
        reading = {
            "reading": {"method": "extracted", "by": self.by},
            "segments": self._segments(text, meta),
            "entities": entities,
            "propositions": propositions,
            "claims": claims,
        }
        _check_spans(text, reading)
        return reading

    # -- finding claims -------------------------------------------------------------------------
    def _find(
        self, rules: Rules, tokens: list[Token], sents: list[tuple[int, int]], ents: Entities
    ) -> list[tuple[Found, Entity, Entity | None]]:
        out: list[tuple[Found, Entity, Entity | None]] = []
        consumed: set[int] = set()
        last_sent = -10
        for s, (a, b) in enumerate(sents):
            words = [i for i in range(a, b) if tokens[i].text not in FINAL]
            if words and sum(1 for i in words if i in consumed) * 2 > len(words):
                continue  # inside a quotation already drafted
            found = rules.find(s, a, b, consumed)
            if not found:
                f = self._continuation(rules, tokens, s, a, b, s - last_sent, consumed)
                found = [f] if f else []
            for f in found:
                if f.rule in ("continuation", "quote-continuation") and out and not f.source:
                    f.source = list(out[-1][0].source)  # the antecedent names the speaker
                if f.rule in ("continuation", "quote-continuation") or (f.rule == "demnach"):
                    speaker = ents.resolve([], fallback_last=True) if ents.last else ents.resolve(f.source)
                else:
                    speaker = ents.resolve(f.source)
                reporter = ents.resolve(f.reporter) if f.reporter else None
                ents.last = speaker.slug
                consumed.update(f.message)
                out.append((f, speaker, reporter))
                last_sent = s
                if f.mode != "direct":
                    for q in self._inner_quotes(rules, f):
                        nested = Found(
                            s,
                            "direct",
                            "quote-in-message",
                            f.stance,
                            q,
                            list(f.cue),
                            list(f.source),
                            list(f.addr),
                            list(f.frame),
                            list(f.reporter),
                            confidence=0.6,
                        )
                        out.append((nested, speaker, reporter))
        return out

    @staticmethod
    def _inner_quotes(rules: Rules, f: Found) -> list[list[int]]:
        """Quotations inside an indirect message: the speaker's own words, quoted within it."""
        msg = set(f.message)
        seen: list[list[int]] = []
        for i in f.message:
            q = rules.quote_of.get(i)
            if q and q[0] == i and q[1] in msg and q[1] - q[0] >= 2 and (q[0], q[1]) != (f.message[0], f.message[-1]):
                seen.append(list(range(q[0], q[1] + 1)))
        return seen

    def _continuation(
        self, rules: Rules, tokens: list[Token], s: int, a: int, b: int, gap: int, consumed: set[int]
    ) -> Found | None:
        """A sentence with no cue of its own: a quotation or a Konjunktiv I continues the last speaker
        (a Konjunktiv I form at any distance, a Konjunktiv II form or `soll` only close by)."""
        if gap > max(self.gap_quote, self.gap_strong):
            return None
        end = b - 1 if tokens[b - 1].text in FINAL else b
        words = [i for i in range(a, end) if tokens[i].text.isalnum() or tokens[i].text[:1].isalnum()]
        if not words:
            return None
        quoted = [i for i in words if i in rules.quote_of]
        if len(quoted) * 10 >= len(words) * 6 and len(quoted) >= 4 and gap <= self.gap_quote:
            q = rules.quote_of[quoted[0]]
            msg = (
                list(range(max(q[0], a), q[1] + 1)) if q[0] >= a else [i for i in range(a, end) if i in rules.quote_of]
            )
            return Found(s, "direct", "quote-continuation", "asserts", msg, confidence=0.6)
        for i in words:
            lo = tokens[i].text
            if i in rules.quote_of or not lo.islower():
                continue
            if lo in self.subj and (gap <= self.gap_weak or (lo not in self.subj_weak and gap <= self.gap_strong)):
                msg = [k for k in range(a, end) if k not in consumed]
                return Found(s, "free-indirect", "continuation", "asserts", msg, confidence=0.55)
            if lo in self.modal_reported and gap <= self.gap_modal:
                msg = [k for k in range(a, end) if k not in consumed]
                return Found(s, "free-indirect", "continuation-modal", "asserts", msg, confidence=0.5)
        return None

    # -- writing --------------------------------------------------------------------------------
    def _claim(
        self,
        f: Found,
        n: int,
        doc_id: str,
        speaker: Entity,
        chain: list[str],
        text: str,
        tokens: list[Token],
        sents: list[tuple[int, int]],
        published: date | None,
        propositions: dict[str, Any],
    ) -> dict[str, Any]:
        cid = f"{doc_id}-c{n}"
        pid = f"{doc_id}-p{n}"
        evidence = _spans(text, tokens, f.message)
        propositions[pid] = {"label": {"de": _label(evidence)}, "triples": []}
        claim: dict[str, Any] = {
            "id": cid,
            "speaker": speaker.slug,
            "stance": f.stance,
            "mode": f.mode,
            "confidence": round(f.confidence, 2),
            "proposition": pid,
            "evidence": evidence,
        }
        for key, ix in (("cue", f.cue), ("source", f.source), ("addressee", f.addr), ("frame", f.frame)):
            if ix:
                claim[key] = _spans(text, tokens, ix)
        claim["chain"] = chain
        a, b = sents[f.sent]
        chars = list(text[tokens[a].start : tokens[b - 1].end])
        for i in f.message:  # time words inside the message are not when it was said
            if a <= i < b:
                for k in range(tokens[i].start - tokens[a].start, tokens[i].end - tokens[a].start):
                    chars[k] = " "
        outside = "".join(chars)
        if f.stance == "asserts" and any(tokens[i].lower in self.denial for i in f.message):
            claim["stance"] = "denies"
        said = self.dates.said(outside, published) if f.cue else None
        if said:
            claim["said"] = said
        cue_words = " ".join(tokens[i].text for i in f.cue) or "none"
        claim["note"] = {"en": f"rule: {f.rule}; cue: {cue_words}; drafted automatically, not reviewed"}
        return claim

    def _own_voice(
        self,
        claims: list[dict],
        propositions: dict,
        text: str,
        tokens: list[Token],
        sents: list[tuple[int, int]],
        ents: Entities,
        meta: dict,
        doc_id: str,
    ) -> None:
        """Every sentence no attributed claim covers is the outlet's own statement (on request)."""
        covered: set[int] = set()
        for c in claims:
            for sp in c["evidence"] if isinstance(c["evidence"], list) else [c["evidence"]]:
                covered.update(range(sp["start"], sp["start"] + len(sp["quote"])))
        publisher = (meta.get("original") or {}).get("publisher") or meta.get("publisher") or "herausgeber"
        outlet = ents.by_slug.get(publisher) or ents._new(publisher, "NewsMediaOrganization")
        chrome = self._chrome_lines(text, meta)
        for a, b in sents:
            if tokens[a].line in chrome or b - a < 4 or tokens[a].start in covered:
                continue
            if any(tokens[i].start in covered for i in range(a, b)):
                continue
            end = b - 1 if tokens[b - 1].text in FINAL else b
            n = len(claims) + 1
            pid = f"{doc_id}-p{n}"
            ev = _span(text, tokens[a].start, tokens[end - 1].end)
            propositions[pid] = {"label": {"de": ev["quote"]}, "triples": []}
            claims.append(
                {
                    "id": f"{doc_id}-c{n}",
                    "speaker": outlet.slug,
                    "stance": "asserts",
                    "mode": "own-voice",
                    "confidence": 0.5,
                    "proposition": pid,
                    "evidence": ev,
                    "chain": [outlet.slug],
                    "note": {"en": "rule: own-voice; a sentence no speaker is named for"},
                }
            )

    def _chrome_lines(self, text: str, meta: dict) -> set[int]:
        return {n for n, kind in self._line_kinds(text, meta).items() if kind in ("pageChrome", "sourceLine")}

    def _line_kinds(self, text: str, meta: dict) -> dict[int, str]:
        url = (meta.get("original") or {}).get("url")
        kinds: dict[int, str] = {}
        for n, line in enumerate(text.split("\n"), start=1):
            stripped = line.strip()
            if not stripped:
                continue
            m = self._source_line.match(stripped)
            if m and url and m.group(1) == url:
                kinds[n] = "sourceLine"
            elif any(p.match(stripped) for p in self._chrome):
                kinds[n] = "pageChrome"
            else:
                kinds[n] = "bodyText"
        return kinds

    def _segments(self, text: str, meta: dict) -> list[dict[str, Any]]:
        """Runs of lines of one kind (blank lines inside a run carry no kind and need none)."""
        segs: list[dict[str, Any]] = []
        for n, kind in self._line_kinds(text, meta).items():
            if segs and segs[-1]["kind"] == kind and kind == "bodyText":
                first = str(segs[-1]["lines"]).split("-")[0]
                segs[-1]["lines"] = f"{first}-{n}"
            else:
                segs.append({"lines": n, "kind": kind})
        return segs


def _published(meta: dict) -> date | None:
    raw = meta.get("date_published") or (meta.get("original") or {}).get("date_published")
    if not raw:
        return None
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        return None


def _span(text: str, start: int, end: int) -> dict[str, Any]:
    return {"quote": text[start:end], "start": start}


def _spans(text: str, tokens: list[Token], ix: list[int]) -> dict[str, Any] | list[dict[str, Any]]:
    """Token indices as one span, or a list of spans where the words are discontinuous."""
    runs: list[list[int]] = []
    for i in sorted(set(ix)):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    spans = [_span(text, tokens[r[0]].start, tokens[r[-1]].end) for r in runs]
    return spans[0] if len(spans) == 1 else spans


def _label(evidence: dict | list) -> str:
    parts = evidence if isinstance(evidence, list) else [evidence]
    return " … ".join(p["quote"] for p in parts)


def _check_spans(text: str, reading: dict) -> None:
    """Every span must say what the text says at its offset (the build checks the same)."""

    def check(sp: Any, where: str) -> None:
        for one in sp if isinstance(sp, list) else [sp]:
            q, st = one["quote"], one["start"]
            if text[st : st + len(q)] != q:
                raise DraftError(f"{where}: {q!r} is not at offset {st}")

    for slug, e in reading["entities"].items():
        for m in e.get("mentions", []):
            check(m, f"entity {slug}")
    for c in reading["claims"]:
        for key in ("evidence", "cue", "source", "addressee", "frame"):
            if key in c:
                check(c[key], f"claim {c['id']}: {key}")
