"""The lean path for queries (server/protocol/lean.py) answers with Flask's bytes, or lets Flask answer.

Every request of the table is sent twice to the same application, on the real seed store and
real executor processes: once with the lean path on, once with it off (Flask alone). Status,
headers (names, values and order) and body must be identical; and the lean path must have
answered exactly the plain successes itself (otherwise the comparison would prove nothing).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic

from claimgraph.server.protocol import lean
from claimgraph.server.protocol.sparql import percent_decode
from tests.pages_helpers import BASE, PESKOW_CLAIM, app_on

CLAIM = f"<{BASE}id/{PESKOW_CLAIM}>"
POINT = f"SELECT ?p ?o WHERE {{ {CLAIM} ?p ?o }}"
ASK = f"ASK {{ {CLAIM} ?p ?o }}"
CONSTRUCT = f"CONSTRUCT {{ {CLAIM} ?p ?o }} WHERE {{ {CLAIM} ?p ?o }}"
#: More than one executor message (64 KiB): streamed, so Flask responds.
LARGE = "SELECT ?a ?b ?c ?d WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 3000"
RELATIVE = "SELECT ?x WHERE { BIND(<relative/iri> AS ?x) }"
#: Runs far past a 0.3 s limit on the seed store.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
JSON = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class Case:
    """One request; ``lean``: whether the lean path answers it itself."""

    name: str
    lean: bool
    query: str | None = POINT
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    extra: str = ""  # more of the URL's query string, already encoded
    body: bytes | None = None
    #: The body is Turtle whose statements Flask writes in a varying order (blank nodes):
    #: compared as graphs.
    turtle: bool = False


def _get(name: str, lean_: bool, query: str | None = POINT, extra: str = "", **headers: str) -> Case:
    return Case(name, lean_, query, "GET", {k.replace("_", "-"): v for k, v in headers.items()}, extra)


def _post(name: str, lean_: bool, body: bytes, content_type: str | None, extra: str = "", **headers: str) -> Case:
    h = {k.replace("_", "-"): v for k, v in headers.items()}
    if content_type is not None:
        h["Content-Type"] = content_type
    return Case(name, lean_, None, "POST", h, extra, body)


def _form(query: str) -> bytes:
    return ("query=" + quote(query, safe="")).encode()


CASES = [
    # Plain successes: every result format, Accept variants, format=/output=.
    _get("json", True, Accept=JSON),
    _get("no Accept", True),
    _get("any type", True, Accept="*/*"),
    _get("xml", True, Accept="application/sparql-results+xml"),
    _get("csv", True, Accept="text/csv"),
    _get("tsv", True, Accept="text/tab-separated-values"),
    _get("json alias", True, Accept="application/json"),
    _get("q-values", True, Accept="text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1"),
    _get("charset param", True, Accept="application/sparql-results+json; charset=utf-8"),
    _get("format=", True, extra="&format=xml", Accept="text/csv"),
    _get("output=", True, extra="&output=json"),
    _get("ask", True, ASK, Accept=JSON),
    _get("construct turtle", True, CONSTRUCT, Accept="text/turtle"),
    _get("construct n-triples", True, CONSTRUCT, Accept="application/n-triples"),
    _get("construct rdf/xml", True, CONSTRUCT, Accept="application/rdf+xml"),
    _get("construct json-ld", True, CONSTRUCT, Accept="application/ld+json"),
    _get("dataset", True, extra="&default-graph-uri=" + quote(BASE + "graph/claims", safe="")),
    _get("named graph only", True, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3", extra="&named-graph-uri=x:y"),
    _get("relative IRI", True, RELATIVE, Host="example.org:8080"),
    _get("client timeout", True, extra="&timeout=5"),
    _get("authorization sent", True, Authorization="Bearer whatever"),
    _get("origin", True, Origin="https://a.example"),
    _get("origin not listed", True, Origin="https://evil.example"),
    _get("private network", True, Origin="https://a.example", Access_Control_Request_Private_Network="true"),
    _get("forwarded", True, RELATIVE, X_Forwarded_Host="public.example", X_Forwarded_Proto="https"),
    Case("head", True, method="HEAD", headers={"Accept": JSON}),
    _post("form", True, _form(POINT), FORM, Accept=JSON),
    _post("form utf-8", True, _form(POINT), FORM + "; charset=UTF-8"),
    _post("direct", True, POINT.encode(), "application/sparql-query", Accept="text/csv"),
    _post("direct with params", True, POINT.encode(), "application/sparql-query", extra="timeout=4"),
    _post("direct utf-8", True, ASK.encode(), "application/sparql-query; charset=utf-8"),
    # Handed to Flask: responses it builds itself.
    _get("browser page", False, Accept=BROWSER),
    _get("streamed", False, LARGE, Accept=JSON),
    Case("service description", False, None, headers={"Accept": "text/turtle"}, turtle=True),
    Case(
        "options preflight",
        False,
        None,
        "OPTIONS",
        {"Origin": "https://a.example", "Access-Control-Request-Method": "POST"},
    ),
    # Errors, before and after the engine ran: the one error handler renders them.
    _get("syntax error", False, "SELECT ?x WHERE { ?x ", Accept=JSON),
    _get("unknown prefix", False, "SELECT ?x WHERE { ?x a nope:Thing }"),
    _get("too deep", False, "SELECT * WHERE " + "{ " * 300 + "}" * 300),
    _get("service refused", False, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"),
    _get("bad timeout", False, extra="&timeout=soon"),
    _get("zero timeout", False, extra="&timeout=0"),
    _get("time limit", False, SLOW, extra="&timeout=0.3"),
    _get("not acceptable", False, Accept="image/png"),
    _get("construct as results", False, CONSTRUCT, Accept=JSON),
    _get("unknown format=", False, extra="&format=png"),
    _get("two queries", False, extra="&query=ASK%7B%7D"),
    _get("update by GET", False, None, extra="update=CLEAR%20ALL"),
    _get("bad percent-encoding", False, None, extra="query=%FF"),
    _get("bad dataset IRI", False, extra="&default-graph-uri=not%20an%20iri"),
    Case("GET with a body", False, headers={"Content-Type": "text/plain"}, body=b"x"),
    Case("PUT", False, None, "PUT", {"Content-Type": "text/turtle"}, body=b""),
    _post("form latin-1", False, _form(POINT), FORM + "; charset=latin-1"),
    _post("direct ascii", True, ASK.encode(), "application/sparql-query; charset=us-ascii"),
    _post("form ascii", True, _form(POINT), FORM + "; charset=US-ASCII"),
    _post("direct latin-1", False, POINT.encode(), "application/sparql-query; charset=iso-8859-1"),
    _post("direct not UTF-8", False, b"SELECT * WHERE { ?s ?p '\xff' }", "application/sparql-query"),
    _post("direct and URL query", False, POINT.encode(), "application/sparql-query", extra="query=x"),
    _post("form without query", False, b"nothing=here", FORM),
    _post("form query and update", False, _form(POINT) + b"&update=CLEAR%20ALL", FORM),
    _post("no content type", False, POINT.encode(), None),
    _post("unsupported type", False, POINT.encode(), "text/plain"),
    _post("too large", False, b"#" * (1024 * 1024 + 1), "application/sparql-query"),
    _post("update without token", False, b"update=CLEAR%20ALL", FORM),
    _post(
        "update wrong token",
        False,
        b"INSERT DATA { <x:a> <x:b> <x:c> }",
        "application/sparql-update",
        Authorization="Bearer wrong",
    ),
]


def _url(case: Case) -> str:
    parts = [f"query={quote(case.query, safe='')}"] if case.query is not None else []
    if case.extra:
        parts.append(case.extra.lstrip("&"))
    return "/sparql" + ("?" + "&".join(parts) if parts else "")


def _send(app: Flask, case: Case, on: bool) -> tuple[str, list[tuple[str, str]], bytes, int]:
    path = app.extensions[lean.KEY]
    # Both paths start with an executor ready: after the "time limit" case killed one, its
    # replacement may not have opened the store within the next case's 0.3 s budget, which
    # then gets "busy" (503 with Retry-After) instead of the time limit's 503.
    assert app.test_client().get("/sparql?query=ASK%7B%7D").status_code == 200
    path.enabled = on
    before = path.answered
    try:
        r = app.test_client().open(_url(case), method=case.method, headers=case.headers, data=case.body)
        body = r.get_data()
        return r.status, r.headers.to_wsgi_list(), body, path.answered - before
    finally:
        path.enabled = True


def _compare(app: Flask, case: Case) -> None:
    status, headers, body, answered = _send(app, case, on=True)
    f_status, f_headers, f_body, _ = _send(app, case, on=False)
    assert (status, headers) == (f_status, f_headers), case.name
    if case.turtle:
        assert isomorphic(Graph().parse(data=body, format="turtle"), Graph().parse(data=f_body, format="turtle"))
    else:
        assert body == f_body, case.name
    assert answered == (1 if case.lean else 0), f"{case.name}: lean path answered {answered} (expected {case.lean})"
    if case.lean:
        assert status == "200 OK" and (body or case.method == "HEAD"), case.name
        if case.query in (POINT, ASK, CONSTRUCT) and case.method != "HEAD" and "graph-uri" not in case.extra:
            assert b"peskow" in body or b"true" in body, f"{case.name}: the seed claim is not in the answer"


@pytest.fixture(scope="module")
def store(seed_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed store: the token configuration writes to it."""
    copy = tmp_path_factory.mktemp("lean") / "store"
    shutil.copytree(seed_store, copy, symlinks=True)
    return copy


CONFIGS = {
    "defaults (CORS *)": {},
    "CORS list, update token": {"cors_origins": "https://a.example, https://b.example", "update_token": "s3cret"},
    "no CORS, one proxy": {"cors_origins": "", "proxies": 1},
}


@pytest.fixture(scope="module", params=list(CONFIGS))
def app(request: pytest.FixtureRequest, store: Path) -> Iterator[Flask]:
    values = {"max_body_bytes": 1024 * 1024, "query_timeout": 10.0, "cache_bytes": 0, **CONFIGS[request.param]}
    with app_on(store, **values) as application:
        assert lean.fits(application), "the lean path must be on for the real application"
        yield application


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_lean_path_answers_what_flask_answers(app: Flask, case: Case) -> None:
    _compare(app, case)


def test_updates_with_the_token_go_to_flask_and_write(store: Path) -> None:
    with app_on(store, update_token="s3cret", cache_bytes=0) as app:
        insert = Case(
            "update with token",
            False,
            None,
            "POST",
            {"Content-Type": FORM, "Authorization": "Bearer s3cret"},
            body=b"update=" + quote("INSERT DATA { <x:lean> <x:b> <x:c> }", safe="").encode(),
        )
        _compare(app, insert)
        _compare(app, _get("written", True, "ASK { <x:lean> <x:b> <x:c> }", Accept=JSON))
        assert b"true" in _send(app, _get("written", True, "ASK { <x:lean> <x:b> <x:c> }"), on=True)[2]


def test_the_cache_answers_through_the_lean_path(store: Path) -> None:
    with app_on(store, cache_bytes=1024 * 1024) as app:
        for _ in range(2):  # the second one comes from the cache
            _compare(app, _get("cached", True, Accept=JSON))


def test_the_lean_path_steps_aside_for_hooks_it_does_not_reproduce(store: Path) -> None:
    """A hook added to the application (before its first request: Flask refuses them after)
    would be skipped by the lean path: it is then off, and Flask answers everything."""
    with app_on(store) as app:
        assert lean.fits(app)
        app.after_request(lambda response: (response.headers.add("X-Hook", "ran"), response)[1])
        assert not lean.fits(app)
        r = app.test_client().get(_url(_get("hooked", False)), headers={"Accept": JSON})
        assert r.status_code == 200 and r.headers["X-Hook"] == "ran" and b"peskow" in r.data
        assert app.extensions[lean.KEY].answered == 0 and app.extensions[lean.KEY].enabled is False
    with app_on(store) as app:
        app.before_request(lambda: None)
        assert not lean.fits(app)
    with app_on(store) as app:
        app.secret_key = "sessions"
        assert not lean.fits(app)


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [b"%", b"%2", b"%41", b"%c3%a4", b"%E2%82%AC", b"\\", b"\\x", b"x", b"g", b"F", b"+", b"\xff", b" "]
        )
    )
)
def test_percent_decoding_agrees_with_the_standard_library(pieces: list[bytes]) -> None:
    raw = b"".join(pieces)
    assert percent_decode(raw) == unquote_to_bytes(raw)


@given(st.binary())
def test_percent_decoding_of_any_bytes(raw: bytes) -> None:
    assert percent_decode(raw) == unquote_to_bytes(raw)


def test_responses_frame_correctly_on_one_kept_alive_connection(server) -> None:
    """On the real server (gunicorn, the worker's one-write responses): a HEAD, a small answer
    sent with its head in one write, a streamed (chunked) answer, an error and a small answer
    again, one after the other on one connection, each read back whole."""
    import http.client
    import json
    from urllib.parse import urlsplit

    where = urlsplit(server.sparql)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)

    def ask(method: str, query: str, accept: str = JSON) -> http.client.HTTPResponse:
        conn.request(method, f"{where.path}?query={quote(query, safe='')}", headers={"Accept": accept})
        return conn.getresponse()

    try:
        head = ask("HEAD", POINT)
        assert head.status == 200 and head.read() == b""
        small = ask("GET", POINT)
        length = int(small.getheader("Content-Length"))
        body = small.read()
        assert len(body) == length and json.loads(body)["results"]["bindings"]
        assert int(head.getheader("Content-Length")) == length  # the same answer, without its body
        large = ask("GET", LARGE)
        assert large.getheader("Transfer-Encoding") == "chunked"
        assert len(json.loads(large.read())["results"]["bindings"]) == 3000
        bad = ask("GET", "SELECT ?x WHERE { ?x ")
        assert bad.status == 400 and b"syntax" in bad.read()
        again = ask("GET", ASK)
        assert again.status == 200 and json.loads(again.read())["boolean"] is True
    finally:
        conn.close()


@pytest.mark.parametrize(
    "head,whole",
    [
        (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n", True),
        (b"HEAD / HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: x\r\n", False),  # not complete yet
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\r\n", False),  # pipelined: two
        (b"GET / HTTP/1.1\nHost: x\n\n", False),  # bare line feeds: gunicorn's parser decides
        (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", False),
        (b"POST /sparql HTTP/1.1\r\nHost: x\r\ncontent-LENGTH: 0\r\n\r\n", False),
        (b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", False),
        (b"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n", False),
        (b"GET /?query=expected HTTP/1.1\r\nHost: x\r\n\r\n", False),  # a false alarm: parsed in full
    ],
)
def test_the_worker_skips_parsing_only_a_complete_bodiless_head(head: bytes, whole: bool) -> None:
    from claimgraph.server.worker import _one_bodiless_head

    assert _one_bodiless_head(head) is whole
    assert _one_bodiless_head(bytearray(head)) is whole
