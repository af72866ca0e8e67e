"""Sign in and sign out."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from engage import audit, security
from engage.auth import bp, services
from engage.auth.forms import LoginForm
from engage.extensions import db


def _safe_next(target):
    """Only follow a local "next" path, never another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Staff sign-in, throttled per account."""
    if current_user.is_authenticated:
        return redirect(url_for("consultations.dashboard"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        minutes = services.locked_minutes(form.email.data)
        if minutes:
            error = (f"Too many failed attempts to sign in to this account. "
                     f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.")
        else:
            user = services.authenticate(form.email.data, form.password.data)
            if user is None:
                error = "The email address or password is not right"
            else:
                next_page = _safe_next(request.args.get("next"))
                # A fresh session at sign-in: nothing from before survives.
                session.clear()
                user.touch_login()
                login_user(user)
                security.start_staff_session()
                audit.record("user.signed_in", user, user=user)
                db.session.commit()
                return redirect(next_page or url_for("consultations.dashboard"))
        db.session.commit()
        if error:
            form.password.errors.append(error)
    return render_template("auth/login.html", form=form), (200 if not form.errors else 400)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out everywhere: the session token is rotated server-side."""
    user = current_user._get_current_object()
    user.rotate_session_token()
    audit.record("user.signed_out", user, user=user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))
