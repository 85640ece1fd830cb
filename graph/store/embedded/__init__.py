"""The embedded Oxigraph backend: immutable versions, executor processes."""
