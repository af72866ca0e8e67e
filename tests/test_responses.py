"""Staff screens for responses: the filtered, paged list; one response; the representation monitor."""
import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import event

from engage.consultations import services as consultation_services
from engage.extensions import db
from engage.models import (
    Answer, AuditEvent, EngagementEvent, EqualityMonitoring, EventAttendance, Locality, Membership,
    Response, StakeholderGroup,
)
from tests.conftest import login
from tests.factories import make_consultation, make_user

REFERENCE = re.compile(
    r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="[^"]+">([^<]+)</a></th>')
NEXT = re.compile(r'href="([^"]+)" rel="next"')
PREVIOUS = re.compile(r'href="([^"]+)" rel="prev"')


def references(page):
    """References in the responses table, in order."""
    return REFERENCE.findall(page)


def text_of(client_response):
    """The page as text."""
    return client_response.get_data(as_text=True)


def link(pattern, page):
    """The href of the page's Next or Previous link, or None."""
    match = pattern.search(page)
    return unescape(match.group(1)) if match else None


def table_row(page, header):
    """The <tr> of a table whose row header is exactly `header`."""
    match = re.search(r'<tr class="govuk-table__row">\s*<th scope="row" class="govuk-table__header">'
                      + re.escape(header) + r"</th>(.*?)</tr>", page, re.S)
    assert match, f"no row for {header}"
    return match.group(1)


@pytest.fixture
def consultation(app, officer):
    """An open consultation with localities North and South and the default groups."""
    return make_consultation(title="Carers plan", user=officer, status="open")


def group(consultation, name):
    """One of the consultation's stakeholder groups, by name."""
    return next(g for g in consultation.stakeholder_groups if g.name == name)


def locality(consultation, name):
    """One of the consultation's localities, by name."""
    return next(loc for loc in consultation.localities if loc.name == name)


def add_response(consultation, reference, groups=(), **fields):
    """A response (submitted unless told otherwise), committed."""
    fields.setdefault("status", "submitted")
    if fields["status"] != "draft":
        fields.setdefault("submitted_at", datetime(2026, 3, 15, 12, 0))
    response = Response(consultation=consultation, reference=reference, **fields)
    response.groups = list(groups)
    db.session.add(response)
    db.session.commit()
    return response


def url(consultation, suffix="responses"):
    return f"/staff/consultations/{consultation.id}/{suffix}"


# The list and its filters ---------------------------------------------------------

@pytest.fixture
def varied(consultation):
    """Responses that differ in every way the list can be filtered by."""
    users = group(consultation, "Users of health care")
    staff = group(consultation, "Staff")
    north, south = locality(consultation, "North"), locality(consultation, "South")
    add_response(consultation, "R-A", [users], channel="online", locality=north,
                 submitted_at=datetime(2026, 3, 1, 10, 0), consent="publish_named")
    add_response(consultation, "R-B", [staff, users], channel="paper", locality=south,
                 submitted_at=datetime(2026, 3, 10, 9, 0), received_on=datetime(2026, 3, 8).date(),
                 respondent_type="organisation", organisation_name="Vale Carers Centre",
                 consent="publish_anonymous")
    add_response(consultation, "R-C", [], channel="email", locality_other="outside",
                 submitted_at=datetime(2026, 3, 20, 15, 0), consent="do_not_publish")
    add_response(consultation, "R-D", [staff], channel="letter", locality_other="prefer_not_to_say",
                 submitted_at=datetime(2026, 3, 31, 23, 59))
    add_response(consultation, "R-E", [users], channel="online", submitted_at=datetime(2026, 4, 1, 0, 0))
    add_response(consultation, "R-F", [users], channel="online", locality=north, status="draft")
    add_response(consultation, "R-G", [staff], channel="online", locality=north, status="withdrawn",
                 submitted_at=datetime(2026, 3, 5, 8, 0), withdrawn_at=datetime(2026, 3, 6, 8, 0))
    return consultation


def test_the_list_shows_submitted_responses_newest_first(officer_client, varied):
    page = text_of(officer_client.get(url(varied)))
    assert references(page) == ["R-E", "R-D", "R-C", "R-B", "R-A"]
    assert "Showing <strong>1</strong> to <strong>5</strong> of <strong>5</strong> submitted responses" in page
    row = table_row(page, f'<a class="govuk-link" href="/staff/consultations/{varied.id}/responses/'
                          f'{Response.query.filter_by(reference="R-B").one().id}">R-B</a>')
    for expected in ("10 March 2026", "Paper or postal questionnaire", "Organisation: Vale Carers Centre",
                     "Users of health care; Staff", "South", "Publish without name"):
        assert expected in row
    assert "Outside the area" in page and "Prefer not to say" in page and "Not given" in page
    assert 'class="app-table-wrapper"' in page


@pytest.mark.parametrize("status,expected", [
    ("all", ["R-G", "R-F", "R-E", "R-D", "R-C", "R-B", "R-A"]),
    ("draft", ["R-F"]),
    ("withdrawn", ["R-G"]),
    ("submitted", ["R-E", "R-D", "R-C", "R-B", "R-A"]),
])
def test_status_filter(officer_client, varied, status, expected):
    page = text_of(officer_client.get(url(varied) + f"?status={status}"))
    assert references(page) == expected


def test_group_filter(officer_client, varied):
    staff = group(varied, "Staff")
    page = text_of(officer_client.get(url(varied) + f"?group={staff.id}"))
    assert references(page) == ["R-D", "R-B"]
    users = group(varied, "Users of health care")
    page = text_of(officer_client.get(url(varied) + f"?group={users.id}&status=all"))
    assert references(page) == ["R-F", "R-E", "R-B", "R-A"]


@pytest.mark.parametrize("choice,expected", [
    ("North", ["R-A"]),
    ("South", ["R-B"]),
    ("outside", ["R-C"]),
    ("prefer_not_to_say", ["R-D"]),
    ("not_given", ["R-E"]),
])
def test_locality_filter(officer_client, varied, choice, expected):
    value = locality(varied, choice).id if choice in ("North", "South") else choice
    page = text_of(officer_client.get(url(varied) + f"?locality={value}"))
    assert references(page) == expected


def test_channel_filter(officer_client, varied):
    assert references(text_of(officer_client.get(url(varied) + "?channel=online"))) == ["R-E", "R-A"]
    assert references(text_of(officer_client.get(url(varied) + "?channel=letter"))) == ["R-D"]


def test_date_range_includes_both_days(officer_client, varied):
    dates = ("?submitted_from=1&submitted_from=3&submitted_from=2026"
             "&submitted_to=31&submitted_to=3&submitted_to=2026")
    assert references(text_of(officer_client.get(url(varied) + dates))) == ["R-D", "R-C", "R-B", "R-A"]
    since = "?submitted_from=10&submitted_from=3&submitted_from=2026"
    assert references(text_of(officer_client.get(url(varied) + since))) == ["R-E", "R-D", "R-C", "R-B"]


def test_filters_combine(officer_client, varied):
    users = group(varied, "Users of health care")
    query = f"?group={users.id}&channel=online&submitted_to=31&submitted_to=3&submitted_to=2026"
    page = text_of(officer_client.get(url(varied) + query))
    assert references(page) == ["R-A"]
    assert "matching the filters" in page
    assert "Clear filters" in page


def test_a_filter_that_matches_nothing_says_so(officer_client, varied):
    page = text_of(officer_client.get(url(varied) + "?channel=phone"))
    assert references(page) == []
    assert "No responses match these filters." in page


def test_a_bad_date_shows_an_error_by_the_field(officer_client, varied):
    response = officer_client.get(url(varied) + "?submitted_from=31&submitted_from=2&submitted_from=2026")
    page = text_of(response)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#submitted_from"' in page  # the error summary links to the field
    error = re.search(r'id="submitted_from-error"[^>]*>(.*?)</p>', page, re.S)
    assert error and "Submitted on or after must be a real date" in error.group(1)
    assert 'value="31"' in page  # what was typed is kept
    assert re.search(r"<legend[^>]*>\s*Submitted on or after\s*</legend>", page)
    assert references(page) == []


def test_a_date_range_that_ends_before_it_starts_is_an_error(officer_client, varied):
    query = ("?submitted_from=10&submitted_from=3&submitted_from=2026"
             "&submitted_to=1&submitted_to=3&submitted_to=2026")
    response = officer_client.get(url(varied) + query)
    assert response.status_code == 400
    assert "Submitted on or before must be the same as or after submitted on or after" in text_of(response)


@pytest.mark.parametrize("query", ["?group=abc", "?locality=elsewhere", "?channel=pigeon", "?status=deleted"])
def test_made_up_filter_values_are_errors_not_crashes(officer_client, varied, query):
    response = officer_client.get(url(varied) + query)
    assert response.status_code == 400
    assert "from the list" in text_of(response)


def test_another_consultations_group_is_not_a_filter(officer_client, varied, officer):
    other = make_consultation(title="Other", user=officer)
    response = officer_client.get(url(varied) + f"?group={other.stakeholder_groups[0].id}")
    assert response.status_code == 400
    assert "Select a stakeholder group from the list" in text_of(response)


def test_text_people_typed_is_escaped_in_the_list(officer_client, consultation):
    payload = '<script>alert("x")</script>'
    add_response(consultation, "R-X", respondent_type="organisation", organisation_name=payload)
    page = text_of(officer_client.get(url(consultation)))
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_no_responses_yet(officer_client, consultation):
    page = text_of(officer_client.get(url(consultation)))
    assert "No responses have been submitted yet." in page


# Paging ---------------------------------------------------------------------------

@pytest.fixture
def many(consultation):
    """120 submitted responses; ten at a time share a timestamp, as bulk imports do."""
    north = locality(consultation, "North")
    groups = consultation.stakeholder_groups[:2]
    start = datetime(2026, 3, 1, 9, 0)
    db.session.add_all([
        Response(consultation=consultation, reference=f"P-{n:03d}", status="submitted",
                 channel="online" if n % 2 else "paper", submitted_at=start + timedelta(days=n // 10),
                 locality=north, groups=list(groups))
        for n in range(120)
    ])
    db.session.commit()
    rows = Response.query.filter_by(consultation_id=consultation.id).all()
    return [r.reference for r in sorted(rows, key=lambda r: (r.submitted_at, r.id), reverse=True)]


def test_pages_of_fifty_without_overlap(officer_client, consultation, many):
    first = text_of(officer_client.get(url(consultation)))
    assert references(first) == many[:50]
    assert "Showing <strong>1</strong> to <strong>50</strong> of <strong>120</strong>" in first
    assert link(PREVIOUS, first) is None

    second = text_of(officer_client.get(link(NEXT, first)))
    assert references(second) == many[50:100]
    assert "Showing <strong>51</strong> to <strong>100</strong> of <strong>120</strong>" in second

    last = text_of(officer_client.get(link(NEXT, second)))
    assert references(last) == many[100:]
    assert "Showing <strong>101</strong> to <strong>120</strong> of <strong>120</strong>" in last
    assert link(NEXT, last) is None
    assert 'rel="next"' not in last

    back = text_of(officer_client.get(link(PREVIOUS, last)))
    assert references(back) == many[50:100]
    assert "Showing <strong>51</strong> to <strong>100</strong>" in back
    back_again = text_of(officer_client.get(link(PREVIOUS, back)))
    assert references(back_again) == many[:50]
    assert link(PREVIOUS, back_again) is None


def test_paging_uses_a_cursor_not_an_offset(officer_client, consultation, many):
    first = text_of(officer_client.get(url(consultation)))
    next_url = link(NEXT, first)
    last_on_first_page = Response.query.filter_by(reference=many[49]).one()
    assert f"after={last_on_first_page.id}" in next_url
    assert "offset" not in next_url


def test_paging_keeps_the_filters(officer_client, consultation, many):
    first = text_of(officer_client.get(url(consultation) + "?channel=online&status=submitted&group="))
    online = [ref for ref in many if int(ref[2:]) % 2]
    assert references(first) == online[:50]
    next_url = link(NEXT, first)
    assert "channel=online" in next_url
    assert "group=" not in next_url  # blank filters are left out of the link
    second = text_of(officer_client.get(next_url))
    assert references(second) == online[50:]
    assert link(NEXT, second) is None


def test_a_cursor_from_another_consultation_shows_the_first_page(officer_client, consultation, many,
                                                                  officer):
    other = make_consultation(title="Other", user=officer)
    stranger = add_response(other, "OTHER-1")
    page = text_of(officer_client.get(url(consultation) + f"?after={stranger.id}&page=7"))
    assert references(page) == many[:50]
    assert "Showing <strong>1</strong> to <strong>50</strong>" in page


def test_groups_and_localities_are_loaded_without_a_query_per_response(officer_client, consultation, many,
                                                                       app):
    statements = []
    fifty_url = url(consultation)
    ten_url = url(consultation) + "?submitted_to=1&submitted_to=3&submitted_to=2026"

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fifty_page = text_of(officer_client.get(fifty_url))
        for_fifty = len(statements)
        statements.clear()
        few_page = text_of(officer_client.get(ten_url))
        for_few = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(references(fifty_page)) == 50
    assert len(references(few_page)) == 10
    assert for_fifty == for_few <= 12, statements


# One response ---------------------------------------------------------------------

@pytest.fixture
def answered(consultation, officer):
    """A response with answers to three questions, and equality monitoring with distinctive values."""
    consultation_services.add_question(consultation, "Which of these matter most to you?",
                                       kind="multiple_choice", options=["Transport", "Respite breaks"])
    consultation_services.add_question(consultation, "Anything else?")
    db.session.commit()
    first, second, third = consultation.questions
    response = add_response(
        consultation, "R-DETAIL", [group(consultation, "Carers of users of social care")],
        channel="paper", locality=locality(consultation, "South"), consent="publish_anonymous",
        received_on=datetime(2026, 3, 12).date(), entered_by=officer,
        respondent_type="organisation", organisation_name="Vale Carers Centre")
    ids = {"consultation_id": consultation.id, "response_id": response.id}
    db.session.add_all([
        Answer(response=response, question=third, text="Thank you.\nPlease keep the day centre."),
        Answer(response=response, question=first, text='<script>alert("x")</script> The plan is vague.'),
        Answer(response=response, question=second, choices=["Respite breaks"]),
        EqualityMonitoring(**ids, ethnicity="Zqxethnicityvalue",
                           religion="Zqxreligionvalue", age_band="Zqx-age-band", sex="Zqxsexvalue",
                           sexual_orientation="Zqxorientation", disability="Zqxdisability",
                           unpaid_carer="Zqxcarer"),
    ])
    db.session.commit()
    return response


def test_one_response_shows_who_and_every_answer_in_order(officer_client, consultation, answered, officer):
    response = officer_client.get(url(consultation, f"responses/{answered.id}"))
    page = text_of(response)
    assert response.status_code == 200
    for expected in ("R-DETAIL", "On behalf of an organisation", "Vale Carers Centre",
                     "Carers of users of social care", "South", "Paper or postal questionnaire",
                     "Publish without name", "12 March 2026", officer.name):
        assert expected in page
    positions = [page.index(text) for text in (
        "What do you think of the plan?", "The plan is vague.",
        "Which of these matter most to you?", "Respite breaks",
        "Anything else?", "Please keep the day centre.")]
    assert positions == sorted(positions)
    assert '<p class="govuk-body app-section-body">Thank you.</p>' in page


def test_one_response_escapes_what_people_typed(officer_client, consultation, answered):
    page = text_of(officer_client.get(url(consultation, f"responses/{answered.id}")))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_equality_monitoring_never_appears_on_a_response(officer_client, consultation, answered):
    page = text_of(officer_client.get(url(consultation, f"responses/{answered.id}")))
    assert "Zqx" not in page
    assert "quality monitoring" not in page


def test_unanswered_questions_say_so(officer_client, consultation):
    response = add_response(consultation, "R-BLANK")
    page = text_of(officer_client.get(url(consultation, f"responses/{response.id}")))
    assert "Not answered" in page


def test_another_consultations_response_is_not_found(officer_client, consultation, officer):
    other = make_consultation(title="Other", user=officer)
    theirs = add_response(other, "THEIRS")
    assert officer_client.get(url(consultation, f"responses/{theirs.id}")).status_code == 404
    assert officer_client.get(url(consultation, "responses/999999")).status_code == 404
    assert officer_client.get(url(other, f"responses/{theirs.id}")).status_code == 200


def test_a_reviewer_of_another_consultation_cannot_read_its_responses(app, consultation, officer):
    other = make_consultation(title="Other", user=officer)
    reviewer = make_user("reviewer")
    db.session.add(Membership(user=reviewer, consultation=other, role="reviewer"))
    db.session.commit()
    response = add_response(consultation, "SECRET")
    client = app.test_client()
    login(client, reviewer)
    assert client.get(url(consultation, f"responses/{response.id}")).status_code == 403
    assert client.get(url(consultation)).status_code == 403
    assert client.get(url(consultation, "representation")).status_code == 403


# The representation monitor -------------------------------------------------------

@pytest.fixture
def monitored(consultation):
    """Some groups heard from, some not; targets on two groups and one locality; one event."""
    users, staff = group(consultation, "Users of health care"), group(consultation, "Staff")
    north = locality(consultation, "North")
    users.target, staff.target, north.target = 5, 2, 10
    db.session.commit()
    for n in range(3):
        add_response(consultation, f"U-{n}", [users], locality=north)
    add_response(consultation, "S-1", [staff], locality_other="outside")
    add_response(consultation, "S-2", [staff, users], locality_other="prefer_not_to_say")
    add_response(consultation, "DRAFT", [group(consultation, "Elected members")], locality=north,
                 status="draft")
    carers = group(consultation, "Carers of users of health care")
    workshop = EngagementEvent(consultation=consultation, title="Carers' café workshop",
                               starts_at=datetime(2026, 3, 4, 14, 0))
    workshop.attendance = [EventAttendance(group=carers, count=7), EventAttendance(group=users, count=0)]
    db.session.add(workshop)
    db.session.commit()
    return consultation


def test_the_monitor_counts_submitted_responses_by_group_and_locality(officer_client, monitored):
    page = text_of(officer_client.get(url(monitored, "representation")))
    users = table_row(page, "Users of health care")
    assert re.search(r"numeric\">4</td>", users)  # three, plus one that is also staff
    assert "Under target" in users
    assert re.search(r'numeric">1</td>\s*<td class="govuk-table__cell">\s*<strong[^>]*>Under target', users)
    staff = table_row(page, "Staff")
    assert re.search(r'numeric">2</td>', staff)
    assert "Target met" in staff and "Under target" not in staff
    elected = table_row(page, "Elected members")  # only a draft: not heard from
    assert "Not heard from yet" in elected
    north = table_row(page, "North")
    assert re.search(r'numeric">3</td>', north) and "Under target" in north
    assert re.search(r'numeric">7</td>\s*<td class="govuk-table__cell">\s*<strong[^>]*>Under target', north)
    assert re.search(r'numeric">1</td>', table_row(page, "Outside the area"))
    assert re.search(r'numeric">1</td>', table_row(page, "Prefer not to say"))
    assert re.search(r'numeric">0</td>', table_row(page, "Not given"))
    assert "<strong>5</strong> submitted responses" in page


def test_groups_not_heard_from_come_first(officer_client, monitored):
    page = text_of(officer_client.get(url(monitored, "representation")))
    groups_table = page[page.index('id="groups"'):page.index('id="localities"')]
    heard = groups_table.index(">Users of health care</th>")
    for silent in ("Carers of users of health care", "Elected members", "Other"):
        assert groups_table.index(f">{silent}</th>") < heard
        assert "Not heard from yet" in table_row(groups_table, silent)
    assert "Not heard from yet: " in page


def test_the_monitor_shows_which_events_reached_each_group(officer_client, monitored):
    page = text_of(officer_client.get(url(monitored, "representation")))
    carers = table_row(page, "Carers of users of health care")
    assert "7 people at 1 event" in carers
    assert "Carers&#39; café workshop (4 March 2026): 7" in carers
    assert "None recorded" in table_row(page, "Users of health care")  # nobody of them came


def _targets_form(consultation, **values):
    """Every target field as the page would send it, with some changed."""
    data = {f"group_{g.id}": "" if g.target is None else str(g.target)
            for g in consultation.stakeholder_groups}
    data.update({f"locality_{loc.id}": "" if loc.target is None else str(loc.target)
                 for loc in consultation.localities})
    data.update(values)
    return data


def test_bad_targets_are_errors_by_the_field_and_nothing_is_saved(officer_client, monitored):
    users, staff = group(monitored, "Users of health care"), group(monitored, "Staff")
    public = group(monitored, "Members of the public")
    north = locality(monitored, "North")
    response = officer_client.post(url(monitored, "representation/targets"), data=_targets_form(
        monitored, **{f"group_{users.id}": "abc", f"group_{staff.id}": "-1",
                      f"group_{public.id}": "12", f"locality_{north.id}": "100001"}))
    page = text_of(response)
    assert response.status_code == 400
    assert "There is a problem" in page
    for name, field in (("Users of health care", f"group_{users.id}"), ("Staff", f"group_{staff.id}"),
                        ("North", f"locality_{north.id}")):
        message = f"Target for {name} must be a whole number from 0 to 100,000"
        error = re.search(rf'id="{field}-error"[^>]*>(.*?)</p>', page, re.S)
        assert error and message in error.group(1), name
        assert f'href="#{field}"' in page
    # What was typed is kept, good and bad.
    assert re.search(rf'id="group_{users.id}" name="group_{users.id}" type="text"[^>]*value="abc"', page)
    assert re.search(rf'id="group_{public.id}" name="group_{public.id}" type="text"[^>]*value="12"', page)
    db.session.expire_all()
    assert (users.target, staff.target, public.target, north.target) == (5, 2, None, 10)
    assert AuditEvent.query.filter(AuditEvent.action.like("%target%")).count() == 0


def test_good_targets_are_saved_and_audited(officer_client, monitored, officer):
    users, staff = group(monitored, "Users of health care"), group(monitored, "Staff")
    public, north = group(monitored, "Members of the public"), locality(monitored, "North")
    response = officer_client.post(url(monitored, "representation/targets"), data=_targets_form(
        monitored, **{f"group_{users.id}": "8", f"group_{staff.id}": "",
                      f"group_{public.id}": "1,000", f"locality_{north.id}": "0"}))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(monitored, "representation"))
    db.session.expire_all()
    assert (users.target, staff.target, public.target, north.target) == (8, None, 1000, 0)
    events = AuditEvent.query.filter(AuditEvent.action.like("%target_changed")).all()
    assert sorted((e.action, e.detail["name"], e.detail["old"], e.detail["new"]) for e in events) == [
        ("locality.target_changed", "North", 10, 0),
        ("stakeholder_group.target_changed", "Members of the public", None, 1000),
        ("stakeholder_group.target_changed", "Staff", 2, None),
        ("stakeholder_group.target_changed", "Users of health care", 5, 8),
    ]
    assert all(e.user_id == officer.id and e.consultation_id == monitored.id for e in events)
    page = text_of(officer_client.get(url(monitored, "representation")))
    assert "Targets saved: 4 changed." in page


def test_readers_see_the_monitor_but_not_the_targets_form(app, monitored):
    reviewer = make_user("reviewer")
    db.session.add(Membership(user=reviewer, consultation=monitored, role="reviewer"))
    db.session.commit()
    client = app.test_client()
    login(client, reviewer)
    page = text_of(client.get(url(monitored, "representation")))
    assert "Not heard from yet" in page
    assert "Save targets" not in page
    users = group(monitored, "Users of health care")
    response = client.post(url(monitored, "representation/targets"), data={f"group_{users.id}": "99"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(StakeholderGroup, users.id).target == 5


def test_the_consultation_pages_link_to_responses_and_representation(officer_client, consultation):
    page = text_of(officer_client.get(f"/staff/consultations/{consultation.id}"))
    assert f'href="{url(consultation)}">Responses</a>' in page
    assert f'href="{url(consultation, "representation")}">Representation</a>' in page


def test_locality_target_is_kept(app, consultation):
    north = locality(consultation, "North")
    north.target = 12
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Locality, north.id).target == 12
