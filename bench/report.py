"""Render a benchmark result (the JSON of ``bench.run``) as the Markdown tables of docs/benchmarks.md.

python -m bench.report var/bench/1m.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


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
        f"load average at start {env['load_average_at_start']}, at end {r.get('load_average_at_end')}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()) + ".",
        "",
        f"Command: `{r['command']}`",
        "",
    ]
    if "load" in r:
        ld = r["load"]
        rows = [
            [name, ld[name].get("seconds"), ld[name].get("triples_per_s", ld[name].get("error"))]
            for name in ("oxigraph load", "claimgraph load")
        ]
        out += ["### Bulk load", ""] + _table(["command", "seconds", "triples/s"], rows)
        if "ratio_claimgraph_to_oxigraph" in ld:
            out += [f"claimgraph / oxigraph: {ld['ratio_claimgraph_to_oxigraph']}x", ""]
    if "start" in r:
        rows = [[n, d["median_s"], d["seconds"]] for n, d in r["start"].items()]
        out += ["### Time to first answer after start (existing store)", ""] + _table(
            ["server", "median s", "all"], rows
        )
    if "latency" in r:
        names = list(dict.fromkeys(n for q in r["latency"]["queries"].values() for n in q["servers"]))
        rows = []
        for qname, q in r["latency"]["queries"].items():
            row: list[Any] = [qname]
            for n in names:
                s = q["servers"].get(n)
                if s and "median_ms" in s:
                    slow = " (then too slow)" if s.get("timed_out") else ""
                    row.append(f"{s['median_ms']} / {s['p95_ms']} ({s.get('ratio_to_oxigraph', '-')}x){slow}")
                else:
                    row.append("> timeout" if s else "-")
            rows.append(row)
        out += ["### Latency per query, cold cache: median / p95 ms (ratio of medians to oxigraph)", ""]
        out += _table(["query", *names], rows)
        if r["latency"].get("timed_out"):
            out += [
                f"Given up after {r['latency']['request_timeout_s']:g} s: {', '.join(r['latency']['timed_out'])}",
                "",
            ]
        if r["latency"]["mismatches"] or r["latency"]["errors"]:
            out += [f"Result mismatches: {r['latency']['mismatches']}; errors: {r['latency']['errors']}", ""]
            for where, said in r["latency"].get("error_samples", {}).items():
                out += [f"- {where} answered {said}"]
            out += [""]
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
            rows.append(
                [level]
                + [
                    f"{e['qps'][n]} ({e.get('ratio_to_oxigraph', {}).get(n, '-')}x ox, "
                    f"{e.get('ratio_to_rdflib_endpoint', {}).get(n, '-')}x rdflib-ep)"
                    for n in names
                ]
            )
        out += [f"### Throughput, light mix ({', '.join(tp['queries'])}): queries/s", ""]
        out += _table(["clients", *names], rows)
        all_rows = [
            [
                level,
                n,
                e["late"][n],
                e["wall_seconds"][n],
                e["qps_all_answered"][n],
                e["all_answered_ratio_to_oxigraph"].get(n),
            ]
            for level, e in tp["levels"].items()
            if "all_answered_ratio_to_oxigraph" in e
            for n in names
        ]
        if all_rows:
            out += [
                "",
                "Queries/s above count the answers that arrived within the window. Each client's last query "
                "is still running when it closes; every query the clients sent, answered, over the time until "
                "the last answer:",
                "",
            ]
            out += _table(["clients", "server", "answered after the window", "seconds", "queries/s", "ratio"], all_rows)
        cpu_rows = []
        for level, e in tp["levels"].items():
            for n, roles in e.get("cpu_ms_per_query", {}).items():
                server = sum(v for k, v in roles.items() if k != "client")
                parts = ", ".join(f"{k} {v}" for k, v in roles.items() if k != "client")
                cores = e.get("server_cores", {}).get(n, "-")
                cpu_rows.append([level, n, round(server, 2), cores, parts, roles.get("client", "-")])
        if cpu_rows:
            out += [
                "",
                "### CPU per query of the throughput mix, ms (server processes by role; the load generator)",
                "",
            ]
            out += _table(["clients", "server", "server tree", "cores", "by role", "client"], cpu_rows)
        if "memory" in tp:
            rows = []
            for n, m in tp["memory"].items():
                busy = [k for k in m if k.startswith("busy_rss")]
                level = busy[0].rsplit("_", 1)[1] if busy else "-"
                ratio = m.get("rss_ratio_to_oxigraph", {})
                rows.append(
                    [
                        n,
                        f"{m['idle_rss_mib']} / {m['idle_pss_mib']} ({ratio.get('idle', '-')}x)",
                        f"{m.get(f'busy_rss_mib_at_{level}')} / {m.get(f'busy_pss_mib_at_{level}')} "
                        f"({ratio.get('busy', '-')}x)",
                        f"{m.get('idle_after_rss_mib')} / {m.get('idle_after_pss_mib')} ({ratio.get('idle_after', '-')}x)",
                    ]
                )
            out += ["", "### Memory of the server's process tree: RSS / PSS MiB (RSS ratio to oxigraph)", ""]
            out += _table(["server", "idle before", f"most during {level} clients", "idle after"], rows)
    if "large" in r:
        rows = [
            [
                n,
                e.get("rows"),
                e.get("rows_per_s"),
                e.get("ratio_to_oxigraph"),
                e.get("rss_before_mb"),
                e.get("rss_peak_mb"),
                e.get("rss_growth_mb"),
            ]
            for n, e in r["large"].items()
        ]
        out += ["### Large result (200 000 rows, SPARQL JSON)", ""]
        out += _table(["server", "rows", "rows/s", "ratio", "RSS before MB", "peak MB", "growth MB"], rows)
    return "\n".join(out)


def targets(r: dict[str, Any], start_run: dict[str, Any] | None = None) -> str:
    """The issue's targets, met or missed, from one run (and a big-store run for start/load)."""
    rows: list[list[Any]] = []

    def verdict(ok: bool | None) -> str:
        return "n/a" if ok is None else ("met" if ok else "missed")

    lat = r.get("latency", {}).get("queries", {})
    ratios = {q: d["servers"].get("claimgraph", {}).get("ratio_to_oxigraph") for q, d in lat.items()}
    ratios = {q: v for q, v in ratios.items() if v is not None}
    if ratios:
        over = [f"{q} {v}x" for q, v in ratios.items() if v > 1.25]
        rows.append(
            [
                "latency within 1.25x of oxigraph on every query, cold cache",
                f"worst {max(ratios.values())}x; over: {', '.join(over) or 'none'}",
                verdict(not over),
            ]
        )
    rep = r.get("repeated", {}).get("ratio_to_oxigraph", {})
    if "claimgraph+cache" in rep:
        rows.append(
            [
                "repeated mix faster than oxigraph with the cache",
                f"{rep['claimgraph+cache']}x",
                verdict(rep["claimgraph+cache"] < 1),
            ]
        )
    for level in ("8", "32"):
        e = r.get("throughput", {}).get("levels", {}).get(level)
        if not e:
            continue
        ox_ratio = e.get("ratio_to_oxigraph", {}).get("claimgraph")
        rd_ratio = e.get("ratio_to_rdflib_endpoint", {}).get("claimgraph")
        if ox_ratio is not None:
            rows.append(
                [
                    f"throughput at {level} clients >= 0.8x oxigraph (cache off)",
                    f"{ox_ratio}x",
                    verdict(ox_ratio >= 0.8),
                ]
            )
        cached = e.get("ratio_to_oxigraph", {}).get("claimgraph+cache")
        if cached is not None:
            rows.append(["  same, cache on", f"{cached}x", verdict(cached >= 0.8)])
        if rd_ratio is not None:
            rows.append(
                [f"throughput at {level} clients >= 3x rdflib-endpoint", f"{rd_ratio}x", verdict(rd_ratio >= 3)]
            )
    mem = r.get("throughput", {}).get("memory", {}).get("claimgraph", {}).get("rss_ratio_to_oxigraph", {})
    for when, ratio in mem.items():
        rows.append([f"server tree RSS <= 2.5x oxigraph ({when}, issue 16)", f"{ratio}x", verdict(ratio <= 2.5)])
    lg = r.get("large", {}).get("claimgraph", {})
    if "ratio_to_oxigraph" in lg:
        rows.append(
            [
                "large result rows/s >= 0.8x oxigraph",
                f"{lg['ratio_to_oxigraph']}x",
                verdict(lg["ratio_to_oxigraph"] >= 0.8),
            ]
        )
        rows.append(
            [
                "server memory flat during the large result",
                f"+{lg['rss_growth_mb']} MB",
                verdict(lg["rss_growth_mb"] < 50),
            ]
        )
    big = start_run or r
    st = big.get("start", {}).get("claimgraph")
    if st:
        rows.append(
            [
                f"start on an existing {big['data']['quads']:,}-quad store < 3 s",
                f"{st['median_s']} s",
                verdict(st["median_s"] < 3),
            ]
        )
    for run in [r, start_run] if start_run else [r]:
        ld = run.get("load", {}) if run else {}
        if "ratio_claimgraph_to_oxigraph" in ld:
            rows.append(
                [
                    f"bulk load >= 0.8x oxigraph load ({run['data']['quads']:,} quads)",
                    f"{ld['ratio_claimgraph_to_oxigraph']}x",
                    verdict(ld["ratio_claimgraph_to_oxigraph"] >= 0.8),
                ]
            )
    return "\n".join(_table(["target", "measured", ""], rows))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for path in argv:
        print(markdown(json.loads(Path(path).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
