"""Redaction and moderation screens. Thin: check access, validate the form, call a service, redirect.

Anyone who may see a consultation may read these pages ("view"); starting the check for
personal details and every decision (confirm, reject, hide words, withhold, release)
need "manage".
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engage import jobs
from engage.access import consultation_for, object_of
from engage.extensions import db
from engage.models import FeedbackItem
from engage.moderation import bp, services
from engage.moderation.forms import AddRedactionForm, DecisionForm, ReleaseForm, WithholdForm
from engage.publishing import quotes

STATUS_LABELS = {"suggested": "Suggested", "confirmed": "Hidden", "rejected": "Rejected: shown"}
STATUS_CLASSES = {"suggested": "govuk-tag--blue", "confirmed": "govuk-tag--green", "rejected": "govuk-tag--grey"}


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.context_processor
def moderation_helpers():
    """Words and helpers for this blueprint's templates."""
    return {"KIND_LABELS": services.KIND_LABELS, "KIND_TITLES": services.KIND_TITLES, "REDACTION_STATUS_LABELS": STATUS_LABELS,
            "REDACTION_STATUS_CLASSES": STATUS_CLASSES, "job_state": jobs.state, "plural": _plural,
            "highlighted": services.highlighted, "attribution": quotes.attribution}


def _plural(count, singular, plural=None):
    """"1 item", "3 items"."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def _kind_arg(value):
    """A kind of personal detail from the query string, or None for every kind."""
    return value if value in services.KIND_LABELS else None


def _queue_url(consultation_id, kind=None, page=None, item_id=None):
    """The moderation page with the queue filtered to a kind, at a page (and an item on it)."""
    args = {}
    if kind:
        args["kind"] = kind
    if page and page > 1:
        args["page"] = page
    anchor = f"item-{item_id}" if item_id else "queue"
    return url_for(".index", consultation_id=consultation_id, _anchor=anchor, **args)


def _back(consultation, item):
    """Where a decision returns to: the queue it was made from, or the item's page."""
    if request.form.get("back") == "queue":
        return _queue_url(consultation.id, _kind_arg(request.form.get("kind")),
                          request.form.get("page", type=int), item.id)
    return url_for(".item", consultation_id=consultation.id, item_id=item.id)


# The summary and the queue ------------------------------------------------------------------------

@bp.route("/moderation")
def index(consultation_id):
    """What will be published, a button to check for personal details, and the suggestions waiting."""
    consultation = consultation_for(consultation_id, need="view")
    latest = services.latest_check(consultation)
    if latest is not None and jobs.expire_interrupted([latest]):
        db.session.commit()
    kind = _kind_arg(request.args.get("kind"))
    page = services.queue_page(consultation, kind=kind,
                               number=max(1, min(request.args.get("page", 1, type=int) or 1, 1_000_000)))
    confirmed = {item_id: [r for r in redactions if r.status == "confirmed"]
                 for item_id, redactions in page.redactions.items()}
    return render_template(
        "moderation/index.html", consultation=consultation,
        figures=services.summary(consultation, pending_items=None if kind else page.total),
        latest=latest, last_run=services.latest_check(consultation, status="done"),
        active=latest is not None and jobs.is_active(latest), page=page, kind=kind,
        by_kind=services.pending_by_kind(consultation),
        previews={item.id: services.published_text(item, confirmed.get(item.id, [])) for item in page.items},
        previous_url=_queue_url(consultation.id, kind, page.number - 1) if page.has_previous else None,
        next_url=_queue_url(consultation.id, kind, page.number + 1) if page.has_next else None)


@bp.route("/moderation/check", methods=["POST"])
def check(consultation_id):
    """Start checking every publishable item for personal details in the background."""
    consultation = consultation_for(consultation_id, need="manage")
    running = services.active_check(consultation)
    if running is not None and not jobs.expire_interrupted([running]):
        flash("The feedback is already being checked for personal details. Wait for that to finish.", "error")
    else:
        db.session.commit()
        services.start_check(consultation, current_user)
    return redirect(url_for(".index", consultation_id=consultation.id))


# One item -----------------------------------------------------------------------------------------

def _item(consultation, item_id):
    return object_of(consultation, FeedbackItem, item_id)


def _render_item(consultation, item, failed=None, status=200):
    """The item's page; `failed` = a form to re-show with its errors (what was typed is kept)."""
    redactions = services.redactions_of(item)
    confirmed = [redaction for redaction in redactions if redaction.status == "confirmed"]
    can_manage = current_user.can_manage(consultation)
    forms = {}
    if can_manage:
        forms = {
            "add": AddRedactionForm(item, formdata=None),
            "withhold": WithholdForm(formdata=None),
            "release": ReleaseForm(formdata=None),
            "decisions": {redaction.id: DecisionForm(redaction, formdata=None) for redaction in redactions},
        }
    context = {}
    if failed is not None:
        name, form = failed
        if name == "decision":
            forms["decisions"][form.redaction_id] = form
        else:
            forms[name] = form
        context["form"] = form
    decisions = services.last_decisions(redactions)
    deciders = services.people([r.decided_by_id for r in redactions]
                               + [event.user_id for event in decisions.values()])
    history = services.moderation_history(consultation, item)
    return render_template(
        "moderation/item.html", consultation=consultation, item=item, redactions=redactions,
        marked=services.highlighted(item.text, [r for r in redactions if r.status != "rejected"]),
        preview=services.published_text(item, confirmed), not_published=services.not_published_because(item),
        misfits=[r for r in redactions if not services.fits(item.text, r)], decisions=decisions,
        deciders=deciders, history=history, forms=forms, can_manage=can_manage,
        pending=sum(1 for r in redactions if r.status == "suggested"), **context), status


@bp.route("/moderation/items/<int:item_id>")
def item(consultation_id, item_id):
    """One item: its original and published text, every redaction, and the forms to decide them."""
    consultation = consultation_for(consultation_id, need="view")
    found = _item(consultation, item_id)
    if current_user.can_manage(consultation) and services.suggest_for_item(found):
        # Suggestions for an item nobody checked yet (or edited since): only suggestions, no decision.
        db.session.commit()
    return _render_item(consultation, found)


@bp.route("/moderation/items/<int:item_id>/decide", methods=["POST"])
def decide(consultation_id, item_id):
    """Confirm or reject one redaction of the item."""
    consultation = consultation_for(consultation_id, need="manage")
    found = _item(consultation, item_id)
    decision = request.form.get("decision")
    raw_id = (request.form.get("redaction") or "").strip()
    if decision not in ("confirm", "reject") or not raw_id.isdigit() or len(raw_id) > 9:
        abort(400)
    redaction = services.redaction_of(found, int(raw_id)) or abort(404)
    accept = decision == "confirm"
    if accept and not services.fits(found.text, redaction):
        flash("That suggestion no longer fits the text, which was changed after it was made. Hide the words "
              "again below instead.", "error")
        return redirect(url_for(".item", consultation_id=consultation.id, item_id=found.id))
    form = DecisionForm(redaction, needs_reason=not accept and redaction.status == "confirmed")
    if not form.validate_on_submit():
        form.redaction_id = redaction.id
        if request.form.get("back") == "queue":
            flash(" ".join(form.reason.errors), "error")
            return redirect(_back(consultation, found))
        return _render_item(consultation, found, failed=("decision", form), status=400)
    words = services.KIND_LABELS[redaction.kind]
    if services.decide(consultation, redaction, accept, current_user, form.reason.data):
        db.session.commit()
        flash(f"The {words} will be hidden wherever this item is published." if accept
              else f"The {words} will not be hidden.", "success")
    return redirect(_back(consultation, found))


@bp.route("/moderation/items/<int:item_id>/confirm-all", methods=["POST"])
def confirm_all(consultation_id, item_id):
    """Confirm every suggestion waiting on the item."""
    consultation = consultation_for(consultation_id, need="manage")
    found = _item(consultation, item_id)
    count = services.confirm_all(consultation, found, current_user)
    if count:
        db.session.commit()
        flash(f"{_plural(count, 'suggestion')} confirmed: hidden wherever this item is published.", "success")
    else:
        flash("There were no suggestions waiting on this item.", "info")
    return redirect(_back(consultation, found))


@bp.route("/moderation/items/<int:item_id>/redactions", methods=["POST"])
def add_redaction(consultation_id, item_id):
    """Hide words an officer chose, wherever the item is published."""
    consultation = consultation_for(consultation_id, need="manage")
    found = _item(consultation, item_id)
    form = AddRedactionForm(found)
    if not form.validate_on_submit():
        return _render_item(consultation, found, failed=("add", form), status=400)
    added = services.add_redaction(consultation, found, form.words.data, form.kind.data, form.reason.data,
                                   current_user)
    db.session.commit()
    if added:
        flash(f"Hidden in {_plural(len(added), 'place')} wherever this item is published.", "success")
    else:
        flash("Those words were already hidden.", "info")
    return redirect(url_for(".item", consultation_id=consultation.id, item_id=found.id))


@bp.route("/moderation/items/<int:item_id>/withhold", methods=["POST"])
def withhold(consultation_id, item_id):
    """Keep the item out of everything published; it still counts in the analysis."""
    consultation = consultation_for(consultation_id, need="manage")
    found = _item(consultation, item_id)
    if found.withheld:
        flash("This item is already withheld from publication.", "info")
        return redirect(url_for(".item", consultation_id=consultation.id, item_id=found.id))
    form = WithholdForm()
    if not form.validate_on_submit():
        return _render_item(consultation, found, failed=("withhold", form), status=400)
    services.withhold(consultation, found, form.reason.data, current_user)
    db.session.commit()
    flash("Withheld: this item will not be published. It still counts in the analysis.", "success")
    return redirect(url_for(".item", consultation_id=consultation.id, item_id=found.id))


@bp.route("/moderation/items/<int:item_id>/release", methods=["POST"])
def release(consultation_id, item_id):
    """Let a withheld item be published again (if its respondent consented)."""
    consultation = consultation_for(consultation_id, need="manage")
    found = _item(consultation, item_id)
    if not found.withheld:
        flash("This item is not withheld.", "info")
        return redirect(url_for(".item", consultation_id=consultation.id, item_id=found.id))
    form = ReleaseForm()
    if not form.validate_on_submit():
        return _render_item(consultation, found, failed=("release", form), status=400)
    services.release(consultation, found, form.reason.data, current_user)
    db.session.commit()
    flash("Released: this item may be published again." if quotes.is_publishable(found)
          else "Released. It is still not published, because nobody consented to its publication.", "success")
    return redirect(url_for(".item", consultation_id=consultation.id, item_id=found.id))
