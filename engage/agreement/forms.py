"""Forms: drawing a second-coder sample, and the second coder's themes for one item."""
import re
import secrets

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, StopValidation, ValidationError

from engage.agreement.services import MAX_SAMPLE_SIZE, MAX_SEED


class WholeNumberField(StringField):
    """A whole number typed as text; blank is None. Keeps what was typed when it is wrong."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, invalid_message="Enter a whole number", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        # People write 1,000 or 1 000; both mean a thousand.
        typed = re.sub(r"[\s,]", "", valuelist[0] or "")
        self.data = None
        if not typed:
            return
        if not re.fullmatch(r"[0-9]{1,12}", typed):
            raise ValueError(self.invalid_message)
        self.data = int(typed)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def new_seed():
    """A fresh random seed, short enough to write down."""
    return secrets.randbelow(1_000_000)


class DrawSampleForm(FlaskForm):
    """How many coded items to sample, the seed of the draw, and who codes them the second time."""

    size = WholeNumberField(
        "Number of items", description=f"From 1 to {MAX_SAMPLE_SIZE}, and no more than the items coded so far.",
        invalid_message=f"Number of items must be a whole number from 1 to {MAX_SAMPLE_SIZE}")
    seed = WholeNumberField(
        "Random seed", invalid_message=f"Random seed must be a whole number from 0 to {MAX_SEED:,}",
        description="Drawing again with the same seed, from the same coded items, gives the same sample. "
                    "Leave it as it is unless you want to repeat a draw.")
    second_coder_id = SelectField(
        "Second coder", widget=GovSelect(), choices=[], coerce=str, default="",
        validators=[InputRequired(message="Select the second coder")],
        invalid_choice_message="Select the second coder from the list")
    submit = SubmitField("Draw the sample", widget=GovSubmitInput())

    available = 0  # items coded in the primary pass, set by for_consultation

    @classmethod
    def for_consultation(cls, candidates, available):
        """The form with the officers who may code as choices, and a fresh seed to show."""
        form = cls()
        form.available = available
        form.second_coder_id.choices = [SelectChoice("", "Select an officer")] + [
            SelectChoice(str(user.id), user.name or user.email) for user in candidates]
        if not form.is_submitted():
            form.seed.data = new_seed()
        return form

    def validate_size(self, field):
        """Between 1 and the limit, and no more than the items coded in the primary pass."""
        if field.process_errors:
            raise StopValidation()
        if field.data is None:
            raise ValidationError("Enter the number of items to sample")
        if not 1 <= field.data <= MAX_SAMPLE_SIZE:
            raise ValidationError(f"Number of items must be a whole number from 1 to {MAX_SAMPLE_SIZE}")
        if self.available == 0:
            raise ValidationError("No items have been coded yet. Code some items before drawing a sample")
        if field.data > self.available:
            coded = f"{self.available:,} item has" if self.available == 1 else f"{self.available:,} items have"
            raise ValidationError(f"Only {coded} been coded so far, so the sample can have at most "
                                  f"{self.available:,}")

    def validate_seed(self, field):
        """A whole number that fits the database; blank means choose one."""
        if field.process_errors:
            raise StopValidation()
        if field.data is None:
            field.data = new_seed()
        elif field.data > MAX_SEED:
            raise ValidationError(f"Random seed must be a whole number from 0 to {MAX_SEED:,}")


class SecondCodingForm(FlaskForm):
    """The second coder's themes for one item: any number of the codebook's live themes, or none."""

    theme_ids = SelectMultipleField(
        "Which themes does this point raise?", widget=GovCheckboxesInput(), choices=[], coerce=str,
        description="Select all that apply. Leave them all unticked if none fits.",
        invalid_choice_message="Select themes from the list")
    submit = SubmitField("Save and next", widget=GovSubmitInput())

    @classmethod
    def for_item(cls, themes, chosen):
        """The form with a checkbox per live theme, ticked where the second coder already chose it."""
        form = cls()
        form.theme_ids.choices = [SelectChoice(str(theme.id), theme_label(theme)) for theme in themes]
        if not form.is_submitted():
            form.theme_ids.data = [str(theme_id) for theme_id in sorted(chosen)]
        return form

    @property
    def chosen_ids(self):
        """The ticked themes as ids (call after validate())."""
        return sorted({int(value) for value in self.theme_ids.data or []})


def theme_label(theme):
    """A theme's name, after its parent's for a sub-theme."""
    return f"{theme.parent.name}: {theme.name}" if theme.parent_id and theme.parent else theme.name
