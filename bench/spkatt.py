"""SpkAtt-2023 Task 2 (German Wikinews): draft every article of a split and score the drafts with
the organisers' scorer.

Each article becomes text (tokens joined by single spaces, one sentence a line), the Drafter
drafts it (default rules, no model), graph/draft/spkatt.py maps the claims' spans back to
"sentence:token" positions and the modes to Forms, and the official eval/score.py (copied to a
temporary directory: it writes a log beside itself) scores the system files against the gold
ones. The data is CC BY-NC-SA 4.0 and stays where it is: pass its directory.

    python -m bench.spkatt --data /work/shared/data/spkatt-2023 --split train [--limit 100]

The scorer needs numpy and scipy (the `bench` extra); `--python` runs it with another
interpreter that has them.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from claimgraph.graph.draft import Drafter
from claimgraph.graph.draft.spkatt import Article, claims_to_spkatt

KEYS = ("Messages", "Roles", "Joint", "Form", "STWR")


def dates(data: Path) -> dict[str, str]:
    """Publication dates from index.tsv (id -> YYYY-MM-DD), the articles' meta."""
    index = data / "index.tsv"
    if not index.exists():
        return {}
    with index.open(encoding="utf-8") as f:
        return {row["id"]: row["date"] for row in csv.DictReader(f, delimiter="\t")}


def draft_split(
    data: Path, split: str, limit: int | None, out: Path, merge: bool = True, min_confidence: float = 0.4
) -> tuple[int, float, int, Counter]:
    """Draft the split's articles into out/res, gold into out/ref; (articles, seconds spent loading the
    rules and drafting, peak resident memory of this process in bytes, drafted forms)."""
    files = sorted((data / split).glob("*.json"), key=lambda p: p.stem)
    if limit:
        files = files[:limit]
    if not files:
        raise SystemExit(f"no articles in {data / split}")
    when = dates(data)
    (out / "ref").mkdir(parents=True)
    (out / "res").mkdir()
    forms: Counter = Counter()
    seconds = 0.0
    t0 = time.perf_counter()
    drafter = Drafter("de")
    seconds += time.perf_counter() - t0
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        art = Article(doc)
        meta = {"date_published": when[path.stem]} if path.stem in when else {}
        t0 = time.perf_counter()
        reading = drafter.draft(art.text, meta, doc_id=f"spkatt-{path.stem}")
        seconds += time.perf_counter() - t0
        system = claims_to_spkatt(reading, doc, merge_continuations=merge, min_confidence=min_confidence)
        forms.update(a["Form"] for a in system["Annotations"])
        (out / "res" / path.name).write_text(json.dumps(system, ensure_ascii=False), encoding="utf-8")
        shutil.copyfile(path, out / "ref" / path.name)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    return len(files), seconds, peak, forms


def score(data: Path, workdir: Path, python: str) -> dict[str, float]:
    """Run the official scorer on workdir/{ref,res}; the figures of its scores.txt (full track)."""
    evaldir = workdir / "eval"
    shutil.copytree(data / "eval", evaldir)
    proc = subprocess.run(
        [python, "score.py", str(workdir), str(workdir / "out")], cwd=evaldir, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"eval/score.py failed (does {python} have numpy and scipy?):\n{proc.stderr}")
    text = (workdir / "out" / "scores.txt").read_text()
    figures: dict[str, float] = {}
    for m in re.finditer(r"^(\w+)\((F1|P|R)\):\s*([0-9.]+)", text, re.M):
        figures.setdefault(f"{m.group(1)} {m.group(2)}", float(m.group(3)) * 100)
    return figures


def score_by_form(data: Path, workdir: Path, python: str) -> dict[str, dict[str, float]]:
    """The scorer run once per gold Form on only that Form's gold and drafted annotations."""
    result = {}
    for form in ("Direct", "Indirect", "FreeIndirect", "IndirectFreeIndirect", "Reported"):
        sub = workdir / f"form-{form}"
        for part in ("ref", "res"):
            (sub / part).mkdir(parents=True)
            for f in (workdir / part).glob("*.json"):
                doc = json.loads(f.read_text(encoding="utf-8"))
                doc["Annotations"] = [a for a in doc["Annotations"] if a.get("Form") == form]
                (sub / part / f.name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        try:
            result[form] = score(data, sub, python)
        except SystemExit:  # the scorer's simplified track divides by zero when a Form has no sources
            result[form] = {}
    return result


def by_form(workdir: Path) -> dict[str, tuple[int, int, int]]:
    """Per gold Form: (gold messages, matched by a drafted message, of which with the same form),
    counting a match as any token overlap (the scorer's assignment is one-to-one; this is a guide)."""
    result: dict[str, list[int]] = {}
    for ref in (workdir / "ref").glob("*.json"):
        gold = json.loads(ref.read_text(encoding="utf-8"))["Annotations"]
        sys_ = json.loads((workdir / "res" / ref.name).read_text(encoding="utf-8"))["Annotations"]
        for g in gold:
            row = result.setdefault(g["Form"], [0, 0, 0])
            row[0] += 1
            gm = set(g["Message"])
            hits = [s for s in sys_ if gm & set(s["Message"])]
            if hits:
                row[1] += 1
                row[2] += any(s["Form"] == g["Form"] for s in hits)
    return {k: tuple(v) for k, v in sorted(result.items())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="the spkatt-2023 directory (train/, dev/, eval/)")
    ap.add_argument("--split", choices=("train", "dev"), default="train")
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles (by id)")
    ap.add_argument("--python", default=sys.executable, help="interpreter for eval/score.py (numpy, scipy)")
    ap.add_argument("--keep", type=Path, default=None, help="keep ref/res/out here (must not exist)")
    ap.add_argument(
        "--min-confidence",
        type=float,
        default=0.4,
        help="leave out drafted claims below this confidence (default 0.4: drops weak bare speech acts)",
    )
    ap.add_argument("--by-form", action="store_true", help="also score each Form on its own (5 more scorer runs)")
    ap.add_argument("--no-merge", action="store_true", help="keep Konjunktiv continuations as separate messages")
    args = ap.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="spkatt-"))
    if args.keep:
        workdir.mkdir(parents=True)
    try:
        n, seconds, peak, forms = draft_split(
            args.data, args.split, args.limit, workdir, merge=not args.no_merge, min_confidence=args.min_confidence
        )
        figures = score(args.data, workdir, args.python)
        print(
            f"SpkAtt-2023 {args.split}: {n} articles drafted in {seconds:.1f} s "
            f"({n / seconds:.1f} articles/s; rules loaded once), peak RSS of the process {peak / 2**20:.0f} MiB"
        )
        for key in KEYS:
            print(
                f"  {key:9s} F1 {figures.get(key + ' F1', 0):6.2f}   P {figures.get(key + ' P', 0):6.2f}"
                f"   R {figures.get(key + ' R', 0):6.2f}"
            )
        print("  drafted forms:", dict(forms))
        print("  gold form: gold / overlapped by a draft / same form")
        for form, (g, hit, same) in by_form(workdir).items():
            print(f"    {form:21s} {g:5d} {hit:5d} ({100 * hit / g:5.1f}%) {same:5d}")
        if args.by_form:
            print(
                "  by Form (the scorer on that Form's gold and drafted annotations only): Messages / Roles / Joint F1"
            )
            for form, fig in score_by_form(args.data, workdir, args.python).items():
                if not fig:
                    print(f"    {form:21s} (the scorer fails on this subset)")
                    continue
                print(
                    f"    {form:21s} {fig.get('Messages F1', 0):6.2f} {fig.get('Roles F1', 0):6.2f} "
                    f"{fig.get('Joint F1', 0):6.2f}"
                )
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
