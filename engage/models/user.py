"""Staff accounts, their roles and their per-consultation memberships."""
import secrets

from flask_login import UserMixin

from engage.extensions import db
from engage.models.base import TimestampMixin, utcnow

ROLES = ("admin", "officer", "facilitator", "reviewer")
ROLE_LABELS = {
    "admin": "Administrator",
    "officer": "Officer",
    "facilitator": "Facilitator",
    "reviewer": "Reviewer (read only)",
}
MEMBERSHIP_ROLES = ("officer", "facilitator", "reviewer")


class User(UserMixin, TimestampMixin, db.Model):
    """A member of staff who signs in: admin, officer, facilitator or reviewer."""

    __tablename__ = "user"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False, default="")
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(20), nullable=False, default="officer")
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Rotated at every sign-in and sign-out: old session cookies stop working.
    session_token = db.Column(db.String(64), nullable=False, default=lambda: secrets.token_hex(16))
    last_login_at = db.Column(db.DateTime)
    is_demo = db.Column(db.Boolean, nullable=False, default=False)
    # Second factor: a TOTP secret (base32), when it was set up, the last time-step used
    # (a code works once), and SHA-256 hashes of the unused recovery codes.
    totp_secret = db.Column(db.String(64))
    mfa_enabled_at = db.Column(db.DateTime)
    totp_last_step = db.Column(db.BigInteger)
    recovery_code_hashes = db.Column(db.JSON, nullable=False, default=list)

    memberships = db.relationship("Membership", back_populates="user", cascade="all, delete-orphan")

    __table_args__ = (db.CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    def get_id(self):
        """The id Flask-Login keeps in the session: user id and session token."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self):
        """Deactivated accounts cannot sign in."""
        return self.active

    def rotate_session_token(self):
        """Invalidate every existing session of this user."""
        self.session_token = secrets.token_hex(16)

    @property
    def is_admin(self):
        """True for administrators."""
        return self.role == "admin"

    @property
    def is_staff_officer(self):
        """Officers and admins manage any consultation."""
        return self.role in ("admin", "officer")

    def membership_role(self, consultation):
        """This user's role on one consultation, or None."""
        for membership in self.memberships:
            if membership.consultation_id == consultation.id:
                return membership.role
        return None

    def can_view(self, consultation):
        """May see the consultation's staff pages."""
        if self.is_staff_officer:
            return True
        return self.membership_role(consultation) is not None

    def can_manage(self, consultation):
        """May change the consultation, its drafts and questions."""
        if self.is_staff_officer:
            return True
        return self.membership_role(consultation) == "officer"

    def can_record_evidence(self, consultation):
        """May record events and notes (facilitators of this consultation)."""
        return self.can_manage(consultation) or self.membership_role(consultation) == "facilitator"

    def touch_login(self):
        """Record a successful sign-in."""
        self.last_login_at = utcnow()
        self.rotate_session_token()

    def __repr__(self):
        return f"<User {self.email} {self.role}>"


class Membership(TimestampMixin, db.Model):
    """A user's role on one consultation (facilitator, reviewer or officer)."""

    __tablename__ = "membership"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False
    )
    role = db.Column(db.String(20), nullable=False)

    user = db.relationship("User", back_populates="memberships")
    consultation = db.relationship("Consultation", back_populates="memberships")

    __table_args__ = (
        db.UniqueConstraint("user_id", "consultation_id"),
        db.CheckConstraint(f"role IN {MEMBERSHIP_ROLES!r}", name="role"),
    )


class LoginThrottle(db.Model):
    """Failed sign-ins per e-mail address, so one account can be slowed alone."""

    __tablename__ = "login_throttle"

    email = db.Column(db.String(254), primary_key=True)
    failures = db.Column(db.Integer, nullable=False, default=0)
    first_failure_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    locked_until = db.Column(db.DateTime)
