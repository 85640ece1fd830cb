"""From articles to RDF: reading seed files, compiling annotations, and the store."""
