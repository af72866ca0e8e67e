"""Engagement events: workshops, focus groups, meetings, and who attended."""
from engage.extensions import db
from engage.models.base import TimestampMixin

EVENT_KINDS = (
    "workshop", "focus_group", "public_meeting", "drop_in", "online_session",
    "interview", "user_carer_group", "other",
)
EVENT_KIND_LABELS = {
    "workshop": "Workshop",
    "focus_group": "Focus group",
    "public_meeting": "Public meeting",
    "drop_in": "Drop-in",
    "online_session": "Online session",
    "interview": "Interview",
    "user_carer_group": "Existing user or carer group",
    "other": "Other",
}
EVENT_FORMATS = ("easy_read", "bsl", "interpreter", "advocacy", "hearing_loop", "large_print")

event_facilitator = db.Table(
    "event_facilitator",
    db.Column("event_id", db.Integer, db.ForeignKey("engagement_event.id", ondelete="CASCADE"),
              primary_key=True),
    db.Column("user_id", db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class EngagementEvent(TimestampMixin, db.Model):
    """A meeting, workshop or focus group with a date, place and attendance."""

    __tablename__ = "engagement_event"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    kind = db.Column(db.String(30), nullable=False, default="workshop")
    title = db.Column(db.String(250), nullable=False)
    starts_at = db.Column(db.DateTime, nullable=False)
    ends_at = db.Column(db.DateTime)
    venue = db.Column(db.String(300), nullable=False, default="")
    locality_id = db.Column(db.Integer, db.ForeignKey("locality.id", ondelete="SET NULL"))
    facilitator_names = db.Column(db.String(300), nullable=False, default="")
    formats = db.Column(db.JSON, nullable=False, default=list)
    hard_to_reach_notes = db.Column(db.Text, nullable=False, default="")
    notes = db.Column(db.Text, nullable=False, default="")
    is_public = db.Column(db.Boolean, nullable=False, default=True)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    is_demo = db.Column(db.Boolean, nullable=False, default=False)

    consultation = db.relationship("Consultation", back_populates="events")
    locality = db.relationship("Locality")
    facilitators = db.relationship("User", secondary=event_facilitator)
    attendance = db.relationship("EventAttendance", back_populates="event", cascade="all, delete-orphan")

    __table_args__ = (db.CheckConstraint(f"kind IN {EVENT_KINDS!r}", name="kind"),)

    @property
    def total_attendance(self):
        """Everyone who came, across stakeholder groups."""
        return sum(row.count for row in self.attendance)


class EventAttendance(db.Model):
    """How many people of one stakeholder group attended an event."""

    __tablename__ = "event_attendance"

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.Integer, db.ForeignKey("engagement_event.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    group_id = db.Column(db.Integer, db.ForeignKey("stakeholder_group.id", ondelete="CASCADE"),
                         nullable=False)
    count = db.Column(db.Integer, nullable=False, default=0)

    event = db.relationship("EngagementEvent", back_populates="attendance")
    group = db.relationship("StakeholderGroup")

    __table_args__ = (
        db.UniqueConstraint("event_id", "group_id"),
        db.CheckConstraint("count >= 0", name="count_not_negative"),
    )
