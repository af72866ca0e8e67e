"""The audit log, background jobs and published statement revisions."""
from engage.extensions import db
from engage.models.base import utcnow

JOB_STATUSES = ("queued", "running", "done", "failed")


class AuditEvent(db.Model):
    """One change (or sensitive view) made by a user, kept for accountability."""

    __tablename__ = "audit_event"

    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="SET NULL"),
                                index=True)
    action = db.Column(db.String(60), nullable=False)
    object_type = db.Column(db.String(40), nullable=False, default="")
    object_id = db.Column(db.Integer)
    detail = db.Column(db.JSON, nullable=False, default=dict)
    ip_address = db.Column(db.String(45), nullable=False, default="")

    user = db.relationship("User")


class BackgroundJob(db.Model):
    """Long work (imports, tagging, exports) with progress people can watch."""

    __tablename__ = "background_job"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(40), nullable=False)
    status = db.Column(db.String(20), nullable=False, default="queued")
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                index=True)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    progress = db.Column(db.Integer, nullable=False, default=0)
    total = db.Column(db.Integer, nullable=False, default=0)
    message = db.Column(db.Text, nullable=False, default="")
    params = db.Column(db.JSON, nullable=False, default=dict)
    result = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    started_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)

    __table_args__ = (db.CheckConstraint(f"status IN {JOB_STATUSES!r}", name="status"),)


class StatementRevision(db.Model):
    """A dated, published revision of a consultation's statement."""

    __tablename__ = "statement_revision"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    content = db.Column(db.JSON, nullable=False, default=dict)
    published_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    published_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))

    __table_args__ = (db.UniqueConstraint("consultation_id", "number"),)


class ImportMapping(db.Model):
    """How the columns of another tool's export map to a consultation's fields, remembered."""

    __tablename__ = "import_mapping"

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"),
                                nullable=False)
    # "responses" (bulk responses) or "coded" (already-coded feedback).
    kind = db.Column(db.String(20), nullable=False)
    mapping = db.Column(db.JSON, nullable=False, default=dict)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))

    __table_args__ = (db.UniqueConstraint("consultation_id", "kind"),)
