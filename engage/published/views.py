"""Public pages: the published statement of consultation (latest and earlier revisions) and published responses.

The statement page shows a revision's stored content, never a live rebuild; quotations
are checked against today's consent when shown (engage.publishing.statement.for_display).
Interface text is in the visitor's language. A revision's content stores Engage's own
labels (channels, decisions, equality answers) in English: the public pages translate
those at render time (shipped()); what officers and people wrote is shown as written.
The staff preview and the PDF export use the English helpers (statement_helpers()).
"""
import re
from datetime import date, datetime

from flask import abort, render_template, request
from flask_babel import get_locale, gettext, ngettext

from engage.exports.services import FORMATS, public_downloads
from engage.i18n import N_
from engage.models.consultation import DEFAULT_GROUPS, PLAN_TYPES, QUESTION_KIND_LABELS
from engage.models.event import EVENT_KIND_LABELS
from engage.models.response import CHANNEL_LABELS
from engage.models.theme import THEME_DECISION_LABELS
from engage.plans.diff import word_diff
from engage.published import bp, services
from engage.publishing import statement as statement_labels
from engage.publishing import redaction, suppression
from engage.publishing.statement import STANCE_LABELS, STANCES, for_display
from engage.templating import format_date, format_datetime

DIFF_STATUS_LABELS = {"added": N_("Added"), "removed": N_("Removed"), "changed": N_("Changed"),
                      "unchanged": N_("Unchanged")}
NOT_SHOWN = N_("not shown")
# Labels from engage.models, engage.exports and engage.publishing that a statement's content
# holds in English, written out here so that the catalogue has them (pybabel -k N_).
CATALOGUE_ONLY = (
    N_("We changed the plan"), N_("Already in the plan"), N_("No change, with reason"),
    N_("Outside the plan's scope"),
    N_("Online questionnaire"), N_("Paper or postal questionnaire"), N_("Email"), N_("Letter"), N_("Telephone"),
    N_("Easy-read form"), N_("Other-language version"), N_("Engagement event"), N_("Imported from another tool"),
    N_("Other"),
    N_("Workshop"), N_("Focus group"), N_("Public meeting"), N_("Drop-in"), N_("Online session"), N_("Interview"),
    N_("Existing user or carer group"),
    N_("Free text"), N_("Single choice"), N_("Multiple choice"), N_("Agree-disagree scale"),
    N_("Strategic commissioning plan"), N_("Care group plan"), N_("Locality plan"), N_("Service change"),
    N_("PDF document"), N_("Word document (for board papers)"),
    N_("Spreadsheet: published responses, themes and who responded"), N_("CSV: themes with their counts"),
    N_("CSV: published responses"), N_("Open data (JSON)"),
    N_("Prefer not to say"),
    N_("To protect people’s privacy, numbers from 1 to 4 in equality and cross-tabulated tables are replaced by "
       "“not shown”. Where a hidden number could be worked out from a table’s total, another number in the "
       "same table is not shown either."),
)
# Every English label shipped() may translate: values Engage itself writes, never anyone's words.
SHIPPED_LABELS = frozenset((
    *THEME_DECISION_LABELS.values(), *CHANNEL_LABELS.values(), *EVENT_KIND_LABELS.values(),
    *QUESTION_KIND_LABELS.values(), *PLAN_TYPES, *(spec.label for spec in FORMATS.values()),
    *STANCE_LABELS.values(), *statement_labels.LOCALITY_OTHER_LABELS.values(),
    *statement_labels.RESPONDENT_TYPE_LABELS.values(), statement_labels.NOT_ANSWERED, "Prefer not to say",
    *(title for _key, title, _options in statement_labels.EQUALITY_QUESTIONS),
    *(option for _key, _title, options in statement_labels.EQUALITY_QUESTIONS for option in options),
    *(words for _upper, words in statement_labels.KAPPA_BANDS), statement_labels.KAPPA_UNDEFINED,
    statement_labels.KAPPA_POOR, suppression.NOTE,
    # The stakeholder groups Engage fills in (the journey shows them translated too); a group
    # an officer named is shown as written.
    *DEFAULT_GROUPS,
))
# What engage.publishing.redaction puts in place of personal details, longest first.
_REDACTION_MARKERS = re.compile("|".join(
    re.escape(marker) for marker in sorted(set(redaction.REPLACEMENTS.values()), key=len, reverse=True)))
# How engage.publishing.quotes.attribution describes someone who is not named.
ANONYMOUS_ATTRIBUTIONS = frozenset((N_("A respondent"), N_("An organisation")))


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


def _moment_translated(value):
    """A stored datetime in the visitor's language ("5 Mawrth 2025 am 2:05yp")."""
    if not isinstance(value, datetime):
        return _date(value)
    hour = value.strftime("%I").lstrip("0") or "12"
    noon = gettext("am") if value.hour < 12 else gettext("pm")
    return gettext("%(date)s at %(time)s", date=format_date(value), time=f"{hour}:{value:%M}{noon}")


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
        return NOT_SHOWN
    return _number(cell.get("count") or 0)


def _cell_text_translated(cell):
    """_cell_text in the visitor's language."""
    return gettext(NOT_SHOWN) if cell.get("suppressed") else _cell_text(cell)


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


def _stance_rows(stance, label=str):
    """A theme's stance counts as chart rows."""
    return [{"label": label(STANCE_LABELS[key]), "count": stance.get(key, 0)} for key in (*STANCES, "not_recorded")
            if key in STANCES or stance.get(key)]


def _as_is(value):
    """The value unchanged (the English helpers' stand-in for the translating ones)."""
    return value


def _shipped(text):
    """One of Engage's own English labels (SHIPPED_LABELS) in the visitor's language; anything else as it is."""
    return gettext(text) if isinstance(text, str) and text in SHIPPED_LABELS else text


def _attribution(text):
    """A quotation's attribution: the anonymous descriptions translated, names as they are."""
    return gettext(text) if text in ANONYMOUS_ATTRIBUTIONS else text


def _redacted_translated(text):
    """Someone's words as written, with Engage's "[… removed]" markers in the visitor's language."""
    return _REDACTION_MARKERS.sub(lambda found: gettext(found.group(0)), text) if text else text


def _shipped_rows(rows):
    """Chart or table rows with Engage's own labels (channels, equality answers, default groups) translated, others as written."""
    return [{**row, "label": _shipped(row["label"])} for row in rows]


def _localities(rows):
    """Locality rows: the named localities as entered, "Outside the area" and the like translated."""
    return [{**row, "label": _shipped(row["label"])} if isinstance(row.get("key"), str) else row for row in rows]


def _method_text(method, themes):
    """The note on method in the visitor's language (the stored English text in English)."""
    if str(get_locale()) == "en":
        return method["text"]

    def comments(count):
        return ngettext("%(n)s comment", "%(n)s comments", count, n=_number(count))

    def theme_count(count):
        return ngettext("%(n)s theme", "%(n)s themes", count, n=_number(count))

    suggestions = method["suggestions"]
    parts = [gettext("Officers read the responses and coded %(coded)s of %(comments)s against a codebook of "
                     "%(themes)s.", coded=_number(method["coded_items"]), comments=comments(method["items"]),
                     themes=theme_count(themes))]
    if suggestions["made"]:
        parts.append(gettext(
            "The software suggested %(themes)s automatically; officers accepted %(accepted)s, rejected "
            "%(rejected)s and %(pending)s were left undecided. Only themes an officer confirmed are counted in "
            "this statement.", themes=theme_count(suggestions["made"]), accepted=_number(suggestions["accepted"]),
            rejected=_number(suggestions["rejected"]), pending=_number(suggestions["pending"])))
    else:
        parts.append(gettext("Every theme in this statement was applied by an officer; no automatic suggestions "
                             "were used."))
    agreement = method.get("agreement")
    if agreement:
        kappa = agreement["kappa"]
        figure = (gettext("%(kappa)s, which is %(reading)s", kappa=f"{kappa:.2f}",
                          reading=_shipped(agreement["reading"])) if kappa is not None
                  else gettext("not defined"))
        parts.append(gettext("A second officer coded a random sample of %(comments)s without seeing the first "
                             "officer’s themes; their agreement (Cohen’s kappa) was %(figure)s.",
                             comments=comments(agreement["coded"]), figure=figure))
    else:
        parts.append(gettext("No second-coder check of agreement has been made."))
    if method["withheld_items"]:
        parts.append(ngettext("%(n)s comment was withheld from publication by moderators but is still counted.",
                              "%(n)s comments were withheld from publication by moderators but are still counted.",
                              method["withheld_items"], n=_number(method["withheld_items"])))
    return " ".join(parts)


def statement_helpers(translated=False):
    """Helpers the statement templates need: in English (staff preview, PDF) or, translated, for the public pages."""
    helpers = {"iso_date": _date, "moment": _moment, "number": _number, "paragraphs": _paragraphs,
               "section_diff": _section_diff, "cell_text": _cell_text, "bars": _bars,
               "without_empty": _without_empty, "stance_rows": _stance_rows,
               "DIFF_STATUS_LABELS": DIFF_STATUS_LABELS, "shipped": _as_is, "shipped_rows": _as_is,
               "localities": _as_is, "attribution": _as_is, "redacted": _as_is,
               "method_text": lambda method, themes: method["text"]}
    if translated:
        helpers.update({
            "moment": _moment_translated, "cell_text": _cell_text_translated,
            "stance_rows": lambda stance: _stance_rows(stance, gettext),
            "DIFF_STATUS_LABELS": {key: gettext(label) for key, label in DIFF_STATUS_LABELS.items()},
            "shipped": _shipped, "shipped_rows": _shipped_rows, "localities": _localities,
            "attribution": _attribution, "redacted": _redacted_translated, "method_text": _method_text,
        })
    return helpers


@bp.context_processor
def helpers():
    """The statement's rendering helpers, in the visitor's language, for this blueprint's templates."""
    return statement_helpers(translated=True)


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
