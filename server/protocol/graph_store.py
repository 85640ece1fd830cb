"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol.

Graphs are identified indirectly (``/store?graph=IRI``, ``/store?default``) or directly: a
request to ``/store/some/path`` addresses the graph whose IRI is that URL itself, so the IRI
answered in ``Location`` after ``POST /store`` (graph creation) can be dereferenced as it is.
``GET /store`` with no parameter is the whole dataset (N-Quads, TriG); ``POST /store`` with
quads that name their graphs (N-Quads, TriG, JSON-LD) adds them to the dataset as they are.

Reads are public; every write needs the update token (:mod:`auth`). An upload is checked in
one streaming pass (syntax; SHACL shapes when it uses claimgraph's vocabulary) and written as
one atomic store version, which a parse error halfway through throws away: a bad upload is a
400 that changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, request, stream_with_context
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge, UnsupportedMediaType

from claimgraph.graph.store import DataError
from claimgraph.graph.store.embedded.store import UPDATE_TIME_FACTOR
from claimgraph.graph.store.formats import DATASET_OFFER, GRAPH_OFFER, UPLOAD_FORMATS
from claimgraph.graph.store.sandbox import UploadLimits, parse_isolated, prestart
from claimgraph.graph.store.changes import write_origin
from claimgraph.server.protocol.auth import check_write_access, writer
from claimgraph.server.protocol.body import client_gone
from claimgraph.server.protocol.negotiation import negotiate
from claimgraph.server.state import get_settings, get_store

bp = Blueprint("graph_store", __name__)

METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


@dataclass(frozen=True)
class Target:
    """What a request addresses: the whole dataset, the default graph, or a named graph."""

    dataset: bool = False
    graph: str | None = None  # None with dataset=False: the default graph


def _target(rest: str | None) -> Target:
    has_graph = "graph" in request.args
    has_default = "default" in request.args
    if rest is not None:
        if has_graph or has_default:
            raise BadRequest("a graph URL (direct identification) takes no ?graph= or ?default parameter")
        return Target(graph=request.base_url)
    if has_graph and has_default:
        raise BadRequest("give either ?graph=IRI or ?default, not both")
    if has_default:
        return Target()
    if has_graph:
        iris = request.args.getlist("graph")
        if len(iris) != 1:
            raise BadRequest("give exactly one ?graph= parameter")
        try:
            node = ox.NamedNode(iris[0])
        except ValueError as exc:
            raise BadRequest(f"?graph= must be an absolute IRI: {exc}") from None
        if ":" not in node.value:
            raise BadRequest("?graph= must be an absolute IRI")
        return Target(graph=node.value)
    return Target(dataset=True)


@bp.route("/store", methods=METHODS, defaults={"rest": None}, strict_slashes=False)
@bp.route("/store/<path:rest>", methods=METHODS)
def graph_store(rest: str | None) -> Response:
    target = _target(rest)
    if request.method in ("GET", "HEAD"):
        return _read(target)
    check_write_access()
    with write_origin(writer(), request.base_url):  # recorded if it changes a built claim
        return _write(target)


def _write(target: Target) -> Response:
    if request.method == "DELETE":
        return _delete(target)
    request.max_content_length = get_settings().max_upload_bytes
    try:
        upload = _upload(graph=target.graph, single_graph=not target.dataset or request.method == "PUT")
    except RequestEntityTooLarge:
        limit = get_settings().max_upload_bytes
        raise RequestEntityTooLarge(
            f"the upload is larger than the limit of {limit} bytes (CLAIMGRAPH_MAX_UPLOAD_BYTES); "
            "use 'claimgraph load' for bulk imports"
        ) from None
    if client_gone():  # the check may take a while: a write the client abandoned is not committed
        raise BadRequest("the client closed the connection before the upload was written; nothing was written")
    try:
        if request.method == "PUT":
            return _put(target, upload)
        return _post(target, upload)
    finally:
        # The next upload's parser starts now, once this write no longer needs the CPU.
        prestart(checked=upload.shapes_checked)


# -- reading -----------------------------------------------------------------------------


def _read(target: Target) -> Response:
    store = get_store()
    if target.dataset:
        media_type = negotiate(DATASET_OFFER).produce
        if request.method == "HEAD":
            return Response(status=200, mimetype=media_type)
        return Response(stream_with_context(store.dump_chunks(media_type)), mimetype=media_type)
    media_type = negotiate(GRAPH_OFFER).produce
    if not store.graph_exists(target.graph):
        raise NotFound(f"no graph named <{target.graph}> in this store")
    if request.method == "HEAD":
        return Response(status=200, mimetype=media_type)
    chunks = store.get_graph(target.graph, media_type)
    first = next(chunks, b"")  # errors before the first byte still get a proper status

    def body():
        yield first
        yield from chunks

    return Response(stream_with_context(body()), mimetype=media_type)


# -- writing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A request body parsed and checked in a child process (:mod:`claimgraph.graph.store.sandbox`),
    as flat N-Quads for the store to write: the worker never parses the client's bytes itself."""

    data: bytes
    media_type: str
    base_iri: str
    names_graphs: bool = False
    shapes_checked: bool = False


def _limits() -> UploadLimits:
    """An upload gets the time an update gets and the memory a query gets."""
    settings = get_settings()
    return UploadLimits(
        timeout=settings.query_timeout * UPDATE_TIME_FACTOR, memory_bytes=settings.query_memory_mb * 2**20
    )


def _upload(graph: str | None, single_graph: bool, base_iri: str | None = None) -> Upload:
    # Relative IRIs resolve against the graph's IRI (or the request URL), as the spec asks.
    base_iri = base_iri or graph or request.base_url
    validate = get_settings().validate_imports
    limits = _limits()
    if request.mimetype == "multipart/form-data":
        # One document per part (each with its own type and blank nodes), merged as N-Quads.
        # Every file part counts, several under one field name included (a MultiDict's
        # values() would give only the first of each name): never 201 for part of the input.
        parts = list(request.files.items(multi=True))
        if not parts:
            raise DataError("the multipart body holds no file part")
        fields = sorted(set(request.form.keys()))
        if fields:
            raise DataError(
                "the multipart body holds parts that are not files (fields "
                + ", ".join(map(repr, fields[:10]))
                + "); send each RDF document as a file part (with a filename)"
            )
        chunks: list[bytes] = []
        names_graphs = checked = False
        for name, part in parts:
            media_type = _media_type(part.mimetype, part.filename)
            part.stream.seek(0)  # a POST to /store may read the parts twice (see _post)
            try:
                parsed = parse_isolated(
                    part.stream.read(),
                    media_type,
                    base_iri=base_iri,
                    single_graph=single_graph,
                    validate=validate,
                    limits=limits,
                    spare=True,
                )
            except DataError as exc:
                raise DataError(f"part {name!r} (file {part.filename!r}): {exc}") from None
            chunks.append(parsed.nquads)
            names_graphs = names_graphs or parsed.names_graphs
            checked = checked or parsed.shapes_checked
        return Upload(b"".join(chunks), "application/n-quads", base_iri, names_graphs, checked)
    parsed = parse_isolated(
        request.get_data(cache=True),
        _media_type(request.mimetype, None),
        base_iri=base_iri,
        single_graph=single_graph,
        validate=validate,
        limits=limits,
        spare=True,
    )
    return Upload(parsed.nquads, "application/n-quads", base_iri, parsed.names_graphs, parsed.shapes_checked)


def _media_type(mimetype: str, filename: str | None) -> str:
    if mimetype and ox.RdfFormat.from_media_type(mimetype) is not None:
        return mimetype
    if filename and "." in filename:
        fmt = ox.RdfFormat.from_extension(filename.rsplit(".", 1)[1])
        if fmt is not None:
            return fmt.media_type
    raise UnsupportedMediaType(
        f"unsupported media type {mimetype or '(none)'}; send one of: "
        + ", ".join(f.media_type for f in UPLOAD_FORMATS)
    )


def _put(target: Target, upload: Upload) -> Response:
    if target.dataset:
        raise BadRequest("PUT needs a graph: /store?graph=IRI, /store?default or a graph URL")
    created = get_store().put_graph(target.graph, upload.data, upload.media_type, base_iri=upload.base_iri)
    return Response(status=201 if created else 204)


def _post(target: Target, upload: Upload) -> Response:
    store = get_store()
    if target.dataset:
        if upload.names_graphs:
            # Quads that name their own graphs (N-Quads, TriG, JSON-LD): added as they are.
            store.load(upload.data, upload.media_type, base_iri=upload.base_iri)
            return Response(status=204)
        # Triples posted to the store itself: a new graph, named by a fresh URL on this server
        # (read once more, so that relative IRIs resolve against that URL).
        iri = request.url_root + "store/" + uuid.uuid4().hex
        if upload.base_iri != iri:
            upload = _upload(graph=iri, single_graph=True, base_iri=iri)
        store.post_graph(iri, upload.data, upload.media_type, base_iri=iri)
        return Response(status=201, headers={"Location": iri})
    created = store.post_graph(target.graph, upload.data, upload.media_type, base_iri=upload.base_iri)
    return Response(status=201 if created else 204)


def _delete(target: Target) -> Response:
    if target.dataset:
        raise BadRequest("DELETE needs a graph: /store?graph=IRI, /store?default or a graph URL")
    if not get_store().delete_graph(target.graph):
        raise NotFound(f"no graph named <{target.graph}> in this store")
    return Response(status=204)
