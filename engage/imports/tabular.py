"""Read an uploaded CSV or Excel (.xlsx) file a row at a time, whatever tool wrote it.

Pure: no Flask, no database. Files are streamed from disk, never read whole into
memory, so a 100 MB export costs the same memory as a 1 MB one. Every problem is
a TableError worded for the officer who uploaded the file, with the row number
where there is one (row 1 is the header row, as in a spreadsheet).
"""
import codecs
import csv
import os
from dataclasses import dataclass, field

from engage.packages import NotThePackage, TooLargeToRead, check_package

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 100 * MB
# Sheet XML compresses well (10-20x is usual), but a workbook that claims more than this
# once unzipped is refused before openpyxl starts on it.
DEFAULT_MAX_UNCOMPRESSED = 2048 * MB
_BOMB_RATIO = 200
_BOMB_MIN_SIZE = 10 * MB
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

NOT_XLSX = ("The selected file is not an Excel workbook (.xlsx), although its name ends in .xlsx. "
            "Open it in Excel and save it as an Excel workbook or as CSV, then upload it again.")
OLD_XLS = ("The selected file is an old-style Excel file (.xls). Open it in Excel and save it as "
           "an Excel workbook (.xlsx) or as CSV, then upload it again.")
NOT_CSV = ("The selected file is not a CSV file. Save it from your survey tool or spreadsheet as "
           "CSV or as an Excel workbook (.xlsx), then upload it again.")
TOO_LARGE_TO_READ = "The Excel workbook is too large to read once unzipped. Save it as CSV and upload that."
WRONG_TYPE = "The selected file must be a CSV file (.csv) or an Excel workbook (.xlsx)."

_BINARY_SIGNATURES = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"{\\rtf", b"\x89PNG", b"\xff\xd8\xff",
                      b"GIF8")


class TableError(ValueError):
    """A problem with an uploaded file, worded for the person who uploaded it."""

    def __init__(self, message, row=None):
        super().__init__(message)
        self.row = row


@dataclass
class Row:
    """One row of data: its spreadsheet row number and its cells by column name."""

    number: int
    values: dict
    # Non-empty cells beyond the last named column (a sign of a stray delimiter).
    extra_cells: int = 0


@dataclass
class Table:
    """An open file: its column names, and its rows one at a time (see rows())."""

    headers: list
    format: str
    encoding: str = ""
    delimiter: str = ""
    _rows: object = None
    _fraction: object = None
    _close: object = None
    _warnings: list = field(default_factory=list)

    def rows(self):
        """The data rows, in order, skipping rows with no values at all."""
        return self._rows

    def fraction_read(self):
        """Roughly how far through the file reading has got, from 0 to 1."""
        try:
            return max(0.0, min(1.0, self._fraction()))
        except (OSError, ValueError, ZeroDivisionError):
            return 0.0

    def close(self):
        """Close the underlying file."""
        if self._close:
            self._close()
            self._close = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def safe_for_spreadsheet(value):
    """The value with a leading quote if a spreadsheet would read it as a formula.

    Imported cells are stored exactly as they arrived; this is applied on the way out,
    when a CSV or XLSX export is built, so that "=HYPERLINK(...)" shows as text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def size_label(n):
    """E.g. 100 MB, 1.5 MB or 12 KB."""
    if n >= MB:
        return f"{n / MB:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def open_table(path, filename, max_bytes=DEFAULT_MAX_BYTES, max_uncompressed=DEFAULT_MAX_UNCOMPRESSED):
    """Open the file at path (uploaded as filename) as a Table, or raise TableError.

    The name decides what the file should be; its content must agree.
    """
    suffix = os.path.splitext(filename or "")[1].lower()
    size = os.path.getsize(path)
    if size == 0:
        raise TableError("The selected file is empty.")
    if size > max_bytes:
        raise TableError(f"The selected file must be smaller than {size_label(max_bytes)}.")
    with open(path, "rb") as probe:
        head = probe.read(8)
    if suffix in XLSX_SUFFIXES:
        return _open_xlsx(path, head, max_uncompressed)
    if suffix == ".xls":
        raise TableError(OLD_XLS)
    if suffix in CSV_SUFFIXES:
        return _open_csv(path, head)
    raise TableError(WRONG_TYPE)


# CSV ----------------------------------------------------------------------------------------

def detect_encoding(path, head=None):
    """utf-8-sig, utf-16 or utf-8 if the whole file decodes as UTF-8, else cp1252."""
    if head is None:
        with open(path, "rb") as probe:
            head = probe.read(8)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16, tab-delimited.
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as stream:
        try:
            while chunk := stream.read(256 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # Excel on Windows saves "CSV" in the Windows code page: £ is 0xA3, quotes 0x91-0x94.
            return "cp1252"
    return "utf-8"


def detect_delimiter(sample):
    """Which of , ; tab | separates the columns, judged from the start of the file."""
    if "\n" in sample.rstrip("\r\n"):
        # Only whole lines: a line cut in half would mislead the sniffer.
        sample = sample[: sample.rstrip("\r\n").rfind("\n") + 1] or sample
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
        if dialect.delimiter in DELIMITERS:
            return dialect.delimiter
    except csv.Error:
        pass
    # The sniffer gives up on one-line or irregular samples: count them in the header line.
    header = sample.splitlines()[0] if sample else ""
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _open_csv(path, head):
    if head.startswith(_BINARY_SIGNATURES):
        if head.startswith(b"PK\x03\x04"):
            raise TableError("The selected file is an Excel workbook or another zipped file, although its "
                             "name ends in .csv. Upload it with a name ending in .xlsx, or save it as CSV.")
        raise TableError(NOT_CSV)
    encoding = detect_encoding(path, head)
    text = open(path, encoding=encoding, errors="replace" if encoding == "cp1252" else "strict",
                newline="")
    try:
        sample = text.read(SNIFF_BYTES)
        delimiter = detect_delimiter(sample)
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        try:
            raw_headers = next(reader)
        except StopIteration:
            raise TableError("The selected file is empty.") from None
        except csv.Error as error:
            raise TableError(_csv_problem(error, 1), row=1) from None
        if any("\x00" in raw for raw in raw_headers):
            raise TableError(_nul_problem(1), row=1)
        if not any(raw.strip() for raw in raw_headers):
            raise TableError("The first row of the file must name the columns, but it is empty.", row=1)
        headers = unique_headers(raw_headers)
    except BaseException:
        text.close()
        raise
    size = os.path.getsize(path) or 1
    raw = text.buffer

    def fraction():
        return raw.tell() / size

    return Table(headers=headers, format="csv", encoding=encoding, delimiter=delimiter,
                 _rows=_csv_rows(reader, headers), _fraction=fraction, _close=text.close)


def _csv_rows(reader, headers):
    number = 1
    width = len(headers)
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise TableError(_csv_problem(error, number), row=number) from None
        if any("\x00" in cell for cell in cells):
            raise TableError(_nul_problem(number), row=number)
        if not any(cell.strip() for cell in cells):
            continue
        extra = sum(1 for cell in cells[width:] if cell.strip())
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        yield Row(number, dict(zip(headers, cells)), extra)


def _nul_problem(number):
    return (f"Row {number} contains a NUL character, which a CSV file never has. The file may be "
            "damaged or not really CSV: save it as CSV again.")


def _csv_problem(error, number):
    message = str(error)
    if "field limit" in message or "unexpected end of data" in message or "EOF" in message:
        return (f"Row {number} could not be read: a quoted value is not closed. Check the row for a "
                "stray double quote (\") and save the file as CSV again.")
    if "expected after" in message:
        return (f"Row {number} could not be read: a double quote (\") is followed by more text in the "
                "same cell. Check the row and save the file as CSV again.")
    return f"Row {number} could not be read ({message}). Check the row and save the file as CSV again."


def unique_headers(raw_headers):
    """Column names with surrounding space removed, blanks named and repeats numbered."""
    headers, seen = [], {}
    for position, raw in enumerate(raw_headers, start=1):
        name = " ".join(str(raw if raw is not None else "").replace("\ufeff", "").split())
        name = name or f"Column {position}"
        if name.lower() in seen:
            seen[name.lower()] += 1
            name = f"{name} ({seen[name.lower()]})"
        seen.setdefault(name.lower(), 1)
        headers.append(name)
    # Trailing unnamed columns (a trailing delimiter on the header line) carry nothing.
    while headers and headers[-1].startswith("Column ") and not str(raw_headers[len(headers) - 1] or "").strip():
        headers.pop()
    return headers


# XLSX ---------------------------------------------------------------------------------------

def _open_xlsx(path, head, max_uncompressed):
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError(OLD_XLS)
    if not head.startswith(b"PK\x03\x04"):
        raise TableError(NOT_XLSX)
    try:
        check_package(path, "xl/workbook.xml", max_uncompressed, _BOMB_MIN_SIZE, _BOMB_RATIO)
    except NotThePackage:
        raise TableError(NOT_XLSX) from None
    except TooLargeToRead:
        raise TableError(TOO_LARGE_TO_READ) from None

    import openpyxl  # imported here: only workbooks need it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for damaged or odd packages
        raise TableError(NOT_XLSX) from None
    try:
        sheet = workbook.worksheets[0]
        estimated_rows = sheet.max_row or 0
        # Some tools write a wrong <dimension>; without this, rows past it would be lost.
        sheet.reset_dimensions()
        cells = sheet.iter_rows(values_only=True)
        try:
            first = next(cells)
        except StopIteration:
            raise TableError("The selected file is empty.") from None
        raw_headers = [_cell_text(value) for value in first]
        if not any(raw.strip() for raw in raw_headers):
            raise TableError("The first row of the first sheet must name the columns, but it is empty.",
                             row=1)
        headers = unique_headers(raw_headers)
    except TableError:
        workbook.close()
        raise
    except Exception:
        workbook.close()
        raise TableError(NOT_XLSX) from None

    progress = {"rows": 1}

    def fraction():
        return progress["rows"] / estimated_rows if estimated_rows > 1 else 0.0

    return Table(headers=headers, format="xlsx", _rows=_xlsx_rows(cells, headers, progress),
                 _fraction=fraction, _close=workbook.close)


def _xlsx_rows(cells, headers, progress):
    width = len(headers)
    number = 1
    while True:
        number += 1
        try:
            values = next(cells)
        except StopIteration:
            return
        except Exception:
            raise TableError(f"Row {number} of the workbook could not be read. Open the file in Excel, "
                             "save it again and upload it again.", row=number) from None
        progress["rows"] = number
        texts = [_cell_text(value) for value in values]
        if not any(text.strip() for text in texts):
            continue
        extra = sum(1 for text in texts[width:] if text.strip())
        if len(texts) < width:
            texts = texts + [""] * (width - len(texts))
        yield Row(number, dict(zip(headers, texts)), extra)


def _cell_text(value):
    """A cell's value as text: whole numbers without ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat(sep=" ") if hasattr(value, "hour") and hasattr(value, "year") else value.isoformat()
        return text.removesuffix(" 00:00:00")
    return str(value)
