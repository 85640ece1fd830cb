"""The process that applies one SPARQL Update to a private copy of the store (see store.py).

Kept apart from :mod:`claimgraph.graph.store.embedded.store` so that the child, started fresh
for each update (:mod:`child`), imports pyoxigraph and little else."""

from __future__ import annotations

import gc
import os
from multiprocessing.connection import Connection

import pyoxigraph as ox


def main(conn: Connection, path: str, text: str, base_iri: str | None, network: bool = False) -> None:
    """Apply the update to the copy at ``path`` and close it before answering."""
    if not network:  # LOAD and SERVICE cannot fetch anything, whatever reaches the engine
        from claimgraph.graph.store.embedded.nonet import deny_inet_sockets

        deny_inet_sockets()
    try:
        store = ox.Store(path)
        store.update(text, base_iri=base_iri)
        store.flush()
        del store
        gc.collect()
        conn.send(("ok", ""))
    except SyntaxError as exc:
        conn.send(("syntax", str(exc)))
    except Exception as exc:  # engine errors (OSError, ValueError, ...): a message for the client
        conn.send(("error", str(exc)))
    # The answer is sent and the store closed: nothing is left that an orderly interpreter exit
    # would finish, and the writer waits for this exit (it took tens of milliseconds, polled).
    os._exit(0)
