"""Normalising the names of people and organisations, so one speaker across articles gets one key.

"Kreml-Sprecher Dmitri Peskow", "Dmitri PESKOW" and "Dmitri Peskow" all become ``dmitri peskow``:
case folded, diacritics removed, German titles and role words stripped (the role stays on the
claim, never on the person). A name of one word is a surname and is treated with care by the
merger (:mod:`claimgraph.graph.build.merge`): it never merges on its own when two people of that
surname are known.
"""

from __future__ import annotations

import re
import unicodedata

#: Words that precede a name and say what the person is, not who: stripped before comparing.
#: Titles, offices and functions frequent in German news; compounds ending in these are
#: stripped too ("Kreml-Sprecher", "Bundesaußenminister", "Ex-Präsident").
ROLE_WORDS = frozenset(
    """
herr herrn frau dr prof professor sir lord lady dame mr mrs ms
präsident präsidentin kanzler kanzlerin minister ministerin sprecher sprecherin chef chefin
vorsitzender vorsitzende generalsekretär generalsekretärin senator senatorin gouverneur gouverneurin
bürgermeister bürgermeisterin abgeordneter abgeordnete regierungschef regierungschefin premier
premierminister premierministerin papst könig königin prinz prinzessin general oberst direktor
direktorin leiter leiterin anwalt anwältin richter richterin staatsanwalt staatsanwältin botschafter
botschafterin kommissar kommissarin trainer trainerin kandidat kandidatin parteichef parteichefin
ministerpräsident ministerpräsidentin außenminister außenministerin innenminister innenministerin
finanzminister finanzministerin bundeskanzler bundeskanzlerin bundespräsident bundespräsidentin
us-präsident ex-präsident altkanzler schauspieler schauspielerin sänger sängerin autor autorin
""".split()
)

#: Endings of compounds that are roles ("Kreml-Sprecher", "Polizeisprecher", "SPD-Chef").
ROLE_ENDINGS = (
    "sprecher",
    "sprecherin",
    "minister",
    "ministerin",
    "präsident",
    "präsidentin",
    "kanzler",
    "kanzlerin",
    "chef",
    "chefin",
    "vorsitzender",
    "vorsitzende",
    "direktor",
    "direktorin",
    "koordinator",
    "koordinatorin",
    "kommissar",
    "kommissarin",
    "leiter",
    "leiterin",
    "sekretär",
    "sekretärin",
    "beauftragter",
    "beauftragte",
    "experte",
    "expertin",
    "abgeordneter",
    "abgeordnete",
    "botschafter",
    "botschafterin",
    "trainer",
    "trainerin",
    "richter",
    "richterin",
    "führer",
    "führerin",
    "vertreter",
    "vertreterin",
    "präsidenten",
    "ministers",
    "sprechers",
    "spieler",
    "spielerin",
    "star",
    "vorstand",
    "stürmer",
)

#: Name particles: "zu Guttenberg" alone is a surname, as "Guttenberg" is.
PARTICLES = frozenset("von van de der den zu di da del bin al el le la du ter ten".split())

#: Endings of German common nouns that often stand alone as a source ("Medienberichten zufolge",
#: "laut Behördenangaben"): never a name.
NOUN_ENDINGS = (
    "ung",
    "ungen",
    "angabe",
    "angaben",
    "bericht",
    "berichte",
    "berichten",
    "aussage",
    "aussagen",
    "meldung",
    "meldungen",
    "meinung",
    "seite",
    "kennern",
    "vorhersage",
    "vorhersagen",
    "umfrage",
    "umfragen",
    "information",
    "informationen",
    "quelle",
    "quellen",
    "kreise",
    "kreisen",
    "experten",
    "beobachter",
    "zeugen",
    "analysten",
    "kritiker",
    "ermittler",
    "schätzung",
    "schätzungen",
    "studie",
    "studien",
    "zeitung",
    "agentur",
    "behörde",
    "behörden",
    "polizei",
    "regierung",
    "ministerium",
    "gericht",
    "kampagne",
    "politiker",
    "politikern",
    "sicht",
    "schützer",
)

#: Determiners and pronouns: a source that starts with one is a description, not a name.
DETERMINERS = frozenset(
    """
der die das den dem des ein eine einer eines einem einen kein keine
er sie es ihr ihm ihn ihnen wir ich man dieser diese dieses jener jene sein seine ihre
""".split()
)

_SPACE = re.compile(r"\s+")
_STRIP = re.compile(r"^[\W_]+|[\W_]+$")


def is_common_noun(word: str) -> bool:
    """True for a word with an ending of a German common noun ("Behördenangaben")."""
    w = word.casefold()
    return len(w) > 5 and w.endswith(NOUN_ENDINGS)


def fold(text: str) -> str:
    """Case-folded, without diacritics (ß stays ss via casefold), whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", plain).strip()


def _is_role(word: str) -> bool:
    w = word.casefold().rstrip(".")
    return w in ROLE_WORDS or (len(w) > 4 and w.endswith(ROLE_ENDINGS) and w[0].isalpha())


def strip_roles(name: str) -> str:
    """The name without leading titles and role words, in its own spelling."""
    words = [_STRIP.sub("", w) for w in _SPACE.split(name.strip())]
    words = [w for w in words if w]
    while len(words) > 1 and (_is_role(words[0]) or words[0].casefold() in DETERMINERS):
        words.pop(0)
    return " ".join(words)


def name_key(name: str) -> str:
    """The comparison key of a name: roles stripped, then folded, hyphens between names as
    spaces (``dmitri peskow``; "Franz-Josef Jung" and "Franz Josef Jung" are one key)."""
    return fold(strip_roles(name)).replace("-", " ")


def surname_only(key: str) -> str | None:
    """The surname when a name key is a surname alone, with or without particles
    ("peskow", "zu guttenberg" -> "guttenberg"); None for a name of several words."""
    words = key.split()
    while len(words) > 1 and words[0] in PARTICLES:
        words.pop(0)
    return words[0] if len(words) == 1 else None


def slugify(text: str) -> str:
    """An IRI slug (a-z, 0-9, '-') from a name: ``Dmitri Peskow`` -> ``dmitri-peskow``."""
    plain = fold(text).replace("ß", "ss")
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return slug or "x"


def surname(key: str) -> str:
    """The last word of a name key (``dmitri peskow`` -> ``peskow``)."""
    return key.rsplit(" ", 1)[-1]


def is_description(source: str) -> bool:
    """True when a source is described ("die Polizei", "er") rather than named."""
    first = source.strip().split(" ", 1)[0].casefold() if source.strip() else ""
    return not source.strip() or first in DETERMINERS
