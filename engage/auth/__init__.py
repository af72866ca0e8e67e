"""Signing in and out."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from engage.auth import views  # noqa: E402,F401
