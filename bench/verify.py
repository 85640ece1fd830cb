"""Time to hash (seal) and to verify the seed and a store of N claims (default 10 000).

bench/generate.py's claims are thinner than real ones (no attribution, reporting chain or step
spans), so the large store is made of copies of the seed's 22 claims instead: every claim,
attribution, step, span and proposition IRI of a copy gets a suffix, so bundles have the seed's
real shape (about 60 quads each) and verification does the real work.

    python -m bench.verify --claims 10000 --work var/bench/verify
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from claimgraph.graph.build import bundles
from claimgraph.graph.build.dataset import build, default_seeds_dir
from claimgraph.graph.store import EmbeddedStore
from claimgraph.ontology import ontology_dir
from claimgraph.verify import verify

BASE = "https://w3id.org/claimgraph/"
COPIED = re.compile(re.escape(BASE) + r"id/(claim|attribution|step|span|proposition)/([^/#]+)$")


def _copy(term, k: int):
    if isinstance(term, ox.NamedNode):
        m = COPIED.match(term.value)
        if m:
            return ox.NamedNode(f"{BASE}id/{m.group(1)}/{m.group(2)}-copy-{k}")
    return term


def scaled(seed: list[ox.Quad], claims: int, per_copy: int) -> list[ox.Quad]:
    """The seed plus copies of its claims' bundles until about ``claims`` claims."""
    store = ox.Store()
    store.extend(seed)
    parts = [q for qs in bundles.bundles(bundles.store_select(store)).values() for q in qs]
    parts = list(dict.fromkeys(parts))
    out = list(seed)
    for k in range(1, (claims - per_copy) // per_copy + 1):
        out += [ox.Quad(_copy(q.subject, k), q.predicate, _copy(q.object, k), _copy(q.graph_name, k)) for q in parts]
    return out


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, round(time.perf_counter() - started, 3)


def measure(claims: int, work: Path) -> dict[str, object]:
    results: dict[str, object] = {}
    built, results["seed_build_s"] = timed(lambda: build(default_seeds_dir(), BASE))
    seed = list(ox.parse(built.dataset.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS))
    run = ox.NamedNode(str(built.run))
    sources = [default_seeds_dir(), ontology_dir()]
    for name, quads in (("seed", seed), (f"{claims}", scaled(seed, claims, built.claims))):
        memory = ox.Store()
        memory.extend(quads)
        seal, seconds = timed(lambda: bundles.seal_build(memory, run))
        row: dict[str, object] = {"claims": len(seal.claims), "quads": len(memory), "seal_s": seconds}
        directory = work / f"store-{name}"
        shutil.rmtree(directory, ignore_errors=True)
        store = EmbeddedStore(directory)
        try:
            store.replace_dataset(ox.serialize(memory, format=ox.RdfFormat.N_QUADS))
            with store.reader() as snapshot:
                report, row["verify_s"] = timed(lambda: verify(bundles.store_select(snapshot), None, sources))
                row["verify_ok"] = report.ok
                one = ox.NamedNode(BASE + "id/claim/peskow-fake-news")
                _, row["verify_one_claim_s"] = timed(lambda: verify(bundles.store_select(snapshot), one, sources))
            # what the write hook costs: a Graph Store PUT of one proposition graph (recorded)
            _, row["recorded_write_s"] = timed(
                lambda: store.put_graph(
                    BASE + "id/proposition/musk-putin-in-kontakt",
                    f"<{BASE}id/entity/elon-musk> <{bundles.CG}inContactWith> <{BASE}id/entity/reuters> .".encode(),
                    "application/n-triples",
                )
            )
            _, row["unrecorded_write_s"] = timed(
                lambda: store.put_graph(
                    "http://example.org/elsewhere",
                    b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
                    "application/n-triples",
                )
            )
        finally:
            store.close()
            shutil.rmtree(directory, ignore_errors=True)
        results[name] = row
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=None, help="folder for the stores (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="cg-bench-verify-"))
    work.mkdir(parents=True, exist_ok=True)
    print(json.dumps(measure(args.claims, work), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
