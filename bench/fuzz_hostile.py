"""Bounded fuzzing of a claimgraph server on loopback: mutated queries, updates, uploads, raw HTTP.

Every input is followed by a health probe; a loopback listener stands in for any URL a SERVICE
or LOAD could reach and must never be contacted; and after every write-kind input the store's
dump is compared (canonicalized, blank nodes included) with a model: an in-memory pyoxigraph
store to which exactly the writes that the server answered 2xx have been applied. So a write
that was refused but left something behind, or a 2xx that wrote something else, is found.

    python -m bench.fuzz_hostile --queries 1000 --updates 800 --uploads 800 --raw 400

starts its own server on a fresh store (``claimgraph serve`` on 127.0.0.1) and prints a JSON
report; ``--url`` and ``--token`` aim it at a running server instead (its store is written).
tests/test_fuzz_hostile.py runs a small bounded variant. Figures: docs/security.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import requests

TOKEN = "fuzz-token-3b1e"

SEED_QUERIES = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 5",
    "PREFIX e: <http://e/> SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s e:p ?o } }",
    'SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), "b1")) } ORDER BY ?s LIMIT 3',
    "ASK { <http://e/a1> ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 4",
    "DESCRIBE <http://e/a2>",
    "SELECT * WHERE { BIND(<http://x/\\u0061#> AS ?x) ?s ?p ?o } LIMIT 1",
    "SELECT ?s WHERE { { ?s ?p ?o } UNION { ?o ?p ?s } OPTIONAL { ?s <http://e/q> ?z } } LIMIT 2",
    "SELECT (STRLEN('''a\nb''') AS ?l) WHERE {} # comment with SERVICE in it",
]
SEED_UPDATES = [
    'INSERT DATA { GRAPH <http://fuzz.example/u> { <http://e/s> <http://e/p> "x" } }',
    "DELETE WHERE { GRAPH <http://fuzz.example/u> { ?s ?p ?o } }",
    "INSERT { GRAPH <http://fuzz.example/u> { ?s <http://e/copy> ?o } } WHERE { ?s <http://e/p> ?o } ",
    "CLEAR SILENT GRAPH <http://fuzz.example/u>",
    "INSERT DATA { <http://e/d> <http://e/p> [ <http://e/q> 1 ] }",
    'WITH <http://fuzz.example/u> DELETE { ?s ?p ?o } INSERT { ?s ?p "y" } WHERE { ?s ?p ?o }',
]
SEED_UPLOADS: list[tuple[str, bytes]] = [
    ("text/turtle", b'@prefix e: <http://e/> . e:s e:p e:o , [ e:q 1 ] ; e:r "t"@en .\n<rel> e:p e:o .'),
    ("application/n-triples", b'<http://e/s> <http://e/p> <http://e/o> .\n_:b <http://e/p> "1" .\n'),
    ("application/ld+json", b'{"@context": {"e": "http://e/"}, "@id": "e:s", "e:p": [{"@id": "e:o"}, {"e:q": 1}]}'),
    (
        "application/rdf+xml",
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns:e="http://e/"><rdf:Description rdf:about="http://e/s"><e:p>x</e:p>'
        b"</rdf:Description></rdf:RDF>",
    ),
    ("application/trig", b"<http://e/s> <http://e/p> <http://e/o> ."),
    ("text/turtle", b"<http://e/s> <http://e/p> << <http://e/a> <http://e/b> <http://e/c> >> ."),
]


def _query_tokens(trap: str) -> list[str]:
    return [
        f"SERVICE <{trap}> {{ ?s ?p ?o }}",
        f"LOAD <{trap}>",
        f"SERVICE<{trap}>{{}}",
        f"trueSERVICE<{trap}>{{}}",
        "SERVICEex:x{}",
        "\\u0061",
        "\\U00000023",
        "#",
        "\n",
        "\r",
        "<",
        ">",
        '"',
        "'",
        '"""',
        "'''",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "<<",
        ">>",
        "\\",
        "?a<?b#>",
        "%",
        "\x00",
        "é",
        "\u2028",
        "\xa0",
        " ",
        ";",
        ".",
        "FILTER(",
        "BIND(1 AS ?x)",
        "UNION",
        "OPTIONAL {",
        "GRAPH ?g {",
        f"PREFIX ex: <{trap}> ",
    ]


_UPLOAD_TOKENS = [
    b"<<",
    b">>",
    b"[",
    b"]",
    b"(",
    b")",
    b"{",
    b"}",
    b'"',
    b"'",
    b'"""',
    b"\\u0061",
    b"\\",
    b"#",
    b"\n",
    b"@prefix",
    b"<",
    b">",
    b".",
    b";",
    b",",
    b"\x00",
    b"\xff",
    b"\xc3",
    b'<!DOCTYPE r [<!ENTITY a "&b;">]>',
    b'<!ENTITY x SYSTEM "file:///etc/passwd">',
    b"&x;",
    b'{"@id":',
    b"<rdf:Description>",
    b"_:b",
    b"@en",
    b"^^<http://www.w3.org/2001/XMLSchema#integer>",
    b"<<( <http://e/a> <http://e/b> ",
]


def _mutate(rng: random.Random, data: Any, tokens: list[Any]) -> Any:
    """One to three random edits: insert a token, delete or duplicate a span, flip, truncate, nest."""
    for _ in range(rng.randint(1, 3)):
        n = len(data)
        at = rng.randint(0, n)
        op = rng.random()
        if op < 0.45:
            data = data[:at] + rng.choice(tokens) + data[at:]
        elif op < 0.6 and n:
            end = min(n, at + rng.randint(1, 8))
            data = data[:at] + data[end:]
        elif op < 0.7 and n:
            end = min(n, at + rng.randint(1, 30))
            data = data[:end] + data[at:end] * rng.randint(1, 4) + data[end:]
        elif op < 0.8:
            data = data[:at]
        elif op < 0.9:
            k = rng.choice([10, 300, 3000, 30000])
            opener, closer = rng.choice(
                [("{", "}"), ("(", ")"), ("[", "]"), ("<<( <http://e/a> <http://e/b> ", " )>>")]
            )
            if isinstance(data, bytes):
                opener, closer = opener.encode(), closer.encode()
            data = data[:at] + opener * k + closer * k + data[at:]
        elif n:
            i = rng.randrange(n)
            if isinstance(data, bytes):
                data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]
            else:
                data = data[:i] + chr(rng.randrange(32, 0x3000)) + data[i + 1 :]
    return data


class Listener:
    """A loopback TCP listener standing in for every URL a SERVICE or LOAD could reach; it
    records what each connection sent (the SSRF tests use it too)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/trap"
        self.contacts: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.contacts.append(conn.recv(4096) or b"<connected>")
                except OSError:
                    self.contacts.append(b"<connected>")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@dataclass
class Report:
    """What the run saw: status classes per kind, and everything that should not happen."""

    statuses: dict[str, Counter] = field(default_factory=dict)
    anomalies: list[dict[str, Any]] = field(default_factory=list)
    health_failures: int = 0
    listener_contacts: int = 0
    dump_mismatches: int = 0
    writes_accepted: int = 0
    seconds: float = 0.0

    def count(self, kind: str, status: int | None) -> None:
        label = "none" if status is None else f"{status // 100}xx"
        self.statuses.setdefault(kind, Counter())[label] += 1

    def note(self, kind: str, what: str, sample: Any) -> None:
        if len(self.anomalies) < 50:
            self.anomalies.append({"kind": kind, "what": what, "input": repr(sample)[:300]})

    @property
    def clean(self) -> bool:
        return not (self.anomalies or self.health_failures or self.listener_contacts or self.dump_mismatches)

    def as_dict(self) -> dict[str, Any]:
        return {
            "inputs": {k: sum(c.values()) for k, c in self.statuses.items()},
            "statuses": {k: dict(sorted(c.items())) for k, c in self.statuses.items()},
            "writes_accepted": self.writes_accepted,
            "health_failures": self.health_failures,
            "listener_contacts": self.listener_contacts,
            "dump_mismatches": self.dump_mismatches,
            "anomalies": self.anomalies,
            "seconds": round(self.seconds, 1),
            "clean": self.clean,
        }


def _canonical(quads: list[ox.Quad]) -> set[str]:
    ds = ox.Dataset(quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in ds}


class Fuzzer:
    def __init__(self, url: str, token: str, seed: int = 1) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.listener = Listener()
        self.report = Report()
        self.model = ox.Store()
        self.model.extend(self._server_quads())

    # -- observing the server -----------------------------------------------------------

    def _server_quads(self) -> list[ox.Quad]:
        r = self.http.get(self.url + "/store", headers={"Accept": "application/n-quads"}, timeout=60)
        r.raise_for_status()
        return list(ox.parse(r.content, ox.RdfFormat.N_QUADS))

    def _healthy(self) -> bool:
        for _ in range(3):
            try:
                if self.http.get(self.url + "/health", timeout=10).status_code == 200:
                    return True
            except requests.RequestException:
                time.sleep(0.5)
        return False

    def _after(self, kind: str, status: int | None, sample: Any, wrote: bool) -> None:
        self.report.count(kind, status)
        if status is None or status >= 500 and status != 503:
            self.report.note(kind, f"status {status}", sample)
        if not self._healthy():
            self.report.health_failures += 1
            self.report.note(kind, "health probe failed after this input", sample)
        if len(self.listener.contacts) != self.report.listener_contacts:
            self.report.listener_contacts = len(self.listener.contacts)
            self.report.note(kind, "the listener was contacted", sample)
        if wrote:
            server = _canonical(self._server_quads())
            model = _canonical(list(self.model))
            if server != model:
                self.report.dump_mismatches += 1
                self.report.note(kind, f"dump differs from the model ({len(server)} vs {len(model)} quads)", sample)
                self.model = ox.Store()
                self.model.extend(self._server_quads())  # resynchronise, to attribute later ones

    def _send(self, method: str, path: str, **kw: Any) -> int | None:
        try:
            return self.http.request(method, self.url + path, timeout=120, **kw).status_code
        except requests.RequestException:
            return None

    # -- the kinds of input -------------------------------------------------------------

    def query(self) -> None:
        text = _mutate(self.rng, self.rng.choice(SEED_QUERIES), _query_tokens(self.listener.url))
        how = self.rng.random()
        body = text.encode("utf-8", "surrogatepass")
        if how < 0.4:
            status = self._send("GET", "/sparql", params={"query": body})
        elif how < 0.7:
            status = self._send("POST", "/sparql", data={"query": body})
        else:
            status = self._send("POST", "/sparql", data=body, headers={"Content-Type": "application/sparql-query"})
        self._after("query", status, text, wrote=False)

    def update(self) -> None:
        text = _mutate(self.rng, self.rng.choice(SEED_UPDATES), _query_tokens(self.listener.url))
        body = text.encode("utf-8", "surrogatepass")
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.rng.random() < 0.5:
            status = self._send("POST", "/sparql", data={"update": body}, headers=headers)
        else:
            status = self._send(
                "POST", "/sparql", data=body, headers={**headers, "Content-Type": "application/sparql-update"}
            )
        if status is not None and 200 <= status < 300:
            self.report.writes_accepted += 1
            try:
                self.model.update(text, base_iri=self.url + "/sparql")
            except Exception as exc:  # the server took an update the engine refuses here
                self.report.note("update", f"2xx but the model refuses it: {exc}", text)
        self._after("update", status, text, wrote=True)

    def upload(self) -> None:
        media_type, seed = self.rng.choice(SEED_UPLOADS)
        data = _mutate(self.rng, seed, _UPLOAD_TOKENS)
        graph = f"http://fuzz.example/g{self.rng.randrange(3)}"
        method = self.rng.choice(["PUT", "POST"])
        ctype = media_type + self.rng.choice(["", "", "", "; charset=utf-8", "; charset=utf-16", "; charset=latin1"])
        status = self._send(
            method,
            "/store",
            params={"graph": graph},
            data=data,
            headers={"Content-Type": ctype, "Authorization": f"Bearer {self.token}"},
        )
        if status is not None and 200 <= status < 300:
            self.report.writes_accepted += 1
            self._apply_upload(method, graph, media_type, data)
        self._after("upload", status, (method, ctype, data), wrote=True)

    def _apply_upload(self, method: str, graph: str, media_type: str, data: bytes) -> None:
        target = ox.NamedNode(graph)
        try:
            parsed = list(
                ox.parse(
                    data,
                    ox.RdfFormat.from_media_type(media_type),
                    base_iri=graph,
                    without_named_graphs=True,
                    rename_blank_nodes=True,
                )
            )
        except Exception as exc:
            self.report.note("upload", f"2xx but the data does not parse here: {exc}", data)
            return
        if method == "PUT":
            self.model.remove_graph(target) if self.model.contains_named_graph(target) else None
        self.model.add_graph(target)
        self.model.extend(ox.Quad(q.subject, q.predicate, q.object, target) for q in parsed)

    def raw(self) -> None:
        """Broken framing that must be refused: short bodies, bad chunks, conflicting headers."""
        body = b"<http://e/raw> <http://e/p> <http://e/o> .\n"
        path = self.rng.choice(["/store?graph=http://fuzz.example/raw", "/sparql"])
        ctype = "text/turtle" if path.startswith("/store") else "application/sparql-update"
        if path == "/sparql":
            body = b"INSERT DATA { <http://e/raw> <http://e/p> <http://e/o> }"
        method = "PUT" if path.startswith("/store") else "POST"
        legal = False  # whether the framing is valid HTTP (then a 2xx is right and must be written)
        choice = self.rng.randrange(6)
        if choice == 0:  # body shorter than its Content-Length
            framing, payload = f"Content-Length: {len(body) + self.rng.randint(1, 5000)}\r\n", body
        elif choice == 1:  # chunked without terminator
            framing, payload = "Transfer-Encoding: chunked\r\n", b"%x\r\n%s\r\n" % (len(body), body)
        elif choice == 2:  # a bad chunk size
            bad = self.rng.choice([b"zz", b"-5", b"0x10", b"ffffffffffffffffffff", b"", b" 5"])
            framing, payload = "Transfer-Encoding: chunked\r\n", bad + b"\r\n" + body + b"\r\n0\r\n\r\n"
        elif choice == 3:  # a chunk extension: 5 000 bytes is legal framing gunicorn reads, 70 000 is refused
            framing = "Transfer-Encoding: chunked\r\n"
            size = self.rng.choice([5000, 70000])
            legal = size == 5000
            payload = b"%x;" % len(body) + b"e" * size + b"\r\n" + body + b"\r\n0\r\n\r\n"
        elif choice == 4:  # both Content-Length and chunked
            chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
            framing, payload = f"Transfer-Encoding: chunked\r\nContent-Length: {len(chunked)}\r\n", chunked
        else:  # a chunk shorter than its size
            framing, payload = "Transfer-Encoding: chunked\r\n", b"%x\r\n%s\r\n0\r\n\r\n" % (len(body) + 7, body)
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
            f"Content-Type: {ctype}\r\n{framing}\r\n"
        ).encode()
        status = _raw_exchange(self.url, head + payload)
        if status is not None and 200 <= status < 300:
            if not legal:
                self.report.note("raw", f"malformed request answered {status}", head + payload)
            elif path == "/sparql":
                self.report.writes_accepted += 1
                self.model.update(body.decode(), base_iri=self.url + "/sparql")
            else:
                self.report.writes_accepted += 1
                self._apply_upload("PUT", "http://fuzz.example/raw", ctype, body)
        self._after("raw", status, head + payload, wrote=True)

    def run(self, counts: dict[str, int]) -> Report:
        started = time.monotonic()
        plan = [kind for kind, n in counts.items() for _ in range(n)]
        self.rng.shuffle(plan)
        for kind in plan:
            getattr(self, kind)()
            if self.report.health_failures > 3:
                break  # the server is gone; the report says so
        self.report.seconds = time.monotonic() - started
        self.listener.close()
        return self.report


def _raw_exchange(url: str, data: bytes) -> int | None:
    host, port = url.split("//", 1)[1].split(":")
    try:
        with socket.create_connection((host, int(port.split("/")[0])), timeout=30) as sock:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    except OSError:
        return None
    if not answer.startswith(b"HTTP/1."):
        return None
    return int(answer.split(b" ", 2)[1])


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``claimgraph serve`` on a fresh small store, on a free loopback port."""
    data = workdir / "start.nt"
    data.write_text("".join(f"<http://e/a{i}> <http://e/p> <http://e/b{i}> .\n" for i in range(50)))
    store = workdir / "store"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "claimgraph.cli",
            "load",
            "--store",
            str(store),
            "--graph",
            "http://fuzz.example/start",
            str(data),
        ],
        check=True,
        capture_output=True,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(workdir / "server.log", "wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "claimgraph.cli",
            "serve",
            "--store",
            str(store),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--query-workers",
            "2",
            "--timeout",
            "3",
            "--update-token",
            TOKEN,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the server did not start; see {log.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=800)
    parser.add_argument("--uploads", type=int, default=800)
    parser.add_argument("--raw", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="a running server (its store is written); default: start one")
    parser.add_argument("--token", default=TOKEN)
    args = parser.parse_args()
    counts = {"query": args.queries, "update": args.updates, "upload": args.uploads, "raw": args.raw}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that the server started here is stopped
    if args.url:
        report = Fuzzer(args.url, args.token, args.seed).run(counts)
    else:
        with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
            proc, url = start_server(Path(tmp))
            try:
                report = Fuzzer(url, TOKEN, args.seed).run(counts)
            finally:
                proc.terminate()
                proc.wait(30)
    print(json.dumps(report.as_dict(), indent=2))
    sys.exit(0 if report.clean else 1)


if __name__ == "__main__":
    main()
