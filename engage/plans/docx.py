"""Turn an uploaded Word (.docx) or Markdown/text file into plan Markdown."""
import io
import re

import docx as python_docx
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from engage.packages import NotThePackage, TooLargeToRead, check_package

MB = 1024 * 1024
NOT_DOCX = "The selected file is not a Word document (.docx). Save it as .docx and try again."
NOT_TEXT = "The selected file is not a Markdown or text file."
TOO_LARGE_TO_READ = "The Word document is too large to read."

# A Word document's XML compresses well, but not a hundredfold at this size.
_BOMB_RATIO = 100
_BOMB_MIN_SIZE = 1 * MB

_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_LIST_STYLE_LEVEL = re.compile(r"\s(\d)$")
# Signatures of formats people commonly upload by mistake: zip (docx, xlsx), PDF, old .doc, RTF,
# PNG, JPEG, GIF.
_BINARY_SIGNATURES = (
    b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"{\\rtf", b"\x89PNG", b"\xff\xd8\xff", b"GIF8",
)


class DocxError(ValueError):
    """A problem with an uploaded file, worded for the person who uploaded it."""


def docx_to_markdown(data: bytes, max_bytes: int = 5 * MB, max_uncompressed: int = 50 * MB) -> str:
    """Markdown for the body of a .docx file, or DocxError saying why it cannot be read."""
    _check_size(data, max_bytes)
    _check_zip(data, max_uncompressed)
    try:
        document = python_docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many types for damaged or non-Word packages
        raise DocxError(NOT_DOCX) from error
    try:
        return _Converter(document).convert(document.element.body)
    except Exception as error:  # odd XML that opens but cannot be walked: refuse, never crash
        raise DocxError(NOT_DOCX) from error


def md_upload_to_text(data: bytes, max_bytes: int = 5 * MB) -> str:
    """The text of an uploaded .md or .txt file, or DocxError if it is not text."""
    _check_size(data, max_bytes)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Notepad's "Unicode" is UTF-16, full of NUL bytes that would otherwise look binary.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise DocxError(NOT_TEXT) from error
    else:
        if data.startswith(_BINARY_SIGNATURES) or b"\x00" in data:
            raise DocxError(NOT_TEXT)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if _looks_binary(text):
        raise DocxError(NOT_TEXT)
    return text


def _size_label(n: int) -> str:
    if n >= MB:
        return f"{n / MB:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def _check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise DocxError(f"The file must be smaller than {_size_label(max_bytes)}.")


def _check_zip(data: bytes, max_uncompressed: int) -> None:
    try:
        check_package(io.BytesIO(data), "word/document.xml", max_uncompressed, _BOMB_MIN_SIZE, _BOMB_RATIO)
    except NotThePackage:
        raise DocxError(NOT_DOCX) from None
    except TooLargeToRead:
        raise DocxError(TOO_LARGE_TO_READ) from None


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\f\v")
    return controls / len(text) > 0.01


class _Converter:
    def __init__(self, document):
        self.document = document
        self.numbering = _numbering_formats(document)

    def convert(self, body) -> str:
        blocks = []  # (kind, markdown); consecutive list items are kept together
        for element in _block_elements(body):
            if element.tag == qn("w:tbl"):
                table = self.table(Table(element, self.document))
                if table:
                    blocks.append(("table", table))
            else:
                blocks.append(self.paragraph(Paragraph(element, self.document)))
        lines = []
        in_list = False
        list_kind = None  # "ol" or "ul" of the current top-level list
        for kind, text in blocks:
            if kind == "skip" or not text:
                continue
            is_item = kind.startswith("list")
            # Python-Markdown needs a blank line before a list, and between a bulleted and a
            # numbered list, or it runs them together.
            if is_item and in_list and (kind == "list" or kind == f"list-{list_kind}"):
                pass
            elif lines:
                lines.append("")
            if kind in ("list-ol", "list-ul"):
                list_kind = kind[5:]
            in_list = is_item
            lines.append(text)
        return "\n".join(lines).strip() + "\n" if lines else ""

    def paragraph(self, paragraph: Paragraph) -> tuple[str, str]:
        style = _style_name(paragraph)
        if style.lower() == "title" or style.lower().startswith("toc"):
            # The consultation has its own title; a table of contents would duplicate headings.
            return ("skip", "")
        heading = _HEADING_STYLE.match(style)
        if heading:
            text = " ".join(_plain_text(paragraph).split())
            return ("heading", f"{'#' * min(6, int(heading.group(1)))} {text}" if text else "")
        text = _inline_markdown(paragraph).strip()
        if not text:
            return ("blank", "")
        num_pr = _num_pr(paragraph)
        if "list" in style.lower() or num_pr is not None:
            level, numbered = self.list_format(style, num_pr)
            marker = "1." if numbered else "-"
            # Continuation lines need the same indent to stay inside the list item.
            text = text.replace("\n", "\n" + " " * (4 * level + len(marker) + 1))
            kind = "list" if level else ("list-ol" if numbered else "list-ul")
            return (kind, f"{' ' * (4 * level)}{marker} {text}")
        return ("paragraph", text)

    def list_format(self, style: str, num_pr) -> tuple[int, bool]:
        level = 0
        numbered = "number" in style.lower()
        match = _LIST_STYLE_LEVEL.search(style)
        if match:
            level = max(0, int(match.group(1)) - 1)
        if num_pr is not None:
            ilvl = num_pr.find(qn("w:ilvl"))
            num_id = num_pr.find(qn("w:numId"))
            if ilvl is not None and ilvl.get(qn("w:val"), "").isdigit():
                level = int(ilvl.get(qn("w:val")))
            if num_id is not None:
                fmt = self.numbering.get((num_id.get(qn("w:val")), str(level)))
                if fmt is not None:
                    numbered = fmt not in ("bullet", "none")
        return min(level, 5), numbered

    def table(self, table: Table) -> str:
        rows = []
        for row in table.rows:
            cells = [""] * row.grid_cols_before
            for tc in row._tr.tc_lst:
                # Markdown tables cannot merge cells: merged text is shown once, in its first cell.
                if tc.vMerge == "continue":
                    cells += [""] * tc.grid_span
                    continue
                cell = _Cell(tc, table)
                text = " ".join(_inline_markdown(p).strip() for p in cell.paragraphs)
                cells.append(" ".join(text.split()).replace("|", "\\|"))
                cells += [""] * (tc.grid_span - 1)
            rows.append(cells)
        if not rows or not any(any(cells) for cells in rows):
            return ""
        width = max(len(cells) for cells in rows)
        rows = [cells + [""] * (width - len(cells)) for cells in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(cells) + " |" for cells in rows[1:]]
        return "\n".join(lines)


def _block_elements(body):
    # Content controls (w:sdt) wrap ordinary paragraphs and tables in many templates.
    for child in body.iterchildren():
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _block_elements(content)


def _style_name(paragraph: Paragraph) -> str:
    try:
        style = paragraph.style
    except Exception:  # a paragraph pointing at a missing or odd style is still text
        return ""
    return (style.name or "") if style is not None else ""


def _num_pr(paragraph: Paragraph):
    p_pr = paragraph._p.pPr
    num_pr = p_pr.find(qn("w:numPr")) if p_pr is not None else None
    if num_pr is not None:
        num_id = num_pr.find(qn("w:numId"))
        # Word writes numId 0 to switch numbering off for a paragraph whose style has it.
        if num_id is not None and num_id.get(qn("w:val")) == "0":
            return None
    return num_pr


def _numbering_formats(document) -> dict:
    """(numId, ilvl) -> numFmt for every list defined in the document."""
    try:
        numbering = document.part.numbering_part.element
    except Exception:  # documents without lists have no numbering part
        return {}
    abstract = {}
    for abstract_num in numbering.findall(qn("w:abstractNum")):
        levels = {}
        for lvl in abstract_num.findall(qn("w:lvl")):
            fmt = lvl.find(qn("w:numFmt"))
            levels[lvl.get(qn("w:ilvl"))] = fmt.get(qn("w:val")) if fmt is not None else "decimal"
        abstract[abstract_num.get(qn("w:abstractNumId"))] = levels
    formats = {}
    for num in numbering.findall(qn("w:num")):
        ref = num.find(qn("w:abstractNumId"))
        if ref is None:
            continue
        for ilvl, fmt in abstract.get(ref.get(qn("w:val")), {}).items():
            formats[(num.get(qn("w:numId")), ilvl)] = fmt
    return formats


def _runs(container, part, url=None):
    """Runs in reading order with their link, including those in links, insertions and fields."""
    for child in container.iterchildren():
        if child.tag == qn("w:r"):
            yield child, url
        elif child.tag == qn("w:hyperlink"):
            yield from _runs(child, part, _hyperlink_url(part, child))
        elif child.tag in (qn("w:ins"), qn("w:smartTag"), qn("w:fldSimple"), qn("w:customXml")):
            yield from _runs(child, part, url)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _runs(content, part, url)
        # w:del (tracked deletions) is left out on purpose: that text is not in the draft.


def _hyperlink_url(part, hyperlink) -> str | None:
    rel_id = hyperlink.get(qn("r:id"))
    if not rel_id:
        return None
    try:
        rel = part.rels[rel_id]
        url = rel.target_ref if rel.is_external else None
    except Exception:  # broken relationship: keep the text, drop the link
        return None
    if url and url.lower().startswith(("http://", "https://", "mailto:")):
        # Characters that would end or break a Markdown link destination.
        return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return None


def _plain_text(paragraph: Paragraph) -> str:
    return "".join(Run(run, paragraph).text for run, _ in _runs(paragraph._p, paragraph.part))


def _inline_markdown(paragraph: Paragraph) -> str:
    """Paragraph text with bold and italic runs marked up and links kept."""
    pieces = []  # [bold, italic, url, text], merged while the formatting stays the same
    for element, url in _runs(paragraph._p, paragraph.part):
        run = Run(element, paragraph)
        text = run.text
        if not text:
            continue
        bold, italic = _emphasis(run)
        if pieces and pieces[-1][:3] == [bold, italic, url]:
            pieces[-1][3] += text
        else:
            pieces.append([bold, italic, url, text])
    out = []
    for bold, italic, url, text in pieces:
        out.append(_format(text, bold, italic, url))
    return "".join(out).replace("\t", " ")


def _emphasis(run: Run) -> tuple[bool, bool]:
    bold, italic = bool(run.bold), bool(run.italic)
    if not (bold and italic):
        try:
            style = run.style.name if run.style is not None else ""
        except Exception:  # a run with a broken character style is still plain text
            style = ""
        bold = bold or style in ("Strong", "Bold")
        italic = italic or style in ("Emphasis", "Italic")
    return bold, italic


def _format(text: str, bold: bool, italic: bool, url: str | None) -> str:
    # Markdown emphasis must hug the words, so surrounding spaces go outside the markers.
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    marker = ("**" if bold else "") + ("*" if italic else "")
    core = f"{marker}{core}{marker[::-1]}"
    if url:
        core = f"[{core}]({url})"
    return f"{lead}{core}{trail}"
