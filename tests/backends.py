"""Real external SPARQL stores on loopback for the backend suite: the Oxigraph server and Virtuoso.

Each ``start_*`` function returns a :class:`Backend` whose ``env`` configures claimgraph (CLI and
server) to use it, and whose ``stop()`` ends the process it started. Waits are bounded; logs stay
in the backend's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


from conftest import free_port, wait_for_http

#: Where claimgraph keeps its default graph in stores without a separate one (Virtuoso).
MAPPED_DEFAULT_GRAPH = "https://w3id.org/claimgraph/default-graph"
#: The graphs a fresh Virtuoso 7 database holds for itself: claimgraph never drops or dumps them.
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/",
)
VIRTUOSO_USER = "dba"
#: Set at startup (a fresh database's dba password is "dba"); tests check it never shows anywhere.
VIRTUOSO_PASSWORD = "cg-" + os.urandom(6).hex()


@dataclass
class Backend:
    name: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    direct_query_url: str | None = None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def embedded(workdir: Path) -> Backend:
    """The default backend: nothing to start; ``store_dir`` is ``workdir / 'store'``."""
    return Backend(name="embedded", workdir=workdir, env={"CLAIMGRAPH_STORE_URL": ""})


def start_oxigraph(workdir: Path, timeout_s: int = 5) -> Backend:
    """``oxigraph serve`` (the PyPI ``oxigraph`` package) on a free loopback port, stopping each
    query after ``timeout_s`` seconds."""
    exe = shutil.which("oxigraph", path=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    if exe is None:
        raise RuntimeError("the oxigraph server is not installed: `pip install oxigraph` (make install does)")
    port = free_port()
    log = workdir / "oxigraph.log"
    proc = subprocess.Popen(
        # --timeout-s: the server's own limit stops queries claimgraph has abandoned.
        [
            exe,
            "serve",
            "--location",
            str(workdir / "data"),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout-s",
            str(timeout_s),
        ],
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for_http(base + "/query", proc, "oxigraph serve", log, 30, params={"query": "ASK {}"})
    return Backend(
        name="oxigraph",
        workdir=workdir,
        process=proc,
        direct_query_url=base + "/query",
        env={
            "CLAIMGRAPH_STORE_URL": base + "/query",
            "CLAIMGRAPH_STORE_UPDATE_URL": base + "/update",
            "CLAIMGRAPH_STORE_GSP_URL": base + "/store",
        },
    )


def ensure_virtuoso() -> str | None:
    """The path of ``virtuoso-t``, installing Debian's package when missing (CI runs as root).

    Returns None with nothing installed only when the package cannot be had here; the caller
    skips with the reason."""
    exe = shutil.which("virtuoso-t")
    if exe:
        return exe
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # The package's postinst would start a system-wide Virtuoso; policy-rc.d forbids that.
    policy = Path("/usr/sbin/policy-rc.d")
    made_policy = False
    if not policy.exists():
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        made_policy = True
    try:
        install = [
            "apt-get",
            "install",
            "-y",
            "--no-install-recommends",
            "-o",
            "DPkg::Lock::Timeout=180",
            "virtuoso-opensource",
        ]
        for attempt in range(2):
            done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=600)
            if done.returncode == 0:
                break
            if attempt == 0:
                subprocess.run(
                    ["apt-get", "update", "-o", "DPkg::Lock::Timeout=180"], env=env, capture_output=True, timeout=300
                )
    finally:
        if made_policy:
            policy.unlink()
    return shutil.which("virtuoso-t")


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
[SPARQL]
; Virtuoso silently cuts results at this many rows: keep it above the largest dump.
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 5
"""


def start_virtuoso(workdir: Path, exe: str) -> Backend:
    """``virtuoso-t`` in the foreground with a minimal ini in ``workdir``."""
    sql_port, http_port = free_port(), free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=workdir, sql_port=sql_port, http_port=http_port))
    log = workdir / "stdout.log"
    proc = subprocess.Popen([exe, "-f", "-c", str(ini)], cwd=workdir, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    wait_for_http(base + "/sparql", proc, "virtuoso-t", log, 90, params={"query": "ASK {}"})
    isql = shutil.which("isql-vt") or shutil.which("isql")
    if isql is None:
        proc.kill()
        raise RuntimeError("isql-vt (package virtuoso-opensource-7-bin) is missing")
    subprocess.run(
        [
            isql,
            f"127.0.0.1:{sql_port}",
            "dba",
            "dba",
            f"EXEC=USER_CHANGE_PASSWORD('dba', 'dba', '{VIRTUOSO_PASSWORD}');",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return Backend(
        name="virtuoso",
        workdir=workdir,
        process=proc,
        direct_query_url=base + "/sparql",
        env={
            "CLAIMGRAPH_STORE_URL": base + "/sparql",
            # Anonymous /sparql may not write; /sparql-auth takes digest credentials.
            "CLAIMGRAPH_STORE_UPDATE_URL": base + "/sparql-auth",
            "CLAIMGRAPH_STORE_USER": VIRTUOSO_USER,
            "CLAIMGRAPH_STORE_PASSWORD": VIRTUOSO_PASSWORD,
            "CLAIMGRAPH_STORE_AUTH": "digest",
            # Virtuoso's default graph is the union of all graphs: keep claimgraph's apart.
            "CLAIMGRAPH_STORE_DEFAULT_GRAPH": MAPPED_DEFAULT_GRAPH,
            "CLAIMGRAPH_STORE_SYSTEM_GRAPHS": " ".join(VIRTUOSO_SYSTEM_GRAPHS),
            # Virtuoso 7.2 writes TSV IRIs as strings and a non-standard CSV for ASK.
            "CLAIMGRAPH_STORE_CONVERT_FORMATS": "text/tab-separated-values text/csv",
        },
    )
