"""Data protection: retention with a frozen clock, a person's data by reference (copy, erase), audit log."""
import json
from datetime import datetime, timedelta

import pytest

from engage.extensions import db
from engage.models import AuditEvent, EqualityMonitoring, FeedbackItem, Response
from engage.privacy import services
from tests.conftest import login
from tests.factories import make_consultation, make_response, make_user


def _published(days_ago, retention_days=30, title="Published plan"):
    consultation = make_consultation(title=title, with_draft=True, with_question=True)
    consultation.published_at = datetime(2026, 1, 1) - timedelta(days=days_ago)
    consultation.retention_days = retention_days
    return consultation


def _respondent(consultation, name="Ann Example", email="ann@example.org"):
    response = make_response(consultation, respondent_name=name, contact_email=email, resume_token_hash="h" + name)
    db.session.add(EqualityMonitoring(consultation_id=consultation.id, response_id=response.id, age_band="65-74"))
    db.session.add(FeedbackItem(consultation_id=consultation.id, response_id=response.id, text="More buses please"))
    db.session.flush()
    return response


def test_retention_removes_contact_details_and_unlinks_equality_only_when_due(app):
    due = _published(days_ago=31)
    kept = _published(days_ago=29, title="Not yet")
    due_response, kept_response = _respondent(due), _respondent(kept, name="Bob")
    db.session.commit()
    frozen_now = datetime(2026, 1, 1)
    assert services.retention_due(now=frozen_now) == [due]
    counts = services.apply_retention(due, now=frozen_now)
    db.session.commit()
    assert counts == {"contact_details_removed": 1, "equality_answers_unlinked": 1}
    erased = db.session.get(Response, due_response.id)
    assert (erased.respondent_name, erased.contact_email, erased.resume_token_hash) == ("", "", None)
    assert erased.anonymised_at == frozen_now
    # Equality answers still count (anonymous), but no longer point at the response.
    rows = EqualityMonitoring.query.filter_by(consultation_id=due.id).all()
    assert [(row.age_band, row.response_id) for row in rows] == [("65-74", None)]
    untouched = db.session.get(Response, kept_response.id)
    assert untouched.respondent_name == "Bob" and untouched.contact_email
    assert services.retention_due(now=frozen_now) == []
    assert AuditEvent.query.filter_by(action="retention_applied").count() == 1


def test_apply_retention_command_dry_run_then_real(app):
    consultation = _published(days_ago=400, retention_days=365)
    _respondent(consultation)
    db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["apply-retention", "--dry-run"])
    assert "Due: Published plan" in dry.output
    assert Response.query.filter(Response.contact_email != "").count() == 1
    result = runner.invoke(args=["apply-retention"])
    assert result.exit_code == 0 and "contact details removed from 1 responses" in result.output
    assert Response.query.filter(Response.contact_email != "").count() == 0
    assert "Nothing is due" in runner.invoke(args=["apply-retention"]).output


def test_publishing_starts_the_retention_clock_once(app):
    consultation = make_consultation(title="Clock", with_draft=True, with_question=True, status="analysing")
    consultation.transition_to("published")
    first = consultation.published_at
    assert first is not None and services.retention_date(consultation) == first + timedelta(days=365)


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user("admin")
    login(client, admin)
    return client


def test_an_administrator_finds_copies_and_erases_a_response_by_reference(admin_client, app):
    consultation = _published(days_ago=0)
    response = _respondent(consultation, name="<script>alert(1)</script>")
    other = _respondent(consultation, name="Other person")
    db.session.commit()
    reference, response_id, other_id = response.reference, response.id, other.id
    page = admin_client.get(f"/staff/data-requests?reference={reference.lower()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    copy = admin_client.get(f"/staff/data-requests/{reference}/copy.json")
    data = json.loads(copy.get_data(as_text=True))
    assert data["reference"] == reference and data["email"] == "ann@example.org"
    assert data["equality_monitoring"]["age_band"] == "65-74"
    assert data["points_as_analysed"][0]["text"] == "More buses please"
    assert AuditEvent.query.filter_by(action="respondent_data_exported").count() == 1
    # A wrong confirmation: messages by the fields, nothing erased, the reason kept.
    bad = admin_client.post(f"/staff/data-requests/{reference}/erase", data={"confirm": "ENG-WRONG1",
                                                                             "reason": "Asked on 3 March"})
    assert bad.status_code == 400
    assert f"Type {reference} exactly to confirm" in bad.get_data(as_text=True)
    assert "Asked on 3 March" in bad.get_data(as_text=True)
    assert db.session.get(Response, response_id) is not None
    done = admin_client.post(f"/staff/data-requests/{reference}/erase",
                             data={"confirm": reference, "reason": "Asked on 3 March"}, follow_redirects=True)
    assert "have been erased" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Response, response_id) is None
    assert FeedbackItem.query.filter_by(response_id=response_id).count() == 0
    assert EqualityMonitoring.query.filter_by(response_id=response_id).count() == 0
    assert db.session.get(Response, other_id) is not None
    event = AuditEvent.query.filter_by(action="response_erased").one()
    assert event.detail == {"reference": reference, "reason": "Asked on 3 March"}
    # The audit log shows it, with no personal data.
    log = admin_client.get("/staff/audit?action=response_erased").get_data(as_text=True)
    assert reference in log and "ann@example.org" not in log


def test_unknown_or_empty_reference_is_explained_by_the_field(admin_client):
    missing = admin_client.get("/staff/data-requests?reference=ENG-NOPE00")
    assert missing.status_code == 404
    assert "No response has the reference ENG-NOPE00" in missing.get_data(as_text=True)
    empty = admin_client.get("/staff/data-requests?reference=")
    assert empty.status_code == 400 and "Enter the reference" in empty.get_data(as_text=True)


def test_only_administrators_reach_data_protection_pages(client, app):
    consultation = _published(days_ago=0)
    reference = _respondent(consultation).reference
    db.session.commit()
    officer = make_user("officer")
    login(client, officer)
    for url in ("/staff/data-requests", f"/staff/data-requests/{reference}/copy.json", "/staff/retention",
                "/staff/audit"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/staff/data-requests/{reference}/erase",
                       data={"confirm": reference, "reason": "x"}).status_code == 403
    assert Response.query.filter_by(reference=reference).count() == 1


def test_audit_log_pages_backwards_in_time(admin_client, app):
    from engage.audit import record

    for n in range(120):
        record("test_event", None, n=n)
    db.session.commit()
    first = admin_client.get("/staff/audit?action=test_event").get_data(as_text=True)
    assert "n: 119" in first and "n: 69" not in first and "Older events" in first


def test_privacy_notice_and_accessibility_statement_are_linked_from_every_page_in_both_languages(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in home and 'href="/accessibility"' in home
    privacy = client.get("/privacy").get_data(as_text=True)
    assert "totals of fewer than 5 people are never published" in privacy
    assert "Accessibility statement" in client.get("/accessibility").get_data(as_text=True)
    client.get("/language/cy?next=/privacy")
    assert "Hysbysiad preifatrwydd" in client.get("/privacy").get_data(as_text=True)
    assert "Datganiad hygyrchedd" in client.get("/accessibility").get_data(as_text=True)
