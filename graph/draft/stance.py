"""The stance a cue word gives, from the drafter's lexicon (``lang/LANG.yaml``), with a confidence.

For readings whose cue words are known but whose stance is not (SpkAtt-2023 marks speaker,
cue and message, no stance). The lookup is the lexicon's: a cue verb form (lower-cased, as the
rules look it up) gives the stance of its entry, a separable verb only with its particle among
the cue words ("wies ... zurück" rejects, "wies ... hin" asserts); the non-verb cues the rules
know ("laut", "zufolge", "nach Angaben", "so X", "heißt es", "demnach") assert; a clause refusing
comment declines to comment; then, as the drafter does, an assertion whose message holds a
denial word ("unwahr", "nie") denies. Confidences are those the drafter gives the same
evidence (rules.py, drafter.py): 0.9 a cue verb with one stance, 0.75 a preposition or
adverb cue, 0.6 a denial word or a refused comment, 0.6 for the one non-assertive stance of a
cue whose verbs disagree. A cue the lexicon does not know gives ``asserts`` (an attributed
statement presents its message as the speaker's) with confidence 0.3, below any rule's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from claimgraph.graph.draft import lexicon as lexicon_mod
from claimgraph.graph.draft.lexicon import Lexicon

#: the stance of a cue the lexicon does not know, and how sure that default is
UNKNOWN_STANCE = "asserts"
UNKNOWN_CONFIDENCE = 0.3


@dataclass(frozen=True)
class CueStance:
    """A stance, how sure the lookup is, and what it rests on (for a note)."""

    stance: str
    confidence: float
    basis: str
    known: bool  # the lexicon knew a cue word


class StanceLexicon:
    """Stance lookups in one language's lexicon (loaded once)."""

    def __init__(self, language: str = "de", lexicon: Lexicon | None = None) -> None:
        self.lex = lexicon or lexicon_mod.load(language)
        self.denial = self.lex.words("denial_words")
        self.other_cues = (
            self.lex.words("prepositions_before")
            | self.lex.words("prepositions_after")
            | self.lex.words("adverb_cues")
            | self.lex.words("heisst")
            | self.lex.words("nach_nouns")
            | self.lex.words("context_cues")
        )
        self.decline = re.compile(self.lex.raw["decline_pattern"])

    def stance(self, cue: Sequence[str], message: Sequence[str] = ()) -> CueStance:
        """The stance of a cue (its words, in text order) and the words of its message."""
        words = [w.lower() for w in cue]
        msg = [w.lower() for w in message]
        if self.decline.search(" ".join(cue)):
            return CueStance("declinesToComment", 0.6, "a cue refusing comment", True)
        found = self._verb_stance(words)
        if found is None and self.decline.search(" ".join([*cue, *message])):
            return CueStance("declinesToComment", 0.6, "a clause refusing comment", True)
        if found is None:
            other = [w for w in words if w in self.other_cues]
            if other:
                found = CueStance("asserts", 0.75, f"cue word {other[0]!r}", True)
        if found is None:
            shown = " ".join(cue) or "none"
            found = CueStance(UNKNOWN_STANCE, UNKNOWN_CONFIDENCE, f"cue {shown!r} not in the lexicon", False)
        if found.stance == "asserts":
            denial = [w for w in msg if w in self.denial]
            if denial:
                return CueStance("denies", 0.6, f"{found.basis}; denial word {denial[0]!r} in the message", True)
        return found

    def _verb_stance(self, words: list[str]) -> CueStance | None:
        stances: dict[str, str] = {}
        for w in words:
            senses = self.lex.verbs.get(w, [])
            fitting = [s for s in senses if s.joined or s.particle is None or s.particle.lower() in words]
            with_particle = [s for s in fitting if s.particle is not None and not s.joined]
            for sense in with_particle or fitting:  # "wies ... zurück": the particle decides
                stances.setdefault(sense.stance, w)
        if not stances:
            return None
        if len(stances) == 1:
            stance, w = next(iter(stances.items()))
            return CueStance(stance, 0.9, f"cue verb {w!r}", True)
        marked = [s for s in stances if s != "asserts"]
        if len(marked) == 1:
            return CueStance(marked[0], 0.6, f"cue verb {stances[marked[0]]!r} among others", True)
        return None
