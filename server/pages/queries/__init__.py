"""The SPARQL text that pages, Linked Data documents and provenance exports run.

One ``.rq`` file per question, loaded by name. Values reach these queries only as bound
variables (``Store.select(load("claim"), r=NamedNode(...))``), never as pasted text. A bound
variable must appear in the query's SELECT projection (or CONSTRUCT template): that is where
pyoxigraph's substitution looks for it.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def load(name: str) -> str:
    """The text of ``graph/queries/NAME.rq``."""
    return (files(__name__) / f"{name}.rq").read_text(encoding="utf-8")


def names() -> list[str]:
    """Every query shipped in this folder (for tests that check them all)."""
    return sorted(p.name[:-3] for p in files(__name__).iterdir() if p.name.endswith(".rq"))
