"""SPARQL of the build's audit trail (bundles, dataset hash, verification), one ``.rq`` per question.

The bundle of a claim is defined here and nowhere else: a change of the span or chain model
is a change of ``bundle.rq``, and build, ingest, the write hook and ``claimgraph verify``
(embedded or over plain SPARQL) all follow it.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def load(name: str) -> str:
    """The text of ``graph/build/queries/NAME.rq``."""
    return (files(__name__) / f"{name}.rq").read_text(encoding="utf-8")


def names() -> list[str]:
    """Every query shipped in this folder (for tests that check them all)."""
    return sorted(p.name[:-3] for p in files(__name__).iterdir() if p.name.endswith(".rq"))
