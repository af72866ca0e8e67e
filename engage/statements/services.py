"""The statement of consultation, staff side: responses to themes, the officer's words, publishing revisions.

Like every service: flush, never commit (the request commits once). The content
itself is built by engage.publishing.statement.build_statement (one builder).
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from engage.audit import record
from engage.extensions import db
from engage.models import InvalidTransition, PlanSection, StatementRevision, Theme, ThemeResponse, utcnow
from engage.publishing.statement import (
    build_statement, codebook_tree, draft_you_said, theme_entry, theme_figures, who_responded,
)

# Statuses a statement can be published from: analysis (first publication) or already published.
PUBLISHABLE_STATUSES = ("analysing", "published")


class StatementError(ValueError):
    """Publishing is not possible, with the reason in words an officer can act on."""


@dataclass(frozen=True)
class ThemeDetails:
    """What an officer wrote about one theme, as plain values."""

    you_said: str
    we_did: str
    decision: str
    reason: str
    section_ids: list


@dataclass(frozen=True)
class ThemeRow:
    """One line of the list of theme responses."""

    theme: Theme
    depth: int
    items: int
    people: int
    response: ThemeResponse | None

    @property
    def status(self):
        """"Decided", "Draft" or "Not started"."""
        if self.response is None:
            return "Not started"
        return "Decided" if self.response.decision else "Draft"


def live_theme(consultation, theme_id):
    """A live theme of this consultation (archived, merged or another consultation's: None)."""
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.consultation_id != consultation.id or theme.archived or theme.merged_into_id:
        return None
    return theme


def theme_rows(consultation):
    """Every live theme in codebook order, with its items, people and response so far."""
    tree = codebook_tree(consultation)
    figures = theme_figures(consultation)
    responses = {response.theme_id: response for response in ThemeResponse.query
                 .join(Theme, Theme.id == ThemeResponse.theme_id).filter(Theme.consultation_id == consultation.id)}
    return [ThemeRow(theme, depth, figures[theme.id]["items"] if theme.id in figures else 0,
                     figures[theme.id]["people"] if theme.id in figures else 0, responses.get(theme.id))
            for theme, depth in tree]


def theme_summary(consultation, theme):
    """The theme's entry as the statement will show it (figures, quotes, response) and a draft of "you said"."""
    entry = theme_entry(consultation, theme)
    return entry, draft_you_said(entry, who_responded(consultation))


def latest_sections(consultation):
    """The sections of the newest draft, which theme responses link to."""
    latest = consultation.latest_version
    return list(latest.sections) if latest is not None else []


def save_theme_response(theme, details, user):
    """Create or update the theme's response; audit it. Returns the ThemeResponse."""
    response = theme.response
    created = response is None
    if created:
        response = ThemeResponse(theme=theme)
        db.session.add(response)
    allowed = {section.id: section for section in latest_sections(theme.consultation)}
    # Sections of older drafts already linked stay linked unless the officer could untick them.
    kept = [section for section in response.sections if section.id not in allowed]
    response.you_said = details.you_said.strip()
    response.we_did = details.we_did.strip()
    response.decision = details.decision
    response.reason = details.reason.strip()
    response.sections = kept + [allowed[section_id] for section_id in details.section_ids if section_id in allowed]
    response.updated_by_id = getattr(user, "id", None)
    record("theme_response.created" if created else "theme_response.changed", theme, consultation=theme.consultation,
           user=user, decision=details.decision, sections=[section.id for section in response.sections])
    db.session.flush()
    return response


def save_statement_text(consultation, introduction, next_steps, user):
    """Save the introduction and next steps; returns True if anything changed."""
    introduction, next_steps = (introduction or "").strip(), (next_steps or "").strip()
    if (introduction, next_steps) == (consultation.statement_introduction, consultation.statement_next_steps):
        return False
    consultation.statement_introduction = introduction
    consultation.statement_next_steps = next_steps
    record("statement_text_changed", consultation, user=user)
    db.session.flush()
    return True


def revisions(consultation):
    """The published revisions, newest first."""
    return (StatementRevision.query.filter_by(consultation_id=consultation.id)
            .order_by(StatementRevision.number.desc()).all())


def next_number(consultation):
    """The number the next published revision will have."""
    latest = db.session.scalar(select(func.max(StatementRevision.number))
                               .where(StatementRevision.consultation_id == consultation.id))
    return (latest or 0) + 1


def publish_blocker(consultation):
    """Why the statement cannot be published now, or None."""
    if consultation.status in PUBLISHABLE_STATUSES:
        return None
    if consultation.status in ("draft", "open", "closed"):
        return (f"The consultation is {consultation.status_label.lower()}. Close it and start the analysis "
                "before publishing the statement.")
    return f"An {consultation.status_label.lower()} consultation’s statement cannot be published again."


def unanswered_themes(content):
    """Names of top-level themes and sub-themes raised by someone that have no decision yet."""
    names = []
    for theme in content["what_people_said"]["themes"]:
        for entry in (theme, *theme["children"]):
            if entry["items"] and not entry["response"]["decision"]:
                names.append(entry["name"])
    return names


def publish(consultation, user, expected_number):
    """Publish the statement as it is now: a new dated revision, and the consultation moves to published.

    expected_number is the revision number the officer previewed: publishing twice
    (a double click, two tabs) gives one revision, not two.
    """
    blocker = publish_blocker(consultation)
    if blocker:
        raise StatementError(blocker)
    number = next_number(consultation)
    if expected_number != number:
        raise StatementError(f"Revision {number - 1} has already been published. Check the preview "
                             "before publishing again.")
    if consultation.status == "analysing":
        try:
            consultation.transition_to("published")
        except InvalidTransition as problem:
            raise StatementError(str(problem)) from None
        record("consultation.status_changed", consultation, user=user, old="analysing", new="published")
    revision = StatementRevision(consultation_id=consultation.id, number=number,
                                 content=build_statement(consultation), published_at=utcnow(),
                                 published_by_id=getattr(user, "id", None))
    db.session.add(revision)
    db.session.flush()
    record("statement_published", revision, consultation=consultation, user=user, number=number)
    return revision


def section_titles(section_ids):
    """{section id: title} for the given sections."""
    if not section_ids:
        return {}
    return {section.id: section.title for section in PlanSection.query.filter(PlanSection.id.in_(section_ids))}
