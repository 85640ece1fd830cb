"""Validators and compression for whole-dataset dumps and resource documents.

A response names the store version it comes from (``ETag``: the store's write generation, or a
hash of the body) and when that version was published (``Last-Modified``), so that a client or
a proxy asks again with ``If-None-Match`` / ``If-Modified-Since`` and gets ``304`` without the
body. Bodies are gzip-compressed for clients that accept it (RDF text compresses about tenfold);
the encoding is part of the ETag and ``Vary`` says so.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone

from flask import Request, Response

from claimgraph.graph.store import Store

#: Smaller bodies are sent as they are: the gzip header would eat most of the gain.
MIN_GZIP_BYTES = 1024


def accepts_gzip(request: Request) -> bool:
    return request.accept_encodings["gzip"] > 0


def gzip_chunks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Compress a stream as it is produced: one gzip member, memory flat."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip header and trailer
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def last_modified(store: Store) -> datetime | None:
    """When the store's current version was published, where the backend knows it."""
    value = store.last_modified()
    return datetime.fromtimestamp(int(value), tz=timezone.utc) if value else None


def finish(
    response: Response, request: Request, store: Store, etag: str | None = None, compress: bool = True
) -> Response:
    """Validators (``etag`` or a hash of the body), ``Last-Modified``, gzip when accepted, and a
    ``304`` for a matching conditional request. A streamed body needs ``etag``."""
    modified = last_modified(store)
    if modified is not None:
        response.last_modified = modified
    gz = compress and accepts_gzip(request)
    if compress:
        response.vary.add("Accept-Encoding")
    if response.is_streamed:
        if etag is not None:
            response.set_etag(etag + ("-gzip" if gz else ""), weak=True)
        if gz:
            response.response = gzip_chunks(response.iter_encoded())
            response.headers["Content-Encoding"] = "gzip"
        response.make_conditional(request)  # in place (it returns the response as werkzeug's type)
        return response
    body = response.get_data()
    if gz and len(body) >= MIN_GZIP_BYTES:
        response.set_data(gzip.compress(body, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    response.add_etag()
    response.make_conditional(request)
    return response
