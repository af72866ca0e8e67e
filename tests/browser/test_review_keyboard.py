"""Reviewing suggestions in a real browser: keyboard shortcuts, and the same queue without JavaScript.

Run: .venv/bin/python -m pytest tests/browser/test_review_keyboard.py -q -p no:cacheprovider
"""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import chromium_missing
from tests.browser.helpers import assert_no_axe_violations, sign_in

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")


def seed_queue(live_server, title):
    """A consultation with three suggestions; returns its id and the tag ids in queue order."""

    def seed():
        from engage.extensions import db
        from engage.models import FeedbackItem, Tag, Theme

        consultation = factories.make_consultation(title=title, user=live_server.officer(), with_draft=True)
        transport = Theme(consultation_id=consultation.id, name="Transport", position=1)
        carers = Theme(consultation_id=consultation.id, name="Support for carers", position=2)
        db.session.add_all([transport, carers])
        texts = ["The buses stop at six, so I cannot visit my mother.",
                 "Carers need a break <script>alert(1)</script> more often.",
                 "Parking at the hospital is impossible."]
        items = [FeedbackItem(consultation_id=consultation.id, text=text, source="other") for text in texts]
        db.session.add_all(items)
        db.session.flush()
        tags = [Tag(item_id=items[0].id, theme_id=transport.id, source="automatic", status="suggested",
                    confidence=0.52, explanation=["buses"]),
                Tag(item_id=items[1].id, theme_id=carers.id, source="automatic", status="suggested",
                    confidence=0.35, explanation=["carers", "break"]),
                Tag(item_id=items[2].id, theme_id=transport.id, source="automatic", status="suggested",
                    confidence=0.95, explanation=["parking"])]
        db.session.add_all(tags)
        db.session.flush()
        return consultation.id, [tag.id for tag in tags]

    return live_server.run(seed)


def statuses(live_server, tag_ids):
    """The status of each tag, read fresh."""

    def read():
        from engage.extensions import db
        from engage.models import Tag

        return [db.session.get(Tag, tag_id).status for tag_id in tag_ids]

    return live_server.run(read)


def test_j_then_a_accepts_the_first_suggestion(signed_in_page, live_server):
    consultation_id, tag_ids = seed_queue(live_server, "Keyboard review")
    page = signed_in_page
    page.goto(f"/staff/consultations/{consultation_id}/coding/review")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review suggestions")
    assert_no_axe_violations(page)
    expect(page.locator("#suggestion-1 mark")).to_have_text("buses")
    expect(page.locator("#suggestion-2 .govuk-inset-text")).to_contain_text("<script>alert(1)</script>")

    # Typing in the search box is not a shortcut.
    page.get_by_text("Filter and search").click()
    page.get_by_label("Search the text").press("a")
    expect(page.get_by_label("Search the text")).to_have_value("a")
    assert statuses(live_server, tag_ids) == ["suggested"] * 3

    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    expect(page.locator("#suggestion-1")).to_be_focused()
    page.keyboard.press("a")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Accepted “Transport”")
    assert_no_axe_violations(page)
    assert statuses(live_server, tag_ids) == ["confirmed", "suggested", "suggested"]

    # Back at the same place, the next suggestion has moved up and has the focus: r rejects it.
    expect(page.locator("#suggestion-1")).to_be_focused()
    expect(page.locator("#suggestion-1 h2")).to_contain_text("Support for carers")
    page.keyboard.press("r")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Rejected “Support for carers”")
    assert_no_axe_violations(page)
    assert statuses(live_server, tag_ids) == ["confirmed", "rejected", "suggested"]

    # ? shows the list of shortcuts.
    details = page.locator("#keyboard-shortcuts")
    expect(details).not_to_have_attribute("open", "")
    page.keyboard.press("?")
    expect(details).to_have_attribute("open", "")
    expect(details.get_by_text("Accept the suggestion you are on")).to_be_visible()
    assert_no_axe_violations(page)

    # Shortcuts can be switched off (single-key shortcuts, WCAG 2.1.4), and on again.
    details.get_by_role("button", name="Turn keyboard shortcuts off").click()
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    page.keyboard.press("a")
    page.wait_for_timeout(300)
    assert statuses(live_server, tag_ids) == ["confirmed", "rejected", "suggested"]
    details.get_by_role("button", name="Turn keyboard shortcuts on").click()


def test_the_queue_works_without_javascript(new_page, live_server):
    consultation_id, tag_ids = seed_queue(live_server, "Review without JavaScript")
    page = new_page(java_script_enabled=False)
    sign_in(page, live_server.officer_email, live_server.password)
    page.goto(f"/staff/consultations/{consultation_id}/coding/review?min_confidence=40")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review suggestions")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Reject “Transport” for feedback item").first.click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Rejected “Transport”")
    assert "min_confidence=40" in page.url
    assert_no_axe_violations(page)
    assert statuses(live_server, tag_ids) == ["rejected", "suggested", "suggested"]

    # Bulk accept: count first, then accept.
    page.get_by_label("Accept every suggestion").fill("90")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#bulk-count")).to_contain_text("1 suggestion")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Accept 1 suggestion").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("1 suggestion accepted")
    assert_no_axe_violations(page)
    assert statuses(live_server, tag_ids) == ["rejected", "suggested", "confirmed"]


def test_coding_an_item_in_context_and_going_to_the_next(signed_in_page, live_server):
    consultation_id, tag_ids = seed_queue(live_server, "Coding in context")
    page = signed_in_page
    page.goto(f"/staff/consultations/{consultation_id}/coding")
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggestions")
    assert_no_axe_violations(page)
    page.locator("a.govuk-button", has_text="Code feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Code feedback")
    assert_no_axe_violations(page)
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Feedback item")
    expect(page.locator("#item-text mark")).to_have_text("buses")
    expect(page.get_by_text("suggested 52%")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Transport").check()
    page.get_by_label("Stance").select_option("concern")
    page.get_by_role("button", name="Save and go to the next uncoded item").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("coded")
    expect(page.locator("#item-text")).to_contain_text("Carers need a break")
    assert_no_axe_violations(page)
    assert statuses(live_server, tag_ids) == ["confirmed", "suggested", "suggested"]
