"""The walking skeleton end to end: seed file -> build -> on-disk store -> HTTP endpoint."""

from __future__ import annotations

import hashlib

import requests
from rdflib import Graph
from SPARQLWrapper import JSON, SPARQLWrapper

from conftest import ROOT, claimgraph

SEED = ROOT / "seeds" / "000_dade6e3c090f456c.txt"
CG = "https://w3id.org/claimgraph/ontology#"


def test_seed_is_byte_identical_to_the_shared_original() -> None:
    # The hash of ../shared/seeds/000_dade6e3c090f456c.txt; offsets depend on every byte.
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == (
        "ff0b058d9dfe722b3e6d4252d024e3b1074d8350f53f80f41f60f9ea9ce021ea"
    )


def test_ask_over_http(server) -> None:
    r = requests.get(server.sparql, params={"query": "ASK {}"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/sparql-results+json")
    assert r.json()["boolean"] is True


def test_select_claims_with_sparqlwrapper(server) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(f"SELECT ?claim ?speaker WHERE {{ ?claim <{CG}speaker> ?speaker }}")
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    speakers = {row["speaker"]["value"].rsplit("/", 1)[-1] for row in rows}
    assert {"dmitri-peskow", "kreml", "wall-street-journal"} <= speakers


def test_construct_returns_turtle(server) -> None:
    q = f"CONSTRUCT {{ ?c <{CG}stance> ?s }} WHERE {{ ?c <{CG}stance> ?s }}"
    r = requests.post(server.sparql, data={"query": q}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    assert len(g) >= 3


def test_claimed_propositions_never_leak_into_the_default_graph(server) -> None:
    # The proposition "Musk is in contact with Putin" is claimed, not asserted.
    q = "ASK { ?s <https://w3id.org/claimgraph/ontology#inContactWith> ?o }"
    assert requests.get(server.sparql, params={"query": q}).json()["boolean"] is False
    q = "ASK { GRAPH ?g { ?s <https://w3id.org/claimgraph/ontology#inContactWith> ?o } }"
    assert requests.get(server.sparql, params={"query": q}).json()["boolean"] is True


def test_syntax_error_is_a_400_with_the_parser_message(server) -> None:
    r = requests.get(server.sparql, params={"query": "SELECT * WHERE {"})
    assert r.status_code == 400
    assert "error at 1:" in r.text


def test_health(server) -> None:
    r = requests.get(server.url + "/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_cli_query_and_dump(seed_store) -> None:
    out = claimgraph("query", "--store", str(seed_store), "ASK { ?s ?p ?o }", "--format", "json")
    assert '"boolean":true' in out.stdout.replace(" ", "")
    dump = claimgraph("dump", "--store", str(seed_store), "--format", "nquads")
    assert "peskow-fake-news" in dump.stdout


def test_cli_user_mistakes_are_one_line_errors(seed_store) -> None:
    bad = claimgraph("query", "--store", str(seed_store), "SELECT * {", check=False)
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr
    assert bad.stderr.startswith("Error: ")
