"""Full-text search: the index beside each store version, the search language, and the three
ways in (SPARQL SERVICE, /search as HTML and JSON, ``claimgraph search``), on a real store on
disk built from the seeds plus a second hand-made article (tests/data/second-article), served
by a real server.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import LiveServer, claimgraph, free_port
from claimgraph.graph.store import EmbeddedStore, QueryRejected
from claimgraph.graph.store.embedded.snapshots import open_snapshot
from claimgraph.graph.store.search import index as search_index
from claimgraph.graph.store.search.syntax import SearchSyntaxError, compile_search
from claimgraph.graph.store.sparqltext.guard import check_query

ID = "https://w3id.org/claimgraph/id/"
PREFIXES = "PREFIX cg: <https://w3id.org/claimgraph/ontology#>\n"
SEARCH = "<https://w3id.org/claimgraph/search>"


@pytest.fixture(scope="module")
def server(corpus_server: LiveServer) -> LiveServer:
    """The corpus graph's read-only server, shared with the other modules that read it."""
    return corpus_server


def select(server: LiveServer, query: str) -> requests.Response:
    return requests.post(
        server.sparql, data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=30
    )


def rows(response: requests.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def claims_found(server: LiveServer, q: str) -> list[str]:
    r = requests.get(server.url + "/search", params={"q": q, "format": "json", "limit": 100}, timeout=30)
    assert r.status_code == 200, r.text
    return [h["claim"].removeprefix(ID + "claim/") for h in r.json()["hits"]]


# -- the search language ---------------------------------------------------------------------


def test_words_and_phrases_become_quoted_fts5_strings() -> None:
    assert compile_search("Starlink").match == '"starlink"'
    assert compile_search('"völlig unwahr"').match == '"völlig unwahr"'
    assert compile_search("Kreml* OR Putin").match == '"kreml"* OR "putin"'
    # FTS5 syntax characters in a word are text, not syntax.
    assert compile_search("a.b^c").match == '"a.b^c"'
    assert compile_search("speaker:Peskow -Fake").match == '({speaker} : "peskow") NOT "fake"'


def test_spelled_out_umlauts_and_sharp_s_also_look_for_the_folded_form() -> None:
    assert compile_search("Schaeuble").match == '("schaeuble" OR "schauble")'
    assert compile_search("Strasse").match == '("strasse" OR "straße")'


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ('"völlig unwahr', "unterminated phrase"),
        ("(Kreml OR Putin", "never closed"),
        ("Kreml)", "closes nothing"),
        ("-Kreml", "only excludes"),
        ("farbe:rot", "unknown field 'farbe'"),
        ("x" * 600, "at most 500"),
        ("!!!", "no word"),
        (" ".join(["wort"] * 40), "more than 32"),
    ],
)
def test_unreadable_searches_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(SearchSyntaxError, match=reason):
        compile_search(text)


# -- the index lives in each version -----------------------------------------------------------


def test_every_version_holds_the_index_of_its_own_claims(corpus_store: Path) -> None:
    with open_snapshot(corpus_store / "oxigraph") as snap:
        count = next(iter(snap.store.query(PREFIXES + "SELECT (COUNT(*) AS ?n) { ?c a cg:Claim }")))["n"]
        index_file = snap.path / search_index.INDEX_FILE
        assert index_file.exists()
        with sqlite3.connect(index_file) as conn:
            assert conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == int(count.value) == 24


# -- inside SPARQL ---------------------------------------------------------------------------------


def test_the_search_service_joins_with_any_pattern(server: LiveServer) -> None:
    # Claims mentioning "unwahr", by speakers who also deny something (the example).
    query = (
        PREFIXES
        + f"""
    SELECT ?claim ?score ?snippet ?speaker WHERE {{
      SERVICE {SEARCH} {{ ?claim cg:matches "unwahr" ; cg:score ?score ; cg:snippet ?snippet }}
      ?claim cg:speaker ?speaker .
      FILTER EXISTS {{ ?other cg:speaker ?speaker ; cg:stance cg:denies }}
    }} ORDER BY DESC(?score) ?claim"""
    )
    found = rows(select(server, query))
    assert {r["claim"] for r in found} == {ID + "claim/peskow-fake-news", ID + "claim/zweit-peskow-unwahr"}
    assert {r["speaker"] for r in found} == {ID + "entity/dmitri-peskow"}
    assert all("<mark>unwahr</mark>" in r["snippet"] for r in found)
    scores = [float(r["score"]) for r in found]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_a_search_without_hits_joins_to_nothing(server: LiveServer) -> None:
    query = PREFIXES + f'SELECT ?claim WHERE {{ SERVICE {SEARCH} {{ ?claim cg:matches "Zeppelinfeld" }} }}'
    assert rows(select(server, query)) == []


def test_the_search_service_takes_a_limit_and_full_iris(server: LiveServer) -> None:
    query = f"""SELECT ?claim WHERE {{ SERVICE {SEARCH} {{
        ?claim <https://w3id.org/claimgraph/ontology#matches> "Musk" ;
               <https://w3id.org/claimgraph/ontology#limit> 3 }} }}"""
    assert len(rows(select(server, query))) == 3


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ('?c cg:matches "(Kreml"', "never closed"),
        ("?c cg:matches ?text", "needs a string literal"),
        ("?c cg:score ?s", "cg:matches"),
        ('?c cg:matches "x" ; cg:colour ?s', "unknown predicate"),
        ('?c cg:matches "x" ; cg:score "high"', "needs a variable"),
    ],
)
def test_a_malformed_search_block_is_a_400_with_the_reason(server: LiveServer, block: str, reason: str) -> None:
    r = select(server, PREFIXES + f"SELECT * WHERE {{ SERVICE {SEARCH} {{ {block} }} }}")
    assert r.status_code == 400
    assert reason in r.text


def test_every_other_service_is_still_refused(server: LiveServer) -> None:
    other = f"http://127.0.0.1:{free_port()}/sparql"
    alone = f"SELECT * WHERE {{ SERVICE <{other}> {{ ?s ?p ?o }} }}"
    mixed = (
        PREFIXES
        + f'SELECT * WHERE {{ SERVICE {SEARCH} {{ ?c cg:matches "x" }} SERVICE SILENT <{other}> {{ ?s ?p ?o }} }}'
    )
    for query in (alone, mixed):
        r = select(server, query)
        assert r.status_code == 400 and "SERVICE (federated queries) is disabled" in r.text
    with pytest.raises(QueryRejected):
        check_query(mixed)
    check_query(PREFIXES + f'SELECT * WHERE {{ SERVICE {SEARCH} {{ ?c cg:matches "x" }} }}')


def test_the_cli_query_answers_the_search_service(corpus_store: Path) -> None:
    query = PREFIXES + f'SELECT ?claim WHERE {{ SERVICE {SEARCH} {{ ?claim cg:matches "Schäuble" }} }}'
    out = claimgraph("query", "--store", str(corpus_store), "--format", "csv", query).stdout.split()
    assert out == ["claim", ID + "claim/zweit-schaeuble-debatte"]


# -- /search as HTML and JSON ------------------------------------------------------------------------


def test_the_search_page_shows_highlighted_snippets_speaker_date_and_article(server: LiveServer) -> None:
    r = requests.get(server.url + "/search", params={"q": "Peskow unwahr"}, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "<mark>unwahr</mark>" in r.text or "<mark>Peskow</mark>" in r.text
    assert 'href="/id/claim/zweit-peskow-unwahr"' in r.text
    assert 'href="/id/entity/dmitri-peskow">Dmitri Peskow</a>' in r.text
    assert '<time datetime="2024-10-26">' in r.text
    assert 'href="/id/document/zweiter-bericht">Kreml dementiert erneut (Testartikel)</a>' in r.text


def test_the_search_page_says_when_nothing_matches(server: LiveServer) -> None:
    r = requests.get(server.url + "/search", params={"q": "Zeppelinfeld"}, timeout=30)
    assert r.status_code == 200 and "No claim matches" in r.text
    r = requests.get(
        server.url + "/search", params={"q": "Zeppelinfeld"}, headers={"Accept": "application/json"}, timeout=30
    )
    assert r.json() == {"q": "Zeppelinfeld", "limit": 20, "hits": []}


def test_json_results_carry_what_a_client_needs(server: LiveServer) -> None:
    r = requests.get(
        server.url + "/search", params={"q": "Schäuble"}, headers={"Accept": "application/json"}, timeout=30
    )
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    (hit,) = r.json()["hits"]
    assert hit["claim"] == ID + "claim/zweit-schaeuble-debatte"
    assert hit["speaker"] == ID + "entity/wolfgang-schaeuble" and hit["speaker_name"] == "Wolfgang Schäuble"
    assert hit["article"] == ID + "document/zweiter-bericht"
    assert hit["quote"] == "Wolfgang Schäuble nannte die Debatte überflüssig"
    assert "<mark>Schäuble</mark>" in hit["snippet"] and "<mark>" not in hit["snippet_text"]


@pytest.mark.parametrize("spelling", ["Schäuble", "Schaeuble", "Schauble", "SCHÄUBLE"])
def test_german_spellings_of_an_umlaut_find_the_same_claim(server: LiveServer, spelling: str) -> None:
    assert claims_found(server, spelling) == ["zweit-schaeuble-debatte"]


def test_diacritics_fold_both_ways(server: LiveServer) -> None:
    assert claims_found(server, "vollig unwahr") == claims_found(server, "völlig unwahr")
    assert claims_found(server, "Nien")  # Thanh Niên, the outlet's name


def test_phrases_keep_their_word_order(server: LiveServer) -> None:
    assert set(claims_found(server, '"völlig unwahr"')) >= {"peskow-fake-news", "zweit-peskow-unwahr"}
    assert claims_found(server, '"unwahr völlig"') == []


def test_a_field_limits_where_a_word_may_match(server: LiveServer) -> None:
    spoken = rows(select(server, PREFIXES + "SELECT ?c { ?c cg:speaker <" + ID + "entity/dmitri-peskow> }"))
    assert len(spoken) == 6
    assert set(claims_found(server, "speaker:Peskow")) == {r["c"].removeprefix(ID + "claim/") for r in spoken}


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_bad_search_syntax_is_a_400_with_the_reason(server: LiveServer, accept: str) -> None:
    r = requests.get(server.url + "/search", params={"q": '"völlig unwahr'}, headers={"Accept": accept}, timeout=30)
    assert r.status_code == 400
    assert "unterminated phrase" in r.text


def test_limits_apply_to_searches_as_to_queries(server: LiveServer) -> None:
    r = requests.get(server.url + "/search", params={"q": "Musk", "limit": "5000", "format": "json"}, timeout=30)
    assert r.status_code == 400 and "limit" in r.json()["error"]
    r = requests.get(server.url + "/search", params={"q": "Musk " * 200, "format": "json"}, timeout=30)
    assert r.status_code == 400 and "at most 500" in r.json()["error"]
    r = requests.get(server.url + "/search", params={"format": "json"}, timeout=30)
    assert r.status_code == 400


# -- the command line ----------------------------------------------------------------------------------


def test_claimgraph_search_prints_hits(corpus_store: Path) -> None:
    out = claimgraph("search", "--store", str(corpus_store), "--limit", "1", "Schaeuble").stdout
    assert ID + "claim/zweit-schaeuble-debatte" in out and "Wolfgang Schäuble" in out
    import json

    data = json.loads(claimgraph("search", "--store", str(corpus_store), "--json", '"völlig unwahr"').stdout)
    assert {h["claim"] for h in data["hits"]} >= {ID + "claim/peskow-fake-news", ID + "claim/zweit-peskow-unwahr"}


def test_claimgraph_search_reports_bad_syntax_and_no_hits(corpus_store: Path) -> None:
    r = claimgraph("search", "--store", str(corpus_store), "(Kreml", check=False)
    assert r.returncode == 1 and "never closed" in r.stderr
    r = claimgraph("search", "--store", str(corpus_store), "Zeppelinfeld", check=False)
    assert r.returncode == 0 and r.stdout == "" and "no claim matches" in r.stderr


def test_an_external_store_says_search_needs_the_embedded_store() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens: the refusal comes first
    r = claimgraph("search", "--store-url", url, "Starlink", check=False)
    assert r.returncode == 1 and "has no search index" in r.stderr
    query = PREFIXES + f'SELECT * WHERE {{ SERVICE {SEARCH} {{ ?c cg:matches "x" }} }}'
    r = claimgraph("query", "--store-url", url, query, check=False)
    assert r.returncode == 1 and "has no search index" in r.stderr


# -- index and store in step across writes ---------------------------------------------------------------


def _claims_nt(path: Path, n: int, word: str) -> Path:
    """``n`` claims whose quotes contain ``word`` (N-Triples in claimgraph's vocabulary)."""
    cg, oa = "https://w3id.org/claimgraph/ontology#", "http://www.w3.org/ns/oa#"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    with open(path, "w") as f:
        for i in range(n):
            c, s = f"<http://example.org/claim/{word}{i}>", f"<http://example.org/span/{word}{i}>"
            f.write(
                f"{c} <{rdf_type}> <{cg}Claim> .\n{c} <{cg}evidence> {s} .\n"
                f'{s} <{oa}exact> "Der {word} Nummer {i} wurde gesehen" .\n'
            )
    return path


@pytest.fixture()
def writable_store(corpus_store: Path, tmp_path: Path) -> Path:
    """A copy of the corpus store (Oxigraph's backup: hard links) that a test may write."""
    target = tmp_path / "copy"
    claimgraph("backup", "--store", str(corpus_store), str(target))
    assert (target / "versions" / "1" / search_index.INDEX_FILE).exists()  # the backup keeps the index
    return target


def test_a_write_indexes_its_new_claims(writable_store: Path, tmp_path: Path) -> None:
    assert claimgraph("search", "--store", str(writable_store), "Zeppelin", check=False).stdout == ""
    claimgraph(
        "load", "--store", str(writable_store), "--no-validate", str(_claims_nt(tmp_path / "z.nt", 2, "Zeppelin"))
    )
    out = claimgraph("search", "--store", str(writable_store), "Zeppelin").stdout
    assert "http://example.org/claim/Zeppelin0" in out and "http://example.org/claim/Zeppelin1" in out


def test_a_reader_pinned_to_a_version_searches_that_version(writable_store: Path, tmp_path: Path) -> None:
    store = EmbeddedStore(writable_store)
    try:
        with open_snapshot(writable_store / "oxigraph") as pinned:
            store.load(_claims_nt(tmp_path / "z.nt", 1, "Zeppelin").read_bytes(), "application/n-triples")
            assert [h.claim for h in store.search("Zeppelin")] == ["http://example.org/claim/Zeppelin0"]
            assert search_index.search(pinned.path, "Zeppelin") == []  # the old version, its old index
            assert search_index.search(pinned.path, "Schäuble")
    finally:
        store.close()


def test_a_write_killed_while_indexing_leaves_the_old_version_and_its_index(
    writable_store: Path, tmp_path: Path
) -> None:
    # 30,000 claims: their index takes ~0.7 s to write under load 15 (the test polls every 2 ms);
    # twice as many only made the load before it twice as long.
    big = _claims_nt(tmp_path / "big.nt", 30_000, "Luftschiff")
    before = claimgraph("search", "--store", str(writable_store), "--json", "Peskow").stdout
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimgraph.cli", "load", "--store", str(writable_store), "--no-validate", str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Wait until the new version's index is being written (the data is in the copy by then),
    # then kill the writer without warning.
    deadline = time.monotonic() + 120
    while not list((writable_store / "versions").glob(f".staging-*/.{search_index.INDEX_FILE}.*.tmp")):
        assert proc.poll() is None, "the load finished before its index was being written"
        assert time.monotonic() < deadline, "the load never started its index"
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # The old version is current, with its old index: none of the new claims, all of the old.
    assert claimgraph("search", "--store", str(writable_store), "Luftschiff", check=False).stdout == ""
    assert claimgraph("search", "--store", str(writable_store), "--json", "Peskow").stdout == before
    count = claimgraph(
        "query",
        "--store",
        str(writable_store),
        "--format",
        "csv",
        PREFIXES + "SELECT (COUNT(*) AS ?n) { ?c a cg:Claim }",
    ).stdout.split()
    assert count == ["n", "24"]

    # The next write clears the leftovers and indexes what it writes.
    claimgraph(
        "load", "--store", str(writable_store), "--no-validate", str(_claims_nt(tmp_path / "z.nt", 1, "Zeppelin"))
    )
    assert not list((writable_store / "versions").glob(".staging-*"))
    assert "Zeppelin0" in claimgraph("search", "--store", str(writable_store), "Zeppelin").stdout


def test_a_version_from_before_indexes_is_indexed_on_first_search(writable_store: Path) -> None:
    version = Path(os.path.realpath(writable_store / "oxigraph"))
    (version / search_index.INDEX_FILE).unlink()
    out = claimgraph("search", "--store", str(writable_store), "Schäuble").stdout
    assert "zweit-schaeuble-debatte" in out and (version / search_index.INDEX_FILE).exists()


def test_text_with_quotes_and_braces_reaches_sparql_as_one_literal(writable_store: Path, tmp_path: Path) -> None:
    # A snippet is written into the query as a value: quotes, backslashes and braces in a
    # claim's text must stay inside the literal, never end the VALUES block.
    nasty = 'Er sagte \\"nein\\" } ; DROP ALL { \\\\ Zeppelin'
    src = tmp_path / "nasty.nt"
    src.write_text(
        "<http://example.org/c> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/claimgraph/ontology#Claim> .\n"
        "<http://example.org/c> <https://w3id.org/claimgraph/ontology#evidence> <http://example.org/s> .\n"
        f'<http://example.org/s> <http://www.w3.org/ns/oa#exact> "{nasty}" .\n'
    )
    claimgraph("load", "--store", str(writable_store), "--no-validate", str(src))
    query = (
        PREFIXES
        + f'SELECT ?claim ?snippet WHERE {{ SERVICE {SEARCH} {{ ?claim cg:matches "Zeppelin" ; cg:snippet ?snippet }} }}'
    )
    store = EmbeddedStore(writable_store)
    try:
        (row,) = store.select(query)
    finally:
        store.close()
    assert row["claim"].value == "http://example.org/c"
    assert row["snippet"].value == "Er sagte &quot;nein&quot; } ; DROP ALL { \\ <mark>Zeppelin</mark>"


@pytest.mark.parametrize(
    "query",
    [
        # glued to a word: the engine reads SERVICE, the tokenizer one name; never a search block
        PREFIXES
        + 'SELECT * WHERE { FILTER(true) trueSERVICE <https://w3id.org/claimgraph/search> { ?c cg:matches "x" } }',
        # after text the tokenizer may read differently from the engine: fail closed
        PREFIXES
        + 'SELECT * WHERE { ?a ?b ?c FILTER(?a<?b#>)\n SERVICE <https://w3id.org/claimgraph/search> { ?c cg:matches "x" } }',
    ],
)
def test_the_search_exemption_fails_closed(query: str) -> None:
    with pytest.raises(QueryRejected, match="SERVICE"):
        check_query(query)


def test_a_search_block_yields_the_best_hundred_unless_it_asks_for_more(writable_store: Path, tmp_path: Path) -> None:
    claimgraph(
        "load", "--store", str(writable_store), "--no-validate", str(_claims_nt(tmp_path / "z.nt", 150, "Zeppelin"))
    )
    store = EmbeddedStore(writable_store)
    try:
        block = PREFIXES + "SELECT ?c WHERE {{ SERVICE " + SEARCH + ' {{ ?c cg:matches "Zeppelin" {} }} }}'
        assert len(store.select(block.format(""))) == 100
        assert len(store.select(block.format("; cg:limit 150"))) == 150
        assert len(store.select(block.format("; cg:limit 5000"))) == 150  # capped at 1000, 150 exist
    finally:
        store.close()
