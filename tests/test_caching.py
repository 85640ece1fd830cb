"""Dumps and resource documents carry validators and are compressed for clients that accept it:
a second request with ``If-None-Match`` or ``If-Modified-Since`` gets ``304`` without a body."""

from __future__ import annotations

import gzip

import pytest
import requests

from conftest import LiveServer

PLAIN = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}


@pytest.mark.parametrize(
    "path", ["/dump", "/dump?format=trig", "/doc/claim/peskow-fake-news.ttl", "/doc/claim/peskow-fake-news.html"]
)
def test_etag_and_last_modified_answer_304(server: LiveServer, path: str) -> None:
    first = requests.get(server.url + path, headers=PLAIN, timeout=60)
    assert first.status_code == 200 and first.content
    assert first.headers.get("ETag") and first.headers.get("Last-Modified")
    again = requests.get(server.url + path, headers={**PLAIN, "If-None-Match": first.headers["ETag"]}, timeout=60)
    assert again.status_code == 304 and again.content == b""
    since = requests.get(
        server.url + path, headers={**PLAIN, "If-Modified-Since": first.headers["Last-Modified"]}, timeout=60
    )
    assert since.status_code == 304
    other = requests.get(server.url + path, headers={**PLAIN, "If-None-Match": '"something-else"'}, timeout=60)
    assert other.status_code == 200


@pytest.mark.parametrize("path", ["/dump", "/doc/claim/peskow-fake-news.ttl"])
def test_gzip_for_clients_that_accept_it(server: LiveServer, path: str) -> None:
    plain = requests.get(server.url + path, headers=PLAIN, timeout=60)
    raw = requests.get(server.url + path, headers=GZIP, timeout=60, stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in raw.headers["Vary"]
    body = raw.raw.read()
    assert len(body) < len(plain.content)
    assert gzip.decompress(body) == plain.content
    assert raw.headers["ETag"] != plain.headers["ETag"]
