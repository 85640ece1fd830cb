"""schema.org and Web Annotation as their users read them.

claimgraph writes schema.org terms in the ``http://schema.org/`` namespace, the one Wikidata's
and ClaimsKG's data use, so a query written for their data joins with claimgraph's without
any mapping. Each claim carries the schema:Claim properties such tools read, and each span is
the selector of a proper ``oa:Annotation``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from claimgraph.graph.store.embedded.snapshots import open_snapshot

BASE = "https://w3id.org/claimgraph/id/"
#: Wikidata's data as its RDF dumps and query service state it (http://schema.org/).
WIKIDATA_STYLE = """
@prefix schema: <http://schema.org/> .
@prefix wd: <http://www.wikidata.org/entity/> .
wd:Q317521 schema:name "Elon Musk"@en ; schema:description "businessman and investor"@en .
wd:Q7747 schema:name "Vladimir Putin"@en ; schema:description "President of Russia"@en .
"""


@pytest.fixture(scope="module")
def store(seed_store: Path) -> Iterator[ox.Store]:
    """The seed store's dataset with Wikidata-style data beside it, in memory."""
    joined = ox.Store()
    with open_snapshot(seed_store / "oxigraph") as snap:
        joined.extend(snap.store)
    joined.load(WIKIDATA_STYLE.encode(), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("http://example.org/wikidata"))
    yield joined


def _rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    result = store.query(query, use_default_graph_as_union=False)
    return [{str(v)[1:]: s[v].value for v in result.variables if s[v] is not None} for s in result]


def test_claims_join_with_wikidata_style_schema_org_data(store: ox.Store) -> None:
    rows = _rows(
        store,
        """
        PREFIX schema: <http://schema.org/>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT DISTINCT ?claim ?name WHERE {
          ?claim a schema:Claim ; schema:about ?entity .
          ?entity owl:sameAs ?wd .
          GRAPH <http://example.org/wikidata> { ?wd schema:name ?name }
          FILTER (?claim = <%sclaim/peskow-telefonat-technologien>)
        } ORDER BY ?name"""
        % BASE,
    )
    assert [r["name"] for r in rows] == ["Elon Musk", "Vladimir Putin"]


def test_the_https_namespace_is_not_used_so_no_join_fails_silently(store: ox.Store) -> None:
    rows = _rows(
        store,
        "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } "
        "FILTER (STRSTARTS(STR(?p), 'https://schema.org/') || STRSTARTS(STR(?o), 'https://schema.org/')) }",
    )
    assert rows == [{"n": "0"}]


def test_a_claim_carries_what_schema_org_readers_expect(store: ox.Store) -> None:
    claim = f"<{BASE}claim/peskow-fake-news>"
    rows = _rows(
        store,
        f"""
        PREFIX schema: <http://schema.org/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?text ?author ?first ?label (COUNT(DISTINCT ?doc) AS ?appearances) (COUNT(DISTINCT ?about) AS ?abouts) WHERE {{
          {claim} schema:text ?text ; schema:author ?author ; schema:firstAppearance ?first ;
                  schema:appearance ?doc ; schema:about ?about ; rdfs:label ?label .
          FILTER (lang(?label) = "en")
        }} GROUP BY ?text ?author ?first ?label""",
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["text"].startswith("Das ist völlig unwahr")
    assert row["author"] == f"{BASE}entity/dmitri-peskow"
    assert row["label"].startswith("Kremlin spokesman Dmitry Peskov")
    assert row["first"] == f"{BASE}document/thanh-nien-185241025182056823"
    assert int(row["appearances"]) >= 2 and int(row["abouts"]) >= 1


def test_every_span_is_the_selector_of_an_annotation_on_its_file(store: ox.Store) -> None:
    rows = _rows(
        store,
        """
        PREFIX cg: <https://w3id.org/claimgraph/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT (COUNT(DISTINCT ?span) AS ?spans) (COUNT(DISTINCT ?annotated) AS ?annotated) WHERE {
          ?span cg:inFile ?file .
          OPTIONAL {
            ?annotation a oa:Annotation ; oa:hasBody ?body ; oa:hasTarget ?target .
            ?target a oa:SpecificResource ; oa:hasSource ?file ; oa:hasSelector ?span .
            BIND (?span AS ?annotated)
          }
        }""",
    )
    assert int(rows[0]["spans"]) > 80
    assert rows[0]["annotated"] == rows[0]["spans"]
    body = _rows(
        store,
        f"""
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?body WHERE {{ ?a oa:hasTarget/oa:hasSelector <{BASE}span/peskow-fake-news> ; oa:hasBody ?body }}""",
    )
    assert body == [{"body": f"{BASE}claim/peskow-fake-news"}]
