"""Hand-made articles in the seed format, and counts read from a real store, for the ingest tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from bench.corpus import claims_per_article as claims_per_document
from bench.corpus import select  # the bench's store reads, one copy for both
from claimgraph.graph.store import EmbeddedStore

BASE = "https://claimgraph.example.org/"
CG = "https://w3id.org/claimgraph/ontology#"


def write_article(
    folder: Path,
    slug: str,
    text: str,
    entities: dict[str, tuple[Any, ...]],
    claims: list[tuple[str, str, str]],
    curator: str = "test curator",
    **extra: Any,
) -> Path:
    """``entities``: slug -> (type, German name, quotes mentioning it[, wikidata id]); ``claims``: (id, speaker
    slug, evidence quote). Every line is body text; the outlet ``test-zeitung`` relays each claim."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.txt").write_text(text, encoding="utf-8")
    meta = {
        "id": slug,
        "file": f"{slug}.txt",
        "language": "de",
        "label": {"de": f"Testartikel {slug}", "en": f"test article {slug}"},
        **extra,
    }
    (folder / f"{slug}.meta.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    ents: dict[str, Any] = {
        "test-zeitung": {"type": "NewsMediaOrganization", "label": {"de": "Testzeitung", "en": "Test paper"}},
    }
    for e_slug, (typ, name, quotes, *wikidata) in entities.items():
        ents[e_slug] = {
            "type": typ,
            "label": {"de": name, "en": name},
            "mentions": [{"quote": q, "start": text.index(q)} for q in quotes],
        }
        if wikidata:
            ents[e_slug]["wikidata"] = wikidata[0]
    props, out = {}, []
    for cid, speaker, quote in claims:
        props[f"p-{cid}"] = {"label": {"de": quote, "en": f"claim {cid}"}, "triples": []}
        out.append(
            {
                "id": cid,
                "speaker": speaker,
                "stance": "asserts",
                "mode": "reported",
                "proposition": f"p-{cid}",
                "paraphrase": {"de": quote, "en": f"claim {cid}"},
                "evidence": {"quote": quote, "start": text.index(quote)},
                "chain": [speaker, {"by": "test-zeitung", "document": "translation", "language": "de"}],
            }
        )
    lines = text.count("\n") + 1
    reading = {
        "reading": {"method": "curated", "by": curator},
        "segments": [{"lines": f"1-{lines}" if lines > 1 else 1, "kind": "bodyText"}],
        "entities": ents,
        "propositions": props,
        "claims": out,
    }
    (folder / f"{slug}.claims.yaml").write_text(
        yaml.safe_dump(reading, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return folder / f"{slug}.txt"


def all_quads(store_dir: Path) -> set[ox.Quad]:
    store = EmbeddedStore(store_dir, query_workers=1)
    try:
        with store.reader() as r:
            return set(r)
    finally:
        store.close()


def claims_per_article(store_dir: Path) -> dict[str, int]:
    """Claims in the graph per article document (its slug), found through their evidence's file."""
    return {doc.rsplit("/", 1)[-1]: n for doc, n in claims_per_document(store_dir).items()}


def speaker_of(store_dir: Path, claim_id: str) -> str:
    rows = select(store_dir, f"SELECT ?s WHERE {{ <{BASE}id/claim/{claim_id}> cg:speaker ?s }}")
    assert len(rows) == 1, rows
    return rows[0]["s"]
