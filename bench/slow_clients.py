"""Slow clients against ``claimgraph serve``: are other clients still answered? (issue 16)

One process plays the attacker with raw sockets, on loopback only:

- ``--slow`` connections send a request head one header line every ``--line-every`` seconds
  (staggered); a connection the server closes (408 at its head deadline) is opened again at once,
  so that many are always being held;
- ``--idle`` connections send one complete request, read the answer and then sit idle on the
  kept-alive connection; one the server closes (its keep-alive timeout) is opened again.

Meanwhile a separate client sends a probe (a real SPARQL query) every ``--probe-every`` seconds
on a fresh connection and times it. Printed (and written with ``--json``): probe latencies
(median, p99, max), probes failed or slower than 1 s, connections held (sampled), 408s seen.

    python -m bench.slow_clients --store var/store --slow 1000 --idle 1000 --seconds 60

Without ``--store`` the seed articles are built into ``--workdir`` first. Bounded by
``--seconds``; the server started here is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench.run import BIN, Server, claimgraph_command

PROBE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


class Attacker(threading.Thread):
    """Holds the slow and idle connections in one selector loop."""

    def __init__(self, port: int, slow: int, idle: int, line_every: float) -> None:
        super().__init__(daemon=True)
        self.port, self.slow, self.idle, self.line_every = port, slow, idle, line_every
        self.sel = selectors.DefaultSelector()
        self.stop = threading.Event()
        self.conns: dict[socket.socket, dict[str, Any]] = {}
        self.timeouts_408 = 0
        self.reopened = 0
        self.connect_errors = 0
        self.samples: list[tuple[int, int]] = []  # (slow held, idle held)

    def _open(self, kind: str, stagger: float = 0.0) -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        except OSError:
            self.connect_errors += 1
            return
        sock.setblocking(False)
        state = {"kind": kind, "next": time.monotonic() + stagger, "lines": 0}
        if kind == "slow":
            sock.send(b"GET /health HTTP/1.1\r\nHost: bench\r\n")
        else:
            sock.send(b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n")
        self.conns[sock] = state
        self.sel.register(sock, selectors.EVENT_READ, state)

    def _close(self, sock: socket.socket) -> str:
        kind = self.conns.pop(sock)["kind"]
        self.sel.unregister(sock)
        sock.close()
        return kind

    def run(self) -> None:
        for i in range(self.slow):
            self._open("slow", stagger=self.line_every * i / max(self.slow, 1))
        for _ in range(self.idle):
            self._open("idle")
        last_sample = 0.0
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data.startswith(b"HTTP/1.1 408"):
                    self.timeouts_408 += 1
                if not data or key.data["kind"] == "slow":  # closed, or a slow one was answered/cut off
                    kind = self._close(sock)
                    self.reopened += 1
                    self._open(kind)
            now = time.monotonic()
            for sock, state in list(self.conns.items()):
                if state["kind"] == "slow" and now >= state["next"]:
                    state["next"] = now + self.line_every
                    state["lines"] += 1
                    try:
                        sock.send(b"X-Slow-%d: x\r\n" % state["lines"])
                    except OSError:
                        self._close(sock)
                        self._open("slow")
            if now - last_sample >= 1.0:
                last_sample = now
                kinds = [s["kind"] for s in self.conns.values()]
                self.samples.append((kinds.count("slow"), kinds.count("idle")))
        for sock in list(self.conns):
            self._close(sock)


def probe(port: int, timeout: float) -> float | None:
    """Seconds until a fresh client got 200 for a real query; None if it did not."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "GET",
            "/sparql?" + urllib.parse.urlencode({"query": PROBE}),
            headers={"Accept": "application/sparql-results+json"},
        )
        reply = conn.getresponse()
        reply.read()
        return time.monotonic() - started if reply.status == 200 else None
    except OSError:
        return None
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="an existing store (default: build the seeds into --workdir)")
    parser.add_argument("--workdir", type=Path, default=Path("var/bench-slow"))
    parser.add_argument("--slow", type=int, default=1000)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--line-every", type=float, default=5.0, help="seconds between a slow client's header lines")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--probe-every", type=float, default=0.5)
    parser.add_argument("--probe-timeout", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--venv", type=Path, help="serve another checkout's install (e.g. main's, for the figure before)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    args.workdir.mkdir(parents=True, exist_ok=True)
    store = args.store
    if store is None:
        store = args.workdir / "store"
        if not store.exists():
            subprocess.run([str(BIN / "claimgraph"), "build", "--store", str(store)], check=True)
    server = Server("claimgraph", claimgraph_command(store, args.workers, args.threads, args.venv), "/sparql")
    server.start(args.workdir, 120)
    attacker = Attacker(server.port, args.slow, args.idle, args.line_every)
    latencies: list[float] = []
    failed = 0
    try:
        before = [probe(server.port, args.probe_timeout) for _ in range(5)]
        attacker.start()
        time.sleep(min(5.0, args.seconds / 4))  # let the attacker open its connections
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            took = probe(server.port, args.probe_timeout)
            if took is None:
                failed += 1
            else:
                latencies.append(took)
            time.sleep(args.probe_every)
        attacker.stop.set()
        attacker.join(30)
        rss = server.rss()
    finally:
        attacker.stop.set()
        server.stop()
    held = attacker.samples[5:] or attacker.samples
    result = {
        "slow": args.slow,
        "idle": args.idle,
        "line_every_s": args.line_every,
        "seconds": args.seconds,
        "workers": args.workers,
        "threads": args.threads,
        "probes": len(latencies) + failed,
        "probes_failed": failed,
        "probes_over_1s": sum(1 for t in latencies if t > 1.0),
        "probe_median_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "probe_p99_ms": round(1000 * statistics.quantiles(latencies, n=100, method="inclusive")[98], 1)
        if len(latencies) > 2
        else None,
        "probe_max_ms": round(1000 * max(latencies), 1) if latencies else None,
        "probe_before_ms": [round(1000 * t, 1) if t else None for t in before],
        "slow_held_min": min(s for s, _ in held) if held else 0,
        "idle_held_min": min(i for _, i in held) if held else 0,
        "slow_held_median": statistics.median(s for s, _ in held) if held else 0,
        "idle_held_median": statistics.median(i for _, i in held) if held else 0,
        "timeouts_408": attacker.timeouts_408,
        "reopened": attacker.reopened,
        "connect_errors": attacker.connect_errors,
        "server_rss_mib": round(rss / 2**20, 1),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
