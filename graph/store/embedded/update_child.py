"""The process that applies one SPARQL Update to a private copy of the store (see store.py).

Kept apart from :mod:`claimgraph.graph.store.embedded.store` so that the child, a process of its
own for each update (:mod:`child`; a server starts it ahead, after the previous update), imports
pyoxigraph, and rdflib's SPARQL parser only to read which subjects the update writes."""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path
from multiprocessing.connection import Connection

import pyoxigraph as ox

from claimgraph.graph.store.embedded.update_subjects import update_subjects


def main(
    conn: Connection,
    path: str,
    text: str,
    base_iri: str | None,
    network: bool = False,
    index: tuple[str, str] | None = None,
) -> None:
    """Apply the update to the copy at ``path`` and close it before answering
    ``("ok", outcome, subjects)``: the subjects the update writes, read from its text beside
    the engine's update (None when the text does not name them all).

    With ``index`` (the previous version's folder, the ASK for sealed claims) and subjects
    known, the copy's search index is written here too, from the previous version's index and
    the rows the update changed: that work then stays off the server worker, whose request
    threads share one GIL. The outcome says so ("indexed:sealed" or "indexed:unsealed")."""
    if not network:  # LOAD and SERVICE cannot fetch anything, whatever reaches the engine
        from claimgraph.graph.store.embedded.nonet import deny_inet_sockets

        deny_inet_sockets()
    # The parse of the text runs while the engine updates (pyoxigraph releases the GIL).
    read: list[set[str] | None] = []
    reader = threading.Thread(target=lambda: read.append(update_subjects(text, base_iri)), name="subjects")
    reader.start()
    try:
        store = ox.Store(path)
        store.update(text, base_iri=base_iri)
        store.flush()
        reader.join()
        subjects = read[0] if read else None
        outcome = ""
        indexing = index is not None and subjects is not None
        if indexing:
            from claimgraph.graph.store.search import index as search_index

            previous, sealed_query = index  # type: ignore[misc]
            change = search_index.index_change(store, sorted(subjects))  # type: ignore[arg-type]
            sealed = bool(store.query(sealed_query))
        del store
        gc.collect()
        if indexing:
            search_index.update_index(Path(previous), None, Path(path), change.replaced, change=change)
            outcome = "indexed:sealed" if sealed else "indexed:unsealed"
        conn.send(("ok", outcome, sorted(subjects) if subjects is not None else None))
    except SyntaxError as exc:
        conn.send(("syntax", str(exc)))
    except Exception as exc:  # engine errors (OSError, ValueError, ...): a message for the client
        conn.send(("error", str(exc)))
    # The answer is sent and the store closed: nothing is left that an orderly interpreter exit
    # would finish, and the writer waits for this exit (it took tens of milliseconds, polled).
    os._exit(0)


def warm() -> None:
    """In a process started ahead for the next update: import the subjects' parser now."""
    from claimgraph.graph.store.embedded.update_subjects import warm as warm_parser

    warm_parser()
