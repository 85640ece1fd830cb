"""Reading a curated annotation (``NAME.claims.yaml``) and checking it against the article text.

The annotation is what a person writes after reading the article (``method: curated``) or what
``claimgraph draft`` wrote for a person to review (``method: extracted``): the entities, the
claims with their speakers, stances and reporting chains, the propositions as triples, and the
layout of the file (which line is content, caption, page chrome or the source line). Every span in it is given
as ``{quote, start}``; this module checks each one against the frozen text and refuses the whole
annotation with a message naming the annotation, what it expected and what the text says.
The format is documented in ``seeds/README.md``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml


#: libyaml's safe loader when PyYAML has it (ten times faster on a corpus), else the Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class AnnotationError(ValueError):
    """The annotation does not fit the text or is incomplete; the message says where and why."""


STANCES = ("asserts", "denies", "accuses", "rejects", "declinesToComment")
MODES = {
    "direct": "directSpeech",
    "indirect": "indirectSpeech",
    "free-indirect": "freeIndirectSpeech",
    "reported": "reportedSpeech",
    "own-voice": "ownVoice",
}
CERTAINTIES = ("certain", "probable", "possible")
SEGMENT_KINDS = ("lead", "bodyText", "imageCaption", "pageChrome", "sourceLine")
RELATIONS = {"contradicts": "contradicts", "denies": "deniesClaim", "supports": "supports", "responds_to": "respondsTo"}
#: schema.org types an entity may have; the first group are agents (they may speak).
AGENT_TYPES = ("Person", "Organization", "NewsMediaOrganization", "GovernmentOrganization", "AnonymousGroup")
THING_TYPES = ("Country", "Event", "Service", "Thing", "Place")
#: the spans of a claim beside its evidence (the message): the roles of the SpkAtt guidelines.
SPAN_ROLES = ("cue", "source", "addressee", "frame")
CLAIM_KEYS = (
    "id",
    "speaker",
    "role",
    "stance",
    "stance_method",
    "stance_confidence",
    "mode",
    "certainty",
    "confidence",
    "proposition",
    "paraphrase",
    "evidence",
    *SPAN_ROLES,
    "chain",
    "said",
    "holds",
    "time_anchor",
    "note",
    *RELATIONS,
)
#: the name of the document that was read, in a chain step: ``translation`` is the older name
#: (the seed is a translation); ``article`` says the same for an article read as it was written.
READ_DOCUMENT_NAMES = ("translation", "article")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^\d{4}-\d{2}$")
_INTERVAL_PART = re.compile(r"^(\.\.|\d{4}(-\d{2}(-\d{2})?)?)$")


@dataclass(frozen=True)
class Span:
    """An exact span of the text: ``text[start:end] == exact`` (offsets in code points)."""

    start: int
    end: int
    exact: str


@dataclass(frozen=True)
class Step:
    """One link of a reporting chain as written in the annotation."""

    by: str | None
    document: str | None
    language: str | None
    translation: bool | None
    evidence: tuple[Span, ...]


@dataclass(frozen=True)
class Claim:
    id: str
    speaker: str
    role: str | None
    stance: str
    mode: str
    certainty: str
    confidence: Decimal
    proposition: str
    paraphrase: dict[str, str]
    evidence: tuple[Span, ...]
    chain: tuple[Step, ...]
    said_on: str | None
    said_wording: str | None
    holds_during: str | None
    holds_wording: str | None
    time_anchor: str | None
    relations: dict[str, tuple[str, ...]]
    note: dict[str, str]
    #: cue, source, addressee, frame: each one or more spans (discontinuous words), or none
    roles: dict[str, tuple[Span, ...]] = field(default_factory=dict)
    #: how the stance was read when not as the claim was (a looked-up stance of a curated claim)
    stance_method: str | None = None
    stance_confidence: Decimal | None = None


@dataclass(frozen=True)
class Entity:
    slug: str
    types: tuple[str, ...]
    labels: dict[str, str]
    wikidata: str | None
    dbpedia: str | None
    mentions: tuple[Span, ...]
    note: dict[str, str]

    @property
    def is_agent(self) -> bool:
        return any(t in AGENT_TYPES for t in self.types)


@dataclass(frozen=True)
class Document:
    """A document named in the article (the Journal's report) that a chain step points at."""

    slug: str
    publisher: str | None
    labels: dict[str, str]
    date_published: str | None
    date_wording: str | None
    language: str | None
    mentions: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Proposition:
    slug: str
    labels: dict[str, str]
    triples: tuple[tuple[str, str, Any], ...]


@dataclass(frozen=True)
class Segment:
    line: int
    kind: str
    span: Span


@dataclass(frozen=True)
class Annotation:
    path: Path
    method: str
    curator: str
    entities: dict[str, Entity]
    roles: dict[str, dict[str, str]]
    documents: dict[str, Document]
    propositions: dict[str, Proposition]
    claims: tuple[Claim, ...]
    segments: tuple[Segment, ...]
    links: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: the language the reading gives for its article (``reading.language``), if any
    language: str | None = None

    @property
    def extracted(self) -> bool:
        """Drafted by software and not reviewed (``reading: {method: extracted}``)."""
        return self.method == "extracted"


def load_links(tsv_path: Path, data: bytes | None = None) -> dict[str, tuple[str, str]]:
    """The checked Wikidata/DBpedia identifiers: ``{wikidata id: (entity name, dbpedia IRI)}``
    (from ``data`` when the caller has read the file already)."""
    text = data.decode("utf-8") if data is not None else tsv_path.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(rows, delimiter="\t")
    return {row["wikidata"]: (row["entity"], row.get("dbpedia") or "") for row in reader}


def locate(text: str, quote: str) -> list[int]:
    """Every offset at which ``quote`` occurs in ``text`` (a helper for annotators)."""
    found, i = [], text.find(quote)
    while i != -1:
        found.append(i)
        i = text.find(quote, i + 1)
    return found


class _Reader:
    """Checks one annotation file; ``where`` strings name the item in every message."""

    def __init__(self, path: Path, text: str, links: dict[str, tuple[str, str]]) -> None:
        self.path, self.text, self.links = path, text, links
        #: a drafted reading: labels in the article's language only, no paraphrase, no triples
        self.extracted = False

    def labels(self, value: Any, where: str) -> dict[str, str]:
        """German and English for a curated reading; at least one language for a drafted one."""
        if self.extracted:
            labels = self.languages(value, where, ())
            if not labels:
                raise self.fail(where, "needs a text in at least one language")
            return labels
        return self.languages(value, where)

    def fail(self, where: str, message: str) -> AnnotationError:
        return AnnotationError(f"{self.path.name}: {where}: {message}")

    def need(self, obj: dict[str, Any], key: str, where: str) -> Any:
        if not isinstance(obj, dict) or key not in obj or obj[key] in (None, ""):
            raise self.fail(where, f"missing '{key}'")
        return obj[key]

    def slug(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _SLUG.match(value):
            raise self.fail(where, f"{value!r} is not a slug (a-z, 0-9 and '-')")
        return value

    def languages(self, value: Any, where: str, required: tuple[str, ...] = ("de", "en")) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping of language to text, got {value!r}")
        missing = [lang for lang in required if not value.get(lang)]
        if missing:
            raise self.fail(where, f"missing the {' and '.join(missing)} text")
        return {str(k): str(v).strip() for k, v in sorted(value.items())}

    def span(self, obj: Any, where: str) -> Span:
        quote = self.need(obj, "quote", where)
        start = self.need(obj, "start", where)
        if not isinstance(start, int) or start < 0:
            raise self.fail(where, f"start must be a non-negative integer, got {start!r}")
        found = self.text[start : start + len(quote)]
        if found != quote:
            elsewhere = locate(self.text, quote)
            hint = (
                f"; the quote occurs at offset(s) {', '.join(map(str, elsewhere))}"
                if elsewhere
                else "; the quote does not occur anywhere in the text"
            )
            raise self.fail(where, f"expected {quote!r} at offset {start}, the text says {found!r}{hint}")
        return Span(start, start + len(quote), quote)

    def spans(self, obj: Any, where: str) -> tuple[Span, ...]:
        """One span, or a list of spans where the words are discontinuous (each checked)."""
        if isinstance(obj, list):
            if not obj:
                raise self.fail(where, "expected a span or a non-empty list of spans")
            return tuple(self.span(item, f"{where} {i + 1}") for i, item in enumerate(obj))
        return (self.span(obj, where),)

    def known(self, obj: Any, keys: tuple[str, ...], where: str) -> None:
        """Refuse keys the format does not define (a typo would otherwise be dropped silently)."""
        if not isinstance(obj, dict):
            raise self.fail(where, f"expected a mapping, got {obj!r}")
        unknown = [str(k) for k in obj if k not in keys]
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(unknown)}; expected {', '.join(keys)}")

    def date_value(self, value: Any, where: str) -> str:
        value = str(value)
        if _YEAR.match(value) or _YEAR_MONTH.match(value):
            return value
        try:
            date.fromisoformat(value)
        except ValueError:
            raise self.fail(where, f"{value!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)") from None
        return value

    def interval(self, value: Any, where: str) -> str:
        value = str(value)
        parts = value.split("/")
        if len(parts) > 2 or not all(_INTERVAL_PART.match(p) for p in parts) or parts == ["..", ".."]:
            raise self.fail(where, f"{value!r} is not an ISO 8601 date or interval such as '2022-10/..'")
        return value


def load_annotation(path: Path, text: str, links: dict[str, tuple[str, str]], data: bytes | None = None) -> Annotation:
    """Read and check ``path`` (or ``data``, its bytes already read) against the article ``text``;
    raise :class:`AnnotationError`."""
    try:
        raw = yaml.load(data.decode("utf-8") if data is not None else path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 (a safe loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AnnotationError(f"{path.name}: cannot read annotation: {exc}") from exc
    return read_annotation(raw, path, text, links)


def read_annotation(raw: Any, path: Path, text: str, links: dict[str, tuple[str, str]]) -> Annotation:
    """Check an annotation already parsed from YAML (a draft before it is written, say);
    ``path`` names it in the messages."""
    if not isinstance(raw, dict):
        raise AnnotationError(f"{path.name}: expected a mapping at the top level")
    r = _Reader(path, text, links)
    reading = r.need(raw, "reading", "top level")
    method = r.need(reading, "method", "reading")
    if method not in ("curated", "extracted"):
        raise r.fail("reading", f"method must be 'curated' or 'extracted', got {method!r}")
    curator = str(r.need(reading, "by", "reading"))
    r.known(reading, ("method", "by", "language"), "reading")
    r.extracted = method == "extracted"

    entities = _entities(r, raw)
    roles = {
        r.slug(k, "roles"): r.languages(r.need(v, "label", f"role {k}"), f"role {k}: label")
        for k, v in (raw.get("roles") or {}).items()
    }
    documents = _documents(r, raw, entities)
    propositions = _propositions(r, raw, {**entities, **documents})
    claims = _claims(r, raw, entities, roles, documents, propositions)
    segments = _segments(r, raw)
    language = reading.get("language")
    return Annotation(
        path,
        method,
        curator,
        entities,
        roles,
        documents,
        propositions,
        claims,
        segments,
        links,
        str(language) if language else None,
    )


def _entities(r: _Reader, raw: dict[str, Any]) -> dict[str, Entity]:
    out: dict[str, Entity] = {}
    for slug, info in (r.need(raw, "entities", "top level")).items():
        where = f"entity {slug}"
        r.slug(slug, where)
        r.known(info, ("type", "label", "wikidata", "dbpedia", "mentions", "note"), where)
        types = r.need(info, "type", where)
        types = tuple([types] if isinstance(types, str) else types)
        for t in types:
            if t not in AGENT_TYPES + THING_TYPES:
                raise r.fail(where, f"unknown type {t!r}; use one of {', '.join(AGENT_TYPES + THING_TYPES)}")
        wikidata, dbpedia = info.get("wikidata"), info.get("dbpedia")
        if dbpedia and not wikidata:
            raise r.fail(where, "a DBpedia link needs the Wikidata id it was checked with")
        if wikidata:
            if wikidata not in r.links:
                raise r.fail(
                    where,
                    f"Wikidata id {wikidata} is not in the checked reference list; "
                    "an entity that is not listed gets no external link",
                )
            if dbpedia and dbpedia != r.links[wikidata][1]:
                raise r.fail(
                    where,
                    f"DBpedia link {dbpedia} does not match the reference list "
                    f"({r.links[wikidata][1] or 'none listed'})",
                )
        mentions = tuple(
            s for i, m in enumerate(info.get("mentions") or []) for s in r.spans(m, f"{where}: mention {i + 1}")
        )
        out[slug] = Entity(
            slug,
            types,
            r.labels(r.need(info, "label", where), f"{where}: label"),
            wikidata,
            dbpedia,
            mentions,
            r.languages(info.get("note") or {}, f"{where}: note", ()),
        )
    return out


def _documents(r: _Reader, raw: dict[str, Any], entities: dict[str, Entity]) -> dict[str, Document]:
    out: dict[str, Document] = {}
    for slug, info in (raw.get("documents") or {}).items():
        where = f"document {slug}"
        r.slug(slug, where)
        r.known(info, ("label", "publisher", "language", "date_published", "date_wording", "mentions"), where)
        publisher = info.get("publisher")
        if publisher and publisher not in entities:
            raise r.fail(where, f"unknown publisher {publisher!r} (declare it under entities)")
        published = info.get("date_published")
        mentions = tuple(r.span(m, f"{where}: mention {i + 1}") for i, m in enumerate(info.get("mentions") or []))
        out[slug] = Document(
            slug,
            publisher,
            r.languages(r.need(info, "label", where), f"{where}: label"),
            r.date_value(published, where) if published else None,
            info.get("date_wording"),
            info.get("language"),
            mentions,
        )
    return out


def _propositions(r: _Reader, raw: dict[str, Any], entities: dict[str, Any]) -> dict[str, Proposition]:
    """Triples over declared entities and documents; literals are written as ``{de: ..., en: ...}``."""
    out: dict[str, Proposition] = {}
    for slug, info in r.need(raw, "propositions", "top level").items():
        where = f"proposition {slug}"
        r.slug(slug, where)
        r.known(info, ("label", "triples"), where)
        triples = []
        # a drafted proposition is its message text; triples only where a rule derived them
        for i, t in enumerate(info.get("triples") or [] if r.extracted else r.need(info, "triples", where)):
            tw = f"{where}: triple {i + 1}"
            if not isinstance(t, list) or len(t) != 3:
                raise r.fail(tw, f"expected [subject, relation, object], got {t!r}")
            s, p, o = t
            if s not in entities:
                raise r.fail(tw, f"unknown entity {s!r} (declare it under entities or documents)")
            if isinstance(o, str) and o not in entities:
                raise r.fail(
                    tw,
                    f"unknown entity {o!r} (declare it under entities or documents, "
                    "or write a literal as {de: ..., en: ...})",
                )
            if isinstance(o, dict):
                o = r.languages(o, tw, ())
            triples.append((s, str(p), o))
        out[slug] = Proposition(slug, r.labels(r.need(info, "label", where), f"{where}: label"), tuple(triples))
    return out


def _chain(
    r: _Reader,
    c: dict[str, Any],
    where: str,
    speaker: str,
    presets: dict[str, Any],
    entities: dict[str, Entity],
    documents: dict[str, Document],
) -> tuple[Step, ...]:
    steps = []
    for i, item in enumerate(r.need(c, "chain", where)):
        sw = f"{where}: chain step {i + 1}"
        if isinstance(item, str):
            item = presets.get(item, {"by": item})
        r.known(item, ("by", "document", "language", "translation", "evidence"), sw)
        by, doc = item.get("by"), item.get("document")
        if by is not None and (by not in entities or not entities[by].is_agent):
            raise r.fail(sw, f"unknown speaker {by!r} (declare it under entities as a person, organisation or group)")
        if doc in READ_DOCUMENT_NAMES:
            doc = "translation"
        elif doc is not None and doc not in documents and doc != "original":
            raise r.fail(sw, f"unknown document {doc!r}")
        evidence = r.spans(item["evidence"], f"{sw}: evidence") if item.get("evidence") else ()
        steps.append(Step(by, doc, item.get("language"), item.get("translation"), evidence))
    if not steps or steps[0].by != speaker:
        raise r.fail(where, f"the chain must start with the speaker {speaker!r}")
    if steps[-1].document != "translation":
        if not r.extracted:
            raise r.fail(where, "the chain must end with the text that was read (a step with document: translation)")
        # A drafted chain names the agents only (speaker first, then who relayed it); the text
        # read, the article itself, is its last step.
        steps.append(Step(None, "translation", None, None, ()))
    return tuple(steps)


def _claims(
    r: _Reader,
    raw: dict[str, Any],
    entities: dict[str, Entity],
    roles: dict[str, Any],
    documents: dict[str, Document],
    propositions: dict[str, Proposition],
) -> tuple[Claim, ...]:
    presets = raw.get("steps") or {}
    seen: set[str] = set()
    claims = []
    items = r.need(raw, "claims", "top level")
    ids = {c.get("id") for c in items if isinstance(c, dict)}
    for c in items:
        cid = r.slug(r.need(c, "id", "claims"), "claim id")
        where = f"claim {cid}"
        r.known(c, CLAIM_KEYS, where)
        if cid in seen:
            raise r.fail(where, "duplicate claim id")
        seen.add(cid)
        speaker = r.need(c, "speaker", where)
        if speaker not in entities or not entities[speaker].is_agent:
            raise r.fail(
                where, f"unknown speaker {speaker!r} (declare it under entities as a person, organisation or group)"
            )
        role = c.get("role")
        if role is not None and role not in roles:
            raise r.fail(where, f"unknown role {role!r} (declare it under roles)")
        stance = r.need(c, "stance", where)
        if stance not in STANCES:
            raise r.fail(where, f"unknown stance {stance!r}; use one of {', '.join(STANCES)}")
        stance_method = c.get("stance_method")
        if stance_method is not None and stance_method not in ("curated", "extracted"):
            raise r.fail(where, f"unknown stance_method {stance_method!r}; use curated or extracted")
        stance_confidence = None
        if c.get("stance_confidence") is not None:
            try:
                stance_confidence = Decimal(str(c["stance_confidence"]))
            except InvalidOperation:
                stance_confidence = Decimal(-1)
            if not 0 <= stance_confidence <= 1:
                raise r.fail(where, f"stance_confidence must be a number from 0 to 1, got {c['stance_confidence']!r}")
        if stance_method == "extracted" and stance_confidence is None:
            raise r.fail(where, "a stance read by software (stance_method: extracted) needs its stance_confidence")
        mode = r.need(c, "mode", where)
        if mode not in MODES:
            raise r.fail(where, f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        certainty = c.get("certainty", "certain")
        if certainty not in CERTAINTIES:
            raise r.fail(where, f"unknown certainty {certainty!r}; use one of {', '.join(CERTAINTIES)}")
        try:
            confidence = Decimal(str(c.get("confidence", "1.0")))
        except InvalidOperation:
            raise r.fail(where, f"confidence must be a number from 0 to 1, got {c.get('confidence')!r}") from None
        if not 0 <= confidence <= 1:
            raise r.fail(where, f"confidence must be from 0 to 1, got {confidence}")
        prop = r.need(c, "proposition", where)
        if prop not in propositions:
            raise r.fail(where, f"unknown proposition {prop!r} (declare it under propositions)")
        said, holds = c.get("said") or {}, c.get("holds") or {}
        note = c.get("note") or {}
        if isinstance(note, str):
            raise r.fail(f"{where}: note", "write a note as {en: ...} (a mapping of language to text)")
        r.known(said, ("date", "wording"), f"{where}: said")
        r.known(holds, ("during", "wording"), f"{where}: holds")
        anchor = c.get("time_anchor")
        if anchor is not None and anchor not in documents and anchor not in ("original", "translation"):
            raise r.fail(where, f"unknown time anchor {anchor!r}")
        relations: dict[str, tuple[str, ...]] = {}
        for key in RELATIONS:
            targets = tuple(c.get(key) or ())
            for t in targets:
                if t not in ids:
                    raise r.fail(where, f"{key}: unknown claim {t!r}")
                if t == cid:
                    raise r.fail(where, f"{key}: a claim cannot relate to itself")
            relations[key] = targets
        claims.append(
            Claim(
                id=cid,
                speaker=speaker,
                role=role,
                stance=stance,
                mode=mode,
                certainty=certainty,
                confidence=confidence,
                proposition=prop,
                paraphrase=(
                    r.languages(c.get("paraphrase") or {}, f"{where}: paraphrase", ())
                    if r.extracted
                    else r.languages(r.need(c, "paraphrase", where), f"{where}: paraphrase")
                ),
                evidence=r.spans(r.need(c, "evidence", where), f"{where}: evidence"),
                chain=_chain(r, c, where, speaker, presets, entities, documents),
                said_on=r.date_value(said["date"], f"{where}: said") if said.get("date") else None,
                said_wording=said.get("wording"),
                holds_during=r.interval(holds["during"], f"{where}: holds") if holds.get("during") else None,
                holds_wording=holds.get("wording"),
                time_anchor=anchor,
                relations=relations,
                note=r.languages(note, f"{where}: note", ()),
                roles={key: r.spans(c[key], f"{where}: {key}") for key in SPAN_ROLES if c.get(key)},
                stance_method=stance_method,
                stance_confidence=stance_confidence,
            )
        )
    return tuple(claims)


def _segments(r: _Reader, raw: dict[str, Any]) -> tuple[Segment, ...]:
    lines = r.text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    out: list[Segment] = []
    covered: set[int] = set()
    for item in r.need(raw, "segments", "top level"):
        kind = r.need(item, "kind", "segments")
        if kind not in SEGMENT_KINDS:
            raise r.fail("segments", f"unknown kind {kind!r}; use one of {', '.join(SEGMENT_KINDS)}")
        first, _, last = str(r.need(item, "lines", "segments")).partition("-")
        for n in range(int(first), int(last or first) + 1):
            where = f"segment line {n}"
            if not 1 <= n <= len(lines):
                raise r.fail(where, f"the text has {len(lines)} lines")
            if n in covered:
                raise r.fail(where, "line is given two kinds")
            covered.add(n)
            if "text" in item and item["text"] != lines[n - 1]:
                raise r.fail(where, f"expected {item['text']!r}, the text says {lines[n - 1]!r}")
            out.append(Segment(n, kind, Span(offsets[n - 1], offsets[n - 1] + len(lines[n - 1]), lines[n - 1])))
    missing = [n for n in range(1, len(lines) + 1) if n not in covered and lines[n - 1].strip()]
    if missing:
        raise r.fail("segments", f"lines {', '.join(map(str, missing))} have no kind (every line must say what it is)")
    return tuple(sorted(out, key=lambda s: s.line))
