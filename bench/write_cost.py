"""What one small write costs, in one process, without a server: wall time and CPU (this
process and its children: the update child) per Graph Store PUT and per SPARQL Update.

The soak (`bench/soak.py`) measures writes under 32 clients, where the machine's load moves a
write's median by more than most changes do; this measures the same writes (50-triple PUT of a
named graph, INSERT DATA into another) alone, where CPU per write compares across runs.

    python -m bench.write_cost --store COPY_OF_A_STORE --writes 30

It writes to ``--store``: give it a copy. Runs with whichever claimgraph the interpreter imports
(another checkout's virtualenv measures that checkout's code).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from claimgraph.graph.store.base import UpdateRequest
from claimgraph.graph.store.embedded.store import EmbeddedStore


def _cpu(own_only: bool = False) -> float:
    """CPU seconds of this process and (unless ``own_only``) of its ended children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    if own_only:
        return own.ru_utime + own.ru_stime
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a store to write to (a copy)")
    parser.add_argument("--writes", type=int, default=30, help="PUTs and as many Updates")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    store = EmbeddedStore(args.store)
    times: dict[str, list[tuple[float, float, float]]] = {"put": [], "update": []}
    for i in range(2 * args.writes):
        wall, cpu, own = time.monotonic(), _cpu(), _cpu(own_only=True)
        if i % 2 == 0:
            body = b"".join(
                b'<http://example.org/cost/s%d> <http://example.org/cost/p> "%d" .\n' % (i, k) for k in range(50)
            )
            store.put_graph(f"http://example.org/cost/put/{i}", body, "application/n-triples")
            kind = "put"
        else:
            graph = f"http://example.org/cost/update/{i}"
            text = f'INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/cost/s{i}> <http://example.org/cost/p> "{i}" }} }}'
            store.update(UpdateRequest(update=text))
            kind = "update"
        if i >= 2:  # the first of each kind imports what it needs
            times[kind].append((time.monotonic() - wall, _cpu() - cpu, _cpu(own_only=True) - own))
    store.close()
    out = {
        kind: {
            "median_wall_ms": round(statistics.median(w for w, _, _ in t) * 1000, 1),
            "median_cpu_ms": round(statistics.median(c for _, c, _ in t) * 1000, 1),
            # the writing process alone: in a server, the part that shares the worker's GIL
            "median_own_cpu_ms": round(statistics.median(o for _, _, o in t) * 1000, 1),
            "n": len(t),
        }
        for kind, t in times.items()
    }
    with open("/proc/loadavg") as fh:
        out["load_average_at_end"] = fh.read().split()[:3]  # type: ignore[assignment]
    print(json.dumps(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
