"""The protocols: SPARQL query and update, Graph Store, dump, service description, auth."""
