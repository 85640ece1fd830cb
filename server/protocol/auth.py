"""The update token: every write (SPARQL Update, Graph Store writes) needs ``Authorization: Bearer <token>``.

The comparison is constant-time (``hmac.compare_digest``) so the token cannot be guessed byte by
byte from response times. Answers follow RFC 6750: 401 with ``WWW-Authenticate: Bearer`` when the
token is missing, with ``error="invalid_token"`` when it is wrong; 403 when the server was started
without a token (writes disabled).
"""

from __future__ import annotations

import hmac

from flask import Response, request

from claimgraph.server.errors import text_error
from claimgraph.server.state import get_settings

REALM = 'Bearer realm="claimgraph"'


def check_write_access() -> Response | None:
    """None when the request may write; otherwise the 401/403 response to send."""
    token = get_settings().update_token
    if not token:
        return text_error(403, "writes are disabled on this server (start it with --update-token or CLAIMGRAPH_UPDATE_TOKEN)")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if not header:
        return text_error(401, "this request writes: send 'Authorization: Bearer <token>'", **{"WWW-Authenticate": REALM})
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return text_error(
            401,
            "the update token is not valid",
            **{"WWW-Authenticate": REALM + ', error="invalid_token"'},
        )
    return None


def writer() -> str:
    """Who writes, as far as the server can tell: the token is shared, so the client's address
    and user agent are what distinguishes one writer from another (recorded with each change)."""
    agent = request.headers.get("User-Agent", "no user agent")
    return f"update-token holder at {request.remote_addr or 'unknown address'} ({agent})"
