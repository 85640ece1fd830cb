"""``/search?q=``: full-text search over claims, as an HTML page or as JSON.

The same index and search language as ``claimgraph search`` and the SPARQL search service
(see docs/search.md). HTML for browsers, JSON for ``Accept: application/json`` or
``?format=json``. A search that cannot be read gets 400 with the reason; the query time limit
applies; an external store (``--store-url``) answers 501 (it has no index).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from claimgraph.graph.store import SearchUnavailable, StoreError
from claimgraph.graph.store.search.index import MAX_HITS
from claimgraph.server.errors import http_error_for
from claimgraph.server.pages.links import normalised_base
from claimgraph.server.pages.views import Labels, Viewer
from claimgraph.server.state import get_settings, get_store

bp = Blueprint("search", __name__)

#: Hits on one HTML page unless ``limit`` says otherwise.
PAGE_HITS = 20


def _wants_json() -> bool:
    fmt = request.args.get("format", "").lower()
    if fmt:
        return fmt == "json"
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _limit() -> int:
    raw = request.args.get("limit", "")
    if not raw:
        return PAGE_HITS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_HITS:
        raise ValueError(f"limit must be a whole number from 1 to {MAX_HITS}")
    return int(raw)


def _json_error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


@bp.get("/search")
def search() -> Response | str | tuple[str, int]:
    as_json = _wants_json()
    q = request.args.get("q", "")
    v = Viewer(normalised_base(get_settings().base_iri), Labels())
    try:
        limit = _limit()
    except ValueError as exc:
        return (
            _json_error(400, str(exc)) if as_json else (render_template("search.html", q=q, error=str(exc), v=v), 400)
        )
    if not q.strip():
        if as_json:
            return _json_error(400, "give the search as q=..., e.g. /search?q=Starlink")
        return render_template("search.html", q=q, hits=None, v=v)
    try:
        hits = get_store().search(q, limit)
    except StoreError as exc:
        http = http_error_for(exc)
        status = http.code or 500
        if as_json:
            return _json_error(status, str(exc))
        if isinstance(exc, SearchUnavailable) or status == 400:
            return render_template("search.html", q=q, error=str(exc), v=v), status
        raise http from None
    if as_json:
        return jsonify({"q": q, "limit": limit, "hits": [h.as_json() for h in hits]})
    return render_template("search.html", q=q, hits=hits, limit=limit, v=v)
