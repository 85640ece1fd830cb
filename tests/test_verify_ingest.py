"""``claimgraph verify`` after incremental writes: ingest, replace and remove no longer re-hash
the whole dataset; each article's ingest record states the content hash of its quads, and
verify checks the record and that every recorded quad is in the store unchanged."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

import pyoxigraph as ox
import requests

from claimgraph.graph.build.ingest import unpack_quads
from conftest import UPDATE_TOKEN, claimgraph, claimgraph_in_process, start_server, stop_server
from corpus_helpers import BASE, CG, write_article
from test_ingest import three_articles

# Each test writes several store versions (seconds each): the full suite runs them, the fast tier does not.
pytestmark = pytest.mark.slow

EPOCH = {"SOURCE_DATE_EPOCH": "1767225600"}


def cli(store: Path, *args: str, check: bool = True):
    return claimgraph_in_process(*args, "--store", str(store), "--base-iri", BASE, check=check)


def verify(store: Path) -> tuple[int, dict]:
    result = cli(store, "verify", "--json", check=False)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def kinds(report: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in report["findings"]:
        out.setdefault(f["kind"], set()).add(f["subject"])
    return out


def raw(store: Path) -> ox.Store:
    return ox.Store(str(store / "oxigraph"))  # the database itself: a change nobody records


def close(st: ox.Store) -> None:
    """Flush ``st``; the caller then drops its own name for it (``del st``), the last reference,
    which closes the database: left open, its compactions delete files under a reader's feet."""
    st.flush()
    del st
    gc.collect()


def test_verify_passes_after_ingest_replace_and_remove(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    three_articles(src)
    cli(store, "ingest", str(src))
    code, report = verify(store)
    assert code == 0, report["findings"]
    assert report["checked"]["ingested articles"] == 3 and report["checked"]["ingested quads"] > 50
    assert report["checked"]["claims"] == 5
    assert any("incremental writes" in n for n in report["notes"])

    write_article(
        src,
        "artikel-b",
        "Bernd Beispiel erklärte, es regne morgen. Er warnte vor Sturm.",
        {"bernd-beispiel": ("Person", "Bernd Beispiel", ["Bernd Beispiel"])},
        [("b-regen", "bernd-beispiel", "es regne morgen"), ("b-sturm", "bernd-beispiel", "warnte vor Sturm")],
    )
    cli(store, "ingest", str(src / "artikel-b.txt"))
    code, report = verify(store)
    assert code == 0, report["findings"]
    assert report["checked"]["claims"] == 6

    cli(store, "remove", "artikel-b")
    code, report = verify(store)
    assert code == 0, report["findings"]
    assert report["checked"]["ingested articles"] == 2 and report["checked"]["claims"] == 4


def test_a_tampered_ingested_quad_is_named(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    three_articles(src)
    cli(store, "ingest", str(src))
    # the document's label is in no claim's bundle: only the ingest record covers it
    doc = ox.NamedNode(BASE + "id/document/artikel-a")
    st = raw(store)
    label = next(
        q
        for q in st.quads_for_pattern(doc, None, None, ox.DefaultGraph())
        if isinstance(q.object, ox.Literal) and q.object.value == "Testartikel artikel-a"
    )
    st.remove(label)
    st.add(
        ox.Quad(
            doc, label.predicate, ox.Literal("Gefälschter Titel", language=label.object.language), ox.DefaultGraph()
        )
    )
    close(st)
    del st
    code, report = verify(store)
    assert code == 1
    found = kinds(report)
    assert set(found) == {"ingested-quad-missing"}, report["findings"]
    assert found["ingested-quad-missing"] == {doc.value}
    (finding,) = report["findings"]
    assert "Testartikel artikel-a" in finding["message"] and finding["details"]["record"].endswith("artikel-a")


def test_a_forged_record_is_named(tmp_path: Path) -> None:
    """Editing store and record together (a label changed in both) leaves the record's quads
    present, but not those its ingest hashed."""
    store, src = tmp_path / "store", tmp_path / "src"
    three_articles(src)
    cli(store, "ingest", str(src))
    record = ox.NamedNode(BASE + "id/ingest/artikel-b")
    graph = ox.NamedNode(BASE + "id/graph/ingest")
    own = ox.NamedNode(CG + "ownQuads")
    st = raw(store)
    (packed,) = st.quads_for_pattern(record, own, None, graph)
    quads = unpack_quads(packed.object)
    forged = [
        ox.Quad(q.subject, q.predicate, ox.Literal("Gefälscht", language="de"), q.graph_name)
        if isinstance(q.object, ox.Literal) and q.object.value == "Testartikel artikel-b"
        else q
        for q in quads
    ]
    assert forged != quads
    for old, new in zip(quads, forged):
        if old != new:
            st.remove(old)
            st.add(new)
    import base64
    import zlib

    data = "".join(f"{q} .\n" for q in forged).encode()
    st.remove(packed)
    st.add(
        ox.Quad(
            record,
            own,
            ox.Literal(base64.b64encode(zlib.compress(data)).decode(), datatype=packed.object.datatype),
            graph,
        )
    )
    close(st)
    del st
    code, report = verify(store)
    assert code == 1
    assert set(kinds(report)) == {"ingest-hash-mismatch"}, report["findings"]
    assert kinds(report)["ingest-hash-mismatch"] == {record.value}


def test_ingest_into_a_built_store_drops_the_seal_and_keeps_checking(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    key = tmp_path / "publisher.key"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    claimgraph("build", "--store", str(store), "--base-iri", BASE, "--sign", str(key), env=EPOCH)
    code, report = verify(store)
    assert code == 0 and report["dataset_hash"]
    assert cli(store, "verify", "--key", str(key), check=False).returncode == 0
    three_articles(src)
    cli(store, "ingest", str(src / "artikel-a.txt"))
    st = raw(store)
    assert not list(st.quads_for_pattern(None, ox.NamedNode(CG + "datasetHash"), None, ox.DefaultGraph()))
    close(st)
    del st
    code, report = verify(store)
    assert code == 0, report["findings"]
    assert report["dataset_hash"] is None and report["checked"]["ingested articles"] == 1
    # the signature went with the seal: an auditor holding the key is told so
    result = cli(store, "verify", "--json", "--key", str(key), check=False)
    assert result.returncode == 1 and set(kinds(json.loads(result.stdout))) == {"signature-missing"}


def test_over_sparql_an_ingested_store_verifies_and_a_change_is_named(tmp_path: Path) -> None:
    """The auditor without the store: the records and the quads are read over plain SPARQL."""
    store, src = tmp_path / "store", tmp_path / "src"
    three_articles(src)
    cli(store, "ingest", str(src))
    server = start_server(store, "--base-iri", BASE, "--update-token", UPDATE_TOKEN)
    try:
        endpoint = server.url + "/sparql"
        result = claimgraph("verify", "--json", "--endpoint", endpoint, check=False)
        report = json.loads(result.stdout)
        assert result.returncode == 0, report["findings"]
        assert report["checked"]["ingested articles"] == 3
        doc = BASE + "id/document/artikel-c"
        r = requests.post(
            endpoint,
            headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
            timeout=60,
            data={
                "update": f'DELETE {{ <{doc}> ?p ?o }} INSERT {{ <{doc}> ?p "Anders"@de }} '
                f'WHERE {{ <{doc}> ?p ?o FILTER(STR(?o) = "Testartikel artikel-c") }}'
            },
        )
        assert r.status_code in (200, 204), r.text
        result = claimgraph("verify", "--json", "--endpoint", endpoint, check=False)
        report = json.loads(result.stdout)
        assert result.returncode == 1
        assert kinds(report) == {"ingested-quad-missing": {doc}}, report["findings"]
    finally:
        stop_server(server)


def test_same_message_links_stay_out_of_the_bundle_on_both_hashing_paths(tmp_path: Path) -> None:
    """cg:sameMessageAs changes when other articles come and go: bundle.rq leaves it out, and so
    must the engine-written lines (bundle-lines.rq) verify uses on a store (they once did not:
    verify named claims of the SpkAtt corpus as tampered)."""
    store, src = tmp_path / "store", tmp_path / "src"
    words = "die Regierung werde die Steuern im kommenden Jahr deutlich senken"
    for slug, name in (("artikel-x", "Xaver Muster"), ("artikel-y", "Yvonne Muster")):
        write_article(
            src,
            slug,
            f"{name} sagte, {words}.",
            {"sprecher": ("Person", name, [name])},
            [(f"{slug}-steuern", "sprecher", words)],
        )
    cli(store, "ingest", str(src))
    st = raw(store)
    links = list(st.quads_for_pattern(None, ox.NamedNode(CG + "sameMessageAs"), None, ox.DefaultGraph()))
    close(st)
    del st
    assert links, "the two claims should be grouped as the same message"
    code, report = verify(store)
    assert code == 0, report["findings"]
