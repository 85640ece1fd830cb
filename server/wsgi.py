"""The WSGI entry point for gunicorn: settings come from ``CLAIMGRAPH_*`` variables."""

from claimgraph.server import create_app

app = create_app()
