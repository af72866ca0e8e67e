"""Sign-in form."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    """E-mail address and password."""

    email = StringField(
        "Email address", widget=GovTextInput(),
        validators=[DataRequired(message="Enter your email address"),
                    Email(message="Enter an email address in the correct format, like name@example.org",
                          check_deliverability=False),
                    Length(max=254)],
    )
    password = PasswordField(
        "Password", widget=GovPasswordInput(),
        validators=[DataRequired(message="Enter your password"), Length(max=128)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class CodeForm(FlaskForm):
    """The code from an authenticator app, or a recovery code."""

    code = StringField(
        "Code", widget=GovTextInput(),
        validators=[DataRequired(message="Enter the 6-digit code from your authenticator app"), Length(max=40)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
