"""Human-readable pages: the index, and the HTML view of every resource the graph names.

Each page is plain server-rendered HTML built from the SPARQL in ``server/pages/queries`` with the
resource's IRI bound as a value. The specialised views (claim, article or file, text span,
speaker or entity) sit above the same "all statements" table that every resource gets, so
a term the views do not know yet is still shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, render_template, request

from claimgraph.server.pages.queries import load
from claimgraph.graph.store import Store
from claimgraph.server.pages import chain, describe, texts
from claimgraph.graph.store.formats import DOCUMENT_OFFER
from claimgraph.server.pages.links import normalised_base
from claimgraph.server.state import get_settings, get_store
from claimgraph.server.pages.views import Labels, TermView, Viewer

bp = Blueprint("pages", __name__)

CG = "https://w3id.org/claimgraph/ontology#"
SCHEMA = "http://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
SKOS_NOTE = "http://www.w3.org/2004/02/skos/core#note"
CLAIM_TYPES = {CG + "Claim"}
DOCUMENT_TYPES = {SCHEMA + "NewsArticle", CG + "SourceFile"}
SPAN_TYPES = {CG + "TextSpan", OA + "TextPositionSelector", CG + "Mention", CG + "Segment"}
AGENT_TYPES = {
    PROV + "Agent",
    SCHEMA + "Person",
    SCHEMA + "Organization",
    PROV + "Person",
    PROV + "Organization",
    CG + "AnonymousGroup",
}
PROV_EXPORTS = {"ttl": "PROV-O Turtle", "jsonld": "PROV-O JSON-LD", "provn": "PROV-N", "json": "PROV-JSON"}
RELATION_INVERSES = {  # how a relation reads from the other claim's side
    CG + "contradicts": "contradicts",
    CG + "deniesClaim": "is denied by",
    CG + "supports": "is supported by",
    CG + "respondsTo": "is responded to by",
}


def base() -> str:
    return normalised_base(get_settings().base_iri)


def viewer(store: Store, quads: Sequence[ox.Quad] = ()) -> Viewer:
    labels = Labels()
    labels.add_vocabulary(store)
    labels.add_quads(list(quads))
    return Viewer(base(), labels)


def _value(row: dict, key: str) -> str | None:
    term = row.get(key)
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else None


def _int(row: dict, key: str) -> int | None:
    value = _value(row, key)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _literals(quads: list[ox.Quad], subject: ox.NamedNode, predicate: str) -> list[ox.Literal]:
    """The literal values of one property of the resource, English first."""
    found = [
        q.object
        for q in quads
        if q.subject == subject
        and q.predicate.value == predicate
        and isinstance(q.object, ox.Literal)
        and isinstance(q.graph_name, ox.DefaultGraph)
    ]
    return sorted(found, key=lambda lit: (lit.language != "en", lit.language or "", lit.value))


@bp.get("/")
def index() -> str:
    store = get_store()
    v = viewer(store)
    for row in store.select(load("index-labels")):
        if isinstance(row.get("r"), ox.NamedNode) and isinstance(row.get("label"), ox.Literal):
            v.labels.add(row["r"].value, row["label"])
    counts = store.select(load("index-counts"))
    return render_template(
        "index.html",
        v=v,
        counts={k: t.value for k, t in (counts[0] if counts else {}).items()},
        documents=store.select(load("index-documents")),
        claims=store.select(load("index-claims")),
        speakers=store.select(load("index-speakers")),
        entities=store.select(load("index-entities")),
        endpoint=request.url_root + "sparql",
        base_iri=base(),
    )


# -- resource pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    subject: TermView
    predicate: TermView
    object: TermView


def _statements(v: Viewer, iri: ox.NamedNode, quads: list[ox.Quad]) -> dict[str, list[Statement]]:
    """The description split the way a reader looks at it: about it, pointing at it, claimed."""
    out, incoming, claimed = [], [], []
    for q in quads:
        st = Statement(v.term(q.subject), v.term(q.predicate), v.term(q.object))
        if not isinstance(q.graph_name, ox.DefaultGraph):
            claimed.append(st)
        elif q.subject == iri:
            out.append(st)
        elif q.object == iri:
            incoming.append(st)
    return {"out": out, "incoming": incoming, "claimed": claimed}


def render_resource(iri: ox.NamedNode, quads: list[ox.Quad], doc_path: str) -> str:
    """The HTML page of ``iri``; ``doc_path`` is its document URL without extension."""
    store = get_store()
    v = viewer(store, quads)
    types = {
        row["type"].value for row in store.select(load("types"), r=iri) if isinstance(row.get("type"), ox.NamedNode)
    }
    statements = _statements(v, iri, quads)
    context = {
        "v": v,
        "iri": iri.value,
        "title": v.label(iri),
        "types": [v.term(ox.NamedNode(t)) for t in sorted(types)],
        "notes": _literals(quads, iri, SKOS_NOTE),
        "statements": statements,
        "formats": [(f.label, f"{doc_path}.{f.extension}", f.media_type) for f in DOCUMENT_OFFER.formats],
        "alternates": [
            (f.label, f"{doc_path}.{f.extension}", f.media_type)
            for f in DOCUMENT_OFFER.formats
            if f.media_type != "text/html"
        ],
        "jsonld": embedded_jsonld(quads),
        "prov_links": [],
    }
    if types & CLAIM_TYPES:
        return render_template("claim.html", **{**context, **_claim_context(store, v, iri, quads, doc_path)})
    if types & DOCUMENT_TYPES:
        return render_template("article.html", **{**context, **_article_context(store, v, iri, doc_path)})
    if types & SPAN_TYPES:
        return render_template("span.html", **{**context, **_span_context(store, v, quads, iri)})
    if types & AGENT_TYPES or not types or (statements["claimed"] and not statements["out"]):
        return render_template("thing.html", **{**context, **_thing_context(store, v, iri)})
    return render_template("resource.html", **context)


def embedded_jsonld(quads: list[ox.Quad]) -> str:
    """The page's description as JSON-LD for a ``<script type="application/ld+json">`` element,
    so that crawlers and browser tools read the data of the page itself. Every ``<`` (only
    inside JSON strings) is written ``\\u003c``: no text of the article can close the element."""
    return describe.serialize(quads, "application/ld+json").decode("utf-8").replace("<", "\\u003c")


def _prov_links(doc_path: str) -> list[tuple[str, str]]:
    prov_path = doc_path.replace("/doc/", "/prov/", 1)
    return [(name, f"{prov_path}.{ext}") for ext, name in PROV_EXPORTS.items()]


def _quote(
    store: Store, file: object, sha256: str | None, start: int | None, end: int | None, exact: str | None
) -> dict | None:
    """The span inside its paragraph(s) of the file, and whether the offsets give the exact words."""
    if not isinstance(file, ox.NamedNode) or start is None or end is None:
        return None
    source = texts.document_text(store, file, sha256)
    if source is None:
        return None
    found = source.text[start:end]
    return {
        "paragraphs": texts.paragraphs(source.text, [(start, end)], only=(start, end)),
        "found": found,
        "matches": exact is None or found == exact,
        "origin": source.origin,
        "start": start,
        "end": end,
        "exact": exact,
        "sha256": sha256,
    }


#: the roles of a claim's spans, in the order the page's legend names them
SPAN_ROLES = ("source", "cue", "addressee", "frame", "message")


def _roles_quote(store: Store, iri: ox.NamedNode, file: object, sha256: str | None) -> dict | None:
    """The sentence(s) of a claim with each of its spans marked by role (message, cue, source,
    addressee, frame), when the claim has more than its message and the text is at hand."""
    spans = [
        (_value(r, "role"), _int(r, "start"), _int(r, "end"), _value(r, "exact"))
        for r in store.select(load("claim-spans"), r=iri)
    ]
    spans = [s for s in spans if s[0] in SPAN_ROLES and s[1] is not None and s[2] is not None]
    if not any(role != "message" for role, *_ in spans) or not isinstance(file, ox.NamedNode):
        return None
    source = texts.document_text(store, file, sha256)
    if source is None:
        return None
    first, last = min(s[1] or 0 for s in spans), max(s[2] or 0 for s in spans)  # None filtered out above
    # (text, role) runs per paragraph; the innermost span names the role (a cue inside the
    # message is marked as the cue)
    paragraphs = [
        [(seg.text, spans[seg.claims[-1]][0] if seg.claims else None) for seg in para.segments]
        for para in texts.paragraphs(source.text, [(s or 0, e or 0) for _, s, e, _ in spans], only=(first, last))
    ]
    return {
        "paragraphs": paragraphs,
        "roles": [role for role in SPAN_ROLES if any(s[0] == role for s in spans)],
        "spans": [
            {"role": role, "start": s, "end": e, "exact": x, "matches": x is None or source.text[s:e] == x}
            for role, s, e, x in spans
        ],
        "origin": source.origin,
    }


def _claim_context(store: Store, v: Viewer, iri: ox.NamedNode, quads: list[ox.Quad], doc_path: str) -> dict:
    rows = store.select(load("claim"), r=iri)
    row = rows[0] if rows else {}
    start, end, exact = _int(row, "start"), _int(row, "end"), _value(row, "exact")
    v.labels.fetch(store, [row.get(k) for k in ("speaker", "role", "proposition", "file", "run")])
    steps = chain.reporting_steps(store, v, iri, row.get("speaker"), row.get("role"))
    if len(steps) <= 1 and isinstance(row.get("file"), ox.NamedNode):
        steps += chain.document_steps(store, v, row["file"])  # no recorded chain: the documents
    steps += chain.file_step(v, row.get("file"), row.get("fileName"), row.get("sha256"))
    steps += chain.run_step(store, v, row.get("run"))
    related = store.select(load("claim-related"), r=iri)
    same = store.select(load("claim-same-proposition"), r=iri)
    v.labels.fetch(store, [r.get("otherSpeaker") for r in related + same])
    reading = store.select(load("claim-reading"), r=iri)
    drafted_by = None
    if _value(row, "method") == CG + "extracted":
        drafted_by = (_value(reading[0], "byLabel") or _value(reading[0], "by")) if reading else "software"
    return {
        "claim": row,
        "integrity": _integrity(store, iri),
        "drafted_by": drafted_by,
        "roles_quote": _roles_quote(store, iri, row.get("file"), _value(row, "sha256")),
        "quote": _quote(store, row.get("file"), _value(row, "sha256"), start, end, exact),
        "start": start,
        "end": end,
        "exact": exact,
        "paraphrases": _literals(quads, iri, CG + "paraphrase"),
        "said_wording": _literals(quads, iri, CG + "saidOnWording"),
        "holds_wording": _literals(quads, iri, CG + "holdsDuringWording"),
        "related": [
            dict(
                r,
                reading=v.label(r["relation"])
                if _value(r, "direction") == "out"
                else RELATION_INVERSES.get(r["relation"].value, v.label(r["relation"])),
            )
            for r in related
        ],
        "same_proposition": [r for r in same if r["other"] not in {x["other"] for x in related}],
        "steps": steps,
        "picture": chain.layout(steps, v.href),
        "prov_links": _prov_links(doc_path),
    }


def _integrity(store: Store, iri: ox.NamedNode) -> dict:
    """Whether the claim is as built: its bundle hashed again against the hash the build
    stated, and the writes recorded since (docs/verify.md)."""
    from claimgraph.graph.build import bundles
    from claimgraph.graph.build.queries import load as audit_query

    stored, _ = bundles.stored_hashes(store.select, iri).get(iri.value, (None, None))
    changes = store.select(audit_query("changes"), claim=iri)
    now = bundles.bundle_hashes(store.select, iri).get(iri.value)
    last = changes[-1] if changes else {}
    return {
        "stored": stored,
        "now": now,
        "holds": stored is not None and stored == now,
        "changed_on": _value(last, "time"),
        "changed_by": _value(last, "who"),
        "changed_through": _value(last, "endpoint"),
        "changes": len(changes),
    }


def _article_context(store: Store, v: Viewer, iri: ox.NamedNode, doc_path: str) -> dict:
    rows = store.select(load("document"), r=iri)
    doc = rows[0] if rows else {}
    file: ox.NamedNode = doc["file"] if isinstance(doc.get("file"), ox.NamedNode) else iri
    v.labels.fetch(store, [doc.get(k) for k in ("article", "publisher", "translationOf", "run")])
    source = texts.document_text(store, file, _value(doc, "sha256"))
    claims = store.select(load("document-claims"), r=file)
    v.labels.fetch(store, [c.get("speaker") for c in claims])
    spans = [(_int(c, "start") or 0, _int(c, "end") or 0) for c in claims]
    mismatches = []
    if source is not None:
        mismatches = [
            c
            for c, (s, e) in zip(claims, spans)
            if _value(c, "exact") is not None and source.text[s:e] != _value(c, "exact")
        ]
    kinds = {}
    for seg in store.select(load("document-segments"), r=file):
        kinds[_int(seg, "start")] = seg["kind"]
    steps = chain.document_steps(store, v, file)
    steps += chain.file_step(v, file, doc.get("fileName"), doc.get("sha256"))
    steps += chain.run_step(store, v, doc.get("run"))
    article = doc.get("article") if isinstance(doc.get("article"), ox.NamedNode) else iri
    return {
        "title": v.label(article),
        "document": doc,
        "file_iri": file,
        "article_iri": article,
        "source": source,
        "claims": claims,
        "claim_count": len({c["claim"] for c in claims}),  # a discontinuous message has a row per part
        "paragraphs": texts.paragraphs(source.text, spans) if source else [],
        "segment_kinds": kinds,
        "mismatches": mismatches,
        "steps": steps,
        "picture": chain.layout(steps, v.href),
        "prov_links": _prov_links(doc_path),
    }


def _span_context(store: Store, v: Viewer, quads: list[ox.Quad], iri: ox.NamedNode) -> dict:
    def one(predicate: str) -> object:
        return next((q.object for q in quads if q.subject == iri and q.predicate.value == predicate), None)

    file = one(CG + "inFile") or one("http://purl.org/dc/terms/source")
    start, end, exact = (one(OA + "start"), one(OA + "end"), one(OA + "exact"))
    sha = None
    if isinstance(file, ox.NamedNode):
        rows = store.select(load("document"), r=file)
        sha = _value(rows[0], "sha256") if rows else None

    def as_int(term: object) -> int | None:
        return int(term.value) if isinstance(term, ox.Literal) and term.value.isdigit() else None

    return {
        "quote": _quote(
            store, file, sha, as_int(start), as_int(end), exact.value if isinstance(exact, ox.Literal) else None
        ),
        "file": file,
        "start": as_int(start),
        "end": as_int(end),
        "exact": exact.value if isinstance(exact, ox.Literal) else None,
    }


def _timeline(store: Store, iri: ox.NamedNode) -> list[dict]:
    """Every claim of a speaker across articles by date, with the outlets that carried it and
    the claims of other articles that carry the same message (cg:sameMessageAs).

    Put together from a few inner-join queries: pyoxigraph plans before it binds ?r, and one
    query with optional groups scanned every claim of the store (docs/search.md)."""
    facts: dict[object, dict[str, object]] = {}
    for row in store.select(load("agent-claim-facts"), r=iri):
        facts.setdefault(row["claim"], {}).setdefault(row["fact"].value, row["value"])
    published: dict[object, list[str]] = {}
    for row in store.select(load("agent-article-dates"), r=iri):
        published.setdefault(row["article"], []).append(row["published"].value)
    outlets: dict[object, list[object]] = {}
    for row in store.select(load("agent-outlets"), r=iri):
        outlets.setdefault(row["claim"], []).append(row["outlet"])
    same: dict[object, list[dict]] = {}
    for row in store.select(load("agent-same-message"), r=iri):
        same.setdefault(row["claim"], []).append(row)
    rows = []
    for row in store.select(load("agent-timeline"), r=iri):
        claim = row["claim"]
        f = facts.get(claim, {})
        said = f.get("saidOn")
        dates = sorted(published.get(row.get("article"), []))
        date = said.value if isinstance(said, ox.Literal) else (dates[0] if dates else None)
        rows.append(
            dict(
                row,
                date=date,
                stance=f.get("stance"),
                proposition=f.get("proposition"),
                outlets=outlets.get(claim, []),
                same=sorted(same.get(claim, []), key=lambda x: -float(x["similarity"].value)),
            )
        )
    rows.sort(key=lambda r: (r["date"] is None, r["date"] or "", r["claim"].value))
    return rows


def _thing_context(store: Store, v: Viewer, iri: ox.NamedNode) -> dict:
    said = _timeline(store, iri)
    if said:  # every article's title in one query, not one look-up per article
        for row in store.select(load("agent-article-labels"), r=iri):
            if isinstance(row.get("label"), ox.Literal):
                v.labels.add(row["article"].value, row["label"])
    relayed = store.select(load("agent-relayed"), r=iri)
    about = store.select(load("about-claims"), r=iri)
    mentions = store.select(load("entity-mentions"), r=iri)
    v.labels.fetch(
        store,
        [r.get(k) for r in relayed + about for k in ("speaker", "proposition")]
        + [r.get("article") for r in said]
        + [o for r in said for o in r["outlets"]]
        + [x.get("otherArticle") for r in said for x in r["same"]]
        + [m.get("file") for m in mentions],
    )
    return {
        "said": said,
        "relayed": relayed,
        "about": about,
        "links": store.select(load("external-links"), r=iri),
        "mentions": mentions,
    }
