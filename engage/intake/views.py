"""Views (being built)."""
from engage.intake import bp  # noqa: F401
