"""Writes keep the record honest: a write that changes a built claim's bundle is recorded.

The embedded store calls :func:`recorder` around each SPARQL Update and Graph Store write
(inside its write lock, on the private copy it is about to publish). Before the write it takes
a fingerprint of every claim's bundle (the bundle is ``graph/build/queries/bundle.rq``, the
same definition the build hashed); after it, every claim whose fingerprint changed is named in
a ``cg:ChangeAfterBuild`` with who wrote, when and through which endpoint, in the named graph
``{base}id/graph/changes-after-build``: never in a bundle, so ``claimgraph verify`` can tell a
recorded change from tampering. Who and which endpoint come from :func:`write_origin`, which the
server's write views set; writes from this process without one are recorded as local.

Cost: two reads of every bundle per write (about a second per 100 000 bundle quads); stores
without sealed claims (no ``cg:bundleHash``) skip it.
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

import pyoxigraph as ox

from claimgraph.graph.build import bundles
from claimgraph.graph.build.queries import load

CG = bundles.CG
PROV = bundles.PROV
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
CHANGES_GRAPH = "id/graph/changes-after-build"


@dataclass(frozen=True)
class Origin:
    """Who writes, and through which endpoint (a URL, or a command for local writes)."""

    who: str
    endpoint: str


_ORIGIN: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("claimgraph_write_origin", default=None)


@contextlib.contextmanager
def write_origin(who: str, endpoint: str) -> Iterator[None]:
    """Attribute the writes made inside the block (the server sets it per request)."""
    token = _ORIGIN.set(Origin(who, endpoint))
    try:
        yield
    finally:
        _ORIGIN.reset(token)


def current_origin() -> Origin:
    found = _ORIGIN.get()
    if found is not None:
        return found
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment
        user = "unknown"
    return Origin(f"local user {user} (process {os.getpid()})", "claimgraph library call (no HTTP endpoint)")


def fingerprints(store: ox.Store) -> dict[str, str] | None:
    """A cheap digest of every sealed store's claim bundles (None: no sealed claims, nothing to
    watch). Not canonical: it only has to tell a bundle from its own earlier state."""
    if not store.query(load("has-sealed-claims")):
        return None
    out: dict[str, list[str]] = {}
    for claim, quads in bundles.bundles(bundles.store_select(store)).items():
        out[claim] = sorted(str(q) for q in quads)
    return {c: hashlib.sha256("\n".join(lines).encode()).hexdigest() for c, lines in out.items()}


def record(store: ox.Store, before: dict[str, str] | None, origin: Origin | None = None) -> list[str]:
    """Compare ``store`` (after a write) with ``before`` and record the claims that changed."""
    if before is None:
        return []
    after = fingerprints(store) or {}
    changed = sorted(c for c in before.keys() | after.keys() if before.get(c) != after.get(c))
    if not changed:
        return []
    origin = origin or current_origin()
    base = changed[0].split("id/claim/", 1)[0] if "id/claim/" in changed[0] else changed[0].rsplit("/", 1)[0] + "/"
    graph = ox.NamedNode(base + CHANGES_GRAPH)
    change = ox.NamedNode(f"{base}id/change/{uuid.uuid4().hex}")
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    quads = [
        ox.Quad(change, RDF_TYPE, ox.NamedNode(CG + "ChangeAfterBuild"), graph),
        ox.Quad(change, ox.NamedNode(PROV + "endedAtTime"), ox.Literal(now, datatype=XSD_DATETIME), graph),
        ox.Quad(change, ox.NamedNode(CG + "changedBy"), ox.Literal(origin.who), graph),
        ox.Quad(change, ox.NamedNode(CG + "throughEndpoint"), ox.Literal(origin.endpoint), graph),
    ]
    quads += [ox.Quad(change, ox.NamedNode(CG + "changedClaim"), ox.NamedNode(c), graph) for c in changed]
    store.extend(quads)
    return changed
