"""Generate realistic claim graphs in claimgraph's ontology, at any size, as N-Quads.

The shape follows what ``claimgraph build`` writes for real articles (graph/build.py):
documents, claims (acts of claiming) with speaker, stance, proposition and a text span as
evidence, speakers, the build run in the DEFAULT graph; each proposition's own triples only in
the named graph named by the proposition. On top of the seed's shape it adds what a large
news corpus has: reporting chains (a claim quoted from an earlier claim in another article,
up to four steps), outlets, translations, and contradictions (one speaker asserts what another
denies). Deterministic for a given seed and size, so the query mix can pick parameters that exist.

Every IRI of the vocabulary is in :data:`VOCAB` (one place to adapt when the ontology moves).
Lines are written as text directly: ~1M triples/s on one core, no rdflib in the loop.

    python -m bench.generate --triples 1000000 --out var/bench/1m.nq
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

CG = "https://w3id.org/claimgraph/ontology#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "http://schema.org/"
OA = "http://www.w3.org/ns/oa#"
DCT = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"

#: The vocabulary the generator writes, by role. Change a value here when the ontology
#: renames a term; the query mix (bench/queries.py) reads the same table.
VOCAB: dict[str, str] = {
    "type": RDF + "type",
    "label": RDFS + "label",
    "sameAs": OWL + "sameAs",
    # documents
    "Document": SCHEMA + "NewsArticle",
    "Entity": PROV + "Entity",
    "inLanguage": SCHEMA + "inLanguage",
    "datePublished": SCHEMA + "datePublished",
    "publisher": SCHEMA + "publisher",
    "sha256": CG + "sha256",
    "contentSize": SCHEMA + "contentSize",
    "identifier": DCT + "identifier",
    "translationOfWork": SCHEMA + "translationOfWork",
    "wasDerivedFrom": PROV + "wasDerivedFrom",
    "Organization": SCHEMA + "Organization",
    "Person": SCHEMA + "Person",
    "Agent": PROV + "Agent",
    # acts of claiming
    "Claim": CG + "Claim",
    "speaker": CG + "speaker",
    "stance": CG + "stance",
    "asserts": CG + "asserts",
    "denies": CG + "denies",
    "proposition": CG + "proposition",
    "Proposition": CG + "Proposition",
    "evidence": CG + "evidence",
    "wasGeneratedBy": PROV + "wasGeneratedBy",
    "quotedFrom": PROV + "wasQuotedFrom",  # one step of the reporting chain
    "reportedBy": PROV + "wasAttributedTo",  # who relays the claim at this step (the outlet)
    # text evidence
    "Span": OA + "TextPositionSelector",
    "start": OA + "start",
    "end": OA + "end",
    "exact": OA + "exact",
    "source": DCT + "source",
    # build run
    "Activity": PROV + "Activity",
    "startedAtTime": PROV + "startedAtTime",
    "used": PROV + "used",
    # relations inside propositions (named graphs)
    "relations": CG
    + "accused_of|"
    + CG
    + "responsible_for|"
    + CG
    + "member_of|"
    + CG
    + "located_in|"
    + CG
    + "supplied",
}

#: Words the quotes are made of; the full-text query searches for some of them.
WORDS = (
    "the government said sanctions would remain until the talks resume and the ministry denied "
    "any involvement in the attack while officials confirmed reports of troops near border "
    "spokesman rejected allegations as fake news election fraud vaccine climate inflation "
    "pipeline drones ceasefire refugees hospital grain exports minister president army police "
    "court ruling protest strike corruption investigation journalists agency according sources"
).split()
#: Rarer words, each used in about one quote in 200: selective full-text filters.
RARE_WORDS = ("cryptocurrency", "uranium", "submarine", "wildfire", "counterfeit", "earthquake")
LANGUAGES = ("en", "de", "fr", "vi", "ru", "es")


@dataclass
class Plan:
    """How many of each thing a graph of ``triples`` triples holds (about 80 triples an article)."""

    triples: int
    articles: int
    speakers: int
    outlets: int
    propositions: int
    entities: int

    @classmethod
    def for_triples(cls, triples: int) -> "Plan":
        articles = max(4, triples // 80)
        return cls(
            triples=triples,
            articles=articles,
            speakers=max(5, articles // 25),
            outlets=max(3, min(400, articles // 200)),
            propositions=max(4, articles * 5 // 3),
            entities=max(6, articles // 4),
        )


@dataclass
class Manifest:
    """What was generated and sample parameters for the query mix (written beside the data)."""

    plan: dict[str, int]
    quads: int = 0
    claims: int = 0
    chained_claims: list[str] = field(default_factory=list)
    claims_sample: list[str] = field(default_factory=list)
    speakers_sample: list[str] = field(default_factory=list)
    propositions_sample: list[str] = field(default_factory=list)
    documents_sample: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=lambda: list(RARE_WORDS))
    base: str = ""
    seconds: float = 0.0


def generate(out: IO[str], triples: int, base: str = "https://w3id.org/claimgraph/", seed: int = 1) -> Manifest:
    """Write about ``triples`` quads (stopping at the first article boundary past it)."""
    started = time.monotonic()
    plan = Plan.for_triples(triples)
    rnd = random.Random(seed)
    v = {k: f"<{iri}>" for k, iri in VOCAB.items() if k != "relations"}
    relations = [f"<{r}>" for r in VOCAB["relations"].split("|")]
    ident = f"{base}id/"
    man = Manifest(plan=plan.__dict__.copy(), base=base)
    lines: list[str] = []
    count = 0

    def flush() -> None:
        nonlocal count
        chunk = "".join(lines)
        count += chunk.count("\n")
        out.write(chunk)
        lines.clear()

    a = lines.append
    run = f"<{ident}run/bench-{seed}>"
    a(f"{run} {v['type']} {v['Activity']} .\n")
    a(f'{run} {v["label"]} "synthetic benchmark build"@en .\n')
    a(f'{run} {v["startedAtTime"]} "2026-11-25T12:00:00Z"^^<{XSD}dateTime> .\n')

    for i in range(plan.outlets):
        o = f"<{ident}outlet/o{i}>"
        a(f"{o} {v['type']} {v['Organization']} .\n{o} {v['type']} {v['Agent']} .\n")
        a(f'{o} {v["label"]} "Outlet {i}" .\n')
    for i in range(plan.speakers):
        s = f"<{ident}speaker/s{i}>"
        kind = v["Person"] if i % 4 else v["Organization"]
        a(f"{s} {v['type']} {v['Agent']} .\n{s} {v['type']} {kind} .\n")
        a(f'{s} {v["label"]} "Speaker {i}" .\n')
        a(f"{s} {v['sameAs']} <http://www.wikidata.org/entity/Q{100000 + i}> .\n")
    for i in range(plan.entities):
        e = f"<{ident}entity/e{i}>"
        a(f'{e} {v["label"]} "Entity {i}" .\n')
    for i in range(plan.propositions):
        p = f"<{ident}proposition/p{i}>"
        a(f"{p} {v['type']} {v['Proposition']} .\n")
        for _ in range(1 + (i % 2)):  # one or two claimed triples, only in the named graph
            s, o = rnd.randrange(plan.entities), rnd.randrange(plan.entities)
            a(f"<{ident}entity/e{s}> {rnd.choice(relations)} <{ident}entity/e{o}> {p} .\n")
    flush()

    # Speakers and propositions follow a skewed (Zipf-like) popularity, as in real news.
    spk_weights = [1.0 / (k + 1) for k in range(plan.speakers)]
    speaker_pick = rnd.choices
    recent: list[tuple[int, int, int]] = []  # (claim, speaker, proposition) candidates to quote
    claim_no = 0
    art = 0
    while count < triples:
        lang = LANGUAGES[art % len(LANGUAGES)] if art % 7 else "en"
        doc = f"<{ident}document/a{art}>"
        outlet = f"<{ident}outlet/o{art % plan.outlets}>"
        day = 1 + art * 700 // max(plan.articles, 1)  # spread over about two years
        year, doy = 2024 + (day - 1) // 365, (day - 1) % 365
        month, dom = 1 + doy // 31 % 12, 1 + doy % 28
        a(f"{doc} {v['type']} {v['Document']} .\n{doc} {v['type']} {v['Entity']} .\n")
        a(f'{doc} {v["inLanguage"]} "{lang}" .\n')
        a(f'{doc} {v["datePublished"]} "{year}-{month:02d}-{dom:02d}"^^<{XSD}date> .\n')
        a(f"{doc} {v['publisher']} {outlet} .\n")
        a(f'{doc} {v["sha256"]} "{rnd.getrandbits(256):064x}" .\n')
        a(f'{doc} {v["contentSize"]} "{2000 + rnd.randrange(8000)}"^^<{XSD}integer> .\n')
        a(f'{doc} {v["identifier"]} "a{art}.txt" .\n')
        a(f"{run} {v['used']} {doc} .\n")
        if art % 10 == 9 and art > 0:
            original = f"<{ident}document/a{art - 1}>"
            a(f"{doc} {v['translationOfWork']} {original} .\n{doc} {v['wasDerivedFrom']} {original} .\n")
        offset = rnd.randrange(40)
        for _ in range(3 + rnd.randrange(5)):
            c = claim_no
            claim_no += 1
            claim = f"<{ident}claim/c{c}>"
            span = f"<{ident}span/c{c}>"
            if recent and rnd.random() < 0.3:
                # A later report quoting an earlier claim: same speaker, same proposition.
                quoted, spk, prop = recent[rnd.randrange(len(recent))]
                a(f"{claim} {v['quotedFrom']} <{ident}claim/c{quoted}> .\n")
                stance = v["asserts"] if rnd.random() < 0.9 else v["denies"]
                if len(man.chained_claims) < 200 and rnd.random() < 0.2:
                    man.chained_claims.append(f"{ident}claim/c{c}")
            else:
                spk = speaker_pick(range(plan.speakers), spk_weights)[0]
                prop = (
                    min(int(rnd.paretovariate(1.2)) - 1, plan.propositions - 1)
                    if rnd.random() < 0.2
                    else rnd.randrange(plan.propositions)
                )
                stance = v["denies"] if rnd.random() < 0.3 else v["asserts"]
            recent.append((c, spk, prop))
            if len(recent) > 500:
                recent.pop(0)
            a(f"{claim} {v['type']} {v['Claim']} .\n")
            a(f"{claim} {v['speaker']} <{ident}speaker/s{spk}> .\n")
            a(f"{claim} {v['stance']} {stance} .\n")
            a(f"{claim} {v['proposition']} <{ident}proposition/p{prop}> .\n")
            a(f"{claim} {v['reportedBy']} {outlet} .\n")
            a(f"{claim} {v['wasGeneratedBy']} {run} .\n")
            a(f"{claim} {v['evidence']} {span} .\n")
            words = rnd.choices(WORDS, k=6 + rnd.randrange(14))
            if rnd.random() < 0.03:
                words[rnd.randrange(len(words))] = rnd.choice(RARE_WORDS)
            quote = " ".join(words)
            a(f"{span} {v['type']} {v['Span']} .\n")
            a(f'{span} {v["start"]} "{offset}"^^<{XSD}integer> .\n')
            a(f'{span} {v["end"]} "{offset + len(quote)}"^^<{XSD}integer> .\n')
            a(f'{span} {v["exact"]} "{quote}"@{lang} .\n')
            a(f"{span} {v['source']} {doc} .\n")
            offset += len(quote) + 1 + rnd.randrange(300)
            if len(man.claims_sample) < 200 and c % 7 == 3:
                man.claims_sample.append(f"{ident}claim/c{c}")
                man.propositions_sample.append(f"{ident}proposition/p{prop}")
        if len(man.documents_sample) < 200 and art % 5 == 2:
            man.documents_sample.append(f"{ident}document/a{art}")
        art += 1
        if len(lines) > 20_000 or count + 2 * len(lines) >= triples:
            flush()
    flush()
    man.quads = count
    man.claims = claim_no
    man.plan["articles"] = art
    man.speakers_sample = [f"{ident}speaker/s{i}" for i in range(min(plan.speakers, 200))]
    man.seconds = round(time.monotonic() - started, 3)
    return man


def generate_file(path: Path, triples: int, seed: int = 1) -> Manifest:
    """Write ``path`` (N-Quads) and ``path`` + ``.json`` (the manifest); reuse them when present."""
    path = Path(path)
    meta = path.with_name(path.name + ".json")
    if path.exists() and meta.exists():
        data = json.loads(meta.read_text())
        if data.get("plan", {}).get("triples") == triples:
            return Manifest(**data)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", buffering=1 << 20) as fh:
        man = generate(fh, triples, seed=seed)
    tmp.replace(path)
    meta.write_text(json.dumps(man.__dict__, indent=1))
    return man


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="about how many quads to write")
    parser.add_argument("--out", type=Path, required=True, help="N-Quads file to write")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    man = generate_file(args.out, args.triples, seed=args.seed)
    print(f"{man.quads} quads, {man.claims} claims, {man.plan['articles']} articles in {man.seconds} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
