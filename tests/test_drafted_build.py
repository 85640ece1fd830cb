"""Drafted readings (``reading: {method: extracted}``) build like curated ones: their spans are
checked against the text, they need no ``NAME.meta.yaml``, no paraphrase and no triples, and
every drafted claim carries ``cg:readingMethod cg:extracted`` and its confidence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import XSD

from claimgraph.graph.build.dataset import BuildError, build
from claimgraph.graph.build.validation import validate
from claimgraph.ontology import CG, OA
from conftest import ROOT

SEEDS = ROOT / "seeds"
DRAFTED = ROOT / "tests" / "drafted"
BASE = "https://w3id.org/claimgraph/"
ID = BASE + "id/"
DRAFT = "neustadt-bad.claims.yaml"


def seeds_with_drafts(tmp_path: Path, old: str | None = None, new: str = "") -> Path:
    """The seed article and the drafted fixture in one folder; optionally one edit in the draft."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target, ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.md"))
    for f in DRAFTED.iterdir():
        shutil.copy(f, target / f.name)
    if old is not None:
        ann = target / DRAFT
        text = ann.read_text(encoding="utf-8")
        assert text.count(old) >= 1, f"test setup: {old!r} not in the draft"
        ann.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return build(seeds_with_drafts(tmp_path_factory.mktemp("drafted")), BASE).dataset


def test_drafted_and_curated_articles_build_together_and_conform_to_the_shapes(drafted: Dataset) -> None:
    report = validate(drafted.default_graph)
    assert report.conforms, report.messages
    rows = drafted.query("""
        PREFIX cg: <https://w3id.org/claimgraph/ontology#>
        SELECT ?method (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim ; cg:readingMethod ?method } GROUP BY ?method""")
    counts = {str(r.method).rsplit("#", 1)[1]: int(r.n) for r in rows}
    assert counts == {"curated": 22, "extracted": 7}


def test_one_filter_keeps_drafts_apart_and_each_carries_its_confidence(drafted: Dataset) -> None:
    rows = list(
        drafted.query("""
        PREFIX cg: <https://w3id.org/claimgraph/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?c ?conf WHERE { ?c cg:readingMethod cg:extracted ; prov:qualifiedAttribution/cg:attributionConfidence ?conf }
        ORDER BY ?c""")
    )
    assert [str(r.c).rsplit("/", 1)[1] for r in rows] == [f"neustadt-bad-{n}" for n in range(1, 8)]
    assert rows[1].conf == Literal("0.9", datatype=XSD.decimal)


def test_the_roles_are_text_spans_and_discontinuous_words_are_several(drafted: Dataset) -> None:
    g = drafted.default_graph
    text = (DRAFTED / "neustadt-bad.txt").read_text(encoding="utf-8")
    claim = URIRef(ID + "claim/neustadt-bad-2")
    for prop, words in (
        (CG.cueSpan, "sagte"),
        (CG.sourceSpan, "Bürgermeisterin Anna Berger"),
        (CG.addresseeSpan, "der Lokalzeitung"),
        (CG.frameSpan, "am Montag"),
        (CG.evidence, "Wir bauen das neue Bad bis Ende 2026"),
    ):
        span = g.value(claim, prop)
        assert span is not None, prop
        start, end = int(g.value(span, OA.start)), int(g.value(span, OA.end))
        assert text[start:end] == str(g.value(span, OA.exact)) == words
    cues = sorted(str(g.value(s, OA.exact)) for s in g.objects(URIRef(ID + "claim/neustadt-bad-4"), CG.cueSpan))
    assert cues == ["wies", "zurück"]
    assert (URIRef(ID + "claim/neustadt-bad-3"), CG.speechMode, CG.freeIndirectSpeech) in g
    assert (URIRef(ID + "claim/neustadt-bad-5"), CG.speechMode, CG.indirectSpeech) in g
    assert g.value(URIRef(ID + "claim/neustadt-bad-2"), CG.saidOnWording) == Literal("am Montag", lang="de")
    assert g.value(URIRef(ID + "claim/neustadt-bad-2"), CG.saidOn) is None
    # no paraphrase yet: generic clients see who and the words
    assert g.value(claim, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) == Literal(
        "Anna Berger: Wir bauen das neue Bad bis Ende 2026", lang="de"
    )
    assert g.value(
        URIRef(ID + "claim/neustadt-bad-6"), URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    ) == Literal("Anna Berger: die Finanzierung … sei gesichert", lang="de")


def test_a_drafted_chain_ends_with_the_article_itself(drafted: Dataset) -> None:
    g = drafted.default_graph
    article = URIRef(ID + "document/neustadt-bad")
    steps = {
        int(g.value(s, CG.position)): s for s in g.objects(URIRef(ID + "claim/neustadt-bad-6"), CG.reportedThrough)
    }
    assert sorted(steps) == [1, 2, 3]
    parts = sorted(str(g.value(s, OA.exact)) for s in g.objects(URIRef(ID + "claim/neustadt-bad-6"), CG.evidence))
    assert parts == ["die Finanzierung", "sei gesichert"]
    assert {str(g.value(s, OA.exact)) for s in g.objects(steps[3], CG.evidence)} == set(parts)
    assert g.value(steps[1], CG.relayedBy) == URIRef(ID + "entity/anna-berger")
    assert g.value(steps[2], CG.relayedBy) == URIRef(ID + "entity/rundfunk")
    assert g.value(steps[3], CG.inDocument) == article and g.value(steps[3], CG.relayedBy) is None
    assert str(g.value(steps[3], URIRef("http://schema.org/inLanguage"))) == "de"
    # what the speaker's language was, the draft does not know: not verbatim, no translation counted
    assert str(g.value(URIRef(ID + "claim/neustadt-bad-6"), CG.verbatim)) == "false"
    assert int(g.value(URIRef(ID + "claim/neustadt-bad-6"), CG.minTranslations)) == 0
    # the document of an article without metadata: id from the file name, language from the reading
    assert str(g.value(article, URIRef("http://schema.org/inLanguage"))) == "de"
    assert str(g.value(article, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))).startswith(
        "Bürgermeisterin: Neues"
    )


def test_drafted_propositions_are_labelled_with_the_message_and_have_no_triples(drafted: Dataset) -> None:
    prop = URIRef(ID + "proposition/neustadt-bad-5")
    assert len(drafted.graph(prop)) == 0
    labels = set(drafted.default_graph.objects(prop, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert labels == {Literal("ist das Projekt zu teuer", lang="de")}


def test_a_cue_that_does_not_match_the_text_fails_the_build_naming_file_and_claim(tmp_path: Path) -> None:
    seeds = seeds_with_drafts(tmp_path, "quote: Laut\n    start: 283", "quote: Laut\n    start: 284")
    with pytest.raises(BuildError) as err:
        build(seeds, BASE, validate=False)
    msg = str(err.value)
    assert msg.startswith(f"{DRAFT}: claim neustadt-bad-5: cue: expected 'Laut' at offset 284")
    assert "the quote occurs at offset(s) 283" in msg


def test_a_wrong_part_of_a_discontinuous_cue_names_the_part(tmp_path: Path) -> None:
    seeds = seeds_with_drafts(tmp_path, "quote: zurück\n", "quote: zurueck\n")
    with pytest.raises(
        BuildError,
        match=r"claim neustadt-bad-4: cue 2: expected 'zurueck' at offset \d+.*"
        r"the quote does not occur anywhere in the text",
    ):
        build(seeds, BASE, validate=False)


def test_a_drafted_reading_without_metadata_needs_its_language(tmp_path: Path) -> None:
    seeds = seeds_with_drafts(tmp_path, "  language: de\n", "")
    with pytest.raises(BuildError, match=r"no neustadt-bad.meta.yaml and the reading gives no language"):
        build(seeds, BASE, validate=False)


def test_a_curated_reading_still_needs_its_metadata_paraphrase_and_chain_end(tmp_path: Path) -> None:
    seeds = seeds_with_drafts(tmp_path, "method: extracted", "method: curated")
    with pytest.raises(
        BuildError, match=r"only a drafted reading \(reading: \{method: extracted\}\) may come without metadata"
    ):
        build(seeds, BASE, validate=False)
    (seeds / "neustadt-bad.meta.yaml").write_text(
        "id: neustadt-bad\nfile: neustadt-bad.txt\nlanguage: de\n", encoding="utf-8"
    )
    with pytest.raises(BuildError, match=r"neustadt-bad.claims.yaml: entity anna-berger: label: missing the en text"):
        build(seeds, BASE, validate=False)


def test_an_unknown_mode_is_refused_with_the_modes_it_knows(tmp_path: Path) -> None:
    seeds = seeds_with_drafts(tmp_path, "mode: free-indirect", "mode: free-direct")
    with pytest.raises(
        BuildError,
        match=r"claim neustadt-bad-3: unknown mode 'free-direct'; use one of direct, "
        r"indirect, free-indirect, reported, own-voice",
    ):
        build(seeds, BASE, validate=False)


def test_an_anonymous_group_found_by_the_drafter_belongs_to_its_article(drafted: Dataset) -> None:
    # "Ein Sprecher des Landes" of one article is not the spokesman of another article
    g = drafted.default_graph
    speaker = g.value(URIRef(ID + "claim/neustadt-bad-7"), CG.speaker)
    assert speaker == URIRef(ID + "entity/neustadt-bad-sprecher-des-landes")
    assert g.value(URIRef(ID + "claim/neustadt-bad-2"), CG.speaker) == URIRef(ID + "entity/anna-berger")
