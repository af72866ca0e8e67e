"""Finding published statements and published responses (read only).

Which words may be shown is decided by engage.publishing.quotes alone; this module
only pages and searches through what that allows.
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engage.extensions import db
from engage.models import Consultation, FeedbackItem, Question, StatementRevision, Tag, Theme
from engage.publishing.quotes import attribution, confirmed_redactions, public_text, publishable_items
from engage.publishing.statement import _descendants, _pending_redaction, codebook_tree

PAGE_SIZE = 50
MAX_SEARCH = 200
# Searching scans at most this many matching rows per page (a redaction can hide a match).
MAX_SCANNED = 2_000


def published_consultation(slug):
    """(consultation, revisions newest first) for a consultation with a published statement, or (None, [])."""
    consultation = db.session.scalars(select(Consultation).where(Consultation.slug == slug)).first()
    if consultation is None:
        return None, []
    revisions = (StatementRevision.query.filter_by(consultation_id=consultation.id)
                 .order_by(StatementRevision.number.desc()).all())
    return (consultation, revisions) if revisions else (None, [])


def escape_like(text):
    """The text with LIKE's wildcards (% and _) and the escape character taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def theme_choices(consultation):
    """[(theme id, name with its parents)] of the live themes, for the filter."""
    names, result = {}, []
    for theme, depth in codebook_tree(consultation):
        names[theme.id] = theme.name if depth == 0 else f"{names.get(theme.parent_id, '')} › {theme.name}"
        result.append((theme.id, names[theme.id]))
    return result


@dataclass
class PublishedItem:
    """One published comment as the public sees it."""

    id: int
    text: str
    attribution: str
    question: str | None
    themes: list


@dataclass
class PublishedPage:
    """A page of published comments, with what is needed for the links to the pages around it."""

    items: list
    has_previous: bool
    has_next: bool
    total: int | None  # None when searching (counting would need every item's public text)

    @property
    def first_id(self):
        """Id of the first comment on the page."""
        return self.items[0].id if self.items else None

    @property
    def last_id(self):
        """Id of the last comment on the page."""
        return self.items[-1].id if self.items else None


def page_of_published(consultation, search="", theme_id=None, after=None, before=None, size=PAGE_SIZE):
    """A page of the consultation's publishable comments, searched and filtered, in the order received.

    A search matches the public text only: a word hidden by a redaction never finds the comment.
    """
    search = (search or "").strip()[:MAX_SEARCH]
    query = publishable_items(consultation).filter(~_pending_redaction())
    if theme_id is not None:
        ids = _descendants(codebook_tree(consultation)).get(theme_id, [theme_id])
        query = query.filter(select(Tag.id).where(Tag.item_id == FeedbackItem.id, Tag.theme_id.in_(ids),
                                                  Tag.status == "confirmed", Tag.coding_pass == "primary").exists())
    if search:
        query = query.filter(FeedbackItem.text.ilike(f"%{escape_like(search)}%", escape="\\"))
    total = None if search else query.order_by(None).count()
    backwards = before is not None
    if backwards:
        query = query.filter(FeedbackItem.id < before).order_by(FeedbackItem.id.desc())
    else:
        if after is not None:
            query = query.filter(FeedbackItem.id > after)
        query = query.order_by(FeedbackItem.id)
    query = query.options(selectinload(FeedbackItem.response))
    wanted, found, scanned, offset = size + 1, [], 0, 0
    needle = search.casefold()
    while len(found) < wanted and scanned < MAX_SCANNED:
        rows = query.offset(offset).limit(wanted).all()
        if not rows:
            break
        offset += len(rows)
        scanned += len(rows)
        redactions = confirmed_redactions([item.id for item in rows])
        for item in rows:
            text = public_text(item, redactions.get(item.id, []))
            if needle and needle not in text.casefold():
                continue
            found.append((item, text))
            if len(found) >= wanted:
                break
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    items = _published_items(found)
    if backwards:
        return PublishedPage(items, has_previous=more, has_next=True, total=total)
    return PublishedPage(items, has_previous=after is not None, has_next=more, total=total)


def _published_items(found):
    """PublishedItems for (item, public text) pairs, with their questions and themes in two queries."""
    ids = [item.id for item, _ in found]
    themes = {}
    if ids:
        for item_id, name in db.session.execute(
                select(Tag.item_id, Theme.name).join(Theme, Theme.id == Tag.theme_id)
                .where(Tag.item_id.in_(ids), Tag.status == "confirmed", Tag.coding_pass == "primary",
                       Theme.archived.is_(False), Theme.merged_into_id.is_(None))
                .order_by(Theme.position, Theme.name)):
            themes.setdefault(item_id, []).append(name)
    question_ids = {item.question_id for item, _ in found if item.question_id}
    questions = dict(db.session.execute(select(Question.id, Question.text)
                                        .where(Question.id.in_(question_ids))).all()) if question_ids else {}
    return [PublishedItem(item.id, text, attribution(item.response), questions.get(item.question_id),
                          themes.get(item.id, [])) for item, text in found]
