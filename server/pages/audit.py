"""Derived views of a claim for other tools: a nanopublication with a trusty URI
(``/doc/claim/ID.nanopub.trig``) and the RDF 1.2 view with triple terms
(``/doc/claim/ID.rdf12.ttl``). Both are computed from the store on request, never stored."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response

from claimgraph.graph.build import nanopub, rdf12
from claimgraph.server.errors import PageNotFound
from claimgraph.server.pages.links import iri_for_path
from claimgraph.server.state import get_settings, get_store

bp = Blueprint("audit", __name__)


def _claim(slug: str) -> ox.NamedNode | None:
    return iri_for_path(f"claim/{slug}", get_settings().base_iri)


@bp.get("/doc/claim/<slug>.nanopub.trig")
def claim_nanopub(slug: str) -> Response:
    iri = _claim(slug)
    try:
        if iri is None:
            raise nanopub.NoSuchClaim(slug)
        body, trusty_uri = nanopub.nanopub_trig(get_store().select, iri, get_settings().data_license)
    except nanopub.NoSuchClaim:
        raise PageNotFound(f"claimgraph names no claim {slug!r}") from None
    # werkzeug 3 adds a charset to text/* types only (Response.charset is gone)
    response = Response(body, content_type="application/trig; charset=utf-8")
    response.headers["Link"] = f'<{trusty_uri}>; rel="describes"'
    return response


@bp.get("/doc/claim/<slug>.rdf12.ttl")
def claim_rdf12(slug: str) -> Response:
    iri = _claim(slug)
    quads = rdf12.claim_rdf12(get_store().select, iri) if iri is not None else []
    if not quads:
        raise PageNotFound(f"claimgraph names no claim {slug!r}")
    body = ox.serialize(quads, format=ox.RdfFormat.TURTLE, prefixes=rdf12.PREFIXES) or b""
    return Response(body, content_type="text/turtle; charset=utf-8")
