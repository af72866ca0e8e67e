"""Forms for data protection requests."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError


class FindResponseForm(FlaskForm):
    """A response's reference, as the person gave it."""

    class Meta:
        csrf = False  # a GET search; changes nothing

    reference = StringField("Reference", widget=GovTextInput(),
                            validators=[DataRequired(message="Enter the reference, like ENG-7K3Q9M"),
                                        Length(max=30, message="A reference is at most 30 characters")])
    submit = SubmitField("Find the response", widget=GovSubmitInput())


class EraseForm(FlaskForm):
    """Typed confirmation and a reason, before erasing a response."""

    confirm = StringField("Type the reference to confirm", widget=GovTextInput(),
                          validators=[DataRequired(message="Type the reference to confirm")])
    reason = TextAreaField("Reason", widget=GovTextArea(),
                           validators=[DataRequired(message="Enter the reason, for example the date of the request"),
                                       Length(max=1000, message="The reason must be 1,000 characters or fewer")])
    submit = SubmitField("Erase this response", widget=GovSubmitInput())

    def __init__(self, reference, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference

    def validate_confirm(self, field):
        """The typed reference must match."""
        if "".join((field.data or "").split()).upper() != self.reference:
            raise ValidationError(f"Type {self.reference} exactly to confirm")
