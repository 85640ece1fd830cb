"""Processes started ahead for a server's writes (``child.prestart``): the next update or upload
runs in the waiting process, with the same results and the same isolation; an unused one stops."""

from __future__ import annotations

from pathlib import Path

import pytest

from process_helpers import alive, until
from claimgraph.graph.store import EmbeddedStore
from claimgraph.graph.store.base import DataError, UpdateRequest
from claimgraph.graph.store.embedded import child
from claimgraph.graph.store.embedded.store import UPDATE_CHILD
from claimgraph.graph.store.sandbox import _CHILD_MAIN, parse_isolated, prestart


def _spare_pid(target: str) -> int | None:
    entry = child._spares.get(target)
    return None if entry is None else entry[1].pid


@pytest.fixture(autouse=True)
def _no_spares_left() -> None:
    yield
    for target in list(child._spares):
        entry = child._spares.get(target)
        if entry is not None:
            child._retire(target, entry[1])


def test_an_update_runs_in_the_process_started_after_the_previous_one(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", query_workers=1, spare_children=True)
    try:
        store.update(UpdateRequest('INSERT DATA { <http://example.org/a> <http://example.org/p> "1" }'))
        first = _spare_pid(UPDATE_CHILD)
        assert first is not None and alive(first)
        store.update(UpdateRequest('INSERT DATA { <http://example.org/b> <http://example.org/p> "2" }'))
        # The waiting process took the update and ended with it; another waits for the next.
        assert until(lambda: not alive(first))
        second = _spare_pid(UPDATE_CHILD)
        assert second is not None and second != first
        assert store.ask("ASK { <http://example.org/a> ?p ?o . <http://example.org/b> ?q ?r }") is True
        # A failing update in a started-ahead process changes nothing and reports as before.
        with pytest.raises(Exception, match="(?i)syntax|parse|expected"):
            store.update(UpdateRequest("INSERT DATA { <http://example.org/c> "))
        assert not alive(second) or until(lambda: not alive(second))
        assert store.ask("ASK { <http://example.org/c> ?p ?o }") is False
    finally:
        store.close()


def test_a_one_off_store_starts_nothing_ahead(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", query_workers=1)
    try:
        store.update(UpdateRequest('INSERT DATA { <http://example.org/a> <http://example.org/p> "1" }'))
        assert _spare_pid(UPDATE_CHILD) is None
    finally:
        store.close()


def test_an_upload_is_parsed_in_the_waiting_process_and_a_crash_costs_only_it() -> None:
    prestart()
    waiting = _spare_pid(_CHILD_MAIN)
    assert waiting is not None
    parsed = parse_isolated(
        b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .", "text/turtle", spare=True
    )
    assert b"<http://example.org/s>" in parsed.nquads
    assert until(lambda: not alive(waiting)) and _spare_pid(_CHILD_MAIN) is None
    # Nested past what the parser survives: refused or crashed, it is that upload's error only.
    prestart()
    with pytest.raises(DataError):
        parse_isolated(b"<http://example.org/s> <http://example.org/p> " + b"<< " * 5000, "text/turtle", spare=True)
    parsed = parse_isolated(b'<http://example.org/s> <http://example.org/p> "x" .', "text/turtle", spare=True)
    assert b'"x"' in parsed.nquads


def test_an_unused_process_stops_after_its_idle_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(child, "SPARE_IDLE_S", 0.3)
    prestart()
    waiting = _spare_pid(_CHILD_MAIN)
    assert waiting is not None
    assert until(lambda: _spare_pid(_CHILD_MAIN) is None and not alive(waiting))
    # The next upload starts its own, as without spares.
    assert (
        b'"y"'
        in parse_isolated(b'<http://example.org/s> <http://example.org/p> "y" .', "text/turtle", spare=True).nquads
    )


def test_a_process_started_after_a_checked_upload_checks_the_next_one(tmp_path: Path) -> None:
    """After an upload in claimgraph's vocabulary the waiting process prepares the shapes check
    (``warm``); the check it then makes gives the same verdicts as a fresh process's."""
    cg = "https://w3id.org/claimgraph/ontology#"
    bad = f'<http://example.org/c> a <{cg}Claim> ; <{cg}stance> "not a stance" .'.encode()
    fresh = None
    try:
        parse_isolated(bad, "text/turtle", validate=True)
    except DataError as exc:
        fresh = str(exc)
    assert fresh is not None and "shapes" in fresh
    prestart(checked=True)
    waiting = _spare_pid(_CHILD_MAIN)
    assert waiting is not None
    with pytest.raises(DataError) as warm_verdict:
        parse_isolated(bad, "text/turtle", validate=True, spare=True)
    assert str(warm_verdict.value) == fresh
    assert until(lambda: not alive(waiting))
    plain = parse_isolated(b'<http://example.org/s> <http://example.org/p> "x" .', "text/turtle", validate=True)
    assert plain.shapes_checked is False
