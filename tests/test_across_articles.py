"""Views across articles: the same statement carried by two articles (cg:sameMessageAs), a
speaker's claims as a timeline with the outlets that carried them, claims about an entity by
date. Real build of two articles, real server."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import requests

from conftest import ROOT, LiveServer, claimgraph
from claimgraph.graph.build.similarity import ClaimMessage, same_message_pairs, words

ID = "https://w3id.org/claimgraph/id/"
PREFIXES = "PREFIX cg: <https://w3id.org/claimgraph/ontology#>\n"


@pytest.fixture(scope="module")
def server(corpus_server: LiveServer) -> LiveServer:
    """The corpus graph's read-only server, shared with the other modules that read it."""
    return corpus_server


def csv_rows(store: Path, query: str) -> list[list[str]]:
    out = claimgraph("query", "--store", str(store), "--format", "csv", PREFIXES + query).stdout
    return [line.split(",") for line in out.strip().splitlines()[1:]]


# -- the matching itself ---------------------------------------------------------------------


def test_words_fold_case_diacritics_and_sharp_s() -> None:
    assert words("Schäuble: „Das ist völlig unwahr“, sagte er auf der Straße.") == [
        "schauble",
        "das",
        "ist",
        "vollig",
        "unwahr",
        "sagte",
        "er",
        "auf",
        "der",
        "strasse",
    ]


def test_a_reworded_statement_in_another_article_matches_with_its_similarity() -> None:
    seed = ClaimMessage("c:1", "a:1", "Das ist völlig unwahr, es handelt sich tatsächlich um Fake News")
    again = ClaimMessage("c:2", "a:2", "Das ist völlig unwahr, es handelt sich um Fake News")
    other = ClaimMessage("c:3", "a:2", "Musk hat die Vorwürfe zurückgewiesen")
    (match,) = same_message_pairs([seed, again, other])
    assert (match.first, match.second) == ("c:1", "c:2")
    assert 0.9 < match.similarity < 1.0


def test_claims_of_one_article_are_never_matched_with_each_other() -> None:
    one = ClaimMessage("c:1", "a:1", "Das ist völlig unwahr")
    same = ClaimMessage("c:2", "a:1", "Das ist völlig unwahr")
    assert same_message_pairs([one, same]) == []
    assert len(same_message_pairs([one, ClaimMessage("c:3", "a:2", "Das ist völlig unwahr")])) == 1


def test_texts_that_only_share_common_words_do_not_match() -> None:
    a = ClaimMessage("c:1", "a:1", "Der Kreml hat offiziell auf den Bericht reagiert")
    b = ClaimMessage("c:2", "a:2", "Der Minister hat gestern auf die Frage nicht reagiert")
    assert same_message_pairs([a, b]) == []


# -- in the built graph --------------------------------------------------------------------------


def test_the_build_groups_the_same_statement_across_articles(corpus_store: Path) -> None:
    pairs = csv_rows(corpus_store, "SELECT ?a ?b { ?a cg:sameMessageAs ?b } ORDER BY ?a ?b")
    seed, again = ID + "claim/peskow-fake-news", ID + "claim/zweit-peskow-unwahr"
    assert [seed, again] in pairs and [again, seed] in pairs  # symmetric
    articles = csv_rows(
        corpus_store,
        """
        PREFIX schema: <http://schema.org/>
        SELECT ?a ?b { ?a cg:sameMessageAs ?b .
                       ?a cg:evidence/cg:inFile/schema:encodesCreativeWork ?x .
                       ?b cg:evidence/cg:inFile/schema:encodesCreativeWork ?y . FILTER(?x = ?y) }""",
    )
    assert articles == []  # only across articles
    (similarity,) = csv_rows(
        corpus_store,
        f"""
        SELECT ?s {{ ?m a cg:MessageMatch ; cg:matchedClaim <{seed}> , <{again}> ; cg:messageSimilarity ?s }}""",
    )
    assert 0.9 < float(similarity[0]) < 1.0


# -- pages ------------------------------------------------------------------------------------------


def _section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"')[1].split("</section>")[0]


def test_the_speaker_page_is_a_timeline_across_articles_with_outlets(server: LiveServer) -> None:
    html = requests.get(server.url + "/doc/entity/dmitri-peskow.html", timeout=30).text
    said = _section(html, "said-h")
    rows = said.split("<tr>")[2:]  # after the header row
    assert len(rows) == 6
    dates = [re.search(r'datetime="([^"]+)"', r).group(1) for r in rows]
    assert dates == sorted(dates) and dates[-1] == "2024-10-26"
    assert 'href="/id/claim/zweit-peskow-unwahr"' in rows[-1]
    assert "Kremlin denies again (test article)" in rows[-1]  # the article of that claim
    seed_row = next(r for r in rows if 'href="/id/claim/peskow-fake-news"' in r)
    assert 'href="/id/entity/reuters">Reuters</a>' in seed_row and 'href="/id/entity/thanh-nien"' in seed_row
    assert "Same statement in:" in seed_row and 'href="/id/claim/zweit-peskow-unwahr"' in seed_row
    assert "94 % alike" in seed_row


def test_the_entity_page_lists_claims_about_it_from_every_article(server: LiveServer) -> None:
    about = _section(requests.get(server.url + "/doc/entity/elon-musk.html", timeout=30).text, "about-h")
    assert 'href="/id/claim/zweit-peskow-unwahr"' in about  # the second article
    assert 'href="/id/claim/kreml-bestreitet-kontakt"' in about  # the seed article


def test_ingest_and_remove_keep_the_groups_and_the_index_in_step(tmp_path: Path) -> None:
    src, store = tmp_path / "src", tmp_path / "store"
    src.mkdir()
    for path in [*(ROOT / "seeds").glob("000_*"), *(ROOT / "tests" / "data" / "second-article").iterdir()]:
        shutil.copy(path, src / path.name)
    claimgraph("ingest", str(src), "--store", str(store))
    seed, again = ID + "claim/peskow-fake-news", ID + "claim/zweit-peskow-unwahr"
    assert [seed, again] in csv_rows(store, "SELECT ?a ?b { ?a cg:sameMessageAs ?b }")
    assert "zweit-schaeuble-debatte" in claimgraph("search", "--store", str(store), "Schaeuble").stdout

    claimgraph("remove", "--store", str(store), "zweiter-bericht")
    assert csv_rows(store, "SELECT ?a ?b { ?a cg:sameMessageAs ?b }") == []
    assert csv_rows(store, "SELECT ?m { ?m a cg:MessageMatch }") == []
    assert claimgraph("search", "--store", str(store), "Schaeuble").stdout == ""
    assert "peskow-fake-news" in claimgraph("search", "--store", str(store), "unwahr").stdout
