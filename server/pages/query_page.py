"""``/query``: a SPARQL editor in the browser (YASGUI), with the competency questions as
ready-made examples, and a plain HTML form that runs the query on the server when
JavaScript is off (results as a table with clickable IRIs either way).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from claimgraph.server.pages.queries import load
from claimgraph.graph.store import QueryForm, QueryRequest, StoreError
from claimgraph.graph.store.sparqltext.guard import check_query
from claimgraph.ontology import ONTOLOGY_IRI, PREFIXES
from claimgraph.server.pages.links import normalised_base
from claimgraph.server.state import get_settings, get_store
from claimgraph.server.pages.views import Labels, Viewer

bp = Blueprint("query_page", __name__)

MAX_ROWS = 1000  # the HTML table shows this many; the endpoint serves everything
MAX_GRAPH_BYTES = 200_000


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    query: str
    user: str = ""  # who asks it (researcher, integrator, auditor), from a "# user:" line


def _header(text: str, key: str, fallback: str = "") -> str:
    """The value of a ``# key: value`` comment line."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.lower().startswith(f"# {key}:"):
            return stripped.split(":", 1)[1].strip()
    return fallback


def examples() -> list[Example]:
    """The ontology's competency questions (``ontology/questions/*.rq``), read at run time."""
    found = []
    folder = files("claimgraph.ontology") / "questions"
    if folder.is_dir():
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".rq"):
                text = entry.read_text(encoding="utf-8")
                user = _header(text, "user").split(".")[0].split(",")[0].strip()
                found.append(Example(entry.name[:-3], _header(text, "title", entry.name[:-3]), text, user))
    if not found:
        text = load("query-page-default")
        found.append(Example("claims", _header(text, "title", "claims"), text))
    return found


def default_query() -> str:
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    return (
        prefixes + "\nSELECT * WHERE {\n  ?claim a cg:Claim ; cg:speaker ?speaker ; cg:stance ?stance .\n} LIMIT 100\n"
    )


class _ChunkReader(io.RawIOBase):
    """A file-like view of a chunk iterator, so results parse lazily row by row."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def run(text: str) -> dict:
    """Run a query for the HTML view: a table (capped), a boolean or some Turtle.

    The same guard as ``/sparql`` sees the text first (nesting depth, SERVICE)."""
    settings = get_settings()
    check_query(text, allow_service=settings.allow_service, limits=settings.limits())
    store = get_store()
    with store.prepare(QueryRequest(query=text)) as prepared:
        if prepared.form is QueryForm.BOOLEAN:
            body = b"".join(prepared.stream("application/sparql-results+json"))
            return {"boolean": bool(ox.parse_query_results(body, ox.QueryResultsFormat.JSON))}
        if prepared.form is QueryForm.GRAPH:
            out = b""
            for chunk in prepared.stream("text/turtle"):
                out += chunk
                if len(out) > MAX_GRAPH_BYTES:
                    return {"graph": out[:MAX_GRAPH_BYTES].decode("utf-8", "replace"), "truncated": True}
            return {"graph": out.decode("utf-8"), "truncated": False}
        reader = io.BufferedReader(_ChunkReader(prepared.stream("text/tab-separated-values")))  # type: ignore[type-var]
        solutions = ox.parse_query_results(reader, ox.QueryResultsFormat.TSV)
        assert isinstance(solutions, ox.QuerySolutions)  # a SELECT's answer
        variables = [v.value for v in solutions.variables]
        rows: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]] = []
        truncated = False
        for solution in solutions:
            if len(rows) == MAX_ROWS:
                truncated = True
                break
            rows.append([solution[v] for v in variables])
        return {"variables": variables, "rows": rows, "truncated": truncated}


@bp.get("/query")
def query_page() -> Response:
    text = request.args.get("query")
    result, error, status = None, None, 200
    if text:
        try:
            result = run(text)
        except StoreError as exc:
            error, status = str(exc), 400
    base = normalised_base(get_settings().base_iri)
    viewer = Viewer(base, Labels())
    html = render_template(
        "query.html",
        v=viewer,
        examples=examples(),
        query=text or default_query(),
        ran=bool(text),
        result=result,
        error=error,
        config=json.dumps(
            {
                "endpoint": request.script_root + "/sparql",
                "base": base,
                "ontology": ONTOLOGY_IRI,
                "prefixes": PREFIXES,
                "query": text or default_query(),
                "run": bool(text),
            }
        ),
    )
    return Response(html, status=status, mimetype="text/html")
