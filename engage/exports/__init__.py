"""Exports of the statement of consultation: PDF, DOCX, XLSX, CSV and JSON open data, from one builder.

Every format is a thin serialiser of the same content dict (engage.publishing.statement),
passed through for_display() first; the published responses come from
engage.publishing.quotes alone. Files are prepared by a background job and kept under
the instance folder, never under static/.
"""
from flask import Blueprint

# No url_prefix: the staff pages live under /staff/consultations/<id>/exports and the
# public downloads under /consultations/<slug>/statement/<number>/<format>.
bp = Blueprint("exports", __name__)

from engage.exports import views  # noqa: E402,F401
