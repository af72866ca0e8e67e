"""Second coder: a blind random sample coded by another officer, and Cohen's kappa per theme."""
from flask import Blueprint

bp = Blueprint("agreement", __name__, url_prefix="/staff/consultations/<int:consultation_id>")

from engage.agreement import views  # noqa: E402,F401
