"""Forms for importing files: the upload, and what each column of the file is."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from engage.imports import services

UPLOAD_HINTS = {
    "responses": "A CSV file or an Excel workbook (.xlsx) exported from a survey tool, with one row per "
                 "response and the column names in the first row.",
    "coded": "A CSV file or an Excel workbook (.xlsx) with one comment per row, a column for its text and a "
             "column for its themes, separated by semicolons (;). Write “Parent > Child” for a theme "
             "inside another.",
}


class UploadForm(FlaskForm):
    """Choose the file to import."""

    upload = FileField("Upload a file", widget=GovFileInput(),
                       validators=[FileRequired(message="Select a CSV or Excel file to upload")])
    submit = SubmitField("Upload and continue", widget=GovSubmitInput())

    def __init__(self, kind, max_bytes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload.description = (f"{UPLOAD_HINTS[kind]} Up to {services.tabular.size_label(max_bytes)}.")


class MappingForm(FlaskForm):
    """One select per column of the file (added in mapping_form), and how dates are written."""

    date_order = RadioField("How are dates written in this file?", widget=GovRadioInput(),
                            choices=[SelectChoice(value, label) for value, label in services.DATE_ORDERS.items()],
                            default="dmy")
    submit = SubmitField("Save and check the file", widget=GovSubmitInput())

    kind = "responses"
    column_fields = ()  # (field name, column name) pairs, set by mapping_form

    def column_mapping(self):
        """{column name: chosen target} as submitted."""
        return {column: self[name].data for name, column in self.column_fields}

    def mapping(self):
        """The mapping to remember and check with."""
        return {"columns": self.column_mapping(), "date_order": self.date_order.data or "dmy"}

    def validate(self, extra_validators=None):
        """Each thing can come from one column only; the required things must be chosen."""
        ok = super().validate(extra_validators)
        by_column, general = services.mapping_problems(self.kind, self.column_mapping())
        names = dict((column, name) for name, column in self.column_fields)
        for column, message in by_column.items():
            self[names[column]].errors.append(message)
        if general and self.column_fields:
            self[self.column_fields[0][0]].errors.extend(general)
        return ok and not by_column and not general


def mapping_form(consultation, kind, headers, examples, initial):
    """A MappingForm with a select for each column, pre-filled with the initial mapping."""
    choices = [SelectChoice(value, label) for value, label in services.targets_for(consultation, kind)]
    fields, column_fields = {}, []
    for position, header in enumerate(headers):
        name = f"column_{position}"
        sample = examples.get(header) or []
        hint = ("For example: " + "; ".join(f"“{value}”" for value in sample)) if sample else "Empty in the first rows"
        fields[name] = SelectField(header, widget=GovSelect(), choices=choices, description=hint,
                                   default=(initial.get("columns") or {}).get(header, services.IGNORE))
        column_fields.append((name, header))
    form_class = type("ColumnMappingForm", (MappingForm,), fields)
    form_class.kind = kind
    form_class.column_fields = tuple(column_fields)
    form = form_class()
    if not form.is_submitted():
        form.date_order.data = initial.get("date_order") or "dmy"
    return form
