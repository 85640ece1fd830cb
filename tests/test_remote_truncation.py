"""An external store that breaks off its answer: claimgraph reports it, never passes half an answer on.

The peer is a raw socket on loopback that answers every request with one prepared HTTP response,
so each way of ending an answer early can be produced exactly (a real store does it when it
crashes or hits its own limits mid-answer)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest

from claimgraph.graph.store import QueryRequest
from claimgraph.graph.store.errors import StoreUnavailable
from claimgraph.graph.store.remote import RemoteStore

ROWS = 3000
BODY = json.dumps(
    {
        "head": {"vars": ["s"]},
        "results": {"bindings": [{"s": {"type": "literal", "value": str(i)}} for i in range(ROWS)]},
    }
).encode()
JSON = "application/sparql-results+json"
TSV = "text/tab-separated-values"


def _response(framing: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {JSON}\r\n"
    if framing == "length":  # declares the whole body, sends what it is given
        return (head + f"Content-Length: {len(BODY)}\r\n\r\n").encode() + body
    if framing == "chunked":  # one chunk, and no terminating zero-length chunk unless complete
        end = b"0\r\n\r\n" if body == BODY else b""
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + b"%x\r\n" % len(body) + body + b"\r\n" + end
    return (head + "Connection: close\r\n\r\n").encode() + body  # the end of the answer is the close


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            missing = int(line.split(b":", 1)[1]) - len(rest)
            while missing > 0:
                missing -= len(conn.recv(65536))


@pytest.fixture
def peer() -> Iterator[dict[str, bytes]]:
    """A loopback 'store' answering with ``answer['bytes']``, then closing the connection."""
    answer: dict[str, bytes] = {}
    listener = socket.create_server(("127.0.0.1", 0))
    answer["url"] = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql".encode()

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                _read_request(conn)
                conn.sendall(answer["bytes"])

    threading.Thread(target=serve, daemon=True).start()
    yield answer
    listener.close()


def _ask(answer: dict[str, bytes], media_type: str) -> bytes:
    store = RemoteStore(answer["url"].decode(), convert_formats=[TSV])
    try:
        with store.prepare(QueryRequest(query="SELECT ?s WHERE { ?s ?p ?o }")) as prepared:
            return b"".join(prepared.stream(media_type))
    finally:
        store.close()


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
@pytest.mark.parametrize("media_type", [JSON, TSV])
def test_an_answer_broken_off_is_an_error(peer: dict[str, bytes], framing: str, media_type: str) -> None:
    peer["bytes"] = _response(framing, BODY[: len(BODY) // 2])
    with pytest.raises(StoreUnavailable):
        _ask(peer, media_type)


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
@pytest.mark.parametrize("media_type", [JSON, TSV])
def test_a_complete_answer_arrives_whole(peer: dict[str, bytes], framing: str, media_type: str) -> None:
    peer["bytes"] = _response(framing, BODY)
    got = _ask(peer, media_type)
    if media_type == JSON:
        assert [b["s"]["value"] for b in json.loads(got)["results"]["bindings"]] == [str(i) for i in range(ROWS)]
    else:
        assert got.decode().splitlines() == ["?s", *(f'"{i}"' for i in range(ROWS))]
