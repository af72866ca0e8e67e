"""Redaction and moderation: make respondents' words safe to publish."""
from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/staff/consultations/<int:consultation_id>")

from engage.moderation import views  # noqa: E402,F401
