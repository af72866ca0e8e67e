"""Helpers for the browser tests: axe-core checks, signing in, test documents."""
import io
import os
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = Path(os.environ.get("AXE_CORE_PATH") or ROOT / "node_modules" / "axe-core" / "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# No axe rule is disabled. One known false positive for GOV.UK Frontend markup is ignored, for
# that element only: the Back link sits between the header and <main>, outside any landmark,
# because the GOV.UK Design System says to place it before <main> (so that "Skip to main
# content" skips it). axe's best-practice "region" rule flags it; GOV.UK Frontend decided to keep
# it there and lists the flag as a known issue (alphagov/govuk-frontend#1604 and #6460,
# alphagov/govuk-design-system#5029). Anything else outside a landmark still fails.
AXE_IGNORED_NODES = {("region", ".govuk-back-link")}

_RUN_AXE = """async (tags) => {
    const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return results.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
    }));
}"""


_IMMEDIATE_TIMERS = """() => {
    const soon = (fn, ...args) => { Promise.resolve().then(() => fn(...args)); return 0; };
    window.setTimeout = (fn, delay, ...args) => soon(fn, ...args);
    window.clearTimeout = () => {};
    window.requestAnimationFrame = (fn) => soon(fn, performance.now());
    window.requestIdleCallback = (fn) => soon(fn, {didTimeout: false, timeRemaining: () => 50});
}"""


def _visit_log(page):
    """The VisitLog of main-frame navigations that the new_page fixture keeps (see conftest)."""
    return getattr(page, "engage_visits", None)


def assert_no_axe_violations(page: Page):
    """Run axe-core on the page as it is now; fail listing every violation and where it is."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        if getattr(page.context, "engage_javascript", True):
            # Evaluated through the DevTools protocol, which the page's Content Security Policy
            # does not govern (a <script> tag would be refused: only nonce-bearing inline scripts run).
            page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
        else:
            # With JavaScript switched off, a <script> tag never runs and timers never fire (axe.run
            # would wait for ever), but Playwright's evaluate still runs: define axe-core through
            # it, with timers that run on the next microtask. The page's own scripts stay off, so
            # axe checks exactly what a person without JavaScript gets.
            page.evaluate(_IMMEDIATE_TIMERS)
            page.evaluate("source => { (0, eval)(source); }", AXE_PATH.read_text(encoding="utf-8"))
    violations = _without_ignored(page.evaluate(_RUN_AXE, AXE_TAGS))
    visits = _visit_log(page)
    if visits is not None:
        visits.mark_checked()
    if violations:
        lines = [f"axe-core found {len(violations)} accessibility violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"]:
                lines.append(f"    at {_target(node)}")
                summary = (node.get("summary") or "").strip().replace("\n", "\n      ")
                if summary:
                    lines.append(f"      {summary}")
        raise AssertionError("\n".join(lines))


def _target(node):
    """An axe node's CSS selector (parts inside iframes or shadow DOM joined with " > ")."""
    return " ".join(" > ".join(part) if isinstance(part, list) else part for part in node["target"])


def _without_ignored(violations):
    """Violations minus the AXE_IGNORED_NODES; a rule with no nodes left is dropped."""
    kept = []
    for violation in violations:
        nodes = [n for n in violation["nodes"] if (violation["id"], _target(n)) not in AXE_IGNORED_NODES]
        if nodes:
            kept.append({**violation, "nodes": nodes})
    return kept


def assert_no_horizontal_scroll(page: Page, width: int):
    """The page fits the viewport's width; otherwise name the elements that stick out."""
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll_width <= width + 1:
        return
    culprits = page.evaluate(
        """(width) => {
            const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (el.classList.length ? '.' + [...el.classList].join('.') : '');
            return [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > width + 1)
                .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1)
                .slice(0, 10)
                .map((el) => describe(el) + ' right=' + Math.round(el.getBoundingClientRect().right));
        }""",
        width,
    )
    raise AssertionError(
        f"{page.url} scrolls sideways at {width}px: scrollWidth is {scroll_width}. "
        f"Widest elements: {culprits}"
    )


def sign_in(page: Page, email: str, password: str):
    """Sign in through the login page as a person would, and land on the dashboard."""
    page.goto("/auth/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_no_axe_violations(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultations")
    assert_no_axe_violations(page)


def fill_date(page: Page, legend: str, day: int, month: int, year: int):
    """Type a date into the day, month and year boxes of the GOV.UK date input named legend."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def draft_docx(sections):
    """A Word document with one "Heading 1" per (heading, [paragraphs]) pair, as bytes."""
    from docx import Document

    document = Document()
    for heading, paragraphs in sections:
        document.add_heading(heading, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
