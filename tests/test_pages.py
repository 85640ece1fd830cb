"""The HTML pages on the real application and store: what an auditor and a researcher see,
that every query a page runs is a shipped .rq file with the IRI bound as a value, and that
a span whose offsets do not match the file is shown as a mismatch, not hidden."""

from __future__ import annotations

import re
import shutil
from html import unescape
from urllib.parse import quote

import pytest
from claimgraph.server.pages.queries import load, names
from claimgraph.graph.store import EmbeddedStore, UpdateRequest

from pages_helpers import (
    BASE,
    DOCUMENT,
    ENTITY,
    FILE,
    PESKOW,
    PESKOW_CLAIM,
    PESKOW_QUOTE,
    PROPOSITION,
    SEED_SHA256,
    app_on,
    count_claims,
)


@pytest.fixture(scope="module")
def client(seed_store):
    with app_on(seed_store) as app:
        yield app.test_client()


def _html(client, path: str) -> str:
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200, (path, r.status_code)
    assert r.mimetype == "text/html"
    return r.get_data(as_text=True)


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_index_says_what_the_dataset_holds_and_where_to_go(client, seed_store) -> None:
    page = _html(client, "/")
    assert re.search(rf"<strong>{count_claims(seed_store)}</strong> claims", page)
    assert len(re.findall(r'class="claim-link" href="/id/claim/', page)) == count_claims(seed_store)
    for href in (
        "/query",
        "/ontology",
        "/dump",
        "/.well-known/void",
        "/sparql",
        f"/id/{DOCUMENT}",
        f"/id/{PESKOW_CLAIM}",
        f"/id/{PESKOW}",
    ):
        assert f'href="{href}"' in page, href
    assert page.count("<h1>") == 1 and '<html lang="en">' in page and 'name="viewport"' in page
    named = page.split('id="entities-h"')[1].split("</section>")[0]
    assert f'href="/id/{ENTITY}">Elon Musk</a>' in named


def test_claim_page_shows_the_words_inside_their_paragraph(client) -> None:
    page = _html(client, f"/doc/{PESKOW_CLAIM}.html")
    marks = re.findall(r'<mark class="quote"[^>]*>(.*?)</mark>', page, re.S)
    assert [unescape(m) for m in marks] == [PESKOW_QUOTE]
    paragraph = re.search(r"<p>(.*?<mark.*?)</p>", page, re.S).group(1)
    assert "zitierte Reuters Kreml-Sprecher Dmitri Peskow" in _text(paragraph)
    assert "✓ Characters 1910–2027" in page and SEED_SHA256 in page


def test_claim_page_says_who_how_and_when(client) -> None:
    page = _html(client, f"/doc/{PESKOW_CLAIM}.html")
    facts = _text(page.split('id="who-h"')[1].split("</section>")[0])
    assert "Dmitry Peskov, Kremlin spokesman" in facts
    assert "denies" in facts
    assert "direct speech (not the speaker's own words: at least 2 translation(s) away)" in facts
    assert "Elon Musk and Vladimir Putin are in contact." in facts  # the proposition, by its label
    assert "Kremlin spokesman Dmitry Peskov, quoted by Reuters, called the report completely untrue." in page
    assert "not Peskov's words" in _text(page)  # the annotation's note on the quotation


def test_claim_page_lists_the_relations_the_annotation_states(client) -> None:
    related = _text(_html(client, f"/doc/{PESKOW_CLAIM}.html").split('id="related-h"')[1].split("</section>")[0])
    assert "This claim contradicts US intelligence sources (asserts)" in related
    assert "This claim denies claim The Wall Street Journal (asserts)" in related
    assert "This claim supports Kremlin" in related


def test_claim_page_draws_the_chain_from_speaker_to_build_run(client) -> None:
    page = _html(client, f"/doc/{PESKOW_CLAIM}.html")
    svg = re.search(r'<svg class="chain".*?</svg>', page, re.S).group(0)
    kinds = re.findall(r'<text x="24" y="\d+" font-size="12" fill="#445">(.*?)</text>', svg)
    assert kinds == ["SPEAKER", "REPORTED BY", "OUTLET", "TRANSLATION", "THIS FILE", "BUILD RUN"]
    labels = re.findall(r'font-weight="bold" fill="#112">(.*?)</text>', svg)
    assert labels[:3] == ["Dmitry Peskov", "Reuters", "Thanh Niên"] and labels[4] == "000_dade6e3c090f456c.txt"
    for href in (
        f"/id/{PESKOW}",
        "/id/entity/reuters",
        "/id/entity/thanh-nien",
        f"/id/{DOCUMENT}",
        f"/id/{FILE}",
        "/id/run/",
    ):
        assert f'href="{href}' in svg, href
    assert 'role="img"' in svg and "<title" in svg


def test_claim_page_links_every_format_and_the_provenance_exports(client) -> None:
    page = _html(client, f"/doc/{PESKOW_CLAIM}.html")
    for ext in ("html", "ttl", "jsonld", "nt", "rdf", "trig", "nq"):
        assert f'href="/doc/{PESKOW_CLAIM}.{ext}"' in page
    for ext in ("ttl", "jsonld", "provn", "json"):
        assert f'href="/prov/{PESKOW_CLAIM}.{ext}"' in page


@pytest.mark.parametrize("resource", [DOCUMENT, FILE])
def test_article_page_marks_and_links_every_claim(client, seed_store, resource: str) -> None:
    page = _html(client, f"/doc/{resource}.html")
    marked = set(re.findall(r'<mark class="quote depth-\d"><a href="(/id/claim/[^"]+)"', page))
    numbered = set(re.findall(r'<a class="marker" href="(/id/claim/[^"]+)"', page))
    assert len(numbered) == count_claims(seed_store)  # every claim of the seed is grounded in this file
    assert marked <= numbered and f"/id/{PESKOW_CLAIM}" in marked
    assert SEED_SHA256 in page and "✓ matches the text shown" in page
    text = _text(page)
    assert "page chrome: Kommentar (0)" in text and "image caption: Der amerikanische Milliardär" in text


def test_speaker_and_entity_pages(client) -> None:
    speaker = _html(client, f"/doc/{PESKOW}.html")
    assert "<h1>Dmitry Peskov</h1>" in speaker
    said = speaker.split('id="said-h"')[1].split("</section>")[0]
    assert f'href="/id/{PESKOW_CLAIM}"' in said and said.count("/id/claim/") >= 4
    entity = _html(client, f"/doc/{ENTITY}.html")
    about = entity.split('id="about-h"')[1].split("</section>")[0]
    for claim in ("wsj-musk-putin-kontakt", "kreml-bestreitet-kontakt", "peskow-fake-news"):
        assert f'href="/id/claim/{claim}"' in about  # the report and the denials are about Musk
    assert 'href="http://www.wikidata.org/entity/Q317521"' in entity
    named = _text(entity.split('id="mentions-h"')[1].split("</section>")[0])
    assert "Elon Musk (characters 85–94 of 000_dade6e3c090f456c.txt)" in named
    reuters = _html(client, "/doc/entity/reuters.html")
    assert f'href="/id/{PESKOW_CLAIM}"' in reuters.split('id="relayed-h"')[1].split("</section>")[0]


def test_span_page_shows_the_words_in_context(client) -> None:
    page = _html(client, "/doc/span/peskow-fake-news.html")
    assert [unescape(m) for m in re.findall(r'<mark class="quote">(.*?)</mark>', page, re.S)] == [PESKOW_QUOTE]
    assert "✓ Characters 1910–2027" in page


def test_proposition_page_says_claimed_not_asserted(client) -> None:
    page = _html(client, f"/doc/{PROPOSITION}.html")
    assert "What is claimed" in page and "does not assert them" in page
    assert 'href="/id/entity/elon-musk"' in page


def test_page_queries_are_shipped_files_with_bound_values(seed_store) -> None:
    """Every query a page runs is the exact text of a graph/queries file; the IRI (hostile
    characters included) reaches the store only as a bound value."""
    from claimgraph.graph.build import queries as audit_queries

    shipped = {load(n) for n in names()} | {audit_queries.load(n) for n in audit_queries.names()}
    hostile = 'claim/x> ?p ?o } UNION { ?s ?p ?o . "{'
    with app_on(seed_store) as app:
        store = app.extensions["claimgraph.store"]
        seen = []
        real_prepare = store.prepare

        def recording_prepare(request):
            seen.append(request)
            return real_prepare(request)

        store.prepare = recording_prepare
        c = app.test_client()
        for path in (
            f"/doc/{PESKOW_CLAIM}.html",
            f"/doc/{DOCUMENT}.html",
            f"/doc/{PESKOW}.ttl",
            f"/doc/{ENTITY}.html",
            f"/prov/{PESKOW_CLAIM}.provn",
            "/",
            "/id/" + quote(hostile),
        ):
            assert c.get(path).status_code in (200, 404)
        assert c.get("/id/" + quote(hostile)).status_code == 404
    assert seen
    for request in seen:
        assert request.query in shipped, request.query[:200]
        for value in request.substitutions.values():
            assert value.value not in request.query
    bound = [v.value for r in seen for v in r.substitutions.values()]
    assert any("%3E%20%3Fp%20%3Fo%20%7D" in v for v in bound)  # percent-encoded, bound, not pasted


@pytest.mark.parametrize("name", names())
def test_every_query_file_parses_and_projects_its_bound_variable(name: str) -> None:
    import pyoxigraph as ox

    text = load(name)
    bindings = {ox.Variable("r"): ox.NamedNode(BASE + "id/x")} if "?r" in text else {}
    ox.Store().query(text, substitutions=bindings)  # raises if ?r is not projected


@pytest.fixture()
def tampered_store(seed_store, tmp_path):
    """A private copy of the seed graph with one span moved off its words and a hostile label."""
    store_dir = tmp_path / "store"
    shutil.copytree(seed_store, store_dir)  # nobody writes the seed store: its files are a consistent copy
    store = EmbeddedStore(store_dir)
    store.update(
        UpdateRequest(
            update=f"""
        PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        DELETE {{ ?span oa:start ?s }} INSERT {{ ?span oa:start 1911 }}
        WHERE {{ BIND(<{BASE}id/span/peskow-fake-news> AS ?span) ?span oa:start ?s }};
        DELETE {{ ?sp rdfs:label ?l }} INSERT {{ ?sp rdfs:label "<script>alert(1)</script> Peskow" }}
        WHERE {{ BIND(<{BASE}id/{PESKOW}> AS ?sp) ?sp rdfs:label ?l }}
    """
        )
    )
    store.close()
    return store_dir


def test_offsets_that_do_not_match_the_file_are_flagged(tampered_store) -> None:
    with app_on(tampered_store) as app:
        c = app.test_client()
        claim = _html(c, f"/doc/{PESKOW_CLAIM}.html")
        article = _html(c, f"/doc/{DOCUMENT}.html")
    assert "✗ Mismatch" in claim and "✓ Characters" not in claim
    assert "1 claim span(s) do not match" in article
    assert "<script>alert(1)</script>" not in claim and "&lt;script&gt;alert(1)&lt;/script&gt; Peskow" in claim


def test_query_page_lists_examples_and_works_without_javascript(client) -> None:
    page = _html(client, "/query")
    examples = re.findall(r'<a class="example" href="([^"]+)"', page)
    assert examples and all(e.startswith("/query?query=") for e in examples)
    assert 'for="query-text"' in page and "yasgui.min.js" in page
    # the form's own submission runs on the server and renders a table with local links
    first = unescape(examples[0]).split("#")[0]
    result = _html(client, first)
    assert '<table class="results">' in result
    assert 'href="/id/claim/' in result


def test_query_page_other_forms_and_errors(client) -> None:
    ask = _html(client, "/query?" + "query=" + quote("ASK { ?s ?p ?o }"))
    assert "true (yes)" in ask
    construct = _html(client, "/query?query=" + quote("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2"))
    assert "<pre><code>" in construct
    bad = client.get("/query?query=" + quote("SELECT * WHERE {"))
    assert bad.status_code == 400 and 'role="alert"' in bad.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, message",
    [
        (
            "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
            "SERVICE (federated queries) is disabled",
        ),
        ("SELECT * WHERE " + "{ " * 400 + "?s ?p ?o" + " }" * 400, "levels deep"),
    ],
)
def test_query_page_runs_the_endpoint_guard(client, query: str, message: str) -> None:
    r = client.get("/query?query=" + quote(query))
    assert r.status_code == 400 and message in r.get_data(as_text=True)


def test_yasgui_is_served_locally(client) -> None:
    """Built from npm by `make frontend`; no CDN, so the editor works offline."""
    for name in ("yasgui.min.js", "yasgui.min.css"):
        r = client.get(f"/static/vendor/yasgui/{name}")
        assert r.status_code == 200, f"{name} missing: run `make frontend`"
        assert len(r.get_data()) > 10_000
        r.close()
    page = _html(client, "/query")
    assert not re.search(r'(src|href)="https?://', page.split("<main")[0] + page.split("</main>")[1])
