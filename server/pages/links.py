"""Where a resource lives on this server: IRIs <-> request paths.

Data IRIs are ``{base}id/{kind}/{slug}`` (slash IRIs, answered with 303 See Other); the
base comes from the settings, so the same paths work on any host: ``/id/claim/x`` on this
server stands for ``{base}id/claim/x`` whatever the base is.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox

from claimgraph.ontology import ONTOLOGY_IRI, PREFIXES

# Characters kept as they are when a request path is turned back into an IRI (RFC 3987
# sub-delims, ':' '@' '/' and unreserved); everything else is percent-encoded, so a path can
# never produce an IRI with '>', '"', '{', '}', spaces or other characters IRIs forbid.
_SAFE = "/:@!$&'()*+,;=-._~"


def normalised_base(base: str) -> str:
    return base if base.endswith(("/", "#")) else base + "/"


def iri_for_path(rest: str, base: str) -> ox.NamedNode | None:
    """The IRI ``{base}id/{rest}`` for the request path ``/id/{rest}``, or None if invalid."""
    if not rest or rest.startswith("/"):
        return None
    try:
        return ox.NamedNode(normalised_base(base) + "id/" + quote(rest, safe=_SAFE))
    except ValueError:
        return None


def path_for_iri(iri: str, base: str) -> str | None:
    """The local path of an IRI this server answers for (``/id/...``, ``/ontology#...``)."""
    prefix = normalised_base(base) + "id/"
    if iri.startswith(prefix) and len(iri) > len(prefix):
        return "/id/" + iri[len(prefix) :]
    if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#"):
        return "/ontology" + iri[len(ONTOLOGY_IRI) :]
    return None


def href(iri: str, base: str) -> str:
    """Where a link to ``iri`` should point: the local path if it is ours, the IRI otherwise."""
    return path_for_iri(iri, base) or iri


def curie(iri: str) -> str:
    """``cg:Claim`` for a vocabulary IRI, the IRI itself when no prefix fits."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri
