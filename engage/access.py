"""Who may see or change a consultation: the one check every staff route makes."""
from flask import abort
from flask_login import current_user

from engage.extensions import db
from engage.models import Consultation


def consultation_for(consultation_id, need="view"):
    """The consultation if the current user has the `need` right to it; 404/403 otherwise.

    need: "view" (see its staff pages), "manage" (change it, code its feedback) or
    "record" (record events and notes).
    """
    consultation = db.session.get(Consultation, consultation_id) or abort(404)
    if need == "manage":
        allowed = current_user.can_manage(consultation)
    elif need == "record":
        allowed = current_user.can_record_evidence(consultation)
    else:
        allowed = current_user.can_view(consultation)
    if not allowed:
        abort(403)
    return consultation


def object_of(consultation, model, object_id):
    """A row of `model` that belongs to this consultation (another consultation's id is a 404)."""
    row = db.session.get(model, object_id)
    if row is None or row.consultation_id != consultation.id:
        abort(404)
    return row
