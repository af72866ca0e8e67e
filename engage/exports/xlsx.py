"""The statement's spreadsheet (openpyxl, write-only so 300,000 rows stream to disk).

Sheets: "Published responses" (the comments people agreed to publish, redactions
applied, no references), "Themes" (counts), "Who responded" (counts by group,
locality, channel and the equality tables) and "Notes". Suppressed counts are
"not shown", as in the statement; no cell starts a formula.
"""
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from engage.exports.responses import published_responses
from engage.exports.tabular import PUBLISHED_HEADERS, published_row, theme_table, who_table
from engage.exports.text import sheet_value, xml_safe

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
PUBLISHED_WIDTHS = (30, 40, 30, 30, 80, 25)


def _header(sheet, headers):
    """The first row, in bold, frozen so it stays in view."""
    sheet.freeze_panes = "A2"
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=sheet_value(header))
        cell.font = BOLD
        cells.append(cell)
    sheet.append(cells)


def _widths(sheet, widths):
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width


def published_responses_xlsx(consultation, content, target, rows=None, revision=None):
    """Write the spreadsheet to target (a path or a binary file) and return target.

    rows: the published comments (dicts from engage.exports.responses); read from the
    database, a chunk at a time, when not given.
    """
    workbook = Workbook(write_only=True)
    title = f"Statement of consultation: {content['consultation']['title']}"
    workbook.properties.title = xml_safe(title)[:250]
    workbook.properties.language = "en-GB"
    workbook.properties.subject = "Statement of consultation"
    workbook.properties.creator = xml_safe(content["consultation"].get("organisation") or "Engage")[:250]
    workbook.properties.keywords = "statement of consultation; published responses; themes"

    published = workbook.create_sheet("Published responses")
    _widths(published, PUBLISHED_WIDTHS)
    _header(published, PUBLISHED_HEADERS)
    for row in rows if rows is not None else published_responses(consultation):
        published.append(published_row(row))

    themes = workbook.create_sheet("Themes")
    headers, theme_rows = theme_table(content)
    _widths(themes, [40, 30] + [12] * (len(headers) - 2))
    _header(themes, headers)
    for row in theme_rows:
        themes.append(row)

    who = workbook.create_sheet("Who responded")
    headers, who_rows = who_table(content)
    _widths(who, (55, 45, 12, 12))
    _header(who, headers)
    for row in who_rows:
        who.append(row)

    notes = workbook.create_sheet("Notes")
    _widths(notes, (30, 100))
    consultation_part = content["consultation"]
    published_at = getattr(revision, "published_at", None)
    for label, value in (
            ("Consultation", consultation_part["title"]),
            ("Organisation", consultation_part.get("organisation", "")),
            ("Revision of the statement", getattr(revision, "number", "")),
            ("Published", published_at.strftime("%Y-%m-%d %H:%M UTC") if isinstance(published_at, datetime)
             else ""),
            ("Published responses", "Only comments from people who agreed to publication, with personal "
                                    "details removed. Comments withheld by moderators are not included."),
            ("Not shown", content["suppression"]["note"])):
        label_cell = WriteOnlyCell(notes, value=sheet_value(label))
        label_cell.font = BOLD
        value_cell = WriteOnlyCell(notes, value=sheet_value(value))
        value_cell.alignment = WRAP
        notes.append([label_cell, value_cell])

    workbook.save(target)
    return target
