"""``/sparql``: the SPARQL 1.1 Protocol for queries and updates."""

from __future__ import annotations

from flask import Blueprint, Response, request, stream_with_context

from claimgraph.graph.store import QueryRequest, StoreError
from claimgraph.graph.store.formats import FORMAT_ALIASES, RESULT_TYPES
from claimgraph.server.errors import store_error_response, text_error
from claimgraph.server.state import get_store
from claimgraph.server.update import run_update

bp = Blueprint("sparql", __name__)


def _params() -> tuple[str | None, str | None]:
    """(query, update) from the URL, a form body or a direct body."""
    if request.method == "GET":
        return request.args.get("query"), None
    ctype = request.mimetype
    if ctype == "application/x-www-form-urlencoded":
        return request.form.get("query"), request.form.get("update")
    if ctype == "application/sparql-query":
        return request.get_data(as_text=True), None
    if ctype == "application/sparql-update":
        return None, request.get_data(as_text=True)
    return None, None


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query, update = _params()
    if query is not None:
        return _query(query)
    if update is not None:
        return _update(update)
    return text_error(400, "no query given: send ?query=... or POST a query or update")


def _query(text: str) -> Response:
    store = get_store()
    try:
        prepared = store.prepare(
            QueryRequest(
                query=text,
                default_graph_uris=request.values.getlist("default-graph-uri"),
                named_graph_uris=request.values.getlist("named-graph-uri"),
            )
        )
    except StoreError as exc:
        return store_error_response(exc)
    offered = RESULT_TYPES[prepared.form]
    wanted = request.args.get("format")
    media_type = FORMAT_ALIASES.get(wanted, wanted) if wanted else request.accept_mimetypes.best_match(offered, offered[0])
    if media_type not in offered:
        prepared.close()
        return text_error(406, "none of the requested types is offered; offered: " + ", ".join(offered))
    chunks = prepared.stream(media_type)
    try:
        first = next(chunks, b"")  # errors before the first byte still get a proper status
    except StoreError as exc:
        prepared.close()
        return store_error_response(exc)

    def body():
        try:
            yield first
            yield from chunks
        finally:
            prepared.close()

    return Response(stream_with_context(body()), mimetype=media_type)


def _update(text: str) -> Response:
    return run_update(
        text,
        using_graph_uris=request.values.getlist("using-graph-uri"),
        using_named_graph_uris=request.values.getlist("using-named-graph-uri"),
    )
