"""SERVICE and LOAD make the server fetch a URL the client chose: they must never get past the guard.

Three layers of evidence: the desynchronisation cases found by fuzzing, property-based tests
whose oracle is the engine itself (an in-memory pyoxigraph store refuses port 9 *before*
connecting, so "the engine tried to fetch" is observable without any network traffic), and the
issue's exact query against a real server beside a loopback listener that must stay silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_hostile import Listener
from claimgraph.graph.store.base import QueryRejected
from claimgraph.graph.store.sparqltext.guard import check_query, check_update
from conftest import UPDATE_TOKEN, start_server, stop_server

# Oxigraph's HTTP client refuses port 9 before opening a connection: a query that reaches a
# SERVICE or LOAD of this URL fails with this message, and nothing leaves the process.
TRAP = "http://127.0.0.1:9/x"
TRIED = "port 9 is not allowed"

ISSUE_QUERY = "SELECT * WHERE {{ BIND(<http://x/\\u0061#> AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}"

BYPASSES = [
    ISSUE_QUERY.format(url=TRAP),
    # the engine matches keywords without a word boundary
    f"PREFIX ex: <{TRAP}> SELECT * {{ SERVICEex:x {{ ?s ?p ?o }} }}",
    f"SELECT * {{ ?s ?p trueSERVICE<{TRAP}>{{ ?s ?p ?o }} }}",
    f"SELECT * {{ ?s ?p 1SERVICE<{TRAP}>{{ ?s ?p ?o }} }}",
    # '<' read as a comparison by the engine, as an IRI by a tokenizer; '#' then starts a comment
    f'SELECT * {{ BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b#> """\n) SERVICE <{TRAP}> {{ ?s ?p ?o }} # """\n}}',
    f"select * {{ service <{TRAP}> {{ ?s ?p ?o }} }}",
]


def _engine_tries_to_fetch(text: str, update: bool = False) -> bool:
    """Run ``text`` on a small in-memory store; True when the engine went for the trap URL."""
    store = ox.Store()
    # Patterns such as ``?s ?p true`` must match, or the engine skips the SERVICE joined to them.
    store.update("INSERT DATA { <http://e/s> <http://e/p> true, 1, <http://e/a> }")
    try:
        if update:
            store.update(text)
        else:
            list(store.query(text))
    except Exception as exc:  # syntax errors and the like: the engine did not fetch
        return TRIED in str(exc)
    return False


@pytest.mark.parametrize("text", BYPASSES)
def test_known_bypasses_are_refused_and_really_would_fetch(text: str) -> None:
    assert _engine_tries_to_fetch(text), "the case no longer exercises the engine's SERVICE"
    with pytest.raises(QueryRejected, match="SERVICE"):
        check_query(text)


def test_silent_forms_are_refused_too() -> None:
    """SILENT hides the engine's error (so the oracle above cannot see them), not the fetch."""
    with pytest.raises(QueryRejected, match="SERVICE"):
        check_query(f"SELECT * {{ SERVICESILENT<{TRAP}>{{ ?s ?p ?o }} }}")
    with pytest.raises(QueryRejected, match="LOAD"):
        check_update(f"LOADSILENT<{TRAP}>")


@pytest.mark.parametrize(
    "text",
    [
        f"LOAD <{TRAP}>",
        f"INSERT DATA {{ <http://x/\\u0061#> <http://e/p> 1 }} ; LOAD <{TRAP}>",
        f"INSERT {{ <http://e/s> <http://e/p> ?o }} WHERE {{ BIND(<http://x/\\u0061#> AS ?x) SERVICE <{TRAP}> {{ ?s ?p ?o }} }}",
    ],
)
def test_known_update_bypasses_are_refused(text: str) -> None:
    assert _engine_tries_to_fetch(text, update=True)
    with pytest.raises(QueryRejected, match="LOAD|SERVICE"):
        check_update(text)


@pytest.mark.parametrize(
    "text",
    [
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT * { ?s a sd:Service }",
        'SELECT * { ?s <http://x/ns#p> "service" }',
        "SELECT ?service { ?service ?p ?o } # services",
        "SELECT * { ?s ?p ?o FILTER(?p = <http://x#p>) } # no keyword here",
        "SELECT * { ?s <http://e/SERVICE> ?o }",
    ],
)
def test_harmless_mentions_pass(text: str) -> None:
    check_query(text)


def test_update_data_mentioning_the_words_passes() -> None:
    check_update('INSERT DATA { <http://x#s> <http://x#p> "the download service", <http://e/LOAD> }')


# Fragments a hostile client would put before the keyword to desynchronise a reader.
_HEX = st.text(alphabet="0123456789abcdefABCDEF", min_size=4, max_size=8)
_PIECES = list("ab#'\"\\<>{}()?$:/ .\n\r\t^|`%-_") + ["\\u0061", "\\u0023", "\\U00000027", "\\u003E"]
_CHARS = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)
_FRAGMENT = st.one_of(
    st.builds(lambda c: f"<http://x/{c}>", _CHARS),
    st.builds(lambda h: f"<http://x/\\u{h[:4]}#>", _HEX),
    st.builds(lambda c: f'"{c}"', _CHARS),
    st.builds(lambda c: f"'{c}'", _CHARS),
    st.builds(lambda c: f'"""{c}"""', _CHARS),
    st.builds(lambda c: f"'''{c}'''", _CHARS),
    st.builds(lambda c: f"#{c}\n", _CHARS),
    st.builds(lambda c: f"BIND({c} AS ?z)", _CHARS),
    st.builds(lambda c: f"BIND(<http://x/{c}> AS ?z)", _CHARS),
    st.builds(lambda c: f"FILTER(?a<{c})", _CHARS),
    st.sampled_from(
        [
            "?a<?b#>",
            "true",
            "1",
            "ex:",
            "\\",
            "\u00a0",
            "\x0b",
            "<<",
            "'''",
            '"""',
            "#",
            "?s ?p true",
            "?s ?p 1",
            "?s ?p ?o",
            "?s ?p ?o.",
            "?s ?p ex:a.",
            "?s ?p ex:a\\.",
            "?s ?p <http://e/a>.",
            'FILTER(?a<?b#> """\n)',
            '# """\n',
            "\n",
        ]
    ),
)
# Not SILENT: it would hide the engine's attempt from the oracle (tested separately above).
_KEYWORD = st.sampled_from(["SERVICE", "service", "SeRvIcE"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.lists(_FRAGMENT, max_size=4),
    glue=st.sampled_from([" ", "", "\n", "\t"]),
    kw=_KEYWORD,
    after=st.lists(_FRAGMENT, max_size=2),
)
def test_no_service_gets_past_the_guard(before: list[str], glue: str, kw: str, after: list[str]) -> None:
    """Whatever comes before or after: either the guard refuses, or the engine does not fetch."""
    text = (
        f"PREFIX ex: <{TRAP}> SELECT * WHERE {{ BIND(1 AS ?a) BIND(2 AS ?b) "
        + " ".join(before)
        + glue
        + f"{kw} <{TRAP}> {{ ?s ?p ?o }} "
        + " ".join(after)
        + " }"
    )
    try:
        check_query(text)
    except QueryRejected:
        return
    assert not _engine_tries_to_fetch(text), text


@settings(max_examples=200, deadline=None)
@given(before=st.lists(_FRAGMENT, max_size=4), kw=st.sampled_from(["LOAD", "load", "LoAd"]))
def test_no_load_gets_past_the_guard(before: list[str], kw: str) -> None:
    text = "INSERT DATA { <http://e/s> <http://e/p> 1 } ; " + " ".join(before) + f" {kw} <{TRAP}>"
    try:
        check_update(text)
    except QueryRejected:
        return
    assert not _engine_tries_to_fetch(text, update=True), text


_IRIREF = re.compile(r'<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')


@settings(max_examples=200, deadline=None)
@given(before=st.lists(st.builds(lambda c: f"<http://x/{c}>", _CHARS).filter(_IRIREF.fullmatch), max_size=3))
def test_well_formed_iris_before_service_never_hide_it(before: list[str]) -> None:
    """IRIs (as the grammar's IRIREF allows, escapes included) in triple patterns before a real
    SERVICE: always refused."""
    text = "SELECT * WHERE { " + " ".join(f"?s ?p {iri} ." for iri in before) + f" SERVICE <{TRAP}> {{ }} }}"
    with pytest.raises(QueryRejected, match="SERVICE"):
        check_query(text)


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory, seed_store: Path):
    from conftest import claimgraph

    store_dir = tmp_path_factory.mktemp("ssrf") / "store"
    claimgraph("backup", "--store", str(seed_store), str(store_dir))  # the seed graph, not built again
    srv = start_server(store_dir, "--workers", "1", "--query-workers", "1", "--update-token", UPDATE_TOKEN)
    yield srv
    stop_server(srv)


def _dump(srv) -> bytes:
    r = requests.get(srv.url + "/store", headers={"Accept": "application/n-quads"}, timeout=30)
    r.raise_for_status()
    return r.content


def test_the_issue_query_never_reaches_the_listener(writable, listener: Listener) -> None:
    query = ISSUE_QUERY.format(url=listener.url)
    sent = [
        requests.get(writable.sparql, params={"query": query}, timeout=30),
        requests.post(writable.sparql, data={"query": query}, timeout=30),
        requests.post(
            writable.sparql, data=query.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=30
        ),
        requests.get(writable.url + "/query", params={"query": query}, timeout=30),
    ]
    for r in sent[:3]:
        assert r.status_code == 400, r.text
        assert "SERVICE" in r.text
    assert sent[3].status_code in (200, 400)  # the query page shows the refusal
    assert listener.contacts == []


def test_load_with_the_token_never_reaches_the_listener(writable, listener: Listener) -> None:
    before = _dump(writable)
    auth = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
    for update in (
        f"INSERT DATA {{ <http://x/\\u0061#> <http://e/p> 1 }} ; LOAD <{listener.url}>",
        f"LOADSILENT<{listener.url}>",
        f"INSERT {{ <http://e/s> <http://e/p> ?o }} WHERE {{ BIND(<http://x/\\u0061#> AS ?x) "
        f"SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
    ):
        r = requests.post(
            writable.sparql,
            data=update.encode(),
            headers={**auth, "Content-Type": "application/sparql-update"},
            timeout=30,
        )
        assert r.status_code == 400, r.text
        r = requests.post(writable.sparql, data={"update": update}, headers=auth, timeout=30)
        assert r.status_code == 400, r.text
    assert listener.contacts == []
    assert _dump(writable) == before


# -- the second layer: the engine's processes have no network --------------------------------


def _run_unguarded(store, query: str) -> str:
    """Hand ``query`` to the store directly, past the guard; what happened, as text."""
    from claimgraph.graph.store import QueryRequest, StoreError

    try:
        prepared = store.prepare(QueryRequest(query=query, timeout=20))
        try:
            return b"".join(prepared.stream("application/sparql-results+json")).decode()
        finally:
            prepared.close()
    except StoreError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("network", [False, True])
def test_executors_cannot_reach_the_network_unless_service_is_allowed(
    tmp_path, listener: Listener, network: bool
) -> None:
    from claimgraph.graph.store import EmbeddedStore

    store = EmbeddedStore(tmp_path / "store", query_workers=1, query_network=network)
    try:
        outcome = _run_unguarded(store, f"SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    finally:
        store.close()
    if network:  # the control: with the network allowed, the same query does reach the listener
        assert listener.contacts, outcome
    else:
        assert listener.contacts == [] and "Permission denied" in outcome, outcome


def test_update_children_cannot_load_from_the_network(tmp_path, listener: Listener) -> None:
    from claimgraph.graph.store import EmbeddedStore, StoreError, UpdateRequest

    store = EmbeddedStore(tmp_path / "store", query_workers=1)
    try:
        with pytest.raises(StoreError, match="Permission denied"):
            store.update(UpdateRequest(update=f"LOAD <{listener.url}>"))
        assert store.is_empty()
    finally:
        store.close()
    assert listener.contacts == []
