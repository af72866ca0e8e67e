"""Statement of consultation screens for staff. Thin: check access, validate, call a service, redirect.

Anyone who may see a consultation may read its theme responses and preview the
statement ("view"); writing responses, the introduction and publishing need "manage".
"""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from engage.access import consultation_for
from engage.consultations.views import _status
from engage.exports import services as exports
from engage.extensions import db
from engage.models.theme import THEME_DECISION_LABELS
from engage.published.views import statement_helpers
from engage.publishing.statement import build_statement
from engage.statements import bp, services
from engage.statements.forms import DECISION_HINTS, PublishForm, StatementTextForm, ThemeResponseForm


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.context_processor
def helpers():
    """The statement's rendering helpers (shared with the public page) for this blueprint's templates."""
    return {**statement_helpers(), "THEME_DECISION_LABELS": THEME_DECISION_LABELS}


@bp.route("/statement")
def index(consultation_id):
    """The statement: what is left to do, the officer's words, and the revisions published so far."""
    consultation = consultation_for(consultation_id)
    rows = services.theme_rows(consultation)
    return render_template("statements/index.html", consultation=consultation, rows=rows,
                           revisions=services.revisions(consultation),
                           blocker=services.publish_blocker(consultation),
                           can_manage=current_user.can_manage(consultation))


@bp.route("/statement/themes")
def themes(consultation_id):
    """Every theme with its figures and the partnership's response so far."""
    consultation = consultation_for(consultation_id)
    return render_template("statements/themes.html", consultation=consultation,
                           rows=services.theme_rows(consultation),
                           can_manage=current_user.can_manage(consultation))


@bp.route("/statement/themes/<int:theme_id>", methods=["GET", "POST"])
def theme_response(consultation_id, theme_id):
    """Write the response to one theme: you said (from a draft), we did, the decision and the sections."""
    consultation = consultation_for(consultation_id, need="manage")
    theme = services.live_theme(consultation, theme_id) or abort(404)
    entry, draft = services.theme_summary(consultation, theme)
    sections = services.latest_sections(consultation)
    saved = theme.response
    if saved is not None:
        form = ThemeResponseForm(sections, you_said=saved.you_said or draft, we_did=saved.we_did,
                                 decision=saved.decision, reason=saved.reason,
                                 section_ids=[str(section.id) for section in saved.sections])
    else:
        form = ThemeResponseForm(sections, you_said=draft)
    if form.validate_on_submit():
        services.save_theme_response(theme, services.ThemeDetails(
            you_said=form.you_said.data, we_did=form.we_did.data, decision=form.decision.data,
            reason=form.reason.data or "", section_ids=form.chosen_section_ids()), current_user)
        db.session.commit()
        flash(f"Response to “{theme.name}” saved.", "success")
        return redirect(url_for(".themes", consultation_id=consultation.id) + f"#theme-{theme.id}")
    other_sections = [section for section in (saved.sections if saved else []) if section not in sections]
    return render_template("statements/theme_response.html", consultation=consultation, theme=theme,
                           entry=entry, draft=draft, form=form, decision_hints=DECISION_HINTS,
                           other_sections=other_sections), _status(form)


@bp.route("/statement/text", methods=["GET", "POST"])
def text(consultation_id):
    """Write the statement's introduction and next steps."""
    consultation = consultation_for(consultation_id, need="manage")
    form = StatementTextForm(introduction=consultation.statement_introduction,
                             next_steps=consultation.statement_next_steps)
    if form.validate_on_submit():
        changed = services.save_statement_text(consultation, form.introduction.data, form.next_steps.data,
                                               current_user)
        db.session.commit()
        flash("Introduction and next steps saved." if changed else "Nothing was changed.",
              "success" if changed else "info")
        return redirect(url_for(".index", consultation_id=consultation.id))
    return render_template("statements/text.html", consultation=consultation, form=form), _status(form)


def _preview(consultation, form, status=200):
    content = build_statement(consultation)
    number = services.next_number(consultation)
    if not form.is_submitted():
        form.number.data = str(number)
    return render_template("statements/preview.html", consultation=consultation, content=content, form=form,
                           next_revision=number, unanswered=services.unanswered_themes(content),
                           blocker=services.publish_blocker(consultation),
                           can_manage=current_user.can_manage(consultation)), status


@bp.route("/statement/preview")
def preview(consultation_id):
    """The whole statement as it would be published now, built from the latest data."""
    consultation = consultation_for(consultation_id)
    return _preview(consultation, PublishForm())


@bp.route("/statement/publish", methods=["POST"])
def publish(consultation_id):
    """Publish the statement as previewed: a new dated revision (older ones stay visible)."""
    consultation = consultation_for(consultation_id, need="manage")
    form = PublishForm()
    if not form.validate_on_submit():
        return _preview(consultation, form, status=400)
    try:
        revision = services.publish(consultation, current_user, form.expected_number())
        db.session.commit()
    except services.StatementError as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return redirect(url_for(".index", consultation_id=consultation.id))
    except IntegrityError:
        # Two publishes of the same revision at the same moment (two officers, two tabs): the
        # revision number is unique, so the second one lost and the first one stands.
        db.session.rollback()
        flash("That revision has just been published by someone else. Check the preview before "
              "publishing again.", "error")
        return redirect(url_for(".index", consultation_id=consultation.id))
    message = f"Revision {revision.number} of the statement is published."
    if current_app.config["EXPORTS_ON_PUBLISH"]:
        exports.start_exports(consultation, revision, current_user)
        message += " Its downloads (PDF, Word, spreadsheet and open data) are being prepared."
    flash(message, "success")
    return redirect(url_for(".index", consultation_id=consultation.id))
