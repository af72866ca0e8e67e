"""Staff screens for responses: the list, one response, and the representation monitor."""
from flask import Blueprint

bp = Blueprint("responses", __name__, url_prefix="/staff/consultations/<int:consultation_id>")

from engage.responses import views  # noqa: E402,F401
