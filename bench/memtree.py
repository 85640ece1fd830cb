"""Memory of claimgraph's server tree per process: just started, after point look-ups, and
after the light mix at 32 clients (the memory rows of issue 16, one process at a time).

    python -m bench.memtree --workdir var/bench --triples 100000 [--venv OTHER_VENV]

Uses the store and generated data of ``bench/run.py`` (run it once with ``--phases load`` or any
phase to make them). Each process of the tree is shown with its role (gunicorn master, worker,
query executor, other), its RSS and PSS (``/proc/PID/smaps_rollup`` through psutil) and whether
it has imported rdflib (its files open are not a sign: rdflib is pure Python, so the import log
of ``PYTHONPROFILEIMPORTTIME`` in the server's log is read instead).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from bench.generate import generate_file
from bench.queries import MIX, draw
from bench.run import BIN, Server, _hammer, claimgraph_command
from claimgraph.sizing import plan

_IMPORT = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$", re.MULTILINE)


def role(p: psutil.Process, root: int) -> str:
    if p.pid == root:
        return "master"
    cmd = " ".join(p.cmdline())
    if "embedded.child" in cmd or "executor" in cmd:
        return "executor"
    if "claimgraph.cli" in cmd:
        return "worker"
    return "other: " + cmd[:60]


def snapshot(server: Server) -> list[dict[str, Any]]:
    """RSS and PSS (MiB) of each process of the server's tree."""
    assert server.process is not None
    root = server.process.pid
    rows = []
    for p in server._tree():
        with contextlib.suppress(psutil.Error):
            m = p.memory_full_info()
            rows.append(
                {
                    "pid": p.pid,
                    "role": role(p, root),
                    "rss_mib": round(m.rss / 2**20, 1),
                    "pss_mib": round(m.pss / 2**20, 1),
                }
            )
    return rows


def total(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {k: round(sum(r[k] for r in rows), 1) for k in ("rss_mib", "pss_mib")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workdir", type=Path, default=Path("var/bench"))
    p.add_argument("--triples", type=int, default=100_000)
    p.add_argument("--venv", type=Path, default=None, help="serve with this environment's claimgraph")
    p.add_argument("--queries", type=int, default=200, help="point look-ups after the start")
    p.add_argument("--mix-iterations", type=int, default=0, help="rounds of the whole mix, one query at a time")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=10.0, help="of the light mix at --clients")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)

    tag = f"{args.triples}"
    cg_dir = args.workdir / f"claimgraph-{tag}"
    if not cg_dir.exists():
        raise SystemExit(f"no store at {cg_dir}: run bench/run.py with --triples {args.triples} first")
    manifest = dict(generate_file(args.workdir / f"claims-{tag}.nq", args.triples, seed=args.seed).__dict__)
    logdir = args.workdir / f"logs-{tag}"
    logdir.mkdir(exist_ok=True)
    server = Server(
        "claimgraph" if args.venv is None else "claimgraph-variant",
        claimgraph_command(cg_dir, plan().workers, 8, args.venv),
        "/sparql",
        {"CLAIMGRAPH_CACHE_BYTES": "0", "PYTHONPROFILEIMPORTTIME": "1"},
    )
    rnd = random.Random(args.seed)
    out: dict[str, Any] = {"python": str(args.venv or BIN.parent), "store": str(cg_dir)}
    log = logdir / f"{server.name}.log"
    offset = log.stat().st_size if log.exists() else 0  # the log is appended to: read this run's part
    try:
        server.start(logdir, 120)
        time.sleep(2)
        out["started"] = snapshot(server)
        point = next(q for q in MIX if q.name == "point_claim")
        client = server.client()
        for _ in range(args.queries):
            status, _body = client.query(draw(point, manifest, rnd), point.accept)
            assert status == 200, status
        client.close()
        time.sleep(2)
        out["after_point_queries"] = snapshot(server)
        if args.mix_iterations:  # the whole mix one query at a time, heavy scans too (bench/run.py's latency phase)
            client = server.client()
            for _ in range(args.mix_iterations):
                for q in MIX:
                    client.query(draw(q, manifest, rnd), q.accept)
            client.close()
            time.sleep(2)
            out["after_latency_mix"] = snapshot(server)
        light = [(q, draw(q, manifest, rnd)) for q in MIX if q.light for _ in range(20)]
        done, failed, _, _ = _hammer(server, light, args.clients, args.seconds)
        time.sleep(2)
        out["after_light_mix"] = snapshot(server)
        out["light_mix"] = {"clients": args.clients, "done": done, "failed": failed}
    finally:
        server.stop()
    with open(log, "rb") as f:
        f.seek(offset)
        out["rdflib_imported"] = "rdflib" in _IMPORT.findall(f.read().decode(errors="replace"))
    for key in ("started", "after_point_queries", "after_latency_mix", "after_light_mix"):
        if key not in out:
            continue
        print(f"{key}: tree {total(out[key])}")
        for r in out[key]:
            print(f"   {r['role']:<10} {r['rss_mib']:>6} / {r['pss_mib']:>6} MiB")
    print("rdflib imported by the tree:", out["rdflib_imported"])
    (logdir / f"memtree-{server.name}.json").write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
