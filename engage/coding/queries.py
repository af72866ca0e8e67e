"""Read-side queries for coding: the review queue, the list of feedback items, figures, context.

Nothing here changes the database (decisions go through engage/coding/services.py).
Every list is paged in SQL: a consultation can have 100,000 feedback items.
"""
import heapq
import re
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from engage.extensions import db
from engage.models import Answer, EngagementEvent, FeedbackItem, PlanSection, PlanVersion, Response, Tag, Theme
from engage.models.response import CHANNEL_LABELS, response_group

QUEUE_PAGE_SIZE = 25
ITEMS_PAGE_SIZE = 25
# How many other notes of the same event the item's page shows around it.
EVENT_NOTES_SHOWN = 100
STANCE_NOT_SET = "not_set"
CODED_FILTERS = ("coded", "uncoded", "suggested")
SOURCE_LABELS = {
    "answer": "Answer to a question",
    "event_note": "Note taken at an event",
    "letter": "Letter",
    "email": "Email",
    "paper": "Paper response",
    "phone": "Phone call",
    "import": "Imported feedback",
    "other": "Other",
}
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class CodingFilters:
    """What the officer chose to see in the queue or the list of items: plain values, all optional."""

    theme_id: int | None = None
    section_id: int | None = None
    group_id: int | None = None
    locality_id: int | None = None
    channel: str | None = None
    # A stance, or STANCE_NOT_SET for items with none.
    stance: str | None = None
    # 0..1, applied to pending suggestions.
    min_confidence: float | None = None
    max_confidence: float | None = None
    search: str = ""
    # "coded", "uncoded" or "suggested" (has pending suggestions); the list of items only.
    coded: str | None = None


def escape_like(text):
    """The text with LIKE's wildcards (% and _) and the escape character taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _response_ids(consultation, *conditions):
    return select(Response.id).where(Response.consultation_id == consultation.id, *conditions)


def item_conditions(consultation, filters):
    """WHERE clauses for the consultation's feedback items matching the filters about the item."""
    conditions = [FeedbackItem.consultation_id == consultation.id]
    if filters.section_id is not None:
        conditions.append(FeedbackItem.section_id == filters.section_id)
    if filters.stance == STANCE_NOT_SET:
        conditions.append(FeedbackItem.stance.is_(None))
    elif filters.stance:
        conditions.append(FeedbackItem.stance == filters.stance)
    if filters.group_id is not None:
        conditions.append(FeedbackItem.response_id.in_(
            select(response_group.c.response_id).where(response_group.c.group_id == filters.group_id)))
    if filters.locality_id is not None:
        # A response says where the respondent lives; an event note where the event was held.
        conditions.append(or_(
            FeedbackItem.response_id.in_(_response_ids(consultation, Response.locality_id == filters.locality_id)),
            FeedbackItem.event_id.in_(select(EngagementEvent.id).where(
                EngagementEvent.consultation_id == consultation.id,
                EngagementEvent.locality_id == filters.locality_id)),
        ))
    if filters.channel:
        ways = [FeedbackItem.response_id.in_(_response_ids(consultation, Response.channel == filters.channel))]
        if filters.channel == "event":
            ways.append(FeedbackItem.event_id.isnot(None))
        if filters.channel in SOURCE_LABELS:
            # Feedback with neither a response nor an event arrived the way its source says.
            ways.append(and_(FeedbackItem.response_id.is_(None), FeedbackItem.event_id.is_(None),
                             FeedbackItem.source == filters.channel))
        conditions.append(or_(*ways))
    if filters.search:
        conditions.append(FeedbackItem.text.ilike(f"%{escape_like(filters.search)}%", escape="\\"))
    return conditions


def _confidence_conditions(filters, at_least=None):
    conditions = []
    if filters.min_confidence is not None:
        conditions.append(Tag.confidence >= filters.min_confidence)
    if filters.max_confidence is not None:
        conditions.append(Tag.confidence <= filters.max_confidence)
    if at_least is not None:
        conditions.append(Tag.confidence >= at_least)
    return conditions


def _filters_items(filters):
    """True when a filter is about the item itself (so suggestions must be joined to their items)."""
    return any((filters.section_id is not None, filters.group_id is not None, filters.locality_id is not None,
                filters.channel, filters.stance, filters.search))


def _suggestions_query(consultation, filters, at_least=None, columns=(Tag,)):
    """Pending suggestions of the consultation's live themes, on items matching the filters.

    Scoped through the themes (a tag's theme and item belong to the same consultation), so
    without item filters the query never reads the items: at 100,000 items, reading each
    suggestion's item to check its consultation costs more than everything else.
    """
    live = select(Theme.id).where(Theme.consultation_id == consultation.id, Theme.archived.is_(False),
                                  Theme.merged_into_id.is_(None))
    query = select(*columns).select_from(Tag).where(
        Tag.status == "suggested", Tag.coding_pass == "primary", Tag.theme_id.in_(live),
        *_confidence_conditions(filters, at_least))
    if filters.theme_id is not None:
        query = query.where(Tag.theme_id == filters.theme_id)
    if _filters_items(filters):
        query = query.join(FeedbackItem, FeedbackItem.id == Tag.item_id).where(
            *item_conditions(consultation, filters))
    return query


def count_suggestions(consultation, filters, at_least=None):
    """How many pending suggestions match the filters (and are at least `at_least` confident)."""
    query = _suggestions_query(consultation, filters, at_least, columns=(func.count(Tag.id),))
    return db.session.execute(query).scalar_one()


def suggestion_ids(consultation, filters, at_least=None):
    """Ids of the pending suggestions matching the filters, at least `at_least` confident (for bulk accept)."""
    return list(db.session.scalars(_suggestions_query(consultation, filters, at_least, columns=(Tag.id,))))


def _uncertainty_key(row):
    """Nearest the decision boundary first (a missing confidence counts as a coin toss), then oldest."""
    confidence = 0.5 if row.confidence is None else row.confidence
    return abs(confidence - 0.5), row.id


def _most_uncertain_ids(consultation, filters, skip, take):
    """Ids of the suggestions at positions skip..skip+take in order of uncertainty.

    ORDER BY abs(confidence - 0.5) would sort every pending suggestion for each page. Instead
    the two sides of 0.5 are read in the order of the (status, confidence) index, each
    already nearest-first, and merged here: the first page reads about 50 index entries.
    """
    base = _suggestions_query(consultation, filters, columns=(Tag.id, Tag.confidence))
    limit = skip + take
    sides = [
        base.where(Tag.confidence >= 0.5).order_by(Tag.confidence, Tag.id).limit(limit),
        base.where(Tag.confidence < 0.5).order_by(Tag.confidence.desc(), Tag.id).limit(limit),
        base.where(Tag.confidence.is_(None)).order_by(Tag.id).limit(limit),
    ]
    merged = heapq.merge(*(db.session.execute(side).all() for side in sides), key=_uncertainty_key)
    return [row.id for row in islice(merged, skip, limit)]


@dataclass
class Page:
    """One page of a list: its rows, its 1-based number, and whether pages exist either side."""

    rows: list
    number: int
    size: int
    total: int
    has_previous: bool = False
    has_next: bool = False

    @property
    def first_position(self):
        """1-based position of the first row on the page."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last_position(self):
        """1-based position of the last row on the page."""
        return self.first_position + len(self.rows) - 1 if self.rows else 0

    @property
    def last_number(self):
        """The number of the last page."""
        return max(1, -(-self.total // self.size))


def _origin_loads(item=None):
    """Eager loads for showing where each item came from (under `item`, a loader of Tag.item)."""
    def load(relationship):
        return item.selectinload(relationship) if item is not None else selectinload(relationship)

    return [load(FeedbackItem.response).selectinload(Response.groups),
            load(FeedbackItem.response).selectinload(Response.locality),
            load(FeedbackItem.event).selectinload(EngagementEvent.locality),
            load(FeedbackItem.section)]


def page_of_suggestions(consultation, filters, number=1, size=QUEUE_PAGE_SIZE):
    """A page of pending suggestions, the most uncertain (nearest the decision boundary) first.

    Paged by position: deciding a suggestion removes it from the queue, so "the same page"
    after a decision shows the next suggestions in line.
    """
    total = count_suggestions(consultation, filters)
    last = max(1, -(-total // size))
    number = min(max(1, number), last)
    ids = _most_uncertain_ids(consultation, filters, (number - 1) * size, size)
    tags = {}
    if ids:
        # By id alone (joined to the items, SQLite would walk every item of the consultation).
        query = select(Tag).where(Tag.id.in_(ids)).options(selectinload(Tag.theme),
                                                           *_origin_loads(selectinload(Tag.item)))
        tags = {tag.id: tag for tag in db.session.scalars(query)}
    # The item's consultation is checked here too: the queue never shows another consultation's text.
    rows = [tags[tag_id] for tag_id in ids
            if tag_id in tags and tags[tag_id].item.consultation_id == consultation.id]
    return Page(rows, number, size, total, has_previous=number > 1, has_next=number < last)


def _theme_conditions(filters):
    """Items with a (pending or confirmed) tag of the chosen theme, or a pending suggestion in range."""
    conditions = []
    tag_of_theme = [Tag.item_id == FeedbackItem.id, Tag.coding_pass == "primary"]
    if filters.theme_id is not None:
        tag_of_theme.append(Tag.theme_id == filters.theme_id)
    confidence = _confidence_conditions(filters)
    if confidence:
        conditions.append(exists().where(*tag_of_theme, Tag.status == "suggested", *confidence))
    elif filters.theme_id is not None:
        conditions.append(exists().where(*tag_of_theme, Tag.status.in_(("suggested", "confirmed"))))
    return conditions


def listed_item_conditions(consultation, filters):
    """WHERE clauses for the list of feedback items: the item filters, theme, confidence, coded or not."""
    conditions = item_conditions(consultation, filters) + _theme_conditions(filters)
    if filters.coded == "coded":
        conditions.append(FeedbackItem.coded_at.isnot(None))
    elif filters.coded == "uncoded":
        conditions.append(FeedbackItem.coded_at.is_(None))
    elif filters.coded == "suggested":
        conditions.append(exists().where(Tag.item_id == FeedbackItem.id, Tag.status == "suggested",
                                         Tag.coding_pass == "primary"))
    return conditions


def count_items(consultation, filters):
    """How many feedback items match the filters."""
    query = select(func.count(FeedbackItem.id)).where(*listed_item_conditions(consultation, filters))
    return db.session.execute(query).scalar_one()


def page_of_items(consultation, filters, after=None, before=None, number=1, size=ITEMS_PAGE_SIZE):
    """A page of feedback items in the order they arrived, by keyset on the id (deep pages stay fast).

    `after` / `before` are the ids the next / previous page start from; `number` only labels the page.
    """
    total = count_items(consultation, filters)
    query = (select(FeedbackItem).where(*listed_item_conditions(consultation, filters))
             .options(selectinload(FeedbackItem.tags).selectinload(Tag.theme), *_origin_loads()))
    if before:
        rows = list(db.session.scalars(query.where(FeedbackItem.id < before)
                                       .order_by(FeedbackItem.id.desc()).limit(size + 1)))
        if len(rows) > size:
            rows = rows[:size]
            rows.reverse()
            return Page(rows, max(number, 2), size, total, has_previous=True, has_next=True)
        after, number = None, 1
    if after:
        query = query.where(FeedbackItem.id > after)
    rows = list(db.session.scalars(query.order_by(FeedbackItem.id).limit(size + 1)))
    first = not after
    return Page(rows[:size], 1 if first else max(number, 2), size, total, has_previous=not first,
                has_next=len(rows) > size)


def next_uncoded_item_id(consultation, after_id):
    """The id of the next item no officer has coded yet (after `after_id`, else from the start), or None."""
    base = select(FeedbackItem.id).where(FeedbackItem.consultation_id == consultation.id,
                                         FeedbackItem.coded_at.is_(None))
    found = db.session.scalars(base.where(FeedbackItem.id > after_id).order_by(FeedbackItem.id).limit(1)).first()
    if found is None:
        found = db.session.scalars(base.where(FeedbackItem.id != after_id).order_by(FeedbackItem.id)
                                   .limit(1)).first()
    return found


# Figures ------------------------------------------------------------------------------------

@dataclass
class Acceptance:
    """What officers decided about automatic suggestions: accepted, rejected, still pending."""

    confirmed: int = 0
    rejected: int = 0
    pending: int = 0

    @property
    def decided(self):
        """Suggestions accepted or rejected."""
        return self.confirmed + self.rejected

    @property
    def share(self):
        """The share of decided suggestions that were accepted (0..1), or None before any decision."""
        return self.confirmed / self.decided if self.decided else None


@dataclass
class AcceptanceFigures:
    """Acceptance of automatic suggestions overall and per theme (themes in codebook order)."""

    overall: Acceptance = field(default_factory=Acceptance)
    by_theme: list = field(default_factory=list)  # (Theme, Acceptance)


def acceptance_figures(consultation):
    """Live figures: automatic suggestions accepted, rejected and pending, overall and per theme (one query)."""
    rows = db.session.execute(
        select(Tag.theme_id, Tag.status, func.count(Tag.id))
        .join(FeedbackItem, FeedbackItem.id == Tag.item_id)
        .where(FeedbackItem.consultation_id == consultation.id, Tag.source == "automatic",
               Tag.coding_pass == "primary")
        .group_by(Tag.theme_id, Tag.status))
    per_theme = {}
    overall = Acceptance()
    for theme_id, status, count in rows:
        acceptance = per_theme.setdefault(theme_id, Acceptance())
        for target in (acceptance, overall):
            setattr(target, _ACCEPTANCE_FIELD[status], getattr(target, _ACCEPTANCE_FIELD[status]) + count)
    themes = (Theme.query.filter(Theme.id.in_(per_theme)).order_by(Theme.position, Theme.name).all()
              if per_theme else [])
    return AcceptanceFigures(overall, [(theme, per_theme[theme.id]) for theme in themes])


_ACCEPTANCE_FIELD = {"confirmed": "confirmed", "rejected": "rejected", "suggested": "pending"}


@dataclass
class CodingCounts:
    """How far coding has got in a consultation."""

    items: int
    coded: int
    pending_suggestions: int


def coding_counts(consultation):
    """Items, items coded by an officer, and suggestions waiting for review."""
    items, coded = db.session.execute(
        select(func.count(FeedbackItem.id), func.count(FeedbackItem.coded_at))
        .where(FeedbackItem.consultation_id == consultation.id)).one()
    return CodingCounts(items, coded, count_suggestions(consultation, CodingFilters()))


# Showing an item ----------------------------------------------------------------------------

def highlighted(text, words):
    """The text as paragraphs of (piece, is_match) pairs, with the explanation's words marked.

    Matching ignores case and the punctuation between the words of a phrase, and only
    matches whole words. The template renders matches with <mark>, escaping every piece.
    """
    patterns = []
    for phrase in words or ():
        parts = _WORD.findall(str(phrase).lower())
        if parts:
            patterns.append(r"\W+".join(re.escape(part) for part in parts))
    matcher = None
    if patterns:
        # Longest first, so "bus stop" is marked whole rather than "bus" alone.
        alternatives = "|".join(sorted(set(patterns), key=len, reverse=True))
        matcher = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    paragraphs = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        pieces, start = [], 0
        for match in (matcher.finditer(line) if matcher else ()):
            if match.start() > start:
                pieces.append((line[start:match.start()], False))
            pieces.append((match.group(), True))
            start = match.end()
        if start < len(line):
            pieces.append((line[start:], False))
        paragraphs.append(pieces)
    return paragraphs


def channel_label(item):
    """How the item arrived, as people read it."""
    if item.response is not None:
        return CHANNEL_LABELS.get(item.response.channel, item.response.channel)
    if item.event_id is not None:
        return CHANNEL_LABELS["event"]
    return SOURCE_LABELS.get(item.source, item.source)


def locality_label(item):
    """Where the respondent lives or the event was held; "" if not known."""
    if item.response is not None and item.response.locality is not None:
        return item.response.locality.name
    if item.event is not None and item.event.locality is not None:
        return item.event.locality.name
    return ""


def group_names(item):
    """The stakeholder groups the respondent gave (none for event notes)."""
    if item.response is None:
        return []
    return [group.name for group in sorted(item.response.groups, key=lambda group: group.position)]


@dataclass
class ItemContext:
    """Where an item sits: its response's other answers and points, or its event's other notes."""

    response: Response | None = None
    answers: list = field(default_factory=list)  # (Question, Answer or None, is this item)
    other_points: list = field(default_factory=list)  # FeedbackItem of the same response, not from answers
    event: EngagementEvent | None = None
    event_notes: list = field(default_factory=list)  # FeedbackItem, this one included
    more_event_notes: int = 0


def item_context(item):
    """The item's whole response (never its equality monitoring) or its event's other notes."""
    context = ItemContext()
    if item.response_id is not None:
        response = item.response
        context.response = response
        answers = {answer.question_id: answer for answer in Answer.query.filter_by(response_id=response.id)}
        this_answer = item.answer_id
        context.answers = [(question, answers.get(question.id),
                            answers.get(question.id) is not None and answers[question.id].id == this_answer)
                           for question in response.consultation.questions
                           if question.id in answers]
        context.other_points = (FeedbackItem.query
                                .filter(FeedbackItem.response_id == response.id, FeedbackItem.answer_id.is_(None))
                                .order_by(FeedbackItem.position, FeedbackItem.id).limit(EVENT_NOTES_SHOWN).all())
    elif item.event_id is not None:
        context.event = item.event
        notes = FeedbackItem.query.filter(FeedbackItem.event_id == item.event_id)
        total = notes.count()
        context.event_notes = notes.order_by(FeedbackItem.position, FeedbackItem.id).limit(EVENT_NOTES_SHOWN).all()
        if item not in context.event_notes:
            context.event_notes.append(item)
        context.more_event_notes = max(0, total - len(context.event_notes))
    return context


def item_tags(item):
    """The item's tags for its page: primary pass first, then by status and theme."""
    order = {"confirmed": 0, "suggested": 1, "rejected": 2}
    return sorted(item.tags, key=lambda tag: (tag.coding_pass != "primary", order.get(tag.status, 3),
                                              tag.theme.position, tag.theme.name))


def theme_tree(themes):
    """(theme, depth) for live themes in codebook order, each child right under its parent.

    A theme whose parent is not live (archived or merged) is shown at the top level.
    """
    by_id = {theme.id: theme for theme in themes}
    children = {}
    for theme in themes:
        parent = theme.parent_id if theme.parent_id in by_id else None
        children.setdefault(parent, []).append(theme)
    ordered = []

    def walk(parent, depth):
        for theme in children.get(parent, []):
            ordered.append((theme, depth))
            walk(theme.id, depth + 1)

    walk(None, 0)
    return ordered


def theme_path(theme, by_id):
    """"Parent › Child": a theme's name with its live parents' names."""
    names, seen = [theme.name], {theme.id}
    parent = by_id.get(theme.parent_id)
    while parent is not None and parent.id not in seen:
        names.insert(0, parent.name)
        seen.add(parent.id)
        parent = by_id.get(parent.parent_id)
    return " › ".join(names)


def consultation_sections(consultation):
    """(section id, label) for every section of every draft, newest draft first."""
    versions = (PlanVersion.query.filter_by(consultation_id=consultation.id)
                .order_by(PlanVersion.number.desc()).all())
    choices = []
    for version in versions:
        sections = PlanSection.query.filter_by(version_id=version.id).order_by(PlanSection.position).all()
        for section in sections:
            label = section.title if len(versions) == 1 else f"{section.title} (version {version.number})"
            choices.append((section.id, label))
    return choices
