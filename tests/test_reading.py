"""The reading of the seed article, claim by claim: speaker, stance, speech mode, reporting
chain, dates and the exact span. Written from the article by hand, independently of the
annotation file, so that a wrong annotation fails here."""

from __future__ import annotations

import re

import pytest
from rdflib import RDF, RDFS, Dataset, Literal, URIRef
from rdflib.namespace import PROV

from claimgraph.graph.build.dataset import build
from claimgraph.ontology import CG, OA
from conftest import ROOT

TEXT = (ROOT / "seeds" / "000_dade6e3c090f456c.txt").read_text(encoding="utf-8")
ID = "https://w3id.org/claimgraph/id/"
T = "(translator)"

# claim: speaker, stance, mode, chain of relayers (speaker first), said on, holds during, evidence starts with
READING = {
    "wsj-musk-putin-kontakt": (
        "wall-street-journal",
        "asserts",
        "reportedSpeech",
        ["wall-street-journal", "thanh-nien", T],
        "2024-10-24",
        "2022-10/..",
        "Das Wall Street Journal berichtete am 24. Oktober",
    ),
    "thanh-nien-kreml-hat-reagiert": (
        "thanh-nien",
        "asserts",
        "ownVoice",
        ["thanh-nien", T],
        "2024-10-25",
        None,
        "und der Kreml offiziell reagiert habe",
    ),
    "us-geheimdienste-kontakt-seit-kriegsbeginn": (
        "us-geheimdienstquellen",
        "asserts",
        "reportedSpeech",
        ["us-geheimdienstquellen", "wall-street-journal", "thanh-nien", T],
        None,
        "2022-02-24/..",
        "Das Wall Street Journal zitierte US-Geheimdienstquellen",
    ),
    "thanh-nien-musk-reichster-mensch": (
        "thanh-nien",
        "asserts",
        "ownVoice",
        ["thanh-nien", T],
        "2024-10-25",
        "2024-10-25",
        "derzeit der reichste Mensch der Welt",
    ),
    "wsj-kontakt-in-diesem-jahr": (
        "wall-street-journal",
        "asserts",
        "reportedSpeech",
        ["wall-street-journal", "thanh-nien", T],
        None,
        "2024",
        "Die beiden Männer hätten in diesem Jahr",
    ),
    "wsj-musk-kritik-us-militaerhilfe": (
        "wall-street-journal",
        "asserts",
        "reportedSpeech",
        ["wall-street-journal", "thanh-nien", T],
        None,
        None,
        "nachdem Musk seine Kritik",
    ),
    "wsj-musk-unterstuetzt-trump": (
        "wall-street-journal",
        "asserts",
        "reportedSpeech",
        ["wall-street-journal", "thanh-nien", T],
        None,
        None,
        "den Wahlkampf des ehemaligen Präsidenten",
    ),
    "thanh-nien-trump-ehemaliger-praesident": (
        "thanh-nien",
        "asserts",
        "ownVoice",
        ["thanh-nien", T],
        "2024-10-25",
        None,
        "des ehemaligen Präsidenten Donald Trump",
    ),
    "thanh-nien-starlink-kostenlos": (
        "thanh-nien",
        "asserts",
        "ownVoice",
        ["thanh-nien", T],
        "2024-10-25",
        "2022",
        "In der Anfangsphase des Krieges",
    ),
    "thanh-nien-starlink-wichtiges-instrument": (
        "thanh-nien",
        "asserts",
        "ownVoice",
        ["thanh-nien", T],
        "2024-10-25",
        "2022",
        "Das Starlink-Internet galt als",
    ),
    "thanh-nien-verhaeltnis-abgekuehlt": (
        "thanh-nien",
        "asserts",
        "ownVoice",
        ["thanh-nien", T],
        "2024-10-25",
        None,
        "Allerdings hat sich das Verhältnis",
    ),
    "thanh-nien-musk-lieferung-eingestellt": (
        "thanh-nien",
        "asserts",
        "ownVoice",
        ["thanh-nien", T],
        "2024-10-25",
        None,
        "Der amerikanische Milliardär hat nicht nur",
    ),
    "thanh-nien-musk-drohnen-untersagt": (
        "thanh-nien",
        "asserts",
        "ownVoice",
        ["thanh-nien", T],
        "2024-10-25",
        None,
        "sondern der Kiewer Regierung",
    ),
    "hur-russland-nutzt-starlink": (
        "ukrainischer-militaergeheimdienst",
        "accuses",
        "reportedSpeech",
        ["ukrainischer-militaergeheimdienst", "thanh-nien", T],
        "2024",
        None,
        "Anfang 2024 beschuldigte",
    ),
    "musk-weist-vorwuerfe-zurueck": (
        "elon-musk",
        "rejects",
        "reportedSpeech",
        ["elon-musk", "thanh-nien", T],
        None,
        None,
        "Musk hat die Vorwürfe zurückgewiesen",
    ),
    "musk-keine-stellungnahme": (
        "elon-musk",
        "declinesToComment",
        "reportedSpeech",
        ["elon-musk", "thanh-nien", T],
        None,
        None,
        "aber auf eine Bitte um Stellungnahme",
    ),
    "kreml-bestreitet-kontakt": (
        "kreml",
        "denies",
        "reportedSpeech",
        ["kreml", "thanh-nien", T],
        "2024-10-25",
        None,
        "Heute (25. Oktober) bestritt der Kreml",
    ),
    "peskow-fake-news": (
        "dmitri-peskow",
        "denies",
        "directSpeech",
        ["dmitri-peskow", "reuters", "thanh-nien", T],
        "2024-10-25",
        None,
        "Das ist völlig unwahr",
    ),
    "peskow-zeitung-verbreitet-fake-news": (
        "dmitri-peskow",
        "accuses",
        "directSpeech",
        ["dmitri-peskow", "reuters", "thanh-nien", T],
        "2024-10-25",
        None,
        "es handelt sich tatsächlich um Fake News",
    ),
    "peskow-kontakt-vor-2022": (
        "dmitri-peskow",
        "asserts",
        "reportedSpeech",
        ["dmitri-peskow", "reuters", "thanh-nien", T],
        "2024-10-25",
        "../2021",
        "Herr Peskow sagte",
    ),
    "peskow-telefonat-technologien": (
        "dmitri-peskow",
        "asserts",
        "reportedSpeech",
        ["dmitri-peskow", "reuters", "thanh-nien", T],
        "2024-10-25",
        "../2021",
        "Sie hätten telefoniert",
    ),
    "peskow-danach-nie-wieder": (
        "dmitri-peskow",
        "denies",
        "reportedSpeech",
        ["dmitri-peskow", "reuters", "thanh-nien", T],
        "2024-10-25",
        None,
        "Danach hätten die beiden Seiten",
    ),
}


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return build(ROOT / "seeds", "https://w3id.org/claimgraph/", validate=False).dataset


def slug(node: URIRef) -> str:
    return str(node).rsplit("/", 1)[-1]


def test_the_reading_has_exactly_the_statements_listed_here(ds: Dataset) -> None:
    g = ds.default_graph
    assert {slug(c) for c in g.subjects(RDF.type, CG.Claim)} == set(READING)


@pytest.mark.parametrize("claim_id", list(READING))
def test_claim(ds: Dataset, claim_id: str) -> None:
    g = ds.default_graph
    speaker, stance, mode, chain, said, holds, starts = READING[claim_id]
    c = URIRef(ID + "claim/" + claim_id)
    assert slug(g.value(c, CG.speaker)) == speaker
    assert g.value(c, CG.stance) == CG[stance]
    assert g.value(c, CG.speechMode) == CG[mode]
    steps = sorted(g.objects(c, CG.reportedThrough), key=lambda s: int(g.value(s, CG.position)))
    assert [slug(g.value(s, CG.relayedBy)) if g.value(s, CG.relayedBy) else T for s in steps] == chain
    assert [int(g.value(s, CG.position)) for s in steps] == list(range(1, len(chain) + 1))
    for earlier, later in zip(steps, steps[1:]):
        assert g.value(later, CG.previousStep) == earlier
    assert str(g.value(steps[-1], CG.inDocument)) == ID + "document/musk-putin-kontakt"
    assert (str(g.value(c, CG.saidOn)) if g.value(c, CG.saidOn) else None) == said
    assert (str(g.value(c, CG.holdsDuring)) if g.value(c, CG.holdsDuring) else None) == holds
    span = g.value(c, CG.evidence)
    start, end, exact = int(g.value(span, OA.start)), int(g.value(span, OA.end)), str(g.value(span, OA.exact))
    assert TEXT[start:end] == exact and exact.startswith(starts)
    assert (steps[-1], CG.evidence, span) in g
    langs = {o.language for o in g.objects(c, CG.paraphrase)}
    assert {"de", "en"} <= langs
    if g.value(c, CG.saidOn) and "2024-10-2" in said:
        assert g.value(c, CG.timeAnchor) is not None  # the year comes from the original's date


def test_the_german_direct_quote_is_at_least_two_translations_from_peskov(ds: Dataset) -> None:
    g = ds.default_graph
    c = URIRef(ID + "claim/peskow-fake-news")
    assert int(g.value(c, CG.minTranslations)) >= 2
    assert g.value(c, CG.verbatim) == Literal(False)
    role = g.value(g.value(c, PROV.qualifiedAttribution), PROV.hadRole)
    assert Literal("Kremlin spokesman", lang="en") in set(g.objects(role, RDFS.label))


def test_the_denials_contradict_the_journal_and_musk_rejects_the_accusation(ds: Dataset) -> None:
    g = ds.default_graph
    wsj = URIRef(ID + "claim/wsj-musk-putin-kontakt")
    for denial in ("kreml-bestreitet-kontakt", "peskow-fake-news"):
        assert (URIRef(ID + "claim/" + denial), CG.deniesClaim, wsj) in g
    assert (
        URIRef(ID + "claim/musk-weist-vorwuerfe-zurueck"),
        CG.deniesClaim,
        URIRef(ID + "claim/hur-russland-nutzt-starlink"),
    ) in g


def test_every_sentence_of_the_article_is_covered_by_a_claim(ds: Dataset) -> None:
    g = ds.default_graph
    spans = [
        (int(g.value(s, OA.start)), int(g.value(s, OA.end)))
        for c in g.subjects(RDF.type, CG.Claim)
        for s in g.objects(c, CG.evidence)
    ]
    content = [
        seg for seg in g.subjects(CG.segmentKind, None) if g.value(seg, CG.segmentKind) in (CG.lead, CG.bodyText)
    ]
    assert len(content) == 9
    for seg in content:
        base = int(g.value(seg, OA.start))
        for m in re.finditer(r"[^.]+(\.|$)", str(g.value(seg, OA.exact))):
            a, b = base + m.start(), base + m.end()
            if TEXT[a:b].strip(" .„“"):
                assert any(s < b and e > a for s, e in spans), f"no claim covers {TEXT[a:b]!r}"


def test_every_span_and_mention_matches_the_file(ds: Dataset) -> None:
    g = ds.default_graph
    spans = set(g.subjects(OA.start, None))
    assert len(spans) > 80
    for s in spans:
        assert TEXT[int(g.value(s, OA.start)) : int(g.value(s, OA.end))] == str(g.value(s, OA.exact))
