"""The subjects a SPARQL Update writes, read from its text (rdflib's SPARQL parser).

Read in the update's own process (:mod:`update_child`), beside the engine's update: the parse
(pyparsing, tens of milliseconds for a short update) then neither holds the server worker's GIL,
which its request threads share, nor brings rdflib into the worker. A process started ahead
for the next update imports the parser while it waits (:func:`warm`)."""

from __future__ import annotations

#: Updates longer than this are not read for the subjects they write (rdflib's parser takes
#: seconds on large texts): the search index after them is written whole.
UPDATE_SUBJECTS_MAX_CHARS = 32 * 1024

#: More subjects than this in one write and the next index is written whole (a bulk load).
MAX_TOUCHED = 20_000


def warm() -> None:
    """Import the parser now (about 0.15 s), in a process that waits for its update."""
    import rdflib.plugins.sparql.algebra  # noqa: F401
    import rdflib.plugins.sparql.parser  # noqa: F401


def update_subjects(text: str, base_iri: str | None) -> set[str] | None:
    """The subjects an update writes, when its text names them all: INSERT DATA, DELETE DATA
    and DELETE/INSERT templates whose subjects are IRIs. None when it cannot tell (a variable
    or blank node subject, LOAD, CLEAR, DROP, ADD/MOVE/COPY, a long text): then the next
    search index is written whole, as for any unseen change.

    Without this every SPARQL Update rewrote the whole index: 15-20 s on a 1 M-quad store."""
    if len(text) > UPDATE_SUBJECTS_MAX_CHARS:
        return None
    from rdflib import URIRef
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        operations = translateUpdate(parseUpdate(text), base=base_iri).algebra
    except Exception:  # rdflib reads SPARQL differently here and there: Oxigraph decides
        return None
    subjects: set[str] = set()
    for op in operations:
        if op.name in ("InsertData", "DeleteData", "DeleteWhere"):
            clauses = [op]
        elif op.name == "Modify":
            clauses = [c for c in (dict.get(op, "delete"), dict.get(op, "insert")) if c is not None]
        else:
            return None
        for clause in clauses:  # rdflib's CompValue is a dict whose own get() means something else
            triples = list(dict.get(clause, "triples") or [])
            for graph_triples in (dict.get(clause, "quads") or {}).values():
                triples += graph_triples
            for subject, _, _ in triples:
                if type(subject) is not URIRef:  # a variable, a blank node, a quoted triple
                    return None
                subjects.add(str(subject))
    return subjects if len(subjects) <= MAX_TOUCHED else None
