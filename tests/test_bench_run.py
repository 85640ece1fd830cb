"""The benchmark runs end to end on a tiny graph and writes well-formed results.

Real servers side by side (the Oxigraph server, claimgraph with and without its cache,
rdflib-endpoint; ``make install`` installs the reference servers through the ``bench`` extra).
Timings are never asserted: only that every measurement is there, is a number in its range,
and that the servers agree on the answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.generate import VOCAB, generate_file
from bench.queries import MIX
from tests.conftest import ROOT

SERVERS = ["oxigraph", "claimgraph", "claimgraph+cache", "rdflib-endpoint"]


def test_generator_writes_the_claimgraph_layout(tmp_path: Path) -> None:
    man = generate_file(tmp_path / "g.nq", 5000, seed=7)
    quads = list(ox.parse(path=str(tmp_path / "g.nq"), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == man.quads >= 5000
    default = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
    named = [q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)]
    # Claimed propositions live only in their own named graph, never in the default graph.
    relations = set(VOCAB["relations"].split("|"))
    assert named and all(q.predicate.value in relations for q in named)
    assert not any(q.predicate.value in relations for q in default)
    assert all(q.graph_name.value.startswith(man.base + "id/proposition/") for q in named)
    types = Counter(q.object.value for q in default if q.predicate.value == VOCAB["type"])
    assert types[VOCAB["Claim"]] == man.claims and types[VOCAB["Span"]] == man.claims
    # Reporting chains and contradictions exist (the query mix needs them).
    preds = Counter(q.predicate.value for q in default)
    assert preds[VOCAB["quotedFrom"]] > 0 and man.chained_claims
    stances = Counter(q.object.value for q in default if q.predicate.value == VOCAB["stance"])
    assert stances[VOCAB["asserts"]] > 0 and stances[VOCAB["denies"]] > 0
    # Same seed and size, same data: the mix's parameters always exist.
    again = generate_file(tmp_path / "h.nq", 5000, seed=7)
    assert (tmp_path / "g.nq").read_bytes() == (tmp_path / "h.nq").read_bytes()
    assert again.claims_sample == man.claims_sample


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    bin_dir = Path(sys.executable).parent
    missing = [name for name in ("oxigraph", "rdflib-endpoint", "granian") if not (bin_dir / name).exists()]
    assert not missing, f"reference servers not installed ({missing}): run `make install` (the bench extra)"
    work = tmp_path_factory.mktemp("bench")
    out = work / "tiny.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--triples",
            "3000",
            "--workdir",
            str(work),
            "--json",
            str(out),
            "--iterations",
            "3",
            "--clients",
            "1,8,32",
            "--duration",
            "0.6",
            "--rounds",
            "2",
            "--large-repeats",
            "1",
            "--start-repeats",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads(out.read_text())
    data["_stdout"] = done.stdout
    data["_workdir"] = str(work)
    return data


def test_environment_and_data_are_recorded(results: dict) -> None:
    env = results["environment"]
    assert env["cores"] >= 1 and env["cpu"] is not None
    for dist in ("pyoxigraph", "oxigraph", "rdflib-endpoint", "gunicorn", "claimgraph"):
        assert env["versions"][dist]
    assert results["data"]["quads"] >= 3000 and results["data"]["claims"] > 0
    assert "bench.run" in results["command"] or "run.py" in results["command"]


def test_bulk_load_compares_both_loaders(results: dict) -> None:
    load = results["load"]
    for name in ("oxigraph load", "claimgraph load"):
        assert "error" not in load[name], load[name]
        assert load[name]["seconds"] > 0 and load[name]["triples_per_s"] > 0
    assert load["ratio_claimgraph_to_oxigraph"] > 0


def test_every_server_started_and_answered(results: dict) -> None:
    start = results["start"]
    assert set(start) == set(SERVERS)
    for name in SERVERS:
        assert all(s > 0 for s in start[name]["seconds"])
    assert len(start["oxigraph"]["seconds"]) == 2 and len(start["rdflib-endpoint"]["seconds"]) == 1


def test_latency_per_query_with_ratios_and_agreeing_answers(results: dict) -> None:
    lat = results["latency"]
    assert lat["mismatches"] == [] and lat["errors"] == {}
    assert set(lat["queries"]) == {q.name for q in MIX}
    for name, q in lat["queries"].items():
        assert set(q["servers"]) == {"oxigraph", "claimgraph", "rdflib-endpoint"}, name
        for stats in q["servers"].values():
            assert stats["n"] == 3 and 0 < stats["median_ms"] <= stats["p95_ms"]
            assert stats["ratio_to_oxigraph"] > 0
        assert q["servers"]["oxigraph"]["ratio_to_oxigraph"] == 1.0


def test_repeated_mix_includes_the_cache(results: dict) -> None:
    rep = results["repeated"]
    assert set(rep["mix_median_total_ms"]) == {"oxigraph", "claimgraph", "claimgraph+cache"}
    assert rep["ratio_to_oxigraph"]["oxigraph"] == 1.0
    assert all(v > 0 for v in rep["mix_median_total_ms"].values())


def test_throughput_at_each_concurrency(results: dict) -> None:
    levels = results["throughput"]["levels"]
    assert set(levels) == {"1", "8", "32"}
    for level in levels.values():
        assert set(level["qps"]) == set(SERVERS)
        assert all(v > 0 for v in level["qps"].values())
        assert all(v == 0 for v in level["failed"].values()), level["failed"]
        assert level["ratio_to_oxigraph"]["oxigraph"] == 1.0
        assert level["ratio_to_rdflib_endpoint"]["rdflib-endpoint"] == 1.0
        # CPU per query by role: the Oxigraph server is one process; claimgraph's queries run in
        # its executors (counted apart from the gunicorn worker that takes the requests)
        cpu = level["cpu_ms_per_query"]
        assert set(cpu) == set(SERVERS)
        assert set(cpu["oxigraph"]) == {"server", "client"} and cpu["oxigraph"]["server"] > 0
        assert {"server", "worker", "executor", "client"} <= set(cpu["claimgraph"])
        assert cpu["claimgraph"]["executor"] > 0 and cpu["claimgraph"]["worker"] > 0
        assert all(v >= 0 for roles in cpu.values() for v in roles.values())
        # the windowed rate beside the rate of every query sent, over the time to its answer
        assert set(level["qps_all_answered"]) == set(SERVERS) and all(v > 0 for v in level["qps_all_answered"].values())
        assert level["all_answered_ratio_to_oxigraph"]["oxigraph"] == 1.0
        assert all(level["wall_seconds"][n] >= 0.3 and level["late"][n] >= 0 for n in SERVERS)
        for name in SERVERS:  # the answers per query of the mix add up to the windowed count
            assert sum(level["answered_per_query"][name].values()) == round(level["qps"][name] * 0.6)


def test_memory_of_each_server_idle_and_under_the_most_clients(results: dict) -> None:
    memory = results["throughput"]["memory"]
    assert set(memory) == set(SERVERS)
    for m in memory.values():
        # PSS counts shared pages once: never more than RSS, and both measured for every tree.
        assert 0 < m["idle_pss_mib"] <= m["idle_rss_mib"]
        assert 0 < m["busy_pss_mib_at_32"] <= m["busy_rss_mib_at_32"]
        assert 0 < m["idle_after_pss_mib"] <= m["idle_after_rss_mib"]
        assert set(m["rss_ratio_to_oxigraph"]) == {"idle", "busy", "idle_after"}
    assert memory["oxigraph"]["rss_ratio_to_oxigraph"]["busy"] == 1.0


def test_large_result_rows_and_memory(results: dict) -> None:
    large = results["large"]
    assert set(large) == {"oxigraph", "claimgraph", "rdflib-endpoint"}
    rows = {e["rows"] for e in large.values()}
    assert len(rows) == 1 and rows.pop() > 0  # the same answer everywhere
    for e in large.values():
        assert e["rows_per_s"] > 0 and e["rss_peak_mb"] >= e["rss_before_mb"] > 0


def test_markdown_report_has_every_section(results: dict) -> None:
    text = results["_stdout"]
    for heading in (
        "### Bulk load",
        "### Time to first answer",
        "### Latency per query",
        "### Repeated mix",
        "### Throughput",
        "### CPU per query of the throughput mix",
        "### Large result",
    ):
        assert heading in text
    assert "| point_claim |" in text


def test_targets_table_says_met_or_missed_for_each_target(results: dict) -> None:
    from bench.report import targets

    table = targets(results)
    for target in (
        "latency within 1.25x",
        "repeated mix",
        "throughput at 8 clients",
        "throughput at 32 clients",
        "large result rows/s",
        "memory flat",
        "server tree RSS <= 2.5x oxigraph (busy",
        "start on an existing",
        "bulk load",
    ):
        line = next((row for row in table.splitlines() if target in row), None)
        assert line is not None, target
        assert line.rstrip(" |").endswith(("met", "missed")), line


def test_a_server_that_times_out_is_restarted_and_measured_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A given-up request leaves some servers busy with it (rdflib-endpoint cannot cancel): the
    latency phase restarts a server after a timeout, records that query as too slow and goes on."""
    import bench.run as run
    from bench.queries import BenchQuery

    man = generate_file(tmp_path / "g.nq", 2000, seed=3)
    ox_dir = tmp_path / "ox"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "oxigraph"),
            "load",
            "--location",
            str(ox_dir),
            "--file",
            str(tmp_path / "g.nq"),
        ],
        check=True,
        capture_output=True,
    )
    server = run.Server(
        "oxigraph",
        [
            str(Path(sys.executable).parent / "oxigraph"),
            "serve",
            "--location",
            str(ox_dir),
            "--bind",
            "127.0.0.1:{port}",
        ],
        "/query",
    )
    server.start(tmp_path, 60)
    first_pid = server.process.pid
    # Millions of joined rows: far past a 50 ms limit even on 2 000 triples.
    cross = BenchQuery("cross", "a cross join", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    try:
        monkeypatch.setattr(run, "REQUEST_TIMEOUT", 0.05)
        result = run.phase_latency([server], json.loads((tmp_path / "g.nq.json").read_text()), 2, 1, [cross, MIX[0]])
        assert result["timed_out"] == ["oxigraph/cross"]
        assert server.process.pid != first_pid  # restarted...
        assert result["queries"]["point_claim"]["servers"]["oxigraph"]["n"] == 2  # ...and measured on
        assert server.client().query(MIX[0].text(man.claims_sample[0]))[0] == 200
    finally:
        server.stop()


def test_floor_compares_claimgraph_with_the_bare_http_servers(results: dict, tmp_path: Path) -> None:
    """bench.floor on the stores bench.run left: every server measured, numbers in range."""
    out = tmp_path / "floor.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.floor",
            "--workdir",
            results["_workdir"],
            "--triples",
            "3000",
            "--requests",
            "40",
            "--rounds",
            "2",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    floor = json.loads(out.read_text())
    assert list(floor["servers"]) == [
        "oxigraph",
        "hello (gunicorn)",
        "claimgraph (gunicorn)",
        "hello (granian)",
        "claimgraph (granian)",
    ]
    for name, entry in floor["servers"].items():
        assert entry["n"] == 80 and 0 < entry["median_ms"] <= entry["p90_ms"], name
        assert entry["server_cpu_ms_per_request"] >= 0, name
    assert floor["servers"]["oxigraph"]["ratio_to_oxigraph"] == 1.0
    assert "| claimgraph (gunicorn) |" in done.stdout
