"""Responses and the representation monitor. Thin: check access, validate, call a service."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engage.access import consultation_for
from engage.extensions import db
from engage.models import Response, utcnow
from engage.models.response import CHANNEL_LABELS
from engage.responses import bp, services
from engage.responses.forms import ResponseFilterForm, TargetsForm

# Query arguments that say which page of the list to show, not what is on the list.
PAGE_ARGS = ("after", "before", "page")
CONSENT_SHORT_LABELS = {
    "publish_named": "Publish with name",
    "publish_anonymous": "Publish without name",
    "do_not_publish": "Do not publish",
}
RESPONSE_STATUS_LABELS = {"draft": "Not submitted", "submitted": "Submitted", "withdrawn": "Withdrawn"}
RESPONSE_STATUS_TAGS = {"draft": "govuk-tag--grey", "submitted": "govuk-tag--green",
                        "withdrawn": "govuk-tag--orange"}


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.context_processor
def response_labels():
    """Words for codes, for this blueprint's templates."""
    return {
        "CHANNEL_LABELS": CHANNEL_LABELS,
        "CONSENT_SHORT_LABELS": CONSENT_SHORT_LABELS,
        "RESPONSE_STATUS_LABELS": RESPONSE_STATUS_LABELS,
        "RESPONSE_STATUS_TAGS": RESPONSE_STATUS_TAGS,
        "locality_label": services.locality_label,
    }


def _list_url(consultation_id, **page_args):
    """The responses list with the filters of this request, at another page."""
    args = {key: values for key, values in request.args.lists()
            if key not in PAGE_ARGS and any(value.strip() for value in values)}
    args.update({key: value for key, value in page_args.items() if value is not None})
    return url_for(".index", consultation_id=consultation_id, **args)


@bp.route("/responses")
def index(consultation_id):
    """The consultation's responses, filtered, newest first, a page at a time."""
    consultation = consultation_for(consultation_id)
    form = ResponseFilterForm(consultation, formdata=request.args)
    if not form.validate():
        return render_template("responses/index.html", consultation=consultation, form=form, page=None,
                               total=None), 400
    filters = form.filters()
    page = services.page_of_responses(
        consultation, filters, after=request.args.get("after", type=int),
        before=request.args.get("before", type=int), number=request.args.get("page", 1, type=int))
    total = services.count_responses(consultation, filters)
    return render_template(
        "responses/index.html", consultation=consultation, form=form, page=page, total=total,
        filters=filters,
        previous_url=_list_url(consultation.id, before=page.previous_cursor, page=page.number - 1)
        if page.has_previous else None,
        next_url=_list_url(consultation.id, after=page.next_cursor, page=page.number + 1)
        if page.has_next else None,
        first_url=_list_url(consultation.id),
    )


@bp.route("/responses/<int:response_id>")
def detail(consultation_id, response_id):
    """One response: who sent it, how, and every answer. Never their equality monitoring."""
    consultation = consultation_for(consultation_id)
    response = db.session.get(Response, response_id)
    if response is None or response.consultation_id != consultation.id:
        abort(404)
    return render_template("responses/detail.html", consultation=consultation, response=response,
                           answers=services.answers_in_order(response))


def _representation_page(consultation, form):
    """The monitor, with the targets form for those who may change targets."""
    return render_template("responses/representation.html", consultation=consultation,
                           representation=services.representation(consultation), form=form, now=utcnow())


@bp.route("/representation")
def representation(consultation_id):
    """Who has responded, by stakeholder group and locality, against targets."""
    consultation = consultation_for(consultation_id)
    form = TargetsForm.for_consultation(consultation) if current_user.can_manage(consultation) else None
    return _representation_page(consultation, form)


@bp.route("/representation/targets", methods=["POST"])
def targets(consultation_id):
    """Save the targets for each stakeholder group and locality."""
    consultation = consultation_for(consultation_id, need="manage")
    form = TargetsForm.for_consultation(consultation)
    if not form.validate_on_submit():
        return _representation_page(consultation, form), 400
    changed = services.set_targets(consultation, form.group_targets(), form.locality_targets(),
                                   user=current_user)
    db.session.commit()
    if changed:
        flash(f"Targets saved: {changed} changed.", "success")
    else:
        flash("No targets were changed.", "info")
    return redirect(url_for(".representation", consultation_id=consultation.id))
