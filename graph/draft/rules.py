"""Sentence patterns of reported speech: each finds the cue, the source, the message and the frame
as token indices. German word lists come from the Lexicon; the patterns are the German word order
(verb second, `laut X`, `X zufolge`, `nach Angaben X`, `, so X`, `heißt es`, the headline colon).
Every function is a bounded scan inside one sentence, so drafting is linear in the text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from claimgraph.graph.draft.lexicon import Lexicon, VerbSense
from claimgraph.graph.draft.text import Token

BOUNDARY = {",", ";", ":", "(", ")", "–", "-"}
FINAL = {".", "!", "?"}


@dataclass
class Found:
    """One drafted claim as token indices (into the article's token list)."""

    sent: int
    mode: str  # direct | indirect | free-indirect | reported
    rule: str
    stance: str
    message: list[int]
    cue: list[int] = field(default_factory=list)
    source: list[int] = field(default_factory=list)
    addr: list[int] = field(default_factory=list)
    frame: list[int] = field(default_factory=list)
    reporter: list[int] = field(default_factory=list)  # words naming an intermediate reporter
    confidence: float = 0.7


class Rules:
    """The patterns of one language over one article's tokens."""

    def __init__(self, lex: Lexicon, tokens: list[Token], quotes: list[tuple[int, int]]):
        self.lex = lex
        self.T = tokens
        self.quote_of = {}  # token index -> (open, close) of the quotation holding it
        for q in quotes:
            for i in range(q[0], q[1] + 1):
                self.quote_of[i] = q
        self.det = lex.words("determiners")
        self.conn = lex.words("np_connectors")
        self.stop = lex.words("np_stoppers")
        self.openers = lex.words("non_subject_openers")
        self.aux = lex.words("auxiliaries")
        self.nach_nouns = lex.words("nach_nouns")
        self.openers = (self.openers | lex.words("sentence_adverbs")) - {"ihr", "ihm", "ihnen"}
        self.focus = lex.words("focus_openers")
        self.not_adj = lex.words("not_adjectives")
        self.weak_reported = lex.words("weak_reported")
        self.trailing_conj = lex.words("trailing_report_conjunctions")
        self.prep_before = lex.words("prepositions_before")
        self.prep_after = lex.words("prepositions_after")
        self.adverb_cues = lex.words("adverb_cues")
        self.heisst = lex.words("heisst")
        self.quoting = lex.words("quoting_verbs")
        self.media = lex.words("media")
        self.closers = set(lex.quotes.values())
        self.openmarks = set(lex.quotes)
        self.not_complement = lex.words("not_complement")
        self.decline = re.compile(lex.raw["decline_pattern"])

    # -- noun phrases ---------------------------------------------------------------------------
    def _np_word(self, i: int, stop: int) -> bool:
        t = self.T[i].text
        lo = t.lower()
        if lo in self.stop:
            return False
        if t[:1].isupper() or t[:1].isdigit():
            return True
        if lo in self.det:
            return True
        return self._adjective(i, stop)

    def _adjective(self, i: int, stop: int) -> bool:
        """A lower-case word with an adjective ending, in a run of them that ends in a capital."""
        for k in range(i, min(i + 4, stop)):
            lo = self.T[k].text.lower()
            if self.T[k].text[:1].isupper():
                return k > i
            if not lo.endswith(("e", "en", "er", "es", "em", "ern")) or lo in self.not_adj or lo in self.aux:
                return False
        return False

    def np_forward(self, i: int, stop: int) -> list[int]:
        """The noun phrase starting at i (determiners, adjectives, names, genitive chains, a short
        quoted title, a parenthesis right after it)."""
        j = i
        out: list[int] = []
        has_det = False
        while j < stop:
            t = self.T[j].text
            lo = t.lower()
            q = self.quote_of.get(j)
            if q and q[0] == j and out and q[1] - q[0] <= 8 and q[1] < stop:  # „Der Spiegel“
                out.extend(range(q[0], q[1] + 1))
                j = q[1] + 1
                continue
            if t == "(" and out:
                k = j + 1
                while k < stop and k - j <= 10 and self.T[k].text != ")":
                    k += 1
                if k < stop and self.T[k].text == ")":
                    out.extend(range(j, k + 1))
                    j = k + 1
                    continue
                break
            if j in self.quote_of or t in BOUNDARY or t in FINAL or lo in self.stop:
                break
            if out and lo in self.conn and j + 1 < stop and self._np_word(j + 1, stop):
                if lo == "der" and not has_det and self.T[j - 1].lower not in self.conn:
                    break  # "laut Sergei Voznyak der Sprecher": a new phrase
                out.append(j)
                j += 1
                continue
            if not self._np_word(j, stop) or (out and lo in self.aux):
                break
            if out and lo in self.det and lo not in self.conn:  # a second phrase (the object) begins
                break
            if out and t[:1].isdigit():
                break
            has_det = has_det or lo in self.det
            out.append(j)
            j += 1
        while out and (self.T[out[-1]].lower in self.conn or self.T[out[-1]].lower in self.det):
            out.pop()
        return out

    def with_apposition(self, np: list[int], stop: int) -> list[int]:
        """`X, der Sprecher der Y,` / `der Direktor der IAEO, Mohammed el-Baradei`: the apposition
        belongs to the source when it ends the clause or the sentence."""
        if not np:
            return np
        j = np[-1] + 1
        if j < stop and self.T[j].text in (",", "–"):
            app = self.np_forward(j + 1, stop)
            if app and self.T[app[0]].text[:1].isupper() or (app and self.T[app[0]].lower in self.det):
                k = app[-1] + 1
                if k >= stop or self.T[k].text in (",", "–", ":", ".") or self.T[k].lower == "gegenüber":
                    return np + list(range(j, app[-1] + 1))
        return np

    def np_backward(self, i: int, start: int) -> list[int]:
        """The noun phrase ending just before i (for postpositions like `zufolge`)."""
        j = i - 1
        out: list[int] = []
        while j >= start:
            t = self.T[j].text
            lo = t.lower()
            if t == ")" and out == []:
                k = j - 1
                while k >= start and j - k <= 10 and self.T[k].text != "(":
                    k -= 1
                if k >= start and self.T[k].text == "(":
                    out.extend(range(j, k - 1, -1))
                    j = k - 1
                    continue
            q = self.quote_of.get(j)
            if q and q[1] == j and j - q[0] <= 8 and q[0] - 1 >= start:
                out.extend(range(j, q[0] - 1, -1))
                j = q[0] - 1
                continue
            if j in self.quote_of or t in BOUNDARY or t in FINAL:
                break
            if t[:1].isupper() or t[:1].isdigit() or lo in self.det or (out and lo in self.conn):
                out.append(j)
            elif out and lo.endswith(("e", "en", "er", "es", "em")) and lo not in self.stop:
                out.append(j)
            else:
                break
            j -= 1
        out.reverse()
        while out and (
            (self.T[out[0]].lower in self.conn and self.T[out[0]].lower not in self.det) or self.T[out[0]].text in "()"
        ):
            out.pop(0)
        return out

    # -- cues -----------------------------------------------------------------------------------
    def clause_end(self, i: int, end: int) -> int:
        """The first clause boundary after i (exclusive end of i's clause)."""
        j = i + 1
        while j < end and self.T[j].text not in BOUNDARY and self.T[j].text not in self.openmarks:
            j += 1
        return j

    def clause_start(self, i: int, a: int) -> int:
        """The first token of i's clause; a quotation inside it (a title) does not end it."""
        j = i - 1
        while j >= a and self.T[j].text not in BOUNDARY:
            q = self.quote_of.get(j)
            if q and q[1] == j:
                if q[0] <= a or self.T[q[0] - 1].text in BOUNDARY:
                    break  # a quotation set off by itself: "„…“ sagte X"
                j = q[0]
            j -= 1
        return j + 1

    def verb_cue(self, i: int, a: int, end: int) -> tuple[list[int], VerbSense] | None:
        senses = self.lex.verbs.get(self.T[i].lower)
        if not senses or i in self.quote_of:
            return None
        if self.T[i].text[:1].isupper() and i > a:  # a noun (das Sagen) is not a cue
            return None
        ce = self.clause_end(i, end)
        for sense in senses:
            if sense.particle is None or sense.joined:
                return [i], sense
            for j in range(i + 1, ce):
                if self.T[j].lower == sense.particle:
                    return [i, j], sense
        return None

    def find(self, s: int, a: int, b: int, consumed: set[int]) -> list[Found]:
        """The claims of sentence s = tokens [a, b)."""
        T = self.T
        end = b - 1 if b - 1 > a and T[b - 1].text in FINAL else b
        found: list[Found] = []
        # verb cues: the first with a complement wins; a bare speech act ("wies zurück") only
        # when no prepositional cue (laut, zufolge, nach Angaben) names the source instead
        reported: Found | None = None
        for i in range(a, end):
            if i in consumed:
                continue
            hit = self.verb_cue(i, a, end)
            if hit:
                f = self._verb_claim(s, a, end, b, hit[0], hit[1])
                if f and f.mode != "reported":
                    found.append(f)
                    break
                if f and reported is None:
                    reported = f
        if not found:
            for i in range(a, end):
                if i in consumed or i in self.quote_of:
                    continue
                f = self._prep_claim(s, a, end, b, i)
                if f:
                    found.append(f)
                    break
        if not found and reported is not None:
            found.append(reported)
        if not found:
            f = self._headline(s, a, end, b)
            if f:
                found.append(f)
        if found and found[0].rule.startswith("verb-after-message"):
            found.extend(self._trailing(s, found[0], end))
        found.extend(self._declines(s, a, end, found))
        for f in found:
            self._addressee(f, a, end)
            if f.cue and not f.frame and f.mode != "reported":
                msg = set(f.message)
                f.frame = [k for k in range(a, end) if k not in msg]
        return found

    def _trailing(self, s: int, head: Found, end: int) -> list[Found]:
        """`…, berichtete die Zeitung, nachdem X … verstärkt und Y … unterstützt hatte`: the clause
        after the reporter is often part of the report too (low confidence; SpkAtt does not count
        it). Coordinated clauses become one claim each."""
        last = max(head.source + head.cue)
        k = last + 1
        if k + 1 >= end or self.T[k].text != "," or self.T[k + 1].lower not in self.trailing_conj:
            return []
        parts: list[list[int]] = [[]]
        for i in range(k + 1, end):
            if i in self.quote_of:
                return []
            if self.T[i].lower == "und" and len(parts[-1]) >= 4 and end - i > 4:
                parts.append([])
                continue
            parts[-1].append(i)
        out = []
        for part in parts:
            f = Found(
                s,
                "indirect",
                "clause-after-reporter",
                head.stance,
                part,
                list(head.cue),
                list(head.source),
                reporter=list(head.reporter),
                confidence=0.35,
            )
            out.append(f)
        return out

    def _declines(self, s: int, a: int, end: int, found: list[Found]) -> list[Found]:
        """Clauses refusing comment (`wollte sich nicht äußern`, `auf eine Bitte um Stellungnahme nicht
        reagiert`): a reported claim with stance declinesToComment, by the clause's or the sentence's subject."""
        taken = {i for f in found for i in (f.cue if f.mode == "reported" else f.message + f.cue)}
        out: list[Found] = []
        k = a
        while k < end:
            ce = k
            while ce < end and self.T[ce].text not in BOUNDARY:
                ce += 1
            clause = [i for i in range(k, ce) if i not in taken and i not in self.quote_of]
            if clause and self.decline.search(" ".join(self.T[i].text for i in clause)):
                if self.T[clause[0]].lower in self.not_complement:
                    clause = clause[1:]
                source = found[0].source if found else self.np_forward(clause[0], ce)
                for other in found:  # a speech act that took the whole sentence gives this clause up
                    if other.mode == "reported":
                        other.message = [i for i in other.message if i < k - 1 or i >= ce]
                f = Found(s, "reported", "declines-comment", "declinesToComment", clause, [], list(source))
                f.confidence = 0.6
                out.append(f)
            k = ce + 1
        return out

    def _aux_before(self, i: int, cs: int) -> int | None:
        for j in range(i - 1, cs - 1, -1):
            if self.T[j].lower in self.aux:
                return j
        return None

    def _quote_at(self, i: int) -> tuple[int, int] | None:
        return self.quote_of.get(i)

    def _message_right(self, p: int, end: int, b: int) -> list[int]:
        """Message from token p on: a quotation (marks included, across sentences) or the rest."""
        q = self._quote_at(p)
        if q and q[0] == p:
            return list(range(q[0], q[1] + 1))
        out = list(range(p, end))
        if end < b and b - 1 in self.quote_of and p in self.quote_of:
            out.append(b - 1)
        return out

    def _verb_claim(self, s: int, a: int, end: int, b: int, cue: list[int], sense: VerbSense) -> Found | None:
        T = self.T
        v = cue[0]
        cs = self.clause_start(v, a)
        ce = self.clause_end(cue[-1], end)
        aux = self._aux_before(v, cs) if (v + 1 >= end or T[v + 1].text in BOUNDARY or v + 1 == ce) else None
        head = aux if aux is not None else v
        cue_ix = sorted(set(cue + ([aux] if aux is not None else [])))
        quoting = T[v].lower in self.quoting
        wie = cs < head and T[cs].lower == "wie"
        if wie:
            cue_ix = sorted(set([cs] + cue_ix))
        left_comma = cs > a and T[cs - 1].text in {",", ":"} or (cs > a and T[cs - 1].text in self.closers)
        inverted = left_comma and head == cs  # "…, sagte X."
        message: list[int] = []
        source: list[int] = []
        if inverted and T[cs - 1].text == ",":  # "Der Direktor der IAEO, Mohammed el-Baradei, sagte"
            subj = self.with_apposition(self.np_forward(a, head), head)
            if subj and subj[0] == a and subj[-1] + 2 == head:
                inverted, cs = False, a
        reporter: list[int] = []
        mode = "indirect"
        rule = "verb"
        if inverted or (wie and left_comma):
            # message to the left: a quotation or the clause(s) before the comma
            k = cs - 1
            while k > a and T[k].text in {",", ":"}:
                k -= 1
            q = self._quote_at(k)
            if q:
                message = list(range(q[0], q[1] + 1))
            else:
                message = [i for i in range(a, k + 1)]
            if wie:
                source = self.np_forward(cs + 1, head)
            else:
                source = self._subject_after(aux, cue, ce, end)
            rule = "verb-after-message" if not wie else "wie-clause"
        else:
            # subject: before the verb unless the clause opens with an adverbial
            if wie:
                source = self.np_forward(cs + 1, head)
            elif cs < head and T[cs].lower not in self.openers and not self._adverb_opener(cs, head):
                source = self.with_apposition(self.np_forward(cs, head), head)
            else:
                source = []
                if cs < head and T[cs].lower in self.focus:  # "Auch der Minister sagte"
                    np = self.with_apposition(self.np_forward(cs + 1, head), head)
                    if np and np[-1] == head - 1:
                        source = np
                if not source:
                    source = self._subject_after(aux, cue, ce, end)
            # complement: after the clause boundary or a quotation that follows
            p = cue[-1] + 1
            while p < end and p not in self.quote_of and T[p].text not in {",", ":"}:
                p += 1
            if p < end and T[p].text in {",", ":"}:
                p += 1
            if p < end and T[p].lower in self.not_complement:
                p = end
            if p < end:
                message = self._message_right(p, end, b)
                if wie:  # "wie X sagte, MSG"
                    rule = "wie-clause"
            else:
                mode = "reported"
                rule = "speech-act"
                message = list(range(a, end))  # the speech act itself (its whole sentence) is what is reported
        if quoting and source:
            # "Reuters zitierte X" / "zitierte Reuters X": the subject reports, the object speaks
            subj = self.np_forward(cs, head) if cs < head and T[cs].lower not in self.openers else []
            obj_start = cue[-1] + 1
            obj = self.np_forward(obj_start, ce)
            if subj:
                reporter, source = subj, obj
            elif obj:
                n_media = self._media_prefix(obj)
                reporter, source = obj[:n_media], obj[n_media:]
        if message and self._is_title(message):
            return None
        if mode == "reported" and not source:
            return None  # an agentless passive names nobody
        if not message:
            return None
        quote = self._quote_at(message[0])
        if quote is not None and quote[0] == message[0] and quote[1] == message[-1]:  # one whole quote
            mode = "direct"
            rule += "+quote"
        f = Found(s, mode, rule, sense.stance, message, cue_ix, source, reporter=reporter)
        f.confidence = {"direct": 0.9, "indirect": 0.8, "reported": 0.6}[mode]
        if mode == "reported" and T[cue_ix[-1]].lower in self.weak_reported:
            f.confidence = 0.35  # on SpkAtt train, most of these bare speech acts were not annotated
        return f

    def _adverb_opener(self, cs: int, head: int) -> bool:
        """`Offiziell geht …`, `Bekanntlich sagte …`: a lone capitalised adverb before the verb."""
        return head - cs == 1 and self.T[cs].lower.endswith(
            ("lich", "ig", "isch", "ell", "weise", "mals", "dings", "erdings")
        )

    def _subject_after(self, aux: int | None, cue: list[int], ce: int, end: int) -> list[int]:
        """The subject after the finite verb: `sagte der Minister`, `hatte der Minister gesagt`."""
        T = self.T
        if aux is not None:
            k, stop = aux + 1, cue[0]
        else:
            k, stop = cue[0] + 1, ce
        while k < stop and (T[k].lower in self.aux or T[k].lower in self.stop):
            k += 1
        np = self.np_forward(k, stop)
        return self.with_apposition(np, end if aux is None else stop)

    def _is_title(self, message: list[int]) -> bool:
        """A short quotation after an article or preposition names something (der „Spiegel“)."""
        q = self._quote_at(message[0])
        if not q or q != (message[0], message[-1]):
            return False
        before = self.T[q[0] - 1].lower if q[0] > 0 else ""
        inner = range(q[0] + 1, q[1])
        if before in ("als", "ein", "eine", "einen", "einer", "einem", "von", "wie"):
            return False  # nannte ihn einen „…“, bezeichnete es als „…“
        names = all(self.T[k].text[:1].isupper() or not self.T[k].text[:1].isalpha() for k in inner)
        return (len(inner) <= 3 and names) or (len(inner) <= 3 and before not in (":", ","))

    def _media_prefix(self, ix: list[int]) -> int:
        """How many leading words of a phrase name a medium (``Reuters Kreml-Sprecher X`` -> 1)."""
        words = [self.T[i].text.lower() for i in ix]
        for n in range(min(4, len(words) - 1), 0, -1):
            if " ".join(words[:n]) in self.media:
                return n
        return 0

    def _prep_claim(self, s: int, a: int, end: int, b: int, i: int) -> Found | None:
        T = self.T
        lo = T[i].lower
        cue = [i]
        source: list[int] = []
        rule = ""
        if lo in self.prep_before:
            source = self.with_apposition(self.np_forward(i + 1, end), end)
            rule = "laut"
        elif lo in self.prep_after:
            source = self.np_backward(i, a)
            rule = "zufolge"
        elif lo == "nach" and (k := self._nach_noun(i + 1, end)) is not None:
            source = self.with_apposition(list(range(i + 1, k + 1)) + self._genitive(k + 1, end), end)
            rule = "nach-angaben"
        elif lo == "nach" and i + 1 < end and T[i + 1].text.lower() in self.nach_nouns:
            source = self.with_apposition([i + 1] + self._genitive(i + 2, end), end)
            rule = "nach-angaben"
        elif lo == "nach" and i - 2 >= a and T[i - 1].text.lower() in self.nach_nouns:
            source = [i - 2, i - 1] if T[i - 2].lower in self.det or T[i - 2].text[:1].isupper() else [i - 1]
            rule = "meinung-nach"
        elif lo == "so" and i > a and T[i - 1].text == "," and i + 1 < end:
            source = self.with_apposition(self.np_forward(i + 1, end), end)
            if not source or (source[-1] + 1 < end and T[source[-1] + 1].text not in BOUNDARY):
                return None
            rule = "so-X"
        elif lo in self.adverb_cues:
            source = [i]
            rule = "demnach"
        elif lo in self.heisst and i + 1 < end and T[i + 1].lower == "es":
            cue = [i, i + 1]
            rule = "heisst-es"
        elif lo == "es" and i + 1 < end and T[i + 1].lower in self.heisst:
            cue = [i, i + 1]
            rule = "heisst-es"
        else:
            return None
        if rule != "heisst-es" and rule != "demnach" and not source:
            return None
        taken = set(cue) | set(source)
        if rule == "so-X":
            k = i - 1  # the comma before `so`
            q = self._quote_at(k - 1) if k - 1 >= a else None
            message = list(range(q[0], q[1] + 1)) if q else list(range(a, k))
        elif rule == "heisst-es":
            p = cue[-1] + 1
            while p < end and T[p].text not in {",", ":"} and p not in self.quote_of:
                p += 1
            if p < end and T[p].text in {",", ":"}:
                p += 1
            if p < end:
                message = self._message_right(p, end, b)
            else:
                k = cue[0] - 1
                while k > a and T[k].text == ",":
                    k -= 1
                message = list(range(a, k + 1))
            # "In der Erklärung heißt es": the document speaks
            cs = self.clause_start(cue[0], a)
            if cs < cue[0] and T[cs].lower in ("in", "im"):
                source = self.np_forward(cs + 1, cue[0])
        else:
            message = [k for k in range(a, end) if k not in taken]
            # drop commas that only set off the source phrase, at the message's edges
            while message and T[message[0]].text in BOUNDARY:
                message.pop(0)
            while message and T[message[-1]].text in BOUNDARY:
                message.pop()
        if not message:
            return None
        whole_quote = self._quote_at(message[0])
        mode = "direct" if whole_quote and whole_quote == (message[0], message[-1]) else "indirect"
        f = Found(s, mode, rule, "asserts", message, cue, source)
        f.confidence = 0.75
        return f

    def _genitive(self, k: int, end: int) -> list[int]:
        """The attribute after `Angaben`: `der Polizei`, `von Augenzeugen`, `libanesischer Kreise`."""
        if k >= end:
            return []
        lo = self.T[k].lower
        if lo in ("von", "vom"):
            np = self.np_forward(k + 1, end)
            return [k] + np if np else []
        if lo in ("des", "der", "eines", "einer") or (self.T[k].text.islower() and self._adjective(k, end)):
            return self.np_forward(k, end)
        return []

    def _nach_noun(self, i: int, end: int) -> int | None:
        """`nach [eigener|diesen|ersten] Angaben/Erkenntnissen/Polizeiangaben`: the noun's index."""
        for k in range(i, min(i + 3, end)):
            lo = self.T[k].lower
            if self.T[k].text[:1].isupper() and any(lo.endswith(n) for n in self.nach_nouns):
                return k
            if not (lo in self.det or lo.endswith(("e", "en", "er", "em", "es"))) or self.T[k].text[:1].isupper():
                return None
        return None

    def _headline(self, s: int, a: int, end: int, b: int) -> Found | None:
        """`Name: message` in a line without final punctuation (a headline)."""
        T = self.T
        if end != b:
            return None
        for k in range(a + 1, min(a + 6, end)):
            if T[k].text == ":":
                src = self.np_forward(a, k)
                if (
                    src
                    and src[-1] == k - 1
                    and k + 1 < end
                    and T[a].lower not in self.lex.words("headline_not_source")
                    and not T[k + 1].lower.startswith("http")
                ):
                    f = Found(
                        s,
                        "direct" if self._quote_at(k + 1) else "indirect",
                        "headline-colon",
                        "asserts",
                        list(range(k + 1, end)),
                        [k],
                        src,
                    )
                    f.confidence = 0.6
                    return f
                return None
        return None

    def _addressee(self, f: Found, a: int, end: int) -> None:
        """`gegenüber X` in the frame names whom the speaker told it."""
        msg = set(f.message)
        for i in range(a, end):
            if i not in msg and self.T[i].lower == "gegenüber":
                np = self.np_forward(i + 1, end)
                if np:
                    f.addr = np
                else:
                    f.addr = self.np_backward(i, a)
                return
