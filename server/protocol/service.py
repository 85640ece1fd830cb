"""The views of the Service Description (``GET /sparql`` without a query) and of the VoID
description (``/.well-known/void``).

The descriptions are rdflib graphs (:mod:`claimgraph.server.protocol.description`), imported
on the first request for one, not at a worker's start: rdflib is about 17 MiB per worker that
a worker serving only queries never needs.
"""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("service", __name__)


def service_description() -> Response:
    """``GET /sparql`` without a query."""
    from claimgraph.server.protocol import description

    return description.service_description()


@bp.get("/.well-known/void")
def void() -> Response:
    """The VoID description of the dataset."""
    from claimgraph.server.protocol import description

    return description.void()
