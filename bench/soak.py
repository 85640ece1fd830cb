"""Soak: many clients and one writer against ``claimgraph serve`` for a while, then SIGKILLs (issue 16).

Phase 1 (``--seconds``, default 600, ``--clients``, default 32): clients loop over point, join
and aggregate queries; one writer alternates a Graph Store PUT and a SPARQL Update every second.
Counted: every status (anything but 200/201/204 and the documented 503 is a failure), resident
memory of the server tree, open file descriptors and executor processes, sampled every 5 s.

Phase 2: SIGKILL a worker in the middle of a PUT, and an executor in the middle of a query.
Then the server must answer again, and after a restart on the same store (it opens) every
acknowledged write must be there.

    python -m bench.soak --quads 1000000 --workdir var/soak --json var/soak/soak.json

Without ``--store`` a store is generated into ``--workdir`` (``bench/generate.py``, ``--quads``)
or, with ``--quads 0``, built from the seed articles. Loopback only; everything is bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

from bench.generate import generate_file
from bench.run import BIN, Server, claimgraph_command

TOKEN = "soak-token"
OK = {200, 201, 204}
QUERIES = {
    "point": "SELECT ?p ?o WHERE { <%s> ?p ?o } LIMIT 100",
    "join": "SELECT ?s ?p2 ?o2 WHERE { ?s ?p <%s> . ?s ?p2 ?o2 } LIMIT 100",
    "aggregate": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p",
}


def _failed(key: str) -> bool:
    """A tally key ("point 200", "put ConnectionResetError") that is neither success nor a 503."""
    status = key.split()[1]
    return not (status.isdigit() and int(status) in OK | {503})


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def select(port: int, query: str, timeout: float = 60) -> tuple[int, bytes]:
    return request(
        port,
        "GET",
        "/sparql?" + urllib.parse.urlencode({"query": query}),
        headers={"Accept": "application/sparql-results+json"},
        timeout=timeout,
    )


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()
        self.bad: list[str] = []
        self.latency: dict[str, list[float]] = {k: [] for k in (*QUERIES, "put", "update")}

    def add(self, kind: str, status: int | str, took: float, detail: bytes = b"") -> None:
        with self.lock:
            self.statuses[f"{kind} {status}"] += 1
            self.latency[kind].append(took)
            if status not in OK and status != 503 and len(self.bad) < 20:
                self.bad.append(f"{kind} {status} {detail[:200]!r}")


def client_loop(port: int, subjects: list[str], stop: threading.Event, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        kind = rng.choice(("point", "point", "join", "aggregate"))
        text = QUERIES[kind] % rng.choice(subjects) if "%s" in QUERIES[kind] else QUERIES[kind]
        started = time.monotonic()
        try:
            status, body = select(port, text)
        except OSError as exc:
            status, body = type(exc).__name__, b""
        tally.add(kind, status, time.monotonic() - started, body)


def write(port: int, i: int) -> tuple[str, int | str, float]:
    """One write; returns (graph IRI written, status, seconds)."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    started = time.monotonic()
    if i % 2 == 0:
        graph = f"http://example.org/soak/put/{i}"
        body = b"".join(
            b'<http://example.org/soak/s%d> <http://example.org/soak/p> "%d" .\n' % (i, k) for k in range(50)
        )
        try:
            status, _ = request(
                port,
                "PUT",
                "/store?" + urllib.parse.urlencode({"graph": graph}),
                body,
                {**auth, "Content-Type": "application/n-triples"},
            )
        except OSError as exc:
            status = type(exc).__name__
    else:
        graph = f"http://example.org/soak/update/{i}"
        update = (
            f'INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/soak/s{i}> <http://example.org/soak/p> "{i}" }} }}'
        )
        try:
            status, _ = request(
                port,
                "POST",
                "/sparql",
                urllib.parse.urlencode({"update": update}).encode(),
                {**auth, "Content-Type": "application/x-www-form-urlencoded"},
            )
        except OSError as exc:
            status = type(exc).__name__
    return graph, status, time.monotonic() - started


def writer_loop(port: int, stop: threading.Event, tally: Tally, acknowledged: list[str], start: int) -> None:
    i = start
    while not stop.is_set():
        graph, status, took = write(port, i)
        tally.add("put" if i % 2 == 0 else "update", status, took)
        if status in OK:
            acknowledged.append(graph)
        i += 1
        stop.wait(max(0.0, 1.0 - took))


def tree(server: Server) -> tuple[psutil.Process, list[psutil.Process], list[psutil.Process]]:
    """The master, its workers, and the query executors (spawned children of workers)."""
    assert server.process is not None
    master = psutil.Process(server.process.pid)
    workers = [p for p in master.children() if "claimgraph.cli" in _cmdline(p)]
    executors = [p for w in workers for p in w.children() if "executor:_executor_main" in _cmdline(p)]
    return master, workers, executors


def _cmdline(process: psutil.Process) -> str:
    """A process's command line, empty for one that has just exited (an update or upload child
    caught between its exit and its parent's wait: a zombie has none)."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def _mib(procs: list[psutil.Process], field: str = "rss") -> float:
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += getattr(p.memory_full_info(), field)
    return round(total / 2**20, 1)


def sample(server: Server) -> dict[str, float]:
    """The tree's memory (RSS, PSS; RSS per role: where growth is), descriptors and processes."""
    master, workers, executors = tree(server)
    procs = [master, *master.children(recursive=True)]
    fds = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            fds += p.num_fds()
    return {
        "t": round(time.monotonic(), 1),
        "rss_mib": _mib(procs),
        "pss_mib": _mib(procs, "pss"),
        "master_rss_mib": _mib([master]),
        "workers_rss_mib": _mib(workers),
        "executors_rss_mib": _mib(executors),
        "fds": fds,
        "processes": len(procs),
        "workers": len(workers),
        "executors": len(executors),
    }


def readable(port: int, graphs: list[str]) -> list[str]:
    """The acknowledged graphs that a query cannot find."""
    missing = []
    for graph in graphs:
        status, body = request(
            port,
            "GET",
            "/sparql?" + urllib.parse.urlencode({"query": f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"}),
            headers={"Accept": "application/sparql-results+json"},
        )
        if status != 200 or not json.loads(body)["boolean"]:
            missing.append(graph)
    return missing


def kill_phase(server: Server, tally: Tally, acknowledged: list[str]) -> dict[str, Any]:
    """SIGKILL a worker mid-PUT and an executor mid-query; what the clients saw."""
    port = server.port
    out: dict[str, Any] = {}
    # A worker, while PUTs are running (a larger body: the write takes a while).
    results: list[tuple[str, int | str, float]] = []
    writers = [threading.Thread(target=lambda k=k: results.append(write(port, 1_000_000 + 2 * k))) for k in range(4)]
    for t in writers:
        t.start()
    time.sleep(0.05)
    _, workers, _ = tree(server)
    victim = workers[0]
    os.kill(victim.pid, signal.SIGKILL)
    for t in writers:
        t.join(120)
    out["worker_killed"] = victim.pid
    out["puts_during_worker_kill"] = [str(s) for _, s, _ in results]
    acknowledged += [g for g, s, _ in results if s in OK]
    # An executor, while an aggregate runs.
    time.sleep(3)  # gunicorn starts a new worker
    answers: list[int | str] = []

    def heavy() -> None:
        try:
            answers.append(select(port, QUERIES["aggregate"])[0])
        except OSError as exc:
            answers.append(type(exc).__name__)

    queries = [threading.Thread(target=heavy) for _ in range(4)]
    for t in queries:
        t.start()
    time.sleep(0.05)
    _, _, executors = tree(server)
    if executors:
        os.kill(executors[0].pid, signal.SIGKILL)
        out["executor_killed"] = executors[0].pid
    for t in queries:
        t.join(120)
    out["queries_during_executor_kill"] = [str(a) for a in answers]
    # Serves on?
    deadline = time.monotonic() + 30
    status: int | str = "none"
    while time.monotonic() < deadline:
        try:
            status = select(port, "ASK { ?s ?p ?o }", timeout=10)[0]
        except OSError as exc:
            status = type(exc).__name__
        if status == 200:
            break
        time.sleep(0.5)
    out["serves_after_kills"] = status == 200
    return out


def prepare_store(args: argparse.Namespace) -> Path:
    if args.store:
        return args.store
    store = args.workdir / "store"
    if store.exists():
        return store
    if args.quads:
        data = args.workdir / f"{args.quads}.nq"
        generate_file(data, args.quads)
        subprocess.run([str(BIN / "claimgraph"), "load", "--no-validate", "--store", str(store), str(data)], check=True)
    else:
        subprocess.run([str(BIN / "claimgraph"), "build", "--store", str(store)], check=True)
    return store


def subjects_of(port: int, n: int = 2000) -> list[str]:
    status, body = select(port, f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s)) }} LIMIT {n}")
    assert status == 200, body[:200]
    return [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a store to soak (it is written to)")
    parser.add_argument("--workdir", type=Path, default=Path("var/soak"))
    parser.add_argument("--quads", type=int, default=1_000_000, help="generated store size (0: the seeds)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--warmup", type=float, default=30, help="seconds before RSS growth is measured")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    store = prepare_store(args)

    command = [c for c in claimgraph_command(store, 0, 0) if c not in ("--workers", "--threads", "0")]
    server = Server("claimgraph", command, "/sparql", env={"CLAIMGRAPH_UPDATE_TOKEN": TOKEN})
    server.start(args.workdir, 300)
    tally, acknowledged, samples = Tally(), [], []
    result: dict[str, Any] = {
        "clients": args.clients,
        "seconds": args.seconds,
        "store": str(store),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        subjects = subjects_of(server.port)
        stop = threading.Event()
        threads = [
            threading.Thread(target=client_loop, args=(server.port, subjects, stop, tally, k), daemon=True)
            for k in range(args.clients)
        ]
        threads.append(
            threading.Thread(target=writer_loop, args=(server.port, stop, tally, acknowledged, 0), daemon=True)
        )
        started = time.monotonic()
        for t in threads:
            t.start()
        while time.monotonic() - started < args.seconds:
            samples.append(sample(server))
            time.sleep(5)
        stop.set()
        for t in threads:
            t.join(120)
        samples.append(sample(server))
        warm = [s for s in samples if s["t"] - samples[0]["t"] >= args.warmup] or samples
        result.update(
            {
                "statuses": dict(tally.statuses),
                "failures": sum(n for k, n in tally.statuses.items() if _failed(k)),
                "failure_examples": tally.bad,
                "median_ms": {k: round(1000 * statistics.median(v), 1) for k, v in tally.latency.items() if v},
                "max_ms": {k: round(1000 * max(v), 1) for k, v in tally.latency.items() if v},
                "queries_per_s": round(sum(len(tally.latency[k]) for k in QUERIES) / args.seconds, 1),
                "rss_mib_after_warmup": [warm[0]["rss_mib"], max(s["rss_mib"] for s in warm), warm[-1]["rss_mib"]],
                "pss_mib_after_warmup": [warm[0]["pss_mib"], max(s["pss_mib"] for s in warm), warm[-1]["pss_mib"]],
                "rss_mib_by_role_after_warmup": {
                    role: [warm[0][role], max(s[role] for s in warm), warm[-1][role]]
                    for role in ("master_rss_mib", "workers_rss_mib", "executors_rss_mib")
                },
                "load_average_at_end_of_soak": [round(x, 2) for x in os.getloadavg()],
                "fds_after_warmup": [warm[0]["fds"], max(s["fds"] for s in warm), warm[-1]["fds"]],
                "executors": sorted({s["executors"] for s in samples}),
                "acknowledged_writes": len(acknowledged),
                "missing_after_soak": readable(server.port, acknowledged),
            }
        )
        result["kills"] = kill_phase(server, tally, acknowledged)
    finally:
        server.stop()
    # The store opens again, and every acknowledged write is there.
    server.start(args.workdir, 300)
    try:
        result["missing_after_restart"] = readable(server.port, acknowledged)
        result["serves_after_restart"] = select(server.port, "ASK { ?s ?p ?o }")[0] == 200
    finally:
        server.stop()
    result["samples"] = samples
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    ok = (
        result["failures"] == 0
        and not result["missing_after_soak"]
        and not result["missing_after_restart"]
        and result["kills"]["serves_after_kills"]
        and result["serves_after_restart"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
