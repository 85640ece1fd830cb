"""The claim page of a drafted claim, on the real application over a store built (by the real
``claimgraph build``) from the seed and a drafted article: it says the claim was drafted by
software and not reviewed, marks message, cue and source in the sentence, and shows the rule
and the confidence. A curated claim's page does not say so."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest

from conftest import ROOT, claimgraph
from pages_helpers import PESKOW_CLAIM, app_on

DRAFTED = ROOT / "tests" / "drafted"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("drafted-seeds")
    shutil.copytree(ROOT / "seeds", folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    for f in DRAFTED.iterdir():
        shutil.copy(f, folder / f.name)
    store_dir = folder / "store"
    out = claimgraph("build", "--store", str(store_dir), "--seeds", str(folder))
    assert "29" in out.stdout + out.stderr  # 22 curated and 7 drafted claims
    with app_on(store_dir) as app:
        yield app.test_client()


def _html(client, path: str) -> str:
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200, (path, r.status_code)
    return r.get_data(as_text=True)


def _marks(page: str) -> list[tuple[str, str]]:
    return [
        (role, unescape(text))
        for role, text in re.findall(r'<mark class="role role-(\w+)" title="\w+">(.*?)</mark>', page, re.S)
    ]


def test_a_drafted_claim_says_it_was_drafted_and_not_reviewed(client) -> None:
    page = _html(client, "/doc/claim/neustadt-bad-2.html")
    banner = re.search(r'<p class="draft-banner".*?</p>', page, re.S)
    assert banner is not None
    text = unescape(re.sub(r"<[^>]+>", "", banner.group(0)))
    assert "Drafted by claimgraph 0.1.0, not reviewed." in text
    assert "with confidence 0.9" in text


def test_message_cue_source_addressee_and_frame_are_marked_in_the_sentence(client) -> None:
    page = _html(client, "/doc/claim/neustadt-bad-2.html")
    assert _marks(page) == [
        ("message", "Wir bauen das neue Bad bis Ende 2026"),
        ("cue", "sagte"),
        ("source", "Bürgermeisterin Anna Berger"),
        ("frame", "am Montag"),
        ("addressee", "der Lokalzeitung"),
    ]
    quote = re.search(r'<blockquote class="source-text roles".*?</blockquote>', page, re.S).group(0)
    sentence = unescape(re.sub(r"<[^>]+>", "", quote))
    assert (
        "„Wir bauen das neue Bad bis Ende 2026“, sagte Bürgermeisterin Anna Berger am Montag der Lokalzeitung."
        in sentence
    )
    assert "the text there differs" not in page


def test_a_discontinuous_cue_is_marked_in_both_places_and_the_rule_is_shown(client) -> None:
    page = _html(client, "/doc/claim/neustadt-bad-4.html")
    assert _marks(page) == [("source", "Die Opposition"), ("cue", "wies"), ("message", "die Pläne"), ("cue", "zurück")]
    assert "The rule that drafted it" in page
    assert (
        "rule: &#39;wies ... zurück&#39; with its subject" in page or "rule: 'wies ... zurück' with its subject" in page
    )


def test_a_curated_claim_is_not_called_a_draft(client) -> None:
    page = _html(client, f"/doc/{PESKOW_CLAIM}.html")
    assert "draft-banner" not in page and "not reviewed" not in page
    assert '<mark class="quote">' in page  # the curated view of the words is unchanged


def test_a_message_in_parts_is_one_claim_on_the_article_page_and_marked_twice_on_its_own(client) -> None:
    article = _html(client, "/doc/document/neustadt-bad.html")
    assert re.search(r"<dt>Claims</dt><dd>7</dd>", article)
    page = _html(client, "/doc/claim/neustadt-bad-6.html")
    assert [m for m in _marks(page) if m[0] == "message"] == [
        ("message", "die Finanzierung"),
        ("message", "sei gesichert"),
    ]
