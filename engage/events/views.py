"""Engagement events and the notes taken at them. Thin: check access, validate, call a service, redirect.

Facilitators of a consultation, its officers and admins record events and notes ("record");
anyone who may see the consultation may read them ("view").
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engage.access import consultation_for
from engage.consultations.views import _status
from engage.events import bp, services
from engage.events.forms import (
    FORMAT_LABELS, EventForm, ImportNotesForm, ItemForm, ItemsForm, NotesForm, SplitItemForm,
)
from engage.events.notes import NoteError, NoteProblem, check_sections, format_note, parse_line
from engage.extensions import db
from engage.localtime import local_now
from engage.models import EngagementEvent, FeedbackItem
from engage.models.event import EVENT_KIND_LABELS

REVISION_LABELS = {
    "edit": "Text edited",
    "split": "Split",
    "merge": "Merged",
    "section": "Section changed",
    "speaks_for": "Number of people changed",
}


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.context_processor
def event_labels():
    """Words for codes, for this blueprint's templates."""
    return {"EVENT_KIND_LABELS": EVENT_KIND_LABELS, "FORMAT_LABELS": FORMAT_LABELS,
            "REVISION_LABELS": REVISION_LABELS, "plural": _plural}


def _plural(count, singular, plural=None):
    """"1 note", "3 notes"."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def _event(consultation, event_id):
    """An event of this consultation (another consultation's event id is a 404)."""
    event = db.session.get(EngagementEvent, event_id)
    if event is None or event.consultation_id != consultation.id:
        abort(404)
    return event


def _item(event, item_id):
    """A feedback item noted at this event (anything else is a 404)."""
    item = db.session.get(FeedbackItem, item_id)
    if item is None or item.event_id != event.id or item.consultation_id != event.consultation_id:
        abort(404)
    return item


def _section_numbers(sections):
    return [section.number for section in sections if section.number]


# Events --------------------------------------------------------------------------------------

@bp.route("/events")
def index(consultation_id):
    """Events held and upcoming, with how many people came and how many notes were taken."""
    consultation = consultation_for(consultation_id)
    upcoming, held = services.events_by_time(consultation)
    return render_template("events/index.html", consultation=consultation, upcoming=upcoming, held=held,
                           counts=services.item_counts(consultation),
                           total_attendance=sum(event.total_attendance for event in held),
                           can_record=current_user.can_record_evidence(consultation))


def _details(form):
    """The form's answers as plain values for the service."""
    return services.EventDetails(
        kind=form.kind.data, title=form.title.data, starts_at=form.starts_at, ends_at=form.ends_at,
        venue=form.venue.data or "", locality_id=int(form.locality_id.data) if form.locality_id.data else None,
        facilitator_ids=[int(value) for value in form.facilitator_ids.data or []],
        facilitator_names=form.facilitator_names.data or "", attendance=form.attendance(),
        formats=list(form.formats.data or []), hard_to_reach_notes=form.hard_to_reach_notes.data or "",
        notes=form.notes.data or "", is_public=form.is_public.data,
    )


@bp.route("/events/new", methods=["GET", "POST"])
def create(consultation_id):
    """Record an event: planned or already held."""
    consultation = consultation_for(consultation_id, need="record")
    form = EventForm.for_consultation(consultation, services.facilitator_candidates(consultation))
    if form.validate_on_submit():
        event = services.create_event(consultation, _details(form), current_user)
        db.session.commit()
        flash(f"Event “{event.title}” saved.", "success")
        return redirect(url_for(".detail", consultation_id=consultation.id, event_id=event.id))
    return render_template("events/form.html", consultation=consultation, form=form, event=None), _status(form)


@bp.route("/events/<int:event_id>")
def detail(consultation_id, event_id):
    """One event: when, where, who ran it, who came, and the notes taken."""
    consultation = consultation_for(consultation_id)
    event = _event(consultation, event_id)
    counts = {row.group_id: row.count for row in event.attendance}
    attendance = [(group, counts.get(group.id, 0)) for group in consultation.stakeholder_groups]
    return render_template("events/detail.html", consultation=consultation, event=event, attendance=attendance,
                           items=services.event_items(event), now=local_now(),
                           can_record=current_user.can_record_evidence(consultation))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit(consultation_id, event_id):
    """Change an event's details or attendance."""
    consultation = consultation_for(consultation_id, need="record")
    event = _event(consultation, event_id)
    form = EventForm.for_consultation(consultation, services.facilitator_candidates(consultation, event), event)
    if form.validate_on_submit():
        changed = services.update_event(event, _details(form), current_user)
        db.session.commit()
        flash("Event saved." if changed else "Nothing was changed.", "success" if changed else "info")
        return redirect(url_for(".detail", consultation_id=consultation.id, event_id=event.id))
    return render_template("events/form.html", consultation=consultation, form=form, event=event), _status(form)


# Notes ---------------------------------------------------------------------------------------

@bp.route("/events/<int:event_id>/notes", methods=["GET", "POST"])
def add_notes(consultation_id, event_id):
    """Type or paste notes, one per line; each becomes a feedback item."""
    consultation = consultation_for(consultation_id, need="record")
    event = _event(consultation, event_id)
    sections = services.latest_sections(consultation)
    form = NotesForm(section_numbers=_section_numbers(sections))
    if form.validate_on_submit():
        items = services.add_notes(event, form.parsed, current_user, sections)
        db.session.commit()
        flash(f"{_plural(len(items), 'note')} added.", "success")
        return redirect(url_for(".detail", consultation_id=consultation.id, event_id=event.id) + "#notes")
    return render_template("events/notes.html", consultation=consultation, event=event, form=form,
                           sections=sections), _status(form)


def _preview_rows(notes, sections):
    """(note, the line that will be added, its section) for the preview table."""
    by_number = services.sections_by_number(sections)
    return [(note, format_note(note), by_number.get(note.section_number)) for note in notes]


@bp.route("/events/<int:event_id>/notes/import", methods=["GET", "POST"])
def import_notes(consultation_id, event_id):
    """Upload a file of notes, see them in a table, then add them."""
    consultation = consultation_for(consultation_id, need="record")
    event = _event(consultation, event_id)
    sections = services.latest_sections(consultation)
    if request.method == "POST" and "confirm" in request.form:
        return _confirm_import(consultation, event, sections)
    form = ImportNotesForm(section_numbers=_section_numbers(sections))
    if form.validate_on_submit():
        notes_file = form.notes_file
        return render_template("events/import_preview.html", consultation=consultation, event=event,
                               rows=_preview_rows(notes_file.notes, sections), label=notes_file.label,
                               filename=form.upload.data.filename, included=None, problem=None)
    return render_template("events/import.html", consultation=consultation, event=event, form=form,
                           sections=sections), _status(form)


def _confirm_import(consultation, event, sections):
    """"Add these notes": the previewed lines come back as hidden fields and are parsed again."""
    lines, numbers = request.form.getlist("line"), request.form.getlist("number")
    label = request.form.get("label") if request.form.get("label") in ("Line", "Row", "Paragraph") else "Line"
    filename = request.form.get("filename", "")[:255]
    included = set(request.form.getlist("include"))
    notes, problems, chosen = [], [], []
    for index, (line, number) in enumerate(zip(lines, numbers)):
        number = int(number) if number.isdigit() and len(number) < 7 else index + 1
        parsed = parse_line(line, number, label)
        (problems if isinstance(parsed, NoteProblem) else notes).append(parsed)
        if str(index) in included and not isinstance(parsed, NoteProblem):
            chosen.append(parsed)
    try:
        if problems:
            raise NoteError(problems)
        # The draft may have changed since the preview.
        check_sections(notes, _section_numbers(sections), label=label)
        if not chosen:
            raise NoteError([NoteProblem(None, "Select at least one note to add.")])
    except NoteError as problem:
        return render_template("events/import_preview.html", consultation=consultation, event=event,
                               rows=_preview_rows(notes, sections), label=label, filename=filename,
                               included=included, problem=str(problem)), 400
    items = services.add_notes(event, chosen, current_user, sections, source="file", filename=filename)
    db.session.commit()
    flash(f"{_plural(len(items), 'note')} added from {filename or 'the file'}.", "success")
    return redirect(url_for(".detail", consultation_id=consultation.id, event_id=event.id) + "#notes")


# Feedback items ------------------------------------------------------------------------------

@bp.route("/events/<int:event_id>/items", methods=["GET", "POST"])
def items(consultation_id, event_id):
    """Every note of the event in one form: text, section, speaks for; merge the ones ticked."""
    consultation = consultation_for(consultation_id, need="record")
    event = _event(consultation, event_id)
    sections = services.latest_sections(consultation)
    event_items = services.event_items(event)
    form = ItemsForm.for_items(event_items, sections)
    merging = request.form.get("action") == "merge"
    by_id = {str(item.id): item for item in event_items}
    selected = [by_id[value] for value in dict.fromkeys(request.form.getlist("selected")) if value in by_id]
    merge_problem = None
    if form.is_submitted():
        if merging and len(selected) < 2:
            merge_problem = "Select at least two notes to merge"
        if form.validate() and not merge_problem:
            changed = sum(services.change_item(item, current_user, text, section_id, speaks_for)
                          for item, text, section_id, speaks_for in form.changes())
            messages = []
            if changed:
                messages.append(f"{_plural(changed, 'note')} saved.")
            if merging:
                services.merge_items(selected, current_user)
                messages.append(f"{_plural(len(selected), 'note')} merged into one.")
            db.session.commit()
            flash(" ".join(messages) or "Nothing was changed.", "success" if messages else "info")
            return redirect(url_for(".items", consultation_id=consultation.id, event_id=event.id))
    status = 400 if form.is_submitted() and (form.errors or merge_problem) else 200
    return render_template("events/items.html", consultation=consultation, event=event, form=form,
                           selected={item.id for item in selected}, merge_problem=merge_problem), status


@bp.route("/events/<int:event_id>/items/<int:item_id>")
def item(consultation_id, event_id, item_id):
    """One note, and every change made to it."""
    consultation = consultation_for(consultation_id)
    event = _event(consultation, event_id)
    feedback_item = _item(event, item_id)
    return render_template("events/item.html", consultation=consultation, event=event, item=feedback_item,
                           history=services.item_history(feedback_item),
                           can_record=current_user.can_record_evidence(consultation))


@bp.route("/events/<int:event_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
def edit_item(consultation_id, event_id, item_id):
    """Change one note's text, section or number of people."""
    consultation = consultation_for(consultation_id, need="record")
    event = _event(consultation, event_id)
    feedback_item = _item(event, item_id)
    form = ItemForm(sections=services.latest_sections(consultation), item=feedback_item)
    if form.validate_on_submit():
        changed = services.change_item(feedback_item, current_user, form.text.data, form.section_choice,
                                       form.speaks_for.data)
        db.session.commit()
        flash("Note saved." if changed else "Nothing was changed.", "success" if changed else "info")
        return redirect(url_for(".item", consultation_id=consultation.id, event_id=event.id,
                                item_id=feedback_item.id))
    return render_template("events/item_edit.html", consultation=consultation, event=event, item=feedback_item,
                           form=form), _status(form)


@bp.route("/events/<int:event_id>/items/<int:item_id>/split", methods=["GET", "POST"])
def split_item(consultation_id, event_id, item_id):
    """Split one note into several, where the officer puts blank lines."""
    consultation = consultation_for(consultation_id, need="record")
    event = _event(consultation, event_id)
    feedback_item = _item(event, item_id)
    form = SplitItemForm()
    if request.method == "GET":
        form.text.data = feedback_item.text
    if form.validate_on_submit():
        parts = services.split_item(feedback_item, form.parts, current_user)
        db.session.commit()
        flash(f"Note split into {len(parts)} notes.", "success")
        return redirect(url_for(".items", consultation_id=consultation.id, event_id=event.id))
    return render_template("events/item_split.html", consultation=consultation, event=event, item=feedback_item,
                           form=form), _status(form)

