"""Measure what claimgraph costs in front of an Oxigraph server, against the server directly.

Run: ``nice .venv/bin/python tests/remote_overhead.py [--triples 200000] [--iterations 30]``

Generates the benchmark's claim graph (``bench.generate``), loads it with ``oxigraph load``,
starts ``oxigraph serve`` on it and ``claimgraph serve --store-url`` in front of it, then runs the
benchmark's query mix (``bench.queries``: the competency questions' shapes, fresh parameters each
iteration) alternately against the Oxigraph server and through claimgraph, in one run, and prints
the median latency of each and their ratio. A measurement, not a test: nothing about time is
asserted anywhere.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from backends import start_oxigraph  # noqa: E402
from bench.generate import generate_file  # noqa: E402
from bench.queries import LARGE, MIX, draw  # noqa: E402
from conftest import start_server, stop_server  # noqa: E402


def _timed(session: requests.Session, url: str, query: str, accept: str) -> tuple[float, int]:
    started = time.perf_counter()
    r = session.post(url, data={"query": query}, headers={"Accept": accept}, timeout=300)
    body = r.content
    elapsed = time.perf_counter() - started
    if r.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {r.status_code}: {r.text[:300]}")
    return elapsed, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=200_000, help="size of the generated graph")
    parser.add_argument("--iterations", type=int, default=30, help="rounds of the mix")
    parser.add_argument("--large-iterations", type=int, default=5, help="rounds of the 200 000-row query")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "claims.nq"
        manifest = generate_file(data, args.triples, seed=args.seed).__dict__
        exe = Path(sys.executable).parent / "oxigraph"
        subprocess.run(
            [str(exe), "load", "--location", str(work / "data"), "--file", str(data)], check=True, capture_output=True
        )
        backend = start_oxigraph(work)
        server = None
        try:
            server = start_server(work / "store", "--workers", "2", "--threads", "8", env=backend.env)
            direct, through = requests.Session(), requests.Session()
            rnd = random.Random(args.seed)
            plan = [(q, args.iterations) for q in MIX] + [(LARGE, args.large_iterations)]
            print(
                f"{args.triples} triples; median of {args.iterations} runs per query "
                f"({args.large_iterations} for the large one), direct and through claimgraph interleaved"
            )
            print(f"{'query':24} {'bytes':>10} {'oxigraph ms':>12} {'claimgraph ms':>14} {'ratio':>6} {'+ms':>7}")
            ratios, added = [], []
            for q, iterations in plan:
                d: list[float] = []
                t: list[float] = []
                size = 0
                for i in range(iterations + 1):
                    text = draw(q, manifest, rnd)
                    order = [(direct, backend.direct_query_url, d), (through, server.sparql, t)]
                    for session, url, samples in order if i % 2 else order[::-1]:
                        elapsed, size = _timed(session, url, text, q.accept)
                        if i:  # the first round warms both paths
                            samples.append(elapsed)
                md, mt = statistics.median(d) * 1000, statistics.median(t) * 1000
                ratios.append(mt / md)
                added.append(mt - md)
                print(f"{q.name:24} {size:>10} {md:>12.2f} {mt:>14.2f} {mt / md:>6.2f} {mt - md:>7.2f}")
            print(
                f"over the mix: median ratio {statistics.median(ratios):.2f}, "
                f"median added latency {statistics.median(added):.2f} ms"
            )
        finally:
            if server is not None:
                stop_server(server)
            backend.stop()


if __name__ == "__main__":
    main()
