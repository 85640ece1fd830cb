"""Measure full-text search and the speaker page on a generated corpus of news articles.

The corpus has the shape ``claimgraph build`` writes (and the SpkAtt importer will): articles
with a title and a date, claims grounded in a quote of an article's file, speakers with names,
propositions with labels, paraphrases; one claim in ten repeats an earlier statement in another
article with a word changed (so ``cg:sameMessageAs`` has something to group). German words from
the seed article make up the texts, so word frequencies are those of news prose, roughly.

Phases, each bounded by a count:

- ``write``: ``claimgraph load`` of the corpus (the index is built in the same write) and
  how long computing the same-message groups takes;
- ``search``: ``/search?format=json`` for one word (a fresh word each time, from rare to common):
  median and p95 over HTTP, and in-process (``EmbeddedStore.search``, what the page calls);
- ``sparql``: the service form joined with a pattern over ``/sparql``;
- ``speaker``: the speaker page (HTML) of speakers with many claims.

    python -m bench.search --articles 850 --workdir var/bench-search --json var/bench-search/run.json

Only loopback traffic: the server is started here on 127.0.0.1 and stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

from claimgraph.graph.build.similarity import ClaimMessage, same_message_pairs

CG = "https://w3id.org/claimgraph/ontology#"
OA = "http://www.w3.org/ns/oa#"
SCHEMA = "http://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
BASE = "https://w3id.org/claimgraph/id/"
ROOT = Path(__file__).resolve().parent.parent

_FIRST = [
    "Dmitri",
    "Olaf",
    "Annalena",
    "Wolfgang",
    "Ursula",
    "Emmanuel",
    "Angela",
    "Robert",
    "Nancy",
    "Karl",
    "Christian",
    "Friedrich",
    "Sahra",
    "Markus",
    "Hubertus",
    "Svenja",
    "Jürgen",
    "Cem",
    "Lisa",
    "Boris",
]
_LAST = [
    "Peskow",
    "Scholz",
    "Baerbock",
    "Schäuble",
    "von der Leyen",
    "Macron",
    "Merkel",
    "Habeck",
    "Faeser",
    "Lauterbach",
    "Lindner",
    "Merz",
    "Wagenknecht",
    "Söder",
    "Heil",
    "Schulze",
    "Trittin",
    "Özdemir",
    "Paus",
    "Pistorius",
]
_OUTLETS = ["Wikinews", "Reuters", "dpa", "AFP", "Tagesschau", "Spiegel", "Zeit", "FAZ", "taz", "Welt"]


class _Words:
    """News-like word frequencies: the seed article's words (as common as they are there) for
    most tokens, and compounds of two of them (``Kontaktbericht``: rare, like names and topics)."""

    def __init__(self, rng: random.Random) -> None:
        text = (ROOT / "seeds" / "000_dade6e3c090f456c.txt").read_text(encoding="utf-8")
        self.common = re.findall(r"[A-Za-zÄÖÜäöüß]{3,}", text)
        distinct = sorted(set(self.common))
        self.rare = [a + b.lower() for a in distinct[:300] for b in distinct[-300:]]
        self.rng = rng

    def choices(self, k: int) -> list[str]:
        return [
            self.rng.choice(self.rare) if self.rng.random() < 0.35 else self.rng.choice(self.common) for _ in range(k)
        ]

    def choice(self) -> str:
        return self.choices(1)[0]


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def generate(articles: int, out: Path, seed: int = 7) -> dict[str, object]:
    """Write the corpus as N-Triples; return what the measurements need (words, speakers)."""
    rng = random.Random(seed)
    vocab = _Words(rng)
    speakers = [f"{first} {last}" for last in _LAST for first in _FIRST[:10]]
    weights = [1 / (rank + 1) ** 0.5 for rank in range(len(speakers))]  # top speaker ~4 % of claims
    lines: list[str] = []
    messages: list[ClaimMessage] = []
    spoken: dict[int, int] = {}
    n = 0
    for a in range(articles):
        art, file = f"<{BASE}document/art-{a}>", f"<{BASE}file/art-{a}-txt>"
        date = f"20{10 + a % 14:02d}-{1 + a % 12:02d}-{1 + a % 28:02d}"
        title = " ".join(vocab.choices(k=8))
        lines += [
            f"{art} <{RDF_TYPE}> <{SCHEMA}NewsArticle> .",
            f"{art} <{LABEL}> {_lit(title)}@de .",
            f'{art} <{SCHEMA}datePublished> "{date}"^^<{XSD_DATE}> .',
            f"{art} <{SCHEMA}publisher> <{BASE}entity/outlet-{a % len(_OUTLETS)}> .",
            f"{file} <{SCHEMA}encodesCreativeWork> {art} .",
        ]
        for _ in range(rng.randint(2, 6)):
            n += 1
            s = rng.choices(range(len(speakers)), weights)[0]  # a few speak often, most rarely
            spoken[s] = spoken.get(s, 0) + 1
            if messages and rng.random() < 0.1:  # an earlier statement, carried again
                words = messages[rng.randrange(len(messages))].text.split()
                words[rng.randrange(len(words))] = vocab.choice()
                quote = " ".join(words)
            else:
                quote = " ".join(vocab.choices(k=rng.randint(6, 18)))
            claim, span, prop = f"<{BASE}claim/c{n}>", f"<{BASE}span/c{n}>", f"<{BASE}proposition/p{n}>"
            lines += [
                f"{claim} <{RDF_TYPE}> <{CG}Claim> .",
                f"{claim} <{CG}speaker> <{BASE}entity/speaker-{s}> .",
                f"{claim} <{CG}stance> <{CG}{rng.choice(['asserts', 'denies', 'accuses', 'rejects'])}> .",
                f"{claim} <{CG}evidence> {span} .",
                f"{span} <{OA}exact> {_lit(quote)} .",
                f"{span} <{CG}inFile> {file} .",
                f"{claim} <{CG}proposition> {prop} .",
                f"{prop} <{LABEL}> {_lit(' '.join(vocab.choices(k=7)))}@de .",
                f"{claim} <{CG}paraphrase> {_lit(speakers[s] + ' sagte, ' + ' '.join(vocab.choices(k=8)))}@de .",
            ]
            messages.append(ClaimMessage(claim[1:-1], art[1:-1], quote))
    for s, name in enumerate(speakers):
        lines += [
            f"<{BASE}entity/speaker-{s}> <{RDF_TYPE}> <{SCHEMA}Person> .",
            f"<{BASE}entity/speaker-{s}> <{LABEL}> {_lit(name)}@de .",
        ]
    for o, name in enumerate(_OUTLETS):
        lines.append(f"<{BASE}entity/outlet-{o}> <{LABEL}> {_lit(name)}@de .")
    started = time.monotonic()
    matches = same_message_pairs(messages)
    match_seconds = time.monotonic() - started
    for i, m in enumerate(matches):
        node = f"<{BASE}message-match/m{i}>"
        lines += [
            f"<{m.first}> <{CG}sameMessageAs> <{m.second}> .",
            f"<{m.second}> <{CG}sameMessageAs> <{m.first}> .",
            f"{node} <{RDF_TYPE}> <{CG}MessageMatch> .",
            f"{node} <{CG}matchedClaim> <{m.first}> .",
            f"{node} <{CG}matchedClaim> <{m.second}> .",
            f'{node} <{CG}messageSimilarity> "{m.similarity:.3f}"^^<http://www.w3.org/2001/XMLSchema#decimal> .',
        ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tokens = [w for m in messages for w in m.text.split()]
    busy = sorted(spoken, key=spoken.get, reverse=True)[:8]  # type: ignore[arg-type]
    return {
        "articles": articles,
        "claims": n,
        "triples": len(lines),
        "matches": len(matches),
        "match_seconds": round(match_seconds, 3),
        "tokens": tokens,
        "busy_speakers": [f"speaker-{b}" for b in busy],
        "busy_speaker_claims": [spoken[b] for b in busy],
    }


def existing(store: Path) -> dict[str, object]:
    """What the measurements need from a store made elsewhere: the words of its quotes (from
    its search index) and its busiest speakers."""
    import sqlite3

    from claimgraph.graph.store.embedded.snapshots import open_snapshot
    from claimgraph.graph.store.search.index import INDEX_FILE

    with open_snapshot(store / "oxigraph") as snap:
        with sqlite3.connect(snap.path / INDEX_FILE) as conn:
            quotes = [q for (q,) in conn.execute("SELECT quote FROM claims")]
        busy = [
            (r["speaker"].value, int(r["n"].value))
            for r in snap.store.query(
                f"SELECT ?speaker (COUNT(*) AS ?n) {{ ?c <{CG}speaker> ?speaker }} GROUP BY ?speaker ORDER BY DESC(?n) LIMIT 8"
            )
        ]
    return {
        "claims": len(quotes),
        "tokens": [w for q in quotes for w in re.findall(r"\w+", q)],
        "busy_speakers": [iri.removeprefix(BASE + "entity/") for iri, _ in busy],
        "busy_speaker_claims": [n for _, n in busy],
    }


def _ms(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "median_ms": round(statistics.median(samples) * 1000, 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1] * 1000, 2),
        "n": len(samples),
    }


def _timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=850)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench-search"))
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--port", type=int, default=18777)
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="Measure an existing store instead (e.g. one made by claimgraph import-spkatt); not written.",
    )
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.store is not None:
        store = args.store
        info = existing(store)
        load_seconds = float("nan")
    else:
        data, store = args.workdir / "corpus.nt", args.workdir / "store"
        info = generate(args.articles, data)
        subprocess.run(["rm", "-rf", str(store)], check=True)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "claimgraph.cli", "load", "--store", str(store), "--no-validate", str(data)],
            check=True,
            capture_output=True,
        )
        load_seconds = time.monotonic() - started
    # Words as often as they occur in the quotes: most searches are for common words.
    tokens: list[str] = info.pop("tokens")  # type: ignore[assignment]
    one_words = random.Random(11).choices(tokens, k=args.iterations)
    # ... and words of six letters or more (no "der", "und": what people look for).
    content_words = random.Random(12).choices([t for t in tokens if len(t) >= 6], k=args.iterations)
    results: dict[str, object] = {"corpus": info, "write": {"load_with_index_seconds": round(load_seconds, 2)}}

    from claimgraph.graph.store import EmbeddedStore

    es = EmbeddedStore(store)
    try:
        t = time.perf_counter()
        es.search("Peskow")
        results["first_search_ms"] = round((time.perf_counter() - t) * 1000, 2)
        results["search_in_process"] = _ms(_timed(lambda i: es.search(one_words[i % len(one_words)]), args.iterations))
        results["search_in_process_content_words"] = _ms(
            _timed(lambda i: es.search(content_words[i % len(content_words)]), args.iterations)
        )
    finally:
        es.close()

    log = open(args.workdir / "server.log", "wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "claimgraph.cli",
            "serve",
            "--store",
            str(store),
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the server did not start; see " + log.name)
            time.sleep(0.2)
        http = requests.Session()

        chosen = one_words

        def search(i: int) -> None:
            r = http.get(url + "/search", params={"q": chosen[i % len(chosen)], "format": "json"}, timeout=30)
            assert r.status_code == 200, r.text

        def sparql_query(i: int, join: str) -> None:
            query = (
                f"PREFIX cg: <{CG}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                "SELECT ?claim ?score ?speaker WHERE {\n"
                f"  SERVICE <https://w3id.org/claimgraph/search> {{ ?claim cg:matches {_lit(chosen[i % len(chosen)])} ; cg:score ?score }}\n"
                f"  {join}\n}} ORDER BY DESC(?score) LIMIT 20"
            )
            r = http.post(
                url + "/sparql",
                data={"query": query},
                headers={"Accept": "application/sparql-results+json"},
                timeout=30,
            )
            assert r.status_code == 200, r.text

        def sparql(i: int) -> None:
            # joined with a pattern: who said it, by name
            sparql_query(i, "?claim cg:speaker ?speaker . ?speaker rdfs:label ?name .")

        def sparql_deniers(i: int) -> None:
            # the example: claims mentioning the word by speakers who also deny something
            sparql_query(
                i,
                "?claim cg:speaker ?speaker . "
                "{ SELECT DISTINCT ?speaker WHERE { ?other cg:speaker ?speaker ; cg:stance cg:denies } }",
            )

        busy = info["busy_speakers"]

        def speaker(i: int) -> None:
            r = http.get(url + f"/doc/entity/{busy[i % len(busy)]}.html", timeout=30)  # type: ignore[index]
            assert r.status_code == 200 and "timeline" in r.text

        for fn in (search, sparql, sparql_deniers, speaker):  # warm the executors and caches once
            fn(0)
        results["search_http"] = _ms(_timed(search, args.iterations))
        results["sparql_service_joined"] = _ms(_timed(sparql, args.iterations))
        chosen = content_words
        results["search_http_content_words"] = _ms(_timed(search, args.iterations))
        results["sparql_service_joined_content_words"] = _ms(_timed(sparql, args.iterations))
        results["sparql_speakers_who_also_deny_content_words"] = _ms(_timed(sparql_deniers, args.iterations))
        results["speaker_page"] = _ms(_timed(speaker, min(args.iterations, 100)))
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    results["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    text = json.dumps(results, indent=1, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
