"""Drafting claims from news text with a rule layer per language (see SCHEMA.md).

Layer: imports claimgraph.ontology and claimgraph.graph.build only, never the store or server."""

from claimgraph.graph.draft.drafter import DraftError, Drafter

__all__ = ["DraftError", "Drafter"]
