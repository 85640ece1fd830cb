"""The guard's tokenizer: what counts as nesting, operators and keywords, and what does not."""

from __future__ import annotations

import pytest

from claimgraph.graph.store.base import QueryRejected
from claimgraph.graph.store.sparqltext.guard import Limits, check_query, check_update, shape, uses_dataset_clause


def test_nesting_depth_counts_brackets_outside_strings_iris_and_comments() -> None:
    assert shape("SELECT * { { ?s ?p ?o } }").depth == 2
    assert shape('SELECT * { ?s ?p "{{{{((((" } # {{{{{{{\n').depth == 1
    assert shape("SELECT * { ?s ?p '''{{{\n(((''' }").depth == 1
    assert shape("SELECT * { FILTER((((1)))) }").depth == 5


def test_keywords_are_found_in_any_case_but_not_in_names_strings_or_iris() -> None:
    assert "SERVICE" in shape("select * { service <http://x/> { } }").keywords
    assert "SERVICE" in shape("SELECT * {?a ?b ?c SERVICE<http://x/>{}}").keywords
    for harmless in (
        'SELECT ("SERVICE" AS ?x) {}',
        "SELECT * { ?s <http://e/SERVICE> ?o }",
        "SELECT ?service { ?service ex:SERVICE ?o }",
        "SELECT * { ?s ?p ?o } # SERVICE <http://127.0.0.1/>",
    ):
        assert "SERVICE" not in shape(harmless).keywords, harmless


def test_service_is_refused_unless_allowed() -> None:
    q = "SELECT * { SERVICE SILENT <http://127.0.0.1:8080/> { ?s ?p ?o } }"
    with pytest.raises(QueryRejected, match="SERVICE"):
        check_query(q)
    check_query(q, allow_service=True)


def test_updates_refuse_load_and_service_unless_allowed() -> None:
    with pytest.raises(QueryRejected, match="LOAD"):
        check_update("LOAD <file:///etc/passwd> INTO GRAPH <http://e/g>")
    with pytest.raises(QueryRejected, match="SERVICE"):
        check_update("INSERT { ?s ?p ?o } WHERE { SERVICE <http://10.0.0.1/> { ?s ?p ?o } }")
    check_update("LOAD <http://e/data.ttl>", allow_load=True)
    check_update('INSERT DATA { <http://e/s> <http://e/p> "LOAD" }')


def test_depth_and_operator_limits() -> None:
    with pytest.raises(QueryRejected, match="5000 levels deep"):
        check_query("SELECT * WHERE " + "{" * 5000 + "}" * 5000)
    with pytest.raises(QueryRejected, match="operators"):
        check_query("SELECT (" + "+".join(["1"] * 5000) + " AS ?x) {}")
    with pytest.raises(QueryRejected):
        check_update("INSERT DATA { " + "[" * 5000 + "]" * 5000 + " }")
    check_query("SELECT * WHERE " + "{" * 50 + "}" * 50)
    check_query("SELECT * WHERE " + "{" * 5000 + "}" * 5000, limits=Limits(max_depth=10_000))


def test_long_flat_queries_are_fine() -> None:
    values = " ".join(f"<http://e/{i}>" for i in range(20_000))
    check_query(f"SELECT * WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?o }}")


def test_dataset_clauses_in_updates() -> None:
    assert uses_dataset_clause("WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert uses_dataset_clause("DELETE { ?s ?p ?o } USING NAMED <http://e/g> WHERE { ?s ?p ?o }")
    assert not uses_dataset_clause('INSERT DATA { <http://e/with> <http://e/p> "USING" }')


def test_the_tokenizer_survives_garbage() -> None:
    for text in ("'unterminated", '"""never closed', "<<<>>>", "\x00\x01{", "}}}}((", "#", ""):
        shape(text)


def test_the_character_count_shortcut_never_lets_through_what_the_tokenizer_refuses() -> None:
    """check_query skips the tokenizer when raw character counts prove a query small; those
    counts must bound the token counts from above, for any text."""
    import random

    from claimgraph.graph.store.sparqltext.guard import _surely_small

    limits = Limits(max_depth=6, max_operators=8)
    pieces = [
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "+",
        "-",
        "&&",
        "||",
        "!=",
        "<=",
        "<http://e/a>",
        "'{('",
        '"[+"',
        "# {{{\n",
        " UNION ",
        " union ",
        " OPTIONAL ",
        " MINUS ",
        " SERVICE ",
        " service ",
        "?x",
        " ex:p ",
        " 1.5 ",
        "@de",
        " ſervice ",
    ]
    rnd = random.Random(7)
    checked = 0
    for _ in range(20_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 14)))
        if not _surely_small(text, limits):
            continue
        checked += 1
        s = shape(text)
        assert s.depth <= limits.max_depth and s.operators <= limits.max_operators, text
        assert "SERVICE" not in s.keywords, text
    assert checked > 1000  # the shortcut does take most small queries


def test_the_shortcut_still_refuses_through_the_tokenizer() -> None:
    with pytest.raises(QueryRejected, match="SERVICE"):
        check_query("SELECT * { ?s ?p ?o SERVICE <http://10.0.0.1/> { } }")
    check_query('SELECT * { ?s ?p "SERVICE" }')  # the word in a string: tokenized, then accepted
