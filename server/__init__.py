"""The HTTP layer: a Flask application factory and one blueprint per concern."""

from __future__ import annotations

from flask import Flask

from claimgraph.server.config import Config
from claimgraph.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the WSGI application; gunicorn calls ``claimgraph.server.wsgi:app``."""
    settings = settings or Settings.from_env()
    # Templates and static files live with the pages that use them (server/pages/).
    app = Flask(__name__, template_folder="pages/templates", static_folder="pages/static")
    app.config.from_object(Config(settings))
    from claimgraph.server import errors, health, state
    from claimgraph.server.pages import audit, linked_data, ontology, provenance, query_page, resources, search
    from claimgraph.server.protocol import body, dump, graph_store, lean, service, sparql

    state.init_app(app, settings)
    errors.init_app(app)
    body.init_app(app)  # every request body read whole and checked before a view sees it
    errors.init_cors(app, settings.cors_origins)
    app.register_blueprint(health.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(service.bp)
    app.register_blueprint(graph_store.bp)
    app.register_blueprint(dump.bp)
    app.register_blueprint(ontology.bp)
    app.register_blueprint(audit.bp)  # before linked_data: its /doc/claim/ID.nanopub.trig is more specific
    app.register_blueprint(resources.bp)
    app.register_blueprint(linked_data.bp)
    app.register_blueprint(query_page.bp)
    app.register_blueprint(provenance.bp)
    app.register_blueprint(search.bp)
    # Plain successful queries skip Flask's per-request work (the same bytes; protocol/lean.py).
    lean.install(app)
    if settings.proxies:  # outermost: the lean path and Flask both see the forwarded values
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)  # type: ignore[method-assign]
    return app
