"""The demonstration consultation: realistic, varied, deterministic and fast enough."""
import re
from collections import Counter
from datetime import date

import pytest

from engage.auth.services import verify_password
from engage.demo import DEMO_EMAILS, database_is_empty, load_demo
from engage.extensions import db
from engage.models import (
    Answer, Consultation, EngagementEvent, EqualityMonitoring, FeedbackItem, Question, Response,
    User, utcnow,
)
from engage.models.consultation import AGREE_SCALE

DEMO_PASSWORD = "demo password for tests"


@pytest.fixture
def demo(app):
    """The demo loaded and committed."""
    summary = load_demo(DEMO_PASSWORD)
    db.session.commit()
    return summary


def _consultation(summary):
    return Consultation.query.filter_by(slug=summary["consultation"]).one()


def test_database_is_empty_until_the_demo_is_loaded(app):
    assert database_is_empty()
    load_demo(DEMO_PASSWORD, responses=20)
    db.session.commit()
    assert not database_is_empty()


def test_demo_is_an_open_fictional_consultation(demo):
    consultation = _consultation(demo)
    today = date.today()
    assert consultation.is_demo
    assert consultation.status == "open"
    assert consultation.title == "Draft Strategic Commissioning Plan 2026–2029"
    assert consultation.organisation == "Lothian Vale Health and Social Care Partnership"
    assert consultation.plan_type == "Strategic commissioning plan"
    assert (today - consultation.opens_on).days == 20
    assert (consultation.closes_on - today).days == 40
    assert consultation.contact_email == "consult@lothianvale.example"
    assert 2 <= consultation.summary.count(". ") + 1 <= 4
    assert len(consultation.localities) == 6
    assert "Fairside" in [locality.name for locality in consultation.localities]
    # create_consultation's default groups: the prescribed twelve and the usual additions.
    assert len(consultation.stakeholder_groups) == 17


def test_the_two_drafts_differ_in_every_way_a_diff_can_show(demo):
    consultation = _consultation(demo)
    first, second = consultation.versions
    assert (first.label, second.label) == ("First draft", "Second draft")
    assert first.dated < second.dated <= date.today()
    assert 7 <= len(first.sections) <= 10 and 7 <= len(second.sections) <= 10
    first_headings = {section.heading for section in first.sections}
    second_headings = {section.heading for section in second.sections}
    assert second_headings - first_headings, "a section should be added or renamed"
    assert first_headings - second_headings, "a section should be removed or renamed"
    first_bodies = {section.heading: section.body_markdown for section in first.sections}
    second_bodies = {section.heading: section.body_markdown for section in second.sections}
    common = first_headings & second_headings
    changed = [heading for heading in common if first_bodies[heading] != second_bodies[heading]]
    assert len(changed) >= 3, "several sections should be reworded"
    assert all(section.body_html for section in second.sections)
    assert any("<table class=\"govuk-table\">" in section.body_html for section in second.sections)
    assert any("<li>" in section.body_html for section in second.sections)


def test_questions_mix_kinds_and_point_at_the_second_draft(demo):
    consultation = _consultation(demo)
    questions = consultation.questions
    assert 6 <= len(questions) <= 8
    kinds = Counter(question.kind for question in questions)
    assert kinds["free_text"] > len(questions) / 2
    assert kinds["single_choice"] >= 1 and kinds["multiple_choice"] >= 1 and kinds["agree_scale"] >= 1
    assert 1 <= sum(question.required for question in questions) <= 2
    assert all(question.hint for question in questions if question.kind == "free_text")
    second = consultation.latest_version
    attached = [question for question in questions if question.section is not None]
    assert len(attached) >= 3
    assert all(question.section.version_id == second.id for question in attached)
    for question in questions:
        if question.kind in ("single_choice", "multiple_choice"):
            assert len(question.options) >= 4


def test_responses_are_spread_across_groups_localities_and_channels(demo):
    consultation = _consultation(demo)
    responses = Response.query.filter_by(consultation_id=consultation.id).all()
    assert len(responses) == demo["responses"] == 300
    assert all(r.status == "submitted" and r.is_demo and r.submitted_at for r in responses)
    assert len({r.reference for r in responses}) == 300
    assert all(re.fullmatch(r"ENG-[A-HJ-NP-Z2-9]{6}", r.reference) for r in responses)

    opened = consultation.opens_on
    assert all(opened <= r.submitted_at.date() and r.submitted_at <= utcnow() for r in responses)
    assert len({r.submitted_at.date() for r in responses}) >= 15

    channels = Counter(r.channel for r in responses)
    assert channels["online"] > 0.6 * len(responses)
    assert {"paper", "email", "letter", "phone"} <= set(channels)
    assert all(r.received_on for r in responses if r.channel != "online")

    organisations = [r for r in responses if r.respondent_type == "organisation"]
    assert 0.05 * len(responses) <= len(organisations) <= 0.12 * len(responses)
    assert all(r.organisation_name for r in organisations)
    assert "Vale Carers Centre" in {r.organisation_name for r in organisations}

    localities = Counter(r.locality.name for r in responses if r.locality)
    assert len(localities) >= 5
    no_locality = [r for r in responses if r.locality is None]
    assert 0.02 * len(responses) <= len(no_locality) <= 0.1 * len(responses)
    # Individuals say why there is no locality; Vale-wide organisations leave it blank.
    assert {r.locality_other for r in no_locality if r.respondent_type == "individual"} == {
        "outside", "prefer_not_to_say"}

    group_counts = Counter(group.name for r in responses for group in r.groups)
    assert all(1 <= len(r.groups) <= 2 for r in responses)
    for common in ("Users of social care", "Carers of users of social care",
                   "Members of the public", "Staff"):
        assert group_counts[common] >= 20, common
    missing = [g.name for g in consultation.stakeholder_groups if group_counts[g.name] == 0]
    assert missing, "the representation monitor needs a group nobody has heard from"
    rare = [g.name for g in consultation.stakeholder_groups if 0 < group_counts[g.name] < 5]
    assert rare
    assert any(g.target for g in consultation.stakeholder_groups)

    consents = Counter(r.consent for r in responses)
    assert set(consents) == {"publish_named", "publish_anonymous", "do_not_publish"}
    assert all(r.respondent_name for r in responses if r.consent == "publish_named")

    equality = EqualityMonitoring.query.filter_by(consultation_id=consultation.id).count()
    assert 0.5 * len(responses) <= equality <= 0.7 * len(responses)
    assert EqualityMonitoring.query.filter_by(age_band="Prefer not to say").count() > 0


def test_answers_fit_their_questions_and_every_text_is_a_feedback_item(demo):
    consultation = _consultation(demo)
    questions = {q.id: q for q in consultation.questions}
    answers = (Answer.query.join(Response).filter(Response.consultation_id == consultation.id).all())
    assert answers
    items_by_answer = {item.answer_id: item for item in
                       FeedbackItem.query.filter_by(consultation_id=consultation.id, source="answer")}
    free_text = 0
    for answer in answers:
        question = questions[answer.question_id]
        if question.kind == "free_text":
            assert answer.text and not answer.choices
            free_text += 1
            item = items_by_answer[answer.id]
            assert item.text == answer.text and item.is_demo
            assert item.response_id == answer.response_id
            assert item.question_id == question.id
            assert item.section_id == question.section_id
        else:
            assert answer.choices and not answer.text
            assert set(answer.choices) <= set(question.choices)
            if question.kind != "multiple_choice":
                assert len(answer.choices) == 1
    assert len(items_by_answer) == free_text
    vision = next(q for q in questions.values() if q.kind == "agree_scale")
    scale = Counter(a.choices[0] for a in answers if a.question_id == vision.id)
    assert set(scale) == set(AGREE_SCALE)


def test_free_text_is_varied_and_includes_a_campaign_and_personal_details(demo):
    consultation = _consultation(demo)
    texts = [item.text for item in
             FeedbackItem.query.filter_by(consultation_id=consultation.id, source="answer")]
    assert len(set(texts)) > 0.7 * len(texts)
    campaign = [text for text in texts if "save the fairside day centre" in text.lower()]
    assert 20 <= len(campaign) <= 30
    assert len({text[:60] for text in campaign}) <= 4, "campaign texts should be near-identical"
    assert len(set(campaign)) > 5, "campaign texts should vary slightly"
    joined = "\n".join(texts)
    assert re.search(r"07700 ?900\d{3}", joined)
    assert re.search(r"[\w.]+@example\.(com|org|net)", joined)
    assert re.search(r"\bEH\d{2} \d[A-Z]{2}\b", joined)
    assert any(len(text) < 25 for text in texts), "some answers should be short"
    assert any(len(text) > 300 for text in texts), "some answers should be long"
    for theme_word in ("carer", "bus", "staff", "face to face", "cost", "record", "prevention",
                       "jargon", "easy read"):
        assert theme_word in joined.lower(), theme_word


def test_events_two_held_with_notes_and_one_upcoming(demo):
    consultation = _consultation(demo)
    events = EngagementEvent.query.filter_by(consultation_id=consultation.id).all()
    assert len(events) == demo["events"] == 3
    now = utcnow()
    held = [event for event in events if event.starts_at < now]
    upcoming = [event for event in events if event.starts_at > now]
    assert len(held) == 2 and len(upcoming) == 1
    assert {event.kind for event in events} == {"workshop", "focus_group", "public_meeting"}
    for event in events:
        assert event.is_demo and event.venue and event.locality and event.facilitator_names
        assert event.formats
    for event in held:
        assert event.total_attendance > 0
        notes = FeedbackItem.query.filter_by(event_id=event.id).all()
        assert 6 <= len(notes) <= 10
        assert all(note.source == "event_note" and 1 <= note.speaks_for <= 12 for note in notes)
        assert any(note.section_id for note in notes)
    assert upcoming[0].total_attendance == 0
    assert FeedbackItem.query.filter_by(event_id=upcoming[0].id).count() == 0
    assert demo["feedback_items"] == FeedbackItem.query.filter_by(consultation_id=consultation.id).count()


def test_demo_users_can_be_found_and_sign_in(demo):
    consultation = _consultation(demo)
    assert sorted(demo["users"]) == sorted(DEMO_EMAILS.values())
    for role, email in DEMO_EMAILS.items():
        user = User.query.filter_by(email=email).one()
        assert user.role == role and user.is_demo and user.name
        assert verify_password(user.password_hash, DEMO_PASSWORD)
    facilitator = User.query.filter_by(email=DEMO_EMAILS["facilitator"]).one()
    assert facilitator.membership_role(consultation) == "facilitator"
    assert facilitator.can_record_evidence(consultation)


def test_the_same_seed_gives_the_same_demo(app):
    def snapshot():
        references = [r.reference for r in Response.query.order_by(Response.id)]
        texts = [i.text for i in FeedbackItem.query.order_by(FeedbackItem.id)]
        groups = [tuple(sorted(g.name for g in r.groups)) for r in Response.query.order_by(Response.id)]
        return references, texts, groups

    load_demo(DEMO_PASSWORD, seed=7, responses=60)
    first = snapshot()
    db.session.rollback()
    assert database_is_empty()
    load_demo(DEMO_PASSWORD, seed=7, responses=60)
    assert snapshot() == first
    db.session.rollback()
    load_demo(DEMO_PASSWORD, seed=8, responses=60)
    assert snapshot()[0] != first[0]


def test_loading_twice_reuses_the_demo_users(app):
    load_demo(DEMO_PASSWORD, responses=10)
    db.session.commit()
    load_demo(DEMO_PASSWORD, responses=10)
    db.session.commit()
    assert Consultation.query.count() == 2
    assert User.query.filter(User.email.in_(DEMO_EMAILS.values())).count() == 3
    references = [r.reference for r in Response.query]
    assert len(references) == len(set(references)) == 20
    assert Question.query.count() == 14
