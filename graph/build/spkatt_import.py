"""SpkAtt-2023 (German Wikinews, human speaker attributions) -> articles with curated readings.

Each SpkAtt JSON file becomes ``wikinews-ID.txt`` (the text rebuilt from the tokens: one
sentence a line, spaces between tokens except before closing and after opening punctuation;
the original whitespace and paragraphs are not in the data), ``wikinews-ID.meta.yaml`` (the
Wikinews page: id, title, date from ``index.tsv``, ``https://de.wikinews.org/wiki/?curid=ID``,
licences) and ``wikinews-ID.claims.yaml`` (one claim per annotation, read by the SpkAtt-2023
annotators). The data is CC BY-NC-SA 4.0: the files are written to a folder the caller names,
never into the package.

What the annotation does not say is not invented: the stance is looked up from the annotated
cue words by the caller's ``stance_of`` (the drafter's cue lexicon,
``claimgraph.graph.draft.stance``, which this layer may not import) and written as
``stance_method: extracted`` with its ``stance_confidence``, while the claim stays curated; the
certainty is ``certain``; speakers named by a pronoun
or a description ("er", "die Polizei") are anonymous groups of their article and never merged;
a name is recognised by its words never occurring lower-case or after an article in the corpus
("Merkel" but not "Beobachter"), an all-capital word as an organisation ("SPD").
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from claimgraph.graph.build.names import DETERMINERS, ROLE_WORDS, _is_role, is_common_noun, name_key, slugify

TEXT_LICENSE = "https://creativecommons.org/licenses/by/2.5/"
DATA_LICENSE = "https://creativecommons.org/licenses/by-nc-sa/4.0/"
CURATOR = "SpkAtt-2023 annotators"
DATA_CITATION = (
    "SpkAtt-2023 Task 2 data, Rehbein et al., GermEval 2023 / KONVENS 2023, uhh-lt/news-speaker-attribution-2023"
)

_NO_SPACE_BEFORE = {".", ",", ";", ":", "!", "?", ")", "]", "“", "%", "…", "''", "'"}
_NO_SPACE_AFTER = {"(", "[", "„"}
_PARTICLES = {"von", "van", "de", "der", "den", "zu", "di", "da", "del", "bin", "al", "el", "le", "la", "du"}
_MODES = {"Direct": "direct"}


class CueStance(Protocol):
    """What a stance lookup answers (``claimgraph.graph.draft.stance.CueStance``)."""

    @property
    def stance(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def basis(self) -> str: ...


#: (cue words, message words) -> the stance they give, how sure, and why
StanceOf = Callable[[Sequence[str], Sequence[str]], CueStance]


class SpkAttError(ValueError):
    """The SpkAtt folder or one of its files is not what the importer expects."""


@dataclass(frozen=True)
class IndexEntry:
    page_id: str
    split: str
    date: str
    title: str


def read_index(data_dir: Path) -> dict[str, IndexEntry]:
    path = data_dir / "index.tsv"
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    except OSError as exc:
        raise SpkAttError(f"{path}: cannot read: {exc}") from None
    return {r["id"]: IndexEntry(r["id"], r["split"], r["date"], r["title"]) for r in rows}


def detokenize(sentences: list[list[str]]) -> tuple[str, dict[tuple[int, int], tuple[int, int]]]:
    """The text (one sentence a line) and each token's (start, end) offsets in it."""
    out: list[str] = []
    offsets: dict[tuple[int, int], tuple[int, int]] = {}
    pos = 0
    for si, tokens in enumerate(sentences):
        if si:
            out.append("\n")
            pos += 1
        quote_open = False
        for ti, tok in enumerate(tokens):
            glue = ti == 0 or tok in _NO_SPACE_BEFORE or tokens[ti - 1] in _NO_SPACE_AFTER
            if tok == '"':
                glue = ti == 0 or quote_open or tokens[ti - 1] in _NO_SPACE_AFTER
            if ti > 0 and tokens[ti - 1] == '"' and not quote_open:
                glue = True  # just after an opening straight quote
            if not glue:
                out.append(" ")
                pos += 1
            if tok == '"':
                quote_open = not quote_open
            offsets[(si, ti)] = (pos, pos + len(tok))
            out.append(tok)
            pos += len(tok)
    return "".join(out), offsets


class Vocabulary:
    """Which capitalised words are names: never seen lower-case, never after an article."""

    def __init__(self, documents: Iterable[dict[str, Any]]) -> None:
        self.lower: set[str] = set()
        self.after_article: set[str] = set()
        for doc in documents:
            for s in doc["Sentences"]:
                toks = s["Tokens"]
                for i, t in enumerate(toks):
                    if t[:1].islower():
                        self.lower.add(t)
                    if (
                        i
                        and toks[i - 1].casefold() in DETERMINERS
                        and toks[i - 1].casefold() not in ("er", "sie", "es")
                    ):
                        self.after_article.add(t)

    def is_name_word(self, word: str) -> bool:
        return (
            word[:1].isupper()
            and word.casefold() not in self.lower
            and word not in self.after_article
            and word.casefold() not in ROLE_WORDS
            and not _is_role(word)
            and not is_common_noun(word)
            and any(c.isalpha() for c in word)
        )


def _kind(words: list[str], vocab: Vocabulary) -> tuple[str, list[str], list[str]]:
    """(Person | Organization | AnonymousGroup, the role words, the name words)."""
    roles: list[str] = []
    rest = list(words)
    if len(rest) == 2 and rest[0] in ("Von", "Laut", "Nach", "Seitens"):
        rest.pop(0)  # "Von Obama hieß es": a preposition at the start of the sentence
    while rest and rest[0].casefold() in DETERMINERS and rest[0].casefold() not in _PARTICLES:
        rest.pop(0)
        if len(rest) == 1 and rest[0].isupper() and len(rest[0]) > 1 and rest[0].isalpha():
            return "Organization", roles, rest  # "die SPD"
        return "AnonymousGroup", roles, words
    while len(rest) > 1 and (_is_role(rest[0]) or rest[0].casefold() in ROLE_WORDS):
        roles.append(rest.pop(0))
    if len(rest) == 1 and rest[0].isupper() and len(rest[0]) > 1 and rest[0].isalpha():
        return "Organization", roles, rest
    if (
        1 <= len(rest) <= 4
        and all(vocab.is_name_word(w) or (w.casefold() in _PARTICLES and i < len(rest) - 1) for i, w in enumerate(rest))
        and vocab.is_name_word(rest[-1])
    ):
        return "Person", roles, rest
    return "AnonymousGroup", [], words


def _full_name(text: str, surname: str, vocab: Vocabulary) -> str | None:
    """The first full name the text writes for a surname ("Juan Williams" for "Williams")."""
    pattern = re.compile(r"((?:(?:[A-ZÄÖÜ][\w'-]*|[A-Z]\.) ){1,2})" + re.escape(surname) + r"\b")
    for m in pattern.finditer(text):
        given = m.group(1).split()
        while given and not vocab.is_name_word(given[0]):
            given.pop(0)
        if given and all(vocab.is_name_word(w) or w.endswith(".") for w in given):
            return " ".join([*given, surname])
    return None


def convert(
    doc: dict[str, Any], entry: IndexEntry, vocab: Vocabulary, stance_of: StanceOf
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """One SpkAtt document -> (text, metadata, reading) in claimgraph's seed formats; the stance
    of each claim from ``stance_of`` (its cue words and message words)."""
    slug = f"wikinews-{entry.page_id}"
    sentences = [s["Tokens"] for s in sorted(doc["Sentences"], key=lambda s: s["SentenceId"])]
    text, offsets = detokenize(sentences)

    def pos(ref: str) -> tuple[int, int]:
        s, t = ref.split(":")
        return int(s), int(t)

    def runs(refs: list[str]) -> list[tuple[int, int]]:
        """Contiguous runs of tokens as character spans."""
        toks = sorted(pos(r) for r in refs)
        spans: list[tuple[int, int]] = []
        prev = None
        for tok in toks:
            if tok not in offsets:
                raise SpkAttError(f"{entry.page_id}: token {tok[0]}:{tok[1]} does not exist")
            start, end = offsets[tok]
            if prev is not None and prev[0] == tok[0] and prev[1] + 1 == tok[1]:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
            prev = tok
        return spans

    def span(start: int, end: int) -> dict[str, Any]:
        return {"quote": text[start:end], "start": start}

    def token_words(refs: list[str]) -> list[str]:
        return [sentences[s][t] for s, t in sorted(pos(r) for r in refs) if (s, t) in offsets]

    entities: dict[str, dict[str, Any]] = {
        "wikinews": {"type": "NewsMediaOrganization", "label": {"de": "Wikinews", "en": "Wikinews"}},
    }
    roles: dict[str, Any] = {}
    by_key: dict[str, str] = {}
    propositions: dict[str, Any] = {}
    claims: list[dict[str, Any]] = []
    for n, ann in enumerate(doc["Annotations"], start=1):
        cid = f"wn{entry.page_id}-{n}"
        source_runs = runs(ann.get("Source") or [])
        source_text = " ".join(text[a:b] for a, b in source_runs)
        # "Olli Rehn, EU-Erweiterungskommissar": the apposition is a role, the name comes first
        head, _, apposition = source_text.partition(",")
        words = head.split()
        role_words: list[str]
        if not words:
            kind, role_words, name_words = "AnonymousGroup", [], []
        elif len(source_runs) > 1 or {w.casefold() for w in words} & {"und", "sowie", "oder"}:
            kind, role_words, name_words = "AnonymousGroup", [], words  # several speakers, or a split source
        else:
            kind, role_words, name_words = _kind(words, vocab)
            if kind == "Person" and apposition.strip() and len(apposition.split()) <= 3:
                role_words = role_words + apposition.split()
        if kind == "AnonymousGroup":
            key = "anon:" + (source_text.casefold() or "unnamed")
            label = source_text or "ungenannte Quelle"
        else:
            label = " ".join(name_words)
            key = f"{kind}:{name_key(label)}"
        if kind == "Person" and len(name_words) == 1:  # a surname: the full name the article writes
            full = _full_name(text, name_words[0], vocab)
            if full:
                label, key = full, f"Person:{name_key(full)}"
        if kind == "Person" and len(name_words) == 1:  # or the full name of another source
            for k, ent_slug in by_key.items():
                if k.startswith("Person:") and " " in k and k.rsplit(" ", 1)[-1] == name_key(label):
                    key = k
                    break
        ent = by_key.get(key)
        if ent is None:
            ent = by_key[key] = f"s-{slugify(label)}"[:60].rstrip("-")
            while ent in entities:
                ent += "-x"
            by_key[key] = ent
            entities[ent] = {"type": kind, "label": {"de": label, "en": label}, "mentions": []}
            if kind == "AnonymousGroup":
                entities[ent]["note"] = {
                    "en": "The annotation names this source only by a pronoun or a description; not resolved to a person.",
                    "de": "Die Annotation nennt diese Quelle nur mit einem Pronomen oder einer Beschreibung; nicht aufgelöst.",
                }
        elif kind == "Person" and len(name_words) > 1 and " " not in entities[ent]["label"]["de"]:
            entities[ent]["label"] = {"de": label, "en": label}
        mentions = entities[ent]["mentions"]
        for a, b in source_runs:
            m = span(a, b)
            if m not in mentions:
                mentions.append(m)
        role = None
        if role_words:
            role = slugify(" ".join(role_words))
            roles[role] = {"label": {"de": " ".join(role_words), "en": " ".join(role_words) + " (German)"}}
        msg_runs = runs(ann.get("Message") or []) or runs(ann.get("Cue") or []) or source_runs
        if not msg_runs:
            continue  # nothing to point at: an annotation without any tokens
        ev = span(min(a for a, _ in msg_runs), max(b for _, b in msg_runs))
        message = " ".join(text[a:b] for a, b in msg_runs)
        cue_runs = runs(ann.get("Cue") or [])
        read = stance_of(token_words(ann.get("Cue") or []), token_words(ann.get("Message") or []))
        confidence = round(float(read.confidence), 2)
        propositions[f"p-{cid}"] = {
            "label": {
                "de": message[:500],
                "en": f"What claim {n} of Wikinews article {entry.page_id} attributes (German text only, not translated)",
            },
            "triples": [],
        }
        claim: dict[str, Any] = {
            "id": cid,
            "speaker": ent,
            "stance": read.stance,
            "stance_method": "extracted",
            "stance_confidence": confidence,
            "mode": _MODES.get(ann.get("Form"), "reported"),
            "certainty": "certain",
            "confidence": 1.0,
            "proposition": f"p-{cid}",
            "paraphrase": {
                "de": message[:500],
                "en": f"Claim {n} of Wikinews article {entry.page_id} (German text only, not translated)",
            },
            "evidence": ev,
            "chain": [ent, {"by": "wikinews", "document": "translation", "language": "de"}],
            "note": {
                "en": f"SpkAtt-2023 annotation {n}: Form {ann.get('Form')}, STWR {ann.get('STWR')}; "
                f"stance not annotated: {read.stance} from the drafter's cue lexicon ({read.basis}; "
                f"confidence {confidence}).",
                "de": f"SpkAtt-2023-Annotation {n}: Form {ann.get('Form')}, STWR {ann.get('STWR')}; "
                f"Haltung nicht annotiert: {read.stance} aus dem Lexikon der Redeeinleitungen des Entwerfers "
                f"({read.basis}; Zuversicht {confidence}).",
            },
        }
        if cue_runs:
            cue = [span(a, b) for a, b in cue_runs]
            claim["cue"] = cue[0] if len(cue) == 1 else cue
        if role:
            claim["role"] = role
        claims.append(claim)
    for e in entities.values():
        if not e.get("mentions"):
            e.pop("mentions", None)
    lines = text.count("\n") + 1
    reading = {
        "reading": {"method": "curated", "by": CURATOR},
        "segments": [{"lines": f"1-{lines}" if lines > 1 else 1, "kind": "bodyText"}],
        "entities": entities,
        "roles": roles,
        "propositions": propositions,
        "claims": claims,
    }
    url = f"https://de.wikinews.org/wiki/?curid={entry.page_id}"
    meta = {
        "id": slug,
        "file": f"{slug}.txt",
        "language": "de",
        "label": {
            "de": f"{entry.title} (Text aus den SpkAtt-2023-Tokens)",
            "en": f"{entry.title} (text rebuilt from the SpkAtt-2023 tokens)",
        },
        "description": {
            "en": "Text reconstructed from the tokens of the SpkAtt-2023 data: one sentence a line, spaces "
            "between tokens except around punctuation; the page's own whitespace, paragraphs and title are "
            f"not in the data. Text: German Wikinews, CC BY 2.5. Annotations: {DATA_CITATION}, CC BY-NC-SA 4.0.",
            "de": "Text aus den Tokens der SpkAtt-2023-Daten rekonstruiert: ein Satz je Zeile, Leerzeichen zwischen "
            "den Tokens außer bei Satzzeichen; Leerraum, Absätze und Titel der Seite sind nicht in den Daten. "
            f"Text: deutsche Wikinews, CC BY 2.5. Annotationen: {DATA_CITATION}, CC BY-NC-SA 4.0.",
        },
        "license": TEXT_LICENSE,
        "reading_license": DATA_LICENSE,
        "original": {
            "id": f"wikinews-page-{entry.page_id}",
            "label": {"de": entry.title, "en": f"{entry.title} (German Wikinews)"},
            "url": url,
            "publisher": "wikinews",
            "language": "de",
            "date_published": entry.date,
            "page_id": entry.page_id,
            "license": TEXT_LICENSE,
        },
    }
    return text, meta, reading


def convert_corpus(data_dir: Path, out_dir: Path, stance_of: StanceOf, limit: int | None = None) -> list[Path]:
    """Write every article of ``data_dir`` into ``out_dir``; returns the text files, by page id.
    ``stance_of`` reads each claim's stance from its cue and message words."""
    index = read_index(data_dir)
    files = sorted(
        (p for split in ("train", "dev") for p in (data_dir / split).glob("*.json")),
        key=lambda p: int(p.stem) if p.stem.isdigit() else 0,
    )
    if not files:
        raise SpkAttError(f"{data_dir}: no train/*.json or dev/*.json files")
    docs = []
    for p in files:
        try:
            docs.append((p, json.loads(p.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            raise SpkAttError(f"{p}: cannot read: {exc}") from None
    vocab = Vocabulary(d for _, d in docs)
    if limit:
        docs = docs[:limit]
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = []
    for p, doc in docs:
        entry = index.get(p.stem)
        if entry is None:
            raise SpkAttError(f"{p}: page id {p.stem} is not in index.tsv")
        text, meta, reading = convert(doc, entry, vocab, stance_of)
        stem = meta["id"]
        _write_if_changed(out_dir / f"{stem}.txt", text)
        # JSON is YAML: quick to write, and what the reader of the seed format expects
        _write_if_changed(out_dir / f"{stem}.meta.yaml", json.dumps(meta, ensure_ascii=False, indent=1))
        _write_if_changed(out_dir / f"{stem}.claims.yaml", json.dumps(reading, ensure_ascii=False, indent=1))
        texts.append(out_dir / f"{stem}.txt")
    return texts


def _write_if_changed(path: Path, content: str) -> None:
    """Leave an identical file alone (its mtime too); write a changed one whole."""
    data = content.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
