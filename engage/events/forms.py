"""Forms: an engagement event, notes typed or uploaded, and editing the notes (feedback items)."""
import re
from datetime import datetime, time

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovCheckboxInput, GovFileInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from engage.events.files import MAX_NOTES_FILE_BYTES, NotesFileError, read_notes_file
from engage.events.notes import (
    MAX_NOTE_CHARS, MAX_SPEAKS_FOR, NoteError, check_sections, parse_notes, split_parts,
)
from engage.forms_common import DayMonthYearField, max_chars
from engage.models.event import EVENT_FORMATS, EVENT_KIND_LABELS, EVENT_KINDS

MAX_ATTENDANCE = 100_000
FORMAT_LABELS = {
    "easy_read": "Easy read",
    "bsl": "British Sign Language (BSL)",
    "interpreter": "Interpreter",
    "advocacy": "Advocacy",
    "hearing_loop": "Hearing loop",
    "large_print": "Large print",
}
_TIME = re.compile(r"(\d{1,2})(?:\s*[:.]?\s*(\d{2}))?\s*(?:([ap])\.?\s*m\.?)?", re.IGNORECASE)
_WHOLE_NUMBER = re.compile(r"[0-9]+")


def parse_time(typed):
    """A time of day from "14:30", "14.30", "1430", "2:30pm" or "2pm"; None if it is not one."""
    match = _TIME.fullmatch((typed or "").strip())
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if match.group(2) is None and not half:
        return None  # "14" alone could be a typo for anything
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class TimeField(StringField):
    """A time of day typed as text ("14:30"), keeping what was typed when it is wrong."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, invalid_message="Enter a real time, like 14:30", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        typed = (valuelist[0] or "").strip()
        self.raw_data = [typed]
        if not typed:
            self.data = None
            return
        self.data = parse_time(typed)
        if self.data is None:
            raise ValueError(self.invalid_message)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""


class WholeNumberField(StringField):
    """A whole number in a range, typed as text; blank means `blank`. Keeps what was typed."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, minimum=0, maximum=MAX_ATTENDANCE, blank=0,
                 message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.blank = minimum, maximum, blank
        self.message = message or (f"{label} must be a whole number from {minimum:,} to {maximum:,}")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        # People write 1,000 or 1 000; both mean a thousand.
        typed = re.sub(r"[\s,]", "", valuelist[0] or "")
        if not typed:
            self.data = self.blank
        elif _WHOLE_NUMBER.fullmatch(typed) and len(typed) <= 9 and self.minimum <= int(typed) <= self.maximum:
            self.data = int(typed)
        else:
            self.data = None
            raise ValueError(self.message)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data in (None, 0) and self.blank == 0 else str(self.data)


class EventForm(FlaskForm):
    """An engagement event: what, when, where, who ran it, who came, and what support was offered."""

    kind = RadioField("Type of event", widget=GovRadioInput(),
                      choices=[SelectChoice(kind, EVENT_KIND_LABELS[kind]) for kind in EVENT_KINDS],
                      validators=[InputRequired(message="Select the type of event")],
                      invalid_choice_message="Select the type of event from the list")
    title = StringField("Title", widget=GovTextInput(),
                        description="For example, Carers’ workshop in Musselburgh.",
                        validators=[DataRequired(message="Enter a title for the event"), max_chars(250, "Title")])
    date = DayMonthYearField("Date", description="For example, 27 3 2026",
                             invalid_message="Date must be a real date",
                             validators=[InputRequired(message="Enter the date of the event")])
    start_time = TimeField("Start time", description="For example, 14:30 or 2:30pm",
                           invalid_message="Start time must be a real time, like 14:30",
                           validators=[InputRequired(message="Enter the start time")])
    end_time = TimeField("End time (optional)", description="For example, 16:00",
                         invalid_message="End time must be a real time, like 16:00", validators=[Optional()])
    venue = StringField("Venue (optional)", widget=GovTextInput(),
                        description="For example, Brunton Hall, or Online (Microsoft Teams).",
                        validators=[Optional(), max_chars(300, "Venue")])
    locality_id = SelectField("Locality", widget=GovSelect(), choices=[], default="",
                              invalid_choice_message="Select a locality from the list")
    facilitator_ids = SelectMultipleField(
        "Facilitators (optional)", widget=GovCheckboxesInput(), choices=[], coerce=str,
        description="People who are facilitators of this consultation.",
        invalid_choice_message="Select facilitators from the list")
    facilitator_names = StringField(
        "Other facilitators (optional)", widget=GovTextInput(),
        description="Names of anyone else who ran the event, separated by commas.",
        validators=[Optional(), max_chars(300, "Other facilitators")])
    formats = SelectMultipleField(
        "Formats and support offered (optional)", widget=GovCheckboxesInput(), coerce=str,
        choices=[SelectChoice(code, FORMAT_LABELS[code]) for code in EVENT_FORMATS],
        invalid_choice_message="Select formats from the list")
    hard_to_reach_notes = TextAreaField(
        "Who was hard to reach (optional)", widget=GovTextArea(),
        description="Groups you hoped to hear from but did not, and what you did about it.",
        validators=[Optional(), max_chars(5000, "Who was hard to reach")])
    notes = TextAreaField(
        "Notes about how the event went (optional)", widget=GovTextArea(),
        description="For officers only. Put what people said in the event’s notes, not here.",
        validators=[Optional(), max_chars(10000, "Notes about how the event went")])
    is_public = BooleanField("Show this event on the public consultation page", widget=GovCheckboxInput(),
                             description="Upcoming events are listed with their date, time, venue and locality.")
    submit = SubmitField("Save event", widget=GovSubmitInput())

    group_fields = ()

    @classmethod
    def for_consultation(cls, consultation, facilitators, event=None):
        """The form with an attendance box per stakeholder group, filled from event when editing."""
        fields, group_fields = {}, []
        counts = {row.group_id: row.count for row in event.attendance} if event else {}
        for group in consultation.stakeholder_groups:
            name = f"attendance-{group.id}"
            fields[name] = WholeNumberField(
                group.name, default=counts.get(group.id, 0),
                message=f"Attendance for {group.name} must be a whole number from 0 to {MAX_ATTENDANCE:,}")
            group_fields.append((name, group))
        form_class = type("ConsultationEventForm", (cls,), {**fields, "group_fields": tuple(group_fields)})
        form = form_class(obj=event) if event else form_class()
        form.locality_id.choices = [SelectChoice("", "Not in one locality")] + [
            SelectChoice(str(locality.id), locality.name) for locality in consultation.localities]
        form.facilitator_ids.choices = [
            SelectChoice(str(user.id), user.name or user.email) for user in facilitators]
        if event and not form.is_submitted():
            form.date.data = event.starts_at.date()
            form.start_time.data = event.starts_at.time()
            form.end_time.data = event.ends_at.time() if event.ends_at else None
            form.locality_id.data = str(event.locality_id) if event.locality_id else ""
            form.facilitator_ids.data = [str(user.id) for user in event.facilitators]
            form.formats.data = list(event.formats or [])
        return form

    def validate_end_time(self, field):
        """An event cannot end before it starts."""
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError("End time must be after the start time")

    @property
    def starts_at(self):
        """The date and start time together (call after validate())."""
        return datetime.combine(self.date.data, self.start_time.data)

    @property
    def ends_at(self):
        """The date and end time together, or None."""
        return datetime.combine(self.date.data, self.end_time.data) if self.end_time.data else None

    def attendance(self):
        """{stakeholder group id: number of people}."""
        return {group.id: self[name].data or 0 for name, group in self.group_fields}


class _SectionCheckMixin:
    """Notes name sections by number; the numbers must be in the latest draft."""

    section_numbers = ()
    label = "Line"

    def check_notes(self, notes, label):
        """Raise NoteError for notes about sections that do not exist."""
        check_sections(notes, self.section_numbers, label=label)


class NotesForm(_SectionCheckMixin, FlaskForm):
    """Notes typed or pasted: one note per line."""

    notes = TextAreaField(
        "Notes", widget=GovTextArea(),
        validators=[DataRequired(message="Enter at least one note"), max_chars(500_000, "Notes")])
    submit = SubmitField("Add notes", widget=GovSubmitInput())

    parsed = ()  # set by validate_notes

    def __init__(self, *args, section_numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.section_numbers = tuple(section_numbers)

    def validate_notes(self, field):
        """Each line must read as a note, about a section that exists."""
        try:
            notes = parse_notes(field.data)
            self.check_notes(notes, "Line")
        except NoteError as problem:
            raise ValidationError(str(problem)) from None
        if not notes:
            raise ValidationError("Enter at least one note")
        self.parsed = notes


class ImportNotesForm(_SectionCheckMixin, FlaskForm):
    """A file of notes to preview before adding."""

    upload = FileField(
        "Upload a file of notes", widget=GovFileInput(),
        description="A Word document (.docx), a text file (.txt) or a spreadsheet (.csv or .xlsx), up to "
                    f"{MAX_NOTES_FILE_BYTES // (1024 * 1024)} MB.")
    submit = SubmitField("Preview notes", widget=GovSubmitInput())

    notes_file = None  # set by validate_upload

    def __init__(self, *args, section_numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.section_numbers = tuple(section_numbers)

    def validate_upload(self, field):
        """The file must really be one of the formats, not too large, and every note in it readable."""
        storage = field.data
        if not storage or not getattr(storage, "filename", ""):
            raise ValidationError("Select a file of notes")
        data = storage.read(MAX_NOTES_FILE_BYTES + 1)
        try:
            notes_file = read_notes_file(storage.filename, data)
            self.check_notes(notes_file.notes, notes_file.label)
        except (NotesFileError, NoteError) as problem:
            raise ValidationError(str(problem)) from None
        self.notes_file = notes_file


class SpeaksForField(WholeNumberField):
    """How many people a note speaks for: 1 to MAX_SPEAKS_FOR."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("minimum", 1)
        kwargs.setdefault("maximum", MAX_SPEAKS_FOR)
        kwargs.setdefault("blank", None)
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        if self.data is None and not self.process_errors:
            raise ValidationError(self.message)


def _section_choices(sections, current=None):
    """"No section" and the sections of the latest draft (plus the item's own, if from an older draft)."""
    choices = [SelectChoice("", "No section")]
    ids = set()
    for section in sections:
        choices.append(SelectChoice(str(section.id), section.title))
        ids.add(section.id)
    if current is not None and current.id not in ids:
        choices.append(SelectChoice(str(current.id), f"{current.title} ({current.version.display_name})"))
    return choices


class ItemsForm(FlaskForm):
    """Every note of an event in one form: text, section and speaks for, plus notes to merge."""

    rows = ()

    @classmethod
    def for_items(cls, items, sections):
        """Three fields per feedback item, filled with today's values; rows are (item, number, names)."""
        fields, rows = {}, []
        for number, item in enumerate(items, start=1):
            names = {part: f"item-{item.id}-{part}" for part in ("text", "section", "speaks_for")}
            fields[names["text"]] = TextAreaField(
                f"Text of note {number}", widget=GovTextArea(), default=item.text,
                validators=[DataRequired(message=f"Note {number}: enter the text of the note"),
                            max_chars(MAX_NOTE_CHARS, f"Note {number}")])
            fields[names["section"]] = SelectField(
                f"Section for note {number}", widget=GovSelect(), default=str(item.section_id or ""),
                choices=_section_choices(sections, item.section),
                # bandit B608: reviewed, a message, not SQL
                invalid_choice_message=f"Note {number}: select a section from the list")  # nosec B608
            fields[names["speaks_for"]] = SpeaksForField(
                f"Number of people for note {number}", default=item.speaks_for,
                message=f"Note {number}: speaks for must be a whole number from 1 to {MAX_SPEAKS_FOR:,}")
            rows.append((item, number, names))
        form_class = type("EventItemsForm", (cls,), {**fields, "rows": tuple(rows)})
        return form_class()

    def changes(self):
        """[(item, text, section id or None, speaks for)] for every row (call after validate())."""
        result = []
        for item, _, names in self.rows:
            section = self[names["section"]].data
            result.append((item, self[names["text"]].data, int(section) if section else None,
                           self[names["speaks_for"]].data))
        return result


class ItemForm(FlaskForm):
    """One note: its text, section and how many people it speaks for."""

    text = TextAreaField("Text of the note", widget=GovTextArea(),
                         validators=[DataRequired(message="Enter the text of the note"),
                                     max_chars(MAX_NOTE_CHARS, "The note")])
    section_id = SelectField("Section of the plan", widget=GovSelect(), choices=[], default="",
                             invalid_choice_message="Select a section from the list")
    speaks_for = SpeaksForField("Number of people this note speaks for",
                                message=f"Number of people must be a whole number from 1 to {MAX_SPEAKS_FOR:,}")
    submit = SubmitField("Save note", widget=GovSubmitInput())

    def __init__(self, *args, sections=(), item=None, **kwargs):
        super().__init__(*args, obj=item, **kwargs)
        self.section_id.choices = _section_choices(sections, item.section if item else None)
        if item is not None and not self.is_submitted():
            self.section_id.data = str(item.section_id or "")

    @property
    def section_choice(self):
        """The chosen section id, or None."""
        return int(self.section_id.data) if self.section_id.data else None


class SplitItemForm(FlaskForm):
    """A note's text with blank lines where it should be split."""

    text = TextAreaField(
        "Text of the note, split into parts", widget=GovTextArea(),
        description="Put a blank line between the parts. Each part becomes a note of its own, with the same "
                    "section and number of people. The first part stays in this note.",
        validators=[DataRequired(message="Enter the text of the note, with a blank line between the parts")])
    submit = SubmitField("Split the note", widget=GovSubmitInput())

    parts = ()  # set by validate_text

    def validate_text(self, field):
        """Two parts at least, none too long."""
        parts = split_parts(field.data)
        if len(parts) < 2:
            raise ValidationError("Put a blank line between the parts to split the note into two or more notes")
        for number, part in enumerate(parts, start=1):
            if len(part) > MAX_NOTE_CHARS:
                raise ValidationError(f"Part {number} must be {MAX_NOTE_CHARS:,} characters or fewer")
        self.parts = parts

