"""Full-text search over claims: a side index per store version (SQLite FTS5), its search
language, and the ``SERVICE <https://w3id.org/claimgraph/search>`` form inside SPARQL."""
