"""flask --app engage apply-retention: the scheduled data-protection job (run it daily)."""
import click

from engage.extensions import db
from engage.privacy import services


def init_app(app):
    """Register the command."""

    @app.cli.command("apply-retention")
    @click.option("--dry-run", is_flag=True, help="List what is due without changing anything.")
    def apply_retention(dry_run):
        """Remove contact details and unlink equality answers where the retention period has passed."""
        due = services.retention_due()
        if not due:
            click.echo("Nothing is due: no consultation is past its retention date with personal data left.")
            return
        for consultation in due:
            if dry_run:
                click.echo(f"Due: {consultation.title} (published {consultation.published_at:%d %B %Y}, "
                           f"{consultation.retention_days} days)")
                continue
            counts = services.apply_retention(consultation)
            db.session.commit()
            click.echo(f"{consultation.title}: contact details removed from {counts['contact_details_removed']} "
                       f"responses, {counts['equality_answers_unlinked']} equality answers unlinked.")
