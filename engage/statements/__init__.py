"""The statement of consultation, staff side: responses to themes, the officer's words, preview, publish."""
from flask import Blueprint

bp = Blueprint("statements", __name__, url_prefix="/staff/consultations/<int:consultation_id>")

from engage.statements import views  # noqa: E402,F401
