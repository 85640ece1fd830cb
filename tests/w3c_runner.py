"""Run W3C HTTP test manifests (SPARQL 1.1 Protocol, Graph Store Protocol) against a live server.

The manifests describe each test as a sequence of HTTP requests in the W3C "HTTP Vocabulary
in RDF" (``ht:``) with the expected responses (``mf:expectedStatus``, ``mf:expectedFormat``,
``mf:expectedBoolean``, ``mf:expectedLocation``, expected response headers and RDF bodies).
This module reads them with rdflib and replays them over real HTTP with ``requests``.

API (kept stable; GSP tests use it too)::

    tests = load_manifest(path)                      # follows mf:include, keeps mf:entries order
    target = Target(base_url, rewrite=prefix_rewriter({"/sparql/": "/sparql"}),
                    headers={"Authorization": "Bearer ..."})
    run_test(test, target)                           # raises AssertionError explaining a failure

Paths: every ``ht:absolutePath`` is passed through ``target.rewrite`` before the request is
sent (the manifests use ``/sparql/`` and ``/gsp`` as placeholders for the endpoints under test).
Data: ``test.graph_data`` lists ``(file, graph IRI)`` pairs (``ut:graphData``) that the caller
loads before the test; the runner only reports them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote, urljoin

import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS
from rdflib.query import Result
from rdflib.term import Node

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

#: Media types that carry SPARQL results, and rdflib's parser for each.
RESULT_PARSERS = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
#: Media types that carry RDF graphs, and rdflib's parser for each.
RDF_PARSERS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "text/n3": "n3",
}


@dataclass
class ExpectedResponse:
    """What a response must look like (any field left empty is not checked)."""

    statuses: list[str] = field(default_factory=list)  # "2xx", "201", ...
    format: str | None = None  # "boolean", "tabular" or "RDF"
    boolean: bool | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str | None = None  # RDF that must be isomorphic to the response body
    location_variable: str | None = None  # mf:expectedLocation: remember the Location header


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: str | None
    expected: ExpectedResponse


@dataclass
class ManifestTest:
    iri: str
    name: str
    requests: list[HttpRequest]
    graph_data: list[tuple[Path, str]] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The fragment of the test IRI (``query_post_form``), handy as a pytest id."""
        return self.iri.rsplit("#", 1)[-1]

    @property
    def kinds(self) -> set[str]:
        """The operations the test sends: {"query", "update"} as far as the requests show."""
        found = set()
        for req in self.requests:
            text = (req.path + " " + " ".join(v for _, v in req.headers) + " " + (req.body or "")).lower()
            if "sparql-update" in text or "update=" in text or "using-graph-uri" in text:
                found.add("update")
            if "sparql-query" in text or "query=" in text:
                found.add("query")
        return found


Rewrite = Callable[[str], str]


def prefix_rewriter(mapping: Mapping[str, str]) -> Rewrite:
    """Replace the longest matching path prefix (``{"/sparql/": "/sparql"}``)."""
    ordered = sorted(mapping.items(), key=lambda kv: len(kv[0]), reverse=True)

    def rewrite(path: str) -> str:
        for old, new in ordered:
            if path.startswith(old):
                return new + path[len(old) :]
        return path

    return rewrite


@dataclass
class Target:
    """Where and how to send a manifest's requests."""

    base_url: str  # http://127.0.0.1:PORT (no trailing slash)
    rewrite: Rewrite = field(default_factory=lambda: prefix_rewriter({}))
    headers: Mapping[str, str] = field(default_factory=dict)  # added to every request
    timeout: float = 30.0
    session: requests.Session = field(default_factory=requests.Session)


# -- reading manifests -----------------------------------------------------------------------


def _list(g: Graph, node: Node | None) -> list[Node]:
    return list(Collection(g, node)) if node is not None else []


def _text(g: Graph, node: Node | None, prop: URIRef) -> str | None:
    value = g.value(node, prop) if node is not None else None
    return str(value) if value is not None else None


def _status_names(g: Graph, resp: Node) -> list[str]:
    out = []
    for status in g.objects(resp, MF.expectedStatus):
        name = str(status).rsplit("#", 1)[-1]
        m = re.fullmatch(r"StatusCode(\d)xx", name)
        if m:
            out.append(f"{m.group(1)}xx")
            continue
        snake = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).upper()  # NoContent -> NO_CONTENT, OK -> OK
        out.append(str(HTTPStatus[snake].value))
    return sorted(out)


def _headers(g: Graph, node: Node | None) -> list[tuple[str, str]]:
    return [(_text(g, h, HT.fieldName) or "", _text(g, h, HT.fieldValue) or "") for h in _list(g, node)]


def _request(g: Graph, node: Node) -> HttpRequest:
    resp = g.value(node, HT.resp)
    expected = ExpectedResponse()
    if resp is not None:
        expected = ExpectedResponse(
            statuses=_status_names(g, resp),
            format=_text(g, resp, MF.expectedFormat),
            boolean=(_text(g, resp, MF.expectedBoolean) == "true")
            if g.value(resp, MF.expectedBoolean) is not None
            else None,
            headers=_headers(g, g.value(resp, HT.headers)),
            body=_text(g, g.value(resp, HT.body), CNT.chars),
            location_variable=_text(g, resp, MF.expectedLocation),
        )
    return HttpRequest(
        method=_text(g, node, HT.methodName) or "GET",
        path=_text(g, node, HT.absolutePath) or "/",
        headers=_headers(g, g.value(node, HT.headers)),
        body=_text(g, g.value(node, HT.body), CNT.chars),
        expected=expected,
    )


def load_manifest(path: Path) -> list[ManifestTest]:
    """The tests of a manifest (and of the manifests it includes), in manifest order."""
    path = Path(path).resolve()
    g = Graph().parse(path, format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests: list[ManifestTest] = []
    for included in _list(g, g.value(manifest, MF.include)):
        tests += load_manifest(path.parent / Path(unquote(str(included).rsplit("/", 1)[-1])))
    for entry in _list(g, g.value(manifest, MF.entries)):
        action = g.value(entry, MF.action)
        graph_data = []
        for gd in g.objects(entry, UT.graphData):
            file_iri = str(g.value(gd, UT.graph))
            graph_data.append((path.parent / unquote(file_iri.rsplit("/", 1)[-1]), str(g.value(gd, RDFS.label))))
        tests.append(
            ManifestTest(
                iri=str(entry),
                name=_text(g, entry, MF.name) or str(entry),
                requests=[_request(g, r) for r in _list(g, g.value(action, HT.requests))],
                graph_data=sorted(graph_data),
                requires=sorted(str(r) for r in g.objects(entry, MF.requires)),
            )
        )
    return tests


# -- running ---------------------------------------------------------------------------------


def _media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def _explain(req: HttpRequest, url: str, response: requests.Response, problem: str) -> str:
    body = response.text[:600] if response.content else ""
    return (
        f"{req.method} {url}: {problem}\n"
        f"  status {response.status_code}, Content-Type {response.headers.get('Content-Type')!r}\n"
        f"  body: {body!r}"
    )


def _status_ok(expected: list[str], status: int) -> bool:
    return not expected or any((e.endswith("xx") and str(status)[0] == e[0]) or e == str(status) for e in expected)


def _check_results(req: HttpRequest, url: str, response: requests.Response) -> None:
    exp = req.expected
    if exp.format is None and exp.boolean is None:
        return
    media = _media_type(response)
    if exp.format in ("boolean", "tabular") or exp.boolean is not None:
        parser = RESULT_PARSERS.get(media)
        assert parser, _explain(req, url, response, f"expected SPARQL results, got {media!r}")
        if exp.format == "boolean" or exp.boolean is not None:
            # rdflib's CSV/TSV parsers do not read booleans; the protocol expects XML or JSON.
            assert parser in ("json", "xml"), _explain(req, url, response, "a boolean must come as XML or JSON")
        result = Result.parse(io.BytesIO(response.content), format=parser)
        if exp.format == "boolean" or exp.boolean is not None:
            assert result.type == "ASK", _explain(req, url, response, "expected a boolean result")
            if exp.boolean is not None:
                assert result.askAnswer == exp.boolean, _explain(
                    req, url, response, f"expected {exp.boolean}, got {result.askAnswer}"
                )
        else:
            assert result.type == "SELECT", _explain(req, url, response, "expected a table of solutions")
    elif exp.format == "RDF":
        parser = RDF_PARSERS.get(media)
        assert parser, _explain(req, url, response, f"expected RDF, got {media!r}")
        Graph().parse(data=response.content, format=parser, publicID=url)


def _check_headers(req: HttpRequest, url: str, response: requests.Response) -> None:
    for name, value in req.expected.headers:
        actual = response.headers.get(name)
        assert actual is not None, _explain(req, url, response, f"missing header {name}")
        if name.lower() == "content-type":
            want_type, _, want_params = value.partition(";")
            got_type, _, got_params = actual.partition(";")
            assert want_type.strip().lower() == got_type.strip().lower(), _explain(
                req, url, response, f"expected Content-Type {value!r}"
            )
            want_charset = re.search(r"charset=([\w-]+)", want_params, re.I)
            got_charset = re.search(r"charset=([\w-]+)", got_params, re.I)
            if want_charset and got_charset:
                assert want_charset.group(1).lower() == got_charset.group(1).lower(), _explain(
                    req, url, response, f"expected Content-Type {value!r}"
                )
        else:
            assert actual.strip() == value.strip(), _explain(req, url, response, f"expected {name}: {value!r}")


def _check_body(req: HttpRequest, url: str, response: requests.Response) -> None:
    if req.expected.body is None or req.method == "HEAD":
        return
    media = _media_type(response)
    parser = RDF_PARSERS.get(media)
    assert parser, _explain(req, url, response, f"expected an RDF body, got {media!r}")
    expected_type = next((v for n, v in req.expected.headers if n.lower() == "content-type"), media)
    expected_parser = RDF_PARSERS.get(expected_type.split(";")[0].strip().lower(), parser)
    want = Graph().parse(data=req.expected.body, format=expected_parser, publicID=url)
    got = Graph().parse(data=response.content, format=parser, publicID=url)
    assert isomorphic(want, got), _explain(
        req, url, response, f"the graph differs from the expected one ({len(got)} vs {len(want)} triples)"
    )


def run_test(test: ManifestTest, target: Target) -> list[requests.Response]:
    """Send the test's requests in order; raise AssertionError at the first unmet expectation."""
    variables: dict[str, str] = {}
    responses = []
    for req in test.requests:
        path, body = req.path, req.body
        for name, value in variables.items():
            path = path.replace(name, value)
            body = body.replace(name, value) if body is not None else None
        url = urljoin(target.base_url + "/", target.rewrite(path).lstrip("/")) if not path.startswith("http") else path
        headers = {name: value for name, value in req.headers}
        headers.update(target.headers)
        data = None
        if body is not None:
            charset = re.search(r"charset=([\w-]+)", headers.get("content-type", ""), re.I)
            data = body.encode(charset.group(1) if charset else "utf-8")
        response = target.session.request(
            req.method, url, headers=headers, data=data, timeout=target.timeout, allow_redirects=False
        )
        responses.append(response)
        assert _status_ok(req.expected.statuses, response.status_code), _explain(
            req, url, response, f"expected status {' or '.join(req.expected.statuses)}"
        )
        _check_headers(req, url, response)
        _check_results(req, url, response)
        _check_body(req, url, response)
        if req.expected.location_variable:
            location = response.headers.get("Location")
            assert location, _explain(req, url, response, "expected a Location header")
            variables[req.expected.location_variable] = location
    return responses
