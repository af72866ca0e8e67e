"""The codebook screens: add, edit, order, merge, split, archive and restore themes; starter codebooks."""
import re

import pytest
from sqlalchemy import event

from engage.analysis import CodebookMatcher
from engage.codebook import starters
from engage.coding.services import live_themes
from engage.extensions import db
from engage.models import AuditEvent, FeedbackItem, Membership, Tag, Theme
from tests.conftest import login
from tests.factories import make_consultation, make_user


@pytest.fixture
def consultation(app, officer):
    """A consultation with a draft plan (three numbered sections and an introduction)."""
    return make_consultation(title="Older people's plan", user=officer, with_draft=True)


def _url(consultation, suffix=""):
    return f"/staff/consultations/{consultation.id}/themes{suffix}"


def _theme(consultation, name, parent=None, **fields):
    theme = Theme(consultation_id=consultation.id, name=name, parent_id=parent.id if parent else None, **fields)
    db.session.add(theme)
    db.session.commit()
    return theme


def _items(consultation, count, text="Point"):
    items = [FeedbackItem(consultation_id=consultation.id, text=f"{text} {n}", source="other") for n in range(count)]
    db.session.add_all(items)
    db.session.commit()
    return items


def _tag(item, theme, status="confirmed", coding_pass="primary", source="officer", confidence=None):
    tag = Tag(item_id=item.id, theme_id=theme.id, status=status, coding_pass=coding_pass, source=source,
              confidence=confidence)
    db.session.add(tag)
    db.session.commit()
    return tag


def _confirmed_items(theme_id, coding_pass="primary"):
    return {tag.item_id for tag in Tag.query.filter_by(theme_id=theme_id, status="confirmed",
                                                       coding_pass=coding_pass)}


def _error_next_to(page, field_id):
    """The error message shown next to a field (GOV.UK puts it in <p id="FIELD-error">)."""
    match = re.search(rf'<p id="{field_id}-error" class="govuk-error-message">\s*'
                      r'<span class="govuk-visually-hidden">Error:</span>(.*?)</p>', page, re.S)
    return match.group(1).strip() if match else None


def _reviewer_client(app, consultation):
    reviewer = make_user("reviewer")
    db.session.add(Membership(user=reviewer, consultation=consultation, role="reviewer"))
    db.session.commit()
    client = app.test_client()
    assert login(client, reviewer).status_code == 302
    return client


# Adding and editing -----------------------------------------------------------------------------

def test_add_a_theme_and_a_sub_theme(officer_client, consultation, officer):
    response = officer_client.post(_url(consultation, "/new"), data={
        "name": "  Transport ", "description": "Getting to services.", "keywords": "bus\n\n Bus \ncommunity  transport\n",
        "parent_id": ""})
    assert response.status_code == 302
    transport = Theme.query.filter_by(consultation_id=consultation.id, name="Transport").one()
    assert transport.keywords == "bus\ncommunity transport"
    assert transport.parent_id is None
    page = officer_client.get(_url(consultation, "/new") + f"?parent={transport.id}").get_data(as_text=True)
    assert f'<option value="{transport.id}" selected>Transport</option>' in page
    response = officer_client.post(_url(consultation, "/new"), data={"name": "Parking", "parent_id": str(transport.id)})
    assert response.status_code == 302
    parking = Theme.query.filter_by(name="Parking").one()
    assert parking.parent_id == transport.id
    page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Theme “Parking” added." in page
    assert "bus, community transport" in page
    # The sub-theme is listed inside its parent's list.
    assert re.search(rf'id="theme-{transport.id}".*?Sub-themes of Transport.*?id="theme-{parking.id}"', page, re.S)
    audit = AuditEvent.query.filter_by(action="theme_created").order_by(AuditEvent.id).all()
    assert [event.object_id for event in audit] == [transport.id, parking.id]
    assert audit[0].user_id == officer.id and audit[0].consultation_id == consultation.id


@pytest.mark.parametrize("name,message", [
    ("", "Enter a name for the theme"),
    ("   ", "Enter a name for the theme"),
    ("x" * 201, "Name must be 200 characters or fewer"),
    ("transport", "There is already a theme called “Transport” at the top level. Choose a different name"),
])
def test_bad_theme_names_are_reported_by_the_field_and_nothing_is_saved(officer_client, consultation, name, message):
    _theme(consultation, "Transport")
    response = officer_client.post(_url(consultation, "/new"), data={
        "name": name, "description": "Typed description", "keywords": "typed keyword", "parent_id": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert _error_next_to(page, "name") == message
    assert 'href="#name"' in page
    # What was typed is kept.
    assert "Typed description" in page and "typed keyword" in page
    if name.strip():
        assert f'value="{name}"' in page
    assert Theme.query.filter_by(consultation_id=consultation.id).count() == 1
    assert AuditEvent.query.filter_by(action="theme_created").count() == 0


def test_a_name_may_repeat_under_a_different_parent_but_not_under_the_same(officer_client, consultation):
    transport, staffing = _theme(consultation, "Transport"), _theme(consultation, "Staffing")
    _theme(consultation, "Rural", parent=transport)
    assert officer_client.post(_url(consultation, "/new"), data={
        "name": "Rural", "parent_id": str(staffing.id)}).status_code == 302
    response = officer_client.post(_url(consultation, "/new"), data={"name": "RURAL", "parent_id": str(transport.id)})
    assert response.status_code == 400
    assert _error_next_to(response.get_data(as_text=True), "name") == (
        "There is already a theme called “Rural” under that theme. Choose a different name")
    assert Theme.query.filter_by(name="Rural").count() == 2


def test_an_archived_theme_still_takes_its_name(officer_client, consultation):
    _theme(consultation, "Transport", archived=True)
    response = officer_client.post(_url(consultation, "/new"), data={"name": "Transport", "parent_id": ""})
    assert response.status_code == 400
    assert "“Transport” (archived)" in _error_next_to(response.get_data(as_text=True), "name")


def test_edit_renames_moves_and_audits(officer_client, consultation):
    transport, access = _theme(consultation, "Transport", keywords="bus"), _theme(consultation, "Access")
    page = officer_client.get(_url(consultation, f"/{transport.id}/edit")).get_data(as_text=True)
    assert 'value="Transport"' in page and ">bus</textarea>" in page.replace("\n", "")
    response = officer_client.post(_url(consultation, f"/{transport.id}/edit"), data={
        "name": "Transport and travel", "description": "", "keywords": "bus\ntaxi", "parent_id": str(access.id)})
    assert response.status_code == 302
    db.session.expire_all()
    theme = db.session.get(Theme, transport.id)
    assert (theme.name, theme.parent_id, theme.keywords) == ("Transport and travel", access.id, "bus\ntaxi")
    event = AuditEvent.query.filter_by(action="theme_updated").one()
    assert event.detail["changes"]["name"] == {"from": "Transport", "to": "Transport and travel"}
    assert set(event.detail["changes"]) == {"name", "parent_id", "keywords"}


def test_saving_unchanged_says_so_and_writes_no_audit(officer_client, consultation):
    transport = _theme(consultation, "Transport")
    response = officer_client.post(_url(consultation, f"/{transport.id}/edit"),
                                   data={"name": "Transport", "parent_id": ""}, follow_redirects=True)
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert AuditEvent.query.filter_by(action="theme_updated").count() == 0


@pytest.mark.parametrize("parent", ["self", "child", "grandchild"])
def test_edit_cannot_make_a_cycle(officer_client, consultation, parent):
    top = _theme(consultation, "Services")
    child = _theme(consultation, "Transport", parent=top)
    grandchild = _theme(consultation, "Buses", parent=child)
    chosen = {"self": top, "child": child, "grandchild": grandchild}[parent]
    # The form does not offer them...
    page = officer_client.get(_url(consultation, f"/{top.id}/edit")).get_data(as_text=True)
    assert f'<option value="{chosen.id}"' not in page
    # ...and refuses them if sent anyway.
    response = officer_client.post(_url(consultation, f"/{top.id}/edit"),
                                   data={"name": "Services", "parent_id": str(chosen.id)})
    assert response.status_code == 400
    assert _error_next_to(response.get_data(as_text=True), "parent_id") == (
        "A theme cannot go under itself or one of its own sub-themes. Choose a different theme to put it under")
    db.session.expire_all()
    assert db.session.get(Theme, top.id).parent_id is None


def test_move_up_and_down_among_siblings(officer_client, consultation):
    first, second, third = (_theme(consultation, name, position=n) for n, name in enumerate(("Access theme", "Buildings theme", "Carers theme")))
    assert officer_client.post(_url(consultation, f"/{third.id}/move"), data={"direction": "up"}).status_code == 302
    assert [theme.name for theme in live_themes(consultation)] == ["Access theme", "Carers theme", "Buildings theme"]
    officer_client.post(_url(consultation, f"/{first.id}/move"), data={"direction": "down"})
    assert [theme.name for theme in live_themes(consultation)] == ["Carers theme", "Access theme", "Buildings theme"]
    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    assert page.index(">Carers theme<") < page.index(">Access theme<") < page.index(">Buildings theme<")
    assert AuditEvent.query.filter_by(action="theme_moved").count() == 2


# The codebook page ------------------------------------------------------------------------------

def test_the_codebook_shows_counts_archived_and_merged_themes(officer_client, consultation):
    transport = _theme(consultation, "Transport", description="Getting about.")
    parking = _theme(consultation, "Parking", parent=transport)
    _theme(consultation, "Old theme", archived=True)
    gone = _theme(consultation, "Buses", merged_into_id=transport.id, archived=True)
    one, two, three = _items(consultation, 3)
    _tag(one, transport)
    _tag(two, transport)
    _tag(three, transport, status="suggested", source="automatic", confidence=0.6)
    _tag(three, parking, status="rejected")
    _tag(one, transport, coding_pass="second")
    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    assert "2 items confirmed · 1 suggestion to review" in page.split(f'id="counts-{transport.id}"')[1][:200]
    assert "0 items confirmed · 0 suggestions to review" in page.split(f'id="counts-{parking.id}"')[1][:200]
    assert "Getting about." in page
    archived = page.split('id="archived-themes"')[1].split("</table>")[0]
    assert "Old theme" in archived and "Restore" in archived and "Transport" not in archived
    merged = page.split('id="merged-themes"')[1]
    assert "Buses: merged into" in merged and f'href="#theme-{transport.id}">Transport</a>' in merged
    assert f'id="theme-{gone.id}"' not in page.split('id="codebook"')[1].split('id="archived"')[0]


def test_the_codebook_counts_tags_in_one_query_however_many_themes(officer_client, consultation):
    def statements_for_page(count):
        for n in range(count):
            theme = _theme(consultation, f"Theme {count}-{n}")
            _tag(_items(consultation, 1)[0], theme)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert officer_client.get(_url(consultation)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len([sql for sql in statements if "tag" in sql.lower()])

    few = statements_for_page(2)
    many = statements_for_page(20)
    assert few == many


def test_an_empty_codebook_offers_the_starters(officer_client, consultation):
    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    assert "There are no themes yet." in page
    assert f'href="/staff/consultations/{consultation.id}/themes/starters"' in page


def test_the_consultation_menu_links_to_the_themes(app, consultation):
    client = _reviewer_client(app, consultation)
    page = client.get(f"/staff/consultations/{consultation.id}").get_data(as_text=True)
    assert f'href="/staff/consultations/{consultation.id}/themes">Themes</a>' in page
    assert "{# theming links #}" not in page


# Merging ----------------------------------------------------------------------------------------

def test_merge_keeps_every_tagged_item(officer_client, consultation, officer):
    source, target = _theme(consultation, "Buses"), _theme(consultation, "Transport")
    child = _theme(consultation, "Bus passes", parent=source)
    items = _items(consultation, 7)
    _tag(items[0], source)                                       # only the source
    _tag(items[1], target)                                       # only the target
    _tag(items[2], source)                                       # both, confirmed on the source
    _tag(items[2], target, status="suggested", source="automatic", confidence=0.5)
    _tag(items[3], source, status="suggested", source="automatic", confidence=0.8)
    _tag(items[3], target)                                       # both, confirmed on the target
    _tag(items[4], source, status="suggested", source="automatic", confidence=0.7)
    _tag(items[4], target, status="rejected")                    # suggested beats rejected
    _tag(items[5], source, coding_pass="second")                 # second pass follows too
    _tag(items[6], source, status="suggested", source="automatic", confidence=0.55)
    before_primary = _confirmed_items(source.id) | _confirmed_items(target.id)
    before_second = _confirmed_items(source.id, "second") | _confirmed_items(target.id, "second")

    page = officer_client.get(_url(consultation, f"/{source.id}/merge")).get_data(as_text=True)
    assert "“Buses” has 2 confirmed items and 3 suggestions to review, and 1 sub-theme." in page
    response = officer_client.post(_url(consultation, f"/{source.id}/merge"), data={"into": str(target.id)})
    assert response.status_code == 302
    db.session.expire_all()

    assert _confirmed_items(target.id) == before_primary == {items[0].id, items[1].id, items[2].id, items[3].id}
    assert _confirmed_items(target.id, "second") == before_second == {items[5].id}
    assert Tag.query.filter_by(theme_id=source.id).count() == 0
    statuses = {tag.item_id: (tag.status, tag.source, tag.confidence)
                for tag in Tag.query.filter_by(theme_id=target.id, coding_pass="primary")}
    assert statuses[items[4].id] == ("suggested", "automatic", 0.7)
    assert statuses[items[6].id] == ("suggested", "automatic", 0.55)
    assert statuses[items[2].id][0] == "confirmed"
    merged = db.session.get(Theme, source.id)
    assert merged.merged_into_id == target.id and merged.archived
    assert db.session.get(Theme, child.id).parent_id == target.id
    assert source.id not in {theme.id for theme in live_themes(consultation)}
    event = AuditEvent.query.filter_by(action="themes_merged").one()
    assert event.detail["target_id"] == target.id and event.user_id == officer.id
    assert event.detail["items"] == 6 and event.detail["tags_dropped"] == 3
    assert event.detail["children_moved"] == 1
    page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "“Buses” merged into “Transport”: 6 items now tagged with “Transport”." in page
    assert "Buses: merged into" in page


def test_merge_combines_sub_themes_with_the_same_name(officer_client, consultation):
    source, target = _theme(consultation, "Buses"), _theme(consultation, "Transport")
    source_child, target_child = _theme(consultation, "Rural", parent=source), _theme(consultation, "Rural", parent=target)
    one, two = _items(consultation, 2)
    _tag(one, source_child)
    _tag(two, target_child)
    assert officer_client.post(_url(consultation, f"/{source.id}/merge"),
                               data={"into": str(target.id)}).status_code == 302
    db.session.expire_all()
    assert _confirmed_items(target_child.id) == {one.id, two.id}
    assert db.session.get(Theme, source_child.id).merged_into_id == target_child.id
    assert [theme.name for theme in live_themes(consultation)] == ["Rural", "Transport"]


def test_merge_into_a_parent(officer_client, consultation):
    parent = _theme(consultation, "Transport")
    child = _theme(consultation, "Buses", parent=parent)
    grandchild = _theme(consultation, "Timetables", parent=child)
    item = _items(consultation, 1)[0]
    _tag(item, child)
    assert officer_client.post(_url(consultation, f"/{child.id}/merge"), data={"into": str(parent.id)}).status_code == 302
    db.session.expire_all()
    assert _confirmed_items(parent.id) == {item.id}
    assert db.session.get(Theme, grandchild.id).parent_id == parent.id


@pytest.mark.parametrize("choice,message", [
    ("", "Select the theme to merge into"),
    ("self", "Select the theme to merge into from the list"),
    ("child", "A theme cannot be merged into one of its own sub-themes; merge the sub-theme into this theme instead"),
    ("archived", "Select a theme that is not archived or merged"),
    ("99999", "Select the theme to merge into from the list"),
])
def test_bad_merges_are_refused(officer_client, consultation, choice, message):
    source = _theme(consultation, "Buses")
    child = _theme(consultation, "Timetables", parent=source)
    archived = _theme(consultation, "Old", archived=True)
    _theme(consultation, "Transport")
    value = {"self": str(source.id), "child": str(child.id), "archived": str(archived.id)}.get(choice, choice)
    if choice == "self":
        message = "Select a different theme to merge into"
    response = officer_client.post(_url(consultation, f"/{source.id}/merge"), data={"into": value})
    assert response.status_code == 400
    assert _error_next_to(response.get_data(as_text=True), "into") == message
    db.session.expire_all()
    assert db.session.get(Theme, source.id).merged_into_id is None
    assert AuditEvent.query.filter_by(action="themes_merged").count() == 0


def test_a_merged_theme_cannot_be_changed_again(officer_client, consultation):
    target = _theme(consultation, "Transport")
    gone = _theme(consultation, "Buses", merged_into_id=target.id, archived=True)
    for suffix in ("edit", "merge", "split"):
        response = officer_client.get(_url(consultation, f"/{gone.id}/{suffix}"))
        assert response.status_code == 302, suffix
    response = officer_client.post(_url(consultation, f"/{gone.id}/restore"), follow_redirects=True)
    assert "“Buses” was merged into “Transport”. Change that theme instead." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Theme, gone.id).archived


# Splitting --------------------------------------------------------------------------------------

def test_split_moves_exactly_the_chosen_items(officer_client, consultation, officer):
    transport = _theme(consultation, "Transport")
    items = _items(consultation, 60, text="Buses and parking")
    for n, item in enumerate(items):
        if n % 3 == 0:
            _tag(item, transport, status="suggested", source="automatic", confidence=0.61)
        else:
            _tag(item, transport)
    other = _items(consultation, 1)[0]  # not tagged: never on the page
    page = officer_client.get(_url(consultation, f"/{transport.id}/split")).get_data(as_text=True)
    assert page.count('name="items"') == 50
    assert "Items to move: 1 to 50 of 60" in page
    assert "suggested (automatic, 61%)" in page
    assert f'value="{other.id}"' not in page
    next_link = re.search(r'href="([^"]*after=\d+[^"]*)"', page).group(1).replace("&amp;", "&")
    second_page = officer_client.get(next_link).get_data(as_text=True)
    assert second_page.count('name="items"') == 10 and "Items to move: 51 to 60 of 60" in second_page

    chosen = [items[0], items[1], items[2]]
    response = officer_client.post(_url(consultation, f"/{transport.id}/split"), data={
        "into": "", "name": "Parking", "description": "Car parks at clinics.", "keywords": "parking\ncar park",
        "parent_id": "", "items": [str(item.id) for item in chosen]})
    assert response.status_code == 302
    db.session.expire_all()
    parking = Theme.query.filter_by(consultation_id=consultation.id, name="Parking").one()
    assert parking.keywords == "parking\ncar park"
    moved = {tag.item_id: (tag.status, tag.source, tag.confidence) for tag in Tag.query.filter_by(theme_id=parking.id)}
    assert moved == {items[0].id: ("suggested", "automatic", 0.61), items[1].id: ("confirmed", "officer", None),
                     items[2].id: ("confirmed", "officer", None)}
    remaining = {tag.item_id for tag in Tag.query.filter_by(theme_id=transport.id)}
    assert remaining == {item.id for item in items[3:]}
    event = AuditEvent.query.filter_by(action="theme_split").one()
    assert event.detail["items"] == 3 and event.detail["new_theme"] is True and event.detail["target_id"] == parking.id
    assert AuditEvent.query.filter_by(action="theme_created", object_id=parking.id).count() == 1
    # The page comes back ready to move more items to the new theme.
    page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 items moved from “Transport” to “Parking”." in page
    assert f'<option value="{parking.id}" selected>Parking</option>' in page
    assert "Items to move: 1 to 50 of 57" in page


def test_split_into_an_existing_theme_keeps_the_stronger_tag(officer_client, consultation):
    transport, parking = _theme(consultation, "Transport"), _theme(consultation, "Parking")
    one, two, three = _items(consultation, 3)
    _tag(one, transport)
    _tag(one, parking, status="suggested", source="automatic", confidence=0.5)
    _tag(two, transport, status="rejected")
    _tag(two, parking)
    _tag(three, transport)
    response = officer_client.post(_url(consultation, f"/{transport.id}/split"),
                                   data={"into": str(parking.id), "name": "", "items": [str(one.id), str(two.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert {(tag.item_id, tag.status) for tag in Tag.query.filter_by(theme_id=parking.id)} == {
        (one.id, "confirmed"), (two.id, "confirmed")}
    assert {tag.item_id for tag in Tag.query.filter_by(theme_id=transport.id)} == {three.id}
    assert Theme.query.filter_by(consultation_id=consultation.id).count() == 2


@pytest.mark.parametrize("data,field,message", [
    ({"into": "", "name": "Parking"}, "items", "Select at least one item to move"),
    ({"into": "", "name": "", "items": "ITEM"}, "name", "Enter a name for the new theme"),
    ({"into": "", "name": "transport", "items": "ITEM"}, "name",
     "There is already a theme called “Transport” at the top level. Choose a different name"),
    ({"into": "", "name": "Parking", "items": "OTHER"}, "items", "Select at least one item to move"),
    ({"into": "SELF", "name": "", "items": "ITEM"}, "into", "Select a theme to move the items to from the list"),
])
def test_bad_splits_are_refused_and_keep_what_was_typed(officer_client, consultation, data, field, message):
    transport = _theme(consultation, "Transport")
    item, other = _items(consultation, 2)
    _tag(item, transport)
    values = {"ITEM": str(item.id), "OTHER": str(other.id), "SELF": str(transport.id)}
    data = {key: values.get(value, value) for key, value in data.items()}
    data["description"] = "Typed words"
    response = officer_client.post(_url(consultation, f"/{transport.id}/split"), data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _error_next_to(page, field) == message
    assert "Typed words" in page
    if data.get("items") == str(item.id):
        assert f'value="{item.id}" checked' in page
    assert Theme.query.filter_by(consultation_id=consultation.id).count() == 1
    assert {tag.item_id for tag in Tag.query.filter_by(theme_id=transport.id)} == {item.id}


# Archiving --------------------------------------------------------------------------------------

def test_archive_hides_from_coding_but_keeps_tags(officer_client, consultation, officer):
    transport = _theme(consultation, "Transport")
    buses = _theme(consultation, "Buses", parent=transport)
    item = _items(consultation, 1)[0]
    _tag(item, transport)
    _tag(item, buses, status="suggested", source="automatic", confidence=0.5)
    response = officer_client.post(_url(consultation, f"/{transport.id}/archive"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "“Transport” archived with 1 sub-theme." in page
    assert live_themes(consultation) == []
    assert Tag.query.filter_by(item_id=item.id).count() == 2
    archived = page.split('id="archived-themes"')[1]
    assert "Transport › Buses" in archived and "1 item confirmed" in archived
    assert AuditEvent.query.filter_by(action="theme_archived").one().detail["themes"] == 2

    response = officer_client.post(_url(consultation, f"/{transport.id}/restore"), follow_redirects=True)
    assert "“Transport” restored with 1 sub-theme." in response.get_data(as_text=True)
    assert [theme.name for theme in live_themes(consultation)] == ["Buses", "Transport"]
    assert AuditEvent.query.filter_by(action="theme_restored").one().user_id == officer.id


def test_a_live_theme_under_an_archived_one_is_still_shown(officer_client, consultation):
    transport = _theme(consultation, "Transport", archived=True)
    buses = _theme(consultation, "Buses", parent=transport)
    page = officer_client.get(_url(consultation)).get_data(as_text=True)
    tree = page.split('id="codebook"')[1].split('id="archived"')[0]
    assert f'id="theme-{buses.id}"' in tree and "Under “Transport”, which is archived." in tree


# Starter codebooks ------------------------------------------------------------------------------

def test_the_national_outcomes_starter(officer_client, consultation, officer):
    page = officer_client.get(_url(consultation, "/starters")).get_data(as_text=True)
    assert "Start from a starter codebook" in page
    assert "The nine National Health and Wellbeing Outcomes (9 themes)" in page
    response = officer_client.post(_url(consultation, "/starters"), data={"starter": "outcomes"})
    assert response.status_code == 302
    themes = live_themes(consultation)
    assert len(themes) == 9
    assert themes[0].name == "Outcome 1: Healthier living"
    assert themes[0].description == ("People are able to look after and improve their own health and wellbeing and "
                                     "live in good health for longer.")
    assert themes[8].description == ("Resources are used effectively and efficiently in the provision of health "
                                     "and social care services.")
    assert all(theme.keywords.count("\n") >= 4 for theme in themes)
    event = AuditEvent.query.filter_by(action="starter_codebook_added").one()
    assert event.detail["starter"] == "outcomes" and event.detail["added"] == 9 and event.user_id == officer.id
    # Twice adds nothing.
    response = officer_client.post(_url(consultation, "/starters"), data={"starter": "outcomes"}, follow_redirects=True)
    assert "0 themes added to the codebook. 9 themes already in the codebook left as they were." in \
        response.get_data(as_text=True)
    assert Theme.query.filter_by(consultation_id=consultation.id).count() == 9


def test_the_draft_sections_starter(officer_client, consultation):
    assert officer_client.post(_url(consultation, "/starters"), data={"starter": "sections"}).status_code == 302
    themes = live_themes(consultation)
    assert [theme.name for theme in themes] == ["Introduction", "1. Vision", "2. Carers", "3. Transport"]
    transport = themes[3]
    assert transport.description == "Getting to appointments is hard in rural areas."
    assert "transport" in transport.keywords.splitlines()
    assert "rural areas" in transport.keywords.splitlines()
    officer_client.post(_url(consultation, "/starters"), data={"starter": "sections"})
    assert Theme.query.filter_by(consultation_id=consultation.id).count() == 4


def test_the_common_themes_starter_adds_to_an_existing_codebook(officer_client, consultation):
    _theme(consultation, "Transport", keywords="bus")
    page = officer_client.get(_url(consultation, "/starters")).get_data(as_text=True)
    assert "Add themes from a starter codebook" in page
    assert "Transport <span class=\"govuk-hint govuk-!-display-inline\">(already in the codebook, left out)" in page
    response = officer_client.post(_url(consultation, "/starters"), data={"starter": "common"}, follow_redirects=True)
    assert "17 themes added to the codebook. 1 theme already in the codebook left as they were." in \
        response.get_data(as_text=True)
    names = [theme.name for theme in live_themes(consultation)]
    assert len(names) == len(starters.COMMON_THEMES) == 18
    assert names.count("Transport") == 1
    assert Theme.query.filter_by(name="Transport").one().keywords == "bus"
    for expected in ("Access to services", "Carers", "Money, poverty and cost of living",
                     "Workforce retention, recruitment and training", "Service resilience and stability"):
        assert expected in names
    officer_client.post(_url(consultation, "/starters"), data={"starter": "common"})
    assert Theme.query.filter_by(consultation_id=consultation.id).count() == 18


def test_starter_themes_let_the_codebook_matcher_suggest(app, consultation, officer):
    from engage.codebook import services

    services.add_starter_codebook(consultation, "common", officer)
    services.add_starter_codebook(consultation, "outcomes", officer)
    db.session.commit()
    codebook = [{"id": theme.id, "name": theme.name, "description": theme.description,
                 "keywords": theme.keywords.splitlines()} for theme in live_themes(consultation)]
    matcher = CodebookMatcher(codebook)
    names = {theme.id: theme.name for theme in live_themes(consultation)}
    cases = {
        "There is no bus to the hospital after six and parking costs a fortune": "Transport",
        "As an unpaid carer I never get a short break": "Carers",
        "Care homes cannot recruit staff and agency staff cost too much": "Workforce retention, recruitment and training",
    }
    for text, expected in cases.items():
        suggested = [names[suggestion.theme] for suggestion in matcher.suggest_one(text)]
        assert expected in suggested, (text, suggested)


@pytest.mark.parametrize("starter,message", [("", "Select a starter codebook"),
                                             ("nonsense", "Select a starter codebook from the list")])
def test_a_starter_must_be_chosen(officer_client, consultation, starter, message):
    response = officer_client.post(_url(consultation, "/starters"), data={"starter": starter})
    assert response.status_code == 400
    assert _error_next_to(response.get_data(as_text=True), "starter") == message
    assert Theme.query.count() == 0


def test_no_sections_starter_without_a_draft(officer_client, officer):
    bare = make_consultation(title="No draft", user=officer)
    page = officer_client.get(_url(bare, "/starters")).get_data(as_text=True)
    assert 'value="sections"' not in page
    response = officer_client.post(_url(bare, "/starters"), data={"starter": "sections"})
    assert response.status_code == 400


# Who may do what --------------------------------------------------------------------------------

def test_a_reviewer_member_may_look_but_not_change(app, consultation):
    transport, other = _theme(consultation, "Transport"), _theme(consultation, "Staffing")
    item = _items(consultation, 1)[0]
    _tag(item, transport)
    client = _reviewer_client(app, consultation)
    page = client.get(_url(consultation)).get_data(as_text=True)
    assert "Transport" in page and "Add a theme" not in page and "Archive" not in page
    posts = {
        "/new": {"name": "Sneaky"},
        f"/{transport.id}/edit": {"name": "Renamed"},
        f"/{transport.id}/merge": {"into": str(other.id)},
        f"/{transport.id}/split": {"name": "New", "items": str(item.id)},
        f"/{transport.id}/archive": {},
        f"/{transport.id}/restore": {},
        f"/{transport.id}/move": {"direction": "down"},
        "/starters": {"starter": "outcomes"},
    }
    for suffix, data in posts.items():
        assert client.post(_url(consultation, suffix), data=data).status_code == 403, suffix
    db.session.expire_all()
    assert sorted(theme.name for theme in live_themes(consultation)) == ["Staffing", "Transport"]
    assert AuditEvent.query.filter(AuditEvent.action.like("theme%")).count() == 0


def test_another_consultations_theme_is_not_found(officer_client, consultation, officer):
    theirs = make_consultation(title="Theirs", user=officer)
    foreign = _theme(theirs, "Their theme")
    ours = _theme(consultation, "Ours")
    for suffix in ("edit", "merge", "split"):
        assert officer_client.get(_url(consultation, f"/{foreign.id}/{suffix}")).status_code == 404, suffix
    for suffix in ("archive", "restore", "move"):
        assert officer_client.post(_url(consultation, f"/{foreign.id}/{suffix}")).status_code == 404, suffix
    # Nor can another consultation's theme be chosen as a parent or a merge target.
    response = officer_client.post(_url(consultation, "/new"), data={"name": "Child", "parent_id": str(foreign.id)})
    assert response.status_code == 400
    response = officer_client.post(_url(consultation, f"/{ours.id}/merge"), data={"into": str(foreign.id)})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Theme, foreign.id).archived is False
    assert Theme.query.filter_by(consultation_id=consultation.id).count() == 1


def test_theme_names_are_escaped(officer_client, consultation):
    payload = '<script>alert("x")</script>'
    theme = _theme(consultation, payload, description=payload, keywords=payload)
    child = _theme(consultation, "Child", parent=theme)
    item = FeedbackItem(consultation_id=consultation.id, text=payload, source="other")
    db.session.add(item)
    db.session.commit()
    _tag(item, theme)
    _theme(consultation, "Archived " + payload, archived=True)
    for url in (_url(consultation), _url(consultation, f"/{theme.id}/edit"), _url(consultation, f"/{child.id}/edit"),
                _url(consultation, f"/{theme.id}/merge"), _url(consultation, f"/{theme.id}/split"),
                _url(consultation, "/new")):
        page = officer_client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;" in page, url
