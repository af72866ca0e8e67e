"""Second coder: drawing a blind sample, coding it without seeing the first coding, and the kappa report."""
import re

import pytest

from engage.agreement import services as agreement
from engage.coding.services import set_item_themes
from engage.extensions import db
from engage.models import AuditEvent, CodingSample, FeedbackItem, Membership, Tag, Theme
from tests.conftest import login
from tests.factories import make_consultation, make_user


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _setup(coded=10, uncoded=2, themes=("Transport", "Staffing")):
    """A consultation with `coded` items coded by a first officer and `uncoded` not yet coded."""
    consultation = make_consultation(title="Agreement")
    first = make_user("officer", name="Fiona First")
    second = make_user("officer", name="Sam Second")
    theme_rows = [Theme(consultation_id=consultation.id, name=name, position=position)
                  for position, name in enumerate(themes)]
    items = [FeedbackItem(consultation_id=consultation.id, text=f"Point number {n}", source="other")
             for n in range(coded + uncoded)]
    db.session.add_all(theme_rows + items)
    db.session.flush()
    for item in items[:coded]:
        set_item_themes(item, [], first)
    db.session.commit()
    return consultation, first, second, theme_rows, items


def _draw(client, consultation, size, seed, coder_id):
    return client.post(f"/staff/consultations/{consultation.id}/agreement/samples",
                       data={"size": size, "seed": seed, "second_coder_id": str(coder_id)})


def _value_of(page, name):
    """What a text box on the page holds."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def _sample_item_ids(sample_id):
    sample = db.session.get(CodingSample, sample_id)
    return [entry.item_id for entry in sample.items]


# Drawing a sample -----------------------------------------------------------------------------

def test_a_sample_is_drawn_only_from_coded_items_and_the_same_seed_draws_it_again(app):
    consultation, first, second, (transport, _), items = _setup(coded=8, uncoded=4)
    # Coded by a confirmed tag alone counts; a mere suggestion does not.
    items[8].tags.append(Tag(theme_id=transport.id, source="officer", status="confirmed", coding_pass="primary"))
    items[9].tags.append(Tag(theme_id=transport.id, source="automatic", status="suggested", confidence=0.8))
    db.session.commit()
    coded_ids = {item.id for item in items[:9]}
    client = _client(app, first)

    page = client.get(f"/staff/consultations/{consultation.id}/agreement").get_data(as_text=True)
    assert "from the 9 items coded so far" in page
    assert (_value_of(page, "seed") or "").isdigit(), "a random seed is shown"

    assert _draw(client, consultation, "5", "42", second.id).status_code == 302
    assert _draw(client, consultation, "5", "42", second.id).status_code == 302
    assert _draw(client, consultation, "9", "7", second.id).status_code == 302
    samples = CodingSample.query.order_by(CodingSample.id).all()
    assert [(sample.size, sample.seed, sample.second_coder_id) for sample in samples] == [
        (5, 42, second.id), (5, 42, second.id), (9, 7, second.id)]
    assert _sample_item_ids(samples[0].id) == _sample_item_ids(samples[1].id)
    assert set(_sample_item_ids(samples[0].id)) <= coded_ids
    assert set(_sample_item_ids(samples[2].id)) == coded_ids
    audit = AuditEvent.query.filter_by(action="second_coder_sample_drawn").order_by(AuditEvent.id).all()
    assert len(audit) == 3
    assert audit[0].detail["seed"] == 42 and audit[0].detail["size"] == 5
    assert audit[0].detail["second_coder_id"] == second.id and audit[0].user_id == first.id

    page = client.get(f"/staff/consultations/{consultation.id}/agreement").get_data(as_text=True)
    assert "Seed 42" in page and "0 of 5 coded" in page and "Sam Second" in page


@pytest.mark.parametrize("size,message", [
    ("0", "Number of items must be a whole number from 1 to 500"),
    ("501", "Number of items must be a whole number from 1 to 500"),
    ("11", "Only 10 items have been coded so far, so the sample can have at most 10"),
    ("ten", "Number of items must be a whole number from 1 to 500"),
    ("", "Enter the number of items to sample"),
])
def test_a_bad_sample_size_is_explained_next_to_the_field_and_nothing_is_saved(app, size, message):
    consultation, first, second, _, _ = _setup(coded=10)
    response = _draw(_client(app, first), consultation, size, "123", second.id)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert re.search(r'id="size-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*'
                     + re.escape(message), page)
    assert _value_of(page, "size") == size
    assert _value_of(page, "seed") == "123"
    assert CodingSample.query.count() == 0


def test_a_bad_seed_or_no_second_coder_is_explained_next_to_the_field(app):
    consultation, first, second, _, _ = _setup(coded=10)
    client = _client(app, first)
    response = client.post(f"/staff/consultations/{consultation.id}/agreement/samples",
                           data={"size": "5", "seed": "lucky", "second_coder_id": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="seed-error".*?Random seed must be a whole number', page, re.S)
    assert re.search(r'id="second_coder_id-error".*?Select the second coder', page, re.S)
    assert _value_of(page, "seed") == "lucky"
    facilitator = make_user("facilitator")
    response = _draw(client, consultation, "5", "1", facilitator.id)
    assert response.status_code == 400
    assert "Select the second coder from the list" in response.get_data(as_text=True)
    assert CodingSample.query.count() == 0


def test_the_second_coder_can_be_any_officer_or_an_officer_member(app):
    consultation, first, second, _, _ = _setup(coded=3)
    member = make_user("reviewer", name="Olive Member")
    facilitator = make_user("facilitator", name="Fred Facilitator")
    db.session.add_all([Membership(user=member, consultation=consultation, role="officer"),
                        Membership(user=facilitator, consultation=consultation, role="facilitator")])
    db.session.commit()
    page = _client(app, first).get(f"/staff/consultations/{consultation.id}/agreement").get_data(as_text=True)
    select = page[page.index('name="second_coder_id"'):]
    select = select[:select.index("</select>")]
    assert "Sam Second" in select and "Fiona First" in select and "Olive Member" in select
    assert "Fred Facilitator" not in select


def test_drawing_warns_when_the_second_coder_did_most_of_the_first_coding(app):
    consultation, first, second, _, _ = _setup(coded=4)
    client = _client(app, first)
    page = client.get(f"/staff/consultations/{consultation.id}/agreement").get_data(as_text=True)
    assert "Fiona First coded 4 of the 4 items coded so far" in page
    assert _draw(client, consultation, "3", "5", first.id).status_code == 302
    page = client.get(f"/staff/consultations/{consultation.id}/agreement").get_data(as_text=True)
    assert "so this is not an independent check" in page
    # Drawn anyway: the warning does not stop the officer.
    assert CodingSample.query.count() == 1


def test_a_facilitator_or_reviewer_member_cannot_draw_a_sample(app):
    consultation, first, second, _, _ = _setup(coded=3)
    for role in ("facilitator", "reviewer"):
        user = make_user(role)
        db.session.add(Membership(user=user, consultation=consultation, role=role))
        db.session.commit()
        client = _client(app, user)
        assert _draw(client, consultation, "2", "1", second.id).status_code == 403
        page = client.get(f"/staff/consultations/{consultation.id}/agreement").get_data(as_text=True)
        assert "Draw a sample" not in page
    assert CodingSample.query.count() == 0


# Blind coding ---------------------------------------------------------------------------------

def _drawn(consultation, size, second, user, seed=1):
    sample = agreement.draw_sample(consultation, size, seed, second, user)
    db.session.commit()
    return sample


def test_the_second_coder_does_not_see_the_first_coding(app):
    consultation, first, second, (transport, staffing), items = _setup(coded=1, uncoded=0)
    item = items[0]
    set_item_themes(item, [transport.id], first)
    item.tags.append(Tag(theme_id=staffing.id, source="automatic", status="suggested", confidence=0.87,
                         explanation=["nurses"]))
    item.stance, item.stance_source = "concern", "automatic"
    db.session.commit()
    sample = _drawn(consultation, 1, second, first)
    page = _client(app, second).get(f"/staff/consultations/{consultation.id}/agreement/{sample.id}/code")
    assert page.status_code == 200
    page = page.get_data(as_text=True)
    assert "Point number 0" in page and "1 of 1" in page and "0 of 1" in page
    assert "Transport" in page and "Staffing" in page  # every live theme is a checkbox
    assert "checked" not in page
    lowered = page.lower()
    for hidden in ("suggest", "0.87", "confidence", "nurses", "concern", "stance", "fiona"):
        assert hidden not in lowered, hidden
    assert not re.search(r"\d\s*%", page), "no percentages"


def test_while_second_coding_the_coding_pages_hide_the_first_coding(app):
    consultation, first, second, (transport, staffing), items = _setup(coded=2, uncoded=1)
    set_item_themes(items[0], [transport.id], first)
    set_item_themes(items[1], [staffing.id], first)
    db.session.commit()
    sample = _drawn(consultation, 2, second, first)
    client = _client(app, second)
    base = f"/staff/consultations/{consultation.id}/coding/items"
    sample_url = f"/staff/consultations/{consultation.id}/agreement/{sample.id}/code"

    response = client.get(f"{base}/{items[0].id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(sample_url)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "its first coding stays hidden from you until you have coded the whole sample" in page
    response = client.post(f"{base}/{items[1].id}", data={"themes": [str(transport.id)], "stance": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(sample_url)
    assert {tag.theme_id for tag in db.session.get(FeedbackItem, items[1].id).tags} == {staffing.id}

    listing = client.get(base).get_data(as_text=True)
    for item, theme in ((items[0], "Transport"), (items[1], "Staffing")):
        row = listing[listing.index(f">Item {item.id}</a>"):]
        row = row[:row.index("</tr>")]
        assert "Hidden while you second-code a sample" in row and theme not in row
    assert client.get(f"{base}/{items[2].id}").status_code == 200  # not in the sample

    # The first coder is not blind, and the second coder's view returns once the sample is done.
    assert "Transport" in _client(app, first).get(f"{base}/{items[0].id}").get_data(as_text=True)
    _code_second(sample, {items[0].id: [transport.id]}, second)
    page = client.get(f"{base}/{items[0].id}")
    assert page.status_code == 200 and "Transport" in page.get_data(as_text=True)


def test_only_the_assigned_second_coder_may_code(app):
    consultation, first, second, (transport, _), _ = _setup(coded=2)
    sample = _drawn(consultation, 2, second, first)
    admin = make_user("admin")
    for user in (first, admin):
        client = _client(app, user)
        url = f"/staff/consultations/{consultation.id}/agreement/{sample.id}/code"
        response = client.get(url)
        assert response.status_code == 403
        assert "Only the second coder can code this sample" in response.get_data(as_text=True)
        assert client.post(f"{url}/{sample.items[0].position}",
                           data={"theme_ids": [str(transport.id)]}).status_code == 403
    assert Tag.query.filter_by(coding_pass="second").count() == 0


def test_coding_every_item_completes_the_sample_and_earlier_items_can_be_changed(app):
    consultation, first, second, (transport, staffing), items = _setup(coded=3, uncoded=0)
    set_item_themes(items[0], [transport.id], first)
    db.session.commit()
    sample = _drawn(consultation, 3, second, first)
    positions = [entry.position for entry in sample.items]
    client = _client(app, second)
    base = f"/staff/consultations/{consultation.id}/agreement/{sample.id}"

    response = client.post(f"{base}/code/{positions[0]}", data={"theme_ids": [str(transport.id)]})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/code")
    page = client.get(f"{base}/code").get_data(as_text=True)
    assert "Item 2 of 3" in page and "1 of 3</strong> coded" in page
    # Back to the first item: the second coder's own choice is ticked, and can be changed.
    page = client.get(f"{base}/code/{positions[0]}").get_data(as_text=True)
    assert re.search(rf'value="{transport.id}"\s+checked', page)
    client.post(f"{base}/code/{positions[0]}", data={"theme_ids": [str(staffing.id)]})
    client.post(f"{base}/code/{positions[1]}", data={})
    response = client.post(f"{base}/code/{positions[2]}", data={"theme_ids": [str(transport.id), str(staffing.id)]})
    assert response.status_code == 302 and response.headers["Location"].endswith(base)

    db.session.expire_all()
    sample = db.session.get(CodingSample, sample.id)
    assert sample.completed_at is not None
    assert all(entry.coded_at for entry in sample.items)
    second_tags = {(tag.item_id, tag.theme_id) for tag in Tag.query.filter_by(coding_pass="second")}
    expected = {(sample.items[0].item_id, staffing.id), (sample.items[2].item_id, transport.id),
                (sample.items[2].item_id, staffing.id)}
    assert second_tags == expected
    # The first coding is untouched.
    assert {(tag.item_id, tag.theme_id) for tag in Tag.query.filter_by(coding_pass="primary")} == {
        (items[0].id, transport.id)}
    assert all(db.session.get(FeedbackItem, item.id).coded_by_id == first.id for item in items)
    audit = AuditEvent.query.filter_by(action="item_coded", user_id=second.id).all()
    assert len(audit) == 4 and all(event.detail["coding_pass"] == "second" for event in audit)
    assert AuditEvent.query.filter_by(action="second_coder_sample_completed", object_id=sample.id).count() == 1
    # Once finished, the coding is closed (the second coder has now seen the first coding).
    response = client.get(f"{base}/code/{positions[0]}")
    assert response.status_code == 302 and response.headers["Location"].endswith(base)
    assert client.get(base).status_code == 200


def test_an_unknown_theme_is_refused_and_nothing_is_saved(app):
    consultation, first, second, _, _ = _setup(coded=1, uncoded=0)
    sample = _drawn(consultation, 1, second, first)
    response = _client(app, second).post(
        f"/staff/consultations/{consultation.id}/agreement/{sample.id}/code/{sample.items[0].position}",
        data={"theme_ids": ["999999"]})
    assert response.status_code == 400
    assert "Select themes from the list" in response.get_data(as_text=True)
    assert Tag.query.filter_by(coding_pass="second").count() == 0
    assert db.session.get(CodingSample, sample.id).items[0].coded_at is None


# The report -----------------------------------------------------------------------------------

def _code_second(sample, choices, second):
    """Code every sample item the second time: choices maps item id -> theme ids."""
    for entry in sample.items:
        agreement.code_sample_item(entry, choices.get(entry.item_id, []), second)
    db.session.commit()


def test_the_report_gives_the_hand_worked_kappa_and_the_disagreements(app):
    consultation, first, second, (transport, staffing), items = _setup(coded=10, uncoded=0)
    # Transport: the first coder chose it for items 0-6, the second for items 0-4 and 7.
    # Both yes 5, first only 2, second only 1, both no 2: observed 0.7, expected 0.7*0.6 + 0.3*0.4 = 0.54,
    # kappa = (0.7 - 0.54) / (1 - 0.54) = 0.3478.
    for item in items[:7]:
        set_item_themes(item, [transport.id], first)
    db.session.commit()
    sample = _drawn(consultation, 10, second, first)
    _code_second(sample, {item.id: [transport.id] for item in items[:5] + [items[7]]}, second)

    page = _client(app, first).get(f"/staff/consultations/{consultation.id}/agreement/{sample.id}")
    assert page.status_code == 200
    page = page.get_data(as_text=True)
    themes_table = page[page.index('id="themes"'):page.index("</table>", page.index('id="themes"'))]
    assert "Transport" in themes_table and "0.348" in themes_table and "Fair" in themes_table
    assert "70.0%" in themes_table
    assert "Staffing" not in themes_table
    assert "Neither coder chose these themes for any item: Staffing" in page
    assert "Mean kappa over themes" in page and "0.348 (fair)" in page

    disagreements = page[page.index('id="disagreement-table"'):]
    disagreements = disagreements[:disagreements.index("</table>")]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", disagreements, re.S)[1:]
    texts = {re.search(r"Point number \d+", row).group(0): re.findall(r'govuk-table__cell">([^<]*)</td>', row)
             for row in rows}
    assert texts == {"Point number 5": ["Transport", "None"], "Point number 6": ["Transport", "None"],
                     "Point number 7": ["None", "Transport"]}
    assert "3 of 10" in page  # items coded differently


def test_a_long_list_of_disagreements_is_paged(app):
    consultation, first, second, (transport, _), items = _setup(coded=30, uncoded=0)
    sample = _drawn(consultation, 30, second, first)
    _code_second(sample, {item.id: [transport.id] for item in items}, second)
    client = _client(app, first)
    base = f"/staff/consultations/{consultation.id}/agreement/{sample.id}"
    first_page = client.get(base).get_data(as_text=True)
    assert first_page.count("Only the first coder chose") == 1
    assert "1 to 25 of 30" in first_page
    second_page = client.get(f"{base}?page=2").get_data(as_text=True)
    assert "26 to 30 of 30" in second_page
    assert client.get(f"{base}?page=banana").status_code == 200
    # Nobody chose Transport the first time, so the coders never agreed on it: kappa 0, not undefined.
    themes_table = first_page[first_page.index('id="themes"'):]
    assert "0.000" in themes_table[:themes_table.index("</table>")]
    assert "Neither coder chose these themes for any item: Staffing." in first_page


def test_the_report_is_hidden_from_the_second_coder_until_they_finish(app):
    consultation, first, second, (transport, _), items = _setup(coded=2, uncoded=0)
    for item in items:
        set_item_themes(item, [transport.id], first)
    db.session.commit()
    sample = _drawn(consultation, 2, second, first)
    agreement.code_sample_item(sample.items[0], [], second)
    db.session.commit()
    base = f"/staff/consultations/{consultation.id}/agreement/{sample.id}"

    coder = _client(app, second)
    response = coder.get(base)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/code")
    index = coder.get(f"/staff/consultations/{consultation.id}/agreement").get_data(as_text=True)
    assert "Shown when you have coded every item" in index
    assert "Agreement so far" not in index and "kappa over every decision" not in index.lower()
    assert "Continue coding" in index

    # Others see the report of the items coded so far.
    page = _client(app, first).get(base).get_data(as_text=True)
    assert "Coding is not finished: 1 of 2 items" in page

    coder.post(f"{base}/code/{sample.items[1].position}", data={"theme_ids": [str(transport.id)]})
    page = coder.get(base)
    assert page.status_code == 200 and "Items coded differently" in page.get_data(as_text=True)


def test_the_report_links_to_the_items_coding_page_when_there_is_one(app):
    consultation, first, second, (transport, _), items = _setup(coded=1, uncoded=0)
    set_item_themes(items[0], [transport.id], first)
    db.session.commit()
    sample = _drawn(consultation, 1, second, first)
    _code_second(sample, {}, second)
    page = _client(app, first).get(f"/staff/consultations/{consultation.id}/agreement/{sample.id}")
    page = page.get_data(as_text=True)
    if "coding.item" in app.view_functions:
        assert f"/staff/consultations/{consultation.id}/coding/items/{items[0].id}" in page
    else:
        assert "Open the item’s coding" not in page


def test_another_consultations_sample_is_not_found(app):
    consultation, first, second, _, _ = _setup(coded=2)
    sample = _drawn(consultation, 2, second, first)
    other = make_consultation(title="Other")
    for user in (first, second):
        client = _client(app, user)
        for suffix in ("", "/code", f"/code/{sample.items[0].position}"):
            assert client.get(f"/staff/consultations/{other.id}/agreement/{sample.id}{suffix}").status_code == 404
    assert _client(app, first).get(f"/staff/consultations/{consultation.id}/agreement/99999").status_code == 404
