"""Public pages: the published statement, its dated revisions, and the published responses with search."""
import json

from engage.extensions import db
from engage.models import FeedbackItem, Response, StatementRevision, Tag, Theme, ThemeResponse, utcnow
from tests.publishing.test_statement_pages import (
    CANARY_NO_CONSENT, CANARY_WITHHELD, PHONE, XSS, base, officer_client, publish, seed,
)
from tests.factories import make_consultation


def _published(app, **seed_options):
    """A seeded consultation with its statement published once, and the officer's client."""
    consultation = seed(**seed_options)
    client = officer_client(app)
    assert publish(client, consultation).status_code == 302
    db.session.rollback()
    return consultation, client


def _pages(client, consultation):
    """Every public page of the consultation's statement and responses, as text."""
    slug = consultation.slug
    urls = [f"/consultations/{slug}/statement", f"/consultations/{slug}/statement/revisions/1",
            f"/consultations/{slug}/responses", f"/consultations/{slug}/responses?q=canary",
            f"/consultations/{slug}/responses?q=07700"]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    return pages


def test_the_statement_is_public_once_published_and_not_before(app):
    consultation = seed()
    client = app.test_client()
    for path in ("statement", "statement/revisions/1", "responses"):
        assert client.get(f"/consultations/{consultation.slug}/{path}").status_code == 404
    publish(officer_client(app), consultation)
    db.session.rollback()
    page = client.get(f"/consultations/{consultation.slug}/statement")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Statement of consultation: Older people’s plan" in html
    assert "What we consulted on" in html and "How people took part" in html and "Annexes" in html
    assert "Tranent Carers Centre" in html
    assert '<svg class="app-chart" role="img"' in html
    assert client.get(f"/consultations/{consultation.slug}/statement/revisions/2").status_code == 404
    assert client.get("/consultations/no-such-thing/statement").status_code == 404


def test_no_page_shows_words_that_may_not_be_published(app):
    consultation, _ = _published(app)
    client = app.test_client()
    revision = StatementRevision.query.filter_by(consultation_id=consultation.id).one()
    stored = json.dumps(revision.content, ensure_ascii=False)
    for secret in (CANARY_NO_CONSENT, CANARY_WITHHELD, PHONE):
        assert secret not in stored
        for url, html in _pages(client, consultation).items():
            assert secret not in html, url
    responses = client.get(f"/consultations/{consultation.slug}/responses").get_data(as_text=True)
    assert "Ring me on [phone number removed] about the buses" in responses
    # A search for a redacted number finds nothing: the search reads the public text only.
    searched = client.get(f"/consultations/{consultation.slug}/responses?q=07700").get_data(as_text=True)
    assert "Ring me on" not in searched and "No published comments match" in searched


def test_a_quote_leaves_every_revision_when_its_author_withdraws(app):
    consultation, _ = _published(app)
    client = app.test_client()
    revision = StatementRevision.query.filter_by(consultation_id=consultation.id).one()
    quoted = {quote["item_id"]: quote["text"] for theme in revision.content["what_people_said"]["themes"]
              for entry in (theme, *theme["children"]) for quote in entry["quotes"]}
    assert quoted
    item_id, text = next(iter(quoted.items()))
    assert text in client.get(f"/consultations/{consultation.slug}/statement").get_data(as_text=True)
    item = db.session.get(FeedbackItem, item_id)
    item.response.status = "withdrawn"
    db.session.commit()
    for url, html in _pages(client, consultation).items():
        assert text not in html, url


def test_small_groups_are_suppressed_on_the_public_page(app):
    consultation, _ = _published(app)
    html = app.test_client().get(f"/consultations/{consultation.slug}/statement").get_data(as_text=True)
    caption = "Responses raising Carers, by stakeholder group"
    table = html[html.index(caption):]
    table = table[:table.index("</table>")]
    row = table[table.index("Carers of users of health care"):]
    row = row[:row.index("</tr>")]
    assert "not shown" in row
    assert ">3<" not in row
    revision = StatementRevision.query.filter_by(consultation_id=consultation.id).one()
    carers = next(theme for theme in revision.content["what_people_said"]["themes"] if theme["name"] == "Carers")
    cell = next(cell for cell in carers["by_group"] if cell["label"] == "Carers of users of health care")
    assert cell["count"] is None and cell["suppressed"] is True


def test_what_people_typed_is_escaped_on_every_public_page(app):
    consultation, _ = _published(app, theme_name=XSS, quote_extra=" " + XSS, you_said_extra=XSS)
    client = app.test_client()
    pages = _pages(client, consultation)
    pages["theme"] = client.get(f"/consultations/{consultation.slug}/responses?q=script").get_data(as_text=True)
    for url, html in pages.items():
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
    statement = pages[f"/consultations/{consultation.slug}/statement"]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in statement
    quotes = statement[statement.index("What people said, in their words"):]
    assert "&lt;script&gt;" in quotes[:quotes.index("</figure>")]
    assert "&lt;script&gt;" in pages["theme"]


def test_older_revisions_stay_visible_at_their_own_address(app):
    consultation, officer = _published(app)
    carers = ThemeResponse.query.join(Theme).filter(Theme.consultation_id == consultation.id,
                                                    Theme.name == "Carers").one()
    carers.we_did = "Second thoughts: a break within six weeks."
    db.session.commit()
    assert publish(officer, consultation).status_code == 302
    db.session.rollback()
    client = app.test_client()
    latest = client.get(f"/consultations/{consultation.slug}/statement").get_data(as_text=True)
    first = client.get(f"/consultations/{consultation.slug}/statement/revisions/1").get_data(as_text=True)
    second = client.get(f"/consultations/{consultation.slug}/statement/revisions/2").get_data(as_text=True)
    assert "Second thoughts" in latest and "Second thoughts" in second
    assert "Second thoughts" not in first
    assert "We promised a short break within eight weeks." in first
    assert "It has been replaced" in first and "It has been replaced" not in latest
    assert f'href="/consultations/{consultation.slug}/statement/revisions/1"' in latest
    assert "Revision 2, published" in latest


def test_published_responses_are_paged_searched_and_filtered(app):
    consultation, _ = _published(app)
    transport = Theme.query.filter_by(consultation_id=consultation.id, name="Transport").one()
    response = Response.query.filter_by(consultation_id=consultation.id, consent="publish_anonymous").first()
    for number in range(55):
        text = f"Extra comment {number:02d} about parking" + (" at 100% capacity" if number == 7 else "")
        item = FeedbackItem(consultation_id=consultation.id, response_id=response.id, text=text)
        db.session.add(item)
        db.session.flush()
        if number < 3:
            db.session.add(Tag(item_id=item.id, theme_id=transport.id, status="confirmed"))
    db.session.commit()
    client = app.test_client()
    url = f"/consultations/{consultation.slug}/responses"
    first = client.get(url).get_data(as_text=True)
    total = 55 + 9  # the seeded consented, not withheld comments
    assert f"{total} comments" in first
    assert first.count('<li id="comment-') == 50
    next_link = first[first.index('rel="next"') - 300:first.index('rel="next"')]
    after = next_link[next_link.index("after=") + 6:].split('"')[0].split("&")[0]
    second = client.get(f"{url}?after={after}").get_data(as_text=True)
    assert second.count('<li id="comment-') == total - 50
    assert 'rel="prev"' in second and 'rel="next"' not in second

    searched = client.get(f"{url}?q=PARKING").get_data(as_text=True)
    assert searched.count('<li id="comment-') == 50 and 'rel="next"' in searched
    # % and _ are taken literally, not as wildcards.
    percent = client.get(f"{url}?q=%25").get_data(as_text=True)
    assert percent.count('<li id="comment-') == 1 and "100% capacity" in percent
    assert client.get(f"{url}?q=_").get_data(as_text=True).count('<li id="comment-') == 0

    filtered = client.get(f"{url}?theme={transport.id}").get_data(as_text=True)
    assert "Extra comment 00" in filtered and "Extra comment 05" not in filtered
    # The sub-theme's comment counts under its parent.
    assert "Community transport needs booking" in filtered
    assert client.get(f"{url}?theme=999999").status_code == 200


def test_a_consultation_with_no_revision_has_no_public_statement(app):
    consultation = make_consultation(title="Published by hand", status="published")
    client = app.test_client()
    assert client.get(f"/consultations/{consultation.slug}/statement").status_code == 404
    assert client.get(f"/consultations/{consultation.slug}/responses").status_code == 404


def test_the_staff_page_links_to_the_public_revisions(app):
    consultation, officer = _published(app)
    html = officer.get(base(consultation)).get_data(as_text=True)
    assert f"/consultations/{consultation.slug}/statement/revisions/1" in html
    assert utcnow().strftime("%Y") in html
