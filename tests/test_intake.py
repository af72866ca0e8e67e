"""Keying in paper, telephone, letter and email responses; correcting them; the second-person check."""
import re
from datetime import date, timedelta
from html import unescape
from types import SimpleNamespace

import pytest

from engage.consultations import services as consultation_services
from engage.extensions import db
from engage.intake.services import merge_points, split_into_points
from engage.models import (
    Answer, AuditEvent, EqualityMonitoring, FeedbackItem, FeedbackItemRevision, Membership, Response,
)
from tests.conftest import login
from tests.factories import make_consultation, make_response, make_user

RECEIVED = date.today() - timedelta(days=3)
LONG_ANSWER = "Day services closed. " * 20
LETTER = """Dear Partnership,

I am writing about the carers section. My husband has dementia and I have had no respite for two years.

The buses from our village stop at six, so I cannot get to the evening carers' group.

I also support the vision of people living well at home.

Yours faithfully,
Mary Brown"""


def text(client_response):
    return client_response.get_data(as_text=True)


def error_by(page, field_id):
    """The error message shown by a field (GOV.UK puts it in <p id="<field>-error">)."""
    match = re.search(rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">\s*'
                      r'<span class="govuk-visually-hidden">Error:</span>(.*?)</p>', page, re.S)
    return unescape(match.group(1)).strip() if match else None


def url(consultation, suffix):
    return f"/staff/consultations/{consultation.id}/{suffix}"


@pytest.fixture
def consultation(app, officer):
    """An open consultation with a draft of three sections and four kinds of question."""
    consultation = make_consultation(title="Carers plan", user=officer, status="open")
    sections = {s.heading: s for s in consultation.latest_version.sections}
    carers = consultation_services.add_question(
        consultation, "What would help carers most?", section=sections["Carers"], required=True,
        max_length=500)
    scale = consultation_services.add_question(consultation, "Do you agree with the vision?", kind="agree_scale",
                                               section=sections["Vision"])
    travel = consultation_services.add_question(consultation, "How do you travel?", kind="multiple_choice",
                                                options=["Bus", "Car", "Community transport"])
    db.session.commit()
    general = consultation.questions[0]
    consultation.q = SimpleNamespace(general=general, carers=carers, scale=scale, travel=travel)
    consultation.sections = sections
    return consultation


def paper_form(consultation, **overrides):
    """A complete key-in form for a paper questionnaire."""
    q = consultation.q
    north = next(loc for loc in consultation.localities if loc.name == "North")
    carers_group = next(g for g in consultation.stakeholder_groups if g.name == "Carers of users of social care")
    data = {
        "channel": "paper",
        "received_on": [str(RECEIVED.day), str(RECEIVED.month), str(RECEIVED.year)],
        "respondent_type": "individual",
        "organisation_name": "",
        "respondent_name": "Mary Brown",
        "contact_email": "mary@example.org",
        "groups": [str(carers_group.id)],
        "locality": str(north.id),
        "consent": "publish_anonymous",
        f"q{q.general.id}": "More respite, please.",
        f"q{q.carers.id}": LONG_ANSWER,
        f"q{q.scale.id}": "Agree",
        f"q{q.travel.id}": ["Bus", "Community transport"],
        "submit": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def letter_details(consultation, **overrides):
    """Step 1 of a letter: the details and the pasted text."""
    data = {
        "channel": "letter",
        "received_on": [str(RECEIVED.day), str(RECEIVED.month), str(RECEIVED.year)],
        "respondent_type": "individual",
        "respondent_name": "Mary Brown",
        "locality": "not_given",
        "consent": "publish_named",
        "text": LETTER,
        "split": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def step_two_data(page):
    """Every field the second step of a letter would send back (hidden ones and the table)."""
    data = {}
    for tag in re.findall(r'<input [^>]*type="hidden"[^>]*>', page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "save":
            data.setdefault(name.group(1), []).append(unescape(value.group(1)) if value else "")
    for name, value in re.findall(r'<textarea class="govuk-textarea[^"]*" id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>',
                                  page, re.S):
        data[name] = [unescape(value).lstrip("\n")]
    for name, value in re.findall(r'<input class="govuk-input[^"]*" id="[^"]+" name="(points-\d+-speaks_for)" '
                                  r'type="text" value="([^"]*)"', page):
        data[name] = [unescape(value)]
    for name, body in re.findall(r'<select class="govuk-select[^"]*" id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>',
                                 page, re.S):
        selected = re.search(r'<option value="([^"]*)" selected', body)
        data[name] = [selected.group(1) if selected else ""]
    return data


def saved_responses(consultation):
    db.session.rollback()
    return Response.query.filter_by(consultation_id=consultation.id).all()


# --- Keying in a questionnaire ------------------------------------------------------------

def test_the_key_in_page_has_every_question_and_who_is_entering_it(officer_client, consultation, officer):
    page = text(officer_client.get(url(consultation, "responses/key")))
    for question in consultation.questions:
        assert question.text in page
    assert "Paper or postal questionnaire" in page and "Easy-read form" in page
    assert officer.name in page
    assert "Online questionnaire" not in page
    # Consent is never chosen for the officer.
    assert not re.search(r'name="consent" type="radio" value="[a-z_]+" checked', page)


def test_a_paper_response_is_keyed_in_end_to_end(officer_client, consultation, officer):
    q = consultation.q
    r = officer_client.post(url(consultation, "responses/key"), data=paper_form(consultation))
    assert r.status_code == 302, text(r)
    [response] = saved_responses(consultation)
    assert r.location.endswith(f"/responses/{response.id}")
    assert response.status == "submitted" and response.submitted_at is not None
    assert response.channel == "paper"
    assert response.received_on == RECEIVED
    assert response.entered_by_id == officer.id
    assert re.fullmatch(r"ENG-[2-9A-HJKMNP-Z]{6}", response.reference)
    assert response.respondent_name == "Mary Brown" and response.contact_email == "mary@example.org"
    assert [g.name for g in response.groups] == ["Carers of users of social care"]
    assert response.locality.name == "North"
    assert response.consent == "publish_anonymous"
    assert response.checked_by_second_person is False
    answers = {a.question_id: a for a in Answer.query.filter_by(response_id=response.id)}
    assert answers[q.carers.id].text == LONG_ANSWER.strip()
    assert answers[q.scale.id].choices == ["Agree"]
    assert answers[q.travel.id].choices == ["Bus", "Community transport"]
    items = {i.question_id: i for i in FeedbackItem.query.filter_by(response_id=response.id)}
    # One feedback item per free-text answer, with the question's section; none for choices.
    assert set(items) == {q.general.id, q.carers.id}
    assert items[q.carers.id].section.heading == "Carers"
    assert items[q.general.id].section is None
    assert all(i.source == "answer" and i.entered_by_id == officer.id for i in items.values())
    assert EqualityMonitoring.query.count() == 0
    event = AuditEvent.query.filter_by(action="response.keyed_in").one()
    assert event.user_id == officer.id and event.detail["channel"] == "paper"
    page = text(officer_client.get(r.location))
    assert f"Response {response.reference} saved" in page
    assert "Paper or postal questionnaire" in page and officer.name in page


def test_required_questions_may_be_blank_on_a_paper_form(officer_client, consultation):
    q = consultation.q
    r = officer_client.post(url(consultation, "responses/key"),
                            data=paper_form(consultation, **{f"q{q.carers.id}": "", f"q{q.general.id}": ""}))
    assert r.status_code == 302, text(r)
    [response] = saved_responses(consultation)
    assert FeedbackItem.query.filter_by(response_id=response.id).count() == 0


def test_equality_answers_are_kept_apart_when_the_form_had_them(officer_client, consultation):
    r = officer_client.post(url(consultation, "responses/key"),
                            data=paper_form(consultation, age_band="65 to 74", unpaid_carer="Yes"))
    assert r.status_code == 302
    [response] = saved_responses(consultation)
    record = EqualityMonitoring.query.filter_by(response_id=response.id).one()
    assert (record.age_band, record.unpaid_carer, record.sex) == ("65 to 74", "Yes", "")
    assert "65 to 74" not in text(officer_client.get(r.location))


def test_an_organisation_response_with_nothing_known_about_groups_or_locality(officer_client, consultation):
    r = officer_client.post(url(consultation, "responses/key"), data=paper_form(
        consultation, channel="other_language", respondent_type="organisation", organisation_name="Carers Centre",
        groups=[], locality="not_given", consent="publish_named", respondent_name=""))
    assert r.status_code == 302, text(r)
    [response] = saved_responses(consultation)
    assert response.organisation_name == "Carers Centre" and response.groups == []
    assert response.locality is None and response.locality_other == ""
    assert response.channel == "other_language"


THIRTY_DAYS_ON = date.today() + timedelta(days=30)


@pytest.mark.parametrize("overrides,field,message", [
    ({"channel": None}, "channel", "Select how the response arrived"),
    ({"channel": "online"}, "channel", "Not a valid choice."),
    ({"received_on": ["", "", ""]}, "received_on", "Enter the date the response was received"),
    ({"received_on": None}, "received_on", "Enter the date the response was received"),
    ({"received_on": [str(THIRTY_DAYS_ON.day), str(THIRTY_DAYS_ON.month), str(THIRTY_DAYS_ON.year)]},
     "received_on", "Date received must be today or in the past"),
    ({"received_on": ["31", "2", "2026"]}, "received_on", "Date received must be a real date"),
    ({"received_on": ["x", "3", "2026"]}, "received_on", "Date received must be a real date"),
    ({"consent": None}, "consent", "Select what the respondent said about publishing their response"),
    ({"locality": None}, "locality",
     "Select where the respondent lives or works, or that the response does not say"),
    ({"respondent_type": "organisation"}, "organisation_name", "Enter the name of the organisation"),
    ({"consent": "publish_named", "respondent_name": ""}, "respondent_name",
     "Enter the respondent’s name, or record that they agreed to publication without their name"),
    ({"contact_email": "not an email"}, "contact_email",
     "Enter an email address in the correct format, like name@example.org"),
    ({"checked_by_second_person": "y"}, "checker", "Select who checked it"),
])
def test_bad_input_is_explained_by_the_field_keeps_everything_and_saves_nothing(
        officer_client, consultation, overrides, field, message):
    r = officer_client.post(url(consultation, "responses/key"), data=paper_form(consultation, **overrides))
    assert r.status_code == 400
    page = text(r)
    assert error_by(page, field) == message
    assert "There is a problem" in page and f'href="#{field}"' in page
    # Everything else typed is still there.
    assert LONG_ANSWER.strip() in unescape(page)
    assert "More respite, please." in page
    assert 'value="Mary Brown"' in page or overrides.get("respondent_name") == ""
    assert re.search(r'value="Agree" checked', page)
    assert re.search(r'value="Community transport" checked', page)
    if field != "received_on":
        assert f'value="{RECEIVED.day}"' in page and f'value="{RECEIVED.year}"' in page
    assert saved_responses(consultation) == []
    assert FeedbackItem.query.count() == 0 and Answer.query.count() == 0


def test_an_answer_beyond_its_limit_is_refused_and_kept(officer_client, consultation):
    q = consultation.q
    huge = "x" * 50_000
    r = officer_client.post(url(consultation, "responses/key"),
                            data=paper_form(consultation, **{f"q{q.carers.id}": huge}))
    assert r.status_code == 400
    page = text(r)
    assert error_by(page, f"q{q.carers.id}") == \
        "The answer to “What would help carers most?” must be 500 characters or fewer"
    assert huge in page
    assert 'value="Mary Brown"' in page
    assert saved_responses(consultation) == []


def test_a_second_person_named_as_the_paper_form_is_keyed(officer_client, consultation, officer):
    colleague = make_user("officer", name="Second Officer")
    page = text(officer_client.get(url(consultation, "responses/key")))
    assert "Second Officer" in page
    assert f'<option value="{officer.id}"' not in page  # never yourself
    r = officer_client.post(url(consultation, "responses/key"), data=paper_form(
        consultation, checked_by_second_person="y", checker=str(colleague.id)))
    assert r.status_code == 302, text(r)
    [response] = saved_responses(consultation)
    assert response.checked_by_second_person is True
    event = AuditEvent.query.filter_by(action="response.checked_by_second_person").one()
    assert (event.user_id, event.detail["checker_id"]) == (officer.id, colleague.id)
    assert "by Second Officer" in text(officer_client.get(r.location))
    # Naming yourself is refused.
    r = officer_client.post(url(consultation, "responses/key"), data=paper_form(
        consultation, checked_by_second_person="y", checker=str(officer.id)))
    assert r.status_code == 400
    assert error_by(text(r), "checker") == "Select who checked it from the list"


def test_a_double_click_saves_one_response(officer_client, consultation):
    form = paper_form(consultation, submission_key="k" * 32)
    first = officer_client.post(url(consultation, "responses/key"), data=form)
    second = officer_client.post(url(consultation, "responses/key"), data=form)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert len(saved_responses(consultation)) == 1
    assert "already saved" in text(officer_client.get(second.location))


@pytest.mark.parametrize("status", ["draft", "published"])
def test_keying_in_waits_for_the_consultation_to_open_and_stops_at_publication(officer_client, officer, status):
    consultation = make_consultation(user=officer, status=status, with_draft=True, with_question=True)
    page = text(officer_client.get(url(consultation, "responses/key")))
    assert "You cannot key in responses to this consultation now" in page
    r = officer_client.post(url(consultation, "responses/key"), data={"channel": "paper"})
    assert r.status_code == 409
    assert saved_responses(consultation) == []


# --- Letters and emails --------------------------------------------------------------------

def test_splitting_at_blank_lines():
    assert split_into_points("One.\r\n\r\nTwo\nstill two.\n \n\n\nThree.  ") == ["One.", "Two\nstill two.",
                                                                                "Three."]
    assert split_into_points("   \n\n ") == []


def test_merging_keeps_a_section_and_the_larger_number():
    points = [{"text": "A", "section": "", "speaks_for": "1"}, {"text": "B", "section": "7", "speaks_for": "12"},
              {"text": "C", "section": "", "speaks_for": "1"}]
    assert merge_points(points, 0) == [{"text": "A\nB", "section": "7", "speaks_for": "12"}, points[2]]
    assert merge_points(points, 2) == points  # the last point has nothing after it


def _propose(client, consultation, **overrides):
    r = client.post(url(consultation, "responses/letter"), data=letter_details(consultation, **overrides))
    assert r.status_code == 200, text(r)
    return text(r)


def test_a_letter_is_split_into_points_attached_to_sections(officer_client, consultation, officer):
    page = _propose(officer_client, consultation)
    assert "Check the points" in page and "5 proposed points" in page
    data = step_two_data(page)
    assert data["channel"] == ["letter"] and data["received_on"] == [str(RECEIVED.day), str(RECEIVED.month),
                                                                    str(RECEIVED.year)]
    assert data["points-1-text"] == ["I am writing about the carers section. My husband has dementia and I have "
                                     "had no respite for two years."]
    # Drop the greeting and the signature; attach the three points to sections.
    sections = consultation.sections
    data.update({"points-0-text": [""], "points-4-text": [""],
                 "points-1-section": [str(sections["Carers"].id)], "points-1-speaks_for": ["2"],
                 "points-2-section": [str(sections["Transport"].id)],
                 "points-3-section": [str(sections["Vision"].id)], "save": ["y"]})
    r = officer_client.post(url(consultation, "responses/letter"), data=data)
    assert r.status_code == 302, text(r)
    [response] = saved_responses(consultation)
    assert (response.channel, response.status, response.received_on) == ("letter", "submitted", RECEIVED)
    assert response.entered_by_id == officer.id and response.consent == "publish_named"
    assert response.respondent_name == "Mary Brown" and response.locality is None
    items = FeedbackItem.query.filter_by(response_id=response.id).order_by(FeedbackItem.position).all()
    assert [(i.section.heading, i.speaks_for, i.source, i.entered_by_id) for i in items] == [
        ("Carers", 2, "letter", officer.id), ("Transport", 1, "letter", officer.id),
        ("Vision", 1, "letter", officer.id)]
    assert items[1].text.startswith("The buses from our village stop at six")
    assert Answer.query.count() == 0
    page = text(officer_client.get(r.location))
    assert "Points made" in page and "The buses from our village stop at six" in page
    assert "About 2. Carers" in page


def test_two_points_merged_before_saving(officer_client, consultation):
    page = _propose(officer_client, consultation, channel="email")
    data = step_two_data(page)
    data["points-1-section"] = [str(consultation.sections["Carers"].id)]
    data["merge"] = ["1"]
    r = officer_client.post(url(consultation, "responses/letter"), data=data)
    assert r.status_code == 200
    page = text(r)
    assert "4 proposed points" in page
    assert saved_responses(consultation) == []
    data = step_two_data(page)
    assert data["points-1-text"] == ["I am writing about the carers section. My husband has dementia and I have "
                                     "had no respite for two years.\nThe buses from our village stop at six, so "
                                     "I cannot get to the evening carers' group."]
    assert data["points-1-section"] == [str(consultation.sections["Carers"].id)]
    data["points-1-text"] = [data["points-1-text"][0] + " Edited before saving."]
    data["save"] = ["y"]
    r = officer_client.post(url(consultation, "responses/letter"), data=data)
    assert r.status_code == 302, text(r)
    [response] = saved_responses(consultation)
    assert response.channel == "email"
    items = FeedbackItem.query.filter_by(response_id=response.id).order_by(FeedbackItem.position).all()
    assert len(items) == 4 and all(i.source == "email" for i in items)
    assert items[1].text.endswith("evening carers' group. Edited before saving.")
    assert items[1].section.heading == "Carers"


def test_going_back_keeps_the_details_and_the_edited_text(officer_client, consultation):
    data = step_two_data(_propose(officer_client, consultation))
    data["points-0-text"] = [""]
    data["back"] = ["y"]
    r = officer_client.post(url(consultation, "responses/letter"), data=data)
    assert r.status_code == 200
    page = text(r)
    assert "Paste a letter or email" in page
    assert 'value="Mary Brown"' in page
    assert "Dear Partnership" not in page and "Yours faithfully" in page


@pytest.mark.parametrize("overrides,field,message", [
    ({"text": "  \n\n "}, "text", "Paste the text of the letter or email"),
    ({"channel": "paper"}, "channel", "Not a valid choice."),
    ({"channel": None}, "channel", "Select how the response arrived"),
    ({"received_on": None}, "received_on", "Enter the date the response was received"),
    ({"consent": None}, "consent", "Select what the respondent said about publishing their response"),
    ({"text": "x" * 100_001}, "text", "The letter or email must be 100,000 characters or fewer"),
    ({"text": "\n\n".join(["A paragraph."] * 301)}, "text",
     "The letter or email has 301 paragraphs. Engage proposes up to 300 points: remove some of the blank "
     "lines between paragraphs that belong together"),
])
def test_a_letter_with_bad_details_is_explained_and_kept(officer_client, consultation, overrides, field, message):
    r = officer_client.post(url(consultation, "responses/letter"), data=letter_details(consultation, **overrides))
    assert r.status_code == 400
    page = text(r)
    assert error_by(page, field) == message
    assert 'value="Mary Brown"' in page
    if field != "text":
        assert "no respite for two years" in page
    assert saved_responses(consultation) == []


def test_bad_points_are_explained_by_the_point_and_nothing_is_saved(officer_client, consultation):
    data = step_two_data(_propose(officer_client, consultation))
    data.update({"points-2-speaks_for": ["none"], "points-1-section": ["999999"], "save": ["y"]})
    r = officer_client.post(url(consultation, "responses/letter"), data=data)
    assert r.status_code == 400
    page = text(r)
    assert error_by(page, "points-2-speaks_for") == \
        "Enter how many people point 3 speaks for, as a whole number from 1 to 100,000"
    assert error_by(page, "points-1-section") == "Select a section from the list"
    assert 'value="none"' in page and "no respite for two years" in page
    data = {key: value for key, value in step_two_data(page).items()}
    for key in [k for k in data if k.endswith("-text")]:
        data[key] = [""]
    data.update({"points-2-speaks_for": ["1"], "points-1-section": [""], "save": ["y"]})
    r = officer_client.post(url(consultation, "responses/letter"), data=data)
    assert r.status_code == 400
    assert error_by(text(r), "points-0-text") == "Enter the text of at least one point"
    assert saved_responses(consultation) == []


# --- Changing a keyed response later ----------------------------------------------------------

@pytest.fixture
def keyed(officer_client, consultation):
    """A paper response keyed in by the officer."""
    r = officer_client.post(url(consultation, "responses/key"), data=paper_form(consultation))
    assert r.status_code == 302
    [response] = saved_responses(consultation)
    return response


def edit_data(consultation, **overrides):
    data = paper_form(consultation, **overrides)
    data.pop("submit")
    data["submit"] = "y"
    return data


def test_the_edit_page_shows_what_was_keyed_but_never_equality_answers(officer_client, consultation, keyed):
    page = text(officer_client.get(url(consultation, f"responses/{keyed.id}/edit")))
    assert "More respite, please." in page and 'value="Mary Brown"' in page
    assert re.search(r'value="paper" checked', page) and re.search(r'value="publish_anonymous" checked', page)
    assert "What is your age?" not in page


def test_editing_later_keeps_revisions_and_is_audited(app, consultation, keyed, officer):
    q = consultation.q
    colleague = make_user("officer", name="Correcting Officer")
    client = app.test_client()
    login(client, colleague)
    r = client.post(url(consultation, f"responses/{keyed.id}/edit"), data=edit_data(
        consultation, channel="easy_read", **{f"q{q.general.id}": "More respite and more day care."}))
    assert r.status_code == 302, text(r)
    db.session.rollback()
    response = db.session.get(Response, keyed.id)
    assert response.channel == "easy_read"
    assert response.entered_by_id == officer.id  # still the person who keyed it in
    item = FeedbackItem.query.filter_by(response_id=keyed.id, question_id=q.general.id).one()
    assert item.text == "More respite and more day care."
    [revision] = FeedbackItemRevision.query.filter_by(item_id=item.id).all()
    assert (revision.before_text, revision.after_text, revision.changed_by_id, revision.action) == (
        "More respite, please.", "More respite and more day care.", colleague.id, "edit")
    event = AuditEvent.query.filter_by(action="response.keyed_changed").one()
    assert event.user_id == colleague.id
    assert "channel" in event.detail["changed"]
    assert f"answer to question {q.general.id}" in event.detail["changed"]


def test_editing_with_bad_input_saves_nothing(officer_client, consultation, keyed):
    q = consultation.q
    r = officer_client.post(url(consultation, f"responses/{keyed.id}/edit"), data=edit_data(
        consultation, received_on=["1", "1", str(date.today().year + 1)], **{f"q{q.general.id}": "Changed"}))
    assert r.status_code == 400
    assert error_by(text(r), "received_on") == "Date received must be today or in the past"
    assert "Changed" in text(r)
    db.session.rollback()
    assert FeedbackItem.query.filter_by(question_id=q.general.id).one().text == "More respite, please."
    assert FeedbackItemRevision.query.count() == 0


def test_a_letters_points_can_be_corrected_later(officer_client, consultation, officer):
    data = step_two_data(_propose(officer_client, consultation))
    data["save"] = ["y"]
    assert officer_client.post(url(consultation, "responses/letter"), data=data).status_code == 302
    [response] = saved_responses(consultation)
    page = text(officer_client.get(url(consultation, f"responses/{response.id}/edit")))
    data = step_two_data(page)
    assert len([k for k in data if k.endswith("-text")]) == 5
    data.update({"channel": ["email"], "respondent_type": ["individual"], "locality": ["not_given"],
                 "consent": ["do_not_publish"], "received_on": [str(RECEIVED.day), str(RECEIVED.month),
                                                                str(RECEIVED.year)],
                 "points-0-text": ["Dear Partnership (greeting)"],
                 "points-2-section": [str(consultation.sections["Transport"].id)], "submit": ["y"]})
    r = officer_client.post(url(consultation, f"responses/{response.id}/edit"), data=data)
    assert r.status_code == 302, text(r)
    db.session.rollback()
    items = FeedbackItem.query.filter_by(response_id=response.id).order_by(FeedbackItem.position).all()
    assert items[0].text == "Dear Partnership (greeting)"
    assert items[2].section.heading == "Transport"
    assert {item.source for item in items} == {"email"}  # re-recorded as an email: its points follow
    [revision] = FeedbackItemRevision.query.all()
    assert (revision.before_text, revision.item_id) == ("Dear Partnership,", items[0].id)
    assert db.session.get(Response, response.id).consent == "do_not_publish"
    # A point cannot be emptied away once saved.
    data["points-1-text"] = [""]
    r = officer_client.post(url(consultation, f"responses/{response.id}/edit"), data=data)
    assert r.status_code == 400
    assert error_by(text(r), "points-1-text") == "Enter the text of point 2"


def test_an_online_response_cannot_be_changed_here(officer_client, consultation):
    online = make_response(consultation, channel="online")
    for suffix in ("edit", "check"):
        r = officer_client.get(url(consultation, f"responses/{online.id}/{suffix}"))
        assert r.status_code == 302
        assert r.location.endswith(f"/responses/{online.id}")
    assert "Change this response" not in text(officer_client.get(url(consultation, f"responses/{online.id}")))


# --- The second-person check -------------------------------------------------------------------

def test_a_different_officer_checks_a_keyed_response(app, consultation, keyed, officer):
    member = make_user("facilitator", name="Member Officer")
    db.session.add(Membership(user=member, consultation=consultation, role="officer"))
    db.session.commit()
    client = app.test_client()
    login(client, member)
    page = text(client.get(url(consultation, f"responses/{keyed.id}")))
    assert "Not yet" in page and "Check it as the second person" in page
    page = text(client.get(url(consultation, f"responses/{keyed.id}/check")))
    assert "More respite, please." in page and "I have checked it against the original" in page
    r = client.post(url(consultation, f"responses/{keyed.id}/check"), data={"submit": "y"})
    assert r.status_code == 302
    db.session.rollback()
    assert db.session.get(Response, keyed.id).checked_by_second_person is True
    event = AuditEvent.query.filter_by(action="response.checked_by_second_person").one()
    assert (event.user_id, event.detail["checker_id"], event.detail["entered_by_id"]) == (
        member.id, member.id, officer.id)
    assert event.at is not None
    page = text(client.get(r.location))
    assert "Yes, by Member Officer on" in page
    # Checking twice changes nothing.
    r = client.post(url(consultation, f"responses/{keyed.id}/check"), data={"submit": "y"})
    assert r.status_code == 409
    assert AuditEvent.query.filter_by(action="response.checked_by_second_person").count() == 1


def test_the_person_who_keyed_it_cannot_check_it(officer_client, consultation, keyed):
    page = text(officer_client.get(url(consultation, f"responses/{keyed.id}/check")))
    assert "You keyed in this response, so you cannot be the second person who checks it" in page
    assert "I have checked it against the original" not in page
    r = officer_client.post(url(consultation, f"responses/{keyed.id}/check"), data={"submit": "y"})
    assert r.status_code == 403
    assert "cannot also be the second person who checks it" in text(r)
    db.session.rollback()
    assert db.session.get(Response, keyed.id).checked_by_second_person is False
    assert AuditEvent.query.filter_by(action="response.checked_by_second_person").count() == 0


def test_a_change_after_the_check_needs_a_new_check(app, consultation, keyed):
    checker = make_user("officer")
    client = app.test_client()
    login(client, checker)
    assert client.post(url(consultation, f"responses/{keyed.id}/check"), data={"submit": "y"}).status_code == 302
    r = client.post(url(consultation, f"responses/{keyed.id}/edit"),
                    data=edit_data(consultation, respondent_name="Mary Browne"))
    assert r.status_code == 302
    assert "needs checking by a second person again" in text(client.get(r.location))
    db.session.rollback()
    assert db.session.get(Response, keyed.id).checked_by_second_person is False
    # Saving without changes keeps the check.
    assert client.post(url(consultation, f"responses/{keyed.id}/check"), data={"submit": "y"}).status_code == 302
    client.post(url(consultation, f"responses/{keyed.id}/edit"),
                data=edit_data(consultation, respondent_name="Mary Browne"))
    db.session.rollback()
    assert db.session.get(Response, keyed.id).checked_by_second_person is True


# --- Who may do it -------------------------------------------------------------------------

@pytest.mark.parametrize("role,member_role,allowed", [
    ("admin", None, True), ("officer", None, True), ("facilitator", "officer", True),
    ("facilitator", "facilitator", False), ("reviewer", "reviewer", False), ("facilitator", None, False),
])
def test_only_those_who_manage_the_consultation_key_in_responses(app, consultation, keyed, role, member_role,
                                                                  allowed):
    user = make_user(role)
    if member_role:
        db.session.add(Membership(user=user, consultation=consultation, role=member_role))
        db.session.commit()
    client = app.test_client()
    login(client, user)
    before = Response.query.count()
    posts = {
        "responses/key": paper_form(consultation),
        "responses/letter": letter_details(consultation),
        f"responses/{keyed.id}/edit": edit_data(consultation, channel="phone"),
        f"responses/{keyed.id}/check": {"submit": "y"},
    }
    for suffix, data in posts.items():
        r = client.post(url(consultation, suffix), data=data)
        assert (r.status_code != 403) is allowed, (suffix, r.status_code)
    db.session.rollback()
    if not allowed:
        assert Response.query.count() == before
        response = db.session.get(Response, keyed.id)
        assert response.channel == "paper" and response.checked_by_second_person is False
    detail = text(client.get(url(consultation, f"responses/{keyed.id}")))
    assert ("Change this response" in detail) is allowed
    overview = text(client.get(url(consultation, "")[:-1]))
    assert ("Key in a response" in overview) is allowed


def test_another_consultations_response_is_not_found(officer_client, consultation, keyed, officer):
    other = make_consultation(user=officer, status="open")
    for suffix in ("edit", "check"):
        assert officer_client.get(url(other, f"responses/{keyed.id}/{suffix}")).status_code == 404
        assert officer_client.post(url(other, f"responses/{keyed.id}/{suffix}"),
                                   data={"submit": "y"}).status_code == 404
    assert officer_client.get("/staff/consultations/999999/responses/key").status_code == 404


# --- Escaping ----------------------------------------------------------------------------------

PAYLOAD = '<script>alert("x")</script>'


def test_script_is_escaped_everywhere_it_is_shown_back(app, officer_client, consultation, officer):
    q = consultation.q
    # Shown back with errors on the key-in page.
    r = officer_client.post(url(consultation, "responses/key"), data=paper_form(
        consultation, channel=None, respondent_name=PAYLOAD, organisation_name=PAYLOAD,
        **{f"q{q.general.id}": PAYLOAD}))
    assert r.status_code == 400
    page = text(r)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    # Saved, then shown on the response, the edit and the check pages.
    r = officer_client.post(url(consultation, "responses/key"), data=paper_form(
        consultation, respondent_type="organisation", respondent_name=PAYLOAD, organisation_name=PAYLOAD,
        **{f"q{q.general.id}": PAYLOAD}))
    assert r.status_code == 302
    [response] = saved_responses(consultation)
    checker = make_user("officer", name=PAYLOAD)
    client = app.test_client()
    login(client, checker)
    client.post(url(consultation, f"responses/{response.id}/check"), data={"submit": "y"})
    for suffix in (f"responses/{response.id}", f"responses/{response.id}/edit", f"responses/{response.id}/check"):
        page = text(officer_client.get(url(consultation, suffix)))
        assert "<script>alert" not in page, suffix
        assert "&lt;script&gt;" in page, suffix
    # A letter: in the hidden fields and the table of points, and on step 1 again.
    page = _propose(officer_client, consultation, respondent_name=PAYLOAD, text=f"{PAYLOAD}\n\nSecond point")
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    data = step_two_data(page)
    assert data["respondent_name"] == [PAYLOAD] and data["points-0-text"] == [PAYLOAD]
    r = officer_client.post(url(consultation, "responses/letter"), data={**data, "back": ["y"]})
    assert "<script>alert" not in text(r) and "&lt;script&gt;" in text(r)
    r = officer_client.post(url(consultation, "responses/letter"), data={**data, "save": ["y"]})
    assert r.status_code == 302
    page = text(officer_client.get(r.location))
    assert "<script>alert" not in page and "&lt;script&gt;" in page
