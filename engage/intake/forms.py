"""Forms for keying in responses. The online journey's forms supply the fields and rules;
these say them to an officer, and add how and when the response arrived."""
import re
from collections import OrderedDict
from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import (
    BooleanField, FieldList, Form, FormField, HiddenField, RadioField, SelectField, StringField, SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from engage.forms_common import DayMonthYearField, max_chars
from engage.intake.services import (
    KEYED_CHANNELS, LETTER_CHANNELS, LOCALITY_NOT_STATED, MAX_LETTER_CHARS, MAX_POINT_CHARS, MAX_POINTS,
    MAX_SPEAKS_FOR, Point, ResponseDetails, possible_checkers, split_into_points,
)
from engage.models.response import CHANNEL_LABELS
from engage.templating import format_date
from engage.public.forms import AboutYouForm, ConsentForm, EqualityForm, question_form_class

# What the respondent said about publication, in the officer's words (the stored values are the journey's).
CONSENT_CHOICES = [
    SelectChoice("publish_named", "They agreed to publication with their name, or their organisation’s name"),
    SelectChoice("publish_anonymous", "They agreed to publication without their name"),
    SelectChoice("do_not_publish", "Do not publish: they said no, or did not say"),
]
SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _set_validators(field, *validators):
    """Give one bound field its own rules (the class's are shared with the online journey)."""
    field.validators = list(validators)
    field.flags.required = any(isinstance(v, (InputRequired, DataRequired)) for v in validators)


class ResponseDetailsForm(AboutYouForm, ConsentForm):
    """How and when a response arrived, who sent it, and what they said about publication."""

    submit = None
    save_later = None
    # The page shows the fields in this order, and the error summary must list them in it.
    DETAILS_ORDER = ("channel", "received_on", "respondent_type", "organisation_name", "respondent_name",
                     "contact_email", "groups", "locality")
    AFTER_QUESTIONS = ("consent",)

    channel = RadioField("How did the response arrive?", widget=GovRadioInput(), choices=[],
                         validators=[InputRequired(message="Select how the response arrived")])
    received_on = DayMonthYearField(
        "Date received", description="For example, 27 3 2026. The date on the postmark or email, "
                                     "or the day it reached you.",
        invalid_message="Date received must be a real date",
        validators=[InputRequired(message="Enter the date the response was received")])
    contact_email = StringField(
        "Respondent’s email address (optional)", widget=GovTextInput(),
        description="Only if they gave one.",
        validators=[Optional(), Email(message="Enter an email address in the correct format, like "
                                              "name@example.org", check_deliverability=False),
                    max_chars(254, "Email address")])
    submission_key = HiddenField()

    def __init__(self, *args, consultation, channels=KEYED_CHANNELS, **kwargs):
        super().__init__(*args, consultation=consultation, **kwargs)
        self.channel.choices = [SelectChoice(c, CHANNEL_LABELS[c]) for c in channels]
        self.respondent_type.label.text = "Is the response from an individual or an organisation?"
        self.respondent_type.choices = [
            SelectChoice("individual", "An individual"),
            SelectChoice("organisation", "An organisation, or someone writing for one")]
        _set_validators(self.respondent_type, InputRequired(
            message="Select whether the response is from an individual or an organisation"))
        self.organisation_name.description = "Only if the response is from an organisation."
        # Letters and paper forms often do not say: record only what the response says.
        self.groups.label.text = "Stakeholder groups the response says the respondent belongs to"
        self.groups.description = "Select all that apply. Leave them all unticked if it does not say."
        _set_validators(self.groups, Optional())
        self.locality.label.text = "Where does the respondent live or work?"
        self.locality.choices = [SelectChoice(LOCALITY_NOT_STATED, "The response does not say")] + \
            list(self.locality.choices)
        _set_validators(self.locality, InputRequired(
            message="Select where the respondent lives or works, or that the response does not say"))
        self.consent.label.text = "What did the respondent say about publishing their response?"
        self.consent.description = ("Record what they said. If they did not say, choose "
                                    "“Do not publish”.")
        self.consent.choices = list(CONSENT_CHOICES)
        _set_validators(self.consent, InputRequired(
            message="Select what the respondent said about publishing their response"))
        self.respondent_name.label.text = "Respondent’s name (optional)"
        self.respondent_name.description = "As they gave it."
        if self.submission_key.data and not SUBMISSION_KEY.fullmatch(self.submission_key.data):
            self.submission_key.data = ""

    def put_in_page_order(self, question_names=()):
        """Order the fields as the page shows them, so that the error summary does too."""
        order = [*self.DETAILS_ORDER, *question_names, *self.AFTER_QUESTIONS]
        first = [name for name in order if name in self._fields]
        self._fields = OrderedDict([(name, self._fields[name]) for name in first] + [
            (name, field) for name, field in self._fields.items() if name not in first])

    def validate_received_on(self, field):
        """A response cannot arrive in the future."""
        if field.data and field.data > date.today():
            raise ValidationError("Date received must be today or in the past")

    def validate_respondent_name(self, field):
        """Publishing with a name needs a name (the respondent's or their organisation's)."""
        organisation = self.respondent_type.data == "organisation" and (self.organisation_name.data or "").strip()
        if self.consent.data == "publish_named" and not (field.data or "").strip() and not organisation:
            raise ValidationError("Enter the respondent’s name, or record that they agreed to publication "
                                  "without their name")

    def details(self):
        """The validated values as plain data for the services."""
        return ResponseDetails(
            channel=self.channel.data, received_on=self.received_on.data,
            respondent_type=self.respondent_type.data, organisation_name=self.organisation_name.data or "",
            groups=list(self.groups.data or []), locality_choice=self.locality.data,
            respondent_name=self.respondent_name.data or "", contact_email=self.contact_email.data or "",
            consent=self.consent.data)

    def fill_from(self, response):
        """Show a saved response's details (GET of the edit page)."""
        self.channel.data = response.channel
        self.received_on.data = response.received_on
        self.respondent_type.data = response.respondent_type
        self.organisation_name.data = response.organisation_name
        self.groups.data = [str(group.id) for group in response.groups]
        self.locality.data = str(response.locality_id) if response.locality_id else \
            (response.locality_other or LOCALITY_NOT_STATED)
        self.respondent_name.data = response.respondent_name
        self.contact_email.data = response.contact_email
        self.consent.data = response.consent

    def summary_rows(self):
        """(what, as typed or chosen) pairs for showing the details back before saving."""
        def chosen(field):
            return [option.label.text for option in field if option.checked]

        respondent = "; ".join(chosen(self.respondent_type))
        if self.respondent_type.data == "organisation" and (self.organisation_name.data or "").strip():
            respondent += f": {self.organisation_name.data.strip()}"
        return [
            ("How it arrived", "; ".join(chosen(self.channel))),
            ("Date received", format_date(self.received_on.data)),
            ("From", respondent),
            ("Respondent’s name", (self.respondent_name.data or "").strip() or "Not given"),
            ("Respondent’s email address", (self.contact_email.data or "").strip() or "Not given"),
            ("Stakeholder groups", "; ".join(chosen(self.groups)) or "Not stated"),
            ("Locality", "; ".join(chosen(self.locality))),
            ("Publication", "; ".join(chosen(self.consent))),
        ]

    @property
    def detail_fields(self):
        """The fields carried from the first step of a letter to the second, unseen."""
        return [self[name] for name in ("channel", "received_on", "respondent_type", "organisation_name",
                                        "groups", "locality", "respondent_name", "contact_email", "consent",
                                        "submission_key")]


class _QuestionsMixin:
    """The consultation's questions: the online journey's fields, optional for a keyed response."""

    questions = ()

    def relax_questions(self):
        """A paper form may have questions left blank; an answer still has the online length limit."""
        for question in self.questions:
            field = self[f"q{question.id}"]
            rules = [Optional()]
            if question.kind == "free_text":
                rules.append(Length(max=question.max_length, message=(
                    f"The answer to “{question.text}” must be {question.max_length:,} characters or fewer")))
            _set_validators(field, *rules)

    def answers(self):
        """{question: text or choices}, as the journey's save_answers takes them."""
        values = {}
        for question in self.questions:
            data = self[f"q{question.id}"].data
            if question.kind == "multiple_choice":
                values[question] = list(data or [])
            elif question.kind == "free_text":
                values[question] = data or ""
            else:
                values[question] = [data] if data else []
        return values

    def fill_answers(self, response):
        """Show a saved response's answers."""
        saved = {answer.question_id: answer for answer in response.answers}
        for question in self.questions:
            answer = saved.get(question.id)
            if answer is None:
                continue
            if question.kind == "free_text":
                self[f"q{question.id}"].data = answer.text
            elif question.kind == "multiple_choice":
                self[f"q{question.id}"].data = list(answer.choices)
            else:
                self[f"q{question.id}"].data = answer.choices[0] if answer.choices else None


class _KeyInBase(ResponseDetailsForm, EqualityForm):
    """Details, equality questions (if the paper form had them) and the second-person check."""

    skip = None
    AFTER_QUESTIONS = ("consent", *EqualityForm.FIELDS, "checked_by_second_person", "checker")
    checked_by_second_person = BooleanField(
        "A second person checked what was typed against the original as it was keyed in",
        widget=GovCheckboxInput())
    checker = SelectField("Who checked it?", widget=GovSelect(), choices=[], default="",
                          description="Someone other than you. They can also check it later, signed in "
                                      "as themselves.",
                          invalid_choice_message="Select who checked it from the list")

    def __init__(self, *args, consultation, officer, **kwargs):
        super().__init__(*args, consultation=consultation, **kwargs)
        self.officer = officer
        self.checkers = {str(user.id): user for user in possible_checkers(consultation, officer)}
        self.checker.choices = [SelectChoice("", "Nobody yet")] + [
            SelectChoice(user_id, user.name or user.email) for user_id, user in self.checkers.items()]

    def validate_checker(self, field):
        """A tick needs a named checker, and a named checker needs the tick."""
        if self.checked_by_second_person.data and not field.data:
            raise ValidationError("Select who checked it")
        if field.data and not self.checked_by_second_person.data:
            raise ValidationError("Tick the box if this person checked it, or select “Nobody yet”")

    @property
    def checked_by(self):
        """The member of staff who checked the typing, or None."""
        return self.checkers.get(self.checker.data) if self.checked_by_second_person.data else None

    @property
    def equality_answered(self):
        """Whether any equality question was answered (or has an error)."""
        return any(self[name].data or self[name].errors for name in self.FIELDS)


def key_in_form(consultation, officer):
    """The key-in form for a consultation: details, every question, equality, the check."""
    questions = list(consultation.questions)
    form_class = type("KeyInForm", (_KeyInBase, _QuestionsMixin, question_form_class(questions)), {
        "questions": questions,
        "submit": SubmitField("Save response", widget=GovSubmitInput()),
        "save_later": None,
    })
    form = form_class(consultation=consultation, officer=officer)
    form.relax_questions()
    return form


def edit_form(consultation):
    """The form for correcting a keyed questionnaire: details and every question."""
    questions = list(consultation.questions)
    form_class = type("KeyedEditForm", (ResponseDetailsForm, _QuestionsMixin, question_form_class(questions)), {
        "questions": questions,
        "submit": SubmitField("Save changes", widget=GovSubmitInput()),
        "save_later": None,
    })
    form = form_class(consultation=consultation)
    form.relax_questions()
    return form


# --- Letters and emails ------------------------------------------------------------

class PointForm(Form):
    """One point of a letter: its text, the section it is about, how many people it speaks for."""

    text = TextAreaField("Point", widget=GovTextArea())
    section = SelectField("Section of the plan", widget=GovSelect(), choices=[], default="",
                          invalid_choice_message="Select a section from the list")
    speaks_for = StringField("Speaks for", widget=GovTextInput(), default="1")
    item_id = HiddenField()

    @property
    def number(self):
        """1-based number of the point, from the field's name (points-0-text is point 1)."""
        match = re.search(r"-(\d+)-$", self._prefix)
        return int(match.group(1)) + 1 if match else 1

    def validate_text(self, field):
        """A point within the limit."""
        if len(field.data or "") > MAX_POINT_CHARS:
            raise ValidationError(f"Point {self.number} must be {MAX_POINT_CHARS:,} characters or fewer. "
                                  "Split it into shorter points.")

    def validate_speaks_for(self, field):
        """A whole number of people, at least one."""
        typed = re.sub(r"[\s,]", "", field.data or "")
        if not typed.isdigit() or not 1 <= int(typed) <= MAX_SPEAKS_FOR:
            raise ValidationError(f"Enter how many people point {self.number} speaks for, as a whole number "
                                  f"from 1 to {MAX_SPEAKS_FOR:,}")

    @property
    def speaks_for_number(self):
        """The number of people, once validated."""
        return int(re.sub(r"[\s,]", "", self.speaks_for.data))


class _PointsMixin:
    """A table of points with a section and a "speaks for" number each."""

    sections = {}
    latest_section_ids = frozenset()

    def set_section_choices(self, latest, older=()):
        """Sections of the latest draft (and any older ones the points already use)."""
        self.latest_section_ids = frozenset(section.id for section in latest)
        self.sections = {str(section.id): section for section in list(latest) + list(older)}
        self._refresh_section_choices()

    def _refresh_section_choices(self):
        choices = [SelectChoice("", "No particular section")] + [
            SelectChoice(section_id, section.title if section.id in self.latest_section_ids
                         else f"{section.title} ({section.version.display_name})")
            for section_id, section in self.sections.items()]
        for entry in self.points:
            entry.form.section.choices = choices

    def point_values(self):
        """The points as typed: dicts of text, section and speaks_for (strings)."""
        return [{"text": entry.form.text.data or "", "section": entry.form.section.data or "",
                 "speaks_for": entry.form.speaks_for.data or "", "item_id": entry.form.item_id.data or ""}
                for entry in self.points]

    def set_points(self, values):
        """Replace the table's points (after splitting or merging)."""
        self.points.entries = []
        self.points.last_index = -1
        for value in values[:MAX_POINTS]:
            self.points.append_entry(value)
        self._refresh_section_choices()

    def points_for_saving(self):
        """The validated points for the services (blank ones dropped)."""
        return [Point(text=entry.form.text.data or "", section=self.sections.get(entry.form.section.data or ""),
                      speaks_for=entry.form.speaks_for_number,
                      item_id=int(entry.form.item_id.data) if (entry.form.item_id.data or "").isdigit() else None)
                for entry in self.points if (entry.form.text.data or "").strip()]

    def _require_a_point(self):
        """At least one point must have text; the message goes by the first point."""
        if any((entry.form.text.data or "").strip() for entry in self.points):
            return True
        if not self.points.entries:
            self.points.append_entry({"text": "", "section": "", "speaks_for": "1"})
            self._refresh_section_choices()
        self.points.entries[0].form.text.errors = ["Enter the text of at least one point"]
        self.points.errors = [entry.errors for entry in self.points.entries]
        return False


class LetterForm(_PointsMixin, ResponseDetailsForm):
    """A pasted letter or email: details and text first, then its points."""

    text = TextAreaField(
        "Letter or email", widget=GovTextArea(),
        description="Paste the whole text, without the address and signature block if you can. "
                    "Engage proposes one point for each paragraph (text between blank lines); you can "
                    "then merge and edit the points.",
        validators=[max_chars(MAX_LETTER_CHARS, "The letter or email")])
    AFTER_QUESTIONS = ("consent", "text", "points")
    points = FieldList(FormField(PointForm), max_entries=MAX_POINTS)
    split = SubmitField("Continue", widget=GovSubmitInput())
    back = SubmitField("Change the details or text", widget=GovSubmitInput())
    save = SubmitField("Save response", widget=GovSubmitInput())

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, consultation=consultation, channels=LETTER_CHANNELS, **kwargs)
        self.channel.label.text = "Did it arrive by letter or by email?"
        latest = consultation.latest_version
        self.set_section_choices(latest.sections if latest else [])

    def validate_text(self, field):
        """The first step needs the text to split."""
        if not self.split.data:
            return
        if not (field.data or "").strip():
            raise ValidationError("Paste the text of the letter or email")
        paragraphs = len(split_into_points(field.data))
        if paragraphs > MAX_POINTS:
            raise ValidationError(f"The letter or email has {paragraphs:,} paragraphs. Engage proposes up to "
                                  f"{MAX_POINTS} points: remove some of the blank lines between paragraphs "
                                  "that belong together")

    def validate(self, extra_validators=None):
        """Details always; on saving, at least one point with text."""
        valid = super().validate(extra_validators)
        if self.save.data:
            valid = self._require_a_point() and valid
        return valid

    @property
    def details_errors(self):
        """Whether any of the first step's fields has an error."""
        return any(field.errors for field in self.detail_fields) or bool(self.text.errors)


class LetterEditForm(_PointsMixin, ResponseDetailsForm):
    """Correcting a keyed letter or email: details and its points."""

    AFTER_QUESTIONS = ("consent", "points")
    points = FieldList(FormField(PointForm), max_entries=MAX_POINTS)
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def __init__(self, *args, consultation, items=(), **kwargs):
        super().__init__(*args, consultation=consultation, channels=LETTER_CHANNELS, **kwargs)
        self.channel.label.text = "Did it arrive by letter or by email?"
        latest = consultation.latest_version
        current = {section.id for section in (latest.sections if latest else [])}
        older = dict.fromkeys(item.section for item in items
                              if item.section is not None and item.section.id not in current)
        self.set_section_choices(latest.sections if latest else [], older)

    def fill_points(self, items):
        """Show the saved points."""
        self.set_points([{"text": item.text, "section": str(item.section_id or ""),
                          "speaks_for": str(item.speaks_for), "item_id": str(item.id)} for item in items])

    def validate(self, extra_validators=None):
        """Details, and every point still has text (a point cannot be removed here)."""
        valid = super().validate(extra_validators)
        for entry in self.points:
            if not (entry.form.text.data or "").strip():
                entry.form.text.errors = [f"Enter the text of point {entry.form.number}"]
                valid = False
        self.points.errors = [entry.errors for entry in self.points.entries]
        if not any(self.points.errors):
            self.points.errors = []
        return valid


class CheckForm(FlaskForm):
    """Confirm the second-person check."""

    submit = SubmitField("I have checked it against the original", widget=GovSubmitInput())
