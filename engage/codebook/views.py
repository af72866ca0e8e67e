"""Screens for codebook. Thin: check access, validate the form, call a service, redirect.

Anyone who may see a consultation may read its codebook ("view"); changing it needs "manage".
"""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engage.access import consultation_for, object_of
from engage.codebook import bp, services
from engage.codebook.forms import MergeForm, SplitForm, StarterForm, ThemeForm
from engage.codebook.starters import STARTERS
from engage.consultations.views import _status
from engage.extensions import db
from engage.models import Theme

# Query arguments that say which page of items to show on the split page.
PAGE_ARGS = ("after", "before", "page")


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.context_processor
def codebook_helpers():
    """Words and helpers for this blueprint's templates."""
    return {"plural": _plural, "keyword_list": services.keyword_list, "STARTERS": STARTERS}


def _plural(count, singular, plural=None):
    """"1 theme", "3 themes"."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def _index_url(consultation, theme=None):
    """The codebook page, at a theme if given."""
    url = url_for(".index", consultation_id=consultation.id)
    return url + (f"#theme-{theme.id}" if theme is not None else "")


def _unless_merged(consultation, theme):
    """A redirect to the codebook if the theme was merged away (it can no longer change), else None."""
    if theme.merged_into_id is None:
        return None
    target = db.session.get(Theme, theme.merged_into_id)
    flash(f"“{theme.name}” was merged into “{target.name if target else 'another theme'}”. "
          "Change that theme instead.", "info")
    return redirect(_index_url(consultation, target))


@bp.route("/themes")
def index(consultation_id):
    """The codebook: live themes as a tree with their tag counts, then archived and merged themes."""
    consultation = consultation_for(consultation_id)
    return render_template("codebook/index.html", consultation=consultation,
                           codebook=services.codebook(consultation),
                           can_manage=current_user.can_manage(consultation))


@bp.route("/themes/new", methods=["GET", "POST"])
def create(consultation_id):
    """Add a theme, at the top level or under another theme."""
    consultation = consultation_for(consultation_id, need="manage")
    form = ThemeForm(consultation, parent_id=request.args.get("parent", type=int))
    if form.validate_on_submit():
        try:
            theme = services.create_theme(consultation, form.details(), current_user)
        except services.CodebookError as problem:
            form[problem.field or "name"].errors.append(str(problem))
        else:
            db.session.commit()
            flash(f"Theme “{theme.name}” added.", "success")
            return redirect(_index_url(consultation, theme))
    return render_template("codebook/form.html", consultation=consultation, form=form, theme=None), _status(form)


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
def edit(consultation_id, theme_id):
    """Rename a theme, move it in the tree, or change its description or keywords."""
    consultation = consultation_for(consultation_id, need="manage")
    theme = object_of(consultation, Theme, theme_id)
    refused = _unless_merged(consultation, theme)
    if refused:
        return refused
    form = ThemeForm(consultation, theme=theme)
    if form.validate_on_submit():
        try:
            changed = services.update_theme(theme, form.details(), current_user)
        except services.CodebookError as problem:
            form[problem.field or "name"].errors.append(str(problem))
        else:
            db.session.commit()
            flash(f"Theme “{theme.name}” saved." if changed else "Nothing was changed.",
                  "success" if changed else "info")
            return redirect(_index_url(consultation, theme))
    return render_template("codebook/form.html", consultation=consultation, form=form, theme=theme), _status(form)


@bp.route("/themes/<int:theme_id>/merge", methods=["GET", "POST"])
def merge(consultation_id, theme_id):
    """Merge a theme into another: its tags and sub-themes follow."""
    consultation = consultation_for(consultation_id, need="manage")
    theme = object_of(consultation, Theme, theme_id)
    refused = _unless_merged(consultation, theme)
    if refused:
        return refused
    form = MergeForm(theme)
    if form.validate_on_submit():
        target = form.target
        counts = services.merge_themes(theme, target, current_user)
        db.session.commit()
        flash(f"“{theme.name}” merged into “{target.name}”: {_plural(counts['items'], 'item')} now tagged with "
              f"“{target.name}”.", "success")
        return redirect(_index_url(consultation, target))
    counts = services.tag_counts(consultation).get(theme.id, {"confirmed": 0, "suggested": 0})
    return render_template("codebook/merge.html", consultation=consultation, form=form, theme=theme,
                           counts=counts, children=list(theme.children)), _status(form)


def _split_url(consultation, theme, **args):
    """The split page of a theme, with page and target arguments."""
    return url_for(".split", consultation_id=consultation.id, theme_id=theme.id,
                   **{key: value for key, value in args.items() if value is not None})


@bp.route("/themes/<int:theme_id>/split", methods=["GET", "POST"])
def split(consultation_id, theme_id):
    """Move chosen items' tags from a theme to a new theme (or another theme), 50 items a page."""
    consultation = consultation_for(consultation_id, need="manage")
    theme = object_of(consultation, Theme, theme_id)
    refused = _unless_merged(consultation, theme)
    if refused:
        return refused
    after, before = request.args.get("after", type=int), request.args.get("before", type=int)
    number = request.args.get("page", 1, type=int)
    form = SplitForm(consultation, theme, into_id=request.args.get("into", type=int))
    if form.validate_on_submit():
        try:
            target, counts = services.split_theme(theme, form.item_ids, current_user,
                                                  details=form.details() if form.creating else None,
                                                  into=None if form.creating else form.target)
        except services.CodebookError as problem:
            db.session.rollback()
            form.items.errors.append(str(problem))
        else:
            db.session.commit()
            flash(f"{_plural(counts['items'], 'item')} moved from “{theme.name}” to “{target.name}”.", "success")
            if not services.tagged_items_page(theme, size=1).items:
                return redirect(_index_url(consultation, target))
            return redirect(_split_url(consultation, theme, into=target.id, after=after, before=before,
                                       page=number if (after or before) else None))
    page = services.tagged_items_page(theme, after=after, before=before, number=number)
    ticked = set(form.items.data or []) if form.is_submitted() else set()
    into = request.args.get("into", type=int)
    return render_template(
        "codebook/split.html", consultation=consultation, form=form, theme=theme, page=page, ticked=ticked,
        action=_split_url(consultation, theme, after=after, before=before, page=number if (after or before) else None,
                          into=into),
        previous_url=_split_url(consultation, theme, before=page.items[0].id, page=page.number - 1, into=into)
        if page.has_previous and page.items else None,
        next_url=_split_url(consultation, theme, after=page.items[-1].id, page=page.number + 1, into=into)
        if page.has_next else None,
    ), _status(form)


@bp.route("/themes/<int:theme_id>/archive", methods=["POST"])
def archive(consultation_id, theme_id):
    """Archive a theme and its sub-themes: no longer offered for coding; their tags are kept."""
    consultation = consultation_for(consultation_id, need="manage")
    theme = object_of(consultation, Theme, theme_id)
    refused = _unless_merged(consultation, theme)
    if refused:
        return refused
    count = services.archive_theme(theme, current_user)
    db.session.commit()
    if count:
        also = f" with {_plural(count - 1, 'sub-theme')}" if count > 1 else ""
        flash(f"“{theme.name}” archived{also}. Its tags are kept; restore it to code with it again.", "success")
    return redirect(_index_url(consultation) + "#archived")


@bp.route("/themes/<int:theme_id>/restore", methods=["POST"])
def restore(consultation_id, theme_id):
    """Bring an archived theme (and its archived sub-themes) back into the codebook."""
    consultation = consultation_for(consultation_id, need="manage")
    theme = object_of(consultation, Theme, theme_id)
    refused = _unless_merged(consultation, theme)
    if refused:
        return refused
    count = services.restore_theme(theme, current_user)
    db.session.commit()
    if count:
        also = f" with {_plural(count - 1, 'sub-theme')}" if count > 1 else ""
        flash(f"“{theme.name}” restored{also}.", "success")
    return redirect(_index_url(consultation, theme))


@bp.route("/themes/<int:theme_id>/move", methods=["POST"])
def move(consultation_id, theme_id):
    """Move a theme up or down among its siblings."""
    consultation = consultation_for(consultation_id, need="manage")
    theme = object_of(consultation, Theme, theme_id)
    refused = _unless_merged(consultation, theme)
    if refused:
        return refused
    services.move_theme(theme, -1 if request.form.get("direction") == "up" else 1, current_user)
    db.session.commit()
    return redirect(_index_url(consultation, theme))


@bp.route("/themes/starters", methods=["GET", "POST"])
def starters(consultation_id):
    """Add a starter codebook: the draft's sections, the national outcomes, or common themes."""
    consultation = consultation_for(consultation_id, need="manage")
    form = StarterForm(consultation)
    if form.validate_on_submit():
        added, skipped = services.add_starter_codebook(consultation, form.starter.data, current_user)
        db.session.commit()
        message = f"{_plural(len(added), 'theme')} added to the codebook."
        if skipped:
            message += f" {_plural(len(skipped), 'theme')} already in the codebook left as they were."
        flash(message, "success" if added else "info")
        return redirect(_index_url(consultation))
    present = services.existing_names(consultation)
    previews = {choice.value: [(starter.name, starter.name.lower() in present)
                               for starter in services.starter_themes(consultation, choice.value)]
                for choice in form.starter.choices}
    return render_template("codebook/starters.html", consultation=consultation, form=form, previews=previews,
                           has_themes=bool(present)), _status(form)
