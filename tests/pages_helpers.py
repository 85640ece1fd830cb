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
PESKOW = "speaker/dmitri-peskow"
DOCUMENT = "document/musk-putin-kontakt"
PROPOSITION = "proposition/musk-putin-regular-contact"
ENTITY = "entity/elon-musk"
PESKOW_QUOTE = "Das ist völlig unwahr, es handelt sich tatsächlich um Fake News, die von der oben genannten Zeitung verbreitet wurden"


@contextmanager
def app_on(store_dir: Path, **settings: object) -> Iterator[Flask]:
    """The real application (real on-disk store, real executor processes), closed afterwards."""
    app = create_app(Settings(store_dir=store_dir, query_workers=1, **settings))
    try:
        yield app
    finally:
        app.extensions["claimgraph.store"].close()
