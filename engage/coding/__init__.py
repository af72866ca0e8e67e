"""Coding feedback: suggesting themes in the background, the review queue, coding an item in context, stance."""
from flask import Blueprint

bp = Blueprint("coding", __name__, url_prefix="/staff/consultations/<int:consultation_id>")

from engage.coding import views  # noqa: E402,F401
from engage.coding import suggesting  # noqa: E402,F401  (registers the suggester job)
