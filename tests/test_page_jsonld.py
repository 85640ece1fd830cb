"""Every resource page carries its data: JSON-LD in the page and ``rel="alternate"`` links to
each RDF format, as crawlers and browser tools look for them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import requests
from rdflib import RDF, Graph, URIRef

from claimgraph.ontology import CG, SCHEMA
from conftest import LiveServer

BASE = "https://w3id.org/claimgraph/id/"


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []
        self.scripts: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate":
            self.links.append(a)
        self._in_jsonld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_jsonld = False


def _head(server: LiveServer, path: str) -> tuple[str, _Head]:
    r = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200, path
    parser = _Head()
    parser.feed(r.text)
    return r.text, parser


@pytest.mark.parametrize(
    "path, iri, cls",
    [
        ("/doc/claim/peskow-fake-news.html", f"{BASE}claim/peskow-fake-news", CG.Claim),
        ("/doc/entity/elon-musk.html", f"{BASE}entity/elon-musk", SCHEMA.Person),
        ("/doc/span/peskow-fake-news.html", f"{BASE}span/peskow-fake-news", CG.TextSpan),
    ],
)
def test_a_page_embeds_its_description_as_json_ld(server: LiveServer, path: str, iri: str, cls: URIRef) -> None:
    html, head = _head(server, path)
    assert len(head.scripts) == 1
    script = head.scripts[0]
    g = Graph().parse(data=script, format="json-ld")
    assert (URIRef(iri), RDF.type, cls) in g
    # the article's text cannot end the script element early
    assert "</" not in script
    served = Graph().parse(
        data=requests.get(server.url + path.replace(".html", ".ttl"), timeout=30).text, format="turtle"
    )
    assert len(g) == len(served)


def test_a_page_links_every_rdf_format_as_alternate(server: LiveServer) -> None:
    _, head = _head(server, "/doc/claim/peskow-fake-news.html")
    types = {link["type"]: link["href"] for link in head.links}
    assert {"text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"} <= set(types)
    assert "text/html" not in types
    r = requests.get(server.url + str(types["text/turtle"]), timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    assert re.search(r"peskow-fake-news", r.text)


def test_text_that_looks_like_a_closing_tag_stays_inside_the_json() -> None:
    import json

    import pyoxigraph as ox

    from claimgraph.server.pages.resources import embedded_jsonld

    quote = 'he wrote "</script><script>alert(1)</script>"'
    quads = [ox.Quad(ox.NamedNode(f"{BASE}claim/x"), ox.NamedNode(str(SCHEMA.text)), ox.Literal(quote, language="de"))]
    script = embedded_jsonld(quads)
    assert "<" not in script
    node = json.loads(script)["@graph"][0]
    assert node["schema:text"]["@value"] == quote
