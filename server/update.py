"""Running a SPARQL update once the protocol layer (``sparql.py``) has validated the request."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response

from claimgraph.graph.store import QueryRejected, StoreError, UpdateRequest
from claimgraph.server.auth import check_write_access
from claimgraph.server.errors import store_error_response
from claimgraph.server.state import get_settings, get_store

try:  # the endpoint's guard (depth limits, LOAD and SERVICE refusal)
    from claimgraph.graph.store.guard import check_update as _check_update
except ImportError:  # pragma: no cover - until graph/store/guard.py is merged
    _check_update = None


def _refuse_load(text: str, allow_load: bool) -> None:
    """Minimal stand-in for guard.check_update: LOAD would make the server fetch any URL."""
    from claimgraph.graph.store.using import _tokens

    if not allow_load and any(kind == "name" and word == "LOAD" for kind, word, _, _ in _tokens(text)):
        raise QueryRejected("LOAD is disabled on this server: upload the data with the Graph Store Protocol (/store) instead")


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
    allow_load = bool(getattr(settings, "allow_load", False))
    try:
        if _check_update is not None:
            _check_update(text, allow_load=allow_load, allow_service=settings.allow_service)
        else:
            _refuse_load(text, allow_load)
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
