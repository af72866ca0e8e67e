"""The codebook: a consultation's themes (hierarchy, rename, merge, split, archive) and starter codebooks."""
from flask import Blueprint

bp = Blueprint("codebook", __name__, url_prefix="/staff/consultations/<int:consultation_id>")

from engage.codebook import views  # noqa: E402,F401
