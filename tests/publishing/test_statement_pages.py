"""Staff pages of the statement: responding to themes, the officer's words, preview, publishing revisions."""
import json
from datetime import date, timedelta
from pathlib import Path

from engage.consultations import services as consultation_services
from engage.extensions import db
from engage.models import (
    AuditEvent, CodingSample, CodingSampleItem, Consultation, EngagementEvent, EqualityMonitoring, EventAttendance, FeedbackItem, Membership,
    Redaction, Response, StatementRevision, Tag, Theme, ThemeResponse, utcnow,
)
from engage.publishing.statement import build_statement
from tests.conftest import login
from tests.factories import DRAFT_MARKDOWN, make_consultation, make_user

SAMPLE = Path(__file__).with_name("sample_statement.json")
CANARY_NO_CONSENT = "Canary-7f3a: the minibus driver shouted at my mother"
CANARY_WITHHELD = "Canary-91bc: withheld remark about a named nurse"
PHONE = "07700 900123"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def seed(title="Older people’s plan", theme_name="Transport", quote_extra="", you_said_extra=""):
    """An analysed consultation with two drafts, themes, consented and unconsented feedback, events, equality.

    - Transport (with sub-theme Community transport) is raised by 6 respondents in Musselburgh
      (Users of health care), an event note speaking for 12, a do-not-publish respondent
      (CANARY_NO_CONSENT), a withheld item (CANARY_WITHHELD) and an item with a confirmed
      phone-number redaction.
    - Carers is raised by 3 respondents in Tranent, all Carers of users of health care: a
      group of 3 people, suppressed in the cross-tabulation.
    """
    consultation = make_consultation(title=title, status="analysing", with_draft=True,
                                     opens_on=date.today() - timedelta(days=50),
                                     closes_on=date.today() - timedelta(days=2),
                                     localities=["Musselburgh", "Tranent"])
    consultation_services.add_plan_version(
        consultation, "Final plan", DRAFT_MARKDOWN.replace("Unpaid carers need breaks.",
                                                           "Unpaid carers will get a short break within eight weeks."))
    db.session.flush()
    groups = {group.name: group for group in consultation.stakeholder_groups}
    musselburgh, tranent = consultation.localities
    transport = Theme(consultation_id=consultation.id, name=theme_name, position=0)
    carers = Theme(consultation_id=consultation.id, name="Carers", position=1)
    db.session.add_all([transport, carers])
    db.session.flush()
    community = Theme(consultation_id=consultation.id, name="Community transport", parent_id=transport.id)
    db.session.add(community)
    db.session.flush()
    counter = [0]

    def respond(text, theme, consent="publish_anonymous", group="Users of health care", locality=musselburgh,
                **fields):
        counter[0] += 1
        item_fields = {key: fields.pop(key) for key in ("withheld", "stance", "speaks_for") if key in fields}
        response = Response(consultation_id=consultation.id, reference=f"S{consultation.id}-{counter[0]}",
                            status="submitted", consent=consent, locality_id=locality.id, submitted_at=utcnow(),
                            **fields)
        response.groups = [groups[group]]
        db.session.add(response)
        db.session.flush()
        if theme is not carers:
            text += quote_extra
        item = FeedbackItem(consultation_id=consultation.id, response_id=response.id, text=text,
                            stance=item_fields.get("stance", "concern"), withheld=item_fields.get("withheld", False),
                            speaks_for=item_fields.get("speaks_for", 1))
        db.session.add(item)
        db.session.flush()
        db.session.add(Tag(item_id=item.id, theme_id=theme.id, status="confirmed"))
        return item

    respond("The last bus home leaves before the evening clinic ends.", transport)
    respond("Buses do not run on Sundays so I miss visiting.", transport, stance="mixed")
    respond("Community transport needs booking two weeks ahead.", community)
    respond("Good to see more accessible minibuses promised.", transport, stance="support")
    respond(CANARY_NO_CONSENT, transport, consent="do_not_publish")
    respond(CANARY_WITHHELD, transport, withheld=True)
    phone = respond(f"Ring me on {PHONE} about the buses to the hospital.", transport)
    start = phone.text.index(PHONE)
    db.session.add(Redaction(item_id=phone.id, start=start, end=start + len(PHONE), kind="phone",
                             status="confirmed"))
    for text in ("I have not had a break in nine years.", "Respite is booked months ahead.",
                 "Carers need someone to talk to."):
        respond(text, carers, consent="publish_named", group="Carers of users of health care", locality=tranent,
                respondent_name="Jo Carer")
    respond("Our members want more day services.", carers, consent="publish_named",
                           group="Third sector bodies carrying out activities related to health or social care",
                           respondent_type="organisation", organisation_name="Tranent Carers Centre",
                           locality=tranent)
    event = EngagementEvent(consultation_id=consultation.id, title="Drop-in at Brunton Hall",
                            starts_at=utcnow() - timedelta(days=20), venue="Brunton Hall", locality_id=musselburgh.id)
    db.session.add(event)
    db.session.flush()
    db.session.add(EventAttendance(event_id=event.id, group_id=groups["Members of the public"].id, count=10))
    db.session.add(EventAttendance(event_id=event.id, group_id=groups["Staff"].id, count=2))
    note = FeedbackItem(consultation_id=consultation.id, event_id=event.id, source="event_note", speaks_for=12,
                        text="Table 3 said evening transport is the biggest barrier.", stance="concern")
    db.session.add(note)
    db.session.flush()
    db.session.add(Tag(item_id=note.id, theme_id=transport.id, status="confirmed"))
    responses = Response.query.filter_by(consultation_id=consultation.id).all()
    for index, response in enumerate(responses):
        db.session.add(EqualityMonitoring(consultation_id=consultation.id, response_id=response.id,
                                          age_band="25 to 34" if index < 3 else "65 to 74"))
    # A second officer coded four items: agreeing on three.
    sample = CodingSample(consultation_id=consultation.id, size=4, seed=1, completed_at=utcnow())
    sampled = FeedbackItem.query.filter_by(consultation_id=consultation.id).order_by(FeedbackItem.id).limit(4).all()
    for position, item in enumerate(sampled):
        sample.items.append(CodingSampleItem(item_id=item.id, position=position, coded_at=utcnow()))
        db.session.add(Tag(item_id=item.id, theme_id=(carers if position == 3 else transport).id,
                           status="confirmed", coding_pass="second"))
    db.session.add(sample)
    musselburgh.target = 50
    carers_section = next(section for section in consultation.latest_version.sections if section.heading == "Carers")
    db.session.add(ThemeResponse(theme_id=carers.id, you_said="Carers said breaks are hard to get." + you_said_extra,
                                 we_did="We promised a short break within eight weeks.", decision="changed",
                                 sections=[carers_section]))
    db.session.commit()
    return consultation


def officer_client(app):
    """A signed-in officer's client."""
    client = app.test_client()
    login(client, make_user("officer"))
    return client


def member_client(app, consultation, role):
    """A signed-in client of someone with a role on this consultation only."""
    user = make_user(role)
    db.session.add(Membership(user=user, consultation=consultation, role=role))
    db.session.commit()
    client = app.test_client()
    login(client, user)
    return client


def base(consultation):
    return f"/staff/consultations/{consultation.id}/statement"


def publish(client, consultation, number=None):
    """Publish through the preview's form."""
    if number is None:
        number = (db.session.query(db.func.max(StatementRevision.number))
                  .filter_by(consultation_id=consultation.id).scalar() or 0) + 1
    return client.post(base(consultation) + "/publish", data={"number": str(number)})


def _keys(value):
    """The shape of a statement: every dict key path (a list stands for all its elements)."""
    if isinstance(value, dict):
        return {(key,) + rest for key, child in value.items() for rest in ({()} | _keys(child))}
    if isinstance(value, list):
        return {("[]",) + rest for element in value for rest in _keys(element)}
    return set()


# The format ---------------------------------------------------------------------------------

def test_the_sample_file_has_the_shape_the_builder_produces(app):
    consultation = seed()
    built = build_statement(consultation)
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(built)) == built
    missing_in_sample = _keys(built) - _keys(sample)
    missing_in_builder = _keys(sample) - _keys(built)
    assert not missing_in_sample, sorted(missing_in_sample)
    assert not missing_in_builder, sorted(missing_in_builder)


def test_the_builder_reports_what_was_consulted_on_and_what_changed(app):
    consultation = seed()
    content = build_statement(consultation)
    assert content["what"]["consulted_version"]["label"] == "First draft"
    assert content["what"]["latest_version"]["label"] == "Final plan"
    changed = content["what_changed"]
    assert changed["counts"]["changed"] == 1
    [section] = changed["sections"]
    assert section["heading"] == "Carers"
    assert section["before"] == "Unpaid carers need breaks."
    assert section["after"] == "Unpaid carers will get a short break within eight weeks."
    assert [theme["name"] for theme in section["themes"]] == ["Carers"]
    carers = next(theme for theme in content["what_people_said"]["themes"] if theme["name"] == "Carers")
    assert carers["response"]["decision_label"] == "We changed the plan"
    assert carers["response"]["sections"][0]["status"] == "changed"
    assert carers["response"]["sections"][0]["before"] == "Unpaid carers need breaks."
    transport = content["what_people_said"]["themes"][0]
    assert [child["name"] for child in transport["children"]] == ["Community transport"]
    assert transport["items"] == 8  # 7 responses' items (the sub-theme's included) and the event note
    assert transport["people"] == 7 + 12
    assert content["annexes"]["organisations"] == ["Tranent Carers Centre"]
    assert content["annexes"]["events"][0]["attendance"] == 12


def test_small_numbers_are_suppressed_in_cross_tabs_and_equality_tables(app):
    consultation = seed()
    content = build_statement(consultation)
    carers = next(theme for theme in content["what_people_said"]["themes"] if theme["name"] == "Carers")
    row = next(cell for cell in carers["by_group"] if cell["label"] == "Carers of users of health care")
    assert row["count"] is None and row["suppressed"] is True
    ages = next(table for table in content["who"]["equality"]["tables"] if table["key"] == "age_band")
    young = next(cell for cell in ages["rows"] if cell["label"] == "25 to 34")
    assert young == {"label": "25 to 34", "count": None, "suppressed": True}
    # The one hidden age band would follow from the total, so the next smallest is hidden too.
    older = next(cell for cell in ages["rows"] if cell["label"] == "65 to 74")
    assert older["suppressed"] is True
    staff = next(cell for cell in content["annexes"]["events"][0]["attendance_by_group"] if cell["label"] == "Staff")
    assert staff["suppressed"] is True


# Theme responses ----------------------------------------------------------------------------

def test_an_officer_responds_to_a_theme_from_the_draft(app):
    consultation = seed()
    client = officer_client(app)
    transport = Theme.query.filter_by(consultation_id=consultation.id, name="Transport").one()
    listing = client.get(base(consultation) + "/themes").get_data(as_text=True)
    assert "Transport" in listing and "Not started" in listing and "We changed the plan" in listing
    page = client.get(base(consultation) + f"/themes/{transport.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "8 comments from 19 people raised Transport." in html
    assert CANARY_NO_CONSENT not in html and CANARY_WITHHELD not in html and PHONE not in html
    section = next(section for section in consultation.latest_version.sections if section.heading == "Transport")
    response = client.post(base(consultation) + f"/themes/{transport.id}", data={
        "you_said": "People said buses stop too early.", "we_did": "We will fund evening buses.",
        "decision": "changed", "reason": "", "section_ids": [str(section.id)]})
    assert response.status_code == 302
    db.session.rollback()
    saved = ThemeResponse.query.filter_by(theme_id=transport.id).one()
    assert saved.decision == "changed" and [row.id for row in saved.sections] == [section.id]
    assert AuditEvent.query.filter_by(action="theme_response.created").count() == 1


def test_no_change_needs_a_reason_and_what_was_typed_is_kept(app):
    consultation = seed()
    client = officer_client(app)
    transport = Theme.query.filter_by(consultation_id=consultation.id, name="Transport").one()
    response = client.post(base(consultation) + f"/themes/{transport.id}", data={
        "you_said": "Typed you-said text", "we_did": "Typed we-did text", "decision": "no_change", "reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert html.count("Enter the reason for making no change") == 2  # summary and by the field
    assert "Typed you-said text" in html and "Typed we-did text" in html
    db.session.rollback()
    assert ThemeResponse.query.filter_by(theme_id=transport.id).count() == 0


def test_other_bad_theme_responses_are_refused(app):
    consultation = seed()
    client = officer_client(app)
    transport = Theme.query.filter_by(consultation_id=consultation.id, name="Transport").one()
    url = base(consultation) + f"/themes/{transport.id}"
    for data, message in (
            ({"you_said": "x", "we_did": "y", "decision": "changed"}, "Select the sections of the plan that changed"),
            ({"you_said": "x", "we_did": "y"}, "Select what the partnership decided"),
            ({"you_said": "x", "we_did": "y", "decision": "maybe"}, "Select what the partnership decided from the list"),
            ({"you_said": "", "we_did": "y", "decision": "already_in_plan"}, "Enter what people said about this theme"),
            ({"you_said": "x" * 10_001, "we_did": "y", "decision": "already_in_plan"}, "10,000 characters or fewer"),
            ({"you_said": "x", "we_did": "y", "decision": "changed", "section_ids": ["999999"]},
             "Select sections from the list")):
        response = client.post(url, data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    db.session.rollback()
    assert ThemeResponse.query.filter_by(theme_id=transport.id).count() == 0


def test_the_introduction_and_next_steps_are_saved_and_checked(app):
    consultation = seed()
    client = officer_client(app)
    response = client.post(base(consultation) + "/text", data={"introduction": "x" * 10_001, "next_steps": "Board"})
    assert response.status_code == 400
    assert "Introduction must be 10,000 characters or fewer" in response.get_data(as_text=True)
    response = client.post(base(consultation) + "/text", data={"introduction": "Why we consulted.",
                                                                "next_steps": "The board meets in June."})
    assert response.status_code == 302
    db.session.rollback()
    consultation = db.session.get(Consultation, consultation.id)
    assert consultation.statement_next_steps == "The board meets in June."
    preview = client.get(base(consultation) + "/preview").get_data(as_text=True)
    assert "Why we consulted." in preview and "The board meets in June." in preview


# Publishing ---------------------------------------------------------------------------------

def test_publishing_twice_makes_dated_revisions_and_moves_the_consultation_on(app):
    consultation = seed()
    client = officer_client(app)
    preview = client.get(base(consultation) + "/preview")
    assert preview.status_code == 200
    assert "Publish the statement" in preview.get_data(as_text=True)
    assert publish(client, consultation).status_code == 302
    db.session.rollback()
    consultation = db.session.get(Consultation, consultation.id)
    assert consultation.status == "published" and consultation.published_at is not None
    assert AuditEvent.query.filter_by(action="statement_published").count() == 1
    # A double click on the same preview does not publish twice.
    assert publish(client, consultation, number=1).status_code == 302
    db.session.rollback()
    assert StatementRevision.query.filter_by(consultation_id=consultation.id).count() == 1

    carers = ThemeResponse.query.join(Theme).filter(Theme.name == "Carers",
                                                    Theme.consultation_id == consultation.id).one()
    carers.we_did = "We changed our mind: breaks within six weeks."
    db.session.commit()
    assert "Publish revision 2" in client.get(base(consultation) + "/preview").get_data(as_text=True)
    assert publish(client, consultation).status_code == 302
    db.session.rollback()
    revisions = StatementRevision.query.filter_by(consultation_id=consultation.id).order_by("number").all()
    assert [revision.number for revision in revisions] == [1, 2]
    assert "within eight weeks" in json.dumps(revisions[0].content)
    assert "six weeks" in json.dumps(revisions[1].content)
    index = client.get(base(consultation)).get_data(as_text=True)
    assert "Revision 1" in index and "Revision 2" in index


def test_a_statement_cannot_be_published_before_analysis(app):
    consultation = make_consultation(title="Still open", status="open")
    client = officer_client(app)
    response = client.post(base(consultation) + "/publish", data={"number": "1"}, follow_redirects=True)
    assert "Close it and start the analysis before publishing the statement" in response.get_data(as_text=True)
    db.session.rollback()
    assert StatementRevision.query.count() == 0
    assert db.session.get(Consultation, consultation.id).status == "open"


def test_publishing_without_the_previewed_number_is_refused(app):
    consultation = seed()
    client = officer_client(app)
    response = client.post(base(consultation) + "/publish", data={})
    assert response.status_code == 400
    assert "The page was out of date" in response.get_data(as_text=True)
    db.session.rollback()
    assert StatementRevision.query.count() == 0


def test_a_reviewer_may_read_and_preview_but_not_respond_or_publish(app):
    consultation = seed()
    client = member_client(app, consultation, "reviewer")
    transport = Theme.query.filter_by(consultation_id=consultation.id, name="Transport").one()
    assert client.get(base(consultation)).status_code == 200
    assert client.get(base(consultation) + "/themes").status_code == 200
    preview = client.get(base(consultation) + "/preview")
    assert preview.status_code == 200 and "Publish the statement" not in preview.get_data(as_text=True)
    assert client.get(base(consultation) + f"/themes/{transport.id}").status_code == 403
    assert client.post(base(consultation) + f"/themes/{transport.id}", data={"decision": "no_change"}).status_code == 403
    assert client.post(base(consultation) + "/text", data={"introduction": "x"}).status_code == 403
    assert publish(client, consultation).status_code == 403
    db.session.rollback()
    assert StatementRevision.query.count() == 0


def test_another_consultations_theme_or_an_archived_one_is_not_found(app):
    ours = seed(title="Ours")
    theirs = seed(title="Theirs")
    client = officer_client(app)
    foreign = Theme.query.filter_by(consultation_id=theirs.id, name="Transport").one()
    assert client.get(base(ours) + f"/themes/{foreign.id}").status_code == 404
    assert client.post(base(ours) + f"/themes/{foreign.id}", data={"decision": "already_in_plan"}).status_code == 404
    archived = Theme.query.filter_by(consultation_id=ours.id, name="Carers").one()
    archived.archived = True
    db.session.commit()
    assert client.get(base(ours) + f"/themes/{archived.id}").status_code == 404


def test_the_preview_never_shows_words_that_may_not_be_published(app):
    consultation = seed()
    client = officer_client(app)
    html = client.get(base(consultation) + "/preview").get_data(as_text=True)
    assert "Tranent Carers Centre" in html  # the statement is really there
    for secret in (CANARY_NO_CONSENT, CANARY_WITHHELD, PHONE):
        assert secret not in html


def test_what_people_typed_is_escaped_in_the_preview(app):
    consultation = seed(theme_name=XSS, quote_extra=XSS, you_said_extra=XSS)
    client = officer_client(app)
    for url in (base(consultation) + "/preview", base(consultation) + "/themes"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url
