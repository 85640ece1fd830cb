"""Request bodies read whole and exactly before any view sees them: all or nothing.

gunicorn hands the application ``wsgi.input`` with ``wsgi.input_terminated`` set, so werkzeug
trusts it and does not count bytes; and gunicorn's reader returns *fewer* bytes, silently, when
the client disconnects before its ``Content-Length`` was sent. A Graph Store PUT cut short
after 49 of 1 000 promised bytes then replaced a graph with what had arrived. Malformed chunked
framing (a bad or negative chunk size, an over-long chunk extension, a missing terminator)
raises gunicorn's parser errors out of ``wsgi.input.read`` instead, which became 500s.

Here every request that carries a body is read completely first, with its length checked
against ``Content-Length``, and the views get an in-memory copy: a short, cut or malformed body
is a 400 before anything is parsed or written, and the connection is closed (its framing can
no longer be trusted). A body over the server's upload limit is a 413 without being read.

``Content-Type`` charsets are checked here too: RDF and SPARQL bodies are UTF-8, so another
declared charset is refused (415) rather than silently reading the bytes as UTF-8.
"""

from __future__ import annotations

from typing import Any

import functools
import io
import select
import socket
from collections.abc import Callable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_options_header

from claimgraph.server.state import get_settings

#: How much is read from the client at a time.
_CHUNK = 64 * 1024

#: Charsets that are UTF-8, or a subset of it whose bytes UTF-8 reads the same.
_UTF8 = {"utf8", "utf-8"}
_ASCII = {"us-ascii", "ascii", "usascii", "ansi_x3.4-1968"}

#: Media types whose bodies are text in UTF-8 by their specification.
_TEXT_BODIES = (
    "text/turtle",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "text/n3",
    "application/ld+json",
    "application/rdf+xml",
    "application/sparql-query",
    "application/sparql-update",
    "application/x-www-form-urlencoded",
)


class BodyRefused(HTTPException):
    """A request body that cannot be taken (400, 413 or 415): the error handler answers it as
    plain text and closes the connection (its framing can no longer be trusted)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message + "; nothing was written")
        self.code = status
        self.message = message

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [*super().get_headers(environ, scope), ("Connection", "close")]


def _declared_length(environ: dict[str, Any]) -> int | None:
    raw = environ.get("CONTENT_LENGTH") or ""
    if raw == "":
        return None
    if not raw.isdigit():  # gunicorn refuses these first; another server may not
        raise BodyRefused(400, f"Content-Length must be a number of bytes, not {raw[:40]!r}")
    return int(raw)


def _chunked(environ: dict[str, Any]) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def read_whole_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request body, all of it, or :class:`BodyRefused`.

    Reads at most ``limit`` + 1 bytes; a body declared or found larger is a 413."""
    length = _declared_length(environ)
    chunked = _chunked(environ)
    if length is not None and chunked:
        raise BodyRefused(400, "the request has both Content-Length and Transfer-Encoding: chunked")
    if length is not None and length > limit:
        raise BodyRefused(413, f"the request body ({length} bytes) is larger than the limit of {limit} bytes")
    if length is None and not chunked:
        return b""
    stream = environ["wsgi.input"]
    want = length if length is not None else limit + 1
    parts: list[bytes] = []
    got = 0
    try:
        while got < want:
            data = stream.read(min(_CHUNK, want - got))
            if not data:
                break
            parts.append(data)
            got += len(data)
    except (OSError, ValueError) as exc:
        raise BodyRefused(400, f"the request body could not be read ({_describe(exc)})") from None
    except Exception as exc:  # gunicorn's parser errors (bad chunk size, no terminator, ...)
        raise BodyRefused(400, f"the request body is malformed ({_describe(exc)})") from None
    if length is not None and got < length:
        raise BodyRefused(400, f"the request body ended after {got} of the {length} bytes its Content-Length announced")
    if got > limit:
        raise BodyRefused(413, f"the request body is larger than the limit of {limit} bytes")
    return b"".join(parts)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


def reads_as_utf8(charset: str | None) -> bool:
    """Whether a body declared with this ``charset`` parameter is read as UTF-8: none, UTF-8, or
    US-ASCII (its bytes read the same; every reader still checks them as UTF-8)."""
    charset = (charset or "").strip().lower()
    return not charset or charset in _UTF8 or charset in _ASCII


def check_charset(mimetype: str, charset: str | None) -> None:
    """Refuse a declared charset that RDF and SPARQL bodies cannot have (``mimetype`` and its
    ``charset`` parameter as the request's ``Content-Type`` gives them)."""
    if mimetype not in _TEXT_BODIES:
        return
    if reads_as_utf8(charset):
        return
    raise BodyRefused(
        415,
        f"{mimetype} is read as UTF-8, but the request declares charset={charset}; "
        "send the body in UTF-8 (and declare charset=utf-8 or no charset)",
    )


def _closed_by_peer(sock: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        # Readable with nothing to read is the end of the stream: the client hung up.
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except (OSError, ValueError):
        return True


def client_gone() -> bool:
    """True when this request's client has closed its connection (gunicorn only).

    Checked just before a write is committed: a write whose client gave up (after a slow
    upload check, say) is not committed."""
    check = client_gone_check()
    return check is not None and check()


def client_gone_check(environ: dict[str, Any] | None = None) -> Callable[[], bool] | None:
    """:func:`client_gone` bound to this request's socket (``environ``: the request's WSGI
    environment, by default the current request's), callable outside the request context (a
    query's executor polls it to stop work for a client that hung up); None outside gunicorn."""
    sock = (request.environ if environ is None else environ).get("gunicorn.socket")
    return None if sock is None else functools.partial(_closed_by_peer, sock)


def take_whole_body() -> Response | None:
    """before_request: replace ``wsgi.input`` with the whole body, checked, in memory."""
    take_body(request.environ, _limit)
    return None


@functools.lru_cache(maxsize=256)
def content_type(header: str) -> tuple[str, str | None]:
    """The media type (lower case) and ``charset`` parameter of a ``Content-Type`` header, as
    werkzeug's ``request.mimetype`` and ``mimetype_params`` give them (memoised: clients send
    the same few)."""
    mimetype, params = parse_options_header(header)
    return mimetype.lower(), params.get("charset")


def take_body(environ: dict[str, Any], limit: Callable[[], int]) -> None:
    """Replace ``wsgi.input`` with the whole body, checked, in memory (at most ``limit()``
    bytes), once per request; raises :class:`BodyRefused`. Needs no request context: the lean
    path for queries (:mod:`claimgraph.server.protocol.lean`) calls it too."""
    if environ.get("claimgraph.body_taken"):
        return
    environ["claimgraph.body_taken"] = True
    if not environ.get("CONTENT_LENGTH") and "HTTP_TRANSFER_ENCODING" not in environ:
        return  # no body (most GETs): nothing to read or replace
    if environ.get("REQUEST_METHOD", "GET").upper() in ("POST", "PUT", "PATCH"):  # as request.method
        check_charset(*content_type(environ.get("CONTENT_TYPE", "")))
    data = read_whole_body(environ, limit())
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = False


def _limit() -> int:
    """The most a body may have: the larger of the upload limit and Flask's own."""
    return max(get_settings().max_upload_bytes, _app_limit())


def _app_limit() -> int:
    from flask import current_app

    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)


def init_app(app: Flask, before: Callable[[], Response | None] = take_whole_body) -> None:
    """Read every body whole before the views run (registered first among the hooks)."""
    app.before_request_funcs.setdefault(None, []).insert(0, before)
