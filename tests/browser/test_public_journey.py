"""A member of the public responding to a consultation in a real browser (Chromium), checked with axe-core.

Run: .venv/bin/python -m pytest tests/browser -q -p no:cacheprovider
"""
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import chromium_missing
from tests.browser.helpers import assert_no_axe_violations, assert_no_horizontal_scroll

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")

TITLE = "Draft Strategic Commissioning Plan for Adult Health and Social Care 2026 to 2029"
REFERENCE = re.compile(r"ENG-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}")
PRIVATE_LINK = re.compile(r"^http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]+$")
ERROR_TITLE = re.compile(r"^(Error|Gwall): ")

# Questions pages: 1 "1. Vision", 2 "2. Carers", 3 "General questions" (the factory's question).
VISION_QUESTION = "What would help you live well at home?"  # free text, required, up to 5,000 characters
SCALE_QUESTION = "Do you agree with the vision?"
BREAK_QUESTION = "Which break would help you most?"
HELP_QUESTION = "What would help you keep caring?"
GENERAL_QUESTION = "What do you think of the plan?"

VISION_ANSWER = "A carer's assessment that happens before I reach crisis point."
GENERAL_ANSWER = "Good plan, but say where the money for short breaks comes from."
CHECK_HEADING = "Check your answers before submitting your response"


@pytest.fixture(scope="module")
def consultation(live_server):
    """One open consultation with questions on two sections of the plan and one general question."""

    def seed():
        from engage.consultations.services import add_question

        consultation = factories.make_consultation(
            TITLE, status="open", localities=["Musselburgh", "North Berwick Coastal", "Tranent"])
        sections = {section.heading: section for section in consultation.latest_version.sections}
        add_question(consultation, VISION_QUESTION, required=True, section=sections["Vision"])
        add_question(consultation, SCALE_QUESTION, kind="agree_scale", section=sections["Vision"])
        add_question(consultation, BREAK_QUESTION, kind="single_choice", section=sections["Carers"],
                     options=["Day centre", "Respite at home", "Something else"])
        add_question(consultation, HELP_QUESTION, kind="multiple_choice", section=sections["Carers"],
                     options=["Someone to talk to", "Help with paperwork", "Training"])
        return SimpleNamespace(slug=consultation.slug, url=f"/consultations/{consultation.slug}")

    return live_server.run(seed)


# Helpers ------------------------------------------------------------------------------------

def main_heading(page):
    return page.get_by_role("heading", level=1)


def arrive(page, heading):
    """Wait for the page whose main heading is `heading`, then check it with axe-core."""
    expect(main_heading(page)).to_have_text(heading)
    assert_no_axe_violations(page)


def press(page, button):
    page.get_by_role("button", name=button, exact=True).click()


def group(page, legend):
    """A fieldset (radios or checkboxes) by the start of its legend."""
    return page.get_by_role("group", name=re.compile("^" + re.escape(legend)))


def error_summary(page):
    return page.locator(".govuk-error-summary")


def error_by_field(page, legend):
    """The error message shown in the form group of a fieldset."""
    return page.locator(".govuk-form-group--error").filter(has=group(page, legend)).locator(".govuk-error-message")


def summary_row(page, key):
    """A row of the check answers page, by its key."""
    return page.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key").get_by_text(key, exact=True))


def fill_about_you(page):
    """An unpaid carer, responding as an individual, in North Berwick Coastal."""
    page.get_by_label("As an individual", exact=True).check()
    page.get_by_label("Carers of users of social care", exact=True).check()
    group(page, "Where do you live or work?").get_by_label("North Berwick Coastal").check()


def answer_vision(page, text=VISION_ANSWER):
    page.get_by_label(VISION_QUESTION).fill(text)
    group(page, SCALE_QUESTION).get_by_label("Agree", exact=True).check()


def start_from_the_consultation_page(page, consultation):
    """Consultation page -> Respond online -> Start now -> About you."""
    page.goto(consultation.url)
    arrive(page, TITLE)
    press(page, "Respond online")  # GOV.UK's start button: a link shown as a button
    arrive(page, "Respond to the consultation")
    press(page, "Start now")
    arrive(page, "About you")


def read_confirmation(page):
    """On the confirmation page: the reference and the private link."""
    arrive(page, "Response submitted")
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_contain_text(REFERENCE)
    reference = REFERENCE.search(panel.inner_text()).group(0)
    link = page.locator(".app-private-link a").inner_text().strip()
    assert PRIVATE_LINK.match(link), link
    return reference, link


# The acceptance test: a carer responds, with JavaScript and without -------------------------

def respond_as_a_carer(page, consultation):
    """From the home page to "Response submitted", axe-checking every page; returns the reference."""
    page.goto("/")
    arrive(page, "Have your say")
    page.get_by_role("link", name=TITLE).click()
    arrive(page, TITLE)

    # Read the plan: contents, then the section about carers and the questions on it.
    page.get_by_role("link", name="Read the draft plan").click()
    arrive(page, "First draft")
    page.get_by_role("link", name="Carers", exact=True).click()
    arrive(page, "2. Carers")
    expect(page.get_by_text("Unpaid carers need breaks.")).to_be_visible()
    expect(page.get_by_role("main").get_by_text(BREAK_QUESTION)).to_be_visible()
    press(page, "Comment on this section")
    arrive(page, "Respond to the consultation")

    # "Comment on this section" goes, through the start page, straight to that section's questions.
    press(page, "Start now")
    arrive(page, "2. Carers")
    expect(page.get_by_text("Questions, page 2 of 3")).to_be_visible()
    group(page, BREAK_QUESTION).get_by_label("Respite at home").check()
    help_wanted = group(page, HELP_QUESTION)
    help_wanted.get_by_label("Someone to talk to").check()
    help_wanted.get_by_label("Help with paperwork").check()
    press(page, "Save and continue")

    arrive(page, "General questions")
    page.get_by_label(GENERAL_QUESTION).fill(GENERAL_ANSWER)
    press(page, "Save and continue")

    arrive(page, "Publishing your response")
    page.get_by_label("Yes, publish my response without my name").check()
    press(page, "Save and continue")

    arrive(page, "Equality questions (optional)")
    group(page, "What is your age?").get_by_label("45 to 54").check()
    group(page, "Do you look after, or give any help or support to, someone").get_by_label("Yes").check()
    press(page, "Save and continue")

    arrive(page, CHECK_HEADING)
    expect(summary_row(page, BREAK_QUESTION)).to_contain_text("Respite at home")
    expect(summary_row(page, HELP_QUESTION)).to_contain_text("Someone to talk to, Help with paperwork")
    expect(summary_row(page, GENERAL_QUESTION)).to_contain_text(GENERAL_ANSWER)
    expect(summary_row(page, "Publishing your response")).to_contain_text("Publish without my name")
    expect(summary_row(page, "Equality questions")).to_contain_text("Answered")
    expect(summary_row(page, "Groups")).to_contain_text("Not answered")
    expect(summary_row(page, VISION_QUESTION)).to_contain_text("Not answered")

    # Submitting now says what is still needed, and links to it.
    press(page, "Submit your response")
    expect(main_heading(page)).to_have_text(CHECK_HEADING)
    summary = error_summary(page)
    expect(summary.get_by_role("link", name="Tell us about yourself")).to_be_visible()
    expect(summary.get_by_role("link", name=f"Answer this question: {VISION_QUESTION}")).to_be_visible()
    assert_no_axe_violations(page)
    summary.get_by_role("link", name="Tell us about yourself").click()
    arrive(page, "About you")
    fill_about_you(page)
    press(page, "Save and continue")
    arrive(page, CHECK_HEADING)  # back where they were
    expect(summary_row(page, "Responding")).to_contain_text("As an individual")
    expect(summary_row(page, "Groups")).to_contain_text("Carers of users of social care")
    expect(summary_row(page, "Where you live or work")).to_contain_text("North Berwick Coastal")

    # A "Change" link, and back to check answers.
    page.get_by_role("link", name=f"Change {VISION_QUESTION}").click()
    arrive(page, "1. Vision")
    answer_vision(page)
    press(page, "Save and continue")
    arrive(page, CHECK_HEADING)
    expect(summary_row(page, VISION_QUESTION)).to_contain_text(VISION_ANSWER)
    expect(summary_row(page, SCALE_QUESTION)).to_contain_text("Agree")
    expect(error_summary(page)).to_have_count(0)

    press(page, "Submit your response")
    reference, _ = read_confirmation(page)
    return reference


def test_a_carer_reads_the_plan_and_responds(new_page, consultation):
    page = new_page()
    respond_as_a_carer(page, consultation)


def test_a_carer_responds_without_javascript(new_page, consultation):
    page = new_page(java_script_enabled=False)
    respond_as_a_carer(page, consultation)
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))  # really no JavaScript


# Save and come back later -------------------------------------------------------------------

def test_save_and_return_with_the_private_link_then_submit_and_withdraw(new_page, consultation):
    page = new_page()
    start_from_the_consultation_page(page, consultation)
    fill_about_you(page)
    press(page, "Save and continue")
    arrive(page, "1. Vision")
    answer_vision(page)
    press(page, "Save and come back later")
    arrive(page, "Your answers have been saved")
    expect(page.get_by_role("main")).to_contain_text(REFERENCE)
    reference = REFERENCE.search(page.get_by_role("main").inner_text()).group(0)
    link = page.locator(".app-private-link a").inner_text().strip()
    assert PRIVATE_LINK.match(link), link

    # Another day, another browser: no cookies, only the link.
    later = new_page()
    later.goto(link)
    arrive(later, CHECK_HEADING)
    expect(summary_row(later, "Groups")).to_contain_text("Carers of users of social care")
    expect(summary_row(later, "Where you live or work")).to_contain_text("North Berwick Coastal")
    expect(summary_row(later, VISION_QUESTION)).to_contain_text(VISION_ANSWER)
    expect(summary_row(later, SCALE_QUESTION)).to_contain_text("Agree")
    later.get_by_role("link", name=f"Change {VISION_QUESTION}").click()
    arrive(later, "1. Vision")
    expect(later.get_by_label(VISION_QUESTION)).to_have_value(VISION_ANSWER)
    expect(group(later, SCALE_QUESTION).get_by_label("Agree", exact=True)).to_be_checked()
    press(later, "Save and continue")
    arrive(later, CHECK_HEADING)
    later.get_by_role("link", name="Change whether we can publish your response").click()
    arrive(later, "Publishing your response")
    later.get_by_label("No, do not publish my response").check()
    press(later, "Save and continue")
    arrive(later, CHECK_HEADING)
    press(later, "Submit your response")
    assert read_confirmation(later) == (reference, link)

    # The same link, once more: withdraw.
    again = new_page()
    again.goto(link)
    arrive(again, "Your response")
    again.get_by_role("link", name="Withdraw your response").click()
    arrive(again, "Are you sure you want to withdraw your response?")
    press(again, "Withdraw my response")
    arrive(again, "Your response has been withdrawn")
    expect(again.get_by_text(reference)).to_be_visible()
    again.goto(link)
    arrive(again, "This link does not work")


# Mistakes -----------------------------------------------------------------------------------

def test_errors_are_summarised_focused_and_shown_by_the_fields(new_page, consultation):
    page = new_page()
    start_from_the_consultation_page(page, consultation)
    press(page, "Save and continue")

    expect(main_heading(page)).to_have_text("About you")
    summary = error_summary(page)
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus there so it is read out first
    expect(page).to_have_title(ERROR_TITLE)
    messages = {
        "Are you responding as an individual or on behalf of an organisation?":
            "Select whether you are responding as an individual or for an organisation",
        "Which of these describe you?": "Select at least one group that describes you",
        "Where do you live or work?": "Select where you live or work",
    }
    for legend, message in messages.items():
        expect(summary.get_by_role("link", name=message)).to_be_visible()
        expect(error_by_field(page, legend)).to_have_text(re.compile(re.escape(message)))
    assert_no_axe_violations(page)
    page.screenshot(path="/tmp/engage-public-about-errors.png", full_page=True)

    # The summary's links go to the questions.
    summary.get_by_role("link", name="Select where you live or work").click()
    expect(group(page, "Where do you live or work?").get_by_label("Musselburgh")).to_be_focused()

    fill_about_you(page)
    press(page, "Save and continue")
    arrive(page, "1. Vision")

    # Over the 5,000 character limit: GOV.UK's character count says so as you type...
    answer = page.get_by_label(VISION_QUESTION)
    answer.fill("a" * 5000)
    answer.press("End")
    answer.press_sequentially("!")
    expect(page.locator(".govuk-character-count__status")).to_have_text("You have 1 character too many")
    expect(answer).to_have_class(re.compile(r"\bgovuk-textarea--error\b"))
    assert_no_axe_violations(page)

    # ...and the server refuses it, keeping the text so that it can be shortened.
    press(page, "Save and continue")
    expect(main_heading(page)).to_have_text("1. Vision")
    expect(page).to_have_title(ERROR_TITLE)
    too_long = "Your answer must be 5,000 characters or fewer"
    expect(error_summary(page).get_by_role("link", name=too_long)).to_be_visible()
    expect(page.locator(".govuk-form-group--error").filter(has=answer).locator("p.govuk-error-message")
           ).to_have_text(re.compile(too_long))
    expect(answer).to_have_value("a" * 5000 + "!")
    expect(page.locator(".govuk-character-count__status")).to_have_text("You have 1 character too many")
    assert_no_axe_violations(page)


# Small screens ------------------------------------------------------------------------------

def test_the_journey_fits_a_320px_screen(new_page, consultation):
    page = new_page(viewport={"width": 320, "height": 640})

    def fits(heading):
        arrive(page, heading)
        assert_no_horizontal_scroll(page, 320)

    page.goto("/")
    fits("Have your say")
    page.get_by_role("link", name=TITLE).click()
    fits(TITLE)
    page.get_by_role("link", name="Read the draft plan").click()
    fits("First draft")
    page.get_by_role("link", name="Carers", exact=True).click()
    fits("2. Carers")
    page.goto(consultation.url + "/respond")
    fits("Respond to the consultation")
    press(page, "Start now")
    fits("About you")
    fill_about_you(page)
    press(page, "Save and continue")
    fits("1. Vision")
    answer_vision(page)
    press(page, "Save and continue")
    fits("2. Carers")
    press(page, "Save and continue")
    fits("General questions")
    press(page, "Save and continue")
    fits("Publishing your response")
    page.get_by_label("Yes, publish my response without my name").check()
    press(page, "Save and continue")
    fits("Equality questions (optional)")
    press(page, "Skip these questions")
    fits(CHECK_HEADING)
    page.screenshot(path="/tmp/engage-public-check-320.png", full_page=True)
    press(page, "Submit your response")
    read_confirmation(page)
    assert_no_horizontal_scroll(page, 320)


# Keyboard -----------------------------------------------------------------------------------

FOCUS_YELLOW = "rgb(255, 221, 0)"  # GOV.UK Frontend's focus colour, $govuk-focus-colour

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {name: "", checked: false, style: {}};
    const label = el.labels && el.labels.length ? el.labels[0].textContent : el.textContent;
    // GOV.UK radios and checkboxes hide the input and draw the focus ring on the label's ::before.
    const choice = el.matches(".govuk-radios__input, .govuk-checkboxes__input");
    const style = choice ? getComputedStyle(el.labels[0], "::before") : getComputedStyle(el);
    return {
        name: el.tagName.toLowerCase() + ":" + (label || el.value || "").trim(),
        checked: Boolean(el.checked),
        style: {outline: style.outlineStyle === "none" ? "none" : `${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}`,
                boxShadow: style.boxShadow, background: style.backgroundColor},
    };
}"""


def tab_to(page, name, limit=40):
    """Press Tab until the element called `name` (tag:label) has focus; return what is focused."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused["name"])
        if focused["name"] == name:
            return focused
    raise AssertionError(f"Tab never reached {name}; it went {seen}")


def assert_focus_visible(focused):
    """The focused element shows GOV.UK's yellow focus indicator (an outline or box-shadow, or a fill)."""
    style = focused["style"]
    assert style["outline"] != "none" or style["boxShadow"] != "none", focused
    assert any(FOCUS_YELLOW in value for value in style.values()), f"no visible focus indicator: {focused}"


def test_about_you_can_be_completed_from_the_keyboard(new_page, consultation):
    page = new_page()
    page.goto(consultation.url + "/respond")
    arrive(page, "Respond to the consultation")
    press(page, "Start now")
    arrive(page, "About you")

    # Nothing is chosen yet, so Tab stops on the first radio; Space chooses it.
    focused = tab_to(page, "input:As an individual")
    assert_focus_visible(focused)
    page.keyboard.press("Space")
    expect(page.get_by_label("As an individual", exact=True)).to_be_checked()

    focused = tab_to(page, "input:Name of the organisation")
    assert_focus_visible(focused)
    focused = tab_to(page, "input:Carers of users of social care")
    assert_focus_visible(focused)
    page.keyboard.press("Space")
    expect(page.get_by_label("Carers of users of social care", exact=True)).to_be_checked()

    # Arrow keys move through a radio group, choosing as they go.
    localities = group(page, "Where do you live or work?")
    tab_to(page, "input:Musselburgh")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate(FOCUSED)
    assert focused["name"] == "input:North Berwick Coastal" and focused["checked"], focused
    assert_focus_visible(focused)
    expect(localities.get_by_label("North Berwick Coastal")).to_be_checked()

    focused = tab_to(page, "button:Save and continue")
    assert_focus_visible(focused)
    page.keyboard.press("Enter")
    arrive(page, "1. Vision")
    expect(page.get_by_text("Questions, page 1 of 3")).to_be_visible()


# Welsh --------------------------------------------------------------------------------------

def test_the_consultation_page_in_welsh_and_back_to_english(new_page, consultation):
    page = new_page()
    page.goto(consultation.url)
    arrive(page, TITLE)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("link", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    arrive(page, TITLE)  # the consultation's own words stay as written
    expect(page.get_by_role("button", name="Ymateb ar-lein")).to_be_visible()
    expect(page.get_by_role("link", name="Darllen y cynllun drafft")).to_be_visible()
    expect(page.get_by_role("navigation", name="Iaith")).to_be_visible()

    # The journey in Welsh, with its "Error:" prefix.
    page.get_by_role("button", name="Ymateb ar-lein").click()
    arrive(page, "Ymateb i’r ymgynghoriad")
    press(page, "Dechrau nawr")
    arrive(page, "Amdanoch chi")
    press(page, "Cadw a pharhau")
    expect(main_heading(page)).to_have_text("Amdanoch chi")
    expect(page).to_have_title(re.compile(r"^Gwall: "))
    expect(error_summary(page).get_by_role("heading")).to_have_text("Mae problem wedi codi")
    expect(error_summary(page).get_by_role("link", name="Dewiswch ble rydych chi’n byw neu’n gweithio")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    arrive(page, "About you")
    page.goto(consultation.url)
    arrive(page, TITLE)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # A page with errors saved nothing: there is no response to continue yet.
    expect(page.get_by_role("button", name="Respond online")).to_be_visible()
    press(page, "Respond online")
    arrive(page, "Respond to the consultation")
    press(page, "Start now")
    arrive(page, "About you")
    fill_about_you(page)
    press(page, "Save and continue")
    arrive(page, "1. Vision")
    page.goto(consultation.url)
    arrive(page, TITLE)
    expect(page.get_by_role("button", name="Continue your response")).to_be_visible()
