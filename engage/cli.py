"""Command-line tasks: flask --app engage create-admin | demo."""
import secrets
from pathlib import Path

import click
from flask import current_app

from engage.extensions import db


def init_app(app):
    """Register the commands."""

    @app.cli.command("create-admin")
    @click.option("--email", prompt="Email address")
    @click.option("--name", prompt="Full name")
    @click.password_option("--password", prompt="Password (12 characters or more)")
    def create_admin(email, name, password):
        """Create an administrator account."""
        from engage.auth.services import create_user

        try:
            user = create_user(email, name, password, role="admin")
        except ValueError as problem:
            raise click.ClickException(str(problem)) from None
        db.session.commit()
        click.echo(f"Administrator {user.email} created.")

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing if the database already has consultations.")
    @click.option("--responses", default=300, show_default=True, help="How many synthetic responses.")
    def demo(if_empty, responses):
        """Load the demo partnership, consultation and accounts (all marked as demo)."""
        from engage.demo import DEMO_EMAILS, database_is_empty, load_demo

        saved = Path(current_app.instance_path) / "demo-password"
        if not database_is_empty():
            if not if_empty:
                raise click.ClickException("The database already has consultations; demo data is "
                                           "only loaded into an empty database.")
            click.echo("The database already has consultations: demo data not loaded.")
            _print_logins(DEMO_EMAILS, current_app.config.get("DEMO_PASSWORD"), saved)
            return
        password = current_app.config.get("DEMO_PASSWORD")
        if password:
            from engage.auth.services import password_problem

            problem = password_problem(password)
            if problem:
                raise click.ClickException(f"ENGAGE_DEMO_PASSWORD: {problem}")
        else:
            password = secrets.token_urlsafe(12)
            # Kept (owner-only) so that the next start can print it again.
            saved.write_text(password)
            saved.chmod(0o600)
        summary = load_demo(password, responses=responses)
        db.session.commit()
        click.echo(f"Demo consultation loaded: {summary['responses']} responses, "
                   f"{summary['feedback_items']} feedback items, {summary['events']} events.")
        _print_logins(DEMO_EMAILS, current_app.config.get("DEMO_PASSWORD"), saved)


def _print_logins(emails, configured_password, saved):
    """Tell the person starting Engage how to sign in to the demo."""
    click.echo("Demo accounts: " + ", ".join(emails.values()))
    click.echo("Admin and officer sign-in also asks for a code: get the current one with "
               "`.venv/bin/flask --app engage demo-code` (demo accounts only).")
    if configured_password:
        click.echo("Demo password: the value of ENGAGE_DEMO_PASSWORD")
    elif saved.exists():
        click.echo(f"Demo password (generated; set ENGAGE_DEMO_PASSWORD to choose your own): "
                   f"{saved.read_text().strip()}")
