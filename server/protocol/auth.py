"""The update token: every write (SPARQL Update, Graph Store writes) needs ``Authorization: Bearer <token>``.

The comparison is constant-time (``hmac.compare_digest``) so the token cannot be guessed byte by
byte from response times. Answers follow RFC 6750: 401 with ``WWW-Authenticate: Bearer`` when the
token is missing, with ``error="invalid_token"`` when it is wrong; 403 when the server was started
without a token (writes disabled).
"""

from __future__ import annotations

from typing import Any

import hmac

from flask import request
from werkzeug.exceptions import Forbidden, Unauthorized

from claimgraph.server.state import get_settings

REALM = 'Bearer realm="claimgraph"'


class TokenRequired(Unauthorized):
    """401 with the RFC 6750 challenge written as it is (werkzeug would re-quote it)."""

    def __init__(self, description: str, challenge: str) -> None:
        super().__init__(description)
        self.challenge = challenge

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", self.challenge)]


def check_write_access() -> None:
    """Return when the request may write; otherwise raise the 401/403 to send."""
    token = get_settings().update_token
    if not token:
        raise Forbidden("writes are disabled on this server (start it with --update-token or CLAIMGRAPH_UPDATE_TOKEN)")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if not header:
        raise TokenRequired("this request writes: send 'Authorization: Bearer <token>'", REALM)
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise TokenRequired("the update token is not valid", REALM + ', error="invalid_token"')


def writer() -> str:
    """Who writes, as far as the server can tell: the token is shared, so the client's address
    and user agent are what distinguishes one writer from another (recorded with each change)."""
    agent = request.headers.get("User-Agent", "no user agent")
    return f"update-token holder at {request.remote_addr or 'unknown address'} ({agent})"
