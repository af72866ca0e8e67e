"""Commands for staff accounts' second factor."""
import click
import pyotp

from engage.auth import mfa
from engage.auth.services import normalise_email
from engage.extensions import db
from engage.models import User


def init_app(app):
    """Register the commands."""

    @app.cli.command("reset-second-factor")
    @click.argument("email")
    def reset_second_factor(email):
        """Unlink a user's authenticator app (lost phone): they set up a new one at next sign-in."""
        from engage import audit

        user = User.query.filter_by(email=normalise_email(email)).first()
        if user is None:
            raise click.ClickException(f"No account with the email address {email}")
        mfa.reset(user)
        user.rotate_session_token()
        audit.record("user.second_factor_reset", user, user=None, by="command line")
        db.session.commit()
        click.echo(f"The second factor of {user.email} was reset; they will set up a new app at next sign-in.")

    @app.cli.command("demo-code")
    def demo_code():
        """The current sign-in code of each demo account (demo accounts only)."""
        users = User.query.filter(User.is_demo.is_(True), User.totp_secret.isnot(None)).order_by(User.email).all()
        if not users:
            raise click.ClickException("No demo account has a second factor.")
        for user in users:
            click.echo(f"{user.email}: {pyotp.TOTP(user.totp_secret).now()}")
