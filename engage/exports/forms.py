"""Form: prepare the downloads of one published revision."""
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired


class PrepareForm(FlaskForm):
    """Which revision's downloads to prepare (a button per revision on the page)."""

    number = HiddenField(validators=[InputRequired(message="Choose a published revision of the statement")])

    def revision_number(self):
        """The revision number sent, or None if it is not a number."""
        value = (self.number.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 7 else None
