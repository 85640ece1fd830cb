"""The rule layer's word lists, loaded from ``lang/LANG.yaml`` (data, not code), once per Drafter."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

_INSEPARABLE = ("be", "emp", "ent", "er", "ge", "miss", "ver", "zer", "über", "unter", "wider")


@dataclass(frozen=True)
class VerbSense:
    """One reading of a cue verb form: its stance and the separable particle it needs."""

    stance: str
    particle: str | None  # a separated form is a cue only with this particle later in its clause
    joined: bool  # the form already carries the particle (mitgeteilt, zurückgewiesen)


@dataclass
class Lexicon:
    """Everything language-specific the rules look up, as sets and maps of lower-case words."""

    language: str
    quotes: dict[str, str]
    verbs: dict[str, list[VerbSense]]
    raw: dict[str, Any] = field(repr=False)

    def words(self, key: str) -> frozenset[str]:
        """A word list of the lexicon, lower-cased, as a set."""
        cached = self._sets.get(key)
        if cached is None:
            cached = frozenset(str(w).lower() for w in self.raw.get(key, []))
            self._sets[key] = cached
        return cached

    def __post_init__(self) -> None:
        self._sets: dict[str, frozenset[str]] = {}


def _weak_forms(stem: str, particle: str | None) -> tuple[list[str], list[str]]:
    """Regular forms of a weak verb stem: (forms used alone or separated, forms joined to the particle)."""
    e = "e" if stem.endswith(("t", "d")) or stem.endswith(("chn", "ffn", "gn")) else ""
    finite = [stem + e + "t", stem + e + "te", stem + e + "ten", stem + "en", stem + "e"]
    if stem.endswith(("el", "er")):
        finite.append(stem + "n")
    ge = "" if stem.startswith(_INSEPARABLE) or stem.endswith("ier") else "ge"
    participle = ge + stem + e + "t"
    if particle is None:
        return finite + [participle], []
    joined = [particle + f for f in finite] + [particle + participle, particle + "zu" + stem + "en"]
    return finite, joined


def load(language: str = "de") -> Lexicon:
    """Read ``lang/LANGUAGE.yaml`` shipped inside the package; a clear error for an unknown language."""
    try:
        text = (
            resources.files("claimgraph.graph.draft").joinpath("lang", f"{language}.yaml").read_text(encoding="utf-8")
        )
    except FileNotFoundError:
        raise ValueError(f"no drafting rules for language {language!r} (graph/draft/lang/{language}.yaml)") from None
    raw = yaml.safe_load(text)
    verbs: dict[str, list[VerbSense]] = {}
    for entry in raw["verbs"]:
        particle = entry.get("particle")
        separated: list[str] = []
        joined: list[str] = []
        if "weak" in entry and "forms" not in entry:
            separated, joined = _weak_forms(entry["weak"], particle)
        for form in entry.get("forms", []):
            (joined if particle and form.startswith(particle) and form != particle else separated).append(form)
        for form in separated:
            verbs.setdefault(form.lower(), []).append(VerbSense(entry["stance"], particle, False))
        for form in joined:
            verbs.setdefault(form.lower(), []).append(VerbSense(entry["stance"], particle, True))
    return Lexicon(language=raw["language"], quotes=dict(raw["quotes"]), verbs=verbs, raw=raw)
