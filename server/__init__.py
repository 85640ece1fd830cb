"""The HTTP layer: a Flask application factory and one blueprint per concern."""

from __future__ import annotations

from flask import Flask

from claimgraph.server.config import Config
from claimgraph.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the WSGI application; gunicorn calls ``claimgraph.server.wsgi:app``."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.from_object(Config(settings))

    from claimgraph.server import dump, errors, graph_store, health, service, sparql, state

    state.init_app(app, settings)
    errors.init_app(app)
    errors.init_cors(app, settings.cors_origins)
    app.register_blueprint(health.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(service.bp)
    app.register_blueprint(graph_store.bp)
    app.register_blueprint(dump.bp)
    return app
