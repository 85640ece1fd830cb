"""Generate the ontology's HTML documentation from the Turtle, one page per language.

pyLODE does the rendering. Its current 3.4+ releases need Python 3.12 (and 3.4.1 fails to
import on 3.11), so claimgraph pins the 3.3 series, which runs on Python 3.11 with rdflib 7.
pyLODE renders one label per term, so each page is generated from a copy of the ontology that
keeps only the literals of its language (and untagged ones): ``claimgraph.en.html`` and
``claimgraph.de.html``. The pages are committed and shipped as package data; regenerate them
with ``python -m claimgraph.ontology.docs`` after changing ``claimgraph.ttl`` (the tests fail
when a declared term is missing from a page).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from claimgraph.ontology import ontology_dir, ontology_file

if TYPE_CHECKING:
    # rdflib only where a page is rendered: the server imports this module for page_path
    from rdflib import Graph

LANGUAGES = ("en", "de")


def page_path(lang: str) -> Path:
    return ontology_dir() / f"claimgraph.{lang}.html"


def monolingual(graph: Graph, lang: str) -> Graph:
    """A copy of ``graph`` without literals tagged with another language."""
    from rdflib import Graph, Literal

    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True)
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language and o.language != lang:
            continue
        out.add((s, p, o))
    return out


def render(lang: str) -> str:
    from pylode import OntPub  # a documentation-time dependency (extra "docs")
    from rdflib import Graph

    graph = monolingual(Graph().parse(ontology_file(), format="turtle"), lang)
    return OntPub(graph.serialize(format="turtle")).make_html()


def main() -> None:
    for lang in LANGUAGES:
        html = render(lang)
        page_path(lang).write_text(html, encoding="utf-8")
        print(f"wrote {page_path(lang)} ({len(html)} characters)")


if __name__ == "__main__":
    main()
