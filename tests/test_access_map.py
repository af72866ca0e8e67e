"""Access control proved from the app's URL map: every route is classified, and no route leaks.

- Every endpoint is listed: staff routes in tests/test_security.py ROUTES (checked role by
  role there), everything else here with what it is.
- Staff routes given an object (question, response, event, item, theme, tag, sample, group,
  job, upload) that belongs to another consultation answer 404, never the object.
- Public pages of a consultation that is still a draft answer 404 to everyone outside.
"""
import re

import pytest

from engage.extensions import db
from tests.conftest import login
from tests.factories import make_consultation, make_user
from tests.test_security import ROUTES, _url

# Every non-staff endpoint and what it is. "consultation" pages take a consultation's slug.
PUBLIC_ROUTES = {
    "static": "asset",
    "main.govuk_assets": "asset",
    "main.home": "public",
    "main.healthz": "public",
    "main.privacy": "public",
    "main.accessibility": "public",
    "public.language": "public",
    "auth.login": "sign-in",
    "auth.code": "sign-in",
    "auth.set_up_code": "sign-in",
    "auth.recovery_codes": "signed-in",
    "auth.logout": "signed-in",
    "public.resume": "private link",
    "public.consultation": "consultation",
    "public.plan": "consultation",
    "public.section": "consultation",
    "public.start": "consultation",
    "public.about": "consultation",
    "public.questions": "consultation",
    "public.consent": "consultation",
    "public.equality": "consultation",
    "public.check": "consultation",
    "public.saved": "consultation",
    "public.done": "consultation",
    "public.withdraw": "consultation",
    # published routes
    "exports.download": "consultation",
    "exports.open_data_schema": "public",
    "published.statement": "consultation",
    "published.revision": "consultation",
    "published.responses": "consultation",
}

PLACEHOLDERS = ("{q}", "{r}", "{e}", "{i}", "{t}", "{k}", "{s}", "{g}", "{j}", "{u}", "{ref}")


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    unclassified = sorted(f"{endpoint} {rule}" for endpoint, rule in endpoints.items()
                          if endpoint not in ROUTES and endpoint not in PUBLIC_ROUTES)
    assert not unclassified, "routes missing from the access map: " + ", ".join(unclassified)
    assert not set(PUBLIC_ROUTES) - set(endpoints), "the access map lists routes that no longer exist"
    for endpoint, rule in endpoints.items():
        assert rule.startswith("/staff") == (endpoint in ROUTES), endpoint


@pytest.fixture
def ours_and_theirs(app):
    return [make_consultation(title=title, with_draft=True, with_question=True) for title in ("Ours", "Theirs")]


def _foreign_url(template, ours, theirs):
    """The route for our consultation, but with every object id taken from theirs."""
    return _url(template, theirs).replace(f"/consultations/{theirs.id}", f"/consultations/{ours.id}", 1)


def test_objects_of_another_consultation_are_never_reachable(app, ours_and_theirs):
    ours, theirs = ours_and_theirs
    officer = make_user("officer")
    client = app.test_client()
    login(client, officer)
    checked = 0
    for endpoint, (method, template, _level) in ROUTES.items():
        if "{c}" not in template or not any(p in template for p in PLACEHOLDERS if p != "{ref}"):
            continue
        url = _foreign_url(template, ours, theirs)
        response = client.open(url, method=method, data={"status": "open", "direction": "up"})
        assert response.status_code == 404, f"{endpoint}: {url} gave {response.status_code}"
        checked += 1
    assert checked >= 10


def test_a_draft_consultation_is_invisible_to_the_public(app):
    draft = make_consultation(title="Not yet public", with_draft=True, with_question=True)
    db.session.commit()
    client = app.test_client()
    for endpoint, kind in PUBLIC_ROUTES.items():
        if kind != "consultation":
            continue
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        url = re.sub(r"<int:\w+>", "1", rule.rule.replace("<slug>", draft.slug))
        assert client.get(url).status_code == 404, endpoint
    assert "Not yet public" not in client.get("/").get_data(as_text=True)
