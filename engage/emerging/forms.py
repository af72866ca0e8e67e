"""Forms: make a possible theme a theme of the codebook, and tag a whole campaign group with a theme."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, StopValidation, ValidationError

from engage.coding.services import live_themes
from engage.forms_common import max_chars
from engage.models import Theme

TOP_LEVEL = ""
MAX_NAME = 200


def as_id(value):
    """An id sent by a form (a select or hidden field), or None."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def theme_paths(themes):
    """[(theme, "Parent › Child")] of these themes, in the order given."""
    by_id = {theme.id: theme for theme in themes}

    def path(theme):
        names, seen = [], set()
        while theme is not None and theme.id not in seen:
            seen.add(theme.id)
            names.append(theme.name)
            theme = by_id.get(theme.parent_id)
        return " › ".join(reversed(names))

    return [(theme, path(theme)) for theme in themes]


class AdoptForm(FlaskForm):
    """A possible theme made a theme: its name, where it sits in the codebook and what it means."""

    run = HiddenField()
    name = StringField("Name of the theme", widget=GovTextInput(),
                       description="The proposed name is made from the words these items share. Change it to "
                                   "something people would say.")
    parent_id = SelectField("Put it under (optional)", widget=GovSelect(), choices=[], default=TOP_LEVEL,
                            validate_choice=False)
    description = TextAreaField("Description (optional)", widget=GovTextArea(),
                                description="What belongs under this theme, so that everyone codes the same way.",
                                validators=[Optional(), max_chars(2000, "Description")])
    submit = SubmitField("Make this a theme", widget=GovSubmitInput())

    def __init__(self, consultation, themes=None, **kwargs):
        super().__init__(**kwargs)
        self.consultation = consultation
        self.themes = {theme.id: theme for theme in (themes if themes is not None else live_themes(consultation))}
        self.parent_id.choices = [SelectChoice(TOP_LEVEL, "Nothing: a top-level theme")] + [
            SelectChoice(str(theme.id), path) for theme, path in
            sorted(theme_paths(list(self.themes.values())), key=lambda pair: pair[1].lower())]

    def parent(self):
        """The chosen parent theme, or None for the top level (call after validate())."""
        return self.themes.get(as_id(self.parent_id.data))

    def validate_parent_id(self, field):
        """The parent must be a live theme of this consultation."""
        if (field.data or TOP_LEVEL) != TOP_LEVEL and as_id(field.data) not in self.themes:
            raise ValidationError("Select a theme to put it under from the list")

    def validate_name(self, field):
        """A name is needed, not too long, and not the name of a live top-level theme (or of a sibling)."""
        name = " ".join((field.data or "").split())
        if not name:
            raise StopValidation("Enter a name for the theme")
        if len(name) > MAX_NAME:
            raise StopValidation(f"Name must be {MAX_NAME} characters or fewer")
        field.data = name
        if (self.parent_id.data or TOP_LEVEL) != TOP_LEVEL:
            parent = self.parent()
            if parent is None:
                return  # the parent's own error says what is wrong
            # Under a parent the database allows one theme of a name, archived or not.
            siblings = Theme.query.filter_by(consultation_id=self.consultation.id, parent_id=parent.id)
            clash = next((theme for theme in siblings if theme.name.lower() == name.lower()), None)
            where = "under that theme"
        else:
            clash = next((theme for theme in self.themes.values()
                          if theme.parent_id is None and theme.name.lower() == name.lower()), None)
            where = "at the top level"
        if clash is not None:
            raise ValidationError(f"There is already a theme called “{clash.name}” {where}. "
                                  "Choose a different name")


class GroupThemeForm(FlaskForm):
    """The theme to confirm on every item of a campaign group."""

    theme_id = SelectField("Theme", widget=GovSelect(), choices=[], default="", validate_choice=False,
                           description="It is confirmed on every item of the group, as if you had coded each one.")
    submit = SubmitField("Tag the whole group", widget=GovSubmitInput())

    def __init__(self, consultation, **kwargs):
        super().__init__(**kwargs)
        self.themes = {theme.id: theme for theme in live_themes(consultation)}
        self.theme_id.choices = [SelectChoice("", "Choose a theme")] + [
            SelectChoice(str(theme.id), path) for theme, path in
            sorted(theme_paths(list(self.themes.values())), key=lambda pair: pair[1].lower())]

    def theme(self):
        """The chosen theme (call after validate())."""
        return self.themes.get(as_id(self.theme_id.data))

    def validate_theme_id(self, field):
        """A live theme of this consultation must be chosen."""
        if (field.data or "") == "":
            raise ValidationError("Select a theme")
        if as_id(field.data) not in self.themes:
            raise ValidationError("Select a theme from the list")
