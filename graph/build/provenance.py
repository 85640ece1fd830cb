"""The document chain and the build run, in PROV-O and schema.org.

Vietnamese original page (URL, publisher, date) -> its German translation (a cg:Translation
activity) -> the seed file (SHA-256, size) -> the build run that read it (software, version,
input hashes, time). Everything here goes into the default graph: it is what claimgraph itself
asserts about its sources.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCAT, SKOS

from claimgraph import __version__
from claimgraph.graph.build.article import Article
from claimgraph.graph.build.iris import IriMinter
from claimgraph.ontology import CG, DCT, PROV, SCHEMA


@dataclass(frozen=True)
class InputFile:
    """A file the build read, identified by its bytes."""

    path: Path
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def slug(self) -> str:
        return self.path.name.lower().replace("_", "-").replace(".", "-")


def read_input(path: Path) -> InputFile:
    return InputFile(path, path.read_bytes())


def build_time() -> datetime:
    """The run's start time: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now.

    This is the only value of a build that depends on when it ran; with ``SOURCE_DATE_EPOCH``
    set, two builds of the same input are byte-identical.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)


def add_file(g: Graph, mint: IriMinter, f: InputFile, media_type: str) -> URIRef:
    node = mint("file", f.slug)
    g.add((node, RDF.type, CG.SourceFile))
    g.add((node, DCT.identifier, Literal(f.path.name)))
    g.add((node, CG.sha256, Literal(f.sha256)))
    g.add((node, DCAT.byteSize, Literal(len(f.data), datatype=XSD.integer)))
    g.add((node, SCHEMA.encodingFormat, Literal(media_type)))
    return node


def add_run(g: Graph, mint: IriMinter, inputs: list[tuple[URIRef, InputFile]], started: datetime) -> URIRef:
    """The build run; its IRI is a digest of the version and the input hashes (same input, same IRI)."""
    digest = hashlib.sha256("\n".join([__version__, *sorted(f.sha256 for _, f in inputs)]).encode()).hexdigest()[:16]
    run = mint("run", f"build-{digest}")
    software = mint("software", "claimgraph-" + __version__.replace(".", "-"))
    g.add((software, RDF.type, PROV.SoftwareAgent))
    g.add((software, RDF.type, SCHEMA.SoftwareApplication))
    g.add((software, RDFS.label, Literal(f"claimgraph {__version__}")))
    g.add((software, SCHEMA.softwareVersion, Literal(__version__)))
    g.add((software, SCHEMA.url, URIRef("https://w3id.org/claimgraph/")))
    g.add((run, RDF.type, CG.BuildRun))
    g.add((run, RDFS.label, Literal(f"claimgraph {__version__} build {digest}", lang="en")))
    g.add((run, RDFS.label, Literal(f"claimgraph {__version__} Build {digest}", lang="de")))
    g.add((run, PROV.wasAssociatedWith, software))
    g.add((run, PROV.startedAtTime, Literal(started.isoformat(), datatype=XSD.dateTime)))
    for node, _ in inputs:
        g.add((run, PROV.used, node))
    return run


def add_documents(
    g: Graph,
    mint: IriMinter,
    article: Article,
    seed_file: URIRef,
    agent_iri: dict[str, URIRef],
    source_line: URIRef | None,
) -> dict[str, URIRef]:
    """Original page -> translation -> seed file. Returns the document IRIs by annotation name."""
    meta = article.meta
    docs: dict[str, URIRef] = {}
    translation = mint("document", article.slug)
    docs["translation"] = translation
    g.add((translation, RDF.type, SCHEMA.NewsArticle))
    g.add((translation, RDF.type, PROV.Entity))
    g.add((translation, SCHEMA.inLanguage, Literal(meta["language"])))
    for lang, text in sorted((meta.get("label") or {}).items()):
        g.add((translation, RDFS.label, Literal(text, lang=lang)))
    g.add((seed_file, SCHEMA.encodesCreativeWork, translation))
    g.add((seed_file, PROV.wasDerivedFrom, translation))
    g.add((seed_file, SCHEMA.encodingFormat, Literal("text/plain; charset=utf-8")))
    original_meta = meta.get("original")
    if original_meta:
        original = mint("document", original_meta["id"])
        docs["original"] = original
        g.add((original, RDF.type, SCHEMA.NewsArticle))
        g.add((original, RDF.type, PROV.Entity))
        g.add((original, SCHEMA.url, URIRef(original_meta["url"])))
        g.add((original, SCHEMA.inLanguage, Literal(original_meta["language"])))
        g.add((original, SCHEMA.datePublished, Literal(str(original_meta["date_published"]), datatype=XSD.date)))
        for lang, text in sorted((original_meta.get("date_evidence") or {}).items()):
            g.add((original, CG.datePublishedEvidence, Literal(text.strip(), lang=lang)))
        publisher = agent_iri.get(original_meta.get("publisher", ""))
        if publisher is not None:
            g.add((original, SCHEMA.publisher, publisher))
            g.add((original, PROV.wasAttributedTo, publisher))
        for lang, text in sorted((original_meta.get("label") or {}).items()):
            g.add((original, RDFS.label, Literal(text, lang=lang)))
    if "translation" in meta and "original" in docs:
        original = docs["original"]
        activity = mint("activity", f"{article.slug}-translation")
        derivation = mint("derivation", f"{article.slug}-translation")
        g.add((activity, RDF.type, CG.Translation))
        g.add(
            (
                activity,
                RDFS.label,
                Literal(
                    f"translation {meta['translation'].get('from_language', '?')} -> {meta['language']}", lang="en"
                ),
            )
        )
        g.add(
            (
                activity,
                RDFS.label,
                Literal(
                    f"Übersetzung {meta['translation'].get('from_language', '?')} -> {meta['language']}", lang="de"
                ),
            )
        )
        g.add((activity, PROV.used, original))
        g.add((translation, PROV.wasGeneratedBy, activity))
        g.add((translation, SCHEMA.translationOfWork, original))
        g.add((translation, PROV.wasDerivedFrom, original))
        g.add((translation, PROV.qualifiedDerivation, derivation))
        g.add((derivation, RDF.type, PROV.Derivation))
        g.add((derivation, PROV.entity, original))
        g.add((derivation, PROV.hadActivity, activity))
        g.add(
            (
                translation,
                SKOS.note,
                Literal("Who translated the original, and when, is not recorded in the file.", lang="en"),
            )
        )
        g.add(
            (
                translation,
                SKOS.note,
                Literal("Wer das Original wann übersetzt hat, ist in der Datei nicht festgehalten.", lang="de"),
            )
        )
        if source_line is not None:
            g.add((derivation, CG.evidence, source_line))
    return docs


def same_as(g: Graph, node: URIRef, wikidata: str | None, dbpedia: str | None) -> None:
    """External links, only with identifiers from the checked reference list."""
    if wikidata:
        g.add((node, OWL.sameAs, URIRef(f"http://www.wikidata.org/entity/{wikidata}")))
    if dbpedia:
        g.add((node, OWL.sameAs, URIRef(dbpedia)))
