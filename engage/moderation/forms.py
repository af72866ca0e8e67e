"""Forms: hide words by hand, decide a redaction, withhold an item from publication or release it."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from engage.moderation.services import KIND_LABELS, KIND_TITLES, occurrences

MAX_WORDS = 1000
MAX_REASON = 500
# Most likely first: what an officer usually hides by hand.
KIND_ORDER = ("name", "other", "phone", "email", "postcode", "url", "nhs_number", "chi_number", "ni_number")


def _required_reason(field, message):
    """The reason typed, spaces tidied; stops with `message` when there is none, or it is too long."""
    reason = " ".join((field.data or "").split())
    if not reason:
        raise StopValidation(message)
    if len(reason) > MAX_REASON:
        raise StopValidation(f"The reason must be {MAX_REASON} characters or fewer")
    return reason


class AddRedactionForm(FlaskForm):
    """Words an officer hides by hand: they must appear in the item's text."""

    words = TextAreaField(
        "Words to hide", widget=GovTextArea(),
        description="Copy them from the original text. Every place they appear in this item is hidden.")
    kind = SelectField("What they are", widget=GovSelect(), choices=[], default="name", validate_choice=False)
    reason = StringField("Why they must be hidden", widget=GovTextInput(),
                         description="For example: names a member of staff, or identifies the writer’s family.")
    submit = SubmitField("Hide these words", widget=GovSubmitInput())

    def __init__(self, item, **kwargs):
        super().__init__(prefix="redact", **kwargs)
        self.item = item
        self.kind.choices = [SelectChoice(kind, KIND_TITLES[kind]) for kind in KIND_ORDER]

    def validate_words(self, field):
        """The words must be given, and appear in the item's text."""
        words = (field.data or "").strip()
        if not words:
            raise StopValidation("Enter the words to hide")
        if len(words) > MAX_WORDS:
            raise StopValidation(f"The words to hide must be {MAX_WORDS:,} characters or fewer")
        if not occurrences(self.item.text, words):
            raise ValidationError("These words are not in the text. Copy them exactly as they appear in the "
                                  "original text")

    def validate_kind(self, field):
        """A kind from the list."""
        if field.data not in KIND_LABELS:
            raise ValidationError("Select what the words are from the list")

    def validate_reason(self, field):
        """A reason is needed: it is kept in the audit log."""
        field.data = _required_reason(field, "Enter why these words must be hidden")


class DecisionForm(FlaskForm):
    """The reason for deciding one redaction; needed to publish words that were hidden."""

    reason = StringField("Reason", widget=GovTextInput())

    class Meta:
        # The app-wide CSRFProtect checks every POST before the view; the queue's buttons send
        # the page's token unprefixed, which this form's own (prefixed) check would not find.
        csrf = False

    def __init__(self, redaction, needs_reason=False, **kwargs):
        super().__init__(prefix=f"redaction-{redaction.id}", **kwargs)
        self.needs_reason = needs_reason
        if redaction.status == "confirmed":
            self.reason.label.text = "Why these words may be published after all"
        else:
            self.reason.label.text = "Reason (optional)"

    def validate_reason(self, field):
        """Optional, unless words that were hidden are to be published."""
        if self.needs_reason:
            field.data = _required_reason(field, "Enter why these words may be published after all")
            return
        field.data = " ".join((field.data or "").split())
        if len(field.data) > MAX_REASON:
            raise ValidationError(f"The reason must be {MAX_REASON} characters or fewer")


class WithholdForm(FlaskForm):
    """Why an item is kept out of publication (it still counts in the analysis)."""

    reason = StringField("Why it must not be published", widget=GovTextInput(),
                         description="For example: abusive, defamatory, or identifies someone.")
    submit = SubmitField("Withhold from publication", widget=GovSubmitInput())

    def __init__(self, **kwargs):
        super().__init__(prefix="withhold", **kwargs)

    def validate_reason(self, field):
        """A reason is needed: it is kept with the item and in the audit log."""
        field.data = _required_reason(field, "Enter why this item must not be published")


class ReleaseForm(FlaskForm):
    """Why a withheld item may be published after all."""

    reason = StringField("Why it may be published now", widget=GovTextInput())
    submit = SubmitField("Release for publication", widget=GovSubmitInput())

    def __init__(self, **kwargs):
        super().__init__(prefix="release", **kwargs)

    def validate_reason(self, field):
        """A reason is needed: it is kept in the audit log."""
        field.data = _required_reason(field, "Enter why this item may be published now")
