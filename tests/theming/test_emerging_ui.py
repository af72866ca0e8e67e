"""Emerging themes: look for groups among the items no theme fits, make one a theme, or dismiss it."""
import re

from engage import analysis
from engage.extensions import db
from engage.models import AuditEvent, BackgroundJob, FeedbackItem, Membership, Tag, Theme
from tests.conftest import PASSWORD, csrf_token_from, login
from tests.factories import make_consultation, make_user

PARKING = [
    "Parking at the hospital is impossible, the car park is always full",
    "The hospital car park is too small and parking costs too much",
    "Finding a parking space at the hospital takes an hour",
    "Hospital parking charges are unfair on patients and visitors",
    "There is never any parking at the hospital when I visit my mother",
    "The car park at the hospital needs more spaces, parking is a nightmare",
    "Parking fees at the hospital car park keep going up",
    "I missed my appointment because there was no parking at the hospital",
]
LONELINESS = [
    "Older people in rural villages are lonely and isolated",
    "Loneliness is a big problem in our village since the bus stopped",
    "I feel lonely living alone in a small rural village",
    "Rural villages need befriending to tackle loneliness",
    "Living alone in the village makes me feel isolated and lonely",
    "Loneliness among older people in rural villages is getting worse",
    "There is nothing in the village for lonely people to do",
    "Isolated rural villages leave older people lonely",
]
# Already themed (a confirmed tag) or waiting for review (a suggestion): never grouped again.
CODED = [
    "Parking at the hospital car park is dreadful and too expensive",
    "Lonely older people in the village need a lunch club",
]
PENDING = [
    "Hospital parking is always full when I visit",
    "Rural villages are lonely places for older people",
]


def _setup():
    consultation = make_consultation(title="Emerging")
    transport = Theme(consultation_id=consultation.id, name="Transport", keywords="bus")
    db.session.add(transport)
    db.session.flush()
    items = {}
    for name, texts in (("parking", PARKING), ("loneliness", LONELINESS), ("coded", CODED), ("pending", PENDING)):
        items[name] = [FeedbackItem(consultation_id=consultation.id, text=text, source="other") for text in texts]
        db.session.add_all(items[name])
    db.session.flush()
    for item in items["coded"]:
        db.session.add(Tag(item_id=item.id, theme_id=transport.id, source="officer", status="confirmed"))
    for item in items["pending"]:
        db.session.add(Tag(item_id=item.id, theme_id=transport.id, source="automatic", status="suggested",
                           confidence=0.6))
    db.session.commit()
    return consultation, transport, {name: [item.id for item in group] for name, group in items.items()}


def _url(consultation, suffix=""):
    return f"/staff/consultations/{consultation.id}/emerging{suffix}"


def _latest_run(consultation):
    db.session.rollback()
    return (BackgroundJob.query.filter_by(consultation_id=consultation.id, kind="emerging_themes")
            .order_by(BackgroundJob.id.desc()).first())


def _candidate_number(run, word):
    """The number of the candidate whose name mentions word."""
    for number, candidate in enumerate(run.result["candidates"]):
        if word in candidate["name"].lower():
            return number
    raise AssertionError(f"no candidate about {word}: {[c['name'] for c in run.result['candidates']]}")


def _search(client, consultation):
    response = client.post(_url(consultation, "/start"))
    assert response.status_code == 302
    return _latest_run(consultation)


def test_looking_for_emerging_themes_proposes_the_two_groups_and_ignores_themed_items(app, officer_client):
    consultation, _, ids = _setup()
    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    assert "16 items no theme fits yet" in page
    assert "Look for emerging themes" in page

    run = _search(officer_client, consultation)
    assert run.status == "done"
    members = [set(candidate["members"]) for candidate in run.result["candidates"]]
    assert set(ids["parking"]) in members and set(ids["loneliness"]) in members
    themed = set(ids["coded"]) | set(ids["pending"])
    assert not any(group & themed for group in members)

    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    parking = run.result["candidates"][_candidate_number(run, "parking")]
    assert parking["name"] in page
    assert '<dt class="govuk-summary-list__key">Items</dt><dd class="govuk-summary-list__value">8</dd>' in page
    for phrase in parking["keyphrases"]:
        assert phrase in page
    examples = [text for text in PARKING if text in page]
    assert len(examples) == 3
    assert page.count("Make this a theme") >= 2
    assert 'http-equiv="refresh"' not in page


def test_making_a_candidate_a_theme_suggests_it_on_its_items_only_and_stops_offering_it(app, officer_client):
    consultation, transport, ids = _setup()
    run = _search(officer_client, consultation)
    number = _candidate_number(run, "parking")
    candidate = run.result["candidates"][number]
    response = officer_client.post(_url(consultation, f"/candidates/{number}/adopt"), data={
        f"candidate-{number}-run": run.id, f"candidate-{number}-name": "Parking at the hospital",
        f"candidate-{number}-parent_id": "", f"candidate-{number}-description": "Finding and paying for parking"})
    assert response.status_code == 302
    db.session.rollback()
    theme = Theme.query.filter_by(consultation_id=consultation.id, name="Parking at the hospital").one()
    assert response.headers["Location"].endswith(
        f"/staff/consultations/{consultation.id}/coding/review?theme={theme.id}")
    assert theme.parent_id is None and not theme.archived
    assert theme.description == "Finding and paying for parking"
    assert theme.keywords.splitlines() == candidate["keyphrases"]
    tags = Tag.query.filter_by(theme_id=theme.id).all()
    assert sorted(tag.item_id for tag in tags) == sorted(ids["parking"])
    assert {(tag.source, tag.status, tag.coding_pass) for tag in tags} == {("automatic", "suggested", "primary")}
    assert all(0 <= tag.confidence <= 1 for tag in tags)
    assert all(set(tag.explanation) <= set(candidate["keyphrases"]) for tag in tags)
    assert any("parking" in [word.lower() for word in tag.explanation] for tag in tags)
    # Nothing else was touched: the themed items keep their tags, Transport has no new ones.
    assert Tag.query.filter_by(theme_id=transport.id).count() == len(ids["coded"]) + len(ids["pending"])
    event = AuditEvent.query.filter_by(action="emerging_theme_adopted").one()
    assert event.object_id == theme.id and event.detail["suggestions"] == 8

    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    assert f"/emerging/candidates/{number}/adopt" not in page
    assert f"/emerging/candidates/{1 - number}/adopt" in page
    # The same candidate again (a second click, another officer): refused, nothing added.
    again = officer_client.post(_url(consultation, f"/candidates/{number}/adopt"), data={
        f"candidate-{number}-run": run.id, f"candidate-{number}-name": "Parking again"},
        follow_redirects=True)
    assert "no longer offered" in again.get_data(as_text=True)
    db.session.rollback()
    assert Theme.query.filter_by(name="Parking again").count() == 0
    assert Tag.query.count() == len(ids["coded"]) + len(ids["pending"]) + 8


def test_the_new_theme_can_sit_under_a_live_theme(app, officer_client):
    consultation, transport, ids = _setup()
    run = _search(officer_client, consultation)
    number = _candidate_number(run, "parking")
    response = officer_client.post(_url(consultation, f"/candidates/{number}/adopt"), data={
        f"candidate-{number}-run": run.id, f"candidate-{number}-name": "Hospital parking",
        f"candidate-{number}-parent_id": str(transport.id)})
    assert response.status_code == 302
    db.session.rollback()
    assert Theme.query.filter_by(name="Hospital parking").one().parent_id == transport.id


def test_a_bad_name_is_explained_next_to_the_field_and_nothing_is_saved(app, officer_client):
    consultation, _, _ = _setup()
    run = _search(officer_client, consultation)
    number = _candidate_number(run, "parking")
    url = _url(consultation, f"/candidates/{number}/adopt")
    field = f"candidate-{number}-name"
    for typed, message in (("", "Enter a name for the theme"),
                           ("  transport ", "There is already a theme called “Transport” at the top level"),
                           ("x" * 201, "Name must be 200 characters or fewer")):
        response = officer_client.post(url, data={f"candidate-{number}-run": run.id, field: typed,
                                                  f"candidate-{number}-description": "Kept as typed"})
        assert response.status_code == 400, typed
        page = response.get_data(as_text=True)
        assert "There is a problem" in page
        assert f'href="#{field}"' in page
        assert re.search(rf'id="{field}-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span> '
                         rf'{re.escape(message)}', page), typed
        assert "Kept as typed" in page
        if typed.strip():
            assert f'value="{typed}"' in page or f'value="{typed.strip()}"' in page
    parent = officer_client.post(url, data={f"candidate-{number}-run": run.id, field: "Parking",
                                            f"candidate-{number}-parent_id": "999999"})
    assert parent.status_code == 400
    assert "Select a theme to put it under from the list" in parent.get_data(as_text=True)
    db.session.rollback()
    assert Theme.query.filter_by(consultation_id=consultation.id).count() == 1
    assert Tag.query.filter_by(status="suggested").count() == len(PENDING)
    assert _latest_run(consultation).result["candidates"][number]["status"] == "offered"


def test_a_dismissed_candidate_disappears(app, officer_client):
    consultation, _, _ = _setup()
    run = _search(officer_client, consultation)
    number = _candidate_number(run, "lonel")
    name = run.result["candidates"][number]["name"]
    response = officer_client.post(_url(consultation, f"/candidates/{number}/dismiss"), data={"run": run.id},
                                   follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "will not be offered again" in page
    assert f"/emerging/candidates/{number}/adopt" not in page
    assert f"/emerging/candidates/{1 - number}/adopt" in page
    assert f">{name}<" not in page.split("will not be offered again")[1]
    assert _latest_run(consultation).result["candidates"][number]["status"] == "dismissed"
    # A stale form from an older search changes nothing.
    stale = officer_client.post(_url(consultation, f"/candidates/{1 - number}/dismiss"), data={"run": run.id + 99},
                                follow_redirects=True)
    assert "older search" in stale.get_data(as_text=True)
    assert _latest_run(consultation).result["candidates"][1 - number]["status"] == "offered"


def test_too_few_unthemed_items_get_a_clear_message(app, officer_client):
    consultation = make_consultation(title="Small")
    db.session.add_all([FeedbackItem(consultation_id=consultation.id, text=text, source="other")
                        for text in PARKING[:3]])
    db.session.commit()
    response = officer_client.post(_url(consultation, "/start"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "too few items that no theme fits" in page
    assert "3 items, and at least 6 are needed" in page
    assert _latest_run(consultation) is None


def test_a_failed_search_says_so_and_offers_nothing(app, officer_client, monkeypatch):
    consultation, _, _ = _setup()

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(analysis, "emerging_themes", broken)
    run = _search(officer_client, consultation)
    assert run.status == "failed"
    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    assert "The job did not finish" in page
    assert "Nothing was changed" in page
    assert "Make this a theme" not in page
    assert "Look for emerging themes" in page


def test_reviewers_can_read_but_not_search_or_decide(app, client):
    consultation, _, _ = _setup()
    officer = make_user("officer")
    login(client, officer)
    run = _search(client, consultation)
    client.post("/auth/logout")
    reviewer = make_user("reviewer")
    db.session.add(Membership(user=reviewer, consultation=consultation, role="reviewer"))
    db.session.commit()
    reader = app.test_client()
    login(reader, reviewer)
    page = reader.get(_url(consultation))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert run.result["candidates"][0]["name"] in text
    assert "Make this a theme" not in text and "Look for emerging themes" not in text
    assert reader.post(_url(consultation, "/start")).status_code == 403
    assert reader.post(_url(consultation, "/candidates/0/adopt"), data={
        "candidate-0-run": run.id, "candidate-0-name": "Mine"}).status_code == 403
    assert reader.post(_url(consultation, "/candidates/0/dismiss"), data={"run": run.id}).status_code == 403
    db.session.rollback()
    assert Theme.query.filter_by(name="Mine").count() == 0
    assert _latest_run(consultation).result["candidates"][0]["status"] == "offered"


def test_another_consultations_search_is_not_offered_here(app, officer_client):
    consultation, _, _ = _setup()
    other = make_consultation(title="Other")
    run = _search(officer_client, consultation)
    response = officer_client.post(_url(other, "/candidates/0/adopt"), data={
        "candidate-0-run": run.id, "candidate-0-name": "Stolen"}, follow_redirects=True)
    assert "no longer offered" in response.get_data(as_text=True)
    db.session.rollback()
    assert Theme.query.filter_by(name="Stolen").count() == 0


def test_example_texts_are_escaped(app, officer_client):
    consultation, _, _ = _setup()
    run = _search(officer_client, consultation)
    number = _candidate_number(run, "parking")
    example = db.session.get(FeedbackItem, run.result["candidates"][number]["examples"][0])
    example.text = "<script>alert('parking')</script> Parking at the hospital"
    db.session.commit()
    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page


def test_forms_carry_a_csrf_token_and_need_it(app, csrf_app, client):
    consultation, _, _ = _setup()
    officer = make_user("officer")
    sign_in = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    assert client.post("/auth/login", data={"email": officer.email, "password": PASSWORD,
                                            "csrf_token": sign_in}).status_code == 302
    assert client.post(_url(consultation, "/start")).status_code == 400
    page = client.get(_url(consultation)).get_data(as_text=True)
    token = csrf_token_from(page)
    assert client.post(_url(consultation, "/start"), data={"csrf_token": token}).status_code == 302
    run = _latest_run(consultation)
    number = _candidate_number(run, "parking")
    page = client.get(_url(consultation)).get_data(as_text=True)
    prefixed = re.search(rf'name="candidate-{number}-csrf_token" type="hidden" value="([^"]+)"', page)
    assert prefixed, "the adopt form has no CSRF token"
    fields = {f"candidate-{number}-run": run.id, f"candidate-{number}-name": "Hospital parking"}
    assert client.post(_url(consultation, f"/candidates/{number}/adopt"), data=fields).status_code == 400
    fields[f"candidate-{number}-csrf_token"] = prefixed.group(1)
    assert client.post(_url(consultation, f"/candidates/{number}/adopt"), data=fields).status_code == 302
    db.session.rollback()
    assert Theme.query.filter_by(name="Hospital parking").count() == 1
