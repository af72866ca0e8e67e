"""Forms: the response to one theme ("you said, we did"), the statement's introduction and next steps, publishing."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, StopValidation

from engage.forms_common import max_chars
from engage.models.theme import THEME_DECISION_LABELS, THEME_DECISIONS

MAX_TEXT = 10_000
DECISION_HINTS = {
    "changed": "Link the sections of the plan you changed: the statement shows their wording before and after.",
    "no_change": "Say why the plan was not changed.",
    "out_of_scope": "For example, a matter for another organisation.",
}


class ThemeResponseForm(FlaskForm):
    """You said, we did: what people said about a theme, the partnership's response and decision."""

    you_said = TextAreaField(
        "You said", widget=GovTextArea(),
        description="What people told us about this theme. It starts as a draft from the figures: edit it freely.",
        validators=[InputRequired(message="Enter what people said about this theme"),
                    max_chars(MAX_TEXT, "You said")])
    we_did = TextAreaField(
        "We did", widget=GovTextArea(),
        description="What the partnership did in response.",
        validators=[InputRequired(message="Enter what the partnership did in response"),
                    max_chars(MAX_TEXT, "We did")])
    decision = RadioField(
        "Decision", widget=GovRadioInput(),
        choices=[SelectChoice(decision, THEME_DECISION_LABELS[decision]) for decision in THEME_DECISIONS],
        validators=[InputRequired(message="Select what the partnership decided")],
        invalid_choice_message="Select what the partnership decided from the list")
    reason = TextAreaField(
        "Reason", widget=GovTextArea(),
        description="Needed when the plan was not changed; optional otherwise.",
        # No Optional(): it would stop validate_reason from running on an empty reason.
        validators=[max_chars(MAX_TEXT, "Reason")])
    section_ids = SelectMultipleField(
        "Sections of the plan", widget=GovCheckboxesInput(), choices=[], coerce=str,
        description="The sections of the latest draft this response is about.",
        invalid_choice_message="Select sections from the list")
    submit = SubmitField("Save response", widget=GovSubmitInput())

    def __init__(self, sections, **kwargs):
        super().__init__(**kwargs)
        self.section_ids.choices = [SelectChoice(str(section.id), section.title) for section in sections]

    def validate_reason(self, field):
        """A decision not to change the plan needs its reason."""
        if self.decision.data == "no_change" and not (field.data or "").strip():
            raise StopValidation("Enter the reason for making no change")

    def validate_section_ids(self, field):
        """"We changed the plan" must say where."""
        if self.decision.data == "changed" and not field.data:
            raise StopValidation("Select the sections of the plan that changed")

    def chosen_section_ids(self):
        """The ticked sections' ids."""
        return [int(value) for value in self.section_ids.data or [] if value.isdigit()]


class StatementTextForm(FlaskForm):
    """The parts of the statement officers write: the introduction and the next steps."""

    introduction = TextAreaField(
        "Introduction", widget=GovTextArea(),
        description="Opens the statement: why the partnership consulted and what this statement covers. "
                    "Leave a blank line between paragraphs.",
        validators=[Optional(), max_chars(MAX_TEXT, "Introduction")])
    next_steps = TextAreaField(
        "Next steps", widget=GovTextArea(),
        description="How the plan will be approved and published, and when it will be reviewed.",
        validators=[Optional(), max_chars(MAX_TEXT, "Next steps")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    """Publish the statement as it is now; `number` guards against publishing the same revision twice."""

    number = HiddenField(validators=[InputRequired(message="The page was out of date: check the preview and "
                                                           "publish again")])
    submit = SubmitField("Publish the statement", widget=GovSubmitInput())

    def expected_number(self):
        """The revision number the officer saw in the preview, or None."""
        value = (self.number.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 7 else None
