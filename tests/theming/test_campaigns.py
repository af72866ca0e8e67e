"""Campaign and duplicate texts: find near-identical items, see who sent them, tag a whole group."""
import re

from engage.emerging import services
from engage.extensions import db
from engage.models import AuditEvent, BackgroundJob, FeedbackItem, Membership, Tag, Theme
from tests.conftest import login
from tests.factories import make_consultation, make_event, make_response, make_user

LETTER = ("I strongly object to the closure of the minor injuries unit at the community hospital, because "
          "families in the villages would have to travel forty miles to the nearest emergency department.")
# The campaign letter as people sent it: small edits, added words, a different ending.
VARIANTS = [
    LETTER,
    LETTER.replace("strongly object", "really object"),
    LETTER + " Thank you.",
    LETTER.replace("forty miles", "40 miles"),
    "Dear sir, " + LETTER,
]
DISTINCT = [
    "The buses to the health centre stop at six, so I cannot get to evening appointments.",
    "Unpaid carers need more respite breaks and someone to talk to about their own health.",
    "Please publish the plan in easy read and in Polish so that everyone can take part.",
]


def _setup():
    """A campaign sent by three individuals, an organisation and at an event; three texts unlike it."""
    consultation = make_consultation(title="Campaigns")
    senders = [make_response(consultation, respondent_type="individual", channel="online"),
               make_response(consultation, respondent_type="individual", channel="online"),
               make_response(consultation, respondent_type="individual", channel="email"),
               make_response(consultation, respondent_type="organisation", channel="letter",
                             organisation_name="Save Our Hospital")]
    event = make_event(consultation)
    campaign = [FeedbackItem(consultation_id=consultation.id, text=text, source="answer", response_id=sender.id)
                for text, sender in zip(VARIANTS, senders)]
    campaign.append(FeedbackItem(consultation_id=consultation.id, text=VARIANTS[4], source="event_note",
                                 event_id=event.id, speaks_for=12))
    distinct = [FeedbackItem(consultation_id=consultation.id, text=text, source="other") for text in DISTINCT]
    db.session.add_all(campaign + distinct)
    db.session.commit()
    return consultation, [item.id for item in campaign], [item.id for item in distinct]


def _url(consultation, suffix=""):
    return f"/staff/consultations/{consultation.id}/campaigns{suffix}"


def _groups(consultation):
    db.session.rollback()
    return dict(db.session.execute(db.select(FeedbackItem.id, FeedbackItem.duplicate_group).where(
        FeedbackItem.consultation_id == consultation.id)).all())


def _find(client, consultation):
    assert client.post(_url(consultation, "/start")).status_code == 302
    db.session.rollback()
    return (BackgroundJob.query.filter_by(consultation_id=consultation.id, kind="find_duplicates")
            .order_by(BackgroundJob.id.desc()).first())


def test_near_identical_texts_are_grouped_and_distinct_ones_are_not(app, officer_client):
    consultation, campaign, distinct = _setup()
    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    assert "Find campaign and duplicate texts" in page
    job = _find(officer_client, consultation)
    assert job.status == "done" and job.result["groups"] == 1 and job.result["in_groups"] == 5
    groups = _groups(consultation)
    keys = {groups[item_id] for item_id in campaign}
    assert len(keys) == 1 and None not in keys
    assert all(groups[item_id] is None for item_id in distinct)


def test_looking_again_replaces_the_old_groups(app, officer_client):
    consultation, campaign, distinct = _setup()
    item = db.session.get(FeedbackItem, distinct[0])
    item.duplicate_group = "old"
    db.session.commit()
    _find(officer_client, consultation)
    groups = _groups(consultation)
    assert groups[distinct[0]] is None
    assert len({groups[item_id] for item_id in campaign}) == 1


def test_the_list_shows_items_people_senders_and_channels(app, officer_client):
    consultation, campaign, _ = _setup()
    _find(officer_client, consultation)
    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    assert "1 group of near-identical texts" in page
    row = page.split('id="groups"')[1]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">5</td>' in row
    # Four people, plus a note that speaks for twelve.
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">16</td>' in row
    assert "3 individuals" in row and "1 organisation" in row and "Not known: 1 item" in row
    assert "Online questionnaire: 2" in row and "Email: 1" in row and "Letter: 1" in row
    assert "Engagement event: 1" in row
    assert "minor injuries unit" in row
    assert "See the group" in row


def _group_key(consultation, campaign):
    return _groups(consultation)[campaign[0]]


def test_the_group_page_shows_the_text_every_member_and_the_themes_they_carry(app, officer_client):
    consultation, campaign, _ = _setup()
    _find(officer_client, consultation)
    key = _group_key(consultation, campaign)
    theme = Theme(consultation_id=consultation.id, name="Minor injuries unit")
    db.session.add(theme)
    db.session.flush()
    db.session.add(Tag(item_id=campaign[1], theme_id=theme.id, source="officer", status="confirmed"))
    db.session.add(Tag(item_id=campaign[2], theme_id=theme.id, source="automatic", status="suggested",
                       confidence=0.7))
    db.session.commit()
    page = officer_client.get(_url(consultation, f"/{key}")).get_data(as_text=True)
    assert "Group of 5 near-identical texts" in page
    assert 'id="representative"' in page
    for text in ("really object", "Thank you.", "40 miles", "Dear sir"):
        assert text in page
    assert "Save Our Hospital" in page
    assert "Minor injuries unit: confirmed on 1 item, suggested on 1 item" in page
    assert "Tag the whole group" in page


def test_tagging_the_whole_group_confirms_the_theme_on_every_member(app, officer_client):
    consultation, campaign, distinct = _setup()
    _find(officer_client, consultation)
    key = _group_key(consultation, campaign)
    theme = Theme(consultation_id=consultation.id, name="Minor injuries unit")
    db.session.add(theme)
    db.session.flush()
    db.session.add(Tag(item_id=campaign[0], theme_id=theme.id, source="automatic", status="suggested",
                       confidence=0.4))
    db.session.commit()
    response = officer_client.post(_url(consultation, f"/{key}/tag"), data={"theme_id": theme.id},
                                   follow_redirects=True)
    assert response.status_code == 200
    assert "“Minor injuries unit” confirmed on 5 items of this group" in response.get_data(as_text=True)
    db.session.rollback()
    tags = Tag.query.filter_by(theme_id=theme.id).all()
    assert sorted(tag.item_id for tag in tags) == sorted(campaign)
    assert {tag.status for tag in tags} == {"confirmed"}
    assert not set(distinct) & {tag.item_id for tag in tags}
    events = AuditEvent.query.filter_by(action="theme_confirmed_on_items").all()
    assert len(events) == 1 and events[0].detail["reason"] == "campaign" and events[0].detail["items"] == 5


def test_a_bad_theme_is_refused_and_nothing_is_saved(app, officer_client):
    consultation, campaign, _ = _setup()
    _find(officer_client, consultation)
    key = _group_key(consultation, campaign)
    other = make_consultation(title="Other")
    foreign = Theme(consultation_id=other.id, name="Theirs")
    archived = Theme(consultation_id=consultation.id, name="Old", archived=True)
    db.session.add_all([foreign, archived, Theme(consultation_id=consultation.id, name="Live")])
    db.session.commit()
    for value, message in (("", "Select a theme"), ("nonsense", "Select a theme from the list"),
                           (str(foreign.id), "Select a theme from the list"),
                           (str(archived.id), "Select a theme from the list")):
        response = officer_client.post(_url(consultation, f"/{key}/tag"), data={"theme_id": value})
        assert response.status_code == 400, value
        page = response.get_data(as_text=True)
        assert "There is a problem" in page and 'href="#theme_id"' in page
        assert re.search(r'id="theme_id-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span> '
                         + re.escape(message) + r'\s*</p>', page), value
    db.session.rollback()
    assert Tag.query.count() == 0
    assert AuditEvent.query.filter_by(action="theme_confirmed_on_items").count() == 0


def test_an_unknown_or_foreign_group_is_not_found(app, officer_client):
    consultation, campaign, _ = _setup()
    _find(officer_client, consultation)
    key = _group_key(consultation, campaign)
    other = make_consultation(title="Other")
    assert officer_client.get(_url(consultation, "/g999999")).status_code == 404
    assert officer_client.get(_url(consultation, "/" + "x" * 100)).status_code == 404
    assert officer_client.get(_url(other, f"/{key}")).status_code == 404
    theme = Theme(consultation_id=other.id, name="Theirs")
    db.session.add(theme)
    db.session.commit()
    assert officer_client.post(_url(other, f"/{key}/tag"), data={"theme_id": theme.id}).status_code == 404
    db.session.rollback()
    assert Tag.query.count() == 0


def test_reviewers_can_read_groups_but_not_find_or_tag_them(app, client):
    consultation, campaign, _ = _setup()
    login(client, make_user("officer"))
    _find(client, consultation)
    key = _group_key(consultation, campaign)
    theme = Theme(consultation_id=consultation.id, name="Live")
    db.session.add(theme)
    reviewer = make_user("reviewer")
    db.session.add(Membership(user=reviewer, consultation=consultation, role="reviewer"))
    db.session.commit()
    reader = app.test_client()
    login(reader, reviewer)
    listing = reader.get(_url(consultation))
    assert listing.status_code == 200
    assert "Find campaign and duplicate texts" not in listing.get_data(as_text=True)
    group = reader.get(_url(consultation, f"/{key}"))
    assert group.status_code == 200 and "Tag the whole group" not in group.get_data(as_text=True)
    assert reader.post(_url(consultation, "/start")).status_code == 403
    assert reader.post(_url(consultation, f"/{key}/tag"), data={"theme_id": theme.id}).status_code == 403
    db.session.rollback()
    assert Tag.query.count() == 0
    outsider = app.test_client()
    login(outsider, make_user("reviewer"))
    assert outsider.get(_url(consultation, f"/{key}")).status_code == 403


def test_typed_markup_is_shown_escaped(app, officer_client):
    consultation = make_consultation(title="Escaping")
    text = "<script>alert('x')</script> Please keep the minor injuries unit at the community hospital open"
    db.session.add_all([FeedbackItem(consultation_id=consultation.id, text=text, source="other")
                        for _ in range(3)])
    db.session.commit()
    _find(officer_client, consultation)
    key = db.session.scalar(db.select(FeedbackItem.duplicate_group).where(
        FeedbackItem.consultation_id == consultation.id).limit(1))
    assert key
    for url in (_url(consultation), _url(consultation, f"/{key}")):
        page = officer_client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(" in page


def test_a_failed_search_keeps_the_old_groups(app, officer_client, monkeypatch):
    consultation, campaign, distinct = _setup()
    _find(officer_client, consultation)
    before = _groups(consultation)

    def broken(representative_id):
        raise RuntimeError("the database went away")

    # Fails after the old groups were cleared in the job's transaction: all of it is rolled back.
    monkeypatch.setattr(services, "group_key", broken)
    job = _find(officer_client, consultation)
    assert job.status == "failed"
    assert _groups(consultation) == before
    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    assert "The job did not finish" in page and "Nothing was changed" in page
    assert "1 group of near-identical texts" in page


def test_members_are_listed_fifty_to_a_page(app, officer_client):
    consultation = make_consultation(title="Big campaign")
    db.session.add_all([FeedbackItem(consultation_id=consultation.id, text=f"{LETTER} Signed, resident {n}.",
                                     source="other") for n in range(60)])
    db.session.commit()
    _find(officer_client, consultation)
    key = db.session.scalar(db.select(FeedbackItem.duplicate_group).where(
        FeedbackItem.consultation_id == consultation.id).limit(1))
    first = officer_client.get(_url(consultation, f"/{key}")).get_data(as_text=True)
    assert first.split('id="members"')[1].count("Signed, resident") == 50
    assert "page 1 of 2" in first and f"/campaigns/{key}?page=2" in first
    second = officer_client.get(_url(consultation, f"/{key}?page=2")).get_data(as_text=True)
    assert second.split('id="members"')[1].count("Signed, resident") == 10
