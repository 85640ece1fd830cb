"""``claimgraph load``, ``dump`` and ``backup`` as a user runs them."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from conftest import claimgraph, start_server, stop_server
from claimgraph.graph.store.embedded.snapshots import open_snapshot

CG = "https://w3id.org/claimgraph/ontology#"


def quads(store_dir: Path) -> set[ox.Quad]:
    with open_snapshot(store_dir / "oxigraph") as snap:
        return set(snap.store)


def test_gzip_turtle_into_a_graph_with_relative_iris_and_a_summary(tmp_path: Path) -> None:
    src = tmp_path / "people.ttl.gz"
    with gzip.open(src, "wt") as f:
        f.write("@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n<alice> foaf:knows <bob>, <#carol> .\n")
    store_dir = tmp_path / "store"
    out = claimgraph("load", "--store", str(store_dir), "--graph", "http://example.org/people/", str(src))
    assert out.stdout.startswith("loaded 2 triples into 1 graph(s) from 1 file(s) in ")
    assert "triples/s" in out.stdout
    g = ox.NamedNode("http://example.org/people/")
    knows = ox.NamedNode("http://xmlns.com/foaf/0.1/knows")
    alice = ox.NamedNode("http://example.org/people/alice")
    assert quads(store_dir) == {
        ox.Quad(alice, knows, ox.NamedNode("http://example.org/people/bob"), g),
        ox.Quad(alice, knows, ox.NamedNode("http://example.org/people/#carol"), g),
    }


def test_base_option_and_dataset_files_keep_their_graphs(tmp_path: Path) -> None:
    src = tmp_path / "data.trig"
    src.write_text("<a> <p> <b> .\n<g1> { <c> <p> <d> . }\n")
    store_dir = tmp_path / "store"
    out = claimgraph("load", "--store", str(store_dir), "--base", "http://example.org/", str(src))
    assert "loaded 2 triples into 2 graph(s)" in out.stdout
    ex = "http://example.org/"
    assert ox.Quad(
        ox.NamedNode(ex + "c"), ox.NamedNode(ex + "p"), ox.NamedNode(ex + "d"), ox.NamedNode(ex + "g1")
    ) in quads(store_dir)
    assert ox.Quad(ox.NamedNode(ex + "a"), ox.NamedNode(ex + "p"), ox.NamedNode(ex + "b"), ox.DefaultGraph()) in quads(
        store_dir
    )


def test_unknown_format_and_shape_violations_are_refused(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    odd = tmp_path / "data.unknown"
    odd.write_text("x")
    r = claimgraph("load", "--store", str(store_dir), str(odd), check=False)
    assert r.returncode != 0 and "unknown RDF format" in r.stderr
    claim = tmp_path / "claim.ttl"
    claim.write_text(f"<http://example.org/c1> a <{CG}Claim> .\n")
    r = claimgraph("load", "--store", str(store_dir), str(claim), check=False)
    assert r.returncode == 1 and "a claim needs a speaker (cg:speaker)" in r.stderr
    assert quads(store_dir) == set()
    # plain imports may skip the check
    r = claimgraph("load", "--store", str(store_dir), "--no-validate", str(claim))
    assert len(quads(store_dir)) == 1


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    src = tmp_path / "data.nt"
    src.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(120_000)))
    master, slave = os.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "claimgraph.cli", "load", "--store", str(tmp_path / "store"), str(src)],
            stdout=subprocess.PIPE,
            stderr=slave,
            text=True,
            timeout=120,
        )
        os.close(slave)
        output = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert b"loading" in output and b"100%" in output
    assert "loaded 120000 triples" in proc.stdout


def test_dump_cli_and_http_dump_agree_and_backup_is_independent(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    src = tmp_path / "a.nq"
    src.write_text(
        '<http://example.org/s> <http://example.org/p> "o" <http://example.org/g> .\n_:b <http://example.org/p> "x" .\n'
    )
    claimgraph("load", "--store", str(store_dir), str(src))
    cli_dump = claimgraph("dump", "--store", str(store_dir)).stdout.encode()
    claimgraph("dump", "--store", str(store_dir), "-o", str(tmp_path / "out.nq.gz"))
    assert gzip.decompress((tmp_path / "out.nq.gz").read_bytes()) == cli_dump

    backup_dir = tmp_path / "backup"
    out = claimgraph("backup", "--store", str(store_dir), str(backup_dir))
    assert "backed up version" in out.stdout
    # the backup's database is a plain Oxigraph store
    plain = ox.Store.read_only(str(backup_dir / "oxigraph"))
    assert len(plain) == 2
    del plain
    # changing the original leaves the backup alone
    more = tmp_path / "more.nt"
    more.write_text('<http://example.org/new> <http://example.org/p> "n" .\n')
    claimgraph("load", "--store", str(store_dir), str(more))
    assert claimgraph("dump", "--store", str(backup_dir)).stdout.encode() == cli_dump
    # a second backup into an existing folder is refused
    r = claimgraph("backup", "--store", str(store_dir), str(backup_dir), check=False)
    assert r.returncode == 1 and "already exists" in r.stderr
    # the backup serves
    server = start_server(backup_dir, "--workers", "1")
    try:
        assert requests.get(server.url + "/dump").content == cli_dump
    finally:
        stop_server(server)


@pytest.mark.parametrize("fmt, ext", [("nquads", "nq"), ("trig", "trig")])
def test_dump_round_trips_through_load(tmp_path: Path, fmt: str, ext: str) -> None:
    store_dir = tmp_path / "store"
    src = tmp_path / "a.trig"
    src.write_text(
        '<http://example.org/g> { <http://example.org/s> <http://example.org/p> [ <http://example.org/q> "v" ] . }\n'
        '<http://example.org/d> <http://example.org/p> "default" .\n'
    )
    claimgraph("load", "--store", str(store_dir), str(src))
    out = tmp_path / f"dump.{ext}"
    claimgraph("dump", "--store", str(store_dir), "--format", fmt, "-o", str(out))
    copy_dir = tmp_path / "copy"
    claimgraph("load", "--store", str(copy_dir), str(out))
    a, b = ox.Dataset(quads(store_dir)), ox.Dataset(quads(copy_dir))
    a.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    b.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    assert a == b
