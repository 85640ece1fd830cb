"""A server that starts and answers point queries never imports rdflib (nor prov, pyshacl).

rdflib is about 17 MiB in every process that imports it (issue 16's memory target): the ontology
namespaces, the service description, the ontology, JSON-LD and provenance pages and the build's
similarity code import it where they use it, not at a worker's start. The check is the
interpreter's own import log (``PYTHONPROFILEIMPORTTIME``, inherited by the gunicorn master, its
worker and the query executors, all writing to the server's log), read from a real server on a
loopback port; asking for the VoID description afterwards shows that the log does record rdflib
when it is imported.
"""

from __future__ import annotations

import re
from pathlib import Path

import requests

from tests.conftest import LiveServer, start_server, stop_server

#: Packages a worker or executor must not import to start and answer a query.
HEAVY = ("rdflib", "prov", "pyshacl", "owlrl")
_IMPORT = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$", re.MULTILINE)
_EXECUTOR_ENTRY = re.compile(
    r"^import time:\s+\d+ \|\s+\d+ \| claimgraph\.graph\.store\.embedded\.child$", re.MULTILINE
)
_CLAIM = "SELECT ?c WHERE { ?c a <https://w3id.org/claimgraph/ontology#Claim> } ORDER BY ?c LIMIT 1"


def _imported(log: str) -> set[str]:
    return set(_IMPORT.findall(log))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def _select(server: LiveServer, query: str) -> list[dict]:
    r = requests.post(
        server.sparql, data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=30
    )
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


def test_point_queries_do_not_import_rdflib(seed_store: Path) -> None:
    server = start_server(seed_store, env={"PYTHONPROFILEIMPORTTIME": "1", "CLAIMGRAPH_UPDATE_TOKEN": ""})
    log_file = seed_store.parent / f"server-{server.url.rsplit(':', 1)[1]}.log"
    try:
        claim = _select(server, _CLAIM)[0]["c"]["value"]
        rows = _select(server, f"SELECT ?p ?o WHERE {{ <{claim}> ?p ?o }}")
        assert rows, "the point look-up found the claim's statements"
        log = log_file.read_text(errors="replace")
        started = _imported(log)
        # the log holds the imports of the master, the worker and the executors: an executor
        # (`python -c`) imports its entry module at the top level, the worker only beneath others
        assert {"flask", "gunicorn", "pyoxigraph", "claimgraph.graph.store.embedded.executor"} <= started
        assert _EXECUTOR_ENTRY.search(log), "the executors' imports are not in the log"
        assert _heavy(started) == [], "imported at start or by a point query"

        # the same log records rdflib once a page that needs it is asked for
        assert requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"}, timeout=60).ok
        after = _imported(log_file.read_text(errors="replace"))
        assert "rdflib" in after
    finally:
        stop_server(server)


def test_the_cli_and_the_gunicorn_master_do_not_load_the_engine() -> None:
    """The master only forks and watches workers: pyoxigraph (13 MiB resident) is loaded by the
    workers and the engine processes that run it, not by ``claimgraph.cli`` on import."""
    import subprocess
    import sys

    code = (
        "import sys, claimgraph.cli, claimgraph.server.gunicorn, claimgraph.sizing\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyoxigraph', 'rdflib')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
