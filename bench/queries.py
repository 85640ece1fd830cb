"""The query mix: the competency questions' shapes, with parameters drawn from the generated data.

Each query is SPARQL text with ``$name`` slots filled by IRIs or words that the generator
wrote into its manifest (never user input: this is a benchmark client, and the Oxigraph server
has no protocol for bound values). Every iteration draws new parameters, so a result cache
cannot answer the cold-cache runs; the "repeated" mix reuses a small fixed set.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from string import Template
from typing import Any

from bench.generate import VOCAB

PREFIXES = """PREFIX cg: <https://w3id.org/claimgraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <http://schema.org/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def _v(role: str) -> str:
    return f"<{VOCAB[role]}>"


@dataclass(frozen=True)
class BenchQuery:
    """One query of the mix: ``param`` names the manifest list its ``$x`` slot draws from."""

    name: str
    question: str
    template: str
    param: str | None = None
    accept: str = "application/sparql-results+json"
    light: bool = True  # part of the throughput mix (heavy scans are measured on their own)

    def text(self, value: str | None = None) -> str:
        body = Template(self.template).substitute(x=value or "")
        return PREFIXES + body


MIX: tuple[BenchQuery, ...] = (
    BenchQuery(
        "point_claim",
        "Everything claimgraph asserts about one claim",
        "SELECT ?p ?o WHERE { <$x> ?p ?o }",
        param="claims_sample",
    ),
    BenchQuery(
        "claim_card",
        "Who said it, with what stance, in which words, where and when",
        f"""SELECT ?speaker ?name ?stance ?exact ?start ?end ?doc ?date ?lang WHERE {{
  <$x> {_v("speaker")} ?speaker ; {_v("stance")} ?stance ; {_v("evidence")} ?span .
  ?speaker {_v("label")} ?name .
  ?span {_v("exact")} ?exact ; {_v("start")} ?start ; {_v("end")} ?end ; {_v("source")} ?doc .
  ?doc {_v("datePublished")} ?date ; {_v("inLanguage")} ?lang .
}}""",
        param="claims_sample",
    ),
    BenchQuery(
        "provenance_chain",
        "The reporting chain of a claim back to its origin, with each step's outlet and document",
        f"""SELECT ?step ?outlet ?doc ?date WHERE {{
  <$x> {_v("quotedFrom")}* ?step .
  ?step {_v("reportedBy")} ?outlet ; {_v("evidence")}/{_v("source")} ?doc .
  ?doc {_v("datePublished")} ?date .
}} ORDER BY ?date""",
        param="chained_claims",
    ),
    BenchQuery(
        "speaker_contradicted",
        "Propositions a speaker asserts that another speaker denies",
        f"""SELECT DISTINCT ?prop ?other WHERE {{
  ?mine {_v("speaker")} <$x> ; {_v("stance")} {_v("asserts")} ; {_v("proposition")} ?prop .
  ?theirs {_v("proposition")} ?prop ; {_v("stance")} {_v("denies")} ; {_v("speaker")} ?other .
  FILTER(?other != <$x>)
}} LIMIT 1000""",
        param="speakers_sample",
        light=False,
    ),
    BenchQuery(
        "proposition_claims",
        "What a proposition claims (its named graph) and who asserts or denies it",
        f"""SELECT ?s ?rel ?o ?claim ?speaker ?stance WHERE {{
  GRAPH <$x> {{ ?s ?rel ?o }}
  ?claim {_v("proposition")} <$x> ; {_v("speaker")} ?speaker ; {_v("stance")} ?stance .
}}""",
        param="propositions_sample",
    ),
    BenchQuery(
        "document_claims",
        "Every claim in one article, in text order",
        f"""SELECT ?claim ?speaker ?start ?exact WHERE {{
  ?span {_v("source")} <$x> ; {_v("start")} ?start ; {_v("exact")} ?exact .
  ?claim {_v("evidence")} ?span ; {_v("speaker")} ?speaker .
}} ORDER BY ?start""",
        param="documents_sample",
    ),
    BenchQuery(
        "ask_claim",
        "Is this a claim (ASK)",
        f"ASK {{ <$x> a {_v('Claim')} }}",
        param="claims_sample",
    ),
    BenchQuery(
        "construct_claim",
        "The claim and its evidence as Turtle (CONSTRUCT)",
        f"""CONSTRUCT {{ <$x> ?p ?o . ?span ?sp ?so }} WHERE {{
  <$x> ?p ?o . OPTIONAL {{ <$x> {_v("evidence")} ?span . ?span ?sp ?so }}
}}""",
        param="claims_sample",
        accept="text/turtle",
    ),
    BenchQuery(
        "contradictions_top",
        "Most contested propositions: how many claims assert and deny each",
        f"""SELECT ?prop ?asserting ?denying WHERE {{
  {{ SELECT ?prop (COUNT(?d) AS ?denying) WHERE {{ ?d {_v("proposition")} ?prop ; {_v("stance")} {_v("denies")} }} GROUP BY ?prop }}
  {{ SELECT ?prop (COUNT(?a) AS ?asserting) WHERE {{ ?a {_v("proposition")} ?prop ; {_v("stance")} {_v("asserts")} }} GROUP BY ?prop }}
}} ORDER BY DESC(?denying) DESC(?asserting) LIMIT 20""",
        light=False,
    ),
    BenchQuery(
        "claims_per_speaker",
        "Claims and denials per speaker (aggregate)",
        f"""SELECT ?speaker (COUNT(?c) AS ?claims) (SUM(IF(?stance = {_v("denies")}, 1, 0)) AS ?denials) WHERE {{
  ?c {_v("speaker")} ?speaker ; {_v("stance")} ?stance .
}} GROUP BY ?speaker ORDER BY DESC(?claims) LIMIT 50""",
        light=False,
    ),
    BenchQuery(
        "fulltext_filter",
        "Quotes containing a word (full-text-like FILTER over every span)",
        f"""SELECT ?claim ?exact WHERE {{
  ?claim {_v("evidence")} ?span . ?span {_v("exact")} ?exact .
  FILTER(CONTAINS(LCASE(STR(?exact)), "$x"))
}}""",
        param="words",
        light=False,
    ),
)

#: The large result: 200 000 rows of claims with speaker, stance and span (an integrator's export).
LARGE = BenchQuery(
    "large_result",
    "200 000 rows: claim statements for export",
    f"""SELECT ?claim ?p ?o WHERE {{ ?claim a {_v("Claim")} ; ?p ?o }} LIMIT 200000""",
    light=False,
)

#: A query every server answers quickly: the probe for time to first answer.
PROBE = BenchQuery("probe", "first answer", f"ASK {{ ?c a {_v('Claim')} }}")


def draw(query: BenchQuery, manifest: dict[str, Any], rnd: random.Random) -> str:
    """The query's text with a fresh parameter from the manifest."""
    if query.param is None:
        return query.text()
    return query.text(rnd.choice(manifest[query.param]))
