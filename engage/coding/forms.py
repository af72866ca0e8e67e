"""Forms: filtering the review queue and the list of items (GET), bulk accept, coding one item."""
import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from engage.coding.queries import (
    CODED_FILTERS, STANCE_NOT_SET, CodingFilters, consultation_sections, theme_tree,
)
from engage.coding.services import live_themes
from engage.forms_common import max_chars
from engage.models.feedback import STANCES
from engage.models.response import CHANNEL_LABELS, CHANNELS

STANCE_LABELS = {"support": "Support", "concern": "Concern", "mixed": "Mixed", "neutral": "Neutral"}
CODED_LABELS = {"coded": "Coded by an officer", "uncoded": "Not coded yet", "suggested": "Has suggestions to review"}
# The query arguments of the filters: kept when deciding a suggestion or moving between pages.
FILTER_ARGS = ("q", "theme", "section", "group", "locality", "channel", "stance", "min_confidence",
               "max_confidence", "coded")
MAX_SEARCH_CHARS = 200
DEFAULT_BULK_THRESHOLD = 90
_PERCENT = re.compile(r"[0-9]{1,3}")


class PercentField(StringField):
    """A whole percentage from 0 to 100, typed as text ("90" or "90%"); keeps what was typed."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message or f"{label} must be a whole number from 0 to 100"

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        typed = (valuelist[0] or "").strip().rstrip("%").strip()
        if not typed:
            self.data = None
        elif _PERCENT.fullmatch(typed) and int(typed) <= 100:
            self.data = int(typed)
        else:
            self.data = None
            raise ValueError(self.message)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def _id_or_none(value):
    """A chosen id, or None for "any" (or for a value that is not an id, which validation reports)."""
    return int(value) if value and str(value).isdigit() else None


class CodingFilterForm(FlaskForm):
    """Which suggestions or items to show. Sent by GET so that a filtered queue has a URL to share."""

    class Meta:
        csrf = False  # a GET form changes nothing

    q = StringField("Search the text", widget=GovTextInput(), validators=[max_chars(MAX_SEARCH_CHARS, "Search")],
                    description="Finds feedback containing these characters exactly, ignoring capitals.")
    theme = SelectField("Theme", widget=GovSelect(), default="", choices=[],
                        invalid_choice_message="Select a theme from the list")
    section = SelectField("Section of the plan", widget=GovSelect(), default="", choices=[],
                          invalid_choice_message="Select a section from the list")
    group = SelectField("Stakeholder group", widget=GovSelect(), default="", choices=[],
                        invalid_choice_message="Select a stakeholder group from the list")
    locality = SelectField("Locality", widget=GovSelect(), default="", choices=[],
                           invalid_choice_message="Select a locality from the list")
    channel = SelectField("How it arrived", widget=GovSelect(), default="",
                          choices=[SelectChoice("", "Any way")] +
                          [SelectChoice(channel, CHANNEL_LABELS[channel]) for channel in CHANNELS],
                          invalid_choice_message="Select a way the feedback arrived from the list")
    stance = SelectField("Stance", widget=GovSelect(), default="",
                         choices=[SelectChoice("", "Any stance")] +
                         [SelectChoice(stance, STANCE_LABELS[stance]) for stance in STANCES] +
                         [SelectChoice(STANCE_NOT_SET, "Not set")],
                         invalid_choice_message="Select a stance from the list")
    min_confidence = PercentField("Confidence from", message="Confidence from must be a whole number "
                                                                   "from 0 to 100")
    max_confidence = PercentField("Confidence up to", message="Confidence up to must be a whole number "
                                                                    "from 0 to 100")
    coded = SelectField("Coding", widget=GovSelect(), default="",
                        choices=[SelectChoice("", "Any")] +
                        [SelectChoice(value, CODED_LABELS[value]) for value in CODED_FILTERS],
                        invalid_choice_message="Select coded, not coded or has suggestions from the list")

    def __init__(self, consultation, formdata, with_coded=False, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        if not with_coded:
            del self.coded
        self.theme.choices = [SelectChoice("", "Any theme")] + [
            SelectChoice(str(theme.id), "– " * depth + theme.name) for theme, depth in
            theme_tree(live_themes(consultation))]
        self.section.choices = [SelectChoice("", "Any section")] + [
            SelectChoice(str(section_id), label) for section_id, label in consultation_sections(consultation)]
        self.group.choices = [SelectChoice("", "Any group")] + [
            SelectChoice(str(group.id), group.name) for group in consultation.stakeholder_groups]
        self.locality.choices = [SelectChoice("", "Any locality")] + [
            SelectChoice(str(locality.id), locality.name) for locality in consultation.localities]

    def validate_max_confidence(self, field):
        """The range must not end below where it starts."""
        if field.data is not None and self.min_confidence.data is not None and field.data < self.min_confidence.data:
            raise ValidationError("Confidence up to must be the same as or more than confidence from")

    def filters(self):
        """The chosen filters as plain values (call after validate())."""
        return CodingFilters(
            theme_id=_id_or_none(self.theme.data),
            section_id=_id_or_none(self.section.data),
            group_id=_id_or_none(self.group.data),
            locality_id=_id_or_none(self.locality.data),
            channel=self.channel.data or None,
            stance=self.stance.data or None,
            min_confidence=None if self.min_confidence.data is None else self.min_confidence.data / 100,
            max_confidence=None if self.max_confidence.data is None else self.max_confidence.data / 100,
            search=(self.q.data or "").strip(),
            coded=(self.coded.data or None) if "coded" in self else None,
        )

    @property
    def is_filtered(self):
        """True when anything narrows the list."""
        return self.filters() != CodingFilters()


class BulkAcceptForm(CodingFilterForm):
    """Accept every pending suggestion of the filters at or above a confidence."""

    threshold = PercentField("Accept suggestions with a confidence of at least",
                             message="Confidence must be a whole number from 0 to 100",
                             description="For example, 90. Suggestions below this stay in the queue.",
                             default=DEFAULT_BULK_THRESHOLD)

    def validate_threshold(self, field):
        """A threshold is needed."""
        if field.data is None:
            raise ValidationError("Enter the confidence to accept suggestions at or above, from 0 to 100")


class ThemesField(SelectMultipleField):
    """The themes ticked for an item, as theme ids; anything not on the list is an error."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int, **kwargs)

    def process_formdata(self, valuelist):
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError:
            self.data = []
            raise ValueError("Select themes from the list") from None

    def pre_validate(self, form):
        known = {value for value, *_ in self.iter_choices()}
        if any(str(value) not in known and value not in known for value in self.data or ()):
            raise ValidationError("Select themes from the list: a theme you chose no longer exists")


class CodeItemForm(FlaskForm):
    """An officer's coding of one item: its themes (primary pass) and its stance."""

    themes = ThemesField("Themes", choices=[])
    stance = SelectField("Stance", widget=GovSelect(), default="",
                         choices=[SelectChoice("", "Not set")] +
                         [SelectChoice(stance, STANCE_LABELS[stance]) for stance in STANCES],
                         invalid_choice_message="Select a stance from the list")

    @classmethod
    def for_item(cls, consultation, item, themes=None):
        """The form for one item, ticked with its confirmed themes and showing its stance."""
        themes = live_themes(consultation) if themes is None else themes
        confirmed = [tag.theme_id for tag in item.tags if tag.coding_pass == "primary" and tag.status == "confirmed"]
        form = cls(data={"themes": confirmed, "stance": item.stance or ""})
        form.themes.choices = [SelectChoice(theme.id, theme.name) for theme in themes]
        return form

    def chosen(self):
        """The theme ids ticked, as strings (what was sent, when the form was sent)."""
        if self.themes.raw_data is not None and self.is_submitted():
            return set(self.themes.raw_data)
        return {str(value) for value in self.themes.data or ()}
