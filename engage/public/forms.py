"""Forms of the respondent's journey. All text goes through Babel for Welsh."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovCheckboxesInput, GovRadioInput, GovSubmitInput, GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from engage.i18n import N_
from engage.models.response import LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT
from engage.templating import render_component

PREFER_NOT = "prefer_not_to_say"


# The journey's widgets: GOV.UK's, rendered through engage.templating.render_component,
# which reuses the HTML of a field rendered before with the same params.
class _Reused:
    """Render with the cache; fields holding what a person typed are rendered afresh."""

    holds_typed_text = False

    def render(self, params):
        return render_component(self.template, params, cache=not (self.holds_typed_text and params.get("value")))


class GovCharacterCount(_Reused, GovCharacterCount):
    """A textarea with a character count."""

    holds_typed_text = True


class GovTextInput(_Reused, GovTextInput):
    """A one-line text input."""

    holds_typed_text = True


def _truthy(label):
    """bool(label), without translating a lazy label only to test it: a non-empty
    message id never translates to an empty string (gettext falls back to the id)."""
    if type(label) is LazyString and label._func is _ and not label._kwargs:  # made by _l(message id)
        return bool(label._args and label._args[0])
    return bool(label)


class _ItemsFromChoices:
    """Build the radio or checkbox items from the field's choices, not from its subfields.

    govuk-frontend-wtf iterates the field, which binds a whole WTForms field per option
    only to read its label, value and checked state back: the same three values
    iter_choices() gives directly, at a tenth of the cost.
    """

    def __call__(self, field, **kwargs):
        if type(field).__iter__ is not SelectFieldBase.__iter__:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if "required" not in kwargs and "required" in getattr(field, "flags", []):
            kwargs["required"] = True
        items = []
        for choice in field._iter_choices_normalized():
            # As SelectFieldBase.__iter__ labels an option, and _Option._value() gives its value.
            item = {"text": choice.label if _truthy(choice.label) else choice.value, "value": str(choice.value)}
            if choice.selected:
                item["checked"] = True
            items.append(item)
        kwargs["items"] = items
        return self.render(self.map_gov_params(field, **kwargs))


class GovCheckboxesInput(_ItemsFromChoices, _Reused, GovCheckboxesInput):
    """Checkboxes from a SelectMultipleField."""


class GovRadioInput(_ItemsFromChoices, _Reused, GovRadioInput):
    """Radios from a RadioField."""


class GovSubmitInput(_Reused, GovSubmitInput):
    """A submit button."""


class HoneypotMixin:
    """A field people never see; bots fill it in."""

    website = StringField(_l("Leave this field blank"), validators=[Optional()])


class AboutYouForm(FlaskForm):
    """Individual or organisation, stakeholder groups, locality."""

    respondent_type = RadioField(
        _l("Are you responding as an individual or on behalf of an organisation?"),
        widget=GovRadioInput(),
        choices=[("individual", _l("As an individual")),
                 ("organisation", _l("On behalf of an organisation"))],
        validators=[InputRequired(message=_l("Select whether you are responding as an individual or for an organisation"))],
    )
    organisation_name = StringField(
        _l("Name of the organisation"), widget=GovTextInput(),
        description=_l("Only if you are responding on behalf of an organisation."),
        validators=[Length(max=250, message=_l("Organisation name must be 250 characters or fewer"))],
    )
    groups = SelectMultipleField(
        _l("Which of these describe you?"), widget=GovCheckboxesInput(), coerce=str,
        description=_l("Select all that apply."),
        validators=[InputRequired(message=_l("Select at least one group that describes you"))],
    )
    locality = RadioField(
        _l("Where do you live or work?"), widget=GovRadioInput(),
        validators=[InputRequired(message=_l("Select where you live or work"))],
    )
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())
    save_later = SubmitField(_l("Save and come back later"), widget=GovSubmitInput())

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        # Default group names are translated; names an officer typed are shown as typed.
        self.groups.choices = [(str(g.id), _(g.name)) for g in consultation.stakeholder_groups]
        self.locality.choices = [(str(loc.id), loc.name) for loc in consultation.localities] + [
            (LOCALITY_OUTSIDE, _("Outside the area")), (LOCALITY_PREFER_NOT, _("Prefer not to say"))]

    def validate_organisation_name(self, field):
        """An organisation response needs the organisation's name."""
        if self.respondent_type.data == "organisation" and not (field.data or "").strip():
            raise ValidationError(_("Enter the name of the organisation"))


def question_form_class(questions):
    """A form class with one field per question (named q<id>)."""

    class QuestionsForm(FlaskForm):
        submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())
        save_later = SubmitField(_l("Save and come back later"), widget=GovSubmitInput())

    for question in questions:
        setattr(QuestionsForm, f"q{question.id}", _field_for(question))
    return QuestionsForm


def _field_for(question):
    """The form field for one question."""
    validators = []
    if question.required:
        # Free text of only spaces is not an answer; a chosen option always is.
        required = DataRequired if question.kind == "free_text" else InputRequired
        validators.append(required(message=_("Answer this question: %(question)s", question=question.text)))
    else:
        validators.append(Optional())
    description = question.hint or ""
    if question.kind == "free_text":
        validators.append(Length(max=question.max_length, message=_(
            "Your answer must be %(limit)s characters or fewer", limit=f"{question.max_length:,}")))
        return TextAreaField(question.text, widget=GovCharacterCount(), description=description,
                             validators=validators)
    # Stored in English; the fixed agree-disagree scale is shown in the visitor's language.
    choices = [(choice, _(choice) if question.kind == "agree_scale" else choice) for choice in question.choices]
    if question.kind == "multiple_choice":
        return SelectMultipleField(question.text, widget=GovCheckboxesInput(), choices=choices,
                                   description=description, validators=validators)
    return RadioField(question.text, widget=GovRadioInput(), choices=choices, description=description,
                      validators=validators)


class ConsentForm(FlaskForm):
    """May we publish what you said?"""

    consent = RadioField(
        _l("Can we publish your response?"), widget=GovRadioInput(),
        choices=[
            ("publish_named", _l("Yes, publish my response with my name or my organisation’s name")),
            ("publish_anonymous", _l("Yes, publish my response without my name")),
            ("do_not_publish", _l("No, do not publish my response")),
        ],
        validators=[InputRequired(message=_l("Select whether we can publish your response"))],
    )
    respondent_name = StringField(
        _l("Your name (optional)"), widget=GovTextInput(),
        description=_l("Only needed if you want your response published with your name."),
        validators=[Length(max=200, message=_l("Your name must be 200 characters or fewer"))],
    )
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())
    save_later = SubmitField(_l("Save and come back later"), widget=GovSubmitInput())

    def validate_respondent_name(self, field):
        """Publishing with a name needs a name (or an organisation's)."""
        if self.consent.data == "publish_named" and not (field.data or "").strip() \
                and not getattr(self, "organisation_name", ""):
            raise ValidationError(_("Enter your name, or choose to publish without your name"))


# Values Engage ships in English (engage.models.consultation), listed so that the
# catalogue has them: shown translated, stored as they are.
SHIPPED_VALUES = (
    N_("Strongly agree"), N_("Agree"), N_("Neither agree nor disagree"), N_("Disagree"),
    N_("Strongly disagree"),
    N_("Users of health care"), N_("Carers of users of health care"),
    N_("Commercial providers of health care"), N_("Non-commercial providers of health care"),
    N_("Health professionals"), N_("Social care professionals"), N_("Users of social care"),
    N_("Carers of users of social care"), N_("Commercial providers of social care"),
    N_("Non-commercial providers of social care"), N_("Non-commercial providers of social housing"),
    N_("Third sector bodies carrying out activities related to health or social care"),
    N_("Members of the public"), N_("Staff"), N_("Community groups"), N_("Elected members"), N_("Other"),
)


def _equality_field(label, options, hint=None):
    """An optional radio question with "Prefer not to say" last; values are stored in English."""
    choices = [(option, _l(option)) for option in options] + [(PREFER_NOT, _l("Prefer not to say"))]
    return RadioField(label, widget=GovRadioInput(), choices=choices, description=hint or "",
                      validators=[Optional()])


class EqualityForm(FlaskForm):
    """Optional equality monitoring (Equality Act 2010 characteristics and unpaid caring)."""

    age_band = _equality_field(_l("What is your age?"), [
        N_("Under 16"), N_("16 to 24"), N_("25 to 34"), N_("35 to 44"), N_("45 to 54"), N_("55 to 64"),
        N_("65 to 74"), N_("75 or over")])
    sex = _equality_field(_l("What is your sex?"), [N_("Female"), N_("Male")])
    gender_reassignment = _equality_field(
        _l("Is the gender you identify with the same as your sex registered at birth?"), [N_("Yes"), N_("No")])
    sexual_orientation = _equality_field(_l("What is your sexual orientation?"), [
        N_("Straight or heterosexual"), N_("Gay or lesbian"), N_("Bisexual"), N_("Other sexual orientation")])
    disability = _equality_field(
        _l("Do you have a physical or mental health condition or illness lasting or expected to last 12 months or more?"),
        [N_("Yes"), N_("No")])
    ethnicity = _equality_field(_l("What is your ethnic group?"), [
        N_("White"), N_("Mixed or multiple ethnic groups"), N_("Asian or Asian British"),
        N_("African, Caribbean or Black"), N_("Gypsy, Traveller or Roma"), N_("Other ethnic group")])
    religion = _equality_field(_l("What is your religion or belief?"), [
        N_("No religion"), N_("Christian"), N_("Buddhist"), N_("Hindu"), N_("Jewish"), N_("Muslim"), N_("Sikh"),
        N_("Other religion or belief")])
    marriage_civil_partnership = _equality_field(
        _l("Are you married or in a civil partnership?"), [N_("Yes"), N_("No")])
    pregnancy_maternity = _equality_field(
        _l("Are you pregnant or have you given birth in the last 26 weeks?"), [N_("Yes"), N_("No")])
    unpaid_carer = _equality_field(
        _l("Do you look after, or give any help or support to, someone because of their health, disability or age, without being paid?"),
        [N_("Yes"), N_("No")])
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())
    skip = SubmitField(_l("Skip these questions"), widget=GovSubmitInput())

    FIELDS = ("age_band", "sex", "gender_reassignment", "sexual_orientation", "disability", "ethnicity",
              "religion", "marriage_civil_partnership", "pregnancy_maternity", "unpaid_carer")

    def values(self):
        """The answers as a dict of column -> stored value."""
        return {name: str(self[name].data or "") for name in self.FIELDS}


class CheckAnswersForm(HoneypotMixin, FlaskForm):
    """Submit the response."""

    submit = SubmitField(_l("Submit your response"), widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    """Confirm withdrawal."""

    submit = SubmitField(_l("Withdraw my response"), widget=GovSubmitInput())


class EmailLinkForm(FlaskForm):
    """Send the private link by email (when SMTP is configured)."""

    email = StringField(_l("Email address"), widget=GovTextInput(), validators=[
        InputRequired(message=_l("Enter your email address")),
        Length(max=254, message=_l("Email address must be 254 characters or fewer"))])
    submit = SubmitField(_l("Send me the link"), widget=GovSubmitInput())

    def validate_email(self, field):
        """A plausible address (the mail server has the final word)."""
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(field.data or "", check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(_("Enter an email address in the correct format, like name@example.org")) from None
