"""``GET /dump``: the whole dataset, streamed as N-Quads or TriG from one consistent version.

The dump reads a pinned store version, so writes during a long download neither disturb it nor
mix into it; memory stays flat whatever the size of the store. The ETag is the store's write
generation (with the format and encoding), ``Last-Modified`` the time that version was
published; a client that accepts gzip gets the stream compressed as it is written.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, stream_with_context

from claimgraph.graph.store.formats import DUMP_OFFER
from claimgraph.server.protocol.caching import finish
from claimgraph.server.protocol.negotiation import negotiate
from claimgraph.server.state import get_store

bp = Blueprint("dump", __name__)


@bp.route("/dump", methods=["GET", "HEAD"])
def dump() -> Response:
    fmt = negotiate(DUMP_OFFER, request.args.getlist("format")[:1]).format
    media_type = fmt.media_type
    store = get_store()
    known = store.generation()
    generation = known or "current"
    headers = {"Content-Disposition": f'attachment; filename="claimgraph-{generation}.{fmt.extension}"'}
    etag = f"{known}-{fmt.extension}" if known else None
    if request.method == "HEAD":
        response = Response(stream_with_context(iter(())), mimetype=media_type, headers=headers)
    else:
        response = Response(stream_with_context(store.dump_chunks(media_type)), mimetype=media_type, headers=headers)
    return finish(response, request, store, etag=etag)
