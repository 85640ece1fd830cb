"""Compile seed articles, their annotations and metadata into an RDF dataset.

Layout of the result (the contract later layers rely on):
- the default graph holds what claimgraph itself asserts: documents, claims (acts of claiming),
  speakers, text spans, the build run;
- each proposition's triples live only in the named graph named by the proposition's IRI, so a
  query without ``GRAPH`` never sees anything claimed as fact;
- the ontology is loaded into the named graph named by the ontology IRI.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml
from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef

from claimgraph import __version__
from claimgraph.graph.article import Article, find_articles
from claimgraph.graph.iris import IriMinter
from claimgraph.ontology import CG, DCT, OA, ONTOLOGY_IRI, PROV, SCHEMA, ontology_file


class BuildError(ValueError):
    """The seeds cannot be compiled; the message says which file and what is wrong."""


@dataclass(frozen=True)
class BuildResult:
    dataset: Dataset
    articles: int
    claims: int


def default_seeds_dir() -> Path:
    """The seeds shipped with the package (the project's ``seeds/`` folder)."""
    from importlib.resources import files

    return Path(str(files("claimgraph.seeds")))


def build(seeds_dir: Path, base_iri: str, started: datetime | None = None) -> BuildResult:
    """Compile every article in ``seeds_dir``; raise :class:`BuildError` on any inconsistency."""
    mint = IriMinter(base_iri)
    ds = Dataset()
    default = ds.default_context
    articles = find_articles(seeds_dir)
    if not articles:
        raise BuildError(f"{seeds_dir}: no *.meta.yaml article metadata found")
    started = started or datetime.now(timezone.utc)
    digest = hashlib.sha256("".join(a.sha256 for a in articles).encode()).hexdigest()[:16]
    run = mint("run", f"build-{digest}")
    default.add((run, RDF.type, PROV.Activity))
    default.add((run, RDFS.label, Literal(f"claimgraph {__version__} build of {len(articles)} article(s)", lang="en")))
    default.add((run, PROV.startedAtTime, Literal(started.isoformat(timespec="seconds"), datatype=XSD.dateTime)))
    claims = 0
    for article in articles:
        doc = _add_document(default, mint, article, run)
        claims += _add_annotation(ds, mint, article, doc, run)
    ds.graph(URIRef(ONTOLOGY_IRI)).parse(ontology_file(), format="turtle")
    return BuildResult(dataset=ds, articles=len(articles), claims=claims)


def _add_document(g: Graph, mint: IriMinter, article: Article, run: URIRef) -> URIRef:
    doc = mint("document", article.slug)
    g.add((doc, RDF.type, SCHEMA.NewsArticle))
    g.add((doc, RDF.type, PROV.Entity))
    g.add((doc, SCHEMA.inLanguage, Literal(article.meta["language"])))
    g.add((doc, CG.sha256, Literal(article.sha256)))
    g.add((doc, SCHEMA.contentSize, Literal(len(article.data))))
    g.add((doc, DCT.identifier, Literal(article.path.name)))
    if "translation" in article.meta:
        original = URIRef(article.meta["translation"]["of"])
        g.add((doc, SCHEMA.translationOfWork, original))
        g.add((doc, PROV.wasDerivedFrom, original))
    g.add((run, PROV.used, doc))
    return doc


def _add_annotation(ds: Dataset, mint: IriMinter, article: Article, doc: URIRef, run: URIRef) -> int:
    ann_path = article.path.with_suffix(".claims.yaml")
    if not ann_path.exists():
        return 0
    ann = yaml.safe_load(ann_path.read_text(encoding="utf-8"))
    g = ds.default_context
    text = article.text
    speakers = ann.get("speakers", {})
    for slug, info in speakers.items():
        s = mint("speaker", slug)
        g.add((s, RDF.type, PROV.Agent))
        g.add((s, RDF.type, SCHEMA[info["type"]]))
        g.add((s, RDFS.label, Literal(info["label"])))
    for slug, triples in ann.get("propositions", {}).items():
        p = mint("proposition", slug)
        g.add((p, RDF.type, CG.Proposition))
        pg = ds.graph(p)
        for s, pred, o in triples:
            pg.add((mint("entity", s), CG[pred.replace("-", "_")], mint("entity", o)))
    for c in ann["claims"]:
        if c["speaker"] not in speakers:
            raise BuildError(f"{ann_path}: claim {c['id']}: unknown speaker {c['speaker']!r}")
        start, quote = int(c["start"]), c["quote"]
        found = text[start : start + len(quote)]
        if found != quote:
            raise BuildError(
                f"{ann_path}: claim {c['id']}: expected {quote!r} at offset {start}, the text says {found!r}"
            )
        claim = mint("claim", c["id"])
        g.add((claim, RDF.type, CG.Claim))
        g.add((claim, CG.speaker, mint("speaker", c["speaker"])))
        g.add((claim, CG.stance, CG[c["stance"]]))
        g.add((claim, CG.proposition, mint("proposition", c["proposition"])))
        g.add((claim, PROV.wasGeneratedBy, run))
        span = mint("span", c["id"])
        g.add((claim, CG.evidence, span))
        g.add((span, RDF.type, OA.TextPositionSelector))
        g.add((span, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
        g.add((span, OA.end, Literal(start + len(quote), datatype=XSD.nonNegativeInteger)))
        g.add((span, OA.exact, Literal(quote, lang=article.meta["language"])))
        g.add((span, DCT.source, doc))
    return len(ann["claims"])
