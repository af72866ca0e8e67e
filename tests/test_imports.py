"""Importing responses and coded feedback from files: upload, columns, check, import, jobs."""
import io
import re
import time
from datetime import datetime, timedelta

import openpyxl
import pytest

from engage import jobs
from engage.consultations import services as consultation_services
from engage.extensions import db
from engage.imports import services
from engage.models import (
    Answer, AuditEvent, BackgroundJob, FeedbackItem, ImportMapping, Membership, Response, Tag, Theme, utcnow,
)
from engage.public.services import _sync_feedback_item
from tests.conftest import PASSWORD, csrf_token_from, login
from tests.factories import make_consultation, make_user

FIRST_QUESTION = "What do you think of the plan?"
HEADER = "Response ID,Date,Responding as,Organisation,Stakeholder group,Locality,Consent,Name,{q1},Transport,Anything else?\n"
ROWS = [
    '1001,05/03/2026 14:30,Individual,,Carers of users of social care;staff,North,publish anonymous,,'
    '"More respite, please",Yes,\n',
    '1002,06/03/2026,Organisation,Carers Centre,Third sector bodies carrying out activities related to health or '
    'social care,south,Publish named,Ann Smith,"The £5 charge is too much",No,"=HYPERLINK(""http://x"",""y"")"\n',
    '1003,2026-03-07,,,,outside the area,no,,,,Buses\n',
]


@pytest.fixture
def consultation(app):
    """A consultation with a free-text question about a section, a choice question and a second free-text one."""
    consultation = make_consultation(with_draft=True, with_question=True)
    section = consultation.latest_version.sections[1]
    consultation.questions[0].section = section
    consultation_services.add_question(consultation, "Transport", kind="single_choice", options=["Yes", "No"])
    consultation_services.add_question(consultation, "Anything else?")
    db.session.commit()
    return consultation


@pytest.fixture(autouse=True)
def uploads_in_tmp(app, tmp_path):
    """Each test's uploads in its own folder."""
    app.config["IMPORT_UPLOAD_DIR"] = str(tmp_path / "uploads")


def _csv(rows=ROWS, header=HEADER):
    return (header.format(q1=FIRST_QUESTION) + "".join(rows)).encode("utf-8")


def upload(client, consultation, content, filename="responses.csv", kind="responses"):
    """POST a file to the upload page."""
    return client.post(f"/staff/consultations/{consultation.id}/imports/{kind}/new",
                       data={"upload": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def mapping_fields(html):
    """{column name: (field name, selected target)} from the mapping page."""
    labels = dict(re.findall(r'<label class="govuk-label govuk-label--s" for="(column_\d+)">\s*(.*?)\s*</label>',
                             html, re.S))
    fields = {}
    for name, body in re.findall(r'<select[^>]*name="(column_\d+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)" selected', body)
        fields[labels[name]] = (name, selected.group(1) if selected else "ignore")
    return fields


def check(client, consultation, content, filename="responses.csv", kind="responses", change=None,
          date_order="dmy"):
    """Upload, accept the suggested columns (with changes), and return the finished check job."""
    response = upload(client, consultation, content, filename, kind)
    assert response.status_code == 302, response.get_data(as_text=True)
    mapping_url = response.headers["Location"]
    fields = mapping_fields(client.get(mapping_url).get_data(as_text=True))
    data = {name: target for name, target in fields.values()}
    for column, target in (change or {}).items():
        data[fields[column][0]] = target
    data["date_order"] = date_order
    response = client.post(mapping_url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.rollback()
    return db.session.get(BackgroundJob, job_id)


def import_checked(client, consultation, check_job):
    """Press Import on the preview page; returns the import job (or None if refused)."""
    response = client.post(f"/staff/consultations/{consultation.id}/imports/checks/{check_job.id}/import")
    assert response.status_code == 302
    db.session.rollback()
    location = response.headers["Location"]
    if "/jobs/" not in location:
        return None
    return db.session.get(BackgroundJob, int(location.rsplit("/", 1)[1]))


# The whole journey --------------------------------------------------------------------------

def test_importing_responses_from_a_survey_tool(officer_client, officer, consultation):
    q1, transport, anything = consultation.questions
    check_job = check(officer_client, consultation, _csv())
    assert check_job.status == "done"
    assert check_job.result["rows"] == 3
    assert check_job.result["new"] == 3
    assert check_job.result["error_count"] == 0

    preview = officer_client.get(f"/staff/consultations/{consultation.id}/imports/checks/{check_job.id}")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Nothing is imported while any row has a problem" in page
    assert "The first 3 rows as they will be imported" in page
    assert "Carers Centre" in page and "Outside the area" in page
    assert "Import 3 responses" in page

    import_job = import_checked(officer_client, consultation, check_job)
    assert import_job.status == "done", import_job.message
    assert import_job.result["new"] == 3
    assert import_job.message == "3 new, 0 already imported"
    page = officer_client.get(f"/staff/consultations/{consultation.id}/jobs/{import_job.id}").get_data(as_text=True)
    assert "Import complete" in page and "3 new, 0 already imported" in page
    assert 'http-equiv="refresh"' not in page

    listed = officer_client.get(f"/staff/consultations/{consultation.id}/responses?channel=import")
    assert listed.status_code == 200 and listed.get_data(as_text=True).count("Imported from another tool") >= 3
    index = officer_client.get(f"/staff/consultations/{consultation.id}/imports").get_data(as_text=True)
    assert "responses.csv" in index and "3 new, 0 already imported" in index

    responses = {r.import_key: r for r in Response.query.filter_by(consultation_id=consultation.id)}
    assert set(responses) == {"1001", "1002", "1003"}
    first, second, third = responses["1001"], responses["1002"], responses["1003"]
    assert all(r.status == "submitted" and r.channel == "import" for r in responses.values())
    assert all(re.match(r"^ENG-[2-9A-Z]{6}$", r.reference) for r in responses.values())
    assert first.submitted_at == datetime(2026, 3, 5, 14, 30)
    assert third.submitted_at == datetime(2026, 3, 7)
    assert first.respondent_type == "individual"
    assert sorted(g.name for g in first.groups) == ["Carers of users of social care", "Staff"]
    assert first.locality.name == "North" and first.consent == "publish_anonymous"
    assert second.respondent_type == "organisation" and second.organisation_name == "Carers Centre"
    assert second.respondent_name == "Ann Smith" and second.consent == "publish_named"
    assert second.locality.name == "South"
    assert third.locality is None and third.locality_other == "outside" and third.consent == "do_not_publish"
    assert first.entered_by_id == officer.id

    answers = {(a.response.import_key, a.question_id): a for a in Answer.query.all()}
    assert answers[("1001", q1.id)].text == "More respite, please"
    assert answers[("1001", transport.id)].choices == ["Yes"]
    assert answers[("1002", q1.id)].text == "The £5 charge is too much"
    # Formula-like text is stored exactly as it arrived (made safe only when exported).
    assert answers[("1002", anything.id)].text == '=HYPERLINK("http://x","y")'
    assert ("1003", q1.id) not in answers

    items = FeedbackItem.query.order_by(FeedbackItem.id).all()
    assert sorted(item.text for item in items) == sorted([
        "More respite, please", "The £5 charge is too much", '=HYPERLINK("http://x","y")', "Buses"])
    assert all(item.source == "answer" and item.response.channel == "import" for item in items)
    more_respite = next(item for item in items if item.text == "More respite, please")
    assert more_respite.question_id == q1.id and more_respite.section_id == q1.section_id

    event = AuditEvent.query.filter_by(action="responses.imported").one()
    assert event.user_id == officer.id and event.consultation_id == consultation.id
    assert event.detail["file"] == "responses.csv"
    assert event.detail["new"] == 3 and event.detail["already"] == 0 and event.detail["rows"] == 3


def test_imported_feedback_items_follow_the_rules_for_online_answers(officer_client, consultation):
    import_checked(officer_client, consultation, check(officer_client, consultation, _csv()))
    for response in Response.query.all():
        for answer in response.answers:
            _sync_feedback_item(response, answer)
            assert not db.session.new and not db.session.dirty and not db.session.deleted


def test_importing_the_same_file_twice_adds_nothing(officer_client, consultation):
    import_checked(officer_client, consultation, check(officer_client, consultation, _csv()))
    counts = (Response.query.count(), Answer.query.count(), FeedbackItem.query.count())

    again = check(officer_client, consultation, _csv())
    assert (again.result["new"], again.result["already"]) == (0, 3)
    page = officer_client.get(f"/staff/consultations/{consultation.id}/imports/checks/{again.id}").get_data(as_text=True)
    assert "Every row of this file has been imported before" in page
    import_job = import_checked(officer_client, consultation, again)
    assert import_job.status == "done"
    assert import_job.message == "0 new, 3 already imported"
    assert (Response.query.count(), Answer.query.count(), FeedbackItem.query.count()) == counts


def test_without_an_id_column_rows_are_recognised_by_their_values(officer_client, consultation):
    header = HEADER.replace("Response ID", "Serial")
    rows = ROWS + [ROWS[0].replace("1001", "1009")]
    change = {"Serial": "ignore"}
    first = check(officer_client, consultation, _csv(rows, header), change=change)
    # Row 5 is row 2 again once the ignored serial number is left out.
    assert (first.result["new"], first.result["repeated"]) == (3, 1)
    import_checked(officer_client, consultation, first)
    assert Response.query.count() == 3
    assert all(r.import_key.startswith("sha256:") for r in Response.query.all())
    second = check(officer_client, consultation, _csv(rows, header), change=change)
    assert (second.result["new"], second.result["already"]) == (0, 4)


def test_a_later_file_with_more_rows_adds_only_the_new_ones(officer_client, consultation):
    import_checked(officer_client, consultation, check(officer_client, consultation, _csv(ROWS[:2])))
    import_job = import_checked(officer_client, consultation, check(officer_client, consultation, _csv()))
    assert import_job.message == "1 new, 2 already imported"
    assert Response.query.count() == 3


# Problems -------------------------------------------------------------------------------------

BAD_ROWS = [
    '2001,05/03/2026,Individual,,Carer,North,yes,,Fine,Yes,\n',
    '2002,31/02/2026,Individual,,Staff,Atlantis,yes,,Fine,Maybe,\n',
    '2003,05/03/2026,Robot,,Staff,North,perhaps,,Fine,Yes,\n',
    '2001,01/01/2099,Individual,,Staff,North,yes,,Fine,Yes,\n',
    '2005,06/03/2026,Individual,,Staff,South,no,,All good,No,\n',
]


def test_every_problem_is_listed_by_row_and_column_and_nothing_is_imported(officer_client, consultation):
    check_job = check(officer_client, consultation, _csv(BAD_ROWS))
    result = check_job.result
    assert result["rows"] == 5 and result["rows_with_errors"] == 4 and result["new"] == 1
    problems = {(row, column): message for row, column, message in result["errors"]}
    assert problems[(2, "Stakeholder group")] == "“Carer” is not one of this consultation’s stakeholder groups"
    assert "not a date" in problems[(3, "Date")]
    assert "localities" in problems[(3, "Locality")]
    assert "not one of the options for question 2" in problems[(3, "Transport")]
    assert "not individual or organisation" in problems[(4, "Responding as")]
    assert "not a consent answer" in problems[(4, "Consent")]
    assert "in the future" in problems[(5, "Date")]
    assert problems[(5, "Response ID")] == "The same ID is also on row 2"

    page = officer_client.get(f"/staff/consultations/{consultation.id}/imports/checks/{check_job.id}")
    html = page.get_data(as_text=True)
    assert "Problems in the file" in html
    assert "4 rows of the file have problems. Nothing can be imported until they are fixed." in html
    assert "All 8 problems, by row" in html
    assert "“Carer” is not one of this consultation’s stakeholder groups" in html
    assert "Import 1 response" not in html

    response = officer_client.post(f"/staff/consultations/{consultation.id}/imports/checks/{check_job.id}/import",
                                   follow_redirects=True)
    assert "Nothing can be imported while the file has problems" in response.get_data(as_text=True)
    assert Response.query.count() == 0
    assert BackgroundJob.query.filter_by(kind="import_responses").count() == 0


def test_a_failure_part_way_through_leaves_no_rows(officer_client, consultation, monkeypatch):
    rows = [f'{3000 + n},05/03/2026,Individual,,Staff,North,yes,,Comment {n},Yes,Extra {n}\n' for n in range(80)]
    check_job = check(officer_client, consultation, _csv(rows))
    assert check_job.result["new"] == 80
    # Small chunks, so that 40 rows are already written when the 50th fails.
    monkeypatch.setattr(services, "CHUNK_ROWS", 10)
    original = services.ResponseRows.convert

    def convert(self, row):
        if row.number == 51:
            raise RuntimeError("disk on fire")
        return original(self, row)

    monkeypatch.setattr(services.ResponseRows, "convert", convert)
    import_job = import_checked(officer_client, consultation, check_job)
    assert import_job.status == "failed"
    assert import_job.message == jobs.UNEXPECTED
    assert Response.query.count() == 0
    assert Answer.query.count() == 0
    assert FeedbackItem.query.count() == 0
    failure = AuditEvent.query.filter_by(action="import.failed").one()
    assert failure.detail["file"] == "responses.csv"
    page = officer_client.get(f"/staff/consultations/{consultation.id}/jobs/{import_job.id}").get_data(as_text=True)
    assert "The import did not finish" in page and "Nothing was changed" in page

    monkeypatch.setattr(services.ResponseRows, "convert", original)
    retry = import_checked(officer_client, consultation, check_job)
    assert retry.status == "done" and Response.query.count() == 80


def test_if_the_consultation_changes_after_the_check_the_import_stops(officer_client, consultation):
    check_job = check(officer_client, consultation, _csv())
    staff = next(group for group in consultation.stakeholder_groups if group.name == "Staff")
    staff.name = "Workforce"
    db.session.commit()
    import_job = import_checked(officer_client, consultation, check_job)
    assert import_job.status == "failed"
    assert "1 row of the file now has problems" in import_job.message
    assert Response.query.count() == 0


@pytest.mark.parametrize("content,filename,message", [
    (b"ID,Comment\n1,hello\n", "responses.xlsx", "not an Excel workbook"),
    (b"", "responses.csv", "The selected file is empty"),
    (b"ID,Comment\n", "responses.csv", "header row but no rows of data"),
    (b'ID,Comment\n1,"open quote\n', "responses.csv", "Row 2 could not be read: a quoted value is not closed"),
    (b"%PDF-1.4", "plan.pdf", "must be a CSV file (.csv) or an Excel workbook (.xlsx)"),
])
def test_unreadable_files_are_refused_with_a_clear_message(officer_client, consultation, content, filename, message):
    response = upload(officer_client, consultation, content, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#34;", '"')


def test_a_file_damaged_further_down_stops_the_check_with_the_row_number(officer_client, consultation):
    rows = [f"{n},07/03/2026,,,,North,no,,Fine,,\n" for n in range(250)]
    content = _csv(rows) + b"1004,07/03/2026,,,,North,no,,Bro\x00ken,,\n"
    check_job = check(officer_client, consultation, content)
    assert check_job.status == "failed"
    assert check_job.message.startswith("Row 252 contains a NUL character")
    page = officer_client.get(f"/staff/consultations/{consultation.id}/jobs/{check_job.id}").get_data(as_text=True)
    assert "The check did not finish" in page and "Row 252 contains a NUL character" in page


def test_a_file_damaged_near_the_top_is_refused_on_the_columns_page(officer_client, consultation):
    response = upload(officer_client, consultation, _csv() + b"1004,07/03/2026,,,,North,no,,Bro\x00ken,,\n")
    assert response.status_code == 302
    page = officer_client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Row 5 contains a NUL character" in page
    assert "Import responses from another survey tool" in page


def test_a_file_over_the_size_cap_is_refused(app, officer_client, consultation):
    app.config["IMPORT_MAX_BYTES"] = 200
    response = upload(officer_client, consultation, _csv())
    assert response.status_code == 400
    assert "The selected file must be smaller than 1 KB" in response.get_data(as_text=True)
    assert not any((app.config["IMPORT_UPLOAD_DIR"] and __import__("os").listdir(app.config["IMPORT_UPLOAD_DIR"])))


def test_an_import_file_may_be_larger_than_other_uploads(csrf_app, consultation):
    csrf_app.config["MAX_CONTENT_LENGTH"] = 2000  # drafts of the plan and other uploads
    officer = make_user("officer")
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"email": officer.email, "password": PASSWORD, "csrf_token": token})
    url = f"/staff/consultations/{consultation.id}/imports/responses/new"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    big = _csv(ROWS * 20)
    assert len(big) > 5000
    response = client.post(url, data={"upload": (io.BytesIO(big), "big.csv"), "csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    # Without a valid token it is still refused.
    response = client.post(url, data={"upload": (io.BytesIO(big), "big.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_uploads_are_kept_outside_static_under_a_generated_name(app, officer_client, consultation):
    response = upload(officer_client, consultation, _csv(), filename="../../static/evil.csv")
    assert response.status_code == 302
    token = response.headers["Location"].split("/")[-2]
    import os

    files = os.listdir(app.config["IMPORT_UPLOAD_DIR"])
    assert sorted(files) == sorted([f"{token}.csv", f"{token}.json"])
    page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "evil.csv" in page and "../" not in page


def test_a_windows_excel_csv_with_semicolons_is_read(officer_client, consultation):
    header = "ID;Date;{q1}\n".format(q1=FIRST_QUESTION)
    content = (header + "1;05/03/2026;\u201cThe \u00a35 charge\u201d isn\u2019t fair\n").encode("cp1252")
    check_job = check(officer_client, consultation, content)
    assert check_job.result["error_count"] == 0
    import_checked(officer_client, consultation, check_job)
    assert Answer.query.one().text == "\u201cThe \u00a35 charge\u201d isn\u2019t fair"


def test_an_excel_workbook_is_imported(officer_client, consultation, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Date", FIRST_QUESTION, "Transport"])
    sheet.append([1, datetime(2026, 3, 5, 9, 15), "From a workbook", "yes"])
    sheet.append([2, datetime(2026, 3, 6), "Second", "No"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    check_job = check(officer_client, consultation, buffer.getvalue(), filename="export.xlsx")
    assert check_job.result["error_count"] == 0, check_job.result["errors"]
    import_checked(officer_client, consultation, check_job)
    first = Response.query.filter_by(import_key="1").one()
    assert first.submitted_at == datetime(2026, 3, 5, 9, 15)
    assert sorted(a.text or a.choices[0] for a in first.answers) == ["From a workbook", "Yes"]


def test_us_dates_can_be_read_month_first(officer_client, consultation):
    content = "ID,Date,{q1}\n1,03/25/2026 2:05 PM,Hello\n".format(q1=FIRST_QUESTION).encode()
    assert check(officer_client, consultation, content).result["error_count"] == 1
    check_job = check(officer_client, consultation, content, date_order="mdy")
    assert check_job.result["error_count"] == 0
    import_checked(officer_client, consultation, check_job)
    assert Response.query.one().submitted_at == datetime(2026, 3, 25, 14, 5)


@pytest.mark.parametrize("value,expected", [
    ("2026-03-05", datetime(2026, 3, 5)),
    ("2026-03-05T14:30:00Z", datetime(2026, 3, 5, 14, 30)),
    ("2026-03-05T14:30:00+01:00", datetime(2026, 3, 5, 13, 30)),
    ("05/03/2026 14:30:10", datetime(2026, 3, 5, 14, 30, 10)),
    ("5/3/26", datetime(2026, 3, 5)),
    ("05.03.2026", datetime(2026, 3, 5)),
    ("5 March 2026", datetime(2026, 3, 5)),
    ("Thursday, 5 March 2026", datetime(2026, 3, 5)),
    ("31/02/2026", None),
    ("yesterday", None),
])
def test_dates_are_read_as_survey_tools_write_them(value, expected):
    assert services.DateReader("dmy").read(value) == expected


# Columns ---------------------------------------------------------------------------------------

def test_the_columns_are_guessed_then_remembered_by_name(officer_client, consultation):
    header = "Ref,When,Your thoughts,Email\n"
    content = (header + "1,05/03/2026,Hello,a@example.org\n").encode()
    response = upload(officer_client, consultation, content)
    fields = mapping_fields(officer_client.get(response.headers["Location"]).get_data(as_text=True))
    assert fields["Ref"][1] == "id"
    assert fields["Your thoughts"][1] == "ignore" and fields["Email"][1] == "ignore"
    q1 = consultation.questions[0]
    check(officer_client, consultation, content, change={"When": "submitted_at", "Your thoughts": f"question:{q1.id}"},
          date_order="mdy")
    remembered = ImportMapping.query.filter_by(consultation_id=consultation.id, kind="responses").one()
    assert remembered.mapping["columns"]["Your thoughts"] == f"question:{q1.id}"

    # Next time, the same column names (in another order, with other capitals) are pre-filled.
    later = ("email,YOUR THOUGHTS,Ref,When\n" + "b@example.org,Bye,2,05/03/2026\n").encode()
    response = upload(officer_client, consultation, later)
    page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    fields = mapping_fields(page)
    assert fields["YOUR THOUGHTS"][1] == f"question:{q1.id}"
    assert fields["When"][1] == "submitted_at" and fields["email"][1] == "ignore"
    assert re.search(r'value="mdy" checked', page)


def test_two_columns_cannot_be_the_same_thing_and_a_question_is_needed(officer_client, consultation):
    response = upload(officer_client, consultation, b"A,B,C\n1,2,3\n")
    url = response.headers["Location"]
    fields = mapping_fields(officer_client.get(url).get_data(as_text=True))
    data = {fields["A"][0]: "id", fields["B"][0]: "id", fields["C"][0]: "ignore", "date_order": "dmy"}
    response = officer_client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“B” and “A” cannot both be imported as the same thing" in page
    assert "Choose at least one column that holds answers to a question" in page
    assert BackgroundJob.query.count() == 0


def test_another_consultations_upload_is_not_found(officer_client, consultation):
    other = make_consultation(with_question=True)
    response = upload(officer_client, consultation, _csv())
    token = response.headers["Location"].split("/")[-2]
    assert officer_client.get(f"/staff/consultations/{other.id}/imports/responses/{token}/columns").status_code == 404
    assert officer_client.get(f"/staff/consultations/{consultation.id}/imports/coded/{token}/columns").status_code == 404
    assert officer_client.get(f"/staff/consultations/{consultation.id}/imports/responses/{'0' * 32}/columns"
                              ).status_code == 404


# Coded feedback -------------------------------------------------------------------------------

CODED = (
    "Comment,Themes,Section,Speaks for\n"
    "\"The bus to the day centre stopped running\",Transport > Rural routes; carers,2,1\n"
    "\"Respite breaks are hard to book\",Carers,,3\n"
    "\"Nobody told us about the meeting\",Transparency and communication,Transport,\n"
)


def test_importing_coded_feedback_creates_items_tags_and_missing_themes(officer_client, officer, consultation):
    existing = Theme(consultation_id=consultation.id, name="Carers", position=0)
    db.session.add(existing)
    db.session.commit()
    check_job = check(officer_client, consultation, CODED.encode(), filename="workshop.csv", kind="coded")
    result = check_job.result
    assert result["error_count"] == 0, result["errors"]
    assert result["new"] == 3
    assert result["themes_to_create"] == ["Transport", "Transparency and communication"]
    page = officer_client.get(f"/staff/consultations/{consultation.id}/imports/checks/{check_job.id}").get_data(as_text=True)
    assert "Themes that will be added to the codebook" in page and "Import 3 feedback items" in page

    import_job = import_checked(officer_client, consultation, check_job)
    assert import_job.status == "done", import_job.message
    assert import_job.result["themes_created"] == ["Transport", "Transport > Rural routes",
                                                   "Transparency and communication"]
    themes = {(t.parent.name if t.parent else None, t.name): t for t in Theme.query.all()}
    assert set(themes) == {(None, "Carers"), (None, "Transport"), ("Transport", "Rural routes"),
                           (None, "Transparency and communication")}
    items = {item.text: item for item in FeedbackItem.query.all()}
    bus = items["The bus to the day centre stopped running"]
    assert bus.source == "import" and bus.entered_by_id == officer.id and bus.response_id is None
    assert bus.section.heading == "Carers" or bus.section.number == "2"
    assert sorted(tag.theme.name for tag in bus.tags) == ["Carers", "Rural routes"]
    assert all(tag.source == "import" and tag.status == "confirmed" and tag.coder_id == officer.id
               and tag.decided_at is not None for tag in Tag.query.all())
    assert items["Respite breaks are hard to book"].speaks_for == 3
    assert items["Nobody told us about the meeting"].section.heading == "Transport"
    assert Tag.query.count() == 4
    event = AuditEvent.query.filter_by(action="feedback.imported").one()
    assert event.detail["file"] == "workshop.csv" and event.detail["new"] == 3

    again = check(officer_client, consultation, CODED.encode(), filename="workshop.csv", kind="coded")
    assert (again.result["new"], again.result["already"]) == (0, 3)
    assert import_checked(officer_client, consultation, again).message == "0 new, 3 already imported"
    assert FeedbackItem.query.count() == 3 and Tag.query.count() == 4 and Theme.query.count() == 4
    assert ImportMapping.query.filter_by(kind="coded").count() == 1


def test_coded_feedback_problems_are_listed(officer_client, consultation):
    content = ("Comment,Themes,Section,Speaks for\n"
               ",Carers,,\n"
               "Fine,Transport > ,,\n"
               "Fine,Carers,99,many\n").encode()
    result = check(officer_client, consultation, content, kind="coded").result
    problems = {(row, column): message for row, column, message in result["errors"]}
    assert problems[(2, "Comment")] == "The comment has no text"
    assert "empty theme name" in problems[(3, "Themes")]
    assert "not a section" in problems[(4, "Section")]
    assert "not a whole number" in problems[(4, "Speaks for")]


def test_coded_feedback_needs_text_and_themes_columns(officer_client, consultation):
    response = upload(officer_client, consultation, b"Note,Other\nx,y\n", kind="coded")
    url = response.headers["Location"]
    fields = mapping_fields(officer_client.get(url).get_data(as_text=True))
    response = officer_client.post(url, data={name: "ignore" for name, _ in fields.values()})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the columns that hold the text of each comment and its themes" in page


# Jobs -----------------------------------------------------------------------------------------

def _job(consultation, officer, **fields):
    fields.setdefault("kind", "import_responses")
    fields.setdefault("params", {"filename": "big.csv", "kind": "responses"})
    background_job = BackgroundJob(consultation_id=consultation.id, created_by_id=officer.id, **fields)
    db.session.add(background_job)
    db.session.commit()
    return background_job


def test_the_job_page_shows_progress_and_refreshes_itself_while_running(officer_client, officer, consultation):
    running = _job(consultation, officer, status="running", progress=40_000, total=100_000,
                   message="Imported 40,000 rows", started_at=utcnow())
    page = officer_client.get(f"/staff/consultations/{consultation.id}/jobs/{running.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert re.search(r'<progress[^>]*max="100" value="40"[^>]*>40%</progress>', page)
    assert "40% done" in page and "Imported 40,000 rows" in page
    assert "You can leave it and come back" in page

    queued = _job(consultation, officer, status="queued")
    page = officer_client.get(f"/staff/consultations/{consultation.id}/jobs/{queued.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page and "Waiting to start" in page

    index = officer_client.get(f"/staff/consultations/{consultation.id}/imports").get_data(as_text=True)
    assert "big.csv" in index and "In progress" in index and "Waiting to start" in index


def test_a_job_that_was_interrupted_is_shown_as_failed(officer_client, officer, consultation):
    stuck = _job(consultation, officer, status="running", started_at=utcnow() - timedelta(hours=3))
    page = officer_client.get(f"/staff/consultations/{consultation.id}/jobs/{stuck.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert "stopped before it finished" in page
    db.session.rollback()
    assert db.session.get(BackgroundJob, stuck.id).status == "failed"


def test_jobs_run_on_a_background_thread(app, officer_client, consultation):
    app.config["JOBS_SYNC"] = False
    response = upload(officer_client, consultation, _csv())
    url = response.headers["Location"]
    fields = mapping_fields(officer_client.get(url).get_data(as_text=True))
    response = officer_client.post(url, data={name: target for name, target in fields.values()})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    deadline = time.monotonic() + 20
    while True:
        db.session.rollback()
        check_job = db.session.get(BackgroundJob, job_id)
        if check_job.status in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert check_job.status == "done", check_job.message
    assert check_job.started_at is not None and check_job.finished_at is not None
    assert check_job.result["new"] == 3

    import_job = import_checked(officer_client, consultation, check_job)
    deadline = time.monotonic() + 20
    while import_job.status not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.05)
        db.session.rollback()
        import_job = db.session.get(BackgroundJob, import_job.id)
    assert import_job.status == "done", import_job.message
    assert Response.query.count() == 3


def test_progress_is_readable_by_another_request_while_a_job_runs(app, officer, consultation):
    seen = {}

    @jobs.job("test_progress", "Testing progress")
    def slow(background_job, progress):
        # Read-only so far: ending the transaction lets progress reach the row on SQLite too.
        db.session.rollback()
        for done in range(0, 1001, 250):
            progress.update(done, total=1000, message=f"Done {done}", force=True)
        with app.app_context():
            seen["row"] = db.session.get(BackgroundJob, background_job.id).progress
            db.session.remove()
        return {"summary": "All done"}

    queued = jobs.enqueue("test_progress", consultation, officer, {})
    db.session.rollback()
    finished = db.session.get(BackgroundJob, queued.id)
    assert finished.status == "done" and finished.message == "All done"
    assert seen["row"] == 1000
    assert jobs.state(finished)["percent"] == 100


def test_only_one_import_at_a_time_per_consultation(officer_client, officer, consultation):
    _job(consultation, officer, status="running", started_at=utcnow())
    check_job_response = upload(officer_client, consultation, _csv())
    url = check_job_response.headers["Location"]
    fields = mapping_fields(officer_client.get(url).get_data(as_text=True))
    response = officer_client.post(url, data={name: target for name, target in fields.values()},
                                   follow_redirects=True)
    assert "Another file is being checked or imported" in response.get_data(as_text=True)
    assert BackgroundJob.query.count() == 1


# Access ---------------------------------------------------------------------------------------

def test_another_consultations_job_is_not_found(officer_client, officer, consultation):
    other = make_consultation(with_question=True)
    foreign = _job(other, officer, kind="import_responses_check", status="done", result={"error_count": 0})
    for url in (f"/staff/consultations/{consultation.id}/jobs/{foreign.id}",
                f"/staff/consultations/{consultation.id}/imports/checks/{foreign.id}"):
        assert officer_client.get(url).status_code == 404, url
    assert officer_client.post(f"/staff/consultations/{consultation.id}/imports/checks/{foreign.id}/import"
                               ).status_code == 404


@pytest.mark.parametrize("role", ["facilitator", "reviewer"])
def test_members_who_do_not_manage_cannot_import(app, consultation, role):
    member = make_user(role)
    db.session.add(Membership(user=member, consultation=consultation, role=role))
    db.session.commit()
    client = app.test_client()
    login(client, member)
    assert client.get(f"/staff/consultations/{consultation.id}/imports").status_code == 403
    assert upload(client, consultation, _csv()).status_code == 403
    overview = client.get(f"/staff/consultations/{consultation.id}").get_data(as_text=True)
    assert "/imports" not in overview


def test_an_officer_member_can_import(app, consultation):
    member = make_user("facilitator")
    db.session.add(Membership(user=member, consultation=consultation, role="officer"))
    db.session.commit()
    client = app.test_client()
    login(client, member)
    import_job = import_checked(client, consultation, check(client, consultation, _csv()))
    assert import_job.status == "done"
    assert AuditEvent.query.filter_by(action="responses.imported").one().user_id == member.id
