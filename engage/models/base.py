"""Shared helpers for the models."""
from datetime import datetime, timezone

from engage.extensions import db


def utcnow():
    """The current time in UTC, naive, as stored in every timestamp column."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class TimestampMixin:
    """created_at and updated_at, both set from utcnow at write time."""

    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class InvalidTransition(ValueError):
    """A change of state that the rules do not allow."""
