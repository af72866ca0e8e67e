"""Finding responses, paging through them, and counting who has been heard from.

Flushes, never commits: the request commits once.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import selectinload

from engage import audit
from engage.extensions import db
from engage.models import Answer, EngagementEvent, EventAttendance, Response
from engage.models.response import LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT, response_group

PAGE_SIZE = 50
LOCALITY_NOT_GIVEN = "not_given"
LOCALITY_OTHER_LABELS = {
    LOCALITY_OUTSIDE: "Outside the area",
    LOCALITY_PREFER_NOT: "Prefer not to say",
    LOCALITY_NOT_GIVEN: "Not given",
}
STATUS_FILTERS = ("submitted", "all", "draft", "withdrawn")
TARGET_MAX = 100_000


@dataclass(frozen=True)
class ResponseFilters:
    """What the officer chose to see: plain values, all optional except status."""

    status: str = "submitted"
    group_id: int | None = None
    # A locality id, or LOCALITY_OUTSIDE / LOCALITY_PREFER_NOT / LOCALITY_NOT_GIVEN.
    locality: int | str | None = None
    channel: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None

    @property
    def newest_submitted_first(self):
        """Submitted responses are listed by when they were submitted; others by when started."""
        return self.status == "submitted"


def _conditions(consultation, filters):
    """WHERE clauses for the consultation's responses matching filters."""
    conditions = [Response.consultation_id == consultation.id]
    if filters.status != "all":
        conditions.append(Response.status == filters.status)
    if filters.group_id is not None:
        # IN (not EXISTS): the group's responses are read once from its index,
        # instead of probing response_group for every response in the range.
        conditions.append(Response.id.in_(
            select(response_group.c.response_id).where(response_group.c.group_id == filters.group_id)))
    if isinstance(filters.locality, int):
        conditions.append(Response.locality_id == filters.locality)
    elif filters.locality == LOCALITY_NOT_GIVEN:
        conditions += [Response.locality_id.is_(None),
                       Response.locality_other.notin_((LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT))]
    elif filters.locality in (LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT):
        conditions += [Response.locality_id.is_(None), Response.locality_other == filters.locality]
    if filters.channel:
        conditions.append(Response.channel == filters.channel)
    if filters.submitted_from:
        conditions.append(Response.submitted_at >= datetime.combine(filters.submitted_from, time.min))
    if filters.submitted_to:
        day_after = datetime.combine(filters.submitted_to + timedelta(days=1), time.min)
        conditions.append(Response.submitted_at < day_after)
    return conditions


def count_responses(consultation, filters):
    """How many responses match filters (one indexed COUNT)."""
    query = select(func.count()).select_from(Response).where(*_conditions(consultation, filters))
    return db.session.execute(query).scalar_one()


@dataclass
class ResponsePage:
    """One page of the responses list, and where the pages either side of it start."""

    responses: list
    number: int
    size: int
    has_previous: bool
    has_next: bool

    @property
    def first_position(self):
        """1-based position of the first response on the page."""
        return (self.number - 1) * self.size + 1 if self.responses else 0

    @property
    def last_position(self):
        """1-based position of the last response on the page."""
        return self.first_position + len(self.responses) - 1 if self.responses else 0

    @property
    def previous_cursor(self):
        """Id of the first response shown: the previous page ends just before it."""
        return self.responses[0].id if self.has_previous else None

    @property
    def next_cursor(self):
        """Id of the last response shown: the next page starts just after it."""
        return self.responses[-1].id if self.has_next else None


def _cursor_row(consultation, response_id, filters):
    """The response a keyset cursor points at, or None if it cannot be used."""
    if not response_id:
        return None
    row = db.session.execute(
        select(Response.id, Response.submitted_at)
        .where(Response.id == response_id, Response.consultation_id == consultation.id)
    ).first()
    if row is None or (filters.newest_submitted_first and row.submitted_at is None):
        return None
    return row


def _fetch(consultation, filters, cursor, backwards, limit):
    """Up to limit responses after (or, backwards, before) cursor, in listing order."""
    query = select(Response).where(*_conditions(consultation, filters)).options(
        selectinload(Response.groups), selectinload(Response.locality))
    if filters.newest_submitted_first:
        key = tuple_(Response.submitted_at, Response.id)
        order = (Response.submitted_at, Response.id)
        cursor_key = (cursor.submitted_at, cursor.id) if cursor else None
    else:
        key, order, cursor_key = Response.id, (Response.id,), (cursor.id if cursor else None)
    if backwards:
        query = query.where(key > cursor_key).order_by(*(column.asc() for column in order))
    else:
        if cursor is not None:
            query = query.where(key < cursor_key)
        query = query.order_by(*(column.desc() for column in order))
    return list(db.session.execute(query.limit(limit)).scalars())


def page_of_responses(consultation, filters, after=None, before=None, number=1, size=PAGE_SIZE):
    """A page of responses by keyset: the ones just after `after` or just before `before`.

    Keyset paging (never OFFSET) keeps deep pages as fast as the first. `number`
    only labels the page ("Showing 51 to 100"); the cursor decides what is on it.
    """
    if before:
        cursor = _cursor_row(consultation, before, filters)
        if cursor is not None:
            rows = _fetch(consultation, filters, cursor, backwards=True, limit=size + 1)
            if len(rows) > size:
                rows = rows[:size]
                rows.reverse()
                return ResponsePage(rows, max(number, 2), size, has_previous=True, has_next=True)
        # Fewer than a page before the cursor: that is the first page.
        return page_of_responses(consultation, filters, size=size)
    cursor = _cursor_row(consultation, after, filters)
    rows = _fetch(consultation, filters, cursor, backwards=False, limit=size + 1)
    if cursor is None:
        return ResponsePage(rows[:size], 1, size, has_previous=False, has_next=len(rows) > size)
    return ResponsePage(rows[:size], max(number, 2), size, has_previous=True, has_next=len(rows) > size)


def locality_label(response):
    """Where the respondent lives, as people read it."""
    if response.locality is not None:
        return response.locality.name
    return LOCALITY_OTHER_LABELS.get(response.locality_other, LOCALITY_OTHER_LABELS[LOCALITY_NOT_GIVEN])


def answers_in_order(response):
    """(question, answer or None) for every question of the consultation, in order."""
    answers = {answer.question_id: answer
               for answer in Answer.query.filter_by(response_id=response.id)}
    return [(question, answers.get(question.id)) for question in response.consultation.questions]


@dataclass
class RepresentationRow:
    """Responses from one stakeholder group or locality, against the officer's target."""

    name: str
    responses: int
    target: int | None = None
    # (EngagementEvent, number of people of this group who attended), by date.
    events: list = field(default_factory=list)
    can_have_target: bool = True

    @property
    def shortfall(self):
        """How many more responses are needed to reach the target (0 if none)."""
        if self.target is None:
            return 0
        return max(self.target - self.responses, 0)

    @property
    def under_target(self):
        """True when a target is set and not yet reached."""
        return self.shortfall > 0

    @property
    def not_heard_from(self):
        """No submitted response yet."""
        return self.responses == 0

    @property
    def people_at_events(self):
        """People of this group at the consultation's engagement events."""
        return sum(count for _, count in self.events)


@dataclass
class Representation:
    """Who has responded so far, by stakeholder group and locality."""

    total: int
    groups: list
    localities: list

    @property
    def not_heard_from(self):
        """Names of the stakeholder groups with no submitted response yet."""
        return [row.name for row in self.groups if row.not_heard_from]


def representation(consultation):
    """Submitted responses by group (not heard from first) and by locality, with targets."""
    submitted = (Response.consultation_id == consultation.id, Response.status == "submitted")
    total = db.session.execute(select(func.count()).select_from(Response).where(*submitted)).scalar_one()
    by_group = dict(db.session.execute(
        select(response_group.c.group_id, func.count())
        .join(Response, Response.id == response_group.c.response_id)
        .where(*submitted).group_by(response_group.c.group_id)
    ).all())
    by_locality = db.session.execute(
        select(Response.locality_id, Response.locality_other, func.count())
        .where(*submitted).group_by(Response.locality_id, Response.locality_other)
    ).all()
    events_by_group = {}
    attendance = db.session.execute(
        select(EventAttendance.group_id, EngagementEvent, EventAttendance.count)
        .join(EngagementEvent, EngagementEvent.id == EventAttendance.event_id)
        .where(EngagementEvent.consultation_id == consultation.id, EventAttendance.count > 0)
        .order_by(EngagementEvent.starts_at, EngagementEvent.id)
    ).all()
    for group_id, event, count in attendance:
        events_by_group.setdefault(group_id, []).append((event, count))

    groups = [RepresentationRow(group.name, by_group.get(group.id, 0), group.target,
                                events_by_group.get(group.id, []))
              for group in consultation.stakeholder_groups]
    # Groups not heard from at all come first: they are the ones to act on.
    groups.sort(key=lambda row: not row.not_heard_from)

    locality_counts, other_counts = {}, dict.fromkeys(LOCALITY_OTHER_LABELS, 0)
    for locality_id, locality_other, count in by_locality:
        if locality_id is not None:
            locality_counts[locality_id] = locality_counts.get(locality_id, 0) + count
        elif locality_other in (LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT):
            other_counts[locality_other] += count
        else:
            other_counts[LOCALITY_NOT_GIVEN] += count
    localities = [RepresentationRow(locality.name, locality_counts.get(locality.id, 0), locality.target)
                  for locality in consultation.localities]
    localities += [RepresentationRow(label, other_counts[key], can_have_target=False)
                   for key, label in LOCALITY_OTHER_LABELS.items()]
    return Representation(total, groups, localities)


def set_targets(consultation, group_targets, locality_targets, user=None):
    """Save the representation targets (None: no target); audit each change. Returns how many changed.

    group_targets and locality_targets map ids to targets; ids not given keep their target.
    """
    changed = 0
    for kind, rows, targets in (("stakeholder_group", consultation.stakeholder_groups, group_targets),
                                ("locality", consultation.localities, locality_targets)):
        for row in rows:
            if row.id not in targets or targets[row.id] == row.target:
                continue
            new = targets[row.id]
            if new is not None and not 0 <= new <= TARGET_MAX:
                raise ValueError(f"A target must be between 0 and {TARGET_MAX}")
            audit.record(f"{kind}.target_changed", row, consultation=consultation, user=user,
                         name=row.name, old=row.target, new=new)
            row.target = new
            changed += 1
    db.session.flush()
    return changed

