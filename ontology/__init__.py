"""The claimgraph vocabulary: namespaces and the files that ship with the package.

The namespaces are plain strings here (``*_NS``, ``PREFIXES``): the server's pages only need
the strings, and importing rdflib costs each gunicorn worker about 17 MiB it never uses for
a point query. The rdflib ``Namespace`` objects (``CG``, ``PROV``, ...) are built on first use
(PEP 562), so ``from claimgraph.ontology import CG`` still works where rdflib is wanted.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rdflib import Namespace

    #: The ontology namespace (hash namespace: one document describes every term).
    CG: Namespace
    PROV: Namespace
    SCHEMA: Namespace
    OA: Namespace
    NIF: Namespace
    DCT: Namespace
    VANN: Namespace
    WD: Namespace

ONTOLOGY_IRI = "https://w3id.org/claimgraph/ontology"

CG_NS = "https://w3id.org/claimgraph/ontology#"
PROV_NS = "http://www.w3.org/ns/prov#"
SCHEMA_NS = "http://schema.org/"
OA_NS = "http://www.w3.org/ns/oa#"
NIF_NS = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
DCT_NS = "http://purl.org/dc/terms/"
VANN_NS = "http://purl.org/vocab/vann/"
WD_NS = "http://www.wikidata.org/entity/"

#: The rdflib namespaces, by name, made on first use.
_NAMESPACES = {
    "CG": CG_NS,
    "PROV": PROV_NS,
    "SCHEMA": SCHEMA_NS,
    "OA": OA_NS,
    "NIF": NIF_NS,
    "DCT": DCT_NS,
    "VANN": VANN_NS,
    "WD": WD_NS,
}

#: Prefixes offered to every query page and serializer, so output stays readable.
PREFIXES: dict[str, str] = {
    "cg": CG_NS,
    "prov": PROV_NS,
    "schema": SCHEMA_NS,
    "oa": OA_NS,
    "nif": NIF_NS,
    "dct": DCT_NS,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "wd": WD_NS,
}


def __getattr__(name: str) -> Any:
    """``CG``, ``PROV``, ... as rdflib namespaces, importing rdflib only when one is asked for."""
    if name not in _NAMESPACES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from rdflib import Namespace

    made = Namespace(_NAMESPACES[name])
    globals()[name] = made
    return made


def ontology_dir() -> Path:
    """The folder holding the ontology files, wherever the package is installed."""
    return Path(str(files(__name__)))


def ontology_file() -> Path:
    """The OWL ontology in Turtle."""
    return ontology_dir() / "claimgraph.ttl"
