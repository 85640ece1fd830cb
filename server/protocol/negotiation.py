"""The one content negotiation: ``format=`` first, then the Accept header (q-values, wildcards).

Every endpoint calls :func:`negotiate` with its :class:`~claimgraph.graph.store.formats.Offer`
(the format registry says what each endpoint serves). Werkzeug's ``MIMEAccept.best_match`` does
the HTTP part. Besides the standard types an offer accepts a few common aliases (``application/json`` for SPARQL JSON,
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
from werkzeug.exceptions import BadRequest, HTTPException, NotAcceptable
from werkzeug.http import parse_accept_header

from claimgraph.graph.store.base import QueryForm
from claimgraph.graph.store.formats import HTML as HTML_FORMAT
from claimgraph.graph.store.formats import QUERY_OFFERS, Format, Offer, find

HTML = HTML_FORMAT.media_type


@dataclass(frozen=True)
class Choice:
    """``produce``: what the store serializes; ``label``: the Content-Type sent (the alias the
    client named, when it named one); ``format``: the registry's entry."""

    produce: str
    label: str
    format: Format

    @property
    def html(self) -> bool:
        return self.format is HTML_FORMAT


def offered(offer: Offer) -> list[str]:
    """Every type an offer can be served in, standard types first (for 406 messages)."""
    aliases = [a for f in offer.formats for a in f.aliases] if offer.aliases else []
    return list(dict.fromkeys(offer.media_types + aliases))


def _html_choice(offer: Offer) -> Choice:
    return Choice(offer.html_from or HTML, HTML, HTML_FORMAT)


def _choice_for(offer: Offer, media_type: str) -> Choice | None:
    if media_type == HTML and offer.html_from:
        return _html_choice(offer)
    fmt = find(offer, media_type)
    if fmt is None:
        return None
    # An alias is answered with the type the client named; a short name with the format's type.
    return Choice(fmt.media_type, media_type if media_type in fmt.aliases else fmt.media_type, fmt)


def _from_format_values(offer: Offer, values: tuple[str, ...]) -> Choice | None:
    """The first ``format=`` value (short name or media type) offered; several values
    (SPARQLWrapper sends the short name and the media types) are tried in order."""
    for value in values:
        for name in value.split(","):
            name = name.split(";")[0].strip().lower()
            if not name:
                continue
            choice = _choice_for(offer, name)
            if choice is not None:
                return choice
    return None


def negotiate(offer: Offer, format_values: list[str] | tuple[str, ...] | None = None) -> Choice:
    """The format to answer in: ``format=`` (or ``output=``, or a path's extension) wins over
    the Accept header (q-values, wildcards; parameters such as ``charset`` do not stop a match).

    Raises :class:`~werkzeug.exceptions.NotAcceptable` when nothing the client accepts is
    offered, and the offer's status (400 or 406) for an unknown ``format=`` value."""
    values = tuple(v for v in format_values or () if v.strip())
    choice = _choose(offer, request.headers.get("Accept", ""), values)
    if choice is None:
        raise refusal(offer, by_name=bool(values))
    return choice


def refusal(offer: Offer, by_name: bool = False) -> HTTPException:
    """The error for a request nothing offered fits."""
    if by_name and offer.unknown_name_status == 400:
        return BadRequest("format= must be one of " + ", ".join(offer.names))
    return NotAcceptable(
        f"none of the requested types is offered for {offer.subject}; offered: " + ", ".join(offered(offer))
    )


def choose_all(format_values: list[str] | None = None) -> dict[QueryForm, Choice | None]:
    """The choice for every query form at once, before the query's form is known.

    A client sends the same Accept header with every query, so the answer is memoised per
    header and ``format=`` values: negotiation costs a dictionary look-up, not a parse."""
    return choose_all_for(request.headers.get("Accept", ""), format_values)


def choose_all_for(accept: str, format_values: list[str] | None = None) -> dict[QueryForm, Choice | None]:
    """:func:`choose_all` for an ``Accept`` header given as it is (no request context needed)."""
    values = tuple(v for v in format_values or () if v.strip())
    return dict(_choose_all(accept, values))


@lru_cache(maxsize=512)
def _choose_all(accept: str, values: tuple[str, ...]) -> tuple[tuple[QueryForm, Choice | None], ...]:
    """Memoised on the strings alone: hashing an :class:`Offer` (a dataclass of format tuples)
    three times per request cost more than the look-up saved."""
    return tuple((form, _choose(offer, accept, values)) for form, offer in QUERY_OFFERS.items())


@lru_cache(maxsize=512)
def _choose(offer: Offer, accept_header: str, format_values: tuple[str, ...]) -> Choice | None:
    if format_values:
        return _from_format_values(offer, format_values)
    # Media type parameters (``text/turtle; charset=utf-8``) do not stop a match.
    accept = MIMEAccept(
        [(value.split(";", 1)[0].strip().lower(), q) for value, q in parse_accept_header(accept_header, MIMEAccept)]
    )
    if not accept:
        fmt = offer.formats[0]
        return Choice(fmt.media_type, fmt.media_type, fmt)
    candidates = offered(offer)
    if offer.html_from:
        candidates.remove(HTML)
        # Only a client that names text/html gets HTML; */* alone means "your default".
        if any(value == HTML for value, _q in accept):
            candidates.append(HTML)
    best = accept.best_match(candidates)
    return _choice_for(offer, best) if best else None


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
    links = []
    for fmt in QUERY_OFFERS[form].formats:
        media_type, name = fmt.media_type, fmt.names[0]
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
                    out.append(
                        "<thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cells) + "</tr></thead><tbody>"
                    )
                    header = False
                else:
                    rows += 1
                    out.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>")
            yield "\n".join(out).encode()
        if pending.strip():
            yield (
                "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in pending.decode("utf-8").split("\t")) + "</tr>"
            ).encode()
            rows += 1
        yield f"</tbody></table><p>{rows} row(s)</p>".encode()
    yield b"</body></html>\n"
