"""A source article on disk: its frozen text, its hash and its metadata file."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class ArticleError(ValueError):
    """A seed file or its metadata is missing or inconsistent."""


@dataclass(frozen=True)
class Article:
    """One seed article: bytes exactly as on disk, decoded text, metadata."""

    path: Path
    data: bytes
    meta: dict[str, Any]
    #: The metadata file as read (hashed into the build's provenance without reading it again).
    meta_data: bytes = b""

    @property
    def text(self) -> str:
        """The UTF-8 text; offsets everywhere count code points of this string."""
        return self.data.decode("utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def slug(self) -> str:
        return str(self.meta["id"])


def load_article(meta_path: Path) -> Article:
    """Read ``NAME.meta.yaml`` and the text file it names, refusing anything inconsistent."""
    try:
        meta_data = meta_path.read_bytes()
        meta = yaml.safe_load(meta_data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ArticleError(f"{meta_path}: cannot read metadata: {exc}") from exc
    for key in ("id", "file", "language"):
        if key not in meta:
            raise ArticleError(f"{meta_path}: metadata has no '{key}'")
    text_path = meta_path.parent / meta["file"]
    try:
        data = text_path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{meta_path}: cannot read article file {text_path}: {exc}") from exc
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{text_path}: not UTF-8: {exc}") from exc
    return Article(path=text_path, data=data, meta=meta, meta_data=meta_data)


def slug_of_stem(stem: str) -> str:
    """The document slug of an article known only by its file name: ``000_Ab.c`` -> ``000-ab-c``."""
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "article"


def load_drafted_article(claims_path: Path) -> Article:
    """A drafted article without ``NAME.meta.yaml``: ``NAME.txt`` beside its ``NAME.claims.yaml``.

    The document's id comes from the file name, its language from the reading
    (``reading: {language: de}``, which ``claimgraph draft`` writes), and its label is the
    first line of the text (a headline, usually). Only a drafted reading may come without
    metadata: a curated one records where the text comes from.
    """
    stem = claims_path.name.removesuffix(".claims.yaml")
    try:
        reading = (yaml.safe_load(claims_path.read_text(encoding="utf-8")) or {}).get("reading") or {}
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        raise ArticleError(f"{claims_path}: cannot read annotation: {exc}") from exc
    if not isinstance(reading, dict) or reading.get("method") != "extracted":
        raise ArticleError(
            f"{claims_path}: no {stem}.meta.yaml beside it; only a drafted reading "
            "(reading: {method: extracted}) may come without metadata"
        )
    language = reading.get("language")
    if not language:
        raise ArticleError(
            f"{claims_path}: no {stem}.meta.yaml and the reading gives no language (reading: {{language: de}})"
        )
    text_path = claims_path.with_name(stem + ".txt")
    try:
        data = text_path.read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        raise ArticleError(f"{claims_path}: cannot read article file {text_path}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{text_path}: not UTF-8: {exc}") from exc
    first = next((line.strip() for line in text.splitlines() if line.strip()), text_path.name)
    label = first if len(first) <= 120 else first[:119].rstrip() + "…"
    meta = {
        "id": slug_of_stem(stem),
        "file": text_path.name,
        "language": str(language),
        "label": {str(language): label},
    }
    return Article(path=text_path, data=data, meta=meta)


def find_articles(seeds_dir: Path) -> list[Article]:
    """Every article in a seeds folder, in a stable order (sorted by file name): those with a
    ``NAME.meta.yaml``, and drafted ones with only ``NAME.txt`` and ``NAME.claims.yaml``."""
    found = {p.name.removesuffix(".meta.yaml"): p for p in seeds_dir.glob("*.meta.yaml")}
    for p in seeds_dir.glob("*.claims.yaml"):
        found.setdefault(p.name.removesuffix(".claims.yaml"), p)
    return [
        load_article(p) if p.name.endswith(".meta.yaml") else load_drafted_article(p) for _, p in sorted(found.items())
    ]
