"""`said`: the time words of a claim's frame, normalised against the article's publication date."""

from __future__ import annotations

import re
from datetime import date, timedelta

from claimgraph.graph.draft.lexicon import Lexicon


class DateReader:
    """Finds `heute`, `gestern`, `am Montag`, `am 24. Oktober`, `Anfang 2024`, `vergangene Woche`."""

    def __init__(self, lex: Lexicon):
        self.weekdays = [w.lower() for w in lex.raw["weekdays"]]
        self.months = [m.lower() for m in lex.raw["months"]]
        self.relative = {k.lower(): int(v) for k, v in lex.raw["relative_days"].items()}
        months = "|".join(self.months)
        days = "|".join(self.weekdays)
        rel = "|".join(self.relative)
        vague = "|".join(re.escape(v) for v in lex.raw["relative_vague"])
        self.pattern = re.compile(
            rf"(?P<rel>\b(?:{rel})\b(?:\s*\(\s*(?P<rd>\d{{1,2}})\.\s*(?P<rm>{months})\s*\))?)"
            rf"|(?P<wd>\bam\s+(?P<day>{days})(?:abend|morgen|nachmittag|vormittag)?\b)"
            rf"|(?P<dm>\b(?:am\s+|vom\s+)?(?P<d>\d{{1,2}})\.\s*(?P<m>{months})(?:\s+(?P<y>\d{{4}}))?)"
            rf"|(?P<yr>\b(?:Anfang|Mitte|Ende|im\s+Jahr|im\s+Jahre)\s+(?P<year>\d{{4}})\b)"
            rf"|(?P<vague>\b(?:{vague})\b)",
            re.IGNORECASE,
        )

    def said(self, sentence: str, published: date | None) -> dict | None:
        """{date, wording} for the first time expression of the sentence, {wording} when it cannot
        be normalised (no publication date, or a vague one), None when there is none."""
        m = self.pattern.search(sentence)
        if not m:
            return None
        wording = m.group(0).strip()
        when: str | None = None
        if m.group("rel"):
            if m.group("rd") and published:
                when = self._day_month(int(m.group("rd")), m.group("rm"), None, published)
            elif published:
                when = (
                    published + timedelta(days=self.relative[m.group("rel").split()[0].split("(")[0].strip().lower()])
                ).isoformat()
        elif m.group("wd") and published:
            target = self.weekdays.index(m.group("day").lower())
            back = (published.weekday() - target) % 7
            when = (published - timedelta(days=back)).isoformat()
        elif m.group("dm"):
            y = int(m.group("y")) if m.group("y") else None
            if y or published:
                when = self._day_month(int(m.group("d")), m.group("m"), y, published)
        elif m.group("yr"):
            when = m.group("year")
        return {"date": when, "wording": wording} if when else {"wording": wording}

    def _day_month(self, d: int, month: str, year: int | None, published: date | None) -> str | None:
        mo = self.months.index(month.lower()) + 1
        try:
            if year:
                return date(year, mo, d).isoformat()
            assert published is not None
            when = date(published.year, mo, d)
            if when > published + timedelta(days=31):  # a date without a year lies before the article
                when = date(published.year - 1, mo, d)
            return when.isoformat()
        except ValueError:  # 31. Februar
            return None
