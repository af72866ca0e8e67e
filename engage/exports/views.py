"""Downloads of the statement: the staff page that prepares them and the public and staff download routes.

Thin: check access, call a service, redirect or send the stored file. Reading the
page and downloading need "view"; preparing files (a background job) needs "manage".
Public downloads exist only for a published revision whose files are prepared and
current; anything else is a 404.
"""
from flask import abort, flash, make_response, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from engage import jobs
from engage.access import consultation_for
from engage.exports import bp, services
from engage.exports.forms import PrepareForm
from engage.exports.opendata import SCHEMA_PATH, schema_bytes
from engage.extensions import db
from engage.models import StatementRevision
from engage.published.services import published_consultation

STAFF = "/staff/consultations/<int:consultation_id>/exports"


def _revisions(consultation):
    return (StatementRevision.query.filter_by(consultation_id=consultation.id)
            .order_by(StatementRevision.number.desc()).all())


def _send(consultation, revision, key, recheck_after=0):
    """The stored file as an attachment, or None if it is not prepared or is out of date."""
    found = services.stored_file(consultation, revision, key, recheck_after)
    if found is None:
        return None
    path, spec = found
    response = send_file(path, mimetype=spec.mimetype, as_attachment=True,
                         download_name=services.download_name(consultation, revision.number, spec), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _page(consultation, form=None, status=200):
    revisions = _revisions(consultation)
    recent = services.export_jobs(consultation)
    if jobs.expire_interrupted(recent):
        db.session.commit()
    rows = services.revision_downloads(consultation, revisions)
    active = any(row.job is not None and jobs.is_active(row.job) for row in rows)
    return render_template("exports/index.html", consultation=consultation, rows=rows, active=active,
                           form=form or PrepareForm(), can_manage=current_user.can_manage(consultation),
                           job_state=jobs.state, formats=services.FORMATS), status


@bp.route(STAFF)
@login_required
def index(consultation_id):
    """Each published revision with its downloads: ready, out of date, being prepared (with progress)."""
    consultation = consultation_for(consultation_id)
    return _page(consultation)


@bp.route(STAFF + "/prepare", methods=["POST"])
@login_required
def prepare(consultation_id):
    """Prepare (or prepare again) every download of one published revision, in the background."""
    consultation = consultation_for(consultation_id, need="manage")
    form = PrepareForm()
    if not form.validate_on_submit():
        return _page(consultation, form, 400)
    number = form.revision_number()
    revision = (StatementRevision.query.filter_by(consultation_id=consultation.id, number=number).first()
                if number is not None else None)
    if revision is None:
        form.number.errors.append("Choose a published revision of the statement")
        return _page(consultation, form, 400)
    running = services.active_export(consultation)
    if running is not None and not jobs.expire_interrupted([running]):
        flash("Downloads are already being prepared for this consultation. Wait for them to finish.", "error")
        return redirect(url_for(".index", consultation_id=consultation.id))
    db.session.commit()
    services.start_exports(consultation, revision, current_user)
    return redirect(url_for(".index", consultation_id=consultation.id) + f"#revision-{revision.number}")


@bp.route(STAFF + "/<int:number>/<key>")
@login_required
def staff_download(consultation_id, number, key):
    """Download a prepared file of a revision (staff)."""
    consultation = consultation_for(consultation_id)
    if key not in services.FORMATS:
        abort(404)
    revision = StatementRevision.query.filter_by(consultation_id=consultation.id, number=number).first()
    response = _send(consultation, revision, key) if revision is not None else None
    if response is None:
        # Back to the page that says why (not prepared, out of date) and offers to prepare it.
        flash("That download is not ready. Prepare the downloads of the revision, then try again.", "error")
        return redirect(url_for(".index", consultation_id=consultation.id))
    return response


@bp.route("/consultations/<slug>/statement/<int:number>/<key>")
def download(slug, number, key):
    """Download a published revision of the statement as PDF, DOCX, XLSX, CSV or JSON."""
    if key not in services.FORMATS:
        abort(404)
    consultation, revisions = published_consultation(slug)
    revision = next((row for row in revisions if row.number == number), None)
    if revision is None:
        abort(404)
    return _send(consultation, revision, key, recheck_after=services.recheck_seconds()) or abort(404)


@bp.route(SCHEMA_PATH)
def open_data_schema():
    """The JSON Schema of the statement's open data (docs/open-data-schema.json)."""
    response = make_response(schema_bytes())
    response.headers["Content-Type"] = "application/schema+json"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
