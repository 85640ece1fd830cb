"""Slow clients cannot take the server down (issue 16): raw sockets against a real gunicorn.

Connections that send their request head one line at a time, or sit idle after a request, are
held by the worker's poller (server/worker.py), not by a thread: probes from another client are
answered meanwhile. A head or body that does not arrive in time gets 408 and the connection is
closed. Requests that arrive in pieces, pipelined or with ``Expect: 100-continue`` are still
served as before. (bench/slow_clients.py holds 1 000 of each; here 200 keep the suite light.)
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from claimgraph.sizing import plan
from tests.conftest import LiveServer, start_server, stop_server

SLOW = 200
HEADER_TIMEOUT = 8.0
ASK = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def slow_server(seed_store: Path) -> Iterator[LiveServer]:
    srv = start_server(seed_store, env={"CLAIMGRAPH_HEADER_TIMEOUT": str(HEADER_TIMEOUT)})
    yield srv
    stop_server(srv)


def _address(server: LiveServer) -> tuple[str, int]:
    parts = urlsplit(server.url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


def _connect(server: LiveServer) -> socket.socket:
    sock = socket.create_connection(_address(server), timeout=10)
    return sock


def _read_response(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Everything the server sends until it closes the connection (or ``timeout``)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def _read_and_hang_up(sock: socket.socket) -> bytes:
    """The whole answer (until the server closes), then close our side at once."""
    try:
        return _read_response(sock)
    finally:
        sock.close()


def _answer_then_eof(sock: socket.socket) -> bytes:
    """One answer with all the bytes its Content-Length announces, then the server's end-of-file
    (a time-out or reset fails)."""
    sock.settimeout(10)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    [length] = [line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    assert len(body) == int(length), data
    return data


def _probe(server: LiveServer) -> int:
    """A fresh client asking a real query; fails (raises) if not answered within a few seconds."""
    reply = requests.get(
        server.sparql, params={"query": ASK}, headers={"Accept": "application/sparql-results+json"}, timeout=4
    )
    return reply.status_code


def test_probes_are_answered_while_slow_header_clients_are_held(slow_server: LiveServer) -> None:
    socks = []
    try:
        for _ in range(SLOW):
            sock = _connect(slow_server)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            socks.append(sock)
        statuses = []
        for line in range(4):  # one more header line on every slow connection, then a probe
            for sock in socks:
                sock.sendall(f"X-Slow-{line}: {line}\r\n".encode())
            statuses.append(_probe(slow_server))
            time.sleep(0.5)
        assert statuses == [200] * 4
        # The slow clients were held, not dropped: finishing their heads gets them answered.
        for sock in socks[:20]:
            sock.sendall(b"Connection: close\r\n\r\n")
        # Read all twenty at once, each hanging up at the end of its answer as a client does:
        # gunicorn closes after "Connection: close" on the worker's main thread, waiting up to
        # 2 s for the client to hang up, so reading them one by one waits 2 s per connection.
        with ThreadPoolExecutor(len(socks[:20])) as pool:
            answers = list(pool.map(_read_and_hang_up, socks[:20]))
        for answer in answers:
            assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
    finally:
        for sock in socks:
            sock.close()


def test_probes_are_answered_while_idle_keepalive_connections_are_held(slow_server: LiveServer) -> None:
    socks = []
    try:
        for _ in range(SLOW):
            sock = _connect(slow_server)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            socks.append(sock)
        for sock in socks:  # each answered; the connection stays open (keep-alive)
            sock.settimeout(10)
            head = sock.recv(65536)
            assert head.startswith(b"HTTP/1.1 200"), head[:100]
        assert [_probe(slow_server) for _ in range(3)] == [200] * 3
        # A kept-alive connection sending its next request slowly does not hold a thread either.
        for sock in socks:
            sock.sendall(b"GET /health HTTP/1.1\r\n")
        assert _probe(slow_server) == 200
    finally:
        for sock in socks:
            sock.close()


def test_probes_are_answered_while_closed_connections_are_not_hung_up(slow_server: LiveServer) -> None:
    """Clients that ask ``Connection: close`` and then keep their socket open: the server closes
    each gracefully (its answer whole, then end-of-file) without stalling anybody else. gthread
    lingered up to 2 s per such client on the worker's event loop: 20 held probes for 40 s."""
    socks = []
    try:
        for _ in range(20):
            sock = _connect(slow_server)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            socks.append(sock)
        assert _answer_then_eof(socks[0]).startswith(b"HTTP/1.1 200")
        # The others are answered and lingering too, none has hung up: nobody waits for them.
        assert [_probe(slow_server) for _ in range(3)] == [200] * 3
        for sock in socks[1:]:  # each got its whole answer, then the server's end-of-file
            assert _answer_then_eof(sock).startswith(b"HTTP/1.1 200")
        # A client that sends more after its last answer is drained, not reset mid-answer.
        late = _connect(slow_server)
        socks.append(late)
        late.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert _answer_then_eof(late).startswith(b"HTTP/1.1 200")
        late.sendall(b"x" * 1000)
        assert _probe(slow_server) == 200
    finally:
        for sock in socks:
            sock.close()


def test_a_head_that_does_not_arrive_in_time_gets_408(slow_server: LiveServer) -> None:
    sock = _connect(slow_server)
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        started = time.monotonic()
        sock.settimeout(1.0)
        answer = b""
        # A header line every second for up to 30 s: the server cuts it off at its deadline.
        for line in range(30):
            try:
                sock.sendall(f"X-Line-{line}: x\r\n".encode())
                answer += sock.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if answer:
                break
        held = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
        assert HEADER_TIMEOUT - 1 <= held < 30 - 5
    finally:
        sock.close()


def test_a_trickling_body_gets_408(slow_server: LiveServer) -> None:
    sock = _connect(slow_server)
    body = ("query=" + ASK).encode()
    try:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        )
        sock.settimeout(0.5)
        answer = b""
        for byte in body:  # one byte every half second: far below the minimum rate
            try:
                sock.sendall(bytes([byte]))
                answer += sock.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if answer:
                break
        assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    finally:
        sock.close()


def test_a_client_hanging_up_mid_head_costs_nothing(slow_server: LiveServer) -> None:
    for _ in range(50):
        sock = _connect(slow_server)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost")
        sock.close()
    assert _probe(slow_server) == 200


def test_a_truncated_body_then_half_close_is_answered_as_before(slow_server: LiveServer) -> None:
    """The client sends part of a chunked body and closes its side: it still gets a 4xx."""
    sock = _connect(slow_server)
    try:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n1c\r\nSELECT * WHERE { ?s ?p ?o }\r\n"
        )
        sock.shutdown(socket.SHUT_WR)
        answer = _read_response(sock)
    finally:
        sock.close()
    assert answer[:10] == b"HTTP/1.1 4" or answer.startswith(b"HTTP/1.0 4"), answer[:100]


def test_requests_in_pieces_are_served_as_before(slow_server: LiveServer) -> None:
    """Head and a chunked body in small pieces with pauses: one request, one right answer."""
    body = ("query=" + requests.utils.quote(ASK)).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i : i + 7]), body[i : i + 7]) for i in range(0, len(body), 7))
    message = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: application/sparql-results+json\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + chunks + b"0\r\n\r\n"
    )
    sock = _connect(slow_server)
    try:
        for i in range(0, len(message), 40):
            sock.sendall(message[i : i + 40])
            time.sleep(0.02)
        answer = _read_response(sock)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert b'"n"' in answer


def test_pipelined_requests_are_both_answered(slow_server: LiveServer) -> None:
    sock = _connect(slow_server)
    try:
        # The second request arrives with the first, its end only later.
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.3)
        sock.sendall(b"Connection: close\r\n\r\n")
        answer = _read_response(sock)
    finally:
        sock.close()
    assert answer.count(b"HTTP/1.1 200") == 2, answer[:300]


def test_expect_100_continue_gets_one_interim_response(slow_server: LiveServer) -> None:
    body = ("query=" + requests.utils.quote(ASK)).encode()
    sock = _connect(slow_server)
    try:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: application/sparql-results+json\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        sock.settimeout(5)
        interim = sock.recv(65536)  # the client waits for it before sending its body
        assert interim.startswith(b"HTTP/1.1 100"), interim
        sock.sendall(body)
        answer = interim + _read_response(sock)
    finally:
        sock.close()
    assert answer.count(b"HTTP/1.1 100") == 1
    assert b"HTTP/1.1 200" in answer


def test_parallel_clients_are_answered_beside_slow_ones(slow_server: LiveServer) -> None:
    """While slow clients are held, normal clients in parallel all get answers."""
    socks = [_connect(slow_server) for _ in range(50)]
    results: list[int] = []
    try:
        for sock in socks:
            sock.sendall(b"GET /health HTTP/1.1\r\n")
        threads = [threading.Thread(target=lambda: results.append(_probe(slow_server))) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for sock in socks:
            sock.close()
    assert results == [200] * 8


def test_the_server_prints_what_it_chose_from_the_machine(slow_server: LiveServer) -> None:
    port = urlsplit(slow_server.url).port
    log = (slow_server.store_dir.parent / f"server-{port}.log").read_text(encoding="utf-8", errors="replace")
    chosen = plan()
    assert f"serving with {chosen.workers} worker(s) x 8 threads, {chosen.executors} query executor(s)" in log
    assert "Booting worker" in log and "Using worker: BufferingWorker" in log
