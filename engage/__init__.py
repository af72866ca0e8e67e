"""Engage: consult on draft plans and publish the statement of consultation."""
from pathlib import Path

# Flask is imported inside the factory so that engage.analysis (plain functions
# on strings) can be imported and benchmarked without loading the web stack.

ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Build the Flask application from a config class (Config by default)."""
    from flask import Flask

    from config import INSTANCE_DIR, Config

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
        instance_relative_config=False,
    )
    app.config.from_object(config or Config)
    Config.check(app.config)
    INSTANCE_DIR.mkdir(exist_ok=True)

    register_templates(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_templates(app):
    """Our templates first, then the GOV.UK Frontend macros."""
    from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from engage import templating

    templating.init_app(app)


def register_extensions(app):
    """Bind the unbound extensions to this app."""
    from govuk_frontend_wtf.main import WTFormsHelpers

    from engage import database, models, templating  # noqa: F401  (models registers the tables)
    from engage.extensions import CONTENT_SECURITY_POLICY, babel, csrf, db, limiter, login_manager, migrate, talisman

    # First, so the CSP nonce exists before any other before_request hook can fail.
    talisman.init_app(
        app, force_https=app.config["FORCE_HTTPS"], strict_transport_security=True,
        strict_transport_security_max_age=365 * 24 * 3600,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"], session_cookie_http_only=True,
        content_security_policy=CONTENT_SECURITY_POLICY, content_security_policy_nonce_in=["script-src"],
        frame_options="DENY", referrer_policy="strict-origin-when-cross-origin", x_content_type_options=True,
    )
    database.configure_sqlite(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=templating.select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    limiter.init_app(app)
    WTFormsHelpers(app)
    from engage.auth import services as auth_services

    auth_services.init_login_manager(login_manager)
    login_manager.init_app(app)
    from engage import security

    security.init_app(app)


def register_blueprints(app):
    """One blueprint per feature."""
    from engage.agreement import bp as agreement_bp
    from engage.auth import bp as auth_bp
    from engage.codebook import bp as codebook_bp
    from engage.coding import bp as coding_bp
    from engage.consultations import bp as consultations_bp
    from engage.emerging import bp as emerging_bp
    from engage.exports import bp as exports_bp
    from engage.moderation import bp as moderation_bp
    from engage.published import bp as published_bp
    from engage.statements import bp as statements_bp
    from engage.privacy import bp as privacy_bp
    from engage.events import bp as events_bp
    from engage.imports import bp as imports_bp
    from engage.intake import bp as intake_bp
    from engage.main import bp as main_bp
    from engage.public import bp as public_bp
    from engage.responses import bp as responses_bp

    for blueprint in (main_bp, public_bp, auth_bp, consultations_bp, responses_bp, events_bp, intake_bp,
                      imports_bp, codebook_bp, coding_bp, emerging_bp, agreement_bp, privacy_bp,
                      moderation_bp, statements_bp, published_bp, exports_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app):
    """403, 404, 413 and 500 pages; 500 rolls the session back."""
    from engage import errors

    errors.init_app(app)


def register_commands(app):
    """flask --app engage create-admin, demo, ..."""
    from engage import backup, cli, worker
    from engage.auth import commands as auth_commands
    from engage.privacy import commands as privacy_commands

    cli.init_app(app)
    auth_commands.init_app(app)
    backup.init_app(app)
    privacy_commands.init_app(app)
    worker.init_app(app)
