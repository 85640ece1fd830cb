"""Every result format, read back by real clients (SPARQLWrapper, rdflib's SPARQLStore, requests).

The answers in different formats must agree with each other: the same rows, the same graph.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

CG = "https://w3id.org/claimgraph/ontology#"
SELECT = f"SELECT ?claim ?speaker WHERE {{ ?claim <{CG}speaker> ?speaker }} ORDER BY ?claim ?speaker"
ASK = f"ASK {{ ?claim <{CG}speaker> ?speaker }}"
CONSTRUCT = f"CONSTRUCT {{ ?claim <{CG}speaker> ?speaker }} WHERE {{ ?claim <{CG}speaker> ?speaker }}"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def expected_rows(server) -> list[tuple[str, str]]:
    r = requests.get(server.sparql, params={"query": SELECT}, headers={"Accept": "application/sparql-results+json"})
    rows = [(b["claim"]["value"], b["speaker"]["value"]) for b in r.json()["results"]["bindings"]]
    assert len(rows) >= 3
    return rows


@pytest.fixture(scope="module")
def expected_graph(expected_rows) -> Graph:
    g = Graph()
    for claim, speaker in expected_rows:
        g.add((URIRef(claim), URIRef(CG + "speaker"), URIRef(speaker)))
    return g


def _wrapper(server, query: str, fmt: str, method: str = GET, request_method: str = URLENCODED) -> SPARQLWrapper:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setRequestMethod(request_method)
    return client


@pytest.mark.parametrize(
    "method,request_method",
    [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)],
    ids=["get", "post-form", "post-direct"],
)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_in_every_results_format(server, expected_rows, fmt, method, request_method) -> None:
    result = _wrapper(server, SELECT, fmt, method, request_method).query()
    body = result.convert()
    if fmt == JSON:
        rows = [(b["claim"]["value"], b["speaker"]["value"]) for b in body["results"]["bindings"]]
    elif fmt == XML:
        ns = "{http://www.w3.org/2005/sparql-results#}"
        rows = []
        for res in body.getElementsByTagNameNS(ns[1:-1], "result"):
            values = {}
            for binding in res.getElementsByTagNameNS(ns[1:-1], "binding"):
                values[binding.getAttribute("name")] = binding.getElementsByTagNameNS(ns[1:-1], "uri")[
                    0
                ].firstChild.data
            rows.append((values["claim"], values["speaker"]))
    elif fmt == CSV:
        reader = list(csv.reader(io.StringIO(body.decode())))
        assert reader[0] == ["claim", "speaker"]
        rows = [tuple(r) for r in reader[1:]]
    else:
        lines = body.decode().rstrip("\n").split("\n")
        assert lines[0] == "?claim\t?speaker"
        rows = [tuple(cell.strip("<>") for cell in line.split("\t")) for line in lines[1:]]
    assert rows == expected_rows


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(server, fmt) -> None:
    body = _wrapper(server, ASK, fmt).query().convert()
    value = body["boolean"] if fmt == JSON else body.getElementsByTagName("boolean")[0].firstChild.data == "true"
    assert value is True


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
def test_sparqlwrapper_construct_in_every_rdf_format(server, expected_graph, fmt) -> None:
    result = _wrapper(server, CONSTRUCT, fmt).query()
    converted = result.convert()
    if isinstance(converted, Graph):
        g = converted
    else:
        parser = {TURTLE: "turtle", N3: "n3", JSONLD: "json-ld"}[fmt]
        g = Graph().parse(data=converted, format=parser)
    assert isomorphic(g, expected_graph)


@pytest.mark.parametrize("return_format", ["xml", "json", "csv", "tsv"])
def test_rdflib_sparqlstore_reads_every_results_format(server, expected_rows, expected_graph, return_format) -> None:
    store = SPARQLStore(server.sparql, returnFormat=return_format)
    g = Graph(store=store)
    rows = [(str(r[0]), str(r[1])) for r in g.query(SELECT)]
    assert rows == expected_rows
    if return_format in ("xml", "json"):  # booleans exist only in XML and JSON
        assert g.query(ASK).askAnswer is True
    if return_format == "xml":
        # SPARQLStore accepts RDF only with returnFormat="xml" (it then also accepts
        # application/rdf+xml); with json/csv/tsv it accepts no RDF type at all, so a
        # CONSTRUCT is rightly answered 406 (tested in test_nothing_acceptable...).
        assert isomorphic(g.query(CONSTRUCT).graph, expected_graph)


@pytest.mark.parametrize(
    "media_type,parser",
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
    ],
)
def test_construct_in_every_rdf_media_type(server, expected_graph, media_type, parser) -> None:
    r = requests.post(server.sparql, data={"query": CONSTRUCT}, headers={"Accept": media_type})
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == media_type
    if parser in ("nquads", "trig"):
        from rdflib import Dataset

        ds = Dataset()
        ds.parse(data=r.content, format=parser)
        g = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        g = Graph().parse(data=r.content, format=parser)
    assert isomorphic(g, expected_graph)


@pytest.mark.parametrize(
    "accept,expected",
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/sparql-results+xml;q=0.2, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
        ("text/*", "text/csv"),
        ("application/json", "application/json"),
        ("image/png, text/csv;q=0.1", "text/csv"),
        ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
    ],
)
def test_select_negotiation_with_q_values_and_wildcards(server, accept, expected) -> None:
    headers = {"Accept": accept} if accept else {}
    r = requests.get(server.sparql, params={"query": SELECT}, headers=headers)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in r.headers["Vary"]


def test_nothing_acceptable_is_406_listing_the_offered_types(server) -> None:
    r = requests.get(server.sparql, params={"query": SELECT}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    for media_type in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ):
        assert media_type in r.text
    r = requests.get(server.sparql, params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406
    assert "text/turtle" in r.text and "application/ld+json" in r.text
    # The server still answers after refusing (the executor was handed back).
    assert requests.get(server.sparql, params={"query": ASK}).json()["boolean"] is True


@pytest.mark.parametrize(
    "fmt,expected",
    [
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("xml", "application/sparql-results+xml"),
        ("json", "application/sparql-results+json"),
    ],
)
def test_format_parameter_overrides_accept(server, fmt, expected) -> None:
    r = requests.get(
        server.sparql, params={"query": SELECT, "format": fmt}, headers={"Accept": "application/sparql-results+json"}
    )
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == expected


def test_unknown_format_parameter_is_406(server) -> None:
    r = requests.get(server.sparql, params={"query": SELECT, "format": "pdf"})
    assert r.status_code == 406


def test_a_browser_gets_an_html_table(server, expected_rows) -> None:
    r = requests.get(server.sparql, params={"query": SELECT}, headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<table>" in r.text and "<th>?claim</th>" in r.text
    for claim, speaker in expected_rows:
        assert f'<a href="{speaker}">{speaker}</a>' in r.text
    assert f"{len(expected_rows)} row(s)" in r.text
    assert 'href="/query?query=SELECT' in r.text  # open it in the query editor
    # ASK and CONSTRUCT show too.
    r = requests.get(server.sparql, params={"query": ASK}, headers={"Accept": BROWSER_ACCEPT})
    assert r.headers["Content-Type"].startswith("text/html") and "<strong>true</strong>" in r.text
    r = requests.get(server.sparql, params={"query": CONSTRUCT}, headers={"Accept": BROWSER_ACCEPT})
    assert r.headers["Content-Type"].startswith("text/html") and "<pre><code>" in r.text


def test_the_html_view_escapes_what_it_shows(server) -> None:
    query = 'SELECT ?x WHERE { BIND("<script>alert(1)</script>" AS ?x) }'
    r = requests.get(server.sparql, params={"query": query}, headers={"Accept": BROWSER_ACCEPT})
    assert "<script>" not in r.text
    assert "&lt;script&gt;" in r.text


def test_plain_strings_and_language_tags_survive_every_format(server) -> None:
    query = 'SELECT ?a ?b ?c WHERE { BIND("zwei\\tWörter" AS ?a) BIND("Kreml"@de AS ?b) BIND(42 AS ?c) }'
    j = requests.get(server.sparql, params={"query": query, "format": "json"}).json()["results"]["bindings"][0]
    assert j["a"]["value"] == "zwei\tWörter"
    assert j["b"] == {"type": "literal", "value": "Kreml", "xml:lang": "de"}
    g = Graph(store=SPARQLStore(server.sparql, returnFormat="xml"))
    row = next(iter(g.query(query)))
    assert row[0] == Literal("zwei\tWörter") and row[1] == Literal("Kreml", lang="de") and int(row[2]) == 42
    tsv = requests.get(server.sparql, params={"query": query, "format": "tsv"}).text
    assert '"zwei\\tWörter"\t"Kreml"@de\t42' in tsv
    assert json.loads(json.dumps(j))  # well-formed
