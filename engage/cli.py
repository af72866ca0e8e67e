"""Command-line tasks: flask --app engage create-admin | demo."""
import secrets

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

        if not database_is_empty():
            if if_empty:
                click.echo("The database already has consultations: demo data not loaded.")
                return
            raise click.ClickException("The database already has consultations; demo data is "
                                       "only loaded into an empty database.")
        password = current_app.config.get("DEMO_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        summary = load_demo(password, responses=responses)
        db.session.commit()
        click.echo(f"Demo consultation loaded: {summary['responses']} responses, "
                   f"{summary['feedback_items']} feedback items, {summary['events']} events.")
        click.echo("Demo accounts: " + ", ".join(DEMO_EMAILS.values()))
        if generated:
            click.echo(f"Demo password (generated, set ENGAGE_DEMO_PASSWORD to choose): {password}")
        else:
            click.echo("Demo password: the value of ENGAGE_DEMO_PASSWORD")
