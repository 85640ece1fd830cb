"""A small bounded run of bench/fuzz_hostile.py: mutated queries, updates, uploads and broken
framing against a real server; no 5xx but time-outs, a healthy server after every input, a
silent loopback listener, and a store dump equal to the writes answered 2xx.
(The full run's figures are in docs/security.md.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.fuzz_hostile import Fuzzer
from conftest import UPDATE_TOKEN, claimgraph, start_server, stop_server


@pytest.fixture
def fuzz_server(tmp_path: Path):
    src = tmp_path / "start.nt"
    src.write_text("".join(f"<http://e/a{i}> <http://e/p> <http://e/b{i}> .\n" for i in range(20)))
    store_dir = tmp_path / "store"
    claimgraph("load", "--store", str(store_dir), "--graph", "http://fuzz.example/start", str(src))
    srv = start_server(
        store_dir, "--workers", "2", "--query-workers", "1", "--timeout", "3", "--update-token", UPDATE_TOKEN
    )
    yield srv
    stop_server(srv)


def test_a_bounded_fuzz_run_is_clean(fuzz_server) -> None:
    report = Fuzzer(fuzz_server.url, UPDATE_TOKEN, seed=7).run({"query": 40, "update": 30, "upload": 30, "raw": 20})
    summary = report.as_dict()
    assert sum(summary["inputs"].values()) == 120
    assert report.clean, json.dumps(summary, indent=2)
