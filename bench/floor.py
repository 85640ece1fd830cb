"""Where a small query's time goes: claimgraph against the floors beneath it, side by side.

A point look-up on the Oxigraph server takes a few tenths of a millisecond. This script measures,
on the stores a ``bench.run`` left behind, how much of claimgraph's time is the HTTP server and
Flask alone: a Flask app that answers every GET with a fixed body (``hello``), under gunicorn with
claimgraph's worker shape and under granian, next to claimgraph under both and the Oxigraph server.
Sequential keep-alive requests, servers rotated each round; per server the median and p90
latency and the server's CPU time per request (its whole process tree).

    python -m bench.floor --workdir var/bench --triples 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

from bench import run
from bench.queries import MIX, draw

#: The minimal app: what gunicorn + Flask cost before claimgraph does anything.
HELLO_APP = "bench.hello:app"


def servers(workdir: Path, triples: int, workers: int, threads: int, variant: Path | None = None) -> list[run.Server]:
    tag = str(triples)
    cg_dir, ox_dir = workdir / f"claimgraph-{tag}", workdir / f"oxigraph-{tag}"
    for folder in (cg_dir, ox_dir):
        if not folder.exists():
            raise SystemExit(f"{folder} is missing: run `python -m bench.run --triples {triples}` first")
    env = {"CLAIMGRAPH_CACHE_BYTES": "0", "CLAIMGRAPH_STORE": str(cg_dir)}
    gunicorn = [
        str(run.BIN / "gunicorn"),
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        "127.0.0.1:{port}",
        HELLO_APP,
    ]
    found = [
        run.oxigraph_server(ox_dir),
        run.Server("hello (gunicorn)", gunicorn, "/sparql"),
        run.Server("claimgraph (gunicorn)", run.claimgraph_command(cg_dir, workers, threads), "/sparql", env),
    ]
    if variant is not None:  # another claimgraph version installed in a virtual environment
        found.append(
            run.Server(
                "claimgraph variant (gunicorn)",
                run.claimgraph_command(cg_dir, workers, threads, variant),
                "/sparql",
                env,
            )
        )
    if (run.BIN / "granian").exists():  # optional: not a dependency of claimgraph
        found += [
            run.Server("hello (granian)", run.granian_command(HELLO_APP, workers, threads), "/sparql"),
            run.Server(
                "claimgraph (granian)",
                run.granian_command("claimgraph.server.wsgi:app", workers, threads),
                "/sparql",
                env,
            ),
        ]
    return found


def measure(found: list[run.Server], texts: list[str], rounds: int, accept: str) -> dict[str, Any]:
    samples: dict[str, list[float]] = {s.name: [] for s in found}
    cpu: dict[str, float] = {s.name: 0.0 for s in found}
    for r in range(rounds):
        for s in run.rotated(found, r):
            client = s.client()
            for text in texts[:20]:  # warm the connection and the caches
                client.query(text, accept)
            before = s.cpu_seconds()
            for text in texts:
                t0 = time.perf_counter()
                status, _ = client.query(text, accept)
                samples[s.name].append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    raise RuntimeError(f"{s.name} answered {status}")
            cpu[s.name] += s.cpu_seconds() - before
            client.close()
    out: dict[str, Any] = {}
    for name, ts in samples.items():
        ts.sort()
        out[name] = {
            "median_ms": round(statistics.median(ts), 3),
            "p90_ms": round(ts[int(len(ts) * 0.9)], 3),
            "server_cpu_ms_per_request": round(cpu[name] / len(ts) * 1000, 3),
            "n": len(ts),
        }
    base = out["oxigraph"]["median_ms"]
    for entry in out.values():
        entry["ratio_to_oxigraph"] = round(entry["median_ms"] / base, 2)
    return out


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"Point look-up (`{result['query']}`), {result['requests']} sequential keep-alive requests per server "
        f"in {result['rounds']} rotated rounds; load average at start {result['load_average_at_start']}.",
        "",
        "| server | median ms | p90 ms | ratio | server CPU ms/request |",
        "|---|---|---|---|---|",
    ]
    for name, e in result["servers"].items():
        lines.append(
            f"| {name} | {e['median_ms']} | {e['p90_ms']} | {e['ratio_to_oxigraph']}x | "
            f"{e['server_cpu_ms_per_request']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workdir", type=Path, default=Path("var/bench"))
    p.add_argument("--triples", type=int, default=1_000_000, help="which bench.run data set to use")
    p.add_argument("--requests", type=int, default=1000, help="requests per server and round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--json", type=Path, default=None)
    p.add_argument(
        "--cg-variant",
        type=Path,
        default=None,
        help="also measure the claimgraph installed in this virtual environment (a before/after)",
    )
    p.add_argument(
        "--only",
        type=lambda s: s.split(","),
        default=None,
        help="measure only these servers (comma-separated names as printed; oxigraph is always measured)",
    )
    args = p.parse_args(argv)
    manifest = json.loads((args.workdir / f"claims-{args.triples}.nq.json").read_text())
    query = MIX[0]
    rnd = random.Random(1)
    texts = [draw(query, manifest, rnd) for _ in range(args.requests)]
    found = servers(args.workdir, args.triples, args.workers, args.threads, args.cg_variant)
    if args.only:
        found = [s for s in found if s.name == "oxigraph" or s.name in args.only]
    logdir = args.workdir / "logs-floor"
    logdir.mkdir(parents=True, exist_ok=True)
    load = [round(x, 2) for x in psutil.getloadavg()]
    try:
        for s in found:
            s.start(logdir, 300)
        result = {
            "query": query.name,
            "requests": args.requests,
            "rounds": args.rounds,
            "load_average_at_start": load,
            "servers": measure(found, texts, args.rounds, query.accept),
        }
    finally:
        for s in found:
            s.stop()
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    sys.stdout.write(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
