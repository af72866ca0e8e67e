"""flask --app engage worker: an RQ worker for background jobs (when REDIS_URL is set)."""
import click
from flask import current_app


def init_app(app):
    """Register the command."""

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty (for scripts and tests).")
    def worker(burst):
        """Run background jobs (imports, tagging, exports) from the Redis queue."""
        url = current_app.config.get("REDIS_URL")
        if not url:
            raise click.ClickException("Set REDIS_URL to use separate workers. Without it, jobs run inside "
                                       "the web process and no worker is needed.")
        from rq import Worker

        from engage.jobs import rq_queue

        queue = rq_queue(url)
        click.echo(f"Engage worker listening on the {queue.name!r} queue")
        Worker([queue], connection=queue.connection).work(burst=burst)
