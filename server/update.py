"""Running a SPARQL update once the protocol layer (``sparql.py``) has validated the request."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response

from claimgraph.graph.store import StoreError, UpdateRequest
from claimgraph.graph.store.guard import check_update
from claimgraph.server.auth import check_write_access
from claimgraph.server.errors import store_error_response
from claimgraph.server.state import get_settings, get_store

def run_update(
    text: str,
    using_graph_uris: Sequence[str] = (),
    using_named_graph_uris: Sequence[str] = (),
    base_iri: str | None = None,
) -> Response:
    """Check the token, run the update atomically, answer 204 (or the error).

    The token is checked first, so an unauthorised client learns nothing about its update."""
    denied = check_write_access()
    if denied is not None:
        return denied
    settings = get_settings()
    try:
        # Depth limits, and LOAD / SERVICE refused unless allowed (they fetch client-chosen URLs).
        check_update(text, allow_load=settings.allow_load, allow_service=settings.allow_service)
        get_store().update(
            UpdateRequest(
                update=text,
                using_graph_uris=using_graph_uris,
                using_named_graph_uris=using_named_graph_uris,
                base_iri=base_iri,
            )
        )
    except StoreError as exc:
        return store_error_response(exc)
    return Response(status=204)
