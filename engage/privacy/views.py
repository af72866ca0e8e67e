"""Administrators' data protection screens: a person's response by reference, retention, audit log."""
import json

from flask import Response as HttpResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engage.audit import record
from engage.extensions import db
from engage.models import Consultation, User
from engage.privacy import bp, services
from engage.privacy.forms import EraseForm, FindResponseForm


@bp.before_request
@login_required
def require_admin():
    """Only administrators handle data protection requests and read the audit log."""
    if not current_user.is_admin:
        abort(403)


def _response_or_404(reference):
    return services.response_by_reference(reference) or abort(404)


@bp.route("/data-requests")
def data_requests():
    """Find one person's response by its reference; what is held, with copy and erase."""
    form = FindResponseForm(request.args)
    response = None
    status = 200
    if "reference" in request.args:
        if form.validate():
            response = services.response_by_reference(form.reference.data)
            if response is None:
                form.reference.errors.append(f"No response has the reference {form.reference.data.strip()}. "
                                             "Check it against the confirmation the person received")
                status = 404
        else:
            status = 400
    copy = services.subject_access_copy(response) if response else None
    return render_template("privacy/data_requests.html", form=form, response=response, copy=copy,
                           erase_form=EraseForm(response.reference) if response else None), status


@bp.route("/data-requests/<reference>/copy.json")
def data_copy(reference):
    """Download everything held about one response, as JSON (a subject access request)."""
    response = _response_or_404(reference)
    record("respondent_data_exported", response, consultation=response.consultation, reference=response.reference)
    db.session.commit()
    body = json.dumps(services.subject_access_copy(response), indent=2, ensure_ascii=False)
    return HttpResponse(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{response.reference}.json"'})


@bp.route("/data-requests/<reference>/erase", methods=["POST"])
def erase(reference):
    """Erase one response and everything that came from it."""
    response = _response_or_404(reference)
    form = EraseForm(response.reference)
    if not form.validate_on_submit():
        return render_template("privacy/data_requests.html", form=FindResponseForm(data={"reference": reference}),
                               response=response, copy=services.subject_access_copy(response),
                               erase_form=form), 400
    services.erase_response(response, current_user, form.reason.data.strip())
    db.session.commit()
    flash(f"Response {reference} and everything that came from it have been erased.", "success")
    return redirect(url_for(".data_requests"))


@bp.route("/retention")
def retention():
    """Each consultation's retention date and whether personal data is still held."""
    rows = []
    for consultation in Consultation.query.order_by(Consultation.title):
        rows.append({"consultation": consultation, "due": services.retention_date(consultation),
                     "holds": services.holds_personal_data(consultation)})
    return render_template("privacy/retention.html", rows=rows)


@bp.route("/audit")
def audit_log():
    """Who did what: the audit log, newest first, with filters."""
    action = request.args.get("action") or None
    user_id = request.args.get("user", type=int)
    consultation_id = request.args.get("consultation", type=int)
    before = request.args.get("before", type=int)
    events, next_before = services.audit_events(action, user_id, consultation_id, before)
    actions, users, consultations = services.audit_filter_choices()
    people = {user.id: user.email for user in User.query.filter(User.id.in_({e.user_id for e in events if e.user_id}))}
    titles = {c.id: c.title for c in consultations}
    return render_template("privacy/audit.html", events=events, next_before=next_before, actions=actions,
                           users=users, consultations=consultations, people=people, titles=titles,
                           chosen={"action": action, "user": user_id, "consultation": consultation_id})
