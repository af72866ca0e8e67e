"""Second factor for staff: setting up an authenticator app, codes, recovery codes, lock-out."""
import re
import time

import pyotp
import pytest

from engage.auth import mfa
from engage.extensions import db
from engage.models import AuditEvent, User
from tests.conftest import PASSWORD


@pytest.fixture
def mfa_app(app):
    """The app with a second factor required for admins and officers, as in production."""
    app.config["MFA_REQUIRED_ROLES"] = ("admin", "officer")
    return app


def _password(client, user, follow=False):
    return client.post("/auth/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=follow)


def _set_up(client, user):
    """Sign in for the first time and link an app; returns (secret, recovery codes)."""
    page = _password(client, user, follow=True).get_data(as_text=True)
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    response = client.post("/auth/code/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"].endswith("/auth/code/recovery-codes")
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>",
                       client.get("/auth/code/recovery-codes").get_data(as_text=True))
    return secret, codes


def _signed_in(client):
    return client.get("/staff/").status_code == 200


def _sign_out(client):
    client.post("/auth/logout")


def test_an_officer_sets_up_an_app_on_first_sign_in(mfa_app, make_user):
    officer = make_user("officer")
    client = mfa_app.test_client()
    response = _password(client, officer)
    assert response.headers["Location"].endswith("/auth/code/set-up")
    assert not _signed_in(client), "the password alone must not sign in"
    page = client.get("/auth/code/set-up").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and "Set up your authenticator app" in page
    # A wrong code: message by the field, nothing set up.
    response = client.post("/auth/code/set-up", data={"code": "000000"})
    assert response.status_code == 400
    assert "The code is not right" in response.get_data(as_text=True)
    assert db.session.get(User, officer.id).mfa_enabled_at is None
    # Typing the secret shown as text works as well as the QR code.
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    response = client.post("/auth/code/set-up", data={"code": pyotp.TOTP(secret).now()})
    codes_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(re.findall(r"<code>[0-9a-f]{6}-[0-9a-f]{6}</code>", codes_page)) == 10
    assert _signed_in(client)
    # Shown once only.
    assert client.get("/auth/code/recovery-codes").status_code == 302
    stored = db.session.get(User, officer.id)
    assert stored.totp_secret == secret and len(stored.recovery_code_hashes) == 10
    assert all(code not in str(stored.recovery_code_hashes) for code in re.findall(r"[0-9a-f]{6}-[0-9a-f]{6}", codes_page))
    assert AuditEvent.query.filter_by(action="user.second_factor_set_up", user_id=officer.id).count() == 1


def test_later_sign_ins_need_a_fresh_code_that_works_once(mfa_app, make_user):
    officer = make_user("officer")
    client = mfa_app.test_client()
    secret, _ = _set_up(client, officer)
    _sign_out(client)
    response = _password(client, officer)
    assert response.headers["Location"].endswith("/auth/code")
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step, unused so far
    response = client.post("/auth/code", data={"code": code})
    assert response.status_code == 302 and _signed_in(client)
    _sign_out(client)
    _password(client, officer)
    response = client.post("/auth/code", data={"code": code})
    assert response.status_code == 400, "a code must not work twice"
    assert not _signed_in(client)


def test_a_recovery_code_signs_in_once(mfa_app, make_user):
    officer = make_user("officer")
    client = mfa_app.test_client()
    _, codes = _set_up(client, officer)
    _sign_out(client)
    _password(client, officer)
    response = client.post("/auth/code", data={"code": codes[3].upper()}, follow_redirects=True)
    assert "You used a recovery code. You have 9 left." in response.get_data(as_text=True)
    assert _signed_in(client)
    _sign_out(client)
    _password(client, officer)
    assert client.post("/auth/code", data={"code": codes[3]}).status_code == 400
    assert not _signed_in(client)


def test_wrong_codes_lock_the_account_and_a_right_password_does_not_reset_the_count(mfa_app, make_user):
    officer = make_user("officer")
    client = mfa_app.test_client()
    secret, _ = _set_up(client, officer)
    _sign_out(client)
    for attempt in range(5):
        _password(client, officer)  # the right password each time
        response = client.post("/auth/code", data={"code": "123456" if attempt % 2 else "654321"})
        assert response.status_code == 400
    _password(client, officer)
    response = client.post("/auth/code", data={"code": pyotp.TOTP(secret).now()})
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert not _signed_in(client)


def test_the_code_step_expires_and_cannot_be_skipped(mfa_app, make_user):
    officer = make_user("officer")
    client = mfa_app.test_client()
    _password(client, officer)
    assert client.get("/staff/").status_code == 302
    with client.session_transaction() as session:
        pending = session["mfa_pending"]
        pending["since"] = time.time() - 6 * 60
        session["mfa_pending"] = pending
    response = client.get("/auth/code/set-up", follow_redirects=True)
    assert "Sign in again: the time to enter your code ran out." in response.get_data(as_text=True)
    assert client.get("/auth/code").status_code == 302


def test_empty_code_gets_a_message_by_the_field(mfa_app, make_user):
    officer = make_user("officer")
    client = mfa_app.test_client()
    _password(client, officer)
    response = client.post("/auth/code/set-up", data={"code": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter the 6-digit code from your authenticator app" in page and "govuk-error-message" in page


def test_facilitators_sign_in_with_a_password_alone(mfa_app, make_user):
    facilitator = make_user("facilitator")
    client = mfa_app.test_client()
    assert _password(client, facilitator).headers["Location"].endswith("/staff/")
    assert _signed_in(client)


def test_codes_either_side_of_now_are_accepted_but_not_older(app, make_user):
    user = make_user("officer")
    secret = mfa.new_secret()
    now = time.time()
    totp = pyotp.TOTP(secret)
    assert not mfa.verify_code(user, totp.at(now - 60), secret=secret, now=now)
    assert mfa.verify_code(user, totp.at(now - 30), secret=secret, now=now)
    assert mfa.verify_code(user, totp.at(now + 30), secret=secret, now=now)
    # Once a later step was used, an earlier one is refused.
    assert not mfa.verify_code(user, totp.at(now), secret=secret, now=now)
    assert not mfa.verify_code(user, "12 34", secret=secret, now=now)


def test_an_administrator_resets_a_lost_second_factor_from_the_command_line(mfa_app, make_user):
    officer = make_user("officer")
    client = mfa_app.test_client()
    _set_up(client, officer)
    result = mfa_app.test_cli_runner().invoke(args=["reset-second-factor", officer.email.upper()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, officer.id).totp_secret is None
    # The old session stops working, and the next sign-in sets up a new app.
    assert not _signed_in(client)
    assert _password(client, officer).headers["Location"].endswith("/auth/code/set-up")
    missing = mfa_app.test_cli_runner().invoke(args=["reset-second-factor", "nobody@example.org"])
    assert missing.exit_code != 0 and "No account" in missing.output


def test_demo_code_prints_codes_for_demo_accounts_only(mfa_app, make_user):
    real = make_user("officer")
    real.totp_secret, real.mfa_enabled_at = mfa.new_secret(), real.created_at
    demo = make_user("officer")
    demo.is_demo, demo.totp_secret, demo.mfa_enabled_at = True, mfa.new_secret(), demo.created_at
    db.session.commit()
    result = mfa_app.test_cli_runner().invoke(args=["demo-code"])
    assert result.exit_code == 0
    assert f"{demo.email}: {pyotp.TOTP(demo.totp_secret).now()}" in result.output
    assert real.email not in result.output
