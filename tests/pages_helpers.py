"""Shared by the page, Linked Data, provenance and browser tests: an app on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from claimgraph.server import create_app
from claimgraph.settings import Settings

BASE = "https://w3id.org/claimgraph/"
PESKOW_CLAIM = "claim/peskow-fake-news"
PESKOW = "entity/dmitri-peskow"
DOCUMENT = "document/musk-putin-kontakt"
PROPOSITION = "proposition/musk-putin-in-kontakt"
ENTITY = "entity/elon-musk"
FILE = "file/000-dade6e3c090f456c-txt"
ORIGINAL = "document/thanh-nien-185241025182056823"
SEED_SHA256 = "ff0b058d9dfe722b3e6d4252d024e3b1074d8350f53f80f41f60f9ea9ce021ea"
PESKOW_QUOTE = "Das ist völlig unwahr, es handelt sich tatsächlich um Fake News, die von der oben genannten Zeitung verbreitet wurden"


def count_claims(store_dir: Path) -> int:
    """How many acts of claiming the store holds, asked directly of the store."""
    from claimgraph.graph.store import EmbeddedStore

    store = EmbeddedStore(store_dir, query_workers=1)
    try:
        rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/claimgraph/ontology#Claim> }")
        return int(rows[0]["n"].value)
    finally:
        store.close()


@contextmanager
def app_on(store_dir: Path, **settings: object) -> Iterator[Flask]:
    """The real application (real on-disk store, real executor processes), closed afterwards."""
    app = create_app(Settings(store_dir=store_dir, query_workers=1, **settings))
    try:
        yield app
    finally:
        app.extensions["claimgraph.store"].close()
