"""Responses, their answers, and equality monitoring kept apart from them."""
from engage.extensions import db
from engage.models.base import TimestampMixin

RESPONSE_STATUSES = ("draft", "submitted", "withdrawn")
CHANNELS = (
    "online", "paper", "email", "letter", "phone", "easy_read", "other_language",
    "event", "import", "other",
)
CHANNEL_LABELS = {
    "online": "Online questionnaire",
    "paper": "Paper or postal questionnaire",
    "email": "Email",
    "letter": "Letter",
    "phone": "Telephone",
    "easy_read": "Easy-read form",
    "other_language": "Other-language version",
    "event": "Engagement event",
    "import": "Imported from another tool",
    "other": "Other",
}
RESPONDENT_TYPES = ("individual", "organisation")
CONSENTS = ("publish_named", "publish_anonymous", "do_not_publish")
CONSENT_LABELS = {
    "publish_named": "Publish my response with my name",
    "publish_anonymous": "Publish my response without my name",
    "do_not_publish": "Do not publish my response",
}
LOCALITY_OUTSIDE = "outside"
LOCALITY_PREFER_NOT = "prefer_not_to_say"

response_group = db.Table(
    "response_group",
    db.Column("response_id", db.Integer, db.ForeignKey("response.id", ondelete="CASCADE"),
              primary_key=True),
    db.Column("group_id", db.Integer, db.ForeignKey("stakeholder_group.id", ondelete="CASCADE"),
              primary_key=True),
)


class Response(TimestampMixin, db.Model):
    """One respondent's submission, online or keyed in by staff."""

    __tablename__ = "response"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    reference = db.Column(db.String(20), nullable=False, unique=True)
    status = db.Column(db.String(20), nullable=False, default="draft")
    channel = db.Column(db.String(20), nullable=False, default="online")
    respondent_type = db.Column(db.String(20), nullable=False, default="individual")
    respondent_name = db.Column(db.String(200), nullable=False, default="")
    organisation_name = db.Column(db.String(250), nullable=False, default="")
    contact_email = db.Column(db.String(254), nullable=False, default="")
    locality_id = db.Column(db.Integer, db.ForeignKey("locality.id", ondelete="SET NULL"))
    # "outside" the area or "prefer_not_to_say", when no locality is chosen.
    locality_other = db.Column(db.String(30), nullable=False, default="")
    consent = db.Column(db.String(30))
    # Save and return: only a hash of the private link's token is kept.
    resume_token_hash = db.Column(db.String(128), unique=True)
    submitted_at = db.Column(db.DateTime)
    withdrawn_at = db.Column(db.DateTime)
    # When contact details were removed under the retention policy (or on request).
    anonymised_at = db.Column(db.DateTime)
    received_on = db.Column(db.Date)
    entered_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    checked_by_second_person = db.Column(db.Boolean, nullable=False, default=False)
    # Idempotent bulk import: a stable key per source row.
    import_key = db.Column(db.String(128))
    # Guards against double-clicked or replayed submissions.
    submission_key = db.Column(db.String(64), unique=True)
    is_demo = db.Column(db.Boolean, nullable=False, default=False)

    consultation = db.relationship("Consultation", back_populates="responses")
    locality = db.relationship("Locality")
    entered_by = db.relationship("User")
    groups = db.relationship("StakeholderGroup", secondary=response_group)
    answers = db.relationship("Answer", back_populates="response", cascade="all, delete-orphan")

    __table_args__ = (
        db.CheckConstraint(f"status IN {RESPONSE_STATUSES!r}", name="status"),
        db.CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        db.CheckConstraint(f"respondent_type IN {RESPONDENT_TYPES!r}", name="respondent_type"),
        db.CheckConstraint(f"consent IS NULL OR consent IN {CONSENTS!r}", name="consent"),
        db.UniqueConstraint("consultation_id", "import_key"),
    )

    @property
    def may_be_published(self):
        """Only consented responses are ever published."""
        return self.status == "submitted" and self.consent in ("publish_named", "publish_anonymous")


class Answer(TimestampMixin, db.Model):
    """A response's answer to one question: text, choices or a scale point."""

    __tablename__ = "answer"

    id = db.Column(db.Integer, primary_key=True)
    response_id = db.Column(db.Integer, db.ForeignKey("response.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    text = db.Column(db.Text, nullable=False, default="")
    choices = db.Column(db.JSON, nullable=False, default=list)

    response = db.relationship("Response", back_populates="answers")
    question = db.relationship("Question")

    __table_args__ = (db.UniqueConstraint("response_id", "question_id"),)


class EqualityMonitoring(TimestampMixin, db.Model):
    """Optional equality answers, stored apart and only ever reported in aggregate."""

    __tablename__ = "equality_monitoring"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    # Kept only so that one person's data can be erased on request.
    response_id = db.Column(db.Integer, db.ForeignKey("response.id", ondelete="CASCADE"),
                            unique=True)
    age_band = db.Column(db.String(40), nullable=False, default="")
    sex = db.Column(db.String(40), nullable=False, default="")
    gender_reassignment = db.Column(db.String(40), nullable=False, default="")
    sexual_orientation = db.Column(db.String(60), nullable=False, default="")
    disability = db.Column(db.String(40), nullable=False, default="")
    ethnicity = db.Column(db.String(100), nullable=False, default="")
    religion = db.Column(db.String(100), nullable=False, default="")
    marriage_civil_partnership = db.Column(db.String(40), nullable=False, default="")
    pregnancy_maternity = db.Column(db.String(40), nullable=False, default="")
    unpaid_carer = db.Column(db.String(40), nullable=False, default="")


# Indexes for the officer's filtered, keyset-paged list of responses (fast at 100k).
db.Index("ix_response_listing", Response.consultation_id, Response.status, Response.submitted_at,
         Response.id)
db.Index("ix_response_channel", Response.consultation_id, Response.status, Response.channel,
         Response.submitted_at, Response.id)
db.Index("ix_response_locality", Response.consultation_id, Response.status, Response.locality_id,
         Response.locality_other, Response.submitted_at, Response.id)
db.Index("ix_response_group_group_id", response_group.c.group_id, response_group.c.response_id)
