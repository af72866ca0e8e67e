"""Public pages: the published statement of consultation (latest and earlier revisions) and published responses.

The statement page shows a revision's stored content, never a live rebuild; quotations
are checked against today's consent when shown (engage.publishing.statement.for_display).
Interface text is English only for now.
"""
from datetime import date, datetime

from flask import abort, render_template, request

from engage.exports.services import public_downloads
from engage.plans.diff import word_diff
from engage.published import bp, services
from engage.publishing.statement import STANCE_LABELS, STANCES, for_display
from engage.templating import format_date, format_datetime

DIFF_STATUS_LABELS = {"added": "Added", "removed": "Removed", "changed": "Changed", "unchanged": "Unchanged"}


def _date(value):
    """An ISO date string ("2025-03-05") as people read it ("5 March 2025")."""
    if not value:
        return ""
    try:
        return format_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _moment(value):
    """A stored datetime as people read it ("5 March 2025 at 2:05pm")."""
    return format_datetime(value) if isinstance(value, datetime) else _date(value)


def _number(value):
    """1234 -> "1,234"."""
    return f"{value:,}" if isinstance(value, int) else str(value)


def _paragraphs(text):
    """Plain text as paragraphs (split at blank lines), each a list of lines."""
    blocks = [block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [[line.strip() for line in block.split("\n") if line.strip()] for block in blocks if block]


def _section_diff(before, after):
    """The wording before and after as escaped HTML with <del> and <ins> (engage.plans.diff)."""
    return word_diff(before or "", after or "")


def _cell_text(cell):
    """A suppressed-or-not count as words: "12", or "not shown" (the statement's note says why)."""
    if cell.get("suppressed"):
        return "not shown"
    return _number(cell.get("count") or 0)


def _without_empty(rows):
    """Cross-tab rows minus those that are a shown zero (the JSON keeps every row)."""
    return [row for row in rows if row.get("suppressed") or row.get("count")]


def _bars(rows, value_key="count"):
    """Rows for a bar chart: (label, value or None, width 0..1); suppressed values have no bar."""
    values = [row.get(value_key) for row in rows]
    largest = max([value for value in values if isinstance(value, int)] or [0])
    return [(row["label"], row.get(value_key) if not row.get("suppressed") else None,
             (row.get(value_key) / largest) if largest and isinstance(row.get(value_key), int)
             and not row.get("suppressed") else 0)
            for row in rows]


def _stance_rows(stance):
    """A theme's stance counts as chart rows."""
    return [{"label": STANCE_LABELS[key], "count": stance.get(key, 0)} for key in (*STANCES, "not_recorded")
            if key in STANCES or stance.get(key)]


def statement_helpers():
    """Helpers the statement templates need (public page and staff preview)."""
    return {"iso_date": _date, "moment": _moment, "number": _number, "paragraphs": _paragraphs,
            "section_diff": _section_diff, "cell_text": _cell_text, "bars": _bars,
            "without_empty": _without_empty, "stance_rows": _stance_rows,
            "DIFF_STATUS_LABELS": DIFF_STATUS_LABELS}


@bp.context_processor
def helpers():
    """The statement's rendering helpers for this blueprint's templates."""
    return statement_helpers()


def _published(slug):
    consultation, revisions = services.published_consultation(slug)
    if consultation is None:
        abort(404)
    return consultation, revisions


def _show(consultation, revisions, revision):
    return render_template("published/statement.html", consultation=consultation, revisions=revisions,
                           revision=revision, latest=revisions[0], content=for_display(revision.content),
                           downloads=public_downloads(consultation, revision))


@bp.route("/<slug>/statement")
def statement(slug):
    """The latest published revision of the statement of consultation."""
    consultation, revisions = _published(slug)
    return _show(consultation, revisions, revisions[0])


@bp.route("/<slug>/statement/revisions/<int:number>")
def revision(slug, number):
    """One published revision of the statement, kept as it was published."""
    consultation, revisions = _published(slug)
    chosen = next((row for row in revisions if row.number == number), None) or abort(404)
    return _show(consultation, revisions, chosen)


def _int_arg(name):
    value = (request.args.get(name) or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.route("/<slug>/responses")
def responses(slug):
    """The comments people agreed to publish, with search and a theme filter, 50 to a page."""
    consultation, revisions = _published(slug)
    search = (request.args.get("q") or "").strip()[:services.MAX_SEARCH]
    choices = services.theme_choices(consultation)
    theme_id = _int_arg("theme")
    if theme_id not in {choice_id for choice_id, _ in choices}:
        theme_id = None
    page = services.page_of_published(consultation, search=search, theme_id=theme_id,
                                      after=_int_arg("after"), before=_int_arg("before"))
    return render_template("published/responses.html", consultation=consultation, latest=revisions[0],
                           page=page, search=search, theme_id=theme_id, choices=choices,
                           theme_name=dict(choices).get(theme_id))
