"""Measure what claimgraph costs in front of an Oxigraph server, against the server directly.

Run: ``.venv/bin/python tests/remote_overhead.py [--reps 30] [--synthetic 50000]``

Starts ``oxigraph serve`` on loopback, builds the seed graph into it with ``claimgraph build
--store-url`` and loads a synthetic graph (so some answers are large), starts ``claimgraph serve``
in front of it, then runs each query of the mix alternately against the Oxigraph server and
through claimgraph, in one run, and prints the median latency of each and their ratio. A
measurement, not a test: nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backends import start_oxigraph  # noqa: E402
from conftest import claimgraph, start_server, stop_server  # noqa: E402

CG = "https://w3id.org/claimgraph/ontology#"
EX = "http://example.org/synthetic/"
MIX: list[tuple[str, str, str]] = [
    ("ask claimed (json)", f"ASK {{ GRAPH ?g {{ ?s <{CG}in_contact_with> ?o }} }}", "application/sparql-results+json"),
    ("who claims what (json)", f"SELECT ?claim ?speaker ?stance WHERE {{ ?claim <{CG}speaker> ?speaker ; <{CG}stance> ?stance }}", "application/sparql-results+json"),
    ("who claims what (tsv)", f"SELECT ?claim ?speaker ?stance WHERE {{ ?claim <{CG}speaker> ?speaker ; <{CG}stance> ?stance }}", "text/tab-separated-values"),
    ("evidence spans (turtle)", "PREFIX oa: <http://www.w3.org/ns/oa#> CONSTRUCT { ?span oa:exact ?t } WHERE { ?span oa:exact ?t }", "text/turtle"),
    ("propositions by graph (xml)", "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", "application/sparql-results+xml"),
    ("count synthetic (json)", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{EX}graph> {{ ?s ?p ?o }} }}", "application/sparql-results+json"),
    ("10k rows (json)", f"SELECT ?s ?o WHERE {{ GRAPH <{EX}graph> {{ ?s <{EX}value> ?o }} }} LIMIT 10000", "application/sparql-results+json"),
    ("10k triples (n-triples)", f"CONSTRUCT {{ ?s <{EX}value> ?o }} WHERE {{ GRAPH <{EX}graph> {{ ?s <{EX}value> ?o }} }} LIMIT 10000", "application/n-triples"),
]


def _timed(session: requests.Session, url: str, query: str, accept: str) -> tuple[float, int]:
    started = time.perf_counter()
    r = session.post(url, data={"query": query}, headers={"Accept": accept}, timeout=60)
    size = len(r.content)
    elapsed = time.perf_counter() - started
    if r.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {r.status_code}: {r.text[:300]}")
    return elapsed, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--synthetic", type=int, default=50_000, help="triples in the synthetic graph")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        backend = start_oxigraph(work)
        server = None
        try:
            claimgraph("build", "--store", str(work / "store"), env=backend.env)
            data = work / "synthetic.nt"
            with open(data, "w") as fh:
                for i in range(args.synthetic // 2):
                    fh.write(f'<{EX}s{i}> <{EX}value> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
                    fh.write(f"<{EX}s{i}> <{EX}group> <{EX}g{i % 100}> .\n")
            claimgraph("load", str(data), "--graph", f"{EX}graph", "--store", str(work / "store"), env=backend.env)
            server = start_server(work / "store", "--workers", "2", "--threads", "8", env=backend.env)
            direct, through = requests.Session(), requests.Session()
            print(f"{'query':32} {'bytes':>9} {'direct ms':>10} {'claimgraph ms':>14} {'ratio':>6} {'+ms':>6}")
            ratios = []
            for name, query, accept in MIX:
                for _ in range(3):  # warm both paths
                    _timed(direct, backend.direct_query_url, query, accept)
                    _timed(through, server.sparql, query, accept)
                d, t = [], []
                size = 0
                for _ in range(args.reps):
                    elapsed, size = _timed(direct, backend.direct_query_url, query, accept)
                    d.append(elapsed)
                    elapsed, _ = _timed(through, server.sparql, query, accept)
                    t.append(elapsed)
                md, mt = statistics.median(d) * 1000, statistics.median(t) * 1000
                ratios.append(mt / md)
                print(f"{name:32} {size:>9} {md:>10.2f} {mt:>14.2f} {mt / md:>6.2f} {mt - md:>6.2f}")
            print(f"median ratio over the mix: {statistics.median(ratios):.2f} ({args.reps} runs per query, "
                  f"{args.synthetic} synthetic triples)")
        finally:
            if server is not None:
                stop_server(server)
            backend.stop()


if __name__ == "__main__":
    main()
