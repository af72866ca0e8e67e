"""Screens for agreement. Thin: check access, validate the form, call a service, redirect.

Anyone who may see a consultation may read its samples and their reports ("view");
drawing a sample needs "manage". Only the officer a sample is assigned to codes it,
and they stay blind: they never see the first coder's tags, and the report is hidden
from them until they have coded every item.
"""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from engage.access import consultation_for, object_of
from engage.agreement import bp, services
from engage.agreement.forms import DrawSampleForm, SecondCodingForm, theme_label
from engage.coding.services import live_themes
from engage.consultations.views import _status
from engage.extensions import db
from engage.models import CodingSample

DISAGREEMENTS_PER_PAGE = 25
SOURCE_LABELS = {
    "answer": "An answer to a question",
    "event_note": "A note taken at an event",
    "letter": "A letter",
    "email": "An email",
    "paper": "A paper response",
    "phone": "A phone call",
    "import": "Imported feedback",
    "other": "Other",
}


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.context_processor
def agreement_helpers():
    """Words and links for this blueprint's templates."""
    return {"theme_label": theme_label, "kappa_reading": services.kappa_reading, "coding_item_url": coding_item_url,
            "SOURCE_LABELS": SOURCE_LABELS, "FEW_CASES": services.FEW_CASES}


def coding_item_url(consultation_id, item_id):
    """The first coder's page for an item, or None while that page does not exist."""
    if "coding.item" not in current_app.view_functions:
        return None
    try:
        return url_for("coding.item", consultation_id=consultation_id, item_id=item_id)
    except BuildError:
        return None


def _is_second_coder(sample):
    return sample.second_coder_id is not None and sample.second_coder_id == current_user.id


def _blind(sample):
    """The assigned second coder may not see the report until they have finished."""
    return _is_second_coder(sample) and sample.completed_at is None


def _index_page(consultation, form, status=200):
    can_manage = current_user.can_manage(consultation)
    rows = services.samples_with_progress(consultation)
    reports = {sample.id: services.sample_report(sample) for sample, coded, _ in rows
               if coded and not _blind(sample)}
    return render_template(
        "agreement/index.html", consultation=consultation, form=form, rows=rows, reports=reports,
        can_manage=can_manage, blind={sample.id for sample, _, _ in rows if _blind(sample)},
        main_coder=services.main_primary_coder(consultation) if can_manage else None,
    ), status


@bp.route("/agreement")
def index(consultation_id):
    """Second-coder samples, how far each has got, their agreement, and a form to draw a new one."""
    consultation = consultation_for(consultation_id)
    form = None
    if current_user.can_manage(consultation):
        form = DrawSampleForm.for_consultation(services.second_coder_candidates(consultation),
                                               services.primary_coded_count(consultation))
    return _index_page(consultation, form)


@bp.route("/agreement/samples", methods=["POST"])
def draw(consultation_id):
    """Draw a random sample of coded items for a second officer to code blind."""
    consultation = consultation_for(consultation_id, need="manage")
    candidates = services.second_coder_candidates(consultation)
    form = DrawSampleForm.for_consultation(candidates, services.primary_coded_count(consultation))
    if not form.validate_on_submit():
        return _index_page(consultation, form, 400)
    second_coder = next(user for user in candidates if str(user.id) == form.second_coder_id.data)
    sample = services.draw_sample(consultation, form.size.data, form.seed.data, second_coder, current_user)
    main = services.main_primary_coder(consultation, [entry.item_id for entry in sample.items])
    db.session.commit()
    flash(f"Sample of {len(sample.items):,} items drawn (seed {sample.seed}). "
          f"{second_coder.name or second_coder.email} can now code it.", "success")
    if main and main[0] and main[0].id == second_coder.id:
        flash(f"{second_coder.name or second_coder.email} coded {main[1]:,} of these {len(sample.items):,} items "
              "the first time, so this is not an independent check. Consider drawing again with another officer.",
              "warning")
    return redirect(url_for(".index", consultation_id=consultation.id))


@bp.route("/agreement/<int:sample_id>/code", methods=["GET", "POST"], defaults={"position": None})
@bp.route("/agreement/<int:sample_id>/code/<int:position>", methods=["GET", "POST"])
def code(consultation_id, sample_id, position):
    """The second coder codes the sample one item at a time, without seeing the first coder's tags."""
    consultation = consultation_for(consultation_id, need="manage")
    sample = object_of(consultation, CodingSample, sample_id)
    if sample.second_coder_id is None:
        flash("This sample has no second coder any more: their account was removed. Draw a new sample.", "error")
        return redirect(url_for(".index", consultation_id=consultation.id))
    if not _is_second_coder(sample):
        return render_template("agreement/not_second_coder.html", consultation=consultation, sample=sample), 403
    if sample.completed_at is not None:
        flash("You have coded every item in this sample, so its coding is closed.", "info")
        return redirect(url_for(".report", consultation_id=consultation.id, sample_id=sample.id))
    entry = services.next_uncoded(sample) if position is None else services.sample_item_at(sample, position)
    if entry is None:
        return redirect(url_for(".code", consultation_id=consultation.id, sample_id=sample.id))
    themes = live_themes(consultation)
    form = SecondCodingForm.for_item(themes, services.second_pass_theme_ids(entry.item))
    if form.validate_on_submit():
        finished = services.code_sample_item(entry, form.chosen_ids, current_user)
        db.session.commit()
        if finished:
            flash("You have coded every item in the sample. This is how far the two codings agree.", "success")
            return redirect(url_for(".report", consultation_id=consultation.id, sample_id=sample.id))
        return redirect(url_for(".code", consultation_id=consultation.id, sample_id=sample.id))
    entries = sample.items
    index = entries.index(entry)
    coded, total = services.progress(sample)
    return render_template(
        "agreement/code.html", consultation=consultation, sample=sample, entry=entry, item=entry.item, form=form,
        number=index + 1, coded=coded, total=total,
        previous=entries[index - 1] if index > 0 else None,
        following=entries[index + 1] if index + 1 < len(entries) and entry.coded_at else None,
    ), _status(form)


@bp.route("/agreement/<int:sample_id>")
def report(consultation_id, sample_id):
    """Cohen's kappa overall and per theme, and the items where the two coders chose differently."""
    consultation = consultation_for(consultation_id)
    sample = object_of(consultation, CodingSample, sample_id)
    if _blind(sample):
        flash("The agreement report is shown once you have coded every item, so that your coding stays blind.",
              "info")
        return redirect(url_for(".code", consultation_id=consultation.id, sample_id=sample.id))
    result = services.sample_report(sample)
    pages = max(1, -(-len(result.disagreements) // DISAGREEMENTS_PER_PAGE))
    page = request.args.get("page", "1")
    page = min(max(int(page), 1), pages) if page.isdigit() and len(page) < 6 else 1
    start = (page - 1) * DISAGREEMENTS_PER_PAGE
    main = services.main_primary_coder(consultation, [entry.item_id for entry in sample.items])
    return render_template(
        "agreement/report.html", consultation=consultation, sample=sample, result=result,
        disagreements=result.disagreements[start:start + DISAGREEMENTS_PER_PAGE], page=page, pages=pages,
        first_row=start + 1, main_coder=main,
        not_independent=bool(main and main[0] and main[0].id == sample.second_coder_id),
    )
