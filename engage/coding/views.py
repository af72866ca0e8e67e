"""Screens for coding. Thin: check access, validate the form, call a service, redirect."""
from flask_login import login_required

from engage.coding import bp


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""
