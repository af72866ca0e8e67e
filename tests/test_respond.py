"""Responding online, as a member of the public would: public pages, the journey, and its safety nets."""
import hashlib
import html as html_lib
import re
import time
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import flask_wtf.csrf
from itsdangerous import SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from engage import create_app
from engage.consultations.services import add_question
from engage.extensions import db, limiter
from engage.public import services
from engage.models import (
    AuditEvent, Consultation, EqualityMonitoring, FeedbackItem, FeedbackItemRevision, Question, Response, utcnow,
)
from engage.templating import format_date
from tests.conftest import ON_POSTGRES, IsolatedClient, _config_for, _reset_postgres, csrf_token_from, login
from tests.factories import make_consultation, make_event, make_user

REFERENCE = re.compile(r"ENG-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}")
PRIVATE_LINK = re.compile(r"http://localhost/r/([A-Za-z0-9_-]+)")
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
WORLD = "😀 مرحبا שלום"

VISION_ANSWER = "More help at home after a stay in hospital."
GENERAL_ANSWER = "A sensible plan, if the money is there."


# --- Helpers ------------------------------------------------------------------------------------

def journey_consultation(**fields):
    """An open consultation with questions on three sections and a general one.

    Pages: 1 Vision (free text, required; agree scale, required), 2 Carers (single choice),
    3 Transport (multiple choice; free text), 4 General questions (free text from the factory).
    """
    consultation = make_consultation(status="open", **fields)
    sections = {s.heading: s for s in consultation.latest_version.sections}
    q = SimpleNamespace(general=consultation.questions[0])
    q.vision = add_question(consultation, "What would help you live well at home?", required=True,
                            section=sections["Vision"])
    q.scale = add_question(consultation, "Do you agree with the vision?", kind="agree_scale", required=True,
                           section=sections["Vision"])
    q.carers = add_question(consultation, "Which break would help you most?", kind="single_choice",
                            options=["Day centre", "Respite at home", "Something else"], section=sections["Carers"])
    q.transport = add_question(consultation, "How do you get to appointments?", kind="multiple_choice",
                               options=["Bus", "Car", "Community transport"], section=sections["Transport"])
    q.transport_text = add_question(consultation, "Anything else about transport?", section=sections["Transport"])
    q.sections = sections
    db.session.commit()
    return consultation, q


def url(consultation, page=""):
    """A journey page of the consultation."""
    return f"/consultations/{consultation.slug}/respond" + (f"/{page}" if page else "")


def text(response):
    return response.get_data(as_text=True)


def about_data(consultation, **overrides):
    """A valid "about you": an individual in two groups, in the first locality."""
    data = {"respondent_type": "individual", "organisation_name": "",
            "groups": [str(g.id) for g in consultation.stakeholder_groups[:2]],
            "locality": str(consultation.localities[0].id), "submit": "y"}
    data.update(overrides)
    return data


def page_data(q, page, **overrides):
    """Valid answers for one questions page."""
    data = {
        1: {f"q{q.vision.id}": VISION_ANSWER, f"q{q.scale.id}": "Agree"},
        2: {f"q{q.carers.id}": "Day centre"},
        3: {f"q{q.transport.id}": ["Bus", "Community transport"], f"q{q.transport_text.id}": ""},
        4: {f"q{q.general.id}": GENERAL_ANSWER},
    }[page]
    data.update(overrides)
    data["submit"] = "y"
    return data


def start(client, consultation):
    """Read the start page and follow its "Start now" link (a link: nothing is saved yet)."""
    r = client.get(url(consultation))
    assert r.status_code == 200, text(r)
    first = re.search(r'href="([^"]+)"[^>]*class="govuk-button govuk-button--start', text(r)) or \
        re.search(r'class="govuk-button govuk-button--start"[^>]*href="([^"]+)"', text(r))
    assert first, text(r)
    r = client.get(html_lib.unescape(first.group(1)))
    assert r.status_code == 200, text(r)
    return r


def fill_in(client, consultation, q, upto="check", about=None, consent=None):
    """Answer every page up to (not including) upto; returns the last response."""
    start(client, consultation)
    steps = ["about", 1, 2, 3, 4, "consent", "equality"]
    for step in steps[:steps.index(upto) if upto in steps else len(steps)]:
        if step == "about":
            r = client.post(url(consultation, "about"), data=about or about_data(consultation))
        elif step == "consent":
            r = client.post(url(consultation, "consent"), data=consent or {"consent": "publish_anonymous"})
        elif step == "equality":
            r = client.post(url(consultation, "equality"), data={"skip": "y"})
        else:
            r = client.post(url(consultation, f"questions/{step}"), data=page_data(q, step))
        assert r.status_code == 302, (step, text(r))
    return r


def submit(client, consultation, q, **kwargs):
    """The whole journey; returns the confirmation page."""
    fill_in(client, consultation, q, **kwargs)
    r = client.post(url(consultation, "check"), data={"submit": "y"})
    assert r.status_code == 302 and r.location.endswith("/respond/done"), text(r)
    return client.get(url(consultation, "done"))


def private_token(page):
    match = PRIVATE_LINK.search(page)
    assert match, "no private link on the page"
    return match.group(1)


def the_response(consultation):
    """The one response to the consultation, fresh from the database."""
    db.session.rollback()
    responses = Response.query.filter_by(consultation_id=consultation.id).all()
    assert len(responses) == 1, responses
    return responses[0]


def no_response_saved(consultation):
    """Nothing has been stored for the consultation yet."""
    db.session.rollback()
    return Response.query.filter_by(consultation_id=consultation.id).count() == 0


def field_error(page, field_id):
    """The error message shown by a field, or ""."""
    match = re.search(rf'<p id="{field_id}-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split()) if match else ""


def checked(page, name, value):
    """Whether the radio or checkbox name=value is selected on the page."""
    for tag in re.findall(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page):
        if f'value="{html_lib.escape(value)}"' in tag:
            return bool(re.search(r"\schecked\b", tag))
    raise AssertionError(f"no input {name}={value} on the page")


def textarea(page, name):
    match = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return html_lib.unescape(match.group(1))


def input_value(page, name):
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert match, f"no input {name}"
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return html_lib.unescape(value.group(1)) if value else ""


def answers_of(response):
    return {answer.question_id: answer for answer in response.answers}


# --- 1. Public pages ----------------------------------------------------------------------------

def test_home_lists_the_open_consultation_with_a_link(client):
    consultation = make_consultation(status="open", title="Care at home plan 2026 to 2029")
    make_consultation(title="A plan still being written", with_draft=True, with_question=True)
    page = text(client.get("/"))
    assert "Open consultations" in page
    assert f'<a class="govuk-link" href="/consultations/{consultation.slug}">Care at home plan 2026 to 2029</a>' in page
    assert "A plan still being written" not in page
    assert client.get(f"/consultations/{consultation.slug}").status_code == 200


def test_consultation_page_shows_what_when_who_and_the_ways_to_respond(client):
    consultation = make_consultation(
        status="open", title="Care at home plan", summary="How we will support people to live at home.",
        organisation="Riverside Health and Social Care Partnership", contact_email="plans@riverside.example.org",
        opens_on=date.today() - timedelta(days=3), closes_on=date.today() + timedelta(days=40))
    make_event(consultation, title="Drop-in at Hillside library", venue="Hillside library")
    make_event(consultation, title="Workshop that already happened", starts_at=utcnow() - timedelta(days=2))
    make_event(consultation, title="Staff briefing", is_public=False)
    page = text(client.get(f"/consultations/{consultation.slug}"))
    assert "How we will support people to live at home." in page
    assert "Riverside Health and Social Care Partnership" in page
    assert format_date(date.today() - timedelta(days=3)) in page
    assert format_date(date.today() + timedelta(days=40)) in page
    assert "Ways to respond" in page
    assert "Respond online" in page and f'href="/consultations/{consultation.slug}/respond"' in page
    assert 'href="mailto:plans@riverside.example.org"' in page
    assert "At an event" in page and "Drop-in at Hillside library" in page and "Hillside library" in page
    assert "Workshop that already happened" not in page
    assert "Staff briefing" not in page
    assert f'href="/consultations/{consultation.slug}/plan"' in page

    # Without an email address or upcoming events, those ways are not offered.
    other = make_consultation(status="open")
    page = text(client.get(f"/consultations/{other.slug}"))
    assert "Respond online" in page
    assert "By email" not in page and "mailto:" not in page
    assert "At an event" not in page


def test_plan_contents_and_a_section_with_its_questions(client):
    consultation, q = journey_consultation()
    page = text(client.get(f"/consultations/{consultation.slug}/plan"))
    assert "First draft" in page
    for position, heading in enumerate(["Introduction", "Vision", "Carers", "Transport"], 1):
        assert f'href="/consultations/{consultation.slug}/plan/{position}">{heading}</a>' in page

    page = text(client.get(f"/consultations/{consultation.slug}/plan/2"))
    assert "1. Vision" in page
    assert "We want people to live well at home." in page
    assert "What would help you live well at home?" in page and "Do you agree with the vision?" in page
    assert "Which break would help you most?" not in page  # a question about another section
    assert "Comment on this section" in page
    assert 'name="page" value="1"' in page

    # "Comment on this section" leads, through the start page, to that section's questions.
    r = client.get(url(consultation) + "?page=1")
    assert r.status_code == 200
    assert re.search(rf'href="{re.escape(url(consultation, "questions/1"))}"[^>]*govuk-button--start', text(r))
    assert "What would help you live well at home?" in text(client.get(url(consultation, "questions/1")))
    # A page number the consultation does not have starts at the beginning.
    assert re.search(rf'href="{re.escape(url(consultation, "about"))}"[^>]*govuk-button--start',
                     text(client.get(url(consultation) + "?page=9")))

    page = text(client.get(f"/consultations/{consultation.slug}/plan/4"))
    assert "Getting to appointments is hard in rural areas." in page
    assert "How do you get to appointments?" in page and "Comment on this section" in page

    # The introduction has no questions of its own.
    page = text(client.get(f"/consultations/{consultation.slug}/plan/1"))
    assert "Introductory words." in page and "Comment on this section" not in page
    assert client.get(f"/consultations/{consultation.slug}/plan/9").status_code == 404


def test_a_consultation_still_in_draft_is_not_public(client):
    consultation = make_consultation(with_draft=True, with_question=True)
    assert consultation.status == "draft"
    base = f"/consultations/{consultation.slug}"
    for path in (base, f"{base}/plan", f"{base}/plan/1", url(consultation), url(consultation, "about"),
                 url(consultation, "questions/1")):
        assert client.get(path).status_code == 404, path
    assert client.post(url(consultation, "about"), data=about_data(consultation)).status_code == 404
    db.session.rollback()
    assert Response.query.count() == 0
    assert consultation.slug not in text(client.get("/"))


# --- 2. The whole journey -----------------------------------------------------------------------

def test_the_start_page_continues_a_saved_response_where_its_answers_are(client):
    consultation, q = journey_consultation()
    start_button = r'href="([^"]+)"[^>]*govuk-button--start[^>]*>\s*([^<]+?)\s*<'
    link, label = re.search(start_button, text(client.get(url(consultation)))).groups()
    assert (html_lib.unescape(link), label) == (url(consultation, "about"), "Start now")
    client.post(url(consultation, "about"), data=about_data(consultation))
    link, label = re.search(start_button, text(client.get(url(consultation)))).groups()
    assert (html_lib.unescape(link), label) == (url(consultation, "check"), "Continue your response")
    # "Comment on this section" still goes to that section's questions.
    link, _ = re.search(start_button, text(client.get(url(consultation) + "?page=2"))).groups()
    assert html_lib.unescape(link) == url(consultation, "questions/2")
    assert len(Response.query.filter_by(consultation_id=consultation.id).all()) == 1


def test_journey_pages_send_the_session_cookie_only_when_it_changes(client):
    # A respondent's browser is not sent a new session cookie with every page: only when
    # the session changes (the journey starts, or ends with a submission).
    consultation, q = journey_consultation()
    assert "Set-Cookie" not in start(client, consultation).headers  # only read: nothing to remember
    assert "Set-Cookie" in client.post(url(consultation, "about"), data=about_data(consultation)).headers
    for page in ("about", "questions/1", "questions/2", "consent"):
        r = client.get(url(consultation, page))
        assert r.status_code == 200 and "Set-Cookie" not in r.headers, page
    r = client.post(url(consultation, "questions/1"), data=page_data(q, 1))
    assert r.status_code == 302 and "Set-Cookie" not in r.headers


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL round trips")
def test_public_pages_read_outside_a_transaction_and_the_connection_goes_back_transactional(client):
    # On PostgreSQL a public page fetched with GET runs its statements in autocommit (no
    # BEGIN or ROLLBACK round trips); form posts keep their transaction, and a connection
    # used by a page comes back to the pool transactional for whatever uses it next.
    from sqlalchemy import event

    consultation, q = journey_consultation()
    seen = []

    def note(connection, *_args):
        dbapi_connection = connection.connection.dbapi_connection
        seen.append((flask_request_line(), dbapi_connection, dbapi_connection.autocommit))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        fill_in(client, consultation, q)
        r = client.post(url(consultation, "check"), data={"submit": "y"})
        assert r.status_code == 302
        done = client.get(url(consultation, "done"))
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert {autocommit for line, _, autocommit in seen if line.startswith("GET ")} == {True}
    assert {autocommit for line, _, autocommit in seen if line.startswith("POST ")} == {False}
    # Back in the pool, every connection those pages used is transactional again.
    assert {connection.autocommit for _, connection, _ in seen} == {False}
    # The done page gave out the private link (one UPDATE, committed as it ran): it works.
    db.session.rollback()
    r = client.get(f"/r/{private_token(text(done))}")
    assert r.status_code == 302 and r.location.endswith(url(consultation, "check"))


def flask_request_line():
    """ "METHOD path" of the request being served, or "" outside one."""
    from flask import has_request_context, request

    return f"{request.method} {request.path}" if has_request_context() else ""


def test_the_whole_journey_stores_one_submitted_response(client):
    consultation, q = journey_consultation()
    groups = consultation.stakeholder_groups[:2]
    north = consultation.localities[0]
    vision_section_id = q.sections["Vision"].id

    r = client.get(url(consultation))
    assert r.status_code == 200 and "Start now" in text(r) and "4 pages of questions" in text(r)
    # "Start now" is a link: reading the start page and the first page saves nothing.
    assert re.search(rf'href="{re.escape(url(consultation, "about"))}"[^>]*govuk-button--start', text(r))
    r = client.get(url(consultation, "about"))
    assert r.status_code == 200 and "About you" in text(r)
    db.session.rollback()
    assert Response.query.count() == 0

    r = client.post(url(consultation, "about"), data=about_data(consultation))
    assert r.location.endswith(url(consultation, "questions/1"))
    for number, (heading, expected) in enumerate([
            ("1. Vision", "What would help you live well at home?"),
            ("2. Carers", "Which break would help you most?"),
            ("3. Transport", "How do you get to appointments?"),
            ("General questions", "What do you think of the plan? (optional)")], 1):
        page = text(client.get(url(consultation, f"questions/{number}")))
        assert f"Questions, page {number} of 4" in page and heading in page and expected in page
        if number == 1:
            assert "We want people to live well at home." in page  # the section, to read again
        r = client.post(url(consultation, f"questions/{number}"), data=page_data(q, number))
        assert r.status_code == 302, text(r)
    assert r.location.endswith(url(consultation, "consent"))

    r = client.post(url(consultation, "consent"), data={"consent": "publish_named", "respondent_name": "Ann Other"})
    assert r.location.endswith(url(consultation, "equality"))
    r = client.post(url(consultation, "equality"), data={"age_band": "35 to 44", "sex": "Female",
                                                         "unpaid_carer": "Yes", "submit": "y"})
    assert r.location.endswith(url(consultation, "check"))

    page = text(client.get(url(consultation, "check")))
    assert "Check your answers before submitting your response" in page
    for shown in (VISION_ANSWER, "Agree", "Day centre", "Bus, Community transport", GENERAL_ANSWER, "North",
                  groups[0].name, groups[1].name, "As an individual", "Publish with my name", "Ann Other"):
        assert shown in page, shown
    db.session.rollback()
    assert Response.query.filter_by(status="submitted").count() == 0  # not until they submit

    r = client.post(url(consultation, "check"), data={"submit": "y"})
    assert r.status_code == 302 and r.location.endswith(url(consultation, "done"))
    page = text(client.get(r.location))
    assert "Response submitted" in page
    reference = REFERENCE.search(page).group(0)
    assert private_token(page)

    response = the_response(consultation)
    assert response.status == "submitted" and response.submitted_at is not None
    assert response.reference == reference and response.channel == "online"
    assert response.respondent_type == "individual"
    assert sorted(g.id for g in response.groups) == sorted(g.id for g in groups)
    assert response.locality_id == north.id
    assert response.consent == "publish_named" and response.respondent_name == "Ann Other"

    answers = answers_of(response)
    assert answers[q.vision.id].text == VISION_ANSWER
    assert answers[q.general.id].text == GENERAL_ANSWER
    assert answers[q.scale.id].choices == ["Agree"] and answers[q.scale.id].text == ""
    assert answers[q.carers.id].choices == ["Day centre"]
    assert answers[q.transport.id].choices == ["Bus", "Community transport"]
    assert answers[q.transport_text.id].text == ""

    # One feedback item per non-empty free-text answer, and none for choices or scales.
    items = FeedbackItem.query.all()
    assert sorted((item.question_id, item.text) for item in items) == sorted(
        [(q.vision.id, VISION_ANSWER), (q.general.id, GENERAL_ANSWER)])
    for item in items:
        assert item.response_id == response.id and item.consultation_id == consultation.id
        assert item.answer_id == answers[item.question_id].id and item.source == "answer"
    by_question = {item.question_id: item for item in items}
    assert by_question[q.vision.id].section_id == vision_section_id
    assert by_question[q.general.id].section_id is None

    # Equality answers in their own table, not on the response.
    equality = EqualityMonitoring.query.filter_by(response_id=response.id).one()
    assert (equality.age_band, equality.sex, equality.unpaid_carer) == ("35 to 44", "Female", "Yes")
    assert equality.religion == "" and equality.consultation_id == consultation.id
    assert "age_band" not in Response.__table__.columns


def test_every_question_on_the_journey_pages_is_shown(client):
    """Radio and checkbox questions show their question text, and no stray "None" hint."""
    consultation, q = journey_consultation()
    start(client, consultation)
    page = text(client.get(url(consultation, "about")))
    client.post(url(consultation, "about"), data=about_data(consultation))
    for question in ("Are you responding as an individual or on behalf of an organisation?",
                     "Which of these describe you?", "Where do you live or work?"):
        assert re.search(r"<legend[^>]*>\s*" + re.escape(question) + r"\s*</legend>", page), question
    page = text(client.get(url(consultation, "questions/1")))
    assert re.search(r"<legend[^>]*>\s*Do you agree with the vision\?\s*</legend>", page)
    assert not re.search(r">\s*None\s*<", page)
    page = text(client.get(url(consultation, "consent")))
    assert re.search(r"<legend[^>]*>\s*Can we publish your response\?\s*</legend>", page)
    page = text(client.get(url(consultation, "equality")))
    assert re.search(r"<legend[^>]*>\s*What is your age\?\s*</legend>", page)
    assert "Do you look after, or give any help or support to, someone" in page
    assert not re.search(r">\s*None\s*<", page)


# --- 3. Bad input -------------------------------------------------------------------------------

def test_about_you_with_nothing_chosen_says_what_to_do_by_each_field(client):
    consultation, q = journey_consultation()
    start(client, consultation)
    r = client.post(url(consultation, "about"), data={"submit": "y"})
    page = text(r)
    assert r.status_code == 400
    assert "There is a problem" in page
    assert field_error(page, "respondent_type").startswith("Error: Select whether you are responding")
    assert field_error(page, "groups").startswith("Error: Select at least one group")
    assert field_error(page, "locality") == "Error: Select where you live or work"
    assert no_response_saved(consultation)  # the first page saves nothing until it is right


def test_an_organisation_needs_its_name_and_the_other_answers_are_kept(client):
    consultation, q = journey_consultation()
    start(client, consultation)
    groups = [str(g.id) for g in consultation.stakeholder_groups[2:4]]
    south = str(consultation.localities[1].id)
    r = client.post(url(consultation, "about"), data=about_data(
        consultation, respondent_type="organisation", organisation_name="  ", groups=groups, locality=south))
    page = text(r)
    assert r.status_code == 400
    assert field_error(page, "organisation_name") == "Error: Enter the name of the organisation"
    assert checked(page, "respondent_type", "organisation")
    assert all(checked(page, "groups", g) for g in groups)
    assert not checked(page, "groups", str(consultation.stakeholder_groups[0].id))
    assert checked(page, "locality", south)
    assert no_response_saved(consultation)

    # What was saved before survives a bad change.
    client.post(url(consultation, "about"), data=about_data(consultation))
    r = client.post(url(consultation, "about") + "?return=check",
                    data=about_data(consultation, respondent_type="organisation"))
    assert r.status_code == 400
    response = the_response(consultation)
    assert response.respondent_type == "individual" and len(response.groups) == 2
    page = text(client.get(url(consultation, "about")))
    assert checked(page, "respondent_type", "individual")
    assert checked(page, "locality", str(consultation.localities[0].id))


def test_a_required_question_left_blank_is_named_and_the_other_answer_kept(client):
    consultation, q = journey_consultation()
    fill_in(client, consultation, q, upto=1)
    r = client.post(url(consultation, "questions/1"),
                    data=page_data(q, 1, **{f"q{q.vision.id}": "", f"q{q.scale.id}": "Disagree"}))
    page = text(r)
    assert r.status_code == 400
    assert field_error(page, f"q{q.vision.id}") == "Error: Answer this question: What would help you live well at home?"
    assert checked(page, f"q{q.scale.id}", "Disagree")
    assert the_response(consultation).answers == []

    # Once saved, a bad change to the page keeps the saved answers.
    client.post(url(consultation, "questions/1"), data=page_data(q, 1))
    r = client.post(url(consultation, "questions/1"), data=page_data(q, 1, **{f"q{q.vision.id}": ""}))
    assert r.status_code == 400
    answers = answers_of(the_response(consultation))
    assert answers[q.vision.id].text == VISION_ANSWER and answers[q.scale.id].choices == ["Agree"]


def test_a_choice_that_is_not_offered_is_refused(client):
    consultation, q = journey_consultation()
    fill_in(client, consultation, q, upto=2)
    r = client.post(url(consultation, "questions/2"), data={f"q{q.carers.id}": "Free money", "submit": "y"})
    assert r.status_code == 400
    assert field_error(text(r), f"q{q.carers.id}")
    response = the_response(consultation)
    assert q.carers.id not in answers_of(response)
    assert answers_of(response)[q.vision.id].text == VISION_ANSWER


def test_an_answer_that_is_too_long_is_refused_and_kept_on_the_page(client):
    consultation, q = journey_consultation()
    fill_in(client, consultation, q, upto=3)
    long_answer = ("The bus runs twice a day. " * 2000)[:49_990] + " " + WORLD
    assert len(long_answer) > 50_000 - 10
    r = client.post(url(consultation, "questions/3"), data=page_data(
        q, 3, **{f"q{q.transport.id}": ["Car"], f"q{q.transport_text.id}": long_answer}))
    page = text(r)
    assert r.status_code == 400
    assert "must be 5,000 characters or fewer" in field_error(page, f"q{q.transport_text.id}")
    assert textarea(page, f"q{q.transport_text.id}") == long_answer
    assert checked(page, f"q{q.transport.id}", "Car") and not checked(page, f"q{q.transport.id}", "Bus")

    # Nothing from this page was saved, and nothing from earlier pages was lost.
    answers = answers_of(the_response(consultation))
    assert q.transport.id not in answers and q.transport_text.id not in answers
    assert answers[q.vision.id].text == VISION_ANSWER
    assert answers[q.scale.id].choices == ["Agree"] and answers[q.carers.id].choices == ["Day centre"]


def test_consent_not_chosen_keeps_the_name(client):
    consultation, q = journey_consultation()
    fill_in(client, consultation, q, upto="consent")
    r = client.post(url(consultation, "consent"), data={"respondent_name": "Ann Other", "submit": "y"})
    page = text(r)
    assert r.status_code == 400
    assert field_error(page, "consent") == "Error: Select whether we can publish your response"
    assert input_value(page, "respondent_name") == "Ann Other"
    response = the_response(consultation)
    assert response.consent is None and response.respondent_name == ""
    assert answers_of(response)[q.general.id].text == GENERAL_ANSWER

    # Publishing "with my name" needs a name.
    r = client.post(url(consultation, "consent"), data={"consent": "publish_named", "respondent_name": " "})
    assert r.status_code == 400
    assert field_error(text(r), "respondent_name") == \
        "Error: Enter your name, or choose to publish without your name"
    assert checked(text(r), "consent", "publish_named")
    assert the_response(consultation).consent is None

    # The check page will not submit without consent either.
    client.post(url(consultation, "equality"), data={"skip": "y"})
    r = client.post(url(consultation, "check"), data={"submit": "y"})
    assert r.status_code == 400 and "Select whether we can publish your response" in text(r)
    assert the_response(consultation).status == "draft"


def test_skipping_the_equality_questions_is_a_link_that_stores_nothing(client):
    consultation, q = journey_consultation()
    fill_in(client, consultation, q, upto="equality")
    page = text(client.get(url(consultation, "equality")))
    skip = re.search(r'<a href="([^"]+)" role="button"[^>]*govuk-button--secondary[^>]*>\s*Skip these questions', page)
    assert skip and html_lib.unescape(skip.group(1)) == url(consultation, "check")
    assert 'name="skip"' not in page
    r = client.get(skip.group(1))
    assert r.status_code == 200 and "Check your answers" in text(r)
    db.session.rollback()
    assert EqualityMonitoring.query.count() == 0


def test_saved_equality_answers_are_shown_again(client):
    consultation, q = journey_consultation()
    fill_in(client, consultation, q, upto="equality")
    client.post(url(consultation, "equality"), data={"age_band": "65 to 74", "disability": "Yes", "submit": "y"})
    page = text(client.get(url(consultation, "equality")))
    assert checked(page, "age_band", "65 to 74") and checked(page, "disability", "Yes")
    assert not checked(page, "sex", "Female")

    r = client.post(url(consultation, "equality"), data={"age_band": "Ancient", "sex": "Female", "submit": "y"})
    assert r.status_code == 400 and field_error(text(r), "age_band") and checked(text(r), "sex", "Female")
    db.session.rollback()
    record = EqualityMonitoring.query.one()
    assert (record.age_band, record.sex, record.disability) == ("65 to 74", "", "Yes")


@pytest.mark.parametrize("value, shown", [(WORLD, WORLD), (XSS, XSS_ESCAPED)], ids=["emoji-rtl", "script"])
def test_text_is_kept_intact_and_shown_back_safely(client, value, shown):
    consultation, q = journey_consultation()
    fill_in(client, consultation, q,
            about=about_data(consultation, respondent_type="organisation", organisation_name=value),
            consent={"consent": "publish_named", "respondent_name": value})
    client.post(url(consultation, "questions/1"), data=page_data(q, 1, **{f"q{q.vision.id}": value}))

    response = the_response(consultation)
    assert response.organisation_name == value and response.respondent_name == value
    assert answers_of(response)[q.vision.id].text == value

    pages = {
        "about": text(client.get(url(consultation, "about"))),
        "questions": text(client.get(url(consultation, "questions/1"))),
        "consent": text(client.get(url(consultation, "consent"))),
    }
    assert input_value(pages["about"], "organisation_name") == value
    assert textarea(pages["questions"], f"q{q.vision.id}") == value
    assert input_value(pages["consent"], "respondent_name") == value
    check = text(client.get(url(consultation, "check")))
    assert check.count(shown) >= 3  # organisation, answer, name
    assert f"On behalf of {shown}" in check
    for page in [check, *pages.values()]:
        assert XSS not in page
        if value == XSS:
            assert shown in page

    client.post(url(consultation, "check"), data={"submit": "y"})
    assert FeedbackItem.query.filter_by(question_id=q.vision.id).one().text == value


# --- 4. Save and come back later ---------------------------------------------------------------

def test_save_and_come_back_later_with_the_private_link(client, app):
    consultation, q = journey_consultation()
    fill_in(client, consultation, q, upto=1)
    r = client.post(url(consultation, "questions/1"), data={**page_data(q, 1, **{f"q{q.scale.id}": ""}),
                                                            "save_later": "y"})
    assert r.status_code == 302 and r.location.endswith(url(consultation, "saved"))
    page = text(client.get(r.location))
    assert "Your answers have been saved" in page
    token = private_token(page)
    reference = REFERENCE.search(page).group(0)

    # Only a hash of the token is kept.
    response = the_response(consultation)
    assert response.resume_token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert Response.query.filter(Response.resume_token_hash == token).count() == 0
    assert response.reference == reference

    # Another browser, with no session, carries on from the link.
    other = app.test_client()
    r = other.get(f"/r/{token}")
    assert r.status_code == 302 and r.location.endswith(url(consultation, "check"))
    page = text(other.get(r.location))
    assert VISION_ANSWER in page and "Check your answers" in page
    page = text(other.get(url(consultation, "questions/1")))
    assert textarea(page, f"q{q.vision.id}") == VISION_ANSWER
    r = other.post(url(consultation, "questions/1"), data=page_data(q, 1))
    assert r.status_code == 302
    answers = answers_of(the_response(consultation))
    assert answers[q.scale.id].choices == ["Agree"] and answers[q.vision.id].text == VISION_ANSWER

    # A draft saved before "about you" ("Comment on this section" starts at its questions)
    # goes back to "about you".
    second, q2 = journey_consultation()
    fresh = app.test_client()
    assert fresh.post(url(second, "questions/1"), data={**page_data(q2, 1), "save_later": "y"}).status_code == 302
    second_token = private_token(text(fresh.get(url(second, "saved"))))
    r = app.test_client().get(f"/r/{second_token}")
    assert r.status_code == 302 and r.location.endswith(url(second, "about"))

    for wrong in (token[:-2] + "xx", "nonsense", "a" * 200):
        r = app.test_client().get(f"/r/{wrong}")
        assert r.status_code == 404 and "This link does not work" in text(r)


def test_the_private_link_changes_then_withdraws_a_submitted_response(client, app):
    consultation, q = journey_consultation()
    token = private_token(text(submit(client, consultation, q)))

    other = app.test_client()
    r = other.get(f"/r/{token}")
    assert r.location.endswith(url(consultation, "check"))
    page = text(other.get(r.location))
    assert "Your response" in page and VISION_ANSWER in page and "Withdraw your response" in page

    r = other.post(url(consultation, "questions/1") + "?return=check",
                   data=page_data(q, 1, **{f"q{q.vision.id}": "On reflection, more carers."}))
    assert r.status_code == 302 and r.location.endswith(url(consultation, "check"))
    db.session.rollback()
    item = FeedbackItem.query.filter_by(question_id=q.vision.id).one()
    assert item.text == "On reflection, more carers."
    revision = FeedbackItemRevision.query.filter_by(item_id=item.id).one()
    assert (revision.before_text, revision.after_text) == (VISION_ANSWER, "On reflection, more carers.")
    assert FeedbackItem.query.count() == 2
    assert the_response(consultation).status == "submitted"

    # Emptying an optional free-text answer removes its feedback item.
    other.post(url(consultation, "questions/4") + "?return=check", data=page_data(q, 4, **{f"q{q.general.id}": ""}))
    db.session.rollback()
    assert FeedbackItem.query.filter_by(question_id=q.general.id).count() == 0

    assert "Are you sure you want to withdraw your response?" in text(other.get(url(consultation, "withdraw")))
    r = other.post(url(consultation, "withdraw"), data={"submit": "y"})
    assert r.status_code == 200 and "Your response has been withdrawn" in text(r)
    response = the_response(consultation)
    assert response.status == "withdrawn" and response.withdrawn_at is not None
    assert FeedbackItem.query.count() == 0

    for browser in (other, client, app.test_client()):
        r = browser.get(f"/r/{token}")
        assert r.status_code == 404 and "This link does not work" in text(r)


# --- 5. Closed consultations --------------------------------------------------------------------

@pytest.mark.parametrize("how", ["closed", "past_closing_date"])
def test_a_closed_consultation_refuses_politely_and_keeps_drafts(client, app, how):
    consultation, q = journey_consultation()
    fill_in(client, consultation, q, upto=2)
    token = private_token(text(client.get(url(consultation, "saved"))))
    submitted_client = app.test_client()
    submit(submitted_client, consultation, q)
    submitted_token = private_token(text(submitted_client.get(url(consultation, "done"))))

    db.session.rollback()
    consultation = db.session.get(Consultation, consultation.id)
    if how == "closed":
        consultation.transition_to("closed")
    else:
        consultation.opens_on = date.today() - timedelta(days=30)
        consultation.closes_on = date.today() - timedelta(days=1)
    db.session.commit()
    closed_on = min(consultation.closes_on, consultation.status_changed_at.date()) if how == "closed" \
        else consultation.closes_on

    gets = [url(consultation)] + [url(consultation, p) for p in (
        "about", "questions/1", "questions/2", "questions/4", "consent", "equality", "check", "saved", "withdraw")]
    posts = {
        url(consultation, "about"): about_data(consultation),
        url(consultation, "questions/2"): page_data(q, 2),
        url(consultation, "consent"): {"consent": "publish_anonymous"},
        url(consultation, "equality"): {"age_band": "Under 16"},
        url(consultation, "check"): {"submit": "y"},
        url(consultation, "withdraw"): {"submit": "y"},
    }
    for browser in (client, submitted_client, app.test_client()):
        for path in gets:
            r = browser.get(path)
            assert r.status_code == 410 and "This consultation is closed" in text(r), path
            assert f"It closed on {format_date(closed_on)}" in text(r)
        for path, data in posts.items():
            r = browser.post(path, data=data)
            assert r.status_code == 410 and "This consultation is closed" in text(r), path
    for link in (token, submitted_token):
        r = app.test_client().get(f"/r/{link}")
        assert r.status_code == 410 and "This consultation is closed" in text(r)

    db.session.rollback()
    assert Response.query.count() == 2
    draft = Response.query.filter_by(status="draft").one()
    assert answers_of(draft)[q.vision.id].text == VISION_ANSWER and q.carers.id not in answers_of(draft)
    assert Response.query.filter_by(status="submitted").count() == 1
    assert FeedbackItem.query.count() == 2
    assert EqualityMonitoring.query.count() == 0

    page = text(client.get(f"/consultations/{consultation.slug}"))
    assert "This consultation is closed" in page and "Respond online" not in page


# --- 6. Double submission -----------------------------------------------------------------------

def test_submitting_twice_or_replaying_from_another_browser_counts_once(client, app):
    consultation, q = journey_consultation()
    fill_in(client, consultation, q)
    token = private_token(text(client.get(url(consultation, "saved"))))
    other = app.test_client()
    assert other.get(f"/r/{token}").status_code == 302

    for browser in (client, client, other, other):
        r = browser.post(url(consultation, "check"), data={"submit": "y"})
        assert r.status_code == 302 and r.location.endswith(url(consultation, "done"))
    for browser in (client, other):
        assert "Response submitted" in text(browser.get(url(consultation, "done")))

    response = the_response(consultation)
    assert response.status == "submitted"
    submitted_at = response.submitted_at
    assert FeedbackItem.query.filter_by(response_id=response.id).count() == 2
    assert FeedbackItem.query.count() == 2
    assert AuditEvent.query.filter_by(action="response.submitted").count() == 1

    # A request that read the response as a draft just before another one submitted it is a no-op too.
    with db.session.no_autoflush:
        response.status = "draft"  # what the slower request saw
        assert services.submit(response) is False
    db.session.commit()
    response = the_response(consultation)
    assert response.status == "submitted" and response.submitted_at == submitted_at
    assert FeedbackItem.query.count() == 2
    assert AuditEvent.query.filter_by(action="response.submitted").count() == 1


# --- 7. An expired form on a long answer --------------------------------------------------------

class _NineHoursAgo(TimestampSigner):
    def get_timestamp(self):
        return int(time.time()) - 9 * 3600


class _OldTokens(URLSafeTimedSerializer):
    """Signs CSRF tokens as if the page had been opened nine hours ago."""

    default_signer = _NineHoursAgo


def _expired_token_page(client, path, monkeypatch):
    """Open path with a CSRF token signed nine hours ago (the limit is eight)."""
    with monkeypatch.context() as patch:
        patch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", _OldTokens)
        return text(client.get(path))


def test_an_expired_form_keeps_a_long_answer_for_another_try(csrf_app, monkeypatch):
    client = csrf_app.test_client()
    consultation, q = journey_consultation()
    token = csrf_token_from(text(client.get(url(consultation, "about"))))
    r = client.post(url(consultation, "about"), data={**about_data(consultation), "csrf_token": token})
    assert r.status_code == 302

    path = url(consultation, "questions/1")
    expired = csrf_token_from(_expired_token_page(client, path, monkeypatch))
    long_answer = "We need help at home after hospital, not a long wait.\n" * 80 + WORLD + " " + XSS
    answers = page_data(q, 1, **{f"q{q.vision.id}": long_answer, f"q{q.scale.id}": "Strongly agree"})
    with pytest.raises(SignatureExpired):  # a genuine, well-signed token that is too old
        URLSafeTimedSerializer(csrf_app.secret_key, salt="wtf-csrf-token").loads(
            expired, max_age=csrf_app.config["WTF_CSRF_TIME_LIMIT"])
    for bad in (expired, "not-a-token", None):
        data = dict(answers) if bad is None else {**answers, "csrf_token": bad}
        r = client.post(path, data=data)
        page = text(r)
        assert r.status_code == 400, bad
        assert "Your answers on this page have not been saved yet" in page
        assert textarea(page, f"q{q.vision.id}") == long_answer
        assert checked(page, f"q{q.scale.id}", "Strongly agree")
        assert XSS not in page
        fresh = csrf_token_from(page)
        assert fresh != bad
        assert the_response(consultation).answers == []

    r = client.post(path, data={**answers, "csrf_token": fresh})
    assert r.status_code == 302 and r.location.endswith(url(consultation, "questions/2"))
    answers_saved = answers_of(the_response(consultation))
    assert answers_saved[q.vision.id].text == long_answer.strip()
    assert answers_saved[q.scale.id].choices == ["Strongly agree"]


def test_a_lost_session_still_keeps_the_typed_answer(csrf_app):
    """The browser forgot its session (and so its token): the answer is shown again and saves on retry."""
    consultation, q = journey_consultation()
    first = csrf_app.test_client()
    old = csrf_token_from(text(first.get(url(consultation, "questions/4"))))

    restarted = csrf_app.test_client()
    answers = {**page_data(q, 4, **{f"q{q.general.id}": GENERAL_ANSWER * 20}), "csrf_token": old}
    r = restarted.post(url(consultation, "questions/4"), data=answers)
    page = text(r)
    assert r.status_code == 400
    assert "Your answers on this page have not been saved yet" in page
    assert textarea(page, f"q{q.general.id}") == GENERAL_ANSWER * 20
    r = restarted.post(url(consultation, "questions/4"), data={**answers, "csrf_token": csrf_token_from(page)})
    assert r.status_code == 302 and r.location.endswith(url(consultation, "consent"))
    db.session.rollback()
    saved = [r for r in Response.query.all() if r.answers]
    assert len(saved) == 1 and saved[0].answers[0].text == GENERAL_ANSWER * 20

    # The other journey pages behave the same.
    for page, data, kept in (("about", about_data(consultation, respondent_type="organisation",
                                                  organisation_name="Hillside Carers"), "Hillside Carers"),
                             ("consent", {"consent": "publish_named", "respondent_name": "Ann Other"}, "Ann Other"),
                             ("equality", {"age_band": "16 to 24"}, "16 to 24")):
        r = csrf_app.test_client().post(url(consultation, page), data={**data, "csrf_token": old})
        assert r.status_code == 400, page
        assert "Your answers on this page have not been saved yet" in text(r) and kept in text(r)


def test_other_forms_with_a_bad_token_show_the_general_page(csrf_app):
    client = csrf_app.test_client()
    consultation = make_consultation(status="open")
    r = client.post("/auth/login", data={"email": "someone@example.org", "password": "whatever"})
    assert r.status_code == 400 and "Your form could not be sent" in text(r)
    r = client.post(url(consultation, "check"), data={"csrf_token": "not-a-token"})
    assert r.status_code == 400 and "Your form could not be sent" in text(r)
    db.session.rollback()
    assert Response.query.count() == 0


# --- 8. Rate limit ------------------------------------------------------------------------------

@pytest.fixture
def limited_app(tmp_path):
    """An app with per-IP limits on, at 3 a minute."""

    class Config(_config_for(tmp_path)):
        RATELIMIT_ENABLED = True
        SUBMISSION_RATE_LIMIT = "3 per minute"

    application = create_app(Config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        if ON_POSTGRES:
            _reset_postgres()
        else:
            db.create_all()
        limiter.reset()
        yield application
        limiter.reset()
        db.session.remove()
        if not ON_POSTGRES:
            db.engine.dispose()


def test_too_many_starts_from_one_address_are_paused(limited_app):
    # Starting a response means saving its first page: each new browser's first save counts.
    consultation, q = journey_consultation()
    for _ in range(3):
        assert limited_app.test_client().post(url(consultation, "about"),
                                              data=about_data(consultation)).status_code == 302
    # Over the limit, the page comes back unsaved with what was chosen and typed, and says why.
    r = limited_app.test_client().post(url(consultation, "about"), data=about_data(consultation))
    page = text(r)
    assert r.status_code == 429
    assert "Your answers on this page have not been saved yet" in page
    assert "a lot of responses from your internet connection" in page and "Wait a few minutes" in page
    assert checked(page, "respondent_type", "individual")
    assert checked(page, "locality", str(consultation.localities[0].id))
    long_answer = "After my mother came home from hospital we waited weeks for help. " * 40
    r = limited_app.test_client().post(url(consultation, "questions/1"),
                                       data=page_data(q, 1, **{f"q{q.vision.id}": long_answer}))
    assert r.status_code == 429  # any page that would create a draft
    assert textarea(text(r), f"q{q.vision.id}") == long_answer
    assert checked(text(r), f"q{q.scale.id}", "Agree")
    welsh = limited_app.test_client()
    welsh.get("/language/cy?next=/")
    page = text(welsh.post(url(consultation, "about"), data=about_data(consultation)))
    assert "Nid yw eich atebion ar y dudalen hon wedi’u cadw eto" in page
    assert "felly nid oeddem yn gallu cadw’r dudalen hon" in page and "a lot of responses" not in page
    db.session.rollback()
    assert Response.query.count() == 3  # nothing saved over the limit
    client = limited_app.test_client()
    for _ in range(5):  # reading is never limited
        assert client.get(url(consultation)).status_code == 200
        assert client.get(url(consultation, "about")).status_code == 200
        assert client.get(f"/consultations/{consultation.slug}").status_code == 200
    r = limited_app.test_client().post(url(consultation, "about"), data=about_data(consultation),
                                       environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert r.status_code == 302
    db.session.rollback()
    assert Response.query.count() == 4


def test_an_expired_form_over_the_limit_is_still_shown_again_unsaved(limited_app):
    # CSRF on as in production: a stale first page posted once the address is over its
    # limit comes back with what was typed, not as an error.
    limited_app.config["WTF_CSRF_ENABLED"] = True
    consultation, q = journey_consultation()
    for _ in range(3):
        browser = limited_app.test_client()
        token = csrf_token_from(text(browser.get(url(consultation, "about"))))
        assert browser.post(url(consultation, "about"),
                            data={**about_data(consultation), "csrf_token": token}).status_code == 302
    answer = "The bus to the day centre stopped in March and nothing replaced it. " * 20
    r = limited_app.test_client().post(url(consultation, "questions/1"), data=page_data(
        q, 1, **{f"q{q.vision.id}": answer, "csrf_token": "stale"}))
    assert r.status_code == 400
    assert "This page was open for a long time" in text(r)
    assert textarea(text(r), f"q{q.vision.id}") == answer
    db.session.rollback()
    assert Response.query.count() == 3


# --- 9. Honeypot --------------------------------------------------------------------------------

def test_a_filled_in_honeypot_is_refused(client, app):
    consultation, q = journey_consultation()
    r = client.post(url(consultation, "about"), data={**about_data(consultation), "website": "http://spam.example"})
    assert r.status_code == 400
    db.session.rollback()
    assert Response.query.count() == 0
    assert 'name="website"' in text(client.get(url(consultation, "about")))

    fill_in(client, consultation, q)
    assert 'name="website"' in text(client.get(url(consultation, "check")))
    r = client.post(url(consultation, "check"), data={"submit": "y", "website": "http://spam.example"})
    assert r.status_code == 400
    assert the_response(consultation).status == "draft"
    assert FeedbackItem.query.count() == 0


# --- 10. Emailing the private link --------------------------------------------------------------

class FakeSMTP:
    """Records what would have been sent."""

    sent = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, username, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


def test_the_private_link_can_be_emailed_when_mail_is_set_up(client, app, monkeypatch):
    import engage.mail

    FakeSMTP.sent = []
    monkeypatch.setattr(engage.mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(SMTP_HOST="smtp.example.org", MAIL_FROM="engage@example.org")
    consultation, q = journey_consultation()
    fill_in(client, consultation, q, upto=2)
    page = text(client.get(url(consultation, "saved")))
    assert "Email me the link" in page and 'name="email"' in page
    token = private_token(page)

    r = client.post(url(consultation, "saved"), data={"email": "not an address"})
    assert r.status_code == 400
    assert field_error(text(r), "email").startswith("Error: Enter an email address in the correct format")
    assert input_value(text(r), "email") == "not an address"
    assert FakeSMTP.sent == []

    r = client.post(url(consultation, "saved"), data={"email": "ann@example.org"}, follow_redirects=True)
    assert r.status_code == 200
    assert "We have sent the link to ann@example.org." in text(r)
    assert len(FakeSMTP.sent) == 1
    message = FakeSMTP.sent[0]
    assert message["To"] == "ann@example.org" and message["From"] == "engage@example.org"
    assert f"http://localhost/r/{token}" in message.get_content()
    assert the_response(consultation).reference in message.get_content()
    # The link sent still works.
    assert app.test_client().get(f"/r/{token}").status_code == 302


def test_without_a_mail_server_there_is_no_email_form(client, app):
    assert not app.config["SMTP_HOST"]
    consultation, q = journey_consultation()
    fill_in(client, consultation, q, upto=1)
    page = text(client.get(url(consultation, "saved")))
    assert "Your answers have been saved" in page
    assert "Email me the link" not in page and 'name="email"' not in page


# --- 11. Questions are fixed once someone starts ------------------------------------------------

def test_questions_cannot_change_once_a_draft_response_exists(app):
    officer = make_user("officer")
    consultation = make_consultation(user=officer, status="open")
    question_id = consultation.questions[0].id
    officer_client = app.test_client()
    assert login(officer_client, officer).status_code == 302
    base = f"/staff/consultations/{consultation.id}/questions"
    assert "already started responding" not in text(officer_client.get(base))

    public = app.test_client()
    start(public, consultation)
    assert "already started responding" not in text(officer_client.get(base))  # reading starts nothing
    assert public.post(url(consultation, "questions/1"),
                       data={f"q{question_id}": "A first thought", "submit": "y"}).status_code == 302
    assert the_response(consultation).status == "draft"

    assert "Questions cannot be changed because people have already started responding" in text(
        officer_client.get(base))
    r = officer_client.post(f"{base}/{question_id}/edit",
                            data={"text": "Changed", "kind": "free_text", "section_id": ""}, follow_redirects=True)
    assert "Questions cannot be changed" in text(r)
    r = officer_client.post(f"{base}/new", data={"text": "Another", "kind": "free_text", "section_id": ""},
                            follow_redirects=True)
    assert "Questions cannot be changed" in text(r)
    officer_client.post(f"{base}/{question_id}/delete")
    db.session.rollback()
    assert [question.text for question in Question.query.all()] == ["What do you think of the plan?"]
