"""The codebook (a tree of themes), tags on feedback items, and the response to each theme."""
from engage.extensions import db
from engage.models.base import TimestampMixin, utcnow

TAG_SOURCES = ("officer", "automatic", "import")
TAG_STATUSES = ("suggested", "confirmed", "rejected")
CODING_PASSES = ("primary", "second")
THEME_DECISIONS = ("changed", "already_in_plan", "no_change", "out_of_scope")
THEME_DECISION_LABELS = {
    "changed": "We changed the plan",
    "already_in_plan": "Already in the plan",
    "no_change": "No change, with reason",
    "out_of_scope": "Outside the plan's scope",
}


class Theme(TimestampMixin, db.Model):
    """A theme in a consultation's codebook; themes nest."""

    __tablename__ = "theme"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    parent_id = db.Column(db.Integer, db.ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    name = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    # Words and phrases that suggest the theme, one per line.
    keywords = db.Column(db.Text, nullable=False, default="")
    position = db.Column(db.Integer, nullable=False, default=0)
    archived = db.Column(db.Boolean, nullable=False, default=False)
    merged_into_id = db.Column(db.Integer, db.ForeignKey("theme.id", ondelete="SET NULL"))

    consultation = db.relationship("Consultation", back_populates="themes", foreign_keys=[consultation_id])
    parent = db.relationship("Theme", remote_side=[id], foreign_keys=[parent_id], backref="children")
    tags = db.relationship("Tag", back_populates="theme", cascade="all, delete-orphan")
    response = db.relationship("ThemeResponse", back_populates="theme", uselist=False,
                               cascade="all, delete-orphan")

    __table_args__ = (db.UniqueConstraint("consultation_id", "parent_id", "name"),)


class Tag(db.Model):
    """A theme applied to a feedback item, by an officer or as an automatic suggestion."""

    __tablename__ = "tag"

    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.Integer, db.ForeignKey("feedback_item.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    theme_id = db.Column(db.Integer, db.ForeignKey("theme.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    source = db.Column(db.String(20), nullable=False, default="officer")
    status = db.Column(db.String(20), nullable=False, default="confirmed")
    confidence = db.Column(db.Float)
    # Top contributing words, for automatic suggestions.
    explanation = db.Column(db.JSON, nullable=False, default=list)
    coding_pass = db.Column(db.String(20), nullable=False, default="primary")
    coder_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_at = db.Column(db.DateTime)

    item = db.relationship("FeedbackItem", back_populates="tags")
    theme = db.relationship("Theme", back_populates="tags")
    coder = db.relationship("User")

    __table_args__ = (
        db.UniqueConstraint("item_id", "theme_id", "coding_pass"),
        db.CheckConstraint(f"source IN {TAG_SOURCES!r}", name="source"),
        db.CheckConstraint(f"status IN {TAG_STATUSES!r}", name="status"),
        db.CheckConstraint(f"coding_pass IN {CODING_PASSES!r}", name="coding_pass"),
        db.CheckConstraint("confidence IS NULL OR (confidence >= 0 AND confidence <= 1)",
                           name="confidence_range"),
        # The review queue: suggestions by status, nearest the decision boundary first.
        db.Index("ix_tag_status_confidence", "status", "confidence"),
        # Counts per theme (codebook, statement, acceptance figures) read only this index.
        db.Index("ix_tag_theme_pass_status", "theme_id", "coding_pass", "status"),
    )


theme_response_section = db.Table(
    "theme_response_section",
    db.Column("theme_response_id", db.Integer, db.ForeignKey("theme_response.id", ondelete="CASCADE"),
              primary_key=True),
    db.Column("section_id", db.Integer, db.ForeignKey("plan_section.id", ondelete="CASCADE"),
              primary_key=True),
)


class ThemeResponse(TimestampMixin, db.Model):
    """You said, we did: the partnership's response to one theme."""

    __tablename__ = "theme_response"

    id = db.Column(db.Integer, primary_key=True)
    theme_id = db.Column(db.Integer, db.ForeignKey("theme.id", ondelete="CASCADE"),
                         nullable=False, unique=True)
    you_said = db.Column(db.Text, nullable=False, default="")
    we_did = db.Column(db.Text, nullable=False, default="")
    decision = db.Column(db.String(20))
    reason = db.Column(db.Text, nullable=False, default="")
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))

    theme = db.relationship("Theme", back_populates="response")
    sections = db.relationship("PlanSection", secondary=theme_response_section)

    __table_args__ = (
        db.CheckConstraint(f"decision IS NULL OR decision IN {THEME_DECISIONS!r}", name="decision"),
    )


class CodingSample(db.Model):
    """A random sample of feedback items that a second officer codes blind, to measure agreement."""

    __tablename__ = "coding_sample"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    size = db.Column(db.Integer, nullable=False)
    seed = db.Column(db.Integer, nullable=False, default=0)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    second_coder_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    completed_at = db.Column(db.DateTime)

    consultation = db.relationship("Consultation")
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    second_coder = db.relationship("User", foreign_keys=[second_coder_id])
    items = db.relationship("CodingSampleItem", back_populates="sample", cascade="all, delete-orphan",
                            order_by="CodingSampleItem.position")


class CodingSampleItem(db.Model):
    """One item of a second-coder sample; coded_at is set when the second officer has coded it."""

    __tablename__ = "coding_sample_item"

    id = db.Column(db.Integer, primary_key=True)
    sample_id = db.Column(db.Integer, db.ForeignKey("coding_sample.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    item_id = db.Column(db.Integer, db.ForeignKey("feedback_item.id", ondelete="CASCADE"), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    coded_at = db.Column(db.DateTime)

    sample = db.relationship("CodingSample", back_populates="items")
    item = db.relationship("FeedbackItem")

    __table_args__ = (db.UniqueConstraint("sample_id", "item_id"),)
