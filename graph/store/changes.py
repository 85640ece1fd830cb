"""Writes keep the record honest: a write that changes a built claim's bundle is recorded.

The embedded store calls :func:`record` for each SPARQL Update and Graph Store write, inside
its write lock, with the version before the write and the private copy it is about to publish.
The two versions are dumped as N-Quads by the engine and compared line by line; each changed
quad names the claims whose bundle it belongs to (``bundle-members.rq`` for the default graph,
``proposition-claims.rq`` for a proposition's graph: the same shape as ``bundle.rq``, the
definition the build hashed). Those claims are named in a ``cg:ChangeAfterBuild`` with who
wrote, when and through which endpoint, in the named graph
``{base}id/graph/changes-after-build``: never in a bundle, so ``claimgraph verify`` can tell a
recorded change from tampering. Who and which endpoint come from :func:`write_origin`, which
the server's write views set; writes from this process without one are recorded as local.

Cost: two N-Quads dumps of the store per write, or of the one graph a Graph Store write
addresses (docs/verify.md has figures); stores without sealed claims (no ``cg:bundleHash``)
skip it.
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
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
#: Statements that are not part of a bundle (bundle.rq leaves them out).
IGNORED = {CG + "bundleHash", CG + "hashAlgorithm"}


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


#: The ASK of :func:`is_sealed` (also sent to the update child, which does not import this module).
SEALED_QUERY = load("has-sealed-claims")


def is_sealed(store: ox.Store) -> bool:
    """Does the store hold claims sealed by a build (only then are writes watched)?"""
    return bool(store.query(SEALED_QUERY))


def _lines(store: ox.Store, graph: ox.NamedNode | None) -> set[bytes]:
    if graph is None:
        return set((store.dump(format=ox.RdfFormat.N_QUADS) or b"").splitlines())  # None only with output=
    if not store.contains_named_graph(graph):
        return set()
    label = f" {graph} .".encode()  # one graph's triples, written as quads of that graph
    nquads = store.dump(format=ox.RdfFormat.N_QUADS, from_graph=graph) or b""
    return {line[:-2] + label for line in nquads.splitlines()}


def _touched(stores: tuple[ox.Store, ...], changed: list[ox.Quad]) -> set[str]:
    """The claims whose bundle, before or after, holds one of the changed quads."""
    subjects = {
        q.subject
        for q in changed
        if isinstance(q.graph_name, ox.DefaultGraph)
        and q.predicate.value not in IGNORED
        and not isinstance(q.subject, ox.Triple)
    }
    graphs = {q.graph_name for q in changed if not isinstance(q.graph_name, ox.DefaultGraph)}
    claims: set[str] = set()
    for store in stores:
        select = bundles.store_select(store)
        for x in subjects:
            claims |= {row["claim"].value for row in select(load("bundle-members"), x=x)}
        for g in graphs:
            claims |= {row["claim"].value for row in select(load("proposition-claims"), g=g)}
    return claims


def record(
    before: ox.Store, after: ox.Store, origin: Origin | None = None, graph: ox.NamedNode | None = None
) -> list[str]:
    """Compare the version ``before`` a write with the copy ``after`` it (about to be
    published) and record, in ``after``, the claims whose bundles changed. A write known to
    touch only the named ``graph`` (a Graph Store write to it) compares that graph alone."""
    old, new = _lines(before, graph), _lines(after, graph)
    diff = b"\n".join(old ^ new)
    if not diff:
        return []
    changed = list(ox.parse(diff + b"\n", format=ox.RdfFormat.N_QUADS))
    claims = sorted(_touched((before, after), changed))
    if not claims:
        return []
    origin = origin or current_origin()
    first = claims[0]
    base = first.split("id/claim/", 1)[0] if "id/claim/" in first else first.rsplit("/", 1)[0] + "/"
    graph = ox.NamedNode(base + CHANGES_GRAPH)
    change = ox.NamedNode(f"{base}id/change/{uuid.uuid4().hex}")
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    quads = [
        ox.Quad(change, RDF_TYPE, ox.NamedNode(CG + "ChangeAfterBuild"), graph),
        ox.Quad(change, ox.NamedNode(PROV + "endedAtTime"), ox.Literal(now, datatype=XSD_DATETIME), graph),
        ox.Quad(change, ox.NamedNode(CG + "changedBy"), ox.Literal(origin.who), graph),
        ox.Quad(change, ox.NamedNode(CG + "throughEndpoint"), ox.Literal(origin.endpoint), graph),
    ]
    quads += [ox.Quad(change, ox.NamedNode(CG + "changedClaim"), ox.NamedNode(c), graph) for c in claims]
    after.extend(quads)
    return claims
