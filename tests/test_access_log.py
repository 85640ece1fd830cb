"""The access log (server/access_log.py): gunicorn's lines, byte for byte, written in batches."""

from __future__ import annotations

import base64
import datetime
import io
import logging
import time
from pathlib import Path
from types import SimpleNamespace

import requests
from gunicorn import glogging
from gunicorn.config import Config

from claimgraph.server.access_log import AccessLog
from tests.conftest import LiveServer


def _config() -> Config:
    cfg = Config()
    cfg.set("accesslog", "-")
    return cfg


def _capture(logger: glogging.Logger) -> io.StringIO:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.access_log.handlers = [handler]
    return out


def _request(**environ: str) -> tuple[SimpleNamespace, SimpleNamespace, dict[str, str]]:
    env = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": '/sparql?query=SELECT+%22x%22+"y"',
        "SERVER_PROTOCOL": "HTTP/1.1",
        **environ,
    }
    req = SimpleNamespace(headers=[("HOST", "x")])
    return req, SimpleNamespace(status="200 OK", sent=1234, headers=[("Content-Type", "text/plain")]), env


CASES = [
    {},
    {"HTTP_USER_AGENT": 'curl/8 "quoted"', "HTTP_REFERER": 'http://example.org/a?b="c"'},
    {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"alice:secret").decode()},
    {"REQUEST_METHOD": "POST", "RAW_URI": "/store?graph=urn:x"},
]


def _lines(logger: glogging.Logger) -> str:
    """What ``logger`` writes for every case (gunicorn's loggers share one ``gunicorn.access``)."""
    out = _capture(logger)
    took = datetime.timedelta(microseconds=1500)
    for environ in CASES:
        for sent in (1234, 0, None):
            req, resp, env = _request(**environ)
            resp.sent = sent
            logger.access(resp, req, env, took)
    resp = SimpleNamespace(status=404, sent=5, headers=[])  # a status as a number
    logger.access(resp, req, env, took)
    if isinstance(logger, AccessLog):
        logger.flush_access()
    return out.getvalue()


def test_the_lines_are_gunicorns_own() -> None:
    ours = _lines(AccessLog(_config()))
    assert ours == _lines(glogging.Logger(_config()))
    assert ours.count("\n") == len(CASES) * 3 + 1
    assert "alice" in ours and '\\"quoted\\"' in ours


def test_lines_wait_at_most_the_flush_interval() -> None:
    log = AccessLog(_config())
    out = _capture(log)
    log.flush_every = 60.0  # the clock is moved by hand below: no sleeping, no race
    req, resp, env = _request()
    took = datetime.timedelta(microseconds=10)
    log._flushed -= 61  # a quiet minute
    log.access(resp, req, env, took)
    assert out.getvalue().count("\n") == 1  # the first line after a quiet spell: at once
    log.access(resp, req, env, took)
    log.access(resp, req, env, took)
    assert out.getvalue().count("\n") == 1  # the next ones are held
    log.flush_access(force=False)  # what the worker's event loop calls
    assert out.getvalue().count("\n") == 1  # not due yet
    log._flushed -= 61
    log.flush_access(force=False)
    assert out.getvalue().count("\n") == 3


def test_another_format_is_gunicorns_way() -> None:
    cfg = _config()
    cfg.set("access_log_format", "%(s)s %(m)s %({host}i)s")
    log = AccessLog(cfg)
    out = _capture(log)
    req, resp, env = _request()
    log.access(resp, req, env, datetime.timedelta(0))
    assert out.getvalue() == "200 GET x\n"  # written at once, request headers available


def test_a_live_server_logs_every_request(server: LiveServer) -> None:
    marker = f"/health?access-log-{time.time_ns()}"
    for _ in range(5):
        assert requests.get(server.url + marker, timeout=30).status_code == 200
    log = Path(server.store_dir.parent / f"server-{server.url.rsplit(':', 1)[1]}.log")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and log.read_text().count(marker) < 5:
        time.sleep(0.2)
    assert log.read_text().count(marker) == 5
