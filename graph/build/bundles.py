"""Canonical hashes of claim bundles and of the whole dataset: what lets an auditor check that a
served claim is the one that was built.

A claim's *bundle* is the set of quads ``queries/bundle.rq`` selects for it (its description,
attribution, reporting steps, spans and its proposition's named graph). Its hash is the SHA-256
of the bundle's RDFC-1.0 canonical N-Quads (W3C RDF Dataset Canonicalization, computed by
pyoxigraph), written as 64 lowercase hex digits in ``cg:bundleHash`` with ``cg:hashAlgorithm
cg:rdfc10sha256``. The dataset hash on the build run is the same function over every quad the
build wrote, less the seal itself (``cg:datasetHash``, the signature) and the graphs that
record later writes.

Everything here reads through a :data:`Select` (query text and bound values in, rows of
pyoxigraph terms out), so the same code hashes an in-memory build, an on-disk store and a
remote endpoint spoken to over plain SPARQL. Ingest paths that write one article at a time
call :func:`reseal`: the claims they wrote get bundle hashes, the dataset hash of an earlier
build is dropped (re-hashing the whole dataset would cost in proportion to the store, not to
the write), and each article's ingest record states the content hash of its quads instead.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from claimgraph.graph.build.queries import load

CG = "https://w3id.org/claimgraph/ontology#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
BUNDLE_HASH = ox.NamedNode(CG + "bundleHash")
DATASET_HASH = ox.NamedNode(CG + "datasetHash")
HASH_ALGORITHM = ox.NamedNode(CG + "hashAlgorithm")
#: RDFC-1.0 canonical N-Quads, hashed with SHA-256 (hex): the only algorithm so far.
RDFC10_SHA256 = ox.NamedNode(CG + "rdfc10sha256")
SIGNATURE = ox.NamedNode(CG + "signature")
PUBLIC_KEY = ox.NamedNode(CG + "publicKey")
SIGNATURE_ALGORITHM = ox.NamedNode(CG + "signatureAlgorithm")
ED25519 = ox.NamedNode(CG + "ed25519")

Term = ox.NamedNode | ox.BlankNode | ox.Literal
#: What a query may bind a variable to (pyoxigraph's ``substitutions``).
Bound = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
#: Runs a SELECT (or ASK) with bound values; rows map variable names to pyoxigraph terms.
Select = Callable[..., list[dict[str, Term]]]


def store_select(store: ox.Store) -> Select:
    """A :data:`Select` over a pyoxigraph store in this process (a build, a writer's copy)."""

    def select(query: str, **bindings: Term) -> list[dict[str, Term]]:
        result = store.query(query, substitutions={ox.Variable(k): v for k, v in bindings.items()})
        if isinstance(result, ox.QueryBoolean):
            return [{"ask": ox.Literal(str(bool(result)).lower(), datatype=ox.NamedNode(XSD + "boolean"))}]
        if isinstance(result, ox.QueryTriples):
            raise TypeError("a Select runs SELECT and ASK queries, not CONSTRUCT or DESCRIBE")
        names = [v.value for v in result.variables]
        return [{n: v for n, v in zip(names, row) if v is not None} for row in result]

    select.store = store  # type: ignore[attr-defined]  # lets dataset_hash read it directly
    return select


def _has_blank_nodes(quads: list[ox.Quad]) -> bool:
    return any(isinstance(t, (ox.BlankNode, ox.Triple)) for q in quads for t in (q.subject, q.object, q.graph_name))


def canonical_nquads(quads: Iterable[ox.Quad]) -> str:
    """The RDFC-1.0 canonical N-Quads document of ``quads``: blank nodes relabelled
    ``_:c14nN``, one line per distinct quad, lines in code point order.

    Without blank nodes RDFC-1.0 relabels nothing, so the document is the sorted distinct
    lines themselves (pyoxigraph writes terms in canonical N-Quads form either way)."""
    quads = list(quads)
    if _has_blank_nodes(quads):
        dataset = ox.Dataset(quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        quads = list(dataset)
    return "".join(sorted({f"{q} .\n" for q in quads}))


def hash_quads(quads: Iterable[ox.Quad]) -> str:
    """SHA-256 (hex) of the canonical N-Quads of ``quads``: equal for isomorphic datasets."""
    return hashlib.sha256(canonical_nquads(quads).encode("utf-8")).hexdigest()


def hash_nquads(data: bytes) -> str:
    """:func:`hash_quads` of an N-Quads document written by pyoxigraph (terms in canonical
    form): without blank nodes and triple terms its distinct lines, sorted, are the canonical
    document already, so no Python object is made per quad."""
    if b"_:" in data or b"<<" in data:  # (or such text in a literal: the general path is right too)
        return hash_quads(ox.parse(data, ox.RdfFormat.N_QUADS))
    lines = {line + b"\n" for line in data.splitlines() if line}
    return hashlib.sha256(b"".join(sorted(lines))).hexdigest()


def _dataset_lines(store: ox.Store, changes: set[Term]) -> list[bytes] | None:
    """The quads of :func:`dataset_quads` as canonical N-Quads lines, written by the engine
    (fast); None when blank nodes make a real canonicalization necessary."""
    seal = {f"<{p.value}>".encode() for p in (DATASET_HASH, SIGNATURE, PUBLIC_KEY, SIGNATURE_ALGORITHM)}
    default = store.dump(format=ox.RdfFormat.N_QUADS, from_graph=ox.DefaultGraph()) or b""  # None only with output=
    lines = [line for line in default.splitlines() if line.split(b" ", 2)[1] not in seal]
    for graph in store.named_graphs():
        if graph in changes:
            continue
        label = f" {graph} .".encode()
        named = store.dump(format=ox.RdfFormat.N_QUADS, from_graph=graph) or b""
        lines += [line[:-2] + label for line in named.splitlines()]
    if any(b"_:" in line or b"<<(" in line for line in lines):
        return None
    return lines


def row_quad(row: Mapping[str, Term]) -> ox.Quad:
    """The quad a row binds (``?s ?p ?o``, ``?g`` unbound in the default graph)."""
    s, p, o, g = row["s"], row["p"], row["o"], row.get("g")
    if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode) or isinstance(g, ox.Literal):
        raise ValueError(f"not a quad: {s} {p} {o} {g or ''}")
    return ox.Quad(s, p, o, g if g is not None else ox.DefaultGraph())


def bundles(select: Select, claim: ox.NamedNode | None = None) -> dict[str, list[ox.Quad]]:
    """The bundle of ``claim`` (or of every claim), by claim IRI."""
    found: dict[str, dict[ox.Quad, None]] = defaultdict(dict)  # a span shared by claim and step once
    rows = select(load("bundle"), claim=claim) if claim is not None else select(load("bundle"))
    for row in rows:
        found[(claim or row["claim"]).value][row_quad(row)] = None
    if claim is not None and not found and select(load("stored-hashes"), claim=claim):
        found[claim.value] = {}
    return {iri: list(quads) for iri, quads in found.items()}


_QUAD = f"> <{CG}bundleQuad> <<( "
_QUAD_IN = f"> <{CG}bundleQuadIn> <<( "


def bundle_lines(store: ox.Store, claim: ox.NamedNode | None = None) -> dict[str, set[str]]:
    """Each claim's bundle as canonical N-Quads lines, written by the engine (bundle-lines.rq):
    no Python object per quad. Lines with blank nodes or triple terms are not canonical yet."""
    subs: dict[ox.Variable, Bound] | None = {ox.Variable("claim"): claim} if claim is not None else None
    result = store.query(load("bundle-lines"), substitutions=subs)
    if not isinstance(result, ox.QueryTriples):
        raise TypeError("bundle-lines.rq must be a CONSTRUCT query")
    text = result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""  # None only with output=
    found: dict[str, set[str]] = defaultdict(set)
    for line in text.decode("utf-8").splitlines():
        if (cut := line.find(_QUAD)) > 0:
            found[line[1:cut]].add(line[cut + len(_QUAD) : -len(" )>> .")] + " .\n")
        elif (cut := line.find(_QUAD_IN)) > 0:
            rest = line[cut + len(_QUAD_IN) :]
            graph = rest[: rest.index("> ") + 1]
            inner = rest[rest.index("<<( ") + 4 : -len(" )>> )>> .")]
            found[line[1:cut]].add(f"{inner} {graph} .\n")
    # a claim with no bundle quads gets an empty entry, a non-claim none (rows are read: a
    # pyoxigraph solution sequence is true even when empty)
    if claim is not None and not found and store_select(store)(load("stored-hashes"), claim=claim):
        found[claim.value] = set()
    return dict(found)


def bundle_hashes(select: Select, claim: ox.NamedNode | None = None) -> dict[str, str]:
    """The hash each claim's bundle has now, recomputed from the data (the engine writes the
    lines for a store in this process; rows of bundle.rq otherwise, and for blank nodes)."""
    store = getattr(select, "store", None)
    if not isinstance(store, ox.Store):
        return {iri: hash_quads(quads) for iri, quads in bundles(select, claim).items()}
    out = {}
    for iri, lines in bundle_lines(store, claim).items():
        if any("_:" in line or "<<(" in line for line in lines):
            out.update(bundle_hashes(lambda q, **b: select(q, **b), ox.NamedNode(iri)))  # the general path
        else:
            out[iri] = hashlib.sha256("".join(sorted(lines)).encode("utf-8")).hexdigest()
    return out


def stored_hashes(select: Select, claim: ox.NamedNode | None = None) -> dict[str, tuple[str | None, str | None]]:
    """The hash and algorithm each claim states (``None`` where it states none)."""
    rows = select(load("stored-hashes"), claim=claim) if claim is not None else select(load("stored-hashes"))
    out = {}
    for row in rows:
        iri = (claim or row["claim"]).value
        out[iri] = (
            row["hash"].value if "hash" in row else None,
            row["algorithm"].value if "algorithm" in row else None,
        )
    return out


def dataset_quads(select: Select) -> list[ox.Quad]:
    """Every quad the build wrote as it is now: without the seal and the change records."""
    changes = {row["g"] for row in select(load("change-graphs"))}
    return [q for q in map(row_quad, select(load("dataset-quads"))) if q.graph_name not in changes]


def dataset_hash(select: Select) -> str:
    """The hash of :func:`dataset_quads`; an in-process store is read by the engine's own
    N-Quads writer, an endpoint over SPARQL."""
    store = getattr(select, "store", None)
    if isinstance(store, ox.Store):
        changes = {row["g"] for row in select(load("change-graphs"))}
        lines = _dataset_lines(store, changes)
        if lines is not None:
            return hashlib.sha256(b"".join(sorted({line + b"\n" for line in lines}))).hexdigest()
    return hash_quads(dataset_quads(select))


@dataclass(frozen=True)
class Seal:
    """What :func:`seal_build` wrote: per-claim hashes, the dataset hash, the signature."""

    claims: dict[str, str]
    dataset_hash: str
    signature: str | None = None
    public_key: str | None = None


def seal_claims(
    store: ox.Store, claims: Iterable[ox.NamedNode] | None = None, known: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Compute and (re)write ``cg:bundleHash`` of ``claims`` (every claim when None) in ``store``.

    The function an ingest path calls after writing an article's claims: the hash follows the
    bundle definition in ``bundle.rq``, whatever writes the triples. ``known`` are hashes
    computed already by the same definition over the same bundles (ingest's workers hash each
    article's claims over its own quads, which hold every quad of their bundles)."""
    select = store_select(store)
    known = known or {}
    if claims is None:
        hashes = bundle_hashes(select)
    else:
        hashes = {}
        for claim in claims:
            if claim.value in known:
                hashes[claim.value] = known[claim.value]
            else:
                hashes.update(bundle_hashes(select, claim))
    stated = []
    for iri, digest in hashes.items():
        node = ox.NamedNode(iri)
        for pred in (BUNDLE_HASH, HASH_ALGORITHM):
            for q in list(store.quads_for_pattern(node, pred, None, ox.DefaultGraph())):
                store.remove(q)
        stated += [
            ox.Quad(node, BUNDLE_HASH, ox.Literal(digest), ox.DefaultGraph()),
            ox.Quad(node, HASH_ALGORITHM, RDFC10_SHA256, ox.DefaultGraph()),
        ]
    store.extend(stated)  # one write (each call to the store is a transaction of its own)
    return hashes


def seal_build(
    store: ox.Store, run: ox.NamedNode, private_key: bytes | None = None, claims: Iterable[ox.NamedNode] | None = None
) -> Seal:
    """Hash every claim's bundle (or only ``claims``: those an incremental ingest wrote), then
    the dataset, and state both (the latter on ``run``).

    With ``private_key`` (an Ed25519 key in PEM), the dataset hash is signed and the signature
    and public key are stated on the run too."""
    hashes = seal_claims(store, claims)
    for pred in (DATASET_HASH, HASH_ALGORITHM, SIGNATURE, PUBLIC_KEY, SIGNATURE_ALGORITHM):
        for q in list(store.quads_for_pattern(run, pred, None, ox.DefaultGraph())):
            store.remove(q)
    # the algorithm is stated before hashing: it is part of what the hash covers
    store.add(ox.Quad(run, HASH_ALGORITHM, RDFC10_SHA256, ox.DefaultGraph()))
    digest = dataset_hash(store_select(store))
    store.add(ox.Quad(run, DATASET_HASH, ox.Literal(digest), ox.DefaultGraph()))
    signature = public = None
    if private_key is not None:
        signature, public = sign(digest, private_key)
        store.add(ox.Quad(run, SIGNATURE, ox.Literal(signature), ox.DefaultGraph()))
        store.add(ox.Quad(run, PUBLIC_KEY, ox.Literal(public), ox.DefaultGraph()))
        store.add(ox.Quad(run, SIGNATURE_ALGORITHM, ED25519, ox.DefaultGraph()))
    return Seal(claims=hashes, dataset_hash=digest, signature=signature, public_key=public)


def reseal(
    store: ox.Store, claims: Iterable[ox.NamedNode], known: Mapping[str, str] | None = None
) -> list[ox.NamedNode]:
    """After an incremental write (``claimgraph ingest``, ``remove``): hash the bundles of the
    ``claims`` it wrote, and drop every stated dataset hash and signature, since the dataset
    they sealed is gone. Returns the runs whose seal was dropped.

    The whole dataset is *not* hashed again: that cost grows with the store (40 s at 850
    articles), not with the write. What an incremental write states instead is the content
    hash of each article's recorded quads on its ingest record (:func:`record_hash`), which
    ``claimgraph verify`` checks against the record and the store (docs/verify.md says what
    that proves and what it no longer proves). ``known``: see :func:`seal_claims`."""
    seal_claims(store, claims, known)
    holders = sorted(
        {q.subject for q in store.quads_for_pattern(None, DATASET_HASH, None, ox.DefaultGraph())},
        key=lambda n: n.value if isinstance(n, ox.NamedNode) else str(n),
    )
    for holder in holders:
        for pred in (DATASET_HASH, HASH_ALGORITHM, SIGNATURE, PUBLIC_KEY, SIGNATURE_ALGORITHM):
            for q in list(store.quads_for_pattern(holder, pred, None, ox.DefaultGraph())):
                store.remove(q)
    return [h for h in holders if isinstance(h, ox.NamedNode)]


def record_hash(quads: Iterable[ox.Quad]) -> str:
    """The content hash an ingest record states (``cg:contentHash``): RDFC-1.0 + SHA-256 of
    the quads the article contributed (its own and its shared quads), as for a bundle."""
    return hash_quads(quads)


# -- Ed25519 signatures of the dataset hash ---------------------------------------------------


class SigningKeyError(ValueError):
    """A key file that is not an Ed25519 key in PEM (or raw base64) form."""


def sign(digest: str, private_pem: bytes) -> tuple[str, str]:
    """Sign the hex dataset hash (its ASCII bytes); base64 of the signature and of the raw
    32-byte public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the signing key must be an Ed25519 key")
    raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(key.sign(digest.encode("ascii"))).decode(), base64.b64encode(raw_public).decode()


def public_key_b64(data: bytes) -> str:
    """The raw public key (base64) of a PEM public or private Ed25519 key file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    key: object
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"not a PEM Ed25519 key: {exc}") from None
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("the key must be an Ed25519 key")
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def check_signature(digest: str, signature_b64: str, public_b64: str) -> bool:
    """True when ``signature_b64`` is the Ed25519 signature of ``digest`` by that key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64))
        key.verify(base64.b64decode(signature_b64), digest.encode("ascii"))
    except (InvalidSignature, ValueError):
        return False
    return True
