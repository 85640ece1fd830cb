"""import-spkatt: SpkAtt-2023 JSON -> articles with curated readings and Wikinews provenance.

The converter is tested on a hand-made document in the SpkAtt format; the real corpus (not in
the repository: CC BY-NC-SA 4.0) is read from ../shared when this machine has it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimgraph.graph.build.spkatt_import import IndexEntry, Vocabulary, convert, detokenize
from claimgraph.graph.draft.stance import StanceLexicon
from corpus_helpers import BASE, claims_per_article, select
from conftest import ROOT, claimgraph

DATA = ROOT.parent / "shared" / "data" / "spkatt-2023"

DOC = {
    "DocumentName": "4711 - Test (2009-05-01)",
    "Sentences": [
        {
            "SentenceId": 0,
            "Tokens": [
                "Kreml-Sprecher",
                "Dmitri",
                "Peskow",
                "sagte",
                ",",
                "das",
                "sei",
                "„",
                "völlig",
                "unwahr",
                "“",
                ".",
            ],
        },
        {
            "SentenceId": 1,
            "Tokens": ["Die", "Polizei", "teilte", "mit", ",", "es", "gebe", "(", "keine", ")", "Verletzten", "."],
        },
        {"SentenceId": 2, "Tokens": ["Peskow", "fügte", "hinzu", ":", "„", "Nein", "“", "."]},
    ],
    "Annotations": [
        {
            "Source": ["0:0", "0:1", "0:2"],
            "Cue": ["0:3"],
            "Message": ["0:5", "0:6", "0:7", "0:8", "0:9", "0:10"],
            "Form": "Indirect",
            "STWR": "Speech",
            "Addr": [],
            "Frame": [],
            "IsNested": False,
            "HasNested": False,
        },
        {
            "Source": ["1:0", "1:1"],
            "Cue": ["1:2", "1:3"],
            "Message": ["1:5", "1:6", "1:7", "1:8", "1:9", "1:10"],
            "Form": "Indirect",
            "STWR": "Speech",
            "Addr": [],
            "Frame": [],
            "IsNested": False,
            "HasNested": False,
        },
        {
            "Source": ["2:0"],
            "Cue": ["2:1", "2:2"],
            "Message": ["2:4", "2:5", "2:6"],
            "Form": "Direct",
            "STWR": "Speech",
            "Addr": [],
            "Frame": [],
            "IsNested": False,
            "HasNested": False,
        },
        {
            "Source": [],
            "Cue": [],
            "Message": ["2:5"],
            "Form": "FreeIndirect",
            "STWR": "Thought",
            "Addr": [],
            "Frame": [],
            "IsNested": False,
            "HasNested": False,
        },
    ],
}
ENTRY = IndexEntry("4711", "train", "2009-05-01", "Test")
STANCE_OF = StanceLexicon("de").stance


def _corpus(tmp_path: Path, entry: IndexEntry, doc: dict) -> Path:
    """A one-document corpus in the layout import-spkatt reads (index.tsv, train/, dev/)."""
    data = tmp_path / "spkatt"
    (data / "train").mkdir(parents=True)
    (data / "dev").mkdir()
    row = "\t".join((entry.page_id, entry.split, entry.date, entry.title))
    (data / "index.tsv").write_text(f"id\tsplit\tdate\ttitle\n{row}\n", encoding="utf-8")
    (data / entry.split / f"{entry.page_id}.json").write_text(json.dumps(doc), encoding="utf-8")
    return data


def test_text_is_rebuilt_from_tokens_with_offsets_for_every_token() -> None:
    sentences = [s["Tokens"] for s in DOC["Sentences"]]
    text, offsets = detokenize(sentences)
    assert text.splitlines()[0] == "Kreml-Sprecher Dmitri Peskow sagte, das sei „völlig unwahr“."
    assert text.splitlines()[1] == "Die Polizei teilte mit, es gebe (keine) Verletzten."
    for (s, t), (a, b) in offsets.items():
        assert text[a:b] == sentences[s][t]


def test_a_document_becomes_a_curated_reading_with_wikinews_provenance() -> None:
    text, meta, reading = convert(DOC, ENTRY, Vocabulary([DOC]), STANCE_OF)
    assert reading["reading"] == {"method": "curated", "by": "SpkAtt-2023 annotators"}
    assert meta["original"]["url"] == "https://de.wikinews.org/wiki/?curid=4711"
    assert meta["original"]["date_published"] == "2009-05-01" and meta["license"].endswith("/by/2.5/")
    assert "reconstructed from the tokens" in meta["description"]["en"]
    ents = reading["entities"]
    claims = reading["claims"]
    peskow = ents[claims[0]["speaker"]]
    assert peskow["type"] == "Person" and peskow["label"]["de"] == "Dmitri Peskow"
    assert claims[0]["role"] == "kreml-sprecher"  # the role stays on the claim
    assert claims[2]["speaker"] == claims[0]["speaker"]  # "Peskow" in the same article
    assert claims[2]["mode"] == "direct" and claims[0]["mode"] == "reported"
    assert ents[claims[1]["speaker"]]["type"] == "AnonymousGroup"  # "Die Polizei"
    assert ents[claims[3]["speaker"]]["label"]["de"] == "ungenannte Quelle"
    for c in claims:
        ev = c["evidence"]
        assert text[ev["start"] : ev["start"] + len(ev["quote"])] == ev["quote"]


def test_without_the_data_it_says_where_to_get_it(tmp_path: Path) -> None:
    res = claimgraph("import-spkatt", "--store", str(tmp_path / "store"), str(tmp_path / "nowhere"), check=False)
    assert res.returncode != 0
    assert "github.com/uhh-lt/news-speaker-attribution-2023" in res.stderr


def test_a_made_up_corpus_imports_and_reimports_as_skipped(tmp_path: Path) -> None:
    data = _corpus(tmp_path, ENTRY, DOC)
    store = tmp_path / "store"
    args = ("import-spkatt", "--store", str(store), "--base-iri", BASE, "--validate", str(data))
    out = claimgraph(*args).stdout
    assert "1 added" in out and "4 claim(s)" in out
    assert claims_per_article(store) == {"wikinews-4711": 4}
    rows = select(
        store,
        f"""SELECT ?url ?lic ?date WHERE {{ <{BASE}id/document/wikinews-4711> prov:wasDerivedFrom ?page .
        ?page schema:url ?url ; schema:license ?lic ; schema:datePublished ?date }}""",
    )
    assert rows == [
        {
            "url": "https://de.wikinews.org/wiki/?curid=4711",
            "lic": "https://creativecommons.org/licenses/by/2.5/",
            "date": "2009-05-01",
        }
    ]
    assert "1 skipped" in claimgraph(*args).stdout


@pytest.mark.skipif(not DATA.exists(), reason=f"SpkAtt-2023 data not at {DATA} (not part of the repository)")
def test_real_spkatt_articles_import_and_conform_to_the_shapes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    out = claimgraph(
        "import-spkatt", "--store", str(store), "--base-iri", BASE, "--limit", "3", "--validate", str(DATA)
    ).stdout
    assert "3 added" in out and "0 failed" in out
    files = sorted((p for split in ("train", "dev") for p in (DATA / split).glob("*.json")), key=lambda p: int(p.stem))[
        :3
    ]
    expected = {f"wikinews-{p.stem}": len(json.loads(p.read_text(encoding="utf-8"))["Annotations"]) for p in files}
    assert claims_per_article(store) == {k: v for k, v in expected.items() if v}


def test_make_corpus_without_the_data_says_where_to_get_it(tmp_path: Path) -> None:
    import subprocess

    res = subprocess.run(
        ["make", "--no-print-directory", "corpus", f"SPKATT={tmp_path / 'none'}", f"CORPUS={tmp_path / 'corpus'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert res.returncode != 0
    assert "github.com/uhh-lt/news-speaker-attribution-2023" in res.stderr
    assert not (tmp_path / "corpus").exists()


def _sentence_doc(name: str, sentences: list[list[str]], cues: list[tuple[list[str], list[str], list[str]]]) -> dict:
    """A SpkAtt document: one annotation per (source, cue, message) token refs."""
    return {
        "DocumentName": name,
        "Sentences": [{"SentenceId": i, "Tokens": toks} for i, toks in enumerate(sentences)],
        "Annotations": [
            {"Source": src, "Cue": cue, "Message": msg, "Form": "Indirect", "STWR": "Speech", "Addr": [], "Frame": []}
            for src, cue, msg in cues
        ],
    }


# A denial cue, a neutral "sagte", a cue the lexicon does not know, and a particle verb.
STANCE_DOC = _sentence_doc(
    "4712 - Haltungen (2009-05-02)",
    [
        ["Müller", "bestritt", ",", "dass", "er", "bestochen", "worden", "sei", "."],
        ["Merkel", "sagte", ",", "das", "Wetter", "sei", "schön", "."],
        ["Schulz", "schwadronierte", ",", "alles", "werde", "gut", "."],
        ["Meier", "wies", "den", "Bericht", "zurück", "."],
    ],
    [
        (["0:0"], ["0:1"], ["0:3", "0:4", "0:5", "0:6", "0:7"]),
        (["1:0"], ["1:1"], ["1:3", "1:4", "1:5", "1:6"]),
        (["2:0"], ["2:1"], ["2:3", "2:4", "2:5"]),
        (["3:0"], ["3:1", "3:4"], ["3:2", "3:3"]),
    ],
)
STANCE_ENTRY = IndexEntry("4712", "train", "2009-05-02", "Haltungen")


def test_the_stance_comes_from_the_cue_lexicon_with_its_confidence() -> None:
    text, _, reading = convert(STANCE_DOC, STANCE_ENTRY, Vocabulary([STANCE_DOC]), STANCE_OF)
    got = [(c["stance"], c["stance_method"], c["stance_confidence"]) for c in reading["claims"]]
    assert got == [
        ("denies", "extracted", 0.9),  # bestritt
        ("asserts", "extracted", 0.9),  # sagte: a neutral cue
        ("asserts", "extracted", 0.3),  # schwadronierte: not in the lexicon, the default with low confidence
        ("rejects", "extracted", 0.9),  # wies ... zurück: the particle decides
    ]
    assert all(c["confidence"] == 1.0 for c in reading["claims"])  # the attribution stays the annotators'
    assert "not in the lexicon" in reading["claims"][2]["note"]["en"]
    cue = reading["claims"][3]["cue"]  # discontinuous cue words: two spans
    assert [s["quote"] for s in cue] == ["wies", "zurück"]
    for s in cue:
        assert text[s["start"] : s["start"] + len(s["quote"])] == s["quote"]


def test_the_graph_says_the_stance_was_looked_up_not_annotated(tmp_path: Path) -> None:
    data = _corpus(tmp_path, STANCE_ENTRY, STANCE_DOC)
    store = tmp_path / "store"
    claimgraph("import-spkatt", "--store", str(store), "--base-iri", BASE, "--validate", str(data))
    rows = select(
        store,
        """SELECT ?c ?stance ?method ?conf ?reading ?attr ?cue WHERE {
             ?c cg:stance ?stance ; cg:stanceMethod ?method ; cg:stanceConfidence ?conf ; cg:readingMethod ?reading ;
                prov:qualifiedAttribution/cg:attributionConfidence ?attr .
             OPTIONAL { ?c cg:cueSpan/<http://www.w3.org/ns/oa#exact> ?cue }
           } ORDER BY ?c ?cue""",
    )
    by_claim: dict[str, tuple[str, float]] = {}
    for r in rows:
        by_claim.setdefault(r["c"].rsplit("/", 1)[-1], (r["stance"].rsplit("#", 1)[-1], float(r["conf"])))
    assert by_claim == {
        "wn4712-1": ("denies", 0.9),
        "wn4712-2": ("asserts", 0.9),
        "wn4712-3": ("asserts", 0.3),
        "wn4712-4": ("rejects", 0.9),
    }
    assert {r["method"].rsplit("#", 1)[-1] for r in rows} == {"extracted"}  # the stance: looked up
    assert {r["reading"].rsplit("#", 1)[-1] for r in rows} == {"curated"}  # the claim: annotated
    assert {float(r["attr"]) for r in rows} == {1.0}
    assert sorted(r["cue"] for r in rows if r["c"].endswith("-4")) == ["wies", "zurück"]
    # the claim page says so too, beside the stance
    from pages_helpers import app_on

    with app_on(store, base_iri=BASE) as app:
        page = app.test_client().get("/doc/claim/wn4712-3", headers={"Accept": "text/html"})
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    assert "confidence 0.3" in html and "software looked it up from the cue words" in html
