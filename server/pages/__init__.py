"""The pages: HTML views, Linked Data documents, provenance exports, the query page.

Each page module runs SPARQL from ``queries/*.rq`` beside it and renders ``templates/``.
"""
