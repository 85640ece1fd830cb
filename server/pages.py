"""Human-readable pages: the index, and the HTML view of every resource the graph names.

Each page is plain server-rendered HTML built from the SPARQL in ``graph/queries`` with the
resource's IRI bound as a value. The specialised views (claim, article, speaker or entity)
sit above the same "all statements" table that every resource gets, so a term the views do
not know yet is still shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from claimgraph.graph.queries import load
from claimgraph.graph.store import Store
from claimgraph.server import chain, texts
from claimgraph.server.links import FORMAT_NAMES, FORMATS, normalised_base
from claimgraph.server.state import get_settings, get_store
from claimgraph.server.views import Labels, TermView, Viewer

bp = Blueprint("pages", __name__)

CG = "https://w3id.org/claimgraph/ontology#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
CLAIM_TYPES = {CG + "Claim"}
DOCUMENT_TYPES = {SCHEMA + "NewsArticle", SCHEMA + "Article", SCHEMA + "CreativeWork"}
AGENT_TYPES = {PROV + "Agent", SCHEMA + "Person", SCHEMA + "Organization", PROV + "Person", PROV + "Organization"}
PROV_EXPORTS = {"ttl": "PROV-O Turtle", "jsonld": "PROV-O JSON-LD", "provn": "PROV-N", "json": "PROV-JSON"}


def base() -> str:
    return normalised_base(get_settings().base_iri)


def viewer(store: Store, quads: list[ox.Quad] = ()) -> Viewer:
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


@bp.get("/")
def index() -> str:
    store = get_store()
    v = viewer(store)
    counts = store.select(load("index-counts"))
    documents = store.select(load("index-documents"))
    claims = store.select(load("index-claims"))
    speakers = store.select(load("index-speakers"))
    for row in speakers:
        if isinstance(row.get("label"), ox.Literal) and isinstance(row.get("speaker"), ox.NamedNode):
            v.labels.add(row["speaker"].value, row["label"])
    return render_template(
        "index.html",
        v=v,
        counts={k: t.value for k, t in (counts[0] if counts else {}).items()},
        documents=documents,
        claims=claims,
        speakers=speakers,
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
    types = {row["type"].value for row in store.select(load("types"), r=iri) if isinstance(row.get("type"), ox.NamedNode)}
    context = {
        "v": v,
        "iri": iri.value,
        "title": v.label(iri),
        "types": [v.term(ox.NamedNode(t)) for t in sorted(types)],
        "statements": _statements(v, iri, quads),
        "formats": [(FORMAT_NAMES[ext], f"{doc_path}.{ext}", media) for ext, media in FORMATS.items()],
        "prov_links": [],
    }
    if types & CLAIM_TYPES:
        return render_template("claim.html", **{**context, **_claim_context(store, v, iri, doc_path)})
    if types & DOCUMENT_TYPES:
        return render_template("article.html", **{**context, **_article_context(store, v, iri, doc_path)})
    if types & AGENT_TYPES or not types or _is_entity(context["statements"]):
        return render_template("thing.html", **{**context, **_thing_context(store, v, iri)})
    return render_template("resource.html", **context)


def _is_entity(statements: dict[str, list[Statement]]) -> bool:
    return bool(statements["claimed"]) and not statements["out"]


def _prov_links(doc_path: str) -> list[tuple[str, str]]:
    prov_path = doc_path.replace("/doc/", "/prov/", 1)
    return [(name, f"{prov_path}.{ext}") for ext, name in PROV_EXPORTS.items()]


def _document_source(store: Store, document: ox.NamedNode) -> tuple[dict, texts.SourceText | None]:
    rows = store.select(load("document"), r=document)
    row = rows[0] if rows else {}
    return row, texts.document_text(store, document, _value(row, "sha256"))


def _claim_context(store: Store, v: Viewer, iri: ox.NamedNode, doc_path: str) -> dict:
    rows = store.select(load("claim"), r=iri)
    row = rows[0] if rows else {}
    start, end, exact = _int(row, "start"), _int(row, "end"), _value(row, "exact")
    document = row.get("document")
    doc_row: dict = {}
    source = None
    quote = None
    if isinstance(document, ox.NamedNode):
        doc_row, source = _document_source(store, document)
    if source is not None and start is not None and end is not None:
        quote = {
            "paragraphs": texts.paragraphs(source.text, [(start, end)], only=(start, end)),
            "found": source.text[start:end],
            "matches": exact is None or source.text[start:end] == exact,
            "origin": source.origin,
        }
    steps = chain.agent_steps(store, iri)
    if isinstance(document, ox.NamedNode):
        steps += chain.document_steps(store, document, _value(doc_row, "sha256"), _value(doc_row, "file"))
    run = row.get("run") or doc_row.get("run")
    if isinstance(run, ox.NamedNode):
        steps.append(chain.run_step(store, run))
    related = store.select(load("claim-related"), r=iri)
    return {
        "claim": row,
        "start": start,
        "end": end,
        "exact": exact,
        "quote": quote,
        "document_row": doc_row,
        "related": related,
        "steps": steps,
        "picture": chain.layout(steps, v.href),
        "prov_links": _prov_links(doc_path),
    }


def _article_context(store: Store, v: Viewer, iri: ox.NamedNode, doc_path: str) -> dict:
    doc_row, source = _document_source(store, iri)
    claims = store.select(load("document-claims"), r=iri)
    spans = [(_int(c, "start") or 0, _int(c, "end") or 0) for c in claims]
    mismatches = []
    if source is not None:
        for c, (s, e) in zip(claims, spans):
            exact = _value(c, "exact")
            if exact is not None and source.text[s:e] != exact:
                mismatches.append(c)
    steps = chain.document_steps(store, iri, _value(doc_row, "sha256"), _value(doc_row, "file"))
    if isinstance(doc_row.get("run"), ox.NamedNode):
        steps.append(chain.run_step(store, doc_row["run"]))
    return {
        "document": doc_row,
        "source": source,
        "claims": claims,
        "paragraphs": texts.paragraphs(source.text, spans) if source else [],
        "mismatches": mismatches,
        "steps": steps,
        "picture": chain.layout(steps, v.href),
        "prov_links": _prov_links(doc_path),
    }


def _thing_context(store: Store, v: Viewer, iri: ox.NamedNode) -> dict:
    return {
        "said": store.select(load("agent-claims"), r=iri),
        "about": store.select(load("about-claims"), r=iri),
        "links": store.select(load("external-links"), r=iri),
    }


def not_found(message: str) -> Response:
    """404 as an HTML page for browsers, plain text for everyone else."""
    if request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html" and request.accept_mimetypes.accept_html:
        return Response(render_template("404.html", message=message), status=404, mimetype="text/html")
    return Response(message + "\n", status=404, mimetype="text/plain")
