"""The light SPARQL lexer the remote backend relies on: form, dataset clauses, value binding."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from claimgraph.graph.store import QueryForm, QueryRejected
from claimgraph.graph.store.sparqltext.lexer import bind_values, graph_names, names_dataset, query_form


@pytest.mark.parametrize(
    "text, form",
    [
        ("SELECT * WHERE { ?s ?p ?o }", QueryForm.SOLUTIONS),
        ("  # a comment with ASK in it\nPREFIX ask: <http://x/ASK#>\nBASE <http://b/>\nask { }", QueryForm.BOOLEAN),
        ("PREFIX : <http://x/> CONSTRUCT WHERE { ?s :p ?o }", QueryForm.GRAPH),
        ("DESCRIBE <http://x/a>", QueryForm.GRAPH),
        ("prefix select: <http://s/> select ?x {}", QueryForm.SOLUTIONS),
        ("INSERT DATA { <a> <b> <c> }", None),
        ("", None),
        ("SELEKT * {}", None),
    ],
)
def test_query_form(text: str, form: QueryForm | None) -> None:
    assert query_form(text) is form


def test_names_dataset_ignores_strings_iris_and_nested_groups() -> None:
    assert names_dataset("SELECT * FROM <http://g> WHERE { ?s ?p ?o }")
    assert names_dataset("DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }")
    assert names_dataset("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert not names_dataset('SELECT * WHERE { ?s ?p "FROM <x>" }')
    assert not names_dataset("SELECT * WHERE { ?s <http://x/FROM> ?o } # FROM <http://g>")


def test_bind_values_opens_the_where_group_and_results_match_substitution() -> None:
    store = ox.Store()
    store.extend(
        [
            ox.Quad(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p"), ox.Literal("1")),
            ox.Quad(ox.NamedNode("http://x/b"), ox.NamedNode("http://x/p"), ox.Literal("2")),
        ]
    )
    queries = [
        "SELECT ?s ?o WHERE { ?s <http://x/p> ?o }",
        "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s <http://x/p> ?o } GROUP BY ?s",
        "PREFIX x: <http://x/> CONSTRUCT { ?s x:q ?o } WHERE { ?s x:p ?o FILTER(?s != <http://x/c>) }",
        'SELECT ?s ?o WHERE { ?s <http://x/p> ?o FILTER(?o != "}") }  # }',
    ]
    bound = {"s": ox.NamedNode("http://x/a")}
    for query in queries:
        expected = store.query(query, substitutions={ox.Variable("s"): bound["s"]})
        got = store.query(bind_values(query, bound))
        if isinstance(expected, ox.QueryTriples):
            assert set(got) == set(expected)
        else:
            assert [list(map(str, sol)) for sol in got] == [list(map(str, sol)) for sol in expected], query


def test_bound_literals_are_written_by_pyoxigraph_not_pasted() -> None:
    hostile = ox.Literal('x" } ; DROP ALL ; SELECT * { "')
    text = bind_values("SELECT ?v WHERE { ?s ?p ?v }", {"v": hostile})
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), hostile))
    assert [sol["v"] for sol in store.query(text)] == [hostile]


def test_bind_values_refuses_blank_nodes_and_queries_without_where() -> None:
    with pytest.raises(QueryRejected):
        bind_values("SELECT * { ?s ?p ?o }", {"s": ox.BlankNode()})
    with pytest.raises(QueryRejected):
        bind_values("DESCRIBE <http://x/a>", {"s": ox.NamedNode("http://x/a")})


def test_graph_names() -> None:
    assert graph_names("PREFIX g: <http://x/> SELECT * { GRAPH g:a { ?s ?p ?o } GRAPH <http://y> {} }") == (
        ["http://x/a", "http://y"],
        False,
    )
    assert graph_names('SELECT * { GRAPH ?g { ?s ?p "GRAPH <no>" } }') == ([], True)


def test_bound_values_reach_sub_selects_before_their_limit() -> None:
    store = ox.Store()
    p = ox.NamedNode("http://x/p")
    store.extend([ox.Quad(ox.NamedNode(f"http://x/s{i}"), p, ox.NamedNode(f"http://x/o{i}")) for i in range(50)])
    query = "SELECT ?r ?s WHERE { { SELECT ?r ?s WHERE { ?s <http://x/p> ?r } LIMIT 1 } UNION { SELECT * { ?s <http://x/p> ?r } LIMIT 1 } }"
    for i in (0, 25, 49):
        bound = {"r": ox.NamedNode(f"http://x/o{i}")}
        expected = [list(map(str, s)) for s in store.query(query, substitutions={ox.Variable("r"): bound["r"]})]
        got = [list(map(str, s)) for s in store.query(bind_values(query, bound))]
        assert got == expected and len(got) == 2
    # A sub-select that does not project the variable keeps its own, unbound one.
    scoped = "SELECT ?r ?n WHERE { ?s <http://x/p> ?r { SELECT (COUNT(*) AS ?n) WHERE { ?x <http://x/p> ?r } } }"
    bound = {"r": ox.NamedNode("http://x/o3")}
    expected = [list(map(str, s)) for s in store.query(scoped, substitutions={ox.Variable("r"): bound["r"]})]
    assert [list(map(str, s)) for s in store.query(bind_values(scoped, bound))] == expected
