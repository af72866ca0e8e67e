"""Engagement events, notes typed or imported at them, and editing those notes (feedback items)."""
import csv
import io
import re
from datetime import datetime, timedelta
from html import unescape

import docx
import pytest
from openpyxl import Workbook
from werkzeug.datastructures import MultiDict

from engage.extensions import db
from engage.models import (
    AuditEvent, EngagementEvent, EventAttendance, FeedbackItem, FeedbackItemRevision, Membership, utcnow,
)
from tests.conftest import login
from tests.factories import make_consultation, make_event, make_user

PAYLOAD = '<script>alert("x")</script>'


def text_of(client_response):
    """The page as text."""
    return client_response.get_data(as_text=True)


def post(client, url, data, **kwargs):
    """Post a form; list values become repeated fields (date inputs, checkboxes)."""
    items = []
    for key, value in data.items():
        for v in (value if isinstance(value, list) else [value]):
            items.append((key, v))
    return client.post(url, data=MultiDict(items), **kwargs)


def group(consultation, name):
    """One of the consultation's stakeholder groups, by name."""
    return next(g for g in consultation.stakeholder_groups if g.name == name)


def section(consultation, number):
    """A section of the latest draft, by number."""
    return next(s for s in consultation.latest_version.sections if s.number == number)


@pytest.fixture
def consultation(app, officer):
    """An open consultation with localities North and South, the default groups and a three-section draft."""
    return make_consultation(title="Carers plan", user=officer, status="open")


@pytest.fixture
def facilitator(consultation):
    """A facilitator who is a member of the consultation."""
    user = make_user("facilitator", name="Fran Facilitator")
    db.session.add(Membership(user=user, consultation=consultation, role="facilitator"))
    db.session.commit()
    return user


@pytest.fixture
def event(consultation):
    """A workshop held last week."""
    return make_event(consultation, title="Carers’ workshop", starts_at=utcnow() - timedelta(days=7),
                      kind="workshop", is_public=False)


def events_url(consultation, suffix=""):
    return f"/staff/consultations/{consultation.id}/events{suffix}"


def event_url(event, suffix=""):
    return f"/staff/consultations/{event.consultation_id}/events/{event.id}{suffix}"


def event_form(consultation, facilitator=None, **overrides):
    """A complete, valid event form: a workshop on 12 March 2026, 14:30 to 16:00."""
    data = {
        "kind": "workshop",
        "title": "Carers’ workshop in Musselburgh",
        "date": ["12", "3", "2026"],
        "start_time": "14:30",
        "end_time": "16:00",
        "venue": "Brunton Hall",
        "locality_id": str(consultation.localities[0].id),
        "facilitator_names": "Sam from the Carers Centre",
        "formats": ["bsl", "hearing_loop"],
        "hard_to_reach_notes": "No young carers came; we will visit the school group.",
        "notes": "Good discussion.",
        "is_public": "y",
        f"attendance-{group(consultation, 'Carers of users of social care').id}": "12",
        f"attendance-{group(consultation, 'Staff').id}": "3",
    }
    if facilitator:
        data["facilitator_ids"] = [str(facilitator.id)]
    data.update(overrides)
    return data


def add_items(event, *texts, user=None):
    """Feedback items noted at event, in order, committed."""
    items = []
    for position, text in enumerate(texts):
        item = FeedbackItem(consultation_id=event.consultation_id, event_id=event.id, source="event_note",
                            text=text, position=position, entered_by_id=getattr(user, "id", None))
        db.session.add(item)
        items.append(item)
    db.session.commit()
    return items


def items_of(event):
    """(text, section number, speaks for) of the event's items, in order."""
    db.session.expire_all()
    rows = FeedbackItem.query.filter_by(event_id=event.id).order_by(FeedbackItem.position, FeedbackItem.id)
    return [(i.text, i.section.number if i.section else None, i.speaks_for) for i in rows]


def input_value(page, name):
    """The value of the first text input called name."""
    match = re.search(r'<input[^>]* name="' + re.escape(name) + r'"[^>]* value="([^"]*)"', page)
    assert match, f"no input {name}"
    return unescape(match.group(1))


def audit_actions():
    return [a.action for a in AuditEvent.query.order_by(AuditEvent.id)]


# Events -------------------------------------------------------------------------------------------

def test_create_an_event(officer_client, consultation, facilitator, officer):
    form_page = text_of(officer_client.get(events_url(consultation, "/new")))
    assert "Fran Facilitator" in form_page  # facilitators of the consultation are offered
    for label in ("Existing user or carer group", "British Sign Language (BSL)", "Hearing loop", "Staff"):
        assert label in form_page

    response = post(officer_client, events_url(consultation, "/new"), event_form(consultation, facilitator))
    assert response.status_code == 302
    event = EngagementEvent.query.one()
    assert response.headers["Location"].endswith(f"/events/{event.id}")
    assert (event.kind, event.title, event.venue) == ("workshop", "Carers’ workshop in Musselburgh", "Brunton Hall")
    assert event.starts_at == datetime(2026, 3, 12, 14, 30)
    assert event.ends_at == datetime(2026, 3, 12, 16, 0)
    assert event.locality.name == "North"
    assert event.facilitators == [facilitator]
    assert event.formats == ["bsl", "hearing_loop"]
    assert event.is_public is True
    assert event.total_attendance == 15
    # Groups nobody came from have no attendance row.
    assert EventAttendance.query.count() == 2
    audit = AuditEvent.query.filter_by(action="event.created").one()
    assert (audit.user_id, audit.consultation_id, audit.object_id) == (officer.id, consultation.id, event.id)

    page = text_of(officer_client.get(response.headers["Location"]))
    for expected in ("Carers’ workshop in Musselburgh", "12 March 2026 at 2:30pm to 16:00", "Brunton Hall", "North",
                     "Fran Facilitator", "Sam from the Carers Centre", "British Sign Language (BSL)", "Hearing loop",
                     "No young carers came", "Good discussion.", "Who came: 15 people", "Yes, while it is coming up"):
        assert expected in page, expected


@pytest.mark.parametrize("overrides,field,message", [
    ({"title": ""}, "title", "Enter a title for the event"),
    ({"kind": ""}, "kind", "Select the type of event"),
    ({"date": ["31", "2", "2026"]}, "date", "Date must be a real date"),
    ({"date": ["", "", ""]}, "date", "Enter the date of the event"),
    ({"start_time": "25:99"}, "start_time", "Start time must be a real time, like 14:30"),
    ({"start_time": ""}, "start_time", "Enter the start time"),
    ({"end_time": "quarter past"}, "end_time", "End time must be a real time, like 16:00"),
    ({"end_time": "13:00"}, "end_time", "End time must be after the start time"),
    ({"attendance": "abc"}, "attendance", "Attendance for Staff must be a whole number from 0 to 100,000"),
    ({"attendance": "-3"}, "attendance", "Attendance for Staff must be a whole number from 0 to 100,000"),
    ({"attendance": "100001"}, "attendance", "Attendance for Staff must be a whole number from 0 to 100,000"),
    ({"attendance": "2.5"}, "attendance", "Attendance for Staff must be a whole number from 0 to 100,000"),
    ({"locality_id": "999999"}, "locality_id", "Select a locality from the list"),
    ({"formats": ["teleport"]}, "formats", "Select formats from the list"),
    ({"facilitator_ids": ["999999"]}, "facilitator_ids", "Select facilitators from the list"),
    ({"venue": "v" * 301}, "venue", "Venue must be 300 characters or fewer"),
])
def test_bad_event_input_is_reported_by_the_field_and_kept(officer_client, consultation, overrides, field,
                                                           message):
    staff_field = f"attendance-{group(consultation, 'Staff').id}"
    if "attendance" in overrides:
        overrides = {staff_field: overrides["attendance"]}
        field = staff_field
    data = event_form(consultation, **overrides)
    response = post(officer_client, events_url(consultation, "/new"), data)
    page = text_of(response)
    assert response.status_code == 400
    assert message in unescape(page)
    assert f'href="#{field}"' in page  # the error summary links to the field
    assert 'class="govuk-error-message"' in page
    # Everything typed is kept.
    for key in ("title", "start_time", "end_time", "venue", "facilitator_names"):
        assert input_value(page, key) == data[key]
    assert input_value(page, staff_field) == overrides.get(staff_field, "3")
    assert 'value="bsl" checked' in page or overrides.get("formats")
    assert input_value(page, "date") == data["date"][0]
    assert EngagementEvent.query.count() == 0
    assert "event.created" not in audit_actions()


@pytest.mark.parametrize("typed,expected", [
    ("14:30", (14, 30)), ("14.30", (14, 30)), ("1430", (14, 30)), ("2:30pm", (14, 30)), ("2pm", (14, 0)),
    ("12am", (0, 0)), ("12:15 p.m.", (12, 15)), ("09:05", (9, 5)), (" 9:05 ", (9, 5)),
])
def test_start_times_people_write(officer_client, consultation, typed, expected):
    response = post(officer_client, events_url(consultation, "/new"),
                    event_form(consultation, start_time=typed, end_time=""))
    assert response.status_code == 302
    starts_at = EngagementEvent.query.one().starts_at
    assert (starts_at.hour, starts_at.minute) == expected


def test_edit_an_event(officer_client, consultation, event, facilitator):
    staff = group(consultation, "Staff")
    db.session.add(EventAttendance(event=event, group=staff, count=4))
    db.session.commit()
    page = text_of(officer_client.get(event_url(event, "/edit")))
    assert "Carers’ workshop" in unescape(page)
    assert input_value(page, f"attendance-{staff.id}") == "4"

    data = event_form(consultation, facilitator, title="Carers’ workshop (rescheduled)", kind="focus_group",
                      **{f"attendance-{staff.id}": ""})
    response = post(officer_client, event_url(event, "/edit"), data)
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(EngagementEvent, event.id)
    assert event.title == "Carers’ workshop (rescheduled)"
    assert event.kind == "focus_group"
    assert [(row.group.name, row.count) for row in event.attendance] == [("Carers of users of social care", 12)]
    change = AuditEvent.query.filter_by(action="event.changed").one()
    assert {"title", "kind", "attendance", "facilitators"} <= set(change.detail["changed"])


def test_saving_an_event_unchanged_says_so(officer_client, consultation):
    event = make_event(consultation, title="Carers’ workshop", starts_at=datetime(2026, 3, 12, 14, 30),
                       is_public=False)
    page = text_of(officer_client.get(event_url(event, "/edit")))
    assert "Carers’ workshop" in unescape(page)
    data = {
        "kind": "workshop", "title": event.title, "date": [str(event.starts_at.day), str(event.starts_at.month),
                                                           str(event.starts_at.year)],
        "start_time": event.starts_at.strftime("%H:%M"), "locality_id": "",
    }
    response = post(officer_client, event_url(event, "/edit"), data, follow_redirects=True)
    assert "Nothing was changed." in text_of(response)
    assert "event.changed" not in audit_actions()


def test_the_list_shows_held_and_upcoming_events_with_attendance(officer_client, consultation):
    held = make_event(consultation, title="Drop-in at the library", starts_at=utcnow() - timedelta(days=3))
    earlier = make_event(consultation, title="Public meeting", starts_at=utcnow() - timedelta(days=20))
    make_event(consultation, title="Online session", starts_at=utcnow() + timedelta(days=5))
    db.session.add_all([EventAttendance(event=held, group=group(consultation, "Staff"), count=7),
                        EventAttendance(event=earlier, group=group(consultation, "Staff"), count=1200)])
    db.session.commit()
    add_items(held, "One", "Two")
    page = text_of(officer_client.get(events_url(consultation)))
    assert "2 events held, with 1,207 people attending. 1 event coming up." in page
    upcoming_table = page.split('id="upcoming"')[1].split("</table>")[0]
    held_table = page.split('id="held"')[1].split("</table>")[0]
    assert "Online session" in upcoming_table and "Drop-in" not in upcoming_table
    assert held_table.index("Drop-in at the library") < held_table.index("Public meeting")  # newest first
    assert "1,200" in held_table
    assert 'class="app-table-wrapper"' in page
    assert "Events and notes" in text_of(officer_client.get(f"/staff/consultations/{consultation.id}"))


# Notes ---------------------------------------------------------------------------------------------

def test_typed_notes_become_feedback_items(officer_client, consultation, event, officer):
    add_items(event, "Already here")
    notes = ("- S2: Respite is booked up months ahead (x7)\n"
             "\n"
             "• Buses stop at six (12 people)\n"
             "1. [S3] Nobody knew about the community transport scheme\n"
             "s1 - Vision is too vague (×3)\n")
    response = post(officer_client, event_url(event, "/notes"), {"notes": notes})
    assert response.status_code == 302
    assert items_of(event) == [
        ("Already here", None, 1),
        ("Respite is booked up months ahead", "2", 7),
        ("Buses stop at six", None, 12),
        ("Nobody knew about the community transport scheme", "3", 1),
        ("Vision is too vague", "1", 3),
    ]
    new = FeedbackItem.query.filter(FeedbackItem.text != "Already here").all()
    assert {(i.source, i.entered_by_id, i.consultation_id) for i in new} == {("event_note", officer.id,
                                                                              consultation.id)}
    audit = AuditEvent.query.filter_by(action="event.notes_added").one()
    assert audit.detail["count"] == 4 and audit.object_id == event.id
    page = text_of(officer_client.get(response.headers["Location"]))
    assert "4 notes added." in page
    assert "Respite is booked up months ahead" in page and "2. Carers" in page and "7 people" in page


def test_an_unknown_section_names_the_line_and_saves_nothing(officer_client, event):
    notes = "S1: Fine\nS9: No such section\nAlso fine\n"
    response = post(officer_client, event_url(event, "/notes"), {"notes": notes})
    page = unescape(text_of(response))
    assert response.status_code == 400
    assert "Line 2: there is no section 9 in the latest draft of the plan." in page
    assert 'href="#notes"' in page
    assert "S9: No such section" in page  # what was typed is kept
    assert FeedbackItem.query.count() == 0
    assert "event.notes_added" not in audit_actions()


@pytest.mark.parametrize("notes,message", [
    ("", "Enter at least one note"),
    ("  \n \n", "Enter at least one note"),
    ("Fine\n---\n", "Line 2 has no words in it."),
    ("Buses (x0)", "Line 1: the number of people must be from 1 to 100,000."),
])
def test_bad_notes_are_refused(officer_client, event, notes, message):
    response = post(officer_client, event_url(event, "/notes"), {"notes": notes})
    assert response.status_code == 400
    assert message in unescape(text_of(response))
    assert FeedbackItem.query.count() == 0


def test_notes_page_lists_the_sections(officer_client, event):
    page = unescape(text_of(officer_client.get(event_url(event, "/notes"))))
    assert "S2: Carers" in page and "S3: Transport" in page


# Editing, splitting and merging -------------------------------------------------------------------

def items_form(items, **changes):
    """The bulk edit form as the browser would send it, with changes by (item, field)."""
    data = {}
    for item in items:
        data[f"item-{item.id}-text"] = item.text
        data[f"item-{item.id}-section"] = str(item.section_id or "")
        data[f"item-{item.id}-speaks_for"] = str(item.speaks_for)
    data.update(changes)
    return data


def test_bulk_save_changes_text_section_and_count(officer_client, consultation, event, officer):
    first, second, third = add_items(event, "Buses stop at six", "Respite booked up", "Unchanged")
    carers = section(consultation, "2")
    data = items_form([first, second, third], **{
        f"item-{first.id}-text": "Buses stop at six in the evening",
        f"item-{second.id}-section": str(carers.id),
        f"item-{second.id}-speaks_for": "9",
    })
    response = post(officer_client, event_url(event, "/items"), data)
    assert response.status_code == 302
    assert items_of(event) == [("Buses stop at six in the evening", None, 1), ("Respite booked up", "2", 9),
                               ("Unchanged", None, 1)]
    revision = FeedbackItemRevision.query.one()
    assert (revision.item_id, revision.action, revision.before_text, revision.after_text, revision.changed_by_id) \
        == (first.id, "edit", "Buses stop at six", "Buses stop at six in the evening", officer.id)
    changes = AuditEvent.query.filter_by(action="feedback_item.changed").order_by(AuditEvent.id).all()
    assert [c.object_id for c in changes] == [first.id, second.id]
    assert changes[1].detail["section"] == ["", "2. Carers"]
    assert changes[1].detail["speaks_for"] == [1, 9]
    assert "2 notes saved." in text_of(officer_client.get(response.headers["Location"]))

    history = unescape(text_of(officer_client.get(event_url(event, f"/items/{second.id}"))))
    assert "Section changed" in history and "2. Carers" in history and "Number of people changed" in history


@pytest.mark.parametrize("field,value,message", [
    ("text", "   ", "Note 2: enter the text of the note"),
    ("speaks_for", "0", "Note 2: speaks for must be a whole number from 1 to 100,000"),
    ("speaks_for", "abc", "Note 2: speaks for must be a whole number from 1 to 100,000"),
    ("speaks_for", "", "Note 2: speaks for must be a whole number from 1 to 100,000"),
    ("section", "999999", "Note 2: select a section from the list"),
])
def test_bulk_save_errors_are_shown_by_the_row_and_nothing_is_saved(officer_client, event, field, value, message):
    first, second = add_items(event, "Buses stop at six", "Respite booked up")
    data = items_form([first, second], **{f"item-{first.id}-text": "Changed too",
                                         f"item-{second.id}-{field}": value})
    response = post(officer_client, event_url(event, "/items"), data)
    page = text_of(response)
    assert response.status_code == 400
    assert message in page
    assert f'href="#item-{second.id}-{field}"' in page
    assert "Changed too" in page  # the other row keeps what was typed
    assert items_of(event) == [("Buses stop at six", None, 1), ("Respite booked up", None, 1)]
    assert FeedbackItemRevision.query.count() == 0


def test_merge_ticked_notes_into_the_first(officer_client, consultation, event, officer):
    first, second, third = add_items(event, "Buses stop at six", "Respite booked up", "so evening clubs are missed")
    third.speaks_for = 4
    third.section_id = section(consultation, "3").id
    db.session.commit()
    first_id, third_id = first.id, third.id
    data = items_form([first, second, third], action="merge", selected=[str(third_id), str(first_id)])
    response = post(officer_client, event_url(event, "/items"), data)
    assert response.status_code == 302
    assert items_of(event) == [("Buses stop at six so evening clubs are missed", "3", 4),
                               ("Respite booked up", None, 1)]
    assert db.session.get(FeedbackItem, third_id) is None
    revision = FeedbackItemRevision.query.one()
    assert (revision.item_id, revision.action, revision.before_text) == (first_id, "merge", "Buses stop at six")
    audit = AuditEvent.query.filter_by(action="feedback_item.merged").one()
    assert audit.object_id == first_id
    assert audit.detail["merged"] == [{"id": third_id, "text": "so evening clubs are missed", "speaks_for": 4}]
    history = text_of(officer_client.get(event_url(event, f"/items/{first_id}")))
    assert "Merged" in history and "Buses stop at six so evening clubs are missed" in history


def test_merging_keeps_the_themes_of_every_note(officer_client, consultation, event):
    from engage.models import Tag, Theme

    first, second = add_items(event, "Buses stop at six", "Evening clubs are missed")
    transport, carers = Theme(consultation_id=consultation.id, name="Transport"), \
        Theme(consultation_id=consultation.id, name="Carers")
    db.session.add_all([transport, carers, Tag(item=first, theme=transport), Tag(item=second, theme=transport),
                        Tag(item=second, theme=carers)])
    db.session.commit()
    first_id = first.id
    data = items_form([first, second], action="merge", selected=[str(first.id), str(second.id)])
    assert post(officer_client, event_url(event, "/items"), data).status_code == 302
    db.session.expire_all()
    assert sorted(tag.theme.name for tag in db.session.get(FeedbackItem, first_id).tags) == ["Carers", "Transport"]
    assert Tag.query.count() == 2


def test_merging_needs_two_notes(officer_client, event):
    first, second = add_items(event, "One", "Two")
    data = items_form([first, second], action="merge", selected=[str(first.id)])
    response = post(officer_client, event_url(event, "/items"), data)
    assert response.status_code == 400
    assert "Select at least two notes to merge" in text_of(response)
    assert 'href="#merge"' in text_of(response)
    assert len(items_of(event)) == 2


def test_merging_ignores_another_events_notes(officer_client, consultation, event):
    first, second = add_items(event, "One", "Two")
    other = make_event(consultation, title="Other")
    (foreign,) = add_items(other, "Elsewhere")
    data = items_form([first, second], action="merge", selected=[str(first.id), str(foreign.id)])
    response = post(officer_client, event_url(event, "/items"), data)
    assert response.status_code == 400
    assert db.session.get(FeedbackItem, foreign.id).text == "Elsewhere"


def test_split_a_note(officer_client, consultation, event, officer):
    first, second = add_items(event, "Buses stop at six. Respite is booked up.", "Last")
    first.section_id = section(consultation, "3").id
    first.speaks_for = 5
    db.session.commit()
    page = text_of(officer_client.get(event_url(event, f"/items/{first.id}/split")))
    assert "Buses stop at six. Respite is booked up." in page
    response = post(officer_client, event_url(event, f"/items/{first.id}/split"),
                    {"text": "Buses stop at six.\r\n\r\nRespite is booked up.\r\n"})
    assert response.status_code == 302
    assert items_of(event) == [("Buses stop at six.", "3", 5), ("Respite is booked up.", "3", 5), ("Last", None, 1)]
    revisions = FeedbackItemRevision.query.order_by(FeedbackItemRevision.id).all()
    assert [(r.action, r.before_text, r.after_text) for r in revisions] == [
        ("split", "Buses stop at six. Respite is booked up.", "Buses stop at six."),
        ("split", "Buses stop at six. Respite is booked up.", "Respite is booked up."),
    ]
    assert {r.changed_by_id for r in revisions} == {officer.id}
    assert AuditEvent.query.filter_by(action="feedback_item.split").one().object_id == first.id


def test_a_split_needs_a_blank_line(officer_client, event):
    (item,) = add_items(event, "One point only")
    response = post(officer_client, event_url(event, f"/items/{item.id}/split"), {"text": "One point\nonly"})
    assert response.status_code == 400
    assert "Put a blank line between the parts" in text_of(response)
    assert items_of(event) == [("One point only", None, 1)]


def test_edit_one_note_and_see_its_history(officer_client, consultation, event, officer):
    (item,) = add_items(event, "Buses stop at six")
    response = post(officer_client, event_url(event, f"/items/{item.id}/edit"),
                    {"text": "Buses stop at 6pm", "section_id": str(section(consultation, "3").id),
                     "speaks_for": "2"})
    assert response.status_code == 302
    assert items_of(event) == [("Buses stop at 6pm", "3", 2)]
    page = text_of(officer_client.get(response.headers["Location"]))
    assert "Text edited" in page and "Buses stop at six" in page and "Buses stop at 6pm" in page
    assert officer.name in page
    response = post(officer_client, event_url(event, f"/items/{item.id}/edit"),
                    {"text": "", "section_id": "", "speaks_for": "nine"})
    assert response.status_code == 400
    page = text_of(response)
    assert "Enter the text of the note" in page
    assert "Number of people must be a whole number from 1 to 100,000" in page
    assert 'value="nine"' in page


def test_a_note_from_an_older_draft_keeps_its_section(officer_client, consultation, event):
    from engage.consultations import services as consultation_services
    from tests.factories import DRAFT_MARKDOWN

    (item,) = add_items(event, "About carers")
    old_section = section(consultation, "2")
    item.section_id = old_section.id
    db.session.commit()
    consultation_services.add_plan_version(consultation, "Second draft", DRAFT_MARKDOWN)
    db.session.commit()
    page = text_of(officer_client.get(event_url(event, "/items")))
    assert f'<option value="{old_section.id}" selected>2. Carers (Version 1: First draft)</option>' in page
    response = post(officer_client, event_url(event, "/items"), items_form([item]))
    assert response.status_code == 302
    assert db.session.get(FeedbackItem, item.id).section_id == old_section.id


# Importing notes from files ----------------------------------------------------------------------

def upload(client, event, filename, data):
    """Upload a file to the import page."""
    return client.post(event_url(event, "/notes/import"),
                       data={"upload": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def confirm(client, event, preview_page, untick=()):
    """Press "Add these notes" on a preview, with some rows unticked."""
    lines = [unescape(v) for v in re.findall(r'name="line" value="([^"]*)"', preview_page)]
    numbers = re.findall(r'name="number" value="([^"]*)"', preview_page)
    label = re.search(r'name="label" value="([^"]*)"', preview_page).group(1)
    filename = unescape(re.search(r'name="filename" value="([^"]*)"', preview_page).group(1))
    data = MultiDict([("confirm", "1"), ("label", label), ("filename", filename)]
                     + [("line", line) for line in lines] + [("number", n) for n in numbers]
                     + [("include", str(i)) for i in range(len(lines)) if i not in untick])
    return client.post(event_url(event, "/notes/import"), data=data)


def word_document():
    document = docx.Document()
    document.add_heading("Table 2 notes", level=1)
    document.add_paragraph("S2: Respite is booked up months ahead (x7)")
    document.add_paragraph("Buses stop at six", style="List Bullet")
    document.add_paragraph("")
    document.add_paragraph("Nobody knew about the carers centre", style="List Number")
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "S3: Community transport is hard to book"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_import_a_word_document(officer_client, event, officer):
    response = upload(officer_client, event, "notes.docx", word_document())
    page = text_of(response)
    assert response.status_code == 200
    assert "Check the notes from notes.docx" in page
    assert "5 notes found" in page
    assert 'id="notes-preview"' in page and "app-table-wrapper" in page
    assert FeedbackItem.query.count() == 0  # nothing saved until confirmed
    response = confirm(officer_client, event, page, untick={0})  # not the heading
    assert response.status_code == 302
    assert items_of(event) == [
        ("Respite is booked up months ahead", "2", 7),
        ("Buses stop at six", None, 1),
        ("Nobody knew about the carers centre", None, 1),
        ("Community transport is hard to book", "3", 1),
    ]
    audit = AuditEvent.query.filter_by(action="event.notes_added").one()
    assert audit.detail["source"] == "file" and audit.detail["filename"] == "notes.docx"
    assert "4 notes added from notes.docx." in text_of(officer_client.get(response.headers["Location"]))


def test_import_a_windows_text_file(officer_client, event):
    text = "“Respite” costs £20 a day (x3)\r\n- S1: It’s too vague\r\n"
    response = upload(officer_client, event, "notes.txt", text.encode("cp1252"))
    assert response.status_code == 200
    assert "Line" in text_of(response)
    confirm(officer_client, event, text_of(response))
    assert items_of(event) == [("“Respite” costs £20 a day", None, 3), ("It’s too vague", "1", 1)]


def test_import_a_utf8_text_file_with_a_byte_order_mark(officer_client, event):
    response = upload(officer_client, event, "notes.txt", "\ufeffCafé closed (x2)\n".encode("utf-8"))
    confirm(officer_client, event, text_of(response))
    assert items_of(event) == [("Café closed", None, 2)]


def test_import_a_csv_file(officer_client, event):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([["Note", "Section", "Speaks for"], ["Buses stop at six", "3", "12"],
                      ["", "", ""], ["Respite, booked up", "S2", ""], ["Vague vision (x4)", "", ""]])
    response = upload(officer_client, event, "notes.csv", buffer.getvalue().encode("utf-8"))
    page = text_of(response)
    assert response.status_code == 200
    assert ">Row</th>" in page
    confirm(officer_client, event, page)
    assert items_of(event) == [("Buses stop at six", "3", 12), ("Respite, booked up", "2", 1),
                               ("Vague vision", None, 4)]


def workbook_bytes(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_a_spreadsheet(officer_client, event):
    data = workbook_bytes([["What people said", "Speaks for", "Section"], ["Buses stop at six", 12, 3],
                           [None, None, None], ["Respite booked up", None, "2"], ["Day centre", 2.0, None]])
    response = upload(officer_client, event, "notes.xlsx", data)
    page = text_of(response)
    assert response.status_code == 200
    assert "3. Transport" in page
    confirm(officer_client, event, page)
    assert items_of(event) == [("Buses stop at six", "3", 12), ("Respite booked up", "2", 1), ("Day centre", None, 2)]


def test_a_bad_row_in_a_spreadsheet_names_the_row(officer_client, event):
    data = workbook_bytes([["Note", "Speaks for"], ["Fine", 2], ["Buses", "abc"]])
    response = upload(officer_client, event, "notes.xlsx", data)
    assert response.status_code == 400
    assert "Row 3: speaks for must be a whole number from 1 to 100,000." in text_of(response)


@pytest.mark.parametrize("filename,data,message", [
    ("notes.xlsx", b"Buses stop at six\n", "The selected file is not an Excel workbook (.xlsx)"),
    ("notes.docx", b"Buses stop at six\n", "The selected file is not a Word document (.docx)"),
    ("notes.txt", b"", "The selected file is empty"),
    ("notes.docx", b"", "The selected file is empty"),
    ("notes.txt", b"\n  \n", "The selected file has no notes in it"),
    ("notes.pdf", b"%PDF-1.4", "The selected file must be a Word document (.docx), a text file (.txt) or a "
                               "spreadsheet (.csv or .xlsx)"),
    ("notes.txt", b"%PDF-1.4 binary", "The selected file is not a text file"),
    ("notes.txt", b"S9: no such section\n", "Line 1: there is no section 9 in the latest draft of the plan."),
])
def test_bad_files_are_refused_by_the_field(officer_client, event, filename, data, message):
    response = upload(officer_client, event, filename, data)
    page = text_of(response)
    assert response.status_code == 400
    assert message in unescape(page)
    assert 'href="#upload"' in page
    assert FeedbackItem.query.count() == 0


def test_a_word_document_renamed_xlsx_is_refused(officer_client, event):
    response = upload(officer_client, event, "notes.xlsx", word_document())
    assert response.status_code == 400
    assert "not an Excel workbook" in text_of(response)


def test_files_over_10_mb_are_refused(officer_client, event):
    response = upload(officer_client, event, "notes.txt", b"Buses stop at six\n" * (600 * 1024))
    assert response.status_code == 400
    assert "The selected file must be smaller than 10 MB" in text_of(response)


def test_no_file_chosen(officer_client, event):
    response = officer_client.post(event_url(event, "/notes/import"), data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Select a file of notes" in text_of(response)


def test_confirming_with_nothing_ticked_saves_nothing(officer_client, event):
    page = text_of(upload(officer_client, event, "notes.txt", b"One\nTwo\n"))
    response = confirm(officer_client, event, page, untick={0, 1})
    assert response.status_code == 400
    assert "Select at least one note to add." in text_of(response)
    assert "Two" in text_of(response)
    assert FeedbackItem.query.count() == 0


def test_tampered_preview_lines_are_checked_again(officer_client, event):
    data = MultiDict([("confirm", "1"), ("label", "Line"), ("filename", "x.txt"), ("line", "S9: nowhere"),
                      ("number", "1"), ("include", "0")])
    response = officer_client.post(event_url(event, "/notes/import"), data=data)
    assert response.status_code == 400
    assert "Line 1: there is no section 9" in text_of(response)
    assert FeedbackItem.query.count() == 0


# Who may do what ---------------------------------------------------------------------------------

@pytest.fixture
def other(app, officer):
    """Another consultation, with an event and a note of its own."""
    consultation = make_consultation(title="Other plan", user=officer, status="open")
    event = make_event(consultation, title="Their workshop")
    (item,) = add_items(event, "Their note")
    return consultation, event, item


def test_another_consultations_event_or_item_is_not_found(officer_client, consultation, event, other):
    _, their_event, their_item = other
    (our_item,) = add_items(event, "Our note")
    for suffix in ("", "/edit", "/notes", "/notes/import", "/items"):
        url = f"/staff/consultations/{consultation.id}/events/{their_event.id}{suffix}"
        assert officer_client.get(url).status_code == 404, url
    for suffix in ("", "/edit", "/split"):
        assert officer_client.get(event_url(event, f"/items/{their_item.id}{suffix}")).status_code == 404
    # An item of this consultation but another event is not found under this event either.
    second = make_event(consultation, title="Second")
    assert officer_client.get(event_url(second, f"/items/{our_item.id}")).status_code == 404
    assert post(officer_client, f"/staff/consultations/{consultation.id}/events/{their_event.id}/notes",
                {"notes": "Sneaky"}).status_code == 404
    assert FeedbackItem.query.filter_by(text="Sneaky").count() == 0


def test_a_facilitator_records_only_in_their_own_consultation(app, consultation, event, facilitator, other):
    theirs, their_event, _ = other
    client = app.test_client()
    login(client, facilitator)
    assert client.get(events_url(consultation)).status_code == 200
    response = post(client, event_url(event, "/notes"), {"notes": "S2: Respite (x2)"})
    assert response.status_code == 302
    assert items_of(event) == [("Respite", "2", 2)]
    response = post(client, events_url(consultation, "/new"), event_form(consultation, facilitator))
    assert response.status_code == 302
    for url in (events_url(theirs), event_url(their_event), events_url(theirs, "/new"),
                event_url(their_event, "/notes")):
        assert client.get(url).status_code == 403, url
    assert post(client, event_url(their_event, "/notes"), {"notes": "Sneaky"}).status_code == 403
    assert FeedbackItem.query.filter_by(text="Sneaky").count() == 0


def test_a_reviewer_reads_but_does_not_record(app, consultation, event):
    reviewer = make_user("reviewer")
    db.session.add(Membership(user=reviewer, consultation=consultation, role="reviewer"))
    db.session.commit()
    (item,) = add_items(event, "A note")
    client = app.test_client()
    login(client, reviewer)
    page = text_of(client.get(event_url(event)))
    assert "A note" in page
    assert "Add notes" not in page and "Edit event" not in page
    assert client.get(event_url(event, f"/items/{item.id}")).status_code == 200
    assert post(client, event_url(event, "/notes"), {"notes": "Sneaky"}).status_code == 403
    assert post(client, event_url(event, "/items"), items_form([item], **{f"item-{item.id}-text": "Changed"})
                ).status_code == 403
    assert items_of(event) == [("A note", None, 1)]


# The public page --------------------------------------------------------------------------------

def test_public_upcoming_events_are_shown_to_the_public(app, officer_client, consultation):
    upcoming = (utcnow() + timedelta(days=10)).date()
    date = [str(upcoming.day), str(upcoming.month), str(upcoming.year)]
    post(officer_client, events_url(consultation, "/new"),
         event_form(consultation, title="Open drop-in", date=date, venue="Library"))
    post(officer_client, events_url(consultation, "/new"),
         event_form(consultation, title="Private focus group", date=date, is_public=""))
    past = (utcnow() - timedelta(days=10)).date()
    post(officer_client, events_url(consultation, "/new"),
         event_form(consultation, title="Last month's meeting", date=[str(past.day), str(past.month), str(past.year)]))
    assert EngagementEvent.query.count() == 3
    page = unescape(text_of(app.test_client().get(f"/consultations/{consultation.slug}")))
    assert "At an event" in page
    assert "Open drop-in" in page and "Library" in page and "North" in page
    assert "Private focus group" not in page
    assert "Last month's meeting" not in page


# Escaping ---------------------------------------------------------------------------------------

def test_what_people_typed_is_escaped(app, officer_client, consultation):
    data = event_form(consultation, title=PAYLOAD, venue=PAYLOAD, facilitator_names=PAYLOAD,
                      hard_to_reach_notes=PAYLOAD, notes=PAYLOAD,
                      date=[str((utcnow() + timedelta(days=3)).day), str((utcnow() + timedelta(days=3)).month),
                            str((utcnow() + timedelta(days=3)).year)])
    assert post(officer_client, events_url(consultation, "/new"), data).status_code == 302
    event = EngagementEvent.query.one()
    post(officer_client, event_url(event, "/notes"), {"notes": f"S2: {PAYLOAD} (x2)"})
    item = FeedbackItem.query.one()
    post(officer_client, event_url(event, f"/items/{item.id}/edit"),
         {"text": PAYLOAD + " edited", "section_id": "", "speaks_for": "2"})
    preview = text_of(upload(officer_client, event, "notes.txt", PAYLOAD.encode()))
    pages = [preview] + [text_of(officer_client.get(url)) for url in (
        events_url(consultation), event_url(event), event_url(event, "/edit"), event_url(event, "/items"),
        event_url(event, f"/items/{item.id}"), event_url(event, f"/items/{item.id}/split"),
    )] + [text_of(app.test_client().get(f"/consultations/{consultation.slug}"))]
    bad = post(officer_client, event_url(event, "/notes"), {"notes": f"S9: {PAYLOAD}"})
    pages.append(text_of(bad))
    for page in pages:
        assert "<script>alert" not in page
        assert "&lt;script&gt;" in page
