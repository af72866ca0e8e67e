"""Officers setting up consultations, drafts and questions; the status rules."""
import io
from datetime import date, timedelta

import pytest
from docx import Document

from engage.extensions import db
from engage.models import Consultation, InvalidTransition, PlanVersion, Question
from engage.models.consultation import PRESCRIBED_GROUPS
from tests.factories import DRAFT_MARKDOWN, make_consultation, make_response


def _dates(prefix, day):
    return {prefix: [str(day.day), str(day.month), str(day.year)]}


def consultation_form(**overrides):
    """A complete, valid create-consultation form."""
    opens, closes = date(2026, 12, 1), date(2027, 2, 28)
    data = {
        "title": "Draft Strategic Commissioning Plan 2026-2029",
        "summary": "Tell us what you think of our plan.",
        "organisation": "Example Health and Social Care Partnership",
        "plan_type": "Strategic commissioning plan",
        "opens_on": [str(opens.day), str(opens.month), str(opens.year)],
        "closes_on": [str(closes.day), str(closes.month), str(closes.year)],
        "contact_email": "consult@example.org",
        "retention_days": "365",
        "localities": "Musselburgh\nNorth Berwick Coastal\n",
        "stakeholder_groups": "\n".join(PRESCRIBED_GROUPS),
    }
    data.update(overrides)
    return data


def post_form(client, url, data):
    """Post a form whose date fields are lists of day, month, year."""
    from werkzeug.datastructures import MultiDict

    items = []
    for key, value in data.items():
        for v in (value if isinstance(value, list) else [value]):
            items.append((key, v))
    return client.post(url, data=MultiDict(items), follow_redirects=False)


# Creating and editing ---------------------------------------------------------

def test_create_form_prefills_prescribed_groups(officer_client):
    page = officer_client.get("/staff/consultations/new").get_data(as_text=True)
    for group in PRESCRIBED_GROUPS:
        assert group in page


def test_officer_creates_a_consultation(officer_client):
    response = post_form(officer_client, "/staff/consultations/new", consultation_form())
    assert response.status_code == 302
    consultation = Consultation.query.one()
    assert consultation.status == "draft"
    assert consultation.slug == "draft-strategic-commissioning-plan-2026-2029"
    assert [loc.name for loc in consultation.localities] == ["Musselburgh", "North Berwick Coastal"]
    assert len(consultation.stakeholder_groups) == len(PRESCRIBED_GROUPS)
    assert all(g.is_prescribed for g in consultation.stakeholder_groups)
    page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft Strategic Commissioning Plan 2026-2029" in page


def test_missing_title_is_reported_by_the_field_and_other_answers_kept(officer_client):
    response = post_form(officer_client, "/staff/consultations/new", consultation_form(title=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a title" in page
    assert 'href="#title"' in page  # error summary links to the field
    assert "Example Health and Social Care Partnership" in page
    assert "Musselburgh" in page
    assert Consultation.query.count() == 0


def test_close_before_open_is_refused(officer_client):
    data = consultation_form(opens_on=["10", "3", "2027"], closes_on=["1", "3", "2027"])
    response = post_form(officer_client, "/staff/consultations/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Closing date must be after the opening date" in page
    assert 'value="2027"' in page
    assert Consultation.query.count() == 0


def test_impossible_date_is_refused_and_typed_values_kept(officer_client):
    data = consultation_form(opens_on=["31", "2", "2027"])
    page = post_form(officer_client, "/staff/consultations/new", data).get_data(as_text=True)
    assert "Opening date must be a real date" in page
    assert 'value="31"' in page


def test_ten_megabytes_of_text_is_refused_politely(officer_client):
    huge = "x" * (10 * 1024 * 1024)
    response = post_form(officer_client, "/staff/consultations/new", consultation_form(summary=huge))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Summary must be 5,000 characters or fewer" in page
    assert Consultation.query.count() == 0


def test_editing_keeps_saved_data_when_input_is_bad(officer_client, officer):
    consultation = make_consultation(title="Original title", user=officer)
    url = f"/staff/consultations/{consultation.id}/edit"
    page = officer_client.get(url).get_data(as_text=True)
    assert "Original title" in page
    response = post_form(officer_client, url, consultation_form(title=""))
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.get(Consultation, consultation.id).title == "Original title"
    response = post_form(officer_client, url, consultation_form(title="New title"))
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Consultation, consultation.id).title == "New title"


# Drafts -----------------------------------------------------------------------

def test_paste_a_draft_splits_it_into_sections(officer_client, officer):
    consultation = make_consultation(user=officer)
    response = officer_client.post(f"/staff/consultations/{consultation.id}/versions/new",
                                   data={"label": "First draft", "text": DRAFT_MARKDOWN})
    assert response.status_code == 302
    version = PlanVersion.query.one()
    assert version.number == 1
    assert [s.heading for s in version.sections][-3:] == ["Vision", "Carers", "Transport"]
    page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Unpaid carers need breaks." in page


def _docx_bytes(paragraphs):
    document = Document()
    for style, text in paragraphs:
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_upload_a_docx_draft(officer_client, officer):
    consultation = make_consultation(user=officer)
    data = _docx_bytes([("Heading 1", "Our vision"), ("Normal", "Living well at home."),
                        ("Heading 1", "Carers"), ("List Bullet", "More respite")])
    response = officer_client.post(
        f"/staff/consultations/{consultation.id}/versions/new",
        data={"label": "First draft", "upload": (io.BytesIO(data), "plan.docx")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    version = PlanVersion.query.one()
    assert [s.heading for s in version.sections] == ["Our vision", "Carers"]
    assert version.source_filename == "plan.docx"
    assert "More respite" in version.sections[1].body_html


def test_a_file_that_is_not_a_docx_is_refused_by_the_field(officer_client, officer):
    consultation = make_consultation(user=officer)
    response = officer_client.post(
        f"/staff/consultations/{consultation.id}/versions/new",
        data={"label": "Second go", "upload": (io.BytesIO(b"just some text, honest"), "plan.docx")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "not a Word document" in page
    assert 'value="Second go"' in page
    assert PlanVersion.query.count() == 0


def test_a_docx_over_the_size_limit_is_refused(officer_client, officer, app):
    app.config["MAX_DRAFT_UPLOAD_BYTES"] = 20_000
    consultation = make_consultation(user=officer)
    data = _docx_bytes([("Heading 1", "Big")] + [("Normal", f"Paragraph {i} " * 40) for i in range(400)])
    assert len(data) > 20_000
    response = officer_client.post(
        f"/staff/consultations/{consultation.id}/versions/new",
        data={"label": "Big draft", "upload": (io.BytesIO(data), "big.docx")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "must be smaller than" in page
    assert PlanVersion.query.count() == 0


def test_empty_draft_is_refused(officer_client, officer):
    consultation = make_consultation(user=officer)
    response = officer_client.post(f"/staff/consultations/{consultation.id}/versions/new",
                                   data={"label": "First draft", "text": "   "})
    assert response.status_code == 400
    assert "Paste the draft plan or choose a file to upload" in response.get_data(as_text=True)


def test_markdown_is_sanitised(officer_client, officer):
    consultation = make_consultation(user=officer)
    nasty = ("## 1. Vision\n\nHello <script>alert('x')</script> world.\n\n"
             "[click me](javascript:alert(1)) and <img src=x onerror=alert(2)>\n")
    officer_client.post(f"/staff/consultations/{consultation.id}/versions/new",
                        data={"label": "First draft", "text": nasty})
    section = PlanVersion.query.one().sections[0]
    assert "<script" not in section.body_html
    assert "javascript:" not in section.body_html
    assert "onerror" not in section.body_html
    page = officer_client.get(f"/staff/consultations/{consultation.id}/versions/1").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "javascript:alert" not in page


def test_second_draft_and_section_diff(officer_client, officer):
    consultation = make_consultation(user=officer, with_draft=True)
    second = DRAFT_MARKDOWN.replace("Unpaid carers need breaks.", "Unpaid carers need short breaks.") \
        .replace("## 3. Transport\n\nGetting to appointments is hard in rural areas.\n",
                 "## 4. Housing\n\nMore supported housing.\n")
    response = officer_client.post(f"/staff/consultations/{consultation.id}/versions/new",
                                   data={"label": "Second draft", "text": second})
    assert response.status_code == 302
    page = officer_client.get(f"/staff/consultations/{consultation.id}/compare?from=1&to=2") \
        .get_data(as_text=True)
    assert "<ins>short</ins>" in page.replace("<ins> short</ins>", "<ins>short</ins>") or \
        "short" in page.split("<ins>", 1)[1].split("</ins>", 1)[0]
    assert "Housing" in page and "Added" in page
    assert "Transport" in page and "Removed" in page


# Questions ----------------------------------------------------------------------

def test_add_edit_reorder_and_delete_questions(officer_client, officer):
    consultation = make_consultation(user=officer, with_draft=True)
    base = f"/staff/consultations/{consultation.id}/questions"
    section = consultation.latest_version.sections[1]
    r = officer_client.post(base + "/new", data={"text": "What matters most?", "kind": "free_text",
                                                 "section_id": str(section.id)})
    assert r.status_code == 302
    r = officer_client.post(base + "/new", data={"text": "Do you agree with the vision?",
                                                 "kind": "agree_scale", "section_id": "", "required": "y"})
    assert r.status_code == 302
    first, second = consultation.questions
    assert first.section_id == section.id
    assert second.required and second.choices[0] == "Strongly agree"

    officer_client.post(f"{base}/{second.id}/move", data={"direction": "up"})
    db.session.rollback()
    assert [q.text for q in db.session.get(Consultation, consultation.id).questions] == [
        "Do you agree with the vision?", "What matters most?"]

    r = officer_client.post(f"{base}/{first.id}/edit", data={"text": "What matters most to you?",
                                                            "kind": "free_text", "section_id": ""})
    assert r.status_code == 302
    db.session.rollback()
    assert db.session.get(Question, first.id).text == "What matters most to you?"

    assert "Are you sure" in officer_client.get(f"{base}/{first.id}/delete").get_data(as_text=True)
    officer_client.post(f"{base}/{first.id}/delete")
    assert Question.query.count() == 1


def test_choice_question_needs_two_options(officer_client, officer):
    consultation = make_consultation(user=officer)
    r = officer_client.post(f"/staff/consultations/{consultation.id}/questions/new",
                            data={"text": "How did you hear?", "kind": "single_choice",
                                  "options": "Only one", "section_id": ""})
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Enter at least two options" in page
    assert 'value="How did you hear?"' in page
    assert Question.query.count() == 0


def test_questions_cannot_change_once_responses_exist(officer_client, officer):
    consultation = make_consultation(user=officer, status="open")
    question = consultation.questions[0]
    make_response(consultation)
    base = f"/staff/consultations/{consultation.id}/questions"
    page = officer_client.get(base).get_data(as_text=True)
    assert "Questions cannot be changed because people have already started responding" in page
    r = officer_client.post(f"{base}/{question.id}/edit", data={"text": "Changed", "kind": "free_text",
                                                                "section_id": ""}, follow_redirects=True)
    assert "Questions cannot be changed" in r.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Question, question.id).text == "What do you think of the plan?"
    officer_client.post(f"{base}/{question.id}/delete")
    assert Question.query.count() == 1


# Status rules -------------------------------------------------------------------

def test_cannot_open_without_draft_and_question(officer_client, officer):
    consultation = make_consultation(user=officer)
    page = officer_client.get(f"/staff/consultations/{consultation.id}").get_data(as_text=True)
    assert "Add a draft of the plan before opening the consultation." in page
    r = officer_client.post(f"/staff/consultations/{consultation.id}/status", data={"status": "open"},
                            follow_redirects=True)
    assert "Add at least one question before opening" in r.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Consultation, consultation.id).status == "draft"


def test_officer_opens_a_ready_consultation(officer_client, officer):
    consultation = make_consultation(user=officer, with_draft=True, with_question=True)
    r = officer_client.post(f"/staff/consultations/{consultation.id}/status", data={"status": "open"})
    assert r.status_code == 302
    db.session.rollback()
    assert db.session.get(Consultation, consultation.id).status == "open"


@pytest.mark.parametrize("start,target,allowed", [
    ("draft", "closed", False), ("draft", "published", False), ("open", "closed", True),
    ("open", "draft", False), ("closed", "open", True), ("closed", "analysing", True),
    ("analysing", "published", True), ("published", "archived", True), ("archived", "open", False),
    ("published", "open", False),
])
def test_status_transitions_on_the_model(app, start, target, allowed):
    consultation = make_consultation(status=start)
    if allowed:
        consultation.transition_to(target)
        assert consultation.status == target
    else:
        with pytest.raises(InvalidTransition):
            consultation.transition_to(target)
        assert consultation.status == start


def test_dashboard_shows_status_dates_and_response_counts(officer_client, officer):
    consultation = make_consultation(title="Care homes review", user=officer, status="open",
                                     closes_on=date.today() + timedelta(days=30))
    make_response(consultation)
    make_response(consultation)
    page = officer_client.get("/staff/").get_data(as_text=True)
    assert "Care homes review" in page
    assert "Open" in page
    row = page.split("Care homes review", 1)[1].split("</tr>", 1)[0]
    assert ">2<" in row.replace(" ", "")


def test_a_locality_with_responses_cannot_be_removed(officer_client, officer):
    consultation = make_consultation(user=officer, status="open", localities=["North", "South"])
    north = consultation.localities[0]
    make_response(consultation, locality=north)
    from tests.test_consultations import consultation_form as full_form

    data = full_form(localities="South\nEast")
    response = post_form(officer_client, f"/staff/consultations/{consultation.id}/edit", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "You cannot remove “North”" in page
    assert "East" in page  # what they typed is kept
    db.session.rollback()
    assert [loc.name for loc in db.session.get(Consultation, consultation.id).localities] == ["North", "South"]


def test_retention_period_is_set_per_consultation_with_a_clear_message_for_bad_values(officer_client):
    response = post_form(officer_client, "/staff/consultations/new", consultation_form(retention_days="-3",
                                                                                     title="Kept title"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Days to keep contact details must be a whole number from 0 to 3,650" in page
    assert "Kept title" in page and Consultation.query.count() == 0
    response = post_form(officer_client, "/staff/consultations/new", consultation_form(retention_days="90"))
    assert response.status_code == 302
    assert Consultation.query.one().retention_days == 90
