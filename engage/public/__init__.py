"""Public pages: consultations, the draft plan, and the response journey."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from engage.public import views  # noqa: E402,F401
