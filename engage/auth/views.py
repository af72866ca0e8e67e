"""Sign in (password, then a code from an authenticator app where required) and sign out."""
import time
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from engage import audit, security
from engage.auth import bp, mfa, services
from engage.auth.forms import CodeForm, LoginForm
from engage.extensions import db
from engage.models import User

# How long someone has, after the right password, to give their code.
PENDING_SECONDS = 5 * 60


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
            user = services.authenticate(form.email.data, form.password.data, clear_failures=False)
            if user is None:
                error = "The email address or password is not right"
            elif mfa.required_for(user):
                # Not signed in yet: the password is right, the second factor is still to come.
                session.clear()
                session["mfa_pending"] = {"user_id": user.id, "since": time.time(),
                                          "next": _safe_next(request.args.get("next"))}
                db.session.commit()
                return redirect(url_for(".code" if mfa.is_set_up(user) else ".set_up_code"))
            else:
                services.clear_failures_for(user.email)
                return _complete_sign_in(user, _safe_next(request.args.get("next")))
        db.session.commit()
        if error:
            form.password.errors.append(error)
    return render_template("auth/login.html", form=form), (200 if not form.errors else 400)


def _complete_sign_in(user, next_page, message=None, **detail):
    """Sign the user in with a fresh session and go on."""
    # A fresh session at sign-in: nothing from before survives.
    session.clear()
    user.touch_login()
    login_user(user)
    security.start_staff_session()
    if message:
        flash(message, "success")
    audit.record("user.signed_in", user, user=user, **detail)
    db.session.commit()
    return redirect(next_page or url_for("consultations.dashboard"))


def _pending_user():
    """The user who gave the right password in the last few minutes, or None."""
    pending = session.get("mfa_pending")
    if not pending or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user_id"))
    return user if user is not None and user.active else None


def _start_again():
    session.pop("mfa_pending", None)
    flash("Sign in again: the time to enter your code ran out.", "error")
    return redirect(url_for(".login"))


@bp.route("/code", methods=["GET", "POST"])
def code():
    """Second step of sign-in: a code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None or not mfa.is_set_up(user):
        return _start_again()
    form = CodeForm()
    if form.validate_on_submit():
        minutes = services.locked_minutes(user.email)
        entered = form.code.data.strip()
        if minutes:
            form.code.errors.append(f"Too many failed attempts to sign in to this account. "
                                    f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.")
        elif mfa.looks_like_recovery_code(entered) and mfa.use_recovery_code(user, entered):
            services.clear_failures_for(user.email)
            left = len(user.recovery_code_hashes)
            return _complete_sign_in(user, session["mfa_pending"].get("next"),
                                     message=f"You used a recovery code. You have {left} left.",
                                     second_factor="recovery_code", recovery_codes_left=left)
        elif mfa.verify_code(user, entered):
            services.clear_failures_for(user.email)
            return _complete_sign_in(user, session["mfa_pending"].get("next"), second_factor="totp")
        else:
            services.record_failure(user.email)
            form.code.errors.append("The code is not right. Enter the 6-digit code your authenticator app "
                                    "shows now, or one of your recovery codes")
        db.session.commit()
    return render_template("auth/code.html", form=form), (400 if form.errors else 200)


@bp.route("/code/set-up", methods=["GET", "POST"])
def set_up_code():
    """First sign-in of an account that needs a second factor: link an authenticator app."""
    user = _pending_user()
    if user is None:
        return _start_again()
    if mfa.is_set_up(user):
        return redirect(url_for(".code"))
    pending = session["mfa_pending"]
    if not pending.get("secret"):
        pending["secret"] = mfa.new_secret()
        session["mfa_pending"] = pending
    secret = pending["secret"]
    form = CodeForm()
    if form.validate_on_submit():
        if mfa.verify_code(user, form.code.data, secret=secret):
            codes = mfa.set_up(user, secret)
            audit.record("user.second_factor_set_up", user, user=user)
            next_page = pending.get("next")
            _complete_sign_in(user, next_page, second_factor="totp")
            session["recovery_codes"] = codes
            session["after_recovery_codes"] = next_page
            return redirect(url_for(".recovery_codes"))
        services.record_failure(user.email)
        db.session.commit()
        form.code.errors.append("The code is not right. Check the time on your phone is set automatically, "
                                "then enter the 6-digit code your authenticator app shows now")
    uri = mfa.provisioning_uri(user, secret)
    return render_template("auth/set_up_code.html", form=form, qr_code=mfa.qr_code_data_uri(uri),
                           secret=mfa.grouped(secret)), (400 if form.errors else 200)


@bp.route("/code/recovery-codes")
@login_required
def recovery_codes():
    """The recovery codes, shown once right after setting up the authenticator app."""
    codes = session.pop("recovery_codes", None)
    if not codes:
        return redirect(url_for("consultations.dashboard"))
    return render_template("auth/recovery_codes.html", codes=codes,
                           next_page=session.pop("after_recovery_codes", None) or url_for("consultations.dashboard"))


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
