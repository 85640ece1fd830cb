"""Minting IRIs: every resource claimgraph names lives under one configurable base."""

from __future__ import annotations

import re
from urllib.parse import quote

from rdflib import URIRef

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class IriMinter:
    """Readable, deterministic IRIs such as ``{base}id/claim/peskow-fake-news``."""

    def __init__(self, base_iri: str) -> None:
        self.base = base_iri if base_iri.endswith(("/", "#")) else base_iri + "/"

    def __call__(self, kind: str, slug: str) -> URIRef:
        """The IRI of a resource of ``kind`` (claim, speaker, article, ...) called ``slug``."""
        if not _SLUG.match(slug):
            raise ValueError(f"not a valid slug for a {kind} IRI: {slug!r} (use a-z, 0-9 and '-')")
        return URIRef(f"{self.base}id/{kind}/{quote(slug)}")
