"""Plain-text helpers shared by the serialisers: safe cell values, suppressed counts, theme order."""
import re

NOT_SHOWN = "not shown"
# Characters XML 1.0 forbids (DOCX and XLSX are XML): control characters other than tab, newline, return.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xml_safe(text):
    """The text without characters that cannot appear in an XML document."""
    return _NOT_XML.sub("", text or "")


def sheet_value(value):
    """A value for a spreadsheet or CSV cell: numbers as they are, text made safe and never a formula."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = xml_safe(str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def count_text(cell):
    """A cell of the statement (maybe suppressed) as a reader sees it: "12" or "not shown"."""
    if cell.get("suppressed"):
        return NOT_SHOWN
    return f"{cell.get('count') or 0:,}"


def cell_value(cell):
    """A cell for a spreadsheet: the number, or "not shown" when it is suppressed."""
    return NOT_SHOWN if cell.get("suppressed") else (cell.get("count") or 0)


def number(value):
    """1234 -> "1,234"; anything else as text."""
    return f"{value:,}" if isinstance(value, int) else str(value if value is not None else "")


def paragraphs(text):
    """Plain text as paragraphs (split at blank lines), each with its lines joined by newlines."""
    blocks = [block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n")]
    return ["\n".join(line.strip() for line in block.split("\n") if line.strip()) for block in blocks if block]


def all_themes(content):
    """Every theme of the statement, depth-first (a top-level theme, then the themes below it)."""
    for theme in (content.get("what_people_said") or {}).get("themes", []):
        yield theme
        yield from theme.get("children", [])


def theme_paths(content):
    """{theme id: name with its parents ("Transport › Community transport")}."""
    names = {}
    for theme in all_themes(content):
        parent = names.get(theme.get("parent_id"))
        names[theme["id"]] = f"{parent} › {theme['name']}" if parent else theme["name"]
    return names


def plural(count, singular, plural_form=None):
    """"1 comment", "1,203 comments"."""
    return f"{count:,} {singular if count == 1 else (plural_form or singular + 's')}"
