"""``GET /dump``: the whole dataset, streamed as N-Quads or TriG from one consistent version.

The dump reads a pinned store version, so writes during a long download neither disturb it nor
mix into it; memory stays flat whatever the size of the store.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, stream_with_context

from claimgraph.graph.store.formats import DUMP_OFFER
from claimgraph.server.protocol.negotiation import negotiate
from claimgraph.server.state import get_store

bp = Blueprint("dump", __name__)


@bp.route("/dump", methods=["GET", "HEAD"])
def dump() -> Response:
    fmt = negotiate(DUMP_OFFER, request.args.getlist("format")[:1]).format
    media_type = fmt.media_type
    store = get_store()
    generation = store.generation() or "current"
    headers = {"Content-Disposition": f'attachment; filename="claimgraph-{generation}.{fmt.extension}"'}
    if request.method == "HEAD":
        return Response(status=200, mimetype=media_type, headers=headers)
    return Response(stream_with_context(store.dump_chunks(media_type)), mimetype=media_type, headers=headers)
