"""Per-request safeguards: pages are never cached, and staff sign-ins expire.

Headers (CSP with nonces, HSTS, framing, nosniff, referrer policy) come from
Flask-Talisman, set up in create_app.
"""
import time

from flask import current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user

# Refresh the "last seen" time at most this often, so the session cookie is not rewritten
# on every request.
SEEN_RESOLUTION_SECONDS = 30


def init_app(app):
    """Register the hooks on the app."""
    app.session_interface = SessionInterface()
    app.before_request(expire_staff_session)
    app.after_request(no_store)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per set of keys.

    Flask builds a new one for every request (the keys could have changed); it is the same
    for the same keys, and holds no state of a request.
    """

    def __init__(self):
        self._serializers = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer


def start_staff_session():
    """Call at sign-in: the idle and absolute clocks start now."""
    now = time.time()
    session["signed_in_at"] = session["seen_at"] = now


def expire_staff_session():
    """Sign out a staff user idle for STAFF_IDLE_MINUTES or signed in for STAFF_SESSION_HOURS."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = time.time()
    signed_in_at = session.get("signed_in_at")
    seen_at = session.get("seen_at")
    if signed_in_at is None or seen_at is None:
        start_staff_session()
        return None
    idle = now - seen_at > current_app.config["STAFF_IDLE_MINUTES"] * 60
    too_long = now - signed_in_at > current_app.config["STAFF_SESSION_HOURS"] * 3600
    if idle or too_long:
        from engage import audit
        from engage.extensions import db

        user = current_user._get_current_object()
        audit.record("user.session_expired", user, user=user, reason="idle" if idle else "absolute")
        db.session.commit()
        logout_user()
        session.clear()
        if idle:
            minutes = current_app.config["STAFF_IDLE_MINUTES"]
            flash(f"You were signed out because you had not used Engage for {minutes} minutes. "
                  "Sign in again to carry on.", "error")
        else:
            flash("You were signed out because you signed in more than "
                  f"{current_app.config['STAFF_SESSION_HOURS']} hours ago. Sign in again to carry on.", "error")
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))
    if now - seen_at > SEEN_RESOLUTION_SECONDS:
        session["seen_at"] = now
    return None


def no_store(response):
    """Pages may show personal data: browsers and proxies must not keep them."""
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response
