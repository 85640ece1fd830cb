"""Uploaded RDF parsed and checked in a child process, with the limits queries have.

pyoxigraph's parsers recurse over nested input: JSON-LD nested 10 000 deep and Turtle triple
terms nested 100 000 deep crash the process that parses them (SIGSEGV), a 905-byte RDF/XML body
with nested entities grows it by gigabytes, and a 60 000-deep RDF/XML body parses for minutes.
In a server worker that would cost every request the worker holds. So an upload is read here
by a short-lived child (a lean process of :mod:`..embedded.child`, the memory cap and the large
engine stack of :mod:`..embedded.executor`) within a time limit, and what comes back is flat
N-Quads that the worker's store can load without recursing. A crash, a timeout or an exhausted
memory cap is a :class:`DataError` for that request only.

Before parsing, cheap checks refuse what no real document needs and turn the known crashes
into clear messages: nesting deeper than ``max_depth`` (XML elements, JSON arrays/objects,
triple terms), RDF/XML entity declarations that refer to other entities or to external files
(the "billion laughs" and XXE shapes; plain entities such as namespace abbreviations are fine).
``claimgraph load`` runs the same checks (:func:`precheck`) on its files.
"""

from __future__ import annotations

import io
import multiprocessing.connection
import re
import signal
import threading
from dataclasses import dataclass
from collections.abc import Iterator
from typing import IO, Any

import pyoxigraph as ox

from claimgraph.graph.store.base import DataError

_CHILD_MAIN = f"{__name__}:_child_main"

#: Deepest nesting accepted in an upload: XML elements, JSON arrays and objects, triple terms.
#: Real documents stay far below it; the parsers crash somewhere past a few thousand.
MAX_DEPTH = 256


@dataclass(frozen=True)
class UploadLimits:
    """Time, memory and nesting an upload may use while it is read."""

    timeout: float = 120.0
    memory_bytes: int = 2048 * 1024 * 1024
    max_depth: int = MAX_DEPTH


@dataclass(frozen=True)
class ParsedUpload:
    """An upload as flat N-Quads (blank nodes renamed, IRIs absolute), ready to be written."""

    nquads: bytes
    quads: int
    names_graphs: bool
    #: Whether it was checked against the shapes (data in claimgraph's vocabulary).
    shapes_checked: bool = False


# -- checks before parsing -----------------------------------------------------------------


def _base(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def precheck(data: bytes, media_type: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse input nested deeper than ``max_depth`` or with dangerous RDF/XML entities."""
    precheck_stream(io.BytesIO(data), media_type, max_depth)


def precheck_stream(stream: IO[bytes], media_type: str, max_depth: int = MAX_DEPTH, name: str = "") -> None:
    """:func:`precheck` on a stream read in chunks of whole lines (``claimgraph load``'s files
    can be larger than memory). The caller rewinds the stream to parse it."""
    kind = _base(media_type)
    prefix = f"{name}: " if name else ""
    try:
        if kind == "application/rdf+xml":
            _check_xml(stream, max_depth)
        elif kind == "application/ld+json":
            _check_brackets(stream, max_depth)
        else:
            _check_triple_terms(stream, max_depth)
    except _Refused as exc:
        raise DataError(prefix + str(exc)) from None


class _Refused(Exception):
    pass


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream in pieces of about a megabyte that end at a line end: a JSON string and a
    Turtle IRI, short string or comment never span two pieces (long strings are tracked)."""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return
        if not chunk.endswith(b"\n"):
            chunk += stream.readline()
        yield chunk


_CHUNK = 1 << 20


def _check_xml(stream: IO[bytes], max_depth: int) -> None:
    from xml.parsers import expat

    parser = expat.ParserCreate()
    depth = 0

    def start(name: str, attrs: object) -> None:
        nonlocal depth
        depth += 1
        if depth > max_depth:
            raise _Refused(f"the RDF/XML nests elements more than {max_depth} deep (line {parser.CurrentLineNumber})")

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    def entity(
        name: str,
        is_parameter: int,
        value: str | None,
        base: str | None,
        system_id: str | None,
        public_id: str | None,
        notation: str | None,
    ) -> None:
        if system_id or public_id:
            raise _Refused(f"the RDF/XML declares an external entity ({name}); external entities are refused")
        if is_parameter or (value is not None and ("&" in value or "%" in value)):
            raise _Refused(
                f"the RDF/XML declares an entity ({name}) that refers to other entities; "
                "such entities can expand without bound and are refused"
            )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = entity
    try:
        for chunk in _chunks(stream):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        return  # not well-formed: the RDF/XML parser reports it with its own position


_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _check_brackets(stream: IO[bytes], max_depth: int) -> None:
    depth = 0
    offset = 0
    for chunk in _chunks(stream):
        for m in _JSON_TOKENS.finditer(chunk):
            c = m.group()
            if c in (b"[", b"{"):
                depth += 1
                if depth > max_depth:
                    raise _Refused(
                        f"the JSON-LD nests arrays and objects more than {max_depth} deep (byte {offset + m.start()})"
                    )
            elif c in (b"]", b"}"):
                depth -= 1
        offset += len(chunk)


# Turtle/TriG/N-Triples/N-Quads: strings, comments and IRIs skipped; << and >> counted. A long
# string still open at the end of a piece is carried into the next one.
_TURTLE_TOKENS = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*(?:\'\'\'|\Z)'
    rb'|"(?:[^"\\\n\r]|\\.)*"'
    rb"|'(?:[^'\\\n\r]|\\.)*'|\#[^\n\r]*|<<|>>|<[^<>\s]*>",
    re.DOTALL,
)
_LONG_END = {
    b'"""': re.compile(rb'(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL),
    b"'''": re.compile(rb"(?:[^'\\]|\\.|'(?!''))*'''", re.DOTALL),
}


def _check_triple_terms(stream: IO[bytes], max_depth: int) -> None:
    depth = 0
    offset = 0
    open_long: bytes | None = None  # the delimiter of a long string still open
    for chunk in _chunks(stream):
        start = 0
        if open_long is not None:
            if open_long not in chunk:
                offset += len(chunk)
                continue  # still inside the long string
            m = _LONG_END[open_long].match(chunk)
            if m is None:
                offset += len(chunk)
                continue
            start, open_long = m.end(), None
        if b"<<" not in chunk and b'"""' not in chunk and b"'''" not in chunk:
            offset += len(chunk)
            continue  # nothing here can change the depth or open a long string
        for m in _TURTLE_TOKENS.finditer(chunk, start):
            tok = m.group()
            if tok == b"<<":
                depth += 1
                if depth > max_depth:
                    raise _Refused(
                        f"the data nests triple terms more than {max_depth} deep (byte {offset + m.start()})"
                    )
            elif tok == b">>":
                depth = max(depth - 1, 0)
            elif tok[:3] in _LONG_END and (len(tok) < 6 or not tok.endswith(tok[:3])):
                open_long = tok[:3]  # ran to the end of the piece
        offset += len(chunk)


# -- the child -------------------------------------------------------------------------------


def _term_depth(term: Any) -> int:
    """How deeply triple terms nest in ``term`` (0 for an IRI, blank node or literal)."""
    depth = 0
    level = [term]
    while level:
        level = [part for t in level if isinstance(t, ox.Triple) for part in (t.subject, t.object)]
        if level:
            depth += 1
    return depth


def _parse(
    data: bytes, media_type: str, base_iri: str | None, single_graph: bool, validate: bool, max_depth: int
) -> ParsedUpload:
    from claimgraph.graph.store.rdfio import check_shapes, parse_rdf, uses_claimgraph_vocabulary

    precheck(data, media_type, max_depth)
    quads = parse_rdf(data, media_type, base_iri=base_iri, single_graph=single_graph)
    names_graphs = False
    for q in quads:
        if isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple):
            if max(_term_depth(q.subject), _term_depth(q.object)) > max_depth:
                raise DataError(f"the data nests triple terms more than {max_depth} deep")
        if not names_graphs and not isinstance(q.graph_name, ox.DefaultGraph):
            names_graphs = True
    checked = validate and uses_claimgraph_vocabulary(quads)
    if checked:
        check_shapes(quads)
    return ParsedUpload(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"", len(quads), names_graphs, checked)


def _child_main(
    conn: multiprocessing.connection.Connection,
    data: bytes,
    media_type: str,
    base_iri: str | None,
    single_graph: bool,
    validate: bool,
    limits: UploadLimits,
) -> None:
    from claimgraph.graph.store.embedded.executor import ENGINE_STACK_BYTES, _limit_memory
    from claimgraph.graph.store.embedded.nonet import deny_inet_sockets

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    deny_inet_sockets()  # reading RDF never needs the network
    answer: list[tuple[Any, ...]] = []

    def work() -> None:
        try:
            answer.append(("ok", _parse(data, media_type, base_iri, single_graph, validate, limits.max_depth)))
        except DataError as exc:
            answer.append(("data", str(exc)))
        except MemoryError:
            answer.append(("memory", ""))
        except RecursionError:
            answer.append(("data", f"the data nests more deeply than this server reads (at most {limits.max_depth})"))
        except Exception as exc:  # a bug or an engine error: a message for this request
            answer.append(("data", f"{type(exc).__name__}: {exc}"))

    # The parser recurses: a large stack for it, and an address-space cap above it.
    _limit_memory(limits.memory_bytes + ENGINE_STACK_BYTES)
    threading.stack_size(ENGINE_STACK_BYTES)
    thread = threading.Thread(target=work, name="upload-parser")
    thread.start()
    thread.join()
    try:
        conn.send(answer[0] if answer else ("data", "the upload could not be read"))
    except MemoryError:
        conn.send(("memory", ""))


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def prestart(checked: bool = False) -> None:
    """Start the process for the next upload now (after a write; see ``child.prestart``).
    ``checked``: the last upload was checked against the shapes, so the next one probably is
    too: the process then prepares the check while it waits (:func:`warm`)."""
    from claimgraph.graph.store.embedded import child as engine_child

    engine_child.prestart(_CHILD_MAIN, warm=checked)


def warm() -> None:
    """In a process started ahead: prepare the shapes check (rdflib, pySHACL, the shapes and
    their SPARQL constraints). A checked upload of 3 500 triples took 0.53-0.73 s in such a
    process against 0.84-1.02 s in a fresh one; it waits with 56 MiB instead of 27."""
    from claimgraph.graph.build.validation import warm as warm_validation

    warm_validation()


def parse_isolated(
    data: bytes,
    media_type: str,
    base_iri: str | None = None,
    single_graph: bool = False,
    validate: bool = True,
    limits: UploadLimits = UploadLimits(),
    spare: bool = False,
) -> ParsedUpload:
    """Parse (and validate) ``data`` in a child process; the quads come back as N-Quads.
    ``spare``: in the process :func:`prestart` started ahead, when one waits.

    Raises :class:`DataError` for anything wrong with the input, including a crash, a time-out
    or an exhausted memory cap of the child: the caller's process is never at risk."""
    from claimgraph.graph.store.rdfio import rdf_format_or_error

    rdf_format_or_error(media_type)  # an unsupported type is refused before a process starts
    from claimgraph.graph.store.embedded import child as engine_child

    # A lean process per upload (see child.py): a fork server stayed resident in every server
    # worker after its first upload, with a resource tracker beside it (50 MiB together).
    receiver, child = engine_child.start(
        _CHILD_MAIN, data, media_type, base_iri, single_graph, validate, limits, spare=spare
    )
    try:
        if not receiver.poll(limits.timeout):
            child.kill()
            raise DataError(
                f"reading the upload took longer than the limit of {limits.timeout:g} s; nothing was written "
                "(split it, or use 'claimgraph load' for bulk imports)"
            )
        try:
            kind, payload = receiver.recv()
        except (EOFError, OSError):
            child.join(5)
            raise DataError(
                f"the process reading the upload died ({_describe_exit(child.exitcode)}): the data is probably "
                f"nested too deeply or too large to read; nothing was written"
            ) from None
    finally:
        receiver.close()
        child.join(5)
        if child.is_alive():
            child.kill()
    if kind == "ok":
        return payload
    if kind == "memory":
        raise DataError(
            f"reading the upload needed more than the memory limit of {limits.memory_bytes // 2**20} MB; "
            "nothing was written"
        )
    raise DataError(payload)
