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

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

from claimgraph.graph.store.formats import DOCUMENT_OFFER, HTML, Format, find
from claimgraph.server.errors import PageNotFound
from claimgraph.server.pages import describe, resources as pages
from claimgraph.server.pages.links import iri_for_path, path_for_iri
from claimgraph.server.protocol.caching import finish
from claimgraph.server.protocol.negotiation import negotiate
from claimgraph.server.state import get_settings, get_store

bp = Blueprint("linked_data", __name__)


def _split_extension(rest: str) -> tuple[str, Format | None]:
    stem, dot, ext = rest.rpartition(".")
    fmt = find(DOCUMENT_OFFER, ext) if dot and "/" not in ext else None
    if fmt is not None and fmt.extension == ext:
        return stem, fmt
    return rest, None


def _doc_path(iri: str) -> str:
    """``/doc/{kind}/{slug}`` for ``{base}id/{kind}/{slug}`` (without extension)."""
    return request.script_root + "/doc/" + (path_for_iri(iri, get_settings().base_iri) or "/id/")[len("/id/") :]


def _resource(rest: str) -> ox.NamedNode:
    """The IRI a path names, or a 404 when claimgraph names no such resource."""
    iri = iri_for_path(rest, get_settings().base_iri)
    if iri is None or not describe.exists(get_store(), iri):
        raise PageNotFound(f"claimgraph names no resource <{iri.value if iri else rest}>")
    return iri


@bp.get("/id/<path:rest>")
def thing(rest: str) -> WerkzeugResponse:
    """The IRI itself names a thing, not a document: send the client to a document about it."""
    iri = _resource(rest)
    fmt = negotiate(DOCUMENT_OFFER).format
    response = redirect(f"{_doc_path(iri.value)}.{fmt.extension}", code=303)
    response.vary.add("Accept")
    return response


@bp.get("/doc/<path:rest>")
def document(rest: str) -> Response:
    """A document describing a resource, in a fixed format (with extension) or negotiated."""
    stem, fmt = _split_extension(rest)
    iri = _resource(stem)
    negotiated = fmt is None
    if fmt is None:
        fmt = negotiate(DOCUMENT_OFFER).format
    quads = describe.describe(get_store(), iri)
    doc_path = _doc_path(iri.value)
    if fmt is HTML:
        body: str | bytes = pages.render_resource(iri, quads, doc_path)
    else:
        body = describe.serialize(quads, fmt.media_type)
    response = Response(body, mimetype=fmt.media_type)
    links = [f'<{iri.value}>; rel="describes"'] + [
        f'<{doc_path}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
        for f in DOCUMENT_OFFER.formats
        if f is not fmt
    ]
    response.headers["Link"] = ", ".join(links)
    if negotiated:
        response.vary.add("Accept")
        response.headers["Content-Location"] = f"{doc_path}.{fmt.extension}"
    # ETag (a hash of the body), Last-Modified (the store version), gzip when accepted, 304
    return finish(response, request, get_store())
