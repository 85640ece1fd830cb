"""``claimgraph verify``: re-derive what an auditor relies on and name every mismatch.

Checks, each against the data as it is now (queries in ``graph/build/queries``):

- every claim's bundle, hashed again (RDFC-1.0 + SHA-256), against its ``cg:bundleHash``; a
  mismatch on a claim with a recorded write after the build is reported as such (who, when,
  which endpoint), without one as tampering;
- every span a claim relies on: offsets present, and the text at those offsets in the source
  file equal to ``oa:exact`` (when the file is at hand);
- every source file at hand: its SHA-256 against the recorded one;
- every ingested article's record: its quads hash to the ``cg:contentHash`` the ingest stated,
  and each of them is in the store as recorded;
- the dataset hash against the latest build run, and its Ed25519 signature (against the key
  the auditor was given with ``--key``, else only against the key the run states). An
  incremental write (``ingest``, ``remove``) drops that seal instead of re-hashing the whole
  dataset; then the per-article checks above stand in for it (docs/verify.md: what that
  proves and what it does not).

It reads through a :data:`~claimgraph.graph.build.bundles.Select`, so it runs on an on-disk
store, an external store, or any claimgraph endpoint over plain SPARQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from claimgraph.graph.build import bundles
from claimgraph.graph.build.bundles import Select
from claimgraph.graph.build.queries import load


@dataclass(frozen=True)
class Finding:
    """One thing that does not hold; ``kind`` is stable (for scripts), ``message`` for people."""

    kind: str
    subject: str
    message: str
    details: dict[str, object] = field(default_factory=dict)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dataset_hash: str | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, kind: str, subject: str, message: str, **details: object) -> None:
        self.findings.append(Finding(kind, subject, message, details))

    def count(self, what: str, n: int = 1) -> None:
        self.checked[what] = self.checked.get(what, 0) + n

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "dataset_hash": self.dataset_hash,
            "findings": [asdict(f) for f in self.findings],
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        out = [f"FAIL {f.kind} <{f.subject}>: {f.message}" for f in self.findings]
        out += [f"note: {n}" for n in self.notes]
        counts = ", ".join(f"{n} {what}" for what, n in self.checked.items())
        out.append(("OK: everything holds" if self.ok else f"{len(self.findings)} problem(s)") + f" ({counts})")
        return out


def _v(row: dict, key: str) -> str | None:
    term = row.get(key)
    return term.value if term is not None else None


def verify(
    select: Select, claim: ox.NamedNode | None = None, sources: Sequence[Path] = (), public_key: str | None = None
) -> Report:
    """Check everything (or one claim and what it relies on); see the module docstring."""
    report = Report()
    changes: dict[str, list[dict]] = {}
    rows = select(load("changes"), claim=claim) if claim is not None else select(load("changes"))
    for row in rows:
        changes.setdefault((claim or row["claim"]).value, []).append(row)
    _claims(select, claim, changes, report)
    files = _files(select, sources, report)
    _spans(select, claim, files, report)
    if claim is None:
        ingested = _ingests(select, report)
        _dataset(select, public_key, report, ingested)
    else:
        report.notes.append("dataset hash not checked (one claim only)")
    return report


def _claims(select: Select, claim: ox.NamedNode | None, changes: dict[str, list[dict]], report: Report) -> None:
    stored = bundles.stored_hashes(select, claim)
    if claim is not None and claim.value not in stored:
        report.add("claim-not-found", claim.value, "no cg:Claim with this IRI in the data")
        return
    now = bundles.bundle_hashes(select, claim)
    for iri, (digest, algorithm) in sorted(stored.items()):
        report.count("claims")
        current = now.get(iri, bundles.hash_quads([]))
        if digest is None:
            report.add("bundle-hash-missing", iri, "the claim states no cg:bundleHash", now=current)
            continue
        if algorithm != bundles.RDFC10_SHA256.value:
            report.add("unknown-hash-algorithm", iri, f"cg:hashAlgorithm is {algorithm}, not cg:rdfc10sha256")
            continue
        if current == digest:
            continue
        recorded = changes.get(iri)
        if recorded:
            last = recorded[-1]
            report.add(
                "changed-after-build",
                iri,
                f"changed since build, on {_v(last, 'time')} by {_v(last, 'who')} "
                f"through {_v(last, 'endpoint')} ({len(recorded)} recorded write(s)); "
                f"bundle hash at build {digest}, now {current}",
                stored=digest,
                now=current,
                changes=[{k: _v(r, k) for k in ("time", "who", "endpoint")} for r in recorded],
            )
        else:
            report.add(
                "bundle-hash-mismatch",
                iri,
                f"the bundle was changed and no write after the build is recorded: "
                f"hash at build {digest}, now {current}",
                stored=digest,
                now=current,
            )


@dataclass(frozen=True)
class _File:
    iri: str
    name: str | None
    text: str | None  # None: not at hand


def _files(select: Select, sources: Sequence[Path], report: Report) -> dict[str, _File]:
    files: dict[str, _File] = {}
    for row in select(load("files")):
        iri, name, recorded = row["file"].value, _v(row, "name"), _v(row, "sha256")
        path = next((d / name for d in sources if name and (d / name).is_file()), None)
        if path is None:
            files[iri] = _File(iri, name, None)
            continue
        data = path.read_bytes()
        report.count("files")
        actual = hashlib.sha256(data).hexdigest()
        if actual != recorded:
            report.add(
                "file-hash-mismatch",
                iri,
                f"{path}: SHA-256 is {actual}, the build recorded {recorded}",
                path=str(path),
                recorded=recorded,
                actual=actual,
            )
        try:
            files[iri] = _File(iri, name, data.decode("utf-8"))
        except UnicodeDecodeError:
            files[iri] = _File(iri, name, None)
    missing = sorted(f.name or f.iri for f in files.values() if f.text is None)
    if missing:
        report.notes.append(f"not at hand, not re-read: {', '.join(missing)}" + " (give their folder with --sources)")
    return files


def _spans(select: Select, claim: ox.NamedNode | None, files: dict[str, _File], report: Report) -> None:
    rows = select(load("spans"), claim=claim) if claim is not None else select(load("spans"))
    for row in rows:
        span = row["span"].value
        report.count("spans")
        start, end, exact, file = _v(row, "start"), _v(row, "end"), _v(row, "exact"), _v(row, "file")
        if start is None or end is None or exact is None or file is None:
            absent = [
                k
                for k, v in (("oa:start", start), ("oa:end", end), ("oa:exact", exact), ("cg:inFile", file))
                if v is None
            ]
            report.add(
                "span-incomplete",
                span,
                f"the span has no {', '.join(absent)} (removed?)",
                claim=(claim or row["claim"]).value,
            )
            continue
        try:
            s, e = int(start), int(end)
        except ValueError:
            report.add("span-offsets-invalid", span, f"offsets {start!r}-{end!r} are not integers")
            continue
        if e - s != len(exact):
            report.add(
                "span-offsets-mismatch",
                span,
                f"offsets {s}-{e} span {e - s} characters, oa:exact has {len(exact)}",
                start=s,
                end=e,
            )
        source = files.get(file)
        if source is None or source.text is None:
            continue
        found = source.text[s:e]
        if found != exact:
            report.add(
                "span-text-mismatch",
                span,
                f"{source.name} at {s}-{e} says {found!r}, oa:exact says {exact!r}",
                start=s,
                end=e,
                found=found,
                exact=exact,
                file=source.name,
            )


def _missing(select: Select, quads: list[ox.Quad]) -> list[ox.Quad]:
    """Those of ``quads`` the data does not hold: looked up in an in-process store, else asked
    over SPARQL once per subject and graph (an article's quads are about a few dozen nodes)."""
    store = getattr(select, "store", None)
    if isinstance(store, ox.Store):
        return [q for q in quads if q not in store]
    # the quads as an engine answers for them (canonical numbers and dates), to compare with rows
    memory = ox.Store()
    memory.extend(quads)
    mine = bundles.store_select(memory)
    nodes = {(q.subject, q.graph_name) for q in quads}
    out = []
    for subject, graph in sorted(nodes, key=str):
        if isinstance(graph, ox.DefaultGraph):
            query, bound = load("subject-quads"), {"s": subject}
        else:
            query, bound = load("subject-named-quads"), {"s": subject, "g": graph}
        there = {(r["p"], r["o"]) for r in select(query, **bound)}
        for r in mine(query, **bound):
            p, o = r["p"], r["o"]
            if (p, o) not in there and isinstance(p, ox.NamedNode):  # a predicate is an IRI
                out.append(ox.Quad(subject, p, o, graph))
    return out


def _ingests(select: Select, report: Report) -> int:
    """Check every ingest record: its quads hash to its ``cg:contentHash`` and each of them is
    in the store unchanged. Returns how many records there are."""
    from claimgraph.graph.build.ingest import unpack_quads

    rows = select(load("ingest-records"))
    for row in rows:
        record = row["record"].value
        report.count("ingested articles")
        quads: list[ox.Quad] = []
        for key in ("own", "shared"):
            if key in row:
                try:
                    packed = row[key]
                    if not isinstance(packed, ox.Literal):
                        raise ValueError(f"{packed} is not a literal")
                    quads += unpack_quads(packed)
                except (ValueError, SyntaxError) as exc:
                    report.add("ingest-record-unreadable", record, f"cg:{key}Quads cannot be read: {exc}")
        stated = _v(row, "hash")
        actual = bundles.record_hash(quads)
        if stated is None:
            report.add(
                "ingest-hash-missing",
                record,
                "the ingest record states no cg:contentHash (ingested before content hashes: ingest the article again)",
                now=actual,
            )
        elif stated != actual:
            report.add(
                "ingest-hash-mismatch",
                record,
                f"the quads recorded for {_v(row, 'document')} are not those its ingest hashed: "
                f"stated {stated}, now {actual}",
                stored=stated,
                now=actual,
            )
        # a store relabels blank nodes: quads with them are covered by the hash alone
        plain = [
            q
            for q in quads
            if not any(isinstance(t, (ox.BlankNode, ox.Triple)) for t in (q.subject, q.object, q.graph_name))
        ]
        report.count("ingested quads", len(plain))
        for quad in _missing(select, plain):
            subject = quad.subject.value if isinstance(quad.subject, ox.NamedNode) else str(quad.subject)
            report.add(
                "ingested-quad-missing",
                subject,
                f"{quad} . was written by the ingest of {_v(row, 'document')} and is not in the "
                f"store (removed or changed)",
                record=record,
                quad=str(quad),
            )
    return len(rows)


def _dataset(select: Select, public_key: str | None, report: Report, ingested: int = 0) -> None:
    runs = [r for r in select(load("build-runs")) if "hash" in r]
    if not runs and ingested:
        report.notes.append(
            f"no dataset hash: incremental writes (ingest, remove) drop it; "
            f"{ingested} ingested article(s) checked against their records instead "
            "(docs/verify.md says what that does not prove)"
        )
        if public_key is not None:
            report.add(
                "signature-missing",
                "",
                "a key was given but no build run carries a signature "
                "(an incremental write drops it: sign again with claimgraph build --sign)",
            )
        return
    current = bundles.dataset_hash(select)
    report.dataset_hash = current
    if not runs:
        report.add("dataset-hash-missing", "", "no build run states a cg:datasetHash")
        return
    run = max(runs, key=lambda r: _v(r, "started") or "")
    iri, stated = run["run"].value, run["hash"].value
    report.count("build runs")
    if stated != current:
        report.add(
            "dataset-hash-mismatch",
            iri,
            f"the dataset is not the one the build wrote: hash at build {stated}, now {current}",
            stored=stated,
            now=current,
        )
    signature, key = _v(run, "signature"), _v(run, "publicKey")
    if public_key is not None:
        if signature is None:
            report.add("signature-missing", iri, "a key was given but the build run carries no signature")
            return
        if key != public_key:
            report.add("key-mismatch", iri, f"the run was signed with key {key}, not with the key given ({public_key})")
    if signature is not None and key is not None:
        if not bundles.check_signature(stated, signature, key):
            report.add("signature-invalid", iri, "the signature does not match the stated dataset hash")
        elif public_key is None:
            report.notes.append(
                "the signature matches the key the run states; give the publisher's key with --key to check who signed"
            )
