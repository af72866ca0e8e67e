"""Officer screens: consultations, drafts of the plan, questions, status."""
from flask import Blueprint

bp = Blueprint("consultations", __name__, url_prefix="/staff")

from engage.consultations import views  # noqa: E402,F401
