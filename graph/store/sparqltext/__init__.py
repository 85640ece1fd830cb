"""Tools that read SPARQL text before an engine does: tokens, lexer, guard, USING rewrite."""
