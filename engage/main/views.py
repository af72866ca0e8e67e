"""Public home page and the health check."""
from flask import current_app, jsonify, render_template, send_from_directory
from sqlalchemy import text

from engage.extensions import db
from engage.main import bp
from engage.models import Consultation

PUBLIC_STATUSES = ("open", "closed", "analysing", "published")


@bp.route("/")
def home():
    """Open consultations first, then the ones that have closed."""
    consultations = (
        Consultation.query.filter(Consultation.status.in_(PUBLIC_STATUSES))
        .order_by(Consultation.closes_on.desc()).all()
    )
    open_now = [c for c in consultations if c.accepting_responses()]
    earlier = [c for c in consultations if c not in open_now and not c.not_yet_open]
    return render_template("main/home.html", open_now=open_now, earlier=earlier)


@bp.route("/healthz")
def healthz():
    """JSON health check: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # noqa: BLE001 - any database failure means "down"
        current_app.logger.exception("Health check: database unavailable")
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/assets/<path:filename>")
def govuk_assets(filename):
    """Fonts and images that the GOV.UK Frontend stylesheet refers to as /assets/..."""
    return send_from_directory(current_app.static_folder + "/govuk/assets", filename, max_age=86400)


@bp.route("/privacy")
def privacy():
    """The privacy notice for people who respond."""
    return render_template("main/privacy.html")


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement."""
    return render_template("main/accessibility.html")
