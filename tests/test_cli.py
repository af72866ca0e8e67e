"""The demo command as the README's first command runs it."""
from engage.demo import DEMO_EMAILS
from engage.models import Consultation, User


def test_demo_command_loads_once_and_prints_logins(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    app.config["DEMO_PASSWORD"] = None
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--if-empty", "--responses", "20"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.engage" in result.output
    password = (tmp_path / "demo-password").read_text().strip()
    assert password in result.output
    assert Consultation.query.count() == 1
    assert {u.email for u in User.query.all()} == set(DEMO_EMAILS.values())

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0
    assert "demo data not loaded" in again.output
    assert password in again.output
    assert Consultation.query.count() == 1

    refused = runner.invoke(args=["demo"])
    assert refused.exit_code != 0
    assert "only loaded into an empty database" in refused.output


def test_demo_users_can_sign_in_with_the_configured_password(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    app.config["DEMO_PASSWORD"] = "demo password from env"
    result = app.test_cli_runner().invoke(args=["demo", "--responses", "5"])
    assert result.exit_code == 0, result.output
    assert "ENGAGE_DEMO_PASSWORD" in result.output
    client = app.test_client()
    response = client.post("/auth/login", data={"email": DEMO_EMAILS["officer"],
                                                "password": "demo password from env"})
    assert response.status_code == 302
