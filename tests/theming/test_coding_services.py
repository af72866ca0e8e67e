"""The shared coding decisions: confirm, reject, add, remove, and bulk confirm."""
from engage.coding import services
from engage.extensions import db
from engage.models import AuditEvent, FeedbackItem, Tag, Theme
from tests.factories import make_consultation, make_user


def _setup():
    consultation = make_consultation(title="Coding")
    officer = make_user("officer")
    themes = [Theme(consultation_id=consultation.id, name=name) for name in ("Transport", "Staffing", "Cost")]
    items = [FeedbackItem(consultation_id=consultation.id, text=f"Point {n}", source="other") for n in range(3)]
    db.session.add_all(themes + items)
    db.session.flush()
    return consultation, officer, themes, items


def test_set_item_themes_confirms_rejects_adds_and_removes(app):
    consultation, officer, (transport, staffing, cost), (item, *_) = _setup()
    item.tags.append(Tag(theme_id=transport.id, source="automatic", status="suggested", confidence=0.7))
    item.tags.append(Tag(theme_id=staffing.id, source="automatic", status="suggested", confidence=0.4))
    db.session.flush()
    changes = services.set_item_themes(item, [transport.id, cost.id], officer)
    assert changes == {"confirmed": [transport.id], "rejected": [staffing.id], "added": [cost.id], "removed": []}
    by_theme = {tag.theme_id: tag for tag in item.tags}
    assert by_theme[transport.id].status == "confirmed" and by_theme[transport.id].source == "automatic"
    assert by_theme[staffing.id].status == "rejected" and by_theme[staffing.id].coder_id == officer.id
    assert by_theme[cost.id].source == "officer"
    assert item.coded_at is not None and item.coded_by_id == officer.id
    # Coding again with nothing chosen removes the confirmed tags; the rejection stays on record.
    changes = services.set_item_themes(item, [], officer)
    assert sorted(changes["removed"]) == sorted([transport.id, cost.id])
    db.session.commit()
    assert [(tag.theme_id, tag.status) for tag in Tag.query.filter_by(item_id=item.id)] == [(staffing.id, "rejected")]
    assert AuditEvent.query.filter_by(action="item_coded", object_id=item.id).count() == 2


def test_second_pass_leaves_the_first_alone(app):
    consultation, officer, (transport, staffing, _), (item, *_) = _setup()
    services.set_item_themes(item, [transport.id], officer)
    second = make_user("officer")
    services.set_item_themes(item, [staffing.id], second, coding_pass="second")
    db.session.commit()
    passes = {(tag.coding_pass, tag.theme_id) for tag in Tag.query.filter_by(item_id=item.id)}
    assert passes == {("primary", transport.id), ("second", staffing.id)}
    assert db.session.get(FeedbackItem, item.id).coded_by_id == officer.id


def test_confirm_theme_on_items_confirms_suggestions_and_adds_the_rest(app):
    consultation, officer, (transport, *_), items = _setup()
    items[0].tags.append(Tag(theme_id=transport.id, source="automatic", status="suggested", confidence=0.9))
    db.session.flush()
    assert services.confirm_theme_on_items(transport, [item.id for item in items], officer, reason="campaign") == 3
    db.session.commit()
    tags = Tag.query.filter_by(theme_id=transport.id).order_by(Tag.item_id).all()
    assert [(tag.source, tag.status) for tag in tags] == [("automatic", "confirmed"), ("officer", "confirmed"),
                                                          ("officer", "confirmed")]
    event = AuditEvent.query.filter_by(action="theme_confirmed_on_items").one()
    assert event.detail["items"] == 3 and event.detail["reason"] == "campaign"
