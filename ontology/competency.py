"""The competency questions: SPARQL files that say what the ontology must be able to answer.

Each ``questions/NN-name.rq`` starts with a ``# title:`` line (shown by query pages as an
example), then comment lines about who asks it, then the query. ``questions/NN-name.json``
holds the expected answer on the seed graph; the tests run every question against a real
built store and compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from claimgraph.ontology import ontology_dir


@dataclass(frozen=True)
class Question:
    name: str
    title: str
    query: str
    path: Path

    @property
    def expected_path(self) -> Path:
        return self.path.with_suffix(".json")


def questions_dir() -> Path:
    return ontology_dir() / "questions"


def load_question(path: Path) -> Question:
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0] if text else ""
    if not first.startswith("# title:"):
        raise ValueError(f"{path.name}: the first line must be '# title: ...'")
    return Question(name=path.stem, title=first.removeprefix("# title:").strip(), query=text, path=path)


def questions() -> list[Question]:
    """Every competency question, in file-name order."""
    return [load_question(p) for p in sorted(questions_dir().glob("*.rq"))]
