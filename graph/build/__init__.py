"""Reading articles and their curated annotations and compiling them into RDF (the layer
above the ontology and below the store: it never imports the store, the server or the CLI)."""
