"""A source article on disk: its frozen text, its hash and its metadata file."""

from __future__ import annotations

import hashlib
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


def find_articles(seeds_dir: Path) -> list[Article]:
    """Every article in a seeds folder, in a stable order (sorted by file name)."""
    return [load_article(p) for p in sorted(seeds_dir.glob("*.meta.yaml"))]
