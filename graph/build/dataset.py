"""Compile seed articles, their annotations and metadata into an RDF dataset.

Layout of the result (the contract later layers rely on):
- the default graph holds what claimgraph itself asserts: documents, claims (acts of claiming),
  their reporting chains, speakers and entities, text spans, the build run;
- each proposition's triples live only in the named graph named by the proposition's IRI, so a
  query without ``GRAPH`` never sees anything claimed as fact;
- the ontology is loaded into the named graph named by the ontology IRI.

The build refuses (raises :class:`BuildError`) rather than writing anything doubtful: a span
that does not match the text, an unknown speaker, a relation the ontology does not declare, or
a default graph that does not conform to ``ontology/shapes.ttl``. Same input, same triples and
IRIs; the only value that depends on the time of the run is the run's ``prov:startedAtTime``,
and ``SOURCE_DATE_EPOCH`` fixes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from claimgraph.graph.build.annotation import (
    MODES,
    RELATIONS,
    SPAN_ROLES,
    Annotation,
    AnnotationError,
    Claim,
    Span,
    load_annotation,
    load_links,
)
from claimgraph.graph.build.article import Article, ArticleError, find_articles
from claimgraph.graph.build.similarity import add_same_message
from claimgraph.graph.build.bundles import (
    BUNDLE_HASH,
    DATASET_HASH,
    HASH_ALGORITHM,
    PUBLIC_KEY,
    SIGNATURE,
    SIGNATURE_ALGORITHM,
    Seal,
    SigningKeyError,
    seal_build,
)
from claimgraph.graph.build.iris import IriMinter
from claimgraph.graph.build.provenance import (
    add_documents,
    add_file,
    InputFile,
    add_run,
    build_time,
    read_input,
    same_as,
)
from claimgraph.ontology import CG, OA, ONTOLOGY_IRI, PROV, SCHEMA, ontology_dir, ontology_file

LINKS_FILE = "wikidata-links.tsv"
SEAL_PREDICATES = (BUNDLE_HASH, HASH_ALGORITHM, DATASET_HASH, SIGNATURE, PUBLIC_KEY, SIGNATURE_ALGORITHM)

#: The source text is a third party's work: claimgraph's data licence does not cover it.
SOURCE_RIGHTS = {
    "en": "This text is the work of its publisher (and translator), not of claimgraph: the licence of the "
    "claimgraph data does not apply to it. It is kept, with its quoted spans, so that every claim "
    "can be checked against its source; reuse it only under its own terms.",
    "de": "Dieser Text ist das Werk seines Herausgebers (und Übersetzers), nicht von claimgraph: die Lizenz "
    "der claimgraph-Daten gilt für ihn nicht. Er wird mit seinen zitierten Stellen aufbewahrt, damit "
    "jede Behauptung an ihrer Quelle geprüft werden kann; nutzen Sie ihn nur zu seinen eigenen Bedingungen.",
}


class BuildError(ValueError):
    """The seeds cannot be compiled; the message says which file and what is wrong."""


@dataclass(frozen=True)
class BuildResult:
    dataset: Dataset
    articles: int
    claims: int
    run: URIRef
    #: The bundle hashes, the dataset hash and the signature stated in the dataset.
    seal: Seal | None = None

    def nquads(self) -> bytes:
        """The dataset as sorted N-Quads: byte-identical for identical input."""
        lines = self.dataset.serialize(format="nquads", encoding="utf-8").decode("utf-8").splitlines()
        return ("\n".join(sorted(set(line for line in lines if line.strip()))) + "\n").encode("utf-8")


def default_seeds_dir() -> Path:
    """The seeds shipped with the package (the project's ``seeds/`` folder)."""
    from importlib.resources import files

    return Path(str(files("claimgraph.seeds")))


def build(
    seeds_dir: Path,
    base_iri: str,
    started: datetime | None = None,
    validate: bool = True,
    sign_key: bytes | None = None,
) -> BuildResult:
    """Compile every article in ``seeds_dir``; raise :class:`BuildError` on any inconsistency.

    The result is sealed (:mod:`bundles`): every claim carries its bundle hash and the run the
    hash of the dataset, signed with ``sign_key`` (Ed25519, PEM) when one is given."""
    mint = IriMinter(base_iri)
    ds = Dataset()
    g = ds.default_graph
    try:
        articles = find_articles(seeds_dir)
    except ArticleError as exc:
        raise BuildError(str(exc)) from None
    if not articles:
        raise BuildError(f"{seeds_dir}: no *.meta.yaml article metadata found")
    # Each input is read once: its bytes are parsed and hashed into the run's provenance.
    ontology_input, shapes_input = read_input(ontology_file()), read_input(ontology_dir() / "shapes.ttl")
    ontology = Graph().parse(data=ontology_input.data, format="turtle")
    relations = proposition_relations(ontology)
    links_path = seeds_dir / LINKS_FILE
    links_input = read_input(links_path) if links_path.exists() else None
    links = load_links(links_path, links_input.data) if links_input else {}

    inputs = [(add_file(g, mint, f, "text/turtle"), f) for f in (ontology_input, shapes_input)]
    if links_input:
        inputs.append((add_file(g, mint, links_input, "text/tab-separated-values"), links_input))
    compiled: list[tuple[Article, Annotation, URIRef]] = []
    for article in articles:
        seed = InputFile(article.path, article.data)
        seed_node = add_file(g, mint, seed, "text/plain")
        for lang, rights in SOURCE_RIGHTS.items():
            g.add((seed_node, DCTERMS.rights, Literal(rights, lang=lang)))
        inputs.append((seed_node, seed))
        meta_path = article.path.with_name(article.path.stem + ".meta.yaml")
        # the metadata as read by load_article; a drafted article may come without a file
        meta = (
            InputFile(meta_path, article.meta_data)
            if article.meta_data
            else (read_input(meta_path) if meta_path.exists() else None)
        )
        if meta is not None:
            inputs.append((add_file(g, mint, meta, "application/yaml"), meta))
        ann_path = article.path.with_name(article.path.stem + ".claims.yaml")
        if not ann_path.exists():
            continue
        ann_file = read_input(ann_path)
        try:
            ann = load_annotation(ann_path, article.text, links, ann_file.data)
        except AnnotationError as exc:
            raise BuildError(str(exc)) from None
        ann_node = add_file(g, mint, ann_file, "application/yaml")
        inputs.append((ann_node, ann_file))
        compiled.append((article, ann, seed_node))

    run = add_run(g, mint, inputs, started or build_time())
    claims = 0
    seen_claims: set[str] = set()
    for article, ann, seed_node in compiled:
        dup = seen_claims & {c.id for c in ann.claims}
        if dup:
            raise BuildError(f"{ann.path.name}: claim ids already used by another article: {', '.join(sorted(dup))}")
        seen_claims |= {c.id for c in ann.claims}
        claims += _compile(ds, mint, article, ann, seed_node, run, relations)
    add_same_message(g, mint)  # the same statement carried by several articles
    _materialize_alignments(g, ontology)
    # The ontology graph is the file itself: the ontology has no blank nodes (distinct values are
    # owl:differentFrom pairs, not owl:AllDifferent lists), so every copy holds the same axioms.
    if any(isinstance(term, BNode) for triple in ontology for term in triple):
        raise BuildError(f"{ontology_file().name}: blank nodes in the ontology would differ between its copies")
    ds.graph(URIRef(ONTOLOGY_IRI)).__iadd__(ontology)
    seal = _seal(ds, run, sign_key)
    if validate:
        _validate(g, ontology, Graph().parse(data=shapes_input.data, format="turtle"))
    return BuildResult(dataset=ds, articles=len(articles), claims=claims, run=run, seal=seal)


def _seal(ds: Dataset, run: URIRef, sign_key: bytes | None) -> Seal:
    """Hash the claims' bundles and the dataset (in pyoxigraph) and add the seal to ``ds``."""
    store = ox.Store()
    store.load(ds.serialize(format="nquads", encoding="utf-8"), ox.RdfFormat.N_QUADS)
    try:
        seal = seal_build(store, ox.NamedNode(str(run)), sign_key)
    except SigningKeyError as exc:
        raise BuildError(f"cannot sign: {exc}") from None
    g = ds.default_graph
    for pred in SEAL_PREDICATES:
        for q in store.quads_for_pattern(None, pred, None, ox.DefaultGraph()):
            # the seal names its run and algorithm and states plain strings (hashes, keys)
            if not isinstance(q.subject, ox.NamedNode) or not isinstance(q.object, (ox.NamedNode, ox.Literal)):
                raise BuildError(f"unexpected seal statement: {q}")
            obj = URIRef(q.object.value) if isinstance(q.object, ox.NamedNode) else Literal(q.object.value)
            g.add((URIRef(q.subject.value), URIRef(pred.value), obj))
    return seal


def proposition_relations(ontology: Graph) -> set[URIRef]:
    """The relations a proposition may use: every subproperty of the two roots
    (cg:propositionRelation, cg:propositionAttribute), the roots themselves excluded."""
    found: set[URIRef] = set()
    for root in (CG.propositionRelation, CG.propositionAttribute):
        found |= {p for p in ontology.transitive_subjects(RDFS.subPropertyOf, root) if isinstance(p, URIRef)}
    return found - {CG.propositionRelation, CG.propositionAttribute}


#: Superclasses in other vocabularies that the shapes and reasoner-less clients rely on but that
#: no ontology we import states: whoever speaks is a PROV agent, a news article a creative work.
EXTERNAL_SUPERCLASSES: dict[URIRef, tuple[URIRef, ...]] = {
    SCHEMA.Person: (PROV.Person, PROV.Agent),
    SCHEMA.Organization: (PROV.Organization, PROV.Agent),
    SCHEMA.NewsMediaOrganization: (SCHEMA.Organization, PROV.Organization, PROV.Agent),
    SCHEMA.GovernmentOrganization: (SCHEMA.Organization, PROV.Organization, PROV.Agent),
    SCHEMA.NewsArticle: (SCHEMA.Article, SCHEMA.CreativeWork),
    SCHEMA.Article: (SCHEMA.CreativeWork,),
    SCHEMA.WebPage: (SCHEMA.CreativeWork,),
    SCHEMA.MediaObject: (SCHEMA.CreativeWork,),
}


def _materialize_alignments(g: Graph, ontology: Graph) -> None:
    """Add the PROV-O / schema.org / Web Annotation superclasses and superproperties of the
    cg: terms used, so that clients without a reasoner (most SPARQL users) see a cg:Claim as a
    prov:Entity and schema:Claim, cg:speaker as prov:wasAttributedTo, and so on. Only terms of
    other vocabularies are added; the cg: hierarchy stays implicit."""

    def supers(term: URIRef, link: URIRef) -> set[URIRef]:
        found = set(ontology.transitive_objects(term, link)) - {term}
        return {t for t in found if isinstance(t, URIRef) and not t.startswith(str(CG))}

    class_supers = {
        c: supers(c, RDFS.subClassOf)
        for c in set(g.objects(None, RDF.type))
        if isinstance(c, URIRef) and c.startswith(str(CG))
    }
    for cls, extra in class_supers.items():
        for node in list(g.subjects(RDF.type, cls)):
            for sup in extra:
                g.add((node, RDF.type, sup))
    for cls, extra_types in EXTERNAL_SUPERCLASSES.items():
        for node in list(g.subjects(RDF.type, cls)):
            for sup in extra_types:
                g.add((node, RDF.type, sup))
    for prop in {p for p in g.predicates() if isinstance(p, URIRef) and p.startswith(str(CG))}:
        extra = supers(prop, RDFS.subPropertyOf)
        if extra:
            for s, o in list(g.subject_objects(prop)):
                for sup in extra:
                    g.add((s, sup, o))


def _validate(g: Graph, ontology: Graph | None = None, shapes: Graph | None = None) -> None:
    from claimgraph.graph.build.validation import validate as shacl

    report = shacl(g, ontology=ontology, shapes=shapes)
    if not report.conforms:
        shown = report.messages[:20]
        more = f"\n  ... and {len(report.messages) - 20} more" if len(report.messages) > 20 else ""
        raise BuildError("the compiled graph does not conform to the shapes:\n  " + "\n  ".join(shown) + more)


class _Compiler:
    """Turns one checked annotation into triples; holds the IRIs shared by its parts."""

    def __init__(
        self, ds: Dataset, mint: IriMinter, article: Article, ann: Annotation, seed_node: URIRef, run: URIRef
    ) -> None:
        self.ds, self.g, self.mint = ds, ds.default_graph, mint
        self.article, self.ann, self.seed_node, self.run = article, ann, seed_node, run
        self.text = article.text

    def span(
        self,
        node: URIRef,
        span: Span,
        cls: URIRef = CG.TextSpan,
        body: URIRef | None = None,
        motivation: URIRef = OA.identifying,
    ) -> URIRef:
        """The span ``node`` (its offsets and exact text select part of the seed file) and, with
        a ``body``, its Web Annotation: ``<span#annotation> a oa:Annotation ; oa:hasBody body ;
        oa:hasTarget <span#target>``, the target an ``oa:SpecificResource`` with the file as its
        ``oa:hasSource`` and the span as its ``oa:hasSelector``: what annotation tools read."""
        g = self.g
        if body is not None:
            annotation, target = URIRef(f"{node}#annotation"), URIRef(f"{node}#target")
            g.add((annotation, RDF.type, OA.Annotation))
            g.add((annotation, OA.hasBody, body))
            g.add((annotation, OA.hasTarget, target))
            g.add((annotation, OA.motivatedBy, motivation))
            g.add((target, RDF.type, OA.SpecificResource))
            g.add((target, OA.hasSource, self.seed_node))
            g.add((target, OA.hasSelector, node))
        g.add((node, RDF.type, cls))
        g.add((node, OA.start, Literal(span.start, datatype=XSD.integer)))
        g.add((node, OA.end, Literal(span.end, datatype=XSD.integer)))
        g.add((node, OA.exact, Literal(span.exact)))
        prefix = self.text[max(0, span.start - 32) : span.start]
        suffix = self.text[span.end : span.end + 32]
        if prefix:
            g.add((node, OA.prefix, Literal(prefix)))
        if suffix:
            g.add((node, OA.suffix, Literal(suffix)))
        g.add((node, CG.inFile, self.seed_node))
        return node

    def labels(self, node: URIRef, labels: dict[str, str], prop: URIRef = RDFS.label) -> None:
        for lang, text in labels.items():
            self.g.add((node, prop, Literal(text, lang=lang)))


def _compile(
    ds: Dataset,
    mint: IriMinter,
    article: Article,
    ann: Annotation,
    seed_node: URIRef,
    run: URIRef,
    relations: set[URIRef],
) -> int:
    c = _Compiler(ds, mint, article, ann, seed_node, run)
    g = c.g
    lang = article.meta["language"]

    # what each line of the file is; the source line must name the original's URL
    source_line = None
    for seg in ann.segments:
        node = c.span(
            mint("segment", f"{article.slug}-line-{seg.line}"),
            seg.span,
            CG.Segment,
            body=CG[seg.kind],
            motivation=OA.classifying,
        )
        g.add((node, CG.segmentKind, CG[seg.kind]))
        if seg.kind == "sourceLine":
            source_line = node
            url = (article.meta.get("original") or {}).get("url")
            stated = seg.span.exact.removeprefix("Quelle:").strip()
            if url and stated != url:
                raise BuildError(
                    f"{ann.path.name}: segment line {seg.line}: the source line names {stated!r}, "
                    f"the metadata says the original is {url!r}"
                )

    # entities, speakers and the documents of the chain
    iri: dict[str, URIRef] = {}
    for e in ann.entities.values():
        # Entities are shared across articles by slug (elon-musk is one person). An unnamed group
        # that software found ("ein Sprecher", "Kreisen zufolge") is only known in its article.
        scoped = ann.extracted and "AnonymousGroup" in e.types
        node = iri[e.slug] = mint("entity", f"{article.slug}-{e.slug}" if scoped else e.slug)
        for t in e.types:
            g.add((node, RDF.type, CG.AnonymousGroup if t == "AnonymousGroup" else SCHEMA[t]))
        if e.is_agent:
            g.add(
                (
                    node,
                    RDF.type,
                    PROV.Person
                    if "Person" in e.types
                    else PROV.Organization
                    if "AnonymousGroup" not in e.types
                    else PROV.Agent,
                )
            )
        c.labels(node, e.labels)
        c.labels(node, e.note, SKOS.note)
        same_as(g, node, e.wikidata, e.dbpedia)
        for m in e.mentions:
            mention = c.span(mint("mention", f"{article.slug}-{m.start}-{m.end}-{e.slug}"), m, CG.Mention, body=node)
            g.add((mention, CG.mentions, node))
    publisher = (article.meta.get("original") or {}).get("publisher")
    if publisher and publisher not in ann.entities:
        raise BuildError(
            f"{ann.path.name}: the metadata names the publisher {publisher!r}, which the reading "
            "does not declare (add it under entities)"
        )
    docs = add_documents(g, mint, article, seed_node, iri, source_line)
    for d in ann.documents.values():
        node = iri[d.slug] = docs[d.slug] = mint("document", d.slug)
        g.add((node, RDF.type, SCHEMA.NewsArticle))
        g.add((node, RDF.type, PROV.Entity))
        c.labels(node, d.labels)
        if d.language:
            g.add((node, SCHEMA.inLanguage, Literal(d.language)))
        if d.publisher:
            g.add((node, SCHEMA.publisher, iri[d.publisher]))
            g.add((node, PROV.wasAttributedTo, iri[d.publisher]))
        if d.date_published:
            g.add((node, SCHEMA.datePublished, Literal(d.date_published, datatype=_date_type(d.date_published))))
        if d.date_wording and "original" in docs:
            g.add(
                (
                    node,
                    CG.datePublishedEvidence,
                    Literal(
                        f'The text says "{d.date_wording}"; the year is that of the article reporting it.', lang="en"
                    ),
                )
            )
            g.add(
                (
                    node,
                    CG.datePublishedEvidence,
                    Literal(
                        f"Der Text sagt „{d.date_wording}“; das Jahr ist das des Artikels, der darüber berichtet.",
                        lang="de",
                    ),
                )
            )
        for m in d.mentions:
            mention = c.span(mint("mention", f"{article.slug}-{m.start}-{m.end}-{d.slug}"), m, CG.Mention, body=node)
            g.add((mention, CG.mentions, node))
    roles = {}
    for slug, labels in ann.roles.items():
        roles[slug] = mint("role", slug)
        g.add((roles[slug], RDF.type, CG.SpeakerRole))
        c.labels(roles[slug], labels)

    if ann.extracted:
        # A drafted article comes from the user's folder, not the package: the graph carries its
        # text so that the claim page can show the drafted spans in their sentence.
        g.add((seed_node, SCHEMA.text, Literal(article.text)))
    curator = mint("agent", re.sub(r"[^a-z0-9-]+", "-", ann.curator.lower()).strip("-") or "unknown")
    g.add((curator, RDF.type, PROV.Agent))
    g.add((curator, RDFS.label, Literal(ann.curator)))
    ann_node = mint("file", ann.path.name.lower().replace("_", "-").replace(".", "-"))
    g.add((ann_node, PROV.wasAttributedTo, curator))

    # what is claimed: one named graph per proposition
    about: dict[str, set[URIRef]] = {}
    for p in ann.propositions.values():
        node = mint("proposition", p.slug)
        g.add((node, RDF.type, CG.Proposition))
        c.labels(node, p.labels)
        pg = ds.graph(node)
        for i, (s, pred, o) in enumerate(p.triples):
            if CG[pred] not in relations:
                raise BuildError(
                    f"{ann.path.name}: proposition {p.slug}: triple {i + 1}: "
                    f"relation {pred!r} is not declared in the ontology as a subproperty of "
                    "cg:propositionRelation or cg:propositionAttribute"
                )
            about.setdefault(p.slug, set()).add(iri[s])
            if isinstance(o, dict):
                for olang, text in sorted(o.items()):
                    pg.add((iri[s], CG[pred], Literal(text, lang=olang)))
            else:
                pg.add((iri[s], CG[pred], iri[o]))
                about[p.slug].add(iri[o])

    # the acts of claiming
    for claim in ann.claims:
        _claim(c, claim, iri, docs, roles, ann_node, lang, about.get(claim.proposition, set()))
    return len(ann.claims)


#: the property that links a claim to each of its role spans (cue, source, addressee, frame)
ROLE_PROPERTIES = {"cue": CG.cueSpan, "source": CG.sourceSpan, "addressee": CG.addresseeSpan, "frame": CG.frameSpan}


def _spans(
    c: _Compiler, claim_id: str, suffix: str, spans: tuple[Span, ...], body: URIRef | None = None
) -> list[URIRef]:
    """Text span nodes ``span/CLAIM{suffix}``; further parts of discontinuous words get ``-part-2``...
    With ``body``, each span is annotated with it (see :meth:`_Compiler.span`)."""
    return [
        c.span(c.mint("span", f"{claim_id}{suffix}" + (f"-part-{k}" if k > 1 else "")), span, body=body)
        for k, span in enumerate(spans, start=1)
    ]


def _date_type(value: str) -> URIRef:
    return {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(value), XSD.date)


def _claim(
    c: _Compiler,
    claim: Claim,
    iri: dict[str, URIRef],
    docs: dict[str, URIRef],
    roles: dict[str, URIRef],
    ann_node: URIRef,
    lang: str,
    about: set[URIRef],
) -> None:
    g, mint = c.g, c.mint
    node = mint("claim", claim.id)
    speaker = iri[claim.speaker]
    g.add((node, RDF.type, CG.Claim))
    g.add((node, CG.proposition, mint("proposition", claim.proposition)))
    g.add((node, CG.speaker, speaker))
    g.add((node, CG.stance, CG[claim.stance]))
    if claim.stance_method is not None and claim.stance_method != c.ann.method:
        g.add((node, CG.stanceMethod, CG[claim.stance_method]))
    if claim.stance_confidence is not None:
        g.add((node, CG.stanceConfidence, Literal(claim.stance_confidence, datatype=XSD.decimal)))
    g.add((node, CG.speechMode, CG[MODES[claim.mode]]))
    g.add((node, CG.speakerCertainty, CG[claim.certainty]))
    g.add((node, CG.readingMethod, CG[c.ann.method]))
    g.add((node, PROV.wasGeneratedBy, c.run))
    g.add((node, PROV.wasDerivedFrom, ann_node))
    c.labels(node, claim.paraphrase, CG.paraphrase)
    c.labels(node, claim.paraphrase)  # rdfs:label, what generic clients show
    if not claim.paraphrase:
        # a draft has no paraphrase until a reviewer writes one: its label is who and the words
        names = c.ann.entities[claim.speaker].labels
        name = names.get(lang) or next(iter(names.values()))
        words = " … ".join(span.exact for span in claim.evidence)
        g.add((node, RDFS.label, Literal(f"{name}: {words}", lang=lang)))
    c.labels(node, claim.note, SKOS.note)
    # schema:Claim as its users (ClaimsKG, Google's fact-check markup) read it
    words = Literal(" … ".join(span.exact for span in claim.evidence), lang=lang)
    g.add((node, SCHEMA.text, words))
    if not claim.paraphrase:  # a drafted claim: its own words are its label
        g.add((node, RDFS.label, words))
    g.add((node, SCHEMA.author, speaker))
    for term in about:
        g.add((node, SCHEMA.about, term))

    attribution = mint("attribution", claim.id)
    g.add((node, PROV.qualifiedAttribution, attribution))
    g.add((attribution, RDF.type, CG.Attribution))
    g.add((attribution, PROV.agent, speaker))
    g.add((attribution, CG.attributionConfidence, Literal(claim.confidence, datatype=XSD.decimal)))
    if claim.role:
        g.add((attribution, PROV.hadRole, roles[claim.role]))

    evidence = _spans(c, claim.id, "", claim.evidence, body=node)
    for span in evidence:
        g.add((node, CG.evidence, span))
    for role in SPAN_ROLES:
        for span in _spans(c, claim.id, f"-{role}", claim.roles.get(role, ()), body=node):
            g.add((node, ROLE_PROPERTIES[role], span))
    if claim.mode == "direct":
        g.add((node, RDF.type, SCHEMA.Quotation))

    if claim.said_on:
        g.add((node, CG.saidOn, Literal(claim.said_on, datatype=_date_type(claim.said_on))))
    if claim.said_wording:
        g.add((node, CG.saidOnWording, Literal(claim.said_wording, lang=lang)))
    if claim.holds_during:
        g.add((node, CG.holdsDuring, Literal(claim.holds_during)))
    if claim.holds_wording:
        g.add((node, CG.holdsDuringWording, Literal(claim.holds_wording, lang=lang)))
    if claim.time_anchor:
        g.add((node, CG.timeAnchor, docs[claim.time_anchor]))

    for key, prop in RELATIONS.items():
        for target in claim.relations[key]:
            g.add((node, CG[prop], mint("claim", target)))

    # the reporting chain, speaker first; translations counted where languages are known
    previous, previous_lang, known_langs = None, None, []  # type: ignore[var-annotated]
    appearances = [docs[step.document] for step in claim.chain if step.document]
    for doc in appearances:
        g.add((node, SCHEMA.appearance, doc))
    if appearances:
        g.add((node, SCHEMA.firstAppearance, appearances[0]))
    for n, step in enumerate(claim.chain, start=1):
        if step.document == "translation" and not step.language:
            step = replace(step, language=lang)  # the text read is in the article's language
        s = mint("step", f"{claim.id}-{n}")
        g.add((s, RDF.type, CG.ReportingStep))
        g.add((s, CG.stepOf, node))
        g.add((node, CG.reportedThrough, s))
        g.add((s, CG.position, Literal(n, datatype=XSD.integer)))
        if step.by:
            g.add((s, CG.relayedBy, iri[step.by]))
        if step.document:
            g.add((s, CG.inDocument, docs[step.document]))
        if step.language:
            g.add((s, SCHEMA.inLanguage, Literal(step.language)))
            if known_langs and known_langs[-1] != step.language:
                known_langs.append(step.language)
            elif not known_langs:
                known_langs.append(step.language)
        translated = step.translation
        if translated is None and previous_lang and step.language:
            translated = previous_lang != step.language
        if translated is not None and n > 1:
            g.add((s, CG.isTranslation, Literal(translated)))
        if previous is not None:
            g.add((s, CG.previousStep, previous))
            if claim.mode == "direct":
                g.add((s, PROV.wasQuotedFrom, previous))
        for span in _spans(c, claim.id, f"-step-{n}", step.evidence, body=s):
            g.add((s, CG.evidence, span))
        if n == len(claim.chain):
            for span in evidence:
                g.add((s, CG.evidence, span))
        previous, previous_lang = s, step.language
    translations = len(known_langs) - 1 if known_langs else 0
    g.add((node, CG.minTranslations, Literal(translations, datatype=XSD.integer)))
    all_known = all(step.language for step in claim.chain)
    g.add((node, CG.verbatim, Literal(translations == 0 and all_known)))
