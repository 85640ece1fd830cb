"""The reporting chain of a claim, from the speaker to the build run, and its picture.

speaker -> reporters -> outlet (in its original article) -> translation -> this file -> build
run. The steps come from SPARQL (``claim-chain``, ``derived-from``, ``run``); the picture is
an inline SVG laid out here and drawn by the ``chain_picture`` macro (Jinja escapes every
label), with an ordered list beside it for screen readers and text browsers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from claimgraph.server.pages.queries import load
from claimgraph.graph.store import Store
from claimgraph.server.pages.views import Viewer

MAX_HOPS = 8  # a document chain longer than this is cut (and never loops)


@dataclass(frozen=True)
class Step:
    kind: str  # what this step is, shown above the label ("speaker", "reported by", ...)
    label: str
    detail: str = ""
    iri: str | None = None


def _text(term: object) -> str:
    return term.value if isinstance(term, (ox.Literal, ox.NamedNode)) else ""


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def reporting_steps(store: Store, v: Viewer, claim: ox.NamedNode, speaker: object, role: object) -> list[Step]:
    """The claim's own chain (speaker first); just the speaker when no chain is recorded."""
    rows = store.select(load("claim-chain"), r=claim)
    v.labels.fetch(store, [speaker, role] + [row.get(k) for row in rows for k in ("agent", "document")])
    role_label = v.label(role) if isinstance(role, ox.NamedNode) else ""
    if not rows:
        if isinstance(speaker, ox.NamedNode):
            return [Step("speaker", v.label(speaker), role_label, speaker.value)]
        return []
    steps = []
    for i, row in enumerate(rows):
        agent, document = row.get("agent"), row.get("document")
        language = _text(row.get("language"))
        doc_label = v.label(document) if isinstance(document, ox.NamedNode) else ""
        if i == 0 and isinstance(agent, ox.NamedNode):
            steps.append(Step("speaker", v.label(agent), _join(role_label, language), agent.value))
        elif _text(row.get("isTranslation")) == "true":
            who = v.label(agent) if isinstance(agent, ox.NamedNode) else "translator not recorded"
            target = document or agent
            steps.append(
                Step("translation", doc_label or who, _join(language, who if doc_label else ""), _text(target) or None)
            )
        elif isinstance(agent, ox.NamedNode) and isinstance(document, ox.NamedNode):
            steps.append(Step("outlet", v.label(agent), _join(doc_label, language), agent.value))
        elif isinstance(agent, ox.NamedNode):
            steps.append(Step("reported by", v.label(agent), language, agent.value))
        elif isinstance(document, ox.NamedNode):
            steps.append(Step("in document", doc_label, language, document.value))
    return steps


def document_steps(store: Store, v: Viewer, start: ox.NamedNode) -> list[Step]:
    """The documents ``start`` (a file or an article) comes from, oldest first, with the
    outlet that published the oldest; ``start`` itself is not included."""
    nodes = [start]
    via: list[dict] = []  # via[i] links nodes[i] to nodes[i + 1] and describes nodes[i + 1]
    for _ in range(MAX_HOPS):
        seen = {n.value for n in nodes}
        rows = [
            r
            for r in store.select(load("derived-from"), r=nodes[-1])
            if isinstance(r.get("source"), ox.NamedNode) and r["source"].value not in seen
        ]
        if not rows:
            break
        via.append(rows[0])
        nodes.append(rows[0]["source"])
    v.labels.fetch(store, nodes + [row.get("publisher") for row in via])
    translated = any(_text(row.get("relation")) == "translation" for row in via)
    steps: list[Step] = []
    for j in range(len(nodes) - 1, 0, -1):
        node, info = nodes[j], via[j - 1]
        if j == len(nodes) - 1:
            publisher = info.get("publisher")
            if isinstance(publisher, ox.NamedNode):
                steps.append(Step("outlet", v.label(publisher), "", publisher.value))
            kind = "original article" if translated else "article"
        else:
            kind = "translation" if _text(via[j].get("relation")) == "translation" else "article"
        detail = _join(_text(info.get("language")), _text(info.get("published")))
        steps.append(Step(kind, v.label(node), detail, node.value))
    return steps


def file_step(v: Viewer, file: object, file_name: object, sha256: object) -> list[Step]:
    if not isinstance(file, ox.NamedNode):
        return []
    detail = f"sha256 {_text(sha256)[:16]}…" if _text(sha256) else ""
    return [Step("this file", _text(file_name) or v.label(file), detail, file.value)]


def run_step(store: Store, v: Viewer, run: object) -> list[Step]:
    if not isinstance(run, ox.NamedNode):
        return []
    rows = store.select(load("run"), r=run)
    row = rows[0] if rows else {}
    v.labels.fetch(store, [run, row.get("software")])
    software = v.label(row["software"]) if isinstance(row.get("software"), ox.NamedNode) else ""
    return [Step("build run", v.label(run), _join(_text(row.get("started")), software), run.value)]


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


def layout(steps: list[Step], href: Callable[[str], str]) -> Picture:
    """Stack the steps top to bottom: narrow enough to read on a phone without zooming."""
    box_w, box_h, gap, margin = 340, 64, 30, 10
    boxes = [Box(s, margin + i * (box_h + gap), href(s.iri) if s.iri else None) for i, s in enumerate(steps)]
    height = 2 * margin + len(steps) * box_h + max(len(steps) - 1, 0) * gap
    return Picture(boxes, box_w + 2 * margin, height, box_w, box_h, gap)
