"""Signing in and out: hashing, throttling per account, session rotation."""
from engage.auth.services import create_user, hash_password, password_problem
from engage.extensions import db
from engage.models import User
from tests.conftest import PASSWORD, login


def test_passwords_are_stored_as_argon2_hashes(app, make_user):
    user = make_user("officer")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_password_rules():
    assert password_problem("short") == "Password must be 12 characters or more"
    assert password_problem("x" * 64) is None
    assert password_problem("x" * 129) is not None


def test_sign_in_and_out(client, make_user):
    user = make_user("officer")
    response = login(client, user)
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    page = client.get("/staff/").get_data(as_text=True)
    assert user.email in page
    client.post("/auth/logout")
    assert client.get("/staff/").status_code == 302


def test_wrong_password_shows_message_by_field_and_keeps_email(client, make_user):
    user = make_user("officer")
    response = client.post("/auth/login", data={"email": user.email, "password": "wrong password!"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The email address or password is not right" in page
    assert f'value="{user.email}"' in page
    assert "govuk-error-summary" in page


def test_missing_fields_are_reported(client):
    response = client.post("/auth/login", data={"email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert "Enter your email address" in page
    assert "Enter your password" in page


def test_login_is_throttled_per_account_not_globally(client, app, make_user):
    victim = make_user("officer")
    other = make_user("officer")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/auth/login", data={"email": victim.email, "password": "not the password"})
    # Even the right password is refused while the account is locked...
    response = client.post("/auth/login", data={"email": victim.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Too many failed attempts" in response.get_data(as_text=True)
    # ...but another account signs in normally.
    assert login(client, other).status_code == 302


def test_session_token_rotates_at_login_and_old_cookie_stops_working(app, make_user):
    user = make_user("officer")
    first = app.test_client()
    login(first, user)
    token_before = db.session.get(User, user.id).session_token
    second = app.test_client()
    login(second, user)
    db.session.rollback()
    assert db.session.get(User, user.id).session_token != token_before
    # The earlier session was issued with the old token: it no longer works.
    assert first.get("/staff/").status_code == 302
    assert second.get("/staff/").status_code == 200


def _signed_in_and_copied(app, make_user):
    """An officer's signed-in browser, and another browser holding a copy of its session."""
    client = app.test_client()
    login(client, make_user("officer"))
    with client.session_transaction() as saved:
        stolen = dict(saved)
    copy = app.test_client()
    with copy.session_transaction() as session:
        session.update(stolen)
    return client, copy


def test_logout_invalidates_the_session_server_side(app, make_user):
    client, replay = _signed_in_and_copied(app, make_user)
    client.post("/auth/logout")
    assert replay.get("/staff/").status_code == 302


def test_a_signed_in_session_replayed_from_another_browser_is_signed_out(app, make_user):
    client, thief = _signed_in_and_copied(app, make_user)
    elsewhere = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}, "headers": {"User-Agent": "Another browser"}}
    r = thief.get("/staff/", **elsewhere)
    assert r.status_code == 302 and "/auth/login" in r.location
    assert thief.get("/staff/", **elsewhere).status_code == 302  # the stolen session stays signed out
    assert client.get("/staff/").status_code == 200  # the officer's own browser is unaffected


def test_open_redirect_is_refused(client, make_user):
    user = make_user("officer")
    response = client.post("/auth/login?next=https://evil.example/", data={"email": user.email,
                                                                           "password": PASSWORD})
    assert response.headers["Location"].endswith("/staff/")


def test_create_admin_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--email", "Boss@Example.org", "--name", "Boss",
                                 "--password", "a very long password"])
    assert result.exit_code == 0, result.output
    user = User.query.filter_by(email="boss@example.org").one()
    assert user.role == "admin"
    result = runner.invoke(args=["create-admin", "--email", "x@example.org", "--name", "X",
                                 "--password", "short"])
    assert result.exit_code != 0
    assert "12 characters" in result.output


def test_duplicate_account_refused(app):
    create_user("a@example.org", "A", "a long password 1")
    db.session.commit()
    try:
        create_user("A@example.org", "A", "a long password 1")
    except ValueError as problem:
        assert "already exists" in str(problem)
    else:
        raise AssertionError("duplicate account created")


def test_hash_is_salted(app):
    assert hash_password("same password 123") != hash_password("same password 123")
