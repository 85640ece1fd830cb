"""One speaker across articles: merges and non-merges on hand-made articles, in a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus_helpers import BASE, select, speaker_of, write_article
from conftest import claimgraph_in_process

from claimgraph.graph.build.names import name_key

# Each test writes several store versions (seconds each): the full suite runs them, the fast tier does not.
pytestmark = pytest.mark.slow


def cli(store: Path, *args: str, check: bool = True):
    return claimgraph_in_process(*args, "--store", str(store), "--base-iri", BASE, check=check)


def peskow(folder: Path, slug: str, name: str) -> None:
    write_article(
        folder,
        slug,
        f"{name} sagte, das sei unwahr ({slug}).",
        {"peskow": ("Person", name, [name])},
        [(f"{slug}-unwahr", "peskow", "das sei unwahr")],
    )


def decisions(store: Path) -> dict[str, tuple[str, str]]:
    """article -> (rule, entity) of every merge decision about a speaker called like Peskow."""
    rows = select(
        store,
        """SELECT ?doc ?rule ?into WHERE {
        ?d a cg:MergeDecision ; cg:mergeRule ?rule ; cg:mergedInto ?into ; prov:wasDerivedFrom ?doc ;
           <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(CONTAINS(?l, "Peskow")) }""",
    )
    return {r["doc"].rsplit("/", 1)[-1]: (r["rule"].rsplit("#", 1)[-1], r["into"].rsplit("/", 1)[-1]) for r in rows}


def test_names_are_normalised_for_comparison() -> None:
    assert name_key("Kreml-Sprecher Dmitri Peskow") == "dmitri peskow"
    assert name_key("Herr  DMITRI Peskow") == "dmitri peskow"
    assert name_key("Bundeskanzlerin Angela Merkel") == name_key("Angela Merkel")
    assert name_key("Wolfgang Schäuble") == "wolfgang schauble"


def test_one_peskow_with_three_spellings_in_one_batch(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    peskow(src, "p1", "Dmitri Peskow")
    peskow(src, "p2", "Kreml-Sprecher Dmitri Peskow")
    peskow(src, "p3", "Peskow")
    cli(store, "ingest", str(src))
    speakers = {speaker_of(store, f"p{i}-unwahr") for i in (1, 2, 3)}
    assert speakers == {f"{BASE}id/entity/dmitri-peskow"}
    assert decisions(store) == {
        "p1": ("firstSeen", "dmitri-peskow"),
        "p2": ("byName", "dmitri-peskow"),
        "p3": ("bySurname", "dmitri-peskow"),
    }
    # the merge record names the mentions of each article
    rows = select(store, f"""SELECT ?m WHERE {{ <{BASE}id/merge/p2-peskow> cg:mergedMention ?m }}""")
    assert len(rows) == 1 and rows[0]["m"].startswith(f"{BASE}id/mention/p2-")


def test_spellings_merge_across_batches_and_survive_removing_the_first(tmp_path: Path) -> None:
    store = tmp_path / "store"
    peskow(tmp_path / "one", "p1", "Dmitri Peskow")
    peskow(tmp_path / "two", "p2", "Dmítri PESKOW")
    peskow(tmp_path / "three", "p3", "Peskow")
    for folder in ("one", "two", "three"):
        cli(store, "ingest", str(tmp_path / folder))
    assert {speaker_of(store, f"p{i}-unwahr") for i in (1, 2, 3)} == {f"{BASE}id/entity/dmitri-peskow"}
    cli(store, "remove", "p1")
    assert speaker_of(store, "p2-unwahr") == f"{BASE}id/entity/dmitri-peskow"
    assert select(store, f"SELECT ?t WHERE {{ <{BASE}id/entity/dmitri-peskow> a ?t }}")


def test_two_schaeubles_are_kept_apart_and_a_bare_surname_merges_into_neither(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    write_article(
        src,
        "s1",
        "Wolfgang Schäuble sagte, der Haushalt sei solide.",
        {"ws": ("Person", "Wolfgang Schäuble", ["Wolfgang Schäuble"])},
        [("s1-haushalt", "ws", "der Haushalt sei solide")],
    )
    write_article(
        src,
        "s2",
        "Thomas Schäuble erklärte, die Polizei sei gut aufgestellt.",
        {"ts": ("Person", "Thomas Schäuble", ["Thomas Schäuble"])},
        [("s2-polizei", "ts", "die Polizei sei gut aufgestellt")],
    )
    write_article(
        src,
        "s3",
        "Schäuble sagte, man werde sparen.",
        {"s": ("Person", "Schäuble", ["Schäuble"])},
        [("s3-sparen", "s", "man werde sparen")],
    )
    cli(store, "ingest", str(src))
    wolfgang, thomas, bare = (speaker_of(store, c) for c in ("s1-haushalt", "s2-polizei", "s3-sparen"))
    assert len({wolfgang, thomas, bare}) == 3
    assert bare == f"{BASE}id/entity/s3-s"  # an IRI of its own article
    rows = select(store, f"SELECT ?o WHERE {{ <{bare}> cg:possiblySameAs ?o }}")
    assert {r["o"] for r in rows} == {wolfgang, thomas}
    rule = select(store, f"SELECT ?r WHERE {{ <{BASE}id/merge/s3-s> cg:mergeRule ?r }}")
    assert [r["r"].rsplit("#", 1)[-1] for r in rule] == ["keptApart"]


def test_checked_wikidata_id_merges_different_names_and_conflicting_ids_do_not(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    write_article(
        src,
        "w1",
        "Wladimir Putin sagte, er wisse von nichts.",
        {"putin": ("Person", "Wladimir Putin", ["Wladimir Putin"], "Q7747")},
        [("w1-nichts", "putin", "er wisse von nichts")],
    )
    write_article(
        src,
        "w2",
        "Vladimir Putin erklärte, alles sei in Ordnung.",
        {"vp": ("Person", "Vladimir Putin", ["Vladimir Putin"], "Q7747")},
        [("w2-ordnung", "vp", "alles sei in Ordnung")],
    )
    write_article(
        src,
        "w3",
        "Wladimir Putin (der Musiker) sagte, er spiele heute.",
        {"other": ("Person", "Wladimir Putin", ["Wladimir Putin"], "Q22686")},
        [("w3-spiel", "other", "er spiele heute")],
    )
    cli(store, "ingest", str(src))
    assert speaker_of(store, "w1-nichts") == speaker_of(store, "w2-ordnung")
    assert speaker_of(store, "w3-spiel") != speaker_of(store, "w1-nichts")
    rule = select(store, f"SELECT ?r WHERE {{ <{BASE}id/merge/w2-vp> cg:mergeRule ?r }}")
    assert [r["r"].rsplit("#", 1)[-1] for r in rule] == ["byWikidataId"]


def test_anonymous_groups_are_never_merged(tmp_path: Path) -> None:
    store, src = tmp_path / "store", tmp_path / "src"
    for slug in ("g1", "g2"):
        write_article(
            src,
            slug,
            "Die Polizei sagte, es gebe keine Verletzten.",
            {"polizei": ("AnonymousGroup", "die Polizei", ["Die Polizei"])},
            [(f"{slug}-verletzte", "polizei", "es gebe keine Verletzten")],
        )
    cli(store, "ingest", str(src))
    assert speaker_of(store, "g1-verletzte") != speaker_of(store, "g2-verletzte")
