"""Downloads of the statement: PDF, DOCX, XLSX, CSV and JSON open data, prepared in the background.

The seeded consultation (tests.publishing.test_statement_pages.seed) has a respondent who
did not consent (a canary sentence), a withheld comment (another canary), a confirmed
redaction of a phone number, groups of fewer than 5 people, and here an XSS payload in a
theme name and in quoted comments.
"""
import csv
import io
import json
import re
import subprocess
import zipfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pytest

from engage.exports import services, tabular
from engage.exports.opendata import SCHEMA_FILE, SCHEMA_PATH, open_data
from engage.exports.pdf import print_html, statement_pdf
from engage.exports.responses import published_responses
from engage.extensions import db
from engage.models import AuditEvent, BackgroundJob, FeedbackItem, StatementRevision, Theme, utcnow
from tests.factories import make_consultation
from tests.publishing.test_statement_pages import (
    CANARY_NO_CONSENT, CANARY_WITHHELD, PHONE, member_client, officer_client, publish, seed,
)

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"
SAMPLE = Path(__file__).with_name("sample_statement.json")
KEYS = ("pdf", "docx", "xlsx", "csv", "responses-csv", "json")


@pytest.fixture(autouse=True)
def export_dir(app, tmp_path):
    """Each test's downloads go to a folder of its own; every download checks its files afresh."""
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    app.config["EXPORT_RECHECK_SECONDS"] = 0
    return tmp_path / "exports"


def staff(consultation):
    return f"/staff/consultations/{consultation.id}/exports"


def public(consultation, key, number=1):
    return f"/consultations/{consultation.slug}/statement/{number}/{key}"


def prepare(client, consultation, number=1):
    """Press "Prepare the downloads" for a revision (the job runs inline in tests)."""
    return client.post(staff(consultation) + "/prepare", data={"number": str(number)})


def published(app, prepared=True, **seed_options):
    """A seeded consultation with revision 1 published (and its downloads prepared), and the officer's client."""
    consultation = seed(theme_name="Transport " + XSS, quote_extra=" " + XSS, **seed_options)
    client = officer_client(app)
    assert publish(client, consultation).status_code == 302
    if prepared:
        assert prepare(client, consultation).status_code == 302
    db.session.rollback()
    return consultation, client


def downloads(client, consultation, number=1):
    """{format: response} of every public download."""
    found = {}
    for key in KEYS:
        response = client.get(public(consultation, key, number))
        assert response.status_code == 200, key
        found[key] = response
    return found


def pdf_text(data, tmp_path):
    """The PDF's text as pdftotext extracts it."""
    path = tmp_path / "statement.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdf_info(data, tmp_path):
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


def pdf_objects(data):
    """The PDF's bytes with every compressed stream inflated (the catalogue may sit in an object stream)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def docx_text(data):
    """Every paragraph and table cell of the document, one per line."""
    document = docx.Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def docx_rows(data):
    return [[cell.text for cell in row.cells] for table in docx.Document(io.BytesIO(data)).tables
            for row in table.rows]


def xlsx_sheets(data):
    """{sheet name: rows as lists of values}."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def squeezed(text):
    """Text without any whitespace, so line wrapping in a PDF cannot hide or fake a match."""
    return re.sub(r"\s+", "", text)


def as_texts(files, tmp_path):
    """{format: its text as a reader (or a program) would get it}."""
    sheets = xlsx_sheets(files["xlsx"].data)
    return {
        "pdf": pdf_text(files["pdf"].data, tmp_path),
        "docx": docx_text(files["docx"].data),
        "xlsx": "\n".join(" | ".join("" if value is None else str(value) for value in row)
                          for rows in sheets.values() for row in rows),
        "csv": files["csv"].data.decode("utf-8-sig"),
        "responses-csv": files["responses-csv"].data.decode("utf-8-sig"),
        "json": json.dumps(json.loads(files["json"].data), ensure_ascii=False),
    }


# Preparing and downloading --------------------------------------------------------------------

def test_every_format_is_prepared_in_the_background_and_downloadable(app, export_dir):
    consultation, officer = published(app)
    job = BackgroundJob.query.filter_by(consultation_id=consultation.id, kind="statement_exports").one()
    assert job.status == "done", job.message
    assert job.result["revision"] == 1 and set(job.result["formats"]) == set(KEYS)
    assert AuditEvent.query.filter_by(action="statement_exports_prepared").count() == 1
    folder = export_dir / str(consultation.id) / "1"
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["manifest.json", "published-responses.csv", "statement.docx", "statement.json", "statement.pdf",
         "statement.xlsx", "themes.csv"])

    files = downloads(app.test_client(), consultation)
    expected = {"pdf": "application/pdf",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "csv": "text/csv; charset=utf-8", "responses-csv": "text/csv; charset=utf-8",
                "json": "application/json"}
    for key, response in files.items():
        assert response.headers["Content-Type"] == expected[key], key
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and f"{consultation.slug}-statement-1" in disposition, key
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert files["pdf"].data.startswith(b"%PDF-")
    assert 'filename=older-people' in files["pdf"].headers["Content-Disposition"]

    page = officer.get(staff(consultation)).get_data(as_text=True)
    assert "Revision 1, published" in page and ">Ready<" in page
    assert f"/staff/consultations/{consultation.id}/exports/1/docx" in page
    assert public(consultation, "json") in page
    staff_copy = officer.get(staff(consultation) + "/1/docx")
    assert staff_copy.status_code == 200 and staff_copy.data == files["docx"].data


def test_the_pdf_has_a_title_a_language_an_outline_and_text_that_extracts(app, tmp_path):
    consultation, _ = published(app)
    data = downloads(app.test_client(), consultation)["pdf"].data
    info = pdf_info(data, tmp_path)
    assert "Title:           Statement of consultation: Older people’s plan" in info
    assert "Tagged:          yes" in info
    objects = pdf_objects(data)
    assert b"/Lang (en-GB)" in objects
    assert b"/Outlines" in objects
    text = pdf_text(data, tmp_path)
    for heading in ("Statement of consultation", "What we consulted on", "Who responded",
                    "What people said and what we did", "What changed in the plan", "Annexes"):
        assert heading in text
    assert "Tranent Carers Centre" in text


def test_the_word_document_opens_with_real_headings_and_tables_with_header_rows(app):
    consultation, _ = published(app)
    data = downloads(app.test_client(), consultation)["docx"].data
    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.title == "Statement of consultation: Older people’s plan"
    assert document.core_properties.language == "en-GB"
    styles = [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs]
    assert ("Title", "Statement of consultation: Older people’s plan") in styles
    headings = [text for style, text in styles if style == "Heading 1"]
    assert {"What we consulted on", "How people took part", "Who responded", "What people said and what we did",
            "What changed in the plan", "Next steps", "Annexes"} <= set(headings)
    assert ("Heading 2", "Carers") in styles
    assert ("Heading 3", "Community transport") in styles
    assert document.tables
    for table in document.tables:
        assert table.rows[0]._tr.trPr is not None and table.rows[0]._tr.trPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
    assert "We promised a short break within eight weeks." in docx_text(data)


def test_the_spreadsheet_has_published_responses_themes_and_who_responded(app):
    consultation, _ = published(app)
    sheets = xlsx_sheets(downloads(app.test_client(), consultation)["xlsx"].data)
    assert list(sheets)[:3] == ["Published responses", "Themes", "Who responded"]
    responses = sheets["Published responses"]
    assert responses[0] == list(tabular.PUBLISHED_HEADERS)
    texts = [row[4] for row in responses[1:]]
    assert any(text.startswith("Ring me on [phone number removed] about the buses") for text in texts)
    assert "I have not had a break in nine years." in texts
    carer = next(row for row in responses[1:] if row[4] == "I have not had a break in nine years.")
    assert carer[0] == "Older people’s plan" and carer[3] == "Carers" and carer[5] == "Jo Carer"
    community = next(row for row in responses[1:] if row[4].startswith("Community transport needs booking"))
    assert community[3] == f"Transport {XSS} › Community transport"
    # No reference or id of any response: nothing to trace a comment back with.
    joined = json.dumps(responses, ensure_ascii=False, default=str)
    assert f"S{consultation.id}-" not in joined
    themes = sheets["Themes"]
    assert themes[0][:7] == ["Theme", "Part of", "Level", "Comments", "People", "Responses",
                             "Notes from events and letters"]
    transport = next(row for row in themes[1:] if row[0] == f"Transport {XSS}")
    assert transport[3:6] == [8, 19, 7]
    who = sheets["Who responded"]
    assert ["Responses by locality", "Tranent", 4, None] in who


def test_the_csv_files_hold_the_themes_and_the_published_responses(app):
    consultation, _ = published(app)
    files = downloads(app.test_client(), consultation)
    themes = list(csv.reader(io.StringIO(files["csv"].data.decode("utf-8-sig"))))
    assert themes[0][0] == "Theme" and [row[0] for row in themes[1:]] == [f"Transport {XSS}", "Community transport",
                                                                          "Carers"]
    assert files["csv"].data.startswith("\ufeff".encode("utf-8"))
    responses = list(csv.reader(io.StringIO(files["responses-csv"].data.decode("utf-8-sig"))))
    assert responses[0] == list(tabular.PUBLISHED_HEADERS)
    assert len(responses) - 1 == len(list(published_responses(consultation))) == 9


# What may never appear -----------------------------------------------------------------------

def test_words_that_may_not_be_published_appear_in_no_format(app, tmp_path):
    consultation, _ = published(app)
    texts = as_texts(downloads(app.test_client(), consultation), tmp_path)
    for key, text in texts.items():
        flat = squeezed(text)
        for secret in (CANARY_NO_CONSENT, CANARY_WITHHELD, "Canary-7f3a", "Canary-91bc", PHONE, "07700900123"):
            assert squeezed(secret) not in flat, (key, secret)
    assert "[phone number removed]" in texts["responses-csv"]
    assert "[phone number removed]" in texts["xlsx"]


def test_small_numbers_are_not_shown_in_any_format(app, tmp_path):
    consultation, _ = published(app)
    client = app.test_client()
    files = downloads(client, consultation)
    # Equality: 3 people said "25 to 34" (hidden), and so the next smallest answer is hidden too.
    html = client.get(f"/consultations/{consultation.slug}/statement").get_data(as_text=True)
    ages = html[html.index("equality-age_band-caption"):]
    ages = ages[:ages.index("</table>")]
    assert re.search(r"25 to 34</th>\s*<td[^>]*>not shown<", ages)
    assert re.search(r"65 to 74</th>\s*<td[^>]*>not shown<", ages)

    pdf = squeezed(pdf_text(files["pdf"].data, tmp_path))
    assert "25to34notshown" in pdf and "65to74notshown" in pdf and "25to343" not in pdf
    carers = pdf[pdf.index("ResponsesraisingCarers,bystakeholdergroup"):]
    carers = carers[:carers.index("ResponsesraisingCarers,bylocality")]
    assert "Carersofusersofhealthcarenotshown" in carers

    rows = docx_rows(files["docx"].data)
    assert ["25 to 34", "not shown"] in rows and ["65 to 74", "not shown"] in rows
    assert ["25 to 34", "3"] not in rows
    assert ["Carers of users of health care", "not shown"] in rows

    sheets = xlsx_sheets(files["xlsx"].data)
    assert ["Equality monitoring: Age", "25 to 34", "not shown", None] in sheets["Who responded"]
    assert ["Equality monitoring: Age", "65 to 74", "not shown", None] in sheets["Who responded"]
    header = sheets["Themes"][0]
    column = header.index("Responses from: Carers of users of health care")
    assert next(row for row in sheets["Themes"] if row[0] == "Carers")[column] == "not shown"

    themes_csv = list(csv.reader(io.StringIO(files["csv"].data.decode("utf-8-sig"))))
    column = themes_csv[0].index("Responses from: Carers of users of health care")
    assert next(row for row in themes_csv if row[0] == "Carers")[column] == "not shown"

    data = json.loads(files["json"].data)
    age = next(table for table in data["equality"]["tables"] if table["key"] == "age_band")
    assert {"label": "25 to 34", "count": None, "suppressed": True} in age["rows"]
    carers_theme = next(theme for theme in data["themes"] if theme["name"] == "Carers")
    assert {"label": "Carers of users of health care", "count": None,
            "suppressed": True} in carers_theme["responses_by_group"]


def test_an_xss_payload_is_only_ever_literal_text(app, tmp_path):
    consultation, _ = published(app)
    files = downloads(app.test_client(), consultation)
    revision = StatementRevision.query.filter_by(consultation_id=consultation.id).one()
    html = print_html(revision.content, revision)
    assert "<script" not in html and "<img" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert squeezed(XSS) in squeezed(pdf_text(files["pdf"].data, tmp_path))
    assert XSS in docx_text(files["docx"].data)
    with zipfile.ZipFile(io.BytesIO(files["docx"].data)) as package:
        document_xml = package.read("word/document.xml").decode("utf-8")
    assert "<script" not in document_xml and "&lt;script&gt;" in document_xml


def test_no_spreadsheet_cell_can_start_a_formula():
    content = json.loads(SAMPLE.read_text(encoding="utf-8"))
    content["what_people_said"]["themes"][0]["name"] = "=HYPERLINK(\"http://x\",\"click\")"
    content["what_people_said"]["themes"][1]["name"] = "@SUM(A1)"
    content["what_people_said"]["themes"][2]["response"]["we_did"] = "+44 is the code"
    rows = list(csv.reader(io.StringIO(tabular.themes_csv(content).decode("utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://x\",\"click\")" in names and "'@SUM(A1)" in names
    assert "'+44 is the code" in [row[rows[0].index("We did")] for row in rows]
    row = tabular.published_row({"consultation": "-1 plan", "question": "", "section": "", "themes": ["=A1"],
                                 "text": "=cmd|' /C calc'!A0", "attribution": "\tA respondent"})
    assert row == ["'-1 plan", "", "", "'=A1", "'=cmd|' /C calc'!A0", "'\tA respondent"]
    # Numbers stay numbers (only text is guarded).
    assert [row[3] for row in rows[1:]][0] == "142"


# Open data --------------------------------------------------------------------------------------

def _validate(instance, schema, root, path="$"):
    """A small JSON Schema checker (type, required, properties, additionalProperties, items, enum, const,
    minimum, pattern, $ref): enough for docs/open-data-schema.json."""
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _validate(instance, target, root, path)
    types = schema.get("type")
    if types:
        names = types if isinstance(types, list) else [types]
        checks = {"object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
                  "string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
                  "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
                  "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
                  "null": lambda v: v is None}
        assert any(checks[name](instance) for name in names), f"{path}: {instance!r} is not {names}"
    if "enum" in schema:
        assert instance in schema["enum"], f"{path}: {instance!r} not in {schema['enum']}"
    if "const" in schema:
        assert instance == schema["const"], path
    if "minimum" in schema and isinstance(instance, (int, float)) and not isinstance(instance, bool):
        assert instance >= schema["minimum"], path
    if "pattern" in schema and isinstance(instance, str):
        assert re.search(schema["pattern"], instance), f"{path}: {instance!r}"
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            assert key in instance, f"{path}: {key} missing"
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            assert not set(instance) - set(properties), f"{path}: unexpected {set(instance) - set(properties)}"
        for key, value in instance.items():
            if key in properties:
                _validate(value, properties[key], root, f"{path}.{key}")
    if isinstance(instance, list) and "items" in schema:
        for index, value in enumerate(instance):
            _validate(value, schema["items"], root, f"{path}[{index}]")


def test_the_open_data_follows_its_published_schema(app):
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    sample = open_data(json.loads(SAMPLE.read_text(encoding="utf-8")))
    _validate(sample, schema, schema)
    consultation, _ = published(app)
    client = app.test_client()
    data = json.loads(downloads(client, consultation)["json"].data)
    _validate(data, schema, schema)
    assert data["schema"] == SCHEMA_PATH and data["schema_version"] == 1
    assert data["statement"]["revision"] == 1 and data["statement"]["published_at"].endswith("Z")
    assert [theme["depth"] for theme in data["themes"]] == [0, 1, 0]
    for theme in data["themes"]:
        for quote in theme["quotations"]:
            assert set(quote) == {"text", "attribution", "stance"}  # no internal ids
        for cell in theme["responses_by_group"] + theme["responses_by_locality"]:
            assert (cell["count"] is None) == cell["suppressed"]
    served = client.get(SCHEMA_PATH)
    assert served.status_code == 200 and served.headers["Content-Type"] == "application/schema+json"
    assert json.loads(served.data) == schema


# Not found, out of date, not allowed ----------------------------------------------------------

def test_public_downloads_are_not_found_unless_published_and_prepared(app):
    consultation, officer = published(app, prepared=False)
    client = app.test_client()
    assert client.get(public(consultation, "pdf")).status_code == 404  # published, not yet prepared
    prepare(officer, consultation)
    db.session.rollback()
    assert client.get(public(consultation, "pdf")).status_code == 200
    assert client.get(public(consultation, "pdf", number=2)).status_code == 404
    assert client.get(public(consultation, "exe")).status_code == 404
    assert client.get(public(consultation, "manifest.json")).status_code == 404
    assert client.get(f"/consultations/{consultation.slug}/statement/1/..%2Fmanifest.json").status_code == 404
    assert client.get("/consultations/no-such-consultation/statement/1/pdf").status_code == 404
    draft = make_consultation(title="Still a draft")
    assert client.get(public(draft, "pdf")).status_code == 404


def test_files_go_out_of_date_when_someone_withdraws(app, tmp_path):
    consultation, officer = published(app)
    client = app.test_client()
    revision = StatementRevision.query.filter_by(consultation_id=consultation.id).one()
    carers = next(theme for theme in revision.content["what_people_said"]["themes"] if theme["name"] == "Carers")
    quote = carers["quotes"][0]
    assert quote["text"] in docx_text(downloads(client, consultation)["docx"].data)

    db.session.get(FeedbackItem, quote["item_id"]).response.status = "withdrawn"
    db.session.commit()
    for key in KEYS:
        assert client.get(public(consultation, key)).status_code == 404, key
    page = officer.get(staff(consultation)).get_data(as_text=True)
    assert "Out of date" in page and "Prepare the downloads again" in page
    assert officer.get(staff(consultation) + "/1/pdf").status_code == 302

    assert prepare(officer, consultation).status_code == 302
    db.session.rollback()
    texts = as_texts(downloads(client, consultation), tmp_path)
    for key, text in texts.items():
        assert squeezed(quote["text"]) not in squeezed(text), key


def _download_links(page):
    """{format key: href} of the download links on a public statement page."""
    return {href.rsplit("/", 1)[-1]: href for href in re.findall(r'href="(/consultations/[^"]+/statement/\d+/[^"]+)"',
                                                                 page)}


def test_publishing_prepares_the_downloads_and_the_statement_page_links_them(app):
    app.config["EXPORTS_ON_PUBLISH"] = True
    consultation = seed()
    officer = officer_client(app)
    response = publish(officer, consultation)
    assert response.status_code == 302
    assert "downloads (PDF, Word, spreadsheet and open data) are being prepared" in \
        officer.get(response.headers["Location"]).get_data(as_text=True)
    db.session.rollback()
    assert BackgroundJob.query.filter_by(consultation_id=consultation.id, kind=services.JOB).one().status == "done"

    visitor = app.test_client()
    page = visitor.get(f"/consultations/{consultation.slug}/statement").get_data(as_text=True)
    links = _download_links(page)
    assert sorted(links) == sorted(KEYS)
    assert "PDF document</a> <span class=\"govuk-body-s\">(PDF, " in page
    pdf = visitor.get(links["pdf"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert "downloads-pending" not in page


def test_the_statement_page_says_when_downloads_are_not_ready(app):
    consultation, officer = published(app, prepared=False)
    visitor = app.test_client()
    page = visitor.get(f"/consultations/{consultation.slug}/statement").get_data(as_text=True)
    assert _download_links(page) == {}
    assert "versions of this revision are not ready yet" in page

    prepare(officer, consultation)
    db.session.rollback()
    assert len(_download_links(visitor.get(f"/consultations/{consultation.slug}/statement")
                               .get_data(as_text=True))) == len(KEYS)
    # Someone withdraws a quoted comment: the files are out of date, so the page stops linking them.
    revision = StatementRevision.query.filter_by(consultation_id=consultation.id).one()
    quoted = next(quote for theme in revision.content["what_people_said"]["themes"] for quote in theme["quotes"])
    db.session.get(FeedbackItem, quoted["item_id"]).response.status = "withdrawn"
    db.session.commit()
    page = visitor.get(f"/consultations/{consultation.slug}/statement").get_data(as_text=True)
    assert _download_links(page) == {} and "not ready yet" in page


def test_two_officers_publishing_the_same_revision_at_once_give_one_revision(app, monkeypatch):
    from engage.statements import services as statement_services

    consultation = seed()
    officer = officer_client(app)
    assert publish(officer, consultation, number=1).status_code == 302
    # The second publish read "next is revision 1" just before the first one committed.
    monkeypatch.setattr(statement_services, "next_number", lambda consultation: 1)
    response = publish(officer, consultation, number=1)
    assert response.status_code == 302
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "has just been published by someone else" in page
    db.session.rollback()
    assert StatementRevision.query.filter_by(consultation_id=consultation.id).count() == 1


def test_a_burst_of_public_downloads_checks_the_files_once(app, monkeypatch):
    consultation, _ = published(app)
    app.config["EXPORT_RECHECK_SECONDS"] = 60
    calls = []
    real = services.current_fingerprint
    monkeypatch.setattr(services, "current_fingerprint", lambda *args: calls.append(1) or real(*args))
    client = app.test_client()
    for key in KEYS:
        assert client.get(public(consultation, key)).status_code == 200
    assert len(calls) == 1
    # Staff pages always check afresh.
    officer = officer_client(app)
    officer.get(staff(consultation))
    assert len(calls) == 2


def test_a_reviewer_may_download_but_not_prepare(app):
    consultation, _ = published(app, prepared=False)
    reviewer = member_client(app, consultation, "reviewer")
    assert reviewer.get(staff(consultation)).status_code == 200
    assert "Prepare the downloads" not in reviewer.get(staff(consultation)).get_data(as_text=True)
    assert prepare(reviewer, consultation).status_code == 403
    assert BackgroundJob.query.filter_by(kind="statement_exports").count() == 0
    facilitator = member_client(app, consultation, "facilitator")
    assert prepare(facilitator, consultation).status_code == 403
    prepare(officer_client(app), consultation)
    assert reviewer.get(staff(consultation) + "/1/xlsx").status_code == 200


def test_preparing_needs_a_published_revision(app):
    consultation, officer = published(app, prepared=False)
    for number in ("", "abc", "2", "-1", "99999999"):
        response = officer.post(staff(consultation) + "/prepare", data={"number": number})
        html = response.get_data(as_text=True)
        assert response.status_code == 400, number
        assert "There is a problem" in html and "Choose a published revision of the statement" in html
    assert BackgroundJob.query.filter_by(kind="statement_exports").count() == 0
    unpublished = seed(title="Not published yet")
    page = officer.get(staff(unpublished)).get_data(as_text=True)
    assert "The statement has not been published yet" in page
    assert prepare(officer, unpublished).status_code == 400


def test_the_page_shows_progress_while_the_downloads_are_prepared(app):
    consultation, officer = published(app, prepared=False)
    db.session.add(BackgroundJob(kind="statement_exports", status="running", consultation_id=consultation.id,
                                 params={"revision": 1}, progress=2, total=6, message="Preparing the spreadsheet",
                                 started_at=utcnow()))
    db.session.commit()
    page = officer.get(staff(consultation)).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "<progress" in page and "33% done" in page and "Preparing the spreadsheet" in page
    assert "Being prepared" in page
    response = prepare(officer, consultation)
    assert response.status_code == 302
    assert BackgroundJob.query.filter_by(kind="statement_exports").count() == 1


def test_a_failure_keeps_the_files_already_prepared(app, monkeypatch, export_dir):
    consultation, officer = published(app)
    before = (export_dir / str(consultation.id) / "1" / "statement.pdf").read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("engage.exports.docx.statement_docx", broken)
    assert prepare(officer, consultation).status_code == 302
    db.session.rollback()
    failed = BackgroundJob.query.filter_by(status="failed", kind="statement_exports").one()
    assert "could not be saved" in failed.message
    assert (export_dir / str(consultation.id) / "1" / "statement.pdf").read_bytes() == before
    assert [path.name for path in (export_dir / str(consultation.id)).iterdir()] == ["1"]
    page = officer.get(staff(consultation)).get_data(as_text=True)
    assert "The job did not finish" in page and "could not be saved" in page
    assert ">Failed<" in page and f"/staff/consultations/{consultation.id}/exports/1/pdf" in page
    assert app.test_client().get(public(consultation, "pdf")).status_code == 200


def test_published_responses_stream_in_chunks_with_the_same_result(app):
    consultation, _ = published(app, prepared=False)
    assert list(published_responses(consultation, chunk=2)) == list(published_responses(consultation))
    transport = Theme.query.filter_by(consultation_id=consultation.id, parent_id=None, position=0).one()
    assert transport.name == f"Transport {XSS}"


def test_the_pdf_serialiser_is_a_function_of_the_content_alone(app, tmp_path):
    content = json.loads(SAMPLE.read_text(encoding="utf-8"))
    text = pdf_text(statement_pdf(content), tmp_path)
    assert "East Lothian Strategic Plan 2025 to 2028" in text
    assert "Transport" in text and "not shown" in text
    assert services.FORMATS.keys() == set(KEYS)
