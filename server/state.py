"""The store that belongs to one application instance, opened once and closed at exit."""

from __future__ import annotations

import atexit

from flask import Flask, current_app

from claimgraph.graph.store import Store
from claimgraph.settings import open_store
from claimgraph.settings import Settings

STORE_KEY = "claimgraph.store"


def init_app(app: Flask, settings: Settings) -> None:
    """Open the store for this app and start its query executors (they open the store meanwhile)."""
    store = open_store(settings, serving=True)
    store.warm_up()
    app.extensions[STORE_KEY] = store
    atexit.register(store.close)


def get_store() -> Store:
    """The store of the application handling the current request."""
    return current_app.extensions[STORE_KEY]


def get_settings() -> Settings:
    return current_app.config["CLAIMGRAPH_SETTINGS"]
