import io
import zipfile

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from engage.plans.docx import DocxError, docx_to_markdown, md_upload_to_text
from engage.plans.markdown import render
from engage.plans.sections import split_into_sections

NOT_DOCX = "The selected file is not a Word document (.docx). Save it as .docx and try again."
NOT_TEXT = "The selected file is not a Markdown or text file."
TOO_LARGE = "The Word document is too large to read."


def save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def plan_document():
    document = docx.Document()
    document.add_paragraph("Health and care plan 2025", style="Title")
    document.add_paragraph("This draft is for consultation.")
    document.add_heading("1. Vision", level=1)
    paragraph = document.add_paragraph("We will ")
    paragraph.add_run("improve").bold = True
    paragraph.add_run(" care ")
    paragraph.add_run("for everyone").italic = True
    paragraph.add_run(".")
    document.add_paragraph("")
    document.add_heading("1.1 Priorities", level=2)
    document.add_paragraph("Carers", style="List Bullet")
    document.add_paragraph("Housing", style="List Bullet")
    document.add_paragraph("Young carers", style="List Bullet 2")
    document.add_paragraph("Agree the budget", style="List Number")
    document.add_paragraph("Publish the plan", style="List Number")
    document.add_paragraph("Funding is shown below.")
    table = document.add_table(rows=3, cols=2)
    for r, row in enumerate([("Area", "Budget"), ("Care | support", "£1m"), ("Carers", "£2m")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("Figures are estimates.")
    document.add_heading("2. Carers", level=1)
    document.add_paragraph("Support unpaid carers.")
    return document


def test_headings_lists_emphasis_and_tables_convert():
    markdown = docx_to_markdown(save(plan_document()))
    assert markdown == (
        "This draft is for consultation.\n"
        "\n"
        "# 1. Vision\n"
        "\n"
        "We will **improve** care *for everyone*.\n"
        "\n"
        "## 1.1 Priorities\n"
        "\n"
        "- Carers\n"
        "- Housing\n"
        "    - Young carers\n"
        "\n"
        "1. Agree the budget\n"
        "1. Publish the plan\n"
        "\n"
        "Funding is shown below.\n"
        "\n"
        "| Area | Budget |\n"
        "| --- | --- |\n"
        "| Care \\| support | £1m |\n"
        "| Carers | £2m |\n"
        "\n"
        "Figures are estimates.\n"
        "\n"
        "# 2. Carers\n"
        "\n"
        "Support unpaid carers.\n"
    )


def test_converted_document_splits_and_renders():
    sections = split_into_sections(docx_to_markdown(save(plan_document())))
    assert [(s.number, s.heading) for s in sections] == [
        ("", "Introduction"), ("1", "Vision"), ("2", "Carers"),
    ]
    html = render(sections[1].body_markdown)
    assert "<strong>improve</strong>" in html
    assert "<h3>1.1 Priorities</h3>" in html
    assert "<ul>" in html and "<li>Young carers</li>" in html
    assert "<ol>" in html and "<li>Publish the plan</li>" in html
    assert '<th class="govuk-table__header">Area</th>' in html
    assert '<td class="govuk-table__cell">Care | support</td>' in html
    # The table sits between the two paragraphs, as in the document.
    assert html.index("Funding is shown") < html.index("<table") < html.index("Figures are")


def test_title_is_left_out():
    markdown = docx_to_markdown(save(plan_document()))
    assert "Health and care plan 2025" not in markdown


def test_heading_runs_are_not_marked_bold():
    document = docx.Document()
    heading = document.add_heading("", level=2)
    heading.add_run("Carers").bold = True
    assert docx_to_markdown(save(document)) == "## Carers\n"


def _numbered_paragraph(document, text, num_id, ilvl=0):
    paragraph = document.add_paragraph(text)
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = ilvl
    num_pr.get_or_add_numId().val = num_id
    return paragraph


def test_directly_numbered_paragraphs_become_lists():
    # The default template defines numId 1 as bullets and numId 5 as decimal numbering.
    document = docx.Document()
    _numbered_paragraph(document, "A bullet", 1)
    _numbered_paragraph(document, "Nested bullet", 1, ilvl=1)
    _numbered_paragraph(document, "A step", 5)
    assert docx_to_markdown(save(document)) == "- A bullet\n    - Nested bullet\n\n1. A step\n"


def _add_hyperlink(paragraph, url, text):
    rel_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:t")
    text_element.text = text
    run.append(text_element)
    hyperlink.append(run)
    paragraph._p.append(hyperlink)


def test_hyperlinks_keep_their_text_and_safe_urls():
    document = docx.Document()
    paragraph = document.add_paragraph("Read the ")
    _add_hyperlink(paragraph, "https://example.org/plan", "full plan")
    paragraph.add_run(" or ")
    _add_hyperlink(paragraph, "javascript:alert(1)", "this")
    markdown = docx_to_markdown(save(document))
    assert markdown == "Read the [full plan](https://example.org/plan) or this\n"


def test_tracked_deletions_are_left_out_and_insertions_kept():
    document = docx.Document()
    paragraph = document.add_paragraph("Keep ")
    deleted = OxmlElement("w:del")
    run = OxmlElement("w:r")
    del_text = OxmlElement("w:delText")
    del_text.text = "removed words "
    run.append(del_text)
    deleted.append(run)
    paragraph._p.append(deleted)
    inserted = OxmlElement("w:ins")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "added words"
    run.append(text)
    inserted.append(run)
    paragraph._p.append(inserted)
    assert docx_to_markdown(save(document)) == "Keep added words\n"


def test_empty_document_gives_empty_text():
    assert docx_to_markdown(save(docx.Document())) == ""


def test_text_file_renamed_docx_is_rejected():
    with pytest.raises(DocxError) as error:
        docx_to_markdown(b"# My plan\n\nThis is really a text file.")
    assert str(error.value) == NOT_DOCX


def test_docx_error_is_a_value_error():
    assert issubclass(DocxError, ValueError)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_other_zip_files_are_rejected():
    spreadsheet = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    with pytest.raises(DocxError, match=r"not a Word document \(\.docx\)"):
        docx_to_markdown(spreadsheet)


def test_damaged_word_document_is_rejected():
    broken = _zip({"[Content_Types].xml": b"not xml", "word/document.xml": b"not xml either"})
    with pytest.raises(DocxError) as error:
        docx_to_markdown(broken)
    assert str(error.value) == NOT_DOCX


def test_macro_enabled_document_is_rejected():
    # Rebuilt rather than byte-patched because [Content_Types].xml is stored compressed.
    source = zipfile.ZipFile(io.BytesIO(save(docx.Document())))
    members = {name: source.read(name) for name in source.namelist()}
    original = members["[Content_Types].xml"]
    members["[Content_Types].xml"] = original.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    assert members["[Content_Types].xml"] != original
    with pytest.raises(DocxError) as error:
        docx_to_markdown(_zip(members))
    assert str(error.value) == NOT_DOCX


def test_oversized_file_is_rejected_before_reading():
    with pytest.raises(DocxError) as error:
        docx_to_markdown(b"x" * (5 * 1024 * 1024 + 1))
    assert str(error.value) == "The file must be smaller than 5 MB."


def test_size_limit_message_follows_the_limit():
    data = save(plan_document())
    with pytest.raises(DocxError) as error:
        docx_to_markdown(data, max_bytes=1024)
    assert str(error.value) == "The file must be smaller than 1 KB."
    with pytest.raises(DocxError) as error:
        docx_to_markdown(b"x" * (3 * 1024 * 1024), max_bytes=int(2.5 * 1024 * 1024))
    assert str(error.value) == "The file must be smaller than 2.5 MB."
    assert docx_to_markdown(data, max_bytes=len(data))  # exactly at the limit is fine


def test_zip_bomb_is_rejected():
    bomb = _zip({
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": b"\0" * (60 * 1024 * 1024),
    })
    assert len(bomb) < 5 * 1024 * 1024
    with pytest.raises(DocxError) as error:
        docx_to_markdown(bomb)
    assert str(error.value) == TOO_LARGE


def test_highly_compressed_member_is_rejected_even_under_the_total_limit():
    bomb = _zip({
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": b"<w:document/>",
        "word/media/padding.bin": b"\0" * (2 * 1024 * 1024),
    })
    with pytest.raises(DocxError) as error:
        docx_to_markdown(bomb)
    assert str(error.value) == TOO_LARGE


def test_uncompressed_limit_is_configurable():
    data = save(plan_document())
    with pytest.raises(DocxError) as error:
        docx_to_markdown(data, max_uncompressed=1000)
    assert str(error.value) == TOO_LARGE


# --- .md and .txt uploads -------------------------------------------------------------------

def test_utf8_text_is_decoded():
    assert md_upload_to_text("# Gofal\n\nCroeso — £5".encode("utf-8")) == "# Gofal\n\nCroeso — £5"


def test_utf8_bom_is_removed_and_line_endings_normalised():
    data = b"\xef\xbb\xbf# Plan\r\n\r\nText\r\n"
    assert md_upload_to_text(data) == "# Plan\n\nText\n"


def test_windows_1252_text_falls_back():
    assert md_upload_to_text("Budget \u00a35m \u2013 \u201cdraft\u201d".encode("cp1252")) == (
        "Budget \u00a35m \u2013 \u201cdraft\u201d"
    )


def test_notepad_unicode_utf16_is_decoded():
    assert md_upload_to_text("# Plan\r\nText".encode("utf-16")) == "# Plan\nText"


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    b"PK\x03\x04\x14\x00\x06\x00",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"plain text with a \x00 NUL byte",
    bytes(range(1, 32)) * 10,
])
def test_binary_uploads_are_rejected(data):
    with pytest.raises(DocxError) as error:
        md_upload_to_text(data)
    assert str(error.value) == NOT_TEXT


def test_real_docx_uploaded_as_text_is_rejected():
    with pytest.raises(DocxError, match="not a Markdown or text file"):
        md_upload_to_text(save(plan_document()))


def test_oversized_text_upload_is_rejected():
    with pytest.raises(DocxError) as error:
        md_upload_to_text(b"a" * (5 * 1024 * 1024 + 1))
    assert str(error.value) == "The file must be smaller than 5 MB."
    assert md_upload_to_text(b"a" * 100, max_bytes=100) == "a" * 100


def test_merged_table_cells_show_their_text_once():
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "Area"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Budget"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Carers"
    table.cell(1, 1).text = "2025"
    table.cell(1, 2).text = "£1m"
    table.cell(2, 1).text = "2026"
    table.cell(2, 2).text = "£2m"
    assert docx_to_markdown(save(document)) == (
        "| Area | Budget |  |\n"
        "| --- | --- | --- |\n"
        "| Carers | 2025 | £1m |\n"
        "|  | 2026 | £2m |\n"
    )
