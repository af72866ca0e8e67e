"""Redaction and moderation screens: suggestions, officers' decisions, hiding words by hand, withholding."""
import json
import re

from engage.extensions import db
from engage.models import AuditEvent, BackgroundJob, FeedbackItem, Membership, Redaction, Tag, Theme
from engage.publishing import quotes
from tests.conftest import PASSWORD, csrf_token_from, login
from tests.factories import make_consultation, make_event, make_response, make_user

PHONE = "07700 900123"
EMAIL = "ann.example@example.org"
TEXT = f"The buses stop at six. Ring me on {PHONE} or write to {EMAIL} about it."


def _consultation(title="Moderation"):
    return make_consultation(title=title, with_draft=True, with_question=True)


def _item(consultation, consent="publish_named", text=TEXT, **fields):
    response = make_response(consultation, consent=consent, respondent_name="Ann Example")
    item = FeedbackItem(consultation_id=consultation.id, response_id=response.id, text=text, **fields)
    db.session.add(item)
    db.session.commit()
    return item


def _note(consultation, text=TEXT):
    event = make_event(consultation)
    item = FeedbackItem(consultation_id=consultation.id, event_id=event.id, source="event_note", text=text)
    db.session.add(item)
    db.session.commit()
    return item


def _base(consultation):
    return f"/staff/consultations/{consultation.id}/moderation"


def _run_check(client, consultation):
    response = client.post(f"{_base(consultation)}/check")
    assert response.status_code == 302
    return response


def _redactions(item):
    db.session.rollback()
    return Redaction.query.filter_by(item_id=item.id).order_by(Redaction.start).all()


def _pending(item):
    return [redaction for redaction in _redactions(item) if redaction.status == "suggested"]


def test_the_check_suggests_a_phone_number_and_an_email_only_on_consented_items(officer_client):
    consultation = _consultation()
    consented = _item(consultation)
    refused = _item(consultation, consent="do_not_publish")
    note = _note(consultation)
    _run_check(officer_client, consultation)

    found = _redactions(consented)
    assert [(r.kind, r.status) for r in found] == [("phone", "suggested"), ("email", "suggested")]
    assert [consented.text[r.start:r.end] for r in found] == [PHONE, EMAIL]
    assert found[0].reason.startswith("Looks like a UK")
    assert _redactions(refused) == [] and _redactions(note) == []
    job = BackgroundJob.query.filter_by(kind="find_personal_details").one()
    assert job.status == "done" and job.result["added"] == 2

    page = officer_client.get(_base(consultation)).get_data(as_text=True)
    assert f"item-{consented.id}" in page
    assert f"item-{refused.id}" not in page and f"item-{note.id}" not in page
    assert 'id="figure-publishable">1<' in page
    assert 'id="figure-pending">1<' in page
    assert 'id="figure-never">2<' in page
    # The suggestions are marked, with their kind for screen readers.
    assert f"<mark>{PHONE}<span class=\"govuk-visually-hidden\"> (suggested to hide: phone number)</span></mark>" in page
    assert "Checking for personal details" not in page or "Last checked" in page


def test_checking_again_adds_nothing_twice_and_keeps_every_decision(officer_client):
    consultation = _consultation()
    item = _item(consultation)
    _run_check(officer_client, consultation)
    phone, email = _redactions(item)
    officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                        data={"redaction": phone.id, "decision": "confirm"})
    officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                        data={"redaction": email.id, "decision": "reject"})
    _run_check(officer_client, consultation)
    again = _redactions(item)
    assert [(r.id, r.kind, r.status) for r in again] == [(phone.id, "phone", "confirmed"),
                                                         (email.id, "email", "rejected")]
    assert BackgroundJob.query.filter_by(kind="find_personal_details", status="done").count() == 2
    # Opening the item checks it again on demand: still nothing new.
    assert officer_client.get(f"{_base(consultation)}/items/{item.id}").status_code == 200
    assert len(_redactions(item)) == 2


def test_opening_an_item_suggests_its_personal_details(officer_client):
    consultation = _consultation()
    item = _item(consultation)
    page = officer_client.get(f"{_base(consultation)}/items/{item.id}").get_data(as_text=True)
    assert [r.kind for r in _pending(item)] == ["phone", "email"]
    assert f"<mark>{EMAIL}<span" in page
    assert "Confirm all suggestions on this item" in page


def test_confirming_hides_the_words_wherever_published_and_rejecting_keeps_them(officer_client, officer):
    consultation = _consultation()
    item = _item(consultation)
    _run_check(officer_client, consultation)
    phone, email = _redactions(item)
    response = officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                                   data={"redaction": phone.id, "decision": "confirm", "back": "queue"})
    assert response.status_code == 302
    assert f"/moderation#item-{item.id}" in response.headers["Location"]
    officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                        data={"redaction": email.id, "decision": "reject"})
    phone, email = _redactions(item)
    assert (phone.status, phone.decided_by_id) == ("confirmed", officer.id)
    assert phone.decided_at is not None
    assert (email.status, email.decided_by_id) == ("rejected", officer.id)
    published = quotes.public_text(db.session.get(FeedbackItem, item.id))
    assert PHONE not in published and "[phone number removed]" in published
    assert EMAIL in published
    page = officer_client.get(f"{_base(consultation)}/items/{item.id}").get_data(as_text=True)
    assert "Ring me on [phone number removed] or write to" in page
    # Nothing waits any more: the item has left the queue.
    queue = officer_client.get(_base(consultation)).get_data(as_text=True)
    assert f"item-{item.id}" not in queue and 'id="queue-empty"' in queue


def test_confirm_all_confirms_every_suggestion_on_the_item(officer_client):
    consultation = _consultation()
    item = _item(consultation)
    _run_check(officer_client, consultation)
    response = officer_client.post(f"{_base(consultation)}/items/{item.id}/confirm-all", data={"back": "queue"})
    assert response.status_code == 302
    assert [r.status for r in _redactions(item)] == ["confirmed", "confirmed"]
    published = quotes.public_text(db.session.get(FeedbackItem, item.id))
    assert PHONE not in published and EMAIL not in published


def test_the_queue_filters_by_kind(officer_client):
    consultation = _consultation()
    with_phone = _item(consultation, text=f"Call {PHONE} please")
    with_email = _item(consultation, text=f"Email {EMAIL} please")
    _run_check(officer_client, consultation)
    page = officer_client.get(f"{_base(consultation)}?kind=email").get_data(as_text=True)
    assert f"item-{with_email.id}" in page and f"item-{with_phone.id}" not in page
    assert "Email address (1)" in page
    page = officer_client.get(f"{_base(consultation)}?kind=nonsense").get_data(as_text=True)
    assert f"item-{with_email.id}" in page and f"item-{with_phone.id}" in page


def test_removing_a_hidden_redaction_needs_a_reason(officer_client):
    consultation = _consultation()
    item = _item(consultation)
    _run_check(officer_client, consultation)
    phone, _ = _redactions(item)
    officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                        data={"redaction": phone.id, "decision": "confirm"})
    response = officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                                   data={"redaction": phone.id, "decision": "reject",
                                         f"redaction-{phone.id}-reason": "  "})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter why these words may be published after all" in page
    assert f'href="#redaction-{phone.id}-reason"' in page
    assert _redactions(item)[0].status == "confirmed"
    response = officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                                   data={"redaction": phone.id, "decision": "reject",
                                         f"redaction-{phone.id}-reason": "It is the surgery's public number"})
    assert response.status_code == 302
    assert _redactions(item)[0].status == "rejected"
    event = AuditEvent.query.filter_by(action="redaction_rejected").one()
    assert event.detail["reason"] == "It is the surgery's public number"
    assert event.detail["previous"] == "confirmed"


def test_hiding_words_that_are_not_in_the_text_is_refused_and_keeps_what_was_typed(officer_client):
    consultation = _consultation()
    item = _item(consultation, text="Dr Smithers at the practice was rude to my neighbour.")
    before = Redaction.query.count()
    response = officer_client.post(f"{_base(consultation)}/items/{item.id}/redactions", data={
        "redact-words": "Dr Jones", "redact-kind": "name", "redact-reason": "Names a member of staff"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "These words are not in the text" in page
    assert 'id="redact-words-error"' in page
    assert ">Dr Jones</textarea>" in page
    assert 'value="Names a member of staff"' in page
    assert '<option selected value="name">' in page or '<option value="name" selected' in page
    db.session.rollback()
    assert Redaction.query.filter_by(status="confirmed").count() == 0
    assert Redaction.query.count() == before
    assert AuditEvent.query.filter_by(action="redaction_added").count() == 0


def test_hiding_words_needs_the_words_and_a_reason(officer_client):
    consultation = _consultation()
    item = _item(consultation, text="The manager Bob was rude.")
    response = officer_client.post(f"{_base(consultation)}/items/{item.id}/redactions", data={
        "redact-words": "", "redact-kind": "other", "redact-reason": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter the words to hide" in page and "Enter why these words must be hidden" in page
    response = officer_client.post(f"{_base(consultation)}/items/{item.id}/redactions", data={
        "redact-words": "Bob", "redact-kind": "made-up", "redact-reason": "Staff name"})
    assert response.status_code == 400
    assert "Select what the words are from the list" in response.get_data(as_text=True)
    db.session.rollback()
    assert Redaction.query.count() == 0


def test_an_officer_hides_every_place_some_words_appear(officer_client, officer):
    consultation = _consultation()
    text = "Nurse practitioner Bob was kind. Thank you bob, and thanks to the team."
    item = _item(consultation, text=text)
    response = officer_client.post(f"{_base(consultation)}/items/{item.id}/redactions", data={
        "redact-words": " Bob ", "redact-kind": "name", "redact-reason": "Names a member of staff"})
    assert response.status_code == 302
    added = [r for r in _redactions(item) if r.kind == "name" and r.reason == "Names a member of staff"]
    assert len(added) == 2
    assert all(r.status == "confirmed" and r.decided_by_id == officer.id for r in added)
    published = quotes.public_text(db.session.get(FeedbackItem, item.id))
    assert "Bob" not in published and "bob" not in published
    assert published.count("[name removed]") == 2
    events = AuditEvent.query.filter_by(action="redaction_added").all()
    assert len(events) == 2
    for event in events:
        assert event.user_id == officer.id and event.consultation_id == consultation.id
        assert event.detail["reason"] == "Names a member of staff"
        assert event.detail["kind"] == "name" and event.detail["length"] == 3
        assert "Bob" not in json.dumps(event.detail) and "bob" not in json.dumps(event.detail)


def test_decisions_are_audited_with_reason_and_officer_but_not_the_hidden_words(officer_client, officer):
    consultation = _consultation()
    item = _item(consultation)
    _run_check(officer_client, consultation)
    phone, email = _redactions(item)
    officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                        data={"redaction": phone.id, "decision": "confirm"})
    officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                        data={"redaction": email.id, "decision": "reject",
                              f"redaction-{email.id}-reason": "A shared office address"})
    confirmed = AuditEvent.query.filter_by(action="redaction_confirmed").one()
    rejected = AuditEvent.query.filter_by(action="redaction_rejected").one()
    assert (confirmed.user_id, confirmed.object_type, confirmed.object_id) == (officer.id, "Redaction", phone.id)
    assert confirmed.consultation_id == consultation.id
    assert confirmed.detail["reason"].startswith("Looks like a UK")
    assert confirmed.detail["kind"] == "phone" and confirmed.detail["length"] == len(PHONE)
    assert rejected.user_id == officer.id and rejected.detail["reason"] == "A shared office address"
    for event in (confirmed, rejected):
        dumped = json.dumps(event.detail)
        assert PHONE not in dumped and EMAIL not in dumped and "07700" not in dumped
    # The item page says who decided, and why.
    page = officer_client.get(f"{_base(consultation)}/items/{item.id}").get_data(as_text=True)
    assert officer.name in page and "A shared office address" in page


def test_withholding_needs_a_reason_stops_publication_and_keeps_the_analysis(officer_client, officer):
    consultation = _consultation()
    item = _item(consultation, text="The manager is a liar and a thief.", stance="concern")
    theme = Theme(consultation_id=consultation.id, name="Staff")
    db.session.add(theme)
    db.session.flush()
    db.session.add(Tag(item_id=item.id, theme_id=theme.id, source="officer", status="confirmed"))
    db.session.commit()
    url = f"{_base(consultation)}/items/{item.id}/withhold"

    response = officer_client.post(url, data={"withhold-reason": "   "})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter why this item must not be published" in page and 'id="withhold-reason-error"' in page
    db.session.rollback()
    assert quotes.is_publishable(db.session.get(FeedbackItem, item.id))

    assert officer_client.post(url, data={"withhold-reason": "Defamatory about a named manager"}).status_code == 302
    db.session.rollback()
    withheld = db.session.get(FeedbackItem, item.id)
    assert withheld.withheld and withheld.withheld_reason == "Defamatory about a named manager"
    assert not quotes.is_publishable(withheld)
    assert item.id not in {i.id for i in quotes.publishable_items(consultation)}
    assert withheld.stance == "concern"
    assert [(t.theme_id, t.status) for t in Tag.query.filter_by(item_id=item.id)] == [(theme.id, "confirmed")]
    event = AuditEvent.query.filter_by(action="item_withheld").one()
    assert event.user_id == officer.id and event.detail["reason"] == "Defamatory about a named manager"
    assert "liar" not in json.dumps(event.detail)
    page = officer_client.get(f"{_base(consultation)}/items/{item.id}").get_data(as_text=True)
    assert "Withheld from publication: Defamatory about a named manager" in page
    assert 'id="figure-withheld">1<' in officer_client.get(_base(consultation)).get_data(as_text=True)


def test_releasing_needs_a_reason_and_makes_the_item_publishable_again(officer_client, officer):
    consultation = _consultation()
    item = _item(consultation, withheld=True, withheld_reason="Abusive")
    url = f"{_base(consultation)}/items/{item.id}/release"
    response = officer_client.post(url, data={"release-reason": ""})
    assert response.status_code == 400
    assert "Enter why this item may be published now" in response.get_data(as_text=True)
    assert officer_client.post(url, data={"release-reason": "Read again: robust, not abusive"}).status_code == 302
    db.session.rollback()
    assert quotes.is_publishable(db.session.get(FeedbackItem, item.id))
    event = AuditEvent.query.filter_by(action="item_released").one()
    assert event.user_id == officer.id and event.detail["reason"] == "Read again: robust, not abusive"


def test_what_people_typed_is_escaped_on_every_page(officer_client):
    consultation = _consultation()
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    item = _item(consultation, text=f"{payload} Ring {PHONE} {payload}")
    _run_check(officer_client, consultation)
    phone = _redactions(item)[0]
    officer_client.post(f"{_base(consultation)}/items/{item.id}/withhold", data={"withhold-reason": payload})
    officer_client.post(f"{_base(consultation)}/items/{item.id}/release", data={"release-reason": payload})
    officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                        data={"redaction": phone.id, "decision": "reject", f"redaction-{phone.id}-reason": payload})
    bad_add = officer_client.post(f"{_base(consultation)}/items/{item.id}/redactions", data={
        "redact-words": payload + "nowhere", "redact-kind": "other", "redact-reason": payload})
    officer_client.post(f"{_base(consultation)}/items/{item.id}/redactions", data={
        "redact-words": "<script>", "redact-kind": "other", "redact-reason": payload})
    _item(consultation, text=f"{payload} mail {EMAIL}")
    _run_check(officer_client, consultation)
    pages = [officer_client.get(_base(consultation)), officer_client.get(f"{_base(consultation)}/items/{item.id}"),
             bad_add]
    for response in pages:
        page = response.get_data(as_text=True)
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_a_reviewer_can_read_but_not_decide(app, officer_client):
    consultation = _consultation()
    item = _item(consultation)
    _run_check(officer_client, consultation)
    phone, _ = _redactions(item)
    reviewer = make_user("reviewer")
    db.session.add(Membership(user=reviewer, consultation=consultation, role="reviewer"))
    db.session.commit()
    reader = app.test_client()
    login(reader, reviewer)
    page = reader.get(_base(consultation)).get_data(as_text=True)
    assert f"item-{item.id}" in page and "Check for personal details" not in page and ">Confirm<" not in page
    assert reader.get(f"{_base(consultation)}/items/{item.id}").status_code == 200
    base = f"{_base(consultation)}/items/{item.id}"
    for url, data in ((f"{_base(consultation)}/check", {}),
                      (f"{base}/decide", {"redaction": phone.id, "decision": "confirm"}),
                      (f"{base}/confirm-all", {}),
                      (f"{base}/redactions", {"redact-words": "Ring", "redact-kind": "other",
                                              "redact-reason": "x"}),
                      (f"{base}/withhold", {"withhold-reason": "Abusive"})):
        assert reader.post(url, data=data).status_code == 403, url
    assert [r.status for r in _redactions(item)] == ["suggested", "suggested"]
    assert not db.session.get(FeedbackItem, item.id).withheld


def test_another_consultations_item_or_redaction_is_not_found(officer_client):
    ours, theirs = _consultation("Ours"), _consultation("Theirs")
    our_item, their_item = _item(ours), _item(theirs)
    _run_check(officer_client, ours)
    _run_check(officer_client, theirs)
    their_redaction = _redactions(their_item)[0]
    our_redaction = _redactions(our_item)[0]
    assert officer_client.get(f"{_base(ours)}/items/{their_item.id}").status_code == 404
    for action, data in (("decide", {"redaction": our_redaction.id, "decision": "confirm"}),
                         ("confirm-all", {}), ("withhold", {"withhold-reason": "Abusive"}),
                         ("release", {"release-reason": "Fine"}),
                         ("redactions", {"redact-words": "Ring", "redact-kind": "other", "redact-reason": "x"})):
        assert officer_client.post(f"{_base(ours)}/items/{their_item.id}/{action}", data=data).status_code == 404
    # Their redaction through our item: not found, and not decided.
    response = officer_client.post(f"{_base(ours)}/items/{our_item.id}/decide",
                                   data={"redaction": their_redaction.id, "decision": "confirm"})
    assert response.status_code == 404
    assert _redactions(their_item)[0].status == "suggested"
    # Nonsense is refused as bad input.
    response = officer_client.post(f"{_base(ours)}/items/{our_item.id}/decide",
                                   data={"redaction": "x", "decision": "confirm"})
    assert response.status_code == 400


def test_a_workshop_note_is_never_published_and_says_so(officer_client):
    consultation = _consultation()
    note = _note(consultation)
    page = officer_client.get(f"{_base(consultation)}/items/{note.id}").get_data(as_text=True)
    assert "Never published" in page and "workshop note" in page
    assert _redactions(note) == []


def test_the_forms_work_with_csrf_protection_on(csrf_app):
    officer = make_user("officer")
    consultation = _consultation()
    item = _item(consultation)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"email": officer.email, "password": PASSWORD, "csrf_token": token})
    page = client.get(f"{_base(consultation)}/items/{item.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    phone = _pending(item)[0]
    # A suggestion decided with the page's token, as the buttons send it.
    response = client.post(f"{_base(consultation)}/items/{item.id}/decide",
                           data={"csrf_token": token, "redaction": phone.id, "decision": "confirm"})
    assert response.status_code == 302
    # The hide-words form carries its own (prefixed) token.
    prefixed = re.search(r'name="redact-csrf_token" type="hidden" value="([^"]+)"', page)
    assert prefixed, "the hide-words form has no CSRF token"
    response = client.post(f"{_base(consultation)}/items/{item.id}/redactions", data={
        "redact-csrf_token": prefixed.group(1), "redact-words": "buses", "redact-kind": "other",
        "redact-reason": "Test"})
    assert response.status_code == 302
    # Without a token nothing is changed.
    response = client.post(f"{_base(consultation)}/items/{item.id}/withhold", data={"withhold-reason": "Abusive"})
    assert response.status_code == 400
    db.session.rollback()
    assert not db.session.get(FeedbackItem, item.id).withheld
    assert sorted(r.status for r in _redactions(item)) == ["confirmed", "confirmed", "suggested"]


def test_redactions_the_edited_text_no_longer_fits_are_flagged_not_confirmed(officer_client):
    consultation = _consultation()
    item = _item(consultation)
    _run_check(officer_client, consultation)
    phone, email = _redactions(item)
    officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                        data={"redaction": phone.id, "decision": "confirm"})
    db.session.get(FeedbackItem, item.id).text = "Buses."
    db.session.commit()
    page = officer_client.get(f"{_base(consultation)}/items/{item.id}").get_data(as_text=True)
    assert 'id="misfits"' in page and "The published text cannot be shown" in page
    response = officer_client.post(f"{_base(consultation)}/items/{item.id}/decide",
                                   data={"redaction": email.id, "decision": "confirm"})
    assert response.status_code == 302
    assert _redactions(item)[1].status == "suggested"
    assert officer_client.get(_base(consultation)).status_code == 200
