"""An officer using the staff screens in a real browser (Chromium), checked with axe-core.

Run: .venv/bin/python -m pytest tests/browser -q -p no:cacheprovider
"""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import chromium_missing
from tests.browser.helpers import (
    DOCX_MIME, assert_no_axe_violations, assert_no_horizontal_scroll, draft_docx, fill_date, sign_in,
)

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")

NEXT_YEAR = date.today().year + 1
TITLE = "Draft Strategic Commissioning Plan 2026-2029"

FIRST_DRAFT = [
    ("1. Vision", ["We want people to live well at home, for as long as they can.",
                   "Services will be joined up around the person."]),
    ("2. Carers", ["Unpaid carers need regular breaks.",
                   "We will fund short breaks in every locality."]),
    ("3. Transport", ["Getting to appointments is hard in rural areas."]),
]

SECOND_DRAFT = """# 1. Vision

We want people to live well at home, for as long as they can.

Services will be joined up around the person.

# 2. Carers

Unpaid carers need regular breaks, and information when they start caring.

We will fund short breaks in every locality.

# 3. Transport

Getting to appointments is hard in rural areas.

# 4. Digital inclusion

We will help people who do not use the internet to reach our services.
"""


def main_heading(page):
    return page.get_by_role("heading", level=1)


def status_tag(page):
    """The status shown under the consultation's title."""
    return page.get_by_role("main").locator("strong.govuk-tag").first


def success_banner(page):
    return page.locator(".govuk-notification-banner--success")


def fill_consultation_form(page, title=TITLE, opens=(1, 3), closes=(30, 6)):
    """Answer every question on the create form (title may be empty)."""
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Summary").fill("Tell us what you think of our plan for the next three years.")
    page.get_by_label("Organisation consulting").fill("Example Health and Social Care Partnership")
    fill_date(page, "Opening date", opens[0], opens[1], NEXT_YEAR)
    fill_date(page, "Closing date", closes[0], closes[1], NEXT_YEAR)
    page.get_by_label("Localities").fill("Musselburgh\nNorth Berwick Coastal")


# The acceptance test ------------------------------------------------------------------------

def test_officer_sets_up_and_opens_a_consultation(signed_in_page):
    """Sign in, create, upload a .docx draft, add a question, open; then a second draft and compare."""
    page = signed_in_page

    page.get_by_role("button", name="Create a consultation").click()
    expect(main_heading(page)).to_have_text("Create a consultation")
    assert_no_axe_violations(page)
    fill_consultation_form(page)
    page.get_by_role("button", name="Create consultation").click()

    # The overview: what was saved, and what to do next.
    expect(main_heading(page)).to_have_text(TITLE)
    expect(success_banner(page)).to_contain_text(f"Consultation “{TITLE}” created. Next, add the draft plan.")
    expect(status_tag(page)).to_have_text("Draft")
    expect(page.get_by_text("Musselburgh, North Berwick Coastal")).to_be_visible()
    expect(page.get_by_text("No draft yet.")).to_be_visible()
    expect(page.get_by_text("Add a draft of the plan before opening the consultation.")).to_be_visible()
    assert_no_axe_violations(page)

    # First draft: a Word document.
    page.get_by_role("link", name="Add the first draft").click()
    expect(main_heading(page)).to_have_text("Add a draft of the plan")
    expect(page.get_by_label("Name of this draft")).to_have_value("First draft")
    assert_no_axe_violations(page)
    page.get_by_label("Or upload the draft plan").set_input_files(
        files={"name": "draft-plan.docx", "mimeType": DOCX_MIME, "buffer": draft_docx(FIRST_DRAFT)})
    page.get_by_role("button", name="Add draft").click()

    expect(main_heading(page)).to_have_text("Version 1: First draft")
    expect(success_banner(page)).to_contain_text("Version 1: First draft added with 3 sections.")
    expect(page.get_by_text("Imported from draft-plan.docx")).to_be_visible()
    for heading in ("1. Vision", "2. Carers", "3. Transport"):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    expect(page.get_by_text("Unpaid carers need regular breaks.")).to_be_visible()
    assert_no_axe_violations(page)

    # A question about the Carers section, through the questions page.
    page.get_by_role("navigation", name="This consultation").get_by_role("link", name="Questions").click()
    expect(main_heading(page)).to_have_text("Questions")
    expect(page.get_by_text("No questions yet.")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Add a question", exact=True).click()
    expect(main_heading(page)).to_have_text("Add a question")
    assert_no_axe_violations(page)
    page.get_by_label("Question", exact=True).fill("What would help you most as a carer?")
    page.get_by_label("Section of the plan this question is about (optional)").select_option(label="2. Carers")
    page.get_by_role("button", name="Save question").click()
    expect(main_heading(page)).to_have_text("Questions")
    expect(success_banner(page)).to_contain_text("Question added.")
    expect(page.get_by_text("What would help you most as a carer?")).to_be_visible()
    expect(page.get_by_text("about section 2. Carers")).to_be_visible()
    assert_no_axe_violations(page)

    # Back to the overview and open it.
    page.get_by_role("link", name="Back", exact=True).click()
    expect(main_heading(page)).to_have_text(TITLE)
    expect(page.get_by_text("1 question.")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Open for responses").click()
    expect(success_banner(page)).to_contain_text("The consultation is now open.")
    expect(status_tag(page)).to_have_text("Open")
    assert_no_axe_violations(page)
    page.screenshot(path="/tmp/engage-overview.png", full_page=True)

    # Second draft: pasted Markdown, with a changed and an added section.
    page.get_by_role("link", name="Add a new draft").click()
    expect(main_heading(page)).to_have_text("Add a draft of the plan")
    expect(page.get_by_label("Name of this draft")).to_have_value("Second draft")
    assert_no_axe_violations(page)
    page.get_by_label("Paste the draft plan").fill(SECOND_DRAFT)
    page.get_by_role("button", name="Add draft").click()
    expect(main_heading(page)).to_have_text("Version 2: Second draft")
    expect(page.get_by_role("heading", level=2, name="4. Digital inclusion")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Compare drafts", exact=True).click()
    expect(main_heading(page)).to_have_text("What changed between drafts")
    expect(page.get_by_text("1 changed, 1 added, 0 removed, 2 unchanged.")).to_be_visible()
    added = page.get_by_role("region", name="Added section: Digital inclusion")
    expect(added.get_by_role("heading", level=2)).to_contain_text("Added")
    expect(added).to_contain_text("We will help people who do not use the internet")
    changed = page.get_by_role("region", name="Changed section: Carers")
    expect(changed.get_by_role("heading", level=2)).to_contain_text("Changed")
    expect(changed.locator("ins")).to_contain_text("information when they start caring")
    assert_no_axe_violations(page)
    page.screenshot(path="/tmp/engage-compare.png", full_page=True)


# Mistakes on the form -----------------------------------------------------------------------

def test_create_form_errors_are_summarised_focused_and_shown_by_the_fields(signed_in_page):
    page = signed_in_page
    page.get_by_role("button", name="Create a consultation").click()
    expect(main_heading(page)).to_have_text("Create a consultation")
    assert_no_axe_violations(page)
    fill_consultation_form(page, title="", opens=(10, 3), closes=(1, 3))
    page.get_by_role("button", name="Create consultation").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link", name="Enter a title")).to_be_visible()
    expect(summary.get_by_role("link", name="Closing date must be after the opening date")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    # GOV.UK Frontend moves focus to the summary so screen reader users hear it first.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.closest('.govuk-error-summary') !== null")

    # Each message is also shown next to its field.
    title_group = page.locator(".govuk-form-group--error").filter(has=page.get_by_label("Title", exact=True))
    expect(title_group.locator(".govuk-error-message")).to_have_text(re.compile(r"Enter a title"))
    closing_group = page.locator(".govuk-form-group--error").filter(
        has=page.get_by_role("group", name="Closing date"))
    expect(closing_group.locator(".govuk-error-message")).to_have_text(
        re.compile(r"Closing date must be after the opening date"))

    # What was typed is kept.
    expect(page.get_by_label("Summary")).to_have_value(
        "Tell us what you think of our plan for the next three years.")
    expect(page.get_by_label("Organisation consulting")).to_have_value("Example Health and Social Care Partnership")
    opening = page.get_by_role("group", name="Opening date")
    expect(opening.get_by_label("Day")).to_have_value("10")
    expect(opening.get_by_label("Month")).to_have_value("3")
    expect(opening.get_by_label("Year")).to_have_value(str(NEXT_YEAR))
    expect(page.get_by_role("group", name="Closing date").get_by_label("Day")).to_have_value("1")
    expect(page.get_by_label("Localities")).to_have_value("Musselburgh\nNorth Berwick Coastal")
    assert_no_axe_violations(page)

    # The summary's link takes you to the field.
    summary.get_by_role("link", name="Enter a title").click()
    expect(page.get_by_label("Title", exact=True)).to_be_focused()


# Without JavaScript -------------------------------------------------------------------------

def test_signing_in_and_creating_a_consultation_work_without_javascript(new_page, live_server):
    page = new_page(java_script_enabled=False)
    sign_in(page, live_server.officer_email, live_server.password)
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))  # really no JavaScript
    page.get_by_role("button", name="Create a consultation").click()
    expect(main_heading(page)).to_have_text("Create a consultation")
    assert_no_axe_violations(page)
    fill_consultation_form(page, title="Locality plan for the coast (no JavaScript)")
    page.get_by_role("button", name="Create consultation").click()
    expect(main_heading(page)).to_have_text("Locality plan for the coast (no JavaScript)")
    expect(success_banner(page)).to_contain_text("created. Next, add the draft plan.")
    expect(status_tag(page)).to_have_text("Draft")
    assert_no_axe_violations(page)


# Small screens ------------------------------------------------------------------------------

NARROW_DRAFT = """# 1. Where the money goes

| Service | 2025/26 budget | 2026/27 budget | Change |
| --- | --- | --- | --- |
| Care at home | £12,400,000 | £12,900,000 | +4% |
| Residential and nursing care | £20,100,000 | £20,300,000 | +1% |

Full tables: https://www.example.org/health-and-social-care-partnership/strategic-commissioning-plan/appendices/financial-framework-2026-2029

# 2. Carers

Unpaid carers need breaks.
"""


def test_dashboard_create_form_and_draft_fit_a_320px_screen(new_page, live_server):
    def seed():
        officer = live_server.officer()
        consultation = factories.make_consultation(
            "Joint Strategic Commissioning Plan for Adult Health and Social Care Services 2026 to 2029",
            user=officer)
        from engage.consultations import services

        services.add_plan_version(consultation, "First draft", NARROW_DRAFT, user=officer)
        return consultation.id

    consultation_id = live_server.run(seed)
    page = new_page(viewport={"width": 320, "height": 640})
    sign_in(page, live_server.officer_email, live_server.password)
    assert_no_horizontal_scroll(page, 320)

    page.get_by_role("button", name="Create a consultation").click()
    expect(main_heading(page)).to_have_text("Create a consultation")
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page, 320)

    page.goto(f"/staff/consultations/{consultation_id}/versions/1")
    expect(main_heading(page)).to_have_text("Version 1: First draft")
    expect(page.get_by_role("heading", level=2, name="1. Where the money goes")).to_be_visible()
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page, 320)
    page.screenshot(path="/tmp/engage-draft-320.png", full_page=True)


# Keyboard -----------------------------------------------------------------------------------

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {name: "", inMain: false};
    const label = el.labels && el.labels.length ? el.labels[0].textContent : el.textContent;
    return {name: el.tagName.toLowerCase() + ":" + (label || el.getAttribute("aria-label") || "").trim(),
            inMain: el.closest("main") !== null};
}"""


def test_login_page_works_from_the_keyboard(new_page, live_server):
    page = new_page()
    page.goto("/auth/login")
    expect(main_heading(page)).to_have_text("Sign in")
    assert_no_axe_violations(page)

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    order = []
    for _ in range(15):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        order.append(focused)
        if focused["name"] == "input:Email address":
            page.keyboard.type(live_server.officer_email)
        elif focused["name"] == "input:Password":
            page.keyboard.type(live_server.password)
        elif focused["name"] == "button:Sign in":
            break
    names = [item["name"] for item in order]
    wanted = ["input:Email address", "input:Password", "button:Sign in"]
    assert [name for name in names if name in wanted] == wanted, f"Tab order was {names}"
    # Before the email field come only the header's links: it is the first stop in <main>.
    first_in_main = next(item["name"] for item in order if item["inMain"])
    assert first_in_main == "input:Email address", f"Tab order was {names}"

    page.keyboard.press("Enter")
    expect(main_heading(page)).to_have_text("Consultations")
    assert_no_axe_violations(page)


# The checker itself -------------------------------------------------------------------------

def test_axe_helper_names_each_violation_and_where_it_is(new_page):
    """Guards against a vacuous pass: a real violation fails with its rule, help and selector."""
    page = new_page()
    page.goto("/auth/login")
    expect(main_heading(page)).to_have_text("Sign in")
    page.evaluate("""() => {
        const image = document.createElement("img");
        image.id = "unlabelled-chart";
        image.src = "/assets/images/favicon.svg";
        document.querySelector("main").append(image);
    }""")
    with pytest.raises(AssertionError) as failure:
        assert_no_axe_violations(page)
    message = str(failure.value)
    assert "- image-alt (critical): Images must have alternative text" in message
    assert "at #unlabelled-chart" in message
    assert "region" not in message  # the login page has no back link, and nothing else is outside
