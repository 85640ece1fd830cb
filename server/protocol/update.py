"""Running a SPARQL update once the protocol layer (``sparql.py``) has validated the request."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response, request
from werkzeug.exceptions import BadRequest

from claimgraph.graph.store import QueryRejected, UpdateRequest
from claimgraph.graph.store.sparqltext.guard import check_update
from claimgraph.graph.store.changes import write_origin
from claimgraph.server.protocol.auth import check_write_access, writer
from claimgraph.server.protocol.body import client_gone
from claimgraph.server.state import get_settings, get_store


def run_update(
    text: str,
    using_graph_uris: Sequence[str] = (),
    using_named_graph_uris: Sequence[str] = (),
    base_iri: str | None = None,
) -> Response:
    """Check the token and the text, run the update atomically, answer 204 (errors raise).

    The token is checked first, so an unauthorised client learns nothing about its update."""
    check_write_access()
    settings = get_settings()
    # Depth limits, and LOAD / SERVICE refused unless allowed (they fetch client-chosen URLs).
    shape = check_update(
        text, allow_load=settings.allow_load, allow_service=settings.allow_service, limits=settings.limits()
    )
    if (using_graph_uris or using_named_graph_uris) and shape.names_dataset:
        raise QueryRejected(
            "using-graph-uri / using-named-graph-uri cannot be combined with USING, "
            "USING NAMED or WITH in the update text (SPARQL 1.1 Protocol, 2.2.3)"
        )
    if client_gone():
        raise BadRequest("the client closed the connection before the update ran; nothing was written")
    with write_origin(writer(), request.base_url):  # recorded if it changes a built claim
        get_store().update(
            UpdateRequest(
                update=text,
                using_graph_uris=using_graph_uris,
                using_named_graph_uris=using_named_graph_uris,
                base_iri=base_iri,
            )
        )
    return Response(status=204)
