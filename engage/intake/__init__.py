"""Officers keying in paper, email, letter and phone responses."""
from flask import Blueprint

bp = Blueprint("intake", __name__, url_prefix="/staff/consultations/<int:consultation_id>")

from engage.intake import views  # noqa: E402,F401
