"""Benchmark claimgraph against the Oxigraph server and rdflib-endpoint on the same data.

One run: generate (or reuse) a claim graph, bulk-load it with ``oxigraph load`` and
``claimgraph load``, start every server on it, then measure side by side, interleaving the
servers (A B C A B C ... with the order rotated each round, so that a noisy neighbour on a shared
machine hurts every server alike):

- ``load``: bulk load triples/s, ``claimgraph load`` vs ``oxigraph load``;
- ``start``: time from process start to the first answered query, on the existing store
  (rdflib-endpoint re-parses its file, so its figure includes the parse);
- ``latency``: per query of the mix, median and p95 over iterations, with fresh parameters each
  time (cold result cache), and the ratio to the Oxigraph server;
- ``repeated``: the same few queries again and again (the result cache's case);
- ``throughput``: queries/s of the light mix at 1, 8 and 32 concurrent clients;
- ``large``: a 200 000-row result: rows/s and the server's peak memory (whole process tree).

The servers: ``oxigraph`` (``oxigraph serve``), ``claimgraph`` (gunicorn, result cache off),
``claimgraph+cache`` (same store, cache on), ``rdflib-endpoint`` (``--store Oxigraph``).

    nice python -m bench.run --triples 1000000 --workdir var/bench --json var/bench/1m.json

Everything is bounded: each phase by a count or a duration, each request by a timeout, and every
server started here is stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import psutil

from bench.generate import generate_file
from bench.queries import LARGE, MIX, PROBE, BenchQuery, draw
from claimgraph.sizing import plan

SERVERS = ("oxigraph", "claimgraph", "claimgraph+cache", "rdflib-endpoint")
OPTIONAL_SERVERS = ("claimgraph-granian",)
PHASES = ("load", "start", "latency", "repeated", "throughput", "large")
REQUEST_TIMEOUT = 600.0
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- HTTP client: one keep-alive connection per thread, GET with ?query= (all three accept it) --


class Client:
    """A minimal SPARQL protocol client; http.client keeps its own cost small next to the server's."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self.host, self.port, self.path = host, port, path
        self.conn: http.client.HTTPConnection | None = None

    def query(self, text: str, accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
        url = self.path + "?" + urllib.parse.urlencode({"query": text})
        for attempt in (1, 2):  # a keep-alive connection the server closed gets one retry
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
            try:
                self.conn.request("GET", url, headers={"Accept": accept})
                resp = self.conn.getresponse()
                body = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, body
            except TimeoutError:
                self.close()  # a slow answer is not retried: it is recorded as too slow
                raise
            except (http.client.HTTPException, ConnectionError, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def count_results(body: bytes, accept: str) -> int:
    """Rows of a SELECT, 1/0 for an ASK, triples of a CONSTRUCT: used to check the servers agree."""
    if accept == "text/turtle":
        import pyoxigraph as ox

        return sum(1 for _ in ox.parse(body, ox.RdfFormat.TURTLE))
    data = json.loads(body)
    if "boolean" in data:
        return int(bool(data["boolean"]))
    return len(data["results"]["bindings"])


# -- servers ------------------------------------------------------------------------------


#: What the command line of a claimgraph query executor holds (graph/store/embedded/child.py).
EXECUTOR_MARK = "claimgraph.graph.store.embedded.child"


def cpu_spent(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds per role between two ``cpu_by_process`` looks (a process started in
    between counts from zero; one that ended in between is lost, which the phases avoid by
    being shorter than the executors' idle time)."""
    spent: dict[str, float] = {}
    for pid, (role, cpu) in after.items():
        spent[role] = spent.get(role, 0.0) + cpu - before.get(pid, (role, 0.0))[1]
    return spent


@dataclass
class Server:
    name: str
    command: list[str]
    path: str
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    start_timeout: float = 1800.0

    def start(self, logdir: Path, timeout: float) -> float:
        """Start the server and return seconds until it answered a first query."""
        self.start_timeout = timeout
        self.port = free_port()
        cmd = [c.replace("{port}", str(self.port)) for c in self.command]
        self.log = logdir / f"{self.name}.log"
        started = time.monotonic()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        client = Client("127.0.0.1", self.port, self.path)
        try:
            while time.monotonic() - started < timeout:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log}")
                try:
                    status, body = client.query(PROBE.text())
                    if status == 200:
                        return time.monotonic() - started
                    if 400 <= status < 500:
                        raise RuntimeError(f"{self.name} answered {status}: {body[:200]!r}")
                except OSError:
                    pass
                time.sleep(0.02)
        except BaseException:
            self.stop()
            raise
        finally:
            client.close()
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout:g} s; see {self.log}")

    def client(self) -> Client:
        return Client("127.0.0.1", self.port, self.path)

    def restart(self) -> None:
        """Stop and start again (same log). After a request was given up, a server that cannot
        cancel it (rdflib-endpoint) would stay busy with it and time out every later request."""
        assert self.log is not None
        self.stop()
        self.start(self.log.parent, self.start_timeout)

    def _tree(self) -> list[psutil.Process]:
        """The server and all its children (gunicorn workers, executors)."""
        if self.process is None:
            return []
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss(self) -> int:
        """Resident memory of the server and all its children."""
        total = 0
        for p in self._tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += p.memory_info().rss
        return total

    def memory(self) -> tuple[int, int]:
        """RSS and PSS of the server's process tree, summed. RSS counts a page shared by several
        processes (the engine's library, forked memory) in each of them, as the issue does;
        PSS divides it among them (what the tree costs the machine)."""
        rss = pss = 0
        for p in self._tree():
            with contextlib.suppress(psutil.Error):
                m = p.memory_full_info()
                rss += m.rss
                pss += m.pss
        return rss, pss

    def cpu_seconds(self) -> float:
        """CPU time the server and all its children have used so far."""
        total = 0.0
        for p in self._tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def cpu_by_process(self) -> dict[int, tuple[str, float]]:
        """Per process of the tree: its role and the CPU seconds it has used so far. Roles:
        ``server`` (the process started, e.g. the gunicorn master or the Oxigraph server),
        ``executor`` (claimgraph's query executors), ``worker`` (any other child)."""
        out: dict[int, tuple[str, float]] = {}
        root = self.process.pid if self.process is not None else None
        for p in self._tree():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                if p.pid == root:
                    role = "server"
                elif any(EXECUTOR_MARK in part for part in p.cmdline()):
                    role = "executor"
                else:
                    role = "worker"
                out[p.pid] = (role, t.user + t.system)
        return out

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # its own session: gunicorn and its children
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def claimgraph_command(cg_dir: Path, workers: int, threads: int, venv: Path | None = None) -> list[str]:
    """``claimgraph serve`` on the port the Server picks; with ``venv``, that environment's version
    (``-P``: the current folder, this checkout, must not shadow the package installed there)."""
    python = [str(venv / "bin" / "python"), "-P"] if venv is not None else [str(BIN / "python")]
    return [
        *python,
        "-m",
        "claimgraph.cli",
        "serve",
        "--store",
        str(cg_dir),
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]


def granian_command(app: str, workers: int, threads: int) -> list[str]:
    """A WSGI app under granian (a Rust HTTP server), shaped like the gunicorn server."""
    return [
        str(BIN / "granian"),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        app,
    ]


def oxigraph_server(ox_dir: Path) -> Server:
    return Server(
        "oxigraph", [str(BIN / "oxigraph"), "serve", "--location", str(ox_dir), "--bind", "127.0.0.1:{port}"], "/query"
    )


def make_servers(
    names: Sequence[str], data: Path, ox_dir: Path, cg_dir: Path, args: argparse.Namespace
) -> list[Server]:
    cg = claimgraph_command(cg_dir, args.cg_workers, args.cg_threads)
    cg_env = {"CLAIMGRAPH_QUERY_TIMEOUT": str(REQUEST_TIMEOUT)}
    if args.cg_executors:
        cg_env["CLAIMGRAPH_QUERY_WORKERS"] = str(args.cg_executors)
    table = {
        "oxigraph": oxigraph_server(ox_dir),
        "claimgraph": Server("claimgraph", cg, "/sparql", {**cg_env, "CLAIMGRAPH_CACHE_BYTES": "0"}),
        "claimgraph+cache": Server(
            "claimgraph+cache", cg, "/sparql", {**cg_env, "CLAIMGRAPH_CACHE_BYTES": str(args.cache_mb * 1024 * 1024)}
        ),
        "rdflib-endpoint": Server(
            "rdflib-endpoint",
            [
                str(BIN / "rdflib-endpoint"),
                "serve",
                "--store",
                "Oxigraph",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
                str(data),
            ],
            "/",
        ),
    }
    # The same application under granian (a Rust HTTP server running the WSGI app): measures
    # what gunicorn's Python HTTP handling costs. Not run unless named in --servers.
    table["claimgraph-granian"] = Server(
        "claimgraph-granian",
        granian_command("claimgraph.server.wsgi:app", args.cg_workers, args.cg_threads),
        "/sparql",
        {**cg_env, "CLAIMGRAPH_CACHE_BYTES": "0", "CLAIMGRAPH_STORE": str(cg_dir)},
    )
    if args.cg_variant:
        # The same server from another version (a change being measured), cache off: either a
        # virtual environment (its bin/python runs it) or a folder put first on PYTHONPATH. An
        # editable install's import hook wins over PYTHONPATH, so a venv is the reliable way.
        variant = Path(args.cg_variant).resolve()
        if (variant / "bin" / "python").exists():
            table["claimgraph-variant"] = Server(
                "claimgraph-variant",
                claimgraph_command(cg_dir, args.cg_workers, args.cg_threads, variant),
                "/sparql",
                {**cg_env, "CLAIMGRAPH_CACHE_BYTES": "0"},
            )
        else:
            table["claimgraph-variant"] = Server(
                "claimgraph-variant",
                cg,
                "/sparql",
                {**cg_env, "CLAIMGRAPH_CACHE_BYTES": "0", "PYTHONPATH": str(variant)},
            )
        names = [*names, "claimgraph-variant"]
    return [table[n] for n in names]


def rotated(items: Sequence[Any], k: int) -> list[Any]:
    """ABAB interleaving: each round starts with the next server."""
    k %= max(len(items), 1)
    return list(items[k:]) + list(items[:k])


def summary(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 3), "p95_ms": round(p95 * 1000, 3), "n": len(ordered)}


# -- phases -----------------------------------------------------------------------------------


def phase_load(data: Path, quads: int, ox_dir: Path, cg_dir: Path, log: Path) -> dict[str, Any]:
    """Bulk load into fresh stores with each tool's own command, as its users would."""
    out: dict[str, Any] = {"quads": quads}
    for name, target, cmd in (
        ("oxigraph load", ox_dir, [str(BIN / "oxigraph"), "load", "--location", str(ox_dir), "--file", str(data)]),
        # --no-validate: SHACL checks are for hand-made imports; oxigraph load checks nothing either.
        (
            "claimgraph load",
            cg_dir,
            [str(BIN / "python"), "-m", "claimgraph.cli", "load", "--store", str(cg_dir), "--no-validate", str(data)],
        ),
    ):
        shutil.rmtree(target, ignore_errors=True)
        started = time.monotonic()
        with open(log, "ab") as fh:
            done = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, timeout=3600)
        seconds = time.monotonic() - started
        entry: dict[str, Any] = {"seconds": round(seconds, 3)}
        if done.returncode == 0:
            entry["triples_per_s"] = round(quads / seconds)
        else:
            entry["error"] = f"exit code {done.returncode}; see {log}"
        out[name] = entry
    ox_rate = out["oxigraph load"].get("triples_per_s")
    cg_rate = out["claimgraph load"].get("triples_per_s")
    if ox_rate and cg_rate:
        out["ratio_claimgraph_to_oxigraph"] = round(cg_rate / ox_rate, 3)
    return out


def phase_start(servers: list[Server], logdir: Path, repeats: int, timeout: float) -> dict[str, Any]:
    """Start each server ``repeats`` times (interleaved); the last start stays up for the other phases."""
    times: dict[str, list[float]] = {s.name: [] for s in servers}
    for r in range(repeats):
        for s in rotated(servers, r):
            if s.name == "rdflib-endpoint" and times[s.name]:
                continue  # it re-parses its whole input on every start: once is enough
            s.stop()
            times[s.name].append(s.start(logdir, timeout))
    return {
        name: {"seconds": [round(t, 3) for t in ts], "median_s": round(statistics.median(ts), 3)}
        for name, ts in times.items()
    }


def phase_latency(
    servers: list[Server], manifest: dict[str, Any], iterations: int, seed: int, queries: Sequence[BenchQuery]
) -> dict[str, Any]:
    """Every query of the mix on every server, fresh parameters per iteration, servers rotated."""
    rnd = random.Random(seed)
    clients = {s.name: s.client() for s in servers}
    samples: dict[str, dict[str, list[float]]] = {q.name: {s.name: [] for s in servers} for q in queries}
    mismatches: list[str] = []
    errors: dict[str, int] = {}
    error_samples: dict[str, str] = {}
    too_slow: set[tuple[str, str]] = set()
    for i in range(iterations):
        for q in queries:
            text = draw(q, manifest, rnd)
            counts: dict[str, int] = {}
            for s in rotated(servers, i):
                if (s.name, q.name) in too_slow:
                    continue
                t0 = time.perf_counter()
                try:
                    status, body = clients[s.name].query(text, q.accept)
                except TimeoutError:
                    too_slow.add((s.name, q.name))  # given up for the rest of the run
                    clients[s.name].close()
                    s.restart()  # free of the abandoned computation for the next queries
                    clients[s.name] = s.client()
                    continue
                elapsed = time.perf_counter() - t0
                if status != 200:
                    errors[f"{s.name}/{q.name}"] = errors.get(f"{s.name}/{q.name}", 0) + 1
                    # What the server said, to tell a bench problem from a server problem.
                    error_samples.setdefault(f"{s.name}/{q.name}", f"{status}: {body[:300]!r}")
                    continue
                samples[q.name][s.name].append(elapsed)
                if i < 2:
                    counts[s.name] = count_results(body, q.accept)
            if len(set(counts.values())) > 1:
                mismatches.append(f"{q.name}: {counts}")
    for c in clients.values():
        c.close()
    result: dict[str, Any] = {
        "queries": {},
        "mismatches": mismatches,
        "errors": errors,
        "error_samples": error_samples,
        "timed_out": sorted(f"{s}/{q}" for s, q in too_slow),
        "request_timeout_s": REQUEST_TIMEOUT,
    }
    for q in queries:
        per = {name: summary(ts) for name, ts in samples[q.name].items() if ts}
        for name, _ in samples[q.name].items():
            if (name, q.name) in too_slow:
                per[name] = {**per.get(name, {}), "timed_out": True}
        base = per.get("oxigraph", {}).get("median_ms")
        if base:
            for name, stats in per.items():
                if "median_ms" in stats:
                    stats["ratio_to_oxigraph"] = round(stats["median_ms"] / base, 3)
        result["queries"][q.name] = {"question": q.question, "servers": per}
    return result


def phase_repeated(
    servers: list[Server], manifest: dict[str, Any], iterations: int, seed: int, queries: Sequence[BenchQuery]
) -> dict[str, Any]:
    """The same query texts again and again (after one warm-up pass): what a result cache is for."""
    rnd = random.Random(seed)
    texts = [(q, draw(q, manifest, rnd)) for q in queries]
    return phase_latency_fixed(servers, texts, iterations)


def phase_latency_fixed(servers: list[Server], texts: list[tuple[BenchQuery, str]], iterations: int) -> dict[str, Any]:
    clients = {s.name: s.client() for s in servers}
    samples: dict[str, list[float]] = {s.name: [] for s in servers}
    per_query: dict[str, dict[str, list[float]]] = {q.name: {s.name: [] for s in servers} for q, _ in texts}
    for i in range(iterations + 1):
        for s in rotated(servers, i):
            for q, text in texts:
                t0 = time.perf_counter()
                try:
                    status, _ = clients[s.name].query(text, q.accept)
                except TimeoutError:
                    status = 0
                elapsed = time.perf_counter() - t0
                if i > 0 and status == 200:  # pass 0 warms up (and fills the cache)
                    samples[s.name].append(elapsed)
                    per_query[q.name][s.name].append(elapsed)
    for c in clients.values():
        c.close()
    mix_total = {
        name: round(
            sum(statistics.median(per_query[q.name][name]) for q, _ in texts if per_query[q.name][name]) * 1000, 3
        )
        for name in samples
    }
    base = mix_total.get("oxigraph")
    out: dict[str, Any] = {"mix_median_total_ms": mix_total, "queries": {}}
    if base:
        out["ratio_to_oxigraph"] = {n: round(v / base, 3) for n, v in mix_total.items()}
    for q, _ in texts:
        out["queries"][q.name] = {n: summary(ts) for n, ts in per_query[q.name].items() if ts}
    return out


class Hammered(NamedTuple):
    """What a ``_hammer`` run got back."""

    done: int  # 200s within the window
    failed: int  # other answers (and connection errors) within the window
    late: int  # answers that arrived after the window closed: counted in no rate
    by_query: dict[str, int]  # the 200s within the window, per query of the mix


def _hammer(server: Server, texts: list[tuple[BenchQuery, str]], clients: int, seconds: float) -> Hammered:
    """``clients`` threads each send queries back to back for ``seconds``.

    Only answers that arrive within the window count (as wrk counts): each thread's last query
    is still running when the window closes, and on a server that runs every query at once
    those finish seconds later, all together; counting them would credit a server with work
    done after the time it is divided by."""
    stop_at = time.monotonic() + seconds
    done = [0] * clients
    failed = [0] * clients
    late = [0] * clients
    by_query: list[dict[str, int]] = [{} for _ in range(clients)]

    def worker(k: int) -> None:
        rnd = random.Random(k)
        client = server.client()
        try:
            while time.monotonic() < stop_at:
                q, text = texts[rnd.randrange(len(texts))]
                try:
                    status, _ = client.query(text, q.accept)
                except OSError:
                    status = 0
                if time.monotonic() > stop_at:
                    late[k] += 1
                elif status == 200:
                    done[k] += 1
                    by_query[k][q.name] = by_query[k].get(q.name, 0) + 1
                else:
                    failed[k] += 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + REQUEST_TIMEOUT)
    counts: dict[str, int] = {}
    for part in by_query:
        for name, n in part.items():
            counts[name] = counts.get(name, 0) + n
    return Hammered(sum(done), sum(failed), sum(late), counts)


def phase_throughput(
    servers: list[Server], manifest: dict[str, Any], levels: Sequence[int], seconds: float, rounds: int, seed: int
) -> dict[str, Any]:
    """Queries/s of the light mix (point look-ups, cards, chains, ASK, CONSTRUCT) per concurrency."""
    rnd = random.Random(seed)
    light = [q for q in MIX if q.light]
    texts = [(q, draw(q, manifest, rnd)) for q in light for _ in range(50)]
    out: dict[str, Any] = {"queries": [q.name for q in light], "seconds_per_server_and_level": seconds, "levels": {}}
    # Memory of each server's tree: idle (after the phases before this one) and the most seen
    # while the most clients run (sampled every 0.5 s).
    memory = {s.name: {"idle": s.memory(), "busy": (0, 0), "after": (0, 0)} for s in servers}
    me = psutil.Process()
    for level in levels:
        done = {s.name: 0 for s in servers}
        failed = {s.name: 0 for s in servers}
        # Where the CPU goes: each server's processes by role, and this client (the load
        # generator shares the machine's cores with the server it measures).
        cpu: dict[str, dict[str, float]] = {s.name: {} for s in servers}
        wall = {s.name: 0.0 for s in servers}
        late = {s.name: 0 for s in servers}
        mix: dict[str, dict[str, int]] = {s.name: {} for s in servers}
        for r in range(rounds):
            for s in rotated(servers, r):
                stop = threading.Event()

                def watch(s: Server = s) -> None:
                    while True:  # at once, then every 0.5 s: a short slice is sampled too
                        rss, pss = s.memory()
                        busy = memory[s.name]["busy"]
                        memory[s.name]["busy"] = (max(busy[0], rss), max(busy[1], pss))
                        if stop.wait(0.5):
                            return

                watcher = threading.Thread(target=watch, daemon=True)
                if level == max(levels):
                    watcher.start()
                cpu_before, client_before, t0 = s.cpu_by_process(), sum(me.cpu_times()[:2]), time.monotonic()
                got = _hammer(s, texts, level, seconds / rounds)
                wall[s.name] += time.monotonic() - t0
                for role, spent in cpu_spent(cpu_before, s.cpu_by_process()).items():
                    cpu[s.name][role] = cpu[s.name].get(role, 0.0) + spent
                cpu[s.name]["client"] = cpu[s.name].get("client", 0.0) + sum(me.cpu_times()[:2]) - client_before
                stop.set()
                if watcher.is_alive():
                    watcher.join()
                done[s.name] += got.done
                failed[s.name] += got.failed
                late[s.name] += got.late
                for name, n in got.by_query.items():
                    mix[s.name][name] = mix[s.name].get(name, 0) + n
        qps = {n: round(done[n] / seconds, 1) for n in done}
        # answered after the window: not in qps, but their CPU is in the CPU measured
        entry: dict[str, Any] = {"qps": qps, "failed": failed, "late": late}
        entry["wall_seconds"] = {n: round(w, 2) for n, w in wall.items()}
        entry["answered_per_query"] = mix
        answered = {n: done[n] + failed[n] + late[n] for n in done}
        # Every query the clients sent, answered, over the time until the last answer: the
        # window's rate leaves out the work still running when it closes, which is large when
        # a server runs every client's query at once and the heaviest ones are the ones in
        # flight (the longer a query runs, the likelier it is running at any moment).
        entry["qps_all_answered"] = {n: round(answered[n] / wall[n], 1) for n in done if wall[n]}
        if entry["qps_all_answered"].get("oxigraph"):
            base_all = entry["qps_all_answered"]["oxigraph"]
            entry["all_answered_ratio_to_oxigraph"] = {
                n: round(v / base_all, 3) for n, v in entry["qps_all_answered"].items()
            }
        entry["cpu_ms_per_query"] = {
            n: {role: round(1000 * secs / answered[n], 3) for role, secs in sorted(roles.items())}
            for n, roles in cpu.items()
            if answered[n]
        }
        # the same CPU as cores busy on average: the server tree's share of the machine
        entry["server_cores"] = {
            n: round(sum(v for k, v in roles.items() if k != "client") / wall[n], 2)
            for n, roles in cpu.items()
            if wall[n]
        }
        if qps.get("oxigraph"):
            entry["ratio_to_oxigraph"] = {n: round(v / qps["oxigraph"], 3) for n, v in qps.items()}
        if qps.get("rdflib-endpoint"):
            entry["ratio_to_rdflib_endpoint"] = {n: round(v / qps["rdflib-endpoint"], 3) for n, v in qps.items()}
        out["levels"][str(level)] = entry
    time.sleep(2)
    for s in servers:  # idle again, with what the run left in caches and heaps
        memory[s.name]["after"] = s.memory()
    mib: dict[str, dict[str, Any]] = {
        name: {
            "idle_rss_mib": round(m["idle"][0] / 2**20, 1),
            "idle_pss_mib": round(m["idle"][1] / 2**20, 1),
            f"busy_rss_mib_at_{max(levels)}": round(m["busy"][0] / 2**20, 1),
            f"busy_pss_mib_at_{max(levels)}": round(m["busy"][1] / 2**20, 1),
            "idle_after_rss_mib": round(m["after"][0] / 2**20, 1),
            "idle_after_pss_mib": round(m["after"][1] / 2**20, 1),
        }
        for name, m in memory.items()
    }
    base = mib.get("oxigraph")
    if base:
        for entry in mib.values():
            entry["rss_ratio_to_oxigraph"] = {
                k.split("_rss")[0]: round(v / base[k], 2) for k, v in entry.items() if "_rss_mib" in k and base[k]
            }
    out["memory"] = mib
    return out


def phase_large(servers: list[Server], repeats: int) -> dict[str, Any]:
    """The 200 000-row result: rows/s (to the last byte) and the peak memory of the server's processes."""
    text = LARGE.text()
    out: dict[str, Any] = {}
    per: dict[str, dict[str, list[float]]] = {s.name: {"seconds": [], "peak": [], "base": []} for s in servers}
    rows: dict[str, int] = {}
    for r in range(repeats):
        for s in rotated(servers, r):
            client = s.client()
            base = s.rss()
            peak = [base]
            stop = threading.Event()

            def sample(s: Server = s) -> None:
                while not stop.is_set():
                    peak[0] = max(peak[0], s.rss())
                    stop.wait(0.01)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            t0 = time.perf_counter()
            try:
                status, body = client.query(text, LARGE.accept)
            except TimeoutError:
                status, body = 0, b""
            elapsed = time.perf_counter() - t0
            stop.set()
            sampler.join()
            client.close()
            if status != 200:
                per[s.name].setdefault("errors", []).append(status)
                continue
            rows[s.name] = count_results(body, LARGE.accept)
            per[s.name]["seconds"].append(elapsed)
            per[s.name]["peak"].append(peak[0])
            per[s.name]["base"].append(base)
    for name, d in per.items():
        if not d["seconds"]:
            out[name] = {"error": d.get("errors")}
            continue
        secs = statistics.median(d["seconds"])
        out[name] = {
            "rows": rows[name],
            "median_s": round(secs, 3),
            "rows_per_s": round(rows[name] / secs),
            "rss_before_mb": round(max(d["base"]) / 2**20, 1),
            "rss_peak_mb": round(max(d["peak"]) / 2**20, 1),
            "rss_growth_mb": round((max(d["peak"]) - max(d["base"])) / 2**20, 1),
        }
    base = out.get("oxigraph", {}).get("rows_per_s")
    if base:
        for entry in out.values():
            if "rows_per_s" in entry:
                entry["ratio_to_oxigraph"] = round(entry["rows_per_s"] / base, 3)
    return out


# -- the run ------------------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for dist in (
        "pyoxigraph",
        "oxigraph",
        "rdflib",
        "oxrdflib",
        "rdflib-endpoint",
        "uvicorn",
        "fastapi",
        "flask",
        "gunicorn",
        "granian",
        "claimgraph",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    global REQUEST_TIMEOUT
    REQUEST_TIMEOUT = args.request_timeout
    workdir: Path = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    tag = f"{args.triples}"
    data = workdir / f"claims-{tag}.nq"
    ox_dir, cg_dir = workdir / f"oxigraph-{tag}", workdir / f"claimgraph-{tag}"
    logdir = workdir / f"logs-{tag}"
    logdir.mkdir(exist_ok=True)
    results: dict[str, Any] = {
        "command": " ".join(sys.argv),
        "environment": environment(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    t0 = time.monotonic()
    man = generate_file(data, args.triples, seed=args.seed)
    manifest = dict(man.__dict__)
    results["data"] = {
        "file": str(data),
        "quads": man.quads,
        "claims": man.claims,
        "articles": man.plan["articles"],
        "generate_seconds": man.seconds,
    }
    phases = args.phases
    if "load" in phases or not (ox_dir.exists() and cg_dir.exists()):
        results["load"] = phase_load(data, man.quads, ox_dir, cg_dir, logdir / "load.log")
    if "error" in results.get("load", {}).get("claimgraph load", {}):
        raise SystemExit(f"claimgraph load failed: {results['load']['claimgraph load']['error']}")
    servers = make_servers(args.servers, data, ox_dir, cg_dir, args)
    try:
        results["start"] = phase_start(
            servers, logdir, args.start_repeats if "start" in phases else 1, args.start_timeout
        )
        for s in servers:
            if s.process is None:
                s.start(logdir, args.start_timeout)
        cold = [s for s in servers if s.name != "claimgraph+cache"]
        if "latency" in phases:
            results["latency"] = phase_latency(cold, manifest, args.iterations, args.seed, MIX)
        if "repeated" in phases:
            results["repeated"] = phase_repeated(
                [s for s in servers if s.name != "rdflib-endpoint"], manifest, args.iterations, args.seed + 1, MIX
            )
        if "throughput" in phases:
            results["throughput"] = phase_throughput(
                servers, manifest, args.clients, args.duration, args.rounds, args.seed + 2
            )
        if "large" in phases:
            results["large"] = phase_large(cold, args.large_repeats)
    finally:
        for s in servers:
            s.stop()
    results["total_seconds"] = round(time.monotonic() - t0, 1)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="claimgraph vs Oxigraph server vs rdflib-endpoint, side by side")
    p.add_argument("--triples", type=int, default=1_000_000, help="size of the generated graph")
    p.add_argument("--workdir", type=Path, default=Path("var/bench"), help="data, stores and logs go here")
    p.add_argument("--json", type=Path, default=None, help="write the results here (default: print)")
    p.add_argument(
        "--servers",
        type=lambda s: s.split(","),
        default=list(SERVERS),
        help="comma-separated subset of " + ",".join(SERVERS + OPTIONAL_SERVERS),
    )
    p.add_argument(
        "--phases",
        type=lambda s: s.split(","),
        default=list(PHASES),
        help="comma-separated subset of " + ",".join(PHASES),
    )
    p.add_argument("--iterations", type=int, default=20, help="rounds of the latency mixes")
    p.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 32])
    p.add_argument("--duration", type=float, default=60.0, help="seconds per server and concurrency level")
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="interleaved windows the duration is cut into; keep windows of 30 s or more: the queries in "
        "flight when a window closes are the heaviest ones (docs/benchmarks.md, fifth session)",
    )
    p.add_argument("--large-repeats", type=int, default=3)
    p.add_argument("--start-repeats", type=int, default=3)
    p.add_argument("--start-timeout", type=float, default=1800.0)
    p.add_argument(
        "--cg-workers",
        type=int,
        default=plan().workers,
        help="gunicorn workers of the claimgraph server (default: what claimgraph serve chooses here)",
    )
    p.add_argument("--cg-threads", type=int, default=8, help="threads per gunicorn worker")
    p.add_argument("--cg-executors", type=int, default=0, help="query executors per worker (0: the default)")
    p.add_argument("--cache-mb", type=int, default=64, help="result cache of claimgraph+cache")
    p.add_argument(
        "--cg-variant",
        default=None,
        help="also run 'claimgraph-variant', cache off, to measure a change side by side: a virtual "
        "environment with that version installed (its bin/python runs it), or a folder to put "
        "first on PYTHONPATH",
    )
    p.add_argument(
        "--request-timeout",
        type=float,
        default=120.0,
        help="seconds before a query is recorded as too slow (and not asked again of that server)",
    )
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    bad = set(args.servers) - set(SERVERS) - set(OPTIONAL_SERVERS) | set(args.phases) - set(PHASES)
    if bad:
        p.error(f"unknown server or phase: {', '.join(sorted(bad))}")
    return args


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # so that every server started here is stopped


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    results = run(args)
    text = json.dumps(results, indent=1)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)
        from bench.report import markdown

        print(markdown(results))
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
