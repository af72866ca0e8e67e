"""Browser fixtures: Debian's Chromium through Playwright, and Engage on a live local server.

Every page a test visits must be checked with assert_no_axe_violations: the `new_page`
fixture records each main-frame navigation and fails the test if one was never checked.
"""
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from engage import create_app
from engage.extensions import db
from tests import factories
from tests.browser.helpers import AXE_PATH, ROOT
from tests.conftest import ON_POSTGRES, PASSWORD, _config_for, _reset_postgres

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GOVUK_CSS = ROOT / "static" / "govuk" / "govuk-frontend.min.css"
TIMEOUT_MS = 10_000  # generous for a loaded CI machine; auto-waiting returns as soon as it can
expect.set_options(timeout=TIMEOUT_MS)


def chromium_missing():
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).is_file():
        return (f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
                "(scripts/setup.sh test does) to run the browser tests")
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Let fixtures see whether the test itself passed (rep_call)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    if not AXE_PATH.is_file():
        pytest.fail(f"axe-core not found at {AXE_PATH}: run `npm ci` (or scripts/setup.sh node)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class LiveServer:
    """Engage served over HTTP on 127.0.0.1, with one officer account."""

    app: object
    url: str
    officer_email: str
    password: str = PASSWORD

    def run(self, function, *args, **kwargs):
        """Call function in an app context of the served app (e.g. a factory); commit."""
        with self.app.app_context():
            result = function(*args, **kwargs)
            db.session.commit()
            return result

    def officer(self):
        """The officer, loaded fresh (in the caller's app context)."""
        from engage.models import User

        return User.query.filter_by(email=self.officer_email).one()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """Engage with real CSRF protection, on its own database, in a daemon thread."""
    if not GOVUK_CSS.is_file():
        pytest.fail(f"GOV.UK Frontend assets are missing ({GOVUK_CSS} not found): "
                    "run `make assets` (scripts/build_assets.sh) before the browser tests")

    class LiveConfig(_config_for(tmp_path_factory.mktemp("live-server"))):
        WTF_CSRF_ENABLED = True
        SESSION_COOKIE_SECURE = False  # plain http://127.0.0.1
        SEND_FILE_MAX_AGE_DEFAULT = 3600  # let the browser cache CSS, JS and fonts between pages

    app = create_app(LiveConfig)
    with app.app_context():
        if ON_POSTGRES:
            _reset_postgres()
        else:
            db.create_all()
        email = factories.make_user("officer").email
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="engage-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.port}", officer_email=email)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class VisitLog:
    """Main-frame navigations of one page, and which of them axe-core has checked."""

    def __init__(self):
        self.urls = []
        self.checked = set()

    def navigated(self, url):
        self.urls.append(url)

    def mark_checked(self):
        self.checked.add(len(self.urls))

    def unchecked(self):
        return [url for number, url in enumerate(self.urls, start=1)
                if number not in self.checked and url != "about:blank"]


@pytest.fixture
def new_page(browser, live_server, request):
    """Make a page in a fresh browser context (own cookies) pointed at the live server.

    Keyword arguments go to browser.new_context (viewport, java_script_enabled, ...).
    After a passing test, fails if a visited page was not axe-checked, if a page raised
    a JavaScript error, or if a stylesheet, script, font or image failed to load.
    """
    contexts, pages = [], []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.engage_javascript = options.get("java_script_enabled", True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.engage_visits = VisitLog()
        page.engage_problems = []
        page.on("framenavigated",
                lambda frame: frame == page.main_frame and page.engage_visits.navigated(frame.url))
        page.on("pageerror", lambda error: page.engage_problems.append(f"JavaScript error: {error}"))
        # Anything the Content Security Policy refuses (an inline script or style) is a defect.
        page.on("console", lambda message: "Content Security Policy" in message.text
                and page.engage_problems.append(f"CSP violation: {message.text}"))
        page.on("response", lambda response: _check_asset(page, response))
        pages.append(page)
        return page

    yield make

    passed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.passed
    problems = []
    for page in pages:
        problems += page.engage_problems
        problems += [f"not checked with axe-core: {url}" for url in page.engage_visits.unchecked()]
    for context in contexts:
        context.close()
    if passed and problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _check_asset(page, response):
    """Record a static file (CSS, JS, font, image) that did not load."""
    if response.request.resource_type in ("stylesheet", "script", "font", "image") and response.status >= 400:
        page.engage_problems.append(f"{response.status} for {response.url}")


@pytest.fixture
def signed_in_page(new_page, live_server):
    """A desktop-sized page, signed in as the officer through the login form."""
    from tests.browser.helpers import sign_in

    page = new_page()
    sign_in(page, live_server.officer_email, live_server.password)
    return page
