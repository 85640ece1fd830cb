"""``/health``: is the server up and can it answer a query."""

from __future__ import annotations

from flask import Blueprint, jsonify

from claimgraph import __version__
from claimgraph.graph.store import StoreError
from claimgraph.server.state import get_store

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """200 with the version when a trivial query runs; 503 with the reason when it does not."""
    try:
        ok = get_store().ask("ASK {}")
    except StoreError as exc:
        return jsonify(status="unavailable", error=str(exc), version=__version__), 503
    return jsonify(status="ok" if ok else "unavailable", version=__version__)
