"""Forms: filtering the responses list (a GET form) and setting representation targets."""
import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from engage.forms_common import DayMonthYearField
from engage.models.response import CHANNEL_LABELS, CHANNELS, LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT
from engage.responses.services import (
    LOCALITY_NOT_GIVEN, LOCALITY_OTHER_LABELS, STATUS_FILTERS, TARGET_MAX, ResponseFilters,
)

STATUS_FILTER_LABELS = {
    "submitted": "Submitted",
    "all": "All responses",
    "draft": "Started but not submitted",
    "withdrawn": "Withdrawn",
}


class ResponseFilterForm(FlaskForm):
    """Which responses to list. Sent by GET so that a filtered list has a URL to share."""

    class Meta:
        csrf = False  # a GET form changes nothing

    status = SelectField("Status", widget=GovSelect(), default="submitted",
                         choices=[SelectChoice(s, STATUS_FILTER_LABELS[s]) for s in STATUS_FILTERS],
                         invalid_choice_message="Select a status from the list")
    group = SelectField("Stakeholder group", widget=GovSelect(), default="", choices=[],
                        invalid_choice_message="Select a stakeholder group from the list")
    locality = SelectField("Locality", widget=GovSelect(), default="", choices=[],
                           invalid_choice_message="Select a locality from the list")
    channel = SelectField("How the response arrived", widget=GovSelect(), default="",
                          choices=[SelectChoice("", "Any way")] +
                          [SelectChoice(c, CHANNEL_LABELS[c]) for c in CHANNELS],
                          invalid_choice_message="Select a way the response arrived from the list")
    submitted_from = DayMonthYearField(
        "Submitted on or after", description="For example, 1 3 2026",
        invalid_message="Submitted on or after must be a real date", validators=[Optional()])
    submitted_to = DayMonthYearField(
        "Submitted on or before", description="For example, 31 3 2026",
        invalid_message="Submitted on or before must be a real date", validators=[Optional()])

    def __init__(self, consultation, formdata):
        super().__init__(formdata=formdata)
        self.group.choices = [SelectChoice("", "Any group")] + [
            SelectChoice(str(group.id), group.name) for group in consultation.stakeholder_groups]
        self.locality.choices = [SelectChoice("", "Any locality")] + [
            SelectChoice(str(locality.id), locality.name) for locality in consultation.localities
        ] + [SelectChoice(key, label) for key, label in LOCALITY_OTHER_LABELS.items()]

    def validate_submitted_to(self, field):
        """The range must not end before it starts."""
        if field.data and self.submitted_from.data and field.data < self.submitted_from.data:
            raise ValidationError("Submitted on or before must be the same as or after "
                                  "submitted on or after")

    @property
    def is_filtered(self):
        """True when anything other than the default view is chosen."""
        return self.filters() != ResponseFilters()

    def filters(self):
        """The chosen filters as plain values (call after validate())."""
        locality = self.locality.data or None
        if locality not in (None, LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT, LOCALITY_NOT_GIVEN):
            locality = int(locality)
        return ResponseFilters(
            status=self.status.data or "submitted",
            group_id=int(self.group.data) if self.group.data else None,
            locality=locality,
            channel=self.channel.data or None,
            submitted_from=self.submitted_from.data,
            submitted_to=self.submitted_to.data,
        )


WHOLE_NUMBER = re.compile(r"[0-9]+")


class TargetField(StringField):
    """A target: a whole number from 0 to TARGET_MAX, or blank for no target. Keeps what was typed."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        # People write 1,000 or 1 000; both mean a thousand.
        typed = re.sub(r"[\s,]", "", valuelist[0] or "")
        if not typed:
            self.data = None
        elif WHOLE_NUMBER.fullmatch(typed) and int(typed) <= TARGET_MAX:
            self.data = int(typed)
        else:
            self.data = None
            raise ValueError(f"Target for {self.label.text} must be a whole number from 0 to "
                             f"{TARGET_MAX:,}, or left blank for no target")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class TargetsForm(FlaskForm):
    """A target per stakeholder group and per locality; built for one consultation."""

    group_fields = ()
    locality_fields = ()

    @classmethod
    def for_consultation(cls, consultation):
        """The form with one field per group and locality, filled with today's targets."""
        fields = {}
        group_fields, locality_fields = [], []
        for group in consultation.stakeholder_groups:
            name = f"group_{group.id}"
            fields[name] = TargetField(group.name, default=group.target)
            group_fields.append((name, group.id))
        for locality in consultation.localities:
            name = f"locality_{locality.id}"
            fields[name] = TargetField(locality.name, default=locality.target)
            locality_fields.append((name, locality.id))
        form_class = type("ConsultationTargetsForm", (cls,), {
            **fields, "group_fields": tuple(group_fields), "locality_fields": tuple(locality_fields)})
        return form_class()

    def group_targets(self):
        """{group id: target or None}."""
        return {group_id: self[name].data for name, group_id in self.group_fields}

    def locality_targets(self):
        """{locality id: target or None}."""
        return {locality_id: self[name].data for name, locality_id in self.locality_fields}
