"""Run the application under gunicorn, configured from claimgraph's own options."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from claimgraph.settings import Settings


class _App(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from claimgraph.server import create_app

        return create_app(self.settings)


def run(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """Serve with threaded workers; each worker owns its pool of query executors."""
    _App(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            # Queries are stopped by claimgraph's own timeout; gunicorn's only catches hangs.
            "timeout": int(settings.query_timeout) + 30,
            "graceful_timeout": 10,
            "accesslog": "-",
        },
    ).run()
