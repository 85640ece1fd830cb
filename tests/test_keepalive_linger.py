"""A thread that answered a kept-alive request serves the connection's next one itself
(server/worker.py, ``CLAIMGRAPH_KEEPALIVE_LINGER``), but only one that arrived whole.

One worker with one thread and a long linger (half a second), so that the thread is surely
lingering when the next bytes arrive: requests that arrive whole are answered right; a partial
head, a partial body, pipelined requests and a client that hangs up go to the poller, and the
only thread stays free for others (a probe on another connection is answered meanwhile).
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests

from tests.conftest import LiveServer, start_server, stop_server

LINGER = 0.5
HEADER_TIMEOUT = 2.0
ASK = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def lingering(seed_store: Path) -> Iterator[LiveServer]:
    srv = start_server(
        seed_store,
        "--workers",
        "1",
        "--threads",
        "1",
        env={"CLAIMGRAPH_KEEPALIVE_LINGER": str(LINGER), "CLAIMGRAPH_HEADER_TIMEOUT": str(HEADER_TIMEOUT)},
    )
    yield srv
    stop_server(srv)


def _connect(server: LiveServer) -> socket.socket:
    parts = urlsplit(server.url)
    assert parts.hostname and parts.port
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def _get(query: str, close: bool = False) -> bytes:
    extra = b"Connection: close\r\n" if close else b""
    return b"GET /sparql?query=%s HTTP/1.1\r\nHost: x\r\nAccept: %s\r\n%s\r\n" % (
        quote(query).encode(),
        JSON.encode(),
        extra,
    )


def _post(query: str) -> bytes:
    body = query.encode()
    return (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: %s\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (JSON.encode(), len(body), body)
    )


def _response(sock: socket.socket) -> tuple[int, bytes]:
    """One response off a kept-alive connection (the client sends nothing more meanwhile)."""
    resp = http.client.HTTPResponse(sock)
    resp.begin()
    return resp.status, resp.read()


def _probe(server: LiveServer) -> int:
    """Another client; raises when nobody answers within a few seconds."""
    reply = requests.get(server.sparql, params={"query": ASK}, headers={"Accept": JSON}, timeout=4)
    return reply.status_code


def test_requests_that_arrive_whole_are_answered_one_after_another(lingering: LiveServer) -> None:
    """GETs and a direct POST with its body on one connection, each sent as soon as the last
    answer came (within the linger): every answer is the right one, in order."""
    sock = _connect(lingering)
    try:
        for i in range(12):
            query = f"SELECT ({i} AS ?i) WHERE {{}}"
            sock.sendall(_post(query) if i % 3 == 2 else _get(query))
            status, body = _response(sock)
            assert status == 200, body
            assert json.loads(body)["results"]["bindings"][0]["i"]["value"] == str(i)
    finally:
        sock.close()


def test_a_partial_head_during_the_linger_goes_to_the_poller(lingering: LiveServer) -> None:
    """The only thread must not wait for the rest of a head: a probe is answered meanwhile,
    and the head that never ends gets 408."""
    sock = _connect(lingering)
    try:
        sock.sendall(_get(ASK))
        assert _response(sock)[0] == 200
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # ... and no end of head
        time.sleep(0.1)  # arrives while the thread lingers
        assert _probe(lingering) == 200
        sock.settimeout(HEADER_TIMEOUT + 8)
        answer = sock.recv(65536)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_a_partial_body_during_the_linger_goes_to_the_poller(lingering: LiveServer) -> None:
    sock = _connect(lingering)
    try:
        sock.sendall(_get(ASK))
        assert _response(sock)[0] == 200
        message = _post("SELECT (7 AS ?seven) WHERE {}")
        cut = len(message) - 10
        sock.sendall(message[:cut])  # the head and part of the body, while the thread lingers
        time.sleep(0.1)
        assert _probe(lingering) == 200  # the thread is not held by the missing bytes
        sock.sendall(message[cut:])
        status, body = _response(sock)
    finally:
        sock.close()
    assert status == 200, body
    assert b"seven" in body and b'"7"' in body


def test_a_head_split_across_the_linger_is_answered(lingering: LiveServer) -> None:
    sock = _connect(lingering)
    try:
        sock.sendall(_get(ASK))
        assert _response(sock)[0] == 200
        message = _get("SELECT (8 AS ?eight) WHERE {}")
        sock.sendall(message[:20])
        time.sleep(LINGER + 0.3)
        sock.sendall(message[20:])
        status, body = _response(sock)
    finally:
        sock.close()
    assert status == 200, body
    assert b"eight" in body


def test_pipelined_requests_during_the_linger_are_all_answered(lingering: LiveServer) -> None:
    sock = _connect(lingering)
    try:
        sock.sendall(_get(ASK))
        assert _response(sock)[0] == 200
        sock.sendall(_get("SELECT (1 AS ?a) WHERE {}") + _get("SELECT (2 AS ?b) WHERE {}", close=True))
        sock.settimeout(10)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    finally:
        sock.close()
    assert answer.count(b"HTTP/1.1 200") == 2, answer[:400]
    assert answer.index(b'"a"') < answer.index(b'"b"')


def test_a_client_hanging_up_during_the_linger_costs_nothing(lingering: LiveServer) -> None:
    sock = _connect(lingering)
    sock.sendall(_get(ASK))
    assert _response(sock)[0] == 200
    sock.close()
    assert _probe(lingering) == 200
    assert _probe(lingering) == 200
