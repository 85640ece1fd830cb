"""The pages over the other backend: claimgraph in front of an external SPARQL store
(``oxigraph serve``), where bound values travel as a VALUES block instead of pyoxigraph's
substitution. The auditor's views must say the same things there."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from rdflib import Graph, URIRef

from backends import start_oxigraph
from conftest import claimgraph, start_server, stop_server
from pages_helpers import BASE, DOCUMENT, PESKOW, PESKOW_CLAIM, PESKOW_QUOTE


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("pages-remote")
    backend = start_oxigraph(work)
    try:
        claimgraph("build", "--store", str(work / "store"), env=backend.env)
        server = start_server(work / "store", "--workers", "1", env=backend.env)
        try:
            yield server.url
        finally:
            stop_server(server)
    finally:
        backend.stop()


def _chain(html: str) -> list[str]:
    svg = re.search(r'<svg class="chain".*?</svg>', html, re.S).group(0)
    return re.findall(r'font-weight="bold" fill="#112">(.*?)</text>', svg)


def test_claim_page_over_an_external_store(remote: str, server) -> None:
    page = requests.get(f"{remote}/id/{PESKOW_CLAIM}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.url.endswith(".html")
    assert re.findall(r'<mark class="quote">(.*?)</mark>', page.text, re.S) == [PESKOW_QUOTE]
    assert "✓ Characters 1910–2027" in page.text
    embedded = requests.get(f"{server.url}/doc/{PESKOW_CLAIM}.html").text
    assert _chain(page.text)[:5] == _chain(embedded)[:5]  # the run differs: each build is its own run
    related = lambda html: re.findall(r'<li>This claim <strong>(.*?)</strong> <a href="([^"]+)"', html)  # noqa: E731
    assert related(page.text) == related(embedded) and related(page.text)


def test_article_and_data_over_an_external_store(remote: str) -> None:
    article = requests.get(f"{remote}/doc/{DOCUMENT}.html").text
    assert f'href="/id/{PESKOW_CLAIM}"' in article and "✓ matches the text shown" in article
    g = Graph().parse(data=requests.get(f"{remote}/doc/{PESKOW_CLAIM}.ttl").text, format="turtle")
    assert (URIRef(BASE + "id/" + PESKOW_CLAIM), None, URIRef(BASE + "id/" + PESKOW)) in g
    assert requests.get(f"{remote}/id/claim/x%3E%20%3Fp%20%3Fo%20%7D", allow_redirects=False).status_code == 404
    provn = requests.get(f"{remote}/prov/{PESKOW_CLAIM}.provn")
    assert provn.status_code == 200 and "cgid:entity/dmitri-peskow" in provn.text
