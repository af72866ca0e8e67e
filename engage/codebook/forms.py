"""Forms: a theme, merging one theme into another, splitting items out of a theme, a starter codebook."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, StopValidation, ValidationError

from engage.codebook import services
from engage.codebook.starters import MAX_NAME, STARTERS
from engage.extensions import db
from engage.forms_common import LinesLimit, max_chars
from engage.models import Theme

TOP_LEVEL = ""
NEW_THEME = ""
MAX_KEYWORD = 100
MAX_KEYWORDS = 200


# Made before ThemeForm's fields so that, in the split form, it comes first in the error summary
# as it does on the page.
_SPLIT_INTO = SelectField("Move the ticked items to", widget=GovSelect(), choices=[], default=NEW_THEME,
                          validate_choice=False)


def _as_id(value):
    """An id typed into a select, or None."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


class ThemeForm(FlaskForm):
    """A theme: its name, where it sits in the codebook, what it means and the words that signal it."""

    name = StringField("Name", widget=GovTextInput(),
                       description="A short name, as it will appear in the statement of consultation.")
    parent_id = SelectField("Put it under", widget=GovSelect(), choices=[], default=TOP_LEVEL,
                            validate_choice=False)
    description = TextAreaField(
        "Description (optional)", widget=GovTextArea(),
        description="What belongs under this theme, so that everyone codes the same way.",
        validators=[Optional(), max_chars(2000, "Description")])
    keywords = TextAreaField(
        "Keywords (optional)", widget=GovTextArea(),
        description="Words and phrases that suggest this theme, one per line. They are used to suggest the "
                    "theme before any feedback has been coded.",
        validators=[Optional(), LinesLimit("keywords", max_lines=MAX_KEYWORDS, max_length=MAX_KEYWORD)])
    submit = SubmitField("Save theme", widget=GovSubmitInput())

    name_message = "Enter a name for the theme"

    def __init__(self, consultation, theme=None, parent_id=None, **kwargs):
        super().__init__(obj=theme, **kwargs)
        self.consultation, self.theme = consultation, theme
        choices = services.parent_choices(consultation, theme)
        self.allowed_parents = {theme_id for theme_id, _ in choices}
        self.parent_id.choices = [SelectChoice(TOP_LEVEL, "Nothing: a top-level theme")] + [
            SelectChoice(str(theme_id), path) for theme_id, path in choices]
        if not self.is_submitted():
            start = theme.parent_id if theme is not None else parent_id
            self.parent_id.data = str(start) if start and start in self.allowed_parents else TOP_LEVEL

    @property
    def creating(self):
        """Whether the form makes a new theme (rather than naming none)."""
        return True

    def chosen_parent_id(self):
        """The chosen parent theme's id, or None for the top level."""
        return _as_id(self.parent_id.data)

    def validate_name(self, field):
        """A name is needed, not too long, and not the name of a sibling."""
        if not self.creating:
            return
        name = (field.data or "").strip()
        if not name:
            raise StopValidation(self.name_message)
        if len(name) > MAX_NAME:
            raise StopValidation(f"Name must be {MAX_NAME} characters or fewer")
        parent_id = self.chosen_parent_id()
        if (self.parent_id.data or TOP_LEVEL) != TOP_LEVEL and parent_id is None:
            return  # the parent's own error says what is wrong
        clash = services.sibling_with_name(self.consultation, name, parent_id,
                                           exclude_id=self.theme.id if self.theme is not None else None)
        if clash is not None:
            where = "at the top level" if parent_id is None else "under that theme"
            state = ""
            if clash.merged_into_id is not None:
                state = " (merged into another theme)"
            elif clash.archived:
                state = " (archived)"
            raise ValidationError(f"There is already a theme called “{clash.name}”{state} {where}. "
                                  "Choose a different name")

    def validate_parent_id(self, field):
        """The parent must be a live theme of this codebook, and never the theme itself or below it."""
        if not self.creating or (field.data or TOP_LEVEL) == TOP_LEVEL:
            return
        parent_id = _as_id(field.data)
        if self.theme is not None and parent_id is not None and (
                parent_id == self.theme.id or parent_id in services.descendant_ids(self.theme)):
            raise ValidationError("A theme cannot go under itself or one of its own sub-themes. "
                                  "Choose a different theme to put it under")
        if parent_id not in self.allowed_parents:
            raise ValidationError("Select a theme to put it under from the list")

    def details(self):
        """The answers as plain values for the service (call after validate())."""
        return services.ThemeDetails(name=(self.name.data or "").strip(), description=self.description.data or "",
                                     keywords=self.keywords.data or "", parent_id=self.chosen_parent_id())


class MergeForm(FlaskForm):
    """The theme to merge this one into."""

    into = SelectField("Merge into", widget=GovSelect(), choices=[], default="", validate_choice=False,
                       description="Every item tagged with this theme will be tagged with the theme you choose, "
                                   "and its sub-themes will move under it.")
    submit = SubmitField("Merge themes", widget=GovSubmitInput())

    def __init__(self, theme, **kwargs):
        super().__init__(**kwargs)
        self.theme = theme
        themes = services.all_themes(theme.consultation)
        by_id = {other.id: other for other in themes}
        excluded = {theme.id} | services.descendant_ids(theme, themes)
        options = sorted(((other.id, services.theme_path(other, by_id)) for other in themes
                          if services.is_live(other) and other.id not in excluded), key=lambda pair: pair[1].lower())
        self.into.choices = [SelectChoice("", "Choose a theme")] + [
            SelectChoice(str(theme_id), path) for theme_id, path in options]
        self.target = None

    def validate_into(self, field):
        """A live theme of this codebook that is neither this theme nor below it."""
        target_id = _as_id(field.data)
        if not (field.data or "").strip():
            raise ValidationError("Select the theme to merge into")
        target = db.session.get(Theme, target_id) if target_id else None
        if target is None or target.consultation_id != self.theme.consultation_id:
            raise ValidationError("Select the theme to merge into from the list")
        try:
            services.check_merge(self.theme, target)
        except services.CodebookError as problem:
            raise ValidationError(str(problem)) from None
        self.target = target


class SplitForm(ThemeForm):
    """Items to move out of a theme, and the new (or existing) theme they move to."""

    into = _SPLIT_INTO
    items = SelectMultipleField("Items to move", choices=[], coerce=str, validate_choice=False)
    submit = SubmitField("Move ticked items", widget=GovSubmitInput())

    name_message = "Enter a name for the new theme"

    def __init__(self, consultation, source, into_id=None, **kwargs):
        super().__init__(consultation, **kwargs)
        self.source = source
        themes = services.all_themes(consultation)
        by_id = {other.id: other for other in themes}
        options = sorted(((other.id, services.theme_path(other, by_id)) for other in themes
                          if services.is_live(other) and other.id != source.id), key=lambda pair: pair[1].lower())
        self.into_ids = {theme_id for theme_id, _ in options}
        self.into.choices = [SelectChoice(NEW_THEME, "A new theme (name it below)")] + [
            SelectChoice(str(theme_id), path) for theme_id, path in options]
        if not self.is_submitted():
            self.into.data = str(into_id) if into_id in self.into_ids else NEW_THEME
            self.parent_id.data = str(source.parent_id) if source.parent_id in self.allowed_parents else TOP_LEVEL
        self.target = None
        self.item_ids = set()

    @property
    def creating(self):
        """Whether the ticked items go to a new theme."""
        return (self.into.data or NEW_THEME) == NEW_THEME

    def validate_into(self, field):
        """An existing target must be a live theme of this codebook other than the one being split."""
        if self.creating:
            return
        target_id = _as_id(field.data)
        if target_id not in self.into_ids:
            raise ValidationError("Select a theme to move the items to from the list")
        self.target = db.session.get(Theme, target_id)

    def validate_items(self, field):
        """At least one ticked item, each tagged with the theme being split."""
        ids = {_as_id(value) for value in field.data or []}
        ids.discard(None)
        found = services.tagged_item_ids(self.source, ids) if ids else set()
        if not found:
            raise ValidationError("Select at least one item to move")
        if found != ids:
            raise ValidationError("Some ticked items are no longer tagged with this theme. Tick them again")
        self.item_ids = found


class StarterForm(FlaskForm):
    """Which starter codebook to add."""

    starter = RadioField("Starter codebook", widget=GovRadioInput(),
                         choices=[SelectChoice(kind, label) for kind, label in STARTERS.items()],
                         validators=[InputRequired(message="Select a starter codebook")],
                         invalid_choice_message="Select a starter codebook from the list")
    submit = SubmitField("Add these themes", widget=GovSubmitInput())

    def __init__(self, consultation, **kwargs):
        super().__init__(**kwargs)
        if consultation.latest_version is None or not consultation.latest_version.sections:
            self.starter.choices = [choice for choice in self.starter.choices if choice.value != "sections"]
