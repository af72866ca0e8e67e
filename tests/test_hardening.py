"""Security headers on every page, no caching of pages, and staff sign-ins that expire."""
import re
import time

from engage.models import AuditEvent
from tests.conftest import login


def test_every_page_sends_a_nonce_based_csp_and_the_other_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp and "object-src 'none'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    page = response.get_data(as_text=True)
    # GOV.UK's one inline script carries the nonce; there is no other inline script.
    assert f'<script nonce="{nonce}">' in page
    assert len(re.findall(r"<script(?![^>]*\bsrc=)", page)) == 1
    assert 'style="' not in page
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    # A new nonce every time.
    assert client.get("/").headers["Content-Security-Policy"] != csp


def test_hsts_is_sent_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_pages_are_not_stored_but_static_files_are_cacheable(officer_client):
    assert officer_client.get("/staff/").headers["Cache-Control"] == "no-store"
    assert officer_client.get("/").headers["Cache-Control"] == "no-store"
    static = officer_client.get("/static/css/engage.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_staff_are_signed_out_after_30_minutes_idle(client, officer):
    login(client, officer)
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 31 * 60
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"] and "next=/staff/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "had not used Engage for 30 minutes" in page
    assert client.get("/staff/").status_code == 302
    assert AuditEvent.query.filter_by(action="user.session_expired").one().detail == {"reason": "idle"}


def test_activity_keeps_a_staff_session_alive_until_the_absolute_limit(client, officer):
    login(client, officer)
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 29 * 60
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60
        session["signed_in_at"] = time.time() - 12 * 3600 - 5
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "signed in more than 12 hours ago" in client.get(response.headers["Location"]).get_data(as_text=True)
