"""The corpus targets on SpkAtt-2023: import time, re-ingest of one article, shape conformance of a
sample, and the speaker merges (with samples to check by hand).

    python -m bench.corpus --data ../shared/data/spkatt-2023 --workdir var/bench-corpus

Steps (each prints one JSON line; ``--skip-import`` reuses a store built before):
1. ``claimgraph import-spkatt`` of every article into a new store (wall time of the command);
2. one article's reading changed and re-ingested (the command's wall time, and the time the
   ingest itself reports, without Python's start), with every other article's claim count
   compared before and after;
3. ``--validate-sample N``: N random articles ingested with ``--validate`` into a scratch store
   (pySHACL takes 1-3 s an article, too slow for the whole corpus in the import itself);
4. the merges: how many speakers several articles share, by rule, and ``--sample`` random merges
   and non-merges written to ``--merges-out`` for reading by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

BASE = "https://w3id.org/claimgraph/"
CG = "https://w3id.org/claimgraph/ontology#"


def claimgraph(*args: str) -> tuple[float, str]:
    started = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "claimgraph.cli", *args], capture_output=True, text=True)
    took = time.monotonic() - started
    if res.returncode != 0:
        raise SystemExit(f"claimgraph {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}")
    return took, res.stdout


def select(store_dir: Path, query: str) -> list[dict[str, str]]:
    from claimgraph.graph.store import EmbeddedStore

    store = EmbeddedStore(store_dir, query_workers=1)
    try:
        with store.reader() as r:
            res = r.query(
                f"PREFIX cg: <{CG}> PREFIX schema: <http://schema.org/> "
                "PREFIX prov: <http://www.w3.org/ns/prov#> "
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + query
            )
            names = [v.value for v in res.variables]
            return [{n: row[n].value for n in names if row[n] is not None} for row in res]
    finally:
        store.close()


def claims_per_article(store_dir: Path) -> dict[str, int]:
    rows = select(
        store_dir,
        """SELECT ?doc (COUNT(DISTINCT ?c) AS ?n) WHERE {
        ?c a cg:Claim ; cg:evidence ?span . ?span cg:inFile ?f . ?f schema:encodesCreativeWork ?doc } GROUP BY ?doc""",
    )
    return {r["doc"]: int(r["n"]) for r in rows}


def reingest(store: Path, articles: Path, rng: random.Random) -> dict[str, Any]:
    before = claims_per_article(store)
    # an article with claims (one without would be skipped: its changed reading equals the old one)
    with_claims = [p for p in sorted(articles.glob("*.claims.yaml")) if '"claims": []' not in p.read_text("utf-8")]
    target = rng.choice(with_claims)
    reading = json.loads(target.read_text(encoding="utf-8"))
    if reading["claims"]:  # one more claim: a copy of the first under a new id
        reading["claims"].append(
            {**reading["claims"][0], "id": f"{reading['claims'][0]['id']}-bench{len(reading['claims'])}"}
        )
    target.write_text(json.dumps(reading, ensure_ascii=False, indent=1), encoding="utf-8")
    text = target.with_name(target.name.replace(".claims.yaml", ".txt"))
    wall, out = claimgraph("ingest", "--store", str(store), "--no-validate", str(text))
    reported = float(re.search(r"in ([0-9.]+) s", out).group(1))  # type: ignore[union-attr]
    after = claims_per_article(store)
    doc = f"{BASE}id/document/{text.stem}"
    others_same = all(after.get(d) == n for d, n in before.items() if d != doc)
    return {
        "step": "reingest",
        "article": text.stem,
        "wall_s": round(wall, 3),
        "ingest_s": reported,
        "claims_before": before.get(doc, 0),
        "claims_after": after.get(doc, 0),
        "other_articles": len(before) - (1 if doc in before else 0),
        "others_unchanged": others_same,
        "output": out.strip(),
    }


def validate_sample(articles: Path, workdir: Path, n: int, rng: random.Random) -> dict[str, Any]:
    texts = sorted(articles.glob("*.txt"))
    chosen = rng.sample(texts, min(n, len(texts)))
    scratch = workdir / "validate-sample"
    subprocess.run(["rm", "-rf", str(scratch)], check=True)
    started = time.monotonic()
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "claimgraph.cli",
            "ingest",
            "--store",
            str(scratch),
            "--validate",
            "--keep-going",
            *map(str, chosen),
        ],
        capture_output=True,
        text=True,
    )
    return {
        "step": "validate-sample",
        "articles": len(chosen),
        "exit": res.returncode,
        "seconds": round(time.monotonic() - started, 1),
        "output": res.stdout.strip(),
        "failures": res.stderr.strip().splitlines()[:20],
    }


def merges(store: Path, sample: int, rng: random.Random, out: Path | None) -> dict[str, Any]:
    rows = select(
        store,
        """SELECT ?d ?into ?rule ?label ?doc WHERE {
        ?d a cg:MergeDecision ; cg:mergedInto ?into ; cg:mergeRule ?rule ; rdfs:label ?label ; prov:wasDerivedFrom ?doc }""",
    )
    by_entity: dict[str, list[dict[str, str]]] = defaultdict(list)
    rules: dict[str, int] = defaultdict(int)
    for r in rows:
        by_entity[r["into"]].append(r)
        rules[r["rule"].rsplit("#", 1)[-1]] += 1
    speakers = {r["s"] for r in select(store, "SELECT DISTINCT ?s WHERE { ?c a cg:Claim ; cg:speaker ?s }")}
    shared = {e: ds for e, ds in by_entity.items() if len({d["doc"] for d in ds}) > 1}
    merged_speakers = [e for e in shared if e in speakers and "/id/entity/wikinews" not in e]
    # merges: an article's entity that went into an entity first seen in another article
    merge_pairs = []
    for e in merged_speakers:
        ds = sorted(shared[e], key=lambda d: (not d["rule"].endswith("firstSeen"), d["doc"]))
        first = ds[0]
        for d in ds[1:]:
            if d["doc"] == first["doc"]:
                continue
            merge_pairs.append(
                (
                    first["label"],
                    d["label"],
                    d["rule"].rsplit("#", 1)[-1],
                    e.rsplit("/", 1)[-1],
                    first["doc"].rsplit("/", 1)[-1],
                    d["doc"].rsplit("/", 1)[-1],
                )
            )
    # non-merges: pairs of different speakers whose names end in the same word (the hard cases),
    # then named speakers no other article shares
    label_of = {e: ds[0]["label"] for e, ds in by_entity.items() if e in speakers}
    by_last: dict[str, list[str]] = defaultdict(list)
    for e, label in sorted(label_of.items()):
        by_last[label.split()[-1].casefold()].append(e)
    non_merges = []
    for _last, es in sorted(by_last.items()):
        for i, a in enumerate(es):
            for b in es[i + 1 :]:
                non_merges.append((label_of[a], label_of[b], a.rsplit("/", 1)[-1], b.rsplit("/", 1)[-1]))
    singles = [e for e, ds in by_entity.items() if e in speakers and len({d["doc"] for d in ds}) == 1]
    same_name_pairs = len(non_merges)
    rng.shuffle(singles)
    for e in singles:
        if len(non_merges) >= sample:
            break
        non_merges.append((label_of[e], "-", e.rsplit("/", 1)[-1], "-"))
    sample_m = rng.sample(merge_pairs, min(sample, len(merge_pairs)))
    sample_n = rng.sample(non_merges, min(sample, len(non_merges)))
    if out is not None:
        lines = [
            "| # | first mention | merged mention | rule | IRI | articles | verdict |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {i} | {a} | {b} | {rule} | {iri} | {d1}, {d2} |  |"
            for i, (a, b, rule, iri, d1, d2) in enumerate(sample_m, 1)
        ]
        lines += [
            "",
            "| # | speaker | other speaker with that last word | IRI | other IRI | verdict |",
            "|---|---|---|---|---|---|",
        ]
        lines += [f"| {i} | {a} | {b} | {ia} | {ib} |  |" for i, (a, b, ia, ib) in enumerate(sample_n, 1)]
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "step": "merges",
        "decisions": len(rows),
        "by_rule": dict(rules),
        "speakers": len(speakers),
        "speakers_in_several_articles": len(merged_speakers),
        "merge_pairs": len(merge_pairs),
        "named_speakers_in_one_article": len(singles),
        "different_speakers_same_last_word": same_name_pairs,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="the SpkAtt-2023 Task 2 folder (index.tsv, train/, dev/)")
    p.add_argument("--workdir", type=Path, default=Path("var/bench-corpus"))
    p.add_argument("--skip-import", action="store_true", help="reuse the store of an earlier run")
    p.add_argument("--validate-sample", type=int, default=0, help="articles to check against the shapes")
    p.add_argument("--sample", type=int, default=50, help="merges and non-merges to sample for reading")
    p.add_argument("--merges-out", type=Path, default=None, help="Markdown file for the samples")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument(
        "--reingest-runs", type=int, default=1, help="re-ingest this many random articles, one after another"
    )
    args = p.parse_args()
    rng = random.Random(args.seed)
    store = args.workdir / "store"
    articles = args.workdir / "store-spkatt-articles"
    if not args.skip_import:
        subprocess.run(["rm", "-rf", str(store), str(articles)], check=True)
        load = os.getloadavg()[0]
        wall, out = claimgraph("import-spkatt", "--store", str(store), str(args.data))
        took = {"wall_s": round(wall, 1), "load_before": load, "load_after": os.getloadavg()[0]}
        print(json.dumps({"step": "import", **took, "output": out.strip()}, ensure_ascii=False))
    for _ in range(args.reingest_runs):
        print(json.dumps({**reingest(store, articles, rng), "load_average": os.getloadavg()[0]}, ensure_ascii=False))
    if args.validate_sample:
        print(json.dumps(validate_sample(articles, args.workdir, args.validate_sample, rng), ensure_ascii=False))
    print(json.dumps(merges(store, args.sample, rng, args.merges_out), ensure_ascii=False))


if __name__ == "__main__":
    main()
