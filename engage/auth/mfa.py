"""Staff second factor: time-based one-time codes (TOTP, RFC 6238) and recovery codes.

A code is accepted for the current 30-second step and one step either side (clock
drift), and only once: the step used is remembered, so a code seen over someone's
shoulder cannot be replayed. Recovery codes are random, shown once, and kept only
as SHA-256 hashes (they are long random strings, so a slow hash adds nothing).
"""
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app

from engage.models import utcnow

STEP_SECONDS = 30
RECOVERY_CODES = 10


def required_for(user):
    """True when this user must give a second factor: their role requires it, or they set one up."""
    return user.role in current_app.config["MFA_REQUIRED_ROLES"] or user.mfa_enabled_at is not None


def is_set_up(user):
    """True once the user has an authenticator app linked."""
    return bool(user.totp_secret and user.mfa_enabled_at)


def new_secret():
    """A fresh random base32 secret for an authenticator app."""
    return pyotp.random_base32()


def provisioning_uri(user, secret):
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["MFA_ISSUER"])


def qr_code_data_uri(uri):
    """The QR code of `uri` as an SVG data: URI, for an <img> (no inline markup, CSP-friendly)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def grouped(secret):
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def verify_code(user, code, secret=None, now=None):
    """True, and the step is remembered, if `code` is a valid unused code for the user's secret."""
    code = "".join((code or "").split())
    if not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret or user.totp_secret)
    step = int((now or time.time()) // STEP_SECONDS)
    for candidate in (step - 1, step, step + 1):
        if user.totp_last_step is not None and candidate <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            user.totp_last_step = candidate
            return True
    return False


def set_up(user, secret):
    """Link the authenticator app; returns the new recovery codes (shown once, stored hashed)."""
    user.totp_secret = secret
    user.mfa_enabled_at = utcnow()
    return new_recovery_codes(user)


def new_recovery_codes(user):
    """Replace the user's recovery codes; returns them in plain text (the only time they exist)."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    user.recovery_code_hashes = [_hash(code) for code in codes]
    return codes


def use_recovery_code(user, code):
    """True, and the code is spent, if `code` is one of the user's unused recovery codes."""
    digest = _hash(code)
    remaining = list(user.recovery_code_hashes or [])
    for stored in remaining:
        if hmac.compare_digest(stored, digest):
            remaining.remove(stored)
            user.recovery_code_hashes = remaining
            return True
    return False


def reset(user):
    """Unlink the authenticator app (an administrator's action, e.g. a lost phone)."""
    user.totp_secret = None
    user.mfa_enabled_at = None
    user.totp_last_step = None
    user.recovery_code_hashes = []


def looks_like_recovery_code(code):
    """Recovery codes have a dash and letters; one-time codes are six digits."""
    return "-" in (code or "") or not "".join((code or "").split()).isdigit()


def _hash(code):
    normalised = "".join((code or "").lower().split())
    return hashlib.sha256(normalised.encode()).hexdigest()
