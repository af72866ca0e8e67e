"""Record changes in the audit log."""
from flask import has_request_context, request
from flask_login import current_user

from engage.extensions import db
from engage.models import AuditEvent


def record(action, obj=None, consultation=None, user=None, **detail):
    """Add an audit event for action on obj (flushes nothing; the request commits)."""
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    ip_address = ""
    if has_request_context():
        ip_address = (request.remote_addr or "")[:45]
    if consultation is None and obj is not None:
        consultation = getattr(obj, "consultation", None)
    event = AuditEvent(
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        consultation_id=getattr(consultation, "id", None),
        user_id=getattr(user, "id", None),
        detail=detail,
        ip_address=ip_address,
    )
    db.session.add(event)
    return event
