"""Hostile uploads: read in an isolated child with limits, refused with a clear 400, never a worker lost.

The inputs of issue 19 (JSON-LD nested 10 000 deep, Turtle triple terms nested 100 000 deep,
RDF/XML entity expansion, RDF/XML nested 60 000 deep) against a real server, whose worker
processes must be the same ones afterwards; the child's own limits (time, memory) directly;
and the same checks in ``claimgraph load``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import psutil
import pytest
import requests

from claimgraph.graph.store.base import DataError
from claimgraph.graph.store.sandbox import MAX_DEPTH, UploadLimits, parse_isolated, precheck, precheck_stream
from conftest import UPDATE_TOKEN, LiveServer, claimgraph, start_server, stop_server

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/"'


def jsonld_deep(n: int) -> bytes:
    return b'{"@id":"http://e/s","http://e/p":' * n + b'"x"' + b"}" * n


def triple_terms_deep(n: int) -> bytes:
    term = "<http://e/c>"
    for _ in range(n):
        term = f"<<( <http://e/a> <http://e/b> {term} )>>"
    return f"<http://e/s> <http://e/p> {term} .\n".encode()


def rdfxml_deep(n: int) -> bytes:
    return (
        f"<rdf:RDF {RDF}>".encode()
        + b"<rdf:Description><e:p>" * n
        + b"x"
        + b"</e:p></rdf:Description>" * n
        + b"</rdf:RDF>"
    )


LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE r [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<rdf:RDF {RDF}><rdf:Description rdf:about="http://e/s"><e:p>&f;</e:p></rdf:Description></rdf:RDF>
""".encode()

EXTERNAL = f"""<?xml version="1.0"?>
<!DOCTYPE r [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF {RDF}><rdf:Description rdf:about="http://e/s"><e:p>&x;</e:p></rdf:Description></rdf:RDF>
""".encode()

PLAIN_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY ex "http://e/"> ]>
<rdf:RDF {RDF}><rdf:Description rdf:about="&ex;s"><e:p>x</e:p></rdf:Description></rdf:RDF>
""".encode()

HOSTILE = [
    pytest.param(jsonld_deep(10_000), "application/ld+json", "deep", id="jsonld-10000-deep"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, "application/ld+json", "deep", id="json-arrays-100000-deep"),
    pytest.param(
        b"<http://e/s> <http://e/p> "
        + b"<<( <http://e/a> <http://e/b> " * 100_000
        + b"<http://e/c>"
        + b" )>>" * 100_000
        + b" .\n",
        "text/turtle",
        "triple terms",
        id="turtle-100000-deep-terms",
    ),
    pytest.param(rdfxml_deep(60_000), "application/rdf+xml", "deep", id="rdfxml-60000-deep"),
    pytest.param(LAUGHS, "application/rdf+xml", "other entities", id="rdfxml-entity-expansion"),
    pytest.param(EXTERNAL, "application/rdf+xml", "external entit", id="rdfxml-external-entity"),
]


@pytest.mark.parametrize(("data", "media_type", "why"), HOSTILE)
def test_prechecks_refuse_hostile_inputs_at_once(data: bytes, media_type: str, why: str) -> None:
    with pytest.raises(DataError, match=why):
        precheck(data, media_type)


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (jsonld_deep(MAX_DEPTH // 2 - 1), "application/ld+json"),
        (triple_terms_deep(40), "text/turtle"),
        (rdfxml_deep(40), "application/rdf+xml"),
        (PLAIN_ENTITY, "application/rdf+xml"),
        # << and >> inside strings and comments are no nesting
        (b'<http://e/s> <http://e/p> """' + b"<<" * 1000 + b'\n""" . # ' + b"<<" * 1000 + b"\n", "text/turtle"),
    ],
)
def test_ordinary_nesting_is_read(data: bytes, media_type: str) -> None:
    precheck(data, media_type)
    assert parse_isolated(data, media_type, base_iri="http://e/").quads >= 1


def test_a_long_string_across_pieces_is_followed() -> None:
    """The streaming check reads a megabyte at a time: a long string holding << and spanning
    pieces must not count, and real nesting after it must."""
    inside = b"<< " * 400_000 + b"\n"  # 1.2 MB of << inside one long string
    data = b'<http://e/s> <http://e/p> """\n' + inside + b'""" .\n'
    precheck_stream(io.BytesIO(data), "text/turtle")
    with pytest.raises(DataError, match="triple terms"):
        precheck_stream(io.BytesIO(data + triple_terms_deep(MAX_DEPTH + 1)), "text/turtle")


def test_the_child_has_a_time_limit() -> None:
    data = b"<http://e/s> <http://e/p> <http://e/o> .\n" * 200_000
    with pytest.raises(DataError, match="longer than the limit"):
        parse_isolated(data, "application/n-triples", limits=UploadLimits(timeout=0.01))


def test_the_child_has_a_memory_limit_and_its_death_is_a_clear_error() -> None:
    data = b"".join(b"<http://e/s%d> <http://e/p> <http://e/o> .\n" % i for i in range(400_000))
    with pytest.raises(DataError, match="memory|died"):
        parse_isolated(data, "application/n-triples", limits=UploadLimits(memory_bytes=30 * 2**20))


def test_the_child_returns_flat_nquads_with_fresh_blank_nodes() -> None:
    parsed = parse_isolated(
        b"@prefix e: <http://e/> . e:s e:p [ e:q 1 ] , <rel> .", "text/turtle", base_iri="http://base/"
    )
    assert parsed.quads == 3 and not parsed.names_graphs
    assert b"<http://base/rel>" in parsed.nquads and b"_:" in parsed.nquads


# -- against a real server --------------------------------------------------------------------


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("uploads")
    src = tmp / "ten.nt"
    src.write_text("".join(f"<http://e/a{i}> <http://e/p> <http://e/b{i}> .\n" for i in range(10)))
    store_dir = tmp / "store"
    claimgraph("load", "--store", str(store_dir), "--graph", "http://example.org/ten", str(src))
    server = start_server(store_dir, "--workers", "2", "--query-workers", "1", "--update-token", UPDATE_TOKEN)
    yield server
    stop_server(server)


def _workers(srv: LiveServer) -> dict[int, int]:
    """The gunicorn workers (pid -> RSS): the master's direct children."""
    out = {}
    for child in psutil.Process(srv.process.pid).children():
        try:
            out[child.pid] = child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return out


def _dump(srv: LiveServer) -> bytes:
    return requests.get(srv.url + "/store", headers={"Accept": "application/n-quads"}, timeout=30).content


@pytest.mark.parametrize(("data", "media_type", "why"), HOSTILE)
def test_hostile_uploads_cost_only_their_request(srv: LiveServer, data: bytes, media_type: str, why: str) -> None:
    before, workers = _dump(srv), _workers(srv)
    r = requests.put(
        srv.url + "/store",
        params={"graph": "http://example.org/hostile"},
        data=data,
        headers={"Content-Type": media_type, "Authorization": f"Bearer {UPDATE_TOKEN}"},
        timeout=120,
    )
    assert r.status_code == 400, r.text
    assert why in r.text and "nothing was written" in r.text
    assert requests.get(srv.url + "/health", timeout=10).status_code == 200
    after = _workers(srv)
    assert set(workers) <= set(after), "a worker was lost"
    for pid, rss in workers.items():
        assert after[pid] < rss + 512 * 2**20, "a worker grew by more than 512 MB"
    assert _dump(srv) == before


def test_a_multipart_part_is_isolated_too(srv: LiveServer) -> None:
    before = _dump(srv)
    files = [
        ("file", ("ok.nt", b"<http://e/s> <http://e/p> <http://e/o> .\n", "application/n-triples")),
        ("file", ("deep.jsonld", jsonld_deep(10_000), "application/ld+json")),
    ]
    r = requests.post(
        srv.url + "/store",
        params={"graph": "http://example.org/hostile"},
        files=files,
        headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
        timeout=120,
    )
    assert r.status_code == 400 and "deep.jsonld" in r.text
    assert _dump(srv) == before


def test_claimgraph_load_applies_the_same_checks(tmp_path) -> None:
    store_dir = tmp_path / "store"
    good = tmp_path / "good.nt"
    good.write_bytes(b"<http://e/s> <http://e/p> <http://e/o> .\n")
    claimgraph("load", "--store", str(store_dir), str(good))
    before = claimgraph("dump", "--store", str(store_dir)).stdout
    for name, data in (
        ("deep.jsonld", jsonld_deep(10_000)),
        ("laughs.rdf", LAUGHS),
        ("terms.ttl", triple_terms_deep(MAX_DEPTH + 5)),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        result = claimgraph("load", "--store", str(store_dir), str(good), str(path), check=False)
        assert result.returncode != 0
        assert "nothing was loaded" in result.stderr and name in result.stderr
    assert claimgraph("dump", "--store", str(store_dir)).stdout == before
