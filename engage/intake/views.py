"""Officers key in responses that arrived on paper, by letter, by email or by telephone.

Thin: check access, validate the form, call a service, commit once, redirect.
"""
import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from engage.access import consultation_for
from engage.extensions import db
from engage.intake import bp, services
from engage.intake.forms import (
    CONSENT_CHOICES, CheckForm, LetterEditForm, LetterForm, edit_form, key_in_form,
)
from engage.models import Response
from engage.models.response import CHANNEL_LABELS
from engage.public.views import _question_pages
from engage.responses.services import answers_in_order, locality_label


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.context_processor
def intake_labels():
    """Words for codes, for this blueprint's templates."""
    return {"CHANNEL_LABELS": CHANNEL_LABELS, "locality_label": locality_label,
            "CONSENT_LABELS": {choice.value: choice.label for choice in CONSENT_CHOICES}}


@bp.app_context_processor
def keyed_response_summary():
    """Lets a response's page show how it was keyed in, its points and its second-person check."""
    return {"keyed_summary": services.summary}


def _response(consultation, response_id):
    """A response of this consultation (another consultation's id is a 404)."""
    response = db.session.get(Response, response_id)
    if response is None or response.consultation_id != consultation.id:
        abort(404)
    return response


def _detail_url(response):
    return url_for("responses.detail", consultation_id=response.consultation_id, response_id=response.id)


def _question_names(pages):
    """The questions' field names in the order the page shows them."""
    return [f"q{question.id}" for page in pages for question in page["questions"]]


def _status(form):
    """400 when a submitted form has errors, so tools and tests can tell."""
    return 400 if form.is_submitted() and form.errors else 200


def _not_taking_responses(consultation):
    """Keyed responses are taken while the consultation is open, closed or being analysed."""
    status = 200 if request.method == "GET" else 409
    return render_template("intake/not_taking.html", consultation=consultation), status


def _already_saved(consultation, submission_key):
    """The response an earlier click of the same form saved (a double click or a replay), or None."""
    existing = services.find_by_submission_key(consultation, submission_key)
    if existing is not None:
        flash(f"Response {existing.reference} was already saved from this form. It has not been saved twice.",
              "info")
    return existing


def _save_once(consultation, submission_key, save):
    """Run save() and commit, unless this form was already saved; returns the response."""
    existing = _already_saved(consultation, submission_key)
    if existing is not None:
        return existing
    try:
        response = save()
        db.session.commit()
    except IntegrityError:
        # Two clicks raced each other: the other one saved it.
        db.session.rollback()
        existing = _already_saved(consultation, submission_key)
        if existing is None:
            raise
        return existing
    flash(f"Response {response.reference} saved. It now counts as a submitted response.", "success")
    return response


@bp.route("/responses/key", methods=["GET", "POST"])
def key(consultation_id):
    """Key in a questionnaire that arrived on paper, by phone, in easy read or in another language."""
    consultation = consultation_for(consultation_id, need="manage")
    if not services.accepts_keyed_responses(consultation):
        return _not_taking_responses(consultation)
    form = key_in_form(consultation, current_user)
    pages = _question_pages(consultation)
    form.put_in_page_order(_question_names(pages))
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(24)
    if form.validate_on_submit():
        response = _save_once(consultation, form.submission_key.data, lambda: services.key_in_response(
            consultation, current_user, form.details(), form.answers(), equality=form.values(),
            checked_by=form.checked_by, submission_key=form.submission_key.data))
        return redirect(_detail_url(response))
    return render_template("intake/key.html", consultation=consultation, form=form, pages=pages), _status(form)


@bp.route("/responses/letter", methods=["GET", "POST"])
def letter(consultation_id):
    """Paste a letter or email, then check, merge and edit the points Engage proposes."""
    consultation = consultation_for(consultation_id, need="manage")
    if not services.accepts_keyed_responses(consultation):
        return _not_taking_responses(consultation)
    form = LetterForm(consultation=consultation)
    form.put_in_page_order()
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(24)
        return _letter_step(consultation, form, 1)
    merge = request.form.get("merge", type=int)
    if form.back.data:
        form.text.data = "\n\n".join(point["text"].strip() for point in form.point_values()
                                     if point["text"].strip())
        return _letter_step(consultation, form, 1)
    if merge is not None:
        form.set_points(services.merge_points(form.point_values(), merge))
        return _letter_step(consultation, form, 2)
    if form.split.data:
        if not form.validate():
            return _letter_step(consultation, form, 1, 400)
        form.set_points([{"text": text, "section": "", "speaks_for": "1"}
                         for text in services.split_into_points(form.text.data)])
        return _letter_step(consultation, form, 2)
    if form.save.data and form.validate():
        response = _save_once(consultation, form.submission_key.data, lambda: services.key_in_letter(
            consultation, current_user, form.details(), form.points_for_saving(),
            submission_key=form.submission_key.data))
        return redirect(_detail_url(response))
    if form.details_errors or not form.points.entries:
        # Only a tampered or very old second step gets here: show the details to correct.
        form.text.data = "\n\n".join(point["text"].strip() for point in form.point_values())
        return _letter_step(consultation, form, 1, 400)
    return _letter_step(consultation, form, 2, 400)


def _letter_step(consultation, form, step, status=200):
    """Step 1 (details and text) or step 2 (the points)."""
    template = "intake/letter.html" if step == 1 else "intake/letter_points.html"
    return render_template(template, consultation=consultation, form=form), status


@bp.route("/responses/<int:response_id>/edit", methods=["GET", "POST"])
def edit(consultation_id, response_id):
    """Correct a keyed response: its details, and its answers or its points."""
    consultation = consultation_for(consultation_id, need="manage")
    response = _response(consultation, response_id)
    if not services.is_editable(response):
        flash("Only submitted responses keyed in by staff can be changed. Someone who responded online "
              "changes their own response with their private link.", "info")
        return redirect(_detail_url(response))
    if not services.accepts_keyed_responses(consultation):
        return _not_taking_responses(consultation)
    letter_mode = services.is_letter(response)
    pages = [] if letter_mode else _question_pages(consultation)
    if letter_mode:
        items = services.letter_points(response)
        form = LetterEditForm(consultation=consultation, items=items)
    else:
        form = edit_form(consultation)
    form.put_in_page_order(_question_names(pages))
    if request.method == "GET":
        form.fill_from(response)
        if letter_mode:
            form.fill_points(items)
        else:
            form.fill_answers(response)
    if form.validate_on_submit():
        changed, check_cleared = services.update_keyed_response(
            response, current_user, form.details(),
            answers=None if letter_mode else form.answers(),
            points=form.points_for_saving() if letter_mode else None)
        db.session.commit()
        if not changed:
            flash("Nothing was changed.", "info")
        elif check_cleared:
            flash(f"Changes to response {response.reference} saved. It needs checking by a second person "
                  "again, because it changed after it was checked.", "success")
        else:
            flash(f"Changes to response {response.reference} saved.", "success")
        return redirect(_detail_url(response))
    return render_template("intake/edit.html", consultation=consultation, response=response, form=form,
                           letter_mode=letter_mode, pages=pages), _status(form)


@bp.route("/responses/<int:response_id>/check", methods=["GET", "POST"])
def check(consultation_id, response_id):
    """A second member of staff confirms that a keyed response matches the original."""
    consultation = consultation_for(consultation_id, need="manage")
    response = _response(consultation, response_id)
    if not services.is_editable(response):
        flash("Only submitted responses keyed in by staff are checked by a second person.", "info")
        return redirect(_detail_url(response))
    form = CheckForm()
    problem, status = None, 200
    if form.validate_on_submit():
        try:
            services.mark_checked(response, current_user)
        except services.NotAllowed as refusal:
            db.session.rollback()
            problem = str(refusal)
            status = 403 if response.entered_by_id == current_user.id else 409
        else:
            db.session.commit()
            flash(f"Response {response.reference} is marked as checked by a second person (you).", "success")
            return redirect(_detail_url(response))
    summary = services.summary(response)
    return render_template(
        "intake/check.html", consultation=consultation, response=response, form=form, summary=summary,
        answers=[] if summary.letter else answers_in_order(response), problem=problem,
        keyed_by_you=response.entered_by_id is not None and response.entered_by_id == current_user.id,
    ), status
