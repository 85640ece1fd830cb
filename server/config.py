"""Flask configuration object built from :class:`claimgraph.settings.Settings`."""

from __future__ import annotations

from claimgraph.settings import Settings


class Config:
    """Upper-case attributes become ``app.config`` keys (``app.config.from_object``)."""

    def __init__(self, settings: Settings) -> None:
        self.CLAIMGRAPH_SETTINGS = settings
        # Flask answers 413 for larger bodies before any view runs.
        self.MAX_CONTENT_LENGTH = settings.max_body_bytes
        self.JSON_SORT_KEYS = False
