"""All or nothing: a write whose body is cut, malformed or mislabelled changes nothing.

A real gunicorn server, raw sockets for the broken requests (no client library would send
them), and the store's whole dump compared byte for byte before and after.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from conftest import UPDATE_TOKEN, LiveServer, claimgraph, start_server, stop_server

GRAPH = "http://example.org/hundred"
AUTH = f"Authorization: Bearer {UPDATE_TOKEN}\r\n"
TURTLE_1000 = b"".join(b"<http://e/s%d> <http://e/p> <http://e/o%d> .\n" % (i, i) for i in range(25))
#: The first statements of it, cut at a line end: valid Turtle on its own (as in the issue).
CUT = TURTLE_1000[: TURTLE_1000.index(b"\n", 40) + 1]


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("allornothing")
    src = tmp / "hundred.nt"
    src.write_text("".join(f"<http://e/a{i}> <http://e/p> <http://e/b{i}> .\n" for i in range(100)))
    store_dir = tmp / "store"
    claimgraph("load", "--store", str(store_dir), "--graph", GRAPH, str(src))
    server = start_server(store_dir, "--workers", "1", "--query-workers", "1", "--update-token", UPDATE_TOKEN)
    yield server
    stop_server(server)


def dump(srv: LiveServer) -> bytes:
    r = requests.get(srv.url + "/store", headers={"Accept": "application/n-quads"}, timeout=30)
    assert r.status_code == 200
    return r.content


def send_raw(srv: LiveServer, head: str, body: bytes = b"", half_close: bool = True) -> tuple[int | None, bytes]:
    """Send bytes as they are, half-close (the client is done or gone), read the answer."""
    port = int(srv.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode("latin-1") + body)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    if not answer.startswith(b"HTTP/1."):
        return None, answer
    return int(answer.split(b" ", 2)[1]), answer


def _put_head(
    length: int | str,
    extra: str = "",
    path: str = f"/store?graph={GRAPH}",
    method: str = "PUT",
    ctype: str = "text/turtle",
) -> str:
    length_header = f"Content-Length: {length}\r\n" if length != "" else ""
    return f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{AUTH}Content-Type: {ctype}\r\n{length_header}{extra}\r\n"


def test_a_complete_put_does_change_the_store(srv: LiveServer) -> None:
    """The control: the same request with its whole body is written (so the checks below can fail)."""
    before = dump(srv)
    status, _ = send_raw(
        srv,
        _put_head(len(TURTLE_1000), "Connection: close\r\n", path="/store?graph=http://example.org/control"),
        TURTLE_1000,
        half_close=False,
    )
    assert status == 201
    after = dump(srv)
    assert after != before and b"http://example.org/control" in after
    assert (
        requests.delete(
            srv.url + "/store",
            params={"graph": "http://example.org/control"},
            headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
            timeout=30,
        ).status_code
        == 204
    )


CUT_SHORT = [
    pytest.param("PUT", f"/store?graph={GRAPH}", "text/turtle", CUT, id="gsp-put"),
    pytest.param("POST", f"/store?graph={GRAPH}", "text/turtle", CUT, id="gsp-post"),
    pytest.param("POST", "/store", "text/turtle", CUT, id="store-post"),
    pytest.param(
        "POST",
        "/sparql",
        "application/sparql-update",
        b"INSERT DATA { <http://e/x> <http://e/y> <http://e/z> } ; DELETE WHERE { ?s ?p ?o }"[:50],
        id="update-direct",
    ),
    pytest.param(
        "POST", "/sparql", "application/x-www-form-urlencoded", b"update=CLEAR+ALL&x=" + b"a" * 30, id="update-form"
    ),
]


@pytest.mark.parametrize(("method", "path", "ctype", "body"), CUT_SHORT)
def test_a_body_shorter_than_its_content_length_writes_nothing(srv, method, path, ctype, body) -> None:
    before = dump(srv)
    status, answer = send_raw(srv, _put_head(1000, method=method, path=path, ctype=ctype), body)
    assert status in (400, None), answer
    if status == 400:
        assert b"nothing was written" in answer
    assert dump(srv) == before


def test_a_multipart_upload_cut_short_writes_nothing(srv: LiveServer) -> None:
    before = dump(srv)
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.ttl"\r\n'
            f"Content-Type: text/turtle\r\n\r\n"
        ).encode()
        + TURTLE_1000
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, answer = send_raw(
        srv, _put_head(len(body), ctype=f"multipart/form-data; boundary={boundary}"), body[: len(body) // 2]
    )
    assert status in (400, None), answer
    assert dump(srv) == before


CHUNKED = [
    pytest.param(b"31\r\n" + TURTLE_1000[:49] + b"\r\n", id="no-terminator"),
    pytest.param(b"zz\r\n" + TURTLE_1000[:49] + b"\r\n0\r\n\r\n", id="bad-size"),
    pytest.param(b"-5\r\nhello\r\n0\r\n\r\n", id="negative-size"),
    pytest.param(b"5;" + b"x" * 20_000 + b"\r\nhello\r\n0\r\n\r\n", id="long-extension"),
    pytest.param(b"ffffffffffffffffffffffff\r\nhello\r\n0\r\n\r\n", id="huge-size"),
    pytest.param(b"5\r\nhelloXX0\r\n\r\n", id="missing-chunk-crlf"),
]


@pytest.mark.parametrize("body", CHUNKED)
@pytest.mark.parametrize("path", [f"/store?graph={GRAPH}", "/sparql"])
def test_malformed_chunked_bodies_are_400_and_write_nothing(srv, body: bytes, path: str) -> None:
    before = dump(srv)
    ctype = "text/turtle" if path.startswith("/store") else "application/sparql-update"
    method = "PUT" if path.startswith("/store") else "POST"
    status, answer = send_raw(
        srv, _put_head("", "Transfer-Encoding: chunked\r\n", path=path, method=method, ctype=ctype), body
    )
    assert status in (400, None), answer
    assert dump(srv) == before
    assert requests.get(srv.url + "/health", timeout=10).status_code == 200


def test_content_length_with_transfer_encoding_is_400(srv: LiveServer) -> None:
    before = dump(srv)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(TURTLE_1000), TURTLE_1000)
    status, answer = send_raw(srv, _put_head(len(chunked), "Transfer-Encoding: chunked\r\n"), chunked)
    assert status == 400, answer
    assert dump(srv) == before


@pytest.mark.parametrize("charset", ["utf-16", "UTF-16LE", "iso-8859-1", "cp1252"])
def test_a_charset_the_body_does_not_have_is_refused(srv: LiveServer, charset: str) -> None:
    before = dump(srv)
    r = requests.put(
        srv.url + "/store",
        params={"graph": GRAPH},
        data=TURTLE_1000,
        headers={"Content-Type": f"text/turtle; charset={charset}", "Authorization": f"Bearer {UPDATE_TOKEN}"},
        timeout=30,
    )
    assert r.status_code == 415, r.text
    assert "UTF-8" in r.text
    assert dump(srv) == before


def test_utf8_and_ascii_charsets_are_taken(srv: LiveServer) -> None:
    for charset in ("utf-8", "UTF8", "us-ascii"):
        r = requests.put(
            srv.url + "/store",
            params={"graph": "http://example.org/cs"},
            data=TURTLE_1000,
            headers={"Content-Type": f"text/turtle; charset={charset}", "Authorization": f"Bearer {UPDATE_TOKEN}"},
            timeout=30,
        )
        assert r.status_code in (201, 204), r.text
    requests.delete(
        srv.url + "/store",
        params={"graph": "http://example.org/cs"},
        headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
        timeout=30,
    )


def test_a_write_whose_client_hung_up_is_not_committed(srv: LiveServer) -> None:
    """The whole body arrived, but the client closed its end before the write: not committed
    (the same path as a client that gives up on a slow upload check)."""
    before = dump(srv)
    status, _ = send_raw(srv, _put_head(len(TURTLE_1000), path="/store?graph=http://example.org/gone"), TURTLE_1000)
    assert status in (400, None)
    assert dump(srv) == before


def test_an_oversized_declared_body_is_413_unread(srv: LiveServer) -> None:
    before = dump(srv)
    status, answer = send_raw(srv, _put_head(10**12), b"<a:b> <a:c> <a:d> .\n")
    assert status == 413, answer
    assert dump(srv) == before


def _nt(prefix: str, n: int) -> bytes:
    return b"".join(b"<http://e/%s%d> <http://e/p> <http://e/o> .\n" % (prefix.encode(), i) for i in range(n))


def test_multipart_takes_every_file_under_one_field_name(srv: LiveServer) -> None:
    graph = "http://example.org/multi"
    files = [
        ("file", ("a.nt", _nt("first", 3), "application/n-triples")),
        ("file", ("b.ttl", _nt("second", 4), "text/turtle")),
        ("other", ("c.nt", _nt("third", 5), "application/n-triples")),
    ]
    r = requests.put(
        srv.url + "/store",
        params={"graph": graph},
        files=files,
        headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    got = requests.get(
        srv.url + "/store", params={"graph": graph}, headers={"Accept": "application/n-triples"}, timeout=30
    ).text
    assert got.count("\n") == 12
    for name in ("first2", "second3", "third4"):
        assert f"http://e/{name}" in got
    requests.delete(
        srv.url + "/store", params={"graph": graph}, headers={"Authorization": f"Bearer {UPDATE_TOKEN}"}, timeout=30
    )


def test_multipart_with_a_bad_part_writes_nothing_and_names_it(srv: LiveServer) -> None:
    before = dump(srv)
    files = [
        ("file", ("a.nt", _nt("ok", 3), "application/n-triples")),
        ("file", ("broken.ttl", b"<http://e/s> <http://e/p> .\n", "text/turtle")),
    ]
    r = requests.post(
        srv.url + "/store",
        params={"graph": GRAPH},
        files=files,
        headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
        timeout=30,
    )
    assert r.status_code == 400, r.text
    assert "broken.ttl" in r.text
    assert dump(srv) == before


def test_multipart_with_a_field_that_is_not_a_file_is_refused(srv: LiveServer) -> None:
    before = dump(srv)
    r = requests.post(
        srv.url + "/store",
        params={"graph": GRAPH},
        files=[("file", ("a.nt", _nt("ok", 3), "application/n-triples"))],
        data={"comment": "<http://e/s> <http://e/p> <http://e/o> ."},
        headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
        timeout=30,
    )
    assert r.status_code == 400, r.text
    assert "'comment'" in r.text
    assert dump(srv) == before
