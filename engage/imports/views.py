"""Views (being built)."""
from engage.imports import bp  # noqa: F401
