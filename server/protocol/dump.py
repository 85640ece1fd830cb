"""``GET /dump``: the whole dataset, streamed as N-Quads or TriG from one consistent version.

The dump reads a pinned store version, so writes during a long download neither disturb it nor
mix into it; memory stays flat whatever the size of the store.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, stream_with_context

from claimgraph.server.errors import text_error
from claimgraph.server.state import get_store

bp = Blueprint("dump", __name__)

_TYPES = {"nquads": "application/n-quads", "nq": "application/n-quads", "trig": "application/trig"}
_SUFFIX = {"application/n-quads": "nq", "application/trig": "trig"}


@bp.route("/dump", methods=["GET", "HEAD"])
def dump() -> Response:
    wanted = request.args.get("format")
    if wanted:
        media_type = _TYPES.get(wanted.lower())
        if media_type is None:
            return text_error(400, "format= must be nquads or trig")
    elif request.headers.get("Accept"):
        media_type = request.accept_mimetypes.best_match(list(_SUFFIX))
        if media_type is None:
            return text_error(406, "the dump is offered as: " + ", ".join(_SUFFIX))
    else:
        media_type = "application/n-quads"
    store = get_store()
    generation = getattr(store, "generation", lambda: "")() or "current"
    headers = {"Content-Disposition": f'attachment; filename="claimgraph-{generation}.{_SUFFIX[media_type]}"'}
    if request.method == "HEAD":
        return Response(status=200, mimetype=media_type, headers=headers)
    return Response(stream_with_context(store.dump_chunks(media_type)), mimetype=media_type, headers=headers)
