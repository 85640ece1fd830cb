"""The frozen text of a source document, and its claim spans cut into paragraphs for display.

The text comes from the graph when it carries it; otherwise from the seed file shipped with
claimgraph whose SHA-256 is the one the graph records, so the page only ever shows the exact
bytes the offsets were counted on (a file with another hash is never used).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from claimgraph.server.pages.queries import load
from claimgraph.graph.store import Store


@dataclass(frozen=True)
class SourceText:
    text: str
    origin: str  # "graph" or the seed file's name
    sha256: str | None


@cache
def _seed_files() -> dict[str, Path]:
    """SHA-256 -> path of every seed text shipped with the package."""
    from claimgraph.graph.build.dataset import default_seeds_dir

    found: dict[str, Path] = {}
    for path in sorted(default_seeds_dir().glob("*.txt")):
        found[hashlib.sha256(path.read_bytes()).hexdigest()] = path
    return found


def document_text(store: Store, document: ox.NamedNode, sha256: str | None) -> SourceText | None:
    """The document's text, or None when neither the graph nor a seed file with its hash has it."""
    rows = store.select(load("document-text"), r=document)
    if rows and isinstance(rows[0].get("text"), ox.Literal):
        text = rows[0]["text"].value
        return SourceText(text, "graph", hashlib.sha256(text.encode("utf-8")).hexdigest())
    if sha256 and sha256 in _seed_files():
        path = _seed_files()[sha256]
        return SourceText(path.read_bytes().decode("utf-8"), path.name, sha256)
    return None


@dataclass
class Segment:
    """A run of text inside one paragraph, covered by the same set of claim spans."""

    text: str
    start: int
    claims: list[int] = field(default_factory=list)  # indexes into the span list, innermost last
    ends: list[int] = field(default_factory=list)  # spans that end right after this segment


@dataclass
class Paragraph:
    start: int
    end: int
    segments: list[Segment]


def paragraphs(text: str, spans: list[tuple[int, int]], only: tuple[int, int] | None = None) -> list[Paragraph]:
    """Cut ``text`` into lines (paragraphs) and each line into segments at span boundaries.

    ``spans`` are (start, end) code-point offsets; ``only`` keeps just the paragraphs that
    overlap that range (the claim page shows the quote inside its own paragraph).
    """
    result: list[Paragraph] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if only is not None and not (start < only[1] and only[0] < end or only[0] == only[1] == start):
            continue
        cuts = {start, end}
        for s, e in spans:
            for c in (s, e):
                if start < c < end:
                    cuts.add(c)
        points = sorted(cuts)
        segments = []
        for a, b in zip(points, points[1:]):
            covering = [i for i, (s, e) in enumerate(spans) if s <= a and b <= e and s < e]
            covering.sort(key=lambda i: -(spans[i][1] - spans[i][0]))  # longest first, innermost last
            ends = [i for i, (s, e) in enumerate(spans) if e == b and s < b]
            segments.append(Segment(text[a:b], a, covering, ends))
        if not segments:
            segments.append(Segment("", start))
        result.append(Paragraph(start, end, segments))
    return result
