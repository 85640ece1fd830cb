"""A gunicorn worker that gives a connection to a thread only once its request has arrived.

gunicorn's ``gthread`` worker hands a connection to a thread as soon as its first byte arrives;
the thread then parses the request head (and the app reads the body) with blocking reads. Twenty
clients sending one header line every five seconds held every thread of two workers, and the
server answered nobody. Here the worker's poller reads the head and the body (up to
``max_body_bytes``) from non-blocking sockets into a buffer, with deadlines: a head not complete
within ``header_timeout`` seconds, or a body arriving slower than ``body_min_rate`` bytes per
second (after ``body_grace`` seconds) or taking longer than ``body_timeout``, gets 408 and is
closed. A complete request is then put back in front of gunicorn's own parser (its unreader), so
parsing, limits, errors and the socket the application sees (``gunicorn.socket``, which
claimgraph watches for a client hanging up) are gunicorn's, unchanged.

A thread that answered a kept-alive request waits up to ``linger`` seconds for the connection's
next request and serves it itself when it arrived whole and no other request waits for a thread
(see :meth:`BufferingWorker.handle`); anything partial goes to the poller as above.

TLS and HTTP/2 prior-knowledge connections keep gthread's behaviour (their bytes are not plain
HTTP/1 on the socket).
"""

from __future__ import annotations

import errno
import select
import selectors
import socket
import time
from functools import partial
from typing import Any

from gunicorn import util
from gunicorn.http import wsgi
from gunicorn.http.body import ChunkedReader, LengthReader
from gunicorn.http.message import Request
from gunicorn.http.unreader import Unreader
from gunicorn.http2 import negotiation
from gunicorn.workers.gthread import TConn, ThreadWorker

_REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
#: Longest chunk-size line (with extensions) waited for; gunicorn's own limit decides beyond it.
_CHUNK_LINE_MAX = 70_000


class OneWriteResponse(wsgi.Response):
    """gunicorn's HTTP/1 response, whose head goes out in the same ``sendall`` as the first
    body bytes.

    gunicorn writes the head, then each body chunk, each with a system call of its own (and a
    TCP segment the client wakes up for): a point look-up's answer of a few hundred bytes cost
    two of each. Here the head is held until the first body bytes (or the end of the response,
    or a ``sendfile``) and sent with them. Chunked bodies are framed as before, after the head.
    The head is built as gunicorn's ``send_headers`` builds it."""

    _held = b""

    def send_headers(self) -> None:
        if self.headers_sent:  # type: ignore[has-type]  # set by gunicorn
            return
        tosend = self.default_headers()
        tosend.extend(["%s: %s\r\n" % (k, v) for k, v in self.headers])
        self._held = ("%s\r\n" % "".join(tosend)).encode("latin-1")
        self.headers_sent = True

    def _send_held(self) -> None:
        held, self._held = self._held, b""
        if held:
            util.write(self.sock, held)

    def _emit_body(self, data: bytes) -> None:
        if self._held and not self.chunked:
            held, self._held = self._held, b""
            util.write(self.sock, held + data)
            return
        self._send_held()
        super()._emit_body(data)

    def sendfile(self, respiter: Any) -> bool:
        self.send_headers()
        self._send_held()
        return bool(super().sendfile(respiter))

    def close(self) -> None:
        self.send_headers()
        self._send_held()  # a body-less or empty response: the head alone
        super().close()


def _one_bodiless_head(data: bytes | bytearray) -> bool:
    """Whether ``data`` is exactly one request head that announces no body: it ends at its
    first blank line (CRLF only) and names no ``Content-Length``, ``Transfer-Encoding`` or
    ``Expect`` (a case-blind search of the whole head, URL included: a false alarm only means
    the full parse). Anything else is left to gunicorn's parser."""
    if data.find(b"\r\n\r\n") != len(data) - 4 or data.find(b"\n\n") >= 0:
        return False
    head = data.lower()
    return b"content-length" not in head and b"transfer-encoding" not in head and b"expect" not in head


class _NeedMore(Exception):
    """The buffered bytes end before the request head does."""


class _BufferUnreader(Unreader):
    """gunicorn's parser over the bytes received so far: running out raises instead of blocking."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data: bytes | None = data

    def chunk(self, size_hint: int | None = None) -> bytes:
        if self._data is None:
            raise _NeedMore()
        data, self._data = self._data, None
        return data


class _Reading:
    """What the poller knows about one connection whose request is still arriving."""

    __slots__ = (
        "buf",
        "started",
        "head_len",
        "body_started",
        "need",
        "chunked",
        "chunk_pos",
        "sent_continue",
        "scanned",
    )

    def __init__(self, data: bytes, now: float) -> None:
        self.buf = bytearray(data)
        self.started = now
        self.head_len: int | None = None  # bytes of the head, once it is complete
        self.body_started = 0.0
        self.need = 0  # body bytes still to buffer (length-delimited bodies)
        self.chunked = False
        self.chunk_pos = 0  # start of the next chunk-size line (chunked bodies)
        self.sent_continue = False
        self.scanned = 0  # head bytes already searched for its end


class BufferingWorker(ThreadWorker):
    """``gthread`` whose threads only ever see complete requests (see the module docstring)."""

    #: Set by :func:`claimgraph.server.gunicorn.run` before the workers fork.
    header_timeout: float = 10.0
    body_min_rate: float = 4096.0
    body_grace: float = 10.0
    body_timeout: float = 60.0
    max_body_bytes: int = 8 * 1024 * 1024
    #: A declared body longer than this is refused (413) unread: handed over at once.
    max_declared_bytes: int = 64 * 1024 * 1024
    #: How often (seconds) the deadlines of connections still sending are checked.
    sweep_every: float = 0.25
    #: How long (seconds) a thread that answered a kept-alive request waits on the same
    #: connection for the next one, when no other request waits for a thread (0: never).
    linger: float = 0.002
    #: How often (seconds) the worker tells the arbiter it is alive (a file's mtime).
    notify_every: float = 1.0
    #: How long (seconds) a client whose connection closes after its answer gets to hang up,
    #: and how much it may still send meanwhile (RFC 9112, 9.6; gthread's own figures).
    close_linger: float = 2.0
    close_drain: int = 65536

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading: dict[TConn, _Reading] = {}
        # Connections closing after their answer: socket -> [deadline, bytes drained].
        self.closing: dict[socket.socket, list[float]] = {}
        self._last_sweep = 0.0
        self._last_notify = 0.0
        # The longest head gunicorn could accept: past it, its parser raises from the buffer.
        cfg = self.cfg
        self.head_limit = (
            cfg.limit_request_line + 2 + max(cfg.limit_request_fields, 1) * (cfg.limit_request_field_size + 2) + 2
        )

    def init_process(self) -> None:
        # This process only: gunicorn's wsgi.create() builds the responses of HTTP/1 requests
        # from this name (HTTP/2 passes its own class).
        wsgi.Response = OneWriteResponse
        super().init_process()

    # -- connections arrive ---------------------------------------------------------------------

    def _buffers(self, conn: TConn) -> bool:
        return not self.cfg.is_ssl and not negotiation.prior_knowledge_allowed(self.cfg, conn.client)

    def accept(self, listener: socket.socket) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client_sock, client_addr, listener.getsockname())
        if not self._buffers(conn):
            client_sock.setblocking(True)
            self.enqueue_req(conn)
            return
        self._start_reading(conn, b"")

    def on_client_socket_readable(self, conn: TConn, client: socket.socket) -> None:
        """A kept-alive connection sends its next request: read it in the poller too."""
        if conn.is_http2 or not self._buffers(conn):
            super().on_client_socket_readable(conn, client)
            return
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._start_reading(conn, b"")

    def _start_reading(self, conn: TConn, data: bytes) -> None:
        conn.sock.setblocking(False)
        state = _Reading(data, time.monotonic())
        self.reading[conn] = state
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))
        if data:
            self._progress(conn, state)
        else:
            self._on_readable(conn, conn.sock)

    # -- bytes arrive ---------------------------------------------------------------------------

    def _on_readable(self, conn: TConn, _sock: Any) -> None:
        state = self.reading.get(conn)
        if state is None:
            return
        for _ in range(16):  # at most 1 MiB per event, so one fast client does not starve others
            try:
                data = conn.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._drop(conn)
                return
            if not data:
                if state.buf:
                    # The client closed its sending side mid-request (half-close): it waits for
                    # an answer, which gunicorn and the application give as before (400 on a
                    # truncated body): the thread reads the buffered bytes, then end-of-file.
                    self._hand_over(conn, state)
                else:  # the client hung up before sending anything
                    self._drop(conn)
                return
            state.buf += data
            if len(data) < 65536:
                break
        self._progress(conn, state)

    def _progress(self, conn: TConn, state: _Reading) -> None:
        """Hand the connection to a thread when its request is complete (or surely malformed)."""
        if state.head_len is None and not self._head_done(conn, state):
            return
        if self._body_done(state):
            self._hand_over(conn, state)

    def _head_done(self, conn: TConn, state: _Reading) -> bool:
        buf = state.buf
        start = max(state.scanned - 3, 0)
        ends = buf.find(b"\r\n\r\n", start) >= 0 or buf.find(b"\n\n", start) >= 0
        state.scanned = len(buf)
        if not ends and len(buf) <= self.head_limit:
            return False
        if _one_bodiless_head(buf):
            # Complete, and nothing to wait for (a GET): the thread's parser reads it. Parsing
            # it here too only to learn that there is no body cost as much as the thread's parse.
            state.head_len = len(buf)
            return True
        unreader = _BufferUnreader(bytes(buf))
        try:
            req = Request(self.cfg, unreader, conn.client)
        except _NeedMore:
            if len(buf) <= self.head_limit:
                return False
            self._hand_over(conn, state)  # gunicorn answers the oversized head
            return False
        except Exception:  # malformed: gunicorn's parser meets the same bytes and answers 400
            self._hand_over(conn, state)
            return False
        state.head_len = len(buf) - len(unreader.buf.getvalue())
        state.body_started = time.monotonic()
        reader = req.body.reader if req.body is not None else None
        if isinstance(reader, ChunkedReader):
            state.chunked = True
            state.chunk_pos = state.head_len
        elif isinstance(reader, LengthReader):
            if reader.length > self.max_declared_bytes:
                self._hand_over(conn, state)  # the application answers 413 without reading it
                return False
            state.need = min(reader.length, self.max_body_bytes)
        if getattr(req, "_expected_100_continue", False) and not self._body_done(state):
            # The client waits for this before it sends the body; gunicorn's own is skipped.
            try:
                conn.sock.send(_CONTINUE)
                state.sent_continue = True
            except OSError:
                pass
        return True

    def _body_done(self, state: _Reading) -> bool:
        assert state.head_len is not None
        received = len(state.buf) - state.head_len
        if received >= self.max_body_bytes:
            return True  # the rest is the application's (which answers 413 or reads on)
        if not state.chunked:
            return received >= state.need
        return self._chunks_done(state)

    @staticmethod
    def _chunks_done(state: _Reading) -> bool:
        """Whether the buffer holds the whole chunked body (or framing gunicorn will reject)."""
        buf = state.buf
        while True:
            pos = state.chunk_pos
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return len(buf) - pos > _CHUNK_LINE_MAX
            size_text = bytes(buf[pos:eol]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                return True
            if size == 0:  # last chunk: the trailer section ends with an empty line
                if buf.startswith(b"\r\n", eol + 2):
                    return True
                return buf.find(b"\r\n\r\n", eol) >= 0
            end = eol + 2 + size + 2
            if len(buf) < end:
                return False
            state.chunk_pos = end

    def _hand_over(self, conn: TConn, state: _Reading) -> None:
        self._forget(conn)
        conn.cg_buffered = bytes(state.buf)
        conn.cg_sent_continue = state.sent_continue
        conn.sock.setblocking(True)
        self.enqueue_req(conn)

    def _forget(self, conn: TConn) -> None:
        self.reading.pop(conn, None)
        try:
            self.poller.unregister(conn.sock)
        except (OSError, KeyError, ValueError):
            pass

    def _drop(self, conn: TConn, reply: bytes = b"") -> None:
        self._forget(conn)
        if reply:
            try:
                conn.sock.send(reply)
            except OSError:
                pass
        self.nr_conns -= 1
        conn.close()

    # -- deadlines ------------------------------------------------------------------------------

    def run(self) -> None:
        try:
            super().run()
        finally:
            self._flush_access_log(force=True)

    def _flush_access_log(self, force: bool) -> None:
        flush = getattr(self.log, "flush_access", None)  # server/access_log.py
        if flush is not None:
            flush(force=force)

    def murder_pending(self) -> None:
        super().murder_pending()
        self._flush_access_log(force=False)  # access lines wait at most about a second
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_every and self.alive:
            return
        self._last_sweep = now
        for sock, (deadline, _) in list(self.closing.items()):
            if now > deadline or not self.alive:
                self._closed(sock)
        for conn, state in list(self.reading.items()):
            if not self.alive and state.head_len is None and not state.buf:
                self._drop(conn)  # stopping: nothing was asked on this connection yet
            elif state.head_len is None:
                if now - state.started > self.header_timeout:
                    self._drop(conn, _REQUEST_TIMEOUT)
            else:
                elapsed = now - state.body_started
                received = len(state.buf) - state.head_len
                if elapsed > self.body_timeout or (
                    elapsed > self.body_grace and received < self.body_min_rate * elapsed
                ):
                    self._drop(conn, _REQUEST_TIMEOUT)

    def notify(self) -> None:
        """Tell the arbiter this worker lives, at most every ``notify_every`` seconds.

        gthread touches the heartbeat file on every turn of its event loop, two turns per
        request: a ``utime`` system call each. The arbiter only needs it within its timeout."""
        now = time.monotonic()
        if now - self._last_notify >= self.notify_every:
            self._last_notify = now
            super().notify()

    # -- threads --------------------------------------------------------------------------------

    def handle(self, conn: TConn) -> Any:
        """Serve the buffered request, then, briefly, the connection's next ones on this thread.

        Handing a kept-alive connection back to the poller and its next request to a thread
        again costs two thread wake-ups, a pipe write and read and two ``epoll_ctl`` per
        request. A client that sends its next request within ``linger`` seconds (a sequential
        client does) is served on this thread, when no other request waits for one; only a
        request that arrived whole: anything else goes to the poller as before."""
        keep = self._handle_buffered(conn)
        while keep is True and self._may_linger(conn):
            data = self._next_request(conn)
            if data is None:
                break
            if not self._whole_request(conn, data):
                conn.parser.unreader.unread(data)  # finish_request gives it to the poller
                break
            conn.cg_buffered = data
            keep = self._handle_buffered(conn)
        return keep

    def _handle_buffered(self, conn: TConn) -> Any:
        """Put the buffered request in front of gunicorn's parser, then serve as gthread does."""
        data = getattr(conn, "cg_buffered", None)
        if data is not None:
            conn.cg_buffered = None
            try:
                conn.init()
            except Exception:
                return super().handle(conn)  # init failed before: let gthread report it
            conn.parser.unreader.unread(data)
            conn.data_ready = True
        return super().handle(conn)

    def _may_linger(self, conn: TConn) -> bool:
        return (
            self.linger > 0
            and self.alive
            and not conn.is_http2
            and conn.parser is not None
            and self._buffers(conn)
            and not conn.parser.unreader.buf.getvalue()  # pipelined bytes: the poller's
            and self.tpool._work_queue.empty()  # another request waits for this thread
        )

    def _next_request(self, conn: TConn) -> bytes | None:
        """The bytes of the next request if some arrive within ``linger``; None otherwise."""
        try:
            poller = select.poll()
            poller.register(conn.sock.fileno(), select.POLLIN)
            if not poller.poll(self.linger * 1000):
                return None
            data = conn.sock.recv(65536, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError:
            return None  # gthread's own read meets the same error and closes the connection
        return data or None  # b"": the client closed; the poller sees it too

    def _whole_request(self, conn: TConn, data: bytes) -> bool:
        """Whether ``data`` is one complete request without a body, or with all of a declared
        one (no chunks, no ``Expect``): the only kind a thread serves without the poller."""
        if _one_bodiless_head(data):
            # gunicorn's parser reads it from the buffer alone. Cheaper than parsing it twice.
            return True
        unreader = _BufferUnreader(data)
        try:
            req = Request(self.cfg, unreader, conn.client)
        except Exception:  # incomplete or malformed: the poller and gunicorn's parser decide
            return False
        if getattr(req, "_expected_100_continue", False):
            return False
        rest = len(unreader.buf.getvalue())
        reader = req.body.reader if req.body is not None else None
        if reader is None:
            return rest == 0
        if isinstance(reader, LengthReader):
            return rest == reader.length and reader.length <= self.max_body_bytes
        return False

    def handle_request(self, req: Any, conn: TConn) -> Any:
        if getattr(conn, "cg_sent_continue", False):
            conn.cg_sent_continue = False
            req._expected_100_continue = False  # the poller already sent "100 Continue"
        return super().handle_request(req, conn)

    def finish_request(self, conn: TConn, fs: Any) -> None:
        """A kept-alive connection whose client already sent (part of) its next request goes
        back to the poller with those bytes, not straight to a thread that would block on it."""
        try:
            keep = fs.result() if not fs.cancelled() else False
            failed = False
        except Exception:
            keep, failed = False, True
        if not keep and not failed and not conn.is_http2 and self._buffers(conn):
            self._close_after_answer(conn)
            return
        if (
            keep is True
            and self.alive
            and not conn.is_http2
            and conn.parser is not None
            and self._buffers(conn)
            and conn.parser.unreader.buf.getvalue()
        ):
            self._start_reading(conn, conn.parser.unreader.take_buffered())
            return
        super().finish_request(conn, fs)

    # -- closing --------------------------------------------------------------------------------

    def _close_after_answer(self, conn: TConn) -> None:
        """Close a connection whose answer was the last, without blocking the event loop.

        gthread closes it gracefully (RFC 9112, 9.6: half-close, then read what the client still
        sends until it hangs up, so a late byte cannot turn into a reset that cuts the answer)
        with a blocking read of up to 2 s on the worker's one event loop: five clients that send
        ``Connection: close`` and then keep their socket open stalled every other client for
        8 s. Here the half-closed socket waits in the poller with the same deadline and cap."""
        sock = conn.sock
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.nr_conns -= 1
            util.close(sock)
            return
        sock.setblocking(False)
        self.closing[sock] = [time.monotonic() + self.close_linger, 0]
        self.poller.register(sock, selectors.EVENT_READ, self._on_closing_readable)

    def _on_closing_readable(self, sock: socket.socket) -> None:
        entry = self.closing.get(sock)
        if entry is None:
            return
        while True:
            try:
                data = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return  # drained for now: wait for more, or for the hang-up
            except OSError:
                break
            entry[1] += len(data)
            if not data or entry[1] >= self.close_drain:
                break
        self._closed(sock)

    def _closed(self, sock: socket.socket) -> None:
        if self.closing.pop(sock, None) is None:
            return
        try:
            self.poller.unregister(sock)
        except (OSError, KeyError, ValueError):
            pass
        util.close(sock)
        self.nr_conns -= 1


__all__ = ["BufferingWorker"]
