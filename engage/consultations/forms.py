"""Forms for setting up consultations, drafts and questions."""
from pathlib import Path

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovCheckboxInput, GovFileInput, GovRadioInput, GovSelect, GovSubmitInput,
    GovTextArea, GovTextInput,
)
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, NumberRange, Optional, ValidationError

from engage.forms_common import DayMonthYearField, LinesLimit, lines, max_chars
from engage.models.consultation import DEFAULT_GROUPS, PLAN_TYPES, QUESTION_KIND_LABELS, QUESTION_KINDS
from engage.plans.docx import DocxError, docx_to_markdown, md_upload_to_text


class ConsultationForm(FlaskForm):
    """Title, summary, organisation, dates, localities and stakeholder groups."""

    title = StringField("Title", widget=GovTextInput(), validators=[
        DataRequired(message="Enter a title"), max_chars(250, "Title")])
    summary = TextAreaField(
        "Summary", widget=GovCharacterCount(),
        description="What the consultation is about, in plain words. Shown to the public.",
        validators=[DataRequired(message="Enter a summary"), max_chars(5000, "Summary")])
    organisation = StringField(
        "Organisation consulting", widget=GovTextInput(),
        description="For example, the name of the health and social care partnership.",
        validators=[DataRequired(message="Enter the organisation consulting"),
                    max_chars(250, "Organisation")])
    plan_type = SelectField("Type of plan", widget=GovSelect(),
                            choices=[(p, p) for p in PLAN_TYPES], default=PLAN_TYPES[0])
    opens_on = DayMonthYearField(
        "Opening date", description="For example, 27 3 2026",
        invalid_message="Opening date must be a real date",
        validators=[InputRequired(message="Enter the opening date")])
    closes_on = DayMonthYearField(
        "Closing date", description="For example, 30 6 2026",
        invalid_message="Closing date must be a real date",
        validators=[InputRequired(message="Enter the closing date")])
    contact_email = StringField(
        "Contact email address (optional)", widget=GovTextInput(),
        description="Where people can send a response by email or ask questions.",
        validators=[Optional(), Email(message="Enter an email address in the correct format, "
                                              "like name@example.org", check_deliverability=False),
                    max_chars(254, "Contact email address")])
    retention_days = IntegerField(
        "Days to keep contact details and equality links after publication", widget=GovTextInput(), default=365,
        description="After this many days from publication, respondents' names, email addresses and private "
                    "links are removed and equality answers are kept only as anonymous counts.",
        validators=[InputRequired(message="Enter the number of days to keep contact details, like 365"),
                    NumberRange(min=0, max=3650, message="Days to keep contact details must be a whole number "
                                                         "from 0 to 3,650")])
    localities = TextAreaField(
        "Localities", widget=GovTextArea(),
        description="One per line. Views are reported by locality.",
        validators=[max_chars(20000, "Localities"), LinesLimit("localities", 100, 150)])
    stakeholder_groups = TextAreaField(
        "Stakeholder groups", widget=GovTextArea(),
        description="One per line. Pre-filled with the groups the regulations prescribe; "
                    "add or remove groups for this consultation.",
        validators=[DataRequired(message="Enter at least one stakeholder group"),
                    max_chars(20000, "Stakeholder groups"), LinesLimit("stakeholder groups", 100, 200)])
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted() and not self.stakeholder_groups.data:
            self.stakeholder_groups.data = "\n".join(DEFAULT_GROUPS)

    def validate_closes_on(self, field):
        """The closing date must come after the opening date."""
        if field.data and self.opens_on.data and field.data <= self.opens_on.data:
            raise ValidationError("Closing date must be after the opening date")

    @property
    def locality_names(self):
        """Localities, one per line."""
        return lines(self.localities.data)

    @property
    def group_names(self):
        """Stakeholder groups, one per line."""
        return lines(self.stakeholder_groups.data)


class PlanVersionForm(FlaskForm):
    """A new draft of the plan: pasted Markdown or an uploaded .md/.docx file."""

    label = StringField("Name of this draft", widget=GovTextInput(),
                        description="For example, First draft or Second draft.",
                        validators=[DataRequired(message="Enter a name for this draft"),
                                    max_chars(120, "Name of this draft")])
    dated = DayMonthYearField("Date of this draft (optional)", description="For example, 27 3 2026",
                              invalid_message="Date of this draft must be a real date",
                              validators=[Optional()])
    text = TextAreaField(
        "Paste the draft plan", widget=GovTextArea(),
        description="Markdown: start each section with a heading line such as “## 3. Carers”.",
        validators=[Optional()])
    upload = FileField("Or upload the draft plan", widget=GovFileInput(),
                       description="A Word document (.docx) or a Markdown or text file (.md, .txt), "
                                   "up to 5 MB. Sections start at headings.")
    submit = SubmitField("Add draft", widget=GovSubmitInput())

    markdown = None  # set by validate(): the draft's text, from paste or file

    def validate_text(self, field):
        """Pasted text within the limit."""
        limit = current_app.config["MAX_DRAFT_TEXT_CHARS"]
        if field.data and len(field.data) > limit:
            raise ValidationError(f"The draft must be {limit:,} characters or fewer. "
                                  "Split it, or upload it as a Word document.")

    def validate_upload(self, field):
        """An uploaded file must really be .docx, .md or .txt and not too large."""
        storage = field.data
        if not storage or not getattr(storage, "filename", ""):
            return
        suffix = Path(storage.filename).suffix.lower()
        max_bytes = current_app.config["MAX_DRAFT_UPLOAD_BYTES"]
        data = storage.read(max_bytes + 1)
        try:
            if suffix == ".docx":
                self.markdown = docx_to_markdown(data, max_bytes=max_bytes)
            elif suffix in (".md", ".markdown", ".txt"):
                self.markdown = md_upload_to_text(data, max_bytes=max_bytes)
            else:
                raise ValidationError("The selected file must be a .docx, .md or .txt file")
        except DocxError as problem:
            raise ValidationError(str(problem)) from None
        limit = current_app.config["MAX_DRAFT_TEXT_CHARS"]
        if len(self.markdown) > limit:
            self.markdown = None
            raise ValidationError(f"The draft in this file is longer than {limit:,} characters. "
                                  "Split it into smaller drafts.")

    def validate(self, extra_validators=None):
        """One of pasted text or a file is needed, and it must contain sections."""
        ok = super().validate(extra_validators)
        if not ok:
            return False
        if self.markdown is None:
            self.markdown = self.text.data or ""
        if not self.markdown.strip():
            self.text.errors.append("Paste the draft plan or choose a file to upload")
            return False
        return True


class QuestionForm(FlaskForm):
    """A question: its wording, type, options and the section it is about."""

    text = StringField("Question", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter the question"), max_chars(500, "Question")])
    hint = TextAreaField("Hint (optional)", widget=GovTextArea(),
                         description="Shown under the question to help people answer.",
                         validators=[Optional(), max_chars(1000, "Hint")])
    kind = RadioField("Type of answer", widget=GovRadioInput(),
                      choices=[(k, QUESTION_KIND_LABELS[k]) for k in QUESTION_KINDS],
                      default="free_text",
                      validators=[InputRequired(message="Select the type of answer")])
    options = TextAreaField(
        "Options", widget=GovTextArea(),
        description="For single and multiple choice questions: one option per line, at least two.",
        validators=[Optional(), max_chars(5000, "Options"), LinesLimit("options", 30, 200)])
    section_id = SelectField("Section of the plan this question is about (optional)", widget=GovSelect(),
                             choices=[], validate_choice=True, default="")
    required = BooleanField("People must answer this question", widget=GovCheckboxInput())
    submit = SubmitField("Save question", widget=GovSubmitInput())

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.section_id.choices = [("", "Not about one section")] + [
            (str(section.id), section.title) for section in sections]

    def validate_options(self, field):
        """Choice questions need at least two options."""
        if self.kind.data in ("single_choice", "multiple_choice") and len(lines(field.data)) < 2:
            raise ValidationError("Enter at least two options, one per line")
