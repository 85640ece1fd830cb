"""Speakers as entities: a phrase becomes a new entity or the one it names again (surname, head
noun, pronoun, `die Zeitung`); each gets its type from the lexicon and all its mentions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from claimgraph.graph.draft.lexicon import Lexicon
from claimgraph.graph.draft.text import Token

_UMLAUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slugify(label: str) -> str:
    """`Kreml-Sprecher Dmitri Peskow` -> `kreml-sprecher-dmitri-peskow` (ASCII, stable)."""
    s = unicodedata.normalize("NFKD", label.translate(_UMLAUT)).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-zA-Z0-9]+", "-", s).strip("-").lower()
    return s[:60].strip("-") or "quelle"


@dataclass
class Entity:
    slug: str
    type: str
    label: str
    mentions: list[tuple[int, int]] = field(default_factory=list)  # token index ranges [i, j]


class Entities:
    """The agents of one article, in order of first mention."""

    def __init__(self, lex: Lexicon, tokens: list[Token], text: str):
        self.lex = lex
        self.T = tokens
        self.text = text
        self.by_slug: dict[str, Entity] = {}
        self.keys: dict[str, str] = {}  # lower-case name word -> slug (the latest wins)
        self.last: str | None = None  # the last speaker
        self.det = lex.words("determiners")
        self.indef = lex.words("indefinite")
        self.pronouns = lex.words("pronouns")
        self.media = lex.words("media")
        self.media_nouns = lex.words("media_nouns")
        self.gov = lex.words("government_words")
        self.org = lex.words("organisation_words")
        self.anon = lex.words("anonymous_words")

    def _type(self, words: list[str], indefinite: bool) -> str:
        low = [w.lower() for w in words]
        joined = " ".join(low)
        parts = {p for w in low for p in w.split("-")}
        if (
            joined in self.media
            or any(w in self.media for w in low)
            or any(" ".join(low[k : k + n]) in self.media for n in (2, 3) for k in range(len(low)))
            or (low and low[-1] in self.media_nouns)
        ):
            return "NewsMediaOrganization"
        if indefinite or (low and low[-1] in self.anon) and not any(w[:1].isupper() for w in words[1:-1]):
            if low and (low[-1] in self.anon or indefinite):
                return "AnonymousGroup"
        if parts & self.gov:
            return "GovernmentOrganization"
        if parts & self.org:
            return "Organization"
        return "Person"

    def _new(self, label: str, type_: str) -> Entity:
        base = slugify(label)
        slug = base
        n = 2
        while slug in self.by_slug:
            slug = f"{base}-{n}"
            n += 1
        e = Entity(slug, type_, label)
        self.by_slug[slug] = e
        return e

    def anonymous(self) -> Entity:
        e = self.by_slug.get("nicht-genannte-quelle")
        return e or self._new("nicht genannte Quelle", "AnonymousGroup")

    def resolve(self, ix: list[int], *, fallback_last: bool = False) -> Entity:
        """The entity a source phrase names; pronouns and bare descriptions go to the last speaker."""
        if not ix:
            if fallback_last and self.last:
                return self.by_slug[self.last]
            return self.anonymous()
        words = [self.T[i].text for i in ix]
        low = [w.lower() for w in words]
        span = (ix[0], ix[-1])
        if len(words) == 1 and low[0] in self.pronouns:
            referent = self.by_slug[self.last] if self.last else self.anonymous()
            referent.mentions.append(span)
            return referent
        indefinite = low[0] in self.indef
        content = [w for w, lw in zip(words, low) if lw not in self.det]
        if not content:
            return self.anonymous()
        head = content[-1].lower()
        e: Entity | None = None
        if not indefinite:
            if head in self.media_nouns:
                for cand in reversed(list(self.by_slug.values())):
                    if cand.type == "NewsMediaOrganization":
                        e = cand
                        break
            if e is None:
                slug = self.keys.get(head) or self.keys.get(head.split("-")[-1])
                if slug:
                    e = self.by_slug[slug]
        if e is None:
            label = self.text[self.T[ix[0]].start : self.T[ix[-1]].end]
            if low[0] in self.det:
                first = next(k for k, lw in enumerate(low) if lw not in self.det)
                label = self.text[self.T[ix[first]].start : self.T[ix[-1]].end]
            e = self._new(label, self._type(words, indefinite))
        for w in content:
            if w[:1].isupper() and len(w) > 2:
                self.keys[w.lower()] = e.slug
        e.mentions.append(span)
        return e

    def add_name_mentions(self) -> None:
        """Every further occurrence of a named entity's label (or a person's surname): one pass
        over the tokens with a dictionary of first words, so long texts stay linear."""
        firsts: dict[str, list[tuple[list[str], Entity]]] = {}
        for e in self.by_slug.values():
            if e.type == "AnonymousGroup":
                continue
            words = [t for t in re.findall(r"\w+(?:[-–'’.&/]\w+)*|[^\w\s]", e.label)]
            if not words or not words[0][:1].isupper():
                continue
            firsts.setdefault(words[0], []).append((words, e))
            if e.type == "Person" and len(words) >= 2 and words[-1][:1].isupper():
                firsts.setdefault(words[-1], []).append(([words[-1]], e))
        taken = {i for e in self.by_slug.values() for a, b in e.mentions for i in range(a, b + 1)}
        T = self.T
        i = 0
        while i < len(T):
            for words, e in firsts.get(T[i].text, ()):
                n = len(words)
                if [t.text for t in T[i : i + n]] == words and not any(k in taken for k in range(i, i + n)):
                    e.mentions.append((i, i + n - 1))
                    taken.update(range(i, i + n))
                    i += n - 1
                    break
            i += 1
