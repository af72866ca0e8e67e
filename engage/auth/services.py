"""Passwords (Argon2), per-account login throttling and the login manager."""
from datetime import timedelta
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app
from flask_login import current_user

from engage.extensions import db
from engage.models import LoginThrottle, User, utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128

# A hash of a random password, verified against when the e-mail is unknown so
# that a missing account takes as long as a wrong password.
_DUMMY_HASH = None


def _hasher():
    """An Argon2id hasher with the configured cost."""
    config = current_app.config if current_app else {}
    return PasswordHasher(
        time_cost=config.get("ARGON2_TIME_COST", 3),
        memory_cost=config.get("ARGON2_MEMORY_COST", 65536),
    )


def hash_password(plain):
    """A slow, salted Argon2id hash of the password."""
    return _hasher().hash(plain)


def verify_password(password_hash, plain):
    """True if plain matches the stored hash."""
    try:
        return _hasher().verify(password_hash, plain)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(plain):
    """A plain-English reason the password is not acceptable, or None."""
    if len(plain) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(plain) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    return None


def normalise_email(email):
    """E-mail addresses compare case-insensitively."""
    return (email or "").strip().lower()


def create_user(email, name, password, role="officer", is_demo=False):
    """Create a staff account (raises ValueError on a bad password or duplicate)."""
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    email = normalise_email(email)
    if User.query.filter_by(email=email).first():
        raise ValueError(f"An account for {email} already exists")
    user = User(email=email, name=name, password_hash=hash_password(password), role=role,
                is_demo=is_demo)
    db.session.add(user)
    db.session.flush()
    return user


def _throttle_for(email):
    """The throttle row for this address (created on first failure)."""
    return db.session.get(LoginThrottle, email)


def locked_minutes(email):
    """Minutes until this address may try again, or 0."""
    throttle = _throttle_for(normalise_email(email))
    if throttle is None or throttle.locked_until is None:
        return 0
    remaining = throttle.locked_until - utcnow()
    if remaining.total_seconds() <= 0:
        return 0
    return max(1, int(remaining.total_seconds() // 60) + 1)


def authenticate(email, password, clear_failures=True):
    """The user for these credentials, or None; counts failures per address.

    clear_failures=False keeps the failure count when a second factor is still to come,
    so a known password cannot be used to reset the count between guesses at codes.
    """
    global _DUMMY_HASH
    email = normalise_email(email)
    user = User.query.filter_by(email=email).first()
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not-a-real-password-000")
        verify_password(_DUMMY_HASH, password)
        ok = False
    else:
        ok = user.active and verify_password(user.password_hash, password)
    if ok:
        if clear_failures:
            clear_failures_for(email)
        return user
    _record_failure(email)
    return None


def clear_failures_for(email):
    """Forget the failed attempts of an address (after a complete sign-in)."""
    throttle = _throttle_for(normalise_email(email))
    if throttle is not None:
        db.session.delete(throttle)


def record_failure(email):
    """Count a failed attempt at a second factor like a failed password."""
    _record_failure(normalise_email(email))


def _record_failure(email):
    """Count a failed sign-in; lock the address after too many in the window."""
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
    now = utcnow()
    throttle = _throttle_for(email)
    if throttle is None:
        throttle = LoginThrottle(email=email, failures=0, first_failure_at=now)
        db.session.add(throttle)
    if now - throttle.first_failure_at > window:
        throttle.failures = 0
        throttle.first_failure_at = now
        throttle.locked_until = None
    throttle.failures += 1
    if throttle.failures >= config["LOGIN_MAX_FAILURES"]:
        throttle.locked_until = now + window
    db.session.flush()


def init_login_manager(login_manager):
    """Configure Flask-Login: where to send people, how to load a user."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id):
        user_id, _, token = session_id.partition(":")
        if not user_id.isdigit() or not token:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_token != token:
            return None
        return user


def role_required(*roles):
    """Allow only users with one of roles (anonymous users are sent to sign in)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
