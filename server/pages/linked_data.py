"""Dereferencing claimgraph's IRIs: 303 See Other from the thing to a document about it.

Why 303 rather than hash IRIs: data IRIs are slash IRIs (``{base}id/claim/x``), one per
claim, speaker, span..., so each can be fetched on its own without downloading a document
that describes everything; the 303 keeps the thing (a claim, a person) apart from the page
about it (Cool URIs for the Semantic Web, section 4.2). The ontology uses hash IRIs instead
and is served at ``/ontology``.

- ``/id/{kind}/{slug}``: 303 to the document in the format the ``Accept`` header prefers.
- ``/doc/{kind}/{slug}``: the same document, negotiated in place (``Content-Location`` says
  which variant).
- ``/doc/{kind}/{slug}.{ext}``: one fixed format, a stable link (html, ttl, jsonld, nt, rdf,
  trig, nq).
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request

from claimgraph.graph.store import StoreError
from claimgraph.server.pages import describe, resources as pages
from claimgraph.server.errors import store_error_response, text_error
from claimgraph.server.pages.links import FORMATS, MEDIA_TYPES, iri_for_path, path_for_iri
from claimgraph.server.state import get_settings, get_store

bp = Blueprint("linked_data", __name__)

# Offered in this order: a client that accepts anything (*/*) gets HTML first.
_OFFERED = list(FORMATS.values()) + [m for m in MEDIA_TYPES if m not in FORMATS.values()]


def negotiate() -> str | None:
    """The extension of the format the client prefers, or None when nothing it accepts fits."""
    if not request.accept_mimetypes:  # no Accept header: the client takes anything
        return "html"
    best = request.accept_mimetypes.best_match(_OFFERED)
    return MEDIA_TYPES.get(best) if best else None


def _not_acceptable() -> Response:
    offered = ", ".join(FORMATS.values())
    return text_error(406, "none of the requested types is offered for this resource; offered: " + offered)


def _split_extension(rest: str) -> tuple[str, str | None]:
    stem, dot, ext = rest.rpartition(".")
    if dot and ext in FORMATS and "/" not in ext:
        return stem, ext
    return rest, None


def _doc_path(iri: str) -> str:
    """``/doc/{kind}/{slug}`` for ``{base}id/{kind}/{slug}`` (without extension)."""
    return "/doc/" + path_for_iri(iri, get_settings().base_iri)[len("/id/"):]


@bp.get("/id/<path:rest>")
def thing(rest: str) -> Response:
    """The IRI itself names a thing, not a document: send the client to a document about it."""
    iri = iri_for_path(rest, get_settings().base_iri)
    try:
        if iri is None or not describe.exists(get_store(), iri):
            return pages.not_found(f"claimgraph names no resource <{iri.value if iri else rest}>")
    except StoreError as exc:
        return store_error_response(exc)
    ext = negotiate()
    if ext is None:
        return _not_acceptable()
    response = redirect(f"{_doc_path(iri.value)}.{ext}", code=303)
    response.vary.add("Accept")
    return response


@bp.get("/doc/<path:rest>")
def document(rest: str) -> Response:
    """A document describing a resource, in a fixed format (with extension) or negotiated."""
    stem, ext = _split_extension(rest)
    iri = iri_for_path(stem, get_settings().base_iri)
    store = get_store()
    try:
        if iri is None or not describe.exists(store, iri):
            return pages.not_found(f"claimgraph names no resource <{iri.value if iri else stem}>")
        negotiated = ext is None
        if negotiated:
            ext = negotiate()
            if ext is None:
                return _not_acceptable()
        quads = describe.describe(store, iri)
        doc_path = _doc_path(iri.value)
        if ext == "html":
            body: str | bytes = pages.render_resource(iri, quads, doc_path)
        else:
            body = describe.serialize(quads, FORMATS[ext])
    except StoreError as exc:
        return store_error_response(exc)
    mimetype = FORMATS[ext]
    response = Response(body, mimetype=mimetype)
    if mimetype.startswith("text/"):
        response.charset = "utf-8"
    links = [f'<{iri.value}>; rel="describes"'] + [
        f'<{doc_path}.{e}>; rel="alternate"; type="{m}"' for e, m in FORMATS.items() if e != ext
    ]
    response.headers["Link"] = ", ".join(links)
    if negotiated:
        response.vary.add("Accept")
        response.headers["Content-Location"] = f"{doc_path}.{ext}"
    return response
