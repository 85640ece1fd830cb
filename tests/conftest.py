"""Shared fixtures: a real on-disk store built from the seeds and a real server on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
UPDATE_TOKEN = "test-token-5f2c"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def claimgraph(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the installed ``claimgraph`` command as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "claimgraph.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=check,
    )


def claimgraph_in_process(
    *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a ``claimgraph`` command in this process (click's CliRunner), as :func:`claimgraph`
    does in a new one: for tests that call the CLI many times and check what it does, not how
    it starts (a new interpreter imports rdflib, pySHACL and Oxigraph again, ~0.4 s CPU each).
    An exception that escapes the command ends up in stderr as its traceback, as it would."""
    import traceback

    from click.testing import CliRunner

    from claimgraph.cli import cli

    result = CliRunner().invoke(cli, list(args), env=env, prog_name="claimgraph")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        stderr += "".join(traceback.format_exception(*result.exc_info))
    done = subprocess.CompletedProcess(["claimgraph", *args], result.exit_code, result.stdout, stderr)
    if check:
        done.check_returncode()
    return done


@dataclass
class LiveServer:
    url: str
    store_dir: Path
    process: subprocess.Popen[bytes]

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


def spawn_server(store_dir: Path, *extra: str, env: dict[str, str] | None = None) -> LiveServer:
    """Start ``claimgraph serve`` (gunicorn) on a free port, without waiting for it."""
    port = free_port()
    log = open(store_dir.parent / f"server-{port}.log", "wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "claimgraph.cli",
            "serve",
            "--store",
            str(store_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    return LiveServer(url=f"http://127.0.0.1:{port}", store_dir=store_dir, process=proc)


def start_server(store_dir: Path, *extra: str, env: dict[str, str] | None = None) -> LiveServer:
    """Start ``claimgraph serve`` (gunicorn) on a free port and wait until /health answers."""
    srv = spawn_server(store_dir, *extra, env=env)
    log = store_dir.parent / f"server-{srv.url.rsplit(':', 1)[1]}.log"
    wait_for_http(srv.url + "/health", srv.process, "claimgraph serve", log, 60)
    return srv


def wait_for_http(
    url: str,
    proc: subprocess.Popen[bytes],
    what: str,
    log: Path,
    seconds: float,
    params: dict[str, str] | None = None,
) -> None:
    """Wait until ``url`` answers 200; fail at once when ``proc`` exits, and after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; see {log}")
        try:
            if requests.get(url, params=params, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{what} did not answer within {seconds:g} s; see {log}")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the seeds once per test session (treat it as read-only)."""
    store_dir = tmp_path_factory.mktemp("seed") / "store"
    claimgraph("build", "--store", str(store_dir))
    return store_dir


@pytest.fixture(scope="session")
def server(seed_store: Path) -> Iterator[LiveServer]:
    """The read-only seed graph served by gunicorn on a free loopback port: without an update
    token (even if the environment names one), so every write is refused and tests can share it."""
    srv = start_server(seed_store, env={"CLAIMGRAPH_UPDATE_TOKEN": ""})
    yield srv
    stop_server(srv)


# -- tiers: `make test-fast` runs what needs no server, CLI or browser process -----------------

#: Calls that start another process: a test that makes one (itself or through a fixture) is
#: in the `server` tier, found by reading the sources, so no list has to be kept by hand.
_PROCESS_CALLS = ("start_server(", "claimgraph(", "Popen(", "subprocess.", "webdriver", "Deployment(")


def _starts_processes(func: object) -> bool:
    import inspect

    try:
        source = inspect.getsource(func)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False
    return any(call in source for call in _PROCESS_CALLS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "server: starts a server, CLI or browser process (not in make test-fast)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        funcs = [getattr(item, "function", None)]
        for defs in getattr(item, "_fixtureinfo").name2fixturedefs.values():
            funcs += [d.func for d in defs]
        if any(_starts_processes(f) for f in funcs if f is not None):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed article and a second, hand-made one (tests/data/second-article) in one store:
    Peskow repeats the seed article's denial a day later in other words (the same message in two
    articles), and a Schäuble speaks (German spellings for search). Treat it as read-only."""
    base = tmp_path_factory.mktemp("corpus")
    seeds = base / "seeds"
    seeds.mkdir()
    for entry in files("claimgraph.seeds").iterdir():
        if entry.name.endswith((".txt", ".yaml", ".tsv")):
            (seeds / entry.name).write_bytes(entry.read_bytes())
    for path in (ROOT / "tests" / "data" / "second-article").iterdir():
        shutil.copy(path, seeds / path.name)
    store = base / "store"
    claimgraph("build", "--store", str(store), "--seeds", str(seeds))
    return store


@pytest.fixture(scope="session")
def corpus_server(corpus_store: Path) -> Iterator[LiveServer]:
    """The corpus store served read-only (no update token), started once for every module that
    reads it: each server costs a gunicorn master, its workers and their query executors."""
    srv = start_server(corpus_store)
    yield srv
    stop_server(srv)
