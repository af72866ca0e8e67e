"""Data protection: retention, a person's data by reference (copy or erase), the audit log."""
from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/staff")

from engage.privacy import views  # noqa: E402,F401
