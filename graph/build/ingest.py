"""Adding, replacing and removing one article's triples in an existing dataset.

``claimgraph build`` compiles every seed into a new dataset; ingest changes an existing one, an
article at a time. For that each article leaves a record (a ``cg:IngestRecord`` in the named
graph ``{base}id/graph/ingest``) of exactly the quads it contributed:

- *own* quads, whose subject belongs to this article alone (its document, files, claims, spans,
  mentions, steps, propositions, run, merge decisions): removed with the article;
- *shared* quads, whose subject other articles may reach too (a merged speaker, a role, a
  document several articles name): removed only when no other article's record holds the
  same quad (``cg:sharesNode`` finds the records to ask);
- global quads (the ontology graph, the software agent, the curators) are written by every
  ingest and never removed.

The record also holds the SHA-256 of the text and of the reading, so an unchanged article is
skipped. The functions here work on a pyoxigraph ``Store`` the caller has opened for writing
(``EmbeddedStore.writer()``: one new store version, published whole or not at all).
"""

from __future__ import annotations

import base64
import re
import json
import hashlib
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
import yaml
from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from claimgraph.graph.build.annotation import Annotation, AnnotationError, load_annotation, load_links, read_annotation
from claimgraph.graph.build.article import Article
from claimgraph.graph.build.bundles import bundle_hashes, hash_nquads, record_hash, store_select
from claimgraph.graph.build.dataset import (
    LINKS_FILE,
    _compile,
    _materialize_alignments,
    _validate,
    default_seeds_dir,
    proposition_relations,
)
from claimgraph.graph.build.iris import IriMinter
from claimgraph.graph.build.lightgraph import LightDataset, LightGraph
from claimgraph.graph.build.merge import Decision, Known, Registry
from claimgraph.graph.build.names import slugify
from claimgraph.graph.build.provenance import InputFile, add_file, add_run, read_input
from claimgraph.ontology import CG, ONTOLOGY_IRI, PROV, SCHEMA, ontology_file


class IngestError(ValueError):
    """One article cannot be ingested; the message names the file and the problem."""


RULE_TERMS = {
    "byWikidataId": CG.byWikidataId,
    "byName": CG.byName,
    "bySurname": CG.bySurname,
    "keptApart": CG.keptApart,
    "new": CG.firstSeen,
}
_NQ = ox.RdfFormat.N_QUADS
_MERGE_KEYS = Path(__file__).with_name("queries") / "merge_keys.rq"


def record_graph(base_iri: str) -> str:
    return f"{IriMinter(base_iri).base}id/graph/ingest"


# -- reading (runs in worker processes) -----------------------------------------------------


@dataclass(frozen=True)
class ReadArticle:
    """An article read and checked, with its reading: everything compiling needs."""

    article: Article
    annotation: Annotation
    inputs: tuple[InputFile, ...]  # text, metadata (if any), reading
    reading_sha256: str

    @property
    def slug(self) -> str:
        return self.article.slug


def find_texts(paths: Iterable[Path]) -> list[Path]:
    """The article texts named: files as given, folders' ``*.txt`` sorted by name."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(p.glob("*.txt"))
        else:
            out.append(p)
    return out


def read_article(
    text_path: Path,
    links: dict[str, tuple[str, str]],
    draft: Callable[[str, dict[str, Any], str], dict[str, Any]] | None = None,
) -> ReadArticle:
    """Read ``NAME.txt`` with its optional ``NAME.meta.yaml`` and its ``NAME.claims.yaml``;
    without a reading, ``draft(text, meta, id)`` (the drafter, given by the caller) reads it."""
    try:
        data = text_path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{text_path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{text_path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    stem = text_path.name.removesuffix(".txt")
    meta_path = text_path.with_name(stem + ".meta.yaml")
    inputs = [InputFile(text_path, data)]
    if meta_path.exists():
        try:
            meta = yaml.load(
                meta_path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            )  # noqa: S506
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise IngestError(f"{meta_path}: cannot read metadata: {exc}") from None
        if not isinstance(meta, dict):
            raise IngestError(f"{meta_path}: expected a mapping at the top level")
        inputs.append(read_input(meta_path))
    else:
        first = next((line.strip() for line in text.splitlines() if line.strip()), stem)
        meta = {"id": slugify(stem), "file": text_path.name, "language": "de", "label": {"de": first[:200]}}
    for key in ("id", "language"):
        if key not in meta:
            raise IngestError(f"{meta_path}: metadata has no '{key}'")
    if meta.get("file", text_path.name) != text_path.name:
        raise IngestError(f"{meta_path}: names the text {meta['file']!r}, not {text_path.name!r}")
    try:
        IriMinter("x:/")("document", str(meta["id"]))
    except ValueError as exc:
        raise IngestError(f"{meta_path}: id: {exc}") from None
    article = Article(path=text_path, data=data, meta=meta)
    claims_path = text_path.with_name(stem + ".claims.yaml")
    if not claims_path.exists() and draft is None:
        raise IngestError(
            f"{text_path}: no reading ({claims_path.name}) and no drafter to read it "
            "(claimgraph.graph.draft is not installed); write a curated reading or install the drafter"
        )
    if not claims_path.exists():
        assert draft is not None
        drafted_path = text_path.with_name(stem + ".drafted.yaml")  # not written: its bytes are hashed
        try:
            drafted = draft(text, meta, str(meta["id"]))
            annotation = read_annotation(drafted, drafted_path, text, links)
        except (AnnotationError, ValueError) as exc:
            raise IngestError(f"{text_path}: the drafted reading does not fit the text: {exc}") from None
        inputs.append(InputFile(drafted_path, json.dumps(drafted, ensure_ascii=False, sort_keys=True).encode("utf-8")))
        digest = hashlib.sha256(b"".join(f.data for f in inputs[1:])).hexdigest()
        return ReadArticle(article, annotation, tuple(inputs), digest)
    try:
        annotation = load_annotation(claims_path, text, links)
    except AnnotationError as exc:
        raise IngestError(f"{claims_path}: {exc}") from None
    reading = read_input(claims_path)
    inputs.append(reading)
    digest = hashlib.sha256(b"".join(f.data for f in inputs[1:])).hexdigest()
    return ReadArticle(article, annotation, tuple(inputs), digest)


def default_links() -> dict[str, tuple[str, str]]:
    return load_links(default_seeds_dir() / LINKS_FILE)


# -- compiling (runs in worker processes) ---------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """The quads one article adds, split into own and shared, with its record's facts."""

    slug: str
    sha256: str
    reading_sha256: str
    claims: int
    own: bytes  # N-Quads
    shared: bytes  # N-Quads
    common: bytes  # N-Quads every ingest writes and none removes (software, curators)
    shared_nodes: tuple[str, ...]
    own_subjects: tuple[str, ...]
    claim_ids: tuple[str, ...]
    #: RDFC-1.0 SHA-256 of own + shared (the record's ``cg:contentHash``), computed here in the
    #: worker rather than in the writing process
    content_hash: str = ""
    #: own and shared as the record holds them (zlib, base64), packed here in the worker
    packed_own: str = ""
    packed_shared: str = ""
    #: claim IRI -> bundle hash (bundles.py), over this article's quads, which hold every quad
    #: of its claims' bundles (another article cannot write its subjects: see Ledger.conflicts)
    bundle_hashes: tuple[tuple[str, str], ...] = ()


def compile_article(
    read: ReadArticle, decisions: dict[str, Decision], base_iri: str, started: datetime, validate: bool = True
) -> Contribution:
    """Compile one article with its entities named by the merge ``decisions``."""
    mint = IriMinter(base_iri)
    light = LightDataset()  # rdflib's Dataset API, a fraction of its cost (lightgraph.py)
    ds, g = cast(Dataset, light), cast(Graph, light.default_graph)
    article, ann = read.article, read.annotation
    ontology = _ontology()
    relations = proposition_relations(ontology)
    nodes = [
        (add_file(g, mint, f, "text/plain" if f.path.suffix == ".txt" else "application/yaml"), f) for f in read.inputs
    ]
    run = add_run(g, mint, nodes, started)
    try:
        claims = _compile(ds, mint, article, ann, nodes[0][0], run, relations)
    except ValueError as exc:
        raise IngestError(f"{article.path}: {exc}") from None
    _describe(g, mint, article, nodes[-1][0])
    # a drafted claim has no paraphrase, hence no label: generic clients (and the shapes) need
    # one, so it is labelled with the words of its evidence
    lang = str(article.meta.get("language") or "de")
    for claim in ann.claims:
        node = mint("claim", claim.id)
        if (node, RDFS.label, None) not in g:
            g.add((node, RDFS.label, Literal(" … ".join(sp.exact for sp in claim.evidence), lang=lang)))
    _materialize_alignments(g, ontology)
    if validate:
        try:
            _validate(light.default_graph.to_rdflib())
        except ValueError as exc:
            raise IngestError(f"{article.path}: {exc}") from None
    # entities get the IRIs the merger chose
    rename = {mint("entity", d.slug): mint("entity", d.iri_slug) for d in decisions.values()}
    og = LightGraph()  # what the merge adds (renamed below with everything else)
    doc = mint("document", article.slug)
    for d in decisions.values():
        node = mint("entity", d.iri_slug)
        for other in d.possibly:
            og.add((node, CG.possiblySameAs, mint("entity", other)))
        if d.rule == "local":
            continue
        rec = mint("merge", f"{article.slug}-{d.slug}")
        og.add((rec, RDF.type, CG.MergeDecision))
        og.add((rec, CG.mergedInto, node))
        og.add((rec, CG.mergeRule, RULE_TERMS[d.rule]))
        og.add((rec, PROV.wasDerivedFrom, doc))
        for key in d.keys or (d.key,):
            og.add((rec, CG.mergeKey, Literal(key)))
        for ent in ann.entities.values():
            if ent.slug == d.slug:
                og.add((rec, RDFS.label, Literal(next(iter(ent.labels.values())))))
                for m in ent.mentions:
                    og.add((rec, CG.mergedMention, mint("mention", f"{article.slug}-{m.start}-{m.end}-{ent.slug}")))
    # what is shared: merged entities, roles, documents the article names, the original
    shared_nodes = {str(mint("entity", d.iri_slug)) for d in decisions.values() if d.shared}
    shared_nodes |= {str(mint("role", r)) for r in ann.roles}
    shared_nodes |= {str(mint("document", d)) for d in ann.documents}
    original = (article.meta.get("original") or {}).get("id")
    if original:
        shared_nodes.add(str(mint("document", str(original))))
    global_nodes = {str(s) for s in g.subjects(RDF.type, PROV.SoftwareAgent)}
    global_nodes |= {str(mint("agent", re.sub(r"[^a-z0-9-]+", "-", ann.curator.lower()).strip("-") or "unknown"))}
    conv = _Converter(rename)
    quads = [conv.quad(s, p, o, ctx) for s, p, o, ctx in ds.quads((None, None, None, None))]
    quads += [conv.quad(s, p, o, None) for s, p, o in og]
    own, shared, glob = [], [], []
    for q in quads:
        s = _v(q.subject)
        if isinstance(q.graph_name, ox.DefaultGraph) and s in shared_nodes:
            shared.append(q)
        elif isinstance(q.graph_name, ox.DefaultGraph) and s in global_nodes:
            glob.append(q)
        else:
            own.append(q)
    own_subjects = sorted(
        {_v(q.subject) for q in own if isinstance(q.graph_name, ox.DefaultGraph)}
        | {_v(q.graph_name) for q in own if isinstance(q.graph_name, ox.NamedNode)}
    )
    own_data = ox.serialize(own, format=_NQ) or b""
    shared_data = ox.serialize(shared, format=_NQ) or b""
    article_store = ox.Store()  # in memory: the bundles of its claims, by bundle-lines.rq
    article_store.extend(quads)
    return Contribution(
        slug=article.slug,
        sha256=article.sha256,
        reading_sha256=read.reading_sha256,
        claims=claims,
        own=own_data,
        shared=shared_data,
        common=ox.serialize(glob, format=_NQ) or b"",
        shared_nodes=tuple(sorted(shared_nodes)),
        own_subjects=tuple(own_subjects),
        claim_ids=tuple(c.id for c in ann.claims),
        content_hash=hash_nquads(own_data + shared_data),
        packed_own=_packed(own_data),
        packed_shared=_packed(shared_data),
        bundle_hashes=tuple(sorted(bundle_hashes(store_select(article_store)).items())),
    )


def _describe(g: Graph, mint: IriMinter, article: Article, reading_file: URIRef) -> None:
    """What the metadata says beyond the seed format's core: description, licences, page id."""
    meta = article.meta
    doc = mint("document", article.slug)
    for lang, text in sorted((meta.get("description") or {}).items()):
        g.add((doc, SCHEMA.description, Literal(str(text), lang=lang)))
    if meta.get("license"):
        g.add((doc, SCHEMA.license, URIRef(str(meta["license"]))))
    if meta.get("reading_license"):
        g.add((reading_file, SCHEMA.license, URIRef(str(meta["reading_license"]))))
    original = meta.get("original") or {}
    if original.get("id"):
        node = mint("document", str(original["id"]))
        if "translation" not in meta:
            g.add((doc, PROV.wasDerivedFrom, node))
        if original.get("license"):
            g.add((node, SCHEMA.license, URIRef(str(original["license"]))))
        if original.get("page_id"):
            g.add((node, SCHEMA.identifier, Literal(str(original["page_id"]))))


class _Converter:
    """rdflib terms -> pyoxigraph terms, entity IRIs renamed to the merged ones on the way
    (quicker than serializing and parsing, and than a second rdflib dataset)."""

    def __init__(self, rename: dict[URIRef, URIRef]) -> None:
        self.rename = {str(k): str(v) for k, v in rename.items()}
        self.cache: dict[object, ox.NamedNode | ox.BlankNode | ox.Literal] = {}

    def term(self, t: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        found = self.cache.get(t)
        if found is not None:
            return found
        out: ox.NamedNode | ox.BlankNode | ox.Literal
        if isinstance(t, URIRef):
            out = ox.NamedNode(self.rename.get(str(t), str(t)))
        elif isinstance(t, Literal):
            if t.language:
                out = ox.Literal(str(t), language=t.language)
            elif t.datatype:
                out = ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
            else:
                out = ox.Literal(str(t))
        else:
            out = ox.BlankNode(str(t))
        self.cache[t] = out
        return out

    def quad(self, s: object, p: object, o: object, ctx: object) -> ox.Quad:
        term = self.term
        subject, predicate = term(s), term(p)
        if ctx is None:  # the default graph (most quads: the comparison below is rdflib's, slow)
            graph: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph = _DEFAULT_GRAPH
        else:
            name = getattr(ctx, "identifier", ctx)
            graph = _DEFAULT_GRAPH if name == DATASET_DEFAULT_GRAPH_ID else term(name)
        if type(predicate) is not ox.NamedNode or type(subject) is ox.Literal or type(graph) is ox.Literal:
            raise ValueError(f"not an RDF quad: {s} {p} {o} {ctx}")
        return ox.Quad(subject, predicate, term(o), graph)


_DEFAULT_GRAPH = ox.DefaultGraph()


_ONTOLOGY: Graph | None = None


def _ontology() -> Graph:
    global _ONTOLOGY
    if _ONTOLOGY is None:
        _ONTOLOGY = Graph().parse(ontology_file(), format="turtle")
    return _ONTOLOGY


# -- the store side (in the writing process) ------------------------------------------------


def _packed(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 1)).decode("ascii")


def _pack(data: bytes, packed: str = "") -> ox.Literal:
    return ox.Literal(packed or _packed(data), datatype=ox.NamedNode(str(XSD.base64Binary)))


def _unpack(lit: ox.Literal) -> list[ox.Quad]:
    return list(ox.parse(zlib.decompress(base64.b64decode(lit.value)), _NQ))


def unpack_quads(lit: ox.Literal) -> list[ox.Quad]:
    """The quads an ingest record holds in ``cg:ownQuads`` / ``cg:sharedQuads`` (verify reads
    them back); raises ValueError (or SyntaxError) on a literal that is not such a value."""
    try:
        return _unpack(lit)
    except zlib.error as exc:
        raise ValueError(str(exc)) from None


def _v(term: object) -> str:
    """The value of a pyoxigraph IRI, blank node or literal."""
    return str(cast(Any, term).value)


def _n(term: URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(term))


@dataclass(frozen=True)
class RecordFacts:
    sha256: str
    reading_sha256: str
    claims: int


class Ledger:
    """The ingest records of one store (a pyoxigraph Store opened for writing)."""

    def __init__(self, store: ox.Store, base_iri: str) -> None:
        self.store, self.mint = store, IriMinter(base_iri)
        self.graph = ox.NamedNode(record_graph(base_iri))

    def record(self, slug: str) -> ox.NamedNode:
        return _n(self.mint("ingest", slug))

    def _value(self, rec: ox.NamedNode, prop: URIRef) -> ox.Literal | None:
        for q in self.store.quads_for_pattern(rec, _n(prop), None, self.graph):
            if isinstance(q.object, ox.Literal):
                return q.object
        return None

    def facts(self, slug: str) -> RecordFacts | None:
        """What the store knows of an ingested article, or None if it holds none by that id."""
        rec = self.record(slug)
        sha, reading, claims = (self._value(rec, p) for p in (CG.sha256, CG.readingSha256, CG.claimCount))
        if sha is None or reading is None:
            return None
        return RecordFacts(sha.value, reading.value, int(claims.value) if claims is not None else 0)

    def has_document(self, slug: str) -> bool:
        """Whether article ``slug``'s document is in the store; with no ingest record for it
        (``facts`` is None), ``claimgraph build`` put it there."""
        doc = _n(self.mint("document", slug))
        return next(iter(self.store.quads_for_pattern(doc, None, None, ox.DefaultGraph())), None) is not None

    def has_files(self, hashes: Iterable[str]) -> bool:
        """Whether the store describes a source file of each SHA-256 (what a build compiled)."""
        default, sha, a, kind = ox.DefaultGraph(), _n(CG.sha256), _n(RDF.type), _n(CG.SourceFile)
        return all(
            any(
                ox.Quad(q.subject, a, kind, default) in self.store
                for q in self.store.quads_for_pattern(None, sha, ox.Literal(h), default)
            )
            for h in hashes
        )

    def slugs(self) -> list[str]:
        prefix = str(self.mint("ingest", "x"))[:-1]
        return sorted(
            _v(q.subject)[len(prefix) :]
            for q in self.store.quads_for_pattern(None, _n(RDF.type), _n(CG.IngestRecord), self.graph)
        )

    def known_entities(self, excluding: set[str]) -> Registry:
        """The merge registry: keys of every decision not made by the articles ``excluding``."""
        prefix = str(self.mint("entity", "x"))[:-1]
        doc_prefix = str(self.mint("document", "x"))[:-1]
        known: list[Known] = []
        st, dg = self.store, ox.DefaultGraph()
        kept_apart = str(CG.keptApart)
        rows = st.query(_MERGE_KEYS.read_text(encoding="utf-8"))
        assert isinstance(rows, ox.QuerySolutions)
        for row in rows:
            into, key, doc, rule = (_v(row[i]) for i in range(4))
            if doc[len(doc_prefix) :] in excluding or rule == kept_apart:
                continue
            known.append(Known(into[len(prefix) :], key))
        reg = Registry.from_known(known)

        def exists(slug: str) -> bool:
            node = ox.NamedNode(prefix + slug)
            return next(iter(st.quads_for_pattern(node, None, None, dg)), None) is not None

        reg.exists = exists
        return reg

    def remove(self, slug: str) -> int:
        """Take out one article's quads (shared ones only if no other article holds them).

        Returns the number of claims the article had; raises KeyError if it is not ingested."""
        rec = self.record(slug)
        facts = self.facts(slug)
        if facts is None:
            raise KeyError(slug)
        own = self._value(rec, CG.ownQuads)
        shared = self._value(rec, CG.sharedQuads)
        gone = _unpack(own) if own is not None else []
        # a shared quad goes only if no other article's record holds it; per node, the records
        # sharing that node are asked until its quads are settled (for a node every article
        # shares, such as the outlet, the first one settles it)
        by_node: dict[str, set[ox.Quad]] = {}
        for q in _unpack(shared) if shared is not None else []:
            by_node.setdefault(_v(q.subject), set()).add(q)
        unpacked: dict[str, set[ox.Quad]] = {}
        for node, left in by_node.items():
            for q in self.store.quads_for_pattern(None, _n(CG.sharesNode), ox.NamedNode(node), self.graph):
                if not left:
                    break
                other = _v(q.subject)
                if other == rec.value:
                    continue
                if other not in unpacked:
                    packed = self._value(ox.NamedNode(other), CG.sharedQuads)
                    unpacked[other] = set(_unpack(packed)) if packed is not None else set()
                left -= unpacked[other]
            gone += left
        gone += list(self.store.quads_for_pattern(rec, None, None, self.graph))
        # Statements made about the article's own subjects after it was compiled (bundle hashes
        # and seals, see bundles.reseal) leave with it.
        owned = {q.subject for q in (_unpack(own) if own is not None else []) if q.graph_name == ox.DefaultGraph()}
        for subject in owned:
            gone += list(self.store.quads_for_pattern(subject, None, None, ox.DefaultGraph()))
        for q in set(gone):
            self.store.remove(q)
        return facts.claims

    def own_subjects(self, slug: str) -> set[str]:
        """The subjects (and proposition graphs) an ingested article owns now."""
        own = self._value(self.record(slug), CG.ownQuads)
        if own is None:
            return set()
        quads = _unpack(own)
        return {_v(q.subject) for q in quads if isinstance(q.graph_name, ox.DefaultGraph)} | {
            _v(q.graph_name) for q in quads if isinstance(q.graph_name, ox.NamedNode)
        }

    def conflicts(self, c: Contribution, mine: set[str]) -> str | None:
        """Why ``c`` cannot be added (an IRI another article already owns), or None; ``mine``
        are the subjects the article's current version owns (replaced, so no conflict)."""
        quads_for_pattern, contains_named_graph = self.store.quads_for_pattern, self.store.contains_named_graph
        default = ox.DefaultGraph()
        for subject in sorted(c.own_subjects, key=lambda s: "/id/claim/" not in s):  # claims named first
            if subject in mine:
                continue
            node = ox.NamedNode(subject)
            if next(iter(quads_for_pattern(node, None, None, default)), None) is not None or contains_named_graph(node):
                return f"{subject} is already in the store (another article, or a 'claimgraph build', made it)"
        return None

    def to_add(self, c: Contribution) -> tuple[bytes, list[ox.Quad]]:
        """What adds ``c``: its N-Quads and its record's quads. The caller writes them, many
        articles at once: each write to the store is a transaction of its own, and those cost
        more than the quads."""
        rec = self.record(c.slug)
        g = self.graph
        lit = ox.Literal
        xsd_int = ox.NamedNode(str(XSD.integer))  # as stores keep it
        quads = [
            ox.Quad(rec, _n(RDF.type), _n(CG.IngestRecord), g),
            ox.Quad(rec, _n(CG.recordOf), _n(self.mint("document", c.slug)), g),
            ox.Quad(rec, _n(CG.sha256), lit(c.sha256), g),
            ox.Quad(rec, _n(CG.readingSha256), lit(c.reading_sha256), g),
            ox.Quad(rec, _n(CG.claimCount), lit(str(c.claims), datatype=xsd_int), g),
            ox.Quad(rec, _n(CG.ownQuads), _pack(c.own, c.packed_own), g),
            ox.Quad(rec, _n(CG.sharedQuads), _pack(c.shared, c.packed_shared), g),
            # what verify checks after incremental writes (docs/verify.md): small, so cheap
            ox.Quad(rec, _n(CG.contentHash), lit(c.content_hash or record_hash(ox.parse(c.own + c.shared, _NQ))), g),
        ]
        quads += [ox.Quad(rec, _n(CG.sharesNode), ox.NamedNode(n), g) for n in c.shared_nodes]
        return c.common + c.own + c.shared, quads

    def ensure_ontology(self) -> None:
        """The ontology in its named graph, as the package ships it now (its file's SHA-256 in
        the record graph says whether the store has this version already)."""
        name = ox.NamedNode(ONTOLOGY_IRI)
        digest = hashlib.sha256(ontology_file().read_bytes()).hexdigest()
        marker = ox.Quad(name, _n(CG.sha256), ox.Literal(digest), self.graph)
        if marker in self.store:
            return
        skolem = to_canonical_graph(_ontology()).skolemize(authority=self.mint.base, basepath=".well-known/genid/")
        data = skolem.serialize(format="nt", encoding="utf-8")
        new = {ox.Quad(t.subject, t.predicate, t.object, name) for t in ox.parse(data, ox.RdfFormat.N_TRIPLES)}
        old = set(self.store.quads_for_pattern(None, None, None, name))
        if old != new:
            for q in old - new:
                self.store.remove(q)
            self.store.extend(new - old)
        for q in list(self.store.quads_for_pattern(name, _n(CG.sha256), None, self.graph)):
            self.store.remove(q)
        self.store.add(marker)
