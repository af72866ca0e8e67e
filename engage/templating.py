"""Template globals and filters."""
from datetime import date, datetime

from flask import current_app, request, session
from flask_babel import format_date as babel_format_date
from flask_babel import gettext
from flask_login import current_user

from engage.models.consultation import STATUS_LABELS, TRANSITION_VERBS


def format_date(value):
    """E.g. 5 March 2026 (GOV.UK style), or 5 Mawrth 2026 in Welsh."""
    if not value:
        return ""
    if isinstance(value, (date, datetime)):
        return babel_format_date(value, "d MMMM y")
    return str(value)


def format_datetime(value):
    """E.g. 5 March 2026 at 2:05pm."""
    if not value:
        return ""
    hour = value.strftime("%I").lstrip("0") or "12"
    return f"{format_date(value)} at {hour}:{value:%M}{value.strftime('%p').lower()}"


STATUS_TAG_CLASSES = {
    "draft": "govuk-tag--grey",
    "open": "govuk-tag--green",
    "closed": "govuk-tag--orange",
    "analysing": "govuk-tag--purple",
    "published": "govuk-tag--blue",
    "archived": "govuk-tag--grey",
}


def select_locale():
    """Welsh or English: the visitor's choice, else English."""
    choice = session.get("lang") if request else None
    if choice in current_app.config["LANGUAGES"]:
        return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app):
    """Register filters and globals."""
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    # Values Engage ships in English (default groups, the agree scale) shown in the visitor's language.
    app.add_template_filter(gettext, "translate")
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        STATUS_TAG_CLASSES=STATUS_TAG_CLASSES,
        TRANSITION_VERBS=TRANSITION_VERBS,
        govukRebrand=False,
    )

    @app.context_processor
    def navigation():
        return {"current_user": current_user, "current_path": request.path, "current_locale": select_locale(),
                "current_full_path": request.full_path.rstrip("?")}
