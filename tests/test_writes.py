"""Every write is all or nothing: killed loads, failing writes and readers during a big write.

The store publishes each write as a new immutable version (see graph/store/snapshots.py);
these tests attack that from the outside: a real ``claimgraph load`` process killed with
SIGKILL while pyoxigraph's bulk loader is writing, and a real server answering queries while a
large load runs next to it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from conftest import claimgraph, start_server, stop_server
from claimgraph.graph.store import EmbeddedStore, StoreError
from claimgraph.graph.store.embedded.snapshots import open_snapshot

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def write_ntriples(path: Path, n: int, prefix: str = "big", last_line: str | None = None) -> Path:
    with open(path, "w") as f:
        for i in range(0, n, 10_000):
            f.write(
                "".join(
                    f'<http://example.org/{prefix}/s{j // 7}> <http://example.org/p{j % 7}> "value {j}" .\n'
                    for j in range(i, min(i + 10_000, n))
                )
            )
        if last_line is not None:
            f.write(last_line + "\n")
    return path


def dump_bytes(store_dir: Path) -> bytes:
    return claimgraph("dump", "--store", str(store_dir)).stdout.encode()


def quad_count(store_dir: Path) -> int:
    with open_snapshot(store_dir / "oxigraph") as snap:
        return len(snap.store)


@pytest.fixture()
def small_store(tmp_path: Path) -> Path:
    store_dir = tmp_path / "store"
    src = write_ntriples(tmp_path / "small.nt", 1000, prefix="small")
    claimgraph("load", "--store", str(store_dir), "--graph", "http://example.org/small", str(src))
    return store_dir


def _staged_bytes(store_dir: Path) -> int:
    total = 0
    for staging in (store_dir / "versions").glob(".staging-*"):
        for f in staging.glob("*.sst"):
            try:
                if f.stat().st_nlink == 1:  # written by this load, not linked from the copy
                    total += f.stat().st_size
            except FileNotFoundError:
                pass
    return total


def test_a_load_killed_halfway_leaves_the_store_as_it_was(small_store: Path, tmp_path: Path) -> None:
    before = dump_bytes(small_store)
    big = write_ntriples(tmp_path / "big.nt", 300_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimgraph.cli", "load", "--store", str(small_store), "--no-validate", str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Wait until the bulk loader has really written index files of the new data (the part of
    # a load that is not transactional in pyoxigraph), then kill it without warning.
    deadline = time.monotonic() + 60
    while _staged_bytes(small_store) < 1_000_000:
        assert proc.poll() is None, "the load finished before it could be killed halfway"
        assert time.monotonic() < deadline, "the load never started writing"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # The store opens, and nothing of the half load is visible, in a dump or to a query.
    assert quad_count(small_store) == 1000
    assert dump_bytes(small_store) == before
    r = claimgraph("query", "--store", str(small_store), "--format", "csv", COUNT)
    assert r.stdout.split() == ["n", "1000"]

    # The next write clears the leftovers and works.
    src = write_ntriples(tmp_path / "next.nt", 10, prefix="next")
    claimgraph("load", "--store", str(small_store), str(src))
    assert not list((small_store / "versions").glob(".staging-*"))
    assert quad_count(small_store) == 1010


def test_a_syntax_error_on_the_last_line_of_a_big_file_changes_nothing(small_store: Path, tmp_path: Path) -> None:
    before = dump_bytes(small_store)
    bad = write_ntriples(tmp_path / "bad.nt", 200_000, last_line='<http://example.org/x> <http://example.org/p> "open')
    result = claimgraph("load", "--store", str(small_store), "--no-validate", str(bad), check=False)
    assert result.returncode == 1
    assert "line 200001" in result.stderr, result.stderr
    assert "nothing was loaded" in result.stderr
    assert dump_bytes(small_store) == before


def test_several_files_load_all_or_nothing(small_store: Path, tmp_path: Path) -> None:
    before = dump_bytes(small_store)
    good = write_ntriples(tmp_path / "good.nt", 100, prefix="good")
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    result = claimgraph("load", "--store", str(small_store), str(good), str(bad), check=False)
    assert result.returncode == 1 and "bad.ttl" in result.stderr and "line 2" in result.stderr
    assert dump_bytes(small_store) == before


def test_readers_see_before_or_after_a_large_write_never_half(small_store: Path, tmp_path: Path) -> None:
    big = write_ntriples(tmp_path / "big.nt", 100_000)
    server = start_server(small_store, "--workers", "2")
    seen: list[tuple[float, int]] = []
    errors: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        session = requests.Session()
        while not stop.is_set():
            r = session.get(server.sparql, params={"query": COUNT}, headers={"Accept": "text/csv"}, timeout=60)
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text}")
                continue
            seen.append((time.monotonic(), int(r.text.split()[1])))
            time.sleep(0.05)  # leave the two CPUs mostly to the load

    threads = [threading.Thread(target=reader) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        started = time.monotonic()
        load = subprocess.run(
            [
                sys.executable,
                "-m",
                "claimgraph.cli",
                "load",
                "--store",
                str(small_store),
                "--graph",
                "http://example.org/big",
                "--no-validate",
                str(big),
            ],
            capture_output=True,
            text=True,
        )
        finished = time.monotonic()
        assert load.returncode == 0, load.stderr
        # keep reading until the server has picked up the new version
        deadline = time.monotonic() + 30
        while not any(n == 101_000 for _, n in seen[-3:]) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
        stop_server(server)
    assert not errors, errors[:3]
    counts = {n for _, n in seen}
    assert counts <= {1000, 101_000}, f"a reader saw a half-written store: {sorted(counts)}"
    during = [n for at, n in seen if started < at < finished]
    assert during and set(during) <= {1000, 101_000}, "no query was answered while the load ran"
    assert seen[-1][1] == 101_000


def test_a_failing_writer_block_publishes_nothing(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    quad = ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("1"))
    with pytest.raises(RuntimeError):
        with store.writer() as st:
            st.add(quad)
            raise RuntimeError("fails halfway")
    assert store.is_empty()
    with store.writer() as st:
        st.add(quad)
    assert not store.is_empty()
    with pytest.raises(StoreError):
        len(st)  # the handle is closed once the version is published


def test_old_versions_live_while_pinned_and_go_afterwards(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    store.load(b'<http://example.org/a> <http://example.org/p> "1" .', "application/n-triples")
    pinned = open_snapshot(store.db_path)
    old = pinned.path
    store.load(b'<http://example.org/b> <http://example.org/p> "2" .', "application/n-triples")
    store.load(b'<http://example.org/c> <http://example.org/p> "3" .', "application/n-triples")
    assert old.exists() and len(pinned.store) == 1  # the reader still sees its version
    pinned.close()
    store.load(b'<http://example.org/d> <http://example.org/p> "4" .', "application/n-triples")
    assert not old.exists()
    assert [p.name for p in (store.directory / "versions").iterdir()] == [os.readlink(store.db_path).split("/")[-1]]


def test_runaway_updates_are_stopped_and_writers_never_hang(small_store: Path) -> None:
    """pyoxigraph cannot cancel an update: it runs in a child process on a copy, killed at the
    limit; and a write queued behind a long one (a bulk load) gets a 503 instead of hanging."""
    import fcntl

    from conftest import UPDATE_TOKEN

    before = dump_bytes(small_store)
    # --timeout 0.5: queries get 0.5 s, updates (and waits for the write lock) four times that
    server = start_server(
        small_store, "--workers", "1", "--timeout", "0.5", env={"CLAIMGRAPH_UPDATE_TOKEN": UPDATE_TOKEN}
    )
    auth = {"Authorization": f"Bearer {UPDATE_TOKEN}", "Content-Type": "application/sparql-update"}
    ttl = {"Authorization": f"Bearer {UPDATE_TOKEN}", "Content-Type": "text/turtle"}
    try:
        endless = (
            "INSERT { GRAPH <http://example.org/out> { ?a <http://example.org/q> ?i } } "
            "WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?h ?i ?j } }"
        )  # 10^9 rows
        started = time.monotonic()
        r = requests.post(server.sparql, data=endless, headers=auth, timeout=60)
        assert r.status_code == 503, r.text
        assert "time limit" in r.text
        assert time.monotonic() - started < 30
        assert requests.get(server.url + "/dump", timeout=30).content == before

        with open(small_store / "write.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # as a long 'claimgraph load' would
            r = requests.put(
                server.url + "/store?graph=http://example.org/w",
                data="<http://a> <http://b> <http://c> .",
                headers=ttl,
                timeout=60,
            )
            assert r.status_code == 503 and "try again later" in r.text
            fcntl.flock(lock, fcntl.LOCK_UN)
        assert requests.get(server.url + "/dump", timeout=30).content == before

        # the write lock is free again and writes work
        r = requests.post(
            server.sparql,
            data='INSERT DATA { <http://example.org/x> <http://example.org/p> "y" }',
            headers=auth,
            timeout=30,
        )
        assert r.status_code == 204
    finally:
        stop_server(server)
    assert dump_bytes(small_store) != before
