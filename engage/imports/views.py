"""Import screens. Thin: check access, validate the form, call a service, redirect.

The work itself (checking a file, importing it) runs as a background job; these
pages start jobs and show their progress and results.
"""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engage import jobs
from engage.access import consultation_for
from engage.extensions import db
from engage.imports import bp, services
from engage.imports.forms import UploadForm, mapping_form
from engage.models import BackgroundJob

KIND = "any(responses, coded)"
# Room for the form's other fields and the multipart boundaries around the file.
UPLOAD_OVERHEAD = 1024 * 1024


@bp.url_value_preprocessor
def allow_large_uploads(endpoint, values):
    """Raise the upload limit for import files, for signed-in users only.

    Exports of 100,000 responses run to tens of megabytes, more than MAX_CONTENT_LENGTH.
    This runs before any before_request function, because the CSRF check reads the form.
    """
    if endpoint == "imports.upload" and current_user.is_authenticated:
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + UPLOAD_OVERHEAD


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.context_processor
def import_labels():
    """Words for codes, for this blueprint's templates."""
    return {"KIND_LABELS": services.KIND_LABELS, "job_label": jobs.label_for, "job_state": jobs.state,
            "job_kind": services.kind_of_job, "started_by": jobs.created_by}


def _job(consultation, job_id):
    """A background job of this consultation (another consultation's job is a 404)."""
    background_job = db.session.get(BackgroundJob, job_id)
    if background_job is None or background_job.consultation_id != consultation.id:
        abort(404)
    return background_job


def _status(form):
    """400 when a submitted form has errors, so tools and tests can tell."""
    return 400 if form.is_submitted() and form.errors else 200


@bp.route("/imports")
def index(consultation_id):
    """Start an import, or come back to one: the consultation's recent checks and imports."""
    consultation = consultation_for(consultation_id, need="manage")
    recent = services.recent_imports(consultation)
    if jobs.expire_interrupted(recent):
        db.session.commit()
    return render_template("imports/index.html", consultation=consultation, recent=recent)


@bp.route(f"/imports/<{KIND}:kind>/new", methods=["GET", "POST"])
def upload(consultation_id, kind):
    """Choose a CSV or Excel file to import."""
    consultation = consultation_for(consultation_id, need="manage")
    form = UploadForm(kind, current_app.config["IMPORT_MAX_BYTES"])
    if form.validate_on_submit():
        storage = form.upload.data
        try:
            saved = services.save_upload(consultation, kind, storage.stream, storage.filename, user=current_user)
        except services.ImportProblem as problem:
            form.upload.errors.append(str(problem))
        else:
            return redirect(url_for(".mapping", consultation_id=consultation.id, kind=kind, token=saved.token))
    return render_template("imports/upload.html", consultation=consultation, kind=kind, form=form), _status(form)


@bp.route(f"/imports/<{KIND}:kind>/<token>/columns", methods=["GET", "POST"])
def mapping(consultation_id, kind, token):
    """Say what each column of the uploaded file is; then check the whole file in the background."""
    consultation = consultation_for(consultation_id, need="manage")
    saved = services.load_upload(consultation, kind, token) or abort(404)
    try:
        headers, examples = services.column_examples(saved)
    except services.tabular.TableError as problem:
        flash(str(problem), "error")
        return redirect(url_for(".upload", consultation_id=consultation.id, kind=kind))
    initial = services.suggested_mapping(consultation, kind, headers)
    form = mapping_form(consultation, kind, headers, examples, initial)
    if form.validate_on_submit():
        running = services.active_import(consultation)
        if running is not None:
            flash("Another file is being checked or imported for this consultation. Wait for it to finish, "
                  "then check this file.", "error")
            return redirect(url_for(".job", consultation_id=consultation.id, job_id=running.id))
        services.remember_mapping(consultation, kind, form.mapping(), current_user)
        check = services.start_check(consultation, saved, form.mapping(), current_user,
                                     ip_address=request.remote_addr or "")
        return redirect(url_for(".job", consultation_id=consultation_id, job_id=check.id))
    return render_template("imports/mapping.html", consultation=consultation, kind=kind, form=form,
                           upload=saved, has_date=kind == "responses"), _status(form)


@bp.route("/jobs/<int:job_id>")
def job(consultation_id, job_id):
    """How a background job is getting on; refreshes itself until it has finished."""
    consultation = consultation_for(consultation_id, need="manage")
    background_job = _job(consultation, job_id)
    if jobs.expire_interrupted([background_job]):
        db.session.commit()
    return render_template("imports/job.html", consultation=consultation, job=background_job,
                           state=jobs.state(background_job), active=jobs.is_active(background_job),
                           kind=services.kind_of_job(background_job),
                           is_check=background_job.kind in services.CHECK_JOB.values())


def _check_job(consultation, job_id):
    background_job = _job(consultation, job_id)
    if background_job.kind not in services.CHECK_JOB.values():
        abort(404)
    return background_job


@bp.route("/imports/checks/<int:job_id>")
def preview(consultation_id, job_id):
    """The first rows as they will be imported, and every problem by row and column."""
    consultation = consultation_for(consultation_id, need="manage")
    check = _check_job(consultation, job_id)
    if check.status != "done":
        return redirect(url_for(".job", consultation_id=consultation.id, job_id=check.id))
    kind = services.kind_of_job(check)
    upload_available = services.load_upload(consultation, kind, check.params.get("upload")) is not None
    return render_template("imports/preview.html", consultation=consultation, job=check, result=check.result,
                           kind=kind, upload_available=upload_available)


@bp.route("/imports/checks/<int:job_id>/import", methods=["POST"])
def start(consultation_id, job_id):
    """Import a checked file, if it has no problems."""
    consultation = consultation_for(consultation_id, need="manage")
    check = _check_job(consultation, job_id)
    back = url_for(".preview", consultation_id=consultation.id, job_id=check.id)
    kind = services.kind_of_job(check)
    if check.status != "done":
        return redirect(url_for(".job", consultation_id=consultation.id, job_id=check.id))
    if (check.result or {}).get("error_count"):
        flash("Nothing can be imported while the file has problems. Correct the file or the columns, "
              "then check it again.", "error")
        return redirect(back)
    if services.load_upload(consultation, kind, check.params.get("upload")) is None:
        flash("The uploaded file is no longer available. Upload it again.", "error")
        return redirect(url_for(".upload", consultation_id=consultation.id, kind=kind))
    running = services.active_import(consultation)
    if running is not None:
        flash("Another file is being checked or imported for this consultation. Wait for it to finish.", "error")
        return redirect(url_for(".job", consultation_id=consultation.id, job_id=running.id))
    started = services.start_import(consultation, check, current_user, ip_address=request.remote_addr or "")
    return redirect(url_for(".job", consultation_id=consultation_id, job_id=started.id))

