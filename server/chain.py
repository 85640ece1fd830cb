"""The reporting chain of a claim, from the speaker to the build run, and its picture.

speaker -> reporters -> outlet / original article -> translation -> this file -> build run.
The steps come from SPARQL (``claim-chain``, ``derived-from``, ``run``); the picture is an
inline SVG laid out here and drawn by ``templates/_chain.svg.html`` (Jinja escapes every label).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from claimgraph.graph.queries import load
from claimgraph.graph.store import Store

MAX_HOPS = 8  # a document chain longer than this is cut (and never loops)


@dataclass(frozen=True)
class Step:
    kind: str  # what this step is, shown above the label ("speaker", "reported by", ...)
    label: str
    detail: str = ""
    iri: str | None = None


def _text(term: object) -> str:
    return term.value if isinstance(term, (ox.Literal, ox.NamedNode)) else ""


def agent_steps(store: Store, claim: ox.NamedNode) -> list[Step]:
    """Speaker first, then each reporter in order."""
    steps = []
    for row in store.select(load("claim-chain"), r=claim):
        agent = _text(row.get("agent"))
        role = _text(row.get("role")) or "reported by"
        steps.append(Step(role, _text(row.get("agentLabel")) or agent, _text(row.get("detail")), agent or None))
    return steps


def document_steps(store: Store, document: ox.NamedNode, sha256: str | None, file: str | None) -> list[Step]:
    """Oldest source first, ending with this file."""
    chain: list[Step] = []
    seen = {document.value}
    current = document
    for _ in range(MAX_HOPS):
        rows = store.select(load("derived-from"), r=current)
        rows = [r for r in rows if isinstance(r.get("source"), ox.NamedNode) and r["source"].value not in seen]
        if not rows:
            break
        row = rows[0]
        source = row["source"]
        seen.add(source.value)
        details = [x for x in (_text(row.get("language")), _text(row.get("published"))) if x]
        publisher = _text(row.get("publisherLabel")) or _text(row.get("publisher"))
        kind = "original article" if _text(row.get("relation")) == "translation" else "source"
        if publisher:
            chain.append(Step("outlet", publisher, "", _text(row.get("publisher")) or None))
        chain.append(Step(kind, _text(row.get("label")) or source.value, ", ".join(details), source.value))
        current = source
    chain.reverse()
    # put each outlet before the article it published (reversing swapped them)
    ordered: list[Step] = []
    for step in chain:
        if step.kind == "outlet" and ordered:
            ordered.insert(len(ordered) - 1, step)
        else:
            ordered.append(step)
    detail = f"sha256 {sha256[:16]}…" if sha256 else ""
    ordered.append(Step("this file (translation)" if len(ordered) else "this file", file or document.value, detail, document.value))
    return ordered


def run_step(store: Store, run: ox.NamedNode) -> Step:
    rows = store.select(load("run"), r=run)
    row = rows[0] if rows else {}
    return Step("build run", _text(row.get("label")) or run.value, _text(row.get("started")), run.value)


@dataclass(frozen=True)
class Box:
    step: Step
    y: int
    href: str | None


@dataclass(frozen=True)
class Picture:
    boxes: list[Box]
    width: int
    height: int
    box_width: int
    box_height: int
    gap: int


def layout(steps: list[Step], href: "callable[[str], str]") -> Picture:
    """Stack the steps top to bottom: narrow enough to read on a phone without zooming."""
    box_w, box_h, gap, margin = 340, 64, 30, 10
    boxes = [Box(s, margin + i * (box_h + gap), href(s.iri) if s.iri else None) for i, s in enumerate(steps)]
    height = 2 * margin + len(steps) * box_h + max(len(steps) - 1, 0) * gap
    return Picture(boxes, box_w + 2 * margin, height, box_w, box_h, gap)
