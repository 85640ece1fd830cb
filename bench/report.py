"""Render a benchmark result (the JSON of ``bench.run``) as the Markdown tables of docs/benchmarks.md.

    python -m bench.report var/bench/1m.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.run import SERVERS


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if c is None else str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def markdown(r: dict[str, Any]) -> str:
    env = r["environment"]
    out = [
        f"Run of {env['started_utc']}: {r['data']['quads']:,} quads ({r['data']['claims']:,} claims, "
        f"{r['data']['articles']:,} articles); total {r.get('total_seconds')} s.",
        "",
        f"Machine: {env['cpu']}, {env['cores']} cores, {env['memory_gb']} GB, {env['platform']}, Python {env['python']}; "
        f"load average at start {env['load_average_at_start']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()) + ".",
        "",
        f"Command: `{r['command']}`",
        "",
    ]
    if "load" in r:
        ld = r["load"]
        rows = [[name, ld[name].get("seconds"), ld[name].get("triples_per_s", ld[name].get("error"))]
                for name in ("oxigraph load", "claimgraph load")]
        out += ["### Bulk load", ""] + _table(["command", "seconds", "triples/s"], rows)
        if "ratio_claimgraph_to_oxigraph" in ld:
            out += [f"claimgraph / oxigraph: {ld['ratio_claimgraph_to_oxigraph']}x", ""]
    if "start" in r:
        rows = [[n, d["median_s"], d["seconds"]] for n, d in r["start"].items()]
        out += ["### Time to first answer after start (existing store)", ""] + _table(["server", "median s", "all"], rows)
    if "latency" in r:
        names = [n for n in SERVERS if any(n in q["servers"] for q in r["latency"]["queries"].values())]
        rows = []
        for qname, q in r["latency"]["queries"].items():
            row: list[Any] = [qname]
            for n in names:
                s = q["servers"].get(n)
                row.append(f"{s['median_ms']} / {s['p95_ms']} ({s.get('ratio_to_oxigraph', '-')}x)" if s else "-")
            rows.append(row)
        out += ["### Latency per query, cold cache: median / p95 ms (ratio of medians to oxigraph)", ""]
        out += _table(["query", *names], rows)
        if r["latency"]["mismatches"] or r["latency"]["errors"]:
            out += [f"Result mismatches: {r['latency']['mismatches']}; errors: {r['latency']['errors']}", ""]
    if "repeated" in r:
        rep = r["repeated"]
        rows = [[n, v, rep.get("ratio_to_oxigraph", {}).get(n)] for n, v in rep["mix_median_total_ms"].items()]
        out += ["### Repeated mix (same texts; sum of per-query medians)", ""]
        out += _table(["server", "ms per mix", "ratio to oxigraph"], rows)
    if "throughput" in r:
        tp = r["throughput"]
        names = list(next(iter(tp["levels"].values()))["qps"])
        rows = []
        for level, e in tp["levels"].items():
            rows.append([level] + [f"{e['qps'][n]} ({e.get('ratio_to_oxigraph', {}).get(n, '-')}x ox, "
                                   f"{e.get('ratio_to_rdflib_endpoint', {}).get(n, '-')}x rdflib-ep)" for n in names])
        out += [f"### Throughput, light mix ({', '.join(tp['queries'])}): queries/s", ""]
        out += _table(["clients", *names], rows)
    if "large" in r:
        rows = [[n, e.get("rows"), e.get("rows_per_s"), e.get("ratio_to_oxigraph"), e.get("rss_before_mb"),
                 e.get("rss_peak_mb"), e.get("rss_growth_mb")] for n, e in r["large"].items()]
        out += ["### Large result (200 000 rows, SPARQL JSON)", ""]
        out += _table(["server", "rows", "rows/s", "ratio", "RSS before MB", "peak MB", "growth MB"], rows)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for path in argv:
        print(markdown(json.loads(Path(path).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
