"""Read event notes from an uploaded file (.docx, .txt, .csv, .xlsx), judged by content, not name.

Plain data in (file name and bytes), parsed notes out: no Flask, no database. Every format
ends in engage.events.notes, so a note read from a file follows the same rules as a note typed.
"""
import csv
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import docx as python_docx
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from engage.events.notes import (
    MAX_NOTES,
    NoteError,
    NoteProblem,
    parse_notes,
    parse_rows,
)
from engage.packages import NotThePackage, TooLargeToRead, check_package

# The .docx safety checks (really a Word package, not too large, not a zip bomb) and the text
# reader are the ones used for plan drafts; they are private there but are exactly what is needed.
from engage.plans.docx import (
    MB,
    NOT_DOCX,
    DocxError,
    _block_elements,
    _check_zip,
    _plain_text,
    md_upload_to_text,
)

MAX_NOTES_FILE_BYTES = 10 * MB
MAX_UNCOMPRESSED = 100 * MB
# Spreadsheets often carry thousands of formatted but empty rows; stop reading long before memory matters.
MAX_SHEET_ROWS = 50_000
MAX_SHEET_COLUMNS = 50
SUFFIXES = (".docx", ".txt", ".csv", ".xlsx")

WRONG_TYPE = "The selected file must be a Word document (.docx), a text file (.txt) or a spreadsheet (.csv or .xlsx)"
EMPTY = "The selected file is empty"
NO_NOTES = "The selected file has no notes in it"
NOT_TEXT = "The selected file is not a text file. Save it as plain text (.txt) and try again"
NOT_CSV = "The selected file is not a CSV file. Save it as CSV (comma delimited) and try again"
NOT_XLSX = "The selected file is not an Excel workbook (.xlsx). Save it as .xlsx and try again"
TOO_LARGE_TO_READ = "The selected file is too large to read"

_SECTION_HEADERS = {"section", "plan section", "section number", "section no", "section no."}
_SPEAKS_FOR_HEADERS = {"speaks for", "number of people", "people", "how many", "count"}
_TEXT_HEADERS = {"note", "notes", "text", "comment", "comments", "feedback", "what people said", "point",
                 "points", "what was said"}
_BOMB_RATIO = 100
_BOMB_MIN_SIZE = 1 * MB


class NotesFileError(ValueError):
    """A file that cannot be read as notes, worded for the person who chose it."""


@dataclass(frozen=True)
class NotesFile:
    """The notes in a file, and what its line numbers count (lines, paragraphs or rows)."""

    notes: list
    label: str


def read_notes_file(filename, data, max_bytes=MAX_NOTES_FILE_BYTES):
    """The notes in an uploaded file; NotesFileError if it cannot be read, NoteError if a line is wrong."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise NotesFileError(WRONG_TYPE)
    if not data:
        raise NotesFileError(EMPTY)
    if len(data) > max_bytes:
        raise NotesFileError(f"The selected file must be smaller than {max_bytes // MB} MB")
    reader = {".docx": _read_docx, ".txt": _read_text, ".csv": _read_csv, ".xlsx": _read_xlsx}[suffix]
    result = reader(data)
    if not result.notes:
        raise NotesFileError(NO_NOTES)
    return result


def _read_text(data):
    text = _decode(data, NOT_TEXT)
    return NotesFile(parse_notes(text, label="Line"), "Line")


def _decode(data, message):
    """UTF-8 (with or without a byte order mark), else Windows-1252; refuses binary files."""
    try:
        return md_upload_to_text(data, max_bytes=len(data))
    except DocxError:
        raise NotesFileError(message) from None


def _read_docx(data):
    try:
        _check_zip(data, MAX_UNCOMPRESSED)
    except DocxError as problem:
        message = NOT_DOCX if str(problem) == NOT_DOCX else TOO_LARGE_TO_READ
        raise NotesFileError(message.rstrip(".")) from None
    try:
        document = python_docx.Document(io.BytesIO(data))
        paragraphs = list(_docx_paragraphs(document))
    except Exception as error:  # python-docx raises many types for damaged or non-Word packages
        raise NotesFileError(NOT_DOCX.rstrip(".")) from error
    # A line break inside a paragraph (Shift+Enter) starts a new note, as it would when typed.
    return NotesFile(parse_notes("\n".join(paragraphs), label="Paragraph"), "Paragraph")


def _docx_paragraphs(document):
    """The text of each paragraph, in reading order, including those in table cells."""
    for element in _block_elements(document.element.body):
        if element.tag == qn("w:tbl"):
            table = Table(element, document)
            for row in element.tr_lst:
                for tc in row.tc_lst:
                    if tc.vMerge == "continue":
                        continue  # merged cells: the text is in the first cell only
                    for paragraph in _Cell(tc, table).paragraphs:
                        yield _plain_text(paragraph)
        else:
            yield _plain_text(Paragraph(element, document))


def _read_csv(data):
    text = _decode(data, NOT_CSV)
    try:
        rows = [row for _, row in zip(range(MAX_SHEET_ROWS + 1), csv.reader(io.StringIO(text)))]
    except csv.Error as error:
        raise NotesFileError(NOT_CSV) from error
    if len(rows) > MAX_SHEET_ROWS:
        raise NotesFileError(f"The selected file has more than {MAX_SHEET_ROWS:,} rows. Split it into smaller files")
    return NotesFile(_rows_to_notes(rows), "Row")


def _read_xlsx(data):
    _check_xlsx_package(data)
    from openpyxl import load_workbook  # imported here: only imports need it

    rows = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it ignores
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                for row in sheet.iter_rows(max_col=MAX_SHEET_COLUMNS, values_only=True):
                    rows.append(list(row))
                    if len(rows) > MAX_SHEET_ROWS:
                        break
            finally:
                workbook.close()
    except Exception as error:  # openpyxl raises many types for damaged workbooks
        raise NotesFileError(NOT_XLSX) from error
    if len(rows) > MAX_SHEET_ROWS:
        raise NotesFileError(f"The selected file has more than {MAX_SHEET_ROWS:,} rows. Split it into smaller files")
    return NotesFile(_rows_to_notes(rows), "Row")


def _check_xlsx_package(data):
    """A real .xlsx is a zip holding xl/workbook.xml; refuse anything else, and zip bombs."""
    try:
        check_package(io.BytesIO(data), "xl/workbook.xml", MAX_UNCOMPRESSED, _BOMB_MIN_SIZE, _BOMB_RATIO)
    except NotThePackage:
        raise NotesFileError(NOT_XLSX) from None
    except TooLargeToRead:
        raise NotesFileError(TOO_LARGE_TO_READ) from None


def _header_name(value):
    return re.sub(r"[\s_-]+", " ", str(value or "")).strip().rstrip(":?").strip().lower()


def _rows_to_notes(rows):
    """Rows of cells to notes: the first column is the note, "Section" and "Speaks for" columns by header."""
    text_column, section_column, speaks_for_column = 0, None, None
    first = next((index for index, row in enumerate(rows) if any(_filled(cell) for cell in row)), None)
    start = 0
    if first is not None:
        headers = [_header_name(cell) for cell in rows[first]]
        found = {name for name in headers} & (_SECTION_HEADERS | _SPEAKS_FOR_HEADERS | _TEXT_HEADERS)
        if found:
            start = first + 1
            for index, name in enumerate(headers):
                if name in _SECTION_HEADERS and section_column is None:
                    section_column = index
                elif name in _SPEAKS_FOR_HEADERS and speaks_for_column is None:
                    speaks_for_column = index
            text_column = next((i for i, name in enumerate(headers) if name in _TEXT_HEADERS), 0)
    cells = []
    for index in range(start, len(rows)):
        row = rows[index]
        cells.append((index + 1, _cell(row, text_column), _cell(row, section_column), _cell(row, speaks_for_column)))
    if sum(1 for _, text, _, _ in cells if _filled(text)) > MAX_NOTES:
        raise NoteError([NoteProblem(None, f"The file has more than {MAX_NOTES:,} notes. "
                                           "Split it into smaller files.")])
    return parse_rows(cells)


def _cell(row, column):
    if column is None or column >= len(row):
        return None
    return row[column]


def _filled(cell):
    return cell is not None and str(cell).strip() != ""
