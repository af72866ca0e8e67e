"""Emerging themes and campaign groups. Thin: check access, validate the form, call a service, redirect.

Anyone who may see a consultation may read these pages ("view"); starting a search, making a
possible theme a theme, dismissing one and tagging a group need "manage".
"""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engage import jobs
from engage.access import consultation_for
from engage.coding.services import confirm_theme_on_items, live_themes
from engage.emerging import bp, services
from engage.emerging.forms import AdoptForm, GroupThemeForm, as_id
from engage.extensions import db
from engage.models.response import CHANNEL_LABELS

REVIEW_RULE = "/staff/consultations/<int:consultation_id>/coding/review"
MAX_KEY = 64


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.context_processor
def emerging_helpers():
    """Words and helpers for this blueprint's templates."""
    return {"plural": _plural, "job_state": jobs.state, "CHANNEL_LABELS": CHANNEL_LABELS,
            "MIN_UNTHEMED": services.min_unthemed(), "SOURCE_CHANNELS": services.SOURCE_CHANNELS}


def _plural(count, singular, plural=None):
    """"1 item", "3 items"."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def _page_number():
    """The ?page= number asked for (1 when missing or nonsense)."""
    return max(1, min(request.args.get("page", 1, type=int) or 1, 1_000_000))


def _fresh(consultation, kind):
    """The latest job of this kind, with one stopped by a restart marked as failed."""
    latest = services.latest_job(consultation, kind)
    if latest is not None and jobs.expire_interrupted([latest]):
        db.session.commit()
    return latest


# Emerging themes ----------------------------------------------------------------------------------

def _adopt_form(consultation, themes, run, number, candidate):
    """The "Make this a theme" form of one candidate, with the proposed name filled in."""
    return AdoptForm(consultation, themes, prefix=f"candidate-{number}", formdata=None,
                     data={"run": str(run.id), "name": candidate.get("name", "")})


def _render_emerging(consultation, failed=None):
    """The emerging themes page; `failed` = (number, form) re-shows one candidate's form with its errors."""
    latest = _fresh(consultation, services.EMERGING_JOB)
    run = services.latest_job(consultation, services.EMERGING_JOB, status="done")
    candidates = services.offered_candidates(run)
    themes = live_themes(consultation) if current_user.can_manage(consultation) else []
    forms = {}
    if current_user.can_manage(consultation):
        for number, candidate in candidates:
            forms[number] = _adopt_form(consultation, themes, run, number, candidate)
    context = {}
    if failed is not None:
        forms[failed[0]] = failed[1]
        context["form"] = failed[1]
    return render_template(
        "emerging/index.html", consultation=consultation, latest=latest, run=run, candidates=candidates,
        forms=forms, examples=services.example_texts(consultation, candidates),
        active=latest is not None and jobs.is_active(latest), unthemed=services.unthemed_count(consultation),
        **context)


@bp.route("/emerging")
def index(consultation_id):
    """Possible new themes among the items no theme fits, and a button to look for them."""
    consultation = consultation_for(consultation_id, need="view")
    return _render_emerging(consultation)


@bp.route("/emerging/start", methods=["POST"])
def start(consultation_id):
    """Start looking for emerging themes in the background."""
    consultation = consultation_for(consultation_id, need="manage")
    here = url_for(".index", consultation_id=consultation.id)
    if services.active_job(consultation, services.EMERGING_JOB) is not None:
        flash("Emerging themes are already being looked for. Wait for that to finish.", "error")
        return redirect(here)
    unthemed = services.unthemed_count(consultation)
    if unthemed < services.min_unthemed():
        flash(f"There are too few items that no theme fits to look for new themes: {_plural(unthemed, 'item')}, "
              f"and at least {services.min_unthemed()} are needed.", "error")
        return redirect(here)
    services.start_emerging(consultation, current_user)
    return redirect(here)


def _review_url(consultation, theme):
    """Where to see a new theme's items: the review queue filtered to it, if this installation has one."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule == REVIEW_RULE:
            return url_for(rule.endpoint, consultation_id=consultation.id, theme=theme.id)
    return url_for(".index", consultation_id=consultation.id)


@bp.route("/emerging/candidates/<int:number>/adopt", methods=["POST"])
def adopt(consultation_id, number):
    """Make a possible theme a theme of the codebook; its items get suggestions to review."""
    consultation = consultation_for(consultation_id, need="manage")
    form = AdoptForm(consultation, live_themes(consultation), prefix=f"candidate-{number}")
    run_id = as_id(form.run.data)
    run = services.latest_job(consultation, services.EMERGING_JOB, status="done")
    offered = dict(services.offered_candidates(run))
    if run is None or run.id != run_id or number not in offered:
        flash("That possible theme is no longer offered: it has been made a theme or dismissed, or there has "
              "been a newer search.", "error")
        return redirect(url_for(".index", consultation_id=consultation.id))
    if not form.validate_on_submit():
        return _render_emerging(consultation, failed=(number, form)), 400
    try:
        theme, suggested = services.adopt_candidate(consultation, run_id, number, current_user, form.name.data,
                                                    parent=form.parent(), description=form.description.data)
    except services.NotOffered as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return redirect(url_for(".index", consultation_id=consultation.id))
    db.session.commit()
    flash(f"“{theme.name}” added to the codebook. {_plural(suggested, 'item')} now "
          f"{'has' if suggested == 1 else 'have'} it as a suggestion to review.", "success")
    return redirect(_review_url(consultation, theme))


@bp.route("/emerging/candidates/<int:number>/dismiss", methods=["POST"])
def dismiss(consultation_id, number):
    """Stop offering a possible theme."""
    consultation = consultation_for(consultation_id, need="manage")
    try:
        candidate = services.dismiss_candidate(consultation, as_id(request.form.get("run")), number, current_user)
    except services.NotOffered as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(f"“{candidate.get('name', '')}” will not be offered again.", "success")
    return redirect(url_for(".index", consultation_id=consultation.id))


# Campaign and duplicate texts ---------------------------------------------------------------------

@bp.route("/campaigns")
def campaigns(consultation_id):
    """Groups of near-identical items (campaigns, template letters, copies), largest first."""
    consultation = consultation_for(consultation_id, need="view")
    latest = _fresh(consultation, services.DUPLICATES_JOB)
    number = _page_number()
    total = services.group_count(consultation)
    groups = services.campaign_groups(consultation, page=number)
    pages = max(1, -(-total // services.GROUPS_PER_PAGE))
    return render_template(
        "emerging/campaigns.html", consultation=consultation, latest=latest, groups=groups, total=total,
        page=number, pages=pages, active=latest is not None and jobs.is_active(latest),
        last_run=services.latest_job(consultation, services.DUPLICATES_JOB, status="done"))


@bp.route("/campaigns/start", methods=["POST"])
def start_campaigns(consultation_id):
    """Start finding campaign and duplicate texts in the background."""
    consultation = consultation_for(consultation_id, need="manage")
    if services.active_job(consultation, services.DUPLICATES_JOB) is not None:
        flash("Campaign texts are already being looked for. Wait for that to finish.", "error")
    else:
        services.start_duplicates(consultation, current_user)
    return redirect(url_for(".campaigns", consultation_id=consultation.id))


def _group_or_404(consultation, key):
    """The summary of a group of this consultation, or 404."""
    if len(key) > MAX_KEY:
        abort(404)
    group = services.campaign_group(consultation, key)
    if group is None:
        abort(404)
    return group


def _render_group(consultation, group, form):
    """The page of one group, at the ?page= asked for."""
    number = _page_number()
    pages = max(1, -(-group["items"] // services.MEMBERS_PER_PAGE))
    return render_template(
        "emerging/group.html", consultation=consultation, group=group, form=form, page=number, pages=pages,
        members=services.group_members(consultation, group["key"], page=number),
        themes=services.group_themes(consultation, group["key"]))


@bp.route("/campaigns/<group_key>")
def group(consultation_id, group_key):
    """One group of near-identical items: its representative, every member, and the themes they carry."""
    consultation = consultation_for(consultation_id, need="view")
    found = _group_or_404(consultation, group_key)
    form = GroupThemeForm(consultation) if current_user.can_manage(consultation) else None
    return _render_group(consultation, found, form)


@bp.route("/campaigns/<group_key>/tag", methods=["POST"])
def tag_group(consultation_id, group_key):
    """Confirm one theme on every item of the group."""
    consultation = consultation_for(consultation_id, need="manage")
    found = _group_or_404(consultation, group_key)
    form = GroupThemeForm(consultation)
    if not form.validate_on_submit():
        return _render_group(consultation, found, form), 400
    theme = form.theme()
    count = confirm_theme_on_items(theme, services.group_member_ids(consultation, group_key), current_user,
                                   reason="campaign")
    db.session.commit()
    flash(f"“{theme.name}” confirmed on {_plural(count, 'item')} of this group.", "success")
    return redirect(url_for(".group", consultation_id=consultation.id, group_key=group_key))
