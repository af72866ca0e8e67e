"""Views (being built)."""
from engage.events import bp  # noqa: F401
