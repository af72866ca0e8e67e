"""Home page, health check and GOV.UK Frontend assets."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from engage.main import views  # noqa: E402,F401
