"""Provenance an auditor can verify: canonical hashes, ``claimgraph verify``, writes recorded.

One sealed build of the seeds; every tampering gets its own copy of that store (Oxigraph's
backup: hard links) and must be named by ``claimgraph verify``: run as a user would, against
the store on disk and against a served endpoint over plain SPARQL.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from claimgraph.graph.build import bundles
from claimgraph.graph.build.dataset import build, default_seeds_dir
from claimgraph.graph.store import EmbeddedStore
from conftest import UPDATE_TOKEN, claimgraph, claimgraph_in_process, start_server, stop_server

BASE = "https://w3id.org/claimgraph/"
CLAIM = BASE + "id/claim/peskow-fake-news"
SPAN = BASE + "id/span/peskow-fake-news"
PROPOSITION = BASE + "id/proposition/musk-putin-in-kontakt"
CG = "https://w3id.org/claimgraph/ontology#"
OA = "http://www.w3.org/ns/oa#"
EPOCH = {"SOURCE_DATE_EPOCH": "1767225600"}
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("verify") / "store"
    claimgraph("build", "--store", str(store), env=EPOCH)
    return store


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    """A private copy of the sealed store to tamper with."""
    target = tmp_path / "copy"
    store = EmbeddedStore(built)
    try:
        store.backup(target)
    finally:
        store.close()
    return target


def verify(*args: str) -> tuple[int, dict]:
    result = claimgraph_in_process("verify", "--json", *args, check=False)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def kinds(report: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in report["findings"]:
        out.setdefault(f["kind"], set()).add(f["subject"])
    return out


def tamper(store_dir: Path, *, remove: list[ox.Quad] = (), add: list[ox.Quad] = ()) -> None:
    """Change the store behind claimgraph's back (a copied store, altered): nothing is recorded."""
    import gc

    raw = ox.Store(str(store_dir / "oxigraph"))  # the database itself, edited in place
    for q in remove:
        raw.remove(q)
    for q in add:
        raw.add(q)
    raw.flush()
    del raw
    gc.collect()


def quads_of(store_dir: Path, s: str, p: str) -> list[ox.Quad]:
    store = EmbeddedStore(store_dir)
    try:
        with store.reader() as r:
            return list(r.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None, None))
    finally:
        store.close()


# -- a fresh build holds ---------------------------------------------------------------------


def test_a_fresh_build_verifies(built: Path) -> None:
    code, report = verify("--store", str(built))
    assert code == 0, report["findings"]
    assert report["checked"]["claims"] == 22 and report["checked"]["spans"] >= 22
    assert report["checked"]["files"] >= 4  # seed text, metadata, annotation, link list (+ ontology)
    text = claimgraph("verify", "--store", str(built)).stdout
    assert text.strip().endswith(")") and "OK: everything holds" in text


def test_every_claim_states_its_hash_and_the_algorithm(built: Path) -> None:
    store = EmbeddedStore(built)
    try:
        with store.reader() as r:
            stored = bundles.stored_hashes(bundles.store_select(r))
            now = bundles.bundle_hashes(bundles.store_select(r))
    finally:
        store.close()
    assert len(stored) == 22
    assert all(alg == CG + "rdfc10sha256" and len(h) == 64 for h, alg in stored.values())
    assert {c: h for c, (h, _) in stored.items()} == now


# -- determinism -------------------------------------------------------------------------------


def _hashes(store_dir: Path) -> tuple[dict[str, str], str]:
    store = EmbeddedStore(store_dir)
    try:
        with store.reader() as r:
            select = bundles.store_select(r)
            runs = [row for row in select(bundles.load("build-runs"))]
            return ({c: h for c, (h, _) in bundles.stored_hashes(select).items()}, runs[0]["hash"].value)
    finally:
        store.close()


def test_hashes_are_identical_across_builds_processes_and_working_dirs(built: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    # another process, another working directory, another hash seed and locale
    subprocess.run(
        [sys.executable, "-m", "claimgraph.cli", "build", "--store", str(other / "store")],
        cwd=other,
        check=True,
        capture_output=True,
        env={**os.environ, **EPOCH, "PYTHONHASHSEED": "12345", "LC_ALL": "C"},
    )
    first, second = _hashes(built), _hashes(other / "store")
    assert first == second
    # and in this process, without SOURCE_DATE_EPOCH: bundle hashes do not depend on the time
    result = build(default_seeds_dir(), BASE)
    assert result.seal is not None and result.seal.claims == first[0]


def test_each_triple_of_a_bundle_changes_its_hash(built: Path) -> None:
    """Triple by triple over one claim's whole bundle: dropping it, or changing its object,
    changes the hash; reordering or repeating quads does not."""
    store = EmbeddedStore(built)
    try:
        with store.reader() as r:
            bundle = bundles.bundles(bundles.store_select(r), ox.NamedNode(CLAIM))[CLAIM]
    finally:
        store.close()
    assert len(bundle) > 40 and any(not isinstance(q.graph_name, ox.DefaultGraph) for q in bundle)
    reference = bundles.hash_quads(bundle)
    assert bundles.hash_quads(list(reversed(bundle)) + bundle[:3]) == reference
    seen = {reference}
    for i, q in enumerate(bundle):
        dropped = bundles.hash_quads(bundle[:i] + bundle[i + 1 :])
        changed_object = (
            ox.Literal("tampered") if not isinstance(q.object, ox.Literal) else ox.Literal(q.object.value + " ")
        )
        edited = bundles.hash_quads(
            bundle[:i] + [ox.Quad(q.subject, q.predicate, changed_object, q.graph_name)] + bundle[i + 1 :]
        )
        assert dropped not in seen and edited not in seen, q
        seen |= {dropped, edited}


def test_the_canonical_form_is_rdfc10_with_blank_nodes_relabelled() -> None:
    p = ox.NamedNode("http://example.org/p")
    a = [ox.Quad(ox.BlankNode("x"), p, ox.Literal("v"), ox.NamedNode("http://example.org/g"))]
    b = [ox.Quad(ox.BlankNode("y"), p, ox.Literal("v"), ox.NamedNode("http://example.org/g"))]
    assert bundles.canonical_nquads(a) == '_:c14n0 <http://example.org/p> "v" <http://example.org/g> .\n'
    assert bundles.hash_quads(a) == bundles.hash_quads(b)


# -- each tampering is named -------------------------------------------------------------------


def test_a_changed_offset_is_named(copy: Path) -> None:
    [start] = quads_of(copy, SPAN, OA + "start")
    moved = ox.Literal(str(int(start.object.value) + 1), datatype=start.object.datatype)
    tamper(copy, remove=[start], add=[ox.Quad(start.subject, start.predicate, moved, start.graph_name)])
    code, report = verify("--store", str(copy))
    found = kinds(report)
    assert code == 1
    assert SPAN in found["span-text-mismatch"] and SPAN in found["span-offsets-mismatch"]
    assert CLAIM in found["bundle-hash-mismatch"]
    assert "dataset-hash-mismatch" in found


def test_a_removed_span_is_named(copy: Path) -> None:
    store = EmbeddedStore(copy)
    try:
        with store.reader() as r:
            span_quads = list(r.quads_for_pattern(ox.NamedNode(SPAN), None, None, None))
    finally:
        store.close()
    tamper(copy, remove=span_quads)
    code, report = verify("--store", str(copy), "--claim", "peskow-fake-news")
    found = kinds(report)
    assert code == 1 and SPAN in found["span-incomplete"] and CLAIM in found["bundle-hash-mismatch"]


def test_an_added_statement_is_named(copy: Path) -> None:
    tamper(copy, add=[ox.Quad(ox.NamedNode(CLAIM), ox.NamedNode(CG + "stance"), ox.NamedNode(CG + "asserts"))])
    code, report = verify("--store", str(copy))
    found = kinds(report)
    assert code == 1 and found["bundle-hash-mismatch"] == {CLAIM}
    assert "dataset-hash-mismatch" in found
    # an added statement outside every bundle is caught by the dataset hash alone
    tamper(
        copy,
        remove=[ox.Quad(ox.NamedNode(CLAIM), ox.NamedNode(CG + "stance"), ox.NamedNode(CG + "asserts"))],
        add=[
            ox.Quad(
                ox.NamedNode(BASE + "id/entity/elon-musk"), ox.NamedNode(CG + "stance"), ox.NamedNode(CG + "asserts")
            )
        ],
    )
    code, report = verify("--store", str(copy))
    assert code == 1 and set(kinds(report)) == {"dataset-hash-mismatch"}


def test_a_swapped_file_is_named(built: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(default_seeds_dir(), sources, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    seed = next(sources.glob("*.txt"))
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text.replace("Peskow", "Peskov"), encoding="utf-8")  # same length, other words
    code, report = verify("--store", str(built), "--sources", str(sources))
    found = kinds(report)
    assert code == 1
    assert any(s.endswith("-txt") for s in found["file-hash-mismatch"])
    assert "span-text-mismatch" in found and "bundle-hash-mismatch" not in found


def test_a_store_without_seal_is_named(copy: Path) -> None:
    [stated] = quads_of(copy, CLAIM, CG + "bundleHash")
    tamper(copy, remove=[stated])
    code, report = verify("--store", str(copy))
    assert code == 1 and kinds(report)["bundle-hash-missing"] == {CLAIM}


def test_verify_refuses_an_unknown_claim_and_a_missing_store(built: Path, tmp_path: Path) -> None:
    code, report = verify("--store", str(built), "--claim", "no-such-claim")
    assert code == 1 and "claim-not-found" in kinds(report)
    result = claimgraph("verify", "--store", str(tmp_path / "nothing"), check=False)
    assert result.returncode == 1 and "no store at" in result.stderr and "Traceback" not in result.stderr


# -- writes through the server are recorded; verify over plain SPARQL -----------------------------


def test_writes_through_the_server_are_recorded_and_named_over_sparql(copy: Path) -> None:
    server = start_server(copy, "--update-token", UPDATE_TOKEN)
    try:
        endpoint = server.sparql
        code, report = verify("--endpoint", endpoint)
        assert code == 0, report["findings"]

        # a read-only write that touches nothing: nothing recorded
        r = requests.put(
            server.url + "/store",
            params={"graph": "http://example.org/unrelated"},
            data="<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
            headers={"Content-Type": "text/turtle", **AUTH},
            timeout=60,
        )
        assert r.status_code == 201
        code, report = verify("--endpoint", endpoint)
        assert set(kinds(report)) == {"dataset-hash-mismatch"}  # the dataset did change

        # an edited triple of a proposition, through the Graph Store
        r = requests.put(
            server.url + "/store",
            params={"graph": PROPOSITION},
            data=f"<{BASE}id/entity/elon-musk> <{CG}inContactWith> <{BASE}id/entity/reuters> .",
            headers={"Content-Type": "text/turtle", "User-Agent": "auditor-test/1", **AUTH},
            timeout=60,
        )
        assert r.status_code == 204
        # a removed span, through SPARQL Update
        r = requests.post(
            endpoint, data={"update": f"DELETE WHERE {{ <{SPAN}> <{OA}exact> ?x }}"}, headers=AUTH, timeout=60
        )
        assert r.status_code == 204
        code, report = verify("--endpoint", endpoint)
        found = kinds(report)
        assert code == 1 and CLAIM in found["changed-after-build"]
        assert "bundle-hash-mismatch" not in found  # every change went through the server: recorded
        peskow = next(f for f in report["findings"] if f["kind"] == "changed-after-build" and f["subject"] == CLAIM)
        endpoints = {c["endpoint"] for c in peskow["details"]["changes"]}
        assert endpoints == {server.url + "/store", server.url + "/sparql"}
        assert any("auditor-test/1" in c["who"] for c in peskow["details"]["changes"])
        assert SPAN in found["span-incomplete"]

        # the claim page says so
        page = requests.get(server.url + "/doc/claim/peskow-fake-news.html", timeout=60).text
        assert "changed since build, on" in page
        other = requests.get(server.url + "/doc/claim/musk-weist-vorwuerfe-zurueck.html", timeout=60).text
        assert "verified at build" in other
    finally:
        stop_server(server)


# -- signing -------------------------------------------------------------------------------------


def _keypair(path: Path) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private, public = path.with_suffix(".key"), path.with_suffix(".pub")
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


def test_a_signed_build_verifies_with_its_key_and_not_with_another(tmp_path: Path) -> None:
    private, public = _keypair(tmp_path / "publisher")
    _, stranger = _keypair(tmp_path / "stranger")
    store = tmp_path / "store"
    out = claimgraph("build", "--store", str(store), "--sign", str(private)).stdout
    assert ", signed" in out
    code, report = verify("--store", str(store), "--key", str(public))
    assert code == 0, report["findings"]
    code, report = verify("--store", str(store), "--key", str(stranger))
    assert code == 1 and set(kinds(report)) == {"key-mismatch"}
    # a forged seal: another dataset hash under the old signature
    run = next(iter(_run_quads(store, CG + "datasetHash")))
    tamper(store, remove=[run], add=[ox.Quad(run.subject, run.predicate, ox.Literal("0" * 64), run.graph_name)])
    code, report = verify("--store", str(store), "--key", str(public))
    assert code == 1 and {"signature-invalid", "dataset-hash-mismatch"} <= set(kinds(report))


def _run_quads(store_dir: Path, predicate: str) -> list[ox.Quad]:
    store = EmbeddedStore(store_dir)
    try:
        with store.reader() as r:
            return list(r.quads_for_pattern(None, ox.NamedNode(predicate), None, None))
    finally:
        store.close()


def test_an_unsigned_build_fails_a_key_check_and_bad_keys_are_refused(built: Path, tmp_path: Path) -> None:
    _, public = _keypair(tmp_path / "publisher")
    code, report = verify("--store", str(built), "--key", str(public))
    assert code == 1 and set(kinds(report)) == {"signature-missing"}
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    for command in (
        ("verify", "--store", str(built), "--key", str(junk)),
        ("build", "--store", str(tmp_path / "s"), "--sign", str(junk)),
    ):
        result = claimgraph(*command, check=False)
        assert result.returncode == 1 and "Traceback" not in result.stderr and "key" in result.stderr


def test_the_fast_dataset_hash_equals_the_full_canonicalization(built: Path) -> None:
    """The engine's N-Quads lines (the fast path) and a full RDFC-1.0 run over the quads read
    through SPARQL rows give the same dataset hash."""
    import hashlib

    store = EmbeddedStore(built)
    try:
        with store.reader() as r:
            select = bundles.store_select(r)
            fast = bundles.dataset_hash(select)
            rows = bundles.dataset_quads(lambda q, **b: select(q, **b))  # no .store: the SPARQL path
    finally:
        store.close()
    dataset = ox.Dataset(rows)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    full = hashlib.sha256("".join(sorted(f"{q} .\n" for q in dataset)).encode()).hexdigest()
    assert fast == full == bundles.hash_quads(rows)


def test_the_engine_written_bundles_equal_the_general_path(copy: Path) -> None:
    """bundle-lines.rq (the fast path) and bundle.rq (rows, canonicalized) agree, also on a
    bundle with a blank node (the fast path hands that claim to the general path)."""
    tamper(copy, add=[ox.Quad(ox.NamedNode(SPAN), ox.NamedNode(CG + "note"), ox.BlankNode())])
    store = EmbeddedStore(copy)
    try:
        with store.reader() as r:
            select = bundles.store_select(r)
            fast = bundles.bundle_hashes(select)
            general = bundles.bundle_hashes(lambda q, **b: select(q, **b))
            one = bundles.bundle_hashes(select, ox.NamedNode(CLAIM))
            stored = {c: h for c, (h, _) in bundles.stored_hashes(select).items()}
    finally:
        store.close()
    assert fast == general and one == {CLAIM: fast[CLAIM]}
    assert {c for c in fast if fast[c] != stored[c]} == {CLAIM}
