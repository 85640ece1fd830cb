"""Run the application under gunicorn, configured from claimgraph's own options."""

from __future__ import annotations

import resource
from typing import Any

from gunicorn.app.base import BaseApplication

from claimgraph.server.access_log import AccessLog
from claimgraph.server.worker import BufferingWorker
from claimgraph.settings import Settings

#: Connections one worker holds open (slow senders and idle keep-alive ones cost a file
#: descriptor each and no thread): lowered to what the file descriptor limit allows.
WORKER_CONNECTIONS = 4096
#: Seconds an idle kept-alive connection stays open.
KEEPALIVE = 5


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard one; return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


class _App(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # newer settings are skipped on older gunicorn
                self.cfg.set(key, value)

    def load(self):
        from claimgraph.server import create_app

        return create_app(self.settings)


def run(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """Serve with threaded workers; each worker owns its pool of query executors.

    Workers share the on-disk store: executors hold read-only snapshots and reopen after a
    write; writers serialise on the store's ``write.lock`` (see ``graph/store/embedded.py``)."""
    fds = raise_fd_limit()
    # Each worker's connections, plus its executors' pipes, store files and spare: per worker.
    connections = max(64, min(WORKER_CONNECTIONS, fds - 256))
    BufferingWorker.max_body_bytes = settings.max_body_bytes
    BufferingWorker.max_declared_bytes = max(settings.max_body_bytes, settings.max_upload_bytes)
    BufferingWorker.header_timeout = settings.header_timeout
    BufferingWorker.body_min_rate = settings.body_min_rate
    BufferingWorker.body_grace = settings.header_timeout
    BufferingWorker.body_timeout = settings.client_stall_timeout
    BufferingWorker.linger = settings.keepalive_linger
    _App(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            # gthread, except that a connection reaches a thread only once its request has
            # arrived (server/worker.py): slow senders cannot hold the threads.
            "worker_class": BufferingWorker,
            "worker_connections": connections,
            "keepalive": KEEPALIVE,
            # Queries are stopped by claimgraph's own timeout; gunicorn's only catches hangs.
            "timeout": int(settings.query_timeout) + 30,
            "graceful_timeout": 10,
            "accesslog": "-",
            # The same access lines, formatted from what they show and written in batches.
            "logger_class": AccessLog,
            # SPARQL clients (SPARQLWrapper by default) send queries in the URL: accept the
            # longest request line gunicorn allows; longer queries must use POST.
            "limit_request_line": 8190,
            # Workers load the app after forking: each opens its own executor pool.
            "preload_app": False,
            # X-Forwarded-* is trusted only when the operator says proxies are in front
            # (--proxies, applied by werkzeug's ProxyFix); gunicorn alone would trust
            # X-Forwarded-Proto from any local client.
            "forwarded_allow_ips": "127.0.0.1,::1" if settings.proxies else "",
            # gunicorn >= 25 opens one control socket per user ($HOME/.gunicorn/gunicorn.ctl):
            # several servers on one machine (tests, benchmarks) would take it from each other.
            "control_socket_disable": True,
        },
    ).run()
