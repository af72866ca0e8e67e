"""Form fields shared by every blueprint: GOV.UK widgets with plain-English errors."""
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField
from wtforms.validators import Length, ValidationError


class DayMonthYearField(DateField):
    """A GOV.UK date input (day, month, year boxes) that keeps what was typed."""

    def __init__(self, label=None, validators=None, invalid_message="Enter a real date", **kwargs):
        super().__init__(label, validators, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.invalid_message = invalid_message

    def process(self, formdata, data=None, extra_filters=None):
        """Keep exactly three raw values (day, month, year) for the widget."""
        super().process(formdata, data, extra_filters)
        if self.raw_data is not None:
            if not self.raw_data:
                self.raw_data = None
            else:
                self.raw_data = (list(self.raw_data) + ["", "", ""])[:3]

    def process_formdata(self, valuelist):
        if not valuelist or not any((v or "").strip() for v in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([(v or "").strip() for v in valuelist])
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


def max_chars(limit, what):
    """A Length validator with a message that names the limit."""
    return Length(max=limit, message=f"{what} must be {limit:,} characters or fewer")


def lines(text):
    """Non-blank lines of a textarea."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class LinesLimit:
    """Each line at most max_length characters, at most max_lines lines."""

    def __init__(self, what, max_lines=200, max_length=200):
        self.what, self.max_lines, self.max_length = what, max_lines, max_length

    def __call__(self, form, field):
        entries = lines(field.data)
        if len(entries) > self.max_lines:
            raise ValidationError(f"Enter {self.max_lines} {self.what} or fewer")
        for entry in entries:
            if len(entry) > self.max_length:
                raise ValidationError(
                    f"Each of the {self.what} must be {self.max_length} characters or fewer")
