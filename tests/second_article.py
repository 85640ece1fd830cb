"""The seed article plus a second, hand-made one (tests/data/second-article), built into a store.

In the second article Peskow repeats the seed article's denial in other words (the same message
carried by two articles, a day apart) and a Schäuble speaks (German spellings for search)."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from conftest import ROOT, claimgraph


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed article and a second one in which Peskow repeats his denial (and a Schäuble)."""
    base = tmp_path_factory.mktemp("corpus")
    seeds = base / "seeds"
    seeds.mkdir()
    for entry in files("claimgraph.seeds").iterdir():
        if entry.name.endswith((".txt", ".yaml", ".tsv")):
            (seeds / entry.name).write_bytes(entry.read_bytes())
    for path in (ROOT / "tests" / "data" / "second-article").iterdir():
        shutil.copy(path, seeds / path.name)
    store = base / "store"
    claimgraph("build", "--store", str(store), "--seeds", str(seeds))
    return store
