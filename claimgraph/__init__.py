"""claimgraph: who said what, according to whom, in the news, as a SPARQL 1.1 endpoint.

The code lives in three layers, each a subpackage installed from a top-level folder:
``claimgraph.ontology`` (vocabulary, shapes, competency questions) ->
``claimgraph.graph`` (articles, annotations, the build, the store) ->
``claimgraph.server`` (the HTTP endpoint and pages). Dependencies point one way.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    """``__version__`` on first use: importlib.metadata costs a query executor process 4 MiB
    that it never needs (it imports this package on its way to its own module)."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("claimgraph")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
