"""The coding screens: suggestions figures, the review queue, bulk accept, an item in context, the list."""
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from engage.coding import queries
from engage.extensions import db
from engage.models import (
    Answer, AuditEvent, EqualityMonitoring, FeedbackItem, Membership, Response, Tag, Theme,
)
from tests.conftest import login
from tests.factories import make_consultation, make_event, make_response, make_user

PAYLOAD = '<script>alert("x")</script>'


def text_of(page):
    """The page as text."""
    return page.get_data(as_text=True)


def post(client, url, data, **kwargs):
    """Post a form; list values become repeated fields (checkboxes)."""
    items = [(key, v) for key, value in data.items() for v in (value if isinstance(value, list) else [value])]
    return client.post(url, data=MultiDict(items), **kwargs)


class World:
    """A consultation with themes, feedback from a response and an event, and suggestions on them."""

    def __init__(self, officer):
        self.consultation = make_consultation(title="Carers plan", user=officer, status="open")
        consultation = self.consultation
        self.base = f"/staff/consultations/{consultation.id}/coding"
        self.sections = {section.number: section for section in consultation.latest_version.sections}
        self.groups = {group.name: group for group in consultation.stakeholder_groups}
        self.north, self.south = consultation.localities
        self.transport = Theme(consultation_id=consultation.id, name="Transport", position=1)
        self.staffing = Theme(consultation_id=consultation.id, name="Staffing", position=2)
        self.cost = Theme(consultation_id=consultation.id, name="Cost", position=3)
        db.session.add_all([self.transport, self.staffing, self.cost])
        db.session.flush()
        self.buses = Theme(consultation_id=consultation.id, name="Buses", parent_id=self.transport.id, position=1)
        db.session.add(self.buses)
        self.response = make_response(consultation, channel="email", locality_id=self.north.id,
                                      respondent_type="organisation", organisation_name="Carers Centre")
        self.response.groups.append(self.groups["Members of the public"])
        question = consultation.questions[0]
        answer = Answer(response_id=self.response.id, question_id=question.id,
                        text="The buses stop at six, so I cannot visit my mother.")
        db.session.add(answer)
        db.session.flush()
        self.answer_item = self._item("The buses stop at six, so I cannot visit my mother.", source="answer",
                                      response_id=self.response.id, answer_id=answer.id, question_id=question.id,
                                      section_id=self.sections["3"].id, stance="concern", stance_source="automatic")
        self.letter_item = self._item("Staff are stretched; 100% of carers said so_far.", source="letter",
                                      response_id=self.response.id, section_id=self.sections["2"].id)
        self.event = make_event(consultation, title="Drop-in at the library", locality_id=self.south.id)
        self.note = self._item("Respite care costs too much", source="event_note", event_id=self.event.id,
                               position=1)
        self.other_note = self._item("More short breaks please", source="event_note", event_id=self.event.id,
                                     position=2)
        self.loose_item = self._item("Phone call about parking", source="phone")
        db.session.commit()

    def _item(self, text, **fields):
        item = FeedbackItem(consultation_id=self.consultation.id, text=text, **fields)
        db.session.add(item)
        db.session.flush()
        return item

    def suggest(self, item, theme, confidence, words=(), status="suggested", source="automatic"):
        """A tag on item, committed."""
        tag = Tag(item_id=item.id, theme_id=theme.id, source=source, status=status, confidence=confidence,
                  explanation=list(words))
        db.session.add(tag)
        db.session.commit()
        return tag


@pytest.fixture
def world(app, officer):
    return World(officer)


def member(consultation, role):
    """A user with a membership role on the consultation."""
    user = make_user(role)
    db.session.add(Membership(user=user, consultation=consultation, role=role))
    db.session.commit()
    return user


def queue_order(page):
    """Feedback item ids in the order the queue shows them."""
    return [int(number) for number in re.findall(r"Suggestion [0-9,]+, feedback item (\d+)</span>", text_of(page))]


# The review queue ----------------------------------------------------------------------------

def test_queue_orders_suggestions_by_uncertainty(officer_client, world):
    w = world
    certain = w.suggest(w.answer_item, w.transport, 0.97)
    coin_toss = w.suggest(w.letter_item, w.staffing, 0.49)
    near = w.suggest(w.note, w.cost, 0.53)
    high = w.suggest(w.loose_item, w.cost, 0.75)
    low = w.suggest(w.other_note, w.staffing, 0.25)  # as far from 0.5 as `high`: the older suggestion first
    w.suggest(w.note, w.staffing, 0.9, status="confirmed")  # decided: not in the queue
    page = officer_client.get(f"{w.base}/review")
    assert page.status_code == 200
    assert queue_order(page) == [coin_toss.item_id, near.item_id, high.item_id, low.item_id, certain.item_id]
    # A suggestion without a confidence counts as a coin toss.
    unknown = w.suggest(w.other_note, w.transport, None)
    assert queue_order(officer_client.get(f"{w.base}/review"))[:2] == [unknown.item_id, coin_toss.item_id]
    html = text_of(page)
    assert "of <strong>5</strong> suggestions" in html
    assert "49% confident" in html and "97% confident" in html
    # Each suggestion says where its item came from.
    assert "Members of the public" in html and "North" in html and "Email" in html
    assert "Drop-in at the library" in html and "South" in html


def test_queue_is_paged_25_at_a_time(officer_client, world):
    w = world
    items = [w._item(f"Point {n}", source="other") for n in range(30)]
    db.session.commit()
    for n, item in enumerate(items):
        w.suggest(item, w.cost, 0.5 + n / 100)
    first = officer_client.get(f"{w.base}/review")
    assert queue_order(first) == [item.id for item in items[:25]]
    second = officer_client.get(f"{w.base}/review?page=2")
    assert queue_order(second) == [item.id for item in items[25:]]
    assert "Showing <strong>26</strong> to <strong>30</strong>" in text_of(second)
    # Past the end shows the last page rather than nothing.
    assert queue_order(officer_client.get(f"{w.base}/review?page=9")) == [item.id for item in items[25:]]


def test_accept_and_reject_change_the_tag_and_are_audited_with_the_coder(officer_client, officer, world):
    w = world
    accepted = w.suggest(w.answer_item, w.transport, 0.6, words=["buses"])
    rejected = w.suggest(w.note, w.staffing, 0.55)
    response = post(officer_client, f"{w.base}/suggestions/{accepted.id}",
                    {"decision": "accept", "theme": str(w.transport.id), "q": "bus", "page": "2", "position": "3"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == f"{w.base}/review"
    assert parse_qs(location.query) == {"theme": [str(w.transport.id)], "q": ["bus"], "page": ["2"]}
    assert location.fragment == "suggestion-3"
    response = post(officer_client, f"{w.base}/suggestions/{rejected.id}", {"decision": "reject"})
    assert response.status_code == 302
    db.session.expire_all()
    for tag, status, action in ((accepted, "confirmed", "suggestion_accepted"),
                                (rejected, "rejected", "suggestion_rejected")):
        tag = db.session.get(Tag, tag.id)
        assert tag.status == status and tag.coder_id == officer.id and tag.decided_at is not None
        assert tag.source == "automatic"
        event = AuditEvent.query.filter_by(action=action, object_id=tag.id).one()
        assert event.user_id == officer.id and event.consultation_id == w.consultation.id
    # The queue is empty now, and says so.
    assert "No suggestions are waiting for review" in text_of(officer_client.get(f"{w.base}/review"))
    # Deciding again changes nothing.
    post(officer_client, f"{w.base}/suggestions/{accepted.id}", {"decision": "reject"})
    db.session.expire_all()
    assert db.session.get(Tag, accepted.id).status == "confirmed"
    assert AuditEvent.query.filter_by(action="suggestion_rejected", object_id=accepted.id).count() == 0


def test_a_decision_must_be_accept_or_reject(officer_client, world):
    tag = world.suggest(world.note, world.cost, 0.5)
    assert post(officer_client, f"{world.base}/suggestions/{tag.id}", {"decision": "maybe"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Tag, tag.id).status == "suggested"


def test_filters_narrow_the_queue(officer_client, world):
    w = world
    answer = w.suggest(w.answer_item, w.buses, 0.7)
    letter = w.suggest(w.letter_item, w.staffing, 0.6)
    note = w.suggest(w.note, w.cost, 0.9)
    loose = w.suggest(w.loose_item, w.transport, 0.3)

    def shown(query):
        page = officer_client.get(f"{w.base}/review?{query}")
        assert page.status_code == 200, query
        return set(queue_order(page))

    assert shown("") == {answer.item_id, letter.item_id, note.item_id, loose.item_id}
    assert shown(f"theme={w.buses.id}") == {answer.item_id}
    assert shown(f"section={w.sections['2'].id}") == {letter.item_id}
    assert shown(f"group={w.groups['Members of the public'].id}") == {answer.item_id, letter.item_id}
    assert shown(f"locality={w.south.id}") == {note.item_id}
    assert shown(f"locality={w.north.id}") == {answer.item_id, letter.item_id}
    assert shown("channel=email") == {answer.item_id, letter.item_id}
    assert shown("channel=event") == {note.item_id}
    assert shown("channel=phone") == {loose.item_id}
    assert shown("stance=concern") == {answer.item_id}
    assert shown("stance=not_set") == {letter.item_id, note.item_id, loose.item_id}
    assert shown("min_confidence=65") == {answer.item_id, note.item_id}
    assert shown("min_confidence=50&max_confidence=75%25") == {answer.item_id, letter.item_id}
    assert shown("q=BUSES") == {answer.item_id}
    assert shown("q=bus&theme=" + str(w.cost.id)) == set()


def test_search_takes_percent_and_underscore_literally(officer_client, world):
    w = world
    for item in (w.answer_item, w.letter_item, w.note, w.other_note, w.loose_item):
        w.suggest(item, w.cost, 0.6)
    assert set(queue_order(officer_client.get(f"{w.base}/review?q=%25"))) == {w.letter_item.id}
    assert set(queue_order(officer_client.get(f"{w.base}/review?q=100%25"))) == {w.letter_item.id}
    assert set(queue_order(officer_client.get(f"{w.base}/review?q=o_f"))) == {w.letter_item.id}
    assert set(queue_order(officer_client.get(f"{w.base}/review?q=s_op"))) == set()


@pytest.mark.parametrize("query,message", [
    ("min_confidence=abc", "Confidence from must be a whole number from 0 to 100"),
    ("max_confidence=101", "Confidence up to must be a whole number from 0 to 100"),
    ("min_confidence=80&max_confidence=20", "Confidence up to must be the same as or more than confidence from"),
    ("theme=999999", "Select a theme from the list"),
    ("theme=abc", "Select a theme from the list"),
    ("channel=pigeon", "Select a way the feedback arrived from the list"),
])
def test_bad_filters_are_explained(officer_client, world, query, message):
    world.suggest(world.note, world.cost, 0.6)
    page = officer_client.get(f"{world.base}/review?{query}")
    assert page.status_code == 400
    html = unescape(text_of(page))
    assert "There is a problem" in html and message in html
    assert "Correct the filters to see the suggestions" in html


# Bulk accept ---------------------------------------------------------------------------------

def test_bulk_accept_confirms_the_count_then_accepts_only_at_or_above_the_threshold_within_the_filter(
        officer_client, officer, world):
    w = world
    high_cost = w.suggest(w.note, w.cost, 0.95)
    exactly = w.suggest(w.other_note, w.cost, 0.9)
    low_cost = w.suggest(w.loose_item, w.cost, 0.85)
    other_theme = w.suggest(w.answer_item, w.staffing, 0.99)
    query = {"theme": str(w.cost.id), "threshold": "90"}
    page = officer_client.get(f"{w.base}/review/accept", query_string=query)
    assert page.status_code == 200
    html = text_of(page)
    assert "2 suggestions" in html and "Accept 2 suggestions" in html
    assert "theme: Cost" in html
    # Item filters count too.
    narrowed = text_of(officer_client.get(f"{w.base}/review/accept", query_string={**query, "q": "respite"}))
    assert "1 suggestion" in narrowed and "text contains “respite”" in narrowed
    # Nothing has changed yet.
    assert Tag.query.filter_by(status="confirmed").count() == 0
    response = post(officer_client, f"{w.base}/review/accept", query)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"{w.base}/review"
    db.session.expire_all()
    statuses = {tag.id: (tag.status, tag.coder_id) for tag in Tag.query}
    assert statuses[high_cost.id] == ("confirmed", officer.id)
    assert statuses[exactly.id] == ("confirmed", officer.id)
    assert statuses[low_cost.id] == ("suggested", None)
    assert statuses[other_theme.id] == ("suggested", None)
    event = AuditEvent.query.filter_by(action="suggestions_accepted").one()
    assert event.user_id == officer.id and event.detail["accepted"] == 2
    assert event.detail["by_theme"] == {str(w.cost.id): 2} and event.detail["threshold"] == 0.9
    # Accepted suggestions leave the queue; the flash says how many.
    follow = officer_client.get(response.headers["Location"])
    assert "2 suggestions accepted" in text_of(follow)
    assert set(queue_order(follow)) == {low_cost.item_id}


def test_accept_suggestions_leaves_decided_and_other_consultations_tags_alone(app, officer, world):
    from engage.coding import services

    w = world
    pending = w.suggest(w.note, w.cost, 0.95)
    rejected = w.suggest(w.other_note, w.cost, 0.95, status="rejected")
    theirs = make_consultation(title="Theirs")
    theme = Theme(consultation_id=theirs.id, name="Theirs")
    item = FeedbackItem(consultation_id=theirs.id, text="Not yours", source="other")
    db.session.add_all([theme, item])
    db.session.flush()
    foreign = Tag(item_id=item.id, theme_id=theme.id, source="automatic", status="suggested", confidence=0.99)
    db.session.add(foreign)
    db.session.commit()
    assert services.accept_suggestions(w.consultation, [pending.id, rejected.id, foreign.id], officer) == 1
    db.session.commit()
    assert [db.session.get(Tag, tag.id).status for tag in (pending, rejected, foreign)] == [
        "confirmed", "rejected", "suggested"]
    assert AuditEvent.query.filter_by(action="suggestions_accepted").one().detail["accepted"] == 1
    # Nothing to accept: nothing is audited.
    assert services.accept_suggestions(w.consultation, [pending.id], officer) == 0
    assert AuditEvent.query.filter_by(action="suggestions_accepted").count() == 1


def test_bulk_accept_needs_a_threshold_from_0_to_100(officer_client, world):
    tag = world.suggest(world.note, world.cost, 0.95)
    for threshold in ("", "abc", "150"):
        response = post(officer_client, f"{world.base}/review/accept", {"threshold": threshold})
        assert response.status_code == 400
        assert "There is a problem" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Tag, tag.id).status == "suggested"


def test_bulk_accept_with_nothing_above_the_threshold_says_so(officer_client, world):
    world.suggest(world.note, world.cost, 0.5)
    html = text_of(officer_client.get(f"{world.base}/review/accept?threshold=90"))
    assert "0 suggestions" in html and "Nothing to accept" in html


# Permissions and other consultations ---------------------------------------------------------

def test_another_consultations_item_and_tag_are_not_found(officer_client, world):
    w = world
    theirs = make_consultation(title="Theirs")
    theme = Theme(consultation_id=theirs.id, name="Theirs")
    item = FeedbackItem(consultation_id=theirs.id, text="Not yours", source="other")
    db.session.add_all([theme, item])
    db.session.flush()
    tag = Tag(item_id=item.id, theme_id=theme.id, source="automatic", status="suggested", confidence=0.6)
    db.session.add(tag)
    db.session.commit()
    assert officer_client.get(f"{w.base}/items/{item.id}").status_code == 404
    assert post(officer_client, f"{w.base}/items/{item.id}", {"themes": [], "stance": ""}).status_code == 404
    assert post(officer_client, f"{w.base}/suggestions/{tag.id}", {"decision": "accept"}).status_code == 404
    # A theme of another consultation is not on the coding form.
    response = post(officer_client, f"{w.base}/items/{w.note.id}", {"themes": [str(theme.id)], "stance": ""})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Tag, tag.id).status == "suggested"
    assert Tag.query.filter_by(item_id=w.note.id).count() == 0


@pytest.mark.parametrize("role", ["reviewer", "facilitator"])
def test_members_who_cannot_manage_may_read_but_not_code(app, world, role):
    w = world
    tag = w.suggest(w.note, w.cost, 0.6)
    client = app.test_client()
    login(client, member(w.consultation, role))
    page = client.get(f"{w.base}/items/{w.note.id}")
    assert page.status_code == 200
    assert "Respite care costs too much" in text_of(page)
    assert 'id="coding-form"' not in text_of(page)
    assert client.get(f"{w.base}/items").status_code == 200
    assert client.get(f"{w.base}").status_code == 200
    assert post(client, f"{w.base}/items/{w.note.id}", {"themes": [str(w.cost.id)], "stance": "support"}).status_code == 403
    assert post(client, f"{w.base}/suggestions/{tag.id}", {"decision": "accept"}).status_code == 403
    assert client.get(f"{w.base}/review").status_code == 403
    assert post(client, f"{w.base}/review/accept", {"threshold": "0"}).status_code == 403
    assert post(client, f"{w.base}/suggest", {}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Tag, tag.id).status == "suggested"
    assert db.session.get(FeedbackItem, w.note.id).coded_at is None


# An item in context --------------------------------------------------------------------------

def test_item_page_shows_the_whole_response_but_never_equality_answers(officer_client, world):
    w = world
    db.session.add(EqualityMonitoring(consultation_id=w.consultation.id, response_id=w.response.id,
                                      ethnicity="Secret ethnicity", religion="Secret religion"))
    db.session.commit()
    html = text_of(officer_client.get(f"{w.base}/items/{w.answer_item.id}"))
    assert "The whole response" in html and w.response.reference in html
    assert "What do you think of the plan?" in html
    assert "Staff are stretched" in html  # the letter point of the same response
    assert "Secret" not in html
    assert "Carers Centre" in html


def test_item_page_shows_the_events_other_notes(officer_client, world):
    html = text_of(officer_client.get(f"{world.base}/items/{world.note.id}"))
    assert "Drop-in at the library" in html
    assert "More short breaks please" in html
    assert f'/coding/items/{world.other_note.id}"' in html


def test_item_page_marks_explanation_words_and_escapes_the_text(officer_client, world):
    w = world
    item = w._item(f"{PAYLOAD} The Buses stop at six; buses are rare.", source="other")
    db.session.commit()
    w.suggest(item, w.buses, 0.72, words=["buses", "<b>"])
    for url in (f"{w.base}/items/{item.id}", f"{w.base}/review"):
        html = text_of(officer_client.get(url))
        assert "<script>alert" not in html, url
        assert "&lt;script&gt;alert" in html, url
        assert "<mark>Buses</mark> stop at six; <mark>buses</mark> are rare." in html, url
        assert "<b>" not in html, url
    html = text_of(officer_client.get(f"{w.base}/items/{item.id}"))
    assert "suggested 72%" in html


def test_highlighting_marks_whole_words_and_phrases():
    pieces = queries.highlighted("Bus stops: the bus-stop is far.\n\nBusy buses", ["bus stop", "buses"])
    assert pieces == [[("Bus stops: the ", False), ("bus-stop", True), (" is far.", False)],
                      [("Busy ", False), ("buses", True)]]
    assert queries.highlighted("Nothing here", []) == [[("Nothing here", False)]]


def test_coding_form_shows_confirmed_ticked_and_suggestions_marked(officer_client, world):
    w = world
    w.suggest(w.note, w.cost, 0.81, status="confirmed", source="officer")
    w.suggest(w.note, w.staffing, 0.64)
    html = text_of(officer_client.get(f"{w.base}/items/{w.note.id}"))
    assert re.search(rf'value="{w.cost.id}" checked', html)
    assert not re.search(rf'value="{w.staffing.id}" checked', html)
    assert "suggested 64%" in html
    # Children are indented under their parent.
    assert html.index(">Transport</label>") < html.index(">Buses</label>") < html.index(">Staffing</label>")
    assert "govuk-!-margin-left-6" in html


def test_coding_an_item_saves_themes_and_is_audited(officer_client, officer, world):
    w = world
    suggestion = w.suggest(w.note, w.staffing, 0.64)
    left_out = w.suggest(w.note, w.transport, 0.3)
    response = post(officer_client, f"{w.base}/items/{w.note.id}",
                    {"themes": [str(w.staffing.id), str(w.cost.id)], "stance": "", "action": "save"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/coding/items/{w.note.id}")
    db.session.expire_all()
    tags = {tag.theme_id: tag for tag in Tag.query.filter_by(item_id=w.note.id)}
    assert tags[w.staffing.id].status == "confirmed" and tags[w.staffing.id].id == suggestion.id
    assert tags[w.cost.id].source == "officer" and tags[w.cost.id].coder_id == officer.id
    assert tags[w.transport.id].status == "rejected" and tags[w.transport.id].id == left_out.id
    item = db.session.get(FeedbackItem, w.note.id)
    assert item.coded_by_id == officer.id and item.coded_at is not None
    assert AuditEvent.query.filter_by(action="item_coded", object_id=w.note.id, user_id=officer.id).count() == 1
    # No stance was chosen and none was set: no stance change is recorded.
    assert AuditEvent.query.filter_by(action="stance_corrected").count() == 0


def test_coding_keeps_confirmed_themes_that_are_no_longer_in_the_codebook(officer_client, world):
    w = world
    w.suggest(w.note, w.cost, None, status="confirmed", source="officer")
    w.cost.archived = True
    db.session.commit()
    html = text_of(officer_client.get(f"{w.base}/items/{w.note.id}"))
    assert ">Cost</label>" not in html and "Cost" in html  # not on the form, still in the tags
    post(officer_client, f"{w.base}/items/{w.note.id}", {"themes": [str(w.staffing.id)], "stance": ""})
    db.session.expire_all()
    assert {(tag.theme_id, tag.status) for tag in Tag.query.filter_by(item_id=w.note.id)} == {
        (w.cost.id, "confirmed"), (w.staffing.id, "confirmed")}


def test_coding_form_with_an_unknown_theme_shows_an_error_and_saves_nothing(officer_client, world):
    w = world
    w.suggest(w.note, w.staffing, 0.64)
    for themes in (["999999"], [str(w.cost.id), "not-a-number"]):
        response = post(officer_client, f"{w.base}/items/{w.note.id}", {"themes": themes, "stance": "support"})
        assert response.status_code == 400
        html = unescape(text_of(response))
        assert "There is a problem" in html and "Select themes from the list" in html
        assert 'href="#themes"' in html and 'id="themes"' in html
    db.session.expire_all()
    assert [(tag.theme_id, tag.status) for tag in Tag.query.filter_by(item_id=w.note.id)] == [
        (w.staffing.id, "suggested")]
    item = db.session.get(FeedbackItem, w.note.id)
    assert item.coded_at is None and item.stance is None
    assert AuditEvent.query.filter(AuditEvent.action.in_(("item_coded", "stance_corrected"))).count() == 0


def test_coding_form_with_an_unknown_stance_shows_an_error(officer_client, world):
    response = post(officer_client, f"{world.base}/items/{world.note.id}", {"themes": [], "stance": "furious"})
    assert response.status_code == 400
    assert "Select a stance from the list" in unescape(text_of(response))
    db.session.expire_all()
    assert db.session.get(FeedbackItem, world.note.id).coded_at is None


def test_stance_correction_persists_and_is_marked_officer(officer_client, officer, world):
    w = world
    response = post(officer_client, f"{w.base}/items/{w.answer_item.id}", {"themes": [], "stance": "mixed"})
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(FeedbackItem, w.answer_item.id)
    assert (item.stance, item.stance_source) == ("mixed", "officer")
    event = AuditEvent.query.filter_by(action="stance_corrected", object_id=item.id).one()
    assert event.user_id == officer.id
    assert event.detail["before"] == {"stance": "concern", "stance_source": "automatic"}
    assert event.detail["after"] == {"stance": "mixed", "stance_source": "officer"}
    html = text_of(officer_client.get(f"{w.base}/items/{item.id}"))
    assert "Mixed (set by an officer)" in html
    assert '<option selected value="mixed">' in html or '<option value="mixed" selected>' in html


def test_save_and_next_goes_to_the_next_uncoded_item(officer_client, world):
    w = world
    post(officer_client, f"{w.base}/items/{w.note.id}", {"themes": [], "stance": ""})
    response = post(officer_client, f"{w.base}/items/{w.letter_item.id}",
                    {"themes": [str(w.staffing.id)], "stance": "", "action": "next"})
    assert response.headers["Location"].endswith(f"/coding/items/{w.other_note.id}")  # the note is coded
    # The last uncoded item wraps round to the first one still uncoded.
    response = post(officer_client, f"{w.base}/items/{w.loose_item.id}", {"themes": [], "stance": "", "action": "next"})
    assert response.headers["Location"].endswith(f"/coding/items/{w.answer_item.id}")
    for item in (w.answer_item, w.other_note):
        post(officer_client, f"{w.base}/items/{item.id}", {"themes": [], "stance": ""})
    response = post(officer_client, f"{w.base}/items/{w.note.id}", {"themes": [], "stance": "", "action": "next"})
    assert response.headers["Location"].endswith("/coding/items")


# The list of items ---------------------------------------------------------------------------

def test_items_list_filters_by_coding_and_search(officer_client, world):
    w = world
    w.suggest(w.note, w.cost, 0.7)
    post(officer_client, f"{w.base}/items/{w.letter_item.id}", {"themes": [str(w.staffing.id)], "stance": ""})

    def listed(query):
        page = officer_client.get(f"{w.base}/items?{query}")
        assert page.status_code == 200, query
        return {int(number) for number in re.findall(r">Item (\d+)</a>", text_of(page))}

    everything = {w.answer_item.id, w.letter_item.id, w.note.id, w.other_note.id, w.loose_item.id}
    assert listed("") == everything
    assert listed("coded=coded") == {w.letter_item.id}
    assert listed("coded=uncoded") == everything - {w.letter_item.id}
    assert listed("coded=suggested") == {w.note.id}
    assert listed(f"theme={w.staffing.id}") == {w.letter_item.id}
    assert listed(f"theme={w.cost.id}") == {w.note.id}
    assert listed("min_confidence=60") == {w.note.id}
    assert listed("q=short+breaks") == {w.other_note.id}
    assert listed("q=%25") == {w.letter_item.id}
    assert officer_client.get(f"{w.base}/items?coded=maybe").status_code == 400


def test_items_list_pages_by_keyset(officer_client, world):
    w = world
    extra = [w._item(f"Extra point {n}", source="other") for n in range(25)]
    db.session.commit()
    first = text_of(officer_client.get(f"{w.base}/items"))
    assert "of <strong>30</strong>" in first
    next_url = unescape(re.search(r'href="([^"]*after=[^"]*)"', first).group(1))
    second = text_of(officer_client.get(next_url))
    assert "Showing <strong>26</strong> to <strong>30</strong>" in second
    assert f">Item {extra[-1].id}</a>" in second and f">Item {w.answer_item.id}</a>" not in second
    previous_url = unescape(re.search(r'href="([^"]*before=[^"]*)"', second).group(1))
    assert f">Item {w.answer_item.id}</a>" in text_of(officer_client.get(previous_url))


# The suggestions page ------------------------------------------------------------------------

def test_acceptance_figures_equal_direct_counts(officer_client, world):
    w = world
    for item, theme, status in ((w.answer_item, w.transport, "confirmed"), (w.letter_item, w.transport, "rejected"),
                                (w.note, w.transport, "confirmed"), (w.other_note, w.transport, "confirmed"),
                                (w.note, w.cost, "rejected"), (w.loose_item, w.cost, "suggested"),
                                (w.answer_item, w.staffing, "suggested")):
        w.suggest(item, theme, 0.6, status=status)
    w.suggest(w.letter_item, w.cost, None, status="confirmed", source="officer")  # not a suggestion
    figures = queries.acceptance_figures(w.consultation)

    def direct(status, theme=None):
        query = Tag.query.filter_by(source="automatic", status=status)
        return (query.filter_by(theme_id=theme.id) if theme else query).count()

    assert (figures.overall.confirmed, figures.overall.rejected, figures.overall.pending) == (
        direct("confirmed"), direct("rejected"), direct("suggested")) == (3, 2, 2)
    assert figures.overall.share == 3 / 5
    by_theme = {theme.id: acceptance for theme, acceptance in figures.by_theme}
    for theme in (w.transport, w.cost, w.staffing):
        assert (by_theme[theme.id].confirmed, by_theme[theme.id].rejected, by_theme[theme.id].pending) == (
            direct("confirmed", theme), direct("rejected", theme), direct("suggested", theme))
    assert by_theme[w.transport.id].share == 0.75 and by_theme[w.cost.id].share == 0
    assert by_theme[w.staffing.id].share is None
    html = text_of(officer_client.get(w.base))
    assert "accepted <strong>60%</strong>" in html
    assert re.search(r"Transport</th>\s*<td[^>]*>3</td>\s*<td[^>]*>1</td>\s*<td[^>]*>75%</td>", html)
    counts = queries.coding_counts(w.consultation)
    assert (counts.items, counts.coded, counts.pending_suggestions) == (5, 0, 2)


def test_suggestions_page_shows_counts_and_a_button_for_officers(officer_client, world):
    w = world
    w.suggest(w.note, w.cost, 0.6)
    html = text_of(officer_client.get(w.base))
    assert "Feedback items" in html and "Suggestions waiting for review" in html
    assert f'href="{w.base}/review"' in html
    from engage.coding.views import _suggesting

    if _suggesting() is not None:
        assert "Suggest themes" in html


def test_suggest_button_starts_the_suggester(officer_client, officer, world):
    suggesting = pytest.importorskip("engage.coding.suggesting")
    from engage.models import BackgroundJob

    w = world
    for item, theme in ((w.answer_item, w.transport), (w.letter_item, w.staffing)):
        post(officer_client, f"{w.base}/items/{item.id}", {"themes": [str(theme.id)], "stance": ""})
    response = post(officer_client, f"{w.base}/suggest", {})
    assert response.status_code == 302
    job = BackgroundJob.query.filter_by(consultation_id=w.consultation.id, kind=suggesting.SUGGEST_JOB).one()
    assert job.created_by_id == officer.id
    html = text_of(officer_client.get(w.base))
    if job.status == "done":
        assert "Latest run" in html and "Suggest again (retrain)" in html
    assert "Items considered" in html or "did not finish" in html


def test_nav_links_to_the_coding_screens(officer_client, world):
    html = text_of(officer_client.get(f"/staff/consultations/{world.consultation.id}"))
    assert ">Review suggestions</a>" in html and ">Code feedback</a>" in html


def test_response_model_is_untouched_by_reading(officer_client, world):
    """Reading the coding pages changes nothing."""
    before = AuditEvent.query.count()
    for url in ("", "/review", "/items", f"/items/{world.note.id}", "/review/accept"):
        assert officer_client.get(world.base + url).status_code == 200, url
    assert AuditEvent.query.count() == before
    assert Response.query.count() == 1
