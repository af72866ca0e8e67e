"""Bulk import of responses from other tools, and of already-coded feedback."""
from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/staff/consultations/<int:consultation_id>")

from engage.imports import views  # noqa: E402,F401
