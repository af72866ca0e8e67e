"""Emerging themes among items no theme fits, and campaign (near-identical) texts coded as one group."""
from flask import Blueprint

bp = Blueprint("emerging", __name__, url_prefix="/staff/consultations/<int:consultation_id>")

from engage.emerging import views  # noqa: E402,F401
