"""One IRI for one agent across articles: deciding which entities of different articles merge.

Rules, in order (each decision is kept in the graph as a ``cg:MergeDecision``):

1. ``cg:byWikidataId``: the entity carries a checked Wikidata id (``seeds/wikidata-links.tsv``)
   that an entity already known carries.
2. ``cg:byName``: same kind (person, other agent, thing of a type) and the same normalised name
   (:func:`claimgraph.graph.build.names.name_key`: case, diacritics, titles and roles stripped).
   Two names whose entities carry different Wikidata ids never merge.
3. ``cg:bySurname``: a person named by one word merges into the one known person of several
   words with that surname ("Peskow" -> "Dmitri Peskow"). When two or more such people are
   known ("Wolfgang Schäuble", "Thomas Schäuble") it merges into neither: it keeps an IRI of its
   own article (``cg:keptApart``) and ``cg:possiblySameAs`` points at each candidate.

Anonymous groups ("die Polizei", "Beobachter") and entities without a usable name never merge.
Within a batch the decisions do not depend on the order of the articles: full names are
registered before surnames are resolved. Across batches they can: a surname ingested before any
full name of it was known keeps its own IRI and is linked with ``cg:possiblySameAs`` later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from claimgraph.graph.build.annotation import AGENT_TYPES, Entity
from claimgraph.graph.build.names import name_key, slugify, surname, surname_only

RULES = ("byWikidataId", "byName", "bySurname", "keptApart", "new", "local")


@dataclass(frozen=True)
class Known:
    """An entity IRI already in the store and one key it answers to (from a cg:MergeDecision)."""

    iri_slug: str
    key: str


@dataclass(frozen=True)
class Decision:
    """Where one entity of one article goes, and why."""

    slug: str  # the entity's slug in its annotation
    iri_slug: str  # slug of the IRI {base}id/entity/IRI_SLUG
    rule: str  # one of RULES
    key: str  # the normalised key compared ("person:dmitri peskow", "wd:Q7747")
    keys: tuple[str, ...] = ()  # keys later articles may find this IRI by (new, byName, byWikidataId)
    possibly: tuple[str, ...] = ()  # IRI slugs of cg:possiblySameAs candidates

    @property
    def shared(self) -> bool:
        """True when the IRI is not private to one article (other articles may reach it)."""
        return self.rule != "keptApart" and self.rule != "local"


def kind(entity: Entity) -> str:
    if "AnonymousGroup" in entity.types:
        return "anonymous"
    if "Person" in entity.types:
        return "person"
    if any(t in AGENT_TYPES for t in entity.types):
        return "agent"
    return "thing-" + entity.types[0].lower()


def entity_name(entity: Entity, language: str) -> str:
    return entity.labels.get(language) or entity.labels.get("de") or next(iter(entity.labels.values()), "")


@dataclass
class Registry:
    """Every known key -> IRI slug; built from the store's merge decisions and grown by a batch."""

    by_key: dict[str, str] = field(default_factory=dict)
    wikidata_of: dict[str, str] = field(default_factory=dict)  # IRI slug -> wikidata id
    taken: set[str] = field(default_factory=set)  # IRI slugs in use
    exists: Callable[[str], bool] | None = None  # asks the store whether an IRI slug is in use

    @classmethod
    def from_known(cls, known: Iterable[Known]) -> "Registry":
        reg = cls()
        for k in sorted(known, key=lambda k: (k.key, k.iri_slug)):
            reg.by_key.setdefault(k.key, k.iri_slug)
            reg.taken.add(k.iri_slug)
            if k.key.startswith("wd:"):
                reg.wikidata_of[k.iri_slug] = k.key[3:]
        return reg

    def full_names_with_surname(self, word: str) -> list[str]:
        """IRI slugs of persons of several words whose last word is ``word``."""
        found = {
            iri
            for key, iri in self.by_key.items()
            if key.startswith("person:") and surname_only(key[7:]) is None and surname(key) == word
        }
        return sorted(found)

    def mint(self, base: str) -> str:
        slug, n = base, 2
        while slug in self.taken or (self.exists is not None and self.exists(slug)):
            slug, n = f"{base}-{n}", n + 1
        self.taken.add(slug)
        return slug


def resolve(articles: list[tuple[str, str, dict[str, Entity]]], registry: Registry) -> dict[str, dict[str, Decision]]:
    """Decide every entity of a batch: ``articles`` are ``(article slug, language, entities)``.

    Returns ``{article slug: {entity slug: Decision}}``; ``registry`` grows with the new IRIs."""
    out: dict[str, dict[str, Decision]] = {a: {} for a, _, _ in articles}
    ordered = sorted(articles, key=lambda a: a[0])
    surnames: list[tuple[str, Entity, str, str]] = []
    # pass 1: external ids and names of several words (and everything that is not a person)
    for article, lang, entities in ordered:
        for e in entities.values():
            k = kind(e)
            key = name_key(entity_name(e, lang))
            if k == "anonymous" or not key:
                out[article][e.slug] = Decision(e.slug, registry.mint(f"{article}-{e.slug}"), "local", "")
                continue
            bare = surname_only(key)
            if k == "person" and bare is not None and not e.wikidata:
                surnames.append((article, e, k, bare))
                continue
            out[article][e.slug] = _by_id_or_name(registry, e, f"{k}:{key}")
    # pass 2: one-word person names, against every full name known now
    for article, e, k, key in surnames:
        candidates = registry.full_names_with_surname(key)
        if len(candidates) == 1:
            out[article][e.slug] = Decision(e.slug, candidates[0], "bySurname", f"{k}:{key}", ())
        elif len(candidates) > 1:
            out[article][e.slug] = Decision(
                e.slug, registry.mint(f"{article}-{e.slug}"), "keptApart", f"{k}:{key}", (), tuple(candidates)
            )
        else:
            out[article][e.slug] = _by_id_or_name(registry, e, f"{k}:{key}")
    return out


def _by_id_or_name(registry: Registry, e: Entity, key: str) -> Decision:
    if e.wikidata and f"wd:{e.wikidata}" in registry.by_key:
        known = registry.by_key[f"wd:{e.wikidata}"]
        registry.by_key.setdefault(key, known)
        return Decision(e.slug, known, "byWikidataId", f"wd:{e.wikidata}", (f"wd:{e.wikidata}", key))
    found = registry.by_key.get(key)
    if found is not None:
        known = found
        other = registry.wikidata_of.get(known)
        if not (e.wikidata and other and other != e.wikidata):
            if e.wikidata:
                registry.by_key[f"wd:{e.wikidata}"] = known
                registry.wikidata_of.setdefault(known, e.wikidata)
            return Decision(e.slug, known, "byName", key, (f"wd:{e.wikidata}", key) if e.wikidata else (key,))
    # new: a person of several words whose surname was minted alone earlier gets a hint
    iri_slug = registry.mint(slugify(key.split(":", 1)[1]))
    possibly: tuple[str, ...] = ()
    if key.startswith("person:") and " " in key:
        alone = registry.by_key.get(f"person:{surname(key)}")
        if alone is not None:
            possibly = (alone,)
    if key not in registry.by_key or (e.wikidata and registry.wikidata_of.get(registry.by_key[key]) != e.wikidata):
        registry.by_key.setdefault(key, iri_slug)
    if e.wikidata:
        registry.by_key[f"wd:{e.wikidata}"] = iri_slug
        registry.wikidata_of[iri_slug] = e.wikidata
    keys = (f"wd:{e.wikidata}", key) if e.wikidata else (key,)
    return Decision(e.slug, iri_slug, "new", keys[0], keys, possibly)
