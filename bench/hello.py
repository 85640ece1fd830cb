"""The smallest Flask app: the floor under claimgraph's own work in ``bench.floor``."""

from flask import Flask

app = Flask(__name__)


@app.get("/sparql")
def hello() -> tuple[str, int, dict[str, str]]:
    """A fixed small answer to any query: HTTP parsing, routing and the response, nothing else."""
    return '{"head":{},"boolean":true}', 200, {"Content-Type": "application/sparql-results+json"}
