"""Choosing the result format: ``format=`` first, then the Accept header (q-values, wildcards).

Werkzeug's ``request.accept_mimetypes.best_match`` does the HTTP part. Besides the standard
types each query form accepts a few common aliases (``application/json`` for SPARQL JSON,
``application/xml`` for SPARQL XML, ``text/plain`` for N-Triples...) and answers with the type the
client named. A browser (which asks for ``text/html`` before anything else) gets a plain HTML
view of the result, so that pasting a query URL in the address bar shows the answer instead
of downloading a file.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from flask import request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from claimgraph.graph.store.base import QueryForm
from claimgraph.graph.store.formats import FORMAT_ALIASES, RESULT_TYPES

HTML = "text/html"

#: Accepted aliases per form: what the client asked for -> what the store writes.
ALIASES: dict[QueryForm, dict[str, str]] = {
    QueryForm.SOLUTIONS: {
        "application/json": "application/sparql-results+json",
        "application/xml": "application/sparql-results+xml",
        "text/xml": "application/sparql-results+xml",
    },
    QueryForm.BOOLEAN: {
        "application/json": "application/sparql-results+json",
        "application/xml": "application/sparql-results+xml",
        "text/xml": "application/sparql-results+xml",
    },
    QueryForm.GRAPH: {
        "application/x-turtle": "text/turtle",
        "text/n3": "text/turtle",  # Turtle is a subset of N3
        "text/plain": "application/n-triples",
        "application/json": "application/ld+json",
        "application/xml": "application/rdf+xml",
        "text/xml": "application/rdf+xml",
    },
}


@dataclass(frozen=True)
class Choice:
    """``produce``: what the store serializes; ``label``: the Content-Type sent."""

    produce: str
    label: str
    html: bool = False


def offered(form: QueryForm) -> list[str]:
    """Every type this form can be served in, standard types first."""
    return RESULT_TYPES[form] + list(ALIASES[form]) + [HTML]


def _html_choice(form: QueryForm) -> Choice:
    produce = {
        QueryForm.SOLUTIONS: "text/tab-separated-values",
        QueryForm.BOOLEAN: "application/sparql-results+json",
        QueryForm.GRAPH: "text/turtle",
    }[form]
    return Choice(produce, HTML, html=True)


def _choice_for(form: QueryForm, media_type: str) -> Choice | None:
    if media_type in RESULT_TYPES[form]:
        return Choice(media_type, media_type)
    if media_type in ALIASES[form]:
        return Choice(ALIASES[form][media_type], media_type)
    if media_type == HTML:
        return _html_choice(form)
    return None


#: Short names whose meaning depends on the query form (what SPARQLWrapper sends, e.g.).
_FORM_NAMES: dict[QueryForm, dict[str, str]] = {
    QueryForm.GRAPH: {"xml": "application/rdf+xml", "json": "application/ld+json"},
}


def _from_format_values(form: QueryForm, values: list[str]) -> Choice | None:
    """The first ``format=`` value (short name or media type) offered for this form."""
    for value in values:
        for name in value.split(","):
            name = name.split(";")[0].strip().lower()
            if not name:
                continue
            if name == "html":
                return _html_choice(form)
            media_type = _FORM_NAMES.get(form, {}).get(name) or FORMAT_ALIASES.get(name, name)
            choice = _choice_for(form, media_type)
            if choice is not None:
                return choice
    return None


def choose(form: QueryForm, format_values: list[str] | None = None) -> Choice | None:
    """The format to answer in, or None when nothing the client accepts is offered (406).

    ``format=`` (or ``output=``) wins over Accept; several values (SPARQLWrapper sends the
    short name and the media types) are tried in order."""
    return choose_all(format_values)[form]


def choose_all(format_values: list[str] | None = None) -> dict[QueryForm, Choice | None]:
    """:func:`choose` for every form at once, before the query's form is known.

    A client sends the same Accept header with every query, so the answer is memoised per
    header and ``format=`` values: negotiation costs a dictionary look-up, not a parse."""
    values = tuple(v for v in format_values or () if v.strip())
    return _choices(request.headers.get("Accept", ""), values)


@lru_cache(maxsize=256)
def _choices(accept_header: str, format_values: tuple[str, ...]) -> dict[QueryForm, Choice | None]:
    accept = parse_accept_header(accept_header, MIMEAccept)
    return {form: _choose(form, accept, list(format_values)) for form in QueryForm}


def _choose(form: QueryForm, accept: MIMEAccept, format_values: list[str]) -> Choice | None:
    if format_values:
        return _from_format_values(form, format_values)
    standard = RESULT_TYPES[form]
    if not accept:
        return Choice(standard[0], standard[0])
    explicit = {value.split(";")[0].strip().lower() for value, _q in accept}
    candidates = standard + list(ALIASES[form])
    if HTML in explicit:
        # Only a client that names text/html gets HTML; */* alone means "your default".
        candidates = candidates + [HTML]
    best = accept.best_match(candidates)
    return _choice_for(form, best) if best else None


# -- the browser view -----------------------------------------------------------------------

_PAGE_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SPARQL result</title>
<style>
body{{font-family:system-ui,sans-serif;margin:1rem;color:#111}}
table{{border-collapse:collapse}} td,th{{border:1px solid #999;padding:.2rem .4rem;text-align:left;vertical-align:top}}
th{{background:#eee}} pre{{white-space:pre-wrap}} code{{font-size:.9rem}}
</style></head><body>
<h1>SPARQL result</h1>
<details><summary>Query</summary><pre><code>{query}</code></pre></details>
<p>Other formats: {links}{editor}</p>
"""


def _format_links(form: QueryForm) -> str:
    names = {v: k for k, v in FORMAT_ALIASES.items()}
    links = []
    for media_type in RESULT_TYPES[form]:
        name = names.get(media_type, media_type)
        args = request.args.to_dict(flat=False)
        args["format"] = [name]
        from urllib.parse import urlencode

        href = request.base_url + "?" + urlencode(args, doseq=True) if request.method == "GET" else None
        label = html.escape(media_type)
        links.append(f'<a href="{html.escape(href)}">{label}</a>' if href else label)
    return ", ".join(links)


def query_page_url(query: str | None = None) -> str | None:
    """The query editor page, when the application has one (``query_page`` blueprint)."""
    from urllib.parse import urlencode

    from flask import current_app, url_for

    if "query_page.query_page" not in current_app.view_functions:
        return None
    url = url_for("query_page.query_page")
    return url + "?" + urlencode({"query": query}) if query else url


def _cell(term: str) -> str:
    if term.startswith("<") and term.endswith(">"):
        iri = term[1:-1]
        safe = html.escape(iri)
        if iri.startswith(("http://", "https://")):
            return f'<a href="{safe}">{safe}</a>'
        return safe
    return html.escape(term)


def html_view(form: QueryForm, produced: str, chunks: Iterator[bytes], query: str) -> Iterator[bytes]:
    """Wrap a streamed result in a simple HTML page, row by row (memory stays flat)."""
    editor = ""
    page = query_page_url(query)
    if page:
        editor = f' · <a href="{html.escape(page)}">edit this query</a>'
    yield _PAGE_HEAD.format(query=html.escape(query), links=_format_links(form), editor=editor).encode()
    if form is QueryForm.BOOLEAN:
        body = b"".join(chunks)
        value = json.loads(body)["boolean"]
        yield f"<p>Answer: <strong>{'true' if value else 'false'}</strong></p>".encode()
    elif form is QueryForm.GRAPH:
        yield b"<pre><code>"
        pending = b""
        for chunk in chunks:
            data = pending + chunk
            # keep an incomplete UTF-8 sequence for the next chunk
            cut = len(data)
            while cut > 0 and (data[cut - 1] & 0xC0) == 0x80:
                cut -= 1
            if cut > 0 and data[cut - 1] >= 0xC0:
                cut -= 1
            pending = data[cut:]
            yield html.escape(data[:cut].decode("utf-8")).encode()
        yield html.escape(pending.decode("utf-8", "replace")).encode()
        yield b"</code></pre>"
    else:
        yield b"<table>"
        pending = b""
        header = True
        rows = 0
        for chunk in chunks:
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            out = []
            for line in lines:
                cells = line.decode("utf-8").split("\t")
                if header:
                    out.append("<thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cells) + "</tr></thead><tbody>")
                    header = False
                else:
                    rows += 1
                    out.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>")
            yield "\n".join(out).encode()
        if pending.strip():
            yield ("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in pending.decode("utf-8").split("\t")) + "</tr>").encode()
            rows += 1
        yield f"</tbody></table><p>{rows} row(s)</p>".encode()
    yield b"</body></html>\n"
