"""claimgraph: who said what, according to whom, in the news, as a SPARQL 1.1 endpoint.

The code lives in three layers, each a subpackage installed from a top-level folder:
``claimgraph.ontology`` (vocabulary, shapes, competency questions) ->
``claimgraph.graph`` (articles, annotations, the build, the store) ->
``claimgraph.server`` (the HTTP endpoint and pages). Dependencies point one way.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("claimgraph")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
