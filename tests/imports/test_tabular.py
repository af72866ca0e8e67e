"""Reading uploaded CSV and Excel files (no app, no database)."""
import io
import tracemalloc
import zipfile
from datetime import datetime

import openpyxl
import pytest

from engage.imports.tabular import TableError, detect_delimiter, open_table, safe_for_spreadsheet


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _read(path, name=None, **limits):
    with open_table(path, name or path.name, **limits) as table:
        return table.headers, [(row.number, row.values) for row in table.rows()], table


def _xlsx(tmp_path, rows, name="book.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as a survey tool writes it
    path = tmp_path / name
    workbook.save(path)
    return path


def test_reads_utf8_csv_as_dict_rows_numbered_like_a_spreadsheet(tmp_path):
    path = _write(tmp_path, "a.csv", "ID,Comment\n1,Café\n2,“Good”\n")
    headers, rows, table = _read(path)
    assert headers == ["ID", "Comment"]
    assert rows == [(2, {"ID": "1", "Comment": "Café"}), (3, {"ID": "2", "Comment": "“Good”"})]
    assert table.encoding == "utf-8"
    assert table.delimiter == ","


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    path = _write(tmp_path, "bom.csv", b"\xef\xbb\xbfID,Comment\n1,Fine\n")
    headers, rows, table = _read(path)
    assert headers == ["ID", "Comment"]
    assert rows[0][1]["ID"] == "1"
    assert table.encoding == "utf-8-sig"


def test_windows_1252_pound_sign_and_curly_quotes_are_read_correctly(tmp_path):
    text = "ID,Comment\n1,\u201cThe bus costs \u00a34.50\u201d \u2013 it\u2019s too much\n"
    path = _write(tmp_path, "excel.csv", text.encode("cp1252"))
    headers, rows, table = _read(path)
    assert table.encoding == "cp1252"
    assert rows[0][1]["Comment"] == "\u201cThe bus costs \u00a34.50\u201d \u2013 it\u2019s too much"


def test_utf16_text_export_from_excel_is_read(tmp_path):
    path = _write(tmp_path, "unicode.txt", "ID\tComment\n1\tTé\n".encode("utf-16"))
    headers, rows, table = _read(path)
    assert table.delimiter == "\t"
    assert rows == [(2, {"ID": "1", "Comment": "Té"})]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_the_delimiter_is_detected(tmp_path, delimiter):
    lines = [delimiter.join(["ID", "Group", "Comment"])]
    lines += [delimiter.join([str(n), "Carers", f"\"Point {n}, with a comma\""]) for n in range(1, 6)]
    path = _write(tmp_path, "d.csv", "\n".join(lines) + "\n")
    headers, rows, table = _read(path)
    assert table.delimiter == delimiter
    assert headers == ["ID", "Group", "Comment"]
    assert rows[0][1] == {"ID": "1", "Group": "Carers", "Comment": "Point 1, with a comma"}


def test_a_semicolon_file_with_commas_in_the_text_is_still_semicolon_delimited(tmp_path):
    path = _write(tmp_path, "semi.csv", "ID;Comment;Groups\n1;Yes, but slowly;Carers\n2;No, never, not at all;Staff\n")
    headers, rows, table = _read(path)
    assert table.delimiter == ";"
    assert rows[1][1]["Comment"] == "No, never, not at all"


def test_detect_delimiter_falls_back_to_the_header_line():
    assert detect_delimiter("a;b;c\n") == ";"
    assert detect_delimiter("single column\n") == ","


def test_quoted_cells_may_span_lines_and_row_numbers_count_records(tmp_path):
    path = _write(tmp_path, "multi.csv", 'ID,Comment\n1,"line one\nline two"\n2,next\n')
    _, rows, _ = _read(path)
    assert rows == [(2, {"ID": "1", "Comment": "line one\nline two"}), (3, {"ID": "2", "Comment": "next"})]


def test_formula_like_cells_are_kept_exactly_as_text(tmp_path):
    path = _write(tmp_path, "f.csv", 'ID,Comment\n1,"=HYPERLINK(""http://x"",""y"")"\n2,+44 1234\n3,-minus\n4,@sum\n')
    _, rows, _ = _read(path)
    assert [values["Comment"] for _, values in rows] == ['=HYPERLINK("http://x","y")', "+44 1234", "-minus", "@sum"]


@pytest.mark.parametrize("value,expected", [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+44 1234", "'+44 1234"),
    ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("Plain text", "Plain text"),
    ("", ""),
    (42, 42),
    (None, None),
])
def test_safe_for_spreadsheet_quotes_anything_a_spreadsheet_would_run(value, expected):
    assert safe_for_spreadsheet(value) == expected


def test_a_nul_byte_is_refused_with_its_row_number(tmp_path):
    path = _write(tmp_path, "nul.csv", b"ID,Comment\n1,fine\n2,fine\n3,bro\x00ken\n")
    with pytest.raises(TableError) as problem:
        _read(path)
    assert problem.value.row == 4
    assert "Row 4" in str(problem.value)
    assert "NUL" in str(problem.value)


def test_an_unterminated_quote_is_refused_with_its_row_number(tmp_path):
    path = _write(tmp_path, "quote.csv", 'ID,Comment\n1,fine\n2,"never closed\n3,more\n')
    with pytest.raises(TableError) as problem:
        _read(path)
    assert problem.value.row == 3
    assert "Row 3" in str(problem.value)
    assert "quoted value is not closed" in str(problem.value)


def test_text_after_a_closing_quote_is_refused_with_its_row_number(tmp_path):
    path = _write(tmp_path, "bad.csv", 'ID,Comment\n1,"closed"then more\n')
    with pytest.raises(TableError) as problem:
        _read(path)
    assert problem.value.row == 2


def test_an_empty_file_is_refused(tmp_path):
    path = _write(tmp_path, "empty.csv", b"")
    with pytest.raises(TableError, match="empty"):
        _read(path)


def test_a_file_of_blank_lines_is_refused(tmp_path):
    path = _write(tmp_path, "blank.csv", "\n\n")
    with pytest.raises(TableError):
        _read(path)


def test_blank_rows_are_skipped_and_short_rows_padded(tmp_path):
    path = _write(tmp_path, "gaps.csv", "ID,A,B\n1,x\n,,\n\n2,y,z\n")
    _, rows, _ = _read(path)
    assert rows == [(2, {"ID": "1", "A": "x", "B": ""}), (5, {"ID": "2", "A": "y", "B": "z"})]


def test_extra_cells_beyond_the_header_are_counted(tmp_path):
    path = _write(tmp_path, "extra.csv", "ID,A\n1,x,surprise\n2,y,\n")
    with open_table(path, "extra.csv") as table:
        rows = list(table.rows())
    assert [row.extra_cells for row in rows] == [1, 0]


def test_column_names_are_tidied_blank_ones_named_and_repeats_numbered(tmp_path):
    path = _write(tmp_path, "names.csv", " ID , Comment,,comment,Comment \n1,a,b,c,d\n")
    headers, rows, _ = _read(path)
    assert headers == ["ID", "Comment", "Column 3", "comment (2)", "Comment (3)"]
    assert rows[0][1]["Column 3"] == "b"


def test_a_file_over_the_size_cap_is_refused(tmp_path):
    path = _write(tmp_path, "big.csv", "ID,Comment\n" + "1,hello\n" * 200)
    with pytest.raises(TableError, match="smaller than 1 KB"):
        _read(path, max_bytes=1024)
    headers, rows, _ = _read(path, max_bytes=10 * 1024)
    assert len(rows) == 200


def test_a_text_file_renamed_xlsx_is_refused_clearly(tmp_path):
    path = _write(tmp_path, "responses.xlsx", "ID,Comment\n1,hello\n")
    with pytest.raises(TableError, match="not an Excel workbook"):
        _read(path)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    path = _write(tmp_path, "letter.xlsx", buffer.getvalue())
    with pytest.raises(TableError, match="not an Excel workbook"):
        _read(path)


def test_an_old_xls_file_is_refused_with_advice(tmp_path):
    path = _write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(TableError, match=r"old-style Excel file \(\.xls\)"):
        _read(path)


def test_a_workbook_in_a_csv_name_is_refused_clearly(tmp_path):
    path = _xlsx(tmp_path, [["ID"], [1]], name="really.csv")
    with pytest.raises(TableError, match="name ends in .csv"):
        _read(path)


def test_other_file_types_are_refused(tmp_path):
    path = _write(tmp_path, "plan.pdf", b"%PDF-1.7")
    with pytest.raises(TableError, match="CSV file"):
        _read(path)


def test_a_workbook_that_would_unzip_too_large_is_refused(tmp_path):
    path = _xlsx(tmp_path, [["ID", "Comment"]] + [[n, "x" * 200] for n in range(200)])
    with pytest.raises(TableError, match="too large to read"):
        _read(path, max_uncompressed=10 * 1024)


def test_reads_an_xlsx_workbook_with_values_only(tmp_path):
    path = _xlsx(tmp_path, [
        ["ID", "Submitted", "Comment", "Score", None],
        [101, datetime(2026, 3, 5, 14, 30), '=HYPERLINK("http://x","y")', 4.5, None],
        [None, None, None, None, None],
        [102, datetime(2026, 3, 6), "Fine", 3.0, None],
    ])
    headers, rows, table = _read(path)
    assert table.format == "xlsx"
    assert headers == ["ID", "Submitted", "Comment", "Score"]
    assert rows[0] == (2, {"ID": "101", "Submitted": "2026-03-05 14:30:00",
                           "Comment": '=HYPERLINK("http://x","y")', "Score": "4.5"})
    assert rows[1] == (4, {"ID": "102", "Submitted": "2026-03-06", "Comment": "Fine", "Score": "3"})


def test_an_empty_workbook_is_refused(tmp_path):
    path = _xlsx(tmp_path, [])
    with pytest.raises(TableError):
        _read(path)


def test_a_large_csv_is_streamed_not_loaded(tmp_path):
    path = tmp_path / "large.csv"
    with open(path, "w", encoding="utf-8") as out:
        out.write("ID,Comment,Group\n")
        for n in range(150_000):
            out.write(f'{n},"A comment about the plan, number {n}, with several words in it",Carers\n')
    assert path.stat().st_size > 10 * 1024 * 1024
    tracemalloc.start()
    count = 0
    with open_table(path, "large.csv") as table:
        for _ in table.rows():
            count += 1
        assert table.fraction_read() == pytest.approx(1.0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 150_000
    # Flat: a fraction of the file's 11 MB, whatever its size.
    assert peak < 2 * 1024 * 1024
