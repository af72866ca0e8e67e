"""The published comments, streamed a chunk at a time, for the spreadsheet and the CSV.

Which comments appear and in which words is decided by engage.publishing.quotes alone
(publishable_items, public_text, confirmed_redactions, attribution), with the same
rule as the public page of published responses: a comment with a suggested redaction
nobody has decided yet waits. No response reference or id is ever written.
"""
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, load_only

from engage.extensions import db
from engage.models import FeedbackItem, PlanSection, PlanVersion, Question, Response, Tag
from engage.publishing.quotes import attribution, confirmed_redactions, public_text, publishable_items
from engage.publishing.statement import _pending_redaction, codebook_tree

CHUNK = 5000
# Only the columns the export and the publishing rules read (quotes.public_text, quotes.attribution):
# hydrating whole rows doubled the time of a 300,000-comment export.
ITEM_COLUMNS = (FeedbackItem.id, FeedbackItem.text, FeedbackItem.response_id, FeedbackItem.question_id,
                FeedbackItem.section_id)
RESPONSE_COLUMNS = (Response.id, Response.consent, Response.respondent_type, Response.organisation_name,
                    Response.respondent_name, Response.status)


def theme_names(consultation):
    """{live theme id: name with its parents ("Transport › Community transport")}."""
    names = {}
    for theme, depth in codebook_tree(consultation):
        parent = names.get(theme.parent_id) if depth else None
        names[theme.id] = f"{parent} › {theme.name}" if parent else theme.name
    return names


def published_query(consultation):
    """The comments that may be published now, as the public page of published responses lists them."""
    return publishable_items(consultation).filter(~_pending_redaction())


def published_responses(consultation, chunk=CHUNK, on_chunk=None):
    """Yield each published comment as a dict (consultation, question, section, themes, text, attribution).

    Keyset-paged by item id so memory stays flat at any size; on_chunk(count so far) is
    called after each chunk (for progress).
    """
    names = theme_names(consultation)
    questions = dict(db.session.execute(select(Question.id, Question.text)
                                        .where(Question.consultation_id == consultation.id)).all())
    sections = {section_id: (f"{number}. {heading}" if number else heading) for section_id, number, heading in
                db.session.execute(select(PlanSection.id, PlanSection.number, PlanSection.heading)
                                   .join(PlanVersion, PlanVersion.id == PlanSection.version_id)
                                   .where(PlanVersion.consultation_id == consultation.id))}
    order = {theme_id: position for position, theme_id in enumerate(names)}
    title = consultation.title
    # The session holds loaded rows weakly: a chunk's items are freed once the next chunk replaces them.
    last_id, written = 0, 0
    while True:
        items = (published_query(consultation).filter(FeedbackItem.id > last_id)
                 .options(load_only(*ITEM_COLUMNS),
                          contains_eager(FeedbackItem.response).load_only(*RESPONSE_COLUMNS))
                 .order_by(FeedbackItem.id).limit(chunk).all())
        if not items:
            return
        ids = [item.id for item in items]
        redactions = confirmed_redactions(ids)
        themes = {}
        for item_id, theme_id in db.session.execute(
                select(Tag.item_id, Tag.theme_id).where(Tag.item_id.in_(ids), Tag.status == "confirmed",
                                                        Tag.coding_pass == "primary")):
            if theme_id in names:
                themes.setdefault(item_id, []).append(theme_id)
        for item in items:
            text = public_text(item, redactions.get(item.id, [])).strip()
            if not text:
                continue
            written += 1
            yield {
                "consultation": title,
                "question": questions.get(item.question_id, ""),
                "section": sections.get(item.section_id, ""),
                "themes": [names[theme_id] for theme_id in sorted(themes.get(item.id, []), key=order.get)],
                "text": text,
                "attribution": attribution(item.response),
            }
        last_id = ids[-1]
        if on_chunk is not None:
            on_chunk(written)
