"""The process that applies one SPARQL Update to a private copy of the store (see store.py).

Kept apart from :mod:`claimgraph.graph.store.embedded.store` so that the child, started fresh
for each update (:mod:`child`), imports pyoxigraph and little else."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from multiprocessing.connection import Connection

import pyoxigraph as ox


def main(
    conn: Connection,
    path: str,
    text: str,
    base_iri: str | None,
    network: bool = False,
    index: tuple[str, list[str], str] | None = None,
) -> None:
    """Apply the update to the copy at ``path`` and close it before answering.

    With ``index`` (the previous version's folder, the subjects the update writes, the ASK for
    sealed claims), the copy's search index is written here too, from the previous version's
    index and the rows the update changed: that work then stays off the server worker, whose
    request threads share one GIL. The answer says so ("indexed:sealed" or "indexed:unsealed")."""
    if not network:  # LOAD and SERVICE cannot fetch anything, whatever reaches the engine
        from claimgraph.graph.store.embedded.nonet import deny_inet_sockets

        deny_inet_sockets()
    try:
        store = ox.Store(path)
        store.update(text, base_iri=base_iri)
        store.flush()
        outcome = ""
        if index is not None:
            from claimgraph.graph.store.search import index as search_index

            previous, touched, sealed_query = index
            change = search_index.index_change(store, touched)
            sealed = bool(store.query(sealed_query))
        del store
        gc.collect()
        if index is not None:
            search_index.update_index(Path(previous), None, Path(path), change.replaced, change=change)
            outcome = "indexed:sealed" if sealed else "indexed:unsealed"
        conn.send(("ok", outcome))
    except SyntaxError as exc:
        conn.send(("syntax", str(exc)))
    except Exception as exc:  # engine errors (OSError, ValueError, ...): a message for the client
        conn.send(("error", str(exc)))
    # The answer is sent and the store closed: nothing is left that an orderly interpreter exit
    # would finish, and the writer waits for this exit (it took tens of milliseconds, polled).
    os._exit(0)
