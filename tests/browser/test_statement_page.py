"""The published statement of consultation in a real browser (Chromium): 0 axe-core violations, 320px, no JS.

Run: .venv/bin/python -m pytest tests/browser/test_statement_page.py -q -p no:cacheprovider
"""
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import chromium_missing
from tests.browser.helpers import assert_no_axe_violations, assert_no_horizontal_scroll

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")


@pytest.fixture(scope="module")
def published(live_server):
    """A consultation whose statement has been published (revision 1), with quotes, tables and a changed section."""

    def seed_and_publish():
        from engage.extensions import db
        from engage.models import Consultation, User
        from engage.statements import services
        from tests.publishing.test_statement_pages import seed

        consultation = seed(title="Older people’s plan 2026 to 2029")
        consultation.statement_introduction = "We asked people about our draft plan.\n\nThis is what they said."
        consultation.statement_next_steps = "The board will consider the plan in June."
        officer = User.query.filter_by(email=live_server.officer_email).one()
        services.publish(db.session.get(Consultation, consultation.id), officer, expected_number=1)
        return SimpleNamespace(slug=consultation.slug)

    return live_server.run(seed_and_publish)


def _open_every_details(page):
    for summary in page.locator("details > summary").all():
        summary.click()


def test_the_public_statement_page_has_no_accessibility_violations(new_page, published):
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"/consultations/{published.slug}/statement")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statement of consultation: Older people’s plan 2026 to 2029")
    assert_no_axe_violations(page)
    _open_every_details(page)
    expect(page.get_by_role("table", name="Responses raising Carers, by stakeholder group")).to_be_visible()
    expect(page.get_by_role("img", name="Responses by locality: bar chart. The table beside it gives the same figures.")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Read the published responses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Published responses")
    assert_no_axe_violations(page)
    page.get_by_label("Search the comments").fill("buses")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=2, name="Comments containing “buses”")).to_be_visible()
    assert_no_axe_violations(page)


def test_the_statement_works_at_320px_without_javascript(new_page, published):
    page = new_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page.goto(f"/consultations/{published.slug}/statement")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Statement of consultation")
    _open_every_details(page)
    assert_no_horizontal_scroll(page, 320)
    assert_no_axe_violations(page)
    page.goto(f"/consultations/{published.slug}/responses?q=carers")
    assert_no_horizontal_scroll(page, 320)
    assert_no_axe_violations(page)


def test_the_welsh_statement_and_responses_pages_have_no_accessibility_violations(new_page, published):
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"/consultations/{published.slug}/statement")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Datganiad ymgynghori: Older people’s plan 2026 to 2029")
    expect(page.get_by_role("heading", level=2, name="Beth ddywedodd pobl a beth wnaethom ni")).to_be_visible()
    assert_no_axe_violations(page)
    _open_every_details(page)
    expect(page.get_by_role("table", name="Ymatebion a gododd Carers, yn ôl grŵp rhanddeiliaid")).to_be_visible()
    expect(page.get_by_role("img", name="Ymatebion yn ôl ardal: siart bar. Mae’r tabl wrth ei ochr yn rhoi’r un ffigurau.")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Darllen yr ymatebion a gyhoeddwyd").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ymatebion a gyhoeddwyd")
    assert_no_axe_violations(page)
    page.get_by_label("Chwilio’r sylwadau").fill("buses")
    page.get_by_role("button", name="Chwilio").click()
    expect(page.get_by_role("heading", level=2, name="Sylwadau sy’n cynnwys “buses”")).to_be_visible()
    assert_no_axe_violations(page)
