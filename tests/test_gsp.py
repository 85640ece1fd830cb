"""Graph Store Protocol at /store beyond the W3C manifests: formats, refusals, limits, dumps.

One real gunicorn server with updates enabled; each test works on graphs of its own. The bad
paths check that nothing changed with a byte-identical dump before and after.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from claimgraph.graph.store import EmbeddedStore
from conftest import UPDATE_TOKEN, start_server, stop_server

AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
FOAF = "http://xmlns.com/foaf/0.1/"
CG = "https://w3id.org/claimgraph/ontology#"
TTL = f"""@prefix foaf: <{FOAF}> .
<http://example.org/alice> a foaf:Person ; foaf:name "Alice" ; foaf:knows [ foaf:name "Bob" ] .
"""


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory):
    store_dir = tmp_path_factory.mktemp("gsp") / "store"
    EmbeddedStore(store_dir)  # an empty store to serve
    server = start_server(
        store_dir,
        "--update-token",
        UPDATE_TOKEN,
        "--workers",
        "2",
        env={"CLAIMGRAPH_MAX_UPLOAD_BYTES": str(256 * 1024)},
    )
    yield server
    stop_server(server)


def graph_iri() -> str:
    return f"http://example.org/graphs/{uuid.uuid4().hex}"


def store_url(srv, graph: str | None = None) -> str:
    return srv.url + "/store"


def put(srv, graph: str, body: bytes | str, ctype: str = "text/turtle", headers: dict | None = None):
    return requests.put(
        srv.url + "/store",
        params={"graph": graph},
        data=body,
        headers={"Content-Type": ctype, **AUTH, **(headers or {})},
        timeout=30,
    )


def get(srv, graph: str, accept: str = "text/turtle"):
    return requests.get(srv.url + "/store", params={"graph": graph}, headers={"Accept": accept}, timeout=30)


def dump(srv) -> bytes:
    r = requests.get(srv.url + "/dump", timeout=30)
    assert r.status_code == 200
    return r.content


def update(srv, text: str, **params: str) -> requests.Response:
    """A SPARQL Update with the token, and the protocol's parameters (using-graph-uri=...)."""
    return requests.post(
        srv.sparql,
        params={k.replace("_", "-"): v for k, v in params.items()},
        data=text,
        headers={"Content-Type": "application/sparql-update", **AUTH},
    )


def expected_graph() -> Graph:
    return Graph().parse(data=TTL, format="turtle")


@pytest.mark.parametrize(
    "fmt, ctype",
    [
        ("turtle", "text/turtle"),
        ("nt", "application/n-triples"),
        ("xml", "application/rdf+xml"),
        ("json-ld", "application/ld+json"),
        ("n3", "text/n3"),
    ],
)
def test_every_rdf_format_uploads_and_reads_back(srv, fmt: str, ctype: str) -> None:
    g = graph_iri()
    body = expected_graph().serialize(format=fmt)
    assert put(srv, g, body, ctype).status_code == 201
    for accept, parser in [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ]:
        r = get(srv, g, accept)
        assert r.status_code == 200
        assert r.headers["Content-Type"].split(";")[0] == accept
        assert isomorphic(Graph().parse(data=r.content, format=parser), expected_graph()), accept


def test_relative_iris_resolve_against_the_graph_iri(srv) -> None:
    g = "http://example.org/docs/folder/graph"
    assert put(srv, g, "<item> <#p> <../other> .").status_code == 201
    got = Graph().parse(data=get(srv, g, "application/n-triples").content, format="nt")
    assert (
        URIRef("http://example.org/docs/folder/item"),
        URIRef(g + "#p"),
        URIRef("http://example.org/docs/other"),
    ) in got


def test_blank_nodes_of_two_posts_stay_apart(srv) -> None:
    g = graph_iri()
    body = '_:x <http://example.org/p> "one" .'
    assert (
        requests.post(
            srv.url + "/store", params={"graph": g}, data=body, headers={"Content-Type": "text/turtle", **AUTH}
        ).status_code
        == 201
    )
    body = '_:x <http://example.org/p> "two" .'
    assert (
        requests.post(
            srv.url + "/store", params={"graph": g}, data=body, headers={"Content-Type": "text/turtle", **AUTH}
        ).status_code
        == 204
    )
    got = Graph().parse(data=get(srv, g, "application/n-triples").content, format="nt")
    assert len(set(got.subjects())) == 2


def test_post_to_the_store_creates_a_graph_at_its_location(srv) -> None:
    r = requests.post(srv.url + "/store", data=TTL, headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code == 201
    location = r.headers["Location"]
    assert location.startswith(srv.url + "/store/")
    direct = requests.get(location, headers={"Accept": "text/turtle"})
    assert direct.status_code == 200
    assert isomorphic(Graph().parse(data=direct.content, format="turtle"), expected_graph())
    assert get(srv, location).status_code == 200


def test_missing_graphs_are_404_for_get_head_delete(srv) -> None:
    g = graph_iri()
    assert get(srv, g).status_code == 404
    assert requests.head(srv.url + "/store", params={"graph": g}).status_code == 404
    assert requests.head(srv.url + "/store/nothing/here.ttl").status_code == 404
    assert requests.delete(srv.url + "/store", params={"graph": g}, headers=AUTH).status_code == 404


def test_delete_removes_the_graph(srv) -> None:
    g = graph_iri()
    assert put(srv, g, TTL).status_code == 201
    assert requests.delete(srv.url + "/store", params={"graph": g}, headers=AUTH).status_code == 204
    assert get(srv, g).status_code == 404


def test_bad_requests_get_clear_status_codes(srv) -> None:
    g = graph_iri()
    assert put(srv, g, TTL).status_code == 201
    # both ?graph and ?default
    assert requests.get(srv.url + "/store?default&graph=" + g).status_code == 400
    # a relative graph IRI
    assert requests.get(srv.url + "/store", params={"graph": "not-absolute"}).status_code == 400
    # nothing offered fits
    r = get(srv, g, "application/sparql-results+json")
    assert r.status_code == 406 and "text/turtle" in r.text
    # a body type nobody parses
    r = put(srv, g, "a,b,c", "text/csv")
    assert r.status_code == 415 and "text/turtle" in r.text
    # named graphs in a one-graph upload
    r = put(srv, g, "<http://a> <http://b> <http://c> <http://g> .", "application/n-quads")
    assert r.status_code == 400


def test_malformed_turtle_is_a_400_with_line_and_changes_nothing(srv) -> None:
    g = graph_iri()
    assert put(srv, g, TTL).status_code == 201
    before = dump(srv)
    lines = [f"<http://example.org/s{i}> <http://example.org/p> {i} ." for i in range(2000)]
    lines.append('<http://example.org/broken> <http://example.org/p> "no end .')
    for method in ("PUT", "POST"):
        r = requests.request(
            method,
            srv.url + "/store",
            params={"graph": g},
            data="\n".join(lines),
            headers={"Content-Type": "text/turtle", **AUTH},
        )
        assert r.status_code == 400
        assert "line 2001" in r.text, r.text
    assert dump(srv) == before


def test_shape_violation_is_a_400_with_the_shape_message_and_changes_nothing(srv) -> None:
    before = dump(srv)
    claim = f"""@prefix cg: <{CG}> .
<http://example.org/claims/1> a cg:Claim ; cg:speaker <http://example.org/people/x> ."""
    r = put(srv, graph_iri(), claim)
    assert r.status_code == 400
    assert "a claim needs exactly one stance (cg:stance)" in r.text
    r = requests.post(srv.url + "/store?default", data=claim, headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code == 400
    assert dump(srv) == before


def test_uploads_over_the_size_limit_are_413_and_change_nothing(srv) -> None:
    before = dump(srv)
    big = "\n".join(f'<http://example.org/s{i}> <http://example.org/p> "{"x" * 100}" .' for i in range(3000))
    assert len(big) > 256 * 1024
    r = put(srv, graph_iri(), big)
    assert r.status_code == 413
    assert dump(srv) == before


def test_whole_dataset_as_nquads_and_trig(srv) -> None:
    g = graph_iri()
    assert put(srv, g, TTL).status_code == 201
    r = requests.get(srv.url + "/store", headers={"Accept": "application/n-quads"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/n-quads"
    ds = Dataset()
    ds.parse(data=r.content, format="nquads")
    assert isomorphic(ds.graph(URIRef(g)), expected_graph())
    r = requests.get(srv.url + "/store", headers={"Accept": "application/trig"})
    assert r.status_code == 200
    trig = Dataset()
    trig.parse(data=r.content, format="trig")
    assert isomorphic(trig.graph(URIRef(g)), expected_graph())
    assert requests.get(srv.url + "/store", headers={"Accept": "text/turtle"}).status_code == 406


def test_dump_endpoint_streams_the_dataset_as_an_attachment(srv) -> None:
    g = graph_iri()
    assert put(srv, g, TTL).status_code == 201
    r = requests.get(srv.url + "/dump", params={"format": "trig"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/trig"
    assert "attachment" in r.headers["Content-Disposition"]
    ds = Dataset()
    ds.parse(data=r.content, format="trig")
    assert isomorphic(ds.graph(URIRef(g)), expected_graph())
    assert requests.get(srv.url + "/dump", params={"format": "csv"}).status_code == 400


def test_default_graph_put_get_and_post_of_quads(srv) -> None:
    assert (
        requests.put(srv.url + "/store?default", data=TTL, headers={"Content-Type": "text/turtle", **AUTH}).status_code
        == 204
    )
    r = requests.get(srv.url + "/store?default", headers={"Accept": "text/turtle"})
    assert isomorphic(Graph().parse(data=r.content, format="turtle"), expected_graph())
    g = graph_iri()
    quads = f'<http://example.org/q> <http://example.org/p> "in a graph" <{g}> .'
    r = requests.post(srv.url + "/store", data=quads, headers={"Content-Type": "application/n-quads", **AUTH})
    assert r.status_code == 204
    assert get(srv, g).status_code == 200


def test_update_with_using_graph_uri(srv) -> None:
    src, dst = graph_iri(), graph_iri()
    assert put(srv, src, "<http://example.org/doc> a <http://example.org/Doc> .").status_code == 201
    text = (
        f"INSERT {{ GRAPH <{dst}> {{ ?s a <http://example.org/Copied> }} }} WHERE {{ ?s a <http://example.org/Doc> }}"
    )
    r = update(srv, text, using_graph_uri=src)
    assert r.status_code == 204, r.text
    got = Graph().parse(data=get(srv, dst, "application/n-triples").content, format="nt")
    assert len(got) == 1
    # DELETE WHERE honours the protocol's dataset too
    r = update(srv, f"DELETE WHERE {{ GRAPH <{dst}> {{ ?s ?p ?o }} }}", using_named_graph_uri=dst)
    assert r.status_code == 204, r.text
    assert get(srv, dst).status_code in (200, 404)
    q = f"ASK {{ GRAPH <{dst}> {{ ?s ?p ?o }} }}"
    assert requests.get(srv.sparql, params={"query": q}).json()["boolean"] is False


@pytest.mark.parametrize(
    "text",
    [
        # the engine reads DELETEWHERE as DELETE WHERE: a tokenizer sees one word and no WHERE
        "DELETEWHERE { ?s ?p ?o }",
        # inside an expression <'x>{' is a comparison with a string to the engine, an IRI to a
        # tokenizer, which then misses the second operation's WHERE
        "INSERT { <http://example.org/a> <http://example.org/b> 1 } WHERE { FILTER(1<'x>{') } ;"
        " DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        # a WITH glued to its IRI's prefix would be a dataset clause the protocol forbids here
        "WITHex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_update_with_using_graph_uri_refuses_what_it_cannot_place(srv, text: str) -> None:
    """A USING clause in the wrong place would run the update against the whole store."""
    src = graph_iri()
    assert put(srv, src, "<http://example.org/doc> a <http://example.org/Doc> .").status_code == 201
    before = dump(srv)
    r = update(srv, text, using_graph_uri=src)
    assert r.status_code == 400, r.text
    assert "using-graph-uri" in r.text
    assert dump(srv) == before


def test_update_load_is_refused(srv) -> None:
    before = dump(srv)
    r = update(srv, f"LOAD <{srv.url}/dump>")
    assert r.status_code == 400 and "LOAD" in r.text
    assert dump(srv) == before


def test_json_ld_dataset_with_named_graph_via_store_post(srv) -> None:
    g = graph_iri()
    doc = {"@id": g, "@graph": [{"@id": "http://example.org/j", "http://example.org/p": "v"}]}
    r = requests.post(srv.url + "/store", data=json.dumps(doc), headers={"Content-Type": "application/ld+json", **AUTH})
    assert r.status_code == 204
    assert get(srv, g).status_code == 200


def test_json_ld_without_graphs_posted_to_the_store_makes_a_new_graph(srv) -> None:
    doc = {"@id": "http://example.org/j2", "http://example.org/p": "v"}
    r = requests.post(srv.url + "/store", data=json.dumps(doc), headers={"Content-Type": "application/ld+json", **AUTH})
    assert r.status_code == 201
    got = Graph().parse(
        data=requests.get(r.headers["Location"], headers={"Accept": "application/n-triples"}).content, format="nt"
    )
    assert len(got) == 1
