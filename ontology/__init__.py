"""The claimgraph vocabulary: namespaces and the files that ship with the package."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from rdflib import Namespace

#: The ontology namespace (hash namespace: one document describes every term).
CG = Namespace("https://w3id.org/claimgraph/ontology#")
ONTOLOGY_IRI = "https://w3id.org/claimgraph/ontology"

PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
DCT = Namespace("http://purl.org/dc/terms/")
VANN = Namespace("http://purl.org/vocab/vann/")
WD = Namespace("http://www.wikidata.org/entity/")

#: Prefixes offered to every query page and serializer, so output stays readable.
PREFIXES: dict[str, str] = {
    "cg": str(CG),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "oa": str(OA),
    "nif": str(NIF),
    "dct": str(DCT),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "wd": str(WD),
}


def ontology_dir() -> Path:
    """The folder holding the ontology files, wherever the package is installed."""
    return Path(str(files(__name__)))


def ontology_file() -> Path:
    """The OWL ontology in Turtle."""
    return ontology_dir() / "claimgraph.ttl"
