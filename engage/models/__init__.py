"""All models, importable from one place."""
from engage.models.audit import AuditEvent, BackgroundJob, ImportMapping, StatementRevision
from engage.models.base import InvalidTransition, utcnow
from engage.models.consultation import (
    Consultation, Locality, PlanSection, PlanVersion, Question, StakeholderGroup,
)
from engage.models.event import EngagementEvent, EventAttendance
from engage.models.feedback import FeedbackItem, FeedbackItemRevision, Redaction
from engage.models.response import Answer, EqualityMonitoring, Response
from engage.models.theme import CodingSample, CodingSampleItem, Tag, Theme, ThemeResponse
from engage.models.user import LoginThrottle, Membership, User

__all__ = [
    "Answer", "AuditEvent", "BackgroundJob", "CodingSample", "CodingSampleItem", "Consultation", "EngagementEvent", "EqualityMonitoring",
    "EventAttendance", "FeedbackItem", "FeedbackItemRevision", "ImportMapping", "InvalidTransition", "Locality",
    "LoginThrottle", "Membership", "PlanSection", "PlanVersion", "Question", "Redaction", "Response",
    "StakeholderGroup", "StatementRevision", "Tag", "Theme", "ThemeResponse", "User", "utcnow",
]
