"""The update token: every write needs ``Authorization: Bearer <token>``."""

from __future__ import annotations

import hmac

from flask import Response, request

from claimgraph.server.errors import text_error
from claimgraph.server.state import get_settings


def check_write_access() -> Response | None:
    """None when the request may write; otherwise the 401/403 response to send."""
    token = get_settings().update_token
    if not token:
        return text_error(403, "updates are disabled on this server (start it with --update-token)")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return text_error(401, "a valid update token is required", **{"WWW-Authenticate": 'Bearer realm="claimgraph"'})
    return None
