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

    @app.cli.command("evaluate-tagging")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--text-column", required=True, help="The column holding each item's text.")
    @click.option("--themes-column", required=True, help="The column holding each item's themes.")
    @click.option("--separator", default=";", show_default=True, help="What separates themes in one cell.")
    @click.option("--train-fraction", type=float, default=None,
                  help="Share of items to train on (default 0.8). Not with --train-size.")
    @click.option("--train-size", type=int, default=None, help="How many items to train on. Not with --train-fraction.")
    @click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random split and bootstrap.")
    @click.option("--stance-column", default=None,
                  help="Optional column of human stances (a number: <0 concern, 0 neutral, >0 support; or a word).")
    @click.option("--context-column", default=None,
                  help="Optional column saying what each item answered (such as the question), "
                       "as the app knows for responses.")
    @click.option("--resamples", type=click.IntRange(min=10), default=1000, show_default=True,
                  help="Bootstrap resamples for the micro-F1 interval.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
    def evaluate_tagging(file, text_column, themes_column, separator, train_fraction, train_size, seed,
                         stance_column, context_column, resamples, as_json):
        """Measure the theme suggester on a labelled CSV or XLSX file (train on a random part, test on the rest)."""
        import json

        from engage.analysis.evaluation import evaluate_tagging as measure

        if train_fraction is not None and train_size is not None:
            raise click.UsageError("Give --train-fraction or --train-size, not both.")
        if not separator:
            raise click.UsageError("--separator must not be empty.")
        texts, labels, stances, contexts = _read_labelled(file, text_column, themes_column, separator,
                                                          stance_column, context_column)
        try:
            result = measure(texts, labels, train_fraction=train_fraction, train_size=train_size, seed=seed,
                             resamples=resamples, stances=stances, contexts=contexts)
        except ValueError as problem:
            raise click.ClickException(str(problem)) from None
        result["file"] = file
        if as_json:
            click.echo(json.dumps(result, default=str))
        else:
            _print_tagging_table(result)


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


def _read_labelled(path, text_column, themes_column, separator, stance_column=None, context_column=None):
    """Texts, theme lists and (optionally, else None) stances and contexts from a CSV or XLSX file; rows without text are skipped."""
    from engage.analysis.evaluation import stance_of
    from engage.imports.tabular import TableError, open_table

    try:
        with open_table(path, path, max_bytes=float("inf"), max_uncompressed=float("inf")) as table:
            text_name, themes_name, stance_name, context_name = (
                _column(table.headers, name, option, path) if name is not None else None
                for name, option in ((text_column, "--text-column"), (themes_column, "--themes-column"),
                                     (stance_column, "--stance-column"), (context_column, "--context-column")))
            texts, labels, stances, contexts = [], [], [], []
            for row in table.rows():
                text = (row.values.get(text_name) or "").strip()
                if not text:
                    continue
                themes = [part.strip() for part in (row.values.get(themes_name) or "").split(separator)]
                texts.append(text)
                labels.append(list(dict.fromkeys(theme for theme in themes if theme)))
                if stance_name is not None:
                    stances.append(stance_of(row.values.get(stance_name)))
                if context_name is not None:
                    contexts.append((row.values.get(context_name) or "").strip() or None)
    except TableError as problem:
        raise click.ClickException(f"{path}: {problem}") from None
    if not texts:
        raise click.ClickException(f"{path}: no row has any text in the column {text_name!r}.")
    return (texts, labels, stances if stance_name is not None else None,
            contexts if context_name is not None else None)


def _column(headers, name, option, path):
    """The header matching a column name given on the command line (exactly, else ignoring case and spacing)."""
    if name in headers:
        return name
    wanted = " ".join(name.split()).casefold()
    for header in headers:
        if header.casefold() == wanted:
            return header
    raise click.ClickException(f"{path} has no column named {name!r} ({option}). "
                               f"Its columns are: {', '.join(repr(header) for header in headers)}.")


def _print_tagging_table(result):
    """The evaluate-tagging figures as a readable table."""
    split = (f"{result['train_size']:,} items" if result["train_size"] is not None
             else f"{result['train_fraction']:.0%} of items")
    click.echo(f"{result['file']}: trained on {result['n_train']:,}, tested on {result['n_test']:,} "
               f"({split} for training, seed {result['seed']}); {result['n_themes']} themes, "
               f"{result['n_themes_learnt']} learnt; {result['items_without_theme']:,} items with no theme.")
    header = ("method", "micro-F1", "95% interval", "macro-F1", "samples-F1", "precision", "recall",
              "train s", "items/s")
    rows = [header]
    for name, figures, seconds in (("Engage suggester", result, result["train_seconds"]),
                                   ("NaiveBayes baseline", result.get("baseline"), None)):
        if not figures:
            continue
        low, high = figures["micro_f1_ci"]
        rows.append((name, f"{figures['micro_f1']:.3f}", f"{low:.3f}-{high:.3f}", f"{figures['macro_f1']:.3f}",
                     f"{figures['samples_f1']:.3f}", f"{figures['micro_precision']:.3f}",
                     f"{figures['micro_recall']:.3f}", f"{figures.get('train_seconds', seconds):.1f}",
                     f"{figures['suggest_items_per_second']:,.0f}"))
    _echo_rows(rows)
    method = result["method"]
    click.echo(f"Suggester: {method.get('model_family')}, decoding {method.get('sharing', '-')}, "
               f"threshold {method.get('threshold', '-')}, top-1 floor {method.get('floor')}; "
               f"training used {result['train_cpu_seconds']:.1f} s of CPU.")
    stance = result.get("stance")
    if stance:
        click.echo("")
        click.echo(f"Stance: {stance['n_test']:,} test items with a human stance.")
        rows = [("method", "kappa", "accuracy", "macro-F1", "items/s")]
        for name, key in (("tone rule", "rule"), ("learnt model", "model")):
            figures = stance.get(key)
            if figures:
                kappa = "-" if figures["kappa"] is None else f"{figures['kappa']:.3f}"
                rows.append((name, kappa, f"{figures['accuracy']:.3f}", f"{figures['macro_f1']:.3f}",
                             f"{figures['items_per_second']:,.0f}"))
        _echo_rows(rows)


def _echo_rows(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for number, row in enumerate(rows):
        click.echo("  ".join(str(cell).ljust(width) if index == 0 else str(cell).rjust(width)
                             for index, (cell, width) in enumerate(zip(row, widths))))
        if number == 0:
            click.echo("  ".join("-" * width for width in widths))
