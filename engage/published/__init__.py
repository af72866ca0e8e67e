"""Public pages of a published consultation: the statement of consultation and the published responses."""
from flask import Blueprint

bp = Blueprint("published", __name__, url_prefix="/consultations")

from engage.published import views  # noqa: E402,F401
