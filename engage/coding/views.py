"""Screens for coding. Thin: check access, validate the form, call a service, redirect.

Anyone who may see a consultation may read its suggestions figures, its list of feedback
and an item in context ("view"); reviewing suggestions, coding and starting the
suggester need "manage".
"""
from dataclasses import asdict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engage import jobs
from engage.access import consultation_for
from engage.coding import bp, queries, services
from engage.coding.forms import (
    DEFAULT_BULK_THRESHOLD, FILTER_ARGS, STANCE_LABELS, BulkAcceptForm, CodeItemForm, CodingFilterForm,
)
from engage.extensions import db
from engage.models import FeedbackItem, Tag

TAG_STATUS_LABELS = {"confirmed": "Confirmed", "suggested": "Suggested", "rejected": "Rejected"}
TAG_STATUS_CLASSES = {"confirmed": "govuk-tag--green", "suggested": "govuk-tag--blue", "rejected": "govuk-tag--grey"}
TAG_SOURCE_LABELS = {"officer": "Officer", "automatic": "Automatic suggestion", "import": "Imported"}
METHOD_LABELS = {
    "model": "A model trained on the officers’ coding",
    "model+codebook": "A model trained on the officers’ coding, and the codebook’s words for themes with too few "
                      "examples",
    "codebook": "The codebook’s words (too little coding yet to learn from)",
}
STANCE_METHOD_LABELS = {
    "model": "Learnt from the stances officers set",
    "rule": "A rule on the tone of the words (too few stances set by officers to learn from)",
}


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.context_processor
def coding_labels():
    """Words for codes and small helpers, for this blueprint's templates."""
    return {"STANCE_LABELS": STANCE_LABELS, "TAG_STATUS_LABELS": TAG_STATUS_LABELS,
            "TAG_STATUS_CLASSES": TAG_STATUS_CLASSES, "TAG_SOURCE_LABELS": TAG_SOURCE_LABELS,
            "SOURCE_LABELS": queries.SOURCE_LABELS, "METHOD_LABELS": METHOD_LABELS,
            "STANCE_METHOD_LABELS": STANCE_METHOD_LABELS,
            "channel_label": queries.channel_label, "locality_label": queries.locality_label,
            "group_names": queries.group_names, "highlighted": queries.highlighted, "theme_path": queries.theme_path, "plural": _plural,
            "percent": _percent}


def _plural(count, singular, plural=None):
    """"1 item", "3 items"."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def _percent(share):
    """0.734 -> "73%"; None -> "–"."""
    return "–" if share is None else f"{round(share * 100)}%"


def _suggesting():
    """The suggester's module, imported when needed (it loads scikit-learn); None if not installed."""
    try:
        from engage.coding import suggesting
    except ImportError:
        return None
    return suggesting


def _filter_args(source, **extra):
    """The filters of a request (query string or hidden fields) as URL arguments, blanks left out."""
    args = {key: source.get(key, "").strip() for key in FILTER_ARGS if source.get(key, "").strip()}
    args.update({key: value for key, value in extra.items() if value not in (None, "")})
    return args


def _queue_url(consultation_id, source, page=None, anchor=None):
    """The review queue with the filters of `source`, at a page (and a suggestion on it)."""
    url = url_for(".review", consultation_id=consultation_id, **_filter_args(source, page=page))
    return f"{url}#{anchor}" if anchor else url


def _themes_by_id(consultation):
    from engage.models import Theme

    return {theme.id: theme for theme in Theme.query.filter_by(consultation_id=consultation.id)}


# Suggestions overview ------------------------------------------------------------------------

@bp.route("/coding")
def index(consultation_id):
    """How far coding has got, how often suggestions are accepted, and the suggester's latest run."""
    consultation = consultation_for(consultation_id)
    suggesting = _suggesting()
    run = suggesting.latest_run(consultation) if suggesting else None
    if run is not None and jobs.expire_interrupted([run]):
        db.session.commit()
    active = run is not None and jobs.is_active(run)
    return render_template(
        "coding/index.html", consultation=consultation, counts=queries.coding_counts(consultation),
        figures=queries.acceptance_figures(consultation), run=run, active=active,
        state=jobs.state(run) if run is not None else None, suggesting_available=suggesting is not None,
        training=suggesting.training_status(consultation) if suggesting else None,
        started_by=jobs.created_by(run) if run is not None else None,
        themes_by_id=_themes_by_id(consultation), can_manage=current_user.can_manage(consultation))


@bp.route("/coding/suggest", methods=["POST"])
def suggest(consultation_id):
    """Train on the officers' coding so far and suggest themes for the items not yet coded."""
    consultation = consultation_for(consultation_id, need="manage")
    suggesting = _suggesting()
    if suggesting is None:
        flash("Suggesting themes is not available on this installation.", "error")
    else:
        suggesting.start_suggesting(consultation, current_user)
        db.session.commit()
    return redirect(url_for(".index", consultation_id=consultation.id))


# Review queue --------------------------------------------------------------------------------

@bp.route("/coding/review")
def review(consultation_id):
    """Pending suggestions, the most uncertain first, to accept or reject; filtered and searched."""
    consultation = consultation_for(consultation_id, need="manage")
    form = CodingFilterForm(consultation, request.args)
    if not form.validate():
        return render_template("coding/review.html", consultation=consultation, form=form, page=None), 400
    page = queries.page_of_suggestions(consultation, form.filters(), number=request.args.get("page", 1, type=int))
    args = _filter_args(request.args)
    return render_template(
        "coding/review.html", consultation=consultation, form=form, page=page, filter_args=args,
        themes_by_id=_themes_by_id(consultation), default_threshold=DEFAULT_BULK_THRESHOLD,
        previous_url=_queue_url(consultation.id, request.args, page=page.number - 1) if page.has_previous else None,
        next_url=_queue_url(consultation.id, request.args, page=page.number + 1) if page.has_next else None)


def _suggestion(consultation, tag_id):
    """A tag on an item of this consultation (another consultation's tag id is a 404)."""
    tag = db.session.get(Tag, tag_id)
    if tag is None or db.session.get(FeedbackItem, tag.item_id).consultation_id != consultation.id:
        abort(404)
    return tag


@bp.route("/coding/suggestions/<int:tag_id>", methods=["POST"])
def decide(consultation_id, tag_id):
    """Accept or reject one suggestion, then back to the same place in the queue."""
    consultation = consultation_for(consultation_id, need="manage")
    tag = _suggestion(consultation, tag_id)
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        abort(400)
    position = request.form.get("position", type=int)
    back = _queue_url(consultation.id, request.form, page=request.form.get("page", type=int),
                      anchor=f"suggestion-{position}" if position else None)
    if tag.status != "suggested":
        flash("That suggestion had already been decided, so nothing was changed.", "info")
        return redirect(back)
    theme_name = tag.theme.name
    services.decide_suggestion(tag, decision == "accept", current_user)
    db.session.commit()
    verb = "Accepted" if decision == "accept" else "Rejected"
    flash(f"{verb} “{theme_name}” for feedback item {tag.item_id}.", "success")
    return redirect(back)


@bp.route("/coding/review/accept", methods=["GET", "POST"])
def bulk_accept(consultation_id):
    """Accept every pending suggestion of the filters at or above a confidence, after confirming how many."""
    consultation = consultation_for(consultation_id, need="manage")
    source = request.form if request.method == "POST" else request.args
    form = BulkAcceptForm(consultation, source)
    if not form.validate():
        return render_template("coding/bulk_accept.html", consultation=consultation, form=form, count=None,
                               filter_args=_filter_args(source)), 400
    filters, threshold = form.filters(), form.threshold.data / 100
    if request.method == "POST":
        accepted = services.accept_suggestions(
            consultation, queries.suggestion_ids(consultation, filters, at_least=threshold), current_user,
            threshold=threshold, filters={key: value for key, value in asdict(filters).items() if value})
        db.session.commit()
        if accepted:
            flash(f"{_plural(accepted, 'suggestion')} accepted.", "success")
        else:
            flash("No suggestions matched, so nothing was accepted.", "info")
        return redirect(_queue_url(consultation.id, source))
    return render_template("coding/bulk_accept.html", consultation=consultation, form=form,
                           count=queries.count_suggestions(consultation, filters, at_least=threshold),
                           filter_args=_filter_args(source), themes_by_id=_themes_by_id(consultation))


# Feedback items ------------------------------------------------------------------------------

@bp.route("/coding/items")
def items(consultation_id):
    """Every feedback item, filtered and searched, a page at a time, each linking to its coding page."""
    consultation = consultation_for(consultation_id)
    form = CodingFilterForm(consultation, request.args, with_coded=True)
    if not form.validate():
        return render_template("coding/items.html", consultation=consultation, form=form, page=None), 400
    page = queries.page_of_items(consultation, form.filters(), after=request.args.get("after", type=int),
                                 before=request.args.get("before", type=int),
                                 number=request.args.get("page", 1, type=int))
    args = _filter_args(request.args)

    def page_url(**where):
        return url_for(".items", consultation_id=consultation.id, **args, **where)

    return render_template(
        "coding/items.html", consultation=consultation, form=form, page=page,
        hidden_ids=set(services.blind_samples(consultation, current_user)),
        previous_url=page_url(before=page.rows[0].id, page=page.number - 1)
        if page.has_previous and page.rows else None,
        next_url=page_url(after=page.rows[-1].id, page=page.number + 1) if page.has_next else None,
        first_url=page_url())


def _item_page(consultation, item, form):
    """An item in context, with its tags and (for those who may code) the coding form."""
    themes = services.live_themes(consultation)
    suggestions = {tag.theme_id: tag for tag in item.tags
                   if tag.coding_pass == "primary" and tag.status == "suggested"}
    return render_template(
        "coding/item.html", consultation=consultation, item=item, form=form,
        context=queries.item_context(item), tags=queries.item_tags(item), theme_rows=queries.theme_tree(themes),
        suggestions=suggestions, themes_by_id=_themes_by_id(consultation),
        explanation=[word for tag in suggestions.values() for word in tag.explanation or ()],
        next_uncoded_id=queries.next_uncoded_item_id(consultation, item.id))


def _to_blind_sample(consultation, item_id):
    """A redirect to the sample if the user is second-coding this item blind, else None."""
    sample = services.blind_samples(consultation, current_user).get(item_id)
    if sample is None:
        return None
    flash(f"Feedback item {item_id} is in the sample you are coding as second coder, so its first coding stays "
          "hidden from you until you have coded the whole sample.", "info")
    return redirect(url_for("agreement.code", consultation_id=consultation.id, sample_id=sample.id))


@bp.route("/coding/items/<int:item_id>")
def item(consultation_id, item_id):
    """One feedback item in context: its response or event, its tags, and the coding form."""
    consultation = consultation_for(consultation_id)
    feedback_item = services.item_of(consultation, item_id)
    blind = _to_blind_sample(consultation, feedback_item.id)
    if blind is not None:
        return blind
    form = CodeItemForm.for_item(consultation, feedback_item) if current_user.can_manage(consultation) else None
    return _item_page(consultation, feedback_item, form)


@bp.route("/coding/items/<int:item_id>", methods=["POST"])
def code_item(consultation_id, item_id):
    """Save an officer's themes and stance for one item; "Save and next" goes to the next uncoded item."""
    consultation = consultation_for(consultation_id, need="manage")
    feedback_item = services.item_of(consultation, item_id)
    blind = _to_blind_sample(consultation, feedback_item.id)
    if blind is not None:
        return blind
    form = CodeItemForm.for_item(consultation, feedback_item)
    if not form.validate_on_submit():
        return _item_page(consultation, feedback_item, form), 400
    # Confirmed themes no longer in the codebook are not on the form; unticked, they would be removed.
    live_ids = {theme.id for theme in services.live_themes(consultation)}
    kept = {tag.theme_id for tag in feedback_item.tags
            if tag.coding_pass == "primary" and tag.status == "confirmed" and tag.theme_id not in live_ids}
    changes = services.set_item_themes(feedback_item, set(form.themes.data) | kept, current_user)
    stance_changed = services.set_item_stance(feedback_item, form.stance.data or None, current_user)
    db.session.commit()
    changed = any(changes.values()) or stance_changed
    flash(f"Feedback item {feedback_item.id} coded." if changed else
          f"Feedback item {feedback_item.id} marked as coded; its themes were not changed.", "success")
    if request.form.get("action") == "next":
        next_id = queries.next_uncoded_item_id(consultation, feedback_item.id)
        if next_id is not None:
            return redirect(url_for(".item", consultation_id=consultation.id, item_id=next_id))
        flash("Every feedback item has now been coded.", "info")
        return redirect(url_for(".items", consultation_id=consultation.id))
    return redirect(url_for(".item", consultation_id=consultation.id, item_id=feedback_item.id))
