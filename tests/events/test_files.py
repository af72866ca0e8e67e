"""Reading notes from uploaded files, by content not name (no app)."""
import csv
import io
import zipfile

import docx
import pytest
from openpyxl import Workbook

from engage.events.files import NotesFileError, read_notes_file
from engage.events.notes import NoteError, ParsedNote


def workbook(rows, leading_blank_rows=0):
    book = Workbook()
    sheet = book.active
    for _ in range(leading_blank_rows):
        sheet.append([])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def test_spreadsheet_without_a_header_row_is_all_notes():
    result = read_notes_file("notes.xlsx", workbook([["Buses stop at six"], ["Respite (x3)"]]))
    assert result.label == "Row"
    assert result.notes == [ParsedNote("Buses stop at six", None, 1, 1), ParsedNote("Respite", None, 3, 2)]


def test_spreadsheet_row_numbers_count_blank_rows_above():
    result = read_notes_file("notes.xlsx", workbook([["Note", "Section"], ["Buses", 3]], leading_blank_rows=2))
    assert result.notes == [ParsedNote("Buses", "3", 1, 4)]


def test_csv_in_windows_1252_with_a_header():
    data = csv_bytes([["Comments", "Speaks for"], ["“Respite” costs £20", "1,200"]], encoding="cp1252")
    assert read_notes_file("notes.csv", data).notes == [ParsedNote("“Respite” costs £20", None, 1200, 2)]


def test_csv_excel_utf8_with_byte_order_mark():
    data = "\ufeffNote,Section\r\nCafé closed,S1\r\n".encode("utf-8")
    assert read_notes_file("notes.csv", data).notes == [ParsedNote("Café closed", "1", 1, 2)]


def test_a_spreadsheet_saved_as_csv_name_is_refused():
    with pytest.raises(NotesFileError, match="not a CSV file"):
        read_notes_file("notes.csv", workbook([["Buses"]]))


def test_notepad_unicode_text():
    data = "Buses stop at six\r\n".encode("utf-16")
    assert read_notes_file("notes.txt", data).notes == [ParsedNote("Buses stop at six", None, 1, 1)]


def test_word_document_with_line_breaks_and_merged_table_cells():
    document = docx.Document()
    paragraph = document.add_paragraph("First point")
    paragraph.add_run().add_break()
    paragraph.add_run("Second point")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "Merged cell point"
    table.cell(0, 1).text = "Top right"
    table.cell(1, 1).text = "Bottom right"
    buffer = io.BytesIO()
    document.save(buffer)
    result = read_notes_file("notes.DOCX", buffer.getvalue())
    assert result.label == "Paragraph"
    assert [note.text for note in result.notes] == ["First point", "Second point", "Merged cell point", "Top right",
                                                    "Bottom right"]


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(NotesFileError, match="not an Excel workbook"):
        read_notes_file("notes.xlsx", buffer.getvalue())


def test_a_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(NotesFileError, match="too large to read"):
        read_notes_file("notes.xlsx", buffer.getvalue())


def test_a_damaged_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not xml at all")
    with pytest.raises(NotesFileError, match="not an Excel workbook"):
        read_notes_file("notes.xlsx", buffer.getvalue())


def test_problems_in_a_file_name_rows():
    with pytest.raises(NoteError) as caught:
        read_notes_file("notes.csv", csv_bytes([["Note", "Section"], ["Fine", "1"], ["Bad", "three"]]))
    assert caught.value.line_numbers == [3]


def test_the_size_limit_is_checked_before_reading():
    with pytest.raises(NotesFileError, match="smaller than 1 MB"):
        read_notes_file("notes.txt", b"x" * (1024 * 1024 + 1), max_bytes=1024 * 1024)
