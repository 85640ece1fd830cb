"""The provenance trail of a claim or article, exported for an auditor's own tools.

``/prov/{kind}/{slug}.{ttl|jsonld}`` is PROV-O (the trail projected onto PROV-O terms using
the ontology's own sub-property and sub-class axioms, ``server/pages/queries/prov-trail.rq``);
``.provn`` and ``.json`` are PROV-N and PROV-JSON, made by the ``prov`` package from that
same PROV-O, so all four say the same thing.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

import pyoxigraph as ox
from flask import Blueprint, Response

from claimgraph.server.pages.queries import load
from claimgraph.graph.store import Store
from claimgraph.ontology import PREFIXES
from werkzeug.exceptions import NotFound

from claimgraph.server.errors import PageNotFound
from claimgraph.server.pages import describe
from claimgraph.server.pages.links import iri_for_path, normalised_base
from claimgraph.server.state import get_settings, get_store

if TYPE_CHECKING:
    import prov.model

bp = Blueprint("provenance", __name__)

EXPORTS: dict[str, str] = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "provn": "text/provenance-notation",
    "json": "application/json",
}


def trail(store: Store, iri: ox.NamedNode) -> list[ox.Quad]:
    """The PROV-O statements of the trail that starts at ``iri`` (default graph only)."""
    quads = {ox.Quad(row["s"], row["p"], row["o"]): None for row in store.select(load("prov-trail"), r=iri)}
    return list(quads)


def namespaces(quads: list[ox.Quad], base: str) -> dict[str, str]:
    """Prefixes for every IRI of the trail: PROV-N and PROV-JSON write qualified names only."""
    found = {"cgid": base + "id/"}
    known = [*PREFIXES.values(), *found.values()]
    for q in quads:
        for term in (q.subject, q.object):
            if isinstance(term, ox.NamedNode) and not any(term.value.startswith(ns) for ns in known):
                cut = max(term.value.rfind("/"), term.value.rfind("#")) + 1
                namespace = term.value[:cut]
                found[f"ns{len(found)}"] = namespace
                known.append(namespace)
    return found


def to_prov_document(quads: list[ox.Quad], base: str) -> "prov.model.ProvDocument":
    """Read the PROV-O trail with the ``prov`` package (for PROV-N and PROV-JSON)."""
    import prov  # on first use: it brings rdflib, which a worker serving queries never needs

    turtle = describe.serialize(quads, "text/turtle", namespaces(quads, base))
    with warnings.catch_warnings():
        # prov warns about types it has no PROV-N record for (prov:Role); they stay in PROV-O
        warnings.simplefilter("ignore", UserWarning)
        doc = prov.read(io.BytesIO(turtle), format="rdf", rdf_format="turtle")
    if doc is None:
        raise ValueError("the prov package read no document from the trail")
    return doc


@bp.get("/prov/<path:rest>")
def export(rest: str) -> Response:
    stem, dot, ext = rest.rpartition(".")
    if not dot or ext not in EXPORTS:
        raise NotFound("provenance exports end in " + ", ".join("." + e for e in EXPORTS))
    iri = iri_for_path(stem, get_settings().base_iri)
    store = get_store()
    if iri is None or not describe.exists(store, iri):
        raise PageNotFound(f"claimgraph names no resource <{iri.value if iri else stem}>")
    quads = trail(store, iri)
    if ext in ("ttl", "jsonld"):
        # with a prefix for every namespace, so that the prov package can read it back too
        body = describe.serialize(quads, EXPORTS[ext], namespaces(quads, normalised_base(get_settings().base_iri)))
    elif ext == "provn":
        body = to_prov_document(quads, normalised_base(get_settings().base_iri)).get_provn().encode("utf-8")
    else:
        body = (
            to_prov_document(quads, normalised_base(get_settings().base_iri)).serialize(format="json") or ""
        ).encode("utf-8")
    return Response(body, mimetype=EXPORTS[ext])  # text/* types get "; charset=utf-8" from werkzeug
