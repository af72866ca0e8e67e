"""Every figure in the statement equals a direct count of the database (Hypothesis, random consultations).

The direct counts are written the plain way: load this small consultation's rows and
count them in Python, independently of the builder's grouped SQL.
"""
import json
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.extensions import db
from engage.models import (
    Consultation, EqualityMonitoring, FeedbackItem, Response, StakeholderGroup, Tag, Theme, utcnow,
)
from engage.publishing import suppression
from engage.publishing.quotes import is_publishable
from engage.publishing.statement import build_statement
from tests.factories import make_consultation

STANCES = (None, "support", "concern", "mixed", "neutral")
LOCALITY_CHOICES = (0, 1, "outside", "prefer_not_to_say", "")
# Themes: 0 "Access" with child 1 "Transport" and grandchild 2 "Buses"; 3 "Carers"; 4 archived.
THEME_COUNT = 5

tags = st.dictionaries(
    st.integers(0, THEME_COUNT - 1),
    st.tuples(st.sampled_from(("confirmed", "confirmed", "suggested", "rejected")),
              st.sampled_from(("officer", "automatic"))),
    max_size=3)
item = st.fixed_dictionaries({
    "speaks_for": st.integers(1, 6),
    "stance": st.sampled_from(STANCES),
    "withheld": st.booleans(),
    "coded": st.booleans(),
    "tags": tags,
    "second": st.sets(st.integers(0, THEME_COUNT - 1), max_size=2),
})
equality = st.fixed_dictionaries({
    "age_band": st.sampled_from(("", "16 to 24", "65 to 74", "prefer_not_to_say", "Unlisted band")),
    "sex": st.sampled_from(("", "Female", "Male")),
})
response = st.fixed_dictionaries({
    "status": st.sampled_from(("submitted", "submitted", "submitted", "draft", "withdrawn")),
    "consent": st.sampled_from((None, "publish_named", "publish_anonymous", "do_not_publish")),
    "respondent_type": st.sampled_from(("individual", "organisation")),
    "groups": st.sets(st.integers(0, 2), max_size=3),
    "locality": st.sampled_from(LOCALITY_CHOICES),
    "channel": st.sampled_from(("online", "paper", "email")),
    "items": st.lists(item, max_size=3),
    "equality": st.one_of(st.none(), equality),
})
consultation_spec = st.fixed_dictionaries({
    "responses": st.lists(response, max_size=14),
    "notes": st.lists(item, max_size=4),
})

WORDS = ("buses", "carers", "breaks", "clinic", "transport", "evening", "respite", "home", "support")


def _text(index):
    return f"Comment {index}: " + " ".join(WORDS[(index + k) % len(WORDS)] for k in range(4))


def _create(spec):
    """A consultation made from the spec (through the models, as imports and the journey would)."""
    consultation = make_consultation(title="Property", status="analysing", with_draft=True)
    groups = list(consultation.stakeholder_groups)[:3]
    localities = list(consultation.localities)
    themes = []
    for index in range(THEME_COUNT):
        parent = {1: 0, 2: 1}.get(index)
        theme = Theme(consultation_id=consultation.id, name=f"Theme {index}", position=index,
                      parent_id=themes[parent].id if parent is not None else None, archived=index == 4)
        db.session.add(theme)
        db.session.flush()
        themes.append(theme)
    counter = 0

    def add_item(item_spec, response=None):
        nonlocal counter
        counter += 1
        feedback = FeedbackItem(consultation_id=consultation.id, response_id=response.id if response else None,
                                source="answer" if response else "event_note", text=_text(counter),
                                speaks_for=item_spec["speaks_for"], stance=item_spec["stance"],
                                withheld=item_spec["withheld"], coded_at=utcnow() if item_spec["coded"] else None)
        db.session.add(feedback)
        db.session.flush()
        for theme_index, (status, source) in item_spec["tags"].items():
            db.session.add(Tag(item_id=feedback.id, theme_id=themes[theme_index].id, status=status, source=source,
                               confidence=0.7 if source == "automatic" else None))
        for theme_index in item_spec["second"]:
            db.session.add(Tag(item_id=feedback.id, theme_id=themes[theme_index].id, status="confirmed",
                               coding_pass="second"))

    for number, response_spec in enumerate(spec["responses"]):
        locality = response_spec["locality"]
        response = Response(
            consultation_id=consultation.id, reference=f"P{consultation.id}-{number}",
            status=response_spec["status"], consent=response_spec["consent"],
            respondent_type=response_spec["respondent_type"], channel=response_spec["channel"],
            organisation_name=f"Org {number % 3}" if response_spec["respondent_type"] == "organisation" else "",
            respondent_name=f"Person {number}",
            locality_id=localities[locality].id if isinstance(locality, int) else None,
            locality_other=locality if isinstance(locality, str) else "",
            submitted_at=utcnow() if response_spec["status"] != "draft" else None)
        response.groups = [groups[index] for index in sorted(response_spec["groups"])]
        db.session.add(response)
        db.session.flush()
        for item_spec in response_spec["items"]:
            add_item(item_spec, response)
        if response_spec["equality"] is not None:
            db.session.add(EqualityMonitoring(consultation_id=consultation.id, response_id=response.id,
                                              **response_spec["equality"]))
    for item_spec in spec["notes"]:
        add_item(item_spec)
    db.session.commit()
    return consultation


def _locality_key(response):
    if response.locality_id is not None:
        return response.locality_id
    if response.locality_other in ("outside", "prefer_not_to_say"):
        return response.locality_other
    return "not_given"


def _check_cell(cell, direct, where):
    """A cell shows the direct count, or is suppressed exactly when it must be (or to protect another)."""
    if suppression.is_small(direct):
        assert (cell["count"], cell["suppressed"]) == (None, True), where
    elif not cell["suppressed"]:
        assert cell["count"] == direct, where


def _check(consultation):
    content = build_statement(consultation)
    json.dumps(content)  # JSON-serialisable as stored
    responses = Response.query.filter_by(consultation_id=consultation.id).all()
    submitted = [row for row in responses if row.status == "submitted"]
    by_id = {row.id: row for row in responses}
    items = FeedbackItem.query.filter_by(consultation_id=consultation.id).all()
    counted = [row for row in items if row.response_id is None or by_id[row.response_id].status == "submitted"]
    figures = content["figures"]
    assert figures["responses"] == len(submitted)
    assert figures["individual_responses"] == sum(row.respondent_type == "individual" for row in submitted)
    assert figures["organisation_responses"] == sum(row.respondent_type == "organisation" for row in submitted)
    assert figures["items"] == len(counted)
    assert figures["people"] == len(submitted) + sum(row.speaks_for for row in counted if row.response_id is None)

    who = content["who"]
    assert {row["key"]: row["count"] for row in who["by_group"]} == {
        group.id: sum(group in row.groups for row in submitted)
        for group in StakeholderGroup.query.filter_by(consultation_id=consultation.id)}
    localities = defaultdict(int)
    for row in submitted:
        localities[_locality_key(row)] += 1
    assert {row["key"]: row["count"] for row in who["by_locality"]} == {
        row["key"]: localities.get(row["key"], 0) for row in who["by_locality"]}
    assert sum(row["count"] for row in who["by_locality"]) == len(submitted)
    assert {row["key"]: row["count"] for row in who["by_channel"]} == {
        channel: sum(row.channel == channel for row in submitted) for channel in {row.channel for row in submitted}}

    forms = [row for row in EqualityMonitoring.query.filter_by(consultation_id=consultation.id)
             if by_id[row.response_id].status == "submitted"]
    assert who["equality"]["respondents"] == len(forms)
    for table in who["equality"]["tables"]:
        for row in table["rows"]:
            label = {"Prefer not to say": "prefer_not_to_say", "Not answered": ""}.get(row["label"], row["label"])
            direct = sum(getattr(form, table["key"]) == label for form in forms)
            _check_cell(row, direct, (table["key"], row["label"]))
        hidden = [row for row in table["rows"] if row["suppressed"]]
        assert len(hidden) != 1, "a single hidden cell could be worked out from the total"

    themes = Theme.query.filter_by(consultation_id=consultation.id).all()
    children = defaultdict(list)
    for theme in themes:
        children[theme.parent_id].append(theme.id)

    def below(theme_id):
        return [theme_id] + [found for child in children[theme_id] for found in below(child)]

    tags = Tag.query.filter(Tag.item_id.in_([row.id for row in items])).all() if items else []
    entries = [entry for top in content["what_people_said"]["themes"] for entry in (top, *top["children"])]
    live = {theme.id for theme in themes if not theme.archived}
    assert {entry["id"] for entry in entries} == live
    for entry in entries:
        ids = set(below(entry["id"]))
        raised = {tag.item_id for tag in tags
                  if tag.theme_id in ids and tag.status == "confirmed" and tag.coding_pass == "primary"}
        theme_items = [row for row in counted if row.id in raised]
        assert entry["items"] == len(theme_items)
        people = {}
        for row in theme_items:
            key = ("response", row.response_id) if row.response_id else ("note", row.id)
            people[key] = max(people.get(key, 0), row.speaks_for) if key[0] == "response" else row.speaks_for
        assert entry["people"] == sum(people.values())
        theme_responses = {row.response_id for row in theme_items if row.response_id}
        assert entry["respondents"] == len(theme_responses)
        assert entry["notes"] == sum(row.response_id is None for row in theme_items)
        for stance in ("support", "concern", "mixed", "neutral"):
            assert entry["stance"][stance] == sum(row.stance == stance for row in theme_items)
        assert entry["stance"]["not_recorded"] == sum(row.stance is None for row in theme_items)
        for cell in entry["by_group"]:
            direct = sum(any(group.id == cell["key"] for group in by_id[response_id].groups)
                         for response_id in theme_responses)
            _check_cell(cell, direct, (entry["name"], cell["label"]))
        for cell in entry["by_locality"]:
            direct = sum(_locality_key(by_id[response_id]) == cell["key"] for response_id in theme_responses)
            _check_cell(cell, direct, (entry["name"], cell["label"]))
        for quote in entry["quotes"]:
            quoted = db.session.get(FeedbackItem, quote["item_id"])
            assert is_publishable(quoted) and quoted.id in raised

    method = content["annexes"]["method"]
    assert method["items"] == len(counted)
    primary_confirmed = {tag.item_id for tag in tags if tag.status == "confirmed" and tag.coding_pass == "primary"}
    assert method["coded_items"] == sum(row.coded_at is not None or row.id in primary_confirmed for row in counted)
    assert method["withheld_items"] == sum(row.withheld for row in counted)
    counted_ids = {row.id for row in counted}
    automatic = [tag for tag in tags if tag.source == "automatic" and tag.coding_pass == "primary"
                 and tag.item_id in counted_ids]
    assert method["suggestions"] == {
        "made": len(automatic), "accepted": sum(tag.status == "confirmed" for tag in automatic),
        "rejected": sum(tag.status == "rejected" for tag in automatic),
        "pending": sum(tag.status == "suggested" for tag in automatic)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=consultation_spec)
def test_every_figure_equals_a_direct_count(app, spec):
    consultation = _create(spec)
    try:
        _check(consultation)
    finally:
        db.session.rollback()
        db.session.delete(db.session.get(Consultation, consultation.id))
        db.session.commit()
