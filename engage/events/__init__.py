"""Engagement events and the notes taken at them (facilitators and officers)."""
from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/staff/consultations/<int:consultation_id>")

from engage.events import views  # noqa: E402,F401
